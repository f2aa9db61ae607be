"""MV-Softmax: Mis-classified Vector Guided Softmax Loss for Face Recognition (AAAI 2020).

Head: paperline.face.heads.MVSoftmaxHead (MV-AM, t = 0.2, s = 32, m = 0.35, easy margin), as the
authors' fc_layers.py. FaceX-Zoo's MV_Softmax.py differs: t = 0.12 and the margin only where
cos θ_y > m (`--set t=0.12 --set easy_threshold=0.35`).

The embedded default re-weights the mis-classified vectors with the **fixed** h = cos θ_k + t; the
full-scale config keeps the paper's adaptive h = (t + 1) cos θ_k + t. Why (benchmarks/face_baselines.py,
3 CPU seeds, docs/benchmarks.md): in the embedded run's 200 steps over 200 identities the target
probability stays near 0, nearly every negative is hard, and the adaptive h's extra pull on every
cosine (dL/dδ = −t·s·Σ_hard p_k) drags the embeddings into one cone: 83.09 ± 0.93 % verification
accuracy, mean target cosine −0.39, 98 % of negatives hard. The fixed h is shift-invariant like
CosFace and scores like it: 91.64 ± 0.49 % (CosFace 92.19 ± 0.43).
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
    variants=("head", "adaptive", "t", "easy_threshold"),
    description="MV-Softmax face recognition: train, verify (LFW protocol), index, register, promote",
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "mv_am", "adaptive": False, "epochs": 8, "batch_size": 128, "lr": 0.1},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "mv_am",
                "adaptive": True, "epochs": 18, "batch_size": 512, "lr": 0.1,
                "milestones": [10 / 18, 13 / 18, 16 / 18]},
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
