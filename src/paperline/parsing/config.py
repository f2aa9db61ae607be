"""The parsing family's configs, in a module that imports no torch or pandas: the paper registry (and with
it the register and promote steps) reads them without loading the training code."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError


@dataclass
class ParsingConfig:
    boundary: bool = param(True, "BSPNet's boundary and boundary-attention branches (false: the plain CE net)")
    input_size: int = param(128, "side of the square input in pixels (multiple of 16)")
    width: int = param(16, "channels at the top of the U-Net; doubles per level")
    epochs: int = param(8, "passes over the training faces")
    batch_size: int = param(16, "faces per step")
    lr: float = param(3e-3, "peak AdamW learning rate (one-cycle schedule)")
    weight_decay: float = param(1e-4, "AdamW weight decay")
    lambda_b: float = param(1.0, "λ_b: weight of the boundary BCE")
    lambda_ba: float = param(1.0, "λ_ba: weight of the boundary-attention CE")
    alpha: float = param(1.0, "α: extra weight of boundary pixels in the attention CE")
    class_balance: float = param(0.0, "γ: class weights (median class frequency / frequency)^γ in the CE terms "
                                 "(0: unweighted, 1: median-frequency balancing)")
    augment: bool = param(True, "flip, rotate and scale the training faces")
    seed: int = param(0, "seed of weights, shuffling and augmentation")
    device: str = param("auto", "auto, cpu or cuda")
    threads: int = param(0, "torch CPU threads (0: torch's default)")

    def check(self):
        if self.input_size % 16:
            raise ConfigError(f"input_size must be a multiple of 16, got {self.input_size}")
        if self.epochs < 1 or self.batch_size < 1 or self.width < 4:
            raise ConfigError("epochs and batch_size must be >= 1, width >= 4")
        if not 0 <= self.class_balance <= 2:
            raise ConfigError(f"class_balance must be in [0, 2], got {self.class_balance}")
