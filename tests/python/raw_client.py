"""A raw NATS protocol connection over a plain socket, for tests that check exact bytes.

It frames nothing itself: tests send literal protocol bytes and read replies line by line or
by exact length. Every read is bounded by a timeout so a missing reply fails instead of hanging.
"""

from __future__ import annotations

import json
import socket
import time
from typing import Optional

READ_TIMEOUT_S = 5.0


class ConnectionClosed(Exception):
    """The server closed the connection while a reply was still expected."""


class RawConn:
    """One TCP connection to the server under test."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = READ_TIMEOUT_S):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = bytearray()

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "RawConn":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionClosed(f"closed by server; unread bytes: {bytes(self.buf)!r}")
        self.buf += chunk

    def read_line(self) -> bytes:
        """The next CRLF-terminated line, without its CRLF."""
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 2]
                return line
            self._fill()

    def read_exact(self, count: int) -> bytes:
        while len(self.buf) < count:
            self._fill()
        data = bytes(self.buf[:count])
        del self.buf[:count]
        return data

    def read_info(self) -> dict:
        line = self.read_line()
        assert line.startswith(b"INFO "), line
        return json.loads(line[5:])

    def expect(self, *lines: bytes) -> None:
        """Read one line per expected value and compare exactly."""
        for want in lines:
            got = self.read_line()
            assert got == want, f"expected {want!r}, got {got!r}"

    def read_msg(self) -> tuple[list[bytes], bytes]:
        """Read a MSG or HMSG: returns the control-line fields and the full payload (headers included)."""
        fields = self.read_line().split()
        assert fields[0] in (b"MSG", b"HMSG"), fields
        size = int(fields[-1])
        body = self.read_exact(size + 2)
        assert body.endswith(b"\r\n"), body
        return fields, body[:-2]

    def expect_closed(self, timeout: float = READ_TIMEOUT_S) -> bytes:
        """Wait until the server closes the connection; return what arrived before the close."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                continue
            if not chunk:
                break
            self.buf += chunk
        else:
            raise AssertionError(f"connection still open after {timeout}s; got {bytes(self.buf)!r}")
        rest = bytes(self.buf)
        self.buf.clear()
        return rest

    def assert_open(self) -> None:
        """Prove the connection still works: a PING must be answered by a PONG."""
        self.send(b"PING\r\n")
        self.expect(b"PONG")

    def handshake(self, connect: Optional[dict] = None) -> dict:
        """Read INFO, send CONNECT (non-verbose unless given) and PING, and wait for PONG."""
        info = self.read_info()
        options = {"verbose": False, "pedantic": False} if connect is None else connect
        self.send(b"CONNECT " + json.dumps(options).encode() + b"\r\nPING\r\n")
        if options.get("verbose", True):
            self.expect(b"+OK")
        self.expect(b"PONG")
        return info
