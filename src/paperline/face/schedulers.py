"""Learning-rate schedules for the face trainer: step and cosine (with warm-up), and MHLR.

MHLR, the Moving Haar Learning Rate scheduler (arXiv:2404.11118), watches the training loss and halves
the learning rate as soon as the loss stops falling, instead of at fixed milestones. Per step t with
loss L_t and T total steps:

    D_t = (1 − α) D_{t−1} + α (L_{t−1} − L_t)      moving average of the two-tap Haar difference
    E_t = β D_t + (1 − β) E_{t−1}                  its moving average
    if E_t < λ: count += 1 until count reaches ⌊τ T⌋, then lr ← lr / δ and count ← 0

Defaults α = β = 0.001, λ = 5e-5, τ = 0.05, δ = 2, as in the public release's `lr_scheduler.py`. The first
loss only initialises L, the second initialises D = α (L_1 − L_2) and E = D. Two choices of ours, both
from reading that release: the count is not reset while the loss falls (it counts stalled steps since
the last decay, as the release does), and a decay is applied once; the release leaves its multiplier
at 1/δ until the next stalled step, which halves the rate at every step while the loss falls again.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from paperline.core.errors import ConfigError


class MHLR(torch.optim.lr_scheduler.LRScheduler):
    """Call `step_loss(loss)` after every optimiser step (not `step()`)."""

    def __init__(self, optimizer, total_steps: int, alpha: float = 1e-3, beta: float = 1e-3, lambd: float = 5e-5,
                 tau: float = 0.05, delta: float = 2.0, last_epoch: int = -1):
        if total_steps < 1 or not (0 < alpha <= 1 and 0 < beta <= 1 and 0 < tau <= 1 and delta > 1):
            raise ConfigError(f"MHLR needs total_steps >= 1, 0 < alpha, beta, tau <= 1 and delta > 1; got "
                              f"{total_steps}, {alpha}, {beta}, {tau}, {delta}")
        self.alpha, self.beta, self.lambd, self.delta = alpha, beta, lambd, delta
        self.tolerance = int(total_steps * tau)
        self.prev_loss, self.d, self.e = 0.0, 0.0, 0.0
        self.count, self.seen, self.decays, self._factor = 0, 0, 0, 1.0
        super().__init__(optimizer, last_epoch)

    def step_loss(self, loss: float) -> None:
        loss = float(loss)
        if not math.isfinite(loss):
            raise FloatingPointError(f"MHLR got a non-finite loss ({loss})")
        self.seen += 1
        factor = 1.0
        if self.seen == 2:
            self.d = self.alpha * (self.prev_loss - loss)
            self.e = self.d
        elif self.seen > 2:
            self.d = (1 - self.alpha) * self.d + self.alpha * (self.prev_loss - loss)
            self.e = self.beta * self.d + (1 - self.beta) * self.e
            if self.e < self.lambd:
                if self.count < self.tolerance:
                    self.count += 1
                else:
                    factor, self.count = 1.0 / self.delta, 0
                    self.decays += 1
        self.prev_loss = loss
        self._factor = factor
        self.step()
        self._factor = 1.0

    def get_lr(self):
        return [group["lr"] * self._factor for group in self.optimizer.param_groups]


def _warm(warmup_epochs: float, per_epoch: int) -> int:
    return max(1, int(warmup_epochs * per_epoch))


def step_schedule(opt, cfg, total: int, per_epoch: int):
    warm, steps = _warm(cfg.warmup_epochs, per_epoch), [int(f * total) for f in cfg.milestones]
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: (i + 1) / warm if i < warm else 0.1 ** sum(i >= s for s in steps))


def cosine_schedule(opt, cfg, total: int, per_epoch: int):
    warm = _warm(cfg.warmup_epochs, per_epoch)
    span = max(1, total - warm)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: (i + 1) / warm if i < warm else 0.5 * (1 + math.cos(math.pi * (i - warm) / span)))


def mhlr_schedule(opt, cfg, total: int, per_epoch: int):
    return MHLR(opt, total, cfg.mhlr_alpha, cfg.mhlr_beta, cfg.mhlr_lambda, cfg.mhlr_tau, cfg.mhlr_delta)


SCHEDULES: dict[str, Callable] = {"step": step_schedule, "cosine": cosine_schedule, "mhlr": mhlr_schedule}


def advance(sched, loss: Callable[[], float]) -> None:
    """After an optimiser step: MHLR decides from the loss (asked for only then), the others count steps."""
    if isinstance(sched, MHLR):
        sched.step_loss(loss())
    else:
        sched.step()


def make_scheduler(name: str, opt, cfg, total: int, per_epoch: int):
    if name not in SCHEDULES:
        raise ConfigError(f"unknown schedule {name!r}; valid: {', '.join(SCHEDULES)}")
    return SCHEDULES[name](opt, cfg, total, per_epoch)
