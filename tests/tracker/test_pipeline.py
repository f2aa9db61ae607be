"""The pts-tracking pipeline end to end through kfp.local on the tiny sequences (one short training
epoch), then `paperline track` with the champion; a run on bad data registers nothing."""

import numpy as np
import pytest
from support.cli import full_log, open_home, registry, run_cli

pytestmark = pytest.mark.e2e

TINY = {"epochs": 1, "pairs": 96, "trackers": "pts,no-prediction,csrt,mosse", "eao_range": "5,20",
        "model_name": "pts-e2e"}


def _args(extra=()):
    return [a for k, v in {**TINY, **dict(extra)}.items() for a in ("--set", f"{k}={v}")]


def test_pts_tracking_pipeline_and_the_track_command(tiny_sequences, tmp_path):
    import cv2

    from paperline.tracker.sequences import read_vot

    root = tiny_sequences[0]
    home = tmp_path / "home"
    res = run_cli(["run", "pts-tracking", "--set", f"data_path={root}", *_args()], home)
    out = full_log(res)
    assert res.returncode == 0, out[-4000:]
    assert "pts: 3 sequences" in out and "csrt: 3 sequences" in out and "EAO: " in out
    assert "pts-e2e version 1" in res.stdout
    c = open_home(home)
    run = c.get_run(c.get_model_version("pts-e2e", "1").tags["run_id"])
    m = run.data.metrics
    for tracker in ("pts", "no_prediction", "csrt", "mosse"):
        assert {f"{tracker}_eao", f"{tracker}_failures", f"{tracker}_auc", f"{tracker}_fps"} <= set(m)
        assert 0 <= m[f"{tracker}_eao"] <= 1 and 0 <= m[f"{tracker}_auc"] <= 20 / 21 + 1e-9
    assert m["eao"] == m["pts_eao"] and "pts_j" in m and "csrt_j" not in m
    assert {"pts_occlusion_eao", "pts_distractor_failures", "pts_clean_auc"} <= set(m)
    arts = {f.path for f in c.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/success_precision.png", "evaluation/strip.png", "evaluation/report.md"} <= arts

    seq = read_vot(root / "vot")[0]
    video = tmp_path / "clip.avi"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 25, seq.frame(0).shape[1::-1])
    for i in range(len(seq)):
        w.write(seq.frame(i))
    w.release()
    x, y, bw, bh = seq.boxes[0]
    given = f"{x + 1:g},{y + 1:g},{bw:g},{bh:g}"
    res = run_cli(["track", "--video", str(video), "--box", given, "--model", "models:/pts-e2e@champion",
                   "-o", str(tmp_path / "boxes.txt"), "--annotated", str(tmp_path / "out.mp4"),
                   "--masks", str(tmp_path / "masks")], home)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = (tmp_path / "boxes.txt").read_text().splitlines()
    assert len(lines) == len(seq) and lines[0] == given
    boxes = np.array([[float(v) for v in ln.split(",")] for ln in lines])
    assert boxes.shape == (len(seq), 4) and (boxes[:, 2:] > 0).all()
    assert len(list((tmp_path / "masks").glob("*.png"))) == len(seq) and (tmp_path / "out.mp4").stat().st_size > 0
    bad = run_cli(["track", "--video", str(video), "--box", "900,900,10,10", "--model", "models:/pts-e2e@champion",
                   "-o", str(tmp_path / "b2.txt")], home)
    assert bad.returncode != 0 and "lies outside the" in bad.stderr and not (tmp_path / "b2.txt").exists()
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all" * 10)
    bad = run_cli(["track", "--video", str(tmp_path / "junk.mp4"), "--box", given, "--model",
                   "models:/pts-e2e@champion", "-o", str(tmp_path / "b3.txt")], home)
    assert bad.returncode != 0 and "junk.mp4: not a readable video" in bad.stderr


def test_a_run_on_bad_sequences_registers_nothing(sequences_copy, tmp_path):
    from paperline.tracker.sequences import read_vot

    seq = read_vot(sequences_copy / "vot")[0]
    lines = seq.truth_file.read_text().splitlines()
    seq.truth_file.write_text("\n".join(lines[:-2]) + "\n")
    home = tmp_path / "home"
    res = run_cli(["run", "pts-tracking", "--set", f"data_path={sequences_copy}", *_args()], home)
    assert res.returncode != 0
    assert f"{seq.name}/groundtruth.txt" in full_log(res)
    assert registry(home, "pts-e2e") == ([], None)
