"""LaPa and JD-landmark layouts (handwritten fixtures), the embedded builder, and their validation."""

import shutil

import cv2
import numpy as np
import pytest

from paperline.core.errors import DataError, ValidationFailed
from paperline.faceimage.layouts import (
    read_jd_split,
    read_label,
    read_lapa_split,
    read_rect,
    write_jd_item,
    write_lapa_item,
)


def _points(n=106, offset=10.0):
    return "\n".join([str(n)] + [f"{offset + i * 0.5:.2f} {offset + i * 0.25:.2f}" for i in range(n)]) + "\n"


def _jpeg(path, size=64):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((size, size, 3), 128, np.uint8))


@pytest.fixture
def lapa(tmp_path):
    """Two faces written by hand in LaPa's layout."""
    d = tmp_path / "LaPa" / "test"
    for name in ("10001_0", "10002_1"):
        _jpeg(d / "images" / f"{name}.jpg")
        (d / "landmarks").mkdir(parents=True, exist_ok=True)
        (d / "landmarks" / f"{name}.txt").write_text(_points())
        lab = np.zeros((64, 64), np.uint8)
        lab[10:20, 10:20] = 1
        lab[12:14, 12:18] = 4
        (d / "labels").mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(d / "labels" / f"{name}.png"), lab)
    return tmp_path / "LaPa"


@pytest.fixture
def jd(tmp_path):
    d = tmp_path / "JD" / "Train"
    for name in ("AFW_1051618982_1_0", "IBUG_image_003_1_0"):
        _jpeg(d / "picture" / f"{name}.jpg")
        (d / "landmark").mkdir(parents=True, exist_ok=True)
        (d / "landmark" / f"{name}.jpg.txt").write_text(_points())
        (d / "rect").mkdir(parents=True, exist_ok=True)
        (d / "rect" / f"{name}.jpg.rect").write_text("5 6 60 62\n")
    return tmp_path / "JD"


def test_lapa_reader_pairs_the_three_files(lapa):
    items = read_lapa_split(lapa, "test")
    assert [i.name for i in items] == ["10001_0", "10002_1"]
    lab = read_label(items[0].label, (64, 64))
    assert lab.dtype == np.uint8 and set(np.unique(lab)) == {0, 1, 4}
    from paperline.faceimage.formats import read_landmarks

    pts = read_landmarks(items[1].landmarks)
    assert pts.shape == (106, 2) and pts[1].tolist() == [10.5, 10.25]


def test_jd_reader_keys_files_by_their_picture(jd):
    items = read_jd_split(jd, "Train")
    assert [i.name for i in items] == ["AFW_1051618982_1_0", "IBUG_image_003_1_0"]
    assert items[0].landmarks.name == "AFW_1051618982_1_0.jpg.txt"
    assert read_rect(items[0].rect).tolist() == [5, 6, 60, 62]


def test_writers_round_trip_through_the_readers(tmp_path):
    pts = np.random.default_rng(0).uniform(5, 60, (106, 2))
    lab = np.random.default_rng(1).integers(0, 11, (64, 64)).astype(np.uint8)
    jpeg = cv2.imencode(".jpg", np.zeros((64, 64, 3), np.uint8))[1].tobytes()
    write_lapa_item(tmp_path / "lapa", "val", "a", jpeg, lab, pts)
    write_jd_item(tmp_path / "jd", "Val", "a", jpeg, pts, [1, 2, 50, 60])
    (item,) = read_lapa_split(tmp_path / "lapa", "val")
    assert np.array_equal(read_label(item.label), lab)
    from paperline.faceimage.formats import read_landmarks

    assert np.allclose(read_landmarks(item.landmarks), pts, atol=1e-3)
    (j,) = read_jd_split(tmp_path / "jd", "Val")
    assert np.allclose(read_landmarks(j.landmarks), pts, atol=1e-3) and read_rect(j.rect).tolist() == [1, 2, 50, 60]


def test_readers_name_the_file_without_a_partner(lapa, jd):
    (lapa / "test" / "labels" / "10002_1.png").unlink()
    with pytest.raises(DataError, match="10002_1.jpg: LaPa image has no label file"):
        read_lapa_split(lapa, "test")
    (jd / "Train" / "landmark" / "extra.jpg.txt").write_text(_points())
    with pytest.raises(DataError, match="extra.jpg.txt: landmark file has no image"):
        read_jd_split(jd, "Train")


def test_label_and_rect_errors_name_the_file(lapa, tmp_path):
    bad = lapa / "test" / "labels" / "10001_0.png"
    cv2.imwrite(str(bad), np.full((64, 64), 11, np.uint8))
    with pytest.raises(DataError, match="10001_0.png: class id 11 found; LaPa ids are 0-10"):
        read_label(bad)
    cv2.imwrite(str(bad), np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(DataError, match="single-channel"):
        read_label(bad)
    (tmp_path / "r.rect").write_text("10 10 5 40\n")
    with pytest.raises(DataError, match="r.rect: expected 'x1 y1 x2 y2'"):
        read_rect(tmp_path / "r.rect")


def test_builder_writes_both_layouts_with_the_same_faces(tmp_path):
    from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset

    info = build_parsing_dataset(tmp_path / "p", ParsingDataConfig(train=6, val=2, test=3, image_size=96, seed=2))
    assert info["images"] == 11 and not (tmp_path / "p.tmp").exists()
    lapa, jd = read_lapa_split(tmp_path / "p" / "lapa", "test"), read_jd_split(tmp_path / "p" / "jd", "Test")
    assert [i.name for i in lapa] == [i.name for i in jd] == ["test_00000", "test_00001", "test_00002"]
    assert lapa[0].image.read_bytes() == jd[0].image.read_bytes()
    from paperline.faceimage.formats import read_landmarks

    for i, j in zip(lapa, jd):
        pts = read_landmarks(i.landmarks)
        x1, y1, x2, y2 = read_rect(j.rect)
        assert (pts >= 0).all() and (pts < 96).all()
        assert x1 <= pts[:, 0].min() + 3 and x2 >= pts[:, 0].max() - 3  # a detector-like box around the face
        assert set(np.unique(read_label(i.label, (96, 96)))) >= {0, 1, 6}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from paperline.faceimage.build import ParsingDataConfig, build_parsing_dataset

    out = tmp_path_factory.mktemp("parsing") / "p"
    build_parsing_dataset(out, ParsingDataConfig(train=4, val=1, test=4, image_size=96))
    return out


@pytest.mark.parametrize("layout,split", [("lapa", "test"), ("jd", "Test")])
def test_validation_passes_on_the_built_set(built, tmp_path, layout, split):
    from paperline.faceimage.validation import validate_parsing_dataset

    stats = validate_parsing_dataset(built / layout, layout, split, tmp_path / "r")
    assert stats["success"] and stats["images"] == 4 and (tmp_path / "r" / "report.md").exists()


def _break(root, kind):
    d = root / "test"
    first = sorted((d / "landmarks").iterdir())[0]
    lines = first.read_text().splitlines()
    if kind == "68 points":
        first.write_text("68\n" + "\n".join(lines[1:69]) + "\n")
        return first.name, "expect_column_values_to_be_between"
    if kind == "105 points":
        first.write_text("\n".join(lines[:-1]) + "\n")
        return first.name, "header_matches"
    if kind == "NaN":
        first.write_text("\n".join(lines[:5] + ["nan 3.0"] + lines[6:]) + "\n")
        return first.name, "finite"
    if kind == "outside":
        first.write_text("\n".join(lines[:5] + ["500.0 3.0"] + lines[6:]) + "\n")
        return first.name, "inside"
    if kind == "mask id 12":
        lab = sorted((d / "labels").iterdir())[1]
        cv2.imwrite(str(lab), np.full((96, 96), 12, np.uint8))
        return lab.name, "max_id"
    if kind == "mismatched name":
        lab = sorted((d / "labels").iterdir())[2]
        lab.rename(lab.with_name("someone_else.png"))
        return "someone_else.png", "has_image"
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["68 points", "105 points", "NaN", "outside", "mask id 12", "mismatched name"])
def test_validation_names_the_bad_file(built, tmp_path, kind):
    from paperline.faceimage.validation import validate_parsing_dataset

    root = tmp_path / "lapa"
    shutil.copytree(built / "lapa", root)
    name, what = _break(root, kind)
    with pytest.raises(ValidationFailed) as e:
        validate_parsing_dataset(root, "lapa", "test", tmp_path / "r")
    assert name in str(e.value), str(e.value)
    assert what in (tmp_path / "r" / "report.md").read_text()
