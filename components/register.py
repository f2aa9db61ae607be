from kfp.dsl import Input, Model

from ._base import component


@component
def register_face(model: Input[Model], run_id: str, model_name: str, accuracy: float, eval_md5: str) -> str:
    """Log the model to the run's MLflow entry, register a new version, alias it `challenger`."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages import face

        return face.register(model.path, run_id, model_name, accuracy, eval_md5)
