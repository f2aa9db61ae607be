"""Object storage: a local directory or an S3 bucket (minio client; SeaweedFS, MinIO or any plain S3).

Writes are atomic per object: S3 uploads go to a temporary key and are copied into place only when
complete, so a reader never sees a half-written object; a failed upload removes its temporary key.
A directory is published file by file and its `_SUCCESS` marker last; readers of a directory ask for
the marker first. Endpoint and keys come from AWS_ENDPOINT_URL (or MLFLOW_S3_ENDPOINT_URL),
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlparse

from paperline.core import settings
from paperline.core.errors import PaperlineError
from paperline.core.faults import kill_point

MARKER = "_SUCCESS"


class StorageError(PaperlineError):
    """An object store refused or could not be reached; the message names the endpoint and key."""


class LocalStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def uri(self, key: str) -> str:
        return (self.root / key).resolve().as_uri()

    def put_file(self, local: str | Path, key: str) -> None:
        dst = self.root / key
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".{dst.name}.tmp-{uuid.uuid4().hex[:8]}")
        try:
            shutil.copyfile(local, tmp)
            os.replace(tmp, dst)
        finally:
            tmp.unlink(missing_ok=True)

    def get_file(self, key: str, local: str | Path) -> None:
        src = self.root / key
        if not src.is_file():
            raise StorageError(f"{src}: no such object")
        Path(local).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, local)

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file()) if base.exists() else []

    def remove(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class S3Store:
    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, retries: int = 5):
        import urllib3
        from minio import Minio

        endpoint = endpoint or settings.s3_endpoint()
        if not endpoint:
            raise StorageError("no S3 endpoint: set AWS_ENDPOINT_URL (or MLFLOW_S3_ENDPOINT_URL)")
        url = urlparse(endpoint if "://" in endpoint else f"http://{endpoint}")
        self.endpoint, self.bucket, self.prefix = endpoint, bucket, prefix.strip("/")
        http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5, read=60), retries=urllib3.Retry(
            total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))
        self.client = Minio(url.netloc, access_key=access_key or os.environ.get("AWS_ACCESS_KEY_ID"),
                            secret_key=secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY"),
                            secure=url.scheme == "https", region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                            http_client=http)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _error(self, what: str, e: Exception) -> StorageError:
        code = getattr(e, "code", None)
        if code == "NoSuchBucket":
            return StorageError(f"{what}: bucket {self.bucket!r} does not exist at {self.endpoint}")
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StorageError(f"{what}: {self.endpoint} rejected the credentials ({code}); "
                                "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")
        if code == "NoSuchKey":
            return StorageError(f"{what}: no such object")
        if code:
            return StorageError(f"{what}: {code}: {getattr(e, 'message', e)}")
        reason = getattr(e, "reason", None)
        if reason is not None and type(reason).__name__ == "ResponseError":
            return StorageError(f"{what}: {self.endpoint} kept answering with server errors ({reason})")
        return StorageError(f"{what}: S3 endpoint {self.endpoint} unreachable ({type(e).__name__})")

    def _call(self, what: str, fn, *args, **kwargs):
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError

        try:
            return fn(*args, **kwargs)
        except (S3Error, HTTPError) as e:
            raise self._error(what, e) from None

    def check(self) -> None:
        if not self._call(f"bucket check at {self.endpoint}", self.client.bucket_exists, self.bucket):
            raise StorageError(f"bucket {self.bucket!r} does not exist at {self.endpoint}")

    def put_file(self, local: str | Path, key: str) -> None:
        from minio.commonconfig import CopySource

        final = self._key(key)
        tmp = f"{final}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            self._call(f"upload of {self.uri(key)}", self.client.fput_object, self.bucket, tmp, str(local))
            self._call(f"publish of {self.uri(key)}", self.client.copy_object, self.bucket, final,
                       CopySource(self.bucket, tmp))
        finally:
            try:
                self.client.remove_object(self.bucket, tmp)
            except Exception:  # noqa: BLE001 - best effort; the temporary key is never read
                pass

    def get_file(self, key: str, local: str | Path) -> None:
        self._call(f"download of {self.uri(key)}", self.client.fget_object, self.bucket, self._key(key), str(local))

    def exists(self, key: str) -> bool:
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError

        try:
            self.client.stat_object(self.bucket, self._key(key))
            return True
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise self._error(f"stat of {self.uri(key)}", e) from None
        except HTTPError as e:
            raise self._error(f"stat of {self.uri(key)}", e) from None

    def list(self, prefix: str) -> list[str]:
        base = self._key(prefix)
        objs = self._call(f"listing of {self.uri(prefix)}", lambda: list(
            self.client.list_objects(self.bucket, prefix=base, recursive=True)))
        cut = len(self.prefix) + 1 if self.prefix else 0
        return sorted(o.object_name[cut:] for o in objs if ".tmp-" not in o.object_name)

    def remove(self, key: str) -> None:
        self._call(f"removal of {self.uri(key)}", self.client.remove_object, self.bucket, self._key(key))


def open_store(uri: str):
    """`s3://bucket/prefix` -> S3Store; a path or file:// URI -> LocalStore."""
    u = urlparse(uri)
    if u.scheme == "s3":
        return S3Store(u.netloc, u.path)
    if u.scheme in ("", "file"):
        return LocalStore(u.path if u.scheme == "file" else uri)
    raise StorageError(f"unsupported store URI {uri!r}; use s3://bucket/prefix, a path or file://")


def put_dir(store, local_dir: str | Path, prefix: str) -> None:
    """Publishes a directory: every file atomically, then the `_SUCCESS` marker."""
    local_dir = Path(local_dir)
    for p in sorted(local_dir.rglob("*")):
        if p.is_file():
            store.put_file(p, f"{prefix}/{p.relative_to(local_dir).as_posix()}")
    kill_point("publish:files")
    marker = local_dir.parent / f".{local_dir.name}.{MARKER}"
    marker.write_text("")
    try:
        store.put_file(marker, f"{prefix}/{MARKER}")
    finally:
        marker.unlink(missing_ok=True)


def get_dir(store, prefix: str, local_dir: str | Path) -> None:
    """Downloads a published directory; one without its marker is incomplete and refused."""
    if not store.exists(f"{prefix}/{MARKER}"):
        raise StorageError(f"{store.uri(prefix)}: not a complete published directory (no {MARKER} marker)")
    for key in store.list(prefix):
        if not key.endswith(f"/{MARKER}"):
            store.get_file(key, Path(local_dir) / key[len(prefix) + 1:])


def _split(uri: str):
    """`s3://bucket/a/b` -> (store at s3://bucket/a, "b"); the same for a path."""
    head, _, leaf = uri.rstrip("/").rpartition("/")
    if not leaf or head in ("s3:/", "s3:", "file:/", "file:"):
        raise StorageError(f"{uri!r}: need a directory below the bucket or root, e.g. s3://bucket/dir")
    return open_store(head), leaf


def sweep_incomplete(root_uri: str, writer_gone) -> list[str]:
    """Removes the folders directly under `root_uri` that have no marker (a publisher killed half-way)
    and whose writer is known to be gone (`writer_gone(name)`). Returns their names."""
    store = open_store(root_uri)
    folders: dict[str, bool] = {}
    for key in store.list(""):
        name, _, rest = key.partition("/")
        if rest:
            folders[name] = folders.get(name, False) or rest == MARKER
    swept = [name for name, complete in sorted(folders.items()) if not complete and writer_gone(name)]
    for name in swept:
        for key in store.list(f"{name}/"):
            store.remove(key)
        if isinstance(store, LocalStore):
            shutil.rmtree(store.root / name, ignore_errors=True)
    return swept


def publish_dir(local_dir: str | Path, uri: str) -> None:
    store, leaf = _split(uri)
    put_dir(store, local_dir, leaf)


def fetch_dir(uri: str, local_dir: str | Path) -> None:
    store, leaf = _split(uri)
    get_dir(store, leaf, local_dir)


def delete_dir(uri: str) -> None:
    """Removes a published directory, its marker first so no reader takes it for complete meanwhile."""
    store, leaf = _split(uri)
    keys = store.list(leaf)
    for key in sorted(keys, key=lambda k: not k.endswith(f"/{MARKER}")):
        store.remove(key)


def is_remote(uri: str) -> bool:
    return urlparse(str(uri)).scheme == "s3"
