"""giu-gan's stages on files: train the feature extractor (the run's MLflow run starts here), train
one GAN of the comparison, evaluate them all side by side (FID, KID, IS, precision/recall on the
extractor's features), and the promotion gate's, serving and sampling hooks."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.errors import DataError
from paperline.core.figures import figure, to_png
from paperline.core.reports import html_table, markdown_table, write_evaluation
from paperline.core.workdirs import data_digest, resumable_dir
from paperline.gan import metrics as M
from paperline.gan.config import MAIN, GanConfig
from paperline.gan.formats import read_split, to_training

METRIC = "fid"
GENERATOR, FEATURES = "generator.pt", "features.pt"


def images(root, cfg: GanConfig, split: str, limit: int = 0, seed_offset: int = 0):
    """A split as float32 (N, C, S, S) in [-1, 1] with its labels: the first `limit` of a seeded
    permutation (0: all)."""
    s = read_split(root, split, cfg.crop, cfg.image_size)
    order = np.random.default_rng(cfg.seed + seed_offset).permutation(len(s.images))
    if limit:
        order = order[:limit]
    labels = None if s.labels is None else s.labels[order]
    return to_training(s.images[order], cfg.image_size), labels, s


def train_features_stage(root, cfg: GanConfig, model_path, paper: str, kfp_run_id: str, data_meta: dict,
                         run_name: str = "") -> tuple[str, dict]:
    """The feature classifier on the real train split; its test accuracy says what its features are worth."""
    from paperline.core.loop import run_epochs
    from paperline.gan.features import ClassifierExtractor, classifier, rotate
    from paperline.gan.train import ClassifierTrainer

    cfg.check()
    x, y, s = images(root, cfg, "train", cfg.classifier_images, 2)
    with experiments.training_run(paper, kfp_run_id, data_meta, asdict(cfg), run_name) as run:
        trainer = ClassifierTrainer(x, y, s.classes, cfg)
        history = run_epochs(trainer, cfg.classifier_epochs, {"features": asdict(cfg)},
                             run.work_dir, desc="feature classifier",
                             on_epoch=lambda e, r: run.log_metrics({f"features_{k}": v for k, v in r.items()}, e))
        save_model(trainer.model.cpu(), model_path, classifier)
        tx, ty, _ = images(root, cfg, "test", cfg.eval_samples, 1)
        ext = ClassifierExtractor(load_model(model_path), trainer.task)
        if ty is None:
            import torch

            ty = np.random.default_rng(cfg.seed).integers(0, 4, len(tx))
            tx = rotate(torch.from_numpy(tx), torch.from_numpy(ty)).numpy()
        info = {"features_test_accuracy": float((ext.posteriors(tx).argmax(1) == ty).mean()),
                "features_task": trainer.task, "features_train_s": history[-1]["train_seconds"]}
        run.log_metrics(info)
        experiments.set_tags(run.id, {"gan.features": ext.name})
    print(f"feature classifier ({trainer.task}): test accuracy {info['features_test_accuracy']:.3f}", flush=True)
    return run.id, info


def real_features(root, cfg: GanConfig, extractor, limit: int):
    x, _, _ = images(root, cfg, "test", limit, 1)
    return extractor.both(x)


def train_gan_stage(root, cfg: GanConfig, name: str, features_path, model_path, run_id: str) -> dict:
    """One generator of the comparison; per epoch its fixed-noise grid and an FID point go to the run."""
    import torch

    from paperline.gan.features import load_extractor
    from paperline.gan.models import generator
    from paperline.gan.train import fit_gan, grid_png

    cfg.check()
    x, _, _ = images(root, cfg, "train", cfg.train_images)
    extractor = load_extractor(cfg.features, features_path)
    real, _ = real_features(root, cfg, extractor, cfg.curve_samples)
    z_fixed = torch.randn(cfg.grid, cfg.z_dim, generator=torch.Generator().manual_seed(cfg.seed + 1))
    key = name.replace("-", "_")
    grids = Path(model_path).parent / "grids"
    grids.mkdir(parents=True, exist_ok=True)

    def on_epoch(trainer, epoch: int, rec: dict) -> None:
        with torch.no_grad():
            imgs = trainer.ema.eval()(z_fixed.to(trainer.device)).cpu().numpy()
        png = grids / f"{key}_epoch_{epoch:03d}.png"
        png.write_bytes(grid_png(imgs))
        experiments.log_metrics(run_id, {f"{key}_{k}": v for k, v in rec.items() if k != "epoch"},
                                step=rec["iterations"])
        experiments.log_artifact(run_id, str(png), f"samples/{name}")

    resume_key = {"gan": asdict(cfg), "model": name, "data": data_digest(x)}
    with experiments.failing_run(run_id), resumable_dir("gan", resume_key) as work:
        trainer, history = fit_gan(name, x, cfg, lambda fake: M.fid(real, extractor.features(fake)), work, on_epoch)
    save_model(trainer.ema.cpu(), model_path, generator)
    last = history[-1]
    return {"model": name, "g_params": trainer.g_params, "d_params": trainer.d_params,
            "train_s": last["train_seconds"], "images_per_second": sum(h["images_per_second"] for h in history)
            / len(history), "curve": json.dumps([[h["iterations"], h["fid_curve"]] for h in history])}


def eval_md5(real_x: np.ndarray, features_path, cfg: GanConfig) -> str:
    """What a gate comparison must share: the real images, the extractor and the sample count."""
    import hashlib

    h = hashlib.md5(real_x.tobytes())
    h.update(Path(features_path).read_bytes() if cfg.features == "classifier" else cfg.features.encode())
    h.update(f"{cfg.eval_samples} {cfg.seed} {cfg.image_size}".encode())
    return h.hexdigest()


def score(gen, extractor, real: np.ndarray, real_probs, cfg: GanConfig) -> dict:
    """FID, KID, IS and precision/recall of one generator's samples against the real features."""
    from paperline.gan.train import sample

    feats, probs = extractor.both(sample(gen, cfg.eval_samples, cfg.seed + 3))
    k_mean, k_std = M.kid(real, feats, cfg.kid_subsets, min(1000, len(real)), cfg.seed)
    p, r = M.precision_recall(real, feats, cfg.pr_k)
    out = {"fid": M.fid(real, feats), "kid": k_mean, "kid_std": k_std, "precision": p, "recall": r}
    if probs is not None:
        out["is"], out["is_std"] = M.inception_score(probs)
    return out


def evaluate(root, cfg: GanConfig, generators: dict[str, str], infos: dict[str, dict], features_path, out_dir,
             run_id: str, registered_dir) -> dict:
    """Every generator of the run side by side, logged to the run; the registered artifact (GIU-GAN's
    EMA generator with the extractor it was scored on) is written to `registered_dir`."""
    from paperline.gan.features import load_extractor
    from paperline.gan.train import grid_png, sample

    if MAIN not in generators:
        raise DataError(f"no {MAIN} generator among {', '.join(generators)}: it is the registered model")
    extractor = load_extractor(cfg.features, features_path)
    real_x, _, s = images(root, cfg, "test", cfg.eval_samples, 1)
    real, real_probs = extractor.both(real_x)
    md5 = eval_md5(real_x, features_path, cfg)
    scores, grids = {}, {}
    for name, path in generators.items():
        gen = load_model(Path(path))
        scores[name] = {**score(gen, extractor, real, real_probs, cfg), "g_params": int(infos[name]["g_params"]),
                        "train_s": float(infos[name]["train_s"])}
        grids[name] = grid_png(sample(gen, 32, cfg.seed + 4), columns=8, scale=2)
    if real_probs is not None:
        scores["real test images"] = {"is": M.inception_score(real_probs)[0]}
    what = f"on {extractor.name}"
    metrics = {METRIC: scores[MAIN]["fid"]}
    for name, sc in scores.items():
        if name in generators:
            metrics.update({f"{name.replace('-', '_')}_{k}": float(v) for k, v in sc.items()})
    cols = ["model", f"FID {what}", "KID x1000 (± std)", "IS", "precision", "recall", "G parameters", "train s"]
    rows = [[n, f"{v['fid']:.2f}", f"{1000 * v['kid']:.2f} ± {1000 * v['kid_std']:.2f}",
             f"{v['is']:.2f} ± {v['is_std']:.2f}" if "is" in v else "n/a (no classes)", f"{v['precision']:.3f}",
             f"{v['recall']:.3f}", f"{v['g_params']:,}", f"{v['train_s']:.0f}"]
            for n, v in scores.items() if n in generators]
    if "real test images" in scores:
        rows.append(["real test images", "0", "0", f"{scores['real test images']['is']:.2f}", "", "", "", ""])
    title = (f"giu-gan: {len(generators)} generators, {cfg.eval_samples} samples against {len(real_x)} real test "
             f"images of {Path(s.source).name}, {what}")
    note = (f"Metrics {what}, not on Inception-v3: comparable between the rows of this table only. "
            f"{cfg.eval_samples} samples (the papers use 50,000): FID is biased upwards at small counts.")
    pngs = {"samples.png": samples_figure(grids), "fid_curve.png": curve_figure(infos, cfg)}
    files = write_evaluation(out_dir, title, metrics, md5, pngs,
                             extra_html=html_table("Models", cols, rows) + f"<p>{note}</p>",
                             extra_md=markdown_table("Models", cols, rows) + "\n" + note + "\n")
    (Path(out_dir) / "scores.json").write_text(json.dumps(scores, indent=2))
    experiments.log_evaluation(run_id, metrics, md5, files + [Path(out_dir) / "scores.json"],
                               {"gan.metrics_on": extractor.name})
    reg = Path(registered_dir)
    reg.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(generators[MAIN], reg / GENERATOR)
    shutil.copyfile(features_path, reg / FEATURES)
    (reg / "model.json").write_text(json.dumps({"model": MAIN, "features": extractor.name, "config": asdict(cfg)}))
    print("FID " + what + ": " + ", ".join(f"{n} {v['fid']:.2f}" for n, v in scores.items() if n in generators),
          flush=True)
    return {**metrics, "eval_data_md5": md5}


def samples_figure(grids: dict[str, bytes]) -> bytes:
    import io

    from PIL import Image

    fig, axes = figure(1, len(grids), figsize=(3.2 * len(grids), 2.2), dpi=110)
    for ax, (name, png) in zip(np.atleast_1d(axes), grids.items()):
        ax.imshow(np.asarray(Image.open(io.BytesIO(png))))
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    return to_png(fig)


def curve_figure(infos: dict[str, dict], cfg: GanConfig) -> bytes:
    fig, ax = figure(1, 1, figsize=(6, 3.6), dpi=110)
    for name, info in infos.items():
        pts = np.array(json.loads(info["curve"]))
        ax.plot(pts[:, 0], pts[:, 1], "-o" if name == MAIN else "--.", label=name)
    ax.set(xlabel="generator iterations", ylabel=f"FID ({cfg.curve_samples} samples)",
           title="FID against iterations (EMA generator)")
    ax.legend(fontsize=8)
    return to_png(fig)


def reevaluate(model_dir: Path, root: str, run) -> float:
    """The promotion gate's hook: a champion's FID on the candidate's test images, with the
    candidate's extractor (from its registered version)."""
    from paperline.core.promotion import model_artifact
    from paperline.gan.features import load_extractor

    tags = run.tags
    cand = model_artifact(f"models:/{tags['registered_model']}/{tags['registered_version']}")
    cfg = GanConfig(**{k: v for k, v in json.loads((cand / "model.json").read_text())["config"].items()})
    extractor = load_extractor(cfg.features, cand / FEATURES)
    real_x, _, _ = images(root, cfg, "test", cfg.eval_samples, 1)
    real, probs = extractor.both(real_x)
    return score(load_model(Path(model_dir) / GENERATOR), extractor, real, probs, cfg)["fid"]


def generate(artifact: Path, n: int, seed: int = 0) -> np.ndarray:
    from paperline.gan.train import sample

    path = Path(artifact)
    return sample(load_model(path / GENERATOR if path.is_dir() else path), n, seed)


def write_grid(artifact: Path, n: int, out: str | Path, seed: int = 0) -> Path:
    """`paperline sample`: n generated images as one PNG grid."""
    from paperline.gan.train import grid_png

    if n < 1:
        raise DataError(f"-n must be >= 1, got {n}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(grid_png(generate(artifact, n, seed), columns=int(np.ceil(np.sqrt(n)))))
    tmp.replace(out)
    return out


def served(artifact: Path):
    """`predict({"n": 16, "seed": 0})` of a registered model: uint8 images (N, H, W, C) as lists."""
    def predict(request) -> list:
        req = request[0] if isinstance(request, list) else request
        x = generate(artifact, int(req.get("n", 16)), int(req.get("seed", 0)))
        return ((x + 1) * 127.5).round().clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1).tolist()

    return predict
