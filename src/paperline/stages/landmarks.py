"""JD-landmark stages: validate, train, evaluate (NME, AUC@0.08, FR@0.08, CED and overlay pictures),
register, promote. Plain paths and a config in, metrics out (no KFP)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from .. import tracking
from ..landmarks import LandmarkConfig, config_of, load_crops, load_items, predict_original, train_landmarks
from ..metrics import landmarks as LM
from ..metrics.verification import report_html, report_markdown
from . import models
from .models import load_model, save_model

METRIC = "auc@0.08"
TAG = "auc_at_0.08"  # MLflow tags and metric keys take no '@'
SPLITS = {"jd": ("Train", "Test"), "lapa": ("train", "test")}


def validate(dataset: str, report_dir: str, layout: str = "jd") -> dict:
    """The landmark suites on the training and the test split; one report each."""
    from ..data.parsing_validation import validate_parsing_dataset  # pandas and GE: only this step needs them

    out = {}
    for split in SPLITS[layout]:
        out[split] = validate_parsing_dataset(dataset, layout, split, Path(report_dir) / split)
    return {"images": sum(v["images"] for v in out.values()), "splits": list(out)}


def train(dataset: str, model_path: str, cfg: LandmarkConfig, paper: str, tags: dict, layout: str = "jd"):
    cfg.check()
    items = load_items(dataset, layout, SPLITS[layout][0])
    crops, pts, _, _ = load_crops(items, cfg, "training faces")
    run_id = tracking.start_run(paper, tags, {**asdict(cfg), "layout": layout, "train_images": len(items)})
    try:
        model, history = train_landmarks(crops, pts, cfg,
                                         on_epoch=lambda e, rec: tracking.log_metrics(run_id, rec, step=e))
        save_model(model, model_path)
    except BaseException:
        tracking.end_run(run_id, "FAILED")
        raise
    return run_id, history


def _md5(items) -> str:
    h = hashlib.md5()
    for it in items:
        for p in (it.image, it.landmarks, it.rect):
            if p is not None:
                h.update(hashlib.md5(Path(p).read_bytes()).digest())
    return h.hexdigest()


def score_test_split(model, dataset: str, layout: str = "jd"):
    """Per-image NME on the test split, the predictions, the ground truth, the items and their md5."""
    items = load_items(dataset, layout, SPLITS[layout][1])
    cfg = config_of(model)
    crops, _, mats, gt = load_crops(items, cfg, "test faces")
    pred = predict_original(model, crops, mats)
    return LM.nme(pred, gt), pred, gt, items, _md5(items)


def overlay_png(items, pred: np.ndarray, gt: np.ndarray, errors: np.ndarray, count: int = 8, size: int = 192) -> bytes:
    """The best, median and worst test faces: ground truth green, prediction red, NME in the corner."""
    order = np.argsort(errors)
    pick = list(dict.fromkeys(order[np.linspace(0, len(order) - 1, min(count, len(order))).astype(int)]))
    tiles = []
    for i in pick:
        img = cv2.imread(str(items[i].image))
        s = size / max(img.shape[:2])
        img = cv2.resize(img, (int(img.shape[1] * s), int(img.shape[0] * s)), interpolation=cv2.INTER_LINEAR)
        img = cv2.copyMakeBorder(img, 0, size - img.shape[0], 0, size - img.shape[1], cv2.BORDER_CONSTANT)
        for pts, colour in ((gt[i], (0, 200, 0)), (pred[i], (0, 0, 255))):
            for x, y in pts * s:
                cv2.circle(img, (int(round(x)), int(round(y))), 1, colour, -1, cv2.LINE_AA)
        cv2.putText(img, f"NME {errors[i] * 100:.1f}%", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        tiles.append(img)
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    grid = np.vstack([np.hstack(tiles[r:r + 4]) for r in range(0, len(tiles), 4)])
    return cv2.imencode(".png", grid)[1].tobytes()


def evaluate(dataset: str, model_path: str, out_dir: str, run_id: str, layout: str = "jd") -> dict:
    """NME (normalised by √(W·H) of the ground-truth box), AUC@0.08, FR@0.08 on the test split;
    writes ced.png, overlay.png, report.html/md, metrics.json and logs them to the MLflow run."""
    model = load_model(model_path)
    errors, pred, gt, items, md5 = score_test_split(model, dataset, layout)
    metrics = LM.summary(errors)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pngs = {"ced.png": LM.ced_png({"PIPNet": errors}), "overlay.png": overlay_png(items, pred, gt, errors)}
    for name, data in pngs.items():
        (out / name).write_bytes(data)
    (out / "report.html").write_text(report_html("106-point landmarks", list(pngs.values()), metrics))
    (out / "report.md").write_text(report_markdown("106-point landmarks", metrics))
    (out / "metrics.json").write_text(json.dumps({**metrics, "eval_data_md5": md5}, indent=2))
    tracking.log_metrics(run_id, metrics)
    tracking.set_tags(run_id, {"eval_data_md5": md5})
    for name in (*pngs, "report.md"):
        tracking.log_artifact(run_id, str(out / name), "evaluation")
    print(f"NME {metrics['nme'] * 100:.2f} %, AUC@0.08 {metrics[METRIC]:.4f}, FR@0.08 {metrics['fr@0.08']:.4f} "
          f"on {len(errors)} test faces", flush=True)
    return {**metrics, "eval_data_md5": md5}


def promote(model_name: str, version: str, dataset: str = "", layout: str = "jd") -> dict:
    reeval = (lambda uri: LM.auc(score_test_split(load_model(uri), dataset, layout)[0])) if dataset else None  # noqa: E731
    return models.promote(model_name, version, TAG, METRIC, reeval)
