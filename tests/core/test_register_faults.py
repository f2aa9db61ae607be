"""Registration when the artifact store fails: the model's artifacts cannot be written, so no model
version may exist and no alias may move. The MLflow server here proxies artifacts to a bucket that
does not exist on the (real) SeaweedFS server, so every artifact upload is refused."""

import os
import subprocess
import sys
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def broken_artifact_server(s3_env, tmp_path):
    from conftest import _free_port, stop_server, wait_for_server

    port = _free_port()
    env = {**os.environ, "MLFLOW_S3_ENDPOINT_URL": s3_env["endpoint"]}
    log = open(tmp_path / "log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--backend-store-uri",
                             f"sqlite:///{tmp_path / 'mlflow.db'}", "--artifacts-destination",
                             "s3://bucket-that-does-not-exist", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_for_server("mlflow server", lambda: urllib.request.urlopen(f"{url}/health", timeout=2), proc,
                    tmp_path / "log", 120)
    yield url
    stop_server(proc, log)


def test_failed_artifact_upload_registers_nothing(broken_artifact_server, monkeypatch, tmp_path):
    from support.artifacts import candidate_run, model_artifact

    from paperline.core import experiments, promotion

    monkeypatch.setenv("MLFLOW_TRACKING_URI", broken_artifact_server)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")  # fail in seconds, not minutes
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    run_id = candidate_run("mv-softmax")
    model = model_artifact("mv-softmax", tmp_path / "model.pt")
    with pytest.raises(Exception) as err:  # noqa: B017 - whatever MLflow raises, it must raise
        promotion.register(str(model), run_id, "fault-model", 0.9, "md5")
    assert "artifacts" in str(err.value)
    c = experiments.client()
    assert c.search_model_versions("name='fault-model'") == []
    assert promotion.champion("fault-model") is None
