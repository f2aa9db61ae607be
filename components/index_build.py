from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from ._base import component


@component
def index_build_face(dataset: Input[Dataset], model: Input[Model], run_id: str, image_size: int,
                     index: Output[Artifact], metrics: Output[Metrics]):
    """Gallery embeddings in a FAISS index (the output artifact); rank-1 of the probe set."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages import face

        m = face.index_build(dataset.path, model.path, index.path, run_id, image_size)
        index.metadata.update({"format": "faiss-IndexFlatIP", "gallery_size": m["gallery_size"]})
        for k, v in m.items():
            metrics.log_metric(k, float(v))
