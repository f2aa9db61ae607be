"""MHLR against step and cosine schedules: time to a target verification accuracy.

Same data, model, head and seed for every schedule; only the learning-rate schedule and the epoch
budget change. Step and cosine get the full budget; MHLR gets the full budget and a quarter of it (the
paper's claim: a quarter of the training time within 1 % accuracy). Verification accuracy (10-fold)
is measured after every epoch outside the timed training. Target = best final accuracy of step/cosine
minus 1 point. Needs only numpy/torch/opencv (PYTHONPATH=src on a GPU box).
Usage: python benchmarks/schedules.py --data data/face --epochs 24 [--seeds 1] [--set k=v ...]
       [--out docs/results/schedules.json] [--plot docs/figures/schedules.png] [--replot RESULTS.json]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from face_baselines import evaluate  # noqa: E402

from paperline.core.config import parse_sets
from paperline.core.device import pick_device
from paperline.core.papers import get_paper
from paperline.face.formats import load_train_set
from paperline.face.train import train_face


def summarize(runs):
    """Per seed: target = the better final accuracy of step and cosine (full budget) minus 1 point."""
    rows = []
    for r in runs:
        full = [q["history"][-1]["verification_accuracy"] for q in runs
                if q["seed"] == r["seed"] and q["schedule"] in ("step", "cosine")]
        target = max(full) - 0.01 if full else None
        last = r["history"][-1]
        rows.append({"schedule": r["schedule"], "epochs": r["epochs"], "seed": r["seed"],
                     "final_accuracy": last["verification_accuracy"], "train_seconds": last["train_seconds"],
                     "final_lr": last["lr"], "target": target,
                     "seconds_to_target": time_to(r["history"], target, "train_seconds") if target else None,
                     "epochs_to_target": time_to(r["history"], target, "epoch") if target else None})
    return rows


def time_to(history, target, key):
    for rec in history:
        if rec["verification_accuracy"] >= target:
            return rec[key]
    return None


def plot(runs, target, path):
    from paperline.core.figures import figure, save_png

    fig, (ax1, ax2) = figure(1, 2, figsize=(11, 4), dpi=120)
    for r in runs:
        label = f"{r['schedule']} ({r['epochs']} ep, seed {r['seed']})"
        t = [h["epoch"] for h in r["history"]]
        ax1.plot(t, [h["verification_accuracy"] for h in r["history"]], marker="o", ms=3, label=label)
        ax2.plot(t, [h["lr"] for h in r["history"]], label=label)
    if target:
        ax1.axhline(target, color="grey", ls="--", lw=1, label="seed 0 target (better of step/cosine − 1 pt)")
    ax1.set_xlabel("epochs (the same cost per epoch for every schedule)")
    ax1.set_ylabel("verification accuracy (10-fold)")
    ax2.set_xlabel("epochs")
    ax2.set_ylabel("learning rate at epoch end")
    ax2.set_yscale("log")
    ax1.legend(fontsize=7)
    ax1.grid(alpha=0.3)
    ax2.grid(alpha=0.3)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/face")
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="training config key=value")
    ap.add_argument("--out", default="docs/results/schedules.json")
    ap.add_argument("--plot", default="docs/figures/schedules.png")
    ap.add_argument("--work", default="/tmp/paperline-schedules")
    ap.add_argument("--plan", help="schedule:epochs,... instead of step/cosine/mhlr at full and mhlr at 1/4")
    ap.add_argument("--replot", help="only redraw the plot from a results JSON written earlier")
    a = ap.parse_args()
    if a.replot:
        res = json.loads(Path(a.replot).read_text())
        runs = [r for r in res["runs"] if r["seed"] == 0]
        plot(runs, summarize(runs)[0]["target"], a.plot)
        return
    data = Path(a.data)
    x, y = load_train_set(data / "train")
    device = pick_device(a.device)
    quarter = max(1, a.epochs // 4)
    plan = [("step", a.epochs), ("cosine", a.epochs), ("mhlr", a.epochs), ("mhlr", quarter)]
    if a.plan:
        plan = [(p.split(":")[0], int(p.split(":")[1])) for p in a.plan.split(",")]
    runs = []
    for seed in range(a.seeds):
        for schedule, epochs in plan:
            cfg = get_paper("mhlr").train_config({**parse_sets(a.sets), "schedule": schedule, "epochs": epochs,
                                                  "seed": seed, "device": a.device})
            _, history = train_face(x, y, cfg, f"{a.work}/{schedule}-{epochs}-{seed}", resume=False,
                                    validate=lambda m: {"verification_accuracy": evaluate(m, data, device)["accuracy"]})
            runs.append({"schedule": schedule, "epochs": epochs, "seed": seed, "history": history})
            last = history[-1]
            print(f"{schedule:>6} {epochs:>3} ep seed {seed}: acc {last['verification_accuracy']:.4f} "
                  f"in {last['train_seconds']:.1f} s, final lr {last['lr']:.2e}", flush=True)
    summary = summarize(runs)
    for row in summary:
        print(row, flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"device": str(device), "config_sets": a.sets, "summary": summary,
                                       "runs": runs}, indent=1))
    print(f"wrote {a.out}")
    try:
        seed0 = [r for r in runs if r["seed"] == 0]
        plot(seed0, summarize(seed0)[0]["target"], a.plot)
        print(f"wrote {a.plot}")
    except ImportError:
        print("no matplotlib here: redraw with --replot", a.out)


if __name__ == "__main__":
    main()
