"""LaPa components: annotate, validate, train BSPNet, evaluate (logic: paperline.parsing.stages);
register and promote are the shared ones (components/platform.py)."""

from typing import NamedTuple

from kfp.dsl import HTML, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def annotate_parsing(dataset: Input[Dataset], annotated: Output[Dataset], metrics: Output[Metrics]):
    """Landmark-guided masks for the train/val faces (initial polygons + automatic refinement); scored
    against the labels the set already had, and timed."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.reports import log_numbers
        from paperline.parsing import stages

        stats = stages.annotate(dataset.path, annotated.path)
        annotated.metadata.update({**dict(dataset.metadata), "annotated": True})
        log_numbers(metrics, stats)  # NaN (a class absent everywhere) is not a metric


@component
def validate_parsing(dataset: Input[Dataset], report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suites on the annotated set: labels with ids 0-10 at the image's size, 106
    finite points inside the image, files paired one to one."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.faceimage.validation import validate_train_test

        with report_to(report.path) as report_dir:
            stats = validate_train_test(dataset.path, "lapa", report_dir)
        metrics.log_metric("images", stats["images"])


@gpu_component
def train_parsing(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str,
                  model: Output[Model], metrics: Output[Metrics]) -> str:
    """Train BSPNet (or the same net without its boundary branch); returns the MLflow run id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.parsing import stages

        cfg, run_name = get_paper(paper).configure(params)
        run_id, history = stages.train(dataset.path, model.path, cfg, paper, kfp_run_id, dict(dataset.metadata),
                                       run_name=run_name)
        model.metadata.update({"mlflow_run_id": run_id, "boundary_branch": cfg.boundary})
        log_numbers(metrics, history[-1])
        return run_id


@component
def evaluate_parsing(dataset: Input[Dataset], model: Input[Model], run_id: str, metrics: Output[Metrics],
                     confusion: Output[ClassificationMetrics], report: Output[HTML], summary: Output[Markdown]
                     ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """Per-class F1 and mean F1 over the ten face classes (LaPa's way), boundary-pixel F1, an overlay."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.reports import to_kfp
        from paperline.parsing import stages

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, model.path, out, run_id)
        to_kfp(out, m, metrics, report, summary, confusion)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
