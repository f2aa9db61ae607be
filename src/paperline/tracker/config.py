"""The tracker family's configs, in a module that imports no torch or OpenCV: the paper registry
reads them without loading the tracking code."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError

SIAMESE = {"pts": (True, True, True), "no-prediction": (False, False, False), "kalman-only": (False, True, False),
           "camera-only": (True, False, False), "camera+kalman": (True, True, False)}
"""The Siamese trackers of the comparison: (camera motion, Kalman object motion, dynamic search size)."""
OPENCV = ("csrt", "kcf", "mil", "mosse")
LAYOUTS = ("vot", "otb", "davis")


@dataclass
class SequenceDataConfig:
    """`paperline data build sequences`: rendered tracking sequences in the VOT, OTB and DAVIS layouts."""
    train_sequences: int = param(24, "training sequences (DAVIS layout only, ImageSets train.txt)")
    test_sequences: int = param(12, "test sequences (VOT, OTB and DAVIS val): clean, occlusion and distractor "
                                    "cases in turn")
    frames: str = param("70,110", "frames per sequence: min,max")
    width: int = param(320, "frame width")
    height: int = param(240, "frame height")
    face_share: float = param(0.4, "share of targets that are rendered faces (the rest textured shapes)")
    seed: int = param(0, "generator seed")

    def check(self) -> None:
        lo, hi = self.frame_range()
        if self.train_sequences < 1 or self.test_sequences < 1:
            raise ConfigError("need train_sequences >= 1 and test_sequences >= 1")
        if not 20 <= lo <= hi:
            raise ConfigError(f"frames must be min,max with 20 <= min <= max, got {self.frames!r}")
        if self.width < 160 or self.height < 120:
            raise ConfigError("need width >= 160 and height >= 120")
        if not 0 <= self.face_share <= 1:
            raise ConfigError(f"face_share must lie in [0, 1], got {self.face_share}")

    def frame_range(self) -> tuple[int, int]:
        try:
            lo, hi = (int(v) for v in self.frames.split(","))
        except ValueError:
            raise ConfigError(f"frames must be two integers min,max like 70,110, got {self.frames!r}") from None
        return lo, hi


@dataclass
class TrackerConfig:
    """pts-tracking's parameters: the Siamese network and its training, the PTS predictor, the
    trackers compared and the protocols."""
    # the network (paperline.tracker.model)
    exemplar: int = param(31, "exemplar crop side in pixels (the target with context)")
    instance: int = param(63, "search crop side in pixels at the exemplar's scale")
    channels: int = param(32, "backbone channels")
    mask_size: int = param(15, "side of the mask each score cell predicts for its exemplar-sized window")
    context: float = param(0.5, "context around the box in the exemplar crop, SiamFC's (w + h) / 2 share")
    # training (paperline.tracker.train)
    epochs: int = param(8, "training epochs over the frame pairs")
    pairs: int = param(3000, "frame pairs sampled per epoch from the training sequences")
    max_gap: int = param(20, "largest frame distance between the exemplar and the search frame of a pair")
    batch_size: int = param(32, "pairs per batch")
    lr: float = param(2e-3, "peak AdamW learning rate (one-cycle)")
    weight_decay: float = param(1e-4, "AdamW weight decay")
    mask_weight: float = param(1.0, "weight of the mask loss beside the score loss")
    # tracking (paperline.tracker.siamese)
    window_influence: float = param(0.35, "weight of the cosine window over the score map")
    scales: int = param(3, "search scales (SiamFC); the box's size follows the best one. 1: the size follows "
                           "the mask's extent instead")
    scale_step: float = param(1.0375, "size ratio between neighbouring search scales (SiamFC)")
    scale_penalty: float = param(0.9745, "peak score factor of a scale other than the current one (SiamFC)")
    scale_lr: float = param(0.59, "share of the best scale's size change taken per frame (SiamFC)")
    size_lr: float = param(0.3, "with scales=1: box size update rate towards the mask's extent, times the peak")
    mask_threshold: float = param(0.3, "mask probability above which a pixel is the target")
    occlusion_ratio: float = param(0.4, "peak score, relative to the running mean of accepted peaks, below "
                                         "which the target counts as occluded (the Kalman filter coasts)")
    coast_frames: int = param(40, "frames the Kalman filter may coast without a measurement")
    distractor: float = param(0.5, "with the Kalman filter: another match at least this share of the running peak "
                                    "is followed with its own filter; while it crosses the target the target's "
                                    "filter coasts, and once apart its place is not taken (0: off)")
    gate: float = param(9.21, "chi-square gate (2 dof; 9.21: 99 %) on a match's distance from the Kalman "
                               "prediction; a match outside is not taken (0: off)")
    kappa: float = param(1.0, "search growth per unit of predicted position std over the exemplar scale")
    max_growth: float = param(2.0, "largest search crop, as a multiple of `instance`")
    min_inliers: int = param(8, "RANSAC inliers below which the camera motion is taken as none")
    trackers: str = param("pts,no-prediction,kalman-only,camera-only,camera+kalman,csrt,kcf,mil,mosse",
                          "trackers of the comparison (Siamese: pts, no-prediction, kalman-only, camera-only, "
                          "camera+kalman; OpenCV: csrt, kcf, mil, mosse)")
    # protocols (paperline.tracker.protocol, paperline.tracker.metrics)
    layout: str = param("vot", "layout the test sequences are read from: vot, otb or davis")
    eao_range: str = param("20,90", "EAO sequence-length range low,high (VOT2018: 100,356; scaled to the "
                                    "embedded sequences' lengths)")
    reinit_gap: int = param(5, "VOT protocol: frames after a failure before re-initialising")
    burnin: int = param(10, "VOT protocol: frames after a (re)initialisation left out of accuracy")
    strip_frames: int = param(6, "frames in the report's picture strip of the hardest sequence")
    threads: int = param(1, "torch threads per task (one core per tracker in the ParallelFor)")
    device: str = param("auto", "auto, cpu or cuda")
    seed: int = param(0, "seed of the pair sampling and the network")

    def check(self) -> None:
        if self.exemplar % 2 == 0 or self.instance % 2 == 0 or self.instance <= self.exemplar:
            raise ConfigError(f"exemplar and instance must be odd with instance > exemplar, got {self.exemplar}, "
                              f"{self.instance}")
        if (self.instance - self.exemplar) % 4:
            raise ConfigError("instance - exemplar must be a multiple of the network stride 4")
        for name in ("epochs", "pairs", "batch_size", "max_gap", "reinit_gap", "channels", "mask_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.scales < 1 or self.scales % 2 == 0 or self.scale_step < 1:
            raise ConfigError(f"scales must be odd and >= 1 and scale_step >= 1, got {self.scales}, {self.scale_step}")
        for name in ("window_influence", "mask_threshold", "occlusion_ratio", "size_lr", "scale_penalty", "scale_lr",
                     "distractor"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        if self.max_growth < 1:
            raise ConfigError(f"max_growth must be >= 1, got {self.max_growth}")
        if self.layout not in LAYOUTS:
            raise ConfigError(f"layout must be one of {', '.join(LAYOUTS)}, got {self.layout!r}")
        self.tracker_list()
        self.eao_bounds()

    def tracker_list(self) -> list[str]:
        names = [t.strip() for t in self.trackers.split(",") if t.strip()]
        bad = [t for t in names if t not in SIAMESE and t not in OPENCV]
        if bad or not names:
            raise ConfigError(f"unknown trackers {bad or self.trackers!r}; choose from "
                              f"{', '.join([*SIAMESE, *OPENCV])}")
        if "pts" not in names:
            raise ConfigError("trackers must include pts, the registered model")
        return names

    def eao_bounds(self) -> tuple[int, int]:
        try:
            lo, hi = (int(v) for v in self.eao_range.split(","))
        except ValueError:
            raise ConfigError(f"eao_range must be low,high like 20,90, got {self.eao_range!r}") from None
        if not 1 <= lo <= hi:
            raise ConfigError(f"eao_range needs 1 <= low <= high, got {self.eao_range!r}")
        return lo, hi
