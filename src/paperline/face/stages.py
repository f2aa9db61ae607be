"""Face-recognition stages (MV-Softmax and the rest of the face shelf): validate, train, evaluate,
index-build, and the promotion gate's re-evaluation. Each takes plain paths and a config, returns a
metrics dict; registering and promoting are paperline.core.promotion's."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from paperline.core import experiments
from paperline.core.checkpoint import load_model, save_model
from paperline.core.digest import Digest
from paperline.core.errors import DataError
from paperline.core.papers import get_paper
from paperline.core.reports import write_evaluation
from paperline.face import verification as V
from paperline.face.formats import list_image_folder, load_train_set, read_pairs
from paperline.face.gallery import GalleryIndex, build_index, rank1
from paperline.face.pose import BUCKETS, YawEstimator, bucket_name, bucket_of, load_landmarks, recorded_yaw
from paperline.face.train import FaceEmbedder, FaceTrainConfig, embed_images, face_embedder, train_face
from paperline.faceimage.formats import decode_image, read_image

METRIC = "verification_accuracy"


def validate(dataset: str, report_dir: str, image_size: int = 112, min_identities: int = 2,
             min_images_per_identity: int = 2, folds: int = 10) -> dict:
    from paperline.face.validation import validate_face_dataset  # pandas and GE: only this step needs them

    return validate_face_dataset(dataset, report_dir, image_size, min_identities, min_images_per_identity, folds)


def train(dataset: str, model_path: str, cfg: FaceTrainConfig, paper: str, kfp_run_id: str, data_meta: dict,
          image_size: int = 112, train_format: str = "auto") -> tuple[str, list[dict]]:
    """Trains and saves the embedder (weights + config); returns (MLflow run id, history)."""
    cfg.check()
    spec = get_paper(paper)
    extra = {}
    if spec.train_data:
        images, labels, extra = spec.train_data(Path(dataset) / "train", image_size)
    else:
        images, labels = load_train_set(Path(dataset) / "train", image_size, train_format)
    params = {**asdict(cfg), "image_size": image_size, "train_images": len(images),
              "train_identities": int(labels.max()) + 1}
    with experiments.training_run(paper, kfp_run_id, data_meta, params, spec.run_name(cfg)) as run:
        work = Path(model_path).parent / "work"
        log_figures(run, spec, cfg, work)
        trainer = spec.trainer or train_face
        model, history = trainer(images, labels, cfg, work, on_epoch=run.on_epoch, **extra)
        save_model(model, model_path, face_embedder)
    return run.id, history


def log_figures(run, spec, cfg, out_dir) -> None:
    """The paper's own pictures of its config (X2-Softmax: margin against angle), on the training run."""
    for path in spec.figures(cfg, out_dir) if spec.figures else []:
        run.log_artifact(str(path), "figures")


def _verify_set(dataset: str, image_size: int):
    """The LFW pairs, the frontal-profile pairs where the set has `pairs_fp.txt`, every image they
    name (decoded), and one md5 over all of it, each file read once (what the promotion gate compares)."""
    verify = Path(dataset) / "verify"
    digest = Digest()
    digest.bytes(verify / "pairs.txt")
    pairs = read_pairs(verify / "pairs.txt", verify / "images")
    fp_file = verify / "pairs_fp.txt"
    fp_pairs = []
    if fp_file.is_file():
        digest.bytes(fp_file)
        fp_pairs = read_pairs(fp_file, verify / "images")
    paths = sorted({p for pr in pairs + fp_pairs for p in (pr.left, pr.right)})
    images = np.stack([decode_image(digest.file(p), str(p), image_size) for p in paths])
    return pairs, fp_pairs, paths, images, digest.hexdigest()


def _verify_yaw(verify: Path, paths: list[Path]) -> np.ndarray | None:
    """Yaw per image: recorded in meta.csv, else estimated from the landmarks, else None."""
    yaw = recorded_yaw(verify, paths)
    if yaw is None and (verify / "landmarks").is_dir():
        try:
            yaw = YawEstimator()(load_landmarks(paths, verify / "images", verify / "landmarks", "yaw buckets"))
        except DataError:
            return None
    return yaw


def _scored(pairs, emb, pos):
    dist = V.pair_distances(emb[[pos[p.left] for p in pairs]], emb[[pos[p.right] for p in pairs]])
    return dist, np.array([p.same for p in pairs]), np.array([p.fold for p in pairs])


def verification_metrics(model: FaceEmbedder, dataset: str, image_size: int = 112):
    """10-fold accuracy and TAR@FAR on pairs.txt; where the set allows, accuracy by yaw bucket (the
    larger |yaw| of a pair, each pair judged with its fold's threshold) and the frontal-profile
    protocol's 10-fold accuracy. Returns (metrics, curves for the ROC, per-group accuracy, md5)."""
    pairs, fp_pairs, paths, images, md5 = _verify_set(dataset, image_size)
    pos = {p: i for i, p in enumerate(paths)}
    emb = embed_images(model, images)
    dist, same, folds = _scored(pairs, emb, pos)
    kf = V.kfold_accuracy(dist, same, folds)
    metrics = {METRIC: kf["accuracy"], "verification_accuracy_std": kf["accuracy_std"], **V.tar_at_far(dist, same),
               "pairs": len(pairs)}
    curves = {f"all pairs, accuracy {kf['accuracy']:.3f}": V.roc_points(dist, same)}
    groups: dict[str, tuple[float, int]] = {}
    yaw = _verify_yaw(Path(dataset) / "verify", paths)
    if yaw is not None:
        correct = V.pair_correct(dist, same, folds, kf["thresholds"])
        pair_yaw = np.maximum(np.abs(yaw[[pos[p.left] for p in pairs]]), np.abs(yaw[[pos[p.right] for p in pairs]]))
        for k, b in enumerate(bucket_of(pair_yaw)[None] == np.arange(len(BUCKETS))[:, None]):
            if b.any():
                metrics[f"accuracy_{bucket_name(k)}"] = float(correct[b].mean())
                lo, hi = BUCKETS[k]
                groups[f"|yaw| {lo:.0f}-{hi:.0f}°"] = (float(correct[b].mean()), int(b.sum()))
    if fp_pairs:
        fdist, fsame, ffolds = _scored(fp_pairs, emb, pos)
        fkf = V.kfold_accuracy(fdist, fsame, ffolds)
        metrics.update({"frontal_profile_accuracy": fkf["accuracy"],
                        "frontal_profile_accuracy_std": fkf["accuracy_std"], "frontal_profile_pairs": len(fp_pairs)})
        curves[f"frontal-profile, accuracy {fkf['accuracy']:.3f}"] = V.roc_points(fdist, fsame)
        groups["frontal-profile"] = (fkf["accuracy"], len(fp_pairs))
    return metrics, curves, groups, md5


def evaluate(dataset: str, model_path: str, out_dir: str, run_id: str, image_size: int = 112) -> dict:
    """10-fold verification accuracy and TAR@FAR (+ yaw buckets and frontal-profile pairs where the
    set has them); writes roc.png, yaw.png, report.html and report.md."""
    model = load_model(model_path)
    metrics, curves, groups, md5 = verification_metrics(model, dataset, image_size)
    pngs = {"roc.png": V.roc_png(curves, f"ROC, {metrics['pairs']} pairs (10-fold verification)")}
    if groups:
        pngs["yaw.png"] = V.bucket_png({k: a for k, (a, _) in groups.items()}, {k: n for k, (_, n) in groups.items()},
                                       "Accuracy by yaw (larger |yaw| of the pair)")
    files = write_evaluation(out_dir, "Verification", metrics, md5, pngs)
    experiments.log_evaluation(run_id, metrics, md5, files)
    by_yaw = ", ".join(f"{k} {a:.3f}" for k, (a, _) in groups.items())
    print(f"verification accuracy {metrics[METRIC]:.4f} ± {metrics['verification_accuracy_std']:.4f} "
          f"on {metrics['pairs']} pairs" + (f"; {by_yaw}" if by_yaw else ""), flush=True)
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
    experiments.log_metrics(run_id, metrics)
    print(f"rank-1 identification {r1:.4f} ({len(probe_idx)} probes, gallery {len(gal_idx)})", flush=True)
    return metrics


def reevaluate(model_file: Path, dataset: str, run) -> float:
    """The promotion gate's hook: a champion's verification accuracy on the candidate's pairs."""
    image_size = int(run.params.get("image_size", 112))
    return verification_metrics(load_model(model_file), dataset, image_size)[0][METRIC]
