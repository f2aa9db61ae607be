"""Where state lives and which servers to use, from standard environment names.

PAPERLINE_HOME (default ./.paperline) holds everything local: the sqlite MLflow store, its artifacts,
kfp.local outputs, generated data caches. Two runs with different homes share nothing.
MLFLOW_TRACKING_URI, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL and
MLFLOW_S3_ENDPOINT_URL are honoured as MLflow, boto3 and DVC honour them.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_IMAGE = "paperline/paperline-cpu:0.1.0"
DEFAULT_CUDA_IMAGE = "paperline/paperline-cuda:0.1.0"


def home() -> Path:
    p = Path(os.environ.get("PAPERLINE_HOME", ".paperline")).resolve()
    p.mkdir(parents=True, exist_ok=True)
    return p


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{home() / 'mlflow.db'}"


def artifact_root() -> str:
    """Where a new experiment stores artifacts when the tracking store is local sqlite."""
    return (home() / "mlartifacts").as_uri()


def s3_endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("MLFLOW_S3_ENDPOINT_URL")


def gpus() -> int:
    """GPUs per training step on the cluster (compile time; KFP cannot take it as a run parameter)."""
    return int(os.environ.get("PAPERLINE_GPUS", "0"))


def train_nodes() -> int:
    """0 (default): train inside the pipeline step. N >= 1: the step launches a Kubeflow Trainer
    TrainJob on N nodes (torchrun --standalone with PAPERLINE_LOCAL_PROCS processes under kfp.local)."""
    return int(os.environ.get("PAPERLINE_TRAIN_NODES", "0"))


def local_procs() -> int:
    return int(os.environ.get("PAPERLINE_LOCAL_PROCS", "2"))


def staging_uri() -> str:
    """Where the launcher hands the dataset and the model to and from TrainJob pods."""
    return os.environ.get("PAPERLINE_STAGING_URI", "s3://paperline/trainjobs")


def image(gpu: bool = False) -> str:
    """The image reference components use (registry/name:version). GPU steps use the CUDA image when
    the pipeline is compiled with GPUs, the CPU image otherwise."""
    if gpu and gpus() > 0:
        return os.environ.get("PAPERLINE_CUDA_IMAGE", DEFAULT_CUDA_IMAGE)
    return os.environ.get("PAPERLINE_IMAGE", DEFAULT_IMAGE)


def index_root() -> str:
    """Where pipelines publish item-to-item indexes: PAPERLINE_INDEX_ROOT (s3://bucket/prefix on a
    cluster), else a folder under the paperline home."""
    return os.environ.get("PAPERLINE_INDEX_ROOT") or str(home() / "indexes")


def cluster_compile() -> bool:
    """A compile for a cluster: `paperline compile --cluster` (PAPERLINE_CLUSTER=1), or PAPERLINE_IMAGE
    set (the image the pods run) unless PAPERLINE_CLUSTER=0 says otherwise."""
    flag = os.environ.get("PAPERLINE_CLUSTER")
    if flag is not None:
        return flag not in ("", "0")
    return bool(os.environ.get("PAPERLINE_IMAGE"))


@contextmanager
def compile_target(cluster: bool) -> Iterator[None]:
    """Builds pipelines for a cluster or for this machine while inside, whatever the environment says."""
    before = os.environ.get("PAPERLINE_CLUSTER")
    os.environ["PAPERLINE_CLUSTER"] = "1" if cluster else "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PAPERLINE_CLUSTER", None)
        else:
            os.environ["PAPERLINE_CLUSTER"] = before


def compile_time_defaults(data_path: str, names: set[str]) -> dict:
    """Pipeline defaults that come from settings at compile time. On a cluster compile the dataset
    location: PAPERLINE_DATA_REPO (the DVC repository's git URL) with PAPERLINE_DATA_REV, or
    PAPERLINE_DATA_ROOT (s3://bucket/prefix holding the checkout's data/ tree). PAPERLINE_INDEX_ROOT
    is where indexes are published."""
    out = {}
    if "index_root" in names and os.environ.get("PAPERLINE_INDEX_ROOT"):
        out["index_root"] = os.environ["PAPERLINE_INDEX_ROOT"]
    if cluster_compile():
        repo, root = os.environ.get("PAPERLINE_DATA_REPO", ""), os.environ.get("PAPERLINE_DATA_ROOT", "")
        if repo:
            out.update(data_repo=repo, data_rev=os.environ.get("PAPERLINE_DATA_REV", ""))
        elif root:
            out["data_path"] = f"{root.rstrip('/')}/{data_path}"
    return out


def pipeline_root() -> str | None:
    """Where KFP stores artifacts on the cluster, e.g. s3://paperline/pipeline-root (compile time)."""
    return os.environ.get("PAPERLINE_PIPELINE_ROOT") or None


def project_root() -> Path:
    """The checkout (for dvc.yaml, params.yaml); PAPERLINE_PROJECT overrides the cwd search."""
    if "PAPERLINE_PROJECT" in os.environ:
        return Path(os.environ["PAPERLINE_PROJECT"]).resolve()
    here = Path.cwd().resolve()
    for p in (here, *here.parents):
        if (p / "dvc.yaml").exists() and (p / "pyproject.toml").exists():
            return p
    return Path(__file__).resolve().parents[2]


def git_sha(root: Path | None = None) -> str:
    if os.environ.get("PAPERLINE_GIT_SHA"):
        return os.environ["PAPERLINE_GIT_SHA"]
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root or project_root(), capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
