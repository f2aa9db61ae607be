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


def inside(root: str | Path, name: str, where: str) -> Path:
    """`root / name` for a name a data file gives (a pairs line, a list entry, a JSON path); a name
    that is absolute or climbs out of `root` (`..`, a link) is refused: a dataset never reads
    outside its own folder."""
    from paperline.core.errors import DataError

    root = Path(root)
    if Path(name).is_absolute() or "\\" in name or "\0" in name:
        raise DataError(f"{where}: {name!r} is not a path inside the dataset folder {root}")
    path = root / name
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        raise DataError(f"{where}: {name!r} points outside the dataset folder {root}") from None
    return path
