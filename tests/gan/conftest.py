import numpy as np
import pytest


def write_fashion_subset(out, train: int, test: int, seed: int = 0):
    """A small IDX set cut from the real Fashion-MNIST (every class in both splits)."""
    from paperline.gan.config import FASHION
    from paperline.gan.formats import read_split, write_idx

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for split, n, prefix in (("train", train, "train"), ("test", test, "t10k")):
        s = read_split(FASHION, split)
        idx = rng.choice(len(s.images), n, replace=False)
        write_idx(out / f"{prefix}-images-idx3-ubyte.gz", s.images[idx, :, :, 0])
        write_idx(out / f"{prefix}-labels-idx1-ubyte.gz", s.labels[idx].astype(np.uint8))
    return out


@pytest.fixture(scope="session")
def tiny_fashion(tmp_path_factory):
    return write_fashion_subset(tmp_path_factory.mktemp("fashion") / "fm", 600, 300)


@pytest.fixture
def fashion_copy(tiny_fashion, tmp_path):
    import shutil

    return shutil.copytree(tiny_fashion, tmp_path / "fm")
