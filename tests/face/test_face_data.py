import json

import numpy as np
import pytest

from paperline.core.errors import DataError
from paperline.face.formats import list_image_folder, load_train_set, read_pairs
from paperline.faceimage import landmarks106 as L
from paperline.faceimage.formats import decode_image, read_landmarks, write_landmarks
from paperline.faceimage.renderer import FaceRenderer, Pose, make_identity


def test_renderer_is_deterministic_and_exact():
    r = FaceRenderer(112)
    a = r.render(make_identity(np.random.default_rng(1)), np.random.default_rng(2))
    b = r.render(make_identity(np.random.default_rng(1)), np.random.default_rng(2))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert a.image.shape == (112, 112, 3) and a.image.dtype == np.uint8
    assert a.landmarks.shape == (106, 2)
    assert set(np.unique(a.mask)) <= set(range(11))


def test_frontal_face_has_every_part_and_jd_geometry():
    r = FaceRenderer(112)
    s = r.render(make_identity(np.random.default_rng(4)), np.random.default_rng(5), Pose(0, 0, 0))
    present = set(np.unique(s.mask).tolist())
    assert {1, 2, 3, 4, 5, 6, 7, 9}.issubset(present)
    lm = s.landmarks
    assert (lm >= 0).all() and (lm < 112).all()
    assert lm[104, 0] < lm[105, 0]          # left pupil is image-left
    assert lm[84, 0] < lm[90, 0]            # mouth corners left/right
    assert lm[16, 1] > lm[54, 1] > lm[104, 1]  # chin below nose tip below eyes
    # eye masks sit where the eye landmarks are
    for ring, cls in ((L.LEFT_EYE, 4), (L.RIGHT_EYE, 5)):
        cx, cy = lm[ring].mean(0).round().astype(int)
        assert s.mask[cy, cx] == cls


def test_profile_hides_the_far_eye():
    r = FaceRenderer(112)
    ident = make_identity(np.random.default_rng(4))
    s = r.render(ident, np.random.default_rng(5), Pose(85, 0, 0))
    assert (s.mask == 4).sum() == 0 or (s.mask == 5).sum() == 0


def test_identities_differ_and_poses_span_the_range():
    a, b = make_identity(np.random.default_rng(1)), make_identity(np.random.default_rng(2))
    assert not np.allclose(a.skin, b.skin)
    r = FaceRenderer(112)
    yaws = [r.sample_pose(np.random.default_rng(i)).yaw for i in range(400)]
    assert min(yaws) < -80 and max(yaws) > 80


def test_flip_permutation_is_an_involution_and_swaps_sides():
    perm = L.horizontal_flip_permutation()
    assert [perm[p] for p in perm] == list(range(106))
    assert perm[104] == 105 and perm[84] == 90 and perm[0] == 32 and perm[54] == 54


def test_built_dataset_has_every_format(tiny_dataset):
    info = json.loads((tiny_dataset / "dataset.json").read_text())
    assert info["images"] == 8 * 4 + 20 * 3 + 4 * 3
    x_rec, y_rec = load_train_set(tiny_dataset / "train", fmt="rec")
    x_dir, y_dir = load_train_set(tiny_dataset / "train", fmt="folder")
    assert x_rec.shape == (32, 112, 112, 3) and np.array_equal(x_rec, x_dir) and np.array_equal(y_rec, y_dir)
    assert (tiny_dataset / "train" / "property").read_text().strip() == "8,112,112"
    pairs = read_pairs(tiny_dataset / "verify" / "pairs.txt", tiny_dataset / "verify" / "images")
    assert len(pairs) == 40 and sum(p.same for p in pairs) == 20
    train_ids = set(list_image_folder(tiny_dataset / "train" / "images")[2])
    verify_ids = {p.left.parent.name for p in pairs} | {p.right.parent.name for p in pairs}
    assert not train_ids & verify_ids
    val_pairs = read_pairs(tiny_dataset / "val" / "pairs.txt", tiny_dataset / "val" / "images")  # LFW format too
    val_ids = {p.left.parent.name for p in val_pairs} | {p.right.parent.name for p in val_pairs}
    assert len(val_pairs) == 40 and sum(p.same for p in val_pairs) == 20 and len(val_ids) == 4
    assert not val_ids & (train_ids | verify_ids)
    lm = read_landmarks(next((tiny_dataset / "train" / "landmarks").rglob("*.txt")))
    assert lm.shape == (106, 2)
    import cv2
    mask = cv2.imread(str(next((tiny_dataset / "train" / "masks").rglob("*.png"))), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (112, 112) and mask.max() <= 10


def test_pairs_naming_missing_files_fail_with_the_names(dataset_copy):
    victim = next((dataset_copy / "verify" / "images").rglob("*.jpg"))
    victim.unlink()
    pairs_txt = dataset_copy / "verify" / "pairs.txt"
    if victim.parent.name not in pairs_txt.read_text():
        pytest.skip("victim not in pairs")
    with pytest.raises(DataError, match="missing image files"):
        read_pairs(pairs_txt, dataset_copy / "verify" / "images")


def test_pairs_header_mismatch(tmp_path):
    (tmp_path / "pairs.txt").write_text("10\t300\nA\t1\t2\n")
    with pytest.raises(DataError, match="header promises"):
        read_pairs(tmp_path / "pairs.txt", tmp_path)


def test_corrupt_image_names_the_file(tmp_path):
    p = tmp_path / "x.jpg"
    p.write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(DataError, match="x.jpg: cannot decode"):
        decode_image(p.read_bytes(), str(p))


def test_landmark_files_with_wrong_count_or_nan(tmp_path):
    write_landmarks(tmp_path / "ok.txt", np.zeros((106, 2)))
    assert read_landmarks(tmp_path / "ok.txt").shape == (106, 2)
    write_landmarks(tmp_path / "bad.txt", np.zeros((68, 2)))
    with pytest.raises(DataError, match="expected 106 points"):
        read_landmarks(tmp_path / "bad.txt")
    (tmp_path / "nan.txt").write_text("106\n" + "nan 1\n" * 106)
    with pytest.raises(DataError, match="NaN"):
        read_landmarks(tmp_path / "nan.txt")


def test_rebuilding_with_the_same_config_gives_the_same_bytes(tmp_path):
    """DVC hashes the output: a rebuild must not change it (no timings or dates in the files)."""
    from paperline.core.ingest import tree_md5
    from paperline.face.build import FaceDataConfig, build_face_dataset

    cfg = FaceDataConfig(train_identities=3, images_per_identity=2, verify_identities=2, verify_images_per_identity=2,
                         val_identities=2, val_images_per_identity=2,
                         pairs_per_fold=2, folds=2, seed=9)
    build_face_dataset(tmp_path / "a", cfg)
    build_face_dataset(tmp_path / "b", cfg)
    assert tree_md5(tmp_path / "a") == tree_md5(tmp_path / "b")
