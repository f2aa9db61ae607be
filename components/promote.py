from kfp.dsl import Dataset, Input

from ._base import component


@component
def promote_face(model_name: str, version: str, dataset: Input[Dataset], image_size: int) -> str:
    """The gate: move `champion` only if this version beats it on the same evaluation data."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline import tracking
        from paperline.stages import face

        d = face.promote(model_name, version, dataset.path, image_size)
        tracking.end_run(face.tracking.client().get_model_version(model_name, version).tags["run_id"])
        return d["decision"]
