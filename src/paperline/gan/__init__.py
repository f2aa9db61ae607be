"""Generative adversarial networks: GIU-GAN and its equal-size baselines (the giu-gan pipeline)."""
