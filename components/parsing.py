"""LaPa components: annotate, validate, train BSPNet, evaluate, register, promote (logic: stages.parsing)."""

from typing import NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def annotate_parsing(dataset: Input[Dataset], annotated: Output[Dataset], metrics: Output[Metrics]):
    """Landmark-guided masks for the train/val faces (initial polygons + automatic refinement); scored
    against the labels the set already had, and timed."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages import parsing

        stats = parsing.annotate(dataset.path, annotated.path)
        annotated.metadata.update({**dict(dataset.metadata), "annotated": True})
        for k, v in stats.items():
            if isinstance(v, (int, float)) and v == v:  # NaN (a class absent everywhere) is not a metric
                metrics.log_metric(k, float(v))


@component
def validate_parsing(dataset: Input[Dataset], report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suites on the annotated set: labels with ids 0-10 at the image's size, 106
    finite points inside the image, files paired one to one."""
    from paperline.errors import task_errors

    with task_errors():
        import glob
        import os

        from paperline.stages import parsing

        report_dir = os.path.join(os.path.dirname(report.path), "validation")
        try:
            stats = parsing.validate(dataset.path, report_dir)
        finally:
            parts = [open(p).read() for p in sorted(glob.glob(os.path.join(report_dir, "*", "report.md")))]
            with open(report.path, "w") as f:
                f.write("\n".join(parts))
        metrics.log_metric("images", stats["images"])


@gpu_component
def train_parsing(paper: str, config: dict, dataset: Input[Dataset], kfp_run_id: str,
                  model: Output[Model], metrics: Output[Metrics]) -> str:
    """Train BSPNet (or the same net without its boundary branch); returns the MLflow run id."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import face, parsing

        cfg = get_paper(paper).train_config(config)
        tags = face.run_tags(paper, kfp_run_id, dict(dataset.metadata))
        run_id, history = parsing.train(dataset.path, model.path, cfg, paper, tags)
        model.metadata.update({"mlflow_run_id": run_id, "boundary_branch": cfg.boundary})
        for k, v in history[-1].items():
            metrics.log_metric(k, float(v))
        return run_id


@component
def evaluate_parsing(dataset: Input[Dataset], model: Input[Model], run_id: str, metrics: Output[Metrics],
                     report: Output[HTML], summary: Output[Markdown]
                     ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """Per-class F1 and mean F1 over the ten face classes (LaPa's way), boundary-pixel F1, an overlay."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil
        from collections import namedtuple

        from paperline.stages import parsing

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        m = parsing.evaluate(dataset.path, model.path, out, run_id)
        shutil.copy(os.path.join(out, "report.html"), report.path)
        shutil.copy(os.path.join(out, "report.md"), summary.path)
        for k, v in m.items():
            if isinstance(v, (int, float)) and v == v:
                metrics.log_metric(k, float(v))
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[parsing.METRIC], m["eval_data_md5"])


@component
def promote_parsing(model_name: str, version: str, dataset: Input[Dataset]) -> str:
    """The gate on mean F1: move `champion` only if this version beats it on the same test faces."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline import tracking
        from paperline.stages import parsing

        d = parsing.promote(model_name, version, dataset.path)
        tracking.end_run(tracking.client().get_model_version(model_name, version).tags["run_id"])
        return d["decision"]
