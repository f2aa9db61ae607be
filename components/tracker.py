"""pts-tracking components: validate, train the Siamese network, plan the trackers, track (a
ParallelFor), evaluate (logic: paperline.tracker.stages); register and promote are the shared ones
(components/platform.py)."""

from typing import List, NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_sequences(dataset: Input[Dataset], report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations: truth rows against frames, boxes inside the frame or flagged out of view,
    masks the size of their frames, one tag row per frame."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.tracker.validation import validate_sequences as validate

        with report_to(report.path) as report_dir:
            stats = validate(dataset.path, report_dir)
        for layout in stats["layouts"]:
            metrics.log_metric(f"{layout}_sequences", stats[layout]["sequences"])
            metrics.log_metric(f"{layout}_frames", stats[layout]["frames"])


@gpu_component
def train_siamese(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str, model: Output[Model],
                  metrics: Output[Metrics]) -> str:
    """The SiamMask-style network on frame pairs of the DAVIS train split; starts this run's MLflow
    run and returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.tracker.stages import train_stage

        cfg, run_name = get_paper(paper).configure(params)
        run_id, info = train_stage(dataset.path, cfg, model.path, paper, kfp_run_id, dict(dataset.metadata),
                                   run_name=run_name)
        model.metadata.update({"mlflow_run_id": run_id, "model": "SiamMask-style Siamese net", **info})
        for k, v in info.items():
            metrics.log_metric(k, float(v))
        return run_id


@component
def plan_trackers(paper: str, params: str) -> List[str]:
    """The trackers the ParallelFor fans out over (config `trackers`)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        return cfg.tracker_list()


@component
def track(paper: str, params: str, dataset: Input[Dataset], model: Input[Model], tracker: str,
          results: Output[Dataset], metrics: Output[Metrics]):
    """One tracker over the test sequences: the VOT reset protocol and one OTB pass (boxes, masks,
    frames per second on one core)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.tracker.stages import track_stage

        cfg = get_paper(paper).configure(params)[0]
        speed = track_stage(dataset.path, cfg, tracker, model.path, results.path)
        results.metadata.update(speed)
        metrics.log_metric("fps", float(speed["fps"]))
        metrics.log_metric("failures", float(speed["failures"]))


@component
def evaluate_tracking(paper: str, params: str, dataset: Input[Dataset], results: Input[List[Dataset]], run_id: str,
                      metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                      ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """VOT EAO/accuracy/failures, OTB AUC/precision, DAVIS J&F, by tag, with the success and
    precision plots and a picture strip (HTML for the KFP UI, the same on the MLflow run)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.papers import get_paper
        from paperline.core.reports import to_kfp
        from paperline.tracker import stages

        cfg = get_paper(paper).configure(params)[0]
        out = os.path.join(os.path.dirname(report.path), "evaluation")
        folders = {r.metadata["tracker"]: r.path for r in results}
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, cfg, folders, out, run_id)
        to_kfp(out, m, metrics, report, summary)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
