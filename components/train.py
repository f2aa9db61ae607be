from kfp.dsl import Dataset, Input, Metrics, Model, Output

from ._base import gpu_component


@gpu_component
def train_face(paper: str, config: dict, dataset: Input[Dataset], kfp_run_id: str, image_size: int,
               model: Output[Model], metrics: Output[Metrics]) -> str:
    """Train backbone + head; starts the MLflow run of this pipeline run and returns its id."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import face

        cfg = get_paper(paper).train_config(config)
        tags = face.run_tags(paper, kfp_run_id, dict(dataset.metadata))
        run_id, history = face.train(dataset.path, model.path, cfg, paper, tags, image_size)
        model.metadata.update({"mlflow_run_id": run_id, "head": cfg.head, "backbone": cfg.backbone})
        for k, v in history[-1].items():
            metrics.log_metric(k, float(v))
        return run_id
