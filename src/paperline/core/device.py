"""Seeds, devices and threads: what every trainer sets the same way before it builds a network."""

from __future__ import annotations

import random

import numpy as np
import torch

from paperline.core.errors import ConfigError


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device=cuda requested but no CUDA device is available")
    return torch.device(name)


def set_threads(threads: int) -> None:
    """torch CPU threads for this process (0: torch's default)."""
    if threads > 0:
        torch.set_num_threads(threads)
