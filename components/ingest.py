from kfp.dsl import Dataset, Output

from ._base import component


@component
def ingest(data_path: str, data_repo: str, data_rev: str, dataset: Output[Dataset]):
    """Resolve (repo, rev, path) via dvc.api, or a path/URI; record rev, md5 and uri on the artifact."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages.ingest import ingest as run

        dataset.metadata.update(run(data_path, dataset.path, data_repo, data_rev))
