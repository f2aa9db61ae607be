"""InsightFace RecordIO (`train.rec` + `train.idx`) without mxnet.

Format (MXNet `MXIndexedRecordIO` + `recordio.pack`): every record is `uint32 magic 0xced7230a`,
`uint32 (cflag << 29 | length)`, the payload, zero padding to 4 bytes. The payload starts with an
IRHeader `<IfQQ` (flag, label, id, id2); when flag > 0 the label is `flag` float32 values that follow
the header. The `.idx` file has one `key\\toffset` line per record. InsightFace puts a header in
record 0 whose label is `(first identity record, end)`; images are records 1 .. label[0]-1.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError

MAGIC = 0xCED7230A
_IR = struct.Struct("<IfQQ")


def pack(label, payload: bytes, id_: int = 0) -> bytes:
    """One IRHeader + payload; a sequence label becomes flag=len(label) floats."""
    if np.ndim(label) == 0:
        return _IR.pack(0, float(label), id_, 0) + payload
    arr = np.asarray(label, dtype=np.float32)
    return _IR.pack(len(arr), 0.0, id_, 0) + arr.tobytes() + payload


def unpack(record: bytes, where: str = "record"):
    if len(record) < _IR.size:
        raise DataError(f"{where}: record shorter than its IRHeader")
    flag, label, id_, _ = _IR.unpack_from(record)
    body = record[_IR.size:]
    if flag > 0:
        if len(body) < 4 * flag:
            raise DataError(f"{where}: label array truncated")
        label = np.frombuffer(body[: 4 * flag], dtype=np.float32).copy()
        body = body[4 * flag:]
    return flag, label, id_, body


class RecordWriter:
    """Writes `.rec` and `.idx` side by side; call close() (or use as a context manager)."""

    def __init__(self, rec_path: str | Path, idx_path: str | Path):
        self.rec = open(rec_path, "wb")
        self.idx = open(idx_path, "w")

    def write(self, key: int, payload: bytes) -> None:
        offset = self.rec.tell()
        self.rec.write(struct.pack("<II", MAGIC, len(payload)))
        self.rec.write(payload)
        self.rec.write(b"\0" * ((4 - len(payload) % 4) % 4))
        self.idx.write(f"{key}\t{offset}\n")

    def close(self) -> None:
        self.rec.close()
        self.idx.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RecordReader:
    """Random access by key through the `.idx` file; every read checks magic and length."""

    def __init__(self, rec_path: str | Path, idx_path: str | Path | None = None):
        self.rec_path = Path(rec_path)
        idx_path = Path(idx_path) if idx_path else self.rec_path.with_suffix(".idx")
        for p in (self.rec_path, idx_path):
            if not p.is_file():
                raise DataError(f"{p}: file not found")
        self.offsets: dict[int, int] = {}
        try:
            lines = idx_path.read_bytes().decode("ascii").splitlines()
        except UnicodeDecodeError as e:
            raise DataError(f"{idx_path}: not a RecordIO index (a non-text byte at {e.start})") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                k, off = line.split("\t")
                self.offsets[int(k)] = int(off)
                if self.offsets[int(k)] < 0:
                    raise ValueError
            except ValueError:
                raise DataError(f"{idx_path}:{n}: expected 'key<TAB>offset', got {line!r}") from None
        self.size = self.rec_path.stat().st_size
        if self.offsets:
            last_key = max(self.offsets, key=self.offsets.get)
            if self.offsets[last_key] + 8 > self.size:
                raise DataError(f"{self.rec_path}: truncated: {idx_path.name} points at offset "
                                f"{self.offsets[last_key]} (record {last_key}) but the file has {self.size} bytes")
        self._f = open(self.rec_path, "rb")

    def keys(self):
        return sorted(self.offsets)

    def read(self, key: int) -> bytes:
        if key not in self.offsets:
            raise DataError(f"{self.rec_path}: no record with key {key}")
        off = self.offsets[key]
        self._f.seek(off)
        head = self._f.read(8)
        if len(head) < 8:
            raise DataError(f"{self.rec_path}: truncated at record {key} (offset {off}, file size {self.size})")
        magic, lrec = struct.unpack("<II", head)
        if magic != MAGIC:
            raise DataError(f"{self.rec_path}: bad magic at record {key} (offset {off}); not a RecordIO file?")
        length = lrec & ((1 << 29) - 1)
        if lrec >> 29:
            raise DataError(f"{self.rec_path}: multi-part record {key} is not supported")
        if off + 8 + length > self.size:  # checked before reading: a corrupt length must not allocate it
            raise DataError(f"{self.rec_path}: truncated at record {key}: wanted {length} bytes at offset {off + 8}, "
                            f"the file has {self.size}")
        data = self._f.read(length)
        if len(data) < length:
            raise DataError(f"{self.rec_path}: truncated at record {key}: wanted {length} bytes, "
                            f"got {len(data)} (file size {self.size})")
        return data

    def close(self):
        self._f.close()


def write_face_rec(rec_path, idx_path, items: list[tuple[int, bytes]]) -> None:
    """InsightFace layout: header record 0, images 1..N, then one (start, end) record per identity."""
    items = sorted(items, key=lambda t: t[0])
    labels = [lab for lab, _ in items]
    n = len(items)
    classes = sorted(set(labels))
    with RecordWriter(rec_path, idx_path) as w:
        w.write(0, pack([n + 1, n + 1 + len(classes)], b""))
        for i, (label, jpeg) in enumerate(items, 1):
            w.write(i, pack(float(label), jpeg, id_=i))
        start = 1
        for j, c in enumerate(classes):
            count = labels.count(c)
            w.write(n + 1 + j, pack([start, start + count], b""))
            start += count


def read_face_rec(rec_path, idx_path=None):
    """Yields (label, jpeg bytes) for every image record, as arcface_torch's MXFaceDataset does."""
    r = RecordReader(rec_path, idx_path)
    try:
        flag, label, _, _ = unpack(r.read(0), f"{rec_path} record 0")
        keys = range(1, int(label[0])) if flag > 0 else [k for k in r.keys()]
        for k in keys:
            _, lab, _, img = unpack(r.read(k), f"{rec_path} record {k}")
            yield int(lab[0] if np.ndim(lab) else lab), img
    finally:
        r.close()
