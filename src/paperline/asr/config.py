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
