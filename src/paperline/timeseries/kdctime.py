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


def inference_ms(student, teacher, rocket, X: np.ndarray) -> dict:
    """Milliseconds per series of each, measured one after the other in this process on the same X."""
    return {k: seconds_per_series(f, X) * 1e3 for k, f in predictors(student, teacher, rocket).items()}


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
