"""paperline: papers on face analysis and recommendation as reproducible Kubeflow pipelines."""

__version__ = "0.1.0"
