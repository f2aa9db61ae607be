"""Every trainer runs in the shared epoch loop: killed mid-run (SIGKILL, as a preempted pod is) and
started again with the same config, it resumes from its last checkpoint and ends with exactly the
weights of a run that was never interrupted."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "support" / "train_script.py"


def _start(family, work, out):
    """The training script in its own process; its output goes to OUT.log (a pipe could fill up)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PAPERLINE_CHECKPOINT_SECONDS": "0"}  # a checkpoint every epoch
    log = open(f"{out}.log", "a")
    return subprocess.Popen([sys.executable, str(SCRIPT), family, str(work), str(out)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("family", ["face", "f2c", "landmarks", "timeseries"])
def test_a_killed_run_resumes_to_the_same_weights(family, tmp_path):
    straight = _start(family, tmp_path / "w1", tmp_path / "straight.pt")  # beside it, on the other core
    run = _start(family, tmp_path / "w2", tmp_path / "resumed.pt")
    resumed_log = tmp_path / "resumed.pt.log"
    ckpt = tmp_path / "w2" / "checkpoint.pt"
    deadline = time.time() + 300
    while not ckpt.exists() and run.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    assert run.wait(30) == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (tmp_path / "resumed.pt").exists()

    killed_at = resumed_log.stat().st_size
    again = _start(family, tmp_path / "w2", tmp_path / "resumed.pt")
    assert again.wait(300) == 0, resumed_log.read_text()
    assert straight.wait(300) == 0, (tmp_path / "straight.pt.log").read_text()
    log = resumed_log.read_bytes()[killed_at:].decode(errors="replace")
    assert "resumed from" in log and str(ckpt) in log
    a, b = torch.load(tmp_path / "straight.pt"), torch.load(tmp_path / "resumed.pt")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), [k for k in a if not torch.equal(a[k], b[k])][:5]
    assert (tmp_path / "straight.pt.epochs").read_text() == (tmp_path / "resumed.pt.epochs").read_text()


def test_a_checkpoint_of_another_config_is_refused(tmp_path):
    from paperline.core.errors import ConfigError
    from paperline.core.loop import run_epochs

    class Tiny:
        steps_per_epoch = 1

        def __init__(self):
            self.w = torch.zeros(1)

        def train_epoch(self, epoch, progress):
            self.w += 1
            progress()
            return {"loss": float(self.w)}

        def state_dict(self):
            return {"w": self.w}

        def load_state_dict(self, state):
            self.w = state["w"]

    history = run_epochs(Tiny(), 3, {"lr": 1}, tmp_path, line=lambda r: None)  # (the last epoch always saves)
    assert [r["loss"] for r in history] == [1.0, 2.0, 3.0] and [r["epoch"] for r in history] == [1, 2, 3]
    again = Tiny()
    assert run_epochs(again, 3, {"lr": 1}, tmp_path) == history and float(again.w) == 3.0  # nothing left to run
    with pytest.raises(ConfigError, match="different config"):
        run_epochs(Tiny(), 3, {"lr": 2}, tmp_path)
