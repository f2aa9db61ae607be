"""F²C pieces: LRU pool, Dynamic Class Pool loss, Gallery-Net EMA, dual loader, and a tiny run."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.core.errors import ConfigError, DataError
from paperline.face.f2c import DualLoader, DynamicClassPool, F2CTrainConfig, LRUPool, ema_update, neg_topk, train_f2c
from paperline.face.formats import load_train_set


def test_lru_insert_hit_evict_and_rollback():
    lru = LRUPool(3)
    assert [lru.put(lab) for lab in (10, 11, 12)] == [0, 1, 2]
    assert lru.put(10) == 0  # a hit refreshes 10: 11 is now the least recently used
    assert lru.view(11) == 1 and lru.put(13) == 1 and lru.view(11) == -1  # 13 takes 11's slot
    snap = lru.state()
    lru.put(14)
    lru.put(15)
    assert lru.view(12) == -1
    lru.restore(snap)
    assert list(lru.slots.items()) == [(12, 2), (10, 0), (13, 1)]


def test_pool_memory_does_not_depend_on_the_number_of_identities():
    pool = DynamicClassPool(capacity=50, dim=16)
    assert [b.numel() for b in pool.buffers()] == [2 * 50 * 16] and not list(pool.parameters())
    for labels in (torch.arange(0, 40), torch.arange(10_000, 10_040), torch.arange(10**6, 10**6 + 40)):
        pool.insert(torch.randn(40, 16), labels)
    assert len(pool.lru.slots) == 50 and pool.queue.shape == (2, 50, 16)


def test_in_pool_margin_loss_and_out_of_pool_negative_loss():
    torch.manual_seed(0)
    pool = DynamicClassPool(capacity=8, dim=4, s=32.0, m=0.4)
    gal = F.normalize(torch.randn(5, 4), dim=1)
    pool.insert(gal, torch.tensor([0, 1, 2, 3, 4]))
    assert torch.equal(pool.queue[0, :5], pool.queue[1, :5])  # a new identity: previous centre = newest
    probe = torch.randn(2, 4)
    p = F.normalize(probe, dim=1)
    loss, stats = pool.loss(probe, torch.tensor([2, 99]))  # identity 2 is in the pool, 99 is not
    cos = p @ gal.T
    logits = cos[0].clone()
    logits[2] -= 0.4
    want_in = 2 * F.cross_entropy(32 * logits[None], torch.tensor([2]))  # newest and previous centre agree
    k = neg_topk(8)
    want_out = cos[1].clamp(min=0).topk(min(k, 5)).values.mean()
    assert stats == {"in_pool": 1, "out_of_pool": 1}
    assert loss.item() == pytest.approx((want_in + want_out).item(), rel=1e-5)
    assert neg_topk(7409) == 3 and neg_topk(10**5) == 10


def test_gallery_is_an_exact_moving_average_without_gradients():
    torch.manual_seed(1)
    probe, gallery = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    gallery.requires_grad_(False)
    g0 = [t.clone() for t in gallery.parameters()]
    ema_update(gallery, probe, 0.99)
    for g, g_before, p in zip(gallery.parameters(), g0, probe.parameters()):
        assert torch.allclose(g, 0.99 * g_before + 0.01 * p) and not g.requires_grad


def test_dual_loader_pairs_identities():
    labels = np.repeat(np.arange(20), 3)
    x, y = DualLoader(labels, 8, seed=0)()
    assert len(x) == len(y) == 8
    assert np.array_equal(labels[x[:4]], labels[y[:4]]) and not np.array_equal(x[:4], y[:4])
    assert len(set(labels[x[:4]])) == 4
    with pytest.raises(DataError, match="needs 8 identities with >= 2 images"):
        DualLoader(np.arange(20), 16, seed=0)


def test_pool_size_is_checked():
    with pytest.raises(ConfigError, match="DCP size 500 is larger than the 200 training identities"):
        F2CTrainConfig(pool_size=500, batch_size=32).pool_for(200)
    with pytest.raises(ConfigError, match="smaller than the 48 identities one step"):
        F2CTrainConfig(pool_size=20, batch_size=32).pool_for(200)
    assert F2CTrainConfig(batch_size=32).pool_for(1000) == 100
    with pytest.raises(ConfigError, match="CosFace"):
        F2CTrainConfig(head="arcface").check()


def test_small_f2c_run_trains(tmp_path):
    from paperline.face.build import FaceDataConfig, build_face_dataset

    build_face_dataset(tmp_path / "f", FaceDataConfig(train_identities=24, images_per_identity=4, verify_identities=2,
                                                      verify_images_per_identity=2, val_identities=0,
                                                      pairs_per_fold=2, seed=4))
    x, y = load_train_set(tmp_path / "f" / "train")
    cfg = F2CTrainConfig(width=0.25, input_size=32, embedding_size=16, batch_size=8, epochs=10, lr=0.01,
                         warmup_epochs=0.0, threads=1, pool_size=16)
    model, hist = train_f2c(x, y, cfg, tmp_path / "work")
    losses = [h["loss"] for h in hist]
    assert all(math.isfinite(v) for v in losses) and np.mean(losses[-3:]) < losses[0] - 10
    assert 0 < hist[0]["in_pool_fraction"] <= 1
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 16) and (tmp_path / "work" / "f2c-final.pt").exists()


def test_a_pool_larger_than_the_identities_fails_the_training_step_cleanly(tiny_dataset, home, tmp_path):
    """The training stage refuses before any weight is written; the DAG stops there, so nothing is
    registered (a failing training step stopping the DAG is what test_pipeline_e2e shows)."""
    from paperline.core import experiments
    from paperline.core.papers import get_paper
    from paperline.face import stages as face

    cfg = get_paper("f2c").train_config({"pool_size": 500, "batch_size": 4, "threads": 1})
    with pytest.raises(ConfigError, match="DCP size 500 is larger than the 8 training identities"):
        face.train(str(tiny_dataset), str(tmp_path / "m" / "model.pt"), cfg, "f2c", "t", {}, 112)
    assert not (tmp_path / "m" / "model.pt").exists()
    assert [r.info.status for r in experiments.client().search_runs([experiments.experiment_id("f2c")])] == ["FAILED"]
