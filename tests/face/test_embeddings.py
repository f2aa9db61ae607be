"""The embeddings artifact evaluate and index-build share: it round-trips, and it refuses a dataset it
was not made for and a file that is not one."""

import numpy as np
import pytest

from paperline.core.errors import DataError
from paperline.face.embeddings import Embeddings


def test_round_trip_and_the_rows_of_paths(tmp_path):
    root = tmp_path / "verify" / "images"
    paths = [root / "a" / "a_0001.jpg", root / "b" / "b_0001.jpg"]
    vectors = np.eye(2, 4, dtype=np.float32)
    Embeddings.of(root, paths, vectors, "f" * 32).save(tmp_path / "art")
    back = Embeddings.load(tmp_path / "art", root)
    assert back.eval_data_md5 == "f" * 32
    assert np.array_equal(back.rows([paths[1], paths[0]]), vectors[[1, 0]])
    with pytest.raises(DataError, match="has no embedding .*made for another dataset"):
        back.rows([root / "c" / "c_0001.jpg"])
    assert not list((tmp_path / "art").glob("*.tmp*"))  # written whole, then renamed


def test_a_truncated_file_is_refused_with_its_path(tmp_path):
    root = tmp_path / "images"
    path = Embeddings.of(root, [root / "x.jpg"], np.ones((1, 3)), "0" * 32).save(tmp_path / "art")
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match=f"{path}: not a readable embeddings file"):
        Embeddings.load(tmp_path / "art", root)
