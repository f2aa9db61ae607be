"""X2-Softmax head on hand-computed cosines (released setting s=64, a=−0.9, h=0, k=0.65)."""

import math

import pytest
import torch

from paperline.core.errors import ConfigError
from paperline.face.heads import X2SoftmaxHead, get_head


def _head(ste=True, **kw):
    return X2SoftmaxHead(4, 3, ste=ste, **kw)


def test_logits_match_hand_computation():
    cos = torch.tensor([[0.5, 0.2, -0.1], [0.3, 0.0, 0.9]], dtype=torch.float64)
    label = torch.tensor([0, 1])
    # θ = π/3: 0.65 − 0.9 (π/3)² = −0.336960440;  θ = π/2: 0.65 − 0.9 (π/2)² = −1.570660990
    want = 64 * torch.tensor([[-0.336960440, 0.2, -0.1], [0.3, -1.570660990, 0.9]], dtype=torch.float64)
    for ste in (True, False):
        assert torch.allclose(_head(ste).from_cosine(cos, label), want, atol=1e-7)


def test_margin_grows_with_the_angle_from_0_35():
    head = _head()
    theta = torch.linspace(0, math.pi, 2001, dtype=torch.float64)
    margin = torch.cos(theta) - head.target(torch.cos(theta))
    assert margin[0].item() == pytest.approx(0.35, abs=1e-6)
    assert torch.all(margin.diff() > 0)


def test_gradient_straight_through_or_through_arccos():
    label = torch.tensor([0])
    for ste in (True, False):
        cos = torch.tensor([[0.5, 0.2, -0.1]], dtype=torch.float64, requires_grad=True)
        _head(ste).from_cosine(cos, label)[0, 0].backward()
        theta = math.acos(0.5)
        want = 64.0 if ste else 64 * (2 * -0.9 * theta) * (-1 / math.sin(theta))  # s · df/dθ · dθ/dcos
        assert cos.grad[0, 0].item() == pytest.approx(want, rel=1e-6)
        assert cos.grad[0, 1].item() == 0.0


def test_finite_at_the_ends_and_config_checked():
    cos = torch.tensor([[1.0, -1.0], [-1.0, 1.0]], requires_grad=True)
    out = X2SoftmaxHead(4, 2, ste=False).from_cosine(cos, torch.tensor([0, 0]))
    out.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(cos.grad).all()
    with pytest.raises(ConfigError, match="a < 0 and h <= 0"):
        get_head("x2", 4, 2, a=0.5)
    with pytest.raises(ConfigError, match="a < 0 and h <= 0"):
        get_head("x2", 4, 2, h=0.2)
    with pytest.raises(ConfigError, match="unknown head 'x3'"):
        get_head("x3", 4, 2)


def test_x2_paper_trains_and_logs_the_margin_plot(tiny_dataset, home, tmp_path):
    from paperline.core import experiments
    from paperline.core.papers import get_paper
    from paperline.face import stages as face

    cfg = get_paper("x2-softmax").train_config(dict(width=0.25, input_size=32, embedding_size=16, batch_size=8,
                                                    epochs=1, threads=1))
    assert cfg.head == "x2" and cfg.head_params() == {"s": 64.0, "m": 0.35, "t": 0.2, "adaptive": True,
                                                      "easy_threshold": 0.0, "a": -0.9, "h": 0.0, "k": 0.65,
                                                      "ste": True}
    run_id, history = face.train(str(tiny_dataset), str(tmp_path / "m" / "model.pt"), cfg, "x2-softmax", "t", {}, 112)
    assert math.isfinite(history[-1]["loss"])
    names = [f.path for f in experiments.client().list_artifacts(run_id, "figures")]
    assert names == ["figures/margin_vs_angle.png"]
    png = experiments.client().download_artifacts(run_id, "figures/margin_vs_angle.png", str(tmp_path))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
