"""One registry and one promotion gate for every family, against a real (sqlite) MLflow store: the
paper declares the gate's metric, its direction and how a champion is re-evaluated; `paperline
promote MODEL` and the promote component both read it from the version."""

import json
from pathlib import Path

import pytest
from support.artifacts import FAMILY_PAPERS, candidate_run, model_artifact
from typer.testing import CliRunner

from paperline.cli import app
from paperline.core import experiments, promotion
from paperline.core.papers import get_paper

runner = CliRunner()


@pytest.fixture(scope="module")
def eval_data(tiny_dataset, tiny_parsing, tmp_path_factory):
    """Each family's evaluation data, as its promote step receives it, and what its runs record."""
    from paperline.recsys import stages as recsys
    from paperline.recsys.build import InteractionsDataConfig, build_interactions_dataset
    from paperline.timeseries.build import UCRDataConfig, build_ucr_dataset

    root = tmp_path_factory.mktemp("eval")
    build_ucr_dataset(root / "ucr", UCRDataConfig(datasets=["ItalyPowerDemand"]))
    build_interactions_dataset(root / "log", InteractionsDataConfig(rows=20_000, seed=1))
    recsys.validate(str(root / "log"), str(root / "clean"), str(root / "report"))
    recsys.split(str(root / "clean"), str(root / "split"))
    return {"mv-softmax": (tiny_dataset, {"image_size": 112}),
            "jd-landmark": (tiny_parsing / "jd", {"layout": "jd"}),
            "lapa": (tiny_parsing / "lapa", {}),
            "kdctime": (root / "ucr", {"dataset": "ItalyPowerDemand"}),
            "swing": (root / "split", {"click_behaviors": "pv"})}


def _register(paper, tmp_path, name, metric, md5, params, seed=0):
    art = model_artifact(paper, tmp_path / f"art-{seed}-{metric}" / ("index" if paper == "swing" else "model.pt"),
                         seed)
    return promotion.register(str(art), candidate_run(paper, params), name, metric, md5)


def _promote(*args):
    res = runner.invoke(app, ["promote", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output[res.output.index("{"):])


@pytest.mark.parametrize("paper", FAMILY_PAPERS)
def test_promote_by_hand_with_the_papers_gate_and_hook(paper, eval_data, tmp_path, home):
    """`paperline promote MODEL`: the first version is promoted, a worse one kept, one evaluated on
    other data is kept until the champion can be re-evaluated, and then decided on the champion's
    real score on the candidate's data (the family's own hook)."""
    spec, (dataset, params) = get_paper(paper), eval_data[paper]
    name = f"hand-{paper}"
    v1 = _register(paper, tmp_path, name, 0.50, "md5-a", params)
    first = _promote(name)
    assert first["decision"] == "promoted" and first["metric"] == spec.gate_metric
    assert experiments.client().get_model_version(name, v1).tags["paper"] == paper

    _register(paper, tmp_path, name, 0.40, "md5-a", params, seed=1)
    worse = _promote(name)
    assert worse["decision"] == "kept" and worse["champion_metric"] == 0.50 and "does not beat" in worse["reason"]

    v3 = _register(paper, tmp_path, name, 0.90, "md5-b", params, seed=2)
    blind = _promote(name)  # other evaluation data, and no dataset to re-score the champion on
    assert blind["decision"] == "kept" and "cannot be re-evaluated" in blind["reason"]
    run = experiments.client().get_run(experiments.client().get_model_version(name, v1).tags["run_id"])
    expected = spec.reevaluate(promotion.model_artifact(f"models:/{name}/{v1}"), str(dataset), run.data)
    assert 0.0 <= expected <= 1.0
    decided = _promote(name, "--version", v3, "--dataset", str(dataset))
    assert decided["champion_metric"] == pytest.approx(expected)
    assert "re-evaluated" in decided["reason"]
    assert decided["decision"] == ("promoted" if 0.90 > expected else "kept")


def test_the_direction_comes_from_the_paper(home, tmp_path):
    """A lower-is-better gate promotes the smaller number (the gate itself, both directions)."""
    name = "gate-direction"
    v1 = _register("mv-softmax", tmp_path, name, 0.30, "same", {})
    assert promotion.gate(name, v1, "verification_accuracy", higher_is_better=False)["decision"] == "promoted"
    v2 = _register("mv-softmax", tmp_path, name, 0.20, "same", {}, seed=1)
    d = promotion.gate(name, v2, "verification_accuracy", higher_is_better=False)
    assert d["decision"] == "promoted" and d["champion_metric"] == 0.30
    v3 = _register("mv-softmax", tmp_path, name, 0.25, "same", {}, seed=2)
    assert promotion.gate(name, v3, "verification_accuracy", higher_is_better=False)["decision"] == "kept"
    assert str(promotion.champion(name).version) == v2


def test_gate_records_the_decision_on_run_and_version(home, tmp_path):
    name = "gate-record"
    v1 = _register("lapa", tmp_path, name, 0.70, "e", {})
    promotion.promote(name, v1)
    v2 = _register("lapa", tmp_path, name, 0.80, "e", {}, seed=1)
    promotion.promote(name, v2)
    c = experiments.client()
    run = c.get_run(c.get_model_version(name, v2).tags["run_id"])
    assert run.data.tags["promotion.decision"] == "promoted" and run.data.tags["promotion.champion_version"] == v1
    assert run.data.metrics["promotion.champion_mean_f1"] == 0.70
    assert run.data.metrics["promotion.candidate_mean_f1"] == 0.80
    assert c.get_model_version(name, v2).tags["promoted_from"] == v1
    assert str(c.get_model_version_by_alias(name, "challenger").version) == v2


def test_promote_unknown_model_or_no_challenger(home):
    res = runner.invoke(app, ["promote", "no-such-model"])
    assert res.exit_code == 2 and "no 'challenger' version" in res.output


def test_registered_versions_hold_no_pickled_code(home, tmp_path):
    """The logged model is MLflow's models-from-code: the python model is a source file, the artifact
    a state dict plus config (or the index directory)."""
    v = _register("kdctime", tmp_path, "code-model", 0.5, "m", {})
    local = Path(experiments.mlflow().artifacts.download_artifacts(f"models:/code-model/{v}",
                                                                   dst_path=str(tmp_path / "dl")))
    files = {p.name for p in local.rglob("*") if p.is_file()}
    assert "mlflow_model.py" in files and "model.pt" in files
    assert not [f for f in files if f.endswith((".pkl", ".pickle"))], files
    mlmodel = (local / "MLmodel").read_text()
    assert "loader_module: mlflow.pyfunc.loaders.code_model" in mlmodel and "mlflow_model.py" in mlmodel
