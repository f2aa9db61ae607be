"""Heads against hand-computed logits (2-d features, 3 classes, known angles)."""

import math

import pytest
import torch

from paperline.core.errors import ConfigError
from paperline.face.heads import ArcFaceHead, CosFaceHead, MVSoftmaxHead, SoftmaxHead, get_head

S = 32.0


def _fixed(head):
    # class directions at 0°, 90°, 180°
    head.weight.data = torch.tensor([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    return head


def _x(deg):
    a = math.radians(deg)
    return torch.tensor([[math.cos(a), math.sin(a)]])


def test_cosface_target_logit():
    h = _fixed(CosFaceHead(2, 3, s=S, m=0.35))
    out = h(_x(60), torch.tensor([0]))
    assert torch.allclose(out, S * torch.tensor([[0.5 - 0.35, math.sqrt(3) / 2, -0.5]]), atol=1e-5)


def test_arcface_target_logit_and_fallback():
    h = _fixed(ArcFaceHead(2, 3, s=S, m=0.5))
    out = h(_x(60), torch.tensor([0]))
    assert out[0, 0].item() == pytest.approx(S * math.cos(math.pi / 3 + 0.5), abs=1e-4)
    assert out[0, 1].item() == pytest.approx(S * math.sqrt(3) / 2, abs=1e-4)
    # θ_y = 170° > π − m: fallback cos θ − m·sin(π − m)
    out = h(_x(170), torch.tensor([0]))
    c = math.cos(math.radians(170))
    assert out[0, 0].item() == pytest.approx(S * (c - math.sin(math.pi - 0.5) * 0.5), abs=1e-4)


@pytest.mark.parametrize("adaptive,hard", [(False, math.sqrt(3) / 2 + 0.2), (True, 1.2 * math.sqrt(3) / 2 + 0.2)])
def test_mv_am_fixed_and_adaptive(adaptive, hard):
    h = _fixed(MVSoftmaxHead(2, 3, s=S, m=0.35, t=0.2, kind="am", adaptive=adaptive))
    out = h(_x(60), torch.tensor([0]))
    # f = 0.5 − 0.35 = 0.15; class 1 (cos 0.866 > 0.15) is mis-classified, class 2 (−0.5) is not
    assert torch.allclose(out, S * torch.tensor([[0.15, hard, -0.5]]), atol=1e-4)


def test_mv_arc_mask_and_easy_margin():
    h = _fixed(MVSoftmaxHead(2, 3, s=S, m=0.35, t=0.2, kind="arc", adaptive=True))
    out = h(_x(60), torch.tensor([0]))
    f = math.cos(math.pi / 3 + 0.35)
    assert torch.allclose(out, S * torch.tensor([[f, 1.2 * math.sqrt(3) / 2 + 0.2, -0.5]]), atol=1e-4)
    # label 2 has cos θ_y = −0.5 ≤ 0: easy margin leaves the target alone, both others are hard
    out = h(_x(60), torch.tensor([2]))
    assert out[0, 2].item() == pytest.approx(S * -0.5, abs=1e-4)
    assert out[0, 0].item() == pytest.approx(S * (1.2 * 0.5 + 0.2), abs=1e-4)


def test_mask_is_exactly_the_misclassified_set():
    h = MVSoftmaxHead(4, 5, s=1.0, m=0.3, t=0.1, kind="am", adaptive=False)
    cos = torch.tensor([[0.6, 0.31, 0.29, 0.5, -0.2]])
    out = h.from_cosine(cos, torch.tensor([0]))
    # f = 0.3: classes 1 (0.31) and 3 (0.5) get +t; class 2 (0.29) and 4 do not
    assert torch.allclose(out, torch.tensor([[0.3, 0.41, 0.29, 0.6, -0.2]]), atol=1e-6)


def test_t_zero_equals_plain_margin_heads():
    torch.manual_seed(0)
    x, y = torch.randn(16, 8), torch.randint(0, 6, (16,))
    am, mv = CosFaceHead(8, 6, s=S, m=0.35), MVSoftmaxHead(8, 6, s=S, m=0.35, t=0.0, kind="am", adaptive=True)
    mv.weight.data = am.weight.data.clone()
    keep = am.cosine(x).gather(1, y.view(-1, 1)).squeeze(1) > 0  # easy margin only differs where cos θ_y ≤ 0
    assert torch.equal(am(x, y)[keep], mv(x, y)[keep])
    arc, mva = ArcFaceHead(8, 6, s=S, m=0.35), MVSoftmaxHead(8, 6, s=S, m=0.35, t=0.0, kind="arc")
    mva.weight.data = arc.weight.data.clone()
    keep = arc.cosine(x).gather(1, y.view(-1, 1)).squeeze(1) > 0
    assert torch.allclose(arc(x, y)[keep], mva(x, y)[keep], atol=1e-5)


def test_gradient_is_s_times_one_plus_t_on_hard_negatives():
    h = MVSoftmaxHead(4, 3, s=S, m=0.35, t=0.2, kind="am", adaptive=True)
    cos = torch.tensor([[0.5, 0.4, -0.3]], requires_grad=True)
    out = h.from_cosine(cos, torch.tensor([0]))
    g1, = torch.autograd.grad(out[0, 1], cos, retain_graph=True)
    g2, = torch.autograd.grad(out[0, 2], cos)
    assert g1[0, 1].item() == pytest.approx(S * 1.2)
    assert g2[0, 2].item() == pytest.approx(S)


def test_softmax_head_is_linear_and_factory_rejects_unknown():
    h = SoftmaxHead(4, 3)
    x = torch.randn(2, 4)
    assert torch.allclose(h(x, torch.tensor([0, 1])), h.fc(x))
    assert isinstance(get_head("mv_arc", 4, 3), MVSoftmaxHead)
    with pytest.raises(ConfigError, match="valid heads: softmax, cosface, arcface, mv_am, mv_arc"):
        get_head("sphereface", 4, 3)
