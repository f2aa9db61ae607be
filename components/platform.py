"""The components every paper's pipeline shares: ingest the data, register the trained artifact,
promote it through the paper's gate (logic: paperline.core.ingest and paperline.core.promotion)."""

from kfp.dsl import Artifact, Dataset, Input, Output

from ._base import component


@component
def ingest(data_path: str, data_repo: str, data_rev: str, dataset: Output[Dataset]):
    """Resolve (repo, rev, path) via dvc.api, or a path/URI; record rev, md5 and uri on the artifact."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.ingest import ingest as run

        dataset.metadata.update(run(data_path, dataset.path, data_repo, data_rev))


@component
def register_model(model: Input[Artifact], run_id: str, model_name: str, metric: float, eval_md5: str) -> str:
    """Log the trained artifact (a model file or a published index) to the run's MLflow entry as a new
    version of `model_name`, tagged with the paper's gate metric and the evaluation data's md5, alias
    `challenger`. One component for every paper family."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core import experiments, promotion

        with experiments.failing_run(run_id):
            return promotion.register(model.path, run_id, model_name, metric, eval_md5)


@component
def promote_model(model_name: str, version: str, dataset: Input[Dataset]) -> str:
    """The paper's promotion gate: `champion` moves to this version only if it beats the champion on
    the same evaluation data (`dataset`, on which a champion evaluated elsewhere is re-scored); then
    the run ends. One component for every paper family."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core import promotion

        return promotion.promote_and_finish(model_name, version, dataset.path)
