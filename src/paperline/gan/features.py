"""The feature extractor behind FID, KID, IS and precision/recall. Inception-v3 weights cannot be
had here, so the default is a small classifier trained on the same real data's train split (its
penultimate layer: the features; its softmax: IS's class posteriors). With no labels (an image
folder), it learns to tell an image's rotation (0/90/180/270 degrees) instead. A TorchScript file
with the calling convention of NVIDIA's `inception-2015-12-05.pt` (uint8 NCHW RGB in, `(features)`
with `return_features=True`) plugs in by path and gives the standard FID."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from paperline.core.checkpoint import model_factory
from paperline.core.errors import DataError


class Classifier(nn.Module):
    def __init__(self, in_channels: int, classes: int, width: int = 32, feature_dim: int = 128):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]

        self.body = nn.Sequential(*block(in_channels, width), *block(width, width), nn.MaxPool2d(2),
                                  *block(width, 2 * width), *block(2 * width, 2 * width), nn.MaxPool2d(2),
                                  *block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(4 * width, feature_dim), nn.ReLU(True))
        self.head = nn.Linear(feature_dim, classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.body(x)
        return f, self.head(f)


@model_factory
def classifier(config: dict) -> Classifier:
    m = Classifier(config["in_channels"], config["classes"], config.get("width", 32), config.get("feature_dim", 128))
    m.config = dict(config)
    return m


def rotate(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.rot90(img, int(r), (1, 2)) for img, r in zip(x, k)])


class Extractor:
    """`features(x)` and `probs(x)` of images in [-1, 1] (N, C, H, W), in batches, on the CPU."""
    name = ""
    has_classes = True

    def features(self, x: np.ndarray, batch: int = 256) -> np.ndarray:
        return np.concatenate([self._run(x[i:i + batch])[0] for i in range(0, len(x), batch)])

    def both(self, x: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray | None]:
        out = [self._run(x[i:i + batch]) for i in range(0, len(x), batch)]
        feats = np.concatenate([o[0] for o in out])
        probs = np.concatenate([o[1] for o in out]) if self.has_classes else None
        return feats, probs


class ClassifierExtractor(Extractor):
    def __init__(self, model: Classifier, task: str):
        self.model, self.task = model.eval(), task
        self.has_classes = task == "classes"
        self.name = ("a Fashion-MNIST-style classifier's features" if self.has_classes
                     else "a rotation-prediction network's features")

    @torch.no_grad()
    def _run(self, x):
        f, logits = self.model(torch.as_tensor(x, dtype=torch.float32))
        return f.numpy().astype(np.float64), F.softmax(logits, 1).numpy().astype(np.float64)

    def posteriors(self, x: np.ndarray, batch: int = 256) -> np.ndarray:
        """Its own task's class posteriors (the classes, or the four rotations)."""
        return np.concatenate([self._run(x[i:i + batch])[1] for i in range(0, len(x), batch)])


class TorchScriptExtractor(Extractor):
    """A TorchScript feature network such as NVIDIA's inception-2015-12-05.pt: uint8 RGB in, features
    out (`return_features=True`); class posteriors from `return_features=False` when it has them."""

    def __init__(self, path: str):
        p = Path(path)
        if not p.is_file():
            raise DataError(f"{p}: feature extractor file not found")
        try:
            self.model = torch.jit.load(str(p), map_location="cpu").eval()
        except (RuntimeError, ValueError) as e:
            raise DataError(f"{p}: not a TorchScript file ({str(e).splitlines()[0]})") from None
        self.name = f"{p.name}'s features"
        self.has_classes = True

    @torch.no_grad()
    def _run(self, x):
        x = torch.as_tensor(x, dtype=torch.float32)
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        u8 = ((x + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
        f = self.model(u8, return_features=True)
        logits = self.model(u8, return_features=False)
        probs = logits if torch.all(logits >= 0) and torch.allclose(logits.sum(1), torch.ones(len(logits)), atol=1e-3) \
            else F.softmax(logits, 1)
        return f.numpy().astype(np.float64), probs.numpy().astype(np.float64)


def load_extractor(spec: str, classifier_file: str | Path | None) -> Extractor:
    """`classifier` (the file trained in this run) or `torchscript:PATH`."""
    if spec.startswith("torchscript:"):
        return TorchScriptExtractor(spec.split(":", 1)[1])
    from paperline.core.checkpoint import load_model

    model = load_model(classifier_file)
    return ClassifierExtractor(model, model.config.get("task", "classes"))
