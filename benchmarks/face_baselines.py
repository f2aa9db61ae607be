"""Softmax vs CosFace vs ArcFace vs the MV-Softmax variants on the same embedded data, 3 seeds each.

Trains with a paper's embedded config (--paper, default mv-softmax), changing only the head and its
symbols, and reports 10-fold verification accuracy, TAR@FAR=1e-3, rank-1 and the last epoch's collapse
diagnostics (paperline.face.diagnostics) as mean ± std. A variant is LABEL:HEAD[,key=value...]; the
default set is the paper's adaptive MV-AM (t = 0.2), the fixed one, FaceX-Zoo's (t = 0.12, margin only
where cos θ_y > m), and the baselines (ArcFace at its paper's m = 0.5). Needs only numpy/torch/opencv,
so it also runs on a GPU box without the MLOps stack (PYTHONPATH=src).
Usage: python benchmarks/face_baselines.py --data data/face [--paper P] [--variant LABEL:HEAD,k=v ...]
       [--heads softmax,arcface] [--seeds 3] [--device auto] [--epochs N] [--out docs/results/baselines.json]
       python benchmarks/face_baselines.py --out RESULT.json --plot docs/figures/diagnostics.png
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
from paperline.face.stages import impostor_pairs
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


VARIANTS = ["softmax:softmax", "cosface:cosface,m=0.35", "arcface:arcface,m=0.5",
            "mv_am adaptive t=0.2:mv_am,adaptive=true,t=0.2",
            "mv_am fixed t=0.2:mv_am,adaptive=false,t=0.2",
            "mv_am FaceX-Zoo t=0.12:mv_am,adaptive=true,t=0.12,easy_threshold=0.35"]
DIAGNOSTICS = ("target_cosine", "hard_share", "probe_mean_norm", "impostor_cosine")


def variant(spec: str) -> tuple[str, dict]:
    """'LABEL:HEAD,k=v,...' (or just 'HEAD,k=v,...') -> (label, config overrides)."""
    label, _, rest = spec.rpartition(":")
    head, *kv = rest.split(",")
    return (label or rest), {"head": head, **parse_sets(kv)}


def plot(result: dict, out: str) -> None:
    """The four collapse diagnostics per epoch, one line per variant (mean over its seeds)."""
    from paperline.core.figures import figure, save_png
    from paperline.face.plots import DIAGNOSTICS as PANELS

    fig, axes = figure(2, 2, figsize=(11, 7), dpi=110)
    for label in result["summary"]:
        runs = [r for r in result["runs"] if r["head"] == label]
        for ax, (key, title, line) in zip(axes.flat, PANELS):
            curves = np.array([r["curves"][key] for r in runs], dtype=float)
            ax.plot(np.arange(1, curves.shape[1] + 1), np.nanmean(curves, 0), marker="o", ms=3, label=label)
            ax.set_title(title, fontsize=10)
            if line is not None:
                ax.axhline(line, color="tab:red", ls="--", lw=0.8)
    for ax in axes.flat:
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(f"Collapse diagnostics per head, mean of {result['seeds']} seeds (red: the warning's lines)")
    print(f"wrote {save_png(fig, out)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/face")
    ap.add_argument("--paper", default="mv-softmax")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="training config key=value")
    ap.add_argument("--variant", dest="variants", action="append", default=[], help="LABEL:HEAD[,key=value...]")
    ap.add_argument("--heads", default="", help="plain heads with the paper's symbols (instead of --variant)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out", default="docs/results/baselines.json")
    ap.add_argument("--work", default="/tmp/paperline-baselines")
    ap.add_argument("--plot", default="", help="draw the diagnostics of an earlier --out file to this PNG and stop")
    a = ap.parse_args()
    if a.plot:
        return plot(json.loads(Path(a.out).read_text()), a.plot)
    data = Path(a.data)
    if not (data / "dataset.json").exists():
        print(f"building the embedded face set at {data}", flush=True)
        build_face_dataset(data, FaceDataConfig(pairs_per_fold=300))
    x, y = load_train_set(data / "train")
    device = pick_device(a.device)
    paper = get_paper(a.paper)
    specs = [variant(v) for v in a.variants] or ([(h, {"head": h}) for h in a.heads.split(",")] if a.heads else
                                                [variant(v) for v in VARIANTS])
    impostors = impostor_pairs(str(data), 112)
    rows = []
    for label, sets in specs:
        for seed in range(a.seeds):
            cfg = paper.train_config({**parse_sets(a.sets), **sets, "seed": seed, "device": str(device),
                                      **({"epochs": a.epochs} if a.epochs else {})})
            t = time.perf_counter()
            work = f"{a.work}/{label.replace(' ', '_')}-{seed}"
            if paper.trainer:
                model, hist = paper.trainer(x, y, cfg, work, impostors=impostors)
            else:
                model, hist = train_face(x, y, cfg, work, resume=False, impostors=impostors)
            m = evaluate(model, data, device)
            rows.append({"head": label, "sets": sets, "seed": seed, "seconds": time.perf_counter() - t, **m,
                         **{k: hist[-1][k] for k in DIAGNOSTICS if k in hist[-1]},
                         "curves": {k: [r.get(k) for r in hist] for k in DIAGNOSTICS}})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "curves"}), flush=True)
    summary = {}
    for label, _ in specs:
        r = [row for row in rows if row["head"] == label]
        summary[label] = {k: (float(np.mean([row[k] for row in r])), float(np.std([row[k] for row in r])))
                          for k in ("accuracy", "tar@far=1e-3", "rank1", "seconds", *DIAGNOSTICS) if k in r[0]}
    out = {"device": str(device), "paper": paper.name, "sets": a.sets,
           "config": paper.embedded | ({"epochs": a.epochs} if a.epochs else {}),
           "seeds": a.seeds, "runs": rows, "summary": summary}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))
    print("| head | verification acc | TAR@FAR=1e-3 | rank-1 | target cos | hard share | probe norm | impostor cos "
          "| s/run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for head, s in summary.items():
        diag = " | ".join(f"{s[k][0]:.2f}" if k in s else "-" for k in DIAGNOSTICS)
        print(f"| {head} | {s['accuracy'][0]:.4f} ± {s['accuracy'][1]:.4f} | {s['tar@far=1e-3'][0]:.3f} ± "
              f"{s['tar@far=1e-3'][1]:.3f} | {s['rank1'][0]:.3f} ± {s['rank1'][1]:.3f} | {diag} | "
              f"{s['seconds'][0]:.0f} |")


if __name__ == "__main__":
    main()
