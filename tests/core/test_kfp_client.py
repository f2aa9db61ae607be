"""submit / upload / schedule / runs against the KFP v2beta1 stand-in on 127.0.0.1 (not a live
cluster): request bodies are validated with the kfp-server-api models by the stand-in."""

import json
import urllib.request

import pytest
from support.kfp_stub import KfpStub
from typer.testing import CliRunner

from paperline.cli import app

runner = CliRunner()


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setenv("PAPERLINE_DATA_REPO", "https://git.example.org/ml/paperline.git")  # what pods read
    s = KfpStub()
    host = s.start()
    yield s, host
    s.stop()


def test_submit_sends_the_compiled_pipeline_and_parameters(stub, monkeypatch):
    s, host = stub
    monkeypatch.setenv("PAPERLINE_DATA_REV", "data-v3")
    res = runner.invoke(app, ["submit", "mv-softmax", "--host", host, "--param", "epochs=3",
                              "--param", "data_path=s3://data/face", "--param", "head=arcface"])
    assert res.exit_code == 0, res.output
    (run,) = s.runs.values()
    spec = run["pipeline_spec"].get("pipeline_spec", run["pipeline_spec"])  # + platform_spec when present
    assert spec["pipelineInfo"]["name"] == "mv-softmax"
    assert "kubernetes" in run["pipeline_spec"]["platform_spec"]["platforms"]
    params = run["runtime_config"]["parameters"]
    # each parameter its own typed input; the run named by what differs from the defaults
    assert params == {"data_path": "s3://data/face", "epochs": 3, "head": "arcface"}
    assert run["display_name"] == "mv-softmax head=arcface epochs=3 data@data-v3"  # as the MLflow run will be
    inputs = spec["root"]["inputDefinitions"]["parameters"]
    assert inputs["data_repo"]["defaultValue"] == "https://git.example.org/ml/paperline.git"
    assert run["experiment_id"] in s.experiments
    assert f"submitted run {run['run_id']} (mv-softmax head=arcface epochs=3 data@data-v3)" in res.output
    assert inputs["data_rev"]["defaultValue"] == "data-v3"


def test_submit_refuses_a_dataset_no_pod_can_read(stub, monkeypatch):
    s, host = stub
    monkeypatch.delenv("PAPERLINE_DATA_REPO")
    res = runner.invoke(app, ["submit", "mv-softmax", "--host", host])
    assert res.exit_code == 2 and "'data/face' is a local path" in res.output and "PAPERLINE_DATA_REPO" in res.output
    res = runner.invoke(app, ["submit", "mv-softmax", "--host", host, "--param", "data_path=relative/face"])
    assert res.exit_code == 2 and "'relative/face' is a local path" in res.output
    assert not s.runs


def test_upload_creates_then_versions(stub):
    s, host = stub
    assert runner.invoke(app, ["upload", "mv-softmax", "--host", host]).exit_code == 0
    res = runner.invoke(app, ["upload", "mv-softmax", "--host", host, "--version", "v2"])
    assert res.exit_code == 0 and "uploaded new version v2" in res.output
    assert len(s.pipelines) == 1 and len(s.versions) == 2


def test_schedule_is_single_flight_without_catchup(stub):
    s, host = stub
    res = runner.invoke(app, ["schedule", "mv-softmax", "--host", host, "--cron", "0 0 3 * * *"])
    assert res.exit_code == 0, res.output
    (rec,) = s.recurring.values()
    assert rec["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert str(rec["max_concurrency"]) == "1" and rec["no_catchup"] is True and rec["mode"] == "ENABLE"
    bad = runner.invoke(app, ["schedule", "mv-softmax", "--host", host, "--cron", "0 3 * * *"])
    assert bad.exit_code == 2 and "6 fields" in bad.output


def test_runs_lists_newest_first(stub):
    s, host = stub
    for _ in range(2):
        runner.invoke(app, ["submit", "mv-softmax", "--host", host])
    res = runner.invoke(app, ["runs", "--host", host, "--experiment", "mv-softmax"])
    assert res.exit_code == 0 and res.output.count("PENDING") == 2


def test_bad_parameter_and_unreachable_host_fail_clearly(stub):
    _, host = stub
    res = runner.invoke(app, ["submit", "mv-softmax", "--host", host, "--param", "lr=fast"])
    assert res.exit_code == 2 and "parameter 'lr' expects float" in res.output
    res = runner.invoke(app, ["runs", "--host", "http://127.0.0.1:9"])
    assert res.exit_code == 2 and "http://127.0.0.1:9 is unreachable" in res.output
    res = runner.invoke(app, ["runs"], env={"KFP_HOST": ""})
    assert res.exit_code == 2 and "--host" in res.output


def test_stand_in_rejects_bodies_the_models_reject(stub):
    _, host = stub
    req = urllib.request.Request(f"{host}/apis/v2beta1/runs", method="POST",
                                 data=json.dumps({"display_name": "x", "state": "NOT_A_STATE",
                                                  "pipeline_spec": {"pipelineInfo": {}}}).encode(),
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400
    req = urllib.request.Request(f"{host}/apis/v2beta1/runs", method="POST",
                                 data=json.dumps({"display_name": "no pipeline"}).encode(),
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400 and b"pipeline_spec" in e.value.read()
