"""Swing/Surprise components: validate the log, split by time, build the indexes, evaluate, publish
to the object store, register, promote (logic: stages.product_graph)."""

from typing import NamedTuple

from kfp.dsl import HTML, Artifact, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component


@component
def validate_interactions(paper: str, config: dict, dataset: Input[Dataset], clean: Output[Dataset],
                          report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations on the log as read (ids, behaviours, time window, duplicates, two users);
    the clean canonical Parquet table for the next steps."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.data.expectations import report_to
        from paperline.papers import get_paper
        from paperline.stages import product_graph

        cfg = get_paper(paper).train_config(config)
        cfg.check()
        with report_to(report.path) as report_dir:
            stats = product_graph.validate(dataset.path, clean.path, report_dir, cfg.max_bad_share)
        clean.metadata.update({**dataset.metadata, "rows": stats["kept"]})
        product_graph.log_kfp(metrics, stats)


@component
def split_by_time(paper: str, config: dict, clean: Input[Dataset], split: Output[Dataset], metrics: Output[Metrics]):
    """Train = all but the last `test_days` days of the window, test = those days."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import product_graph

        cfg = get_paper(paper).train_config(config)
        info = product_graph.split(clean.path, split.path, cfg.test_days)
        split.metadata.update({**clean.metadata, **info})
        product_graph.log_kfp(metrics, info)


@component
def build_product_graph(paper: str, config: dict, split: Input[Dataset], kfp_run_id: str, index: Output[Model],
                        metrics: Output[Metrics]) -> str:
    """Swing substitutes (engine: numba or spark) and Surprise complements on the training period;
    starts this run's MLflow run and returns its id."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import face, product_graph

        cfg = get_paper(paper).train_config(config)
        tags = face.run_tags(paper, kfp_run_id, dict(split.metadata))
        run_id, stats = product_graph.build_index(split.path, cfg, index.path, paper, tags)
        index.metadata.update({**stats, "mlflow_run_id": run_id})
        product_graph.log_kfp(metrics, stats)
        return run_id


@component
def evaluate_product_graph(paper: str, config: dict, split: Input[Dataset], index: Input[Model], run_id: str,
                           metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                           ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """HitRate and Recall at 10/20/50 and coverage of both indexes against item-CF cosine, Jaccard,
    Adamic-Adar, popularity, implicit's BM25 (substitutes) and co-purchase counts (complements)."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil
        from collections import namedtuple

        from paperline.papers import get_paper
        from paperline.stages import product_graph

        cfg = get_paper(paper).train_config(config)
        out = os.path.join(os.path.dirname(report.path), "evaluation")
        m = product_graph.evaluate(split.path, index.path, cfg, out, run_id)
        shutil.copy(os.path.join(out, "report.html"), report.path)
        shutil.copy(os.path.join(out, "report.md"), summary.path)
        product_graph.log_kfp(metrics, m)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[product_graph.METRIC], m["eval_data_md5"])


@component
def publish_index(index: Input[Model], split: Input[Dataset], run_id: str, index_root: str,
                  published: Output[Artifact]) -> str:
    """The serving layout (Parquet, text dumps, O(1) lookup tables) to `index_root`/swing/<run id>
    (default PAPERLINE_INDEX_ROOT); the marker last, so readers never see a partial index."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.stages import product_graph

        uri = product_graph.index_uri(index_root, run_id)
        meta = {"mlflow_run_id": run_id, **dict(split.metadata), **dict(index.metadata)}
        product_graph.publish(index.path, uri, meta, published.path)
        published.metadata.update({"uri": uri})
        return uri


@component
def register_index(published: Input[Artifact], run_id: str, model_name: str, metric: float, eval_md5: str) -> str:
    """The index as an MLflow python-function model, a new version tagged with its evaluation,
    alias `challenger`."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline import tracking
        from paperline.stages import product_graph

        tracking.set_tags(run_id, {"index_uri": published.metadata.get("uri", "")})
        return product_graph.register(published.path, run_id, model_name, metric, eval_md5)


@component
def promote_index(paper: str, config: dict, model_name: str, version: str, split: Input[Dataset]) -> str:
    """The gate on substitute HitRate@20 over the same test period; ends the run."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline import tracking
        from paperline.papers import get_paper
        from paperline.stages import product_graph

        cfg = get_paper(paper).train_config(config)
        d = product_graph.promote(model_name, version, split.path, cfg.click_behaviors)
        tracking.end_run(tracking.client().get_model_version(model_name, version).tags["run_id"])
        return d["decision"]
