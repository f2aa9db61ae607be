import numpy as np
import pytest
import torch

from paperline.core.errors import ConfigError
from paperline.face.backbones import count_parameters, get_backbone
from paperline.face.formats import load_train_set
from paperline.face.train import FaceTrainConfig, embed_images, train_face

TINY = dict(backbone="mobilefacenet", width=0.25, input_size=32, embedding_size=16, batch_size=8, lr=0.05,
            warmup_epochs=0.0, threads=1)


@pytest.mark.parametrize("name", ["mobilefacenet", "ir18", "ir50"])
def test_backbones_embed_any_divisible_size(name):
    m = get_backbone(name, embedding_size=32, input_size=48, width=0.25).eval()
    assert m(torch.zeros(2, 3, 48, 48)).shape == (2, 32)


def test_full_size_backbones_have_their_usual_size():
    assert 0.9e6 < count_parameters(get_backbone("mobilefacenet")) < 1.3e6
    assert 3.0e7 < count_parameters(get_backbone("ir50")) < 4.5e7
    with pytest.raises(ConfigError, match="valid: mobilefacenet, ir18, ir50"):
        get_backbone("resnet9000")


def test_training_lowers_the_loss_and_is_reproducible(tiny_dataset, tmp_path):
    x, y = load_train_set(tiny_dataset / "train")
    cfg = FaceTrainConfig(head="mv_am", epochs=4, **TINY)
    model_a, hist_a = train_face(x, y, cfg, tmp_path / "a", resume=False)
    _, hist_b = train_face(x, y, cfg, tmp_path / "b", resume=False)
    assert hist_a[-1]["loss"] < hist_a[0]["loss"]
    assert [h["loss"] for h in hist_a] == [h["loss"] for h in hist_b]
    emb = embed_images(model_a, x[:5])
    assert emb.shape == (5, 16) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)


def test_resume_continues_where_it_stopped(tiny_dataset, tmp_path):
    x, y = load_train_set(tiny_dataset / "train")
    cfg = FaceTrainConfig(head="arcface", epochs=2, **TINY)
    full, hist_full = train_face(x, y, cfg, tmp_path / "full", resume=False)
    # stop after one epoch (max_steps), then resume in the same work dir
    per_epoch = len(x) // cfg.batch_size
    train_face(x, y, cfg, tmp_path / "cut", resume=False, max_steps=per_epoch)
    resumed, hist_res = train_face(x, y, cfg, tmp_path / "cut", resume=True)
    assert [h["loss"] for h in hist_res] == pytest.approx([h["loss"] for h in hist_full], rel=1e-5)
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-5)


def test_resume_refuses_a_different_config(tiny_dataset, tmp_path):
    x, y = load_train_set(tiny_dataset / "train")
    train_face(x, y, FaceTrainConfig(head="softmax", epochs=1, **TINY), tmp_path, resume=False)
    with pytest.raises(ConfigError, match="different config"):
        train_face(x, y, FaceTrainConfig(head="cosface", epochs=1, **TINY), tmp_path, resume=True)


def test_unknown_head_and_schedule_are_rejected():
    with pytest.raises(ConfigError, match="unknown head 'nope'"):
        FaceTrainConfig(head="nope").check()
    with pytest.raises(ConfigError, match="unknown schedule"):
        FaceTrainConfig(schedule="nope").check()


def test_mhlr_schedule_validation_hook_and_training_seconds(tiny_dataset, tmp_path):
    x, y = load_train_set(tiny_dataset / "train")
    # a tolerance of 0 steps and a λ no loss can beat: MHLR halves the rate on every step after the second
    cfg = FaceTrainConfig(head="cosface", epochs=2, schedule="mhlr", mhlr_tau=1e-9, mhlr_lambda=1e9, **TINY)
    seen = []
    _, hist = train_face(x, y, cfg, tmp_path, resume=False,
                         validate=lambda m: seen.append(m.backbone.training) or {"val_metric": float(len(seen))})
    steps = 2 * (len(x) // 8)
    assert hist[-1]["lr"] == pytest.approx(0.05 / 2 ** (steps - 2))
    assert [h["val_metric"] for h in hist] == [1.0, 2.0] and seen == [False, False]  # evaluated in eval mode
    assert 0 < hist[0]["train_seconds"] < hist[1]["train_seconds"]
    with pytest.raises(ConfigError, match="unknown schedule 'haar'; valid: step, cosine, mhlr"):
        FaceTrainConfig(schedule="haar").check()
