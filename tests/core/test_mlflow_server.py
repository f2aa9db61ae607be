"""The mv-softmax pipeline end to end against `mlflow server` on PostgreSQL with S3 (SeaweedFS)
artifacts: registry versions, challenger/champion aliases and tags; an unreachable server fails
the run cleanly."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e

TINY = ["--set", "epochs=1", "--set", "width=0.25", "--set", "input_size=32", "--set", "embedding_size=16",
        "--set", "batch_size=8", "--set", "threads=1", "--set", "model_name=server-model"]


def _run(args, env):
    return subprocess.run([sys.executable, "-m", "paperline.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_pipeline_against_mlflow_server_on_postgres_and_s3(mlflow_server, s3_env, tiny_dataset, tmp_path):
    env = {**os.environ, "PAPERLINE_HOME": str(tmp_path / "home"), "MLFLOW_TRACKING_URI": mlflow_server["url"]}
    # one run: the gate's second version on a server is test_concurrency.py's (8 at once)
    res = _run(["run", "mv-softmax", "--set", f"data_path={tiny_dataset}", *TINY], env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    os.environ["MLFLOW_TRACKING_URI"] = mlflow_server["url"]
    try:
        import mlflow

        c = mlflow.MlflowClient(mlflow_server["url"])
        versions = c.search_model_versions("name='server-model'")
        assert [str(v.version) for v in versions] == ["1"]
        assert str(c.get_model_version_by_alias("server-model", "challenger").version) == "1"
        champ = str(c.get_model_version_by_alias("server-model", "champion").version)
        v1 = c.get_model_version("server-model", "1")
        assert champ == "1" and v1.tags["promotion.decision"] == "promoted" and v1.tags["eval_data_md5"]
        run = c.get_run(v1.tags["run_id"])
        assert run.data.tags["paper"] == "mv-softmax" and run.data.tags["data_md5"]
        assert "verification_accuracy" in run.data.metrics
        # artifacts went through the server into the S3 bucket
        keys = [o.object_name for o in s3_env["client"].list_objects("mlflow", recursive=True)]
        assert any(k.endswith("roc.png") for k in keys) and any("MLmodel" in k for k in keys)
        # the shelf's site from the server: the champion of the model this run registered, its plots
        # (downloaded through the server from S3), links into the server's own UI
        site = tmp_path / "site"
        res = _run(["report", "--all", "--html", str(site)], env)
        assert res.returncode == 0, res.stderr[-2000:]
        page = (site / "mv-softmax.html").read_text()
        assert f"server-model v{champ}" in page
        assert f"{mlflow_server['url']}/#/models/server-model/versions/{champ}" in page
        assert (site / "mv-softmax" / "roc.png").stat().st_size > 1000
        assert (site / "mv-softmax" / "history.png").is_file()
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI", None)


def test_unreachable_mlflow_server_fails_before_training(tiny_dataset, tmp_path):
    env = {**os.environ, "PAPERLINE_HOME": str(tmp_path / "home"), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    res = _run(["run", "mv-softmax", "--set", f"data_path={tiny_dataset}", *TINY], env)
    assert res.returncode != 0
    assert "MLflow tracking server http://127.0.0.1:9 is unreachable" in res.stderr
