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
