"""Generators and discriminators of the comparison: shapes, equal sizes, the losses, one training
step, the EMA and reproducibility."""

import numpy as np
import pytest
import torch

from paperline.gan.config import MODELS, GanConfig
from paperline.gan.models import count, discriminator, generator, matched_config
from paperline.gan.train import GanTrainer, sample


@pytest.mark.parametrize("size", [32, 64])
def test_generator_and_discriminator_shapes(size):
    for name in MODELS:
        g = generator(matched_config(name, 16, 16, size, 3))
        x = g(torch.randn(4, 16))
        assert x.shape == (4, 3, size, size) and x.min() >= -1 and x.max() <= 1
        assert discriminator(name, 16, size, 3)(x).shape == (4,)


def test_baselines_have_giu_gans_parameter_count_within_5_percent():
    for size, width in ((32, 16), (32, 32), (64, 16)):
        target = count(generator(matched_config("giu-gan", 64, width, size, 1)))
        for name in MODELS:
            n = count(generator(matched_config(name, 64, width, size, 1)))
            assert abs(n - target) / target <= 0.05, (name, size, width, n, target)


def test_hinge_and_bce_losses():
    t = GanTrainer("sngan", np.zeros((8, 1, 32, 32), np.float32), GanConfig(g_channels=16, d_channels=8))
    zero = torch.zeros(5)
    assert float(t._d_loss(zero, zero)) == 2.0
    assert float(t._d_loss(torch.full((5,), 1.5), torch.full((5,), -1.0))) == 0.0
    assert float(t._g_loss(torch.full((5,), 2.0))) == -2.0
    dc = GanTrainer("dcgan", np.zeros((8, 1, 32, 32), np.float32), GanConfig(g_channels=16, d_channels=8))
    assert abs(float(dc._d_loss(zero, zero)) - 2 * np.log(2)) < 1e-6


def _trainer(name, seed=0):
    x = np.random.default_rng(0).uniform(-1, 1, (32, 1, 32, 32)).astype(np.float32)
    return GanTrainer(name, x, GanConfig(g_channels=16, d_channels=8, batch_size=8, seed=seed, ema=0.5))



def test_one_step_changes_g_and_d_and_the_ema_follows():
    t = _trainer("giu-gan")
    g0 = [p.detach().clone() for p in t.g.parameters()]
    d0 = [p.detach().clone() for p in t.d.parameters()]
    e0 = [p.detach().clone() for p in t.ema.parameters()]
    t.steps_per_epoch = 1
    rec = t.train_epoch(0, lambda **k: None)
    assert np.isfinite(rec["loss_d"]) and np.isfinite(rec["loss_g"])
    assert any(not torch.equal(a, b) for a, b in zip(g0, t.g.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, t.d.parameters()))
    decay = min(0.5, 2 / 11)  # the warm-up (1 + t) / (10 + t) at the first step, capped by ema=0.5
    for e_old, e, g in zip(e0, t.ema.parameters(), t.g.parameters()):
        assert torch.allclose(e, decay * e_old + (1 - decay) * g, atol=1e-6)


def test_training_is_reproducible_from_its_seed():
    runs = []
    for seed in (0, 0, 1):
        t = _trainer("rbn-no-giu", seed)
        t.train_epoch(0, lambda **k: None)
        runs.append(sample(t.ema, 4, 7))
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path, monkeypatch):
    from dataclasses import asdict

    from paperline.core.loop import run_epochs

    monkeypatch.setenv("PAPERLINE_CHECKPOINT_SECONDS", "0")
    whole = _trainer("giu-gan")
    run_epochs(whole, 2, {"c": 1}, tmp_path / "a")
    first = _trainer("giu-gan")
    run_epochs(first, 1, {"c": 1}, tmp_path / "b")
    resumed = _trainer("giu-gan")
    history = run_epochs(resumed, 2, {"c": 1}, tmp_path / "b")
    assert [h["epoch"] for h in history] == [1, 2] and resumed.steps == whole.steps
    assert np.array_equal(sample(resumed.ema, 4, 3), sample(whole.ema, 4, 3))
    assert asdict(resumed.cfg) == asdict(whole.cfg)
