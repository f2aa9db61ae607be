"""Runs Great Expectations suites (GX Core 1.x, ephemeral context) over pandas tables and writes one
report: a Markdown table of every expectation with up to five offending files, and JSON statistics.
A failed suite raises ValidationFailed naming the failures and the report."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from paperline.core.errors import ValidationFailed

FILE_COLUMNS = ("file", "left", "right")


def _describe(table: str, df: pd.DataFrame, r: dict) -> tuple[str, list[str]]:
    cfg = r["expectation_config"]
    kw = {k: v for k, v in cfg["kwargs"].items() if k not in ("batch_id",)}
    res = r.get("result") or {}
    bad = res.get("unexpected_count")
    examples = []
    if not r["success"]:
        idx = res.get("partial_unexpected_index_list") or []
        col = next((c for c in FILE_COLUMNS if c in df.columns), df.columns[0])
        if kw.get("column") in ("right_exists",):
            col = "right"
        for i in idx[:5]:
            if not isinstance(i, int):
                examples.append(str(i))
            elif "line" in df.columns:  # a log: point at the file's line and show the offending value
                row = df.iloc[i]
                value = ""
                if kw.get("column") in df.columns:
                    cell = row[kw["column"]]
                    value = f" {kw['column']}={cell!r}" if isinstance(cell, str) else f" {kw['column']}={cell}"
                examples.append(f"{df.attrs.get('source', 'line')}:{row['line']}{value}")
            else:
                value = df.iloc[i][col]
                examples.append(str(value) if col in FILE_COLUMNS else f"{col} {value}")
        if not examples and res.get("partial_unexpected_list"):
            examples = [str(v) for v in res["partial_unexpected_list"][:5]]
        if not examples and "observed_value" in res:
            examples = [f"observed {res['observed_value']}"]
    line = f"| {table} | {cfg['type']} | {json.dumps(kw)} | {'pass' if r['success'] else 'FAIL'} | " \
           f"{'' if bad is None else bad} | {'; '.join(examples)} |"
    return line, examples


def run_suites(title: str, root, tables: dict[str, pd.DataFrame], suites: dict, report_dir: str | Path,
               counts: dict) -> dict:
    """Validates each table against its suite; returns {success, **counts, failed_expectations, suites}."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas("tables")
    lines = [f"# {title}", "", f"dataset: `{root}`", "",
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
                column = r["expectation_config"]["kwargs"].get("column")
                failures.append(f"{name}: {r['expectation_config']['type']}{f' on {column}' if column else ''} "
                                f"({'; '.join(examples)})")
    success = not failures
    stats = {"success": success, **counts, "failed_expectations": len(failures), "suites": results}
    lines += ["", f"**{'PASSED' if success else 'FAILED'}**: {len(failures)} failed expectation(s)."]
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "report.md").write_text("\n".join(lines) + "\n")
    (report_dir / "report.json").write_text(json.dumps(stats, indent=2, default=str))
    if not success:
        raise ValidationFailed(f"dataset {root} failed validation: " + " | ".join(failures)
                               + f" (report: {report_dir / 'report.md'})")
    return stats


@contextmanager
def report_to(markdown_path: str):
    """For a pipeline step: yields a folder for the validation reports beside `markdown_path`, and
    writes them there as one Markdown page (the KFP UI shows it) whether the suites passed or failed;
    a step that validates several splits writes one report per sub-folder."""
    report_dir = Path(markdown_path).parent / "validation"
    try:
        yield str(report_dir)
    finally:
        parts = [p.read_text() for p in sorted(report_dir.glob("**/report.md"))]
        Path(markdown_path).write_text("\n".join(parts) if parts else "validation did not run: see the log")
