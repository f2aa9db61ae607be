"""paperline: papers on face analysis and recommendation as reproducible Kubeflow pipelines."""

__version__ = "0.1.0"

import warnings as _warnings

# GX and MLflow import pyspark when it is installed; its pandas-3 notice is not about our use of it
_warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
