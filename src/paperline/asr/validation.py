"""Great Expectations suites for the weak-asr inputs: the video folder and the labelled target set.

What the later steps rely on: every video decodes and carries an audio stream whose decoded length
matches the container's duration (a stream that claims a rate it does not have, or is cut short,
shows up here); every target wav is 16 kHz as the model expects and not empty; transcripts are
non-empty and in the declared script; utterance ids are unique. Each row names its file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from paperline.asr.formats import SPLITS, aishell_missing_wavs, read_aishell
from paperline.asr.media import audio, probe, videos_in
from paperline.asr.speech import RATE
from paperline.asr.text import script_of
from paperline.core.errors import DataError
from paperline.core.expectations import run_suites


def video_table(folder: Path) -> pd.DataFrame:
    rows = []
    for path in videos_in(folder):
        row = {"file": str(path), "decodes": True, "has_audio": False, "duration": 0.0, "audio_seconds": 0.0,
               "length_gap": 0.0}
        try:
            info = probe(path)
            row.update(duration=info.duration, has_audio=bool(info.audio_rate))
            if info.audio_rate:
                row["audio_seconds"] = len(audio(path, info)) / RATE
                row["length_gap"] = abs(row["audio_seconds"] - info.duration)
        except DataError:
            row["decodes"] = False
        rows.append(row)
    if not rows:
        raise DataError(f"{folder}: no video files (.mp4, .mkv, ...)")
    return pd.DataFrame(rows)


def target_table(root: Path, script: str) -> pd.DataFrame:
    import wave

    rows = []
    for split in SPLITS:
        for u in read_aishell(root, split).utterances:
            try:
                with wave.open(u.audio) as w:  # the header's rate; a file that is no WAV reads as rate 0
                    rate, frames = w.getframerate(), w.getnframes()
            except (wave.Error, EOFError, OSError):
                rate, frames = 0, 0
            rows.append({"file": u.audio, "utt_id": u.utt_id, "split": split, "rate": rate,
                         "seconds": frames / rate if rate else 0.0, "chars": len(u.text),
                         "script_ok": script_of(u.text) == script})
    return pd.DataFrame(rows)


def validate_weak_asr(root: str | Path, report_dir: str | Path, script: str = "Hans",
                      max_length_gap: float = 0.5) -> dict:
    """`root/videos/` and `root/target/` (AISHELL-1 layout); writes report.md/json; raises
    ValidationFailed naming the files on a failure."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    root = Path(root)
    tables = {"videos": video_table(root / "videos"), "target": target_table(root / "target", script)}
    true = lambda c: gxe.ExpectColumnValuesToBeInSet(column=c, value_set=[True])  # noqa: E731
    suites = {
        "videos": gx.ExpectationSuite("weak_asr_videos", expectations=[
            true("decodes"), true("has_audio"),
            gxe.ExpectColumnValuesToBeBetween(column="length_gap", min_value=0, max_value=max_length_gap),
            gxe.ExpectColumnValuesToBeUnique(column="file")]),
        "target": gx.ExpectationSuite("weak_asr_target", expectations=[
            gxe.ExpectColumnValuesToBeBetween(column="rate", min_value=RATE, max_value=RATE),
            gxe.ExpectColumnValuesToBeBetween(column="seconds", min_value=0.1),
            gxe.ExpectColumnValuesToBeBetween(column="chars", min_value=1),
            true("script_ok"),
            gxe.ExpectColumnValuesToBeUnique(column="utt_id")]),
    }
    v, t = tables["videos"], tables["target"]
    missing = aishell_missing_wavs(root / "target")
    counts = {"videos": len(v), "video_hours": round(v["duration"].sum() / 3600, 3),
              "target": {s: int((t["split"] == s).sum()) for s in SPLITS}, "script": script,
              # AISHELL-1 itself lists utterances it does not ship: counted and skipped, not an error
              "transcript_lines_without_wav": len(missing), "examples_without_wav": missing[:5]}
    return run_suites("weak-asr videos and target set", root, tables, suites, report_dir, counts)
