"""MHLR: Moving Haar Learning Rate Scheduler for Large-scale Face Recognition Training with One GPU
(arXiv:2404.11118).

The scheduler is paperline.face.schedulers.MHLR, selectable for every face paper with `--set schedule=mhlr`.
This paper's pipeline is the shared face DAG with CosFace (the release's WebFace12M setting) and MHLR.
The release's α = β = 1e-3, λ = 5e-5, τ = 0.05 assume runs of ~10^5 steps (5 epochs of WebFace12M at
batch 128 is ~470k); the embedded run has ~200 steps, so its averages are shorter (α = β = 0.1, a
10-step time constant = 5 % of the run) and λ is scaled to its loss slopes. Both are in the config.
"""

from paperline.face.config import FaceTrainConfig
from paperline.face.papers import face_paper

RELEASE = "MHLR README (public copy Kainat-N/FR_Datasets), R100/R50, 5 epochs, 1 GPU"

PAPER = face_paper(
    name="mhlr",
    title="MHLR: Moving Haar Learning Rate Scheduler for Large-scale Face Recognition Training with One GPU",
    arxiv="2404.11118",
    pipeline="mhlr",
    config_cls=FaceTrainConfig,
    model_name="paperline-mhlr",
    description="MHLR face recognition (loss-driven learning-rate decay): train, verify, index, register, promote",
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "cosface", "epochs": 8, "batch_size": 128, "lr": 0.1, "schedule": "mhlr",
              "warmup_epochs": 0.0, "mhlr_alpha": 0.1, "mhlr_beta": 0.1, "mhlr_lambda": 0.01},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "cosface",
                "s": 64.0, "m": 0.4, "epochs": 5, "batch_size": 128, "lr": 0.02, "schedule": "mhlr",
                "warmup_epochs": 0.0},
    reference=[
        {"metric": "verification_accuracy", "benchmark": "LFW", "value": 0.9983,
         "source": f"{RELEASE}: WebFace12M R100"},
        {"metric": "verification_accuracy", "benchmark": "CFP-FP", "value": 0.9917,
         "source": f"{RELEASE}: WebFace12M R100"},
        {"metric": "verification_accuracy", "benchmark": "AgeDB-30", "value": 0.9802,
         "source": f"{RELEASE}: WebFace12M R100"},
        {"metric": "verification_accuracy", "benchmark": "LFW", "value": 0.9980,
         "source": f"{RELEASE}: MS1MV3 R100"},
        {"metric": "tar@far=1e-4", "benchmark": "IJB-C", "value": 0.9641, "source": f"{RELEASE}: MS1MV3 R100"},
    ],
)
