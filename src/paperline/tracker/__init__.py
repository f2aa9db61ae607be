"""Visual object tracking: PTS (prediction-tracking-segmentation). Named `tracker`, not `tracking`, so it
is never confused with MLflow."""
