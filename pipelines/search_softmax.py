"""Search-Softmax (arXiv:2007.06542): ingest → validate → search rounds → train the best → evaluate →
index-build → register → promote.

A round: sample candidates from N(μ, σ) → `dsl.ParallelFor` of short trainings from the previous
round's best weights (plus a fixed-margin baseline), each scored on the validation pairs →
`dsl.Collected` into one REINFORCE update of μ. KFP unrolls loops at compile time, so the number of
rounds is a compile-time setting: PAPERLINE_SEARCH_ROUNDS (default 3); candidates per round are a
run-time parameter (`--set candidates=N`).
"""

import os

from kfp import dsl

from paperline.components.face import (
    search_candidate,
    search_init,
    search_log,
    search_report,
    search_sample,
    search_update,
)
from paperline.core.papers import get_paper
from paperline.pipelines import cluster
from paperline.pipelines.face import Outputs, face_head, face_tail
from paperline.pipelines.paper import paper_pipeline

PAPER = "search-softmax"
ROUNDS = int(os.environ.get("PAPERLINE_SEARCH_ROUNDS", "3"))


@paper_pipeline(get_paper(PAPER), Outputs)
def pipeline(p) -> Outputs:
    data, checked = face_head(p)
    dataset, image_size, params = data.outputs["dataset"], p.image_size, p.params
    init = search_init(paper=PAPER, params=params, dataset=dataset, image_size=image_size).after(checked)
    agent, history, start = init.outputs["Output"], "[]", init.outputs["start"]
    steps = [init]
    for r in range(ROUNDS):
        sampled = search_sample(paper=PAPER, params=params, agent_state=agent, round_index=r)
        with dsl.ParallelFor(sampled.output) as cand:
            trial = search_candidate(paper=PAPER, params=params, dataset=dataset, start=start, candidate=cand,
                                     round_index=r, rounds=ROUNDS, image_size=image_size)
            cluster.gpu_step(trial)
            cluster.cluster_task(trial)
        updated = search_update(paper=PAPER, params=params, agent_state=agent, history=history,
                                results=dsl.Collected(trial.outputs["Output"]),
                                models=dsl.Collected(trial.outputs["model"]))
        agent, history, start = updated.outputs["agent_state"], updated.outputs["history"], updated.outputs["best"]
        steps += [sampled, updated]
    report = search_report(paper=PAPER, params=params, history=history)
    trained = cluster.face_train_task(PAPER, report.outputs["train_params"], dataset, image_size)
    logged = search_log(run_id=trained.outputs["Output"], table=report.outputs["table"], plot=report.outputs["plot"],
                        verdict=report.outputs["verdict"])
    for task in (*steps, report, logged):
        task.set_caching_options(False)
    outputs = face_tail(data, trained, p.model_name, image_size, others=(checked, *steps, report, logged))
    return outputs
