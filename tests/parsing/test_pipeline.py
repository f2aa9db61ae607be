"""The LaPa pipeline end to end through kfp.local on a tiny set, then a bad mask."""

import pytest
from support.cli import full_log, open_home, run_cli, task_artifact_metadata

pytestmark = pytest.mark.e2e

def test_lapa_pipeline_then_a_mask_with_an_unknown_class(tiny_parsing, tmp_path):
    """Annotation from landmarks, mask validation, BSPNet, F1 and registration; then a test label PNG
    with id 12 stops the run at validation, naming the file, with no new version."""
    import shutil

    import cv2
    import numpy as np

    home = tmp_path / "home"
    args = ["--set", "epochs=1", "--set", "width=4", "--set", "input_size=64", "--set", "threads=1",
            "--set", "model_name=lapa-e2e"]
    res = run_cli(["run", "lapa", "--set", f"data_path={tiny_parsing / 'lapa'}", *args], home)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = full_log(res)
    assert "annotated 25 faces from their landmarks" in out and "mean_f1: " in res.stdout
    c = open_home(home)
    run = c.get_run(c.get_model_version("lapa-e2e", "1").tags["run_id"])
    assert {"mean_f1", "boundary_mean_f1", "annotation_mean_f1", "attention_ce"} <= set(run.data.metrics)
    assert "evaluation/overlay.png" in {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    # KFP's confusion-matrix view: LaPa's 11 classes, every test pixel counted once
    from paperline.faceimage.landmarks106 import LAPA_CLASSES

    cm = task_artifact_metadata(res, "evaluate-parsing", "confusion")["confusionMatrix"]
    assert [a["displayName"] for a in cm["annotationSpecs"]] == list(LAPA_CLASSES)
    labels = (tiny_parsing / "lapa" / "test" / "labels").iterdir()
    pixels = sum(cv2.imread(str(p), cv2.IMREAD_UNCHANGED).size for p in labels)
    assert sum(map(sum, (r["row"] for r in cm["rows"]))) == pixels
    bad = tmp_path / "bad"
    shutil.copytree(tiny_parsing / "lapa", bad)
    victim = sorted((bad / "test" / "labels").iterdir())[1]
    cv2.imwrite(str(victim), np.full((64, 64), 12, np.uint8))
    res = run_cli(["run", "lapa", "--set", f"data_path={bad}", *args], home)
    assert res.returncode != 0 and victim.name in res.stderr and "validate-parsing" in res.stderr, res.stderr[-2000:]
    assert [str(v.version) for v in c.search_model_versions("name='lapa-e2e'")] == ["1"]


