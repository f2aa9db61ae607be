"""Run a paper's pipeline through kfp.local, or compile it to YAML for the Kubeflow UI / `kfp run submit`."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from paperline.core import settings
from paperline.core.errors import ConfigError, PaperlineError
from paperline.core.papers import Paper, dataset_for, get_paper


def _check_runs(paper: Paper) -> None:
    if not paper.runs:
        raise ConfigError(f"paper {paper.name!r} has no pipeline yet; `paperline list` shows which run")


def load_pipeline(paper: Paper, fresh: bool = False):
    """The paper's pipeline function. `fresh` re-imports components and pipeline so compile-time
    settings (PAPERLINE_IMAGE, PAPERLINE_GPUS, ...) read now take effect: KFP builds the DAG at import."""
    _check_runs(paper)
    name = f"paperline.pipelines.{paper.pipeline}"
    if fresh:
        mods = ["paperline.components._base"] + sorted(
            m for m in sys.modules if m.startswith("paperline.components.") and not m.endswith("._base"))
        for m in [*mods, "paperline.pipelines.cluster", "paperline.pipelines.face", name]:
            if m in sys.modules:
                importlib.reload(sys.modules[m])
    return importlib.import_module(name).pipeline


def pipeline_arguments(paper: Paper, overrides: dict) -> dict:
    """--set/--config/--param values as the pipeline's typed inputs, checked before any task runs."""
    _check_runs(paper)
    pipe, cfg = paper.split_overrides(overrides)  # fails on an unknown name or a value of the wrong type
    paper.train_config(cfg).check()  # and on a value out of range
    args = {**pipe, **cfg}
    for key, value in args.items():  # components get the parameters as name=value lines
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise ConfigError(f"parameter {key!r} contains a line break ({value!r}); give it on one line")
    return args


def local_defaults(paper: Paper, args: dict) -> dict:
    """On the embedded default the data comes from this checkout's DVC workspace."""
    args = dict(args)
    if "data_repo" not in args and "data_path" not in args:
        args["data_repo"] = str(settings.project_root())
    args.setdefault("model_name", paper.model_name)
    return args


def ensure_data(paper: Paper, root: Path | None = None) -> None:
    """The embedded data of a fresh clone is not built yet: build it through its DVC stage now (one
    line says so; DVC's output goes to a log file). Fails with one line naming the command to run."""
    import subprocess

    root = root or settings.project_root()
    if (root / paper.data_path).exists():
        return
    data = dataset_for(paper)
    if data is None:
        raise PaperlineError(f"{root / paper.data_path} does not exist; pass --set data_path=... (a dataset path)")
    if not (root / "dvc.yaml").is_file():
        raise PaperlineError(f"{paper.data_path} is not built and {root} is not a paperline checkout: run "
                             f"`paperline data build {data.name} --out {paper.data_path}`, or pass --set data_path=...")
    log = settings.home() / "logs" / f"dvc-repro-{data.stage}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"{paper.data_path} is not built yet: building it (dvc repro {data.stage}) ...", flush=True)
    bin_dir = Path(sys.executable).parent  # the stage runs `paperline data build`: this installation's
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    dvc = bin_dir / "dvc"
    with open(log, "w") as out:
        res = subprocess.run([str(dvc) if dvc.exists() else "dvc", "repro", data.stage], cwd=root, stdout=out,
                             stderr=subprocess.STDOUT, env=env)
    if res.returncode != 0 or not (root / paper.data_path).exists():
        raise PaperlineError(f"building {paper.data_path} failed (log: {log}); run `dvc repro {data.stage}` "
                             f"(or `make data`) in {root} and try again")


def check_kfp_local_arguments(args: dict) -> None:
    """kfp.local's SubprocessRunner rewrites every `python3` inside a task's arguments to the path of this
    interpreter (kfp 2.17, `replace_python_executable`), which would silently send a task to another
    path (a dataset inside a virtualenv's site-packages, say): refuse those values before any task runs."""
    for key, value in args.items():
        if "python3" in json.dumps(value):
            raise ConfigError(f"{key!r} contains 'python3', which kfp.local rewrites in task arguments "
                              f"({value!r}); copy or link it to a path without it")


def run_local(paper_name: str, overrides: dict, verbose: bool = False) -> dict:
    from paperline.core.tasklog import capture

    paper = get_paper(paper_name)
    given = pipeline_arguments(paper, overrides)
    if "data_repo" not in given and "data_path" not in given:  # the embedded default
        ensure_data(paper)
    args = local_defaults(paper, given)
    check_kfp_local_arguments({**args, "PAPERLINE_HOME": str(settings.home())})  # task outputs live there too
    with settings.compile_target(cluster=False):  # the embedded defaults, whatever PAPERLINE_IMAGE says
        func = load_pipeline(paper, fresh=True)
    os.environ["MLFLOW_TRACKING_URI"] = settings.tracking_uri()  # the task subprocesses inherit it
    os.environ["PAPERLINE_RUNNER_PID"] = str(os.getpid())  # tags the MLflow run with its owner
    from paperline.core.experiments import check_reachable, reap_orphans

    check_reachable()  # a clear line for a server that does not answer, before anything asks it
    for run_id in reap_orphans():
        print(f"MLflow run {run_id} was left RUNNING by a paperline run that is gone: marked KILLED", flush=True)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("MLFLOW_ENABLE_LOGGED_MODEL_CREATION", "true")
    from kfp import local

    root = settings.home() / "kfp"
    root.mkdir(parents=True, exist_ok=True)
    err_file = root / f".last-error-{os.getpid()}.txt"  # one per run: two runs may share a home
    err_file.unlink(missing_ok=True)
    os.environ["PAPERLINE_ERROR_FILE"] = str(err_file)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root), raise_on_error=True)
    before = set(root.iterdir())
    log_path = root / f".{paper.name}-{os.getpid()}.log"
    print(f"running {paper.display_name(args)} through kfp.local (outputs under {root})", flush=True)
    failure = None
    with capture(log_path, verbose) as log:
        try:
            task = func(**args)
        except RuntimeError as e:
            failure = e
    run_dirs = sorted(p for p in set(root.iterdir()) - before if p.is_dir())
    final_log = run_dirs[-1] / "pipeline.log" if run_dirs else root / f"{paper.name}.log"
    log_path.replace(final_log)
    if failure is not None:
        if not verbose and log.failed:
            print(log.failure_report(), flush=True)
        cause = err_file.read_text().strip().splitlines()[-1] if err_file.exists() else "see the task log"
        err_file.unlink(missing_ok=True)
        raise PaperlineError(f"pipeline {paper.name} failed: {failure} {cause} (full log: {final_log})") from None
    outputs = {k: task.outputs[k] for k in ("accuracy", "metric", "run_id", "version", "decision", "index_uri")
               if k in task.outputs}
    return {"paper": paper.name, "arguments": args, "log": str(final_log), "warnings": log.warnings, **outputs}


def compile_pipeline(paper_name: str, out_dir: str | Path, overrides: dict | None = None,
                     cluster: bool | None = None) -> Path:
    """The paper's pipeline YAML. A cluster compile (`cluster`, default settings.cluster_compile()) takes
    its dataset default from settings and refuses one a pod cannot read, unless `overrides` (a
    submit's arguments) name one."""
    from kfp import compiler

    paper = get_paper(paper_name)
    cluster = settings.cluster_compile() if cluster is None else cluster
    with settings.compile_target(cluster):
        func = load_pipeline(paper, fresh=True)
        if cluster:
            from paperline.pipelines.paper import compiled_defaults

            check_pod_readable(paper, {**compiled_defaults(paper), **(overrides or {})})
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{paper.name}.yaml"
        compiler.Compiler().compile(func, str(path))
    return path


def _remote(location: str) -> bool:
    return location.startswith("git@") or ("://" in location and not location.startswith("file://"))


def check_pod_readable(paper: Paper, values: dict) -> None:
    """A pod reads its data from a DVC repository by URL, or from an object-store URI; not from a path
    on this machine."""
    repo, path = values.get("data_repo", ""), values.get("data_path", "")
    if repo and not _remote(repo):
        raise ConfigError(f"{paper.name}: data_repo {repo!r} is a path on this machine, which a pod cannot "
                          f"read; set PAPERLINE_DATA_REPO to the DVC repository's git URL (and PAPERLINE_DATA_REV)")
    if not repo and not _remote(path):
        raise ConfigError(f"{paper.name}: the dataset default {path!r} is a local path, which a pod cannot read; "
                          f"set PAPERLINE_DATA_REPO (the DVC repository's git URL, with PAPERLINE_DATA_REV) or "
                          f"PAPERLINE_DATA_ROOT (s3://bucket/prefix holding data/...), or pass data_path=s3://...")


# -- the cluster: Kubeflow Pipelines API through kfp.Client ------------------------------------------

def kfp_client(host: str):
    """kfp.Client for `host`, checked with a health call so a wrong URL fails here, clearly."""
    import kfp

    if not host:
        raise ConfigError("no Kubeflow Pipelines host: pass --host URL or set KFP_HOST")
    try:
        client = kfp.Client(host=host)
        client.get_kfp_healthz(sleep_duration=0)
    except Exception as e:  # noqa: BLE001 - connection refused, DNS, TLS, HTTP errors alike
        raise PaperlineError(f"Kubeflow Pipelines at {host} is unreachable: {str(e).splitlines()[0]}") from None
    return client


def _api_call(what: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except PaperlineError:
        raise
    except Exception as e:  # noqa: BLE001 - kfp_server_api.ApiException and friends
        body = getattr(e, "body", None) or str(e)
        raise PaperlineError(f"{what} failed: {str(body).strip()[:500]}") from None


def _compiled(paper: Paper, tmp: str, overrides: dict | None = None) -> str:
    """A cluster compile: submit, upload and schedule send the pipeline to pods."""
    return str(compile_pipeline(paper.name, tmp, overrides, cluster=True))


def cluster_run_name(paper: Paper, args: dict) -> str:
    """The name the training step will give the MLflow run: the cluster defaults (data rev) with `args`."""
    from paperline.pipelines.paper import compiled_defaults

    with settings.compile_target(cluster=True):
        return paper.display_name({**compiled_defaults(paper), **args})


def submit(paper_name: str, host: str, experiment: str | None, overrides: dict) -> dict:
    import tempfile

    paper = get_paper(paper_name)
    args = pipeline_arguments(paper, overrides)
    client = kfp_client(host)
    name = cluster_run_name(paper, args)
    with tempfile.TemporaryDirectory() as tmp:
        res = _api_call("run submission", client.create_run_from_pipeline_package, _compiled(paper, tmp, args),
                        arguments=args, experiment_name=experiment or paper.name, run_name=name)
    return {"run_id": res.run_id, "experiment": experiment or paper.name, "arguments": args, "name": name}


def upload(paper_name: str, host: str, version: str | None = None) -> dict:
    """Uploads the pipeline on first use, then a new version of it on every call."""
    import tempfile
    import time

    paper = get_paper(paper_name)
    client = kfp_client(host)
    version = version or f"{paper.name}-{settings.git_sha()[:8]}-{time.strftime('%Y%m%d-%H%M%S')}"
    with tempfile.TemporaryDirectory() as tmp:
        path = _compiled(paper, tmp)
        pid = _api_call("pipeline lookup", client.get_pipeline_id, paper.name)
        if pid is None:
            p = _api_call("pipeline upload", client.upload_pipeline, path, pipeline_name=paper.name,
                          description=paper.title)
            return {"pipeline_id": p.pipeline_id, "version": paper.name, "created": True}
        v = _api_call("pipeline version upload", client.upload_pipeline_version, path,
                      pipeline_version_name=version, pipeline_id=pid)
        return {"pipeline_id": pid, "version": v.display_name, "version_id": v.pipeline_version_id,
                "created": False}


def schedule(paper_name: str, host: str, cron: str, experiment: str | None, overrides: dict) -> dict:
    """A recurring run: at most one at a time (max_concurrency=1), no catch-up of missed runs."""
    import tempfile

    if len(cron.split()) != 6:
        raise ConfigError(f"--cron needs 6 fields, seconds first (KFP's cron), e.g. '0 0 3 * * *'; got {cron!r}")
    paper = get_paper(paper_name)
    args = pipeline_arguments(paper, overrides)
    client = kfp_client(host)
    exp = _api_call("experiment", client.create_experiment, experiment or paper.name)
    with tempfile.TemporaryDirectory() as tmp:
        rec = _api_call("recurring run creation", client.create_recurring_run, exp.experiment_id,
                        job_name=f"{cluster_run_name(paper, args)} on {cron}", cron_expression=cron, max_concurrency=1,
                        no_catchup=True, params=args, pipeline_package_path=_compiled(paper, tmp, args), enabled=True)
    return {"recurring_run_id": rec.recurring_run_id, "cron": cron, "experiment": exp.display_name}


def list_runs(host: str, experiment: str | None = None, limit: int = 20) -> list[dict]:
    client = kfp_client(host)
    kwargs = {}
    if experiment:
        exp = _api_call("experiment lookup", client.get_experiment, experiment_name=experiment)
        kwargs["experiment_id"] = exp.experiment_id
    res = _api_call("run listing", client.list_runs, page_size=limit, sort_by="created_at desc", **kwargs)
    return [{"run_id": r.run_id, "name": r.display_name, "state": r.state, "created_at": str(r.created_at)}
            for r in (res.runs or [])]
