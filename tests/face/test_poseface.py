"""PoseFace: yaw from landmarks, the pose-adaptive head, the trainer, the data's frontal-profile pairs,
accuracy by yaw bucket, and training images without landmarks."""

import csv
import math
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from paperline.core.errors import DataError
from paperline.face.heads import ArcFaceHead, CosFaceHead, PoseFaceHead, pose_margin
from paperline.face.pose import YawEstimator, bucket_of, yaw_ratio
from paperline.face.poseface import PoseFaceTrainConfig, load_pose_train_set, pose_weights, train_poseface
from paperline.faceimage.renderer import FaceRenderer, Pose, make_identity


def _landmarks(yaw, seed=0):
    ident = make_identity(np.random.default_rng(seed))
    return FaceRenderer(112).render(ident, np.random.default_rng(seed + 1), Pose(yaw, 0.0, 0.0)).landmarks


def test_yaw_ratio_rises_with_yaw_and_ignores_roll_scale_and_shift():
    yaws = [-75, -60, -45, -30, -15, 0, 15, 30, 45, 60, 75]
    r = [yaw_ratio(_landmarks(y)) for y in yaws]
    assert np.all(np.diff(r) > 0), r  # image-right turn = positive, monotone up to near-profile
    pts = _landmarks(40.0)
    a = math.radians(20)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    moved = (pts - 56) @ rot.T * 1.7 + np.array([10.0, -5.0])
    assert yaw_ratio(moved) == pytest.approx(yaw_ratio(pts), abs=1e-9)


def test_estimator_fit_recovers_the_constant_and_predicts_degrees():
    yaw = np.linspace(-80, 80, 33)
    ratio = 0.6 * np.sin(np.radians(yaw))
    est = YawEstimator().fit(ratio, yaw)
    assert est.c == pytest.approx(0.6)
    assert np.allclose(est.predict(ratio), yaw)
    assert est.predict(np.array([5.0]))[0] == pytest.approx(90.0)  # beyond the model: clipped, not NaN
    with pytest.raises(DataError, match="every recorded yaw is 0"):
        YawEstimator().fit(np.ones(3), np.zeros(3))


def test_estimator_error_on_rendered_faces(tiny_dataset):
    """Calibrated on the training landmarks, measured on the unseen verification faces."""
    from paperline.face.formats import list_image_folder
    from paperline.face.pose import load_landmarks, recorded_yaw

    fit = {}
    for split in ("train", "verify"):
        d = tiny_dataset / split
        paths, _, _ = list_image_folder(d / "images")
        r = yaw_ratio(load_landmarks(paths, d / "images", d / "landmarks", "test"))
        fit[split] = (r, recorded_yaw(d, paths))
    est = YawEstimator().fit(*fit["train"])
    r, yaw = fit["verify"]
    err = np.abs(est.predict(r) - yaw)
    assert err.mean() < 15 and err[np.abs(yaw) < 30].mean() < 8, (err.mean(), est.c)


def test_margin_grows_with_yaw_and_weights_follow_inverse_bin_frequency():
    m = pose_margin(np.array([0.0, 30.0, 60.0, 90.0]), 0.35, 0.15)
    assert np.allclose(m, [0.35, 0.40, 0.45, 0.50]) and np.all(np.diff(m) > 0)
    # three faces in the 0-15° bin, one in 45-60°: 1/freq = 4/3, 4/3, 4/3, 4 (mean 2), normalised to mean 1
    w = pose_weights(np.array([5.0, 5.0, 10.0, 50.0]), gamma=1.0)
    assert np.allclose(w, [2 / 3, 2 / 3, 2 / 3, 2])
    assert np.allclose(pose_weights(np.array([5.0, 50.0, 80.0]), gamma=1.0), 1.0)  # balanced: all equal
    assert np.allclose(pose_weights(np.array([5.0, 5.0, 10.0, 50.0]), gamma=0.0), 1.0)


def _head(base, m0=0.35, lam=0.15):
    torch.manual_seed(0)
    head = PoseFaceHead(8, 5, s=32.0, m=m0, base=base, pose_lambda=lam, pose_dim=4).eval()
    return head


@pytest.mark.parametrize("base,plain", [("cosface", CosFaceHead), ("arcface", ArcFaceHead)])
def test_head_applies_each_samples_own_margin(base, plain):
    """Per sample, the logits equal the plain head's with m = m0 + λ|ψ|/90 (on the identity feature)."""
    head = _head(base)
    x, y = torch.randn(4, 8), torch.tensor([0, 1, 2, 4])
    abs_yaw = torch.tensor([0.0, 20.0, 60.0, 90.0])
    side = torch.stack([abs_yaw / 90, torch.ones(4)], 1)
    logits = head(x, y, side)
    f_id = head.id_proj(x)
    for i in range(4):
        ref = plain(8, 5, s=32.0, m=float(pose_margin(abs_yaw[i], 0.35, 0.15)))
        ref.weight.data.copy_(head.weight.data)
        assert torch.allclose(logits[i], ref(f_id[i:i + 1], y[i:i + 1])[0], atol=1e-5)
    # without pose the frontal margin applies and no auxiliary term is computed
    ref = plain(8, 5, s=32.0, m=0.35)
    ref.weight.data.copy_(head.weight.data)
    assert torch.allclose(head(x, y), ref(f_id, y), atol=1e-5) and head.terms == {}


def test_head_loss_weights_samples_and_adds_the_pose_terms():
    head = _head("cosface")
    x, y = torch.randn(6, 8), torch.tensor([0, 1, 2, 3, 4, 0])
    w = torch.tensor([0.5, 0.5, 1.0, 1.0, 1.5, 1.5])
    side = torch.stack([torch.linspace(0, 1, 6), w], 1)
    logits = head(x, y, side)
    a, b = F.normalize(head.id_proj(x), dim=1).detach(), F.normalize(head.pose_proj(x), dim=1).detach()
    ortho = sum(float(a[i] @ a[j]) * float(b[i] @ b[j]) for i in range(6) for j in range(6)) / 36
    assert head.terms["ortho"].item() == pytest.approx(ortho, rel=1e-4)
    pose = F.mse_loss(head.pose_reg(head.pose_proj(x)).squeeze(1), side[:, 0])
    ce = (F.cross_entropy(logits, y, reduction="none") * w).mean()
    assert head.loss(logits, y).item() == pytest.approx((ce + ortho + pose).item(), rel=1e-4)


def test_trainer_estimates_pose_and_embeds_with_the_identity_part(tiny_dataset, tmp_path):
    images, labels, extra = load_pose_train_set(tiny_dataset / "train", 112)
    assert extra["landmarks"].shape == (len(images), 106, 2) and extra["recorded_yaw"].shape == (len(images),)
    cfg = PoseFaceTrainConfig(width=0.25, input_size=32, embedding_size=16, pose_dim=4, epochs=2, batch_size=8,
                              threads=1)
    model, hist = train_poseface(images, labels, cfg, tmp_path / "w", **extra)
    assert {"ortho", "pose_mse", "yaw_mae_deg", "yaw_scale_c"} <= set(hist[-1])
    assert 0.0 <= hist[-1]["ortho"] <= 1.0 and hist[-1]["yaw_mae_deg"] < 20
    from paperline.face.train import embed_images

    emb = embed_images(model, images[:5])
    assert emb.shape == (5, 16) and np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-5)
    again, _ = train_poseface(images, labels, cfg, tmp_path / "w2", **extra)
    assert np.allclose(embed_images(again, images[:5]), emb, atol=1e-5)  # seeded: the same model
    plain, hist = train_poseface(images, labels, PoseFaceTrainConfig(**{**cfg.__dict__, "head": "cosface"}),
                                 tmp_path / "w3", **extra)  # the baseline: same data, no pose terms
    assert "ortho" not in hist[-1] and embed_images(plain, images[:5]).shape == (5, 16)


def test_training_images_without_landmarks_are_refused(dataset_copy, tmp_path, home):
    """Caught before the MLflow run starts: no model file, nothing to register."""
    from paperline.face import stages as face

    victim = sorted((dataset_copy / "train" / "landmarks").rglob("*.txt"))[3]
    victim.unlink()
    model_path = tmp_path / "out" / "model.pt"
    cfg = PoseFaceTrainConfig(width=0.25, input_size=32, embedding_size=16, epochs=1, batch_size=8)
    with pytest.raises(DataError, match="1 of 32 images have no landmark file") as e:
        face.train(str(dataset_copy), str(model_path), cfg, "poseface", "t", {})
    assert str(victim) in str(e.value) and "needs 106 points per image" in str(e.value)
    assert not model_path.exists()
    shutil.rmtree(dataset_copy / "train" / "images")
    with pytest.raises(DataError, match="RecordIO carries no landmarks"):
        load_pose_train_set(dataset_copy / "train")


def test_frontal_profile_pairs_and_frontal_heavy_training(tmp_path):
    from paperline.face.build import FaceDataConfig, build_face_dataset
    from paperline.face.formats import read_meta, read_pairs

    out = tmp_path / "f"
    build_face_dataset(out, FaceDataConfig(train_identities=20, images_per_identity=10, verify_identities=24,
                                           verify_images_per_identity=6, val_identities=0, folds=2, pairs_per_fold=10,
                                           train_frontal_share=0.8, seed=4))
    train_yaw = np.array([abs(float(r["yaw"])) for r in read_meta(out / "train" / "meta.csv")])
    assert 0.7 < (train_yaw < 30).mean() < 0.9 and train_yaw.max() > 60
    yaw = {r["path"]: abs(float(r["yaw"])) for r in read_meta(out / "verify" / "meta.csv")}
    pairs = read_pairs(out / "verify" / "pairs_fp.txt", out / "verify" / "images")
    assert len(pairs) == 20 and sum(p.same for p in pairs) == 10 and {p.fold for p in pairs} == {0, 1}
    rel = lambda p: p.relative_to(out / "verify").as_posix()  # noqa: E731
    assert all(yaw[rel(p.left)] < 30 and yaw[rel(p.right)] > 60 for p in pairs)
    assert all((p.left.parent == p.right.parent) == p.same for p in pairs)


def test_evaluation_reports_accuracy_by_yaw_bucket_and_frontal_profile(tiny_dataset):
    """Bucket accuracies are the fold-threshold decisions of all pairs, split by the pair's larger |yaw|."""
    from paperline.face.backbones import get_backbone
    from paperline.face.scoring import verification_metrics
    from paperline.face.stages import embed_verification
    from paperline.face.train import FaceEmbedder

    torch.manual_seed(0)
    model = FaceEmbedder(get_backbone("mobilefacenet", 16, 32, 0.25), 32).eval()
    metrics, curves, groups, *_ = verification_metrics(str(tiny_dataset), embed_verification(model, str(tiny_dataset)))
    yaw = {r["path"]: float(r["yaw"]) for r in csv.DictReader(open(tiny_dataset / "verify" / "meta.csv"))}
    from paperline.face.formats import read_pairs

    pairs = read_pairs(tiny_dataset / "verify" / "pairs.txt", tiny_dataset / "verify" / "images")
    top = np.array([max(abs(yaw[p.left.relative_to(tiny_dataset / "verify").as_posix()]),
                        abs(yaw[p.right.relative_to(tiny_dataset / "verify").as_posix()])) for p in pairs])
    counts = np.bincount(bucket_of(top), minlength=3)
    acc = {k: v for k, v in metrics.items() if k.startswith("accuracy_yaw_")}
    assert len(acc) == (counts > 0).sum() and all(0 <= v <= 1 for v in acc.values())
    overall = sum(acc[f"accuracy_yaw_{lo}_{lo + 30}"] * counts[k] for k, lo in enumerate((0, 30, 60)) if counts[k])
    assert overall / len(pairs) == pytest.approx(metrics["verification_accuracy"], abs=1e-9)  # equal-size folds
    assert metrics["frontal_profile_pairs"] == 40 and 0 <= metrics["frontal_profile_accuracy"] <= 1
    assert len(curves) == 2 and "frontal-profile" in groups
