"""Search-Softmax steps: init, sample, candidate, update, report, log (logic in paperline.stages.search)."""

from typing import List, NamedTuple

from kfp.dsl import HTML, Dataset, Input, Markdown, Model, Output

from ._base import component


@component
def search_init(paper: str, config: dict, dataset: Input[Dataset], image_size: int, start: Output[Model]) -> str:
    """Seeded start weights for round 0; returns the agent state (JSON)."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import search

        return search.initial(dataset.path, start.path, get_paper(paper).train_config(config), image_size)


@component
def search_sample(paper: str, config: dict, agent_state: str, round_index: int) -> List[dict]:
    """This round's candidates a ~ N(μ, σ), a ← −|a|, plus the fixed-margin baseline."""
    from paperline.errors import task_errors

    with task_errors():
        from paperline.papers import get_paper
        from paperline.stages import search

        return search.sample(agent_state, get_paper(paper).train_config(config), round_index)


@component
def search_candidate(paper: str, config: dict, dataset: Input[Dataset], start: Input[Model], candidate: dict,
                     round_index: int, rounds: int, image_size: int, model: Output[Model]) -> str:
    """Short training of one candidate from the round's start weights; returns it scored (JSON)."""
    from paperline.errors import task_errors

    with task_errors():
        import json

        from paperline.papers import get_paper
        from paperline.stages import search

        res = search.candidate(dataset.path, start.path, model.path, get_paper(paper).train_config(config),
                               candidate, round_index, rounds, image_size)
        model.metadata["index"] = res["index"]
        return json.dumps(res)


@component
def search_update(paper: str, config: dict, agent_state: str, history: str, results: List[str],
                  models: Input[List[Model]], best: Output[Model]
                  ) -> NamedTuple("UpdateOutputs", agent_state=str, history=str):
    """REINFORCE step on μ; the best sampled candidate's weights start the next round."""
    from paperline.errors import task_errors

    with task_errors():
        import json
        import shutil
        from collections import namedtuple

        from paperline.papers import get_paper
        from paperline.stages import search

        state, hist, index = search.update(agent_state, history, [json.loads(r) for r in results],
                                           get_paper(paper).train_config(config))
        src = next(m for m in models if int(m.metadata["index"]) == index)
        shutil.copyfile(src.path, best.path)
        best.metadata["index"] = index
        return namedtuple("UpdateOutputs", ["agent_state", "history"])(state, hist)


@component
def search_report(paper: str, config: dict, history: str, table: Output[Markdown], plot: Output[HTML]
                  ) -> NamedTuple("ReportOutputs", final_config=dict, verdict=str):
    """The search history as a table and a plot; the config the full training uses (α of the best)."""
    from paperline.errors import task_errors

    with task_errors():
        import base64
        import os
        import shutil
        from collections import namedtuple

        from paperline.papers import get_paper
        from paperline.stages import search

        cfg = get_paper(paper).train_config(config)
        out = os.path.join(os.path.dirname(table.path), "search")
        s = search.report(history, out, cfg.baseline_m)
        shutil.copy(os.path.join(out, "search_history.md"), table.path)
        img = base64.b64encode(open(os.path.join(out, "search.png"), "rb").read()).decode()
        with open(plot.path, "w") as f:
            f.write(f"<html><body><h2>Search-Softmax</h2><p>{s['verdict']}</p>"
                    f"<img src='data:image/png;base64,{img}'/></body></html>")
        print(s["verdict"], flush=True)
        return namedtuple("ReportOutputs", ["final_config", "verdict"])({**config, "alpha": s["final_alpha"]},
                                                                        s["verdict"])


@component
def search_log(run_id: str, table: Input[Markdown], plot: Input[HTML], verdict: str):
    """Puts the search history on the full training's MLflow run."""
    from paperline.errors import task_errors

    with task_errors():
        import os
        import shutil
        import tempfile

        from paperline import tracking

        with tempfile.TemporaryDirectory() as tmp:
            for src, name in ((table.path, "search_history.md"), (plot.path, "search.html")):
                shutil.copyfile(src, os.path.join(tmp, name))
                tracking.log_artifact(run_id, os.path.join(tmp, name), "search")
        tracking.set_tags(run_id, {"search.verdict": verdict})
