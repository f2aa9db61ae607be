from kfp.dsl import Input, Model

from ._base import component


@component
def register_model(model: Input[Model], run_id: str, model_name: str, metric_name: str, metric: float,
                   eval_md5: str) -> str:
    """Log the model to the run's MLflow entry, register a new version tagged with its evaluation
    (`metric_name`, the data md5), alias it `challenger`. One component for every paper family."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages import models

        return models.register(model.path, run_id, model_name, metric_name, metric, eval_md5)
