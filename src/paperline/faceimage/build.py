"""Builds the embedded landmark + face-parsing set from the renderer, in both real layouts at once.

    dataset.json
    lapa/{train,val,test}/images/<name>.jpg, labels/<name>.png (ids 0-10), landmarks/<name>.txt
    jd/{Train,Val,Test}/picture/<name>.jpg, landmark/<name>.jpg.txt, rect/<name>.jpg.rect
The two layouts hold the same faces (one identity each). The JD face box imitates a detector's: the
landmarks' box grown by 10-25 % with a seeded jitter, so nothing downstream may assume it is tight.
Written to a temporary sibling and renamed, so it is never half-written.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from paperline.faceimage.config import ParsingDataConfig
from paperline.faceimage.formats import encode_jpeg
from paperline.faceimage.layouts import write_jd_item, write_lapa_item
from paperline.faceimage.renderer import FaceRenderer, make_identity

SPLITS = {"train": "Train", "val": "Val", "test": "Test"}  # LaPa split -> JD split folder


def detector_box(pts: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    lo, hi = pts.min(0), pts.max(0)
    grow = (hi - lo) * rng.uniform(0.1, 0.25, 2)
    shift = (hi - lo) * rng.normal(0, 0.03, 2)
    box = np.concatenate([lo - grow + shift, hi + grow + shift])
    return np.clip(np.round(box), 0, size - 1)


def build_parsing_dataset(out: str | Path, cfg: ParsingDataConfig) -> dict:
    cfg.check()
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    renderer = FaceRenderer(cfg.image_size)
    counts = {"train": cfg.train, "val": cfg.val, "test": cfg.test}
    try:
        for k, (split, n) in enumerate(counts.items()):
            for i in tqdm(range(n), desc=f"{split} faces", unit="img", mininterval=2):
                rng = np.random.default_rng([cfg.seed, k, i])
                s = renderer.render(make_identity(rng), rng, renderer.sample_pose(rng, cfg.max_yaw))
                name = f"{split}_{i:05d}"
                jpeg = encode_jpeg(s.image)
                write_lapa_item(tmp / "lapa", split, name, jpeg, s.mask, s.landmarks)
                write_jd_item(tmp / "jd", SPLITS[split], name, jpeg, s.landmarks,
                              detector_box(s.landmarks, rng, cfg.image_size))
        info = {"kind": "parsing", "config": asdict(cfg), "images": sum(counts.values())}
        (tmp / "dataset.json").write_text(json.dumps(info, indent=2))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return info
