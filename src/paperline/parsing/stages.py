"""LaPa stages: annotate (landmark-guided masks), validate, train BSPNet, evaluate (per-class F1 and
mean F1 as LaPa reports them, overlay picture), register, promote. No KFP here."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.files import building_dir
from paperline.core.reports import write_classification, write_evaluation
from paperline.faceimage.formats import read_image, read_landmarks
from paperline.faceimage.landmarks106 import LAPA_CLASSES, LAPA_COLORS
from paperline.faceimage.layouts import read_label, read_lapa_split, write_label
from paperline.parsing.annotate import annotate as annotate_one
from paperline.parsing.bspnet import ParsingConfig, bspnet, predict_labels, train_parsing
from paperline.parsing.metrics import ConfusionHistogram, boundary

METRIC = "mean_f1"
ANNOTATED = ("train", "val")  # the splits whose labels the annotation writes; test keeps its own


def annotate(dataset: str, out_dir: str) -> dict:
    """Copies the LaPa-layout set to `out_dir` with the train/val labels drawn from each face's
    landmarks (a split without labels/ gets them). Where labels existed, scores the annotation against
    them (per-class F1) and times it; writes annotation.json beside the splits."""
    src = Path(dataset)
    with building_dir(out_dir) as tmp:
        shutil.copytree(src, tmp, dirs_exist_ok=True)
        hist, took, count = ConfusionHistogram(), 0.0, 0
        for split in ANNOTATED:
            if not (tmp / split).is_dir():
                continue
            for it in read_lapa_split(tmp, split, labels=False):
                img = read_image(it.image)
                t = time.perf_counter()
                mask = annotate_one(img, read_landmarks(it.landmarks))
                took += time.perf_counter() - t
                count += 1
                if it.label.is_file():
                    hist.add(read_label(it.label, img.shape[:2]), mask)
                write_label(it.label, mask)
        if not count:
            raise DataError(f"{src}: no train or val split to annotate (expected the LaPa layout)")
        stats = {"annotated_images": count, "annotation_ms_per_image": took / count * 1e3}
        if hist.hist.sum():
            stats.update({f"annotation_{k}": v for k, v in hist.summary().items()})
        (tmp / "annotation.json").write_text(json.dumps(stats, indent=2))
    print(f"annotated {count} faces from their landmarks, {stats['annotation_ms_per_image']:.2f} ms each"
          + (f"; mean F1 against the existing labels {stats['annotation_mean_f1']:.4f}"
             if "annotation_mean_f1" in stats else ""), flush=True)
    return stats


def load_split(dataset: str, split: str, size: int):
    items = read_lapa_split(dataset, split)
    imgs, labs, pts = [], [], []
    for it in items:
        img = read_image(it.image)
        lab = read_label(it.label, img.shape[:2])
        p = read_landmarks(it.landmarks)
        if img.shape[0] != size or img.shape[1] != size:
            s = np.array([size / img.shape[1], size / img.shape[0]])
            img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
            lab = cv2.resize(lab, (size, size), interpolation=cv2.INTER_NEAREST)
            p = p * s
        imgs.append(img)
        labs.append(lab)
        pts.append(p)
    return items, np.stack(imgs), np.stack(labs), np.stack(pts)


def train(dataset: str, model_path: str, cfg: ParsingConfig, paper: str, kfp_run_id: str, data_meta: dict,
          run_name: str = ""):
    cfg.check()
    _, images, labels, pts = load_split(dataset, "train", cfg.input_size)
    ann = Path(dataset) / "annotation.json"
    extra = json.loads(ann.read_text()) if ann.is_file() else {}
    params = {**asdict(cfg), "train_images": len(images)}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name) as run:
        run.log_metrics(extra)
        model, history = train_parsing(images, labels, pts, cfg, on_epoch=run.on_epoch,
                                       work_dir=run.work_dir)
        save_model(model, model_path, bspnet)
    return run.id, history


def score_test_split(model, dataset: str):
    """Predictions on the test split scored in each image's own frame (logits' argmax resized back)."""
    size = getattr(model, "config", {}).get("input_size", 128)
    items = read_lapa_split(dataset, "test")
    hist, band = ConfusionHistogram(), ConfusionHistogram()
    digest = Digest()
    shown = []
    for it in items:
        img = read_image(it.image, data=digest.file(it.image))
        gt = read_label(it.label, img.shape[:2], data=digest.file(it.label))
        x = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA) if img.shape[:2] != (size, size) else img
        pred = predict_labels(model, x[None])[0]
        if pred.shape != gt.shape:
            pred = cv2.resize(pred, (gt.shape[1], gt.shape[0]), interpolation=cv2.INTER_NEAREST)
        hist.add(gt, pred)
        b = boundary(gt)
        band.add(gt[b], pred[b])
        if len(shown) < 8:
            shown.append((img, gt, pred))
    metrics = hist.summary()
    metrics["boundary_mean_f1"] = band.summary()["mean_f1"]
    metrics["images"] = len(items)
    return metrics, shown, digest.hexdigest(), hist.hist


def overlay_png(shown) -> bytes:
    """Rows: image, ground truth, prediction (LaPa colours blended over the image)."""
    colors = np.array(LAPA_COLORS, np.uint8)
    cols = []
    for img, gt, pred in shown:
        tiles = [img] + [(0.45 * img + 0.55 * colors[m]).astype(np.uint8) for m in (gt, pred)]
        cols.append(np.vstack([cv2.resize(t, (128, 128), interpolation=cv2.INTER_NEAREST) for t in tiles]))
    grid = np.hstack(cols)
    return cv2.imencode(".png", grid[:, :, ::-1])[1].tobytes()


def evaluate(dataset: str, model_path: str, out_dir: str, run_id: str) -> dict:
    model = load_model(model_path)
    metrics, shown, md5, confusion = score_test_split(model, dataset)
    files = write_evaluation(out_dir, "Face parsing (rows: image, ground truth, prediction)", metrics, md5,
                             {"overlay.png": overlay_png(shown)})
    write_classification(out_dir, categories=list(LAPA_CLASSES), matrix=confusion.tolist())  # pixels
    experiments.log_evaluation(run_id, metrics, md5, files)
    print(f"mean F1 {metrics[METRIC]:.4f} over {metrics['mean_f1_classes']} classes (boundary pixels "
          f"{metrics['boundary_mean_f1']:.4f}) on {metrics['images']} test faces", flush=True)
    return {**metrics, "eval_data_md5": md5}


def reevaluate(model_file: Path, dataset: str, run) -> float:
    """The promotion gate's hook: a champion's mean F1 on the candidate's test faces."""
    return score_test_split(load_model(model_file), dataset)[0][METRIC]
