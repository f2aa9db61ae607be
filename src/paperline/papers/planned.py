"""Papers on the shelf whose pipelines are not built yet (listed so `paperline list` shows the plan)."""

from . import Paper

PAPERS = [
    Paper("weak-asr", "Weakly Supervised Construction of ASR Systems from Massive Video Data", "2008.01300", "asr"),
    Paper("giu-gan", "GIU-GANs: Global Information Utilization for Generative Adversarial Networks", "2201.10471",
          "gan"),
    Paper("pts-tracking", "Prediction-Tracking-Segmentation", "1904.03280", "tracking"),
]
