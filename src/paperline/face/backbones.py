"""Face embedding backbones in plain torch: MobileFaceNet and IR-ResNet-18/50 (no torchvision).

MobileFaceNet follows FaceX-Zoo `backbone/MobileFaceNets.py` (Chen et al. 2018, arXiv:1804.07573);
IR-ResNet follows insightface `arcface_torch/backbones/iresnet.py` (BN-Conv-BN-PReLU-Conv-BN blocks,
stride 2 at the start of each stage). `width` scales channels for small CPU runs; the embedding head
adapts to any input size divisible by 16.
"""

from __future__ import annotations

import torch
from torch import nn

from paperline.core.errors import ConfigError


class ConvBlock(nn.Sequential):
    def __init__(self, cin, cout, k=1, s=1, p=0, groups=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, s, p, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(nn.PReLU(cout))
        super().__init__(*layers)


class DepthWise(nn.Module):
    def __init__(self, cin, cout, s, groups, residual):
        super().__init__()
        self.residual = residual
        self.body = nn.Sequential(ConvBlock(cin, groups), ConvBlock(groups, groups, 3, s, 1, groups=groups),
                                  ConvBlock(groups, cout, act=False))

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileFaceNet(nn.Module):
    def __init__(self, embedding_size=512, input_size=112, width=1.0):
        super().__init__()
        c = lambda n: max(8, int(n * width))  # noqa: E731
        blocks = lambda n, ch, g: nn.Sequential(*[DepthWise(ch, ch, 1, g, True) for _ in range(n)])  # noqa: E731
        self.features = nn.Sequential(
            ConvBlock(3, c(64), 3, 2, 1),
            ConvBlock(c(64), c(64), 3, 1, 1, groups=c(64)),
            DepthWise(c(64), c(64), 2, c(128), False), blocks(4, c(64), c(128)),
            DepthWise(c(64), c(128), 2, c(256), False), blocks(6, c(128), c(256)),
            DepthWise(c(128), c(128), 2, c(512), False), blocks(2, c(128), c(256)),
            ConvBlock(c(128), c(512)),
        )
        k = input_size // 16
        self.head = nn.Sequential(
            ConvBlock(c(512), c(512), k, 1, 0, groups=c(512), act=False),  # global depthwise conv (GDC)
            nn.Flatten(), nn.Linear(c(512), embedding_size, bias=False), nn.BatchNorm1d(embedding_size))

    def forward(self, x):
        return self.head(self.features(x))


class IBasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
                                  nn.PReLU(cout), nn.Conv2d(cout, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.body(x) + (self.down(x) if self.down is not None else x)


class IResNet(nn.Module):
    def __init__(self, layers, embedding_size=512, input_size=112, width=1.0, dropout=0.0):
        super().__init__()
        chans = [max(8, int(v * width)) for v in (64, 64, 128, 256, 512)]
        self.stem = ConvBlock(3, chans[0], 3, 1, 1)
        stages, cin = [], chans[0]
        for n, cout in zip(layers, chans[1:]):
            stages += [IBasicBlock(cin, cout, 2)] + [IBasicBlock(cout, cout, 1) for _ in range(n - 1)]
            cin = cout
        self.stages = nn.Sequential(*stages)
        k = input_size // 16
        self.head = nn.Sequential(nn.BatchNorm2d(cin), nn.Dropout(dropout), nn.Flatten(),
                                  nn.Linear(cin * k * k, embedding_size), nn.BatchNorm1d(embedding_size))

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


BACKBONES = {
    "mobilefacenet": lambda **kw: MobileFaceNet(**kw),
    "ir18": lambda **kw: IResNet([2, 2, 2, 2], **kw),
    "ir50": lambda **kw: IResNet([3, 4, 14, 3], **kw),
}


def get_backbone(name: str, embedding_size: int = 512, input_size: int = 112, width: float = 1.0) -> nn.Module:
    if name not in BACKBONES:
        raise ConfigError(f"unknown backbone {name!r}; valid: {', '.join(BACKBONES)}")
    if input_size % 16:
        raise ConfigError(f"input_size must be divisible by 16, got {input_size}")
    return BACKBONES[name](embedding_size=embedding_size, input_size=input_size, width=width)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def _smoke():  # pragma: no cover - manual check
    for n in BACKBONES:
        m = get_backbone(n).eval()
        print(n, count_parameters(m), m(torch.zeros(2, 3, 112, 112)).shape)
