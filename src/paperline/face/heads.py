"""Margin-based softmax heads for face recognition; each returns logits already scaled by s.

Shapes and conventions follow FaceX-Zoo `head/*.py` and the MV-Softmax authors' `fc_layers.py`:
weights are (d, C), features and weight columns are L2-normalised, `cos θ` is clamped to [-1, 1],
the trainer applies cross-entropy. The symbols are the papers': s (scale), m (margin), t (MV weight).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.errors import ConfigError

_EPS = 1e-7


class _CosineHead(nn.Module):
    def __init__(self, feat_dim: int, num_class: int, s: float = 32.0):
        super().__init__()
        self.s = s
        self.weight = nn.Parameter(torch.empty(feat_dim, num_class))
        self.weight.data.uniform_(-1, 1).renorm_(2, 1, 1e-5).mul_(1e5)  # FaceX-Zoo init

    def cosine(self, x):
        return (F.normalize(x, dim=1) @ F.normalize(self.weight, dim=0)).clamp(-1, 1)

    # A cosine head is `logits(cos, target(cos θ_y), label)`: `target` is the margined target cosine
    # f(θ_y) (the value a negative must beat to count as hard), `logits` places it among the other
    # cosines and scales. Split so the tests can shift f and every cos θ_k by the same δ.
    def target(self, gt):
        return gt

    def logits(self, cos, f, label):
        return cos.scatter(1, label.view(-1, 1), f) * self.s

    def from_cosine(self, cos, label):
        """The logits from a (N, C) matrix of cosines; separate so tests can feed exact values."""
        return self.logits(cos, self.target(cos.gather(1, label.view(-1, 1))), label)

    def forward(self, x, label):
        return self.from_cosine(self.cosine(x), label)


class SoftmaxHead(nn.Module):
    """Plain linear classifier (FaceX-Zoo `Softmax`): W x + b, no normalisation, no scale."""

    def __init__(self, feat_dim: int, num_class: int, **_):
        super().__init__()
        self.fc = nn.Linear(feat_dim, num_class)

    def forward(self, x, label):
        return self.fc(x)


class CosFaceHead(_CosineHead):
    """AM-Softmax / CosFace (arXiv:1801.05599, 1801.09414): target logit s (cos θ_y − m)."""

    def __init__(self, feat_dim, num_class, s=32.0, m=0.35, **_):
        super().__init__(feat_dim, num_class, s)
        self.m = m

    def target(self, gt):
        return gt - self.m


class ArcFaceHead(_CosineHead):
    """ArcFace (arXiv:1801.07698): target logit s cos(θ_y + m); past θ_y > π − m the arcface_torch
    fallback cos θ_y − m·sin(π − m) keeps the target monotone."""

    def __init__(self, feat_dim, num_class, s=32.0, m=0.5, **_):
        super().__init__(feat_dim, num_class, s)
        self.m = m
        self.cos_m, self.sin_m = math.cos(m), math.sin(m)
        self.th, self.mm = math.cos(math.pi - m), math.sin(math.pi - m) * m

    def target(self, gt):
        sin = torch.sqrt((1.0 - gt * gt).clamp(min=_EPS))
        return torch.where(gt > self.th, gt * self.cos_m - sin * self.sin_m, gt - self.mm)


class MVSoftmaxHead(_CosineHead):
    """MV-Softmax (arXiv:1912.00833): mis-classified vectors k ≠ y with cos θ_k > f(m, θ_y) get
    h(t, θ_k, I_k): fixed -> cos θ_k + t, adaptive -> (t + 1) cos θ_k + t.

    f is cos θ_y − m (MV-AM) or cos(θ_y + m) (MV-Arc). As in the authors' `fc_layers.py`, the mask is
    computed with the plain f (it includes column y), the masked values are re-weighted, then column y
    is overwritten by f — with `easy_margin` only where cos θ_y > `easy_threshold` (the authors: 0;
    FaceX-Zoo's MV_Softmax.py: m), which keeps MV-Arc from collapsing.

    The adaptive h is not invariant to lowering every cosine by the same δ (dL/dδ = −t·s·Σ_hard p_k,
    CosFace's and the fixed h's is 0): while the target probability stays near 0, nearly every negative
    is hard and the loss pushes all cosines down together (docs/papers/mv-softmax.md).
    """

    def __init__(self, feat_dim, num_class, s=32.0, m=0.35, t=0.2, kind="am", adaptive=True, easy_margin=True,
                 easy_threshold=0.0, **_):
        super().__init__(feat_dim, num_class, s)
        if kind not in ("am", "arc"):
            raise ConfigError(f"MV-Softmax kind must be 'am' or 'arc', got {kind!r}")
        self.m, self.t, self.kind, self.adaptive, self.easy_margin = m, t, kind, adaptive, easy_margin
        self.easy_threshold = easy_threshold
        self.cos_m, self.sin_m = math.cos(m), math.sin(m)

    def target(self, gt):
        if self.kind == "am":
            return gt - self.m
        sin = torch.sqrt((1.0 - gt * gt).clamp(min=_EPS))
        return gt * self.cos_m - sin * self.sin_m

    def hard_negatives(self, cos, label):
        """The mis-classified vectors the head re-weights (column y excluded)."""
        f = self.target(cos.gather(1, label.view(-1, 1)))
        return (cos > f).scatter(1, label.view(-1, 1), False)

    def logits(self, cos, f, label):
        gt = cos.gather(1, label.view(-1, 1))
        mask = cos > f
        hard = (self.t + 1.0) * cos + self.t if self.adaptive else cos + self.t
        logits = torch.where(mask, hard, cos)
        final_gt = torch.where(gt > self.easy_threshold, f, gt) if self.easy_margin else f
        return logits.scatter(1, label.view(-1, 1), final_gt) * self.s


class X2SoftmaxHead(_CosineHead):
    """X2-Softmax (arXiv:2312.05281): the target logit is a quadratic in the angle,
    f(θ_y) = a (θ_y − h)² + k with θ_y = arccos(cos θ_y); the other logits stay cos θ_j; all × s.

    With the released setting (s = 64, a = −0.9, h = 0, k = 0.65) the margin cos θ − f(θ) is 0.35 at
    θ = 0 and grows with the angle, so far-apart classes get a larger margin than near ones. As in the
    authors' loss.py the quadratic replaces the target cosine without a gradient of its own
    (`ste=True`: d logit / d cos θ_y = s, the margin acts through the softmax only); `ste=False`
    differentiates through arccos. cos θ_y is clamped to ±(1 − 1e-7) before arccos.
    """

    def __init__(self, feat_dim, num_class, s=64.0, a=-0.9, h=0.0, k=0.65, ste=True, **_):
        super().__init__(feat_dim, num_class, s)
        if a >= 0 or h > 0:
            raise ConfigError(f"X2-Softmax needs a < 0 and h <= 0 (f decreasing on [0, π]), got a={a}, h={h}")
        self.a, self.h, self.k, self.ste = a, h, k, ste

    def target(self, gt):
        theta = torch.acos(gt.clamp(-1 + _EPS, 1 - _EPS))
        f = self.a * (theta - self.h) ** 2 + self.k
        return gt + (f - gt).detach() if self.ste else f


def pose_margin(abs_yaw_deg, m0: float, lam: float):
    """m_i = m0 + λ·|ψ|/90 (tensor or array)."""
    return m0 + lam * abs_yaw_deg / 90.0


def identity_projection(feat_dim: int) -> nn.Module:
    """PoseFace's f_id head, the tail of its verification embedder."""
    return nn.Sequential(nn.Linear(feat_dim, feat_dim, bias=False), nn.BatchNorm1d(feat_dim))


class PoseFaceHead(_CosineHead):
    """PoseFace (arXiv:2107.11721; our reading, see paperline.poseface): identity and pose heads on the
    backbone feature, a per-sample pose-adaptive margin over the identity classes, and the orthogonality
    and pose-regression losses. `side` columns: |ψ|/90 and the sample weight."""

    def __init__(self, feat_dim, num_class, s=32.0, m=0.35, base="cosface", pose_lambda=0.15, pose_dim=16,
                 ortho_weight=1.0, pose_weight=1.0, **_):
        super().__init__(feat_dim, num_class, s)
        self.m, self.base, self.lam = m, base, pose_lambda
        self.ortho_weight, self.pose_weight = ortho_weight, pose_weight
        # linear heads with batch norm, as the backbone's own embedding layer: without it the id head
        # can shrink under weight decay until the normalised features' gradients blow up (measured: NaN)
        self.id_proj = identity_projection(feat_dim)
        self.pose_proj = nn.Sequential(nn.Linear(feat_dim, pose_dim, bias=False), nn.BatchNorm1d(pose_dim))
        self.pose_reg = nn.Linear(pose_dim, 1)
        nn.init.eye_(self.id_proj[0].weight)  # start as the plain backbone's embedding
        self.terms: dict[str, torch.Tensor] = {}
        self._weights = None

    tail_name = "poseface"

    def embedding_tail(self) -> nn.Module:
        """What follows the backbone in the verification embedder: f_id only."""
        return self.id_proj

    def cosine(self, x):
        return super().cosine(self.id_proj(x))

    def forward(self, x, label, side=None):
        f_id, f_pose = self.id_proj(x), self.pose_proj(x)
        cos = super().cosine(f_id)
        onehot = F.one_hot(label, cos.size(1)).bool()
        if side is None:  # no pose known: the frontal margin m0, no auxiliary terms
            abs_yaw = torch.zeros(len(x), device=x.device)
            weights = None
        else:
            abs_yaw, weights = side[:, 0], side[:, 1]
        m = pose_margin(abs_yaw * 90.0, self.m, self.lam)[:, None]
        if self.base == "cosface":
            target = cos - m
        else:  # ArcFace with the arcface_torch fallback past θ > π − m, per sample
            sin = torch.sqrt((1.0 - cos * cos).clamp(min=1e-7))
            target = torch.where(cos > torch.cos(math.pi - m), cos * torch.cos(m) - sin * torch.sin(m),
                                 cos - torch.sin(math.pi - m) * m)
        logits = torch.where(onehot, target, cos) * self.s
        self._weights = weights
        self.terms = {}
        if side is not None:
            a, b = F.normalize(f_id, dim=1), F.normalize(f_pose, dim=1)
            self.terms["ortho"] = (a.t() @ b).pow(2).sum() / len(x) ** 2  # in [0, 1], whatever the batch
            self.terms["pose_mse"] = F.mse_loss(self.pose_reg(f_pose).squeeze(1), abs_yaw)
        return logits

    def loss(self, logits, label):
        ce = F.cross_entropy(logits, label, reduction="none")
        ce = (ce * self._weights).mean() if self._weights is not None else ce.mean()
        extra = sum((w * self.terms[k] for k, w in (("ortho", self.ortho_weight), ("pose_mse", self.pose_weight))
                     if k in self.terms), torch.zeros((), device=logits.device))
        return ce + extra


def alpha_of(a: float, s: float) -> float:
    """The release's global scaling: α = a · e^{s/3}, with a ≤ 0."""
    if a > 0:
        raise ConfigError(f"Search-Softmax needs a <= 0 (p_m <= p), got a={a}")
    return a * math.exp(s / 3)


class SearchSoftmaxHead(_CosineHead):
    """Search-Softmax (arXiv:2007.06542; the search itself: paperline.face.search). Logits whose
    cross-entropy is −log(p / (α p + 1 − α)): non-target logits + log(1 − α)."""

    def __init__(self, feat_dim, num_class, s=32.0, alpha=0.0, **_):
        super().__init__(feat_dim, num_class, s)
        if alpha > 0:
            raise ConfigError(f"Search-Softmax needs alpha <= 0, got {alpha}")
        self.alpha = alpha

    def logits(self, cos, f, label):
        shift = math.log1p(-self.alpha)
        onehot = torch.nn.functional.one_hot(label, cos.size(1)).bool()
        return torch.where(onehot, f * self.s, cos * self.s + shift)


HEADS = {
    "softmax": lambda d, c, **kw: SoftmaxHead(d, c),
    "cosface": lambda d, c, s=32.0, m=0.35, **kw: CosFaceHead(d, c, s=s, m=m),
    "arcface": lambda d, c, s=32.0, m=0.5, **kw: ArcFaceHead(d, c, s=s, m=m),
    "mv_am": lambda d, c, s=32.0, m=0.35, t=0.2, adaptive=True, easy_threshold=0.0, **kw:
        MVSoftmaxHead(d, c, s, m, t, "am", adaptive, easy_threshold=easy_threshold),
    "mv_arc": lambda d, c, s=32.0, m=0.35, t=0.2, adaptive=True, easy_threshold=0.0, **kw:
        MVSoftmaxHead(d, c, s, m, t, "arc", adaptive, easy_threshold=easy_threshold),
    "x2": lambda d, c, s=64.0, a=-0.9, h=0.0, k=0.65, ste=True, **kw: X2SoftmaxHead(d, c, s, a, h, k, ste),
    "search": lambda d, c, s=32.0, alpha=0.0, **kw: SearchSoftmaxHead(d, c, s=s, alpha=alpha),
    "poseface": lambda d, c, **kw: PoseFaceHead(d, c, **kw),
}
# embedding tails a verification embedder may end with (the heads whose `tail_name` they are)
TAILS = {"poseface": identity_projection}


def get_head(name: str, feat_dim: int, num_class: int, **params) -> nn.Module:
    """Builds a head by name; `params` are the paper symbols (s, m, t, adaptive, easy_threshold; a, h, k,
    ste for X2)."""
    if name not in HEADS:
        raise ConfigError(f"unknown head {name!r}; valid heads: {', '.join(HEADS)}")
    return HEADS[name](feat_dim, num_class, **params)
