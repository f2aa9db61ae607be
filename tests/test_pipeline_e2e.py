"""The real thing: `paperline run mv-softmax` through kfp.local on a tiny dataset, then bad input.

Each bad input must give a clear error naming the file or parameter, a non-zero exit, no new model
version and an unchanged `champion`.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TINY = ["--set", "epochs=1", "--set", "width=0.25", "--set", "input_size=32", "--set", "embedding_size=16",
        "--set", "batch_size=8", "--set", "threads=1", "--set", "model_name=e2e-model"]


def _run(args, home, timeout=600, env=None):
    env = {**os.environ, "PAPERLINE_HOME": str(home), **(env or {})}
    env.pop("MLFLOW_TRACKING_URI", None)
    cmd = [sys.executable, "-m", "paperline.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def _registry(home):
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline import tracking

    c = tracking.client()
    versions = sorted(int(v.version) for v in c.search_model_versions("name='e2e-model'"))
    champ = tracking.champion("e2e-model")
    return versions, (str(champ.version) if champ else None)


@pytest.fixture(scope="module")
def first_run(tiny_dataset, tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    res = _run(["run", "mv-softmax", "--set", f"data_path={tiny_dataset}", *TINY], home)
    return home, res


def test_pipeline_runs_registers_and_promotes(first_run):
    home, res = first_run
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "verification accuracy (10-fold):" in res.stdout
    assert "e2e-model version 1" in res.stdout and "promotion: promoted" in res.stdout
    assert "mlflow ui --backend-store-uri sqlite:///" in res.stdout and "MLflow run: " in res.stdout
    versions, champ = _registry(home)
    assert versions == [1] and champ == "1"
    from paperline import tracking

    v = tracking.client().get_model_version("e2e-model", "1")
    run = tracking.client().get_run(v.tags["run_id"])
    assert run.data.tags["paper"] == "mv-softmax" and run.data.tags["kfp.run_id"]
    assert run.data.tags["data_md5"] and "verification_accuracy" in run.data.metrics
    assert "rank1" in run.data.metrics and run.data.tags["promotion.decision"] == "promoted"


def _corrupt_image(ds):
    victim = sorted((ds / "train" / "images").rglob("*.jpg"))[5]
    victim.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    return victim.name


def _drop_pair_file(ds):
    name, i = (ds / "verify" / "pairs.txt").read_text().splitlines()[1].split("\t")[:2]
    victim = ds / "verify" / "images" / name / f"{name}_{int(i):04d}.jpg"
    victim.unlink()
    return victim.name


@pytest.mark.parametrize("breaker", [_corrupt_image, _drop_pair_file])  # a truncated train.rec: test_validation
def test_bad_dataset_fails_cleanly(first_run, tiny_dataset, tmp_path, breaker):
    import shutil

    home, res = first_run
    assert res.returncode == 0
    before = _registry(home)
    ds = tmp_path / "face"
    shutil.copytree(tiny_dataset, ds)
    expected = breaker(ds)
    bad = _run(["run", "mv-softmax", "--set", f"data_path={ds}", *TINY], home)
    assert bad.returncode != 0
    assert expected in bad.stderr and "validate-face" in bad.stderr, bad.stderr[-2000:]
    assert _registry(home) == before


@pytest.mark.parametrize("override,message", [("head=sphereface", "unknown head 'sphereface'"),
                                               ("lr=fast", "parameter 'lr' expects float, got 'fast'")])
def test_bad_parameters_fail_before_any_task(first_run, override, message):
    home, _ = first_run
    before = _registry(home)
    bad = _run(["run", "mv-softmax", "--set", override], home)
    assert bad.returncode == 2 and message in bad.stderr
    assert "Executing task" not in bad.stdout + bad.stderr
    assert _registry(home) == before


def test_distributed_launcher_trains_under_torchrun_in_kfp_local(first_run, tiny_dataset):
    """kfp.local hands the launcher an empty TaskConfig, so it trains under local torchrun (2 processes)
    and the rest of the pipeline registers the model as usual."""
    home, _ = first_run
    versions_before, _ = _registry(home)
    res = _run(["run", "mv-softmax", "--procs", "2", "--set", f"data_path={tiny_dataset}", *TINY], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "train-face-distributed" in out and "torchrun --standalone, 2 process(es)" in out
    versions, _ = _registry(home)
    assert versions == versions_before + [versions_before[-1] + 1]
    from paperline import tracking

    v = tracking.client().get_model_version("e2e-model", str(versions[-1]))
    run = tracking.client().get_run(v.tags["run_id"])
    assert run.data.tags["launcher"] == "torchrun" and run.data.params["procs_per_node"] == "2"
    assert "verification_accuracy" in run.data.metrics


def test_search_softmax_round_then_full_training(tiny_dataset, tmp_path):
    """One search round (2 sampled candidates + the baseline in a ParallelFor, Collected into the
    update), the report, then the full training, evaluation and registration."""
    home = tmp_path / "home"
    res = _run(["run", "search-softmax", "--set", f"data_path={tiny_dataset}", *TINY, "--set", "candidates=2"], home,
               env={"PAPERLINE_SEARCH_ROUNDS": "1"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "round 0 candidate 2" in out and "(fixed-margin baseline)" in out and "search-candidate" in out
    assert "e2e-model version 1" in res.stdout
    versions, _ = _registry(home)
    from paperline import tracking

    run = tracking.client().get_run(tracking.client().get_model_version("e2e-model", "1").tags["run_id"])
    assert run.data.tags["search.verdict"].startswith("the search found a candidate")
    assert float(run.data.params["alpha"]) < 0 and run.data.params["head"] == "search"
    names = {f.path for f in tracking.client().list_artifacts(run.info.run_id, "search")}
    assert names == {"search/search_history.md", "search/search.html"}


@pytest.fixture(scope="module")
def tiny_parsing(tmp_path_factory):
    from paperline.data.parsing_build import ParsingDataConfig, build_parsing_dataset

    out = tmp_path_factory.mktemp("parsing") / "p"
    build_parsing_dataset(out, ParsingDataConfig(train=24, val=1, test=6, image_size=64))
    return out


LM_TINY = ["--set", "epochs=1", "--set", "width=8", "--set", "input_size=64", "--set", "threads=1",
           "--set", "model_name=lm-e2e"]


def test_jd_landmark_pipeline(tiny_parsing, tmp_path):
    """The whole jd-landmark DAG registers a model with its NME/AUC and pictures (bad landmark files:
    tests/test_parsing_data.py, at the validation the pipeline runs before training)."""
    home = tmp_path / "home"
    res = _run(["run", "jd-landmark", "--set", f"data_path={tiny_parsing / 'jd'}", *LM_TINY], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "auc@0.08: " in res.stdout and "lm-e2e version 1" in res.stdout
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline import tracking

    c = tracking.client()
    run = c.get_run(c.get_model_version("lm-e2e", "1").tags["run_id"])
    assert {"nme", "auc_at_0.08", "fr_at_0.08", "cell_ce"} <= set(run.data.metrics)
    assert {"evaluation/ced.png", "evaluation/overlay.png"} <= {f.path for f in c.list_artifacts(run.info.run_id,
                                                                                                  "evaluation")}


def test_lapa_pipeline_then_a_mask_with_an_unknown_class(tiny_parsing, tmp_path):
    """Annotation from landmarks, mask validation, BSPNet, F1 and registration; then a test label PNG
    with id 12 stops the run at validation, naming the file, with no new version."""
    import shutil

    import cv2
    import numpy as np

    home = tmp_path / "home"
    args = ["--set", "epochs=1", "--set", "width=4", "--set", "input_size=64", "--set", "threads=1",
            "--set", "model_name=lapa-e2e"]
    res = _run(["run", "lapa", "--set", f"data_path={tiny_parsing / 'lapa'}", *args], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "annotated 25 faces from their landmarks" in out and "mean_f1: " in res.stdout
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline import tracking

    c = tracking.client()
    run = c.get_run(c.get_model_version("lapa-e2e", "1").tags["run_id"])
    assert {"mean_f1", "boundary_mean_f1", "annotation_mean_f1", "attention_ce"} <= set(run.data.metrics)
    assert "evaluation/overlay.png" in {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    bad = tmp_path / "bad"
    shutil.copytree(tiny_parsing / "lapa", bad)
    victim = sorted((bad / "test" / "labels").iterdir())[1]
    cv2.imwrite(str(victim), np.full((64, 64), 12, np.uint8))
    res = _run(["run", "lapa", "--set", f"data_path={bad}", *args], home)
    assert res.returncode != 0 and victim.name in res.stderr and "validate-parsing" in res.stderr, res.stderr[-2000:]
    assert [str(v.version) for v in c.search_model_versions("name='lapa-e2e'")] == ["1"]


def test_kdctime_pipeline(tmp_path):
    """Teacher members in a ParallelFor, soft labels, KDCT calibration, the student, ROCKET in the same
    run, registration; `paperline report` prints the paper's rows beside ours. (Bad input stops at
    validate-ucr, which every training step waits for: tests/test_kdctime.py and the compile test.)"""
    from paperline.data.ucr_build import UCRDataConfig, build_ucr_dataset

    data = tmp_path / "ucr"
    build_ucr_dataset(data, UCRDataConfig(datasets=["ItalyPowerDemand"]))
    home = tmp_path / "home"
    args = ["--set", "dataset=ItalyPowerDemand", "--set", "epochs=2", "--set", "members=2",
            "--set", "rocket_kernels=200", "--set", "threads=1", "--set", "model_name=kdct-e2e"]
    res = _run(["run", "kdctime", "--set", f"data_path={data}", *args], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout + res.stderr
    assert "teacher member 2/2 on ItalyPowerDemand" in out and "teacher (2 nets)" in out
    assert "ROCKET (200 kernels) fitted on 67 series" in out and "kdct-e2e version 1" in res.stdout
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline import tracking

    c = tracking.client()
    run = c.get_run(c.get_model_version("kdct-e2e", "1").tags["run_id"])
    assert run.data.tags["dataset"] == "ItalyPowerDemand" and run.data.params["variant"] == "kdct"
    assert {"accuracy", "teacher_accuracy", "rocket_accuracy", "speedup_vs_rocket", "mispredicted_share",
            "teacher_train_accuracy"} <= set(run.data.metrics)
    assert 0.5 < run.data.metrics["rocket_accuracy"] <= 1
    assert "evaluation/comparison.png" in {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    rep = _run(["report", "kdctime"], home)
    assert rep.returncode == 0 and "two orders of magnitude" in rep.stdout
    assert f"latest run {run.info.run_id}" in rep.stdout and "real UCR test split of ItalyPowerDemand" in rep.stdout


def test_swing_pipeline_on_spark(tmp_path):
    """The Spark engine inside the pipeline; the index is published, answers `paperline index query`
    and loads from the registry as a python-function model."""
    from paperline.data.interactions_build import InteractionsDataConfig, build_interactions_dataset

    data = tmp_path / "log"
    build_interactions_dataset(data, InteractionsDataConfig(rows=20_000, seed=2))
    home = tmp_path / "home"
    res = _run(["run", "swing", "--set", f"data_path={data}", "--set", "engine=spark", "--set",
                "model_name=swing-e2e", "--set", "top_k=30"], home)
    out = res.stdout + res.stderr
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "swing (spark):" in out and "time split at 1512230400" in out and "swing-e2e version 1" in res.stdout
    uri = next(line.split()[2] for line in res.stdout.splitlines() if line.startswith("published index:"))
    assert (home / "indexes" / "swing").is_dir() and uri.startswith(str(home / "indexes" / "swing"))
    anchor = (Path(uri) / "substitute.txt").read_text().split("\t", 1)[0]
    q = _run(["index", "query", "--index", uri, "--item", anchor, "--k", "5"], home)
    assert q.returncode == 0 and f"substitutes of {anchor}: " in q.stdout and "lookup:" in q.stdout
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    import mlflow
    import pandas as pd

    from paperline import tracking

    c = tracking.client()
    version = c.get_model_version("swing-e2e", "1")
    run = c.get_run(version.tags["run_id"])
    assert run.data.params["engine"] == "spark" and run.data.tags["index_uri"] == uri
    assert {"hitrate_at_20", "recall_at_50", "complement_hitrate_at_20", "coverage", "build_s",
            "planted_substitute_hitrate_at_20", "planted_complement_direction"} <= set(run.data.metrics)
    # the generator's planted substitutes are what Swing finds first
    assert run.data.metrics["planted_substitute_hitrate_at_20"] > run.data.metrics["hitrate_at_20"] > 0.2
    assert float(version.tags["hitrate_at_20"]) == pytest.approx(run.data.metrics["hitrate_at_20"], abs=1e-6)
    assert str(tracking.champion("swing-e2e").version) == "1"
    model = mlflow.pyfunc.load_model("models:/swing-e2e@champion")
    got = model.predict(pd.DataFrame({"item_id": [int(anchor)], "relation": ["substitute"], "k": [5]}))
    assert len(got) == 5 and got["rank"].tolist() == [1, 2, 3, 4, 5]
    # the champion answers `paperline index query` too, with the same neighbours as the published index
    champ = _run(["index", "query", "--index", "models:/swing-e2e@champion", "--item", anchor, "--k", "5",
                  "--relation", "substitute"], home)
    assert champ.returncode == 0, champ.stderr[-2000:]
    assert champ.stdout.splitlines()[0] == q.stdout.splitlines()[0]
    missing = _run(["index", "query", "--index", "models:/no-such-model@champion", "--item", anchor], home)
    assert missing.returncode == 2 and "no such registered model version" in missing.stderr
    rep = _run(["report", "swing"], home)
    assert rep.returncode == 0 and f"latest run {run.info.run_id}" in rep.stdout and "hitrate@20" in rep.stdout


SINGLE_USER = "".join(f"7,{i},1,pv,{1511600000 + 60 * i}\n" for i in range(50))


@pytest.mark.parametrize("log,message", [
    (SINGLE_USER, "expect_column_unique_value_count_to_be_between on user_id"),
    ("1,2,3,pv,1511600000\n1,2,3,pv\n", "UserBehavior.csv:2: expected 5 comma-separated columns, found 4"),
    ("1,2,3,pv,1400000000\n2,3,3,pv,1400000000\n", "expect_column_values_to_be_between on ts"),
], ids=["single-user", "column-count", "outside-window"])
def test_swing_bad_log_publishes_nothing(tmp_path, log, message):
    """A bad log stops at validation: the message names the file and the problem, non-zero exit, no
    index published, no model registered."""
    data = tmp_path / "log"
    data.mkdir()
    (data / "UserBehavior.csv").write_text(log)
    home = tmp_path / "home"
    res = _run(["run", "swing", "--set", f"data_path={data}", "--set", "model_name=swing-bad"], home)
    assert res.returncode == 2 and "Traceback" not in res.stderr.split("error:")[-1]
    assert "validate-interactions" in res.stderr and message in res.stderr, res.stderr[-2000:]
    if "on ts" in message:
        assert "UserBehavior.csv:1 ts=1400000000" in res.stderr
    assert not (home / "indexes").exists()
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline import tracking

    assert tracking.client().search_model_versions("name='swing-bad'") == []
