"""FID, KID, Inception Score and k-NN precision/recall in numpy/scipy, on any extractor's features.

FID (Heusel et al.): ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2), the real part of the matrix
square root (pytorch-fid's rule, with a small diagonal offset when the product is singular). KID
(Binkowski et al.): the unbiased MMD^2 with the kernel (x.y / d + 1)^3, mean and std over random
subsets. IS: exp(E_x KL(p(y|x) || p(y))) over splits. Precision/recall (Kynkaanniemi et al.): the
share of generated samples inside the real k-NN manifold, and of real samples inside the
generated one."""

from __future__ import annotations

import numpy as np
from scipy import linalg


def gaussian(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1, s1, mu2, s2, eps: float = 1e-6) -> float:
    import warnings

    diff = mu1 - mu2
    with warnings.catch_warnings():  # dead feature units make S1 S2 singular: the offset below handles it
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(s1)) * eps
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    covmean = np.real(covmean)
    return float(max(0.0, diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)))


def fid(real: np.ndarray, fake: np.ndarray) -> float:
    return frechet_distance(*gaussian(real), *gaussian(fake))


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 50, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """(mean, std) of the unbiased MMD^2 over `subsets` random subsets of each set."""
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(real), len(fake))
    d = real.shape[1]
    values = []
    for _ in range(subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        kxx, kyy, kxy = ((x @ x.T) / d + 1) ** 3, ((y @ y.T) / d + 1) ** 3, ((x @ y.T) / d + 1) ** 3
        values.append((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
                      - 2 * kxy.mean())
    return float(np.mean(values)), float(np.std(values))


def inception_score(probs: np.ndarray, splits: int = 10) -> tuple[float, float]:
    scores = []
    for part in np.array_split(probs, splits):
        py = part.mean(0, keepdims=True)
        kl = (part * (np.log(part + 1e-12) - np.log(py + 1e-12))).sum(1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0)


def _radii(x: np.ndarray, k: int) -> np.ndarray:
    d = _sq_dists(x, x)
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def _coverage(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray, chunk: int = 1024) -> float:
    inside = []
    for i in range(0, len(queries), chunk):
        inside.append((_sq_dists(queries[i:i + chunk], manifold) <= radii[None]).any(1))
    return float(np.concatenate(inside).mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    return (_coverage(real, _radii(real, k), fake), _coverage(fake, _radii(fake, k), real))
