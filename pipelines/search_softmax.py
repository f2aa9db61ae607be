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
from paperline.core import settings
from paperline.pipelines import cluster
from paperline.pipelines.face import Outputs, face_head, face_tail

PAPER = "search-softmax"
ROUNDS = int(os.environ.get("PAPERLINE_SEARCH_ROUNDS", "3"))


@dsl.pipeline(name=PAPER, pipeline_root=settings.pipeline_root(),
              description="Search-Softmax: reward-guided loss search, then full training, verify, register, promote")
def pipeline(data_path: str = "data/face", data_repo: str = "", data_rev: str = "", config: dict = {},
             model_name: str = "paperline-search-softmax", image_size: int = 112, min_identities: int = 2,
             min_images_per_identity: int = 2) -> Outputs:
    data, checked = face_head(data_path, data_repo, data_rev, image_size, min_identities, min_images_per_identity)
    dataset = data.outputs["dataset"]
    init = search_init(paper=PAPER, config=config, dataset=dataset, image_size=image_size).after(checked)
    agent, history, start = init.outputs["Output"], "[]", init.outputs["start"]
    steps = [init]
    for r in range(ROUNDS):
        sampled = search_sample(paper=PAPER, config=config, agent_state=agent, round_index=r)
        with dsl.ParallelFor(sampled.output) as cand:
            trial = search_candidate(paper=PAPER, config=config, dataset=dataset, start=start, candidate=cand,
                                     round_index=r, rounds=ROUNDS, image_size=image_size)
            cluster.gpu_step(trial)
            cluster.cluster_task(trial)
        updated = search_update(paper=PAPER, config=config, agent_state=agent, history=history,
                                results=dsl.Collected(trial.outputs["Output"]),
                                models=dsl.Collected(trial.outputs["model"]))
        agent, history, start = updated.outputs["agent_state"], updated.outputs["history"], updated.outputs["best"]
        steps += [sampled, updated]
    report = search_report(paper=PAPER, config=config, history=history)
    trained = cluster.face_train_task(PAPER, report.outputs["final_config"], dataset, image_size)
    logged = search_log(run_id=trained.outputs["Output"], table=report.outputs["table"], plot=report.outputs["plot"],
                        verdict=report.outputs["verdict"])
    for task in (*steps, report, logged):
        task.set_caching_options(False)
    outputs = face_tail(data, trained, model_name, image_size, others=(checked, *steps, report, logged))
    return outputs
