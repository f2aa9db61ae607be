"""PoseFace against its plain backbone (and two ablations) on the frontal-heavy embedded set, 3 seeds.

Variants, all from PoseFace's embedded config and the same data:
  plain        the backbone with the plain CosFace head (m = m0): no pose branch, no adaptive margin
  poseface     landmark pose, id/pose split + orthogonality + pose regression, adaptive margin, weights
  margin-only  the pose-adaptive margin and weights, without the pose branch losses
  split-only   the id/pose split and its losses, with the plain margin and no weights
Reports 10-fold accuracy on all pairs, accuracy by yaw bucket, the frontal-profile protocol, and the
landmark yaw estimator's error on the held-out verification images. Needs only numpy/torch/opencv/
sklearn/matplotlib (PYTHONPATH=src), so it also runs on a GPU box without the MLOps stack.
Usage: python benchmarks/poseface.py [--data data/face-pose] [--seeds 3] [--epochs N] [--device auto]
       [--variants plain,poseface,...] [--out docs/results/poseface.json] [--plot docs/figures/poseface-yaw.png]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import yaml

from paperline.core.config import parse_sets
from paperline.core.device import pick_device
from paperline.core.papers import get_paper
from paperline.face.build import FaceDataConfig, build_face_dataset
from paperline.face.formats import list_image_folder
from paperline.face.pose import YawEstimator, bucket_of, load_landmarks, recorded_yaw, yaw_ratio
from paperline.face.poseface import load_pose_train_set
from paperline.face.stages import model_metrics
from paperline.face.train import train_face

VARIANTS = {
    "plain": {"head": "cosface"},
    "poseface": {},
    "margin-only": {"ortho_weight": 0.0, "pose_weight": 0.0},
    "split-only": {"pose_lambda": 0.0, "pose_weighting": False},
}
SHOWN = ["verification_accuracy", "accuracy_yaw_0_30", "accuracy_yaw_30_60", "accuracy_yaw_60_90",
         "frontal_profile_accuracy"]


def estimator_error(data: Path) -> dict:
    """Calibrate on the training landmarks, measure on the verification images (never seen)."""
    fit = {}
    for split in ("train", "verify"):
        d = data / split
        paths, _, _ = list_image_folder(d / "images")
        r = yaw_ratio(load_landmarks(paths, d / "images", d / "landmarks", "benchmark"))
        yaw = recorded_yaw(d, paths)
        if split == "train":
            est = YawEstimator().fit(r, yaw)
            fit["c"] = est.c
        err = np.abs(est.predict(r) - yaw)
        fit[f"{split}_mae_deg"] = float(err.mean())
        fit[f"{split}_mae_by_bucket"] = [float(err[bucket_of(yaw) == k].mean()) for k in range(3)]
        fit[f"{split}_bucket_agreement"] = float((bucket_of(est.predict(r)) == bucket_of(yaw)).mean())
    return fit


def plot(summary: dict, out: Path, title: str):
    from paperline.core.figures import figure, save_png

    labels = ["all pairs", "|yaw| 0-30°", "30-60°", "60-90°", "frontal-profile"]
    fig, ax = figure(figsize=(8, 4), dpi=120)
    width = 0.8 / len(summary)
    for i, (name, s) in enumerate(summary.items()):
        mean = [s[k][0] for k in SHOWN]
        std = [s[k][1] for k in SHOWN]
        ax.bar(np.arange(len(SHOWN)) + (i - (len(summary) - 1) / 2) * width, mean, width, yerr=std, capsize=2,
               label=name)
    ax.set_xticks(np.arange(len(SHOWN)), labels)
    lo = min(s[k][0] for s in summary.values() for k in SHOWN)
    ax.set_ylim(max(0.0, lo - 0.1), 1.0)
    ax.set_ylabel("verification accuracy (mean ± std over seeds)")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/face-pose")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--set", dest="sets", action="append", default=[], help="training config key=value")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default="docs/results/poseface.json")
    ap.add_argument("--plot", default="docs/figures/poseface-yaw.png")
    ap.add_argument("--work", default="/tmp/paperline-poseface")
    a = ap.parse_args()
    data = Path(a.data)
    if not (data / "dataset.json").exists():
        params = yaml.safe_load(Path("params.yaml").read_text())["face_pose_data"]
        print(f"building the frontal-heavy face set at {data}", flush=True)
        build_face_dataset(data, FaceDataConfig(**params))
    fit = estimator_error(data)
    print("yaw estimator:", json.dumps(fit), flush=True)
    x, y, extra = load_pose_train_set(data / "train")
    device = pick_device(a.device)
    paper = get_paper("poseface")
    rows = []
    for name in a.variants.split(","):
        for seed in range(a.seeds):
            cfg = paper.train_config({**parse_sets(a.sets), **VARIANTS[name], "seed": seed, "device": str(device),
                                      **({"epochs": a.epochs} if a.epochs else {})})
            work = f"{a.work}/{name}-{seed}"
            t = time.perf_counter()
            if cfg.head == "poseface":
                model, hist = paper.trainer(x, y, cfg, work, resume=False, **extra)
            else:
                model, hist = train_face(x, y, cfg, work, resume=False)
            metrics = model_metrics(model.to(device), str(data))
            rows.append({"variant": name, "seed": seed, "seconds": time.perf_counter() - t,
                         **{k: metrics.get(k, float("nan")) for k in SHOWN},
                         **{k: hist[-1][k] for k in ("ortho", "pose_mse") if k in hist[-1]}})
            print(json.dumps(rows[-1]), flush=True)
    summary = {}
    for name in a.variants.split(","):
        r = [row for row in rows if row["variant"] == name]
        summary[name] = {k: (float(np.mean([row[k] for row in r])), float(np.std([row[k] for row in r])))
                         for k in [*SHOWN, "seconds"]}
    epochs = a.epochs or paper.embedded["epochs"]
    out = {"device": str(device), "data": str(data), "epochs": epochs, "sets": a.sets, "seeds": a.seeds,
           "config": paper.embedded, "yaw_estimator": fit, "runs": rows, "summary": summary}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))
    if a.plot:
        plot(summary, Path(a.plot), f"PoseFace vs plain backbone, {epochs} epochs, {a.seeds} seeds ({device.type})")
    print("| variant | all pairs | |yaw| 0-30° | 30-60° | 60-90° | frontal-profile | s/run |")
    print("|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        cells = " | ".join(f"{s[k][0] * 100:.2f} ± {s[k][1] * 100:.2f}" for k in SHOWN)
        print(f"| {name} | {cells} | {s['seconds'][0]:.0f} |")


if __name__ == "__main__":
    main()
