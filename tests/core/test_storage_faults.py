"""A server that dies mid-upload: the upload fails with a clear error and leaves no object under its
key; once the server is back, the same call succeeds. The "server" is a TCP proxy in front of the
real SeaweedFS that drops every connection after a byte budget and stops listening."""

import os
import socket
import threading
import uuid

import pytest

from paperline.core.storage import S3Store, StorageError


class DyingProxy:
    def __init__(self, target_port: int, budget: int):
        self.target, self.budget, self.sent = target_port, budget, 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(16)
        self.alive, self.conns = True, []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.alive:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    self.sent += len(data)
                    if self.sent > self.budget:
                        self.kill()
                        return
                dst.sendall(data)
        except OSError:
            pass

    def kill(self):
        self.alive = False
        for s in [self.sock, *self.conns]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def test_killed_mid_upload_leaves_nothing_and_a_retry_succeeds(s3_env, tmp_path):
    bucket = f"pl-{uuid.uuid4().hex[:10]}"
    s3_env["client"].make_bucket(bucket)
    big = tmp_path / "model.bin"
    big.write_bytes(os.urandom(12 * 2**20))  # multipart upload
    port = int(s3_env["endpoint"].rsplit(":", 1)[1])
    proxy = DyingProxy(port, budget=3 * 2**20)
    store = S3Store(bucket, endpoint=f"http://127.0.0.1:{proxy.port}", retries=2)
    with pytest.raises(StorageError, match="unreachable|upload of s3://"):
        store.put_file(big, "models/model.bin")
    direct = s3_env["client"]
    assert "models/model.bin" not in [o.object_name for o in direct.list_objects(bucket, recursive=True)]
    healthy = S3Store(bucket, endpoint=s3_env["endpoint"])  # the server is back
    healthy.put_file(big, "models/model.bin")
    assert direct.stat_object(bucket, "models/model.bin").size == big.stat().st_size
    assert healthy.list("models") == ["models/model.bin"]
