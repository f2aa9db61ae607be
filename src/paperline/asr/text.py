"""Text normalisation and character error rate, as the spec defines them: spaces and punctuation
removed, full-width folded to half-width, Latin upper-cased, on the reference and the hypothesis
alike. CER over a corpus is total edits over total reference characters, not a mean of utterances."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")


def normalize(text: str) -> str:
    """NFKC folds full-width letters, digits and punctuation to half-width; then only letters and
    digits stay (every Unicode punctuation, symbol and space goes), Latin upper-cased."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c.upper() if c.isascii() else c for c in folded
                   if unicodedata.category(c)[0] in "LN")


def script_of(text: str) -> str:
    """`Hans` when the text has Chinese characters, `Latn` when it has only Latin letters, else ``."""
    if HAN.search(text):
        return "Hans"
    return "Latn" if LATIN.search(text) else ""


@dataclass
class Edits:
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def cer(self) -> float:
        return self.errors / self.reference if self.reference else float(self.errors > 0)

    def __add__(self, other: Edits) -> Edits:
        return Edits(self.substitutions + other.substitutions, self.deletions + other.deletions,
                     self.insertions + other.insertions, self.reference + other.reference)


def edits(ref: str, hyp: str) -> Edits:
    """Levenshtein alignment of the two normalised strings, split into S, D and I (ties prefer a
    substitution, as jiwer and sclite count)."""
    r, h = normalize(ref), normalize(hyp)
    # each cell: (cost, substitutions, deletions, insertions)
    prev = [(j, 0, 0, j) for j in range(len(h) + 1)]
    for i in range(1, len(r) + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, len(h) + 1):
            if r[i - 1] == h[j - 1]:
                best = prev[j - 1]
            else:
                s, d, ins = prev[j - 1], prev[j], cur[j - 1]
                best = min((s[0] + 1, s[1] + 1, s[2], s[3]), (d[0] + 1, d[1], d[2] + 1, d[3]),
                           (ins[0] + 1, ins[1], ins[2], ins[3] + 1), key=lambda t: t[0])
            cur.append(best)
        prev = cur
    _, s, d, ins = prev[-1]
    return Edits(s, d, ins, len(r))


def corpus_cer(pairs) -> float:
    """Edit-weighted CER of (reference, hypothesis) pairs."""
    total = Edits()
    for ref, hyp in pairs:
        total = total + edits(ref, hyp)
    return total.cer


def similarity(a: str, b: str) -> float:
    """1 - normalised edit distance of two OCR readings (1: the same text)."""
    e = edits(a, b)
    longest = max(len(normalize(a)), len(normalize(b)))
    return 1.0 - (e.errors / longest if longest else 0.0)
