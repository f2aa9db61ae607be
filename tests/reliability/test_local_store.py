"""The embedded default under concurrency and kills: a new sqlite store opened by two processes at
once, and MLflow runs orphaned by a `paperline run` that was killed."""

import os
import subprocess
import sys
import textwrap

OPEN_STORE = textwrap.dedent("""
    import sys, time
    from paperline.core import experiments
    while time.time() < float(sys.argv[1]):
        time.sleep(0.005)
    print(experiments.experiment_id(sys.argv[2]))
""")


def test_two_processes_create_the_sqlite_store_at_once(tmp_path):
    """Both start at the same instant on a fresh home; before the store lock one of them failed in
    MLflow's migrations ("expected to match one row ... 0 found")."""
    import time

    env = {**os.environ, "PAPERLINE_HOME": str(tmp_path / "home")}
    env.pop("MLFLOW_TRACKING_URI", None)
    go = str(time.time() + 8)  # after both have imported mlflow
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_STORE, go, f"exp-{i}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-800:] for _, err in outs]
    assert len({out.strip() for out, _ in outs}) == 2  # two experiments, one store


def test_orphaned_run_is_marked_killed(home, monkeypatch):
    """A run whose `paperline run` process is gone is ended KILLED with the reason; a live one is kept."""
    from paperline.core import experiments

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ids = {}
    for who, pid in (("dead", dead.pid), ("live", os.getpid())):
        monkeypatch.setenv("PAPERLINE_RUNNER_PID", str(pid))
        with experiments.training_run("swing", f"kfp-{who}", {}, {}) as run:
            ids[who] = run.id
    assert experiments.reap_orphans() == [ids["dead"]]
    c = experiments.client()
    killed, live = c.get_run(ids["dead"]), c.get_run(ids["live"])
    assert killed.info.status == "KILLED" and "ended before the run finished" in killed.data.tags[
        experiments.KILLED_TAG]
    assert live.info.status == "RUNNING" and experiments.KILLED_TAG not in live.data.tags
    assert experiments.reap_orphans() == []


def test_runs_local_lists_and_cleans(home, monkeypatch):
    from typer.testing import CliRunner

    from paperline.cli import app
    from paperline.core import experiments

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    monkeypatch.setenv("PAPERLINE_RUNNER_PID", str(dead.pid))
    with experiments.training_run("swing", "kfp-1", {}, {}, name="swing-seed0") as run:
        pass
    r = CliRunner().invoke(app, ["runs", "--local"])
    assert r.exit_code == 0, r.output
    assert f"marked KILLED: {run.id}" in r.output
    assert run.id in r.output and "KILLED" in r.output.split(run.id)[-1] and "swing-seed0" in r.output
