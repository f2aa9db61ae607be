"""BSPNet (boundary branch + boundary-attention loss) against the same network without the boundary
branch, on the same annotated training faces, 3 seeds; scored on the exact test masks.

Trains on the landmark-annotated labels (what the lapa pipeline trains on) or, with --labels exact,
on the renderer's exact masks. Reports per-class F1, mean F1 (ten face classes) and mean F1 over
boundary pixels. Needs only numpy/torch/opencv (PYTHONPATH=src), so it runs on a GPU box as well.
With --curve, the test split is scored after every epoch too (outside the timed training), giving
mean F1 against training minutes; --models picks the networks (bspnet, plain).
Usage: python benchmarks/parsing.py [--data data/parsing] [--seeds 3] [--first-seed 0] [--epochs N]
       [--labels annotated|exact]
       [--set key=value ...] [--models bspnet,plain] [--curve] [--out docs/results/parsing.json]
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import yaml

from paperline.core.papers import get_paper
from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset
from paperline.parsing.annotate import annotate
from paperline.parsing.bspnet import predict_labels, train_parsing
from paperline.parsing.metrics import ConfusionHistogram, boundary
from paperline.parsing.stages import load_split


def score(model, xts: np.ndarray, yt: np.ndarray) -> dict:
    """Per-class F1 on the exact test masks (prediction resized back to 128) and boundary-pixel mean F1."""
    import cv2

    model = model.to("cpu")
    pred = np.stack([cv2.resize(p, (128, 128), interpolation=cv2.INTER_NEAREST) for p in predict_labels(model, xts)])
    h, hb = ConfusionHistogram(), ConfusionHistogram()
    for g, p in zip(yt, pred):
        h.add(g, p)
        b = boundary(g)
        hb.add(g[b], p[b])
    return {**h.summary(), "boundary_mean_f1": hb.summary()["mean_f1"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/parsing")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--labels", default="annotated", choices=["annotated", "exact"])
    ap.add_argument("--set", dest="sets", action="append", default=[], help="training config key=value")
    ap.add_argument("--models", default="bspnet,plain")
    ap.add_argument("--curve", action="store_true", help="score the test split after every epoch")
    ap.add_argument("--out", default="docs/results/parsing.json")
    a = ap.parse_args()
    data = Path(a.data)
    if not (data / "dataset.json").exists():
        params = yaml.safe_load(Path("params.yaml").read_text())["parsing_data"]
        build_parsing_dataset(data, ParsingDataConfig(**params))
    from paperline.core.config import parse_sets

    paper = get_paper("lapa")
    base = {**parse_sets(a.sets), **({"epochs": a.epochs} if a.epochs else {})}
    size = paper.train_config(base).input_size
    _, x, y, pts = load_split(str(data / "lapa"), "train", 128)
    if a.labels == "annotated":
        y = np.stack([annotate(im, p) for im, p in zip(x, pts)])
    import cv2

    small = lambda arr, interp: np.stack([cv2.resize(v, (size, size), interpolation=interp) for v in arr])  # noqa: E731
    xs, ys, ps = small(x, cv2.INTER_AREA), small(y, cv2.INTER_NEAREST), pts * size / 128
    _, xt, yt, _ = load_split(str(data / "lapa"), "test", 128)
    xts = small(xt, cv2.INTER_AREA)
    rows = []
    names = {"bspnet": "BSPNet", "plain": "no boundary branch"}
    models = a.models.split(",")
    for which in models:
        for seed in range(a.first_seed, a.first_seed + a.seeds):
            cfg = paper.train_config({**base, "boundary": which == "bspnet", "seed": seed})
            t = time.perf_counter()
            validate = (lambda m: {k: v for k, v in score(m, xts, yt).items() if "f1" in k}) if a.curve else None
            model, hist = train_parsing(xs, ys, ps, cfg, validate=validate)
            rows.append({"model": names[which], "seed": seed, "seconds": time.perf_counter() - t,
                         "train_seconds": hist[-1]["train_seconds"], **score(model, xts, yt),
                         **({"curve": [{k: r[k] for k in ("epoch", "train_seconds", "mean_f1")} for r in hist]}
                            if a.curve else {})})
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "curve"}), flush=True)
    keys = [k for k in rows[0] if k.startswith("f1_")] + ["mean_f1", "boundary_mean_f1", "seconds"]
    summary = {}
    for name in (names[m] for m in models):
        r = [row for row in rows if row["model"] == name]
        summary[name] = {k: (float(np.nanmean([row[k] for row in r])), float(np.nanstd([row[k] for row in r])))
                         for k in keys}
    out = {"labels": a.labels, "config": paper.train_config(base).__dict__, "seeds": a.seeds, "runs": rows,
           "summary": summary}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2, default=str))
    print("| model | mean F1 | boundary-pixel mean F1 | skin | brows | eyes | nose | u-lip | in-mouth | l-lip | hair |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        f = lambda k, s=s: f"{s[k][0] * 100:.1f}"  # noqa: E731
        brows = (s["f1_left_eyebrow"][0] + s["f1_right_eyebrow"][0]) * 50
        eyes = (s["f1_left_eye"][0] + s["f1_right_eye"][0]) * 50
        print(f"| {name} | {s['mean_f1'][0] * 100:.2f} ± {s['mean_f1'][1] * 100:.2f} | "
              f"{s['boundary_mean_f1'][0] * 100:.2f} ± {s['boundary_mean_f1'][1] * 100:.2f} | {f('f1_skin')} | "
              f"{brows:.1f} | {eyes:.1f} | {f('f1_nose')} | {f('f1_upper_lip')} | {f('f1_inner_mouth')} | "
              f"{f('f1_lower_lip')} | {f('f1_hair')} |")


if __name__ == "__main__":
    main()
