"""The weak-asr pipeline end to end through kfp.local on the tiny video set (tiny model, one epoch)."""

import pytest
from support.browser import check_report, report_of
from support.cli import full_log, open_home, run_cli

pytestmark = pytest.mark.e2e

TINY = {"ocr_shards": 2, "d_model": 32, "blocks": 1, "heads": 2, "seed_epochs": 1, "pretrain_epochs": 1,
        "finetune_epochs": 1, "target_epochs": 1, "filter_rounds": 1, "weak_ratio": 0.0,
        "ablations": "no-vad,hours=0.5", "beam": 2, "model_name": "weak-asr-e2e"}


def test_weak_asr_pipeline(tiny_videos, tmp_path, browser):
    root, _, _ = tiny_videos
    home = tmp_path / "home"
    args = [a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]
    res = run_cli(["run", "weak-asr", "--set", f"data_path={root}", *args], home)
    out = full_log(res)
    assert res.returncode == 0, out[-4000:]
    assert "OCR shard 1/2" in out and "OCR shard 2/2" in out and "weak corpus:" in out
    assert "seed round 1: trained on" in out and "CER on the target test split:" in out
    assert "weak-asr-e2e version 1" in res.stdout
    c = open_home(home)
    run = c.get_run(c.get_model_version("weak-asr-e2e", "1").tags["run_id"])
    m = run.data.metrics
    assert {"cer", "cer_target_only", "cer_weak_pretrain", "cer_no_vad", "cer_hours_0_5", "label_cer_kept",
            "boundary_start_ms", "agreement_filter_precision", "pretrain_loss", "weak_hours"} <= set(m)
    assert all(v >= 0 for k, v in m.items() if k.startswith("cer"))
    assert 0 < m["weak_hours"] < 0.1 and m["label_cer_all"] < 0.5
    assert "evaluation/systems.png" in {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    check_report(browser, report_of(home), m, tmp_path / "report.png")  # the KFP report, in Chromium
    rep = run_cli(["report", "weak-asr"], home)
    assert rep.returncode == 0 and "WenetSpeech" in rep.stdout
