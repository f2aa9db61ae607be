"""The square crops a Siamese tracker sees, and the way back to frame coordinates."""

from __future__ import annotations

import numpy as np


def exemplar_side(w: float, h: float, context: float) -> float:
    """SiamFC's exemplar side: the box grown by `context` * (w + h) on each axis, squared by area."""
    p = context * (w + h)
    return float(np.sqrt((w + p) * (h + p)))


def crop_matrix(center, side: float, out: int) -> np.ndarray:
    """The 2x3 affine map from frame pixels to a crop of `side` frame pixels centred at `center`,
    resized to `out` pixels."""
    s = out / side
    cx, cy = center
    return np.array([[s, 0, (out - 1) / 2 - s * cx], [0, s, (out - 1) / 2 - s * cy]], np.float64)


def crop(frame: np.ndarray, center, side: float, out: int, border=None) -> np.ndarray:
    """A crop of `frame` (border: the frame's mean colour, SiamFC's padding), float32 HWC."""
    import cv2

    if border is None:
        border = frame.reshape(-1, frame.shape[-1]).mean(0) if frame.ndim == 3 else float(frame.mean())
    value = tuple(float(v) for v in np.atleast_1d(border))
    return cv2.warpAffine(frame, crop_matrix(center, side, out), (out, out), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=value).astype(np.float32)


def paste_mask(prob: np.ndarray, center, side: float, shape: tuple[int, int]) -> np.ndarray:
    """A window's mask probabilities (m x m over `side` frame pixels around `center`) in the frame."""
    import cv2

    m = prob.shape[0]
    inv = np.linalg.inv(np.vstack([crop_matrix(center, side, m), [0, 0, 1]]))[:2]
    return cv2.warpAffine(prob.astype(np.float32), inv, (shape[1], shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def to_tensor(crops: list[np.ndarray]):
    import torch

    return torch.from_numpy(np.ascontiguousarray(np.stack(crops).transpose(0, 3, 1, 2)))
