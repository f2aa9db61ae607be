"""Collapse diagnostics: the shift test behind MV-Softmax's collapse, and the four figures on hand-made
embeddings."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.core.tasklog import WARNING, TaskLog
from paperline.face.diagnostics import BatchStats, class_cosines, collapse_warning, hard_negatives, probe_stats
from paperline.face.heads import ArcFaceHead, CosFaceHead, MVSoftmaxHead, SoftmaxHead


def _batch(seed=0, n=16, c=12):
    g = torch.Generator().manual_seed(seed)
    cos = torch.rand(n, c, generator=g, dtype=torch.float64) * 1.6 - 0.8
    return cos, torch.randint(0, c, (n,), generator=g)


def shift_slope(head, cos, label):
    """dL/dδ at δ = 0, where δ is subtracted from every cosine the head compares: the margined target
    f(θ_y) and every cos θ_k (the re-weighting h then acts on the shifted cos θ_k)."""
    delta = torch.zeros((), dtype=cos.dtype, requires_grad=True)
    f = head.target(cos.gather(1, label.view(-1, 1)))
    loss = F.cross_entropy(head.logits(cos - delta, f - delta, label), label)
    (grad,) = torch.autograd.grad(loss, delta)
    return grad.item()


HEADS = {"cosface": lambda: CosFaceHead(4, 12, s=32.0, m=0.35),
         "arcface": lambda: ArcFaceHead(4, 12, s=32.0, m=0.5),
         "mv_am fixed": lambda: MVSoftmaxHead(4, 12, s=32.0, m=0.35, t=0.2, adaptive=False),
         "mv_arc fixed": lambda: MVSoftmaxHead(4, 12, s=32.0, m=0.35, t=0.2, kind="arc", adaptive=False)}


@pytest.mark.parametrize("name", HEADS)
def test_the_loss_of_softmax_cosface_arcface_and_fixed_mv_ignores_a_common_shift(name):
    cos, label = _batch()
    assert shift_slope(HEADS[name](), cos, label) == pytest.approx(0.0, abs=1e-9)


def test_the_plain_softmax_loss_ignores_a_common_shift_of_its_logits():
    z = torch.randn(16, 12, dtype=torch.float64)
    label = torch.randint(0, 12, (16,))
    delta = torch.zeros((), dtype=z.dtype, requires_grad=True)
    (grad,) = torch.autograd.grad(F.cross_entropy(z - delta, label), delta)
    assert grad.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("kind", ["am", "arc"])
def test_adaptive_mv_pulls_every_cosine_down_by_t_s_times_the_hard_mass(kind):
    head = MVSoftmaxHead(4, 12, s=32.0, m=0.35, t=0.2, kind=kind, adaptive=True)
    cos, label = _batch(seed=1)
    with torch.no_grad():
        p = head.from_cosine(cos, label).softmax(1)
        hard = hard_negatives(head, cos, head.from_cosine(cos, label), label)
    assert hard.any()
    expected = -(head.t * head.s * (p * hard).sum(1)).mean().item()  # cross-entropy is the batch mean
    slope = shift_slope(head, cos, label)
    assert slope < 0 and slope == pytest.approx(expected, rel=1e-9)


def test_hard_negatives_are_the_mined_set_for_mv_and_the_out_scoring_ones_otherwise():
    cos = torch.tensor([[0.5, 0.3, 0.1, 0.6], [0.1, 0.2, -0.4, 0.0]])
    label = torch.tensor([0, 1])
    mv = MVSoftmaxHead(4, 4, m=0.35, t=0.2)
    # row 0: f = 0.15 -> 0.3 and 0.6 are mined, 0.1 is not; row 1: f = -0.15 -> 0.1 and 0.0
    expected = torch.tensor([[False, True, False, True], [True, False, False, True]])
    assert torch.equal(hard_negatives(mv, cos, mv.from_cosine(cos, label), label), expected)
    cf = CosFaceHead(4, 4, m=0.35)
    assert torch.equal(hard_negatives(cf, cos, cf.from_cosine(cos, label), label), expected)
    stats = BatchStats()
    stats.add(cf, cos, cf.from_cosine(cos, label), label)
    assert BatchStats.result(stats.counters()) == pytest.approx({"target_cosine": 0.35, "hard_share": 4 / 6})


def test_the_plain_softmax_head_is_diagnosed_by_its_weight_rows():
    head = SoftmaxHead(2, 3)
    with torch.no_grad():
        head.fc.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]]))
    cos = class_cosines(head, torch.tensor([[1.0, 1.0]]))
    assert torch.allclose(cos, torch.tensor([[2 ** -0.5, 2 ** -0.5, -(2 ** -0.5)]]))


def test_probe_figures_on_hand_made_embeddings():
    e = np.eye(4)[:1].repeat(8, 0)                       # every face on one point
    assert probe_stats(e)["probe_mean_norm"] == pytest.approx(1.0)
    spread = np.concatenate([np.eye(4), -np.eye(4)])    # symmetric over the sphere
    assert probe_stats(spread)["probe_mean_norm"] == pytest.approx(0.0)
    left, right = np.eye(4)[:2], np.eye(4)[2:]          # orthogonal impostors
    assert probe_stats(spread, left, right)["impostor_cosine"] == pytest.approx(0.0)
    assert probe_stats(spread, left, left)["impostor_cosine"] == pytest.approx(1.0)
    assert "impostor_cosine" not in probe_stats(spread)


def _history(target, impostor, epochs=8):
    return [{"epoch": e, "target_cosine": target[e - 1], "impostor_cosine": impostor[e - 1], "hard_share": 0.99}
            for e in range(1, epochs + 1)]


def test_collapse_warning_names_what_was_seen_and_what_to_try():
    collapsed = _history([0.0, -0.1, -0.2, -0.3, -0.35, -0.4, -0.45, -0.45], [0.3, 0.5, 0.6, 0.7] + [0.74] * 4)
    w = collapse_warning(collapsed, 8, "mv_am", adaptive=True)
    assert "target cosine -0.45 at epoch 8" in w and "impostor-pair cosine 0.74" in w and "adaptive=false" in w
    assert "99 % of negatives hard" in w and "\n" not in w
    assert "adaptive=false" not in collapse_warning(collapsed, 8, "cosface")
    healthy = _history([-0.2, 0.1, 0.3, 0.4, 0.5, 0.5, 0.55, 0.55], [0.4, 0.3, 0.2] + [0.05] * 5)
    assert collapse_warning(healthy, 8, "mv_am", adaptive=True) is None  # negative only in the first quarter
    assert collapse_warning(_history([0.5] * 8, [0.1] * 7 + [0.6]), 8, "arcface").startswith(
        "the embeddings collapsed (impostor-pair cosine 0.60")


def test_a_task_warning_reaches_the_run_summary(tmp_path):
    import io

    console = io.StringIO()
    log = TaskLog(tmp_path / "log.txt", console)
    log.write("Executing task 'train-face'\n")
    log.write(f"epoch 1: loss 3.0\n{WARNING}the embeddings collapsed (x)\n")
    log.write("Task 'train-face' finished with status SUCCESS\n")
    log.close()
    assert log.warnings == ["train-face: the embeddings collapsed (x)"]
    assert "collapsed" not in console.getvalue()  # quiet: the summary repeats it once
