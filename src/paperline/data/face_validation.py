"""Great Expectations suite for face-recognition datasets (GX Core 1.x, ephemeral context).

Checks what training and evaluation rely on: every image decodes at the expected size (image folder
and RecordIO), enough identities and images per identity, pairs point at existing files, folds are
balanced. The result is a Markdown report plus JSON; a failed suite raises ValidationFailed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pandas as pd

from ..errors import DataError, ValidationFailed
from .face_formats import decode_image, list_image_folder, read_pairs
from .recordio import read_face_rec


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


def _describe(table: str, df: pd.DataFrame, r: dict) -> tuple[str, list[str]]:
    cfg = r["expectation_config"]
    kw = {k: v for k, v in cfg["kwargs"].items() if k not in ("batch_id",)}
    res = r.get("result") or {}
    bad = res.get("unexpected_count")
    examples = []
    if not r["success"]:
        idx = res.get("partial_unexpected_index_list") or []
        col = "file" if "file" in df.columns else ("left" if "left" in df.columns else df.columns[0])
        if kw.get("column") in ("right_exists",):
            col = "right"
        for i in idx[:5]:
            if not isinstance(i, int):
                examples.append(str(i))
            else:
                value = df.iloc[i][col]
                examples.append(str(value) if col in ("file", "left", "right") else f"{col} {value}")
        if not examples and res.get("partial_unexpected_list"):
            examples = [str(v) for v in res["partial_unexpected_list"][:5]]
        if not examples and "observed_value" in res:
            examples = [f"observed {res['observed_value']}"]
    line = f"| {table} | {cfg['type']} | {json.dumps(kw)} | {'pass' if r['success'] else 'FAIL'} | " \
           f"{'' if bad is None else bad} | {'; '.join(examples)} |"
    return line, examples


def validate_face_dataset(root: str | Path, report_dir: str | Path, size: int = 112, min_identities: int = 2,
                          min_images: int = 2, folds: int = 10) -> dict:
    """Runs the suites; writes report.md / report.json to report_dir; raises ValidationFailed."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    tables = face_tables(root, size)
    suites = face_suites(size, min_identities, min_images, folds)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("face")
    lines = ["# Face dataset validation", "", f"dataset: `{root}`", "",
             "| table | expectation | arguments | result | unexpected | examples |", "|---|---|---|---|---|---|"]
    failures, results = [], {}
    for name, suite in suites.items():
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name).get_batch(
            batch_parameters={"dataframe": tables[name]})
        res = batch.validate(suite, result_format={"result_format": "COMPLETE", "partial_unexpected_count": 20})
        d = res.to_json_dict()
        results[name] = {"success": d["success"], "statistics": d["statistics"]}
        for r in d["results"]:
            line, examples = _describe(name, tables[name], r)
            lines.append(line)
            if not r["success"]:
                failures.append(f"{name}: {r['expectation_config']['type']} ({'; '.join(examples)})")
    success = not failures
    stats = {"success": success, "images": int(len(tables["images"])), "identities": int(len(tables["identities"])),
             "pairs": int(len(tables["pairs"])), "failed_expectations": len(failures), "suites": results}
    lines += ["", f"**{'PASSED' if success else 'FAILED'}**: {len(failures)} failed expectation(s)."]
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.md").write_text("\n".join(lines) + "\n")
    (report_dir / "report.json").write_text(json.dumps(stats, indent=2, default=str))
    if not success:
        raise ValidationFailed(f"dataset {root} failed validation: " + " | ".join(failures)
                               + f" (report: {report_dir / 'report.md'})")
    return stats
