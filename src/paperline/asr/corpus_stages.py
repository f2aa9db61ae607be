"""weak-asr's data stages on files: OCR over a shard of videos, align-and-cut into the weak corpus,
and the filter with its seed-model rounds. No KFP or MLflow here."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from paperline.asr import filters
from paperline.asr.config import ASRConfig
from paperline.asr.cut import CutSettings, audio_path_for, weak_rows
from paperline.asr.formats import (
    Utterance,
    manifest_to_utterances,
    read_jsonl,
    write_jsonl,
    write_kaldi,
)
from paperline.asr.media import audio, videos_in
from paperline.asr.ocr import OCRSettings, Segment, extract, write_subtitles
from paperline.asr.speech import write_wav
from paperline.asr.text import edits
from paperline.core.errors import DataError
from paperline.core.files import building_dir

SEGMENT_FIELDS = ("video_id", "video", "start", "end", "text", "ocr_conf", "frames")


def shard_of(videos: list[Path], shard: int, shards: int) -> list[Path]:
    return videos[shard::shards]


def ocr_shard(root: str | Path, shard: int, cfg: ASRConfig, out: str | Path) -> dict:
    """Subtitles of every `cfg.ocr_shards`-th video from `shard`: `srt/<video>.srt` and
    `segments.jsonl` (one OCR segment per line). A video whose subtitles are never found is skipped
    and counted (a real crawl has such videos); a corrupt one fails naming the file."""
    settings = OCRSettings(fps=cfg.ocr_fps, engine=cfg.ocr_engine, threads=cfg.threads)
    videos = shard_of(videos_in(Path(root) / "videos"), shard, cfg.ocr_shards)
    stats = {"videos": 0, "no_subtitles": 0, "ocr_calls": 0, "frames": 0, "video_seconds": 0.0, "ocr_seconds": 0.0}
    rows, skipped = [], []
    with building_dir(out) as tmp:
        for video in tqdm(videos, desc=f"OCR shard {shard + 1}/{cfg.ocr_shards}", unit="video", mininterval=5):
            t0 = time.perf_counter()
            try:
                ex = extract(video, settings)
            except DataError as e:
                if "no subtitles found" not in str(e):
                    raise
                stats["no_subtitles"] += 1
                skipped.append(video.name)
                continue
            stats["ocr_seconds"] += time.perf_counter() - t0
            write_subtitles(ex, tmp / "srt" / f"{video.stem}.srt")
            stats["videos"] += 1
            stats["ocr_calls"] += ex.ocr_calls
            stats["frames"] += ex.frames
            stats["video_seconds"] += ex.duration
            rows += [{"video_id": video.stem, "video": str(video), "index": i, "start": s.start, "end": s.end,
                      "text": s.text, "ocr_conf": round(s.confidence, 4), "frames": s.frames}
                     for i, s in enumerate(ex.segments)]
        write_jsonl(rows, tmp / "segments.jsonl")
        (tmp / "stats.json").write_text(json.dumps({**stats, "skipped": skipped}, indent=1))
    if skipped:
        print(f"OCR shard {shard}: no subtitles found in {len(skipped)} video(s), skipped: {', '.join(skipped)}",
              flush=True)
    return {**stats, "segments": len(rows)}


def align_cut(shard_dirs: list[str | Path], cfg: ASRConfig, out: str | Path) -> dict:
    """The weak corpus: each video's audio once as `audio/<video>.wav`, the segments cut from it
    (padded, VAD-trimmed) in `weak.jsonl` and as the Kaldi directory `kaldi/`."""
    settings = CutSettings(pad=cfg.pad, min_seconds=cfg.min_seconds, max_seconds=cfg.max_seconds)
    segments: dict[str, list] = {}
    videos: dict[str, str] = {}
    for d in shard_dirs:
        table = Path(d) / "segments.jsonl"
        for r in read_jsonl(table, SEGMENT_FIELDS) if table.stat().st_size else []:
            segments.setdefault(r["video_id"], []).append(Segment(r["start"], r["end"], r["text"], r["ocr_conf"],
                                                                  r["frames"]))
            videos[r["video_id"]] = r["video"]
    if not segments:
        raise DataError(f"no subtitle segments in {', '.join(map(str, shard_dirs))}: nothing to cut")
    rows, dropped = [], {"too short": 0, "too long": 0}
    with building_dir(out) as tmp:
        for vid in tqdm(sorted(segments), desc="align and cut", unit="video", mininterval=5):
            x = audio(videos[vid])
            rel = audio_path_for(Path("."), vid)
            write_wav(x, tmp / rel)
            got, lost = weak_rows(vid, str(rel), x, segments[vid], settings)
            rows += got
            for k, v in lost.items():
                dropped[k] += v
        write_jsonl(rows, tmp / "weak.jsonl")
        write_kaldi(manifest_to_utterances(rows, ".."), tmp / "kaldi")  # wav.scp paths relative to kaldi/
    hours = sum(r["duration"] for r in rows) / 3600
    print(f"weak corpus: {len(rows)} utterances, {hours:.3f} h from {len(segments)} videos "
          f"(dropped: {dropped['too short']} too short, {dropped['too long']} too long)", flush=True)
    return {"utterances": len(rows), "hours": hours, "videos": len(segments), **{f"dropped_{k.replace(' ', '_')}": v
                                                                                  for k, v in dropped.items()}}


def utterances(corpus_dir: str | Path, rows: list[dict]) -> list[Utterance]:
    return manifest_to_utterances(rows, corpus_dir)


def score_rows(rows: list[dict], corpus_dir: str | Path, model, vocab) -> list[dict]:
    """Every row with the seed model's alignment confidence of its text, its transcript and their CER."""
    from paperline.asr.train import confidences, load_clips

    conf, hyps = confidences(model, vocab, load_clips(utterances(corpus_dir, rows)))
    return [{**r, "agree_conf": round(c, 4), "asr_hyp": h, "agree_cer": round(edits(r["text"], h).cer, 4)}
            for r, c, h in zip(rows, conf, hyps)]


def filter_corpus(corpus_dir: str | Path, cfg: ASRConfig, out: str | Path) -> dict:
    """Seed rounds: train on what the filters keep (round 1: every row the script, rate and VAD
    filters pass), score every row, re-filter; `cfg.filter_rounds` times. Writes `scored.jsonl`
    (every row, its scores, subset and reason), `seed.pt` and `rounds.json`."""
    from paperline.asr.model import Vocab, conformer_ctc
    from paperline.asr.train import load_clips, train
    from paperline.core.checkpoint import save_model

    corpus_dir = Path(corpus_dir)
    rows = read_jsonl(corpus_dir / "weak.jsonl")
    history = []
    with building_dir(out) as tmp:
        model = vocab = None
        for rnd in range(cfg.filter_rounds if cfg.filter_agreement else 0):
            keep = filters.kept(rows, cfg)
            if not keep:
                raise DataError(f"{corpus_dir / 'weak.jsonl'}: the filters keep nothing to train a seed model on")
            vocab = Vocab.from_texts(r["text"] for r in keep)
            model, _ = train(load_clips(utterances(corpus_dir, keep)), vocab, cfg, cfg.seed_epochs, cfg.lr,
                             desc=f"seed round {rnd + 1}")
            rows = score_rows(rows, corpus_dir, model, vocab)
            c = filters.counts(filters.assign(rows, cfg))
            history.append({"round": rnd + 1, "trained_on": len(keep), **c})
            print(f"seed round {rnd + 1}: trained on {len(keep)}; strong {c['strong']}, weak {c['weak']}, "
                  f"dropped {c['drop']} (agreement {c['drop_agreement']}, rate {c['drop_rate']}, VAD {c['drop_vad']}, "
                  f"script {c['drop_script']})", flush=True)
        write_jsonl(filters.assign(rows, cfg), tmp / "scored.jsonl")
        (tmp / "rounds.json").write_text(json.dumps(history, indent=1))
        if model is not None:
            save_model(model, tmp / "seed.pt", conformer_ctc)
            (tmp / "seed_vocab.json").write_text(json.dumps(vocab.tokens, ensure_ascii=False))
    c = filters.counts(filters.assign(rows, cfg))
    kept_rows = [r for r in filters.assign(rows, cfg) if r["subset"] in cfg.tiers]
    return {**c, "kept": len(kept_rows), "kept_hours": sum(r["duration"] for r in kept_rows) / 3600}
