"""The S3 backend against a real SeaweedFS server on 127.0.0.1, and the local backend."""

import pytest

from paperline.core.storage import LocalStore, S3Store, StorageError, get_dir, open_store, put_dir


def _files(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)) * 40)
    return src


def test_s3_roundtrip_is_atomic_and_leaves_no_temporaries(bucket, tmp_path):
    store = open_store(f"s3://{bucket}/runs/1")
    assert isinstance(store, S3Store)
    store.check()
    put_dir(store, _files(tmp_path), "index")
    assert store.list("index") == ["index/_SUCCESS", "index/a.txt", "index/sub/b.bin"]
    raw = [o.object_name for o in store.client.list_objects(bucket, recursive=True)]
    assert not [k for k in raw if ".tmp-" in k]
    get_dir(store, "index", tmp_path / "back")
    assert (tmp_path / "back" / "a.txt").read_text() == "alpha"
    assert (tmp_path / "back" / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 40


def test_incomplete_directory_is_refused(bucket, tmp_path):
    store = open_store(f"s3://{bucket}")
    store.put_file(_files(tmp_path) / "a.txt", "half/a.txt")  # published without its marker
    with pytest.raises(StorageError, match="not a complete published directory"):
        get_dir(store, "half", tmp_path / "out")


def test_wrong_credentials_missing_bucket_and_unreachable_endpoint(bucket, s3_env, tmp_path):
    f = _files(tmp_path) / "a.txt"
    bad = S3Store(bucket, endpoint=s3_env["endpoint"], access_key=s3_env["key"], secret_key="wrong")
    with pytest.raises(StorageError, match="rejected the credentials"):
        bad.put_file(f, "x.txt")
    with pytest.raises(StorageError, match="bucket 'no-such-bucket-x' does not exist"):
        S3Store("no-such-bucket-x").check()
    down = S3Store(bucket, endpoint="http://127.0.0.1:9", retries=0)
    with pytest.raises(StorageError, match="unreachable"):
        down.put_file(f, "x.txt")
    assert open_store(f"s3://{bucket}").list("") == []  # nothing written by any failure


def test_local_store_and_bad_uri(tmp_path):
    store = open_store(str(tmp_path / "store"))
    assert isinstance(store, LocalStore)
    put_dir(store, _files(tmp_path), "idx")
    get_dir(store, "idx", tmp_path / "back")
    assert (tmp_path / "back" / "a.txt").read_text() == "alpha"
    with pytest.raises(StorageError, match="unsupported store URI"):
        open_store("ftp://x/y")


def test_sweep_removes_only_half_published_folders_of_gone_writers(tmp_path):
    """A killed publisher's folder (files, no marker) goes once its writer is known gone; a complete
    folder, one still being written and a folder that is nobody's run stay."""
    from paperline.core.storage import sweep_incomplete

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("a")
    root = tmp_path / "indexes"
    store = LocalStore(root)
    put_dir(store, src, "complete-run")
    for name in ("killed-run", "live-run", "not-a-run"):
        store.put_file(src / "sub" / "a.txt", f"{name}/sub/a.txt")
    (root / "killed-run" / ".b.txt.tmp-1234").write_text("torn")  # a put cut off by SIGKILL
    gone = {"complete-run", "killed-run"}
    assert sweep_incomplete(str(root), lambda name: name in gone) == ["killed-run"]
    assert sorted(p.name for p in root.iterdir()) == ["complete-run", "live-run", "not-a-run"]
    assert store.exists("complete-run/_SUCCESS")
