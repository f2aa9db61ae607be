from typing import NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component


@component
def evaluate_face(dataset: Input[Dataset], model: Input[Model], run_id: str, image_size: int,
                  metrics: Output[Metrics], roc: Output[HTML], summary: Output[Markdown]
                  ) -> NamedTuple("EvalOutputs", accuracy=float, eval_md5=str):
    """10-fold verification accuracy, TAR@FAR and a ROC plot (HTML for the KFP UI, PNG in MLflow)."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil
        from collections import namedtuple

        from paperline.stages import face

        out = os.path.join(os.path.dirname(roc.path), "evaluation")
        m = face.evaluate(dataset.path, model.path, out, run_id, image_size)
        shutil.copy(os.path.join(out, "report.html"), roc.path)
        shutil.copy(os.path.join(out, "report.md"), summary.path)
        for k, v in m.items():
            if isinstance(v, (int, float)):
                metrics.log_metric(k, float(v))
        return namedtuple("EvalOutputs", ["accuracy", "eval_md5"])(m[face.METRIC], m["eval_data_md5"])
