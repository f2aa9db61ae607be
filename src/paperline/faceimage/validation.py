"""Great Expectations suites for landmark and face-parsing sets (LaPa and JD-landmark layouts).

What training and evaluation rely on: every image has its landmark file (and its label PNG or face
box) and nothing is left over; each landmark file holds 106 finite points inside its image; label
PNGs are single-channel, the image's size, with class ids 0-10 only; face boxes are well formed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from paperline.core.errors import DataError
from paperline.core.expectations import run_suites
from paperline.faceimage.formats import IMAGE_EXTS, decode_image
from paperline.faceimage.layouts import NUM_CLASSES, files_by_name, read_rect


def _files(folder: Path, suffix: str) -> dict[str, Path]:
    """Name -> file; images are keyed by stem, JD's `<name>.jpg.txt` / `.jpg.rect` by their image's stem."""
    if suffix == "image":
        return files_by_name(folder, exts=IMAGE_EXTS, missing_ok=True)
    return {Path(k).stem if Path(k).suffix.lower() in IMAGE_EXTS else k: p
            for k, p in files_by_name(folder, suffix, missing_ok=True).items()}


LANDMARK_COLUMNS = ["file", "points", "header_matches", "finite", "inside"]


def _landmark_row(path: Path, shape) -> dict:
    """points = (x, y) pairs in the file (-1 when unreadable); whether the first line declares as many."""
    row = {"file": str(path), "points": -1, "header_matches": False, "finite": False, "inside": False}
    try:
        vals = path.read_text().split()
        declared = int(vals[0])
        pts = np.asarray([float(v) for v in vals[1:]], np.float64)
    except (OSError, ValueError, IndexError):
        return row
    if pts.size % 2:
        return row
    pts = pts.reshape(-1, 2)
    row.update(points=len(pts), header_matches=declared == len(pts), finite=bool(np.isfinite(pts).all()))
    if shape is not None and row["finite"]:
        h, w = shape
        row["inside"] = bool(((pts >= 0) & (pts < [w, h])).all())
    return row


def parsing_tables(root: str | Path, layout: str, split: str) -> dict[str, pd.DataFrame]:
    """`layout` lapa: <root>/<split>/{images,labels,landmarks}; jd: <root>/<split>/{picture,landmark,rect}."""
    d = Path(root) / split
    if layout == "lapa":
        images, marks = _files(d / "images", "image"), _files(d / "landmarks", ".txt")
        labels, rects = _files(d / "labels", ".png"), {}
    elif layout == "jd":
        images, marks = _files(d / "picture", "image"), _files(d / "landmark", ".txt")
        labels, rects = {}, _files(d / "rect", ".rect")
    else:
        raise DataError(f"unknown layout {layout!r}; use lapa or jd")
    if not images:
        raise DataError(f"{d}: no images (expected the {layout} layout)")
    names = sorted(set(images) | set(marks) | set(labels) | set(rects))
    pairing = pd.DataFrame({
        "file": [str(images.get(n) or marks.get(n) or labels.get(n) or rects.get(n)) for n in names],
        "has_image": [n in images for n in names], "has_landmarks": [n in marks for n in names],
        "has_label": [n in labels for n in names] if layout == "lapa" else True,
        "has_rect": [n in rects for n in names] if layout == "jd" else True})
    shapes, img_rows = {}, []
    for n, p in images.items():
        try:
            img = decode_image(p.read_bytes(), str(p))
        except DataError:
            img = None
        shapes[n] = None if img is None else img.shape[:2]
        img_rows.append({"file": str(p), "decodes": img is not None})
    tables = {"pairing": pairing, "images": pd.DataFrame(img_rows),
              "landmarks": pd.DataFrame([_landmark_row(p, shapes.get(n)) for n, p in marks.items()],
                                        columns=LANDMARK_COLUMNS)}
    if layout == "lapa":
        rows = []
        for n, p in labels.items():
            lab = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
            ok = lab is not None and lab.ndim == 2
            rows.append({"file": str(p), "single_channel": ok, "max_id": int(lab.max()) if ok else -1,
                         "same_size": bool(ok and shapes.get(n) is not None and lab.shape == shapes[n])})
        tables["labels"] = pd.DataFrame(rows)
    else:
        rows = []
        for p in rects.values():
            try:
                read_rect(p)
                rows.append({"file": str(p), "well_formed": True})
            except DataError:
                rows.append({"file": str(p), "well_formed": False})
        tables["rects"] = pd.DataFrame(rows)
    return tables


def parsing_suites(layout: str, points: int = 106) -> dict:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    true = lambda c: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=[True])  # noqa: E731
    suites = {
        "pairing": gx.ExpectationSuite(f"{layout}_pairing", expectations=[
            true("has_image"), true("has_landmarks"), true("has_label"), true("has_rect")]),
        "images": gx.ExpectationSuite(f"{layout}_images", expectations=[true("decodes")]),
        "landmarks": gx.ExpectationSuite(f"{layout}_landmarks", expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="points", min_value=points, max_value=points),
            true("header_matches"), true("finite"), true("inside")]),
    }
    if layout == "lapa":
        suites["labels"] = gx.ExpectationSuite("lapa_labels", expectations=[
            true("single_channel"), true("same_size"),
            gxe.ExpectColumnValuesToBeBetween(column="max_id", min_value=0, max_value=NUM_CLASSES - 1)])
    else:
        suites["rects"] = gx.ExpectationSuite("jd_rects", expectations=[true("well_formed")])
    return suites


def validate_parsing_dataset(root: str | Path, layout: str, split: str, report_dir: str | Path) -> dict:
    """Runs the suites on one split; writes report.md / report.json; raises ValidationFailed."""
    tables = parsing_tables(root, layout, split)
    counts = {"images": int(len(tables["images"])), "landmark_files": int(len(tables["landmarks"]))}
    return run_suites(f"{layout} {split} validation", Path(root) / split, tables, parsing_suites(layout),
                      report_dir, counts)


def validate_train_test(root: str | Path, layout: str, report_dir: str | Path) -> dict:
    """The suites on the training and the test split of a JD or LaPa layout; one report each."""
    from paperline.faceimage.layouts import TRAIN_TEST

    out = {split: validate_parsing_dataset(root, layout, split, Path(report_dir) / split)
           for split in TRAIN_TEST[layout]}
    return {"images": sum(v["images"] for v in out.values()), "splits": list(out)}
