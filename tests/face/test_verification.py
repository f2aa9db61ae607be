import numpy as np
import pytest

from paperline.face.verification import kfold_accuracy, pair_distances, tar_at_far


def _pairs(n, gap, seed=0, sigma=0.2):
    rng = np.random.default_rng(seed)
    same = np.repeat([True, False], n // 2)
    dist = np.where(same, rng.normal(1.0, sigma, n), rng.normal(1.0 + gap, sigma, n))
    folds = np.tile(np.arange(10), n // 10)
    return dist, same, folds


def test_separable_pairs_are_perfect():
    dist, same, folds = _pairs(600, 2.0, sigma=0.1)
    r = kfold_accuracy(dist, same, folds)
    assert r["accuracy"] == 1.0 and len(r["fold_accuracies"]) == 10


def test_indistinguishable_pairs_are_near_chance():
    dist, same, folds = _pairs(2000, 0.0)
    assert 0.4 < kfold_accuracy(dist, same, folds)["accuracy"] < 0.6


def test_threshold_comes_from_the_other_folds():
    # fold 0 alone is flipped: a threshold fitted on it would score 1, a threshold from folds 1-9 scores 0
    dist, same, folds = _pairs(600, 2.0, sigma=0.1)
    dist[folds == 0] = np.where(same[folds == 0], 3.5, 0.2)
    r = kfold_accuracy(dist, same, folds)
    assert r["fold_accuracies"][0] == 0.0


def test_tar_at_far_reports_only_resolvable_rates():
    dist, same, folds = _pairs(2000, 1.0)
    t = tar_at_far(dist, same)
    assert set(t) == {"tar@far=0.1", "tar@far=0.01", "tar@far=0.001"}  # 1000 impostors
    assert t["tar@far=0.1"] >= t["tar@far=0.01"] >= t["tar@far=0.001"]
    assert t["tar@far=0.1"] == pytest.approx(0.98, abs=0.03)  # N(0,0.2) vs N(1,0.2): TAR at 10 % FAR


def test_pair_distances_match_two_minus_two_cos():
    a = np.array([[1.0, 0.0]])
    b = np.array([[0.0, 1.0]])
    assert pair_distances(a, b)[0] == pytest.approx(2.0)


def test_roc_curve_matches_sklearn():
    from sklearn.metrics import roc_curve as sk_roc

    from paperline.face.verification import roc_curve

    rng = np.random.default_rng(0)
    same = rng.random(300) < 0.5
    score = np.round(rng.normal(same * 1.0, 1.0), 1)  # rounded: many ties
    fpr, tpr = roc_curve(same, score)
    sk_fpr, sk_tpr, _ = sk_roc(same, score, drop_intermediate=False)
    assert np.allclose(fpr, sk_fpr) and np.allclose(tpr, sk_tpr)
