"""Landmark metrics (NME, AUC@0.08, FR@0.08), parsing F1, the flip, and landmark-guided annotation."""

import numpy as np
import pytest

from paperline.core.errors import DataError
from paperline.faceimage.renderer import FaceRenderer, make_identity
from paperline.landmarks import metrics as LM
from paperline.parsing.metrics import ConfusionHistogram, boundary


def _shapes(n=20, seed=0):
    rng = np.random.default_rng(seed)
    gt = rng.uniform(20, 100, (n, 106, 2))
    return gt, gt + rng.normal(0, 2.0, gt.shape)


def test_perfect_prediction_scores_perfectly():
    gt, _ = _shapes()
    e = LM.nme(gt, gt)
    assert np.all(e == 0) and LM.auc(e) == 1.0 and LM.failure_rate(e) == 0.0


def test_nme_is_scale_invariant_and_uses_the_ground_truth_box():
    gt, pred = _shapes()
    assert np.allclose(LM.nme(pred * 3.5, gt * 3.5), LM.nme(pred, gt))
    span = gt.max(1) - gt.min(1)
    by_hand = np.linalg.norm(pred - gt, axis=2).mean(1) / np.sqrt(span[:, 0] * span[:, 1])
    assert np.allclose(LM.nme(pred, gt), by_hand)
    assert not np.allclose(LM.nme(gt, pred), by_hand)  # normalised by the second argument's box, not the first
    with pytest.raises(DataError, match="degenerate box"):
        LM.nme(gt[:1], np.zeros((1, 106, 2)))


def test_closed_form_auc_equals_integrating_the_ced():
    errors = np.random.default_rng(1).gamma(2.0, 0.02, 500)
    grid = np.arange(0, 0.08 + 1e-12, 1e-5)
    ced = np.searchsorted(np.sort(errors), grid, side="right") / len(errors)
    assert LM.auc(errors) == pytest.approx(np.trapezoid(ced, grid) / 0.08, abs=1e-4)
    assert LM.failure_rate(errors) == pytest.approx(np.mean(errors > 0.08))
    assert LM.ced_png({"model": errors})[:4] == b"\x89PNG"


def test_f1_from_the_accumulated_histogram():
    gt = np.array([[0, 1, 1], [2, 2, 3]])
    pred = np.array([[0, 1, 2], [2, 2, 2]])
    h = ConfusionHistogram().add(gt, pred).add(gt, pred)  # two images: counts add up, F1 does not average
    f1 = h.f1()
    assert f1[1] == pytest.approx(2 * 2 / (4 + 2))  # class 1: TP 2, |GT| 4, |pred| 2
    assert f1[2] == pytest.approx(2 * 4 / (4 + 8))
    assert f1[3] == 0.0 and np.isnan(f1[5])  # class 5 absent from both: no F1
    s = h.summary()
    assert s["mean_f1_classes"] == 3 and s["mean_f1"] == pytest.approx((f1[1] + f1[2] + f1[3]) / 3)  # no background
    with pytest.raises(DataError, match="class id above 10"):
        ConfusionHistogram().add(np.full((2, 2), 11), np.zeros((2, 2), int))


def test_boundary_marks_pixels_next_to_another_label():
    lab = np.zeros((5, 5), np.uint8)
    lab[1:4, 1:4] = 1
    b = boundary(lab)
    assert b[2, 2] == 0 and b[1, 1] == 1 and b[0, 0] == 1 and b.sum() == 24


def test_hflip_swaps_left_and_right_and_round_trips():
    from paperline.faceimage.layouts import hflip

    s = FaceRenderer(96).render(make_identity(np.random.default_rng(3)), np.random.default_rng(4))
    img, lab, pts = hflip(s.image, s.mask, s.landmarks)
    assert (lab[s.mask[:, ::-1] == 2] == 3).all() and (lab[s.mask[:, ::-1] == 4] == 5).all()
    assert pts[104, 0] == pytest.approx(95 - s.landmarks[105, 0])  # the left pupil is the mirrored right one
    back = hflip(img, lab, pts)
    assert np.array_equal(back[0], s.image) and np.array_equal(back[1], s.mask) and np.allclose(back[2], s.landmarks)


def _faces(n=40, size=128):
    r = FaceRenderer(size)
    out = []
    for i in range(n):
        rng = np.random.default_rng([5, i])
        out.append(r.render(make_identity(rng), rng, r.sample_pose(rng, 45)))
    return out


def test_annotation_from_exact_landmarks_reproduces_the_parts():
    """The landmark-drawn parts are the renderer's own rule: F1 >= 0.98 each (skin and hair differ:
    the forehead and the hair are not in the landmarks)."""
    from paperline.parsing.annotate import initial_masks

    h = ConfusionHistogram()
    for s in _faces():
        h.add(s.mask, initial_masks(s.landmarks, s.mask.shape))
    f1 = h.f1()
    assert all(f1[c] >= 0.98 for c in range(2, 10)), f1
    assert f1[1] > 0.75 and f1[10] > 0.1


def test_refinement_recovers_boundaries_from_noisy_landmarks():
    from paperline.parsing.annotate import annotate, initial_masks

    rng = np.random.default_rng(0)
    raw, refined = ConfusionHistogram(), ConfusionHistogram()
    for s in _faces(30):
        noisy = s.landmarks + rng.normal(0, 1.5, s.landmarks.shape)
        raw.add(s.mask, initial_masks(noisy, s.mask.shape))
        refined.add(s.mask, annotate(s.image, noisy))
    assert refined.summary()["mean_f1"] > raw.summary()["mean_f1"] + 0.03
