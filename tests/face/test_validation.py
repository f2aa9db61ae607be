import pytest

from paperline.core.errors import ValidationFailed
from paperline.face.validation import validate_face_dataset


def test_clean_dataset_passes_and_writes_a_report(tiny_dataset, tmp_path):
    stats = validate_face_dataset(tiny_dataset, tmp_path / "r")
    assert stats["success"] and stats["identities"] == 8 and stats["pairs"] == 40
    assert "PASSED" in (tmp_path / "r" / "report.md").read_text()


def test_corrupt_image_fails_and_the_report_names_it(dataset_copy, tmp_path):
    victim = sorted((dataset_copy / "train" / "images").rglob("*.jpg"))[3]
    victim.write_bytes(b"\xff\xd8garbage")
    with pytest.raises(ValidationFailed, match=victim.name):
        validate_face_dataset(dataset_copy, tmp_path / "r")
    report = (tmp_path / "r" / "report.md").read_text()
    assert "FAIL" in report and victim.name in report


def test_wrong_size_and_too_few_images_per_identity(dataset_copy, tmp_path):
    import cv2
    import numpy as np

    victim = sorted((dataset_copy / "train" / "images").rglob("*.jpg"))[0]
    cv2.imwrite(str(victim), np.zeros((90, 90, 3), np.uint8))
    with pytest.raises(ValidationFailed, match="expect_column_values_to_be_between"):
        validate_face_dataset(dataset_copy, tmp_path / "r", min_images=2)
    with pytest.raises(ValidationFailed, match="face_identities|identities"):
        validate_face_dataset(dataset_copy, tmp_path / "r2", size=90, min_images=5)


def test_pairs_pointing_at_missing_files_fail(dataset_copy, tmp_path):
    line = (dataset_copy / "verify" / "pairs.txt").read_text().splitlines()[1]
    name, i = line.split("\t")[:2]
    victim = dataset_copy / "verify" / "images" / name / f"{name}_{int(i):04d}.jpg"
    victim.unlink()
    with pytest.raises(ValidationFailed, match=victim.name):
        validate_face_dataset(dataset_copy, tmp_path / "r")


def test_unbalanced_folds_fail(dataset_copy, tmp_path):
    p = dataset_copy / "verify" / "pairs.txt"
    lines = p.read_text().splitlines()
    first_diff = next(i for i, ln in enumerate(lines[1:], 1) if len(ln.split("\t")) == 4)
    a, i, _, _ = lines[first_diff].split("\t")
    lines[first_diff] = f"{a}\t{i}\t{1 if int(i) != 1 else 2}"  # a different pair turned into a same pair
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed, match="expect_column_pair_values_to_be_equal .fold verify 0"):
        validate_face_dataset(dataset_copy, tmp_path / "r")


def test_truncated_rec_fails_validation(dataset_copy, tmp_path):
    rec = dataset_copy / "train" / "train.rec"
    rec.write_bytes(rec.read_bytes()[: rec.stat().st_size // 2])
    with pytest.raises(ValidationFailed, match=r"train\.rec: truncated"):
        validate_face_dataset(dataset_copy, tmp_path / "r")


def test_a_validation_identity_seen_in_training_fails(dataset_copy, tmp_path):
    """val/ exists so that model choices are made away from the reported pairs: it must stay disjoint."""
    import shutil

    val = dataset_copy / "val" / "images"
    src = sorted(val.iterdir())[0]
    train_name = sorted((dataset_copy / "train" / "images").iterdir())[0].name
    shutil.copytree(src, val / train_name)
    for f in (val / train_name).iterdir():
        f.rename(f.with_name(f.name.replace(src.name, train_name)))
    p = dataset_copy / "val" / "pairs.txt"
    p.write_text(p.read_text().replace(src.name + "\t", train_name + "\t"))
    message = f"val_identities: expect_column_values_to_be_in_set on also_in .identity {train_name}"
    with pytest.raises(ValidationFailed, match=message):
        validate_face_dataset(dataset_copy, tmp_path / "r")


def test_the_validation_split_is_validated_and_counted(tiny_dataset, tmp_path):
    stats = validate_face_dataset(tiny_dataset, tmp_path / "r")
    assert stats["val_pairs"] == 40 and stats["pairs"] == 40  # 10 folds x 4 pairs each
    assert not {p.parent.name for p in (tiny_dataset / "val" / "images").glob("*/*.jpg")} & (
        {p.name for p in (tiny_dataset / "train" / "images").iterdir()}
        | {p.name for p in (tiny_dataset / "verify" / "images").iterdir()})
