"""Head yaw from the 106 landmarks, for PoseFace's pose signal and for accuracy by yaw bucket.

Geometry: turning the head by ψ moves the nose tip, which stands out of the face, sideways by more
than the eyes and mouth move, so the nose's distance from the eye-mouth midline grows as c·sin ψ.
We divide it by the eye-to-mouth height (unchanged by yaw); the midline turns with roll, so roll
needs no correction (the eye line itself degenerates at profile). r = offset / height ≈ c·sin ψ and
ψ = arcsin(r / c). The one constant c is fitted by least squares where a set records yaw (our
renderer's meta.csv, 300W-LP, Multi-PIE) and otherwise keeps the default measured on the renderer
(docs/papers/poseface.md gives the error in degrees).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperline.core.errors import DataError
from paperline.face.formats import read_meta
from paperline.faceimage import landmarks106 as L
from paperline.faceimage.formats import read_landmarks

BUCKETS = ((0.0, 30.0), (30.0, 60.0), (60.0, 90.0))  # |yaw| ranges for accuracy by yaw bucket


def yaw_ratio(landmarks: np.ndarray) -> np.ndarray:
    """(N,106,2) or (106,2) pixel coordinates -> r = nose offset / eye-mouth height (signed, image-right > 0)."""
    pts = np.asarray(landmarks, np.float64)
    one = pts.ndim == 2
    pts = pts[None] if one else pts
    eye_mid = (pts[:, L.LEFT_PUPIL] + pts[:, L.RIGHT_PUPIL]) / 2
    mouth_mid = (pts[:, L.OUTER_LIP[0]] + pts[:, L.OUTER_LIP[6]]) / 2
    axis = mouth_mid - eye_mid  # the face's midline; eyes and mouth lie at about the same depth
    height = np.maximum(np.linalg.norm(axis, axis=1), 1e-6)
    nose = pts[:, L.NOSE_BRIDGE[-1]] - eye_mid
    r = (axis[:, 1] * nose[:, 0] - axis[:, 0] * nose[:, 1]) / height**2  # signed distance from the midline
    return r[0] if one else r


@dataclass
class YawEstimator:
    """ψ = arcsin(r / c) in degrees; `fit` sets c from recorded yaw."""

    c: float = 0.52  # fitted on the renderer (data/face train, seed 0); refitted where a set records yaw

    def fit(self, ratio: np.ndarray, yaw_deg: np.ndarray) -> "YawEstimator":
        s = np.sin(np.radians(yaw_deg))
        denom = float((s * s).sum())
        if denom <= 0:
            raise DataError("cannot calibrate the yaw estimator: every recorded yaw is 0")
        self.c = float((ratio * s).sum() / denom)
        return self

    def predict(self, ratio: np.ndarray) -> np.ndarray:
        return np.degrees(np.arcsin(np.clip(np.asarray(ratio) / self.c, -1.0, 1.0)))

    def __call__(self, landmarks: np.ndarray) -> np.ndarray:
        return self.predict(yaw_ratio(landmarks))


def landmark_path(image: Path, images_root: Path, landmarks_root: Path) -> Path:
    rel = Path(image).relative_to(images_root)
    return landmarks_root / rel.with_suffix(".txt")


def load_landmarks(images: list[Path], images_root: Path, landmarks_root: Path, who: str) -> np.ndarray:
    """106 points per image from `landmarks/<identity>/<stem>.txt`, or a DataError that names what is
    missing (PoseFace cannot train on images without landmarks)."""
    paths = [landmark_path(p, images_root, landmarks_root) for p in images]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        raise DataError(f"{who}: {len(missing)} of {len(paths)} images have no landmark file, e.g. "
                        f"{', '.join(str(p) for p in missing[:3])}{more}; {who} needs 106 points per image in "
                        f"{landmarks_root}/<identity>/<image>.txt (JD-landmark order)")
    return np.stack([read_landmarks(p) for p in paths])


def recorded_yaw(split_dir: Path, images: list[Path]) -> np.ndarray | None:
    """Yaw in degrees per image from `meta.csv` (path,...,yaw) when the set records it, else None."""
    meta = Path(split_dir) / "meta.csv"
    if not meta.is_file():
        return None
    rows = read_meta(meta)
    if not rows or "yaw" not in rows[0] or "path" not in rows[0]:
        return None
    by_path = {r["path"]: r["yaw"] for r in rows}
    keys = [Path(p).relative_to(split_dir).as_posix() for p in images]
    if any(k not in by_path for k in keys):
        return None
    try:
        return np.array([float(by_path[k]) for k in keys])
    except ValueError as e:
        raise DataError(f"{meta}: yaw column is not numeric ({e})") from None


def bucket_of(yaw_deg: np.ndarray) -> np.ndarray:
    """Index into BUCKETS of |yaw|."""
    a = np.abs(np.asarray(yaw_deg))
    return np.minimum((a // 30).astype(int), len(BUCKETS) - 1)


def bucket_name(k: int) -> str:
    lo, hi = BUCKETS[k]
    return f"yaw_{lo:.0f}_{hi:.0f}"
