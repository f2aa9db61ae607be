"""The face stages that read the embeddings artifact: evaluate (verification, its reports and KFP
views) and index-build (the FAISS gallery, rank-1). No torch and no model: both start light."""

from __future__ import annotations

from pathlib import Path

from paperline.core import experiments
from paperline.core.errors import DataError
from paperline.core.reports import write_classification, write_evaluation
from paperline.face import verification as V
from paperline.face.embeddings import Embeddings
from paperline.face.formats import list_image_folder
from paperline.face.gallery import GalleryIndex, build_index, rank1
from paperline.face.scoring import METRIC, verification_metrics


def evaluate(dataset: str, embeddings: str, out_dir: str, run_id: str) -> dict:
    """10-fold verification accuracy and TAR@FAR (+ yaw buckets and frontal-profile pairs where the
    set has them); writes roc.png, yaw.png, report.html, report.md and the ROC for KFP's own view."""
    v = verification_metrics(dataset, Embeddings.load(embeddings, Path(dataset) / "verify" / "images"))
    metrics = v.metrics
    pngs = {"roc.png": V.roc_png(v.curves, f"ROC, {metrics['pairs']} pairs (10-fold verification)")}
    if v.groups:
        pngs["yaw.png"] = V.bucket_png({k: a for k, (a, _) in v.groups.items()},
                                       {k: n for k, (_, n) in v.groups.items()},
                                       "Accuracy by yaw (larger |yaw| of the pair)")
    files = write_evaluation(out_dir, "Verification", metrics, v.eval_data_md5, pngs)
    write_classification(out_dir, roc=v.roc)
    experiments.log_evaluation(run_id, metrics, v.eval_data_md5, files)
    by_yaw = ", ".join(f"{k} {a:.3f}" for k, (a, _) in v.groups.items())
    print(f"verification accuracy {metrics[METRIC]:.4f} ± {metrics['verification_accuracy_std']:.4f} "
          f"on {metrics['pairs']} pairs" + (f"; {by_yaw}" if by_yaw else ""), flush=True)
    return {**metrics, "eval_data_md5": v.eval_data_md5}


def index_build(dataset: str, embeddings: str, out_dir: str, run_id: str) -> dict:
    """Gallery = first image of each verification identity, probes = the rest; rank-1 identification."""
    root = Path(dataset) / "verify" / "images"
    paths, labels, names = list_image_folder(root)
    first = {}
    for i, lab in enumerate(labels):
        first.setdefault(int(lab), i)
    gal_idx = sorted(first.values())
    probe_idx = [i for i in range(len(paths)) if i not in set(gal_idx)]
    if not probe_idx:
        raise DataError(f"{root}: every identity has one image; no probes for rank-1")
    emb = Embeddings.load(embeddings, root).rows(paths)
    build_index(emb[gal_idx], [names[labels[i]] for i in gal_idx], out_dir)
    idx = GalleryIndex(out_dir)  # load back: the artifact is what is measured
    r1 = rank1(idx, emb[probe_idx], [names[labels[i]] for i in probe_idx])
    metrics = {"rank1": r1, "gallery_size": len(gal_idx), "probes": len(probe_idx)}
    experiments.log_metrics(run_id, metrics)
    print(f"rank-1 identification {r1:.4f} ({len(probe_idx)} probes, gallery {len(gal_idx)})", flush=True)
    return metrics
