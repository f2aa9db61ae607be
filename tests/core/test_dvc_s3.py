"""DVC's S3 remote on the same SeaweedFS server: push a dataset version, drop the local cache, and
ingest it back by (repo, rev, path) through dvc.api, which must fetch it from S3."""

import shutil
import subprocess
import sys
import uuid

from paperline.core.ingest import ingest, tree_md5


def _run(cwd, *cmd):
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout.strip()


def test_dvc_remote_on_seaweedfs_roundtrip(s3_env, tiny_dataset, tmp_path):
    bucket = f"dvc-{uuid.uuid4().hex[:8]}"
    s3_env["client"].make_bucket(bucket)
    repo = tmp_path / "repo"
    repo.mkdir()
    dvc = [sys.executable, "-m", "dvc"]
    _run(repo, "git", "init", "-q")
    _run(repo, "git", "config", "user.email", "t@example.com")
    _run(repo, "git", "config", "user.name", "t")
    _run(repo, *dvc, "init", "-q")
    _run(repo, *dvc, "remote", "add", "-d", "store", f"s3://{bucket}/paperline")
    _run(repo, *dvc, "remote", "modify", "store", "endpointurl", s3_env["endpoint"])
    shutil.copytree(tiny_dataset / "verify", repo / "data" / "verify")
    _run(repo, *dvc, "add", "-q", "data/verify")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "commit", "-qm", "v1")
    _run(repo, *dvc, "push", "-q")
    rev = _run(repo, "git", "rev-parse", "HEAD")
    stored = [o.object_name for o in s3_env["client"].list_objects(bucket, recursive=True)]
    assert any("/files/md5/" in k for k in stored)
    # only the remote has the data now
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "data" / "verify")
    meta = ingest("data/verify", tmp_path / "out", repo=str(repo), rev=rev)
    assert meta["data_rev"] == rev and meta["dvc_md5"]
    assert tree_md5(tmp_path / "out") == tree_md5(tiny_dataset / "verify")
