"""The two small exclusions the reliability work added: the promotion gate's lock in the registry,
and the resumable checkpoint folder of a training step."""

import os
import socket
import time

import pytest

from paperline.core.errors import PaperlineError


def test_gate_lock_held_by_a_live_holder_times_out_naming_it(home):
    from paperline.core import experiments
    from paperline.core.registry_lock import gate_lock, lock_name

    c = experiments.client()
    me = f"{socket.gethostname()}:{os.getpid()}"  # alive: this very process
    c.create_registered_model(lock_name("m"), tags={"holder": me, "since": f"{time.time():.3f}"})
    with pytest.raises(PaperlineError, match=f"held by {me}"):
        with gate_lock("m", wait_s=0.5):
            pass
    c.delete_registered_model(lock_name("m"))
    with gate_lock("m", wait_s=0.5):  # free: taken at once, and gone afterwards
        assert c.get_registered_model(lock_name("m")).tags["holder"] == me
    assert not c.search_registered_models(filter_string=f"name='{lock_name('m')}'")


def test_an_old_lock_is_stale_whoever_held_it(home):
    """Old by the registry's creation time: the tags say nothing about age."""
    from paperline.core import experiments
    from paperline.core.registry_lock import gate_lock, lock_name

    experiments.client().create_registered_model(lock_name("m"), tags={"holder": "other-host:1", "since": "0"})
    with pytest.raises(PaperlineError, match="held by other-host:1"):
        with gate_lock("m", wait_s=0.3):  # young and held elsewhere: waited for, whatever `since` says
            pass
    time.sleep(0.5)
    with gate_lock("m", wait_s=5, stale_s=0.4) as broken:
        assert broken == ["other-host:1 since 0"]
    with gate_lock("m", wait_s=5) as broken:  # a free lock: nothing broken
        assert broken == []


def test_a_lock_read_without_its_tags_is_waited_for_not_broken(home):
    """What a gate reads on PostgreSQL when the lock is released and taken again between the server's
    two statements (the model's row, then its tags): a young lock with no holder. Breaking it let two
    gates decide at once (a make test run on 2 workers, 2026-12-03)."""
    from paperline.core import experiments
    from paperline.core.registry_lock import gate_lock, lock_name

    c = experiments.client()
    c.create_registered_model(lock_name("m"))
    with pytest.raises(PaperlineError, match="held by \\?"):
        with gate_lock("m", wait_s=0.3):
            pass
    assert c.get_registered_model(lock_name("m")).tags == {}  # still there, not deleted


def test_resumable_dir_is_kept_after_a_failure_and_removed_after_success(home):
    from paperline.core.workdirs import resumable_dir

    with pytest.raises(RuntimeError):
        with resumable_dir("p", {"lr": 0.1}) as d:
            (d / "checkpoint.pt").write_text("epoch 1")
            raise RuntimeError("killed")
    with resumable_dir("p", {"lr": 0.1}) as again:
        assert again == d and (again / "checkpoint.pt").read_text() == "epoch 1"
        with resumable_dir("p", {"lr": 0.1}) as twin:  # the same step at the same time: its own folder
            assert twin != d and not (twin / "checkpoint.pt").exists()
        assert not twin.exists()
        with resumable_dir("p", {"lr": 0.2}) as other:
            assert other != d
    assert not d.exists()
