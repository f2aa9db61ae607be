"""The training entrypoint that torchrun and a Kubeflow Trainer TrainJob run:

    torchrun --standalone --nproc-per-node 2 -m paperline.face.train_entry --data DIR --out DIR --config '{...}'

Every process reads the same data; rank/world come from the env through init_process_group, so the
same command runs as 1 process, under torchrun on a laptop, or on N GPU nodes. Rank 0 writes
`model.pt` (the embedder's weights and config) and `history.json` into --out.

On a cluster --data and --out may be `s3://` URIs (the launcher stages the dataset there, because
TrainJob pods share no volume with the pipeline step): every process downloads `DATA/train` into a
node-local cache once, trains, and rank 0 publishes `--out` as a complete directory (`_SUCCESS` last).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from paperline.core.checkpoint import save_model
from paperline.core.config import build
from paperline.core.storage import fetch_dir, is_remote, publish_dir
from paperline.face.formats import load_train_set
from paperline.face.train import FaceTrainConfig, face_embedder, train_face

ENTRY = "paperline.face.train_entry"  # what torchrun and the TrainJob run (`-m`)


def entry_args(data: str, out: str, config_json: str, image_size: int = 112) -> list[str]:
    return ["--data", data, "--out", out, "--config", config_json, "--image-size", str(image_size)]


def local_data(data: str) -> Path:
    """The dataset root on this node; a remote one is downloaded once per node (atomic rename, so
    several processes of one node may race and all end up reading the same complete copy)."""
    if not is_remote(data):
        return Path(data)
    root = Path(tempfile.gettempdir()) / "paperline-data" / hashlib.md5(data.encode()).hexdigest()[:16]
    if not (root / "train").is_dir():
        tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
        fetch_dir(f"{data.rstrip('/')}/train", tmp / "train")
        try:
            tmp.rename(root)
        except OSError:  # another process of this node finished first
            shutil.rmtree(tmp, ignore_errors=True)
    return root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paperline.face.train_entry")
    ap.add_argument("--data", required=True, help="dataset root (with train/), a path or s3:// URI")
    ap.add_argument("--out", required=True, help="output directory (model.pt, history.json), a path or s3:// URI")
    ap.add_argument("--config", default="{}", help="FaceTrainConfig overrides as JSON")
    ap.add_argument("--image-size", type=int, default=112)
    ap.add_argument("--format", default="auto", choices=["auto", "rec", "folder"])
    a = ap.parse_args(argv)
    cfg = build(FaceTrainConfig, json.loads(a.config))
    images, labels = load_train_set(local_data(a.data) / "train", a.image_size, a.format)
    remote_out = is_remote(a.out)
    out = Path(tempfile.mkdtemp(prefix="paperline-out-")) if remote_out else Path(a.out)
    model, history = train_face(images, labels, cfg, out / "work", resume=True)
    if int(os.environ.get("RANK", "0")) == 0:
        out.mkdir(parents=True, exist_ok=True)
        save_model(model, out / "model.pt", face_embedder)
        (out / "history.json").write_text(json.dumps(history, indent=2))
        if remote_out:
            shutil.rmtree(out / "work", ignore_errors=True)
            publish_dir(out, a.out)
            print(f"published model.pt and history.json to {a.out}", flush=True)
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
