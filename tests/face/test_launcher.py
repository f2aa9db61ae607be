"""The distributed training step's two paths, short of a live cluster.

Cluster path: the launcher stages the data on a real SeaweedFS S3 server, builds the TrainJob from
the TaskConfig that KFP forwards, and fetches the model back. The "cluster" is an in-memory
CustomObjectsApi that does what the Trainer controller would: run the TrainJob's command (torchrun,
one process per node) with its args and env. No-cluster path: kfp.local's empty TaskConfig.
"""

import json
import os
import subprocess
import sys

import pytest
import torch
from kfp import dsl

from paperline.core import experiments
from paperline.core.checkpoint import load_model
from paperline.core.errors import ConfigError, PaperlineError
from paperline.face.launcher import Launch, on_cluster, train_distributed
from paperline.face.train import FaceTrainConfig

CFG = dict(width=0.25, input_size=32, embedding_size=16, batch_size=8, epochs=1, threads=1, head="softmax",
           device="cpu")
TASK_CONFIG = dsl.TaskConfig(resources={"requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"nvidia.com/gpu": "1"}},
                             node_selector={"nvidia.com/gpu.present": "true"},
                             tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
                             env=[{"name": "PAPERLINE_FROM_TASK", "value": "yes"}])


class TrainerController:
    """create → run the trainer's command like the torch-distributed runtime would; get → its outcome."""

    def __init__(self, fail=False):
        self.fail, self.jobs = fail, {}

    def create_namespaced_custom_object(self, group, version, ns, plural, body):
        t = body["spec"]["trainer"]
        env = {**os.environ, **{e["name"]: e["value"] for e in t.get("env", [])}}
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={t['numNodes']}",
               *t["command"][1:], *t["args"]]
        if self.fail:
            cmd = [sys.executable, "-c", "raise SystemExit(3)"]
        rc = subprocess.run(cmd, env=env, timeout=600).returncode
        self.jobs[body["metadata"]["name"]] = (ns, body, rc)

    def get_namespaced_custom_object(self, group, version, ns, plural, name):
        rc = self.jobs[name][2]
        cond = {"type": "Complete", "status": "True"} if rc == 0 else \
            {"type": "Failed", "status": "True", "reason": "PodFailed", "message": f"exit code {rc}"}
        return {"metadata": {"name": name}, "status": {"conditions": [cond]}}


def _launch(bucket):
    return Launch(nodes=2, trainer_image="reg.local/paperline-cuda:1", staging_uri=f"s3://{bucket}/trainjobs",
                  namespace="team-a", poll_s=0)


def test_kfp_local_task_config_means_no_cluster():
    assert not on_cluster(dsl.TaskConfig()) and not on_cluster(None)
    assert on_cluster(TASK_CONFIG)


def test_trainjob_path_stages_on_s3_forwards_the_task_config_and_returns_the_model(
        tiny_dataset, s3_env, bucket, home, tmp_path):
    api = TrainerController()
    model_path = tmp_path / "model" / "model.pt"
    run_id, history = train_distributed(str(tiny_dataset), str(model_path), FaceTrainConfig(**CFG), "mv-softmax",
                                        "r1", {}, 112, TASK_CONFIG, _launch(bucket), api=api)
    (ns, body, rc), = api.jobs.values()
    trainer = body["spec"]["trainer"]
    assert ns == "team-a" and rc == 0 and trainer["numNodes"] == 2 and trainer["image"] == "reg.local/paperline-cuda:1"
    assert trainer["resourcesPerNode"] == TASK_CONFIG.resources and trainer["env"] == TASK_CONFIG.env
    override = body["spec"]["podSpecOverrides"][0]
    assert override["nodeSelector"] == TASK_CONFIG.node_selector and override["tolerations"] == TASK_CONFIG.tolerations
    data_arg = trainer["args"][trainer["args"].index("--data") + 1]
    assert data_arg.startswith(f"s3://{bucket}/trainjobs/mv-softmax-")
    assert json.loads(trainer["args"][trainer["args"].index("--config") + 1])["width"] == 0.25

    model = load_model(model_path)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 16)
    run = experiments.client().get_run(run_id)
    assert run.data.tags["launcher"] == "trainjob" and run.data.params["nodes"] == "2"
    assert run.data.metrics["loss"] == pytest.approx(history[-1]["loss"])
    assert not list(s3_env["client"].list_objects(bucket, recursive=True))  # staging cleaned up


def test_failed_trainjob_fails_the_run_and_writes_no_model(tiny_dataset, s3_env, bucket, home, tmp_path):
    model_path = tmp_path / "model.pt"
    with pytest.raises(PaperlineError, match="failed: PodFailed exit code 3"):
        train_distributed(str(tiny_dataset), str(model_path), FaceTrainConfig(**CFG), "mv-softmax", "r", {}, 112,
                          TASK_CONFIG, _launch(bucket), api=TrainerController(fail=True))
    assert not model_path.exists() and not list(tmp_path.glob("model.pt*"))
    runs = experiments.client().search_runs([experiments.experiment_id("mv-softmax")])
    assert [r.info.status for r in runs] == ["FAILED"]
    assert not list(s3_env["client"].list_objects(bucket, recursive=True))


def test_trainjob_needs_s3_staging_and_sane_counts(tiny_dataset, home, tmp_path):
    bad = Launch(trainer_image="img", staging_uri=str(tmp_path / "staging"), namespace="ns")
    with pytest.raises(ConfigError, match="needs an s3:// staging URI"):
        train_distributed(str(tiny_dataset), str(tmp_path / "m.pt"), FaceTrainConfig(**CFG), "mv-softmax", "r", {}, 112,
                          TASK_CONFIG, bad, api=TrainerController())
    with pytest.raises(ConfigError, match="must be >= 1"):
        train_distributed(str(tiny_dataset), str(tmp_path / "m.pt"), FaceTrainConfig(**CFG), "mv-softmax", "r", {}, 112,
                          None, Launch(local_procs=0))


def test_papers_with_their_own_trainer_are_refused(tiny_dataset, home, tmp_path):
    from paperline.face.f2c import F2CTrainConfig

    with pytest.raises(ConfigError, match="f2c has its own single-process trainer"):
        train_distributed(str(tiny_dataset), str(tmp_path / "m.pt"), F2CTrainConfig(), "f2c", "r", {}, 112, None,
                          Launch())
