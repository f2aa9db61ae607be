"""The face-recognition shelf: one module per paper (MV-Softmax, X2-Softmax, Search-Softmax, MHLR,
F²C, PoseFace), each declaring its `PAPER` through `face_paper`, and the face datasets."""

from paperline.core.papers import Dataset, Paper, Param, common_params, hook
from paperline.face.config import FaceDataConfig

DATA_HELP = "face dataset: train/ (image folder per identity or RecordIO) and verify/ (LFW pairs)"
# What every face paper's pipeline (pipelines/face.py) takes besides the common parameters and the
# training config, and what it reports.
FACE_PARAMS = {
    "image_size": Param(int, 112, "side of the dataset's images in pixels (validated)"),
    "min_identities": Param(int, 2, "validation: fewest training identities accepted"),
    "min_images_per_identity": Param(int, 2, "validation: fewest images per training identity"),
}
FACE_METRICS = ["verification_accuracy", "tar@far=0.001", "rank1"]

BUILD = hook("paperline.face.build:build_face_dataset")
DATASETS = [
    Dataset("face", "face_data", "data/face", FaceDataConfig, BUILD),
    Dataset("face-pose", "face_pose_data", "data/face-pose", FaceDataConfig, BUILD),
]


def face_paper(**kw) -> Paper:
    """A face paper: the shared face DAG's parameters and metrics, gated on verification accuracy
    (the champion re-scored on the candidate's pairs), runs named by their head."""
    params = {**common_params(kw.get("data_path", "data/face"), kw["model_name"], DATA_HELP), **FACE_PARAMS}
    defaults = dict(family="face", pipeline_params=params, metrics=FACE_METRICS, gate_metric="verification_accuracy",
                    gate_label="verification accuracy", reevaluate=hook("paperline.face.stages:reevaluate"),
                    serving_requirements=("torch", "numpy", "opencv-python-headless"))
    return Paper(**{**defaults, **kw})
