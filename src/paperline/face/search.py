"""Search-Softmax (arXiv:2007.06542): one formulation for margin losses, and a search over it.

With p the softmax probability of the target class under a normalised FC (logits s·cos θ), every
margin loss lowers p to p_m = p / (α p + 1 − α) with α ≤ 0; the loss is −log p_m. The search space is
α (one global value; the release also has a per-p-bin "local" form, not implemented here). Writing
z = s·cos θ, −log p_m is plain cross-entropy after adding log(1 − α) to every non-target logit, so
the head (paperline.face.heads.SearchSoftmaxHead) returns those logits and the trainer's
cross-entropy is the Search-Softmax loss; a global α is therefore a CosFace margin
m = log(1 − α) / s (α = 1 − e^{s m} gives CosFace exactly).

The search (the release's lfs_core): each round samples M candidates a_j ~ N(μ, σ), a_j ← −|a_j|,
α_j = a_j e^{s/3}; each trains from the round's shared weights and is scored on validation pairs;
rewards r_j = 2 (acc_j − mean) / (max − min + 1e-6); μ takes one Adam step (lr 0.05, betas 0.5/0.999)
on −Σ_j r_j log N(a_raw_j; μ, σ); the next round starts from the best candidate's weights.
"""

from __future__ import annotations

import numpy as np
import torch

from paperline.core.errors import ConfigError


def search_loss(cos: torch.Tensor, label: torch.Tensor, s: float, alpha: float) -> torch.Tensor:
    """−log p_m written straight from the definition (for tests and plots)."""
    p = torch.softmax(s * cos, dim=1).gather(1, label.view(-1, 1)).squeeze(1)
    return -torch.log(p / (alpha * p + 1 - alpha)).mean()


def rewards(acc: np.ndarray) -> np.ndarray:
    acc = np.asarray(acc, dtype=float)
    return 2 * (acc - acc.mean()) / (acc.max() - acc.min() + 1e-6)


class SearchAgent:
    """The sampling distribution N(μ, σ) over a, trained by REINFORCE with Adam; state is plain
    numbers so a pipeline step can pass it on as JSON."""

    def __init__(self, mu: float = 0.0, sigma: float = 0.2, lr: float = 0.05, state: dict | None = None):
        self.sigma = sigma
        self.mu = torch.tensor(float(mu), dtype=torch.float64, requires_grad=True)
        self.opt = torch.optim.Adam([self.mu], lr=lr, betas=(0.5, 0.999))
        if state:
            self.mu.data.fill_(state["mu"])
            opt = {"param_groups": state["opt"]["param_groups"],
                   "state": {int(k): {n: torch.tensor(v, dtype=torch.float64) for n, v in st.items()}
                             for k, st in state["opt"]["state"].items()}}
            self.opt.load_state_dict(opt)

    def sample(self, m: int, rng: np.random.Generator) -> tuple[list[float], list[float]]:
        """(raw draws, candidates a = −|raw|)."""
        raw = rng.normal(self.mu.item(), self.sigma, m)
        return raw.tolist(), (-np.abs(raw)).tolist()

    def update(self, raw: list[float], acc: list[float]) -> float:
        if len(raw) != len(acc) or len(raw) < 2:
            raise ConfigError(f"a search round needs >= 2 scored candidates, got {len(acc)}")
        r = torch.tensor(rewards(np.array(acc)), dtype=torch.float64)
        dist = torch.distributions.Normal(self.mu, self.sigma)
        loss = -(dist.log_prob(torch.tensor(raw, dtype=torch.float64)) * r).sum()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return self.mu.item()

    def state(self) -> dict:
        opt = self.opt.state_dict()
        return {"mu": self.mu.item(), "opt": {
            "param_groups": opt["param_groups"],
            "state": {str(k): {n: v.tolist() for n, v in st.items()} for k, st in opt["state"].items()}}}
