"""Run a paper's pipeline through kfp.local, or compile it to YAML for the Kubeflow UI / `kfp run submit`."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from . import settings
from .config import coerce
from .errors import ConfigError, PaperlineError
from .papers import Paper, get_paper


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
        for m in [*mods, "paperline.pipelines.cluster", name]:
            if m in sys.modules:
                importlib.reload(sys.modules[m])
    return importlib.import_module(name).pipeline


def pipeline_arguments(paper: Paper, overrides: dict) -> dict:
    """Split --set/--config values into pipeline parameters and the train `config` dict (validated)."""
    _check_runs(paper)
    pipe, cfg = paper.split_overrides(overrides)
    args = {k: coerce(k, v, paper.pipeline_params[k]) for k, v in pipe.items()}
    paper.train_config(cfg).check()  # fail here, before any task runs, on a bad name or value
    args["config"] = {k: v for k, v in cfg.items()}
    return args


def local_defaults(paper: Paper, args: dict) -> dict:
    """On the embedded default the data comes from this checkout's DVC workspace."""
    args = dict(args)
    if "data_repo" not in args and "data_path" not in args:
        args["data_repo"] = str(settings.project_root())
    args.setdefault("model_name", paper.model_name)
    return args


def run_local(paper_name: str, overrides: dict) -> dict:
    paper = get_paper(paper_name)
    args = local_defaults(paper, pipeline_arguments(paper, overrides))
    func = load_pipeline(paper)
    os.environ["MLFLOW_TRACKING_URI"] = settings.tracking_uri()  # the task subprocesses inherit it
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("MLFLOW_ENABLE_LOGGED_MODEL_CREATION", "true")
    from kfp import local

    root = settings.home() / "kfp"
    root.mkdir(parents=True, exist_ok=True)
    err_file = root / "last-error.txt"
    err_file.unlink(missing_ok=True)
    os.environ["PAPERLINE_ERROR_FILE"] = str(err_file)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(root), raise_on_error=True)
    print(f"running {paper.name} through kfp.local (outputs under {root})", flush=True)
    try:
        task = func(**args)
    except RuntimeError as e:
        cause = err_file.read_text().strip().splitlines()[-1] if err_file.exists() else "see the task log above"
        raise PaperlineError(f"pipeline {paper.name} failed: {e} {cause}") from None
    outputs = {k: task.outputs[k] for k in ("accuracy", "run_id", "version", "decision") if k in task.outputs}
    return {"paper": paper.name, "arguments": args, **outputs}


def compile_pipeline(paper_name: str, out_dir: str | Path) -> Path:
    paper = get_paper(paper_name)
    func = load_pipeline(paper, fresh=True)
    from kfp import compiler

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{paper.name}.yaml"
    compiler.Compiler().compile(func, str(path), pipeline_parameters={"model_name": paper.model_name})
    return path
