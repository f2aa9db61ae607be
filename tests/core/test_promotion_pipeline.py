"""The shared register-model and promote-model components in a kfp.local pipeline, a ParallelFor over a
model file (mv-softmax) and an index folder (swing): version 1 becomes champion, version 2 beats it,
version 3 does not. Every family's gate and hook are tested in process (test_promotion.py); each
pipeline task costs seconds of imports, so two kinds of artifact stand for all five families here."""

import pytest
from kfp import dsl, local
from support.artifacts import candidate_run, model_artifact

from paperline.components.platform import promote_model, register_model
from paperline.core import experiments, promotion

pytestmark = pytest.mark.e2e
METRICS = (0.50, 0.70, 0.60)
PAPERS = ["mv-softmax", "swing"]  # a model file, an index folder


@dsl.pipeline(name="gate-per-family")
def gate_pipeline(families: list):
    with dsl.ParallelFor(families) as fam:  # (an item's keys must not be a channel's attributes, e.g. `name`)
        model = dsl.importer(artifact_uri=fam.model_uri, artifact_class=dsl.Artifact)
        data = dsl.importer(artifact_uri=fam.data_uri, artifact_class=dsl.Dataset)
        previous = None
        for run_id, metric in ((fam.run1, METRICS[0]), (fam.run2, METRICS[1]), (fam.run3, METRICS[2])):
            registered = register_model(model=model.output, run_id=run_id, model_name=fam.model_name, metric=metric,
                                        eval_md5="the-same-evaluation-data")
            if previous is not None:
                registered.after(previous)
            previous = promote_model(model_name=fam.model_name, version=registered.output, dataset=data.output)
            for task in (registered, previous):
                task.set_caching_options(False)


def test_second_version_beats_the_champion_third_does_not(home, tmp_path):
    families = []
    (tmp_path / "data").mkdir()
    for paper in PAPERS:
        art = model_artifact(paper, tmp_path / paper / ("index" if paper == "swing" else "model.pt"))
        runs = [candidate_run(paper) for _ in METRICS]
        families.append({"model_uri": str(art), "data_uri": str(tmp_path / "data"), "model_name": f"pipe-{paper}",
                         "run1": runs[0], "run2": runs[1], "run3": runs[2]})
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "kfp"),
               raise_on_error=True)
    gate_pipeline(families=families)

    c = experiments.client()
    for fam, paper in zip(families, PAPERS):
        name = fam["model_name"]
        versions = sorted(c.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
        assert [str(v.version) for v in versions] == ["1", "2", "3"], paper
        assert [v.tags["promotion.decision"] for v in versions] == ["promoted", "promoted", "kept"], paper
        assert str(promotion.champion(name).version) == "2" and versions[1].tags["promoted_from"] == "1"
        gate = get_gate(paper)
        assert [float(v.tags[gate]) for v in versions] == list(METRICS) and versions[0].tags["paper"] == paper
        assert all(c.get_run(fam[f"run{k}"]).info.status == "FINISHED" for k in (1, 2, 3))


def get_gate(paper):
    from paperline.core.papers import get_paper

    return get_paper(paper).gate_metric
