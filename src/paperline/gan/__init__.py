"""Generative adversarial networks (planned: the pipeline is not built yet)."""
