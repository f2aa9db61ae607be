"""Search-Softmax: Loss Function Search for Face Recognition (arXiv:2007.06542, ICML 2020).

Loss: paperline.face.search (global α form). Search: paperline.face.search_stages as pipeline rounds
(`pipelines/search_softmax.py`). Release settings (tiandunx/loss_function_search main.py/train.sh):
normalised FC, s = 32, σ = 0.2, Adam(0.05, betas 0.5/0.999) on μ, SGD 0.1 wd 1e-4, 20 epochs with steps
4/8/10, a new round every epoch, CASIA-WebFace-R or MS1M-v1c-R.
"""

from dataclasses import dataclass

from paperline.core.config import param
from paperline.core.errors import ConfigError
from paperline.face.config import FaceTrainConfig
from paperline.face.papers import face_paper


@dataclass
class SearchTrainConfig(FaceTrainConfig):
    head: str = "search"
    alpha: float = param(0.0, "the loss's α (≤ 0); the search sets it for the full training")
    candidates: int = param(3, "candidates sampled per search round (plus one fixed-margin baseline)")
    round_epochs: int = param(1, "epochs each candidate trains per round")
    sigma: float = param(0.2, "σ of the search distribution N(μ, σ)")
    agent_lr: float = param(0.05, "Adam learning rate of the search's μ")
    baseline_m: float = param(0.35, "CosFace margin of the fixed-margin baseline")

    def head_params(self) -> dict:
        return {**super().head_params(), "alpha": self.alpha}

    def check(self, num_images: int = 0):
        super().check(num_images)
        if self.candidates < 2 or self.sigma <= 0 or self.round_epochs < 1:
            raise ConfigError(f"the search space has no valid candidate: needs candidates >= 2, sigma > 0 and "
                              f"round_epochs >= 1 (got {self.candidates}, {self.sigma}, {self.round_epochs})")
        if self.alpha > 0:
            raise ConfigError(f"Search-Softmax needs alpha <= 0, got {self.alpha}")


REF = "paper Tables 9-10 (release README result.png), MegaFace rank-1"

PAPER = face_paper(
    name="search-softmax",
    title="Loss Function Search for Face Recognition",
    arxiv="2007.06542",
    pipeline="search_softmax",
    config_cls=SearchTrainConfig,
    model_name="paperline-search-softmax",
    description="Search-Softmax: reward-guided search over the margin loss, then full training, verify, register",
    embedded={"backbone": "mobilefacenet", "width": 0.5, "input_size": 64, "embedding_size": 128,
              "head": "search", "epochs": 8, "batch_size": 128, "lr": 0.1, "candidates": 3, "round_epochs": 1},
    full_scale={"backbone": "ir50", "width": 1.0, "input_size": 112, "embedding_size": 512, "head": "search",
                "epochs": 20, "batch_size": 512, "lr": 0.1, "weight_decay": 1e-4,
                "milestones": [4 / 20, 8 / 20, 10 / 20], "candidates": 16, "round_epochs": 1},
    reference=[
        {"metric": "rank1", "benchmark": "MegaFace (CASIA-R)", "value": 0.8438, "source": f"{REF}, Search-Softmax"},
        {"metric": "rank1", "benchmark": "MegaFace (CASIA-R)", "value": 0.8286, "source": f"{REF}, AM-Softmax"},
        {"metric": "rank1", "benchmark": "MegaFace (MS1M-R)", "value": 0.9697, "source": f"{REF}, Search-Softmax"},
        {"metric": "rank1", "benchmark": "MegaFace (MS1M-R)", "value": 0.9677, "source": f"{REF}, AM-Softmax"},
    ],
)
