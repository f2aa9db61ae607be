"""The generators and discriminators of the comparison: a DCGAN-style generator with optional GIU
blocks (at the 16x16 and 32x32 maps) and BN or RBN, and a conv discriminator with spectral norm
(SNGAN, GIU-GAN) or BN (DCGAN). Baselines are widened to GIU-GAN's parameter count."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm

from paperline.core.checkpoint import model_factory
from paperline.gan.config import MODELS
from paperline.gan.layers import GIU, norm_layer


class Generator(nn.Module):
    def __init__(self, z_dim: int, channels: int, image_size: int, out_channels: int, norm: str, giu: bool):
        super().__init__()
        ups = {32: 3, 64: 4}[image_size]
        widths = [channels * 2 ** (ups - i) for i in range(ups + 1)]  # 32: 8c@4, 4c@8, 2c@16, c@32
        layers: list[nn.Module] = [nn.ConvTranspose2d(z_dim, widths[0], 4, 1, 0, bias=False),
                                   norm_layer(norm, widths[0]), nn.ReLU(inplace=True)]
        side = 4
        for cin, cout in zip(widths, widths[1:]):
            side *= 2
            layers += [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), norm_layer(norm, cout), nn.ReLU(True)]
            if giu and side in (16, 32):
                layers.append(GIU(cout, kernel_size=3))
        layers += [nn.Conv2d(widths[-1], out_channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.view(len(z), -1, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, channels: int, image_size: int, in_channels: int, spectral: bool):
        super().__init__()
        downs = {32: 3, 64: 4}[image_size]
        wrap = spectral_norm if spectral else (lambda m: m)
        layers: list[nn.Module] = []
        cin, cout = in_channels, channels
        for i in range(downs):
            layers.append(wrap(nn.Conv2d(cin, cout, 4, 2, 1)))
            if not spectral and i > 0:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.LeakyReLU(0.1 if spectral else 0.2, inplace=True))
            cin, cout = cout, cout * 2
        layers.append(wrap(nn.Conv2d(cin, 1, 4, 1, 0)))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).view(-1)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def g_config(name: str, z_dim: int, channels: int, image_size: int, out_channels: int) -> dict:
    giu, norm, _, _ = MODELS[name]
    return {"model": name, "z_dim": z_dim, "channels": channels, "image_size": image_size,
            "out_channels": out_channels, "norm": norm, "giu": giu}


@model_factory
def generator(config: dict) -> Generator:
    g = Generator(config["z_dim"], config["channels"], config["image_size"], config["out_channels"], config["norm"],
                  config["giu"])
    g.config = dict(config)
    return g


def matched_config(name: str, z_dim: int, giu_channels: int, image_size: int, out_channels: int) -> dict:
    """The generator config of `name` whose parameter count is closest to GIU-GAN's at `giu_channels`
    (the GIU models keep that width: involution groups need multiples of 16)."""
    target = count(generator(g_config("giu-gan", z_dim, giu_channels, image_size, out_channels)))
    if MODELS[name][0]:
        return g_config(name, z_dim, giu_channels, image_size, out_channels)
    widths = range(max(4, giu_channels - 8), giu_channels + 9)
    return min((g_config(name, z_dim, w, image_size, out_channels) for w in widths),
               key=lambda c: abs(count(generator(c)) - target))


def discriminator(name: str, channels: int, image_size: int, in_channels: int) -> Discriminator:
    return Discriminator(channels, image_size, in_channels, MODELS[name][2])
