import json

import pytest
from typer.testing import CliRunner

from paperline.cli import app

runner = CliRunner()


def test_help_everywhere():
    for args in ([], ["list"], ["data", "build"], ["run"], ["compile"], ["promote"], ["report"]):
        res = runner.invoke(app, [*args, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output


def test_list_shows_papers_arxiv_and_what_runs():
    res = runner.invoke(app, ["list"])
    assert res.exit_code == 0
    line = next(ln for ln in res.output.splitlines() if ln.startswith("mv-softmax"))
    assert "1912.00833" in line and " yes " in line
    assert "kdctime" in res.output and "2112.02291" in res.output


def test_unknown_paper_lists_valid_ones(home):
    for args in (["run", "mv-sofmax"], ["compile", "nope"], ["report", "nope"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and "valid papers: mv-softmax" in res.output


def test_unknown_parameter_lists_valid_ones(home):
    res = runner.invoke(app, ["run", "mv-softmax", "--set", "epoch=3"])
    assert res.exit_code == 2 and "unknown parameter 'epoch'" in res.output and "epochs" in res.output


def test_config_file_and_planned_paper(home, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("head: [not, a, string\n")
    res = runner.invoke(app, ["run", "mv-softmax", "--config", str(cfg)])
    assert res.exit_code == 2 and "not valid YAML" in res.output
    from paperline.core.errors import ConfigError
    from paperline.core.papers import Paper
    from paperline.runner import _check_runs

    with pytest.raises(ConfigError, match="has no pipeline yet"):  # every shelf paper runs now: a declared one
        _check_runs(Paper("planned", "A planned paper", "0000.00000", "gan"))


def test_data_build_writes_the_dataset(tmp_path):
    out = tmp_path / "face"
    res = runner.invoke(app, ["data", "build", "face", "--out", str(out), "--params", str(tmp_path / "none.yaml"),
                              "--set", "train_identities=3", "--set", "images_per_identity=2",
                              "--set", "verify_identities=4", "--set", "verify_images_per_identity=2",
                              "--set", "val_identities=2", "--set", "val_images_per_identity=2",
                              "--set", "pairs_per_fold=2"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "dataset.json").read_text())["images"] == 3 * 2 + 4 * 2 + 2 * 2
    res = runner.invoke(app, ["data", "build", "faces"])
    assert res.exit_code == 2 and "valid datasets: face" in res.output


def test_report_without_runs_and_promote_unknown_model(home):
    res = runner.invoke(app, ["report", "mv-softmax"])
    assert res.exit_code == 0 and "no finished run yet" in res.output and "0.9957" in res.output
    res = runner.invoke(app, ["promote", "no-such-model"])
    assert res.exit_code == 2 and "no-such-model" in res.output
