"""The landmarks family's configs, in a module that imports no torch or pandas: the paper registry (and with
it the register and promote steps) reads them without loading the training code."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError


@dataclass
class LandmarkConfig:
    input_size: int = param(128, "side of the square face crop in pixels (multiple of 8)")
    width: int = param(32, "channels of the first stage; doubles at each of the three stride-2 stages")
    epochs: int = param(12, "passes over the training faces")
    batch_size: int = param(32, "faces per step")
    lr: float = param(2e-3, "peak AdamW learning rate (one-cycle schedule)")
    weight_decay: float = param(1e-4, "AdamW weight decay")
    offset_weight: float = param(2.0, "weight of the offset L1 loss beside the cell cross-entropy")
    crop_margin: float = param(0.1, "grow the face box by this share before cropping")
    augment: bool = param(True, "flip, rotate, scale and shift the training faces")
    seed: int = param(0, "seed of weights, shuffling and augmentation")
    device: str = param("auto", "auto, cpu or cuda")
    threads: int = param(0, "torch CPU threads (0: torch's default)")

    def check(self):
        if self.input_size % 8 or self.input_size < 32:
            raise ConfigError(f"input_size must be a multiple of 8 and >= 32, got {self.input_size}")
        if self.epochs < 1 or self.batch_size < 1 or self.width < 4:
            raise ConfigError("epochs and batch_size must be >= 1, width >= 4")
