"""SubRip (.srt) cues: read with a clear error naming the file and the cue, written atomically.
Accepts what real files look like: a UTF-8 BOM, CRLF line endings, trailing blank lines, `.` or `,`
before the milliseconds, cue numbers that do not start at 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from paperline.core.errors import DataError

TIME = re.compile(r"^\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(h, m, s, ms) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def stamp(t: float) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def parse_srt(text: str, where: str = "<srt>", allow_overlap: bool = False) -> list[Cue]:
    """Cues in file order. Reversed times always fail; overlapping cues fail unless `allow_overlap`
    (a karaoke-style file): the error names the file and the cue number."""
    blocks = re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip())
    cues: list[Cue] = []
    for n, block in enumerate(b for b in blocks if b.strip()):
        lines = block.strip("\n").split("\n")
        if lines and TIME.match(lines[0]) is None and len(lines) > 1:
            lines = lines[1:]  # the cue number
        m = TIME.match(lines[0]) if lines else None
        if m is None:
            raise DataError(f"{where}: cue {n + 1}: no 'HH:MM:SS,mmm --> HH:MM:SS,mmm' time line "
                            f"(got {lines[0][:60]!r})")
        start, end = _seconds(*m.groups()[:4]), _seconds(*m.groups()[4:])
        if end <= start:
            raise DataError(f"{where}: cue {n + 1}: end {stamp(end)} is not after start {stamp(start)}")
        if cues and start < cues[-1].end - 1e-6 and not allow_overlap:
            raise DataError(f"{where}: cue {n + 1} starts at {stamp(start)}, before cue {n} ends at "
                            f"{stamp(cues[-1].end)} (overlapping or out-of-order cues)")
        cues.append(Cue(start, end, "\n".join(lines[1:]).strip()))
    return cues


def read_srt(path: str | Path, allow_overlap: bool = False) -> list[Cue]:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return parse_srt(text, str(path), allow_overlap)


def format_srt(cues: list[Cue]) -> str:
    return "".join(f"{i}\n{stamp(c.start)} --> {stamp(c.end)}\n{c.text}\n\n" for i, c in enumerate(cues, 1))


def write_srt(cues: list[Cue], path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(format_srt(cues), encoding="utf-8")
    tmp.rename(path)
