"""BSPNet / BASS: branch shapes, the loss against a hand computation, a short run that learns."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.parsing.bspnet import BSPNet, ParsingConfig, bass_loss, predict_labels, train_parsing


def test_branches_and_prediction_shapes():
    x = torch.zeros(2, 3, 32, 32)
    out = BSPNet(4, True).eval()(x)
    assert out["semantic"].shape == (2, 11, 32, 32) and out["attention"].shape == (2, 11, 32, 32)
    assert out["boundary"].shape == (2, 32, 32)
    plain = BSPNet(4, False).eval()
    assert set(plain(x)) == {"semantic"} and plain.predict(x).shape == (2, 32, 32)


def test_bass_loss_matches_its_definition():
    torch.manual_seed(0)
    y = torch.randint(0, 11, (2, 8, 8))
    b = torch.zeros(2, 8, 8, dtype=torch.bool)
    b[:, 3, :] = True  # 16 boundary pixels of 128
    out = {"semantic": torch.randn(2, 11, 8, 8), "attention": torch.randn(2, 11, 8, 8),
           "boundary": torch.randn(2, 8, 8)}
    cfg = ParsingConfig(lambda_b=0.5, lambda_ba=2.0, alpha=1.0)
    loss, parts = bass_loss(out, y, b, cfg)
    ce = F.cross_entropy(out["semantic"], y)
    p = torch.sigmoid(out["boundary"])
    w_pos = 112 / 16
    bce = -(w_pos * b * torch.log(p) + (~b) * torch.log(1 - p)).mean()
    att = (F.cross_entropy(out["attention"], y, reduction="none") * (1 + b.float())).mean()
    assert loss.item() == pytest.approx((ce + 0.5 * bce + 2.0 * att).item(), rel=1e-5)
    assert parts["boundary_bce"] == pytest.approx(bce.item(), rel=1e-5)
    plain, _ = bass_loss({"semantic": out["semantic"]}, y, b, cfg)
    assert plain.item() == pytest.approx(ce.item())


def test_class_weights_are_median_frequency_over_frequency_to_the_gamma():
    from paperline.parsing.bspnet import class_weights

    labels = np.zeros((1, 10, 10), np.uint8)  # 60 % background, 30 % skin, 10 % nose; the rest absent
    labels[0, 6:9] = 1
    labels[0, 9] = 6
    assert class_weights(labels, 0.0) is None
    w = class_weights(labels, 1.0)
    assert w[0] == pytest.approx(0.3 / 0.6) and w[1] == pytest.approx(1.0) and w[6] == pytest.approx(3.0)
    assert w[2] == 1.0 and w.dtype == np.float32  # absent classes keep weight 1
    assert class_weights(labels, 0.5)[6] == pytest.approx(3 ** 0.5)


def test_the_weighted_bass_loss_is_a_weighted_mean_of_every_ce_term():
    torch.manual_seed(1)
    y = torch.randint(0, 11, (2, 8, 8))
    b = torch.rand(2, 8, 8) < 0.2
    out = {"semantic": torch.randn(2, 11, 8, 8), "attention": torch.randn(2, 11, 8, 8),
           "boundary": torch.randn(2, 8, 8)}
    w = torch.rand(11) + 0.5
    cfg = ParsingConfig(lambda_b=0.0, lambda_ba=1.0, alpha=1.0)
    loss, parts = bass_loss(out, y, b, cfg, w)
    wy = w[y]
    ce = (F.cross_entropy(out["semantic"], y, reduction="none") * wy).sum() / wy.sum()
    att = (F.cross_entropy(out["attention"], y, reduction="none") * wy * (1 + b.float())).sum() / wy.sum()
    assert parts["ce"] == pytest.approx(ce.item(), rel=1e-5)
    assert loss.item() == pytest.approx((ce + att).item(), rel=1e-5)
    same, _ = bass_loss(out, y, b, cfg, torch.ones(11))  # all ones: the unweighted loss
    assert same.item() == pytest.approx(bass_loss(out, y, b, cfg)[0].item(), rel=1e-6)


def test_short_training_learns_the_big_classes(tmp_path):
    from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset
    from paperline.faceimage.formats import read_image, read_landmarks
    from paperline.faceimage.layouts import read_label, read_lapa_split
    from paperline.parsing.metrics import ConfusionHistogram

    build_parsing_dataset(tmp_path / "p", ParsingDataConfig(train=32, val=1, test=1, image_size=32))
    items = read_lapa_split(tmp_path / "p" / "lapa", "train")
    x = np.stack([read_image(i.image) for i in items])
    y = np.stack([read_label(i.label) for i in items])
    pts = np.stack([read_landmarks(i.landmarks) for i in items])
    cfg = ParsingConfig(input_size=32, width=4, epochs=15, batch_size=8, lr=3e-2, augment=False, threads=1)
    model, hist = train_parsing(x, y, pts, cfg)
    assert hist[-1]["loss"] < hist[0]["loss"] and {"boundary_bce", "attention_ce"} <= set(hist[-1])
    h = ConfusionHistogram()
    for gt, pred in zip(y, predict_labels(model, x)):
        h.add(gt, pred)
    assert h.f1()[0] > 0.8 and h.f1()[1] > 0.6  # background and skin are found (small parts need longer)
