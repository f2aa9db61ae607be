"""Boxes, polygons and masks: the overlaps every protocol and metric is built on.

Boxes are `x, y, w, h` in 0-based pixel coordinates; a row of NaN is a frame with no truth (the
target out of view). Polygons are VOT's 8 values `x1, y1, ..., x4, y4`.
"""

from __future__ import annotations

import numpy as np


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of two (N, 4) box arrays; 0 where either box is missing or empty."""
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    x1, y1 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / union, 0.0)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)  # float rounding can pass 1 (got10k clips too)


def centers(boxes: np.ndarray) -> np.ndarray:
    """OTB's centre convention, `x + (w - 1) / 2` (pysot, got10k)."""
    b = np.atleast_2d(np.asarray(boxes, float))
    return np.stack([b[:, 0] + (b[:, 2] - 1) / 2, b[:, 1] + (b[:, 3] - 1) / 2], axis=1)


def box_to_polygon(box) -> np.ndarray:
    x, y, w, h = (float(v) for v in box)
    return np.array([x, y, x + w, y, x + w, y + h, x, y + h])


def polygon_to_box(poly) -> np.ndarray:
    """The axis-aligned bounding box of a VOT polygon (a 4-value row is already a box)."""
    p = np.asarray(poly, float)
    if p.size == 4:
        return p.copy()
    xs, ys = p[0::2], p[1::2]
    return np.array([xs.min(), ys.min(), xs.max() - xs.min(), ys.max() - ys.min()])


def region_overlap(pred, truth, bounds: tuple[int, int] | None = None) -> float:
    """VOT's overlap of two regions (boxes or polygons), both cut to the frame `bounds` (w, h):
    pysot's `vot_overlap` computed with shapely."""
    from shapely.geometry import Polygon, box

    def poly(r):
        r = np.asarray(r, float)
        if r.size == 4:
            r = box_to_polygon(r)
        if not np.all(np.isfinite(r)):
            return None
        shape = Polygon(r.reshape(4, 2))
        return shape if shape.is_valid else shape.buffer(0)

    a, b = poly(pred), poly(truth)
    if a is None or b is None or a.area <= 0 or b.area <= 0:
        return 0.0
    if bounds is not None:
        frame = box(0, 0, bounds[0], bounds[1])
        a, b = a.intersection(frame), b.intersection(frame)
    union = a.union(b).area
    return float(a.intersection(b).area / union) if union > 0 else 0.0


def mask_box(mask: np.ndarray) -> np.ndarray:
    """The bounding box of a mask's pixels (NaN when it has none)."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return np.full(4, np.nan)
    return np.array([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1], float)


def mask_polygon(mask: np.ndarray) -> np.ndarray:
    """The minimum-area rotated rectangle of a mask as a VOT polygon (SiamMask's VOT output)."""
    import cv2

    ys, xs = np.nonzero(mask)
    if len(xs) < 3:
        return np.full(8, np.nan)
    rect = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
    return cv2.boxPoints(rect).reshape(-1).astype(float)

