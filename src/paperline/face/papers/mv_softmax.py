"""MV-Softmax: Mis-classified Vector Guided Softmax Loss for Face Recognition (AAAI 2020).

Head: paperline.face.heads.MVSoftmaxHead (MV-AM default, t = 0.2, adaptive weights, s = 32,
m = 0.35, easy margin), exactly as the authors' fc_layers.py and FaceX-Zoo's MV_Softmax.py.
"""

from paperline.face.config import FaceTrainConfig
from paperline.face.papers import face_paper

PAPER = face_paper(
    name="mv-softmax",
    title="Mis-classified Vector Guided Softmax Loss for Face Recognition",
    arxiv="1912.00833",
    pipeline="mv_softmax",
    config_cls=FaceTrainConfig,
    model_name="paperline-mv-softmax",
    description="MV-Softmax face recognition: train, verify (LFW protocol), index, register, promote",
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "mv_am", "epochs": 8, "batch_size": 128, "lr": 0.1},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "mv_am",
                "epochs": 18, "batch_size": 512, "lr": 0.1, "milestones": [10 / 18, 13 / 18, 16 / 18]},
    reference=[
        # FaceX-Zoo training_mode/README.md table 3.2: MobileFaceNet on MS-Celeb-1M-v1c-R (independent re-run).
        {"metric": "verification_accuracy", "benchmark": "LFW", "value": 0.9957,
         "source": "FaceX-Zoo MobileFaceNet, MS1M-v1c-R, MV-Softmax"},
        {"metric": "verification_accuracy", "benchmark": "AgeDB-30", "value": 0.9597,
         "source": "FaceX-Zoo MobileFaceNet, MS1M-v1c-R, MV-Softmax"},
        {"metric": "rank1", "benchmark": "MegaFace rank-1", "value": 0.9039,
         "source": "FaceX-Zoo MobileFaceNet, MS1M-v1c-R, MV-Softmax"},
    ],
)
