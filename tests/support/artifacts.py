"""Small real artifacts of every family, as their training stages would save them: an untrained model
file built by the family's own factory (or, for Swing, a published index directory), and an MLflow
run for it that names its paper. What the registry and the gate are tested on."""

from pathlib import Path

import numpy as np

FAMILY_PAPERS = ["mv-softmax", "jd-landmark", "lapa", "kdctime", "swing"]


def model_artifact(paper: str, out: Path, seed: int = 0) -> Path:
    """A file (torch families) or a directory (swing) as the pipeline would register it."""
    import torch

    from paperline.core.checkpoint import save_model

    torch.manual_seed(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    if paper == "mv-softmax":
        from paperline.face.train import face_embedder

        cfg = {"backbone": "mobilefacenet", "embedding_size": 16, "input_size": 32, "width": 0.25, "tail": None}
        save_model(face_embedder(cfg), out, face_embedder)
    elif paper == "jd-landmark":
        from dataclasses import asdict

        from paperline.landmarks.pipnet import LandmarkConfig, pipnet

        save_model(pipnet(asdict(LandmarkConfig(input_size=64, width=4))), out, pipnet)
    elif paper == "lapa":
        from dataclasses import asdict

        from paperline.parsing.bspnet import ParsingConfig, bspnet

        save_model(bspnet(asdict(ParsingConfig(input_size=64, width=4))), out, bspnet)
    elif paper == "kdctime":
        from paperline.timeseries.inception import inception_net

        save_model(inception_net({"classes": 2, "depth": 3, "filters": 4}), out, inception_net)
    elif paper == "swing":
        from paperline.recsys.index_build import write_index
        from paperline.recsys.swing import SwingParams, swing

        rng = np.random.default_rng(seed)
        sub = swing(rng.integers(0, 60, 3000), rng.integers(0, 90, 3000), SwingParams(top_k=20))
        write_index({"substitute": sub, "complement": sub[sub["rank"] <= 2]}, out, {"built_by": "test"})
    else:
        raise ValueError(paper)
    return out


def candidate_run(paper: str, params: dict | None = None) -> str:
    """An MLflow run as the paper's training step starts it (its tags, params, dataset)."""
    from paperline.core import experiments

    meta = {"data_uri": "file:///tmp/test-data", "data_md5": "d" * 32, "data_rev": "unversioned"}
    with experiments.training_run(paper, "test-run", meta, params or {}, f"{paper} test") as run:
        pass
    return run.id
