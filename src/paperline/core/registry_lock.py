"""A mutex in the model registry itself, so that promotions of one model run one at a time.

MLflow has no compare-and-set on aliases: two gates that read the same champion at once would both
move it, and the last writer wins even when it is the worse version. Promotion pods share only the
tracking server, so the lock lives there: creating a registered model is atomic (a unique name in
the server's database), whoever creates `<model>.gate-lock` holds the lock, and deleting it releases
it. A lock whose holder died (a dead pid on this host, or older than `stale_s`) is broken. Breaking
one is a read, then a delete: two gates that break the same dead holder's lock while a third takes
it can still overlap, so a broken lock is recorded on the decision.
"""

from __future__ import annotations

import os
import random
import socket
import time
from contextlib import contextmanager
from typing import Iterator

from paperline.core import experiments
from paperline.core.errors import PaperlineError

SUFFIX = ".gate-lock"


def lock_name(model_name: str) -> str:
    return model_name + SUFFIX


def _stale(lock, stale_s: float) -> bool:
    """Its holder's pid is dead on this host, or the lock was created (the registry's timestamp, set by
    the server) more than `stale_s` ago. Not from a tag: the server reads a model's row and its tags
    in two statements, so a lock released and taken again in between reads with no tags (or the next
    holder's), which must not pass for an old lock. Clock skew between hosts counts against `stale_s`."""
    host, _, pid = lock.tags.get("holder", "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not experiments.process_alive(int(pid)):
        return True
    return time.time() - lock.creation_timestamp / 1000 > stale_s


@contextmanager
def gate_lock(model_name: str, wait_s: float = 1800.0, stale_s: float = 1800.0) -> Iterator[list[str]]:
    """Holds the promotion lock of `model_name` for the body; waits for another holder, up to `wait_s`.
    Yields the holders of the stale locks it broke on the way, for the decision's record."""
    from mlflow.exceptions import MlflowException

    c = experiments.client()
    name = lock_name(model_name)
    me = f"{socket.gethostname()}:{os.getpid()}"
    since, broken = "", []
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            since = f"{time.time():.3f}"
            c.create_registered_model(name, tags={"holder": me, "since": since},
                                      description=f"held while a promotion gate of {model_name} decides")
            break
        except MlflowException as e:
            if "DOES_NOT_EXIST" in str(e.error_code):
                continue  # the server met the holder's lock, then found it released: try again at once
            if "ALREADY_EXISTS" not in str(e.error_code):
                raise
        try:
            lock = c.get_registered_model(name)
        except MlflowException:
            continue  # released between our create and our read: try again at once
        held = lock.tags
        if _stale(lock, stale_s):
            try:  # the same lock still (not one taken since by a live gate): break it
                if c.get_registered_model(name).creation_timestamp == lock.creation_timestamp:
                    print(f"breaking the stale promotion lock of {model_name} (held by {held.get('holder', '?')})",
                          flush=True)
                    c.delete_registered_model(name)
                    broken.append(f"{held.get('holder', '?')} since {held.get('since', '?')}")
            except MlflowException:
                pass
            continue
        if time.monotonic() > deadline:
            raise PaperlineError(f"promotion of {model_name}: the gate lock {name!r} has been held by "
                                 f"{held.get('holder', '?')} for over {wait_s:.0f} s; delete that registered model "
                                 "if its holder is gone")
        time.sleep(delay * (1 + random.random()))
        delay = min(delay * 2, 2.0)
    try:
        yield broken
    finally:
        try:  # not if ours was broken as stale and another gate holds it now
            held = c.get_registered_model(name).tags
            if held.get("holder") == me and held.get("since") == since:
                c.delete_registered_model(name)
        except MlflowException:
            pass
