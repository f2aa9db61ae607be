"""The KDCTime experiment's steps on arrays: load a UCR dataset, train teacher members, soft labels →
calibrated targets → student, the ROCKET baseline, and inference time measured the same way for all.
The pipeline's stages (stages/timeseries.py) and benchmarks/kdctime.py both call these."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from paperline.core.errors import DataError
from paperline.timeseries import inception as T
from paperline.timeseries.formats import Split, read_split


@dataclass
class Dataset:
    name: str
    train: Split
    test: Split
    classes: list[str]
    X: np.ndarray
    y: np.ndarray
    Xt: np.ndarray
    yt: np.ndarray

    @property
    def k(self) -> int:
        return len(self.classes)


def load(root, name: str, read_test=None) -> Dataset:
    """Both splits as arrays; classes are the training file's (declared or found), test labels must be
    among them; ragged series are zero-padded to the longest of both splits. `read_test(path) -> bytes`
    reads the test file (an evaluation hashes it as it reads)."""
    train, test = read_split(root, name, "train"), read_split(root, name, "test", read_test)
    classes = list(train.classes)
    if len(set(train.labels)) < 2:
        raise DataError(f"{train.path}: one class only ({train.labels[0]!r}); classification needs two or more")
    length = int(max(train.lengths.max(), test.lengths.max()))
    X, y = T.to_arrays(train, classes, length)
    Xt, yt = T.to_arrays(test, classes, length)
    return Dataset(name, train, test, classes, X, y, Xt, yt)


def member_seed(cfg: T.TSConfig, member: int) -> int:
    return cfg.seed * 1000 + member


def train_member(ds: Dataset, cfg: T.TSConfig, member: int, on_epoch=None, work_dir=None):
    """One InceptionTime member (one-hot targets, its own seed); member 0 doubles as the single net."""
    return T.train_net(ds.X, ds.y, T.one_hot(ds.y, ds.k), cfg, member_seed(cfg, member),
                       desc=f"teacher {member + 1}/{cfg.members}", on_epoch=on_epoch, work_dir=work_dir)


def teacher_soft_labels(members, X: np.ndarray, tau: float) -> np.ndarray:
    return T.soft_labels([T.predict_logits(m, X) for m in members], tau)


def train_student(ds: Dataset, targets: np.ndarray, tau: float, cfg: T.TSConfig, on_epoch=None, work_dir=None):
    """The student: one Inception net on the variant's targets; its seed differs from every member's."""
    lam = 1.0 if cfg.variant in ("inception", "ls") else cfg.lam
    return T.train_net(ds.X, ds.y, targets, cfg, member_seed(cfg, 999), tau=tau, lam=lam,
                       desc=f"student ({cfg.variant})", on_epoch=on_epoch, work_dir=work_dir)


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray(logits).argmax(1) == y).mean())


def fit_rocket(X: np.ndarray, y: np.ndarray, kernels: int, seed: int):
    """aeon's RocketClassifier: `kernels` random kernels, RidgeClassifierCV(logspace(-3, 3, 10)), one core."""
    from aeon.classification.convolution_based import RocketClassifier

    return RocketClassifier(n_kernels=kernels, random_state=seed, n_jobs=1).fit(X.astype(np.float64), y)


def rocket_predict(model, X: np.ndarray) -> np.ndarray:
    return model.predict(X.astype(np.float64))


def predictors(student, teacher, rocket) -> dict:
    """Class predictions of the three models the evaluation compares, under the names it reports."""
    return {"student": lambda x: T.predict_logits(student, x).argmax(1),
            "teacher": lambda x: T.predict_logits(teacher, x).argmax(1),
            "ROCKET": lambda x: rocket_predict(rocket, x)}


BATCHES = (1, 256)  # one request at a time, and a batch of 256: what a service and a batch job see
SINGLE_SERIES = 64  # series timed one by one (the first of the test split)


def inference_ms(student, teacher, rocket, X: np.ndarray, batch: int = 256) -> dict:
    """Milliseconds per series of each, measured one after the other in this process on the same
    series and with the same batching for all three: calls of `batch` series (the test split tiled up
    to one full batch when it is smaller; batch 1: the first SINGLE_SERIES series one by one)."""
    if batch == 1:
        X = X[:SINGLE_SERIES]
    elif len(X) < batch:
        X = np.concatenate([X] * -(-batch // len(X)))[:batch]

    def batched(f):
        return lambda x: [f(x[i:i + batch]) for i in range(0, len(x), batch)]

    return {k: seconds_per_series(batched(f), X) * 1e3 for k, f in predictors(student, teacher, rocket).items()}


def inception_macs(net, length: int) -> int:
    """Multiply-accumulates of one forward pass on one series of `length` points, counted with forward
    hooks on every convolution and linear layer (batch norm, pooling and ReLU left out)."""
    import torch

    total = 0

    def conv(m, _, out):
        nonlocal total
        total += out.shape[-1] * m.out_channels * (m.in_channels // m.groups) * m.kernel_size[0]

    def linear(m, _, out):
        nonlocal total
        total += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv if isinstance(m, torch.nn.Conv1d) else linear)
             for m in net.modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Linear))]
    try:
        with torch.no_grad():
            net.eval()(torch.zeros(1, 1, length, device=next(net.parameters()).device))
    finally:
        for h in hooks:
            h.remove()
    return total


def rocket_macs(rocket, length: int) -> int:
    """Multiply-accumulates of ROCKET's transform of one univariate series: Σ over its kernels of
    output positions × kernel length (dilated, padded as fitted), plus the ridge classifier's dot products."""
    _, lengths, _, dilations, paddings, *_ = rocket._transformer.kernels
    out = (length + 2 * paddings) - (lengths - 1) * dilations
    ridge = rocket.estimator_.coef_.size
    return int(np.sum(out * lengths)) + int(ridge)


def average_ranks(acc: np.ndarray) -> np.ndarray:
    """Mean rank of each method (columns) over datasets (rows), 1 = best, ties share their mean rank —
    the ranking behind the paper's critical-difference summary."""
    from scipy.stats import rankdata

    return np.mean([rankdata(-row) for row in np.atleast_2d(acc)], 0)


def seconds_per_series(predict, X: np.ndarray, repeats: int = 3) -> float:
    """Best of `repeats` wall times to predict all of X, per series (one warm-up call first)."""
    predict(X[:2])
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict(X)
        best = min(best, time.perf_counter() - t0)
    return best / len(X)
