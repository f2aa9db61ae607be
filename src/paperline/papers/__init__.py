"""The paper registry: one small module per paper declares its config, pipeline and reference numbers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from ..config import build
from ..errors import ConfigError

# What every face paper's pipeline (pipelines/face.py) takes besides the training config, and reports.
FACE_PIPELINE_PARAMS = {"data_path": str, "data_repo": str, "data_rev": str, "model_name": str, "image_size": int,
                        "min_identities": int, "min_images_per_identity": int}
FACE_METRICS = ["verification_accuracy", "tar@far=0.001", "rank1"]


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
    pipeline_params: dict = field(default_factory=dict)
    metrics: list = field(default_factory=list)
    reference: list = field(default_factory=list)   # rows: {metric, value, source}
    model_name: str = ""
    description: str = ""
    figures: Callable | None = None  # (config, out_dir) -> [png paths] logged to the training run
    trainer: Callable | None = None  # (images, labels, cfg, work_dir, on_epoch=) -> (model, history); None = train_face
    train_data: Callable | None = None  # (train_dir, image_size) -> (images, labels, extra trainer kwargs)
    data_path: str = "data/face"        # the pipeline's default dataset (a DVC output of this repo)


    @property
    def runs(self) -> bool:
        return self.pipeline is not None

    def train_config(self, overrides: dict | None = None):
        return build(self.config_cls, overrides or {}, self.embedded)

    def split_overrides(self, overrides: dict) -> tuple[dict, dict]:
        """Pipeline-level keys (data_path, model_name, ...) vs train-config keys; unknown keys fail."""
        train_keys = {f.name for f in dataclasses.fields(self.config_cls)} if self.config_cls else set()
        pipe, cfg = {}, {}
        for k, v in overrides.items():
            if k in self.pipeline_params:
                pipe[k] = v
            elif k in train_keys:
                cfg[k] = v
            else:
                valid = sorted(train_keys | set(self.pipeline_params))
                raise ConfigError(f"unknown parameter {k!r} for {self.name}; valid parameters: {', '.join(valid)}")
        return pipe, cfg


def _registry() -> dict[str, Paper]:
    from . import (
        f2c,
        jd_landmark,
        kdctime,
        lapa,
        mhlr,
        mv_softmax,
        planned,
        poseface,
        search_softmax,
        swing,
        x2_softmax,
    )

    papers = [mv_softmax.PAPER, x2_softmax.PAPER, search_softmax.PAPER, mhlr.PAPER, f2c.PAPER, poseface.PAPER,
              jd_landmark.PAPER, lapa.PAPER, kdctime.PAPER, swing.PAPER, *planned.PAPERS]
    return {p.name: p for p in papers}


def all_papers() -> dict[str, Paper]:
    return _registry()


def get_paper(name: str) -> Paper:
    papers = _registry()
    if name not in papers:
        raise ConfigError(f"unknown paper {name!r}; valid papers: {', '.join(papers)}")
    return papers[name]
