"""The jd-landmark pipeline end to end through kfp.local on a tiny set."""

import pytest
from support.cli import open_home, run_cli

pytestmark = pytest.mark.e2e

LM_TINY = ["--set", "epochs=1", "--set", "width=8", "--set", "input_size=64", "--set", "threads=1",
           "--set", "model_name=lm-e2e"]


def test_jd_landmark_pipeline(tiny_parsing, tmp_path):
    """The whole jd-landmark DAG registers a model with its NME/AUC and pictures (bad landmark files:
    tests/test_parsing_data.py, at the validation the pipeline runs before training)."""
    home = tmp_path / "home"
    res = run_cli(["run", "jd-landmark", "--set", f"data_path={tiny_parsing / 'jd'}", *LM_TINY], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "auc@0.08: " in res.stdout and "lm-e2e version 1" in res.stdout
    c = open_home(home)
    run = c.get_run(c.get_model_version("lm-e2e", "1").tags["run_id"])
    assert {"nme", "auc_at_0.08", "fr_at_0.08", "cell_ce"} <= set(run.data.metrics)
    assert {"evaluation/ced.png", "evaluation/overlay.png"} <= {f.path for f in c.list_artifacts(run.info.run_id,
                                                                                                  "evaluation")}


