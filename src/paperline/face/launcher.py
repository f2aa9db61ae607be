"""The distributed training step of a face pipeline.

On a cluster the step is a light launcher pod: it stages the training set on S3, creates a Kubeflow
Trainer v2 TrainJob that runs `paperline.face.train_entry` under torchrun on N nodes, waits for it, and
brings the model back into the step's Output[Model]. The GPU request, node selector, tolerations and
env set on the pipeline task reach the TrainJob through kfp's TaskConfig passthrough instead of the
launcher pod. Under kfp.local every TaskConfig field is None: the same entrypoint then runs here under
`torchrun --standalone --nproc-per-node N` (gloo on CPU). Either way the MLflow run is the launcher's,
so the rest of the pipeline (evaluate, register, promote) does not know which path trained the model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from paperline.core import experiments
from paperline.core.checkpoint import load_model
from paperline.core.errors import ConfigError
from paperline.core.papers import get_paper
from paperline.core.storage import delete_dir, fetch_dir, publish_dir
from paperline.core.trainjob import run_torchrun_local, run_trainjob, trainjob_manifest
from paperline.face.stages import diagnose, log_figures
from paperline.face.train import FaceTrainConfig
from paperline.face.train_entry import ENTRY, entry_args

NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


@dataclass
class Launch:
    nodes: int = 1  # TrainJob numNodes on a cluster
    local_procs: int = 2  # torchrun processes when there is no cluster
    trainer_image: str = ""
    staging_uri: str = ""  # s3://bucket/prefix shared by the launcher and the TrainJob pods
    namespace: str = ""
    timeout_s: float = 24 * 3600
    poll_s: float = 15

    def check(self) -> None:
        if self.nodes < 1 or self.local_procs < 1:
            raise ConfigError(f"nodes and local_procs must be >= 1, got {self.nodes} and {self.local_procs}")


def on_cluster(task_config) -> bool:
    """kfp fills the TaskConfig from the task's settings on a cluster; kfp.local leaves every field None."""
    if task_config is None:
        return False
    return any(getattr(task_config, f, None) for f in ("resources", "env", "node_selector", "tolerations"))


def job_name(paper: str) -> str:
    return f"{re.sub(r'[^a-z0-9-]', '-', paper.lower())[:40].strip('-')}-{uuid.uuid4().hex[:8]}"


def namespace(given: str = "") -> str:
    if given or os.environ.get("PAPERLINE_NAMESPACE"):
        return given or os.environ["PAPERLINE_NAMESPACE"]
    if Path(NAMESPACE_FILE).exists():
        return Path(NAMESPACE_FILE).read_text().strip()
    raise ConfigError("no namespace for the TrainJob: not in a pod and PAPERLINE_NAMESPACE is not set")


def _train_on_cluster(dataset: str, out: Path, cfg: FaceTrainConfig, image_size: int, task_config, launch: Launch,
                      name: str, api=None) -> None:
    if not launch.staging_uri.startswith("s3://"):
        raise ConfigError(f"a TrainJob needs an s3:// staging URI (PAPERLINE_STAGING_URI), got "
                          f"{launch.staging_uri!r}: its pods share no volume with this step")
    if not launch.trainer_image:
        raise ConfigError("no trainer image for the TrainJob (PAPERLINE_CUDA_IMAGE)")
    base = f"{launch.staging_uri.rstrip('/')}/{name}"
    print(f"staging {dataset}/train at {base}/data", flush=True)
    publish_dir(Path(dataset) / "train", f"{base}/data/train")
    try:
        manifest = trainjob_manifest(
            name, launch.trainer_image, ENTRY,
            entry_args(f"{base}/data", f"{base}/out", json.dumps(asdict(cfg)), image_size),
            nodes=launch.nodes, resources=task_config.resources, env=task_config.env,
            node_selector=task_config.node_selector, tolerations=task_config.tolerations,
            labels={"paperline.dev/role": "pipeline"})
        run_trainjob(manifest, namespace(launch.namespace), api=api, timeout_s=launch.timeout_s, poll_s=launch.poll_s)
        fetch_dir(f"{base}/out", out)
    finally:
        delete_dir(f"{base}/data/train")
        delete_dir(f"{base}/out")


def train_distributed(dataset: str, model_path: str, cfg: FaceTrainConfig, paper: str, kfp_run_id: str,
                      data_meta: dict, image_size: int, task_config, launch: Launch,
                      api=None, run_name: str = "", report_path: str = "") -> tuple[str, list[dict]]:
    """Trains through a TrainJob or local torchrun; saves the model like `face.stages.train` and returns
    (MLflow run id, history). Nothing is written to `model_path` unless training finished."""
    cfg.check()
    launch.check()
    spec = get_paper(paper)
    if spec.trainer is not None:
        raise ConfigError(f"{paper} has its own single-process trainer; compile it without PAPERLINE_TRAIN_NODES")
    cluster = on_cluster(task_config)
    how = f"TrainJob, {launch.nodes} node(s)" if cluster else f"torchrun --standalone, {launch.local_procs} process(es)"
    params = {**asdict(cfg), "image_size": image_size, "nodes": launch.nodes if cluster else 1,
              "procs_per_node": "auto" if cluster else launch.local_procs}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name,
                                  tags={"launcher": "trainjob" if cluster else "torchrun"},
                                  checkpoints=False) as run:  # torchrun's workers write their own output
        print(f"training {paper} through {how}", flush=True)
        with tempfile.TemporaryDirectory(prefix="paperline-launch-") as tmp:
            out = Path(tmp) / "out"
            log_figures(run, spec, cfg, tmp)
            if cluster:
                _train_on_cluster(dataset, out, cfg, image_size, task_config, launch, job_name(paper), api)
            else:
                run_torchrun_local(ENTRY, entry_args(dataset, str(out), json.dumps(asdict(cfg)), image_size),
                                   launch.local_procs)
            history = json.loads((out / "history.json").read_text())
            load_model(out / "model.pt")  # a model, not a truncated file
            for rec in history:
                run.log_metrics(rec, step=rec["epoch"])
            diagnose(run, history, cfg, Path(tmp), report_path)
            Path(model_path).parent.mkdir(parents=True, exist_ok=True)
            tmp_model = Path(f"{model_path}.tmp")
            shutil.copyfile(out / "model.pt", tmp_model)
            tmp_model.rename(model_path)
    return run.id, history
