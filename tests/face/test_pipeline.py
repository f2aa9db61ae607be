"""The face pipelines end to end: `paperline run mv-softmax` through kfp.local on a tiny dataset, then
bad input; the distributed launcher and a Search-Softmax round (`make test-long`).

Each bad input must give a clear error naming the file or parameter, a non-zero exit, no new model
version and an unchanged `champion`.
"""

import pytest
from support.cli import full_log, registry, run_cli, task_artifact_metadata, task_artifact_path
from support.marks import long_run

pytestmark = pytest.mark.e2e

TINY = ["--set", "epochs=1", "--set", "width=0.25", "--set", "input_size=32", "--set", "embedding_size=16",
        "--set", "batch_size=8", "--set", "threads=1", "--set", "model_name=e2e-model"]


def _registry(home):
    return registry(home, "e2e-model")


@pytest.fixture(scope="module")
def first_run(tiny_dataset, tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-home")
    res = run_cli(["run", "mv-softmax", "--set", f"data_path={tiny_dataset}", *TINY], home)
    return home, res


def test_pipeline_runs_registers_and_promotes(first_run):
    home, res = first_run
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "verification accuracy (10-fold):" in res.stdout
    assert "e2e-model version 1" in res.stdout and "promotion: promoted" in res.stdout
    assert "mlflow ui --backend-store-uri sqlite:///" in res.stdout and "MLflow run: " in res.stdout
    # quiet by default: one line per task, then the summary; kfp.local's output is in the run's log
    tasks = ["ingest", "validate-face", "train-face", "embed-face", "evaluate-face", "index-build-face",
             "register-model", "promote-model"]
    assert [ln.split()[0] for ln in res.stdout.splitlines() if ln.startswith("  ")] == tasks
    assert len(res.stdout.splitlines()) < 20 and "Executing task" not in res.stdout + res.stderr
    log = full_log(res)
    assert "Executing task" in log and "executor_input" in log and "verification accuracy" in log
    versions, champ = _registry(home)
    assert versions == [1] and champ == "1"
    from paperline.core import experiments

    v = experiments.client().get_model_version("e2e-model", "1")
    run = experiments.client().get_run(v.tags["run_id"])
    assert run.data.tags["paper"] == "mv-softmax" and run.data.tags["kfp.run_id"]
    assert run.data.tags["data_md5"] and "verification_accuracy" in run.data.metrics
    assert "rank1" in run.data.metrics and run.data.tags["promotion.decision"] == "promoted"
    # the run is named by what differs from the defaults, as the console's first line said
    name = "mv-softmax model_name=e2e-model width=0.25 input_size=32 embedding_size=16 epochs=1 batch_size=8 threads=1"
    assert run.info.run_name == name and run.info.status == "FINISHED"
    assert f"running {name} through kfp.local" in res.stdout
    # KFP's own views: the ROC on a ClassificationMetrics output, the scalars on a Metrics output
    roc = task_artifact_metadata(res, "evaluate-face", "roc")["confidenceMetrics"]
    assert len(roc) == 101 and {"falsePositiveRate", "recall", "confidenceThreshold"} <= set(roc[0])
    scalars = task_artifact_metadata(res, "evaluate-face", "metrics")
    assert scalars["verification_accuracy"] == pytest.approx(run.data.metrics["verification_accuracy"])
    ds = run.inputs.dataset_inputs[0].dataset
    assert ds.digest == run.data.tags["data_md5"] and run.data.tags["data_uri"] in ds.source
    # the collapse diagnostics: per epoch on the run, drawn on it and in the step's report; a warning
    # the training step raised is on the run and in the console's summary
    diag = {"target_cosine", "hard_share", "probe_mean_norm", "impostor_cosine"}
    assert diag <= set(run.data.metrics)
    assert "training/diagnostics.png" in {f.path for f in experiments.client().list_artifacts(run.info.run_id,
                                                                                             "training")}
    report = task_artifact_path(res, "train-face", "report").read_text()
    assert "collapse diagnostics" in report and "data:image/png;base64," in report
    warned = "warning" in run.data.tags
    assert warned == (f"warning: train-face: {run.data.tags.get('warning')}" in res.stdout)


def _corrupt_image(ds):
    victim = sorted((ds / "train" / "images").rglob("*.jpg"))[5]
    victim.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    return victim.name


def _drop_pair_file(ds):
    name, i = (ds / "verify" / "pairs.txt").read_text().splitlines()[1].split("\t")[:2]
    victim = ds / "verify" / "images" / name / f"{name}_{int(i):04d}.jpg"
    victim.unlink()
    return victim.name


# a truncated train.rec: test_validation; a missing pair image in process: the catalogue's pairs-missing-image
@pytest.mark.parametrize("breaker", [_corrupt_image, pytest.param(_drop_pair_file, marks=long_run)])
def test_bad_dataset_fails_cleanly(first_run, tiny_dataset, tmp_path, breaker):
    import shutil

    home, res = first_run
    assert res.returncode == 0
    before = _registry(home)
    ds = tmp_path / "face"
    shutil.copytree(tiny_dataset, ds)
    expected = breaker(ds)
    bad = run_cli(["run", "mv-softmax", "--set", f"data_path={ds}", *TINY], home)
    assert bad.returncode != 0
    assert expected in bad.stderr and "validate-face" in bad.stderr, bad.stderr[-2000:]
    assert _registry(home) == before


@pytest.mark.parametrize("override,message", [("head=sphereface", "unknown head 'sphereface'"),
                                               ("lr=fast", "parameter 'lr' expects float, got 'fast'")])
def test_bad_parameters_fail_before_any_task(first_run, override, message):
    home, _ = first_run
    before = _registry(home)
    bad = run_cli(["run", "mv-softmax", "--set", override], home)
    assert bad.returncode == 2 and message in bad.stderr
    assert "Executing task" not in bad.stdout + bad.stderr
    assert _registry(home) == before


@long_run  # torchrun itself: tests/face/test_distributed.py; the launcher's TrainJob path: test_launcher.py
def test_distributed_launcher_trains_under_torchrun_in_kfp_local(first_run, tiny_dataset):
    """kfp.local hands the launcher an empty TaskConfig, so it trains under local torchrun (2 processes)
    and the rest of the pipeline registers the model as usual."""
    home, _ = first_run
    versions_before, _ = _registry(home)
    res = run_cli(["run", "mv-softmax", "--procs", "2", "--set", f"data_path={tiny_dataset}", *TINY], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = full_log(res)
    assert "train-face-distributed" in out and "torchrun --standalone, 2 process(es)" in out
    versions, _ = _registry(home)
    assert versions == versions_before + [versions_before[-1] + 1]
    from paperline.core import experiments

    v = experiments.client().get_model_version("e2e-model", str(versions[-1]))
    run = experiments.client().get_run(v.tags["run_id"])
    assert run.data.tags["launcher"] == "torchrun" and run.data.params["procs_per_node"] == "2"
    assert "verification_accuracy" in run.data.metrics


@long_run  # the search's stages in process: tests/face/test_search_softmax.py
def test_search_softmax_round_then_full_training(tiny_dataset, tmp_path):
    """One search round (2 sampled candidates + the baseline in a ParallelFor, Collected into the
    update), the report, then the full training, evaluation and registration."""
    home = tmp_path / "home"
    res = run_cli(["run", "search-softmax", "--set", f"data_path={tiny_dataset}", *TINY, "--set", "candidates=2"], home,
               env={"PAPERLINE_SEARCH_ROUNDS": "1"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = full_log(res)
    assert "round 0 candidate 2" in out and "(fixed-margin baseline)" in out and "search-candidate" in out
    assert "e2e-model version 1" in res.stdout
    versions, _ = _registry(home)
    from paperline.core import experiments

    run = experiments.client().get_run(experiments.client().get_model_version("e2e-model", "1").tags["run_id"])
    assert run.data.tags["search.verdict"].startswith("the search found a candidate")
    assert float(run.data.params["alpha"]) < 0 and run.data.params["head"] == "search"
    names = {f.path for f in experiments.client().list_artifacts(run.info.run_id, "search")}
    assert names == {"search/search_history.md", "search/search.html"}


