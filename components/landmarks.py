"""JD-landmark components: validate, train, evaluate (logic: paperline.landmarks.stages); register
and promote are the shared ones (components/platform.py)."""

from typing import NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_landmarks(dataset: Input[Dataset], layout: str, report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suites (106 finite points inside the image, files paired one to one) on the
    training and test splits; a failed suite fails the step after writing its report."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.faceimage.validation import validate_train_test

        with report_to(report.path) as report_dir:
            stats = validate_train_test(dataset.path, layout, report_dir)
        metrics.log_metric("images", stats["images"])


@gpu_component
def train_landmarks(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str, layout: str,
                    model: Output[Model], metrics: Output[Metrics]) -> str:
    """Train the 106-point PIPNet; starts the MLflow run of this pipeline run and returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.landmarks import stages

        cfg, run_name = get_paper(paper).configure(params)
        run_id, history = stages.train(dataset.path, model.path, cfg, paper, kfp_run_id, dict(dataset.metadata),
                                       layout, run_name=run_name)
        model.metadata.update({"mlflow_run_id": run_id, "model": "PIPNet"})
        log_numbers(metrics, history[-1])
        return run_id


@component
def evaluate_landmarks(dataset: Input[Dataset], model: Input[Model], run_id: str, layout: str,
                       metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                       ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """NME, AUC@0.08, FR@0.08 on the test split; CED curve and prediction overlay (HTML for the KFP UI)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.reports import to_kfp
        from paperline.landmarks import stages

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, model.path, out, run_id, layout)
        to_kfp(out, m, metrics, report, summary)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
