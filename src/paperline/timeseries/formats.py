"""UCR/UEA time-series classification files: sktime's `.ts` (header + `v1,v2,...:label` lines) and the
UCR 2018 archive's `.tsv` (label in column 0, NaN padding), read into one `Split`; `.ts` writer.

Readers are strict about the file itself (a wrong or missing header, a header that disagrees with the
data, multivariate or timestamped data are refused with the file and line); what a dataset may contain
(lengths, missing values, labels against the declared classes) is the validation suite's job, so
`Split` keeps the facts it needs: per-series lengths, missing counts, the declared class list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

KNOWN_TAGS = {"problemname", "timestamps", "missing", "univariate", "dimension", "dimensions", "equallength",
              "serieslength", "classlabel", "targetlabel", "data"}


@dataclass
class Split:
    """One split of a univariate dataset; `series` are float64 arrays of their own length (NaN = missing)."""
    name: str
    path: str
    series: list[np.ndarray]
    labels: list[str]
    classes: list[str]                 # declared (.ts @classLabel) or the sorted labels found (.tsv)
    equal_length: bool                 # as declared (.ts) or found (.tsv)
    missing: bool                      # missing values declared allowed (.ts) or found (.tsv)
    lines: list[int] = field(default_factory=list)  # 1-based line of each series in its file

    def __len__(self) -> int:
        return len(self.series)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(s) for s in self.series])

    @property
    def missing_counts(self) -> np.ndarray:
        return np.array([int(np.isnan(s).sum()) for s in self.series])


def _bool(path, lineno, tag, value) -> bool:
    v = value.strip().lower()
    if v not in ("true", "false"):
        raise DataError(f"{path}:{lineno}: @{tag} must be true or false, got {value!r}")
    return v == "true"


def _flag(path, head: dict, tag: str, default: bool) -> bool:
    if tag.lower() not in head:
        return default
    lineno, value = head[tag.lower()]
    return _bool(path, lineno, tag, value)


def read_ts(path: str | Path, data: bytes | None = None) -> Split:
    """sktime `.ts` classification file (univariate, no timestamps); '?' or NaN marks a missing value.
    `data`: the file's bytes, already read."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        data = path.read_bytes()
    head: dict = {}
    series, labels, lines = [], [], []
    in_data = False
    try:
        raw = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a text .ts file ({e.reason} at byte {e.start})") from None
    for lineno, line in enumerate(raw, 1):
        line = line.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise DataError(f"{path}:{lineno}: expected a header line (@tag) or @data before the series, "
                                f"got {line[:40]!r}")
            tag, _, value = line[1:].partition(" ")
            tag = tag.lower()
            if tag not in KNOWN_TAGS:
                raise DataError(f"{path}:{lineno}: unknown header tag @{tag}; a .ts header uses "
                                + ", ".join(f"@{t}" for t in sorted(KNOWN_TAGS)))
            if tag == "data":
                in_data = True
                _check_header(path, lineno, head)
                continue
            head[tag] = (lineno, value.strip())
            continue
        values, sep, label = line.rpartition(":")
        if not sep:
            raise DataError(f"{path}:{lineno}: series line has no ':label' at its end")
        if ":" in values:
            raise DataError(f"{path}:{lineno}: more than one dimension; only univariate series are supported")
        try:
            arr = np.array([math.nan if v.strip() in ("?", "") else float(v) for v in values.split(",")])
        except ValueError as e:
            raise DataError(f"{path}:{lineno}: non-numeric value in the series ({e})") from None
        series.append(arr)
        labels.append(label.strip())
        lines.append(lineno)
    if not in_data:
        raise DataError(f"{path}: no @data line: not a .ts file, or its header is incomplete")
    if not series:
        raise DataError(f"{path}: no series after @data")
    equal = _flag(path, head, "equalLength", True)
    lengths = {len(s) for s in series}
    if equal and len(lengths) > 1:
        first = len(series[0])
        bad = next(i for i, s in enumerate(series) if len(s) != first)
        raise DataError(f"{path}:{lines[bad]}: series of length {len(series[bad])} where the first has {first}, "
                        "but the header does not declare @equalLength false (ragged series need that flag)")
    if "serieslength" in head and equal:
        lineno, value = head["serieslength"]
        if not value.isdigit() or int(value) != len(series[0]):
            raise DataError(f"{path}:{lineno}: @seriesLength {value} but the series have length {len(series[0])}")
    missing = _flag(path, head, "missing", False)
    classes = head["classlabel"][1].split()[1:]
    name = head.get("problemname", (0, path.stem.rsplit("_", 1)[0]))[1]
    return Split(name, str(path), series, labels, classes, equal, missing, lines)


def _check_header(path, lineno, head: dict) -> None:
    if not _flag(path, head, "univariate", True):
        raise DataError(f"{path}:{head['univariate'][0]}: @univariate false: only univariate series are supported")
    if _flag(path, head, "timeStamps", False):
        raise DataError(f"{path}:{head['timestamps'][0]}: @timeStamps true is not supported")
    if "classlabel" not in head:
        raise DataError(f"{path}:{lineno}: the header has no @classLabel line: not a classification .ts file")
    at, value = head["classlabel"]
    parts = value.split()
    if not parts or not _bool(path, at, "classLabel", parts[0]) or len(parts) < 2:
        raise DataError(f"{path}:{at}: @classLabel must be 'true' followed by the class labels, got {value!r}")


def read_tsv(path: str | Path, data: bytes | None = None) -> Split:
    """UCR 2018 `.tsv` (tab) or the older comma files: label first, values after; trailing NaNs are
    padding of a shorter series, inner NaNs are missing values. `data`: the file's bytes, already read."""
    path = Path(path)
    if data is None:
        if not path.is_file():
            raise DataError(f"{path}: file not found")
        data = path.read_bytes()
    series, labels, lines = [], [], []
    text = data.decode(errors="replace").splitlines()
    sep = "\t" if text and "\t" in text[0] else ","
    for lineno, line in enumerate(text, 1):
        if not line.strip():
            continue
        cells = line.strip().split(sep)
        if len(cells) < 2:
            raise DataError(f"{path}:{lineno}: a label and at least one value expected, got {line[:40]!r}")
        try:
            label = float(cells[0])
            arr = np.array([float(v) if v.strip() else math.nan for v in cells[1:]])
        except ValueError as e:
            raise DataError(f"{path}:{lineno}: non-numeric cell ({e}); UCR .tsv files hold numbers only") from None
        if math.isnan(label):
            raise DataError(f"{path}:{lineno}: the label (column 0) is missing")
        valid = np.flatnonzero(~np.isnan(arr))
        if not len(valid):
            raise DataError(f"{path}:{lineno}: the series has no values")
        series.append(arr[:valid[-1] + 1])
        labels.append(str(int(label)) if label.is_integer() else str(label))
        lines.append(lineno)
    if not series:
        raise DataError(f"{path}: empty file")
    classes = sorted(set(labels), key=_label_key)
    lengths = {len(s) for s in series}
    missing = any(np.isnan(s).any() for s in series)
    return Split(path.stem.rsplit("_", 1)[0], str(path), series, labels, classes, len(lengths) == 1, missing, lines)


def _label_key(label: str):
    try:
        return (0, float(label), "")
    except ValueError:
        return (1, 0.0, label)


def write_ts(path: str | Path, split: Split) -> None:
    """Writes `split` as a `.ts` file (missing values as '?'), via a sibling renamed into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lengths = split.lengths
    head = [f"@problemName {split.name}", "@timeStamps false", f"@missing {str(split.missing).lower()}",
            "@univariate true", f"@equalLength {str(split.equal_length).lower()}"]
    if split.equal_length:
        head.append(f"@seriesLength {int(lengths[0])}")
    head += [f"@classLabel true {' '.join(split.classes)}", "@data"]
    rows = [",".join("?" if math.isnan(v) else repr(float(v)) for v in s) + f":{y}"
            for s, y in zip(split.series, split.labels)]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(head + rows) + "\n")
    tmp.rename(path)


def length_of(train: Split, test: Split) -> int | str:
    """The dataset's series length: one number when both splits are equal-length, else 'min-max'."""
    lengths = np.concatenate([train.lengths, test.lengths])
    if train.equal_length and test.equal_length:
        return int(lengths[0])
    return f"{lengths.min()}-{lengths.max()}"


def find_split(root: str | Path, name: str, split: str) -> Path:
    """`<root>/<name>_<SPLIT>.{ts,tsv}` or `<root>/<name>/<name>_<SPLIT>.{ts,tsv}` (the archive's layout)."""
    root = Path(root)
    split = split.upper()
    for folder in (root / name, root):
        files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()} if folder.is_dir() else {}
        for ext in (".ts", ".tsv", ".txt", ""):
            p = files.get(f"{name}_{split}{ext}".lower())
            if p is not None:
                return p
    raise DataError(f"{root}: no {name}_{split}.ts or .tsv (looked in {root / name} and {root})")


def read_split(root: str | Path, name: str, split: str, read=None) -> Split:
    """The split in whichever format it is; `read(path) -> bytes` reads the file (an evaluation hashes
    it as it reads: paperline.core.digest)."""
    p = find_split(root, name, split)
    data = read(p) if read else None
    return read_ts(p, data) if p.suffix.lower() == ".ts" else read_tsv(p, data)


def datasets_in(root: str | Path) -> list[str]:
    """Names of the datasets under `root` that have both a training and a test file."""
    root = Path(root)
    names = {p.name.rsplit("_", 1)[0] for p in root.rglob("*_TRAIN*") if p.is_file()}
    return sorted(n for n in names if any(root.rglob(f"{n}_TEST*")))
