"""MLflow runs: one per pipeline run, started by its training step through `training_run`.

The run carries a readable name (paper, variant, seed), the tags every paper shares (`run_tags`), the
config as params and its dataset in the run's Datasets section (the DVC or file URI as source, the
md5 as digest). It stays RUNNING while the later steps add to it; the promotion step ends it. Any
error inside `training_run` ends it FAILED.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from paperline.core import settings
from paperline.core.errors import PaperlineError

RUNNER_TAG = "paperline.runner"          # host:pid of the `paperline run` that owns a local run
KILLED_TAG = "paperline.killed_reason"
_READY: set[str] = set()


def mlflow():
    """mlflow, pointed at the tracking URI the settings give now (read on every call and not written
    into the environment, so a later PAPERLINE_HOME or MLFLOW_TRACKING_URI in the same process wins)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # quiet: a download is not long work
    import mlflow as _mlflow

    uri, given = settings.tracking_uri(), os.environ.get("MLFLOW_TRACKING_URI")
    _ensure_sqlite_store(uri)
    _mlflow.set_tracking_uri(uri)
    if given is None:  # set_tracking_uri also exports it; a process's task children get it from the runner
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    return _mlflow


def _ensure_sqlite_store(uri: str) -> None:
    """Creates (migrates) a sqlite store under a file lock. Two processes that open a new store at once
    both run MLflow's schema migrations, and one fails ("Online migration expected to match one row
    ... 0 found"); once one holds the lock the other waits, then finds the schema current."""
    if not uri.startswith("sqlite:///") or uri in _READY:
        return
    import fcntl
    from pathlib import Path

    db = Path(uri[len("sqlite:///"):])
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        SqlAlchemyStore(uri, str(settings.artifact_root())).engine.dispose()
    _READY.add(uri)


def client():
    return mlflow().MlflowClient()


def check_reachable() -> None:
    """Fails fast with a clear message when a remote tracking server does not answer."""
    uri = mlflow().get_tracking_uri()
    if not uri.startswith(("http://", "https://")):
        return
    import urllib.request

    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=5)
    except Exception as e:  # noqa: BLE001 - any failure means unreachable
        raise PaperlineError(f"MLflow tracking server {uri} is unreachable: {e}") from None


def experiment_id(name: str) -> str:
    m = mlflow()
    exp = m.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    uri = m.get_tracking_uri()
    location = f"{settings.artifact_root()}/{name}" if uri.startswith(("sqlite:", "file:", "/")) else None
    try:
        return m.create_experiment(name, artifact_location=location)
    except m.exceptions.MlflowException:
        exp = m.get_experiment_by_name(name)  # another run created it a moment ago
        if exp is None:
            raise
        return exp.experiment_id


def metric_key(name: str) -> str:
    """MLflow metric keys and tags take no '@' or '=': auc@0.08 -> auc_at_0.08, tar@far=0.001 -> tar_at_far_0.001."""
    return name.replace("@", "_at_").replace("=", "_")


def redact(value: str) -> str:
    """A URI's password (`s3://key:secret@host/...`) and the values of the credential variables set in
    this process are never written into a run's tags or params."""
    import re

    value = re.sub(r"(://[^/:@\s]+):[^/@\s]+@", r"\1:***@", str(value))
    for var in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        secret = os.environ.get(var, "")
        if len(secret) >= 4:
            value = value.replace(secret, "***")
    return value


def run_tags(kfp_run_id: str, data_meta: dict) -> dict:
    """The tags every run has: the KFP run, the code and the data version."""
    return {"kfp.run_id": kfp_run_id, "git_sha": settings.git_sha(), "data_rev": data_meta.get("data_rev", ""),
            "data_md5": data_meta.get("data_md5", ""), "data_uri": redact(data_meta.get("data_uri", "")),
            "dvc_md5": data_meta.get("dvc_md5", "")}


def has_ended(run_id: str) -> bool:
    """Whether `run_id` names a run of this store that has ended (a name that is no run id: False)."""
    try:
        return client().get_run(run_id).info.status != "RUNNING"
    except Exception:  # noqa: BLE001 - not a run of this store: not ours to judge
        return False


def log_metrics(run_id: str, metrics: dict, step: int | None = None) -> None:
    c = client()
    for k, v in metrics.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            c.log_metric(run_id, metric_key(k), float(v), step=step or 0)


def set_tags(run_id: str, tags: dict) -> None:
    c = client()
    for k, v in tags.items():
        c.set_tag(run_id, k, redact(v))


def log_artifact(run_id: str, path: str, artifact_path: str | None = None) -> None:
    client().log_artifact(run_id, path, artifact_path)


def log_evaluation(run_id: str, metrics: dict, eval_md5: str, files, tags: dict | None = None) -> None:
    """An evaluation on the run: its numbers, the md5 of the data it was measured on (what the gate
    compares) and its report files under `evaluation/`."""
    log_metrics(run_id, metrics)
    set_tags(run_id, {"eval_data_md5": eval_md5, **(tags or {})})
    for f in files:
        log_artifact(run_id, str(f), "evaluation")


def end_run(run_id: str, status: str = "FINISHED") -> None:
    client().set_terminated(run_id, status)


def log_dataset(run_id: str, data_meta: dict, context: str = "training") -> None:
    """The run's dataset in its Datasets section: name, digest = the md5, source = the DVC/file URI
    and rev. (The client-level form of `mlflow.log_input`, which would end the step's run.)"""
    uri = data_meta.get("data_uri")
    if not uri:
        return
    import json

    from mlflow.entities import Dataset, DatasetInput, InputTag
    from mlflow.utils.mlflow_tags import MLFLOW_DATASET_CONTEXT

    name = uri.rsplit("#", 1)[-1].rstrip("/").rsplit("/", 1)[-1] or "dataset"
    entity = Dataset(name=name, digest=data_meta.get("data_md5") or "none",
                     source_type="dvc" if uri.startswith("dvc://") else "local",
                     source=json.dumps({"uri": redact(uri), "rev": data_meta.get("data_rev", "")}))
    client().log_inputs(run_id, datasets=[DatasetInput(entity, [InputTag(MLFLOW_DATASET_CONTEXT, context)])])


class Run:
    """The training step's handle on its MLflow run."""

    def __init__(self, run_id: str):
        self.id = run_id
        self.work_dir = None  # set by training_run

    def log_metrics(self, metrics: dict, step: int | None = None) -> None:
        log_metrics(self.id, metrics, step)

    def on_epoch(self, epoch: int, rec: dict) -> None:
        log_metrics(self.id, rec, step=epoch)

    def log_artifact(self, path: str, artifact_path: str | None = None) -> None:
        log_artifact(self.id, path, artifact_path)


@contextmanager
def training_run(paper: str, kfp_run_id: str, data_meta: dict, params: dict, name: str = "",
                 tags: dict | None = None, checkpoints: bool = True) -> Iterator[Run]:
    """Starts the pipeline run's MLflow run (tags, params, dataset) and yields it; any error inside
    ends it FAILED and propagates. With `checkpoints` the run gets a resumable folder (`work_dir`) keyed
    by its params and data; a step whose trainings key their own folders (weak-asr) passes False."""
    check_reachable()
    m = mlflow()
    all_tags = {"paper": paper, **run_tags(kfp_run_id, data_meta), **(tags or {})}
    if os.environ.get("PAPERLINE_RUNNER_PID"):  # a local run: who to ask whether it is still going
        import socket

        all_tags[RUNNER_TAG] = f"{socket.gethostname()}:{os.environ['PAPERLINE_RUNNER_PID']}"
    run = m.MlflowClient().create_run(experiment_id(paper), tags={k: redact(v) for k, v in all_tags.items()},
                                      run_name=name or paper)
    handle = Run(run.info.run_id)
    try:
        c = m.MlflowClient()
        for k, v in params.items():
            c.log_param(handle.id, k, redact(v)[:6000])
        log_dataset(handle.id, data_meta)
        if not checkpoints:
            yield handle
            return
        from paperline.core.workdirs import resumable_dir

        with resumable_dir(paper, {"params": params, "data_md5": data_meta.get("data_md5", "")}) as work:
            handle.work_dir = work  # the step's checkpoints: a rerun of the same step resumes from them
            yield handle
    except BaseException:
        end_run(handle.id, "FAILED")
        raise


@contextmanager
def failing_run(run_id: str) -> Iterator[None]:
    """For the steps after training: an error ends the run FAILED instead of leaving it RUNNING."""
    try:
        yield
    except BaseException:
        if run_id:
            try:
                end_run(run_id, "FAILED")
            except Exception:  # noqa: BLE001 - the original error is the one to report
                pass
        raise


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> list[str]:
    """Local runs left RUNNING by a `paperline run` that is gone (SIGKILL, a closed terminal, a crash):
    each is ended KILLED, with the reason as a tag. Only runs this host started are judged, by the
    runner's pid; cluster runs have no runner tag and are left to their pipeline."""
    import socket

    c = client()
    host = socket.gethostname()
    ended = []
    exps = [e.experiment_id for e in c.search_experiments()]
    # one query for this host's running runs, not one per experiment
    mine = f"attributes.status = 'RUNNING' and tags.`{RUNNER_TAG}` LIKE '{host.replace(chr(39), '_')}:%'"
    for run in c.search_runs(exps, mine, max_results=1000) if exps else []:
        who, _, pid = run.data.tags.get(RUNNER_TAG, "").rpartition(":")
        if who != host or not pid.isdigit() or process_alive(int(pid)):
            continue
        c.set_tag(run.info.run_id, KILLED_TAG, f"the paperline run process {pid} on {host} ended before the run "
                  "finished (killed or crashed); found by a later run")
        c.set_terminated(run.info.run_id, "KILLED")
        ended.append(run.info.run_id)
    return ended
