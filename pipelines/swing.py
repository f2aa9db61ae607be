"""Swing/Surprise (arXiv:2010.05525): ingest an interaction log → validate → split by time → build the
product graph (Swing substitutes on numba or Spark, Surprise complements) → evaluate against the
baselines → publish the index to the object store → register in MLflow → promote."""

import os
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
from paperline.core import settings
from paperline.core.papers import get_paper
from paperline.pipelines import cluster

PAPER = get_paper("swing")
# where indexes go unless the run says otherwise: PAPERLINE_INDEX_ROOT at compile time (s3://... for a
# cluster, whose pods have no lasting local disk); empty = the task's PAPERLINE_INDEX_ROOT or home
INDEX_ROOT = os.environ.get("PAPERLINE_INDEX_ROOT", "")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str, index_uri=str)


@dsl.pipeline(name=PAPER.name, pipeline_root=settings.pipeline_root(), description=PAPER.description)
def pipeline(data_path: str = PAPER.data_path, data_repo: str = "", data_rev: str = "", config: dict = {},
             model_name: str = PAPER.model_name, index_root: str = INDEX_ROOT) -> Outputs:
    data = ingest(data_path=data_path, data_repo=data_repo, data_rev=data_rev)
    checked = validate_interactions(paper=PAPER.name, config=config, dataset=data.outputs["dataset"])
    split = split_by_time(paper=PAPER.name, config=config, clean=checked.outputs["clean"])
    built = build_product_graph(paper=PAPER.name, config=config, split=split.outputs["split"],
                                kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
    built.set_cpu_request("2").set_memory_request("4G")
    evaluated = evaluate_product_graph(paper=PAPER.name, config=config, split=split.outputs["split"],
                                       index=built.outputs["index"], run_id=built.outputs["Output"])
    published = publish_index(index=built.outputs["index"], split=split.outputs["split"],
                              run_id=built.outputs["Output"], index_root=index_root).after(evaluated)
    registered = register_model(model=published.outputs["published"], run_id=built.outputs["Output"],
                                model_name=model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=model_name, version=registered.output, dataset=split.outputs["split"])
    for side_effect in (built, evaluated, published, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, split, built, evaluated, published, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], built.outputs["Output"], registered.output, promoted.output,
                   published.outputs["Output"])
