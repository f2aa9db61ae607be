"""MLflow runs: homes, reachability, and the training-run context (tags, name, dataset, FAILED on error)."""

import os

import pytest

from paperline.core import experiments


def test_homes_do_not_share_state(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("PAPERLINE_HOME", str(tmp_path / "h1"))
    from paperline.core import settings

    assert settings.tracking_uri() == f"sqlite:///{tmp_path / 'h1' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert settings.tracking_uri() == "http://127.0.0.1:1"


def test_unreachable_server_is_a_clear_error(monkeypatch):
    from paperline.core.errors import PaperlineError

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(PaperlineError, match="127.0.0.1:9 is unreachable"):
        experiments.check_reachable()


def test_training_run_names_tags_and_dataset(home):
    meta = {"data_uri": "dvc:///repo#data/face", "data_md5": "a" * 32, "data_rev": "abc123", "dvc_md5": "x"}
    with experiments.training_run("mv-softmax", "kfp-7", meta, {"head": "mv_am", "seed": 3},
                                  "mv-softmax mv_am seed=3") as run:
        run.log_metrics({"loss": 1.5}, step=1)
    c = experiments.client()
    r = c.get_run(run.id)
    assert r.info.run_name == "mv-softmax mv_am seed=3" and r.info.status == "RUNNING"  # promotion ends it
    assert r.data.tags["paper"] == "mv-softmax" and r.data.tags["kfp.run_id"] == "kfp-7"
    assert r.data.tags["data_md5"] == "a" * 32 and r.data.tags["data_rev"] == "abc123" and r.data.tags["git_sha"]
    assert r.data.params["seed"] == "3"
    ds = r.inputs.dataset_inputs[0]
    assert ds.dataset.name == "face" and ds.dataset.digest == "a" * 32 and ds.dataset.source_type == "dvc"
    assert "dvc:///repo#data/face" in ds.dataset.source
    assert [t.value for t in ds.tags if t.key == "mlflow.data.context"] == ["training"]


def test_training_run_ends_failed_on_any_error(home):
    with pytest.raises(KeyboardInterrupt):
        with experiments.training_run("lapa", "k", {}, {}) as run:
            raise KeyboardInterrupt
    assert experiments.client().get_run(run.id).info.status == "FAILED"


def test_a_training_run_keeps_a_checkpoint_folder_only_when_asked(home):
    with experiments.training_run("lapa", "k", {"data_md5": "b" * 32}, {"epochs": 2}) as run:
        assert run.work_dir.is_dir() and run.work_dir.parent == home / "checkpoints" / "lapa"
    assert not run.work_dir.exists()  # a finished step leaves nothing to resume
    with experiments.training_run("swing", "k", {}, {}, checkpoints=False) as run:
        assert run.work_dir is None
    assert not (home / "checkpoints" / "swing").exists()


def test_the_store_follows_the_home_set_now(home, tmp_path, monkeypatch):
    experiments.client()
    assert "MLFLOW_TRACKING_URI" not in os.environ  # nothing written for later code to inherit by mistake
    monkeypatch.setenv("PAPERLINE_HOME", str(tmp_path / "other"))
    assert experiments.client().tracking_uri == f"sqlite:///{tmp_path / 'other' / 'mlflow.db'}"
    assert (tmp_path / "other" / "mlflow.db").is_file()


def test_the_run_name_says_what_differs_from_the_defaults_and_the_data_rev():
    from paperline.core.papers import get_paper

    for paper, values, want in [
            ("mv-softmax", {}, "mv-softmax"),
            ("mv-softmax", {"head": "arcface", "seed": "1", "data_rev": "v3", "data_path": "/x"},
             "mv-softmax head=arcface seed=1 data@v3"),
            ("kdctime", {"dataset": "Coffee", "members": 2, "epochs": "200"}, "kdctime dataset=Coffee members=2"),
            ("swing", {"engine": "spark", "index_root": "s3://b/i"}, "swing engine=spark")]:
        assert get_paper(paper).display_name(values) == want
