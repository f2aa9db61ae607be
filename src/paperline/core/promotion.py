"""The registry: register a version (alias `challenger`) and the promotion gate, for every family.

A registered version is an MLflow python-function model defined from code (`core/mlflow_model.py`):
the trained artifact (a model file or a published directory) travels as its artifact, and nothing
pickled is logged. The gate reads the paper from the version's tags: its gate metric, its direction
and its re-evaluation hook. `champion` moves only when the candidate beats the champion's metric on
the same evaluation data; a champion evaluated on other data is re-evaluated on the candidate's data
first where the dataset is at hand, otherwise it stays. The decision and both numbers are written to
the candidate's run and version.
"""

from __future__ import annotations

from pathlib import Path

from paperline import __version__
from paperline.core import experiments, settings
from paperline.core.errors import PaperlineError
from paperline.core.faults import kill_point
from paperline.core.papers import Paper, get_paper
from paperline.core.registry_lock import gate_lock

CHAMPION, CHALLENGER = "champion", "challenger"
MODEL_CODE = Path(__file__).with_name("mlflow_model.py")


def paper_of_version(version) -> Paper:
    """The paper a registered version belongs to: its `paper` tag, else its run's."""
    name = version.tags.get("paper")
    if not name:
        run_id = version.tags.get("run_id") or version.run_id
        name = experiments.client().get_run(run_id).data.tags.get("paper") if run_id else None
    if not name:
        raise PaperlineError(f"{version.name} v{version.version}: no paper recorded on the version or its run")
    return get_paper(name)


def register(artifact: str, run_id: str, model_name: str, metric: float, eval_md5: str) -> str:
    """Logs `artifact` (a model file or a directory) as a new version of `model_name`, tagged with the
    paper's gate metric and the evaluation data's md5, alias `challenger`. Returns the version."""
    m = experiments.mlflow()
    paper = get_paper(experiments.client().get_run(run_id).data.tags["paper"])
    reqs = [f"paperline=={__version__}", *paper.requirements()]
    with m.start_run(run_id=run_id):
        info = m.pyfunc.log_model(name="model", python_model=str(MODEL_CODE), artifacts={"model": str(artifact)},
                                  model_config={"paper": paper.name}, pip_requirements=reqs,
                                  registered_model_name=model_name)
    version = str(info.registered_model_version)
    kill_point("register:logged")
    c = experiments.client()
    for k, v in {paper.gate_metric: f"{metric:.6f}", "eval_data_md5": eval_md5, "run_id": run_id,
                 "paper": paper.name}.items():
        c.set_model_version_tag(model_name, version, k, v)
    c.set_registered_model_alias(model_name, CHALLENGER, version)
    experiments.set_tags(run_id, {"registered_model": model_name, "registered_version": version})
    print(f"registered {model_name} version {version} (alias challenger)", flush=True)
    return version


def champion(name: str):
    from mlflow.exceptions import MlflowException

    try:
        return experiments.client().get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


def resolve(uri: str):
    """`models:/NAME@alias` or `models:/NAME/VERSION` -> the model version (clear error if none)."""
    name, sep, alias = uri[len("models:/"):].partition("@")
    c = experiments.client()
    try:
        return c.get_model_version_by_alias(name, alias) if sep else c.get_model_version(*name.split("/", 1))
    except Exception as e:  # noqa: BLE001 - any registry failure: say which model could not be resolved
        raise PaperlineError(f"{uri}: no such registered model version ({type(e).__name__})") from None


def model_artifact(uri: str) -> Path:
    """The artifact logged with a registered version (`models:/NAME@alias`, `models:/NAME/3`),
    downloaded once into a cache under the paperline home."""
    import yaml

    from paperline.core.files import building_dir

    mv = resolve(uri)
    cache = settings.home() / "model-cache" / mv.name / str(mv.version)
    if not (cache / "MLmodel").is_file():
        with building_dir(cache) as tmp:
            experiments.mlflow().artifacts.download_artifacts(artifact_uri=f"models:/{mv.name}/{mv.version}",
                                                              dst_path=str(tmp))
    flavor = (yaml.safe_load((cache / "MLmodel").read_text()).get("flavors") or {}).get("python_function", {})
    rel = ((flavor.get("artifacts") or {}).get("model") or {}).get("path")
    if not rel or not (cache / rel).exists():
        raise PaperlineError(f"{uri}: version {mv.version} of {mv.name} holds no paperline artifact (was it "
                             "registered by an older paperline?)")
    return cache / rel


def gate(name: str, version: str, metric_name: str, higher_is_better: bool = True, reevaluate=None) -> dict:
    """Moves `champion` to `version` if it beats the current champion (or there is none). Gates of one
    model run one at a time (`registry_lock`), so champion ends at the best of concurrent candidates."""
    with gate_lock(name) as broken:
        decision = _gate(name, version, metric_name, higher_is_better, reevaluate)
        if broken:  # who held the lock and died: worth a look when champion moved in a strange way
            decision["broke_stale_lock"] = "; ".join(broken)
            experiments.client().set_model_version_tag(name, version, "promotion.broke_stale_lock",
                                                       decision["broke_stale_lock"])
        return decision


def _gate(name: str, version: str, metric_name: str, higher_is_better: bool, reevaluate) -> dict:
    c = experiments.client()
    version = str(version)
    cand = c.get_model_version(name, version)
    if metric_name not in cand.tags:
        raise PaperlineError(f"{name} v{version} has no '{metric_name}' tag; was it evaluated and registered here?")
    cand_metric = float(cand.tags[metric_name])
    champ = champion(name)
    decision = {"model": name, "candidate_version": version, "candidate_metric": cand_metric,
                "champion_version": None, "champion_metric": None, "metric": metric_name,
                "higher_is_better": higher_is_better}
    if champ is None:
        promote_it, reason = True, "no champion yet"
    elif str(champ.version) == version:
        promote_it, reason = False, "candidate already champion"
        decision.update(champion_version=version, champion_metric=cand_metric)
    else:
        decision["champion_version"] = str(champ.version)
        if champ.tags.get("eval_data_md5") == cand.tags.get("eval_data_md5") and metric_name in champ.tags:
            champ_metric = float(champ.tags[metric_name])
            basis = "same evaluation data"
        elif reevaluate is not None:
            champ_metric = float(reevaluate(f"models:/{name}/{champ.version}"))
            basis = "champion re-evaluated on the candidate's evaluation data"
        else:
            champ_metric = None
            basis = "champion was evaluated on other data and cannot be re-evaluated here"
        decision["champion_metric"] = champ_metric
        if champ_metric is None:
            promote_it, reason = False, basis
        else:
            better = cand_metric > champ_metric if higher_is_better else cand_metric < champ_metric
            promote_it = better
            reason = f"{'beats' if better else 'does not beat'} champion ({basis})"
    if promote_it:
        c.set_registered_model_alias(name, CHAMPION, version)
        if decision["champion_version"]:
            c.set_model_version_tag(name, version, "promoted_from", decision["champion_version"])
    decision.update(decision="promoted" if promote_it else "kept", reason=reason)
    run_id = cand.tags.get("run_id") or cand.run_id
    if run_id:
        experiments.set_tags(run_id, {"promotion.decision": decision["decision"], "promotion.reason": reason,
                                      "promotion.champion_version": decision["champion_version"] or "none"})
        experiments.log_metrics(run_id, {f"promotion.candidate_{metric_name}": cand_metric})
        if decision["champion_metric"] is not None:
            experiments.log_metrics(run_id, {f"promotion.champion_{metric_name}": decision["champion_metric"]})
    c.set_model_version_tag(name, version, "promotion.decision", decision["decision"])
    return decision


def promote(model_name: str, version: str | None = None, dataset: str = "") -> dict:
    """The gate as the paper declares it; `dataset` (the candidate's evaluation data) lets the gate
    re-evaluate a champion that was evaluated elsewhere. `version` defaults to the challenger."""
    c = experiments.client()
    if version is None:
        from mlflow.exceptions import MlflowException

        try:
            version = c.get_model_version_by_alias(model_name, CHALLENGER).version
        except MlflowException:
            raise PaperlineError(f"model {model_name!r} has no 'challenger' version; register one first") from None
    cand = c.get_model_version(model_name, str(version))
    paper = paper_of_version(cand)
    reevaluate = None
    if dataset and paper.reevaluate is not None:
        run = c.get_run(cand.tags.get("run_id") or cand.run_id)

        def reevaluate(uri: str) -> float:
            return paper.reevaluate(model_artifact(uri), dataset, run.data)

    d = gate(model_name, str(version), paper.gate_metric, paper.higher_is_better, reevaluate)
    champ = "none" if d["champion_metric"] is None else f"{d['champion_metric']:.4f}"
    print(f"promotion gate: {d['decision']} v{version} ({paper.gate_label or paper.gate_metric} "
          f"{d['candidate_metric']:.4f} vs champion v{d['champion_version'] or '-'} {champ}, "
          f"{'higher' if paper.higher_is_better else 'lower'} is better): {d['reason']}", flush=True)
    return d


def promote_and_finish(model_name: str, version: str, dataset: str = "") -> str:
    """The pipeline's last step: the gate, then the candidate's run ends FINISHED."""
    run_id = experiments.client().get_model_version(model_name, str(version)).tags["run_id"]
    with experiments.failing_run(run_id):
        decision = promote(model_name, version, dataset)["decision"]
    experiments.end_run(run_id)
    return decision
