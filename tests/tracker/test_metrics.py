"""The metric code: the spec's oracles, and the same numbers as got10k (OTB) and vot-toolkit (EAO)
on the same predictions."""

import numpy as np
import pytest

from paperline.tracker import metrics as M
from paperline.tracker.geometry import iou, region_overlap


def _truth(n=60, seed=0):
    rng = np.random.default_rng(seed)
    xy = 50 + np.cumsum(rng.normal(0, 2, (n, 2)), 0)
    return np.hstack([xy, np.tile([30.0, 40.0], (n, 1))])


def test_oracles():
    gt = _truth()
    assert M.success_curve(gt, gt).mean() == pytest.approx(20 / 21)  # IoU > 1.0 is never passed
    assert M.precision_curve(gt, gt)[20] == 1.0
    assert iou([0, 0, 10, 10], [20, 20, 5, 5])[0] == 0
    assert region_overlap([0, 0, 10, 10], [0, 0, 10, 0, 10, 10, 0, 10]) == pytest.approx(1.0)
    results = [1] + [g for g in gt[1:]]
    ov = M.vot_overlaps(results, gt, (400, 400))
    perfect = M.eao(M.eao_curve(M.eao_fragments(results, ov)), 10, 50)
    assert perfect == pytest.approx(1.0)
    # a failure at frame 20: that fragment counts 0 from there, so every longer length loses
    failed = [1] + list(gt[1:20]) + [2] + [0] * 4 + [1] + list(gt[26:])
    ov2 = M.vot_overlaps(failed, gt, (400, 400))
    curve = M.eao_curve(M.eao_fragments(failed, ov2), len(gt))
    assert len(curve) == len(gt) and curve[10] == pytest.approx(1.0) and curve[40] < curve[30] < 1.0
    assert M.failure_frames(failed) == [20]
    assert len(M.vot_accuracy(failed, ov2, burnin=10)) == len(gt) - 2 * 10 - 4 - 1


def test_otb_curves_match_got10k():
    from got10k.experiments.otb import ExperimentOTB
    from got10k.utils.metrics import center_error, rect_iou

    gt = _truth(80, 1)
    pred = gt + np.random.default_rng(2).normal(0, 6, gt.shape)
    pred[:, 2:] = np.abs(pred[:, 2:]) + 1
    exp = ExperimentOTB.__new__(ExperimentOTB)
    exp.nbins_iou, exp.nbins_ce = 21, 51
    succ, prec = exp._calc_curves(rect_iou(pred, gt), center_error(pred, gt))
    assert np.allclose(M.success_curve(pred, gt), succ, atol=1e-12)
    assert np.allclose(M.precision_curve(pred, gt), prec, atol=1e-12)


def test_eao_curve_matches_vot_toolkit():
    np.NaN = np.nan  # vot-toolkit 0.9 still names it
    from vot.analysis.supervised import compute_eao_curve

    rng = np.random.default_rng(4)
    fragments = [(rng.uniform(0.2, 0.9, int(rng.integers(20, 90))), bool(rng.random() < 0.5)) for _ in range(12)]
    ours = M.eao_curve(fragments)
    theirs = compute_eao_curve([f for f, _ in fragments], [1.0] * len(fragments),
                               [not failed for _, failed in fragments])
    assert np.allclose(ours[1:], np.asarray(theirs)[1:], atol=1e-6)


def test_davis_measures():
    m = np.zeros((60, 80), bool)
    m[10:40, 20:50] = True
    assert M.j_measure(m, m) == 1.0 and M.f_measure(m, m) == 1.0
    assert M.j_measure(m, ~m) == 0.0 and M.f_measure(np.zeros_like(m), m) == 0.0
    shifted = np.roll(m, 1, axis=1)
    assert M.f_measure(shifted, m) == 1.0 > M.j_measure(shifted, m)  # within the boundary tolerance
