"""A server that dies mid-upload: the upload fails with a clear error and leaves no object under its
key; once the server is back, the same call succeeds. The "server" is a TCP proxy in front of the
real SeaweedFS that drops every connection after a byte budget and stops listening."""

import os
import uuid

import pytest
from support.proxy import TcpProxy

from paperline.core.storage import S3Store, StorageError


def test_killed_mid_upload_leaves_nothing_and_a_retry_succeeds(s3_env, tmp_path):
    bucket = f"pl-{uuid.uuid4().hex[:10]}"
    s3_env["client"].make_bucket(bucket)
    big = tmp_path / "model.bin"
    big.write_bytes(os.urandom(12 * 2**20))  # multipart upload
    port = int(s3_env["endpoint"].rsplit(":", 1)[1])
    proxy = TcpProxy(port, budget=3 * 2**20)
    store = S3Store(bucket, endpoint=f"http://127.0.0.1:{proxy.port}", retries=2)
    with pytest.raises(StorageError, match="unreachable|upload of s3://"):
        store.put_file(big, "models/model.bin")
    direct = s3_env["client"]
    assert "models/model.bin" not in [o.object_name for o in direct.list_objects(bucket, recursive=True)]
    healthy = S3Store(bucket, endpoint=s3_env["endpoint"])  # the server is back
    healthy.put_file(big, "models/model.bin")
    assert direct.stat_object(bucket, "models/model.bin").size == big.stat().st_size
    assert healthy.list("models") == ["models/model.bin"]
