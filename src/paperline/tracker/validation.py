"""Great Expectations suites for tracking sequences, whichever layouts the dataset holds.

What the trackers and metrics rely on: as many ground-truth rows as frames; every box of positive
size lying (at least partly) inside its frame, or flagged as out of view (VOT: `out_of_view.tag` or
a row without a region; OTB: a row of zeros); every DAVIS mask the size of its frame; every tag file
one row per frame; and the first frame of each sequence a box to start from. A failure names the
file and the line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from paperline.core.errors import DataError
from paperline.core.expectations import run_suites
from paperline.core.imagefile import check_complete
from paperline.tracker.sequences import Sequence, layout_roots, read_davis, read_otb, read_vot


def _size(path: Path) -> tuple[int, int]:
    """(width, height) from the image header; (0, 0) when it is missing or unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            size = im.size
        check_complete(Path(path).read_bytes(), str(path))
        return size
    except (OSError, UnidentifiedImageError, ValueError, DataError):
        return (0, 0)


def tables_for(layout: str, seqs: list[Sequence]) -> dict[str, list[dict]]:
    rows = {"sequences": [], "boxes": [], "masks": [], "tags": []}
    for s in seqs:
        w, h = _size(s.frames[0]) if s.frames else (0, 0)
        first = s.boxes[0] if len(s.boxes) else np.full(4, np.nan)
        rows["sequences"].append({"file": str(s.truth_file), "layout": layout, "frames": len(s.frames),
                                  "rows_match": len(s.boxes) == len(s.frames) and len(s.frames) > 0,
                                  "first_frame_readable": w > 0,
                                  "first_box_ok": bool(np.all(np.isfinite(first)) and first[2] > 0 and first[3] > 0)})
        oov = s.tags.get("out_of_view")
        for i, b in enumerate(s.boxes):
            flagged = not np.all(np.isfinite(b)) or bool(oov is not None and i < len(oov) and oov[i])
            inside = bool(np.all(np.isfinite(b)) and b[2] > 0 and b[3] > 0 and b[0] < w and b[1] < h
                          and b[0] + b[2] > 0 and b[1] + b[3] > 0)
            rows["boxes"].append({"file": f"{s.truth_file}:{i + 1}", "inside_or_out_of_view": inside or flagged})
        for i, m in enumerate(s.masks or []):
            frame = (w, h) if i == 0 and s.frames else _size(s.frames[i]) if i < len(s.frames) else (-1, -1)
            rows["masks"].append({"file": str(m), "size_matches": _size(m) == frame and frame != (0, 0)})
        for tag, values in s.tags.items():
            rows["tags"].append({"file": str(s.tag_files[tag]), "rows_match": len(values) == len(s.frames)})
    return rows


def validate_sequences(root: str | Path, report_dir: str | Path) -> dict:
    """Every layout under `root` (VOT, OTB, DAVIS train and val); writes report.md/json; raises
    ValidationFailed naming the files and lines on a failure."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    roots = layout_roots(root)
    collected = {"sequences": [], "boxes": [], "masks": [], "tags": []}
    counts = {}
    for layout, where in roots.items():
        if layout == "vot":
            seqs = read_vot(where)
        elif layout == "otb":
            seqs = read_otb(where)
        else:
            seqs = [s for split in ("train", "val") for s in _davis_split(where, split)]
        counts[layout] = {"sequences": len(seqs), "frames": sum(len(s) for s in seqs)}
        for k, v in tables_for(layout, seqs).items():
            collected[k].extend(v)
    tables = {k: pd.DataFrame(v or [{"file": "", "ok": True}]) for k, v in collected.items()}
    true = lambda c: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=[True])  # noqa: E731
    suites = {"sequences": gx.ExpectationSuite("tracker_sequences", expectations=[
        true("rows_match"), true("first_frame_readable"), true("first_box_ok"),
        gxe.ExpectColumnValuesToBeBetween(column="frames", min_value=2)]),
        "boxes": gx.ExpectationSuite("tracker_boxes", expectations=[true("inside_or_out_of_view")])}
    if collected["masks"]:
        suites["masks"] = gx.ExpectationSuite("tracker_masks", expectations=[true("size_matches")])
    if collected["tags"]:
        suites["tags"] = gx.ExpectationSuite("tracker_tags", expectations=[true("rows_match")])
    return run_suites("tracking sequences", root, {k: tables[k] for k in suites}, suites, report_dir,
                      {"layouts": sorted(roots), **counts})


def _davis_split(root: Path, split: str) -> list[Sequence]:
    from paperline.tracker.sequences import davis_split_file

    return read_davis(root, split) if davis_split_file(root, split) is not None else []
