"""Evaluation reports: one self-contained HTML page and one Markdown table per evaluation (what the
KFP UI shows and MLflow keeps), written and logged the same way by every family."""

from __future__ import annotations

import base64
import json
from pathlib import Path


def _cell(v) -> str:
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def report_html(title: str, pngs: list[bytes], metrics: dict, extra: str = "") -> str:
    rows = "".join(f"<tr><td>{k}</td><td>{_cell(v)}</td></tr>" for k, v in metrics.items())
    imgs = "".join(f"<img src='data:image/png;base64,{base64.b64encode(p).decode()}'/>" for p in pngs)
    return (f"<html><body><h2>{title}</h2>{imgs}"
            f"<table border='1' cellpadding='4'>{rows}</table>{extra}</body></html>")


def report_markdown(title: str, metrics: dict, extra: str = "") -> str:
    lines = [f"## {title}", "", "| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_cell(v)} |" for k, v in metrics.items()]
    return "\n".join(lines) + "\n" + (f"\n{extra}" if extra else "")


def html_table(title: str, columns: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{c}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f"<h3>{title}</h3><table border='1' cellpadding='4'><tr>{head}</tr>{body}</table>"


def markdown_table(title: str, columns: list[str], rows: list[list]) -> str:
    lines = [f"### {title}", "", "| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    lines += ["| " + " | ".join(_cell(x) for x in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write_evaluation(out_dir: str | Path, title: str, metrics: dict, eval_md5: str, pngs: dict[str, bytes],
                     extra_html: str = "", extra_md: str = "") -> list[Path]:
    """`out_dir`: the PNGs, report.html, report.md and metrics.json (with the data's md5); returns
    the files worth keeping on the MLflow run (the PNGs and report.md)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in pngs.items():
        (out / name).write_bytes(data)
    (out / "report.html").write_text(report_html(title, list(pngs.values()), metrics, extra_html))
    (out / "report.md").write_text(report_markdown(title, metrics, extra_md))
    (out / "metrics.json").write_text(json.dumps({**metrics, "eval_data_md5": eval_md5}, indent=2))
    return [out / n for n in pngs] + [out / "report.md"]


def write_classification(out_dir: str | Path, roc: dict | None = None, categories: list[str] | None = None,
                         matrix: list[list[int]] | None = None) -> Path:
    """What KFP's own views draw, beside the report: a ROC (`fpr`, `tpr`, `threshold` lists) and/or a
    confusion matrix (rows: true class, columns: predicted), as classification.json, which `to_kfp`
    puts on the step's ClassificationMetrics output."""
    data = {}
    if roc is not None:
        data["roc"] = {k: [float(x) for x in roc[k]] for k in ("fpr", "tpr", "threshold")}
    if matrix is not None:
        if len(matrix) != len(categories) or any(len(r) != len(categories) for r in matrix):
            raise ValueError(f"confusion matrix of {len(matrix)} rows for {len(categories)} categories")
        data["confusion"] = {"categories": list(categories), "matrix": [[int(x) for x in r] for r in matrix]}
    path = Path(out_dir) / "classification.json"
    path.write_text(json.dumps(data))
    return path


def to_kfp(out_dir: str | Path, values: dict, metrics=None, html=None, markdown=None, classification=None) -> None:
    """For an evaluate component: the report files into its HTML / Markdown outputs, the numbers onto
    its Metrics output (MLflow-safe names, no NaN), the ROC / confusion matrix onto its
    ClassificationMetrics output. Artifacts are duck-typed (`.path`, `.log_metric`, ...), so this
    module needs no KFP."""
    import shutil

    out = Path(out_dir)
    if html is not None:
        shutil.copyfile(out / "report.html", html.path)
    if markdown is not None:
        shutil.copyfile(out / "report.md", markdown.path)
    if metrics is not None:
        log_numbers(metrics, values)
    if classification is not None:
        data = json.loads((out / "classification.json").read_text())
        if "roc" in data:
            classification.log_roc_curve(data["roc"]["fpr"], data["roc"]["tpr"], data["roc"]["threshold"])
        if "confusion" in data:
            classification.log_confusion_matrix(data["confusion"]["categories"], data["confusion"]["matrix"])


def log_numbers(metrics, values: dict) -> None:
    """The numbers of `values` onto a KFP Metrics artifact ('@' and '=' made safe, NaN skipped)."""
    from paperline.core.experiments import metric_key

    for k, v in values.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v:
            metrics.log_metric(metric_key(k), float(v))
