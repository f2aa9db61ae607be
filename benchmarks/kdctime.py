"""KDCTime's table on the UCR datasets sktime bundles: accuracy of InceptionTime (5-net teacher), one
Inception net, LSTime, KDTime, KDCT, KDCR and ROCKET, and inference time per series of the student, the
teacher and ROCKET measured side by side in one process on the same core(s).

Per dataset and seed: the 5 teacher members train on one-hot targets (member 1 is the "single Inception"
row), the students train on their targets at the same epochs; a calibrated student whose targets equal
KDTime's (the teacher mis-predicts no training series) is KDTime's model and is not trained twice.
ROCKET: aeon RocketClassifier, 10,000 kernels, RidgeClassifierCV, n_jobs=1.
Usage: python benchmarks/kdctime.py [--root data/ucr] [--datasets GunPoint,...] [--seeds 3]
       [--epochs 40] [--epochs-for OSULeaf=20,ACSF1=20] [--threads 1] [--out docs/results/kdctime-cpu.json]
       python benchmarks/kdctime.py --timing all --out docs/results/kdctime-inference-cpu.json  (inference only)
Needs numpy/torch/aeon/matplotlib only (PYTHONPATH=src works on a GPU box without the MLOps stack).
"""

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from paperline.timeseries import inception as T
from paperline.timeseries import kdctime as K
from paperline.timeseries.build import BUNDLED, sktime_data_dir

METHODS = ["InceptionTime", "Inception", "LSTime", "KDTime", "KDCT", "KDCR", "ROCKET"]


def run_one(ds, cfg: T.TSConfig, kernels: int) -> dict:
    rec, times = {}, {}
    t0 = time.perf_counter()
    members = [K.train_member(ds, cfg, m)[0] for m in range(cfg.members)]
    times["teacher_train_s"] = time.perf_counter() - t0
    teacher = T.Ensemble(members).eval()
    rec["InceptionTime"] = K.accuracy(T.predict_logits(teacher, ds.Xt), ds.yt)
    rec["Inception"] = K.accuracy(T.predict_logits(members[0], ds.Xt), ds.yt)
    q = K.teacher_soft_labels(members, ds.X, cfg.tau)
    students, calib = {}, {}
    for name, variant in (("LSTime", "ls"), ("KDTime", "kd"), ("KDCT", "kdct"), ("KDCR", "kdcr")):
        targets, tau, stats = T.targets_for(variant, ds.y, ds.k, cfg, q)
        calib[name] = stats
        if variant in ("kdct", "kdcr") and stats["mispredicted"] == 0:
            students[name] = students["KDTime"]  # identical targets, identical seed: the same model
        else:
            t0 = time.perf_counter()
            students[name] = K.train_student(ds, targets, tau, replace(cfg, variant=variant))[0]
            times[f"{name}_train_s"] = time.perf_counter() - t0
        rec[name] = K.accuracy(T.predict_logits(students[name], ds.Xt), ds.yt)
    t0 = time.perf_counter()
    rocket = K.fit_rocket(ds.X, ds.y, kernels, cfg.seed)
    times["rocket_fit_s"] = time.perf_counter() - t0
    rec["ROCKET"] = float((K.rocket_predict(rocket, ds.Xt) == ds.yt).mean())
    student = students["KDCT"]
    ms = K.inference_ms(student, teacher, rocket, ds.Xt)
    inf = {"student": ms["student"] / 1e3, "teacher": ms["teacher"] / 1e3, "rocket": ms["ROCKET"] / 1e3}
    return {"accuracy": rec, "calibration": {k: v for k, v in calib.items() if v}, "train_times": times,
            "inference_s_per_series": inf, "speedup_vs_rocket": inf["rocket"] / inf["student"],
            "speedup_vs_teacher": inf["teacher"] / inf["student"]}


def timing(root, names: list[str], kernels: int, threads: int) -> dict:
    """Inference time per series alone on a quiet machine: it depends on the architecture, not on the
    weights, so untrained nets (and a ROCKET fitted on the training split) give the same figures."""
    out = {}
    for name in names:
        ds = K.load(root, name)
        torch.manual_seed(0)
        dev = T.device()  # the nets on the GPU where there is one (the paper's setting), ROCKET on the CPU
        student = T.InceptionNet(ds.k).eval().to(dev)
        teacher = T.Ensemble([T.InceptionNet(ds.k) for _ in range(5)]).eval().to(dev)
        rocket = K.fit_rocket(ds.X, ds.y, kernels, 0)
        length = int(ds.X.shape[-1])
        macs = {"student": K.inception_macs(student, length), "ROCKET": K.rocket_macs(rocket, length)}
        out[name] = {"device": str(dev), "length": length, "test": len(ds.yt), "student_macs": macs["student"],
                     "rocket_macs": macs["ROCKET"], "mac_ratio": macs["student"] / macs["ROCKET"]}
        for batch in K.BATCHES:
            ms = K.inference_ms(student, teacher, rocket, ds.Xt, batch)
            out[name][f"batch_{batch}"] = {**{f"{k.lower()}_ms": v for k, v in ms.items()},
                                           "rocket_over_student": ms["ROCKET"] / ms["student"],
                                           "teacher_over_student": ms["teacher"] / ms["student"]}
            print(f"{name} (L={length}, batch {batch}, {threads} thread(s)): student {ms['student']:.3f} ms, "
                  f"teacher {ms['teacher']:.3f} ms, ROCKET {ms['ROCKET']:.3f} ms per series -> ROCKET / student "
                  f"{ms['ROCKET'] / ms['student']:.1f}×; MACs student {macs['student']:,} ROCKET {macs['ROCKET']:,} "
                  f"({macs['student'] / macs['ROCKET']:.1f}×)", flush=True)
    return out


def summarise(results: dict) -> dict:
    out = {}
    for name, runs in results.items():
        acc = {m: [r["accuracy"][m] for r in runs] for m in METHODS}
        out[name] = {"seeds": len(runs),
                     "accuracy_mean": {m: float(np.mean(v)) for m, v in acc.items()},
                     "accuracy_std": {m: float(np.std(v)) for m, v in acc.items()},
                     "student_ms": float(np.median([r["inference_s_per_series"]["student"] for r in runs]) * 1e3),
                     "teacher_ms": float(np.median([r["inference_s_per_series"]["teacher"] for r in runs]) * 1e3),
                     "rocket_ms": float(np.median([r["inference_s_per_series"]["rocket"] for r in runs]) * 1e3),
                     "speedup_vs_rocket": float(np.median([r["speedup_vs_rocket"] for r in runs])),
                     "mispredicted_share": float(np.mean([r["calibration"].get("KDCT", {}).get(
                         "mispredicted_share", 0.0) for r in runs]))}
    return out


def table(summary: dict) -> str:
    lines = ["| dataset | seeds | " + " | ".join(METHODS) + " | student ms | ROCKET ms | ROCKET / student |",
             "|---|---|" + "---|" * (len(METHODS) + 3)]
    for name, s in summary.items():
        accs = " | ".join(f"{s['accuracy_mean'][m]:.3f} ± {s['accuracy_std'][m]:.3f}" if s["seeds"] > 1 else
                          f"{s['accuracy_mean'][m]:.3f}" for m in METHODS)
        lines.append(f"| {name} | {s['seeds']} | {accs} | {s['student_ms']:.3f} | {s['rocket_ms']:.3f} | "
                     f"{s['speedup_vs_rocket']:.1f}× |")
    acc = np.array([[s["accuracy_mean"][m] for m in METHODS] for s in summary.values()])
    lines.append("| mean accuracy | | " + " | ".join(f"{v:.3f}" for v in acc.mean(0)) + " | | | |")
    lines.append("| average rank | | " + " | ".join(f"{v:.2f}" for v in K.average_ranks(acc)) + " | | | |")
    return "\n".join(lines)


def plot(summary: dict, out: Path, title: str) -> None:
    from paperline.core.figures import figure, save_png

    names = list(summary)
    fig, (a, b) = figure(1, 2, figsize=(13, 4.2), gridspec_kw={"width_ratios": [3, 1.4]})
    w = 0.8 / len(METHODS)
    for i, m in enumerate(METHODS):
        a.bar(np.arange(len(names)) + i * w, [summary[n]["accuracy_mean"][m] for n in names], w,
              yerr=[summary[n]["accuracy_std"][m] for n in names], label=m, capsize=2)
    a.set_xticks(np.arange(len(names)) + 0.4 - w / 2, names)
    a.set_ylim(0, 1.05)
    a.set_ylabel("test accuracy")
    a.legend(ncol=4, fontsize=8, loc="lower left")
    a.set_title(title)
    for j, (key, label) in enumerate((("student_ms", "student (1 net)"), ("teacher_ms", "teacher (5 nets)"),
                                      ("rocket_ms", "ROCKET"))):
        b.bar(np.arange(len(names)) + j * 0.27, [summary[n][key] for n in names], 0.27, label=label)
    b.set_yscale("log")
    b.set_xticks(np.arange(len(names)) + 0.27, names, rotation=30, fontsize=8)
    b.set_ylabel("inference ms per series (log)")
    b.legend(fontsize=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, out, dpi=110)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="")
    ap.add_argument("--datasets", default=",".join(d for d in BUNDLED if d != "PLAID"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--epochs-for", default="", help="per-dataset epochs, e.g. OSULeaf=20,ACSF1=20")
    ap.add_argument("--seeds-for", default="", help="per-dataset seeds, e.g. OSULeaf=1")
    ap.add_argument("--kernels", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="docs/results/kdctime-cpu.json")
    ap.add_argument("--plot", default="docs/figures/kdctime-cpu.png")
    ap.add_argument("--timing", default="", help="only time inference (student, teacher, ROCKET) on these "
                    "datasets, e.g. all; writes --out")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    root = Path(args.root) if args.root else (Path("data/ucr") if Path("data/ucr").is_dir() else sktime_data_dir())
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else f"CPU, {args.threads} thread(s)"
    if args.timing:
        names = BUNDLED if args.timing == "all" else args.timing.split(",")
        res = timing(root, names, args.kernels, args.threads)
        Path(args.out).write_text(json.dumps({"device": device, "kernels": args.kernels, "timing": res}, indent=2))
        return
    per_epochs = dict(kv.split("=") for kv in args.epochs_for.split(",") if kv)
    per_seeds = dict(kv.split("=") for kv in args.seeds_for.split(",") if kv)
    out = Path(args.out)
    results = json.loads(out.read_text())["runs"] if out.exists() else {}
    for name in args.datasets.split(","):
        ds = K.load(root, name)
        epochs = int(per_epochs.get(name, args.epochs))
        runs = results.setdefault(name, [])
        for seed in range(len(runs), int(per_seeds.get(name, args.seeds))):
            cfg = T.TSConfig(epochs=epochs, seed=seed)
            t0 = time.perf_counter()
            r = run_one(ds, cfg, args.kernels)
            r.update(seed=seed, epochs=epochs, wall_s=time.perf_counter() - t0)
            runs.append(r)
            print(f"{name} seed {seed} ({epochs} epochs, {r['wall_s']:.0f} s): "
                  + ", ".join(f"{m} {r['accuracy'][m]:.3f}" for m in METHODS)
                  + f"; ROCKET/student inference {r['speedup_vs_rocket']:.1f}×", flush=True)
            summary = summarise(results)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"device": device, "kernels": args.kernels, "tau": cfg.tau, "lam": cfg.lam,
                                       "eps": cfg.eps, "summary": summary, "runs": results}, indent=2))
    summary = summarise(results)
    print(table(summary))
    plot(summary, Path(args.plot), f"KDCTime family vs ROCKET, UCR (sktime-bundled), {device}")


if __name__ == "__main__":
    main()
