"""Which weak segments to learn from (the spec's §2 step 6, WenetSpeech-style tiers).

Each row of the weak corpus is checked by:
- script: the normalised text is in the target script and has two characters or more;
- rate: characters per second of the trimmed audio within [min_rate, max_rate] (a subtitle over
  the wrong span, or a sentence the audio does not hold, reads too fast or too slow);
- VAD: the voiced share of the subtitle's span is at least min_speech_ratio (no subtitles over music);
- agreement: the seed model's CTC alignment confidence of the OCR text, relative to its median over
  the segments the other filters keep: `strong` at or above strong_ratio, `weak` at or above
  weak_ratio, else dropped. Relative, because a seed model trained for minutes is calibrated
  differently from round to round and run to run (medians of 0.21 and 0.35 in two runs of the same
  config), while a wrong label sits far below whatever the median is: at 0.3 × the median, 92-95 % of
  the correct segments and 2-7 % of the planted faults were kept in both runs; the absolute threshold
  of 0.2 kept 89 % of correct ones in one and about half in the other (docs/papers/weak-asr.md).
Switching a filter off keeps what it would have dropped; every decision is kept with its reason.
"""

from __future__ import annotations

import numpy as np

from paperline.asr.config import ASRConfig
from paperline.asr.text import normalize, script_of

REASONS = ("script", "rate", "vad", "agreement")


def char_rate(row: dict) -> float:
    return len(normalize(row["text"])) / max(1e-3, row["end"] - row["start"])


def prefilter(row: dict, cfg: ASRConfig) -> str:
    """The first of script, rate, vad that drops the row ('' when none does, or it is switched off)."""
    text = normalize(row["text"])
    if len(text) < 2 or script_of(text) != cfg.script:
        return "script"
    if cfg.filter_rate and not cfg.min_rate <= char_rate(row) <= cfg.max_rate:
        return "rate"
    if cfg.filter_vad and row["speech_ratio"] < cfg.min_speech_ratio:
        return "vad"
    return ""


def tier(row: dict, cfg: ASRConfig, median: float | None) -> tuple[str, str]:
    """(subset, reason): subset strong | weak | drop. Without the agreement filter every row that
    passes the others is `strong`; without a confidence yet (no seed model) it is `weak`."""
    reason = prefilter(row, cfg)
    if reason:
        return "drop", reason
    if not cfg.filter_agreement:
        return "strong", ""
    conf = row.get("agree_conf")
    if conf is None or not median:
        return "weak", ""
    if conf >= cfg.strong_ratio * median:
        return "strong", ""
    if conf >= cfg.weak_ratio * median:
        return "weak", ""
    return "drop", "agreement"


def median_confidence(rows: list[dict], cfg: ASRConfig) -> float | None:
    """The seed model's median confidence over the rows the script, rate and VAD filters keep."""
    confs = [r["agree_conf"] for r in rows if r.get("agree_conf") is not None and not prefilter(r, cfg)]
    return float(np.median(confs)) if confs else None


def assign(rows: list[dict], cfg: ASRConfig) -> list[dict]:
    """Rows with `subset` and `drop_reason` set for `cfg` (copies; the input is not changed)."""
    median = median_confidence(rows, cfg)
    out = []
    for r in rows:
        subset, reason = tier(r, cfg, median)
        out.append({**r, "subset": subset, "drop_reason": reason})
    return out


def kept(rows: list[dict], cfg: ASRConfig) -> list[dict]:
    return [r for r in assign(rows, cfg) if r["subset"] in cfg.tiers]


def counts(rows: list[dict]) -> dict:
    c = {"strong": 0, "weak": 0, "drop": 0, **{f"drop_{r}": 0 for r in REASONS}}
    for r in rows:
        c[r["subset"]] += 1
        if r["subset"] == "drop":
            c[f"drop_{r['drop_reason']}"] += 1
    return c
