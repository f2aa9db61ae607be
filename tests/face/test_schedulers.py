"""MHLR on synthetic loss curves (no model), and the schedule registry."""

import numpy as np
import pytest
import torch

from paperline.core.errors import ConfigError
from paperline.face.schedulers import MHLR, make_scheduler

T = 20_000  # total steps: tolerance ⌊τT⌋ = 1,000


def _opt(lr=0.1):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def _curve(segments, sigma=0.01, seed=0):
    """Piecewise-linear loss: [(steps, slope per step)], plus Gaussian noise."""
    slopes = np.concatenate([np.full(n, s) for n, s in segments])
    return 10.0 + np.cumsum(slopes) + np.random.default_rng(seed).normal(0, sigma, len(slopes))


def _run(losses, sched=None):
    sched = sched or MHLR(_opt(), T)
    lrs = []
    for loss in losses:
        sched.optimizer.step()
        sched.step_loss(loss)
        lrs.append(sched.get_last_lr()[0])
    return np.array(lrs), sched


def test_no_decay_while_the_loss_falls_faster_than_lambda():
    lrs, sched = _run(_curve([(8_000, -1e-3)]))
    assert sched.decays == 0 and np.all(lrs == 0.1)


def test_a_plateau_halves_the_rate_within_tolerance_plus_the_averaging_lag():
    fall, flat = 5_000, 10_000
    lrs, sched = _run(_curve([(fall, -1e-3), (flat, 0.0)]))
    assert np.all(np.diff(lrs) <= 0)  # never increases
    first = int(np.argmax(lrs < 0.1))
    assert lrs[first] == pytest.approx(0.05)  # halved, once
    # E is a two-stage moving average (time constants 1/α, 1/β = 1,000 steps): it takes about 4.7k steps
    # to fall below λ = 5 % of the falling slope, then ⌊τT⌋ = 1,000 stalled steps are counted.
    assert fall < first <= fall + 1_000 + 6_000
    later = np.flatnonzero(np.diff(lrs) < 0) + 1
    assert np.all(np.diff(later) >= 1_000)  # at most one halving per τT stalled steps
    assert sched.decays == len(later) >= 2


def test_state_dict_round_trip_reproduces_the_next_lrs():
    losses = _curve([(6_000, -1e-3), (6_000, 0.0)])
    _, a = _run(losses[:5_000])
    opt = _opt()
    b = MHLR(opt, T)
    b.load_state_dict(a.state_dict())
    opt.param_groups[0]["lr"] = a.optimizer.param_groups[0]["lr"]
    rest_a, _ = _run(losses[5_000:], a)
    rest_b, _ = _run(losses[5_000:], b)
    assert np.array_equal(rest_a, rest_b) and len(rest_a) >= 1_000 and rest_a[-1] < rest_a[0]


def test_bad_settings_and_names_are_refused():
    with pytest.raises(ConfigError, match="delta > 1"):
        MHLR(_opt(), T, delta=1.0)
    with pytest.raises(ConfigError, match="unknown schedule 'haar'; valid: step, cosine, mhlr"):
        make_scheduler("haar", _opt(), None, 10, 1)
    with pytest.raises(FloatingPointError):
        MHLR(_opt(), T).step_loss(float("nan"))
