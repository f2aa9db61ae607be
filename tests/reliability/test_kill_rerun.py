"""Kill and rerun: a pipeline task SIGKILLed at the places that matter (just after a training
checkpoint, between logging a model and tagging its version, between publishing an index's files
and its marker; `core/faults.py`), then the same `paperline run` again. The rerun succeeds, training
resumes from the checkpoint, the killed MLflow run is ended KILLED, every version holds its
artifacts, every alias points at a whole version, and no half-published folder is left."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.browser import check_report, report_of
from support.cli import full_log
from support.marks import long_run

from tests.reliability.tiny_runs import (
    build_fashion,
    build_log,
    build_sequences,
    build_ucr,
    build_videos,
    tiny_args,
)

pytestmark = pytest.mark.e2e


def _run(paper, args, home, env=None, kill_at=""):
    full = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "PAPERLINE_KILL_AT")}
    full.update({"PAPERLINE_HOME": str(home), "PAPERLINE_CHECKPOINT_SECONDS": "0", **(env or {})})
    if kill_at:
        full["PAPERLINE_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-m", "paperline.cli", "run", paper, *args], capture_output=True,
                          text=True, env=full, timeout=900)


def _client(home):
    import mlflow

    return mlflow.MlflowClient(f"sqlite:///{home / 'mlflow.db'}")


def _check_registry(c, model, tmp_path):
    """Every version downloads with its MLmodel and its artifact; both aliases name a version whose
    run finished."""
    import mlflow
    import yaml

    versions = c.search_model_versions(f"name='{model}'")
    assert versions, model
    for v in versions:
        dst = tmp_path / "versions" / str(v.version)
        # where the version's files live, asked of this store (not of whatever registry the process last used)
        dst.mkdir(parents=True)
        dst = Path(mlflow.artifacts.download_artifacts(
            artifact_uri=c.get_model_version_download_uri(model, v.version), dst_path=str(dst)))
        flavor = yaml.safe_load((dst / "MLmodel").read_text())["flavors"]["python_function"]
        assert (dst / flavor["artifacts"]["model"]["path"]).exists(), v.version
    for alias in ("challenger", "champion"):
        mv = c.get_model_version_by_alias(model, alias)
        assert c.get_run(mv.tags["run_id"]).info.status == "FINISHED", (alias, mv.version)


def _check_runs(c, paper, killed_run=True):
    exp = c.get_experiment_by_name(paper)
    runs = c.search_runs([exp.experiment_id])
    assert not [r for r in runs if r.info.status == "RUNNING"], "a run is left RUNNING"
    killed = [r for r in runs if r.info.status == "KILLED"]
    assert bool(killed) == killed_run
    assert all("ended before the run finished" in r.data.tags["paperline.killed_reason"] for r in killed)
    return runs


@pytest.mark.parametrize("paper", [pytest.param(p, marks=long_run) for p in
                                   ("mv-softmax", "jd-landmark", "lapa", "kdctime", "pts-tracking")])
def test_killed_during_training_then_rerun(paper, tiny_dataset, tiny_parsing, tmp_path, browser):
    """Two epochs; the training task dies right after the first checkpoint. The rerun resumes after
    epoch 1, ends with a registered champion, and its checkpoint folder is gone."""
    data = {"mv-softmax": tiny_dataset, "jd-landmark": tiny_parsing / "jd", "lapa": tiny_parsing / "lapa",
            "kdctime": tmp_path / "ucr", "pts-tracking": tmp_path / "seq"}[paper]
    if paper == "kdctime":
        build_ucr(data)
    if paper == "pts-tracking":
        build_sequences(data)
    home, model = tmp_path / "home", f"kill-{paper}"
    args = tiny_args(paper, data, epochs=2, model_name=model)
    killed = _run(paper, args, home, kill_at="train:checkpointed")
    assert killed.returncode != 0 and f"pipeline {paper} failed" in killed.stderr, killed.stderr[-2000:]
    assert list((home / "checkpoints").rglob("checkpoint.pt")), "no checkpoint survived the kill"

    again = _run(paper, args, home)
    out = full_log(again)
    assert again.returncode == 0, out[-4000:]
    assert "resumed from" in out and "after epoch 1" in out
    in_run = paper != "kdctime"  # its teachers train before the pipeline's MLflow run starts
    assert ("was left RUNNING by a paperline run that is gone: marked KILLED" in again.stdout) == in_run
    assert not list((home / "checkpoints").rglob("checkpoint.pt")), "a finished step left its checkpoint"
    c = _client(home)
    _check_runs(c, paper, killed_run=in_run)
    _check_registry(c, model, tmp_path)
    # the resumed run carries the whole history, the epoch before the kill included
    run = c.get_run(c.get_model_version_by_alias(model, "champion").tags["run_id"])
    steps = {m.step for m in c.get_metric_history(run.info.run_id, "train_seconds")}
    assert {1, 2} <= steps
    # the family's report from the rerun, in the browser: its pictures and the run's figures
    check_report(browser, report_of(home), run.data.metrics, tmp_path / f"{paper}-report.png")


@pytest.mark.parametrize("paper,training", [pytest.param("weak-asr", "pre-train full", marks=long_run),
                                            pytest.param("giu-gan", "giu-gan", marks=long_run)])
def test_killed_in_a_later_training_then_rerun(paper, training, tmp_path, browser):
    """The pipelines that train more than once (weak-asr: seed rounds, then the main pre-training;
    giu-gan: the feature classifier, then the generator): the task dies after the first checkpoint of
    the main training, inside the pipeline's MLflow run. The rerun resumes that training after epoch 1
    and ends with a whole champion."""
    data = (build_videos if paper == "weak-asr" else build_fashion)(tmp_path / "data")
    home, model = tmp_path / "home", f"kill-{paper}"
    epochs = {"pretrain_epochs": 2} if paper == "weak-asr" else {"epochs": 2}
    args = tiny_args(paper, data, model_name=model, **epochs)
    killed = _run(paper, args, home, kill_at=f"train:checkpointed@{training}")
    assert killed.returncode != 0 and f"pipeline {paper} failed" in killed.stderr, killed.stderr[-2000:]
    assert len(list((home / "checkpoints").rglob("checkpoint.pt"))) == 1, "the killed training's checkpoint"

    again = _run(paper, args, home)
    out = full_log(again)
    assert again.returncode == 0, out[-4000:]
    assert "was left RUNNING by a paperline run that is gone: marked KILLED" in again.stdout
    resumed = [line for line in out.splitlines() if "resumed from" in line]
    assert len(resumed) == 1 and "after epoch 1" in resumed[0], resumed  # only the killed training resumes
    assert not list((home / "checkpoints").rglob("checkpoint.pt")), "a finished step left its checkpoint"
    c = _client(home)
    _check_runs(c, paper)
    _check_registry(c, model, tmp_path)
    run = c.get_run(c.get_model_version_by_alias(model, "champion").tags["run_id"])
    check_report(browser, report_of(home), run.data.metrics, tmp_path / f"{paper}-report.png")


@pytest.mark.parametrize("point", [pytest.param(p, marks=long_run) for p in ("register:logged", "publish:files")])
def test_swing_killed_while_registering_or_publishing_then_rerun(point, bucket, tmp_path, browser):
    """The index published to S3; the task dies between logging the model and tagging its version, or
    between the index's files and its _SUCCESS marker. After the rerun no folder lacks its marker and
    the registry holds only whole versions behind its aliases."""
    from paperline.core.storage import MARKER, open_store

    data, home, model = build_log(tmp_path / "log"), tmp_path / "home", f"kill-swing-{point.split(':')[0]}"
    env = {"PAPERLINE_INDEX_ROOT": f"s3://{bucket}/indexes"}
    args = tiny_args("swing", data, model_name=model)
    killed = _run("swing", args, home, env, kill_at=point)
    assert killed.returncode != 0, killed.stdout[-2000:]
    store = open_store(f"s3://{bucket}/indexes/swing")
    folders = {k.split("/")[0] for k in store.list("")}
    if point == "publish:files":
        assert folders and not any(store.exists(f"{f}/{MARKER}") for f in folders), "nothing half-published"

    again = _run("swing", args, home, env)
    assert again.returncode == 0, full_log(again)[-4000:]
    keys = store.list("")
    folders = {k.split("/")[0] for k in keys}
    assert all(store.exists(f"{f}/{MARKER}") for f in folders), keys
    # killed while publishing: its half is swept; killed while registering: its whole index stays
    assert len(folders) == (1 if point == "publish:files" else 2), keys
    if point == "publish:files":
        assert "an index its killed run never finished publishing" in full_log(again)
    c = _client(home)
    _check_runs(c, "swing", killed_run=point == "publish:files")  # its run has ended when it registers
    _check_registry(c, model, tmp_path)
    champ = c.get_model_version_by_alias(model, "champion")
    assert c.get_run(champ.tags["run_id"]).data.tags["index_uri"].rsplit("/", 1)[1] in folders
    check_report(browser, report_of(home), c.get_run(champ.tags["run_id"]).data.metrics, tmp_path / "swing-report.png")
    if point == "register:logged":  # the version logged before the kill: whole, but never gated
        assert len(c.search_model_versions(f"name='{model}'")) == 2 and str(champ.version) == "2"
