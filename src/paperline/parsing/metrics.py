"""Face-parsing F1 as LaPa results are reported (FaRL's scorer, insightface DML-CSR `miou.py`).

Pixel counts H[g, p] (ground truth g, prediction p) are accumulated over the whole test set, not per
image; F1_c = 2·H[c,c] / (Σ_p H[c,p] + Σ_g H[g,c]); mean F1 averages the ten face classes 1..10 —
background is excluded. A class absent from both ground truth and prediction over the whole set has
no F1: it is NaN, reported as such, and left out of the mean (which says how many classes it used).
"""

from __future__ import annotations

import numpy as np

from paperline.core.errors import DataError
from paperline.faceimage.landmarks106 import LAPA_CLASSES

NUM_CLASSES = len(LAPA_CLASSES)


class ConfusionHistogram:
    def __init__(self, num_classes: int = NUM_CLASSES):
        self.n = num_classes
        self.hist = np.zeros((num_classes, num_classes), np.int64)

    def add(self, gt: np.ndarray, pred: np.ndarray) -> "ConfusionHistogram":
        gt, pred = np.asarray(gt), np.asarray(pred)
        if gt.shape != pred.shape:
            raise DataError(f"label map {gt.shape} and prediction {pred.shape} differ in shape")
        if gt.size and (gt.max() >= self.n or pred.max() >= self.n):
            raise DataError(f"class id above {self.n - 1} in a label map or prediction")
        self.hist += np.bincount(gt.ravel().astype(np.int64) * self.n + pred.ravel(),
                                 minlength=self.n * self.n).reshape(self.n, self.n)
        return self

    def f1(self) -> np.ndarray:
        tp = np.diag(self.hist).astype(np.float64)
        denom = self.hist.sum(1) + self.hist.sum(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), np.nan)

    def summary(self, classes: list[int] | None = None) -> dict:
        """Per-class F1 by LaPa name and the mean over the face classes (1..10, or `classes`)."""
        f1 = self.f1()
        classes = list(range(1, self.n)) if classes is None else classes
        shown = [f1[c] for c in classes if not np.isnan(f1[c])]
        out = {f"f1_{LAPA_CLASSES[c]}": float(f1[c]) for c in range(1, self.n)}
        out["mean_f1"] = float(np.mean(shown)) if shown else float("nan")
        out["mean_f1_classes"] = len(shown)
        return out


def boundary(label: np.ndarray) -> np.ndarray:
    """B(p) = 1 where any pixel of p's 3×3 neighbourhood has another label (the BASS boundary target)."""
    lab = np.pad(label, 1, mode="edge")
    h, w = label.shape
    out = np.zeros((h, w), bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                out |= lab[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] != label
    return out
