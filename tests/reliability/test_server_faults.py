"""Server faults in the middle of a run: the MLflow server restarted while a pipeline trains, and S3
answering 503 to every request for a while. Each ends in a retry that succeeds, or in a failed run
with nothing registered and nothing half-published; never a torn state."""

import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest
from conftest import _free_port, start_mlflow_server, stop_server
from support.cli import full_log
from support.marks import long_run
from support.proxy import TcpProxy

from tests.reliability.tiny_runs import build_log, tiny_args

pytestmark = pytest.mark.e2e

@pytest.fixture
def refusing_s3(seaweedfs):
    proxy = TcpProxy(urlparse(seaweedfs["endpoint"]).port)
    yield proxy
    proxy.close()


def _folder(tmp_path):
    d = tmp_path / "index"
    (d / "lookup").mkdir(parents=True)
    for name in ("substitute.txt", "complement.txt", "lookup/offsets.npy"):
        (d / name).write_bytes(os.urandom(20_000))
    return d


def test_s3_refusing_writes_briefly_is_retried_and_for_long_fails_whole(refusing_s3, seaweedfs, bucket, tmp_path):
    """Two seconds of 503s: the publish retries through them and is complete. A minute of them: a clear
    error naming the object, and the folder is not taken for complete (no marker)."""
    from paperline.core.storage import MARKER, S3Store, StorageError, get_dir, put_dir

    store = S3Store(bucket, "indexes", endpoint=f"127.0.0.1:{refusing_s3.port}", access_key=seaweedfs["key"],
                    secret_key=seaweedfs["secret"])
    local = _folder(tmp_path)
    refusing_s3.refuse(2.0)
    put_dir(store, local, "brief")
    assert refusing_s3.refused > 0 and store.exists(f"brief/{MARKER}")
    get_dir(store, "brief", tmp_path / "back")
    back = tmp_path / "back" / "lookup" / "offsets.npy"
    assert back.read_bytes() == (local / "lookup" / "offsets.npy").read_bytes()

    refusing_s3.refuse(60.0)
    with pytest.raises(StorageError, match=f"s3://{bucket}/indexes/long/"):
        put_dir(store, local, "long")
    refusing_s3.refuse(0)
    assert not store.exists(f"long/{MARKER}")
    with pytest.raises(StorageError, match="not a complete published directory"):
        get_dir(store, "long", tmp_path / "never")


@long_run
def test_swing_pipeline_when_s3_refuses_its_index_fails_with_nothing_registered(refusing_s3, seaweedfs, bucket,
                                                                                tmp_path):
    """S3 refuses for the whole run: the publish step fails after its retries, the run ends FAILED,
    no version is registered and no marker is written."""
    import mlflow

    from paperline.core.storage import MARKER, open_store

    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    env.update({"PAPERLINE_HOME": str(home), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{refusing_s3.port}",
                "AWS_ACCESS_KEY_ID": seaweedfs["key"], "AWS_SECRET_ACCESS_KEY": seaweedfs["secret"],
                "PAPERLINE_INDEX_ROOT": f"s3://{bucket}/indexes"})
    refusing_s3.refuse(3600)
    res = subprocess.run([sys.executable, "-m", "paperline.cli", "run", "swing",
                          *tiny_args("swing", build_log(tmp_path / "log"), model_name="s3-refused")],
                         capture_output=True, text=True, env=env, timeout=900)
    refusing_s3.refuse(0)
    assert res.returncode != 0 and "publish-index" in res.stdout + res.stderr, full_log(res)[-3000:]
    assert f"s3://{bucket}/indexes/swing/" in res.stderr, res.stderr[-2000:]  # the error names what it wrote
    c = mlflow.MlflowClient(f"sqlite:///{home / 'mlflow.db'}")
    assert not c.search_registered_models(filter_string="name='s3-refused'")
    runs = c.search_runs([c.get_experiment_by_name("swing").experiment_id])
    assert runs and all(r.info.status == "FAILED" for r in runs)
    direct = open_store(f"s3://{bucket}/indexes")
    assert not [k for k in direct.list("") if k.endswith(MARKER)]


@long_run
def test_mlflow_server_restarted_while_a_pipeline_trains(postgres, seaweedfs, tiny_dataset, tmp_path, monkeypatch):
    """The server is stopped and started again (same port, same database) once the run's MLflow run
    exists. The client's retries carry the run through, or it fails with nothing registered."""
    import mlflow

    port, log_path = _free_port(), tmp_path / "server.log"
    proc, log, url = start_mlflow_server(postgres, seaweedfs, port, log_path)
    env = {**os.environ, "PAPERLINE_HOME": str(tmp_path / "home"), "MLFLOW_TRACKING_URI": url}
    run = subprocess.Popen([sys.executable, "-m", "paperline.cli", "run", "mv-softmax",
                            *tiny_args("mv-softmax", tiny_dataset, epochs=3, model_name="restarted")],
                           env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        c = mlflow.MlflowClient(url)
        owner = f"tags.`paperline.runner` = '{socket.gethostname()}:{run.pid}'"
        deadline = time.time() + 600
        while run.poll() is None and time.time() < deadline:
            exp = c.get_experiment_by_name("mv-softmax")
            if exp and c.search_runs([exp.experiment_id], owner):
                break
            time.sleep(1)
        assert run.poll() is None, "the run ended before the server could be restarted"
        stop_server(proc, log)
        time.sleep(3)
        proc, log, url = start_mlflow_server(postgres, seaweedfs, port, log_path)
        out, _ = run.communicate(timeout=900)
        ours = c.search_runs([c.get_experiment_by_name("mv-softmax").experiment_id], owner)
        assert len(ours) == 1 and ours[0].info.status != "RUNNING"
        if run.returncode == 0:  # the retries carried it through: a whole version behind the aliases
            v = c.get_model_version_by_alias("restarted", "champion")
            assert v.tags["run_id"] == ours[0].info.run_id and ours[0].info.status == "FINISHED"
            monkeypatch.setenv("MLFLOW_TRACKING_URI", url)  # models:/ resolves through the registry
            dst = mlflow.artifacts.download_artifacts(artifact_uri=f"models:/restarted/{v.version}",
                                                      dst_path=str(tmp_path / "v"))
            assert (tmp_path / "v" / "MLmodel").is_file(), dst
        else:
            assert not c.search_registered_models(filter_string="name='restarted'"), out[-3000:]
        print(f"MLflow server restart during training: exit {run.returncode}", flush=True)
        assert run.returncode == 0, out[-4000:]  # MLflow's default retries outlast a restart of seconds
    finally:
        if run.poll() is None:
            run.kill()
        stop_server(proc, log)
