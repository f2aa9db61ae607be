"""What resume costs: the checkpoint the shared epoch loop writes after every epoch, per trainer, at
the embedded settings (synthetic data of the embedded sizes): its size, the time to write and read it,
and one epoch's training time beside it.

    python benchmarks/checkpoint_overhead.py [--out docs/results/checkpoint-overhead-cpu.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from paperline.core.checkpoint import load_file, save_atomic


def trainers():
    """(name, trainer) at each family's embedded setting."""
    rng = np.random.default_rng(0)
    from paperline.core.papers import get_paper
    from paperline.face.train import FaceTrainer
    from paperline.landmarks.pipnet import LandmarkTrainer
    from paperline.parsing.bspnet import ParsingTrainer
    from paperline.timeseries.inception import InceptionTrainer, one_hot

    face = get_paper("mv-softmax").train_config({"threads": 2})
    yield "face (MobileFaceNet 0.5, 64 px, 200 ids, 3,200 images)", FaceTrainer(
        rng.integers(0, 255, (3200, 64, 64, 3), dtype=np.uint8), np.arange(3200) % 200, face)
    lm = get_paper("jd-landmark").train_config({"threads": 2})
    yield "landmarks (PIPNet width 16, 128 px, 2,000 faces)", LandmarkTrainer(
        rng.integers(0, 255, (2000, 128, 128, 3), dtype=np.uint8), rng.uniform(10, 118, (2000, 106, 2)), lm)
    pa = get_paper("lapa").train_config({"threads": 2})
    yield "parsing (BSPNet width 8, 64 px, 2,000 faces)", ParsingTrainer(
        rng.integers(0, 255, (2000, 64, 64, 3), dtype=np.uint8), rng.integers(0, 11, (2000, 64, 64)).astype(np.uint8),
        rng.uniform(5, 59, (2000, 106, 2)), pa)
    ts = get_paper("kdctime").train_config({"threads": 2})
    X, y = rng.normal(size=(50, 1, 150)).astype(np.float32), np.arange(50) % 2
    yield "InceptionTime member (GunPoint size: 50 x 150)", InceptionTrainer(X, y, one_hot(y, 2), ts, 0, 1.0, 1.0,
                                                                            "bench")


def measure(trainer, repeats: int = 5) -> dict:
    t0 = time.perf_counter()
    trainer.train_epoch(0, lambda **_: None)
    epoch_s = time.perf_counter() - t0
    state = {"config": {}, "epoch": 1, "history": [], "trainer": trainer.state_dict(),
             "torch_rng": torch.get_rng_state()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "checkpoint.pt"
        writes, reads = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            save_atomic(state, path)
            writes.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            load_file(path)
            reads.append(time.perf_counter() - t0)
        size = path.stat().st_size
    write = statistics.median(writes)
    return {"checkpoint_mb": size / 2**20, "write_ms": write * 1e3, "read_ms": statistics.median(reads) * 1e3,
            "epoch_s": epoch_s, "overhead_share": write / epoch_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/results/checkpoint-overhead-cpu.json")
    a = ap.parse_args()
    torch.set_num_threads(2)
    rows = {}
    for name, trainer in trainers():
        rows[name] = measure(trainer)
        r = rows[name]
        print(f"{name}: checkpoint {r['checkpoint_mb']:.1f} MB, write {r['write_ms']:.0f} ms, read "
              f"{r['read_ms']:.0f} ms; one epoch {r['epoch_s']:.2f} s -> {r['overhead_share']:.2%} of it", flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"machine": "project CPU machine (2 cores)", "results": rows}, indent=1))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
