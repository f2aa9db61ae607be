"""A TCP proxy on 127.0.0.1 in front of a real server, for faults a test switches on: S3 answering
503 SlowDown for a while (`refuse`), or the link dying after a number of uploaded bytes (`budget`)
or at once (`kill`)."""

import socket
import threading
import time

_BODY = b'<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>refusing</Message></Error>'
SLOW_DOWN = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nConnection: close\r\n"
             b"Content-Length: %d\r\n\r\n" % len(_BODY)) + _BODY


class TcpProxy:
    def __init__(self, target_port: int, budget: int | None = None):
        self.target, self.budget, self.sent = target_port, budget, 0
        self.until, self.refused, self.alive, self.conns = 0.0, 0, True, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def refuse(self, seconds: float) -> None:
        """New connections get 503 SlowDown for `seconds`; the open ones are cut now."""
        self.until = time.monotonic() + seconds
        self._cut(self.conns)
        self.conns = []

    def kill(self) -> None:
        """The link dies: the listener and every open connection."""
        self.alive = False
        self._cut([self.sock, *self.conns])

    close = kill

    def _accept(self):
        while self.alive:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if time.monotonic() < self.until:
                threading.Thread(target=self._answer_slow_down, args=(client,), daemon=True).start()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _answer_slow_down(self, client):
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(4096)
                if not chunk:
                    break
                head += chunk
            client.sendall(SLOW_DOWN)
            self.refused += 1
        except OSError:
            pass
        finally:
            client.close()

    def _pipe(self, src, dst, upload: bool):
        try:
            while data := src.recv(65536):
                if upload and self.budget is not None:
                    self.sent += len(data)
                    if self.sent > self.budget:
                        self.kill()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._cut([src, dst], close=False)

    @staticmethod
    def _cut(socks, close: bool = True):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            if close:
                s.close()
