"""Align and cut: each OCR segment's span of the video's audio, padded (subtitles lead and lag their
speech) and trimmed to the voiced part by WebRTC VAD, becomes a weakly labelled utterance. The audio
of a video is written once as a 16 kHz WAV; utterances are spans of it, WenetSpeech-style, so the
corpus is a JSONL manifest (and a Kaldi directory with `segments`) over those files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.asr.speech import RATE

FRAME = 0.03  # WebRTC VAD frames: 10, 20 or 30 ms


@dataclass
class CutSettings:
    pad: float = 0.2            # seconds added on both sides of a segment before trimming
    vad_mode: int = 3           # WebRTC aggressiveness 0-3 (3: the strictest)
    trim_margin: float = 0.05   # seconds kept around the first and last voiced frame
    min_seconds: float = 0.5
    max_seconds: float = 20.0


def slice_audio(x: np.ndarray, start: float, end: float, pad: float = 0.0, rate: int = RATE
                ) -> tuple[np.ndarray, float, float]:
    """Samples of [start - pad, end + pad] clipped to the file: (samples, actual start, actual end)."""
    a = max(0, int(round((start - pad) * rate)))
    b = min(len(x), int(round((end + pad) * rate)))
    return x[a:b], a / rate, b / rate


def voiced(x: np.ndarray, mode: int = 2, rate: int = RATE) -> np.ndarray:
    """Per 30 ms frame, whether WebRTC VAD hears speech."""
    import webrtcvad

    vad = webrtcvad.Vad(mode)
    n = int(FRAME * rate)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    return np.array([vad.is_speech(pcm[i:i + n].tobytes(), rate) for i in range(0, len(pcm) - n + 1, n)], bool)


@dataclass
class Cut:
    start: float          # seconds in the video's audio, after padding and trimming
    end: float
    speech_ratio: float   # voiced share of the OCR segment's own span
    voiced_seconds: float


def cut_segment(x: np.ndarray, start: float, end: float, s: CutSettings) -> Cut:
    """The padded span trimmed to its voiced part; the whole padded span when nothing is voiced (the
    speech-ratio filter decides about those)."""
    clip, a, b = slice_audio(x, start, end, s.pad)
    v = voiced(clip, s.vad_mode)
    own = v[int((start - a) / FRAME): max(int((start - a) / FRAME) + 1, int((end - a) / FRAME))]
    ratio = float(own.mean()) if len(own) else 0.0
    if not v.any():
        return Cut(round(a, 3), round(b, 3), ratio, 0.0)
    first, last = np.flatnonzero(v)[[0, -1]]
    t0 = max(a, a + first * FRAME - s.trim_margin)
    t1 = min(b, a + (last + 1) * FRAME + s.trim_margin)
    return Cut(round(t0, 3), round(t1, 3), ratio, float(v.sum() * FRAME))


def weak_rows(video_id: str, audio_path: str, x: np.ndarray, segments, s: CutSettings) -> tuple[list[dict], dict]:
    """Manifest rows (the spec's weak-corpus fields) of one video's OCR segments, and what was dropped
    by the duration bounds."""
    rows, dropped = [], {"too short": 0, "too long": 0}
    for i, seg in enumerate(segments):
        c = cut_segment(x, seg.start, seg.end, s)
        length = c.end - c.start
        if length < s.min_seconds:
            dropped["too short"] += 1
            continue
        if length > s.max_seconds:
            dropped["too long"] += 1
            continue
        rows.append({"utt_id": f"{video_id}-{i:05d}", "video_id": video_id, "audio_path": audio_path,
                     "start": c.start, "end": c.end, "duration": round(length, 3), "text": seg.text,
                     "ocr_conf": round(seg.confidence, 4), "ocr_start": seg.start, "ocr_end": seg.end,
                     "speech_ratio": round(c.speech_ratio, 3), "voiced_seconds": round(c.voiced_seconds, 3)})
    return rows, dropped


def audio_path_for(root: Path, video_id: str) -> Path:
    return Path(root) / "audio" / f"{video_id}.wav"
