"""`paperline report PAPER`: the paper's reference numbers beside our latest finished run."""

from __future__ import annotations

from paperline.core import experiments
from paperline.core.papers import get_paper

NOTES = {
    "face": "ours is measured on the embedded procedural face set unless the run was given a real dataset; "
            "compare orderings, not absolute numbers.",
    "recsys": "ours: HitRate/Recall on the last day of the log given to the run (the generated UserBehavior-format "
              "log unless data_path names a real one); the paper's offline figures were not retrievable.",
    "timeseries": "ours: the real UCR test split of {dataset}, with the run's (reduced) epochs; compare with the "
                  "reference rows of the same dataset.",
    "asr": "ours: CER on the run's target test split (the generated AISHELL-1-layout set unless data_path names "
           "real data); the reference rows are WenetSpeech-trained systems on AISHELL-1: orientation only.",
    "tracker": "ours: EAO on the run's test sequences (the generated VOT-layout set unless data_path names a real "
               "download), lengths from eao_range; the reference is SiamMask's on real VOT: orientation only.",
    "gan": "ours: FID on the run's feature extractor (a classifier trained on the same real data unless "
           "features names Inception weights), few samples; the reference rows are Inception FID/IS on CIFAR-10 "
           "with 50k samples: not comparable, orientation only.",
}


def latest_run(paper: str):
    mlflow = experiments.mlflow()
    exp = mlflow.get_experiment_by_name(paper)
    if exp is None:
        return None
    runs = mlflow.MlflowClient().search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                                             order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0] if runs else None


def latest_by_variant(paper, limit: int = 200) -> list:
    """The latest finished run of each variant (distinct values of `paper.variants`), newest first."""
    mlflow = experiments.mlflow()
    exp = mlflow.get_experiment_by_name(paper.name)
    if exp is None or not paper.variants:
        return []
    runs = mlflow.MlflowClient().search_runs([exp.experiment_id], "attributes.status = 'FINISHED'",
                                             order_by=["attributes.start_time DESC"], max_results=limit)
    seen, out = set(), []
    for run in runs:
        key = tuple(run.data.params.get(k, "?") for k in paper.variants)
        if key not in seen and experiments.metric_key(paper.metrics[0]) in run.data.metrics:
            seen.add(key)
            out.append(run)
    return out


def variant_rows(paper) -> list[str]:
    runs = latest_by_variant(paper)
    if len(runs) < 2:
        return []
    keys = [experiments.metric_key(m) for m in paper.metrics]
    lines = ["", "ours, the latest finished run of each variant (" + ", ".join(paper.variants) + "):",
             "  " + f"{'variant':<40}" + "".join(f" {m[:14]:>14}" for m in paper.metrics) + "  run"]
    for run in runs:
        label = " ".join(f"{k}={run.data.params.get(k, '?')}" for k in paper.variants)
        values = "".join(f" {run.data.metrics[k]:14.4f}" if k in run.data.metrics else f" {'-':>14}" for k in keys)
        lines.append(f"  {label:<40}{values}  {run.info.run_id[:12]}")
    return lines


def paper_report(name: str) -> str:
    paper = get_paper(name)
    run = latest_run(paper.name)
    lines = [f"{paper.name} — {paper.title} (arXiv:{paper.arxiv})", ""]
    if run is None:
        lines.append("no finished run yet: `paperline run " + paper.name + "`")
    else:
        lines.append(f"latest run {run.info.run_id} (data md5 {run.data.tags.get('data_md5', '?')}, "
                     f"git {run.data.tags.get('git_sha', '?')[:10]})")
    lines += ["", "paper (reference numbers):", f"  {'metric':<24} {'benchmark':<18} {'value':>8}  source"]
    if not paper.reference:
        lines.append(f"  none: no table of the paper could be read here (docs/papers/{paper.name}.md says what was)")
    for ref in paper.reference:
        lines.append(f"  {ref['metric']:<24} {ref['benchmark']:<18} {ref['value']:8.4f}  {ref['source']}")
    if run is not None:
        md5 = run.data.tags.get("data_md5", "?")[:12]
        lines += ["", f"ours (latest run, on its own evaluation data, data md5 {md5}):"]
        for metric in paper.metrics:
            key = experiments.metric_key(metric)
            value = run.data.metrics.get(key)
            lines.append(f"  {metric:<24} {value:8.4f}" if value is not None else f"  {metric:<24} {'-':>8}")
        lines += variant_rows(paper)
        lines += ["", NOTES.get(paper.family, NOTES["face"]).format(dataset=run.data.tags.get("dataset", "?"))]
    return "\n".join(lines)
