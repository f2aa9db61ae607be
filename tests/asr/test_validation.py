"""The weak-asr validation suite on copies of the tiny set with one fault each; and a pipeline run on
bad data registers nothing."""

import shutil
import subprocess

import numpy as np
import pytest
from support.cli import run_cli

from paperline.asr.speech import write_wav
from paperline.asr.validation import validate_weak_asr
from paperline.core.errors import ValidationFailed


@pytest.fixture
def videos_copy(tiny_videos, tmp_path):
    root, _, _ = tiny_videos
    dst = tmp_path / "v"
    shutil.copytree(root, dst)
    return dst


def test_the_tiny_set_passes_and_counts_transcript_lines_without_wav(videos_copy, tmp_path):
    t = videos_copy / "target" / "data_aishell" / "transcript" / "aishell_transcript_v0.8.txt"
    t.write_text(t.read_text() + "BAC009S0999W0001 不在 发布 里\n")
    stats = validate_weak_asr(videos_copy, tmp_path / "report")
    assert stats["success"] and stats["videos"] == 3
    assert stats["transcript_lines_without_wav"] == 1 and stats["examples_without_wav"] == ["BAC009S0999W0001"]


def first_wav(root):
    return sorted((root / "target" / "data_aishell" / "wav" / "test").glob("*/*.wav"))[0]


@pytest.mark.parametrize("fault, named", [
    ("corrupt video", "v0001.mp4"),
    ("video without audio", "v0002.mp4"),
    ("wav at 8 kHz", ".wav"),
    ("English transcript", ".wav"),
])
def test_each_fault_fails_naming_the_file(videos_copy, tmp_path, fault, named):
    root = videos_copy
    if fault == "corrupt video":
        p = root / "videos" / "v0001.mp4"
        p.write_bytes(p.read_bytes()[:3000])
    elif fault == "video without audio":
        p = root / "videos" / "v0002.mp4"
        tmp = p.with_name("x.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(p), "-an", "-c", "copy", str(tmp)], check=True)
        tmp.replace(p)
    elif fault == "wav at 8 kHz":
        write_wav(np.zeros(8000, np.float32), first_wav(root), rate=8000)
    else:
        t = root / "target" / "data_aishell" / "transcript" / "aishell_transcript_v0.8.txt"
        utt = first_wav(root).stem
        t.write_text("".join(f"{utt} hello world\n" if line.startswith(utt) else line + "\n"
                             for line in t.read_text().splitlines()))
    with pytest.raises(ValidationFailed) as e:
        validate_weak_asr(root, tmp_path / "report")
    assert named in str(e.value)
    assert (tmp_path / "report" / "report.md").read_text().count("FAIL") >= 1


@pytest.mark.e2e
def test_a_failed_run_registers_nothing(videos_copy, tmp_path):
    write_wav(np.zeros(8000, np.float32), first_wav(videos_copy), rate=8000)
    home = tmp_path / "home"
    res = run_cli(["run", "weak-asr", "--set", f"data_path={videos_copy}", "--set", "model_name=weak-asr-bad"], home)
    assert res.returncode != 0
    assert "validate-videos" in res.stdout and "FAILURE" in res.stdout
    assert "rate" in res.stdout + res.stderr
    from support.cli import open_home

    c = open_home(home)
    assert not c.search_registered_models(filter_string="name='weak-asr-bad'")
