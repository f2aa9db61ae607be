"""The giu-gan pipeline end to end through kfp.local on a small cut of the real Fashion-MNIST (two
models, one short epoch), then `paperline sample` from the champion; a run on bad data registers
nothing."""

import pytest
from PIL import Image
from support.browser import check_report, report_of
from support.cli import full_log, open_home, registry, run_cli

pytestmark = pytest.mark.e2e

TINY = {"models": "giu-gan,sngan", "epochs": 1, "train_images": 256, "classifier_epochs": 1,
        "classifier_images": 600, "eval_samples": 300, "curve_samples": 100, "kid_subsets": 5, "grid": 16,
        "model_name": "gan-e2e"}


def _args(extra=()):
    return [a for k, v in {**TINY, **dict(extra)}.items() for a in ("--set", f"{k}={v}")]


def test_giu_gan_pipeline_and_the_sample_command(tiny_fashion, tmp_path, browser):
    home = tmp_path / "home"
    res = run_cli(["run", "giu-gan", "--set", f"data_path={tiny_fashion}", *_args()], home)
    out = full_log(res)
    assert res.returncode == 0, out[-4000:]
    assert "giu-gan: generator" in out and "sngan: generator" in out and "FID on a Fashion-MNIST" in out
    c = open_home(home)
    run = c.get_run(c.get_model_version("gan-e2e", "1").tags["run_id"])
    m = run.data.metrics
    for model in ("giu_gan", "sngan"):
        assert {f"{model}_fid", f"{model}_kid", f"{model}_is", f"{model}_precision", f"{model}_recall",
                f"{model}_g_params", f"{model}_fid_curve"} <= set(m)
        assert m[f"{model}_fid"] >= 0 and 1 <= m[f"{model}_is"] <= 10 and 0 <= m[f"{model}_precision"] <= 1
    assert m["fid"] == m["giu_gan_fid"] and "features_test_accuracy" in m
    assert abs(m["giu_gan_g_params"] - m["sngan_g_params"]) / m["giu_gan_g_params"] <= 0.05
    assert run.data.tags["gan.metrics_on"] == "a Fashion-MNIST-style classifier's features"
    assert {f.path for f in c.list_artifacts(run.info.run_id, "samples/giu-gan")} == {
        "samples/giu-gan/giu_gan_epoch_001.png"}
    arts = {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/samples.png", "evaluation/fid_curve.png", "evaluation/report.md"} <= arts
    check_report(browser, report_of(home), m, tmp_path / "report.png")  # the KFP report, in Chromium
    assert registry(home, "gan-e2e") == ([1], "1")

    grid = tmp_path / "grid.png"
    res = run_cli(["sample", "--model", "models:/gan-e2e@champion", "-n", "16", "-o", str(grid)], home)
    assert res.returncode == 0, res.stderr[-2000:]
    assert Image.open(grid).size == (2 * (4 * 34 + 2), 2 * (4 * 34 + 2))  # 4x4 tiles of 32 px, 2 px gaps, x2
    bad = run_cli(["sample", "--model", "models:/gan-e2e@champion", "-n", "0", "-o", str(tmp_path / "b.png")], home)
    assert bad.returncode != 0 and "-n must be >= 1" in bad.stderr and not (tmp_path / "b.png").exists()


def test_a_run_on_bad_images_registers_nothing(fashion_copy, tmp_path):
    import gzip

    f = fashion_copy / "t10k-images-idx3-ubyte.gz"
    f.write_bytes(gzip.compress(gzip.decompress(f.read_bytes())[:-100]))
    home = tmp_path / "home"
    res = run_cli(["run", "giu-gan", "--set", f"data_path={fashion_copy}", *_args()], home)
    assert res.returncode != 0
    assert "t10k-images-idx3-ubyte.gz: IDX body truncated" in full_log(res)
    assert registry(home, "gan-e2e") == ([], None)
