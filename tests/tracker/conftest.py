import shutil

import pytest


@pytest.fixture(scope="session")
def tiny_sequences(tmp_path_factory):
    """Three training and three test sequences (one of each kind) of 24-30 frames, in every layout."""
    from paperline.tracker.config import SequenceDataConfig
    from paperline.tracker.generator import build_sequences_dataset

    out = tmp_path_factory.mktemp("sequences") / "s"
    cfg = SequenceDataConfig(train_sequences=3, test_sequences=3, frames="24,30", face_share=0.5, seed=3)
    return out, build_sequences_dataset(out, cfg)


@pytest.fixture
def sequences_copy(tiny_sequences, tmp_path):
    """A copy of the tiny set a test may damage."""
    root = tmp_path / "s"
    shutil.copytree(tiny_sequences[0], root)
    return root
