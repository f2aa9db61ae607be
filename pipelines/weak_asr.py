"""weak-asr (arXiv:2008.01300): ingest videos + target set → validate → OCR the burned-in subtitles
(a ParallelFor over shards of videos) → align and cut the weak corpus → filter (rate, VAD, seed-model
agreement, with seed rounds) → pre-train + fine-tune (the main run) → the ablations and the
target-only baseline (a ParallelFor) → evaluate (CER of each, label audit) → register → promote."""

from typing import NamedTuple

from kfp import dsl

from paperline.components.asr import (
    align_cut,
    evaluate_asr,
    filter_weak,
    ocr_subtitles,
    plan_ocr_shards,
    plan_variants,
    train_variant,
    train_weak_asr,
    validate_videos,
)
from paperline.components.platform import ingest, promote_model, register_model
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.paper import paper_pipeline

PAPER = get_paper("weak-asr")
Outputs = NamedTuple("Outputs", metric=float, run_id=str, version=str, decision=str)


@paper_pipeline(PAPER, Outputs)
def pipeline(p) -> Outputs:
    data = ingest(data_path=p.data_path, data_repo=p.data_repo, data_rev=p.data_rev)
    files = data.outputs["dataset"]
    checked = validate_videos(dataset=files)
    shards = plan_ocr_shards(paper=PAPER.name, params=p.params).after(checked)
    with dsl.ParallelFor(shards.output) as shard:
        ocr = ocr_subtitles(paper=PAPER.name, params=p.params, dataset=files, shard=shard)
    cut = align_cut(paper=PAPER.name, params=p.params, subtitles=dsl.Collected(ocr.outputs["subtitles"]))
    scored = filter_weak(paper=PAPER.name, params=p.params, corpus=cut.outputs["corpus"])
    cluster.gpu_step(scored)
    main = train_weak_asr(paper=PAPER.name, params=p.params, dataset=files, corpus=cut.outputs["corpus"],
                          scored=scored.outputs["scored"], kfp_run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
    cluster.gpu_step(main)
    plan = plan_variants(paper=PAPER.name, params=p.params).after(checked)
    with dsl.ParallelFor(plan.output) as variant:
        other = train_variant(paper=PAPER.name, params=p.params, dataset=files, corpus=cut.outputs["corpus"],
                              scored=scored.outputs["scored"], variant=variant)
        cluster.gpu_step(other)
    evaluated = evaluate_asr(paper=PAPER.name, params=p.params, dataset=files, scored=scored.outputs["scored"],
                             main=main.outputs["model"], pretrained=main.outputs["pretrained"],
                             variants=dsl.Collected(other.outputs["model"]), run_id=main.outputs["Output"])
    registered = register_model(model=main.outputs["model"], run_id=main.outputs["Output"],
                                model_name=p.model_name, metric=evaluated.outputs["metric"],
                                eval_md5=evaluated.outputs["eval_md5"])
    promoted = promote_model(model_name=p.model_name, version=registered.output, dataset=files)
    for side_effect in (main, evaluated, registered, promoted):
        side_effect.set_caching_options(False)
    for task in (data, checked, shards, ocr, cut, scored, main, plan, other, evaluated, registered, promoted):
        cluster.cluster_task(task)
    return Outputs(evaluated.outputs["metric"], main.outputs["Output"], registered.output, promoted.output)
