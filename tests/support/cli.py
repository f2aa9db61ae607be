"""Running the `paperline` command as a user would, in a home of its own, and reading that home's registry."""

import os
import subprocess
import sys


def run_cli(args, home, timeout=600, env=None):
    """`python -m paperline.cli ARGS` with PAPERLINE_HOME=home (its own sqlite MLflow store unless `env`
    names a tracking server)."""
    base = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}  # the home's own store
    env = {**base, "PAPERLINE_HOME": str(home), **(env or {})}
    cmd = [sys.executable, "-m", "paperline.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def open_home(home):
    """Points this process's MLflow client at `home`'s store; returns the client."""
    os.environ["PAPERLINE_HOME"] = str(home)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    from paperline.core import experiments

    return experiments.client()


def registry(home, name):
    """(sorted version numbers, champion version or None) of registered model `name` in `home`."""
    from paperline.core import promotion

    c = open_home(home)
    versions = sorted(int(v.version) for v in c.search_model_versions(f"name='{name}'"))
    champ = promotion.champion(name)
    return versions, (str(champ.version) if champ else None)


def full_log(res) -> str:
    """The full kfp.local output of a `paperline run` (the file its `full log:` line names): what the
    tasks printed, which the console shows only as one line per task."""
    from pathlib import Path

    out = res.stdout + res.stderr
    marker = next((line for line in out.splitlines() if "full log: " in line), None)
    if marker is None:
        return out
    path = marker.split("full log: ", 1)[1].strip().rstrip(")")
    return out + (Path(path).read_text() if Path(path).is_file() else "")


def _run_dir(res):
    from pathlib import Path

    marker = next(line for line in (res.stdout + res.stderr).splitlines() if "full log: " in line)
    return Path(marker.split("full log: ", 1)[1].strip()).parent


def task_artifact_path(res, task: str, output: str):
    """Where kfp.local wrote `task`'s output artifact `output` in the run a `paperline run` printed."""
    path = _run_dir(res) / task / output
    assert path.exists(), f"no output {output!r} of task {task!r} at {path}"
    return path


def task_artifact_metadata(res, task: str, output: str) -> dict:
    """The metadata kfp.local recorded for `task`'s output artifact `output` in the run a `paperline
    run` printed (its executor_output.json): what the Kubeflow UI's views read."""
    import json

    run_dir = _run_dir(res)
    for path in sorted(run_dir.glob(f"{task}*/executor_output.json")):
        artifacts = json.loads(path.read_text()).get("artifacts", {})
        if output in artifacts:
            return artifacts[output]["artifacts"][0]["metadata"]
    raise AssertionError(f"no output {output!r} of task {task!r} under {run_dir}")
