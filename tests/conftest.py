import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MLFLOW_ENABLE_LOGGED_MODEL_CREATION", "true")

TINY = dict(train_identities=8, images_per_identity=4, verify_identities=20, verify_images_per_identity=3,
            folds=10, pairs_per_fold=4, image_size=112, seed=3)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A small embedded face set in every format (built once per session)."""
    from paperline.data.face_build import FaceDataConfig, build_face_dataset

    out = tmp_path_factory.mktemp("data") / "face"
    build_face_dataset(out, FaceDataConfig(**TINY))
    return out


@pytest.fixture
def dataset_copy(tiny_dataset, tmp_path) -> Path:
    """A private copy a test may corrupt."""
    dst = tmp_path / "face"
    shutil.copytree(tiny_dataset, dst)
    return dst


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An isolated PAPERLINE_HOME with its own sqlite MLflow store."""
    h = tmp_path / "home"
    monkeypatch.setenv("PAPERLINE_HOME", str(h))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return h
