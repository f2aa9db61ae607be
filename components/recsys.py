"""Swing/Surprise components: validate the log, split by time, build the indexes, evaluate, publish
to the object store (logic: paperline.recsys.stages); register and promote are the shared ones
(components/platform.py)."""

from typing import NamedTuple

from kfp.dsl import HTML, Artifact, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component


@component
def validate_interactions(paper: str, params: str, dataset: Input[Dataset], clean: Output[Dataset],
                          report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations on the log as read (ids, behaviours, time window, duplicates, two users);
    the clean canonical Parquet table for the next steps."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.recsys import stages

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        with report_to(report.path) as report_dir:
            stats = stages.validate(dataset.path, clean.path, report_dir, cfg.max_bad_share)
        clean.metadata.update({**dataset.metadata, "rows": stats["kept"]})
        log_numbers(metrics, stats)


@component
def split_by_time(paper: str, params: str, clean: Input[Dataset], split: Output[Dataset], metrics: Output[Metrics]):
    """Train = all but the last `test_days` days of the window, test = those days."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.recsys import stages

        cfg = get_paper(paper).configure(params)[0]
        info = stages.split(clean.path, split.path, cfg.test_days)
        split.metadata.update({**clean.metadata, **info})
        log_numbers(metrics, info)


@component
def build_product_graph(paper: str, params: str, split: Input[Dataset], kfp_run_id: str, index: Output[Model],
                        metrics: Output[Metrics]) -> str:
    """Swing substitutes (engine: numba or spark) and Surprise complements on the training period;
    starts this run's MLflow run and returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.recsys import stages

        cfg, run_name = get_paper(paper).configure(params)
        run_id, stats = stages.build_index(split.path, cfg, index.path, paper, kfp_run_id, dict(split.metadata),
                                           run_name=run_name)
        index.metadata.update({**stats, "mlflow_run_id": run_id})
        log_numbers(metrics, stats)
        return run_id


@component
def evaluate_product_graph(paper: str, params: str, split: Input[Dataset], index: Input[Model], run_id: str,
                           metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                           ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """HitRate and Recall at 10/20/50 and coverage of both indexes against item-CF cosine, Jaccard,
    Adamic-Adar, popularity, implicit's BM25 (substitutes) and co-purchase counts (complements)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.papers import get_paper
        from paperline.core.reports import to_kfp
        from paperline.recsys import stages

        cfg = get_paper(paper).configure(params)[0]
        out = os.path.join(os.path.dirname(report.path), "evaluation")
        with failing_run(run_id):
            m = stages.evaluate(split.path, index.path, cfg, out, run_id)
        to_kfp(out, m, metrics, report, summary)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])


@component
def publish_index(index: Input[Model], split: Input[Dataset], run_id: str, index_root: str,
                  published: Output[Artifact]) -> str:
    """The serving layout (Parquet, text dumps, O(1) lookup tables) to `index_root`/swing/<run id>
    (default PAPERLINE_INDEX_ROOT); the marker last, so readers never see a partial index."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.experiments import failing_run
        from paperline.recsys import stages

        uri = stages.index_uri(index_root, run_id)
        meta = {"mlflow_run_id": run_id, **dict(split.metadata), **dict(index.metadata)}
        with failing_run(run_id):
            stages.publish(index.path, uri, meta, published.path, run_id)
        published.metadata.update({"uri": uri})
        return uri
