"""weak-asr components: validate, plan the OCR shards, OCR a shard (a ParallelFor), align and cut,
filter (with its seed-model rounds), pre-train + fine-tune (the main run), the other systems of the
comparison (the ablations and target-only, a ParallelFor), evaluate (logic:
paperline.asr.corpus_stages and paperline.asr.stages); register and promote are the shared ones
(components/platform.py)."""

from typing import List, NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component


@component
def validate_videos(dataset: Input[Dataset], report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations: videos decode with an audio stream of the length they claim; target wavs
    at 16 kHz, transcripts non-empty in the declared script, unique utterance ids."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr.validation import validate_weak_asr
        from paperline.core.expectations import report_to

        with report_to(report.path) as report_dir:
            stats = validate_weak_asr(dataset.path, report_dir)
        metrics.log_metric("videos", stats["videos"])
        metrics.log_metric("video_hours", stats["video_hours"])


@component
def plan_ocr_shards(paper: str, params: str) -> List[int]:
    """The shard indices the OCR ParallelFor fans out over (config `ocr_shards`)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        return list(range(cfg.ocr_shards))


@component
def ocr_subtitles(paper: str, params: str, dataset: Input[Dataset], shard: int, subtitles: Output[Dataset],
                  metrics: Output[Metrics]):
    """Subtitle OCR over one shard of the videos: an SRT per video and the segment table."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr.corpus_stages import ocr_shard
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        stats = ocr_shard(dataset.path, int(shard), cfg, subtitles.path)
        subtitles.metadata.update({k: v for k, v in stats.items() if isinstance(v, (int, float))})
        for k, v in stats.items():
            metrics.log_metric(k, float(v))


@component
def align_cut(paper: str, params: str, subtitles: Input[List[Dataset]], corpus: Output[Dataset],
              metrics: Output[Metrics]):
    """The weak corpus: padded, VAD-trimmed spans of each video's audio, as JSONL and a Kaldi directory."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr.corpus_stages import align_cut as cut
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        stats = cut([s.path for s in subtitles], cfg, corpus.path)
        corpus.metadata.update(stats)
        for k, v in stats.items():
            metrics.log_metric(k, float(v))


@gpu_component
def filter_weak(paper: str, params: str, corpus: Input[Dataset], scored: Output[Dataset], metrics: Output[Metrics]):
    """Rate, VAD and seed-model agreement filters, with seed rounds: strong / weak / drop tiers."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr.corpus_stages import filter_corpus
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        stats = filter_corpus(corpus.path, cfg, scored.path)
        scored.metadata.update(stats)
        for k, v in stats.items():
            metrics.log_metric(k, float(v))


@gpu_component
def train_weak_asr(paper: str, params: str, dataset: Input[Dataset], corpus: Input[Dataset], scored: Input[Dataset],
                   kfp_run_id: str, model: Output[Model], pretrained: Output[Model], metrics: Output[Metrics]) -> str:
    """Pre-train on the kept weak corpus (`pretrained`), fine-tune on the target train split
    (`model`); starts this run's MLflow run and returns its id."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr import stages
        from paperline.core.papers import get_paper

        cfg, run_name = get_paper(paper).configure(params)
        run_id, info = stages.train_main(dataset.path, corpus.path, scored.path, cfg, model.path, pretrained.path,
                                         paper, kfp_run_id, dict(dataset.metadata), dict(scored.metadata),
                                         run_name=run_name)
        model.metadata.update({"mlflow_run_id": run_id, "model": "Conformer CTC", **info})
        for k, v in info.items():
            if isinstance(v, (int, float)):
                metrics.log_metric(k, float(v))
        return run_id


@component
def plan_variants(paper: str, params: str) -> List[str]:
    """The systems the comparison's ParallelFor fans out over: the ablations (config `ablations`) and
    the target-only baseline."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        cfg.check()
        return ["target-only", *cfg.ablation_list]  # first: it overlaps the ablations on a 2-worker local run


@gpu_component
def train_variant(paper: str, params: str, dataset: Input[Dataset], corpus: Input[Dataset], scored: Input[Dataset],
                  variant: str, model: Output[Model], metrics: Output[Metrics]):
    """One system of the comparison: target-only, or pre-train + fine-tune with one filter switched
    off or on a share of the weak hours."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.asr import stages
        from paperline.core.papers import get_paper

        cfg = get_paper(paper).configure(params)[0]
        info = stages.train_variant(dataset.path, corpus.path, scored.path, cfg, variant, model.path)
        model.metadata.update(info)
        for k, v in info.items():
            if isinstance(v, (int, float)):
                metrics.log_metric(k, float(v))


@component
def evaluate_asr(paper: str, params: str, dataset: Input[Dataset], scored: Input[Dataset], main: Input[Model],
                 pretrained: Input[Model], variants: Input[List[Model]], run_id: str,
                 metrics: Output[Metrics], report: Output[HTML], summary: Output[Markdown]
                 ) -> NamedTuple("EvalOutputs", metric=float, eval_md5=str):
    """CER of every system on the target test split, the weak-label audit and the plots (HTML for the
    KFP UI, the same on the MLflow run)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.asr import stages
        from paperline.core.experiments import failing_run
        from paperline.core.papers import get_paper
        from paperline.core.reports import to_kfp

        cfg = get_paper(paper).configure(params)[0]
        out = os.path.join(os.path.dirname(report.path), "evaluation")
        by_name = {v.metadata["variant"]: v for v in variants}
        systems = [(stages.MAIN, main.path, main.metadata.get("weak_hours")),
                   ("weak-pretrain zero-shot", pretrained.path, None),
                   ("target-only", by_name["target-only"].path, 0.0),
                   *((f"{name} + finetune", None if v.metadata.get("same_as") else v.path,
                      v.metadata.get("weak_hours") if name.startswith("hours=") else None)
                     for name, v in by_name.items() if name != "target-only")]
        with failing_run(run_id):
            m = stages.evaluate(dataset.path, scored.path, systems, cfg, out, run_id)
        to_kfp(out, m, metrics, report, summary)
        return namedtuple("EvalOutputs", ["metric", "eval_md5"])(m[stages.METRIC], m["eval_data_md5"])
