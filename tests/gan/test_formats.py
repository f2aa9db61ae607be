"""The real formats and their bad inputs: IDX, CIFAR-10 batches (restricted unpickling), image
folders; the real Fashion-MNIST files from Debian."""

import gzip
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from paperline.core.errors import DataError
from paperline.gan.config import FASHION
from paperline.gan.formats import read_cifar_batch, read_idx, read_split, to_training, write_cifar_batch, write_idx


def test_the_real_fashion_mnist_reads_in_its_idx_format():
    train, test = read_split(FASHION, "train"), read_split(FASHION, "test")
    assert train.images.shape == (60000, 28, 28, 1) and test.images.shape == (10000, 28, 28, 1)
    assert np.bincount(train.labels).tolist() == [6000] * 10
    x = to_training(test.images[:5], 32)
    assert x.shape == (5, 1, 32, 32) and x.min() == -1 and x.max() <= 1


@pytest.mark.parametrize("compress", [True, False])
def test_idx_roundtrip(tmp_path, compress):
    a = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    write_idx(tmp_path / "a.idx", a, compress)
    assert np.array_equal(read_idx(tmp_path / "a.idx"), a)


def test_idx_with_a_wrong_magic_or_a_truncated_body_is_refused(tmp_path):
    a = np.zeros((3, 4, 4), np.uint8)
    write_idx(tmp_path / "a.gz", a)
    raw = gzip.decompress((tmp_path / "a.gz").read_bytes())
    (tmp_path / "magic").write_bytes(b"\x12\x34" + raw[2:])
    with pytest.raises(DataError, match=r"magic.*magic number 1234"):
        read_idx(tmp_path / "magic")
    (tmp_path / "short").write_bytes(raw[:-5])
    with pytest.raises(DataError, match=r"short: IDX body truncated: dimensions 3x4x4 need 48 bytes .* found 43"):
        read_idx(tmp_path / "short")
    (tmp_path / "cut.gz").write_bytes((tmp_path / "a.gz").read_bytes()[:-6])
    with pytest.raises(DataError, match="cut.gz: corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")


def test_idx_labels_out_of_range_are_refused(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.ones((4, 8, 8), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([0, 3, 12, 9], np.uint8))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz: label 12 at index 2 is outside 0..9"):
        read_split(tmp_path, "train")


def test_cifar_batches_roundtrip_in_the_python_layout(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write_cifar_batch(root / name, imgs, [0, 1, 2, 3, 4, 9])
    x, y = read_cifar_batch(root / "data_batch_1")
    assert np.array_equal(x, imgs) and y.tolist() == [0, 1, 2, 3, 4, 9]
    # the layout: each row is 1024 R, then G, then B values
    raw = pickle.load(open(root / "test_batch", "rb"), encoding="bytes")[b"data"]
    assert raw[0, 1024] == imgs[0, 0, 0, 1]
    train = read_split(tmp_path, "train")
    assert train.images.shape == (30, 32, 32, 3) and train.classes == 10


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_hostile_pickle_is_refused_without_running_anything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": _Evil(), b"labels": [0]}))
    with pytest.raises(DataError, match=r"data_batch_1: not a CIFAR-10 batch: refused global (posix|os)\.system"):
        read_cifar_batch(tmp_path / "data_batch_1")
    assert not (tmp_path / "pwned").exists()


def test_pickles_that_are_not_cifar_batches(tmp_path):
    (tmp_path / "list").write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(DataError, match="list: not a CIFAR-10 batch: holds a list"):
        read_cifar_batch(tmp_path / "list")
    (tmp_path / "shape").write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataError, match=r"shape: b'data' is uint8 \(2, 100\), expected uint8 \(N, 3072\)"):
        read_cifar_batch(tmp_path / "shape")
    (tmp_path / "labels").write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}))
    with pytest.raises(DataError, match="labels: label 10 at index 1 is outside 0..9"):
        read_cifar_batch(tmp_path / "labels")
    good = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]})
    (tmp_path / "cut").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="cut: not a readable pickle"):
        read_cifar_batch(tmp_path / "cut")


def _folder(root: Path, n: int, size=(40, 48)) -> Path:
    folder = root / "img_align_celeba"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(2)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(folder / f"{i + 1:06d}.jpg")
    return folder


def test_image_folder_with_partition_crop_and_resize(tmp_path):
    _folder(tmp_path, 6)
    (tmp_path / "list_eval_partition.txt").write_text("".join(f"{i + 1:06d}.jpg {p}\n"
                                                              for i, p in enumerate([0, 0, 0, 1, 2, 2])))
    train, test = read_split(tmp_path, "train", crop=36, size=32), read_split(tmp_path, "test", crop=36, size=32)
    assert train.images.shape == (3, 32, 32, 3) and test.images.shape == (2, 32, 32, 3) and train.labels is None


def test_image_folder_with_an_unreadable_file_or_mixed_sizes_is_refused(tmp_path):
    folder = _folder(tmp_path / "a", 3)
    (folder / "000002.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="000002.jpg: unreadable image"):
        read_split(tmp_path / "a", "train")
    folder = _folder(tmp_path / "b", 3)
    Image.new("RGB", (20, 20)).save(folder / "000003.jpg")
    with pytest.raises(DataError, match="000003.jpg: size 20x20 differs from 000001.jpg's 40x48"):
        read_split(tmp_path / "b", "train")
    with pytest.raises(DataError, match="no image set found"):
        read_split(tmp_path, "train")
