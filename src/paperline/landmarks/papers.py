"""Grand Challenge of 106-Point Facial Landmark Localization (JD-landmark, arXiv:1905.03469, ICME 2019).

Model: paperline.landmarks.PIPNet (pixel-in-pixel heads on a small CNN; why, in that module).
Metric as the challenge defines it (paperline.metrics.landmarks): NME normalised by √(W·H) of the
ground-truth landmarks' box, AUC@0.08 (the ranking metric) and FR@0.08. The challenge's results table
was not readable here, so `reference` is empty.
"""

from paperline.core.papers import Paper, Param, common_params, hook
from paperline.landmarks.config import LandmarkConfig

PAPER = Paper(
    name="jd-landmark",
    title="Grand Challenge of 106-Point Facial Landmark Localization",
    arxiv="1905.03469",
    family="landmarks",
    pipeline="jd_landmark",
    config_cls=LandmarkConfig,
    data_path="data/parsing/jd",
    model_name="paperline-jd-landmark",
    description="106-point landmarks (JD-landmark): validate, train PIPNet, NME/AUC@0.08/FR@0.08, register, promote",
    embedded={"input_size": 128, "width": 16, "epochs": 12, "batch_size": 32, "lr": 2e-3},
    full_scale={"input_size": 256, "width": 64, "epochs": 60, "batch_size": 64, "lr": 2e-3},
    pipeline_params={**common_params("data/parsing/jd", "paperline-jd-landmark",
                                     "106-point landmark set in the JD layout (Train/, Test/: picture, landmark, "
                                     "rect)"),
                     "layout": Param(str, "jd", "directory layout of data_path: jd or lapa")},
    metrics=["auc@0.08", "nme", "fr@0.08"],
    gate_metric="auc_at_0.08",
    gate_label="AUC@0.08",
    reevaluate=hook("paperline.landmarks.stages:reevaluate"),
    reference=[],
)
