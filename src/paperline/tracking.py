"""MLflow: one run per pipeline run, model logging, registry aliases and the promotion gate.

Every registered version gets alias `challenger`. `champion` moves only when the candidate beats the
champion's metric on the same evaluation data: when the champion was evaluated on other data it is
re-evaluated on the candidate's data first (if the caller can), otherwise it stays. The decision and
both numbers are written to the candidate's run and version.
"""

from __future__ import annotations

import os
from typing import Callable

from . import settings
from .errors import PaperlineError

CHAMPION, CHALLENGER = "champion", "challenger"


def _mlflow():
    os.environ.setdefault("MLFLOW_TRACKING_URI", settings.tracking_uri())
    import mlflow

    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    return mlflow


def client():
    mlflow = _mlflow()
    return mlflow.MlflowClient()


def check_reachable() -> None:
    """Fails fast with a clear message when a remote tracking server does not answer."""
    uri = _mlflow().get_tracking_uri()
    if not uri.startswith(("http://", "https://")):
        return
    import urllib.request

    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=5)
    except Exception as e:  # noqa: BLE001 - any failure means unreachable
        raise PaperlineError(f"MLflow tracking server {uri} is unreachable: {e}") from None


def experiment_id(name: str) -> str:
    mlflow = _mlflow()
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    uri = mlflow.get_tracking_uri()
    location = f"{settings.artifact_root()}/{name}" if uri.startswith(("sqlite:", "file:", "/")) else None
    return mlflow.create_experiment(name, artifact_location=location)


def start_run(paper: str, tags: dict, params: dict) -> str:
    check_reachable()
    mlflow = _mlflow()
    exp = experiment_id(paper)
    run = mlflow.MlflowClient().create_run(exp, tags={"paper": paper, **{k: str(v) for k, v in tags.items()}},
                                           run_name=tags.get("kfp.run_id") or None)
    c = mlflow.MlflowClient()
    for k, v in params.items():
        c.log_param(run.info.run_id, k, str(v)[:6000])
    return run.info.run_id


def metric_key(name: str) -> str:
    """MLflow metric keys and tags take no '@' or '=': auc@0.08 -> auc_at_0.08, tar@far=0.001 -> tar_at_far_0.001."""
    return name.replace("@", "_at_").replace("=", "_")


def log_metrics(run_id: str, metrics: dict, step: int | None = None) -> None:
    c = client()
    for k, v in metrics.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            c.log_metric(run_id, metric_key(k), float(v), step=step or 0)


def set_tags(run_id: str, tags: dict) -> None:
    c = client()
    for k, v in tags.items():
        c.set_tag(run_id, k, str(v))


def log_artifact(run_id: str, path: str, artifact_path: str | None = None) -> None:
    client().log_artifact(run_id, path, artifact_path)


def end_run(run_id: str, status: str = "FINISHED") -> None:
    client().set_terminated(run_id, status)


def register_model(run_id: str, model, name: str, metric_name: str, metric: float, eval_md5: str,
                   requirements: list[str]) -> str:
    """Logs the torch model to the run (pickle flavour, explicit requirements), registers a new version,
    tags it with the evaluation, and points `challenger` at it. Returns the version number."""
    mlflow = _mlflow()
    with mlflow.start_run(run_id=run_id):
        info = mlflow.pytorch.log_model(model, name="model", serialization_format="pickle",
                                        pip_requirements=requirements, registered_model_name=name)
    return _tag_version(name, str(info.registered_model_version), run_id, metric_name, metric, eval_md5)


def register_pyfunc(run_id: str, python_model, artifacts: dict, name: str, metric_name: str, metric: float,
                    eval_md5: str, requirements: list[str]) -> str:
    """The same for a python-function model whose files travel as MLflow artifacts (an index)."""
    mlflow = _mlflow()
    with mlflow.start_run(run_id=run_id):
        info = mlflow.pyfunc.log_model(name="model", python_model=python_model, artifacts=artifacts,
                                       pip_requirements=requirements, registered_model_name=name)
    return _tag_version(name, str(info.registered_model_version), run_id, metric_name, metric, eval_md5)


def _tag_version(name: str, version: str, run_id: str, metric_name: str, metric: float, eval_md5: str) -> str:
    c = _mlflow().MlflowClient()
    c.set_model_version_tag(name, version, metric_name, f"{metric:.6f}")
    c.set_model_version_tag(name, version, "eval_data_md5", eval_md5)
    c.set_model_version_tag(name, version, "run_id", run_id)
    c.set_registered_model_alias(name, CHALLENGER, version)
    return version


def champion(name: str):
    from mlflow.exceptions import MlflowException

    try:
        return client().get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


def promote(name: str, version: str, metric_name: str, higher_is_better: bool = True,
            reevaluate: Callable[[str], float] | None = None) -> dict:
    """The gate: move `champion` to `version` if it beats the current champion (or none exists)."""
    c = client()
    version = str(version)
    cand = c.get_model_version(name, version)
    if metric_name not in cand.tags:
        raise PaperlineError(f"{name} v{version} has no '{metric_name}' tag; was it evaluated and registered here?")
    cand_metric = float(cand.tags[metric_name])
    champ = champion(name)
    decision = {"model": name, "candidate_version": version, "candidate_metric": cand_metric,
                "champion_version": None, "champion_metric": None, "metric": metric_name}
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
        set_tags(run_id, {"promotion.decision": decision["decision"], "promotion.reason": reason,
                          "promotion.champion_version": decision["champion_version"] or "none"})
        log_metrics(run_id, {f"promotion.candidate_{metric_name}": cand_metric})
        if decision["champion_metric"] is not None:
            log_metrics(run_id, {f"promotion.champion_{metric_name}": decision["champion_metric"]})
    c.set_model_version_tag(name, version, "promotion.decision", decision["decision"])
    return decision
