"""`paperline report PAPER`: the paper's reference numbers beside our latest finished run."""

from __future__ import annotations

from . import tracking
from .papers import get_paper


def latest_run(paper: str):
    mlflow = tracking._mlflow()
    exp = mlflow.get_experiment_by_name(paper)
    if exp is None:
        return None
    runs = mlflow.MlflowClient().search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                                             order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0] if runs else None


def paper_report(name: str) -> str:
    paper = get_paper(name)
    run = latest_run(paper.name)
    lines = [f"{paper.name} — {paper.title} (arXiv:{paper.arxiv})", ""]
    if run is None:
        lines.append("no finished run yet: `paperline run " + paper.name + "`")
    else:
        lines.append(f"latest run {run.info.run_id} (data md5 {run.data.tags.get('data_md5', '?')}, "
                     f"git {run.data.tags.get('git_sha', '?')[:10]})")
    lines += ["", f"{'metric':<24} {'benchmark':<18} {'paper':>8} {'ours':>8}  source / our data"]
    for ref in paper.reference:
        ours = run.data.metrics.get(ref["metric"]) if run else None
        ours_s = f"{ours:8.4f}" if ours is not None else f"{'-':>8}"
        lines.append(f"{ref['metric']:<24} {ref['benchmark']:<18} {ref['value']:8.4f} {ours_s}  {ref['source']}")
    if run is not None:
        lines.append("")
        lines.append("ours is measured on the embedded procedural face set (not the paper's benchmark); "
                     "compare orderings, not absolute numbers.")
    return "\n".join(lines)
