"""The registry gate against a real (sqlite) MLflow store."""

import torch

from paperline import tracking


def _candidate(name, acc, md5):
    run_id = tracking.start_run("gate-test", {"kfp.run_id": "local-1"}, {"head": "mv_am"})
    version = tracking.register_model(run_id, torch.nn.Linear(2, 2), name, "verification_accuracy", acc, md5,
                                      ["torch==2.13.0"])
    return run_id, version


def test_challenger_always_champion_only_when_better(home):
    c = tracking.client()
    r1, v1 = _candidate("gate-a", 0.80, "eval-1")
    assert str(c.get_model_version_by_alias("gate-a", "challenger").version) == v1
    d1 = tracking.promote("gate-a", v1, "verification_accuracy")
    assert d1["decision"] == "promoted" and d1["reason"] == "no champion yet"

    _, v2 = _candidate("gate-a", 0.75, "eval-1")
    assert str(c.get_model_version_by_alias("gate-a", "challenger").version) == v2
    d2 = tracking.promote("gate-a", v2, "verification_accuracy")
    assert d2["decision"] == "kept" and d2["champion_metric"] == 0.80
    assert str(c.get_model_version_by_alias("gate-a", "champion").version) == v1

    r3, v3 = _candidate("gate-a", 0.90, "eval-1")
    d3 = tracking.promote("gate-a", v3, "verification_accuracy")
    assert d3["decision"] == "promoted" and str(c.get_model_version_by_alias("gate-a", "champion").version) == v3
    run = c.get_run(r3)
    assert run.data.tags["promotion.decision"] == "promoted"
    assert run.data.metrics["promotion.champion_verification_accuracy"] == 0.80
    assert run.data.metrics["promotion.candidate_verification_accuracy"] == 0.90
    assert c.get_model_version("gate-a", v3).tags["promoted_from"] == v1


def test_other_evaluation_data_needs_a_reevaluation(home):
    c = tracking.client()
    _, v1 = _candidate("gate-b", 0.70, "eval-1")
    tracking.promote("gate-b", v1, "verification_accuracy")
    _, v2 = _candidate("gate-b", 0.95, "eval-2")  # better number, but on different pairs
    kept = tracking.promote("gate-b", v2, "verification_accuracy")
    assert kept["decision"] == "kept" and "other data" in kept["reason"]
    seen = []
    moved = tracking.promote("gate-b", v2, "verification_accuracy",
                             reevaluate=lambda uri: seen.append(uri) or 0.60)
    assert seen == [f"models:/gate-b/{v1}"] and moved["decision"] == "promoted"
    assert str(c.get_model_version_by_alias("gate-b", "champion").version) == v2


def test_homes_do_not_share_state(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("PAPERLINE_HOME", str(tmp_path / "h1"))
    from paperline import settings

    assert settings.tracking_uri() == f"sqlite:///{tmp_path / 'h1' / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert settings.tracking_uri() == "http://127.0.0.1:1"


def test_unreachable_server_is_a_clear_error(monkeypatch):
    import pytest

    from paperline.errors import PaperlineError

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    with pytest.raises(PaperlineError, match="127.0.0.1:9 is unreachable"):
        tracking.check_reachable()
