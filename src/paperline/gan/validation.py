"""Great Expectations suites for an image set (both splits), whichever format it is in.

What training and the metrics rely on: every image of one shape, at least 8 pixels a side, with
1 or 3 channels; pixel values in 0..255; no constant image (a blank image is a broken file or
export); labels, where there are any, inside the class range, with every class present in the
train split. A row is one image, named `file[index]`, so a failure points at it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core.expectations import run_suites
from paperline.gan.formats import ImageSet, read_split


def image_table(s: ImageSet) -> pd.DataFrame:
    flat = s.images.reshape(len(s.images), -1)
    lo, hi = flat.min(1).astype(int), flat.max(1).astype(int)
    h, w, c = s.images.shape[1:]
    return pd.DataFrame({"file": [f"{s.source}[{i}]" for i in range(len(s.images))], "min": lo, "max": hi,
                         "not_constant": hi > lo, "height": h, "width": w, "channels": c,
                         "label": s.labels if s.labels is not None else -1})


def validate_images(root: str | Path, report_dir: str | Path, crop: int = 0) -> dict:
    """Both splits of the set under `root`; writes report.md/json; raises ValidationFailed naming the
    images on a failure."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    splits = {name: read_split(root, name, crop) for name in ("train", "test")}
    tables, suites, counts = {}, {}, {}
    shape = splits["train"].images.shape[1:]
    for name, s in splits.items():
        df = image_table(s)
        exps = [gxe.ExpectColumnValuesToBeInSet(column="not_constant", value_set=[True]),
                gxe.ExpectColumnValuesToBeBetween(column="min", min_value=0, max_value=255),
                gxe.ExpectColumnValuesToBeBetween(column="max", min_value=0, max_value=255),
                gxe.ExpectColumnValuesToBeBetween(column="height", min_value=max(8, shape[0]), max_value=shape[0]),
                gxe.ExpectColumnValuesToBeBetween(column="width", min_value=max(8, shape[1]), max_value=shape[1]),
                gxe.ExpectColumnValuesToBeInSet(column="channels", value_set=[1, 3])]
        if s.labels is not None:
            exps.append(gxe.ExpectColumnValuesToBeBetween(column="label", min_value=0, max_value=s.classes - 1))
            if name == "train":
                exps.append(gxe.ExpectColumnDistinctValuesToContainSet(column="label",
                                                                        value_set=list(range(s.classes))))
        tables[name], suites[name] = df, gx.ExpectationSuite(f"gan_images_{name}", expectations=exps)
        counts[name] = {"images": len(s.images),
                        **({"label_counts": np.bincount(s.labels, minlength=s.classes).tolist()}
                           if s.labels is not None else {})}
    return run_suites("image set", root, tables, suites, report_dir,
                      {"shape": list(shape), "labelled": splits["train"].labels is not None, **counts})
