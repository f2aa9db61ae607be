"""GIU-GAN (arXiv:2201.10471): a generator with Global Information Utilization blocks
(squeeze-excitation + involution) and Representative BatchNorm, against DCGAN and SNGAN of equal
size and two ablations.

Data: paperline.gan.data (`paperline data build fashion-mnist`, the real IDX files, and
`gan-faces`, a CelebA-style folder of rendered faces); readers for IDX, CIFAR-10 batches and image
folders: paperline.gan.formats; the blocks: paperline.gan.layers; the networks:
paperline.gan.models; training: paperline.gan.train; the metrics and their features:
paperline.gan.metrics and paperline.gan.features; the pipeline's stages: paperline.gan.stages.
The paper's own tables were not readable here (spec §6): `reference` holds SNGAN's published
CIFAR-10 figures (Inception features, 50k samples) as orientation only.
"""

from paperline.core.papers import Dataset, Paper, common_params, hook
from paperline.gan.config import FacesDataConfig, FashionDataConfig, GanConfig

DATASETS = [
    Dataset("fashion-mnist", "fashion_data", "data/fashion-mnist", FashionDataConfig,
            hook("paperline.gan.data:build_fashion")),
    Dataset("gan-faces", "gan_faces_data", "data/gan-faces", FacesDataConfig, hook("paperline.gan.data:build_faces")),
]

SNGAN = "Miyato et al., arXiv:1802.05957, Table 2 (CIFAR-10, standard CNN; recalled, spec §6)"

PAPER = Paper(
    name="giu-gan",
    title="GIU-GANs: Global Information Utilization for Generative Adversarial Networks",
    arxiv="2201.10471",
    family="gan",
    pipeline="giu_gan",
    config_cls=GanConfig,
    data_path="data/fashion-mnist",
    model_name="paperline-giu-gan",
    description="GIU-GAN: validate, train a feature classifier on the real train split, train (ParallelFor over "
                "GIU-GAN, DCGAN, SNGAN and two ablations), FID/KID/IS/precision/recall on the classifier's "
                "features, register, promote on FID (lower is better)",
    embedded={},
    full_scale={"g_channels": 64, "d_channels": 64, "z_dim": 128, "epochs": 100, "train_images": 0,
                "eval_samples": 10000, "batch_size": 64, "threads": 8},
    pipeline_params=common_params("data/fashion-mnist", "paperline-giu-gan",
                                  "folder with IDX files (train/t10k), CIFAR-10 python batches or an image folder "
                                  "(img_align_celeba/*.jpg, optional list_eval_partition.txt)"),
    metrics=["fid", "giu_gan_kid", "giu_gan_is", "sngan_fid", "dcgan_fid"],
    gate_metric="fid",
    gate_label="FID of GIU-GAN on the feature extractor's features",
    higher_is_better=False,
    reevaluate=hook("paperline.gan.stages:reevaluate"),
    served=hook("paperline.gan.stages:served"),
    reference=[
        {"metric": "fid", "benchmark": "CIFAR-10 SNGAN (Inception)", "value": 29.3, "source": SNGAN},
        {"metric": "is", "benchmark": "CIFAR-10 SNGAN (Inception)", "value": 7.42, "source": SNGAN},
    ],
)
