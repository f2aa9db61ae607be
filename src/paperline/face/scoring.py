"""Face verification scored from the embeddings artifact: numpy only, no torch and no model (the
evaluate and index-build stages, paperline.face.eval_stages, start light on it)."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from paperline.core.errors import DataError
from paperline.face import verification as V
from paperline.face.embeddings import Embeddings
from paperline.face.formats import read_pairs
from paperline.face.pose import BUCKETS, YawEstimator, bucket_name, bucket_of, load_landmarks, recorded_yaw

METRIC = "verification_accuracy"


class Verification(NamedTuple):
    metrics: dict
    curves: dict          # name -> (FPR, TPR), for the ROC plot
    groups: dict          # name -> (accuracy, pairs): yaw buckets, frontal-profile
    eval_data_md5: str
    roc: dict             # fpr, tpr, threshold lists: KFP's ROC view


def pair_files(verify: Path) -> list[Path]:
    """The LFW pairs, then the frontal-profile pairs where the set has them."""
    return [verify / "pairs.txt", *[f for f in [verify / "pairs_fp.txt"] if f.is_file()]]


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


def verification_metrics(dataset: str, emb: Embeddings, split: str = "verify") -> Verification:
    """10-fold accuracy and TAR@FAR on the split's pairs.txt (verify/: what is reported; val/: what
    model choices are made on); where the set allows, accuracy by yaw bucket (the larger |yaw| of a
    pair, each pair judged with its fold's threshold) and the frontal-profile protocol's 10-fold accuracy."""
    verify = Path(dataset) / split
    pairs, *rest = [read_pairs(f, verify / "images") for f in pair_files(verify)]
    fp_pairs = rest[0] if rest else []
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
