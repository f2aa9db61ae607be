"""Concurrency on a real MLflow server (PostgreSQL, SeaweedFS S3 artifacts): eight promotion gates of
one model at once, and four papers' pipelines at once against the same server and bucket."""

import os
import subprocess
import sys

import pytest
from support.artifacts import candidate_run, model_artifact
from support.marks import long_run

from tests.reliability.tiny_runs import build_log, build_ucr, tiny_args

pytestmark = pytest.mark.e2e

# 8 versions, registered in this order; the best (0.95) is version 4
METRICS = [0.30, 0.80, 0.10, 0.95, 0.50, 0.20, 0.70, 0.60]

GATE = """
import json, sys, time
from pathlib import Path
from paperline.core import experiments, promotion
go, name, version = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if sys.argv[4:] == ["unlocked"]:  # the gate as it was: what the lock prevents (docs/reliability.md)
    import contextlib
    promotion.gate_lock = lambda model: contextlib.nullcontext()
promotion.champion(name)  # imports and the first connection before the start line
while not go.exists():
    time.sleep(0.005)
print(json.dumps(promotion.promote(name, version)))
"""


def _promote_at_once(url, name, versions, tmp_path, *extra):
    go = tmp_path / f"go-{name}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": url}
    procs = [subprocess.Popen([sys.executable, "-c", GATE, str(go), name, v, *extra], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for v in versions]
    import time

    time.sleep(8)  # every process imported and connected (they poll for the start line)
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    return outs


def test_eight_promotions_at_once_leave_champion_on_the_best(mlflow_server, s3_env, tmp_path, monkeypatch):
    """Eight gates released together: each records its decision on its version and its run, the
    promotions form a chain of strictly better versions, and `champion` ends on the best one."""
    import mlflow

    from paperline.core import promotion
    from paperline.core.registry_lock import lock_name

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server["url"])
    name = "gate-race"
    versions = [promotion.register(str(model_artifact("kdctime", tmp_path / f"m{i}" / "model.pt", i)),
                                   candidate_run("kdctime"), name, m, "same-eval-md5")
                for i, m in enumerate(METRICS)]
    _promote_at_once(mlflow_server["url"], name, versions, tmp_path)

    c = mlflow.MlflowClient(mlflow_server["url"])
    champ = c.get_model_version_by_alias(name, "champion")
    assert str(champ.version) == versions[METRICS.index(max(METRICS))]
    tags = {v: c.get_model_version(name, v).tags for v in versions}
    assert all(t["promotion.decision"] in ("promoted", "kept") for t in tags.values())
    for t in tags.values():
        assert c.get_run(t["run_id"]).data.tags["promotion.decision"] == t["promotion.decision"]
    # follow promoted_from back from the champion: every step was an improvement, and the first
    # promoted version had nobody to beat
    chain, v = [], str(champ.version)
    while v:
        chain.append(float(tags[v]["accuracy"]))
        v = tags[v].get("promoted_from", "")
    assert chain == sorted(chain, reverse=True) and len(set(chain)) == len(chain)
    promoted = [v for v, t in tags.items() if t["promotion.decision"] == "promoted"]
    assert len(promoted) == len(chain)
    # the lock is gone once the gates are done
    assert not c.search_registered_models(filter_string=f"name='{lock_name(name)}'")


def test_a_stale_gate_lock_is_broken(mlflow_server, s3_env, tmp_path, monkeypatch):
    """A gate killed while holding the lock (its pid is gone) does not block the next promotion."""
    import mlflow

    from paperline.core import promotion
    from paperline.core.registry_lock import lock_name

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server["url"])
    name = "gate-stale"
    v = promotion.register(str(model_artifact("kdctime", tmp_path / "model.pt")), candidate_run("kdctime"), name,
                           0.5, "md5")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket
    import time

    c = mlflow.MlflowClient(mlflow_server["url"])
    c.create_registered_model(lock_name(name), tags={"holder": f"{socket.gethostname()}:{dead.pid}",
                                                     "since": f"{time.time():.3f}"})
    decision = promotion.promote(name, v)
    assert decision["decision"] == "promoted"
    assert not c.search_registered_models(filter_string=f"name='{lock_name(name)}'")
    # the broken lock is on the decision's record: whose it was
    holder = c.get_model_version(name, v).tags["promotion.broke_stale_lock"]
    assert holder.startswith(f"{socket.gethostname()}:{dead.pid} since ") and holder == decision["broke_stale_lock"]


@long_run
def test_four_papers_at_once_against_one_server_and_bucket(mlflow_server, bucket, tiny_dataset, tiny_parsing,
                                                           tmp_path):
    """Four `paperline run`s started together, one tracking server, one artifact bucket, one index
    bucket: all succeed, each with its own run, registered version and artifacts."""
    import mlflow

    from paperline.core.storage import open_store

    env = {**os.environ, "PAPERLINE_HOME": str(tmp_path / "home"), "MLFLOW_TRACKING_URI": mlflow_server["url"],
           "PAPERLINE_INDEX_ROOT": f"s3://{bucket}/indexes"}
    four = {paper: tiny_args(paper, data, model_name=f"four-{paper}") for paper, data in
            {"mv-softmax": tiny_dataset, "jd-landmark": tiny_parsing / "jd", "kdctime": build_ucr(tmp_path / "ucr"),
             "swing": build_log(tmp_path / "log")}.items()}
    runs = {paper: subprocess.Popen([sys.executable, "-m", "paperline.cli", "run", paper, *args], env=env,
                                    text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for paper, args in four.items()}
    for paper, p in runs.items():
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, f"{paper}: {out[-2000:]}{err[-3000:]}"

    c = mlflow.MlflowClient(mlflow_server["url"])
    run_ids = set()
    for paper in runs:
        v = c.get_model_version(f"four-{paper}", "1")
        run = c.get_run(v.tags["run_id"])
        assert run.data.tags["paper"] == paper and run.info.status == "FINISHED"
        assert c.list_artifacts(run.info.run_id, "evaluation"), paper
        assert str(c.get_model_version_by_alias(f"four-{paper}", "champion").version) == "1"
        run_ids.add(run.info.run_id)
    assert len(run_ids) == 4
    published = open_store(f"s3://{bucket}/indexes").list("")
    assert any(k.endswith("substitute.txt") for k in published) and not any(".tmp-" in k for k in published)
