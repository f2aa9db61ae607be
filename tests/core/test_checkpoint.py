"""Files the project loads with torch hold tensors and plain data only (`weights_only=True`): a model is
its weights plus the config its family's factory rebuilds it from; anything pickled is refused."""

import collections

import numpy as np
import pytest
import torch
from support.artifacts import model_artifact

from paperline.core.checkpoint import load_file, load_model, rng_state, save_atomic, set_rng_state
from paperline.core.errors import DataError


class Payload:
    """An arbitrary object: what a pickled model or a booby-trapped file carries."""


@pytest.mark.parametrize("paper", ["mv-softmax", "jd-landmark", "lapa", "kdctime"])
def test_models_rebuild_from_weights_and_config(paper, tmp_path):
    path = model_artifact(paper, tmp_path / "model.pt")
    model = load_model(path)
    again = load_model(path)
    assert type(model).__name__ in {"FaceEmbedder", "PIPNet", "BSPNet", "InceptionNet"}
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    raw = torch.load(path, weights_only=True)  # what anyone can open safely
    assert set(raw) == {"format", "factory", "config", "state_dict"} and raw["factory"].startswith("paperline.")


def test_a_file_carrying_a_pickled_object_is_refused(tmp_path):
    path = model_artifact("kdctime", tmp_path / "model.pt")
    data = torch.load(path, weights_only=True)
    torch.save({**data, "extra": Payload()}, tmp_path / "evil.pt")
    with pytest.raises(DataError, match=r"evil\.pt: refused to load: it carries a pickled object"):
        load_model(tmp_path / "evil.pt")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "module.pt")  # the old pickled-module format
    with pytest.raises(DataError, match="refused to load"):
        load_file(tmp_path / "module.pt")


def test_a_factory_must_be_a_marked_paperline_factory(tmp_path):
    path = model_artifact("kdctime", tmp_path / "model.pt")
    data = torch.load(path, weights_only=True)
    for factory, message in [("os:system", "not a paperline model factory"),
                             ("paperline.core.checkpoint:load_file", "not marked as a model factory"),
                             ("paperline.timeseries.inception:nothing_here", "does not exist")]:
        torch.save({**data, "factory": factory}, tmp_path / "f.pt")
        with pytest.raises(DataError, match=message):
            load_model(tmp_path / "f.pt")


def test_truncated_and_mismatched_files_are_clear_errors(tmp_path):
    path = model_artifact("jd-landmark", tmp_path / "model.pt")
    (tmp_path / "cut.pt").write_bytes(path.read_bytes()[:200])
    with pytest.raises(DataError, match="cut.pt: not a readable torch file"):
        load_model(tmp_path / "cut.pt")
    data = torch.load(path, weights_only=True)
    torch.save({**data, "config": {**data["config"], "width": 8}}, tmp_path / "wide.pt")
    with pytest.raises(DataError, match="weights do not fit the network"):
        load_model(tmp_path / "wide.pt")


def test_rng_states_travel_as_tensors(tmp_path):
    rng = np.random.default_rng(7)
    rng.random(5)
    state = rng_state(rng)
    assert isinstance(state, torch.Tensor) and state.dtype == torch.uint8
    save_atomic({"rng": state, "torch": torch.get_rng_state(), "order": collections.OrderedDict(a=1)},
                tmp_path / "c.pt")
    loaded = load_file(tmp_path / "c.pt")
    other = np.random.default_rng(0)
    set_rng_state(other, loaded["rng"])
    assert np.array_equal(other.random(4), rng.random(4))
