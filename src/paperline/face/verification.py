"""LFW-protocol verification: 10-fold accuracy with the threshold chosen on the other 9 folds,
TAR at FAR from the ROC, and a ROC plot (insightface `eval/verification.py` variant).

Scores are squared L2 distances of L2-normalised embeddings (equivalently 2 − 2 cos); a pair is
"same" when the distance is below the threshold. The threshold is never picked on the test fold.
Where several thresholds tie on the training folds we take the middle of that plateau (insightface
takes its lowest edge), which keeps a cleanly separated test fold from falling just outside it.
"""

from __future__ import annotations

import numpy as np

from paperline.core.figures import figure, to_png

THRESHOLDS = np.arange(0, 4, 0.01)


def pair_distances(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return ((left - right) ** 2).sum(1)


def _acc(dist, same, th):
    return ((dist < th) == same).mean()


def kfold_accuracy(dist: np.ndarray, same: np.ndarray, folds: np.ndarray) -> dict:
    same = same.astype(bool)
    accs, ths = [], []
    for k in np.unique(folds):
        test, train = folds == k, folds != k
        train_acc = np.array([_acc(dist[train], same[train], t) for t in THRESHOLDS])
        best = np.flatnonzero(train_acc == train_acc.max())
        th = THRESHOLDS[best[len(best) // 2]]  # middle of the best plateau, not its lower edge
        accs.append(_acc(dist[test], same[test], th))
        ths.append(th)
    accs = np.asarray(accs)
    return {"accuracy": float(accs.mean()), "accuracy_std": float(accs.std()),
            "fold_accuracies": accs.tolist(), "thresholds": [float(t) for t in ths]}


def pair_correct(dist: np.ndarray, same: np.ndarray, folds: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Per pair: judged right with its own fold's threshold (chosen on the other folds)."""
    uniq = np.unique(folds)
    th = np.asarray(thresholds)[np.searchsorted(uniq, folds)]
    return (dist < th) == same.astype(bool)


def roc_curve(same: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(FPR, TPR) at every distinct score threshold, highest first, starting at (0, 0); what
    sklearn's roc_curve gives, without importing sklearn (1.8 s in every pipeline task)."""
    same = np.asarray(same, bool)
    order = np.argsort(-np.asarray(score), kind="mergesort")
    s, y = np.asarray(score)[order], same[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last index of each distinct score
    tps = np.cumsum(y)[last]
    fps = last + 1 - tps
    return np.r_[0, fps] / max(fps[-1], 1), np.r_[0, tps] / max(tps[-1], 1)


def tar_at_far(dist: np.ndarray, same: np.ndarray, fars=(1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)) -> dict:
    """TAR at each FAR by interpolating the ROC. FAR 1e-3 is always reported; lower FARs only when
    there are at least 1/FAR impostor pairs, since fewer cannot resolve them."""
    same = same.astype(bool)
    fpr, tpr = roc_curve(same, -dist)
    impostors = int((~same).sum())
    out = {}
    for far in fars:
        if far >= 1e-3 or impostors >= 1.0 / far:
            out[f"tar@far={far:g}"] = float(np.interp(far, fpr, tpr))
    return out


def roc_table(dist: np.ndarray, same: np.ndarray, points: int = 101) -> dict:
    """The ROC at `points` distance thresholds (a pair is "same" when its distance is below), in the
    lists KFP's ClassificationMetrics.log_roc_curve takes; finite and small enough for the UI."""
    same = np.asarray(same, bool)
    th = np.quantile(dist, np.linspace(0, 1, points))
    th[-1] = np.nextafter(th[-1], np.inf)  # the last threshold accepts every pair
    accepted = dist[None, :] < th[:, None]
    tpr = accepted[:, same].mean(1) if same.any() else np.zeros(points)
    fpr = accepted[:, ~same].mean(1) if (~same).any() else np.zeros(points)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "threshold": th.tolist()}


def roc_points(dist, same):
    return roc_curve(same, -dist)


def roc_png(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str) -> bytes:
    fig, ax = figure(figsize=(5, 4))
    for name, (fpr, tpr) in curves.items():
        ax.plot(np.clip(fpr, 1e-4, 1), tpr, label=name)
    ax.set_xscale("log")
    ax.set_xlim(1e-3, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("false accept rate")
    ax.set_ylabel("true accept rate")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return to_png(fig)


def bucket_png(accuracy: dict[str, float], counts: dict[str, int], title: str) -> bytes:
    """Bar chart of accuracy per group of pairs (yaw buckets, the frontal-profile protocol)."""
    fig, ax = figure(figsize=(5, 3.5))
    names = list(accuracy)
    bars = ax.bar(names, [accuracy[n] for n in names], color="tab:blue")
    for bar, n in zip(bars, names):
        ax.annotate(f"{accuracy[n]:.3f}\n{counts[n]} pairs", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("verification accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return to_png(fig)
