"""Models and training checkpoints on disk: tensors and plain data only, loaded with `weights_only=True`.

A model file holds the name of the factory that builds the network, the factory's config (plain
data) and the state dict. Loading imports that factory from the paperline package (only functions
marked with `@model_factory` qualify), builds the network and loads the weights: no pickled code
runs, so a model file from anywhere is safe to open. RNG states travel as uint8 tensors.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from paperline.core.errors import DataError

FORMAT = "paperline-model/1"


def model_factory(fn: Callable[[dict], torch.nn.Module]):
    """Marks `fn(config) -> nn.Module` as a builder that model files may name."""
    fn.factory_key = f"{fn.__module__}:{fn.__qualname__}"
    fn.is_model_factory = True
    return fn


def _factory(key: str, where: str):
    module, _, name = key.partition(":")
    if not module.startswith("paperline.") or not name.isidentifier():
        raise DataError(f"{where}: names factory {key!r}, which is not a paperline model factory")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise DataError(f"{where}: its factory {key!r} does not exist in this paperline") from None
    if not getattr(fn, "is_model_factory", False):
        raise DataError(f"{where}: {key!r} is not marked as a model factory")
    return fn


def save_atomic(obj: dict, path: str | Path) -> None:
    """torch.save to a sibling, then rename: a reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_file(path: str | Path) -> dict:
    """A checkpoint or model file as plain data; one that carries pickled objects is refused."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        detail = str(e).split("Unsupported global:")[-1].split(".")[0].strip() if "Unsupported global" in str(e) \
            else "not tensors and plain data"
        raise DataError(f"{path}: refused to load: it carries a pickled object ({detail}); paperline files hold "
                        "only tensors and plain data (re-save it as a state dict with its config)") from None
    except (RuntimeError, EOFError, OSError) as e:
        raise DataError(f"{path}: not a readable torch file (truncated or corrupt): {str(e).splitlines()[0]}") \
            from None


def save_model(model: torch.nn.Module, path: str | Path, factory) -> None:
    """The weights, the factory that builds the network and its config (the `config` the factory
    left on the model)."""
    if not getattr(factory, "is_model_factory", False):
        raise TypeError(f"{factory!r} is not a @model_factory")
    config = model.config
    json.dumps(config)  # plain data only: fails here, not when loading
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    save_atomic({"format": FORMAT, "factory": factory.factory_key, "config": config, "state_dict": state}, path)


def load_model(path: str | Path) -> torch.nn.Module:
    """Rebuilds the network with its factory and loads the weights; eval mode, on the CPU."""
    data = load_file(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError(f"{path}: not a paperline model file (format {FORMAT})")
    model = _factory(data["factory"], str(path))(data["config"])
    try:
        model.load_state_dict(data["state_dict"])
    except RuntimeError as e:
        raise DataError(f"{path}: weights do not fit the network its config builds: {str(e).splitlines()[0]}") \
            from None
    return model.eval()


def rng_state(rng: np.random.Generator) -> torch.Tensor:
    """A numpy Generator's state as a uint8 tensor (its 128-bit integers do not fit a number tensor)."""
    return torch.frombuffer(bytearray(json.dumps(rng.bit_generator.state).encode()), dtype=torch.uint8)


def set_rng_state(rng: np.random.Generator, state: torch.Tensor) -> None:
    rng.bit_generator.state = json.loads(bytes(state.tolist()).decode())


def predictor(path: str | Path):
    """`predict(array) -> array` over a model file, for the registered python-function model: the
    model's own `predict` where it has one (class ids, points), else its forward."""
    model = load_model(path)

    @torch.inference_mode()
    def predict(x):
        t = torch.as_tensor(np.asarray(x, np.float32))
        out = model.predict(t) if hasattr(model, "predict") else model(t)
        return (out[0] if isinstance(out, tuple) else out).numpy()

    return predict

