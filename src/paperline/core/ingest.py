"""Ingest: resolve a dataset by (repo, rev, path) through dvc.api, or take a path / file:// URI,
copy it into the step's output and record where it came from (rev, md5, uri)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

from paperline.core.errors import ConfigError, DataError


def tree_md5(root: str | Path) -> str:
    """Content hash of a directory: md5 over sorted (relative path, file md5) lines."""
    root = Path(root)
    h = hashlib.md5()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(f"{p.relative_to(root).as_posix()}\t{hashlib.md5(p.read_bytes()).hexdigest()}\n".encode())
    return h.hexdigest()


def _copy(src: Path, dest: Path) -> None:
    shutil.copytree(src, dest) if src.is_dir() else (dest.mkdir(parents=True), shutil.copy2(src, dest))


def _git_sha(repo: str, rev: str) -> str:
    if not Path(repo).is_dir():
        return rev or "HEAD"
    out = subprocess.run(["git", "rev-parse", rev or "HEAD"], cwd=repo, capture_output=True, text=True)
    return out.stdout.strip() or rev or "unversioned"


def ingest(path: str, out_dir: str | Path, repo: str = "", rev: str = "") -> dict:
    """Copies the dataset into `out_dir`; returns {data_uri, data_rev, data_md5, dvc_md5?}."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    meta: dict = {}
    try:
        if repo:
            import dvc.api
            from dvc.exceptions import DvcException

            try:
                fs = dvc.api.DVCFileSystem(repo, rev=rev or None)
                if not fs.exists(path):
                    raise DataError(f"{path}: not found in DVC repo {repo} at rev {rev or 'workspace'}; "
                                    f"run `dvc repro` (or `paperline data build`) there first")
                info = fs.info(path)
                dvc_md5 = (info.get("dvc_info") or {}).get("md5") or info.get("md5") or ""
                workspace = Path(repo) / path
                if not rev and Path(repo).is_dir() and workspace.exists():
                    # what DVCFileSystem reads for a checked-out workspace, copied directly: 10x faster
                    # than its per-file get on a 12,000-file image set
                    _copy(workspace, tmp)
                else:
                    fs.get(path, str(tmp), recursive=True)
            except DvcException as e:
                raise DataError(f"DVC could not resolve {path} in {repo} at rev {rev or 'workspace'}: {e}") from None
            meta.update(data_uri=f"dvc://{repo}#{path}", data_rev=_git_sha(repo, rev), dvc_md5=dvc_md5)
        else:
            parsed = urlparse(path)
            if parsed.scheme not in ("", "file"):
                raise ConfigError(f"unsupported dataset URI scheme {parsed.scheme!r} in {path}; "
                                  "use a local path, file://, or a DVC repo (data_repo + data_path)")
            src = Path(parsed.path if parsed.scheme == "file" else path)
            if not src.exists():
                raise DataError(f"{src}: dataset path not found")
            _copy(src, tmp)
            meta.update(data_uri=src.resolve().as_uri(), data_rev=rev or "unversioned")
        meta["data_md5"] = tree_md5(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(out_dir)
    return meta
