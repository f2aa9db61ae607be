import shutil
import subprocess
import sys

import pytest

from paperline.core.errors import ConfigError, DataError
from paperline.core.ingest import ingest, tree_md5


def test_plain_path_and_file_uri(tiny_dataset, tmp_path):
    meta = ingest(str(tiny_dataset), tmp_path / "a")
    assert meta["data_md5"] == tree_md5(tiny_dataset) == tree_md5(tmp_path / "a")
    meta2 = ingest(tiny_dataset.as_uri(), tmp_path / "b")
    assert meta2["data_md5"] == meta["data_md5"] and meta2["data_uri"] == tiny_dataset.as_uri()


def test_missing_path_and_unknown_scheme(tmp_path):
    with pytest.raises(DataError, match="nope: dataset path not found"):
        ingest(str(tmp_path / "nope"), tmp_path / "out")
    with pytest.raises(ConfigError, match="unsupported dataset URI scheme 'ftp'"):
        ingest("ftp://host/x", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def _git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_dvc_repo_rev_and_md5_are_recorded(tiny_dataset, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run([*dvc, "init", "-q"], cwd=repo, check=True)
    shutil.copytree(tiny_dataset / "verify", repo / "data" / "verify")
    subprocess.run([*dvc, "add", "-q", "data/verify"], cwd=repo, check=True)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "data v1")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    meta = ingest("data/verify", tmp_path / "out", repo=str(repo), rev=sha)
    dvc_file = (repo / "data" / "verify.dvc").read_text()
    assert meta["data_rev"] == sha
    assert meta["dvc_md5"] and meta["dvc_md5"] in dvc_file
    assert tree_md5(tmp_path / "out") == tree_md5(tiny_dataset / "verify")
    with pytest.raises(DataError, match="not found in DVC repo"):
        ingest("data/missing", tmp_path / "out2", repo=str(repo), rev=sha)
    # the workspace (no rev) is copied straight from the checkout, with the same hashes as DVC's own
    # read; with the output gone from the workspace, DVC reads it from its cache
    ws = ingest("data/verify", tmp_path / "ws", repo=str(repo))
    assert (ws["data_md5"], ws["dvc_md5"]) == (meta["data_md5"], meta["dvc_md5"])
    shutil.rmtree(repo / "data" / "verify")
    cached = ingest("data/verify", tmp_path / "cached", repo=str(repo))
    assert (cached["data_md5"], cached["dvc_md5"]) == (meta["data_md5"], meta["dvc_md5"])
