"""LaPa (arXiv:1905.04830): ingest images + landmarks → annotate (landmark-guided masks) → validate
masks → train BSPNet → evaluate per-class and mean F1 → register → promote on mean F1."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.parsing import annotate_parsing, evaluate_parsing, train_parsing, validate_parsing
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("lapa")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    annotated = annotate_parsing(dataset=data.outputs["dataset"])
    labelled = annotated.outputs["annotated"]
    checked = validate_parsing(dataset=labelled)
    trained = train_parsing(paper=PAPER.name, params=p.params, dataset=labelled,
                            kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER).after(checked)
    cluster.gpu_step(trained)
    evaluated = evaluate_parsing(dataset=labelled, model=trained.outputs["model"], run_id=trained.outputs["Output"])
    registered = register_model(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=labelled)
    for side_effect in (trained, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, annotated, checked, trained, evaluated, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], trained.outputs["Output"], registered.output, promoted.output)
