"""What every family's stages do with a trained model: save it atomically, load it from a path or a
registry URI, register a version (alias `challenger`) and run the promotion gate."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import torch

from .. import __version__, tracking


def save_model(model, path: str | Path) -> None:
    """Pickled torch module, written to a sibling and renamed: never a half-written model file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(str(path) + ".tmp")
    torch.save(model, tmp)
    tmp.rename(path)


def load_model(path: str):
    if str(path).startswith("models:/"):
        import mlflow.pytorch

        tracking.client()
        return mlflow.pytorch.load_model(path).eval()
    return torch.load(path, map_location="cpu", weights_only=False).eval()


def register(model_path: str, run_id: str, model_name: str, tag: str, value: float, eval_md5: str) -> str:
    reqs = [f"torch=={torch.__version__.split('+')[0]}", f"paperline=={__version__}", "numpy", "opencv-python-headless"]
    version = tracking.register_model(run_id, load_model(model_path), model_name, tag, value, eval_md5, reqs)
    tracking.set_tags(run_id, {"registered_model": model_name, "registered_version": version})
    print(f"registered {model_name} version {version} (alias challenger)", flush=True)
    return version


def promote(model_name: str, version: str, tag: str, label: str, reevaluate: Callable[[str], float] | None) -> dict:
    """The gate on `tag` (higher is better); `reevaluate(models:/… uri)` scores the champion on the
    candidate's evaluation data when they were evaluated on different data."""
    d = tracking.promote(model_name, version, tag, True, reevaluate)
    champ = "none" if d["champion_metric"] is None else f"{d['champion_metric']:.4f}"
    print(f"promotion gate: {d['decision']} v{version} ({label} {d['candidate_metric']:.4f} vs champion "
          f"v{d['champion_version'] or '-'} {champ}): {d['reason']}", flush=True)
    return d
