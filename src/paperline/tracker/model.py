"""A SiamMask-style Siamese tracker network, small enough for one CPU core.

SiamMask (Wang et al. 2019) correlates exemplar and search features depth-wise and reads, at every
position of the response, a target score and a mask of an exemplar-sized window around that
position. This one keeps that design at toy scale: a 4-layer unpadded backbone of stride 4 (no
padding keeps it translation-equivariant, as SiamFC requires, so a score cell is a displacement), a
1x1 adjustment on each branch, depth-wise cross-correlation, a score head (one logit per cell, no
anchors: the box comes from the mask, as in SiamMask's own VOT output) and a mask head of
`mask_size`^2 logits per cell. With exemplar 31 and search 63 the response is 9x9, one cell per 4
search pixels; a larger search crop (PTS's dynamic search region) gives a larger response at the
same scale.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.checkpoint import model_factory

STRIDE = 4


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SiamMaskNet(nn.Module):
    def __init__(self, channels: int = 32, mask_size: int = 15, exemplar: int = 31, instance: int = 63):
        super().__init__()
        c = channels
        self.config = {"channels": c, "mask_size": mask_size, "exemplar": exemplar, "instance": instance}
        self.mask_size = mask_size
        self.backbone = nn.Sequential(_block(3, 16, 2), _block(16, c, 1), _block(c, c, 2),
                                      nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c))
        self.adjust_z, self.adjust_x = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.score = nn.Sequential(nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.Conv2d(c, 1, 1))
        self.mask = nn.Sequential(nn.Conv2d(c, 2 * c, 1), nn.BatchNorm2d(2 * c), nn.ReLU(inplace=True),
                                  nn.Conv2d(2 * c, mask_size * mask_size, 1))

    @staticmethod
    def normalise(images: torch.Tensor) -> torch.Tensor:
        """uint8-range BGR (B, 3, H, W) to roughly zero-mean, unit-range input."""
        return images / 127.5 - 1.0

    def template(self, z: torch.Tensor) -> torch.Tensor:
        return self.adjust_z(self.backbone(self.normalise(z)))

    def respond(self, kernel: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(score logits (B, S, S), mask logits (B, m*m, S, S)) of search crops against template kernels."""
        feat = self.adjust_x(self.backbone(self.normalise(x)))
        b, c, h, w = feat.shape
        corr = F.conv2d(feat.reshape(1, b * c, h, w), kernel.reshape(b * c, 1, *kernel.shape[2:]), groups=b * c)
        corr = corr.reshape(b, c, *corr.shape[2:])
        return self.score(corr)[:, 0], self.mask(corr)

    def forward(self, z: torch.Tensor, x: torch.Tensor):
        return self.respond(self.template(z), x)


def response_size(instance: int, exemplar: int) -> int:
    """The score map's side for a search crop of `instance` pixels (the backbone is unpadded)."""
    def out(n):
        for stride in (2, 1, 2, 1):
            n = (n - 3) // stride + 1
        return n
    return out(instance) - out(exemplar) + 1


def cell_offset(cell: float, instance: int, exemplar: int) -> float:
    """Search-crop pixels from the crop's centre to where the exemplar's centre sits at a score cell."""
    return STRIDE * cell + (exemplar - 1) / 2 - (instance - 1) / 2


@model_factory
def siammask(config: dict) -> SiamMaskNet:
    """The network of a model file; its tracking settings travel in the config (`tracking`)."""
    model = SiamMaskNet(**{k: v for k, v in config.items() if k != "tracking"})
    if "tracking" in config:
        model.config["tracking"] = dict(config["tracking"])
    return model
