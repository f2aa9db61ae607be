"""Search-Softmax stages: the rounds of the reward-guided search over the loss, as pipeline steps.

init → (sample → candidates in parallel → update) × rounds → report; then the pipeline trains the best
candidate fully like any face paper. Every round each candidate continues from the previous round's
best weights for `round_epochs` epochs with its own α; a fixed-margin baseline (CosFace, m =
`baseline_m`, i.e. α = 1 − e^{s m}) trains from the same weights for the same epochs, so each round
says whether the search found something at least as good as a fixed margin.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np

from paperline.core.checkpoint import load_file, save_atomic
from paperline.core.device import seed_everything
from paperline.core.digest import read_file
from paperline.core.errors import ConfigError
from paperline.core.figures import figure, save_png
from paperline.core.loop import checkpoint_path
from paperline.core.reports import report_html
from paperline.core.workdirs import data_digest, resumable_dir
from paperline.face.backbones import get_backbone
from paperline.face.formats import load_train_set
from paperline.face.heads import alpha_of, get_head
from paperline.face.search import SearchAgent
from paperline.face.stages import model_metrics, require_split
from paperline.face.train import train_face


def initial(dataset: str, start_path: str, cfg, image_size: int = 112) -> str:
    """Seeded initial weights every round-0 candidate starts from; returns the agent's state (μ = 0)."""
    cfg.check()
    require_split(dataset, "val")  # the candidates are scored there: refuse before any training
    _, labels = load_train_set(Path(dataset) / "train", image_size)
    seed_everything(cfg.seed)
    backbone = get_backbone(cfg.backbone, cfg.embedding_size, cfg.input_size, cfg.width)
    head = get_head("search", cfg.embedding_size, int(labels.max()) + 1, s=cfg.s, alpha=0.0)
    save_atomic({"backbone": backbone.state_dict(), "head": head.state_dict()}, start_path)
    return json.dumps(SearchAgent(sigma=cfg.sigma, lr=cfg.agent_lr).state())


def sample(agent_state: str, cfg, round_: int) -> list[dict]:
    """This round's candidates (seeded by config seed and round) plus the fixed-margin baseline."""
    agent = SearchAgent(sigma=cfg.sigma, lr=cfg.agent_lr, state=json.loads(agent_state))
    raw, cands = agent.sample(cfg.candidates, np.random.default_rng([cfg.seed, round_]))
    out = [{"index": j, "raw": r, "a": a, "alpha": alpha_of(a, cfg.s), "baseline": False}
           for j, (r, a) in enumerate(zip(raw, cands))]
    alpha = 1 - math.exp(cfg.s * cfg.baseline_m)  # CosFace's α; its a is α / e^{s/3} (never sampled)
    out.append({"index": len(out), "raw": 0.0, "a": alpha / math.exp(cfg.s / 3), "alpha": alpha, "baseline": True})
    return out


def round_lr(cfg, round_: int, rounds: int) -> float:
    """Step decay across the whole search: ×0.1 at each milestone (fractions of the rounds)."""
    return cfg.lr * 0.1 ** sum(round_ >= f * rounds for f in cfg.milestones)


def candidate(dataset: str, start_path: str, out_path: str, cfg, cand: dict, round_: int, rounds: int,
              image_size: int = 112) -> dict:
    """Trains one candidate from the round's start weights; returns it with its accuracy on the
    validation split (val/: identities disjoint from training and from the reported verify/ pairs)."""
    from dataclasses import asdict, replace

    images, labels = load_train_set(Path(dataset) / "train", image_size)
    run_cfg = replace(cfg, alpha=float(cand["alpha"]), epochs=cfg.round_epochs, schedule="step", milestones=[],
                      warmup_epochs=0.0, lr=round_lr(cfg, round_, rounds), seed=cfg.seed + 1000 * round_)
    key = {"cfg": asdict(run_cfg), "candidate": cand, "start": hashlib.md5(read_file(start_path)).hexdigest(),
           "data": data_digest(images, labels)}
    with resumable_dir("search-softmax", key) as work:  # a killed candidate step resumes its epochs
        model, history = train_face(images, labels, run_cfg, work, init=load_file(start_path))
        trained = load_file(checkpoint_path(work))["trainer"]
    save_atomic({"backbone": trained["backbone"], "head": trained["head"]}, out_path)
    metrics = model_metrics(model, dataset, image_size, split="val")
    acc = metrics["verification_accuracy"]
    print(f"round {round_} candidate {int(cand['index'])} α={cand['alpha']:.4g}"
          f"{' (fixed-margin baseline)' if cand['baseline'] else ''}: accuracy {acc:.4f}", flush=True)
    return {**cand, "index": int(cand["index"]), "round": round_, "accuracy": acc, "loss": history[-1]["loss"]}


def update(agent_state: str, history: str, results: list[dict], cfg) -> tuple[str, str, int]:
    """One REINFORCE step on μ from the sampled candidates; returns (agent state, history, index of the
    best sampled candidate, whose weights start the next round)."""
    sampled = sorted((r for r in results if not r["baseline"]), key=lambda r: int(r["index"]))
    if len(sampled) < 2:
        raise ConfigError(f"a search round needs >= 2 sampled candidates, got {len(sampled)}")
    agent = SearchAgent(sigma=cfg.sigma, lr=cfg.agent_lr, state=json.loads(agent_state))
    mu_before = agent.mu.item()
    mu_after = agent.update([r["raw"] for r in sampled], [r["accuracy"] for r in sampled])
    rows = json.loads(history or "[]")
    rows += [{**r, "mu_before": mu_before, "mu_after": mu_after} for r in sorted(results, key=lambda r: r["index"])]
    best = max(sampled, key=lambda r: r["accuracy"])
    return json.dumps(agent.state()), json.dumps(rows), int(best["index"])


def summary(history: str) -> dict:
    rows = json.loads(history)
    rounds = sorted({r["round"] for r in rows})
    per_round = []
    for k in rounds:
        rr = [r for r in rows if r["round"] == k]
        best = max((r for r in rr if not r["baseline"]), key=lambda r: r["accuracy"])
        base = next(r for r in rr if r["baseline"])
        per_round.append({"round": k, "best_alpha": best["alpha"], "best_accuracy": best["accuracy"],
                          "baseline_accuracy": base["accuracy"], "mu": rr[0]["mu_after"],
                          "search_at_least_as_good": best["accuracy"] >= base["accuracy"]})
    overall = max((r for r in rows if not r["baseline"]), key=lambda r: (r["round"], r["accuracy"]))
    wins = sum(p["search_at_least_as_good"] for p in per_round)
    verdict = (f"the search found a candidate at least as good as the fixed-margin baseline in {wins} of "
               f"{len(per_round)} rounds" + ("" if wins else " (it did not beat the baseline)"))
    return {"rounds": per_round, "final_alpha": overall["alpha"], "verdict": verdict}


def report(history: str, out_dir: str, baseline_m: float) -> dict:
    """search_history.md (every candidate), search.png (accuracy per candidate and μ per round) and
    search.html (the plot and the verdict, for the KFP UI)."""
    rows, s = json.loads(history), summary(history)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["## Search-Softmax: search history", "", s["verdict"] + "; the full training uses "
             f"α = {s['final_alpha']:.4g} (the last round's best).", "",
             "| round | candidate | a | α | accuracy | reward basis | μ before → after |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        name = f"baseline (CosFace m={baseline_m})" if r["baseline"] else str(r["index"])
        a = f"{r['a']:.4f}"
        lines.append(f"| {r['round']} | {name} | {a} | {r['alpha']:.4g} | {r['accuracy']:.4f} | "
                     f"{'no' if r['baseline'] else 'yes'} | {r['mu_before']:.4f} → {r['mu_after']:.4f} |")
    (out / "search_history.md").write_text("\n".join(lines) + "\n")
    fig, (ax1, ax2) = figure(1, 2, figsize=(10, 4), dpi=120)
    for r in rows:
        ax1.scatter(r["round"], r["accuracy"], marker="x" if r["baseline"] else "o",
                    color="grey" if r["baseline"] else "C0")
    ax1.plot([p["round"] for p in s["rounds"]], [p["baseline_accuracy"] for p in s["rounds"]], color="grey",
             ls="--", label=f"fixed margin (CosFace m={baseline_m})")
    ax1.plot([p["round"] for p in s["rounds"]], [p["best_accuracy"] for p in s["rounds"]], color="C0",
             label="best sampled candidate")
    ax1.set_xlabel("round")
    ax1.set_ylabel("val/ accuracy (10-fold)")
    ax1.legend(fontsize=8)
    ax2.plot([p["round"] for p in s["rounds"]], [p["mu"] for p in s["rounds"]], marker="o")
    ax2.set_xlabel("round")
    ax2.set_ylabel("μ after the round (a ~ N(μ, σ), a ← −|a|)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    png = save_png(fig, out / "search.png").read_bytes()
    (out / "search.html").write_text(report_html("Search-Softmax", [png], {"verdict": s["verdict"],
                                                                         "final alpha": s["final_alpha"]}))
    return s
