"""Weak ASR (arXiv:2008.01300): subtitled videos → OCR → align → filter → pre-train → fine-tune.

Data: paperline.asr.videos (`paperline data build videos`, the DVC stage `videos_data`). The pipeline
is not built yet: the shelf shows it as planned until it runs.
"""

from paperline.asr.config import VideoDataConfig
from paperline.core.papers import Dataset, Paper, hook

DATASETS = [Dataset("videos", "videos_data", "data/videos", VideoDataConfig,
                    hook("paperline.asr.videos:build_videos_dataset"), unit="videos")]

PAPERS = [Paper("weak-asr", "Weakly Supervised Construction of ASR Systems from Massive Video Data", "2008.01300",
                "asr", data_path="data/videos")]
