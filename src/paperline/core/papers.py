"""The paper registry. A family declares its papers in `paperline/<family>/papers.py` (a `PAPERS`
list) or in a `paperline/<family>/papers/` package (one module per paper, each with a `PAPER`);
the registry finds them by walking the package, so adding a family adds no line here."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Callable

from paperline.core.config import build, coerce, describe, parse_params_text
from paperline.core.errors import ConfigError


def hook(target: str) -> Callable:
    """A paper's code named as "module:function" and imported on the first call: a declaration lists
    its heavy hooks (a re-evaluation that loads torch, a renderer) without importing them, so reading
    the registry stays light for the steps that only need names and gates (register, promote)."""
    module, _, name = target.partition(":")

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__, call.__qualname__, call.target = name, target, target
    return call


@dataclass
class Dataset:
    """A generated dataset: `paperline data build NAME` and its DVC stage (params.yaml section)."""
    name: str
    stage: str
    out: str
    config_cls: type
    builder: Callable  # (out_dir, config) -> {"images": count, ...}
    unit: str = "images"


@dataclass
class Param:
    """A pipeline parameter beside the training config: its type, default and meaning."""
    type: type
    default: object
    help: str
    where: bool = False  # a location (data, index root), not a setting: left out of run names


def common_params(data_path: str, model_name: str, data_help: str) -> dict[str, Param]:
    """The parameters every pipeline takes: where its data is and what its model is called."""
    return {"data_path": Param(str, data_path, data_help, where=True),
            "data_repo": Param(str, "", "DVC repository (git URL or path) that holds data_path; empty: data_path "
                                        "is a plain path or file:// URI", where=True),
            "data_rev": Param(str, "", "git revision of data_repo (tag, branch or commit); empty: its workspace",
                              where=True),
            "model_name": Param(str, model_name, "registered model name in MLflow")}


@dataclass
class Paper:
    name: str
    title: str
    arxiv: str
    family: str
    pipeline: str | None = None            # module under paperline.pipelines, None = not built yet
    config_cls: type | None = None         # the train config dataclass
    embedded: dict = field(default_factory=dict)    # defaults for 2 CPU cores in minutes
    full_scale: dict = field(default_factory=dict)  # the paper's setting, for GPUs
    pipeline_params: dict = field(default_factory=dict)  # name -> Param
    metrics: list = field(default_factory=list)
    reference: list = field(default_factory=list)   # rows: {metric, benchmark, value, source}
    model_name: str = ""
    description: str = ""
    data_path: str = "data/face"        # the pipeline's default dataset (a DVC output of this repo)
    # the promotion gate: the version tag it compares, its direction, and how to score a champion
    # (artifact path, the candidate's evaluation data, the candidate run's data) -> metric
    gate_metric: str = ""
    gate_label: str = ""
    higher_is_better: bool = True
    # training parameters that make a run another variant of the method (`paperline report` shows the
    # latest run of each: MV-Softmax's adaptive and fixed re-weighting)
    variants: tuple = ()
    reevaluate: Callable | None = None
    served: Callable | None = None      # artifact path -> predict(input); None: a torch model file
    serving_requirements: tuple = ("torch", "numpy")
    # face papers' hooks (stages.face): their trainer, training data and config figures
    figures: Callable | None = None
    trainer: Callable | None = None
    train_data: Callable | None = None

    @property
    def runs(self) -> bool:
        return self.pipeline is not None

    def train_config(self, overrides: dict | None = None):
        return build(self.config_cls, overrides or {}, self.embedded)

    def parameters(self) -> dict[str, Param]:
        """Every parameter of the paper's pipeline: its own (data, model name, ...), then the training
        config's fields with their embedded defaults. The one source of names, types, defaults and
        meanings: `paperline params`, `--set`, `submit --param` and the compiled pipeline's inputs."""
        params = dict(self.pipeline_params)
        if self.config_cls is not None:
            for name, typ, default, meaning in describe(self.config_cls, self.embedded):
                if name in params:
                    raise ConfigError(f"{self.name}: parameter {name!r} is declared twice (pipeline and config)")
                params[name] = Param(typ, default, meaning)
        return params

    def typed(self, values: dict) -> dict:
        """`values` (strings from --set, YAML values, KFP inputs) typed by the declaration; unknown names fail."""
        params = self.parameters()
        unknown = sorted(set(values) - set(params))
        if unknown:
            raise ConfigError(f"unknown parameter {unknown[0]!r} for {self.name}; valid parameters: "
                              f"{', '.join(sorted(params))}")
        return {k: coerce(k, v, params[k].type) for k, v in values.items()}

    def split_overrides(self, overrides: dict) -> tuple[dict, dict]:
        """Pipeline-level keys (data_path, model_name, ...) vs train-config keys; unknown keys fail."""
        typed = self.typed(overrides)
        pipe = {k: v for k, v in typed.items() if k in self.pipeline_params}
        return pipe, {k: v for k, v in typed.items() if k not in self.pipeline_params}

    def configure(self, params_text: str):
        """What a component makes of its `params` input (every pipeline parameter, `name=value` lines):
        the training config and the run's display name."""
        values = parse_params_text(params_text)
        _, cfg = self.split_overrides(values)
        return self.train_config(cfg), self.display_name(values)

    def display_name(self, values: dict) -> str:
        """What ran, in a few words: the paper, the parameters that differ from their defaults and the
        data revision, e.g. `mv-softmax head=arcface epochs=4 data@v2`. The KFP run and its MLflow run
        carry this name."""
        params, typed = self.parameters(), self.typed(values)
        changed = [f"{k}={_short(typed[k])}" for k, p in params.items()
                   if k in typed and not p.where and typed[k] != p.default]
        rev = typed.get("data_rev") or ""
        return " ".join([self.name, *changed, *([f"data@{rev}"] if rev else [])])

    def predictor(self, artifact: Path):
        """`predict(input)` over a registered artifact: the paper's own loader, else a torch model file's."""
        if self.served is not None:
            return self.served(artifact)
        from paperline.core.checkpoint import predictor

        return predictor(artifact)

    def requirements(self) -> list[str]:
        """What the registered python-function model needs besides paperline, pinned where it matters."""
        from importlib.metadata import version

        pins = {"torch": f"torch=={version('torch').split('+')[0]}"}
        return [pins.get(r, r) for r in self.serving_requirements]


def _short(value) -> str:
    text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


FAMILY_ROOT = Path(__file__).resolve().parents[1]


def _declarations():
    """Every module that declares papers: <family>/papers.py and <family>/papers/<paper>.py, in the
    shelf's family order (so are the datasets' listings)."""
    families = [p for p in pkgutil.iter_modules([str(FAMILY_ROOT)]) if p.ispkg]
    for fam in sorted(families, key=lambda p: (ORDER.index(p.name) if p.name in ORDER else 99, p.name)):
        try:
            mod = importlib.import_module(f"paperline.{fam.name}.papers")
        except ModuleNotFoundError as e:
            if e.name != f"paperline.{fam.name}.papers":
                raise
            continue
        yield mod
        if hasattr(mod, "__path__"):
            for sub in sorted(pkgutil.iter_modules(mod.__path__), key=lambda s: s.name):
                yield importlib.import_module(f"{mod.__name__}.{sub.name}")


@cache
def _registry() -> tuple[dict, dict]:
    papers, datasets = {}, {}
    for mod in _declarations():
        for p in [*getattr(mod, "PAPERS", []), *([mod.PAPER] if hasattr(mod, "PAPER") else [])]:
            if p.name in papers:
                raise ConfigError(f"paper {p.name!r} is declared twice ({mod.__name__})")
            papers[p.name] = p
        for d in getattr(mod, "DATASETS", []):
            datasets[d.name] = d
    order = sorted(papers.values(), key=lambda p: (not p.runs, ORDER.index(p.family) if p.family in ORDER else 99,
                                                   p.arxiv))
    return {p.name: p for p in order}, datasets


# how `paperline list` orders the families (the shelf's order); a new family lands at the end
ORDER = ["face", "landmarks", "parsing", "timeseries", "recsys", "asr", "tracker", "gan"]


def all_papers() -> dict[str, Paper]:
    return dict(_registry()[0])


def get_paper(name: str) -> Paper:
    papers = _registry()[0]
    if name not in papers:
        raise ConfigError(f"unknown paper {name!r}; valid papers: {', '.join(papers)}")
    return papers[name]


def all_datasets() -> dict[str, Dataset]:
    return dict(_registry()[1])


def dataset_for(paper: Paper) -> Dataset | None:
    """The generated dataset that is the paper's default data (None: it has none)."""
    path = Path(paper.data_path)
    return next((d for d in all_datasets().values() if path == Path(d.out) or Path(d.out) in path.parents), None)
