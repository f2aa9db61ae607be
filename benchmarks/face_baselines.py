"""Softmax vs ArcFace vs MV-Softmax (and friends) on the same embedded data, 3 seeds each.

Trains with a paper's embedded config (--paper, default mv-softmax), changing only the head, and reports 10-fold
verification accuracy, TAR@FAR=1e-3 and rank-1 as mean ± std. Needs only numpy/torch/opencv, so it
also runs on a GPU box without the MLOps stack (PYTHONPATH=src).
Usage: python benchmarks/face_baselines.py --data data/face [--paper P] [--heads softmax,arcface,mv_am] [--seeds 3]
       [--device auto] [--epochs N] [--out docs/baselines.json]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from paperline.core.config import parse_sets
from paperline.core.device import pick_device
from paperline.core.papers import get_paper
from paperline.face.build import FaceDataConfig, build_face_dataset
from paperline.face.formats import list_image_folder, load_train_set, read_pairs
from paperline.face.train import embed_images, train_face
from paperline.face.verification import kfold_accuracy, pair_distances, tar_at_far
from paperline.faceimage.formats import read_image


def evaluate(model, data: Path, device):
    pairs = read_pairs(data / "verify" / "pairs.txt", data / "verify" / "images")
    paths, labels, _ = list_image_folder(data / "verify" / "images")
    pos = {p: i for i, p in enumerate(paths)}
    emb = embed_images(model, np.stack([read_image(p) for p in paths]))
    d = pair_distances(emb[[pos[p.left] for p in pairs]], emb[[pos[p.right] for p in pairs]])
    same, folds = np.array([p.same for p in pairs]), np.array([p.fold for p in pairs])
    first = {}
    for i, lab in enumerate(labels):
        first.setdefault(int(lab), i)
    gal = sorted(first.values())
    probes = [i for i in range(len(paths)) if i not in set(gal)]
    sims = emb[probes] @ emb[gal].T
    r1 = float(np.mean(labels[np.array(gal)][sims.argmax(1)] == labels[probes]))
    return {"accuracy": kfold_accuracy(d, same, folds)["accuracy"],
            "tar@far=1e-3": tar_at_far(d, same)["tar@far=0.001"], "rank1": r1}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/face")
    ap.add_argument("--paper", default="mv-softmax")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="training config key=value")
    ap.add_argument("--heads", default="softmax,arcface,mv_am")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default="docs/results/baselines.json")
    ap.add_argument("--work", default="/tmp/paperline-baselines")
    a = ap.parse_args()
    data = Path(a.data)
    if not (data / "dataset.json").exists():
        print(f"building the embedded face set at {data}", flush=True)
        build_face_dataset(data, FaceDataConfig(pairs_per_fold=300))
    x, y = load_train_set(data / "train")
    device = pick_device(a.device)
    paper = get_paper(a.paper)
    rows = []
    for head in a.heads.split(","):
        for seed in range(a.seeds):
            cfg = paper.train_config({**parse_sets(a.sets), "head": head, "seed": seed, "device": str(device),
                                      **({"epochs": a.epochs} if a.epochs else {})})
            t = time.perf_counter()
            if paper.trainer:
                model, hist = paper.trainer(x, y, cfg, f"{a.work}/{head}-{seed}")
            else:
                model, hist = train_face(x, y, cfg, f"{a.work}/{head}-{seed}", resume=False)
            m = evaluate(model, data, device)
            rows.append({"head": head, "seed": seed, "seconds": time.perf_counter() - t, **m})
            print(json.dumps(rows[-1]), flush=True)
    summary = {}
    for head in a.heads.split(","):
        r = [row for row in rows if row["head"] == head]
        summary[head] = {k: (float(np.mean([row[k] for row in r])), float(np.std([row[k] for row in r])))
                         for k in ("accuracy", "tar@far=1e-3", "rank1", "seconds")}
    out = {"device": str(device), "paper": paper.name, "sets": a.sets,
           "config": paper.embedded | ({"epochs": a.epochs} if a.epochs else {}),
           "seeds": a.seeds, "runs": rows, "summary": summary}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))
    print("| head | verification acc | TAR@FAR=1e-3 | rank-1 | s/run |")
    print("|---|---|---|---|---|")
    for head, s in summary.items():
        print(f"| {head} | {s['accuracy'][0]:.4f} ± {s['accuracy'][1]:.4f} | {s['tar@far=1e-3'][0]:.3f} ± "
              f"{s['tar@far=1e-3'][1]:.3f} | {s['rank1'][0]:.3f} ± {s['rank1'][1]:.3f} | {s['seconds'][0]:.0f} |")


if __name__ == "__main__":
    main()
