"""KDCTime (arXiv:2112.02291) in plain torch: InceptionTime (hfawaz/InceptionTime, exactly), label
smoothing (LSTime), teacher soft labels with temperature (KDTime), their calibration by translating
(KDCT) or reordering (KDCR), the distillation loss and the InceptionTime training schedule.

Every method trains with one loss, `kd_loss(logits, targets, hard, tau, lam)`: the teacher and the single
net use one-hot targets, LSTime smoothed ones, KD/KDCT/KDCR the (calibrated) teacher soft labels. Only
the targets differ, so the comparison is of the targets alone.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from paperline.core.checkpoint import model_factory
from paperline.core.device import set_threads
from paperline.core.errors import ConfigError, DataError
from paperline.core.loop import run_epochs
from paperline.timeseries.config import TSConfig

# -- data -------------------------------------------------------------------------------------------

def znorm_fill(series: np.ndarray) -> np.ndarray:
    """Per-series z-normalisation; missing values (NaN) linearly interpolated first (UCR's own fix)."""
    s = np.asarray(series, dtype=np.float64)
    nan = np.isnan(s)
    if nan.all():
        raise DataError("a series has no values")
    if nan.any():
        idx = np.arange(len(s))
        s = np.interp(idx, idx[~nan], s[~nan])
    sd = s.std()
    return (s - s.mean()) / (sd if sd > 1e-8 else 1.0)


def to_arrays(split, classes: list[str], length: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 1, length) float32 and 0..K-1 labels; shorter series are zero-padded at the end (zero is the
    mean after z-normalisation), which InceptionTime's global pooling tolerates."""
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(split.labels) - set(index))
    if unknown:
        raise DataError(f"{split.path}: labels {unknown[:5]} are not among the training classes {classes}")
    X = np.zeros((len(split), 1, length), np.float32)
    for i, s in enumerate(split.series):
        z = znorm_fill(s)[:length]
        X[i, 0, :len(z)] = z
    return X, np.array([index[lab] for lab in split.labels], np.int64)


# -- InceptionTime ----------------------------------------------------------------------------------

class SameConv1d(nn.Conv1d):
    """Conv1d with Keras' 'same' padding (odd total: one more on the right), padded explicitly so even
    kernels need no internal copy."""

    def forward(self, x):
        total = self.kernel_size[0] - 1
        return super().forward(F.pad(x, (total // 2, total - total // 2)))


class InceptionModule(nn.Module):
    """Bottleneck (skipped on a 1-channel input) → convs of 40/20/10 ∥ max-pool → 1×1; concat, BN, ReLU."""

    def __init__(self, in_channels: int, filters: int = 32, bottleneck: int = 32, kernel: int = 40):
        super().__init__()
        self.bottleneck = nn.Conv1d(in_channels, bottleneck, 1, bias=False) if in_channels > 1 else None
        width = bottleneck if in_channels > 1 else in_channels
        self.convs = nn.ModuleList(SameConv1d(width, filters, kernel // 2 ** i, bias=False)
                                   for i in range(3))
        self.pool = nn.MaxPool1d(3, stride=1, padding=1)
        self.pool_conv = nn.Conv1d(in_channels, filters, 1, bias=False)
        self.bn = nn.BatchNorm1d(4 * filters)

    def forward(self, x):
        z = self.bottleneck(x) if self.bottleneck is not None else x
        out = [conv(z) for conv in self.convs] + [self.pool_conv(self.pool(x))]
        return F.relu(self.bn(torch.cat(out, 1)))


class InceptionNet(nn.Module):
    """One InceptionTime member: `depth` modules, a residual shortcut after every third, GAP, linear."""

    def __init__(self, classes: int, depth: int = 6, filters: int = 32):
        super().__init__()
        width = 4 * filters
        self.modules_ = nn.ModuleList(InceptionModule(1 if d == 0 else width, filters) for d in range(depth))
        self.shortcuts = nn.ModuleDict({
            str(d): nn.Sequential(nn.Conv1d(1 if d == 2 else width, width, 1, bias=False), nn.BatchNorm1d(width))
            for d in range(2, depth, 3)})
        self.fc = nn.Linear(width, classes)
        self.classes, self.depth, self.filters = classes, depth, filters

    def forward(self, x):
        res = x
        for d, module in enumerate(self.modules_):
            x = module(x)
            if str(d) in self.shortcuts:
                x = F.relu(x + self.shortcuts[str(d)](res))
                res = x
        return self.fc(x.mean(-1))


class Ensemble(nn.Module):
    """InceptionTime: the mean of its members' softmax outputs (returned as log-probabilities)."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        p = torch.stack([F.softmax(m(x), -1) for m in self.members]).mean(0)
        return torch.log(p.clamp_min(1e-12))


@torch.inference_mode()
def predict_logits(model: nn.Module, X: np.ndarray, batch: int = 256) -> np.ndarray:
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model(torch.from_numpy(X[i:i + batch]).to(dev)).float().cpu()
                      for i in range(0, len(X), batch)]).numpy()


# -- targets ------------------------------------------------------------------------------------------

def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    return np.eye(k)[y]


def label_smoothing(y: np.ndarray, k: int, eps: float) -> np.ndarray:
    """LSTime: (1 - eps)·e_y + eps/K."""
    return (1 - eps) * one_hot(y, k) + eps / k


def soft_labels(member_logits: list[np.ndarray], tau: float) -> np.ndarray:
    """KDTime: the mean over the teacher's members of softmax(z / tau)."""
    probs = []
    for z in member_logits:
        z = np.asarray(z, np.float64) / tau
        e = np.exp(z - z.max(1, keepdims=True))
        probs.append(e / e.sum(1, keepdims=True))
    return np.mean(probs, 0)


def _right(q: np.ndarray, y: int) -> bool:
    """True when y is the unique arg-max of q."""
    return bool((q[y] > np.delete(q, y)).all())


def kdct(q: np.ndarray, y: int, delta: float = math.log(2)) -> np.ndarray:
    """Translating: in log space set u_y = max_{k≠y} u_k + delta; the other classes keep their ratios."""
    if _right(q, y):
        return q
    u = np.log(np.clip(q, 1e-300, None))
    u[y] = np.delete(u, y).max() + delta
    e = np.exp(u - u.max())
    return e / e.sum()


def kdcr(q: np.ndarray, y: int) -> np.ndarray:
    """Reordering (swap): exchange the values at y and at the first maximiser other than y; a tie left at
    the top is broken towards y by 1e-6."""
    if _right(q, y):
        return q
    out = q.copy()
    m = int(np.argmax(np.where(np.arange(len(q)) == y, -np.inf, q)))
    out[y], out[m] = q[m], q[y]
    if not _right(out, y):
        out[y] += 1e-6
        out /= out.sum()
    return out


def calibrate(q: np.ndarray, y: np.ndarray, mode: str, delta: float = math.log(2)) -> tuple[np.ndarray, dict]:
    """Rows of `q` calibrated by `mode` (none | kdct | kdcr); statistics the paper's method logs."""
    if mode not in ("none", "kdct", "kdcr"):
        raise ConfigError(f"calibration mode must be none, kdct or kdcr, got {mode!r}")
    wrong = np.array([not _right(row, t) for row, t in zip(q, y)])
    out = q.copy()
    if mode != "none":
        for i in np.flatnonzero(wrong):
            out[i] = kdct(q[i], int(y[i]), delta) if mode == "kdct" else kdcr(q[i], int(y[i]))
    l1 = np.abs(out - q).sum(1)
    return out, {"mispredicted": int(wrong.sum()), "mispredicted_share": float(wrong.mean()),
                 "mean_l1_change": float(l1.mean()), "mean_l1_change_mispredicted": float(l1[wrong].mean())
                 if wrong.any() else 0.0}


def targets_for(variant: str, y: np.ndarray, k: int, cfg: TSConfig, teacher_q: np.ndarray | None = None):
    """The student's targets and the temperature they were made at."""
    if variant == "inception":
        return one_hot(y, k), 1.0, {}
    if variant == "ls":
        return label_smoothing(y, k, cfg.eps), 1.0, {}
    if teacher_q is None:
        raise ConfigError(f"variant {variant} needs the teacher's soft labels")
    q, stats = calibrate(teacher_q, y, "none" if variant == "kd" else variant, cfg.delta)
    return q, cfg.tau, stats


def kd_loss(logits: torch.Tensor, targets: torch.Tensor, hard: torch.Tensor, tau: float, lam: float) -> torch.Tensor:
    """lam·tau²·KL(targets ‖ softmax(z/tau)) + (1 − lam)·CE(hard, softmax(z)) (Hinton's tau² scaling)."""
    logp = F.log_softmax(logits / tau, -1)
    kl = (targets * (torch.log(targets.clamp_min(1e-12)) - logp)).sum(-1).mean()
    loss = lam * tau * tau * kl
    if lam < 1:
        loss = loss + (1 - lam) * F.cross_entropy(logits, hard)
    return loss


# -- training -----------------------------------------------------------------------------------------

def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@model_factory
def inception_net(config: dict) -> InceptionNet:
    """One member or the student (config: classes, depth, filters)."""
    net = InceptionNet(config["classes"], config["depth"], config["filters"])
    net.config = dict(config)
    return net


@model_factory
def inception_time(config: dict) -> Ensemble:
    """The teacher: `members` nets of the same shape (config: members, classes, depth, filters)."""
    member = {k: config[k] for k in ("classes", "depth", "filters")}
    model = Ensemble([inception_net(member) for _ in range(config["members"])])
    model.config = dict(config)
    model.classes = config["classes"]
    return model


class InceptionTrainer:
    """One epoch of InceptionTime's schedule (the epoch loop is paperline.core.loop): Adam, a fixed
    batch of `batch_size` (hfawaz/InceptionTime passes 64; its min(n/10, 16) applies only when no batch
    size is given), the last batch the remainder as in Keras, ReduceLROnPlateau on the training loss
    (×0.5, patience 50, floor 1e-4), the weights of the lowest training loss kept; no validation."""

    def __init__(self, X: np.ndarray, y: np.ndarray, targets: np.ndarray, cfg: TSConfig, seed: int, tau: float,
                 lam: float, desc: str):
        torch.manual_seed(seed)
        set_threads(cfg.threads)
        self.dev = dev = device()
        self.tau, self.lam, self.desc = tau, lam, desc
        self.net = inception_net({"classes": targets.shape[1], "depth": cfg.depth, "filters": cfg.filters}).to(dev)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg.lr)
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, factor=0.5, patience=50, min_lr=1e-4)
        self.X, self.T, self.Y = (torch.from_numpy(X).to(dev), torch.from_numpy(targets.astype(np.float32)).to(dev),
                                  torch.from_numpy(y).to(dev))
        self.batch = cfg.batch_size
        self.steps_per_epoch = math.ceil(len(X) / self.batch)
        self.gen = torch.Generator().manual_seed(seed)
        self.best, self.best_state = math.inf, None

    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                "generator": self.gen.get_state(), "best": self.best, "best_state": self.best_state}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.gen.set_state(state["generator"])
        self.best, self.best_state = state["best"], state["best_state"]

    def train_epoch(self, epoch: int, progress) -> dict:
        net, n = self.net, len(self.X)
        net.train()
        order = torch.randperm(n, generator=self.gen).to(self.dev)
        total, correct = 0.0, 0
        for i in range(0, n, self.batch):
            idx = order[i:i + self.batch]
            if len(idx) < 2:  # BatchNorm needs two examples; InceptionTime's Keras code drops nothing, rare here
                continue
            logits = net(self.X[idx])
            loss = kd_loss(logits, self.T[idx], self.Y[idx], self.tau, self.lam)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == self.Y[idx]).sum())
        loss_epoch = total / n
        self.sched.step(loss_epoch)
        if not math.isfinite(loss_epoch):
            raise FloatingPointError(f"{self.desc}: training loss became {loss_epoch} at epoch {epoch + 1}")
        if loss_epoch < self.best:
            self.best, self.best_state = loss_epoch, copy.deepcopy(net.state_dict())
        rec = {"loss": loss_epoch, "train_accuracy": correct / n, "lr": self.opt.param_groups[0]["lr"]}
        progress(loss=loss_epoch, acc=rec["train_accuracy"])
        return rec


def train_net(X: np.ndarray, y: np.ndarray, targets: np.ndarray, cfg: TSConfig, seed: int, tau: float = 1.0,
              lam: float = 1.0, desc: str = "inception", on_epoch=None, work_dir=None,
              resume: bool = True) -> tuple[InceptionNet, list[dict]]:
    """Trains one Inception net on `targets` (InceptionTrainer's schedule); returns the weights of the
    lowest training loss and the history. With `work_dir` every epoch is checkpointed there and a
    restarted run resumes."""
    trainer = InceptionTrainer(X, y, targets, cfg, seed, tau, lam, desc)
    config = {**asdict(cfg), "seed": seed, "tau": tau, "lam": lam}
    history = run_epochs(trainer, cfg.epochs, config, work_dir, resume, on_epoch, desc=desc, per_epoch_bar=False,
                         line=lambda rec: None)
    trainer.net.load_state_dict(trainer.best_state)
    return trainer.net.cpu().eval(), history
