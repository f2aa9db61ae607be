"""JD-landmark components: validate, train, evaluate, register, promote (logic in paperline.stages.landmarks)."""

from typing import NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_landmarks(dataset: Input[Dataset], layout: str, report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suites (106 finite points inside the image, files paired one to one) on the
    training and test splits; a failed suite fails the step after writing its report."""
    from paperline.errors import task_errors

    with task_errors():
        import glob
        import os

        from paperline.stages import landmarks

        report_dir = os.path.join(os.path.dirname(report.path), "validation")
        try:
            stats = landmarks.validate(dataset.path, report_dir, layout)
        finally:
            parts = [open(p).read() for p in sorted(glob.glob(os.path.join(report_dir, "*", "report.md")))]
            with open(report.path, "w") as f:
                f.write("\n".join(parts))
        metrics.log_metric("images", stats["images"])


@gpu_component
def train_landmarks(paper: str, config: dict, dataset: Input[Dataset], kfp_run_id: str, layout: str,
                    model: Output[Model], metrics: Output[Metrics]) -> str:
    """Train the 106-point PIPNet; starts the MLflow run of this pipeline run and returns its id."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import face, landmarks

        cfg = get_paper(paper).train_config(config)
        tags = face.run_tags(paper, kfp_run_id, dict(dataset.metadata))
        run_id, history = landmarks.train(dataset.path, model.path, cfg, paper, tags, layout)
        model.metadata.update({"mlflow_run_id": run_id, "model": "PIPNet"})
        for k, v in history[-1].items():
            metrics.log_metric(k, float(v))
        return run_id


@component
def evaluate_landmarks(dataset: Input[Dataset], model: Input[Model], run_id: str, layout: str,
                       metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                       ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """NME, AUC@0.08, FR@0.08 on the test split; CED curve and prediction overlay (HTML for the KFP UI)."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil
        from collections import namedtuple

        from paperline.stages import landmarks

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        m = landmarks.evaluate(dataset.path, model.path, out, run_id, layout)
        shutil.copy(os.path.join(out, "report.html"), report.path)
        shutil.copy(os.path.join(out, "report.md"), summary.path)
        for k, v in m.items():
            if isinstance(v, (int, float)):
                metrics.log_metric(k.replace("@", "_at_"), float(v))
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[landmarks.METRIC], m["eval_data_md5"])


@component
def promote_landmarks(model_name: str, version: str, dataset: Input[Dataset], layout: str) -> str:
    """The gate on AUC@0.08: move `champion` only if this version beats it on the same test faces."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline import tracking
        from paperline.stages import landmarks

        d = landmarks.promote(model_name, version, dataset.path, layout)
        tracking.end_run(tracking.client().get_model_version(model_name, version).tags["run_id"])
        return d["decision"]
