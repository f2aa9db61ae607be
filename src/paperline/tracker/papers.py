"""PTS, prediction-driven tracking (arXiv:1904.03280): on the shelf, pipeline not built yet."""

from paperline.core.papers import Paper

PAPERS = [Paper("pts-tracking", "Prediction-Tracking-Segmentation", "1904.03280", "tracker")]
