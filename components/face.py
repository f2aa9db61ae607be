"""Face-recognition components: validate, train (in the step or as a TrainJob), embed, evaluate, index-build,
and Search-Softmax's search rounds (logic: paperline.face.stages and paperline.face.search_stages)."""

from typing import List, NamedTuple

from kfp import dsl
from kfp.dsl import HTML, Artifact, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from ._base import component, gpu_component, launcher_component


@component
def validate_face(dataset: Input[Dataset], image_size: int, min_identities: int, min_images_per_identity: int,
                  report: Output[Markdown], metrics: Output[Metrics]):
    """Great Expectations suite for face datasets; a failed suite fails the step after writing the report."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.expectations import report_to
        from paperline.face.validation import validate_face_dataset

        with report_to(report.path) as report_dir:
            stats = validate_face_dataset(dataset.path, report_dir, image_size, min_identities, min_images_per_identity)
        for k in ("images", "identities", "pairs", "failed_expectations"):
            metrics.log_metric(k, stats[k])


@gpu_component
def train_face(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str, image_size: int,
               model: Output[Model], metrics: Output[Metrics], report: Output[HTML]) -> str:
    """Train backbone + head; starts the MLflow run of this pipeline run and returns its id. The report
    draws the collapse diagnostics per epoch."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.face import stages

        cfg, run_name = get_paper(paper).configure(params)
        run_id, history = stages.train(dataset.path, model.path, cfg, paper, kfp_run_id, dict(dataset.metadata),
                                       image_size, run_name=run_name, report_path=report.path)
        model.metadata.update({"mlflow_run_id": run_id, "head": cfg.head, "backbone": cfg.backbone})
        log_numbers(metrics, history[-1])
        return run_id


@launcher_component
def train_face_distributed(paper: str, params: str, dataset: Input[Dataset], kfp_run_id: str, image_size: int,
                           nodes: int, local_procs: int, trainer_image: str, staging_uri: str,
                           model: Output[Model], metrics: Output[Metrics], report: Output[HTML],
                           task_config: dsl.TaskConfig) -> str:
    """Train as a Kubeflow Trainer TrainJob (or local torchrun); same outputs as train_face."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.core.reports import log_numbers
        from paperline.face.launcher import Launch, train_distributed

        cfg, run_name = get_paper(paper).configure(params)
        launch = Launch(nodes=nodes, local_procs=local_procs, trainer_image=trainer_image, staging_uri=staging_uri)
        run_id, history = train_distributed(dataset.path, model.path, cfg, paper, kfp_run_id, dict(dataset.metadata),
                                            image_size, task_config, launch, run_name=run_name,
                                            report_path=report.path)
        model.metadata.update({"mlflow_run_id": run_id, "head": cfg.head, "backbone": cfg.backbone})
        log_numbers(metrics, history[-1])
        return run_id


@component
def embed_face(dataset: Input[Dataset], model: Input[Model], run_id: str, image_size: int,
               embeddings: Output[Dataset]):
    """The verification images through the trained model, once, for evaluate and index-build."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.experiments import failing_run
        from paperline.face import stages

        with failing_run(run_id):
            info = stages.embed(dataset.path, model.path, embeddings.path, image_size)
        embeddings.metadata.update({"format": "npz", **info})


@component
def evaluate_face(dataset: Input[Dataset], embeddings: Input[Dataset], run_id: str, metrics: Output[Metrics],
                  roc: Output[ClassificationMetrics], report: Output[HTML], summary: Output[Markdown]
                  ) -> NamedTuple("EvalOutputs", accuracy=float, eval_md5=str):
    """10-fold verification accuracy and TAR@FAR; the ROC in KFP's own view, plots in the HTML report."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        from collections import namedtuple

        from paperline.core.experiments import failing_run
        from paperline.core.reports import to_kfp
        from paperline.face import eval_stages

        out = os.path.join(os.path.dirname(report.path), "evaluation")
        with failing_run(run_id):
            m = eval_stages.evaluate(dataset.path, embeddings.path, out, run_id)
        to_kfp(out, m, metrics, report, summary, roc)
        return namedtuple("EvalOutputs", ["accuracy", "eval_md5"])(m[eval_stages.METRIC], m["eval_data_md5"])


@component
def index_build_face(dataset: Input[Dataset], embeddings: Input[Dataset], run_id: str,
                     index: Output[Artifact], metrics: Output[Metrics]):
    """Gallery embeddings in a FAISS index (the output artifact); rank-1 of the probe set."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.experiments import failing_run
        from paperline.core.reports import log_numbers
        from paperline.face import eval_stages

        with failing_run(run_id):
            m = eval_stages.index_build(dataset.path, embeddings.path, index.path, run_id)
        index.metadata.update({"format": "faiss-IndexFlatIP", "gallery_size": m["gallery_size"]})
        log_numbers(metrics, m)


@component
def search_init(paper: str, params: str, dataset: Input[Dataset], image_size: int, start: Output[Model]) -> str:
    """Seeded start weights for round 0; returns the agent state (JSON)."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.face import search_stages as search

        return search.initial(dataset.path, start.path, get_paper(paper).configure(params)[0], image_size)


@component
def search_sample(paper: str, params: str, agent_state: str, round_index: int) -> List[dict]:
    """This round's candidates a ~ N(μ, σ), a ← −|a|, plus the fixed-margin baseline."""
    from paperline.core.errors import task_errors

    with task_errors():
        from paperline.core.papers import get_paper
        from paperline.face import search_stages as search

        return search.sample(agent_state, get_paper(paper).configure(params)[0], round_index)


@component
def search_candidate(paper: str, params: str, dataset: Input[Dataset], start: Input[Model], candidate: dict,
                     round_index: int, rounds: int, image_size: int, model: Output[Model]) -> str:
    """Short training of one candidate from the round's start weights; returns it scored (JSON)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import json

        from paperline.core.papers import get_paper
        from paperline.face import search_stages as search

        res = search.candidate(dataset.path, start.path, model.path, get_paper(paper).configure(params)[0],
                               candidate, round_index, rounds, image_size)
        model.metadata["index"] = res["index"]
        return json.dumps(res)


@component
def search_update(paper: str, params: str, agent_state: str, history: str, results: List[str],
                  models: Input[List[Model]], best: Output[Model]
                  ) -> NamedTuple("UpdateOutputs", agent_state=str, history=str):
    """REINFORCE step on μ; the best sampled candidate's weights start the next round."""
    from paperline.core.errors import task_errors

    with task_errors():
        import json
        import shutil
        from collections import namedtuple

        from paperline.core.papers import get_paper
        from paperline.face import search_stages as search

        state, hist, index = search.update(agent_state, history, [json.loads(r) for r in results],
                                           get_paper(paper).configure(params)[0])
        src = next(m for m in models if int(m.metadata["index"]) == index)
        shutil.copyfile(src.path, best.path)
        best.metadata["index"] = index
        return namedtuple("UpdateOutputs", ["agent_state", "history"])(state, hist)


@component
def search_report(paper: str, params: str, history: str, table: Output[Markdown], plot: Output[HTML]
                  ) -> NamedTuple("ReportOutputs", train_params=str, verdict=str):
    """The search history as a table and a plot; the parameters the full training uses (α of the best)."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        import shutil
        from collections import namedtuple

        from paperline.core.papers import get_paper
        from paperline.face import search_stages as search

        cfg = get_paper(paper).configure(params)[0]
        out = os.path.join(os.path.dirname(table.path), "search")
        s = search.report(history, out, cfg.baseline_m)
        shutil.copy(os.path.join(out, "search_history.md"), table.path)
        shutil.copy(os.path.join(out, "search.html"), plot.path)
        print(s["verdict"], flush=True)
        return namedtuple("ReportOutputs", ["train_params", "verdict"])(f"{params}\nalpha={s['final_alpha']}",
                                                                        s["verdict"])


@component
def search_log(run_id: str, table: Input[Markdown], plot: Input[HTML], verdict: str):
    """Puts the search history on the full training's MLflow run."""
    from paperline.core.errors import task_errors

    with task_errors():
        import os
        import shutil
        import tempfile

        from paperline.core import experiments

        with tempfile.TemporaryDirectory() as tmp:
            for src, name in ((table.path, "search_history.md"), (plot.path, "search.html")):
                shutil.copyfile(src, os.path.join(tmp, name))
                experiments.log_artifact(run_id, os.path.join(tmp, name), "search")
        experiments.set_tags(run_id, {"search.verdict": verdict})
