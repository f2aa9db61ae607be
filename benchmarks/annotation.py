"""Landmark-guided annotation against the renderer's exact masks: per-class F1, time per image on one
core, and how landmark error turns into annotation error.

Annotates the LaPa-layout test split (a) from the exact landmarks, (b) from landmarks with Gaussian
noise at several sizes, and (c) from a trained jd-landmark model's predictions (--model, a pickled
PIPNet such as the pipeline's Output[Model]; without it a model is trained here with the embedded
config), each without and with the automatic refinement. Writes a JSON table and a plot of mean F1
against landmark NME.
Usage: python benchmarks/annotation.py [--data data/parsing] [--model PATH] [--out docs/results/annotation.json]
       [--plot docs/figures/annotation-f1-vs-nme.png]
"""

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

from paperline.core.checkpoint import load_model
from paperline.core.papers import get_paper
from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset
from paperline.faceimage.formats import read_image, read_landmarks
from paperline.faceimage.layouts import read_label
from paperline.landmarks.metrics import nme
from paperline.landmarks.pipnet import config_of, load_crops, load_items, predict_original, train_landmarks
from paperline.parsing.annotate import annotate, initial_masks
from paperline.parsing.metrics import ConfusionHistogram


def score(images, labels, landmarks, refine: bool) -> tuple[dict, float]:
    """F1 summary and milliseconds per image (one core)."""
    h = ConfusionHistogram()
    took = 0.0
    for img, lab, pts in zip(images, labels, landmarks):
        t = time.perf_counter()
        mask = annotate(img, pts) if refine else initial_masks(pts, lab.shape)
        took += time.perf_counter() - t
        h.add(lab, mask)
    return h.summary(), took / len(images) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/parsing")
    ap.add_argument("--model", default="")
    ap.add_argument("--noise", default="0.5,1,2,4", help="landmark noise σ in pixels")
    ap.add_argument("--out", default="docs/results/annotation.json")
    ap.add_argument("--plot", default="docs/figures/annotation-f1-vs-nme.png")
    a = ap.parse_args()
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    data = Path(a.data)
    if not (data / "dataset.json").exists():
        params = yaml.safe_load(Path("params.yaml").read_text())["parsing_data"]
        print(f"building the parsing set at {data}", flush=True)
        build_parsing_dataset(data, ParsingDataConfig(**params))
    items = load_items(data / "lapa", "lapa", "test")
    images = [read_image(it.image) for it in items]
    labels = [read_label(it.label) for it in items]
    gt = np.stack([read_landmarks(it.landmarks) for it in items])
    sources = {"exact landmarks": gt}
    rng = np.random.default_rng(0)
    for sigma in (float(s) for s in a.noise.split(",")):
        sources[f"noise σ={sigma:g} px"] = gt + rng.normal(0, sigma, gt.shape)
    if a.model:
        model = load_model(a.model)
    else:
        cfg = get_paper("jd-landmark").train_config({})
        print("training a jd-landmark model with the embedded config", flush=True)
        crops, pts, _, _ = load_crops(load_items(data / "jd", "jd", "Train"), cfg, "training faces")
        model, _ = train_landmarks(crops, pts, cfg)
    jd_test = load_items(data / "jd", "jd", "Test")
    cfg = config_of(model)
    crops, _, mats, jd_gt = load_crops(jd_test, cfg, "test faces")
    assert [it.name for it in jd_test] == [it.name for it in items]
    sources["predicted (PIPNet)"] = predict_original(model, crops, mats)
    rows = []
    for name, pts in sources.items():
        err = float(nme(pts, gt).mean())
        for refine in (False, True):
            s, ms = score(images, labels, pts, refine)
            rows.append({"landmarks": name, "nme": err, "refined": refine, "ms_per_image": ms, **s})
            print(f"{name:<22} NME {err * 100:5.2f} %  {'refined' if refine else 'initial':<8} mean F1 "
                  f"{s['mean_f1']:.4f}  {ms:.2f} ms/image", flush=True)
    out = {"data": str(data), "images": len(items), "rows": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2))
    if a.plot:
        from paperline.core.figures import figure, save_png

        fig, ax = figure(figsize=(6, 4), dpi=120)
        for refine, style in ((False, "o--"), (True, "s-")):
            r = sorted((x for x in rows if x["refined"] == refine and not x["landmarks"].startswith("pred")),
                       key=lambda x: x["nme"])
            ax.plot([x["nme"] * 100 for x in r], [x["mean_f1"] for x in r], style,
                    label=f"{'refined' if refine else 'initial'} masks, exact/noisy landmarks")
            p = next(x for x in rows if x["refined"] == refine and x["landmarks"].startswith("pred"))
            ax.plot([p["nme"] * 100], [p["mean_f1"]], "*", markersize=12,
                    label=f"{'refined' if refine else 'initial'}, PIPNet's landmarks")
        ax.set_xlabel("landmark NME (%)")
        ax.set_ylabel("annotation mean F1 (10 face classes)")
        ax.set_title("Landmark error → annotation error")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
        Path(a.plot).parent.mkdir(parents=True, exist_ok=True)
        save_png(fig, a.plot)
    print("| landmarks | NME % | masks | mean F1 | skin | brows | eyes | nose | lips | in-mouth | hair | ms/img |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        brows = (r["f1_left_eyebrow"] + r["f1_right_eyebrow"]) / 2
        eyes = (r["f1_left_eye"] + r["f1_right_eye"]) / 2
        lips = (r["f1_upper_lip"] + r["f1_lower_lip"]) / 2
        print(f"| {r['landmarks']} | {r['nme'] * 100:.2f} | {'refined' if r['refined'] else 'initial'} | "
              f"{r['mean_f1']:.4f} | {r['f1_skin']:.3f} | {brows:.3f} | {eyes:.3f} | {r['f1_nose']:.3f} | "
              f"{lips:.3f} | {r['f1_inner_mouth']:.3f} | {r['f1_hair']:.3f} | {r['ms_per_image']:.2f} |")


if __name__ == "__main__":
    main()
