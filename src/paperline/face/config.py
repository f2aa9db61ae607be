"""The face family's configs, in a module that imports no torch: the paper registry (and with it the
register and promote steps) reads them without loading the training code."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError


@dataclass
class FaceTrainConfig:
    backbone: str = param("mobilefacenet", "backbone network: mobilefacenet, ir18 or ir50")
    width: float = param(0.5, "channel width multiplier of the backbone")
    input_size: int = param(64, "side of the square input image in pixels (images are resized to it)")
    embedding_size: int = param(128, "length of the face embedding")
    head: str = param("mv_am", "classification head: softmax, cosface, arcface, mv_am, mv_arc, x2, search, poseface")
    s: float = param(32.0, "scale s of the normalised logits")
    m: float = param(0.35, "margin m of the margin heads")
    t: float = param(0.2, "MV-Softmax: weight t of the mis-classified vectors")
    adaptive: bool = param(True, "MV-Softmax: adaptive (true) or fixed re-weighting of mis-classified vectors")
    easy_threshold: float = param(0.0, "MV-Softmax: the margin applies only where cos θ_y exceeds this (the "
                                  "authors' fc_layers.py: 0; FaceX-Zoo's MV-AM: m)")
    epochs: int = param(8, "passes over the training set")
    batch_size: int = param(128, "images per step (over all training processes)")
    lr: float = param(0.1, "peak SGD learning rate")
    momentum: float = param(0.9, "SGD momentum")
    weight_decay: float = param(5e-4, "SGD weight decay")
    schedule: str = param("step", "learning-rate schedule: step, cosine or mhlr")
    milestones: list = param([0.56, 0.72, 0.89], "step schedule: fractions of training where lr drops 10x")
    warmup_epochs: float = param(0.5, "linear learning-rate warm-up, in epochs")
    # MHLR (schedule=mhlr): the release's defaults suit ~10^5-step runs; see paperline.face.schedulers
    mhlr_alpha: float = param(1e-3, "MHLR: smoothing of the loss slope (alpha)")
    mhlr_beta: float = param(1e-3, "MHLR: smoothing of the slope's average (beta)")
    mhlr_lambda: float = param(5e-5, "MHLR: slope below which the loss counts as stalled (lambda)")
    mhlr_tau: float = param(0.05, "MHLR: stalled steps tolerated, as a share of all steps (tau)")
    mhlr_delta: float = param(2.0, "MHLR: learning-rate divisor at each decay (delta)")
    seed: int = param(0, "seed of weights, shuffling and augmentation")
    device: str = param("auto", "auto, cpu or cuda")
    threads: int = param(0, "torch CPU threads (0: torch's default)")

    def check(self, num_images: int = 0):
        from paperline.face.heads import HEADS
        from paperline.face.schedulers import SCHEDULES

        if self.head not in HEADS:
            raise ConfigError(f"unknown head {self.head!r}; valid heads: {', '.join(HEADS)}")
        if self.epochs < 1 or self.batch_size < 2:
            raise ConfigError("epochs must be >= 1 and batch_size >= 2")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"unknown schedule {self.schedule!r}; valid: {', '.join(SCHEDULES)}")

    def head_params(self) -> dict:
        """The head's symbols; a paper's config subclass adds its own (X2-Softmax: a, h, k, ste)."""
        return {"s": self.s, "m": self.m, "t": self.t, "adaptive": self.adaptive, "easy_threshold": self.easy_threshold}


@dataclass
class F2CTrainConfig(FaceTrainConfig):
    head: str = "cosface"  # the margin of the in-pool loss: cosface (AM) as the release's train_ffc.sh
    m: float = 0.4
    pool_size: int = param(0, "Dynamic Class Pool size Q (0: 10 % of the training identities)")
    gallery_momentum: float = param(0.99, "moving-average momentum of the Gallery Net")

    def pool_for(self, identities: int) -> int:
        """One step writes up to 1.5 B identities (B/2 pairs + B instances); a smaller pool would evict
        a probe's gallery partner before the probe is classified."""
        per_step = 3 * self.batch_size // 2
        q = self.pool_size or min(identities, max(identities // 10, per_step))
        if q > identities:
            raise ConfigError(f"DCP size {q} is larger than the {identities} training identities; "
                              f"use pool_size <= {identities}")
        if q < per_step:
            raise ConfigError(f"DCP size {q} is smaller than the {per_step} identities one step of batch_size "
                              f"{self.batch_size} writes; raise pool_size or lower batch_size")
        return q

    def check(self, num_images: int = 0):
        super().check(num_images)
        if self.head != "cosface":
            raise ConfigError(f"F²C's pool loss is CosFace (AM); head={self.head!r} is not supported")
        if not 0 <= self.gallery_momentum < 1:
            raise ConfigError(f"gallery_momentum must be in [0, 1), got {self.gallery_momentum}")


@dataclass
class PoseFaceTrainConfig(FaceTrainConfig):
    head: str = "poseface"
    base: str = param("cosface", "PoseFace margin form: cosface (cos θ − m_i) or arcface (cos(θ + m_i))")
    m: float = 0.35                 # m0, the frontal margin
    pose_lambda: float = param(0.15, "λ: extra margin at 90° yaw")
    pose_weighting: bool = param(True, "weight samples by the inverse frequency of their yaw bin")
    pose_gamma: float = param(0.5, "γ: sample weight = (1 / bin frequency)^γ, normalised")
    pose_dim: int = param(16, "length of the pose feature f_pose")
    ortho_weight: float = param(1.0, "weight of the identity/pose orthogonality loss")
    pose_weight: float = param(1.0, "weight of the pose regression loss")

    def check(self, num_images: int = 0):
        super().check(num_images)
        if self.base not in ("cosface", "arcface"):
            raise ConfigError(f"unknown PoseFace base margin {self.base!r}; valid: cosface, arcface")
        if self.pose_lambda < 0 or self.m < 0 or self.pose_dim < 1:
            raise ConfigError("PoseFace needs m >= 0, pose_lambda >= 0 and pose_dim >= 1")

    def head_params(self) -> dict:
        return {"s": self.s, "m": self.m, "base": self.base, "pose_lambda": self.pose_lambda,
                "pose_dim": self.pose_dim, "ortho_weight": self.ortho_weight, "pose_weight": self.pose_weight}


@dataclass
class FaceDataConfig:
    train_identities: int = 200
    images_per_identity: int = 16
    verify_identities: int = 100
    verify_images_per_identity: int = 8
    val_identities: int = 50  # the validation split (val/): model choices are scored here, never on verify/
    val_images_per_identity: int = 8
    folds: int = 10
    pairs_per_fold: int = 60  # half same, half different
    image_size: int = 112
    seed: int = 0
    train_frontal_share: float = 0.0  # > 0: this share of training images has |yaw| < 30°, the rest 30-90°

    def check(self):
        if self.pairs_per_fold % 2 or self.pairs_per_fold < 2:
            raise ConfigError("pairs_per_fold must be an even number >= 2")
        if self.verify_identities < 2 or self.verify_images_per_identity < 2:
            raise ConfigError("verification needs >= 2 identities with >= 2 images each")
        if self.val_identities and (self.val_identities < 2 or self.val_images_per_identity < 2):
            raise ConfigError("a validation split needs >= 2 identities with >= 2 images each (val_identities=0: none)")
        if self.train_identities < 2 or self.images_per_identity < 1:
            raise ConfigError("training needs >= 2 identities")
        if not 0.0 <= self.train_frontal_share <= 1.0:
            raise ConfigError(f"train_frontal_share must be in [0, 1], got {self.train_frontal_share}")
