"""Does the distilled student keep up with its 5-net teacher? Per dataset and epoch budget: the teacher
ensemble's test accuracy, then KDCT students over a grid of temperature τ and soft-term weight λ,
each with the gap to the teacher in points. Same trainer, batch (64, as hfawaz/InceptionTime) and
seeds as the pipeline; one torch thread.
Usage: python benchmarks/kdctime_sweep.py [--datasets ItalyPowerDemand,GunPoint,ArrowHead] [--epochs 40,200]
       [--taus 1,2,4] [--lams 0.5,1] [--variant kdct] [--out docs/results/kdctime-sweep-cpu.json]
Needs numpy/torch only (PYTHONPATH=src).
"""

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from paperline.timeseries import inception as T
from paperline.timeseries import kdctime as K


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="data/ucr")
    ap.add_argument("--datasets", default="ItalyPowerDemand,GunPoint,ArrowHead")
    ap.add_argument("--epochs", default="40,200")
    ap.add_argument("--taus", default="1,2,4")
    ap.add_argument("--lams", default="0.5,1")
    ap.add_argument("--variant", default="kdct")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="docs/results/kdctime-sweep-cpu.json")
    a = ap.parse_args()
    rows = []
    for name in a.datasets.split(","):
        ds = K.load(a.root, name)
        for epochs in map(int, a.epochs.split(",")):
            cfg = T.TSConfig(epochs=epochs, threads=1, seed=a.seed, variant=a.variant)
            t0 = time.perf_counter()
            members = [K.train_member(ds, cfg, m)[0] for m in range(cfg.members)]
            teacher_s = time.perf_counter() - t0
            teacher = K.accuracy(T.predict_logits(T.Ensemble(members).eval(), ds.Xt), ds.yt)
            for tau in map(float, a.taus.split(",")):
                q = K.teacher_soft_labels(members, ds.X, tau)
                for lam in map(float, a.lams.split(",")):
                    run_cfg = replace(cfg, tau=tau, lam=lam)
                    targets, _, stats = T.targets_for(a.variant, ds.y, ds.k, run_cfg, q)
                    t0 = time.perf_counter()
                    student, _ = K.train_student(ds, targets, tau, run_cfg)
                    acc = K.accuracy(T.predict_logits(student, ds.Xt), ds.yt)
                    rows.append({"dataset": name, "epochs": epochs, "tau": tau, "lam": lam, "teacher": teacher,
                                 "student": acc, "gap_points": 100 * (teacher - acc),
                                 "mispredicted_share": stats.get("mispredicted_share", 0.0),
                                 "teacher_train_s": teacher_s, "student_train_s": time.perf_counter() - t0})
                    print(json.dumps(rows[-1]), flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps({"variant": a.variant, "seed": a.seed, "batch_size": T.TSConfig().batch_size,
                                       "rows": rows}, indent=2))
    print("| dataset | epochs | teacher | best student (τ, λ) | gap (points) | worst student | s per student |")
    print("|---|---|---|---|---|---|---|")
    for name in a.datasets.split(","):
        for epochs in map(int, a.epochs.split(",")):
            r = [x for x in rows if x["dataset"] == name and x["epochs"] == epochs]
            best, worst = max(r, key=lambda x: x["student"]), min(r, key=lambda x: x["student"])
            print(f"| {name} | {epochs} | {best['teacher']:.3f} | {best['student']:.3f} (τ {best['tau']:g}, "
                  f"λ {best['lam']:g}) | {best['gap_points']:.1f} | {worst['student']:.3f} | "
                  f"{sum(x['student_train_s'] for x in r) / len(r):.0f} |")


if __name__ == "__main__":
    main()
