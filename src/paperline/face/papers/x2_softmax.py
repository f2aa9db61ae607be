"""X2-Softmax: Margin Adaptive Loss Function for Face Recognition (arXiv:2312.05281, ESWA 2024).

Head: paperline.face.heads.X2SoftmaxHead, target logit a (θ_y − h)² + k, straight-through as
the authors' loss.py (`ste=False` differentiates through arccos). Released setting s=64, a=−0.9, h=0,
k=0.65 (work.sh `--lossparameters 64 -0.9 -0.0 0.65`). Training in the release: iresnet r50, batch 128,
SGD lr 0.1, 26 epochs, steps at 8/14/20/25, MS1MV3.
"""

from dataclasses import dataclass

from paperline.core.config import param
from paperline.face.config import FaceTrainConfig
from paperline.face.papers import face_paper


@dataclass
class X2TrainConfig(FaceTrainConfig):
    head: str = "x2"
    s: float = 64.0
    a: float = param(-0.9, "X2: curvature a of the quadratic target logit a(θ − h)² + k")
    h: float = param(0.0, "X2: vertex h of the target logit (radians)")
    k: float = param(0.65, "X2: offset k of the target logit")
    ste: bool = param(True, "X2: straight-through gradient as the authors' loss (false: through arccos)")

    def head_params(self) -> dict:
        return {**super().head_params(), "a": self.a, "h": self.h, "k": self.k, "ste": self.ste}


def figures(cfg: X2TrainConfig, out_dir) -> list:
    from paperline.face.plots import margin_png

    return [margin_png(f"{out_dir}/margin_vs_angle.png", cfg.a, cfg.h, cfg.k)]


PAPER = face_paper(
    name="x2-softmax",
    title="X2-Softmax: Margin Adaptive Loss Function for Face Recognition",
    arxiv="2312.05281",
    pipeline="x2_softmax",
    config_cls=X2TrainConfig,
    model_name="paperline-x2-softmax",
    description="X2-Softmax face recognition (angle-adaptive margin): train, verify, index, register, promote",
    figures=figures,
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "x2", "epochs": 8, "batch_size": 128, "lr": 0.1},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "x2",
                "epochs": 26, "batch_size": 128, "lr": 0.1, "milestones": [8 / 26, 14 / 26, 20 / 26, 25 / 26]},
    reference=[],
)
