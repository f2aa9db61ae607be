"""A training step's checkpoint folder that outlives the step.

kfp gives every task attempt a fresh output folder, so a checkpoint beside the model output dies
with a killed step. This folder is keyed instead by what decides the result (the paper, the
config, the data's digest): the same step started again (a rerun after a SIGKILL, a pod retry on
a shared volume) finds its checkpoint and resumes. It is removed once the step succeeds. A second
identical step running at the same moment cannot take it (a lock) and trains in a private folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from paperline.core import settings


def key_digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def data_digest(*arrays) -> str:
    """The training data's identity, for a key: its arrays' bytes and shapes."""
    h = hashlib.md5()
    for a in arrays:
        h.update(str((a.shape, str(a.dtype))).encode())
        h.update(a if a.flags.c_contiguous else a.copy())
    return h.hexdigest()


@contextmanager
def resumable_dir(paper: str, key: dict) -> Iterator[Path]:
    base = settings.home() / "checkpoints" / paper
    d = base / key_digest(key)
    d.mkdir(parents=True, exist_ok=True)
    lock = open(d / ".lock", "w")
    private = False
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        d, private = Path(tempfile.mkdtemp(dir=base, prefix=f"{d.name}-private-")), True
    try:
        yield d
        shutil.rmtree(d, ignore_errors=True)
    finally:
        if private:
            shutil.rmtree(d, ignore_errors=True)
        else:
            lock.close()
