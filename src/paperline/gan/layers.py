"""The GIU module's parts, from their reference code: involution (d-li14/involution,
`involution_naive.py`), squeeze-excitation (Hu et al.) and Representative BatchNorm
(ShangHua-Gao/RBN, `rbn.py`), and the GIU block that joins SE and involution."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Involution(nn.Module):
    """Spatial-specific, channel-shared kernels generated from the feature at each location:
    kernel = conv2(ReLU(BN(conv1(x)))), one K x K kernel per group of 16 channels. The reference
    unfolds x into (B, G, Cg, K*K, H, W) and sums kernel * patches over K*K; the same sum is taken
    here tap by tap over shifted views of the zero-padded input, which needs no K*K-fold copy
    (a GIU-GAN training step 1.7-2x faster on the CPU; tested equal to a direct loop and to the unfold
    form)."""

    def __init__(self, channels: int, kernel_size: int = 3, stride: int = 1, group_channels: int = 16,
                 reduction: int = 4):
        super().__init__()
        if channels % group_channels:
            raise ValueError(f"involution needs channels divisible by {group_channels}, got {channels}")
        self.kernel_size, self.stride, self.channels = kernel_size, stride, channels
        self.group_channels, self.groups = group_channels, channels // group_channels
        self.conv1 = nn.Sequential(nn.Conv2d(channels, channels // reduction, 1, bias=False),
                                   nn.BatchNorm2d(channels // reduction), nn.ReLU(inplace=True))
        self.conv2 = nn.Conv2d(channels // reduction, kernel_size ** 2 * self.groups, 1)
        self.avgpool = nn.AvgPool2d(stride, stride) if stride > 1 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.conv2(self.conv1(self.avgpool(x)))
        b, _, h, w = weight.shape
        k, s = self.kernel_size, self.stride
        weight = weight.view(b, self.groups, 1, k * k, h, w)
        padded = F.pad(x, [(k - 1) // 2] * 4)
        padded = padded.view(b, self.groups, self.group_channels, padded.shape[2], padded.shape[3])
        out = x.new_zeros(b, self.groups, self.group_channels, h, w)
        for p in range(k):
            for q in range(k):
                tap = padded[:, :, :, p:p + s * (h - 1) + 1:s, q:q + s * (w - 1) + 1:s]
                out = out + weight[:, :, :, p * k + q] * tap
        return out.view(b, self.channels, h, w)


class SqueezeExcitation(nn.Module):
    """x times sigmoid(W2 ReLU(W1 GAP(x))) per sample and channel."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1, self.fc2 = nn.Linear(channels, hidden), nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
        return x * s[:, :, None, None]


class RepresentativeBatchNorm2d(nn.BatchNorm2d):
    """BN with instance-level calibration: centering x + w_m GAP(x) (w_m = 0) before a BN without
    affine, scaling sigmoid(w_v GAP(y) + w_b) (w_v = 0, w_b = 1) after it, then the affine. Unlike the
    reference forward, the input is not modified in place."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__(num_features, eps, momentum, affine=False, track_running_stats=True)
        shape = (1, num_features, 1, 1)
        self.weight = nn.Parameter(torch.ones(shape))
        self.bias = nn.Parameter(torch.zeros(shape))
        self.center_weight = nn.Parameter(torch.zeros(shape))
        self.scale_weight = nn.Parameter(torch.zeros(shape))
        self.scale_bias = nn.Parameter(torch.ones(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input_dim(x)
        x = x + self.center_weight * x.mean((2, 3), keepdim=True)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training:
            self.num_batches_tracked.add_(1)
        y = F.batch_norm(x, self.running_mean, self.running_var, None, None, self.training, factor, self.eps)
        scale = torch.sigmoid(self.scale_weight * y.mean((2, 3), keepdim=True) + self.scale_bias)
        return self.weight * y * scale + self.bias


class GIU(nn.Module):
    """Global Information Utilization: x + gamma * Inv(SE(x)), gamma = 0 at the start (the SAGAN
    attention's residual gate), so a fresh block is the identity and training opens it."""

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        self.se = SqueezeExcitation(channels)
        self.inv = Involution(channels, kernel_size)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.gamma * self.inv(self.se(x))


def norm_layer(kind: str, channels: int) -> nn.Module:
    return RepresentativeBatchNorm2d(channels) if kind == "rbn" else nn.BatchNorm2d(channels)
