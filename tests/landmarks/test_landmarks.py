"""The 106-point model: PIP decoding and loss by hand, crops and augmentations keep points on their
pixels, a short training run learns, and the jd-landmark stages score and refuse bad data."""

import numpy as np
import pytest
import torch

from paperline.faceimage.augment import apply_points, augment, box_to_crop, compose, invert, random_similarity, warp
from paperline.landmarks.pipnet import POINTS, LandmarkConfig, PIPNet, pip_loss


def test_pip_decoding_takes_the_best_cell_plus_its_offset():
    net = PIPNet(4, 32)
    g = 4
    score = torch.zeros(1, POINTS, g, g)
    ox, oy = torch.zeros(1, POINTS, g, g), torch.zeros(1, POINTS, g, g)
    score[0, 0, 2, 1] = 5.0  # landmark 0 in row 2, column 1
    ox[0, 0, 2, 1], oy[0, 0, 2, 1] = 0.25, 0.75
    net.forward = lambda x: (score, ox, oy)
    pts = net.predict(torch.zeros(1, 3, 32, 32))
    assert pts[0, 0].tolist() == [(1 + 0.25) * 8, (2 + 0.75) * 8]


def test_pip_loss_is_low_only_for_the_right_cell_and_offset():
    g = 4
    target = torch.full((1, POINTS, 2), 8 * 1.5)  # every point at cell (1, 1), offset 0.5
    score = torch.full((1, POINTS, g, g), -20.0)
    score[..., 1, 1] = 20.0
    off = torch.full((1, POINTS, g, g), 0.5)
    loss, ce, l1 = pip_loss(score, off, off, target, 8, 1.0)
    assert ce.item() < 1e-6 and l1.item() < 1e-6
    wrong = pip_loss(score, off, off, target + 8, 8, 1.0)[1]
    assert wrong.item() > 30


def test_crop_and_augmentation_keep_points_on_their_pixels():
    img = np.zeros((100, 120, 3), np.uint8)
    pts = np.array([[30.0, 40.0], [90.0, 70.0]])
    for x, y in pts.astype(int):
        img[y - 1:y + 2, x - 1:x + 2] = 255
    m = box_to_crop([20, 30, 100, 80], 64)
    m = compose(random_similarity(np.random.default_rng(0), 64), m)
    out, _, moved = warp(m, 64, img, None, pts)
    for x, y in moved:
        patch = out[int(round(y)) - 1:int(round(y)) + 2, int(round(x)) - 1:int(round(x)) + 2]
        assert patch.max() > 100  # the bright spot followed its point
    assert np.allclose(apply_points(invert(m), moved), pts)


def test_augment_keeps_shapes_for_image_label_and_points():
    from paperline.faceimage.renderer import FaceRenderer, make_identity

    s = FaceRenderer(64).render(make_identity(np.random.default_rng(1)), np.random.default_rng(2))
    img, lab, pts = augment(np.random.default_rng(0), s.image, s.mask, s.landmarks, rotate=0, scale=(1, 1))
    assert img.shape == s.image.shape and lab.shape == s.mask.shape and pts.shape == (106, 2)


def test_short_training_learns(tmp_path):
    from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset
    from paperline.landmarks.metrics import nme
    from paperline.landmarks.pipnet import load_crops, load_items, predict_original, train_landmarks

    build_parsing_dataset(tmp_path / "p", ParsingDataConfig(train=48, val=1, test=8, image_size=64))
    cfg = LandmarkConfig(input_size=64, width=8, epochs=4, batch_size=16, lr=5e-3, threads=1)
    crops, pts, _, _ = load_crops(load_items(tmp_path / "p" / "jd", "jd", "Train"), cfg)
    model, hist = train_landmarks(crops, pts, cfg)
    assert hist[-1]["loss"] < hist[0]["loss"]
    tc, _, mats, gt = load_crops(load_items(tmp_path / "p" / "jd", "jd", "Test"), cfg)
    pred = predict_original(model, tc, mats)
    assert pred.shape == gt.shape and np.isfinite(nme(pred, gt)).all()
    again, _ = train_landmarks(crops, pts, cfg)
    assert np.allclose(predict_original(again, tc, mats), pred)  # seeded


def test_config_is_checked():
    from paperline.core.errors import ConfigError

    with pytest.raises(ConfigError, match="multiple of 8"):
        LandmarkConfig(input_size=100).check()
