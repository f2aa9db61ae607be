"""Local files written whole or not at all: a directory is built beside its final place and renamed
into it when complete, so a reader never sees half of it and a failure leaves nothing behind."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def building_dir(out: str | Path):
    """Yields a sibling of `out` to write a whole directory into; renamed into place when the block
    ends, removed when it fails: readers never see a half-written directory, and nothing is left over."""
    out = Path(out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
