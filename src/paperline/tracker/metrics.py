"""The benchmarks' numbers, ported exactly (spec §4): VOT accuracy, failures and EAO (pysot's
`ar_benchmark` / `eao_benchmark`), OTB success AUC and precision@20 (pysot/got10k thresholds), and
DAVIS region similarity J and boundary F. Tests check them against got10k and vot-toolkit on the
same predictions.
"""

from __future__ import annotations

import numpy as np

from paperline.tracker.geometry import centers, iou, region_overlap

IOU_THRESHOLDS = np.arange(0, 1.05, 0.05)   # 21 values, IoU > t (a perfect tracker: 20/21)
PIXEL_THRESHOLDS = np.arange(0, 51)         # centre error <= t


def vot_overlaps(results: list, regions: np.ndarray, bounds: tuple[int, int]) -> np.ndarray:
    """Per-frame overlap of a VOT result with the truth; NaN on init/failure/skipped frames and on
    frames without truth."""
    out = np.full(len(results), np.nan)
    for i, r in enumerate(results):
        if not isinstance(r, (int, np.integer)) and np.all(np.isfinite(regions[i])):
            out[i] = region_overlap(r, regions[i], bounds)
    return out


def vot_accuracy(results: list, overlaps: np.ndarray, burnin: int = 10) -> np.ndarray:
    """The overlaps accuracy counts: the `burnin` frames from each (re)initialisation left out."""
    keep = np.isfinite(overlaps)
    for i, r in enumerate(results):
        if isinstance(r, (int, np.integer)) and r == 1:
            keep[i:i + burnin] = False
    return overlaps[keep]


def failure_frames(results: list) -> list[int]:
    return [i for i, r in enumerate(results) if isinstance(r, (int, np.integer)) and r == 2]


def eao_fragments(results: list, overlaps: np.ndarray, reinit_gap: int = 5) -> list[tuple[np.ndarray, bool]]:
    """(overlaps, ended in failure) of each fragment: runs start at 0 and at every failure +
    `reinit_gap`; a fragment spans to the next start (inclusive, pysot), frames without an overlap
    count 0."""
    ov = np.nan_to_num(overlaps, nan=0.0)
    points = [0] + [f + reinit_gap for f in failure_frames(results) if f + reinit_gap <= len(ov)]
    out = []
    for k, start in enumerate(points):
        if k != len(points) - 1:
            out.append((ov[start:points[k + 1] + 1], True))
        else:
            out.append((ov[start:], False))
    return out


def eao_curve(fragments: list[tuple[np.ndarray, bool]], length: int = 0) -> np.ndarray:
    """Phi(N) for every length index up to `length` (pysot: the longest sequence) : the mean of frames
    1..i of each fragment still running at i; a fragment that ended in failure counts 0 from there on."""
    length = max(length, max(len(f) for f, _ in fragments))
    table = np.full((len(fragments), length), np.nan)
    for k, (f, failed) in enumerate(fragments):
        if failed:
            table[k] = 0.0
        table[k, :len(f)] = f
    curve = np.full(length, np.nan)
    for i in range(1, length):
        alive = np.isfinite(table[:, i])
        if alive.any():
            curve[i] = np.mean(np.sum(table[alive, 1:i + 1], 1) / i)
    return curve


def eao(curve: np.ndarray, low: int, high: int) -> float:
    """The curve averaged over lengths low..high (pysot's weight[low-1:high])."""
    idx = np.arange(low - 1, min(high, len(curve)))
    vals = curve[idx]
    vals = vals[np.isfinite(vals)]
    return float(vals.mean()) if len(vals) else 0.0


def success_curve(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Share of frames with IoU > t for the 21 thresholds; frames without truth count as misses."""
    ious = iou(pred, truth)
    ious[~np.all(np.isfinite(truth), axis=1)] = -1
    return np.array([(ious > t).mean() for t in IOU_THRESHOLDS])


def precision_curve(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Share of frames whose centre error is <= t pixels, t = 0..50; frames without truth miss."""
    err = np.linalg.norm(centers(pred) - centers(truth), axis=1)
    err[~np.isfinite(err)] = np.inf
    return np.array([(err <= t).mean() for t in PIXEL_THRESHOLDS])


def boundary(mask: np.ndarray) -> np.ndarray:
    """A mask's boundary pixels (the mask minus its 4-neighbour erosion), DAVIS's seg2bmap in spirit."""
    m = mask.astype(bool)
    inner = m.copy()
    inner[1:] &= m[:-1]
    inner[:-1] &= m[1:]
    inner[:, 1:] &= m[:, :-1]
    inner[:, :-1] &= m[:, 1:]
    return m & ~inner


def j_measure(pred: np.ndarray, truth: np.ndarray) -> float:
    """Region similarity: IoU of the masks; two empty masks agree fully (DAVIS)."""
    p, t = pred.astype(bool), truth.astype(bool)
    union = (p | t).sum()
    return 1.0 if union == 0 else float((p & t).sum() / union)


def f_measure(pred: np.ndarray, truth: np.ndarray, bound_th: float = 0.008) -> float:
    """Boundary F: boundary pixels matched within `bound_th` of the image diagonal (DAVIS's default)."""
    import cv2

    bp, bt = boundary(pred), boundary(truth)
    if not bp.any() and not bt.any():
        return 1.0
    if not bp.any() or not bt.any():
        return 0.0
    r = int(np.ceil(bound_th * np.hypot(*pred.shape)))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    dp = cv2.dilate(bp.astype(np.uint8), disk).astype(bool)
    dt = cv2.dilate(bt.astype(np.uint8), disk).astype(bool)
    precision = (bp & dt).sum() / bp.sum()
    recall = (bt & dp).sum() / bt.sum()
    return 0.0 if precision + recall == 0 else float(2 * precision * recall / (precision + recall))


def summarise_vot(runs: dict[str, tuple[list, np.ndarray]], low: int, high: int, burnin: int, reinit_gap: int,
                  frames: int) -> dict:
    """EAO, accuracy, failures and failures per 100 frames over the sequences of `runs`
    ({sequence: (results, overlaps)})."""
    acc, fragments, failures, longest = [], [], 0, 0
    for results, overlaps in runs.values():
        acc.extend(vot_accuracy(results, overlaps, burnin))
        fragments.extend(eao_fragments(results, overlaps, reinit_gap))
        failures += len(failure_frames(results))
        longest = max(longest, len(results))
    curve = eao_curve(fragments, longest)
    return {"eao": eao(curve, low, high), "accuracy": float(np.mean(acc)) if acc else 0.0, "failures": failures,
            "robustness": 100.0 * failures / max(frames, 1), "curve": curve}


def summarise_ope(runs: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """Success AUC and precision@20 averaged over sequences ({sequence: (pred, truth)}), with the curves."""
    succ = np.mean([success_curve(p, t) for p, t in runs.values()], 0)
    prec = np.mean([precision_curve(p, t) for p, t in runs.values()], 0)
    return {"auc": float(succ.mean()), "precision20": float(prec[20]), "success_curve": succ,
            "precision_curve": prec}
