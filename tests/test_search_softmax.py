"""Search-Softmax: the unified loss on hand-made cosines, its CosFace identity, and the agent."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.errors import ConfigError
from paperline.losses.face_heads import CosFaceHead, get_head
from paperline.search_softmax import SearchAgent, SearchSoftmaxHead, alpha_of, rewards, search_loss

S = 32.0
COS = torch.tensor([[0.6, 0.1, -0.3, 0.55], [0.2, 0.4, 0.1, -0.9], [-0.5, 0.3, 0.2, 0.25]], dtype=torch.float64)
LABEL = torch.tensor([0, 2, 1])


def _ce(head, alpha):
    return F.cross_entropy(head(alpha).from_cosine(COS, LABEL), LABEL)


def _head(alpha):
    return SearchSoftmaxHead(4, 4, s=S, alpha=alpha)


def test_alpha_zero_is_plain_normalised_softmax():
    assert _ce(_head, 0.0).item() == pytest.approx(F.cross_entropy(S * COS, LABEL).item(), abs=1e-12)


def test_head_cross_entropy_is_the_definition_and_cosface_is_a_point_of_the_space():
    for alpha in (-0.5, -3.0, -1e4):
        assert _ce(_head, alpha).item() == pytest.approx(search_loss(COS, LABEL, S, alpha).item(), rel=1e-9)
    m = 0.35  # α = 1 − e^{s m} gives the AM-Softmax / CosFace loss for every sample
    cosface = CosFaceHead(4, 4, s=S, m=m)
    want = F.cross_entropy(cosface_logits(cosface, m), LABEL, reduction="none")
    got = F.cross_entropy(_head(1 - math.exp(S * m)).from_cosine(COS, LABEL), LABEL, reduction="none")
    assert torch.allclose(got, want, rtol=1e-9)


def cosface_logits(head, m):
    onehot = F.one_hot(LABEL, 4).bool()
    return torch.where(onehot, COS - m, COS) * head.s


def test_p_m_never_exceeds_p_and_falls_as_alpha_falls():
    p = torch.softmax(S * COS, 1).gather(1, LABEL.view(-1, 1)).squeeze(1)
    prev = p
    for alpha in (0.0, -0.1, -1.0, -10.0, -1e3):
        p_m = p / (alpha * p + 1 - alpha)
        assert torch.all(p_m <= p + 1e-15) and torch.all(p_m <= prev + 1e-15)
        prev = p_m
    with pytest.raises(ConfigError, match="a <= 0"):
        alpha_of(0.3, S)
    with pytest.raises(ConfigError, match="alpha <= 0"):
        get_head("search", 4, 4, alpha=0.5)


def test_rewards_are_centred_and_scaled():
    r = rewards(np.array([0.8, 0.9, 1.0]))
    assert np.allclose(r, [-1, 0, 1], atol=1e-5)


def test_agent_moves_mu_toward_the_rewarded_a_and_its_state_round_trips():
    a_star = -1.2
    agent, rng = SearchAgent(), np.random.default_rng(0)
    for _ in range(50):
        raw, cand = agent.sample(8, rng)
        agent.update(raw, [-abs(a - a_star) for a in cand])  # reward peaked at a*
    assert abs(-abs(agent.mu.item()) - a_star) < 0.3
    state = json.loads(json.dumps(agent.state()))  # what a pipeline step passes on
    clone = SearchAgent(state=state)
    raw = [0.1, -0.4, 0.9]
    assert clone.update(raw, [0.2, 0.5, 0.1]) == pytest.approx(agent.update(raw, [0.2, 0.5, 0.1]), abs=1e-12)
    with pytest.raises(ConfigError, match=">= 2 scored candidates"):
        agent.update([0.1], [0.5])
