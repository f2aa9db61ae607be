"""JD-landmark (arXiv:1905.03469): ingest → validate (106-point suites) → train PIPNet → evaluate
(NME, AUC@0.08, FR@0.08, CED, overlay) → register → promote on AUC@0.08."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.landmarks import evaluate_landmarks, train_landmarks, validate_landmarks
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("jd-landmark")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    checked = validate_landmarks(dataset=data.outputs["dataset"], layout=p.layout)
    trained = train_landmarks(paper=PAPER.name, params=p.params, dataset=data.outputs["dataset"],
                              kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER, layout=p.layout).after(checked)
    cluster.gpu_step(trained)
    evaluated = evaluate_landmarks(dataset=data.outputs["dataset"], model=trained.outputs["model"],
                                   run_id=trained.outputs["Output"], layout=p.layout)
    registered = register_model(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=data.outputs["dataset"])
    for side_effect in (trained, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, trained, evaluated, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], trained.outputs["Output"], registered.output, promoted.output)
