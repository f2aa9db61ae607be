"""A family's trainer on small synthetic data, with a work dir (checkpoint and resume), as its own
process: `python train_script.py FAMILY WORK_DIR OUT` writes the final weights to OUT. The resume
test kills it mid-run and starts it again."""

import sys
from pathlib import Path

import numpy as np
import torch


def main(family: str, work: str, out: str) -> None:
    rng = np.random.default_rng(0)
    if family == "face":
        from paperline.face.train import FaceTrainConfig, train_face

        cfg = FaceTrainConfig(backbone="mobilefacenet", width=0.25, input_size=32, embedding_size=16, head="mv_am",
                              epochs=6, batch_size=16, lr=0.05, warmup_epochs=0.5, threads=1)
        images, labels = rng.integers(0, 255, (96, 32, 32, 3), dtype=np.uint8), np.arange(96) % 8
        model, history = train_face(images, labels, cfg, work)
    elif family == "f2c":
        from paperline.face.f2c import F2CTrainConfig, train_f2c

        cfg = F2CTrainConfig(width=0.25, input_size=32, embedding_size=16, epochs=6, batch_size=8, pool_size=12,
                             lr=0.05, threads=1)
        images, labels = rng.integers(0, 255, (96, 32, 32, 3), dtype=np.uint8), np.arange(96) % 12
        model, history = train_f2c(images, labels, cfg, work)
    elif family == "landmarks":
        from paperline.landmarks.pipnet import LandmarkConfig, train_landmarks

        cfg = LandmarkConfig(input_size=64, width=4, epochs=6, batch_size=8, threads=1)
        crops, pts = rng.integers(0, 255, (48, 64, 64, 3), dtype=np.uint8), rng.uniform(8, 56, (48, 106, 2))
        model, history = train_landmarks(crops, pts, cfg, work_dir=work)
    elif family == "timeseries":
        from paperline.timeseries.inception import TSConfig, one_hot, train_net

        cfg = TSConfig(epochs=40, depth=3, filters=4, batch_size=8, threads=1)
        X, y = rng.normal(size=(60, 1, 48)).astype(np.float32), np.arange(60) % 2
        model, history = train_net(X, y, one_hot(y, 2), cfg, seed=1, work_dir=work)
    else:
        raise SystemExit(f"unknown family {family}")
    torch.save({k: v.clone() for k, v in model.state_dict().items()}, out)
    Path(out + ".epochs").write_text(str(len(history)))


if __name__ == "__main__":
    main(*sys.argv[1:])
