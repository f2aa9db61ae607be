"""pts-tracking's speed and accuracy figures on this machine, one core per tracker (torch and OpenCV
at 1 thread): frames per second of the update calls (frame decoding left out) for every tracker,
beside its EAO, failures and success AUC on the embedded test sequences, over `--seeds` trainings of
the network (the OpenCV trackers are deterministic and run once).

Usage: python benchmarks/pts_tracking.py [--data data/sequences] [--seeds 3] [--out docs/results/pts-tracking-cpu.json]
"""

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from paperline.core.checkpoint import load_model
from paperline.core.device import set_threads
from paperline.tracker.config import OPENCV, TrackerConfig
from paperline.tracker.protocol import track_all
from paperline.tracker.stages import Truth, score_tracker, test_sequences
from paperline.tracker.train import train


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/sequences")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="docs/results/pts-tracking-cpu.json")
    args = ap.parse_args()
    set_threads(1)
    base = TrackerConfig()
    truth = Truth(args.data, base)
    seqs = test_sequences(args.data, base)
    rows: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            cfg = replace(base, seed=seed)
            model_file = Path(tmp) / f"net-{seed}.pt"
            _, history = train(Path(args.data) / "davis", cfg, model_file, Path(tmp) / f"work-{seed}")
            model = load_model(model_file)
            for name in cfg.tracker_list():
                if name in OPENCV and seed > 0:
                    continue
                out = Path(tmp) / f"{name}-{seed}"
                speed = track_all(name, seqs, out, model, cfg.reinit_gap)
                s = score_tracker(truth, out, cfg)
                rows.setdefault(name, []).append({
                    "seed": seed, "fps": speed["fps"], "eao": s["all"]["eao"], "failures": s["all"]["failures"],
                    "auc": s["all"]["auc"], "accuracy": s["all"]["accuracy"],
                    **{f"{k}_{m}": s[k][m] for k in ("occlusion", "distractor", "clean") if k in s
                       for m in ("eao", "failures", "auc")},
                    "train_s": history[-1]["train_seconds"]})
    summary = {name: {k: float(np.mean([r[k] for r in rs])) for k in rs[0] if k != "seed"} | {"runs": len(rs)}
               for name, rs in rows.items()}
    print(f"{'tracker':14s} {'fps':>7s} {'EAO':>6s} {'fail':>5s} {'AUC':>6s}  occl EAO/fail  distr EAO/fail  clean AUC")
    for name, s in summary.items():
        print(f"{name:14s} {s['fps']:7.0f} {s['eao']:6.3f} {s['failures']:5.1f} {s['auc']:6.3f}  "
              f"{s.get('occlusion_eao', 0):.3f}/{s.get('occlusion_failures', 0):.1f}     "
              f"{s.get('distractor_eao', 0):.3f}/{s.get('distractor_failures', 0):.1f} {s.get('clean_auc', 0):.3f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"summary": summary, "runs": rows}, indent=1))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
