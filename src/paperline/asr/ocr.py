"""Burned-in subtitles back to timed text: sample frames, find the subtitle band from the modal
position of detected text boxes, run recognition on the band only when it changes, and merge runs of
frames into segments that tolerate per-frame OCR noise (the spec's §2 steps 1-4).

Engines: rapidocr (PP-OCR ONNX models bundled in its wheel; recognition only on the band crop) or
tesseract (its CLI; `chi_sim` needs `tesseract-ocr-chi-sim`). Both return (text, confidence in [0, 1]).
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from paperline.asr.media import frames, probe, tool
from paperline.asr.srt import Cue, write_srt
from paperline.asr.text import normalize, similarity
from paperline.core.errors import ConfigError, DataError

ENGINES = ("rapidocr", "tesseract")


@dataclass
class OCRSettings:
    fps: float = 5.0                # frames sampled per second
    engine: str = "rapidocr"
    band_frames: int = 6            # frames the text detector looks at to place the band
    band_seconds: float = 60.0      # ... chosen among the first seconds of the video
    change: float = 0.35            # share of the band's text mask that must change to read it again
    min_ink: float = 0.0015         # share of the band that must look like text to be read at all
    merge_similarity: float = 0.8   # normalised similarity that keeps two readings in one segment
    min_confidence: float = 0.5     # readings below it count as no text
    min_frames: int = 2             # shortest segment, in sampled frames
    tesseract_lang: str = "eng"
    threads: int = 0                # ffmpeg's and onnxruntime's threads (0: their default, every core)
    fast_decode: bool = True        # skip decoding non-reference frames (paperline.asr.media.frames)

    def check(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"ocr engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not 0.5 <= self.fps <= 30:
            raise ConfigError(f"ocr fps must lie in [0.5, 30], got {self.fps}")
        if not 0 < self.merge_similarity <= 1:
            raise ConfigError(f"merge_similarity must lie in (0, 1], got {self.merge_similarity}")


@dataclass
class Reading:
    t: float
    text: str
    confidence: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    confidence: float
    frames: int


@dataclass
class Extraction:
    video: str
    band: tuple[int, int]
    segments: list[Segment]
    ocr_calls: int
    frames: int
    duration: float
    timings: dict = field(default_factory=dict)


def quiet_rapidocr() -> None:
    """rapidocr logs every model load and every empty detection; errors still show."""
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)


@cache
def _rapid(detect: bool, threads: int = 0):
    """One engine per mode: in rapidocr 3.10 a per-call use_det=False sticks to the engine."""
    from rapidocr import RapidOCR

    quiet_rapidocr()
    # the detector sees the lower half at its own size (by default it scales the short side up to 736)
    params = ({"Det.limit_type": "max", "Det.limit_side_len": 960, "Global.use_cls": False} if detect
              else {"Global.use_det": False, "Global.use_cls": False})
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    engine = RapidOCR(params=params)
    quiet_rapidocr()
    return engine


def detect_boxes(frame: np.ndarray, threads: int = 0) -> list[tuple[int, int, int, int]]:
    """Text boxes (x0, y0, x1, y1) that rapidocr's detector finds in a frame."""
    result = _rapid(True, threads)(_bgr(frame), use_rec=False)
    boxes = getattr(result, "boxes", None)
    if boxes is None:
        return []
    return [(int(b[:, 0].min()), int(b[:, 1].min()), int(b[:, 0].max()), int(b[:, 1].max())) for b in boxes]


def _bgr(frame: np.ndarray) -> np.ndarray:
    return np.repeat(frame[..., None], 3, axis=2) if frame.ndim == 2 else frame


def recognize(crop: np.ndarray, settings: OCRSettings) -> tuple[str, float]:
    if settings.engine == "rapidocr":
        result = _rapid(False, settings.threads)(_bgr(crop))
        texts, scores = getattr(result, "txts", None) or (), getattr(result, "scores", None) or ()
        if not texts:
            return "", 0.0
        return "".join(texts), float(np.mean(scores))
    return _tesseract(crop, settings.tesseract_lang)


def _tesseract(crop: np.ndarray, lang: str) -> tuple[str, float]:
    import cv2

    ok, png = cv2.imencode(".png", crop)
    r = subprocess.run([tool("tesseract"), "stdin", "stdout", "-l", lang, "--psm", "7", "tsv"], input=png.tobytes(),
                       capture_output=True)
    if r.returncode != 0:
        raise ConfigError(f"tesseract failed: {r.stderr.decode(errors='replace').strip()[-200:]}")
    words, confs = [], []
    for line in r.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 12 and cols[11].strip() and float(cols[10]) >= 0:
            words.append(cols[11].strip())
            confs.append(float(cols[10]) / 100)
    return " ".join(words), float(np.mean(confs)) if confs else 0.0


def find_band(samples: list[np.ndarray], width: int, offset: int, height: int, threads: int = 0
              ) -> tuple[int, int] | None:
    """(top, bottom) frame rows of the subtitle band: horizontally centred boxes at the modal vertical
    position over the sampled lower halves (a channel name or a ticker sits elsewhere). `offset`: the
    row the lower half starts at."""
    rows = []
    for frame in samples:
        for x0, y0, x1, y1 in detect_boxes(frame, threads):
            if abs((x0 + x1) / 2 - width / 2) < 0.12 * width and x1 - x0 > y1 - y0:
                rows.append((y0 + offset, y1 + offset))
    if not rows:
        return None
    step = max(4, height // 60)
    mode, _ = Counter(round((a + b) / 2 / step) for a, b in rows).most_common(1)[0]
    near = [(a, b) for a, b in rows if abs(round((a + b) / 2 / step) - mode) <= 1]
    top, bottom = int(np.median([a for a, _ in near])), int(np.median([b for _, b in near]))
    pad = max(3, (bottom - top) // 4)
    return max(offset, top - pad), min(height, bottom + pad)


def text_mask(band: np.ndarray) -> np.ndarray:
    """Pixels that look like outlined subtitle text: bright, next to a dark pixel (libass draws a dark
    outline around a light fill)."""
    import cv2

    bright = band > 170
    dark = cv2.dilate((band < 90).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return bright & dark


def changed(mask: np.ndarray, ref: np.ndarray | None, share: float) -> bool:
    if ref is None:
        return True
    union = np.count_nonzero(mask | ref)
    return union > 0 and np.count_nonzero(mask ^ ref) / union > share


def text_columns(crop: np.ndarray, mask: np.ndarray, margin: int = 16) -> np.ndarray:
    """The band cut to the columns its text occupies (plus a margin): recognition time grows with the
    width of what it reads, and a subtitle rarely spans the whole frame."""
    cols = np.flatnonzero(mask.any(0))
    if not len(cols):
        return crop
    return crop[:, max(0, cols[0] - margin): cols[-1] + 1 + margin]


def band_samples(window: list[np.ndarray], n: int) -> list[np.ndarray]:
    """The `n` frames of the window with the most text-like ink in their centre (evenly spaced
    candidates): the detector looks where a subtitle most likely is."""
    if not window:
        return []
    every = max(1, len(window) // (4 * n))
    candidates = window[every // 2::every]
    w = window[0].shape[1]
    ink = [np.count_nonzero(text_mask(f[:, int(0.3 * w):int(0.7 * w)])) for f in candidates]
    return [candidates[i] for i in sorted(np.argsort(ink)[::-1][:n])]


def read_band(stream, band: tuple[int, int], offset: int, settings: OCRSettings
              ) -> tuple[list[Reading], int, int]:
    """Per sampled frame, the band's text. The band is compared through its *stable* text mask (text
    pixels present in this frame and the previous one: a subtitle stands still, a moving background's
    edges do not); OCR runs only when that changed since the last reading, and never on a band with
    no text-like pixels. Returns (readings, OCR calls, frames)."""
    top, bottom = band[0] - offset, band[1] - offset
    readings, calls, n, ref, prev, last = [], 0, 0, None, None, ("", 0.0)
    for t, frame in stream:
        n += 1
        crop = frame[top:bottom]
        mask = text_mask(crop)
        stable = mask if prev is None else mask & prev
        prev = mask
        if np.count_nonzero(stable) < settings.min_ink * stable.size:
            ref, last = None, ("", 0.0)
        elif changed(stable, ref, settings.change):
            last, ref = recognize(text_columns(crop, stable), settings), stable
            calls += 1
        readings.append(Reading(t, *last))
    return readings, calls, n


def segments_of(readings: list[Reading], settings: OCRSettings) -> list[Segment]:
    """Runs of frames reading the same text (normalised similarity >= merge_similarity to the run's
    reading so far) become one segment; an empty or low-confidence frame ends a run. The segment's
    text is the run's most frequent reading, ties to the most confident."""
    step = 1.0 / settings.fps
    out, run = [], []

    def close():
        if len(run) >= settings.min_frames:
            votes = Counter(normalize(r.text) for r in run)
            best = max(run, key=lambda r: (votes[normalize(r.text)], r.confidence))
            out.append(Segment(round(run[0].t, 3), round(run[-1].t + step, 3), clean(best.text),
                               float(np.mean([r.confidence for r in run])), len(run)))
        run.clear()

    for r in readings:
        empty = not normalize(r.text) or r.confidence < settings.min_confidence
        if empty:
            close()
            continue
        if run and similarity(r.text, run[-1].text) < settings.merge_similarity:
            close()
        run.append(r)
    close()
    return out


def clean(text: str) -> str:
    """The reading as a subtitle line: OCR's spacing collapsed, nothing else changed."""
    return re.sub(r"\s+", " ", text).strip()


def extract(path: str | Path, settings: OCRSettings | None = None) -> Extraction:
    """Subtitle segments of one video, in one decoding pass: the first `band_seconds` of sampled lower
    halves are held to place the band, then read with the rest as they stream. Fails, naming the file,
    when no subtitle band is found there."""
    import itertools
    import time

    settings = settings or OCRSettings()
    settings.check()
    t0 = time.perf_counter()
    info = probe(path)
    offset = info.height // 2
    stream = frames(path, settings.fps, info, lower_half=True, threads=settings.threads, fast=settings.fast_decode)
    window = [f for _, f in itertools.islice(stream, int(settings.band_seconds * settings.fps))]
    band = find_band(band_samples(window, settings.band_frames), info.width, offset, info.height, settings.threads)
    if band is None:
        stream.close()
        raise DataError(f"{path}: no subtitles found (no centred text in the lower half of the first "
                        f"{len(window) / settings.fps:.0f} s)")
    t1 = time.perf_counter()
    held = ((k / settings.fps, f) for k, f in enumerate(window))
    readings, calls, n = read_band(itertools.chain(held, stream), band, offset, settings)
    segs = segments_of(readings, settings)
    return Extraction(Path(path).name, band, segs, calls, n, info.duration,
                      {"band_s": t1 - t0, "total_s": time.perf_counter() - t0})


def write_subtitles(ex: Extraction, path: str | Path) -> None:
    write_srt([Cue(s.start, s.end, s.text) for s in ex.segments], path)
