"""Face verification and identification scored from the embeddings artifact: numpy and FAISS only,
no torch and no model, so the evaluate and index-build steps start light."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from paperline.core import experiments
from paperline.core.errors import DataError
from paperline.core.reports import write_classification, write_evaluation
from paperline.face import verification as V
from paperline.face.embeddings import Embeddings
from paperline.face.formats import list_image_folder, read_pairs
from paperline.face.gallery import GalleryIndex, build_index, rank1
from paperline.face.pose import BUCKETS, YawEstimator, bucket_name, bucket_of, load_landmarks, recorded_yaw

METRIC = "verification_accuracy"


class Verification(NamedTuple):
    metrics: dict
    curves: dict          # name -> (FPR, TPR), for the ROC plot
    groups: dict          # name -> (accuracy, pairs): yaw buckets, frontal-profile
    eval_data_md5: str
    roc: dict             # fpr, tpr, threshold lists: KFP's ROC view


def _verify_yaw(verify: Path, paths: list[Path]) -> np.ndarray | None:
    """Yaw per image: recorded in meta.csv, else estimated from the landmarks, else None."""
    yaw = recorded_yaw(verify, paths)
    if yaw is None and (verify / "landmarks").is_dir():
        try:
            yaw = YawEstimator()(load_landmarks(paths, verify / "images", verify / "landmarks", "yaw buckets"))
        except DataError:
            return None
    return yaw


def _scored(pairs, emb: Embeddings):
    dist = V.pair_distances(emb.rows([p.left for p in pairs]), emb.rows([p.right for p in pairs]))
    return dist, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs])


def verification_metrics(dataset: str, emb: Embeddings) -> Verification:
    """10-fold accuracy and TAR@FAR on pairs.txt; where the set allows, accuracy by yaw bucket (the
    larger |yaw| of a pair, each pair judged with its fold's threshold) and the frontal-profile
    protocol's 10-fold accuracy."""
    verify = Path(dataset) / "verify"
    pairs = read_pairs(verify / "pairs.txt", verify / "images")
    fp_pairs = read_pairs(verify / "pairs_fp.txt", verify / "images") if (verify / "pairs_fp.txt").is_file() else []
    dist, same, folds = _scored(pairs, emb)
    kf = V.kfold_accuracy(dist, same, folds)
    metrics = {METRIC: kf["accuracy"], "verification_accuracy_std": kf["accuracy_std"], **V.tar_at_far(dist, same),
               "pairs": len(pairs)}
    curves = {f"all pairs, accuracy {kf['accuracy']:.3f}": V.roc_points(dist, same)}
    groups: dict[str, tuple[float, int]] = {}
    paths = sorted({p for pr in pairs for p in (pr.left, pr.right)})
    yaw = _verify_yaw(verify, paths)
    if yaw is not None:
        pos = {p: i for i, p in enumerate(paths)}
        correct = V.pair_correct(dist, same, folds, kf["thresholds"])
        pair_yaw = np.maximum(np.abs(yaw[[pos[p.left] for p in pairs]]), np.abs(yaw[[pos[p.right] for p in pairs]]))
        for k, b in enumerate(bucket_of(pair_yaw)[None] == np.arange(len(BUCKETS))[:, None]):
            if b.any():
                metrics[f"accuracy_{bucket_name(k)}"] = float(correct[b].mean())
                lo, hi = BUCKETS[k]
                groups[f"|yaw| {lo:.0f}-{hi:.0f}°"] = (float(correct[b].mean()), int(b.sum()))
    if fp_pairs:
        fdist, fsame, ffolds = _scored(fp_pairs, emb)
        fkf = V.kfold_accuracy(fdist, fsame, ffolds)
        metrics.update({"frontal_profile_accuracy": fkf["accuracy"],
                        "frontal_profile_accuracy_std": fkf["accuracy_std"], "frontal_profile_pairs": len(fp_pairs)})
        curves[f"frontal-profile, accuracy {fkf['accuracy']:.3f}"] = V.roc_points(fdist, fsame)
        groups["frontal-profile"] = (fkf["accuracy"], len(fp_pairs))
    return Verification(metrics, curves, groups, emb.eval_data_md5, V.roc_table(dist, same))


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
