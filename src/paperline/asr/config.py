"""The ASR family's configs, in a module that imports no torch: the paper registry reads them without
loading the training code."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError

RATES = ("lag_rate", "mismatch_rate", "unsubtitled_rate", "nonspeech_rate", "occlusion_rate")


@dataclass
class VideoDataConfig:
    """`paperline data build videos`: subtitled videos with planted faults and an AISHELL-style target set."""
    videos: int = param(40, "number of MP4 videos")
    cues_per_video: int = param(14, "spoken sentences per video")
    english_share: float = param(0.15, "share of videos in English (the rest Mandarin)")
    vocabulary: int = param(120, "Mandarin characters the sentences draw from (one per toned syllable; at most 294)")
    width: int = param(640, "frame width")
    height: int = param(360, "frame height")
    fps: int = param(25, "video frame rate")
    video_speakers: int = param(16, "synthetic speakers of the videos")
    lag_rate: float = param(0.08, "share of cues whose subtitle leads or lags the speech by 0.5-1.0 s")
    mismatch_rate: float = param(0.06, "share of cues whose subtitle shows another sentence than is spoken")
    unsubtitled_rate: float = param(0.05, "share of spoken sentences with no subtitle")
    nonspeech_rate: float = param(0.05, "extra cues shown over music or noise with no speech, per cue")
    occlusion_rate: float = param(0.05, "share of cues whose subtitle band is partly covered")
    overlay_share: float = param(0.5, "share of videos with other on-screen text (a channel name, a ticker)")
    target_speakers: str = param("4,1,2", "speakers of the AISHELL-layout target set: train,dev,test "
                                           "(voices not used in the videos)")
    target_utterances: int = param(60, "utterances per target speaker")
    seed: int = param(0, "generator seed")

    def check(self) -> None:
        if self.videos < 1 or self.cues_per_video < 1:
            raise ConfigError("need videos >= 1 and cues_per_video >= 1")
        for name in (*RATES, "english_share", "overlay_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        if self.width < 160 or self.height < 120 or self.fps < 1:
            raise ConfigError("need width >= 160, height >= 120 and fps >= 1")
        if len(self.target_split()) != 3 or min(self.target_split()) < 1:
            raise ConfigError(f"target_speakers must be three counts >= 1 (train,dev,test), got "
                              f"{self.target_speakers!r}")

    def target_split(self) -> tuple[int, ...]:
        try:
            return tuple(int(v) for v in self.target_speakers.split(","))
        except ValueError:
            raise ConfigError(f"target_speakers must be three integers like 4,1,2, got {self.target_speakers!r}") \
                from None


@dataclass
class ASRConfig:
    """weak-asr's parameters: OCR, cutting, filtering, the model and its two trainings."""
    # OCR (paperline.asr.ocr)
    ocr_fps: float = param(5.0, "frames sampled per second for subtitle OCR")
    ocr_engine: str = param("rapidocr", "OCR engine: rapidocr (PP-OCR ONNX) or tesseract")
    ocr_shards: int = param(2, "shards of videos the OCR step fans out over (a ParallelFor)")
    # align and cut (paperline.asr.cut)
    pad: float = param(0.2, "seconds of audio added on both sides of a subtitle span before VAD trimming")
    min_seconds: float = param(0.5, "shortest utterance kept")
    max_seconds: float = param(20.0, "longest utterance kept")
    # filters (paperline.asr.filters)
    script: str = param("Hans", "script the target language is written in (Hans: Chinese characters)")
    filter_rate: bool = param(True, "drop segments whose characters per second fall outside [min_rate, max_rate]")
    min_rate: float = param(1.5, "fewest characters per second of speech")
    max_rate: float = param(10.0, "most characters per second of speech")
    filter_vad: bool = param(True, "drop segments whose VAD speech ratio is below min_speech_ratio")
    min_speech_ratio: float = param(0.5, "least voiced share of a subtitle's span")
    filter_agreement: bool = param(True, "tier segments by the seed model's CTC alignment confidence")
    strong_ratio: float = param(1.0, "confidence, as a multiple of the median over the segments the other "
                                     "filters keep, at or above which a segment is 'strong'")
    weak_ratio: float = param(0.3, "... at or above which it is 'weak' (below: dropped)")
    filter_rounds: int = param(2, "seed-model rounds: train on what is kept, score, re-filter")
    pretrain_tiers: str = param("strong,weak", "tiers the model is pre-trained on")
    # model (paperline.asr.model)
    d_model: int = param(144, "Conformer width")
    blocks: int = param(2, "Conformer blocks")
    heads: int = param(4, "attention heads")
    kernel: int = param(15, "depthwise convolution kernel of the convolution module")
    dropout: float = param(0.1, "dropout")
    spec_augment: bool = param(True, "SpecAugment: 2 frequency masks (≤10 bins) and 2 time masks (≤20 frames)")
    beam: int = param(8, "CTC prefix beam width for decoding (1: greedy)")
    # training (paperline.asr.train)
    seed_epochs: int = param(12, "epochs of each seed-model round")
    pretrain_epochs: int = param(16, "epochs of pre-training on the weak corpus")
    finetune_epochs: int = param(12, "epochs of fine-tuning on the target train split")
    target_epochs: int = param(28, "epochs of the target-only baseline (same steps budget as pretrain+finetune)")
    batch_size: int = param(16, "utterances per step")
    lr: float = param(1e-3, "peak AdamW learning rate of pre-training and target-only (one-cycle)")
    finetune_lr: float = param(2e-4, "peak learning rate of fine-tuning")
    weight_decay: float = param(1e-4, "AdamW weight decay")
    ablations: str = param("no-rate,no-vad,no-agreement,hours=0.5",
                           "extra pre-train + fine-tune runs: a filter switched off, or a share of the weak hours")
    seed: int = param(0, "seed of weights, shuffling and SpecAugment")
    device: str = param("auto", "auto, cpu or cuda")
    threads: int = param(1, "torch CPU threads (kfp.local runs two training steps at once on 2 cores)")

    def check(self) -> None:
        from paperline.asr.ocr import ENGINES

        if self.ocr_engine not in ENGINES:
            raise ConfigError(f"ocr_engine must be one of {', '.join(ENGINES)}, got {self.ocr_engine!r}")
        if self.ocr_shards < 1 or self.filter_rounds < 1:
            raise ConfigError("ocr_shards and filter_rounds must be >= 1")
        if not 0 <= self.weak_ratio <= self.strong_ratio:
            raise ConfigError(f"need 0 <= weak_ratio <= strong_ratio, got {self.weak_ratio} and {self.strong_ratio}")
        if not 0 < self.min_rate < self.max_rate or not 0 < self.min_seconds < self.max_seconds:
            raise ConfigError("need 0 < min_rate < max_rate and 0 < min_seconds < max_seconds")
        if self.d_model % self.heads:
            raise ConfigError(f"d_model ({self.d_model}) must be a multiple of heads ({self.heads})")
        unknown = set(self.tiers) - {"strong", "weak"}
        if unknown or not self.tiers:
            raise ConfigError(f"pretrain_tiers must name strong and/or weak, got {self.pretrain_tiers!r}")
        for a in self.ablation_list:
            if a not in ABLATIONS and not (a.startswith("hours=") and _share(a) is not None):
                raise ConfigError(f"unknown ablation {a!r}: use {', '.join(ABLATIONS)} or hours=<share in (0, 1)>")

    @property
    def tiers(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.pretrain_tiers.split(",") if t.strip())

    @property
    def ablation_list(self) -> list[str]:
        return [a.strip() for a in self.ablations.split(",") if a.strip()]


ABLATIONS = ("no-rate", "no-vad", "no-agreement")


def _share(a: str) -> float | None:
    try:
        v = float(a.partition("=")[2])
    except ValueError:
        return None
    return v if 0 < v < 1 else None
