"""Face-recognition stages (MV-Softmax and the rest of the face shelf): validate, train, evaluate,
index-build, register, promote. Each takes plain paths and a config, returns a metrics dict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import settings, tracking
from ..data.face_formats import list_image_folder, load_train_set, read_image, read_pairs
from ..errors import DataError
from ..index import GalleryIndex, build_index, rank1
from ..metrics import verification as V
from ..pose import BUCKETS, YawEstimator, bucket_name, bucket_of, load_landmarks, recorded_yaw
from ..train import FaceEmbedder, FaceTrainConfig, embed_images, train_face
from . import models
from .models import load_model, save_model

METRIC = "verification_accuracy"


def validate(dataset: str, report_dir: str, image_size: int = 112, min_identities: int = 2,
             min_images_per_identity: int = 2, folds: int = 10) -> dict:
    from ..data.face_validation import validate_face_dataset  # pandas and GE: only this step needs them

    return validate_face_dataset(dataset, report_dir, image_size, min_identities, min_images_per_identity, folds)


def train(dataset: str, model_path: str, cfg: FaceTrainConfig, paper: str, tags: dict, image_size: int = 112,
          train_format: str = "auto") -> tuple[str, list[dict]]:
    """Trains and saves the FaceEmbedder (pickled torch module); returns (MLflow run id, history)."""
    from ..papers import get_paper

    cfg.check()
    spec = get_paper(paper)
    extra = {}
    if spec.train_data:
        images, labels, extra = spec.train_data(Path(dataset) / "train", image_size)
    else:
        images, labels = load_train_set(Path(dataset) / "train", image_size, train_format)
    run_id = tracking.start_run(paper, tags, {**asdict(cfg), "train_images": len(images),
                                              "train_identities": int(labels.max()) + 1})
    try:
        work = Path(model_path).parent / "work"
        log_figures(run_id, paper, cfg, work)
        trainer = spec.trainer or train_face
        model, history = trainer(images, labels, cfg, work,
                                 on_epoch=lambda e, rec: tracking.log_metrics(run_id, rec, step=e), **extra)
        save_model(model, model_path)
    except BaseException:
        tracking.end_run(run_id, "FAILED")
        raise
    return run_id, history


def log_figures(run_id: str, paper: str, cfg, out_dir) -> None:
    """The paper's own pictures of its config (X2-Softmax: margin against angle), on the training run."""
    from ..papers import get_paper

    figures = get_paper(paper).figures
    for path in figures(cfg, out_dir) if figures else []:
        tracking.log_artifact(run_id, str(path), "figures")


def _verify_set(dataset: str):
    """The LFW pairs, the frontal-profile pairs where the set has `pairs_fp.txt`, every image they
    name, and one md5 over all of it (what the promotion gate compares)."""
    verify = Path(dataset) / "verify"
    pairs = read_pairs(verify / "pairs.txt", verify / "images")
    fp_file = verify / "pairs_fp.txt"
    fp_pairs = read_pairs(fp_file, verify / "images") if fp_file.is_file() else []
    paths = sorted({p for pr in pairs + fp_pairs for p in (pr.left, pr.right)})
    h = hashlib.md5((verify / "pairs.txt").read_bytes())
    if fp_pairs:
        h.update(fp_file.read_bytes())
    for p in paths:
        h.update(hashlib.md5(p.read_bytes()).digest())
    return pairs, fp_pairs, paths, h.hexdigest()


def _verify_yaw(verify: Path, paths: list[Path]) -> np.ndarray | None:
    """Yaw per image: recorded in meta.csv, else estimated from the landmarks, else None."""
    yaw = recorded_yaw(verify, paths)
    if yaw is None and (verify / "landmarks").is_dir():
        try:
            yaw = YawEstimator()(load_landmarks(paths, verify / "images", verify / "landmarks", "yaw buckets"))
        except DataError:
            return None
    return yaw


def _scored(pairs, emb, pos):
    dist = V.pair_distances(emb[[pos[p.left] for p in pairs]], emb[[pos[p.right] for p in pairs]])
    return dist, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs])


def verification_metrics(model: FaceEmbedder, dataset: str, image_size: int = 112):
    """10-fold accuracy and TAR@FAR on pairs.txt; where the set allows, accuracy by yaw bucket (the
    larger |yaw| of a pair, each pair judged with its fold's threshold) and the frontal-profile
    protocol's 10-fold accuracy. Returns (metrics, curves for the ROC, per-group accuracy, md5)."""
    pairs, fp_pairs, paths, md5 = _verify_set(dataset)
    pos = {p: i for i, p in enumerate(paths)}
    emb = embed_images(model, np.stack([read_image(p, image_size) for p in paths]))
    dist, same, folds = _scored(pairs, emb, pos)
    kf = V.kfold_accuracy(dist, same, folds)
    metrics = {METRIC: kf["accuracy"], "verification_accuracy_std": kf["accuracy_std"], **V.tar_at_far(dist, same),
               "pairs": len(pairs)}
    curves = {f"all pairs, accuracy {kf['accuracy']:.3f}": V.roc_points(dist, same)}
    groups: dict[str, tuple[float, int]] = {}
    yaw = _verify_yaw(Path(dataset) / "verify", paths)
    if yaw is not None:
        correct = V.pair_correct(dist, same, folds, kf["thresholds"])
        pair_yaw = np.maximum(np.abs(yaw[[pos[p.left] for p in pairs]]), np.abs(yaw[[pos[p.right] for p in pairs]]))
        for k, b in enumerate(bucket_of(pair_yaw)[None] == np.arange(len(BUCKETS))[:, None]):
            if b.any():
                metrics[f"accuracy_{bucket_name(k)}"] = float(correct[b].mean())
                lo, hi = BUCKETS[k]
                groups[f"|yaw| {lo:.0f}-{hi:.0f}°"] = (float(correct[b].mean()), int(b.sum()))
    if fp_pairs:
        fdist, fsame, ffolds = _scored(fp_pairs, emb, pos)
        fkf = V.kfold_accuracy(fdist, fsame, ffolds)
        metrics.update({"frontal_profile_accuracy": fkf["accuracy"],
                        "frontal_profile_accuracy_std": fkf["accuracy_std"], "frontal_profile_pairs": len(fp_pairs)})
        curves[f"frontal-profile, accuracy {fkf['accuracy']:.3f}"] = V.roc_points(fdist, fsame)
        groups["frontal-profile"] = (fkf["accuracy"], len(fp_pairs))
    return metrics, curves, groups, md5


def evaluate(dataset: str, model_path: str, out_dir: str, run_id: str, image_size: int = 112) -> dict:
    """10-fold verification accuracy and TAR@FAR (+ yaw buckets and frontal-profile pairs where the
    set has them); writes roc.png, yaw.png, report.html and report.md."""
    model = load_model(model_path)
    metrics, curves, groups, md5 = verification_metrics(model, dataset, image_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pngs = [V.roc_png(curves, f"ROC, {metrics['pairs']} pairs (10-fold verification)")]
    (out / "roc.png").write_bytes(pngs[0])
    if groups:
        pngs.append(V.bucket_png({k: a for k, (a, _) in groups.items()}, {k: n for k, (_, n) in groups.items()},
                                 "Accuracy by yaw (larger |yaw| of the pair)"))
        (out / "yaw.png").write_bytes(pngs[1])
    (out / "report.html").write_text(V.report_html("Verification", pngs, metrics))
    (out / "report.md").write_text(V.report_markdown("Verification", metrics))
    (out / "metrics.json").write_text(json.dumps({**metrics, "eval_data_md5": md5}, indent=2))
    tracking.log_metrics(run_id, metrics)
    tracking.set_tags(run_id, {"eval_data_md5": md5})
    for name in ("roc.png", "yaw.png", "report.md"):
        if (out / name).exists():
            tracking.log_artifact(run_id, str(out / name), "evaluation")
    by_yaw = ", ".join(f"{k} {a:.3f}" for k, (a, _) in groups.items())
    print(f"verification accuracy {metrics[METRIC]:.4f} ± {metrics['verification_accuracy_std']:.4f} "
          f"on {metrics['pairs']} pairs" + (f"; {by_yaw}" if by_yaw else ""), flush=True)
    return {**metrics, "eval_data_md5": md5}


def index_build(dataset: str, model_path: str, out_dir: str, run_id: str, image_size: int = 112) -> dict:
    """Gallery = first image of each verification identity, probes = the rest; rank-1 identification."""
    model = load_model(model_path)
    paths, labels, names = list_image_folder(Path(dataset) / "verify" / "images")
    first = {}
    for i, lab in enumerate(labels):
        first.setdefault(int(lab), i)
    gal_idx = sorted(first.values())
    probe_idx = [i for i in range(len(paths)) if i not in set(gal_idx)]
    if not probe_idx:
        raise DataError(f"{dataset}/verify/images: every identity has one image; no probes for rank-1")
    emb = embed_images(model, np.stack([read_image(p, image_size) for p in paths]))
    build_index(emb[gal_idx], [names[labels[i]] for i in gal_idx], out_dir)
    idx = GalleryIndex(out_dir)  # load back: the artifact is what is measured
    r1 = rank1(idx, emb[probe_idx], [names[labels[i]] for i in probe_idx])
    metrics = {"rank1": r1, "gallery_size": len(gal_idx), "probes": len(probe_idx)}
    tracking.log_metrics(run_id, metrics)
    print(f"rank-1 identification {r1:.4f} ({len(probe_idx)} probes, gallery {len(gal_idx)})", flush=True)
    return metrics


def promote(model_name: str, version: str, dataset: str = "", image_size: int = 112) -> dict:
    reeval = (lambda uri: verification_metrics(load_model(uri), dataset, image_size)[0][METRIC]) if dataset else None
    return models.promote(model_name, version, METRIC, METRIC, reeval)


def run_tags(paper: str, kfp_run_id: str, data_meta: dict) -> dict:
    return {"kfp.run_id": kfp_run_id, "git_sha": settings.git_sha(), "data_rev": data_meta.get("data_rev", ""),
            "data_md5": data_meta.get("data_md5", ""), "data_uri": data_meta.get("data_uri", ""),
            "dvc_md5": data_meta.get("dvc_md5", "")}
