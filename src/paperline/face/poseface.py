"""PoseFace (arXiv:2107.11721): pose-invariant features from landmarks and a pose-adaptive loss.

No code or paper body of PoseFace was readable here, so this follows the abstract and the project
spec (`face-recognition.md` §5, all [I]); what we chose:

- **pose signal**: yaw estimated from each training image's 106 landmarks (`paperline.pose`,
  calibrated on the set's recorded yaw when there is one). Ground-truth yaw is never a training input.
- **disentanglement**: two linear heads on the backbone's feature, f_id (d) and f_pose (`pose_dim`).
  f_pose regresses |ψ|/90 (MSE; |ψ| because training flips images), and an orthogonality penalty
  ‖F̂_idᵀ F̂_pose‖²_F / B² (rows L2-normalised; the spec's / B grows with the batch, / B² keeps the
  term in [0, 1]) decorrelates the two over the batch, so the pose goes to f_pose and f_id is left
  with identity. Only f_id is the embedding that verification uses.
- **pose-adaptive loss**: a CosFace or ArcFace margin per sample, m_i = m0 + λ·|ψ_i|/90 (profiles get
  the larger margin), and with `pose_weighting` each sample's cross-entropy is weighted by the inverse
  frequency of its |yaw| bin (15° bins) to the power γ, normalised to mean 1 over the training set,
  so the rarer profiles count more in a frontal-heavy set.

Training is the shared trainer (`train_face`) with the per-image pose passed as side information.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paperline.core.errors import DataError
from paperline.face.config import PoseFaceTrainConfig
from paperline.face.formats import list_image_folder
from paperline.face.pose import YawEstimator, load_landmarks, recorded_yaw, yaw_ratio
from paperline.face.train import train_face
from paperline.faceimage.formats import read_image

BIN_DEG = 15.0


def pose_weights(abs_yaw_deg: np.ndarray, gamma: float) -> np.ndarray:
    """(1 / frequency of the sample's 15° |yaw| bin)^γ, normalised to mean 1 over the set."""
    bins = np.minimum((np.asarray(abs_yaw_deg) // BIN_DEG).astype(int), int(90 // BIN_DEG) - 1)
    freq = np.bincount(bins, minlength=int(90 // BIN_DEG)) / len(bins)
    w = freq[bins] ** -gamma
    return w / w.mean()


def load_pose_train_set(train_dir: str | Path, image_size: int = 112):
    """Images and labels from the image folder plus each image's landmark-estimated yaw: what the
    PoseFace trainer needs (RecordIO carries no landmarks, so the folder is read)."""
    train_dir = Path(train_dir)
    images_root = train_dir / "images"
    if not images_root.is_dir():
        raise DataError(f"{train_dir}: PoseFace reads the image folder train/images/<identity>/ beside "
                        "train/landmarks/<identity>/ (RecordIO carries no landmarks)")
    paths, labels, _ = list_image_folder(images_root)
    landmarks = load_landmarks(paths, images_root, train_dir / "landmarks", "PoseFace")
    images = np.stack([read_image(p, image_size) for p in paths])
    return images, labels, {"landmarks": landmarks, "recorded_yaw": recorded_yaw(train_dir, paths)}


def train_poseface(images: np.ndarray, labels: np.ndarray, cfg: PoseFaceTrainConfig, work_dir,
                   landmarks: np.ndarray | None = None, recorded_yaw: np.ndarray | None = None, **kw):
    """Estimates each image's yaw from its landmarks (calibrated on `recorded_yaw` when given), then
    trains with the pose as side information; the history records the estimator's fit."""
    if landmarks is None:
        raise DataError("PoseFace needs 106 landmarks per training image; none were given")
    if len(landmarks) != len(images):
        raise DataError(f"PoseFace: {len(images)} images but {len(landmarks)} landmark sets")
    ratio = yaw_ratio(landmarks)
    est = YawEstimator()
    if recorded_yaw is not None:
        est.fit(ratio, recorded_yaw)
    yaw = np.abs(est.predict(ratio))
    weights = pose_weights(yaw, cfg.pose_gamma) if cfg.pose_weighting else np.ones(len(yaw))
    side = np.stack([yaw / 90.0, weights], 1).astype(np.float32)
    fit = {"yaw_scale_c": est.c, "train_frontal_share_est": float((yaw < 30).mean()),
           "max_sample_weight": float(weights.max())}
    if recorded_yaw is not None:
        fit["yaw_mae_deg"] = float(np.abs(est.predict(ratio) - recorded_yaw).mean())
    print("PoseFace pose signal: " + ", ".join(f"{k} {v:.3f}" for k, v in fit.items()), flush=True)
    on_epoch = kw.pop("on_epoch", None)
    if cfg.head != "poseface":  # `--set head=cosface`: the plain backbone on the same data, for comparison
        side = None
    model, history = train_face(images, labels, cfg, work_dir, side=side,
                                on_epoch=(lambda e, rec: on_epoch(e, {**rec, **fit})) if on_epoch else None, **kw)
    for rec in history:
        rec.update(fit)
    return model, history
