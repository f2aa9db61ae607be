"""Face-recognition stages (MV-Softmax and the rest of the face shelf): validate, train, evaluate,
index-build, register, promote. Each takes plain paths and a config, returns a metrics dict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from .. import __version__, settings, tracking
from ..data.face_formats import list_image_folder, load_train_set, read_image, read_pairs
from ..data.face_validation import validate_face_dataset
from ..errors import DataError
from ..index import GalleryIndex, build_index, rank1
from ..metrics import verification as V
from ..train import FaceEmbedder, FaceTrainConfig, embed_images, train_face

METRIC = "verification_accuracy"


def validate(dataset: str, report_dir: str, image_size: int = 112, min_identities: int = 2,
             min_images_per_identity: int = 2, folds: int = 10) -> dict:
    return validate_face_dataset(dataset, report_dir, image_size, min_identities, min_images_per_identity, folds)


def train(dataset: str, model_path: str, cfg: FaceTrainConfig, paper: str, tags: dict, image_size: int = 112,
          train_format: str = "auto") -> tuple[str, list[dict]]:
    """Trains and saves the FaceEmbedder (pickled torch module); returns (MLflow run id, history)."""
    cfg.check()
    images, labels = load_train_set(Path(dataset) / "train", image_size, train_format)
    run_id = tracking.start_run(paper, tags, {**asdict(cfg), "train_images": len(images),
                                              "train_identities": int(labels.max()) + 1})
    try:
        work = Path(model_path).parent / "work"
        log_figures(run_id, paper, cfg, work)
        from ..papers import get_paper

        trainer = get_paper(paper).trainer or train_face
        model, history = trainer(images, labels, cfg, work,
                                 on_epoch=lambda e, rec: tracking.log_metrics(run_id, rec, step=e))
        Path(model_path).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(str(model_path) + ".tmp")
        torch.save(model, tmp)
        tmp.rename(model_path)
    except BaseException:
        tracking.end_run(run_id, "FAILED")
        raise
    return run_id, history


def log_figures(run_id: str, paper: str, cfg, out_dir) -> None:
    """The paper's own pictures of its config (X2-Softmax: margin against angle), on the training run."""
    from ..papers import get_paper

    figures = get_paper(paper).figures
    for path in figures(cfg, out_dir) if figures else []:
        tracking.log_artifact(run_id, str(path), "figures")


def load_model(path: str) -> FaceEmbedder:
    if str(path).startswith("models:/"):
        import mlflow.pytorch

        tracking.client()
        return mlflow.pytorch.load_model(path).eval()
    return torch.load(path, map_location="cpu", weights_only=False).eval()


def _verify_set(dataset: str):
    verify = Path(dataset) / "verify"
    pairs = read_pairs(verify / "pairs.txt", verify / "images")
    paths = sorted({p for pr in pairs for p in (pr.left, pr.right)})
    h = hashlib.md5((verify / "pairs.txt").read_bytes())
    for p in paths:
        h.update(hashlib.md5(p.read_bytes()).digest())
    return pairs, paths, h.hexdigest()


def verification_metrics(model: FaceEmbedder, dataset: str, image_size: int = 112):
    pairs, paths, md5 = _verify_set(dataset)
    pos = {p: i for i, p in enumerate(paths)}
    emb = embed_images(model, np.stack([read_image(p, image_size) for p in paths]))
    dist = V.pair_distances(emb[[pos[p.left] for p in pairs]], emb[[pos[p.right] for p in pairs]])
    same = np.array([p.same for p in pairs])
    folds = np.array([p.fold for p in pairs])
    kf = V.kfold_accuracy(dist, same, folds)
    metrics = {METRIC: kf["accuracy"], "verification_accuracy_std": kf["accuracy_std"], **V.tar_at_far(dist, same),
               "pairs": len(pairs)}
    return metrics, dist, same, md5


def evaluate(dataset: str, model_path: str, out_dir: str, run_id: str, image_size: int = 112) -> dict:
    """10-fold verification accuracy and TAR@FAR; writes roc.png, report.html and report.md."""
    model = load_model(model_path)
    metrics, dist, same, md5 = verification_metrics(model, dataset, image_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png = V.roc_png({f"accuracy {metrics[METRIC]:.3f}": V.roc_points(dist, same)},
                    f"ROC, {len(same)} pairs (10-fold verification)")
    (out / "roc.png").write_bytes(png)
    (out / "report.html").write_text(V.report_html("Verification", png, metrics))
    (out / "report.md").write_text(V.report_markdown("Verification", metrics))
    (out / "metrics.json").write_text(json.dumps({**metrics, "eval_data_md5": md5}, indent=2))
    tracking.log_metrics(run_id, metrics)
    tracking.set_tags(run_id, {"eval_data_md5": md5})
    tracking.log_artifact(run_id, str(out / "roc.png"), "evaluation")
    tracking.log_artifact(run_id, str(out / "report.md"), "evaluation")
    print(f"verification accuracy {metrics[METRIC]:.4f} ± {metrics['verification_accuracy_std']:.4f} "
          f"on {len(same)} pairs", flush=True)
    return {**metrics, "eval_data_md5": md5}


def index_build(dataset: str, model_path: str, out_dir: str, run_id: str, image_size: int = 112) -> dict:
    """Gallery = first image of each verification identity, probes = the rest; rank-1 identification."""
    model = load_model(model_path)
    paths, labels, names = list_image_folder(Path(dataset) / "verify" / "images")
    first = {}
    for i, lab in enumerate(labels):
        first.setdefault(int(lab), i)
    gal_idx = sorted(first.values())
    probe_idx = [i for i in range(len(paths)) if i not in set(gal_idx)]
    if not probe_idx:
        raise DataError(f"{dataset}/verify/images: every identity has one image; no probes for rank-1")
    emb = embed_images(model, np.stack([read_image(p, image_size) for p in paths]))
    build_index(emb[gal_idx], [names[labels[i]] for i in gal_idx], out_dir)
    idx = GalleryIndex(out_dir)  # load back: the artifact is what is measured
    r1 = rank1(idx, emb[probe_idx], [names[labels[i]] for i in probe_idx])
    metrics = {"rank1": r1, "gallery_size": len(gal_idx), "probes": len(probe_idx)}
    tracking.log_metrics(run_id, metrics)
    print(f"rank-1 identification {r1:.4f} ({len(probe_idx)} probes, gallery {len(gal_idx)})", flush=True)
    return metrics


def register(model_path: str, run_id: str, model_name: str, accuracy: float, eval_md5: str) -> str:
    model = load_model(model_path)
    reqs = [f"torch=={torch.__version__.split('+')[0]}", f"paperline=={__version__}", "numpy", "opencv-python-headless"]
    version = tracking.register_model(run_id, model, model_name, METRIC, accuracy, eval_md5, reqs)
    tracking.set_tags(run_id, {"registered_model": model_name, "registered_version": version})
    print(f"registered {model_name} version {version} (alias challenger)", flush=True)
    return version


def promote(model_name: str, version: str, dataset: str = "", image_size: int = 112) -> dict:
    reeval = None
    if dataset:
        reeval = lambda uri: verification_metrics(load_model(uri), dataset, image_size)[0][METRIC]  # noqa: E731
    d = tracking.promote(model_name, version, METRIC, True, reeval)
    champ = "none" if d["champion_metric"] is None else f"{d['champion_metric']:.4f}"
    print(f"promotion gate: {d['decision']} v{version} ({METRIC} {d['candidate_metric']:.4f} vs champion "
          f"v{d['champion_version'] or '-'} {champ}): {d['reason']}", flush=True)
    return d


def run_tags(paper: str, kfp_run_id: str, data_meta: dict) -> dict:
    return {"kfp.run_id": kfp_run_id, "git_sha": settings.git_sha(), "data_rev": data_meta.get("data_rev", ""),
            "data_md5": data_meta.get("data_md5", ""), "data_uri": data_meta.get("data_uri", ""),
            "dvc_md5": data_meta.get("dvc_md5", "")}
