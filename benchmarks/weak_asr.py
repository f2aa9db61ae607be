"""weak-asr's speed figures on this machine, one core each (ffmpeg, onnxruntime and torch at 1 thread):

- OCR calls per minute of video with change detection against OCR on every sampled frame, and the
  extraction speed (decode + band + OCR + segment) as a multiple of real time;
- the weak labels' CER against the generator's truth before and after filtering (from a filter
  step's `scored.jsonl`, e.g. a pipeline run's artifact);
- training throughput of the Conformer CTC in utterances per second.

Usage: python benchmarks/weak_asr.py [--videos 20] [--scored DIR] [--train] [--out docs/results/weak-asr-cpu.json]
"""

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from paperline.asr.media import videos_in
from paperline.asr.ocr import OCRSettings, extract


def ocr_figures(root: Path, n: int) -> dict:
    videos = videos_in(root / "videos")[:n]
    settings = OCRSettings(threads=1)
    extract(videos[0], settings)  # loads the ONNX models once, outside the timing
    calls = frames = seconds = wall = 0.0
    for v in videos:
        t0 = time.perf_counter()
        ex = extract(v, settings)
        wall += time.perf_counter() - t0
        calls, frames, seconds = calls + ex.ocr_calls, frames + ex.frames, seconds + ex.duration
    # every sampled frame read (change detection off) on a few videos: its speed
    every = replace(settings, change=-1.0, min_ink=0.0)
    e_wall = e_seconds = 0.0
    for v in videos[:3]:
        t0 = time.perf_counter()
        ex = extract(v, every)
        e_wall += time.perf_counter() - t0
        e_seconds += ex.duration
    minutes = seconds / 60
    return {"videos": len(videos), "video_minutes": minutes, "ocr_calls_per_minute": calls / minutes,
            "ocr_calls_per_minute_every_frame": frames / minutes, "fewer_calls": frames / calls,
            "realtime_per_core": seconds / wall, "realtime_per_core_every_frame": e_seconds / e_wall}


def label_figures(root: Path, scored: Path) -> dict:
    from paperline.asr.stages import audit

    return audit(root, scored)


def train_figures(root: Path) -> dict:
    """Utterances per second of one pre-training epoch on the target train split (1 thread)."""
    from paperline.asr.config import ASRConfig
    from paperline.asr.formats import read_aishell
    from paperline.asr.model import Vocab
    from paperline.asr.train import load_clips, train

    clips = load_clips(read_aishell(root / "target", "train").utterances)
    cfg = ASRConfig(threads=1)
    t0 = time.perf_counter()
    _, history = train(clips, Vocab.from_texts(clips.texts), cfg, 2, cfg.lr, desc="throughput")
    return {"train_utterances_per_second": history[-1]["images_per_second"], "utterances": len(clips.ids),
            "train_s": time.perf_counter() - t0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="data/videos")
    ap.add_argument("--videos", type=int, default=20)
    ap.add_argument("--scored", default="")
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--out", default="docs/results/weak-asr-cpu.json")
    a = ap.parse_args()
    root = Path(a.root)
    out = Path(a.out)
    res = json.loads(out.read_text()) if out.exists() else {}
    res["ocr"] = ocr_figures(root, a.videos)
    print(json.dumps(res["ocr"], indent=1), flush=True)
    if a.scored:
        res["labels"] = label_figures(root, Path(a.scored))
        print(json.dumps(res["labels"], indent=1), flush=True)
    if a.train:
        res["training"] = train_figures(root)
        print(json.dumps(res["training"], indent=1), flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
