"""Weak ASR (arXiv:2008.01300; INTERSPEECH 2021 as "VideoASR"): subtitled videos → OCR → align and
cut → filter → pre-train → fine-tune.

Data: paperline.asr.videos (`paperline data build videos`, the DVC stage `videos_data`); OCR:
paperline.asr.ocr; the corpus steps: paperline.asr.corpus_stages; model and training:
paperline.asr.model and paperline.asr.train; the pipeline's model steps: paperline.asr.stages. The
paper's own CER tables were not readable here (spec §5): `reference` holds the WenetSpeech figures
the spec could confirm, on other data, as orientation only.

Embedded default (2 CPU cores, the whole pipeline in minutes): 2 Conformer blocks of 144, CTC only,
seed rounds of 12 epochs, 16 pre-training and 12 fine-tuning epochs (docs/papers/weak-asr.md).
"""

from paperline.asr.config import ASRConfig, VideoDataConfig
from paperline.core.papers import Dataset, Paper, common_params, hook

DATASETS = [Dataset("videos", "videos_data", "data/videos", VideoDataConfig,
                    hook("paperline.asr.videos:build_videos_dataset"), unit="videos")]

WENETSPEECH = "wenet-e2e/WenetSpeech README (systems trained on WenetSpeech, tested on AISHELL-1)"

PAPER = Paper(
    name="weak-asr",
    title="Weakly Supervised Construction of ASR Systems from Massive Video Data",
    arxiv="2008.01300",
    family="asr",
    pipeline="weak_asr",
    config_cls=ASRConfig,
    data_path="data/videos",
    model_name="paperline-weak-asr",
    description="Weak ASR from video subtitles: validate, OCR (ParallelFor over shards), align and cut, filter "
                "with seed rounds, pre-train + fine-tune, ablations (ParallelFor) and target-only, CER, register, "
                "promote",
    embedded={},
    full_scale={"d_model": 256, "blocks": 12, "heads": 4, "kernel": 15, "seed_epochs": 40, "pretrain_epochs": 80,
                "finetune_epochs": 30, "target_epochs": 110, "batch_size": 64, "ocr_shards": 16},
    pipeline_params=common_params("data/videos", "paperline-weak-asr",
                                  "folder with videos/ (MP4, MKV, ...) and target/ (AISHELL-1 layout)"),
    metrics=["cer", "cer_target_only", "cer_weak_pretrain", "label_cer_kept"],
    gate_metric="cer",
    gate_label="CER on the target test split",
    higher_is_better=False,
    reevaluate=hook("paperline.asr.stages:reevaluate"),
    served=hook("paperline.asr.stages:served"),
    reference=[
        {"metric": "cer", "benchmark": "AISHELL-1 test (WenetSpeech-trained WeNet)", "value": 0.0461,
         "source": WENETSPEECH},
        {"metric": "cer", "benchmark": "AISHELL-1 test (WenetSpeech-trained ESPnet)", "value": 0.0390,
         "source": WENETSPEECH},
    ],
)
