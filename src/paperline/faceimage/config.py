"""The shared face-image layer's dataset config, in a module that imports no OpenCV: the paper registry
reads it without loading the renderer."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.errors import ConfigError


@dataclass
class ParsingDataConfig:
    train: int = 2000
    val: int = 200
    test: int = 300
    image_size: int = 128
    max_yaw: float = 60.0
    seed: int = 0

    def check(self):
        if min(self.train, self.val, self.test) < 1:
            raise ConfigError("train, val and test need at least one image each")
        if self.image_size < 32:
            raise ConfigError("image_size must be >= 32")
