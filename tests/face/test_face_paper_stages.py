"""F²C and PoseFace through the face stages (train → evaluate → register) with a real MLflow store:
their own trainers and, for PoseFace, its landmark loading, behind the shared face DAG (which
tests/test_pipeline_e2e.py runs through kfp.local with mv-softmax)."""

import pytest

from paperline.core import promotion
from paperline.core.papers import get_paper
from paperline.face import eval_stages
from paperline.face import stages as face

TINY = {"width": 0.25, "input_size": 32, "embedding_size": 16, "epochs": 1, "batch_size": 8, "threads": 1}


@pytest.mark.parametrize("paper,extra", [("f2c", {"batch_size": 4, "pool_size": 8}), ("poseface", {"pose_dim": 4})])
def test_train_evaluate_register(paper, extra, tiny_dataset, tmp_path, home):
    from paperline.core import experiments

    cfg = get_paper(paper).train_config({**TINY, **extra})
    model_path = tmp_path / "model" / "model.pt"
    run_id, history = face.train(str(tiny_dataset), str(model_path), cfg, paper, "t", {})
    face.embed(str(tiny_dataset), str(model_path), str(tmp_path / "embeddings"))
    metrics = eval_stages.evaluate(str(tiny_dataset), str(tmp_path / "embeddings"), str(tmp_path / "eval"), run_id)
    version = promotion.register(str(model_path), run_id, f"{paper}-stages", metrics[eval_stages.METRIC],
                                 metrics["eval_data_md5"])
    assert version == "1"
    run = experiments.client().get_run(run_id)
    assert {"verification_accuracy", "frontal_profile_accuracy", "accuracy_yaw_60_90"} <= set(run.data.metrics)
    arts = {f.path for f in experiments.client().list_artifacts(run_id, "evaluation")}
    assert {"evaluation/roc.png", "evaluation/yaw.png"} <= arts
    # the collapse diagnostics, per epoch and drawn, for these trainers too
    assert {"target_cosine", "hard_share", "probe_mean_norm", "impostor_cosine"} <= set(history[-1])
    assert -1 <= history[-1]["target_cosine"] <= 1 and 0 <= history[-1]["hard_share"] <= 1
    assert {"target_cosine", "probe_mean_norm", "impostor_cosine"} <= set(run.data.metrics)
    assert [f.path for f in experiments.client().list_artifacts(run_id, "training")] == ["training/diagnostics.png"]
    if paper == "poseface":
        assert {"ortho", "pose_mse", "yaw_mae_deg"} <= set(run.data.metrics)
        assert "figures/margin_vs_yaw.png" in {f.path for f in experiments.client().list_artifacts(run_id, "figures")}
    else:
        assert run.data.params["pool_size"] == "8" and "loss" in run.data.metrics
