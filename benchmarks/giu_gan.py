"""giu-gan's figures on this machine: every model of the comparison trained with the pipeline's
embedded settings over `--seeds` seeds, two at a time (one torch thread each, the two cores), scored
with one feature classifier (trained once, seed 0, so every seed is measured with the same ruler):
FID, KID, IS, precision/recall, training images/s, and the FID-against-iterations curve.

Usage: python benchmarks/giu_gan.py [--data data/fashion-mnist] [--seeds 3] [--out docs/results/giu-gan-cpu.json]
"""

import argparse
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from paperline.gan import metrics as M
from paperline.gan.config import GanConfig


def _classifier(data: str, cfg: GanConfig, path: Path) -> None:
    from paperline.core.checkpoint import save_model
    from paperline.core.loop import run_epochs
    from paperline.gan.features import classifier
    from paperline.gan.stages import images
    from paperline.gan.train import ClassifierTrainer

    x, y, s = images(data, cfg, "train", cfg.classifier_images, 2)
    t = ClassifierTrainer(x, y, s.classes, cfg)
    run_epochs(t, cfg.classifier_epochs, {}, None, desc="classifier")
    save_model(t.model.cpu(), path, classifier)


def _one(job):
    from paperline.gan.features import load_extractor
    from paperline.gan.stages import images, score
    from paperline.gan.train import fit_gan, grid_png, sample

    data, cfg, name, features, work = job
    ext = load_extractor("classifier", features)
    real, probs = ext.both(images(data, cfg, "test", cfg.eval_samples, 1)[0])
    curve_real = real[:cfg.curve_samples]
    x = images(data, cfg, "train", cfg.train_images)[0]
    trainer, history = fit_gan(name, x, cfg, lambda fake: M.fid(curve_real, ext.features(fake)), None)
    out = score(trainer.ema, ext, real, probs, cfg)
    Path(work, f"{name}-{cfg.seed}.png").write_bytes(grid_png(sample(trainer.ema, 32, 4), columns=8))
    return {"model": name, "seed": cfg.seed, **out, "g_params": trainer.g_params,
            "images_per_second": float(np.mean([h["images_per_second"] for h in history])),
            "train_s": history[-1]["train_seconds"],
            "curve": [[h["iterations"], h["fid_curve"]] for h in history]}


def real_floor(data: str, cfg: GanConfig, features: Path) -> dict:
    """FID and KID of real train images against the real test images at the sample counts used: the
    small-sample bias every row of the table carries (0 at infinite counts)."""
    from paperline.gan.features import load_extractor
    from paperline.gan.stages import images

    ext = load_extractor("classifier", features)
    real = ext.features(images(data, cfg, "test", cfg.eval_samples, 1)[0])
    other = ext.features(images(data, cfg, "train", cfg.eval_samples, 5)[0])
    return {"fid": M.fid(real, other), "fid_curve_count": M.fid(real[:cfg.curve_samples], other[:cfg.curve_samples]),
            "kid": M.kid(real, other, cfg.kid_subsets, 1000, 0)[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/fashion-mnist")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default="docs/results/giu-gan-cpu.json")
    ap.add_argument("--figures", default="docs/figures")
    args = ap.parse_args()
    base = GanConfig(threads=1)
    with tempfile.TemporaryDirectory() as tmp:
        features = Path(tmp) / "features.pt"
        _classifier(args.data, base, features)
        floor = real_floor(args.data, base, features)
        jobs = [(args.data, replace(base, seed=s), m, features, tmp) for s in range(args.seeds)
                for m in base.model_list()]
        with ProcessPoolExecutor(2) as pool:
            rows = list(pool.map(_one, jobs))
        figures(rows, Path(tmp), Path(args.figures), base)
    summary = {}
    for m in base.model_list():
        rs = [r for r in rows if r["model"] == m]
        summary[m] = {k: [float(np.mean([r[k] for r in rs])), float(np.std([r[k] for r in rs]))]
                      for k in ("fid", "kid", "is", "precision", "recall", "images_per_second", "train_s")}
        summary[m]["g_params"] = rs[0]["g_params"]
        summary[m]["fid_per_seed"] = [r["fid"] for r in rs]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"config": vars(base), "real_vs_real": floor, "summary": summary,
                                          "runs": rows}, indent=1))
    print(f"real train vs real test images: {floor}")
    print("| model | FID | KID x1000 | IS | precision | recall | G params | img/s (1 thread) |")
    for m, s in summary.items():
        print(f"| {m} | {s['fid'][0]:.2f} ± {s['fid'][1]:.2f} | {1000 * s['kid'][0]:.2f} | {s['is'][0]:.2f} | "
              f"{s['precision'][0]:.3f} | {s['recall'][0]:.3f} | {s['g_params']:,} | {s['images_per_second'][0]:.0f} |")


def figures(rows, tmp: Path, out: Path, cfg: GanConfig) -> None:
    from PIL import Image

    from paperline.core.figures import figure, save_png

    out.mkdir(parents=True, exist_ok=True)
    fig, ax = figure(1, 1, figsize=(6.4, 3.8), dpi=110)
    for m in cfg.model_list():
        curves = np.array([r["curve"] for r in rows if r["model"] == m])
        ax.plot(curves[0, :, 0], curves[:, :, 1].mean(0), "-o" if m == "giu-gan" else "--.", label=m)
    ax.set(xlabel="generator iterations", ylabel=f"FID ({cfg.curve_samples} samples, classifier features)",
           title="FID against iterations, mean of the seeds (Fashion-MNIST, CPU settings)")
    ax.legend(fontsize=8)
    save_png(fig, out / "giu-gan-fid-curve.png")
    models = cfg.model_list()
    fig, axes = figure(1, len(models), figsize=(3.2 * len(models), 1.9), dpi=110)
    for a, m in zip(axes, models):
        a.imshow(np.asarray(Image.open(tmp / f"{m}-0.png")))
        a.set_title(m, fontsize=9)
        a.axis("off")
    save_png(fig, out / "giu-gan-samples.png")


if __name__ == "__main__":
    main()
