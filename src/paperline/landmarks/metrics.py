"""106-point landmark metrics as the JD-landmark challenges define them (FLLC evaluation page).

NME_i = mean_k ‖pred_k − gt_k‖₂ / d with d = √(W·H) of the box enclosing the *ground-truth* points
(not the detector's face box); CED(e) = share of images with NME_i ≤ e; AUC@a = ∫₀ᵃ CED / a, which for
the step-function CED is exactly mean_i max(0, a − NME_i) / a; FR@a = share of images with NME_i > a.
"""

from __future__ import annotations

import numpy as np

from paperline.core.errors import DataError
from paperline.core.figures import figure, to_png

THRESHOLD = 0.08


def nme(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """(N,106,2) predictions and ground truth -> (N,) normalised mean errors."""
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[2] != 2:
        raise DataError(f"landmark arrays must both be (N, points, 2); got {pred.shape} and {gt.shape}")
    span = gt.max(1) - gt.min(1)
    d = np.sqrt(span[:, 0] * span[:, 1])
    if (d <= 0).any():
        raise DataError(f"{int((d <= 0).sum())} ground-truth shape(s) have a degenerate box (zero width or height)")
    return np.linalg.norm(pred - gt, axis=2).mean(1) / d


def auc(errors: np.ndarray, a: float = THRESHOLD) -> float:
    return float(np.mean(np.maximum(0.0, 1.0 - np.asarray(errors) / a)))


def failure_rate(errors: np.ndarray, a: float = THRESHOLD) -> float:
    return float(np.mean(np.asarray(errors) > a))


def summary(errors: np.ndarray, a: float = THRESHOLD) -> dict:
    return {"nme": float(np.mean(errors)), f"auc@{a:g}": auc(errors, a), f"fr@{a:g}": failure_rate(errors, a),
            "images": int(len(errors))}


def ced_png(curves: dict[str, np.ndarray], a: float = THRESHOLD) -> bytes:
    """Cumulative error distribution of each named set of per-image errors, up to a."""
    grid = np.linspace(0, a, 401)
    fig, ax = figure(figsize=(5, 4))
    for name, err in curves.items():
        err = np.sort(np.asarray(err))
        ax.plot(grid, np.searchsorted(err, grid, side="right") / len(err),
                label=f"{name} (AUC {auc(err, a):.3f})")
    ax.set_xlabel("NME (normalised by √(W·H) of the ground-truth box)")
    ax.set_ylabel("share of images")
    ax.set_title(f"Cumulative error distribution up to {a:g}")
    ax.set_ylim(0, 1.01)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return to_png(fig)
