"""pts-tracking (arXiv:1904.03280): ingest sequences → validate → train the Siamese network → track
(a ParallelFor over PTS, its ablations and the OpenCV trackers) → evaluate (VOT, OTB, DAVIS, by
tag) → register → promote (EAO)."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.platform import ingest, promote_model, register_model
from paperline.components.tracker import evaluate_tracking, plan_trackers, track, train_siamese, validate_sequences
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("pts-tracking")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    files = data.outputs["dataset"]
    checked = validate_sequences(dataset=files)
    trained = train_siamese(paper=PAPER.name, params=p.params, dataset=files,
                            kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER).after(checked)
    cluster.gpu_step(trained)
    plan = plan_trackers(paper=PAPER.name, params=p.params).after(checked)
    with dsl.ParallelFor(plan.output) as tracker:
        tracked = track(paper=PAPER.name, params=p.params, dataset=files, model=trained.outputs["model"],
                        tracker=tracker)
    evaluated = evaluate_tracking(paper=PAPER.name, params=p.params, dataset=files,
                                  results=dsl.Collected(tracked.outputs["results"]), run_id=trained.outputs["Output"])
    registered = register_model(model=trained.outputs["model"], run_id=trained.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=files)
    for side_effect in (trained, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, trained, plan, tracked, evaluated, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], trained.outputs["Output"], registered.output, promoted.output)
