"""Evaluation data hashed while it is read: the promotion gate compares this md5, and each file is
read from disk once (its bytes are hashed, then decoded from memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from paperline.core.errors import DataError


def read_file(path: str | Path) -> bytes:
    """A file's bytes; a missing one is a DataError naming it."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None


class Digest:
    """md5 over the files an evaluation reads, in the order it reads them. Both readers return the
    file's content: `bytes` hashes the content itself, `file` the file's own md5 digest (how the
    image protocols have always defined it, kept so their md5s stay comparable across versions)."""

    def __init__(self):
        self._h = hashlib.md5()

    def bytes(self, path: str | Path) -> bytes:
        data = read_file(path)
        self._h.update(data)
        return data

    def file(self, path: str | Path) -> bytes:
        data = read_file(path)
        self._h.update(hashlib.md5(data).digest())
        return data

    def hexdigest(self) -> str:
        return self._h.hexdigest()
