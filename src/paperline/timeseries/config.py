"""The timeseries family's configs, in a module that imports no torch or pandas: the paper registry (and with
it the register and promote steps) reads them without loading the training code."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from paperline.core.config import param
from paperline.core.errors import ConfigError

VARIANTS = ("inception", "ls", "kd", "kdct", "kdcr")


@dataclass
class TSConfig:
    """One run of the kdctime pipeline. `variant` picks the student's targets: inception (one-hot, the
    single-net baseline), ls (label smoothing eps), kd (teacher soft labels at temperature tau),
    kdct / kdcr (those soft labels calibrated by translating / reordering)."""
    variant: str = param("kdct", "student targets: inception, ls, kd, kdct or kdcr")
    members: int = param(5, "InceptionTime ensemble size (the teacher)")
    epochs: int = param(1500, "training epochs of every net (the paper: 1500)")
    batch_size: int = param(64, "series per step (hfawaz/InceptionTime: 64; a set smaller than it is one step)")
    lr: float = param(1e-3, "Adam learning rate")
    depth: int = param(6, "Inception modules per net")
    filters: int = param(32, "filters per convolution of a module")
    eps: float = param(0.1, "LSTime: label-smoothing ε")
    tau: float = param(2.0, "KD temperature τ")
    lam: float = param(1.0, "weight of the soft term (1: soft labels instead of hard ones)")
    delta: float = param(math.log(2), "KDCT: true class ends this far above the best other class, in log space")
    rocket_kernels: int = param(10000, "ROCKET's random kernels (the baseline)")
    seed: int = param(0, "seed of every net (members and student derive theirs from it)")
    threads: int = param(0, "torch CPU threads per training process (0: torch's default)")

    def check(self) -> None:
        if self.variant not in VARIANTS:
            raise ConfigError(f"variant must be one of {', '.join(VARIANTS)}, got {self.variant!r}")
        for name in ("members", "epochs", "batch_size", "depth", "filters", "rocket_kernels"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.eps < 1 or not 0 <= self.lam <= 1:
            raise ConfigError(f"eps must be in [0, 1) and lam in [0, 1]; got eps={self.eps}, lam={self.lam}")
        if self.tau <= 0 or self.delta <= 0 or self.lr <= 0:
            raise ConfigError(f"tau, delta and lr must be positive; got {self.tau}, {self.delta}, {self.lr}")


BUNDLED = ["ACSF1", "ArrowHead", "GunPoint", "ItalyPowerDemand", "OSULeaf", "PLAID"]


@dataclass
class UCRDataConfig:
    datasets: list = field(default_factory=lambda: list(BUNDLED))
