"""`paperline report mv-softmax` shows the latest run of each MV-Softmax variant side by side."""

from dataclasses import asdict

from paperline.core import experiments
from paperline.core.papers import get_paper
from paperline.report import paper_report


def _finished_run(paper, overrides: dict, accuracy: float) -> str:
    params = asdict(paper.train_config(overrides))
    with experiments.training_run(paper.name, "kfp-test", {}, params) as run:
        experiments.log_metrics(run.id, {"verification_accuracy": accuracy, "rank1": accuracy / 2})
    experiments.end_run(run.id)
    return run.id


def test_report_shows_the_adaptive_and_the_fixed_variant(home):
    paper = get_paper("mv-softmax")
    _finished_run(paper, {"adaptive": True}, 0.81)
    fixed = _finished_run(paper, {"adaptive": False}, 0.90)
    newest = _finished_run(paper, {"adaptive": True}, 0.82)
    text = paper_report("mv-softmax")
    assert f"latest run {newest}" in text
    section = text.split("ours, the latest finished run of each variant (head, adaptive, t, easy_threshold):")[1]
    rows = [ln for ln in section.splitlines() if ln.startswith("  head=")]
    assert len(rows) == 2  # the older adaptive run is not repeated
    assert rows[0].startswith("  head=mv_am adaptive=True t=0.2 easy_threshold=0.0") and "0.8200" in rows[0]
    assert rows[1].startswith("  head=mv_am adaptive=False t=0.2") and "0.9000" in rows[1] and fixed[:12] in rows[1]


def test_a_single_variant_adds_no_section(home):
    paper = get_paper("mv-softmax")
    _finished_run(paper, {}, 0.8)
    assert "each variant" not in paper_report("mv-softmax")
