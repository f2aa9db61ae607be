"""PTS, Prediction-Tracking-Segmentation (arXiv:1904.03280): a Siamese tracker and segmenter
(SiamMask-style) with camera-motion compensation and a Kalman filter choosing the search region.

Data: paperline.tracker.generator (`paperline data build sequences`, the DVC stage
`sequences_data`); readers for VOT, OTB, DAVIS and plain videos: paperline.tracker.sequences; the
network and its training: paperline.tracker.model and paperline.tracker.train; the tracker:
paperline.tracker.siamese with paperline.tracker.predictor; protocols and metrics:
paperline.tracker.protocol and paperline.tracker.metrics; the pipeline's stages:
paperline.tracker.stages. The paper's own tables were not readable here (spec §5): `reference`
holds SiamMask's published VOT figures, the tracker PTS builds on, on real data, as orientation.
"""

from paperline.core.papers import Dataset, Paper, common_params, hook
from paperline.tracker.config import SequenceDataConfig, TrackerConfig

DATASETS = [Dataset("sequences", "sequences_data", "data/sequences", SequenceDataConfig,
                    hook("paperline.tracker.generator:build_sequences_dataset"), unit="sequences")]

SIAMMASK = "foolwood/SiamMask README (SiamMask, ResNet-50, on VOT)"

PAPER = Paper(
    name="pts-tracking",
    title="Prediction-Tracking-Segmentation",
    arxiv="1904.03280",
    family="tracker",
    pipeline="pts_tracking",
    config_cls=TrackerConfig,
    data_path="data/sequences",
    model_name="paperline-pts-tracking",
    description="PTS: validate, train a SiamMask-style network, track (ParallelFor over PTS, its ablations and "
                "OpenCV CSRT/KCF/MIL/MOSSE), VOT EAO/A/R, OTB AUC/precision, DAVIS J&F, register, promote on EAO",
    embedded={},
    full_scale={"channels": 64, "epochs": 40, "pairs": 20000, "batch_size": 64, "eao_range": "100,356"},
    pipeline_params=common_params("data/sequences", "paperline-pts-tracking",
                                  "folder with vot/, otb/ and davis/ sequences, or one VOT, OTB or DAVIS download "
                                  "(training needs a DAVIS-layout train split)"),
    metrics=["eao", "pts_failures", "no_prediction_eao", "no_prediction_failures", "pts_auc", "csrt_eao"],
    gate_metric="eao",
    gate_label="EAO of PTS on the test sequences",
    higher_is_better=True,
    reevaluate=hook("paperline.tracker.stages:reevaluate"),
    served=hook("paperline.tracker.stages:served"),
    reference=[
        {"metric": "eao", "benchmark": "VOT2016 (SiamMask)", "value": 0.433, "source": SIAMMASK},
        {"metric": "eao", "benchmark": "VOT2018 (SiamMask)", "value": 0.380, "source": SIAMMASK},
    ],
)
