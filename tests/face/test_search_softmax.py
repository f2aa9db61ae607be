"""Search-Softmax: the unified loss on hand-made cosines, its CosFace identity, and the agent."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.core.errors import ConfigError
from paperline.face.heads import CosFaceHead, SearchSoftmaxHead, alpha_of, get_head
from paperline.face.search import SearchAgent, rewards, search_loss

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


def _results(round_, accs, base):
    rows = [{"index": j, "raw": -0.1 * (j + 1), "a": -0.1 * (j + 1), "alpha": -10.0 * (j + 1), "baseline": False,
             "round": round_, "accuracy": acc, "loss": 1.0} for j, acc in enumerate(accs)]
    return rows + [{"index": len(accs), "raw": 0.0, "a": -1.7, "alpha": -7e4, "baseline": True, "round": round_,
                    "accuracy": base, "loss": 1.0}]


def test_search_rounds_update_mu_pick_the_best_and_report_honestly(tmp_path):
    from paperline.core.papers import get_paper
    from paperline.face import search_stages as search

    cfg = get_paper("search-softmax").train_config({"candidates": 2})
    state = json.dumps(SearchAgent().state())
    cands = search.sample(state, cfg, 0)
    assert [c["baseline"] for c in cands] == [False, False, True] and all(c["a"] <= 0 for c in cands)
    assert cands[2]["alpha"] == pytest.approx(1 - math.exp(32 * 0.35))
    assert search.sample(state, cfg, 0) == cands and search.sample(state, cfg, 1) != cands  # seeded per round
    state, hist, best = search.update(state, "[]", _results(0, [0.6, 0.7], base=0.65), cfg)
    assert best == 1 and json.loads(state)["mu"] != 0.0
    state, hist, best = search.update(state, hist, _results(1, [0.8, 0.5], base=0.9), cfg)
    assert best == 0
    s = search.report(hist, str(tmp_path), 0.35)
    assert [r["search_at_least_as_good"] for r in s["rounds"]] == [True, False]
    assert s["verdict"].startswith("the search found a candidate at least as good as the fixed-margin baseline in "
                                   "1 of 2 rounds") and s["final_alpha"] == -10.0
    table = (tmp_path / "search_history.md").read_text()
    assert table.count("baseline (CosFace m=0.35)") == 2 and (tmp_path / "search.png").stat().st_size > 1000
    with pytest.raises(ConfigError, match="no valid candidate"):
        get_paper("search-softmax").train_config({"candidates": 1}).check()


def test_candidates_are_scored_on_the_validation_split_never_on_the_reported_pairs(tiny_dataset, dataset_copy,
                                                                                    tmp_path):
    import shutil

    from paperline.core.checkpoint import load_file
    from paperline.core.errors import DataError
    from paperline.core.papers import get_paper
    from paperline.face import search_stages as search
    from paperline.face.backbones import get_backbone
    from paperline.face.stages import model_metrics
    from paperline.face.train import FaceEmbedder

    cfg = get_paper("search-softmax").train_config({"candidates": 2, "width": 0.25, "input_size": 32,
                                                     "embedding_size": 16, "batch_size": 8, "threads": 1})
    state = search.initial(str(tiny_dataset), str(tmp_path / "start.pt"), cfg)
    cand = search.sample(state, cfg, 0)[0]
    res = search.candidate(str(tiny_dataset), str(tmp_path / "start.pt"), str(tmp_path / "c" / "model.pt"), cfg,
                           cand, 0, 1)
    backbone = get_backbone(cfg.backbone, cfg.embedding_size, cfg.input_size, cfg.width)
    backbone.load_state_dict(load_file(tmp_path / "c" / "model.pt")["backbone"])
    model = FaceEmbedder(backbone, cfg.input_size)
    on_val = model_metrics(model, str(tiny_dataset), split="val")["verification_accuracy"]
    on_verify = model_metrics(model, str(tiny_dataset))["verification_accuracy"]
    assert res["accuracy"] == on_val and on_val != on_verify
    shutil.rmtree(dataset_copy / "val")  # a set without val/ is refused before any candidate trains
    with pytest.raises(DataError, match=r"val/pairs\.txt: missing"):
        search.initial(str(dataset_copy), str(tmp_path / "start2.pt"), cfg)


_CANDIDATE = """
import sys
from paperline.core.papers import get_paper
from paperline.face import search_stages as search
data, start, out = sys.argv[1:4]
cfg = get_paper("search-softmax").train_config({"candidates": 2, "width": 0.25, "input_size": 32, "round_epochs": 2,
                                                 "embedding_size": 16, "batch_size": 8, "threads": 1})
search.candidate(data, start, out, cfg, search.sample(search.initial(data, start, cfg), cfg, 0)[0], 0, 1)
"""


def test_a_killed_candidate_resumes_from_its_checkpoint(tiny_dataset, tmp_path):
    """kfp gives a retried candidate step a new output folder; its checkpoints live in the home's
    keyed folder instead, so the rerun resumes after the epoch the killed one finished."""
    import os
    import signal
    import subprocess
    import sys

    import torch

    from paperline.core.checkpoint import load_file

    def candidate(out, home, kill=None):
        env = {**os.environ, "PAPERLINE_HOME": str(home), "PAPERLINE_CHECKPOINT_SECONDS": "0"}
        env.pop("PAPERLINE_KILL_AT", None)
        if kill:
            env["PAPERLINE_KILL_AT"] = kill
        return subprocess.run([sys.executable, "-c", _CANDIDATE, str(tiny_dataset), str(tmp_path / "start.pt"),
                               str(out)], env=env, capture_output=True, text=True, timeout=300)

    killed = candidate(tmp_path / "a" / "model.pt", tmp_path / "home", kill="train:checkpointed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert len(list((tmp_path / "home" / "checkpoints" / "search-softmax").rglob("checkpoint.pt"))) == 1
    again = candidate(tmp_path / "b" / "model.pt", tmp_path / "home")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "after epoch 1" in again.stdout + again.stderr
    assert not list((tmp_path / "home" / "checkpoints").rglob("checkpoint.pt"))  # done: nothing left to resume
    whole = candidate(tmp_path / "c" / "model.pt", tmp_path / "fresh-home")
    assert whole.returncode == 0, whole.stderr[-2000:]
    resumed, straight = load_file(tmp_path / "b" / "model.pt"), load_file(tmp_path / "c" / "model.pt")
    assert all(torch.equal(resumed["backbone"][k], straight["backbone"][k]) for k in straight["backbone"])
