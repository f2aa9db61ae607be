"""The training entrypoint that torchrun and a Kubeflow Trainer TrainJob run:

    torchrun --standalone --nproc-per-node 2 -m paperline.train_entry --data DIR --out DIR --config '{...}'

Every process reads the same data; rank/world come from the env through init_process_group, so the
same command runs as 1 process, under torchrun on a laptop, or on N GPU nodes. Rank 0 writes
`model.pt` (the pickled FaceEmbedder) and `history.json` into --out.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch

from .config import build
from .data.face_formats import load_train_set
from .train import FaceTrainConfig, train_face


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paperline.train_entry")
    ap.add_argument("--data", required=True, help="dataset root (with train/)")
    ap.add_argument("--out", required=True, help="output directory (model.pt, history.json, work/)")
    ap.add_argument("--config", default="{}", help="FaceTrainConfig overrides as JSON")
    ap.add_argument("--image-size", type=int, default=112)
    ap.add_argument("--format", default="auto", choices=["auto", "rec", "folder"])
    a = ap.parse_args(argv)
    cfg = build(FaceTrainConfig, json.loads(a.config))
    images, labels = load_train_set(Path(a.data) / "train", a.image_size, a.format)
    out = Path(a.out)
    model, history = train_face(images, labels, cfg, out / "work", resume=True)
    if int(os.environ.get("RANK", "0")) == 0:
        torch.save(model, out / "model.pt")
        (out / "history.json").write_text(json.dumps(history, indent=2))
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
