"""Builds the embedded face dataset from the renderer, in every real format at once.

Layout (one directory, written to a temporary sibling and renamed, so it is never half-written):
    dataset.json                     sizes, seed, counts
    train/images/<id>/<n>.jpg        image folder per identity (112x112 aligned crops)
    train/train.rec, train.idx       the same images as InsightFace RecordIO; train/property
    train/landmarks/<id>/<n>.txt     106 points, JD order;  train/masks/<id>/<n>.png  LaPa ids 0-10
    train/meta.csv                   path, label, identity, yaw, pitch, roll
    verify/images/<name>/<name>_0001.jpg, verify/pairs.txt (LFW, 10 folds), landmarks/, masks/, meta.csv
    verify/pairs_fp.txt              frontal-profile pairs (CFP-FP style, LFW format): frontal left, profile right
    val/images/<name>/<name>_0001.jpg, val/pairs.txt (LFW, 10 folds), landmarks/, masks/, meta.csv
Verification and validation identities are disjoint from each other and from training identities: a
choice made on val/ (Search-Softmax's candidates) never sees the pairs the evaluation reports.
Verification yaw is uniform in ±90°;
training yaw is too, unless `train_frontal_share` > 0 makes it frontal-heavy like web-crawled sets
(MS1M, WebFace), the imbalance PoseFace addresses.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from paperline.face.config import FaceDataConfig
from paperline.face.formats import write_pairs
from paperline.face.recordio import write_face_rec
from paperline.faceimage.formats import encode_jpeg, write_landmarks
from paperline.faceimage.renderer import FaceRenderer, Pose, make_identity

FRONTAL, PROFILE = 30.0, 60.0  # |yaw| below FRONTAL is frontal, beyond PROFILE is profile (CFP-FP's split)


def _pose(renderer: FaceRenderer, rng: np.random.Generator, frontal_share: float) -> Pose | None:
    """None = the renderer's own uniform pose (keeps the default data's random stream as it was)."""
    if frontal_share <= 0:
        return None
    pose = renderer.sample_pose(rng)
    frontal = rng.random() < frontal_share
    size = rng.uniform(0, FRONTAL) if frontal else rng.uniform(FRONTAL, 90.0)
    pose.yaw = float(size if rng.random() < 0.5 else -size)
    return pose


def _render_split(root: Path, names: list[str], id_offset: int, per_id: int, cfg: FaceDataConfig,
                  renderer: FaceRenderer, lfw_naming: bool, desc: str, frontal_share: float = 0.0):
    rows, rec_items = [], []
    for label, name in enumerate(tqdm(names, desc=desc, unit="id", mininterval=2)):
        ident = make_identity(np.random.default_rng([cfg.seed, id_offset + label]))
        rng = np.random.default_rng([cfg.seed, id_offset + label, 1])
        for dname in ("images", "landmarks", "masks"):
            (root / dname / name).mkdir(parents=True, exist_ok=True)
        for k in range(per_id):
            s = renderer.render(ident, rng, _pose(renderer, rng, frontal_share))
            stem = f"{name}_{k + 1:04d}" if lfw_naming else f"{k:04d}"
            jpeg = encode_jpeg(s.image)
            (root / "images" / name / f"{stem}.jpg").write_bytes(jpeg)
            write_landmarks(root / "landmarks" / name / f"{stem}.txt", s.landmarks)
            cv2.imwrite(str(root / "masks" / name / f"{stem}.png"), s.mask)
            rows.append([f"images/{name}/{stem}.jpg", label, name, f"{s.pose.yaw:.2f}", f"{s.pose.pitch:.2f}",
                         f"{s.pose.roll:.2f}"])
            rec_items.append((label, jpeg))
    with open(root / "meta.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "identity", "yaw", "pitch", "roll"])
        w.writerows(rows)
    return rec_items, rows


def _make_pairs(names: list[str], per_id: int, cfg: FaceDataConfig, stream: int = 99):
    """Balanced folds; each fold draws from its own slice of identities, as LFW's folds do."""
    rng = np.random.default_rng([cfg.seed, stream])
    half = cfg.pairs_per_fold // 2
    chunks = np.array_split(np.arange(len(names)), cfg.folds) if len(names) >= 2 * cfg.folds else \
        [np.arange(len(names))] * cfg.folds
    folds = []
    for chunk in chunks:
        same, diff = [], []
        for _ in range(half):
            a = names[rng.choice(chunk)]
            i, j = rng.choice(per_id, 2, replace=False) + 1
            same.append((a, i, j))
            a, b = rng.choice(chunk, 2, replace=False)
            diff.append((names[a], rng.integers(per_id) + 1, names[b], rng.integers(per_id) + 1))
        folds.append((same, diff))
    return folds


def _make_fp_pairs(rows: list[list], cfg: FaceDataConfig):
    """Frontal-profile folds (CFP-FP style): each pair is a frontal image (|yaw| < 30°) on the left and
    a profile (|yaw| > 60°) on the right, of the same or of two identities; folds take disjoint
    identity slices (every fold draws from all of them when there are too few). None when fewer than
    two identities have both."""
    frontal, profile = {}, {}
    for path, _, name, yaw, *_ in rows:
        i = int(Path(path).stem.rsplit("_", 1)[1])
        if abs(float(yaw)) < FRONTAL:
            frontal.setdefault(name, []).append(i)
        elif abs(float(yaw)) > PROFILE:
            profile.setdefault(name, []).append(i)
    both = sorted(set(frontal) & set(profile))
    if len(both) < 2:
        return None
    rng = np.random.default_rng([cfg.seed, 98])
    half = cfg.pairs_per_fold // 2
    folds = []
    chunks = np.array_split(np.array(both), cfg.folds) if len(both) >= 2 * cfg.folds else [np.array(both)] * cfg.folds
    for chunk in chunks:
        same, diff = [], []
        for _ in range(half):
            a = str(rng.choice(chunk))
            same.append((a, rng.choice(frontal[a]), rng.choice(profile[a])))
            a, b = (str(v) for v in rng.choice(chunk, 2, replace=False))
            diff.append((a, rng.choice(frontal[a]), b, rng.choice(profile[b])))
        folds.append((same, diff))
    return folds


def build_face_dataset(out: str | Path, cfg: FaceDataConfig) -> dict:
    cfg.check()
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    renderer = FaceRenderer(cfg.image_size)
    train_names = [f"id_{i:05d}" for i in range(cfg.train_identities)]
    verify_names = [f"vid_{i:05d}" for i in range(cfg.verify_identities)]
    val_names = [f"val_{i:05d}" for i in range(cfg.val_identities)]
    try:
        items, _ = _render_split(tmp / "train", train_names, 0, cfg.images_per_identity, cfg, renderer, False,
                                 "train ids", cfg.train_frontal_share)
        write_face_rec(tmp / "train" / "train.rec", tmp / "train" / "train.idx", items)
        (tmp / "train" / "property").write_text(f"{cfg.train_identities},{cfg.image_size},{cfg.image_size}\n")
        _, rows = _render_split(tmp / "verify", verify_names, 10**6, cfg.verify_images_per_identity, cfg, renderer,
                                True, "verify ids")
        write_pairs(tmp / "verify" / "pairs.txt", _make_pairs(verify_names, cfg.verify_images_per_identity, cfg))
        fp = _make_fp_pairs(rows, cfg)
        if fp:
            write_pairs(tmp / "verify" / "pairs_fp.txt", fp)
        if val_names:  # rendered last, from its own identity offset: train/ and verify/ stay as they were
            _render_split(tmp / "val", val_names, 2 * 10**6, cfg.val_images_per_identity, cfg, renderer, True,
                          "val ids")
            write_pairs(tmp / "val" / "pairs.txt", _make_pairs(val_names, cfg.val_images_per_identity, cfg, 97))
        n_images = (cfg.train_identities * cfg.images_per_identity
                    + cfg.verify_identities * cfg.verify_images_per_identity
                    + cfg.val_identities * cfg.val_images_per_identity)
        info = {"kind": "face", "config": asdict(cfg), "images": n_images}
        (tmp / "dataset.json").write_text(json.dumps(info, indent=2))  # no timing: same config, same bytes (DVC)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return info
