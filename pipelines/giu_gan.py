"""giu-gan (arXiv:2201.10471): ingest images → validate → train the feature extractor → train (a
ParallelFor over GIU-GAN, DCGAN, SNGAN and the ablations) → evaluate (FID, KID, IS, precision and
recall on the extractor's features) → register → promote (FID, lower is better)."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.gan import evaluate_gans, plan_models, train_feature_extractor, train_gan, validate_images
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("giu-gan")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    files = data.outputs["dataset"]
    checked = validate_images(paper=PAPER.name, params=p.params, dataset=files)
    feats = train_feature_extractor(paper=PAPER.name, params=p.params, dataset=files,
                                    kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER).after(checked)
    cluster.gpu_step(feats)
    plan = plan_models(paper=PAPER.name, params=p.params).after(checked)
    with dsl.ParallelFor(plan.output) as model_key:
        trained = train_gan(paper=PAPER.name, params=p.params, dataset=files, features=feats.outputs["features"],
                            model_key=model_key)
        cluster.gpu_step(trained)
    evaluated = evaluate_gans(paper=PAPER.name, params=p.params, dataset=files, features=feats.outputs["features"],
                              generators=dsl.Collected(trained.outputs["generator"]), run_id=feats.outputs["Output"])
    registered = register_model(model=evaluated.outputs["model"], run_id=feats.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=files)
    for side_effect in (feats, trained, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, feats, plan, trained, evaluated, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], feats.outputs["Output"], registered.output, promoted.output)
