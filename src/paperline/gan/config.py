"""The GAN family's configs, in a module that imports no torch: the paper registry reads them
without loading the models."""

from __future__ import annotations

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError

MODELS = {
    # name: (GIU blocks in G, G norm, D spectral norm, loss)
    "giu-gan": (True, "rbn", True, "hinge"),
    "dcgan": (False, "bn", False, "bce"),
    "sngan": (False, "bn", True, "hinge"),
    "giu-no-rbn": (True, "bn", True, "hinge"),
    "rbn-no-giu": (False, "rbn", True, "hinge"),
}
"""The generators of the comparison. GIU-GAN is the registered one; DCGAN (BN, plain D, the
non-saturating loss) and SNGAN (BN, spectral-norm D, hinge) are the equal-size baselines; the last
two are the ablations."""
MAIN = "giu-gan"
FASHION = "/usr/share/datasets/fashion-mnist"


@dataclass
class FashionDataConfig:
    """`paperline data build fashion-mnist`: the real Fashion-MNIST IDX files, imported from Debian's
    `dataset-fashion-mnist` so that DVC versions them."""
    source: str = param(FASHION, "folder holding the four IDX files (train/t10k, images/labels, gzip or plain)")
    seed: int = param(0, "unused (the data is copied); kept so every dataset stage has one")

    def check(self) -> None:
        pass


@dataclass
class FacesDataConfig:
    """`paperline data build gan-faces`: the project's rendered faces as a CelebA-style folder."""
    images: int = param(6000, "rendered faces (img_align_celeba/000001.jpg, ...)")
    size: int = param(64, "image side in pixels")
    test_share: float = param(0.1, "share written as partition 2 (test) in list_eval_partition.txt")
    seed: int = param(0, "renderer seed")

    def check(self) -> None:
        if self.images < 20:
            raise ConfigError(f"images must be >= 20, got {self.images}")
        if self.size < 16:
            raise ConfigError(f"size must be >= 16, got {self.size}")
        if not 0 < self.test_share < 1:
            raise ConfigError(f"test_share must lie in (0, 1), got {self.test_share}")


@dataclass
class GanConfig:
    """giu-gan's parameters: the images, the generators and their training, the feature extractor
    and the evaluation."""
    # data (paperline.gan.formats)
    image_size: int = param(32, "side the images are trained at (28x28 Fashion-MNIST is padded to 32)")
    crop: int = param(0, "centre crop of an image folder before resizing (CelebA: 140; 0: none)")
    train_images: int = param(6000, "training images drawn from the train split (0: all)")
    # models (paperline.gan.models)
    models: str = param(",".join(MODELS), f"generators to train, from {', '.join(MODELS)}")
    z_dim: int = param(64, "noise dimension")
    g_channels: int = param(16, "GIU-GAN generator width (channels of the last hidden layer); the baselines "
                                "are widened to the same parameter count")
    d_channels: int = param(16, "discriminator width (first layer)")
    # training (paperline.gan.train)
    epochs: int = param(4, "epochs over the training images")
    batch_size: int = param(32, "images per step (32: twice the steps of 64 for the same CPU time)")
    lr_g: float = param(1e-4, "generator Adam learning rate (SAGAN's TTUR)")
    lr_d: float = param(4e-4, "discriminator Adam learning rate (SAGAN's TTUR)")
    beta1: float = param(0.0, "Adam beta1 (0 for the hinge models as in SAGAN; DCGAN uses 0.5)")
    beta2: float = param(0.9, "Adam beta2")
    ema: float = param(0.999, "EMA decay of the generator weights (the evaluated and registered generator)")
    curve_samples: int = param(500, "samples for the FID point after each epoch (the FID-against-iterations curve)")
    grid: int = param(64, "images in the fixed-noise sample grid logged per epoch")
    # feature extractor (paperline.gan.features)
    features: str = param("classifier", "feature extractor: classifier (trained here on the real train split) or "
                                        "torchscript:PATH (e.g. NVIDIA's inception-2015-12-05.pt: standard FID)")
    classifier_epochs: int = param(3, "epochs of the feature classifier")
    classifier_images: int = param(12000, "training images of the feature classifier (0: all)")
    # evaluation (paperline.gan.metrics)
    eval_samples: int = param(2000, "generated and real test images per model for FID/KID/IS/PR (10000 on a GPU)")
    kid_subsets: int = param(50, "KID subsets (mean and std over them)")
    pr_k: int = param(3, "k of the k-NN manifolds for precision and recall")
    threads: int = param(1, "torch threads per task (the ParallelFor trains the models side by side)")
    device: str = param("auto", "auto, cpu or cuda")
    seed: int = param(0, "seed of the noise, the order and the networks")

    def check(self) -> None:
        if self.image_size not in (32, 64):
            raise ConfigError(f"image_size must be 32 or 64, got {self.image_size}")
        for name in ("epochs", "batch_size", "z_dim", "g_channels", "d_channels", "eval_samples", "kid_subsets",
                     "pr_k", "grid", "curve_samples"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.g_channels % 16:
            raise ConfigError(f"g_channels must be a multiple of 16 (involution groups of 16 channels), got "
                              f"{self.g_channels}")
        if not 0 <= self.ema < 1:
            raise ConfigError(f"ema must lie in [0, 1), got {self.ema}")
        if self.features != "classifier" and not self.features.startswith("torchscript:"):
            raise ConfigError(f"features must be classifier or torchscript:PATH, got {self.features!r}")
        self.model_list()

    def model_list(self) -> list[str]:
        names = [m.strip() for m in self.models.split(",") if m.strip()]
        bad = [m for m in names if m not in MODELS]
        if bad or not names:
            raise ConfigError(f"unknown models {bad or self.models!r}; choose from {', '.join(MODELS)}")
        if MAIN not in names:
            raise ConfigError(f"models must include {MAIN}, the registered model")
        return names
