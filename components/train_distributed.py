from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from ._base import launcher_component


@launcher_component
def train_face_distributed(paper: str, config: dict, dataset: Input[Dataset], kfp_run_id: str, image_size: int,
                           nodes: int, local_procs: int, trainer_image: str, staging_uri: str,
                           model: Output[Model], metrics: Output[Metrics], task_config: dsl.TaskConfig) -> str:
    """Train as a Kubeflow Trainer TrainJob (or local torchrun); same outputs as train_face."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.launcher import Launch, train_distributed
        from paperline.papers import get_paper
        from paperline.stages import face

        cfg = get_paper(paper).train_config(config)
        tags = face.run_tags(paper, kfp_run_id, dict(dataset.metadata))
        launch = Launch(nodes=nodes, local_procs=local_procs, trainer_image=trainer_image, staging_uri=staging_uri)
        run_id, history = train_distributed(dataset.path, model.path, cfg, paper, tags, image_size, task_config,
                                            launch)
        model.metadata.update({"mlflow_run_id": run_id, "head": cfg.head, "backbone": cfg.backbone})
        for k, v in history[-1].items():
            metrics.log_metric(k, float(v))
        return run_id
