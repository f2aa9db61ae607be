"""The stages' hooks on a network trained for a few batches: the promotion gate's re-evaluation, the
served model, the trackers' result files, and what training leaves in its model file and checkpoint."""

import json
from dataclasses import replace

import numpy as np
import pytest

from paperline.tracker.config import TrackerConfig

TINY = TrackerConfig(epochs=2, pairs=64, batch_size=16, eao_range="5,20")


@pytest.fixture(scope="module")
def tiny_model(tiny_sequences, tmp_path_factory):
    from paperline.tracker.train import train

    out = tmp_path_factory.mktemp("model")
    _, history = train(tiny_sequences[0] / "davis", TINY, out / "model.pt", out / "work")
    return out / "model.pt", history


def test_training_logs_its_numbers_keeps_its_settings_and_refuses_another_configs_checkpoint(
        tiny_sequences, tiny_model, tmp_path):
    from paperline.core.checkpoint import load_model
    from paperline.core.errors import ConfigError
    from paperline.tracker.train import train

    model_file, history = tiny_model
    assert len(history) == 2 and {"loss", "score_loss", "mask_loss", "peak_hit_rate"} <= set(history[-1])
    assert history[-1]["loss"] < history[0]["loss"] * 1.5 and 0 <= history[-1]["peak_hit_rate"] <= 1
    assert load_model(model_file).config["tracking"] == {**load_model(model_file).config["tracking"],
                                                         "gate": TINY.gate, "coast_frames": TINY.coast_frames}
    work = tmp_path / "work"
    train(tiny_sequences[0] / "davis", replace(TINY, epochs=1), tmp_path / "a.pt", work)
    with pytest.raises(ConfigError, match="different config"):
        train(tiny_sequences[0] / "davis", TINY, tmp_path / "b.pt", work)


def test_track_writes_toolkit_results_and_reevaluate_scores_a_champion(tiny_sequences, tiny_model, tmp_path):
    from paperline.tracker.stages import reevaluate, track_stage

    root = tiny_sequences[0]
    model_file, _ = tiny_model
    speed = track_stage(root, TINY, "pts", model_file, tmp_path / "pts")
    assert speed["tracker"] == "pts" and speed["fps"] > 0 and speed["masks"]
    names = [p.stem for p in sorted((tmp_path / "pts" / "vot").glob("*.txt"))]
    assert len(names) == 3 and json.loads((tmp_path / "pts" / "speed.json").read_text())["frames"] > 0
    first = (tmp_path / "pts" / "vot" / f"{names[0]}.txt").read_text().splitlines()[0]
    assert first == "1"  # VOT: the first frame initialises
    assert len(list((tmp_path / "pts" / "masks" / names[0]).glob("*.png"))) > 20
    eao = reevaluate(model_file, str(root), None)
    assert 0 <= eao <= 1


def test_served_model_tracks_a_video(tiny_sequences, tiny_model, tmp_path):
    import cv2

    from paperline.tracker.sequences import read_vot
    from paperline.tracker.stages import served

    seq = read_vot(tiny_sequences[0] / "vot")[0]
    video = tmp_path / "v.avi"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, seq.frame(0).shape[1::-1])
    for i in range(len(seq)):
        w.write(seq.frame(i))
    w.release()
    boxes = np.array(served(tiny_model[0])({"video": str(video), "box": list(seq.boxes[0])}))
    assert boxes.shape == (len(seq), 4) and np.allclose(boxes[0], seq.boxes[0])
