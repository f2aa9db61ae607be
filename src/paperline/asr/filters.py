"""Which weak segments to learn from (the spec's §2 step 6, WenetSpeech-style tiers).

Each row of the weak corpus is checked by:
- script: the normalised text is in the target script and has two characters or more;
- rate: characters per second of the trimmed audio within [min_rate, max_rate] (a subtitle over
  the wrong span, or a sentence the audio does not hold, reads too fast or too slow);
- VAD: the voiced share of the subtitle's span is at least min_speech_ratio (no subtitles over music);
- agreement: the seed model's CTC alignment confidence of the OCR text: `strong` at or above
  strong_confidence, `weak` at or above weak_confidence, else dropped.
Switching a filter off keeps what it would have dropped; every decision is kept with its reason.
"""

from __future__ import annotations

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


def tier(row: dict, cfg: ASRConfig) -> tuple[str, str]:
    """(subset, reason): subset strong | weak | drop. Without the agreement filter every row that
    passes the others is `strong`; without a confidence yet (no seed model) it is `weak`."""
    reason = prefilter(row, cfg)
    if reason:
        return "drop", reason
    if not cfg.filter_agreement:
        return "strong", ""
    conf = row.get("agree_conf")
    if conf is None:
        return "weak", ""
    if conf >= cfg.strong_confidence:
        return "strong", ""
    if conf >= cfg.weak_confidence:
        return "weak", ""
    return "drop", "agreement"


def assign(rows: list[dict], cfg: ASRConfig) -> list[dict]:
    """Rows with `subset` and `drop_reason` set for `cfg` (copies; the input is not changed)."""
    out = []
    for r in rows:
        subset, reason = tier(r, cfg)
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
