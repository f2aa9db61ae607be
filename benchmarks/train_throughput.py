"""Training throughput of the face trainer: images/s and peak memory per backbone at a batch size.

On CUDA this is the trainer's real path (bf16 autocast, channels_last, pinned memory, non-blocking
copies); on CPU it runs the same code. Usage:
  python benchmarks/train_throughput.py --backbones mobilefacenet,ir50 --batch 256 --steps 30 [--device auto]
"""

import argparse
import json
import time

import numpy as np
import torch

from paperline.core.device import pick_device
from paperline.face.train import FaceTrainConfig, train_face


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backbones", default="mobilefacenet,ir50")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--head", default="mv_am")
    a = ap.parse_args()
    device = pick_device(a.device)
    n = a.batch * a.steps  # one epoch = `steps` batches; the second epoch is the one measured
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (n, 112, 112, 3), dtype=np.uint8)
    labels = rng.integers(0, a.classes, n)
    labels[: min(n, a.classes)] = np.arange(min(n, a.classes))
    for name in a.backbones.split(","):
        cfg = FaceTrainConfig(backbone=name, width=1.0, input_size=112, embedding_size=512, head=a.head,
                              epochs=2, batch_size=a.batch, device=str(device), warmup_epochs=0)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        _, hist = train_face(images, labels, cfg, f"/tmp/paperline-throughput-{name}", resume=False)
        wall = time.perf_counter() - t
        peak = torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else float("nan")
        out = {"backbone": name, "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
               "batch": a.batch, "images_per_second": hist[-1]["images_per_second"], "head": a.head,
               "peak_gpu_mem_gib": peak,
               "wall_s": wall}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
