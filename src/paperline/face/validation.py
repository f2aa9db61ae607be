"""Great Expectations suite for face-recognition datasets (GX Core 1.x, ephemeral context).

Checks what training and evaluation rely on: every image decodes at the expected size (image folder
and RecordIO), enough identities and images per identity, pairs (verify/, and val/ where the set has
it) point at existing files, folds are balanced, and no validation identity is a training or
verification one. The result is a Markdown report plus JSON; a failed suite raises ValidationFailed.
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
    splits = {"verify": read_pairs(root / "verify" / "pairs.txt", root / "verify" / "images", check_files=False)}
    if (root / "val" / "pairs.txt").is_file():
        splits["val"] = read_pairs(root / "val" / "pairs.txt", root / "val" / "images", check_files=False)
    pair_df = pd.DataFrame([{"split": split, "left": str(p.left), "right": str(p.right),
                             "left_exists": p.left.is_file(), "right_exists": p.right.is_file(), "same": p.same,
                             "fold": p.fold} for split, pairs in splits.items() for p in pairs])
    folds = pair_df.groupby(["split", "fold"])["same"].agg(same_pairs="sum", pairs="count").reset_index()
    folds["different_pairs"] = folds["pairs"] - folds["same_pairs"]
    # "verify 0": what a failure names
    folds.insert(0, "fold", folds.pop("split") + " " + folds.pop("fold").astype(str))
    vpaths = sorted({p for pairs in splits.values() for pr in pairs for p in (pr.left, pr.right) if p.is_file()})
    rows += _image_rows(vpaths)
    # a validation identity seen in training or in the reported pairs would flatter what is chosen on it
    seen = {"train": set(names), "verify": _identities(pair_df, "verify")}
    also = {i: ",".join(k for k, ids_ in seen.items() if i in ids_) or "nowhere" for i in _identities(pair_df, "val")}
    overlap = pd.DataFrame({"identity": sorted(also), "also_in": [also[i] for i in sorted(also)]})
    return {"images": pd.DataFrame(rows), "identities": ids, "pairs": pair_df, "folds": folds,
            "val_identities": overlap}


def _identities(pair_df: pd.DataFrame, split: str) -> set[str]:
    """The identity folders a split's pairs name."""
    sides = pair_df.loc[pair_df["split"] == split, ["left", "right"]].to_numpy().ravel()
    return {Path(p).parent.name for p in sides}


def face_suites(size: int, min_identities: int, min_images: int, folds: int, splits: int = 1):
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
            gxe.ExpectTableRowCountToEqual(value=folds * splits),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="same_pairs", column_B="different_pairs")]),
        "val_identities": gx.ExpectationSuite("face_val_disjoint", expectations=[
            gxe.ExpectColumnValuesToBeInSet(column="also_in", value_set=["nowhere"])]),
    }


def validate_face_dataset(root: str | Path, report_dir: str | Path, size: int = 112, min_identities: int = 2,
                          min_images: int = 2, folds: int = 10) -> dict:
    """Runs the suites; writes report.md / report.json to report_dir; raises ValidationFailed."""
    tables = face_tables(root, size)
    pairs = tables["pairs"]
    counts = {"images": int(len(tables["images"])), "identities": int(len(tables["identities"])),
              "pairs": int((pairs["split"] == "verify").sum()), "val_pairs": int((pairs["split"] == "val").sum())}
    suites = face_suites(size, min_identities, min_images, folds, int(pairs["split"].nunique()))
    return run_suites("Face dataset validation", root, tables, suites, report_dir, counts)
