"""GIU-GAN (arXiv:2201.10471): on the shelf, pipeline not built yet."""

from paperline.core.papers import Paper

PAPERS = [Paper("giu-gan", "GIU-GANs: Global Information Utilization for Generative Adversarial Networks",
                "2201.10471", "gan")]
