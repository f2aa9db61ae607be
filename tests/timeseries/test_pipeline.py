"""The kdctime pipeline end to end through kfp.local on ItalyPowerDemand."""

import pytest
from support.cli import full_log, open_home, run_cli, task_artifact_metadata

pytestmark = pytest.mark.e2e

def test_kdctime_pipeline(tmp_path):
    """Teacher members in a ParallelFor, soft labels, KDCT calibration, the student, ROCKET in the same
    run, registration; `paperline report` prints the paper's rows beside ours. (Bad input stops at
    validate-ucr, which every training step waits for: tests/test_kdctime.py and the compile test.)"""
    from paperline.timeseries.build import UCRDataConfig, build_ucr_dataset

    data = tmp_path / "ucr"
    build_ucr_dataset(data, UCRDataConfig(datasets=["ItalyPowerDemand"]))
    home = tmp_path / "home"
    args = ["--set", "dataset=ItalyPowerDemand", "--set", "epochs=2", "--set", "members=2",
            "--set", "rocket_kernels=200", "--set", "threads=1", "--set", "model_name=kdct-e2e"]
    res = run_cli(["run", "kdctime", "--set", f"data_path={data}", *args], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = full_log(res)
    assert "teacher member 2/2 on ItalyPowerDemand" in out and "teacher (2 nets)" in out
    assert "ROCKET (200 kernels) fitted on 67 series" in out and "kdct-e2e version 1" in res.stdout
    c = open_home(home)
    run = c.get_run(c.get_model_version("kdct-e2e", "1").tags["run_id"])
    assert run.data.tags["dataset"] == "ItalyPowerDemand" and run.data.params["variant"] == "kdct"
    assert {"accuracy", "teacher_accuracy", "rocket_accuracy", "speedup_vs_rocket", "mispredicted_share",
            "teacher_train_accuracy", "speedup_vs_rocket_single", "student_ms_single", "rocket_ms_single"
            } <= set(run.data.metrics)
    # the arithmetic beside the timings: ItalyPowerDemand's 24 points through the (smaller) test nets
    assert run.data.metrics["student_macs"] > 0 and run.data.metrics["rocket_macs"] > 24 * 200
    assert 0.5 < run.data.metrics["rocket_accuracy"] <= 1
    assert "evaluation/comparison.png" in {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    # KFP's confusion-matrix view: the student's predictions over the 2 classes of the 1,029 test series
    cm = task_artifact_metadata(res, "evaluate-timeseries", "confusion")["confusionMatrix"]
    assert [a["displayName"] for a in cm["annotationSpecs"]] == ["1", "2"]
    cells = [r["row"] for r in cm["rows"]]
    assert sum(map(sum, cells)) == 1029
    assert (cells[0][0] + cells[1][1]) / 1029 == pytest.approx(run.data.metrics["accuracy"])
    rep = run_cli(["report", "kdctime"], home)
    assert rep.returncode == 0 and "two orders of magnitude" in rep.stdout
    assert f"latest run {run.info.run_id}" in rep.stdout and "real UCR test split of ItalyPowerDemand" in rep.stdout


