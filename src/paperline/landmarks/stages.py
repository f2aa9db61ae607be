"""JD-landmark stages: validate, train, evaluate (NME, AUC@0.08, FR@0.08, CED and overlay pictures),
and the promotion gate's re-evaluation. Plain paths and a config in, metrics out (no KFP)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.reports import write_evaluation
from paperline.faceimage.layouts import TRAIN_TEST
from paperline.landmarks import metrics as LM
from paperline.landmarks.pipnet import (
    LandmarkConfig,
    config_of,
    load_crops,
    load_items,
    pipnet,
    predict_original,
    train_landmarks,
)

METRIC = "auc@0.08"


def train(dataset: str, model_path: str, cfg: LandmarkConfig, paper: str, kfp_run_id: str, data_meta: dict,
          layout: str = "jd", run_name: str = ""):
    cfg.check()
    items = load_items(dataset, layout, TRAIN_TEST[layout][0])
    crops, pts, _, _ = load_crops(items, cfg, "training faces")
    params = {**asdict(cfg), "layout": layout, "train_images": len(items)}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, run_name) as run:
        model, history = train_landmarks(crops, pts, cfg, on_epoch=run.on_epoch,
                                         work_dir=run.work_dir)
        save_model(model, model_path, pipnet)
    return run.id, history


def score_test_split(model, dataset: str, layout: str = "jd"):
    """Per-image NME on the test split, the predictions, the ground truth, the items and the md5 of
    the files read (each read once)."""
    items = load_items(dataset, layout, TRAIN_TEST[layout][1])
    digest = Digest()
    crops, _, mats, gt = load_crops(items, config_of(model), "test faces", read=digest.file)
    pred = predict_original(model, crops, mats)
    return LM.nme(pred, gt), pred, gt, items, digest.hexdigest()


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
    pngs = {"ced.png": LM.ced_png({"PIPNet": errors}), "overlay.png": overlay_png(items, pred, gt, errors)}
    files = write_evaluation(out_dir, "106-point landmarks", metrics, md5, pngs)
    experiments.log_evaluation(run_id, metrics, md5, files)
    print(f"NME {metrics['nme'] * 100:.2f} %, AUC@0.08 {metrics[METRIC]:.4f}, FR@0.08 {metrics['fr@0.08']:.4f} "
          f"on {len(errors)} test faces", flush=True)
    return {**metrics, "eval_data_md5": md5}


def reevaluate(model_file: Path, dataset: str, run) -> float:
    """The promotion gate's hook: a champion's AUC@0.08 on the candidate's test faces."""
    return LM.auc(score_test_split(load_model(model_file), dataset, run.params.get("layout", "jd"))[0])
