"""Swing/Surprise (arXiv:2010.05525): ingest an interaction log → validate → split by time → build the
product graph (Swing substitutes on numba or Spark, Surprise complements) → evaluate against the
baselines → publish the index to the object store → register in MLflow → promote."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.platform import ingest, promote_model, register_model
from paperline.components.recsys import (
    build_product_graph,
    evaluate_product_graph,
    publish_index,
    split_by_time,
    validate_interactions,
)
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("swing")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str, index_uri=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    checked = validate_interactions(paper=PAPER.name, params=p.params, dataset=data.outputs["dataset"])
    split = split_by_time(paper=PAPER.name, params=p.params, clean=checked.outputs["clean"])
    built = build_product_graph(paper=PAPER.name, params=p.params, split=split.outputs["split"],
                                kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
    built.set_cpu_request("2").set_memory_request("4G")
    evaluated = evaluate_product_graph(paper=PAPER.name, params=p.params, split=split.outputs["split"],
                                       index=built.outputs["index"], run_id=built.outputs["Output"])
    published = publish_index(index=built.outputs["index"], split=split.outputs["split"],
                              run_id=built.outputs["Output"], index_root=p.index_root).after(evaluated)
    registered = register_model(model=published.outputs["published"], run_id=built.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=split.outputs["split"])
    for side_effect in (built, evaluated, published, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, split, built, evaluated, published, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], built.outputs["Output"], registered.output, promoted.output,
                   published.outputs["Output"])
