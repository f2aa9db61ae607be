"""Visual object tracking (planned). Named `tracker`, not `tracking`, so it is never confused with MLflow."""
