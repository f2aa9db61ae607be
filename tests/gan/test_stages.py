"""Validation of an image set, and the pluggable feature extractor."""

import numpy as np
import pytest
import torch

from paperline.core.errors import ValidationFailed
from paperline.gan.features import load_extractor
from paperline.gan.formats import read_idx, write_idx
from paperline.gan.metrics import fid
from paperline.gan.validation import validate_images


def test_a_valid_set_passes_with_its_label_counts(tiny_fashion, tmp_path):
    stats = validate_images(tiny_fashion, tmp_path / "report")
    assert stats["success"] and stats["train"]["images"] == 600 and sum(stats["train"]["label_counts"]) == 600
    assert (tmp_path / "report" / "report.md").is_file()


def test_a_constant_image_fails_validation_naming_it(fashion_copy, tmp_path):
    f = fashion_copy / "train-images-idx3-ubyte.gz"
    imgs = read_idx(f).copy()
    imgs[17] = 0
    write_idx(f, imgs)
    with pytest.raises(ValidationFailed, match=r"train-images-idx3-ubyte.gz\[17\]"):
        validate_images(fashion_copy, tmp_path / "report")


class _Detector(torch.nn.Module):
    """The calling convention of NVIDIA's inception-2015-12-05.pt: uint8 NCHW RGB in."""

    def forward(self, x: torch.Tensor, return_features: bool = True) -> torch.Tensor:
        f = x.float().mean((2, 3))
        return f if return_features else torch.softmax(f, 1)


def test_a_torchscript_feature_extractor_plugs_in_by_path(tmp_path):
    path = tmp_path / "detector.pt"
    torch.jit.script(_Detector()).save(str(path))
    ext = load_extractor(f"torchscript:{path}", None)
    x = np.random.default_rng(0).uniform(-1, 1, (50, 1, 8, 8)).astype(np.float32)
    feats, probs = ext.both(x)
    assert feats.shape == (50, 3) and probs.shape == (50, 3) and np.allclose(probs.sum(1), 1)
    assert fid(feats, feats) < 1e-6 and fid(feats, feats + 5) > 70
    assert "detector.pt" in ext.name


def test_rendered_faces_and_an_unlabelled_folder_train_a_rotation_network(tmp_path):
    from paperline.core.loop import run_epochs
    from paperline.gan.config import FacesDataConfig, GanConfig
    from paperline.gan.data import build_faces
    from paperline.gan.features import ClassifierExtractor
    from paperline.gan.formats import read_split, to_training
    from paperline.gan.train import ClassifierTrainer

    assert build_faces(tmp_path / "faces", FacesDataConfig(images=40, size=64, test_share=0.25))["images"] == 40
    assert len(list((tmp_path / "faces" / "img_align_celeba").glob("*.jpg"))) == 40
    train, test = read_split(tmp_path / "faces", "train"), read_split(tmp_path / "faces", "test")
    assert len(train.images) + len(test.images) == 40 and train.labels is None and train.images.shape[1:] == (64, 64, 3)
    cfg = GanConfig(classifier_epochs=1, image_size=64)
    t = ClassifierTrainer(to_training(train.images, 64), None, 0, cfg)
    run_epochs(t, 1, {}, None)
    ext = ClassifierExtractor(t.model, t.task)
    feats, probs = ext.both(to_training(test.images, 64))
    assert t.task == "rotation" and probs is None and feats.shape == (len(test.images), 128)
    assert ext.posteriors(to_training(test.images, 64)).shape == (len(test.images), 4)
    assert ext.name == "a rotation-prediction network's features"
