"""Great Expectations suite for face-recognition datasets (GX Core 1.x, ephemeral context).

Checks what training and evaluation rely on: every image decodes at the expected size (image folder
and RecordIO), enough identities and images per identity, pairs point at existing files, folds are
balanced. The result is a Markdown report plus JSON; a failed suite raises ValidationFailed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from paperline.core.errors import DataError
from paperline.core.expectations import run_suites
from paperline.face.formats import list_image_folder, read_pairs
from paperline.face.recordio import read_face_rec
from paperline.faceimage.formats import decode_image


def _image_rows(paths):
    rows = []
    for p in paths:
        try:
            img = decode_image(Path(p).read_bytes(), str(p), None)
            rows.append({"file": str(p), "decodes": True, "width": img.shape[1], "height": img.shape[0]})
        except (DataError, OSError):
            rows.append({"file": str(p), "decodes": False, "width": 0, "height": 0})
    return rows


def face_tables(root: str | Path, size: int) -> dict[str, pd.DataFrame]:
    root = Path(root)
    train = root / "train"
    images_dir = train / "images" if (train / "images").is_dir() else train
    paths, labels, names = list_image_folder(images_dir)
    rows = _image_rows(paths)
    rec = train / "train.rec"
    if rec.exists():
        k = 0
        try:
            for k, (_, jpeg) in enumerate(read_face_rec(rec, train / "train.idx"), 1):
                try:
                    img = decode_image(jpeg, f"{rec} record {k}")
                    rows.append({"file": f"{rec} record {k}", "decodes": True, "width": img.shape[1],
                                 "height": img.shape[0]})
                except DataError:
                    rows.append({"file": f"{rec} record {k}", "decodes": False, "width": 0, "height": 0})
        except DataError as e:
            rows.append({"file": str(e), "decodes": False, "width": 0, "height": 0})
    counts = Counter(labels.tolist())
    ids = pd.DataFrame({"identity": names, "images": [counts.get(i, 0) for i in range(len(names))]})
    verify = root / "verify"
    pairs = read_pairs(verify / "pairs.txt", verify / "images", check_files=False)
    pair_df = pd.DataFrame({"left": [str(p.left) for p in pairs], "right": [str(p.right) for p in pairs],
                            "left_exists": [p.left.is_file() for p in pairs],
                            "right_exists": [p.right.is_file() for p in pairs],
                            "same": [p.same for p in pairs], "fold": [p.fold for p in pairs]})
    folds = pair_df.groupby("fold")["same"].agg(same_pairs="sum", pairs="count").reset_index()
    folds["different_pairs"] = folds["pairs"] - folds["same_pairs"]
    vpaths = sorted({p for pr in pairs for p in (pr.left, pr.right) if p.is_file()})
    rows += _image_rows(vpaths)
    return {"images": pd.DataFrame(rows), "identities": ids, "pairs": pair_df, "folds": folds}


def face_suites(size: int, min_identities: int, min_images: int, folds: int):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return {
        "images": gx.ExpectationSuite("face_images", expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="decodes", value_set=[True]),
            gxe.ExpectColumnValuesToBeBetween(column="width", min_value=size, max_value=size),
            gxe.ExpectColumnValuesToBeBetween(column="height", min_value=size, max_value=size)]),
        "identities": gx.ExpectationSuite("face_identities", expectations=[
            gxe.ExpectTableRowCountToBeBetween(min_value=min_identities),
            gxe.ExpectColumnValuesToBeBetween(column="images", min_value=min_images)]),
        "pairs": gx.ExpectationSuite("face_pairs", expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="left_exists", value_set=[True]),
            gxe.ExpectColumnValuesToBeInSet(column="right_exists", value_set=[True])]),
        "folds": gx.ExpectationSuite("face_folds", expectations=[
            gxe.ExpectTableRowCountToEqual(value=folds),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="same_pairs", column_B="different_pairs")]),
    }


def validate_face_dataset(root: str | Path, report_dir: str | Path, size: int = 112, min_identities: int = 2,
                          min_images: int = 2, folds: int = 10) -> dict:
    """Runs the suites; writes report.md / report.json to report_dir; raises ValidationFailed."""
    tables = face_tables(root, size)
    counts = {"images": int(len(tables["images"])), "identities": int(len(tables["identities"])),
              "pairs": int(len(tables["pairs"]))}
    return run_suites("Face dataset validation", root, tables, face_suites(size, min_identities, min_images, folds),
                      report_dir, counts)
