"""Collapse diagnostics of a face head, per epoch: how the loss shapes the embedding sphere, where
accuracy alone only says that something went wrong.

- `target_cosine`: mean cos θ_y over the epoch's training batches;
- `hard_share`: the share of negatives the head treats as hard (MV-Softmax: its mined vectors; the
  other heads: a negative whose logit beats the target's, i.e. cos θ_k above the margined f(θ_y));
- `probe_mean_norm`: the norm of the mean embedding of a fixed probe batch of training images (0: spread
  over the sphere, 1: every face on one point);
- `impostor_cosine`: the mean cosine of a fixed set of different-identity verification pairs.

A head that collapses shows it here long before the verification accuracy is read (measured on the
embedded set at epoch 8, 3 seeds, benchmarks/face_baselines.py: adaptive MV-Softmax target cosine
−0.39, 98 % of negatives hard, probe mean norm 0.85, impostor cosine 0.50; CosFace +0.56, 23 %, 0.22,
0.02).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

PROBE_IMAGES = 128     # training images of the fixed probe batch
IMPOSTOR_PAIRS = 100   # different-identity verification pairs, the first of pairs.txt
TARGET_FLOOR = 0.0     # mean target cosine below this after the first quarter of training: collapse
IMPOSTOR_CEILING = 0.5  # impostor cosine above this at the end: collapse


def class_cosines(head, emb: torch.Tensor) -> torch.Tensor:
    """cos θ between each embedding and each class; the plain softmax head's classes are its weight rows."""
    if hasattr(head, "cosine"):
        return head.cosine(emb)
    return F.normalize(emb, dim=1) @ F.normalize(head.fc.weight, dim=1).t()


def hard_negatives(head, cos: torch.Tensor, logits: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
    """(N, C) bool: the negatives the head treats as hard; column y is never one."""
    if hasattr(head, "hard_negatives"):
        return head.hard_negatives(cos, label)
    col = label.view(-1, 1)
    return (logits > logits.gather(1, col)).scatter(1, col, False)


class BatchStats:
    """Sums over an epoch's batches (cheap: the cosines are already computed for the accuracy)."""

    def __init__(self):
        self.target, self.rows, self.hard, self.negatives = 0.0, 0, 0, 0

    @torch.no_grad()
    def add(self, head, cos: torch.Tensor, logits: torch.Tensor, label: torch.Tensor) -> None:
        self.target += cos.gather(1, label.view(-1, 1)).sum().item()
        self.rows += len(label)
        self.hard += int(hard_negatives(head, cos, logits.float(), label).sum().item())
        self.negatives += len(label) * (cos.size(1) - 1)

    def counters(self) -> list[float]:
        return [self.target, float(self.rows), float(self.hard), float(self.negatives)]

    @staticmethod
    def result(counters) -> dict:
        target, rows, hard, negatives = counters
        return {"target_cosine": target / max(rows, 1), "hard_share": hard / max(negatives, 1)}


def probe_indices(n: int, size: int = PROBE_IMAGES) -> np.ndarray:
    """The fixed probe batch: the same images whatever the run's seed, so runs compare."""
    return np.sort(np.random.default_rng(0).permutation(n)[:size])


def probe_stats(probe: np.ndarray, left: np.ndarray | None = None, right: np.ndarray | None = None) -> dict:
    """From L2-normalised embeddings: the probe batch's mean-embedding norm and, given the impostor
    pairs' two sides, their mean cosine."""
    out = {"probe_mean_norm": float(np.linalg.norm(probe.mean(0)))}
    if left is not None and len(left):
        out["impostor_cosine"] = float(np.mean(np.sum(left * right, axis=1)))
    return out


def collapse_warning(history: list[dict], epochs: int, head: str = "", adaptive: bool = False) -> str | None:
    """One line when the diagnostics show collapse: the mean target cosine below 0 after the first
    quarter of training, or the impostor cosine above 0.5 at the end; None otherwise."""
    late = [r for r in history if r["epoch"] > epochs / 4 and "target_cosine" in r]
    seen = []
    if late and late[-1]["target_cosine"] < TARGET_FLOOR:
        seen.append(f"mean target cosine {late[-1]['target_cosine']:+.2f} at epoch {late[-1]['epoch']}")
    last = history[-1] if history else {}
    if last.get("impostor_cosine", -1.0) > IMPOSTOR_CEILING:
        seen.append(f"impostor-pair cosine {last['impostor_cosine']:.2f}")
    if not seen:
        return None
    if "hard_share" in last:
        seen.append(f"{100 * last['hard_share']:.0f} % of negatives hard")
    if head.startswith("mv_") and adaptive:
        hint = ("adaptive MV re-weighting drags every cosine down while the target probability stays near 0; "
                "try adaptive=false, a smaller t, or many more steps")
    else:
        hint = "try a smaller margin m or lr, or more epochs"
    return f"the embeddings collapsed ({', '.join(seen)}): {hint}"
