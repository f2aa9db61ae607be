"""Geometric transforms shared by the landmark and parsing trainers: the face-box crop (what a
detector-based pipeline feeds the model) and the training augmentations — random rotation (±30°),
scale (0.75-1.25) and shift, and the horizontal flip that also swaps left/right classes and points.
Images warp bilinearly, label maps by nearest neighbour, points by the same affine matrix."""

from __future__ import annotations

import math

import cv2
import numpy as np

from paperline.faceimage.layouts import hflip


def box_to_crop(box, size: int, margin: float = 0.0) -> np.ndarray:
    """2×3 affine mapping the square around `box` (x1 y1 x2 y2, grown by `margin`) onto size × size."""
    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1) * (1 + margin)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    s = size / side
    return np.array([[s, 0, size / 2 - s * cx], [0, s, size / 2 - s * cy]])


def random_similarity(rng: np.random.Generator, size: int, rotate: float = 30.0, scale=(0.75, 1.25),
                      shift: float = 0.05) -> np.ndarray:
    """Rotation and scale about the centre, then a shift of up to `shift` × size."""
    a = math.radians(rng.uniform(-rotate, rotate))
    s = rng.uniform(*scale)
    c = size / 2
    t = rng.uniform(-shift, shift, 2) * size
    return np.array([[s * math.cos(a), -s * math.sin(a), c - s * (c * math.cos(a) - c * math.sin(a)) + t[0]],
                     [s * math.sin(a), s * math.cos(a), c - s * (c * math.sin(a) + c * math.cos(a)) + t[1]]])


def compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer ∘ inner for 2×3 affine matrices."""
    return (np.vstack([outer, [0, 0, 1]]) @ np.vstack([inner, [0, 0, 1]]))[:2]


def apply_points(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def invert(m: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(m)


def warp(m: np.ndarray, size: int, image: np.ndarray, label: np.ndarray | None = None, pts: np.ndarray | None = None):
    img = cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    lab = None if label is None else cv2.warpAffine(label, m, (size, size), flags=cv2.INTER_NEAREST,
                                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return img, lab, None if pts is None else apply_points(m, pts)


def augment(rng: np.random.Generator, image: np.ndarray, label: np.ndarray | None, pts: np.ndarray,
            flip: bool = True, rotate: float = 30.0, scale=(0.75, 1.25)):
    """A random flip then a random similarity, on an already cropped size × size sample."""
    if flip and rng.random() < 0.5:
        image, label, pts = hflip(image, label, pts)
    return warp(random_similarity(rng, image.shape[0], rotate, scale), image.shape[0], image, label, pts)
