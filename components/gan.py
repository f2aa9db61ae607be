"""giu-gan components: validate, train the feature extractor, plan the models, train one GAN (a
ParallelFor), evaluate (logic: paperline.gan.stages); register and promote are the shared ones
(components/platform.py)."""

from typing import List, NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_images(paper: str, params: str, dataset: Input[Dataset], report: Output[Markdown],
                    metrics: Output[Metrics]):
    """Great Expectations: one shape, values 0..255, no constant image, labels in range with every class."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.core.papers import get_paper
        from paperline.gan.validation import validate_images as validate

        cfg = get_paper(paper).configure(params)[0]
        with report_to(report.path) as report_dir:
            stats = validate(dataset.path, report_dir, cfg.crop)
        metrics.log_metric("train_images", stats["train"]["images"])
        metrics.log_metric("test_images", stats["test"]["images"])


@gpu_component
def train_feature_extractor(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str,
                            features: Output[Model], metrics: Output[Metrics]) -> str:
    """The classifier whose features FID/KID/PR and whose posteriors IS are computed on, trained on
    the real train split; starts this run's MLflow run and returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.gan.stages import train_features_stage

        cfg, run_name = get_paper(paper).configure(params)
        run_id, info = train_features_stage(dataset.path, cfg, features.path, paper, kfp_run_id,
                                            dict(dataset.metadata), run_name=run_name)
        features.metadata.update({"mlflow_run_id": run_id, **info})
        metrics.log_metric("test_accuracy", info["features_test_accuracy"])
        return run_id


@component
def plan_models(paper: str, params: str) -> List[str]:
    """The generators the ParallelFor fans out over (config `models`)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        return cfg.model_list()


@gpu_component
def train_gan(paper: str, params: str, dataset: Input[Dataset], features: Input[Model], model_key: str,
              generator: Output[Model], metrics: Output[Metrics]):
    """One GAN of the comparison: its EMA generator, per-epoch sample grids and FID points on the run
    (the MLflow run the feature step started: its id travels on the features' metadata)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.gan.stages import train_gan_stage

        cfg = get_paper(paper).configure(params)[0]
        info = train_gan_stage(dataset.path, cfg, model_key, features.path, generator.path,
                               features.metadata["mlflow_run_id"])
        generator.metadata.update(info)
        for k in ("g_params", "d_params", "train_s", "images_per_second"):
            metrics.log_metric(k, float(info[k]))


@component
def evaluate_gans(paper: str, params: str, dataset: Input[Dataset], features: Input[Model],
                  generators: Input[List[Model]], run_id: str, metrics: Output[Metrics], report: Output[HTML],
                  summary: Output[Markdown], model: Output[Model]
                  ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """FID, KID, IS, precision/recall of every generator on the extractor's features, side by side with
    sample grids and the FID-against-iterations curves; `model` is GIU-GAN's, to register."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.papers import get_paper
        from paperline.core.reports import to_kfp
        from paperline.gan import stages

        cfg = get_paper(paper).configure(params)[0]
        out = os.path.join(os.path.dirname(report.path), "evaluation")
        paths = {g.metadata["model"]: g.path for g in generators}
        infos = {g.metadata["model"]: dict(g.metadata) for g in generators}
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, cfg, paths, infos, features.path, out, run_id, model.path)
        model.metadata.update({"mlflow_run_id": run_id, "model": "GIU-GAN EMA generator", stages.METRIC: m["fid"]})
        to_kfp(out, m, metrics, report, summary)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
