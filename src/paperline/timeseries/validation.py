"""Great Expectations suites for a UCR classification dataset (both splits).

What the models rely on: series of one length unless the file declares variable lengths, no missing
values unless declared (and never a series without values), every label among its file's declared
classes, test labels among the training classes, two classes or more to learn. Each row is a series,
named `file:line` so a failure points at the line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core.expectations import run_suites
from paperline.timeseries.formats import Split, length_of, read_split


def _table(split: Split, train_classes: set[str]) -> pd.DataFrame:
    declared = set(split.classes)
    return pd.DataFrame({
        "file": [f"{split.path}:{line}" for line in split.lines],
        "length": split.lengths, "missing": split.missing_counts,
        "has_values": split.missing_counts < split.lengths, "label": split.labels,
        "label_declared": [lab in declared for lab in split.labels],
        "label_in_train_classes": [lab in train_classes for lab in split.labels]})


def _suite(name: str, split: Split, length: int | None, train: bool):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    true = lambda c: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=[True])  # noqa: E731
    exps = [true("label_declared"), true("has_values")]
    if length is not None:  # declared (or found) equal lengths: one length across both splits
        exps.append(gxe.ExpectColumnValuesToBeBetween(column="length", min_value=length, max_value=length))
    if not split.missing:
        exps.append(gxe.ExpectColumnValuesToBeBetween(column="missing", min_value=0, max_value=0))
    if train:
        exps.append(gxe.ExpectColumnUniqueValueCountToBeBetween(column="label", min_value=2))
    else:
        exps.append(true("label_in_train_classes"))
    return gx.ExpectationSuite(name, expectations=exps)


def validate_ucr(root: str | Path, name: str, report_dir: str | Path) -> dict:
    """Both splits of `name` under `root`; writes report.md/json; raises ValidationFailed on a failure."""
    train, test = read_split(root, name, "train"), read_split(root, name, "test")
    classes = set(train.labels)
    length = length_of(train, test)
    tables = {"train": _table(train, classes), "test": _table(test, classes)}
    fixed = length if isinstance(length, int) else None  # a declared variable length has no fixed value
    suites = {"train": _suite(f"{name}_train", train, fixed, True),
              "test": _suite(f"{name}_test", test, fixed, False)}
    counts = {"dataset": name, "train": len(train), "test": len(test), "classes": len(classes), "length": length,
              "missing_values": int(train.missing_counts.sum() + test.missing_counts.sum()),
              "class_counts": {c: int(n) for c, n in zip(*np.unique(train.labels, return_counts=True))}}
    return run_suites(f"UCR dataset {name}", root, tables, suites, report_dir, counts)
