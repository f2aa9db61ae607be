"""FID, KID, IS and precision/recall against values computed by hand."""

import numpy as np

from paperline.gan import metrics as M


def test_frechet_distance_of_two_known_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 1.0])
    # diagonal covariances: ||mu1 - mu2||^2 + sum (a + b - 2 sqrt(ab))
    want = 5.0 + (1 + 4 - 4) + (4 + 1 - 4) + (9 + 1 - 6)
    assert abs(M.frechet_distance(mu1, s1, mu2, s2) - want) < 1e-9
    rot = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]  # rotating both sets changes nothing
    assert abs(M.frechet_distance(rot @ mu1, rot @ s1 @ rot.T, rot @ mu2, rot @ s2 @ rot.T) - want) < 1e-8


def test_fid_is_zero_on_itself_symmetric_and_a_mean_shift_costs_its_square():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2000, 6)), rng.normal(size=(2000, 6)) * 1.5
    assert M.fid(a, a) < 1e-6
    assert abs(M.fid(a, b) - M.fid(b, a)) < 1e-6 and M.fid(a, b) > 0
    v = np.array([1.0, -2.0, 0.5, 0, 0, 3.0])
    assert abs(M.fid(a, a + v) - v @ v) < 1e-6


def test_kid_of_identically_distributed_sets_is_zero_within_its_std_and_positive_for_shifted_ones():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(1500, 8)), rng.normal(size=(1500, 8))  # unbiased: independent draws of one law
    mean, std = M.kid(a, b, subsets=20, subset_size=500)
    assert abs(mean) <= 2 * std + 1e-12
    shifted, sstd = M.kid(a, a + 1.0, subsets=20, subset_size=500)
    assert shifted > 10 * max(sstd, std)


def test_inception_score_bounds():
    uniform = np.full((1000, 10), 0.1)
    assert abs(M.inception_score(uniform)[0] - 1.0) < 1e-9
    confident = np.eye(10)[np.arange(1000) % 10]  # sure of each image, all classes equally often
    assert abs(M.inception_score(confident)[0] - 10.0) < 1e-6


def test_precision_and_recall_of_matching_disjoint_and_collapsed_sets():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(800, 4))
    p, r = M.precision_recall(real, real.copy(), k=3)
    assert p == 1.0 and r == 1.0
    assert M.precision_recall(real, real + 100.0, k=3) == (0.0, 0.0)
    collapsed = np.repeat(real[:1], 800, 0) + rng.normal(scale=1e-3, size=(800, 4))
    p, r = M.precision_recall(real, collapsed, k=3)
    assert p == 1.0 and r < 0.05  # every sample is realistic, the variety is gone
