"""Start the MQTT server under test for the interop suite.

``MQTT_TARGET`` picks it: ``switchyard`` (default; the binary from ``SWITCHYARD_BIN``, else
``$CARGO_TARGET_DIR`` or ``<repo>/target``, release build first, then debug), ``nats-server`` (with
``server_name``, JetStream and an ``mqtt {}`` block, as nats-server requires) or ``mosquitto``.
Every server listens on free loopback ports and keeps its state in a private temporary directory;
:meth:`Server.restart` starts a new process on the same ports and directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def target() -> str:
    name = os.environ.get("MQTT_TARGET", "switchyard") or "switchyard"
    if name not in ("switchyard", "nats-server", "mosquitto"):
        raise ValueError(f"MQTT_TARGET must be switchyard, nats-server or mosquitto, not {name!r}")
    return name


def switchyard_binary() -> str:
    explicit = os.environ.get("SWITCHYARD_BIN")
    if explicit:
        return explicit
    base = Path(os.environ.get("CARGO_TARGET_DIR") or REPO_ROOT / "target")
    if not base.is_absolute():
        base = REPO_ROOT / base
    for profile in ("release", "debug"):
        path = base / profile / "switchyard"
        if os.access(path, os.X_OK):
            return str(path)
    raise FileNotFoundError(f"no switchyard binary under {base}: build it or set SWITCHYARD_BIN")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """One server under test: ``mqtt_port`` always, ``nats_port`` unless the target is mosquitto."""

    def __init__(self, kind: Optional[str] = None, mqtt_block: str = "", config: str = "") -> None:
        """``mqtt_block``: extra lines for the ``mqtt {}`` block; ``config``: top-level configuration lines
        such as an ``authorization`` block (both for switchyard and nats-server)."""
        self.kind = kind or target()
        self.mqtt_block = mqtt_block
        self.config = config
        self.workdir = Path(tempfile.mkdtemp(prefix="switchyard-mqtt-"))
        self.mqtt_port = free_port()
        self.nats_port = free_port()
        self.proc: Optional[subprocess.Popen] = None

    @property
    def speaks_nats(self) -> bool:
        return self.kind != "mosquitto"

    @property
    def speaks_mqtt5(self) -> bool:
        return self.kind != "nats-server"

    def command(self) -> list[str]:
        store = self.workdir / "store"
        conf = self.workdir / "server.conf"
        if self.kind == "switchyard":
            extra = []
            if self.mqtt_block or self.config:
                conf.write_text(f"{self.config}\nmqtt {{\n{self.mqtt_block}\n}}\n")
                extra = ["-c", str(conf)]
            return [
                switchyard_binary(), "-a", HOST, "-p", str(self.nats_port), "--no_http", "--no_websocket",
                "--mqtt_port", str(self.mqtt_port), "-js", "-sd", str(store), *extra,
            ]
        if self.kind == "nats-server":
            conf.write_text(
                f'server_name: "mqtt-ref"\nlisten: "{HOST}:{self.nats_port}"\n'
                f'jetstream {{ store_dir: "{store}" }}\n{self.config}\n'
                f'mqtt {{\nhost: "{HOST}", port: {self.mqtt_port}\n{self.mqtt_block}\n}}\n'
            )
            return [shutil.which("nats-server") or "/usr/sbin/nats-server", "-c", str(conf)]
        conf.write_text(
            f"listener {self.mqtt_port} {HOST}\nallow_anonymous true\npersistence true\nmax_queued_messages 0\n"
            f"persistence_location {self.workdir}/\n"
        )
        return [shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", str(conf)]

    def start(self) -> "Server":
        log = open(self.workdir / "server.log", "ab")
        self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while not accepts(self.mqtt_port):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{self.kind} did not start: {(self.workdir / 'server.log').read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, graceful: bool = True) -> "Server":
        self.stop() if graceful else self.kill()
        # Wait until the old process let go of the port.
        deadline = time.time() + 10
        while accepts(self.mqtt_port) and time.time() < deadline:
            time.sleep(0.05)
        return self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Nats:
    """A minimal raw NATS client: enough to bridge with MQTT in tests."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.buf = b""
        self._line()  # INFO
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"protocol":1}\r\n')
        self.flush()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("NATS connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def flush(self) -> None:
        self.sock.sendall(b"PING\r\n")
        while True:
            line = self._line()
            if line == b"PONG":
                return
            if line.startswith(b"-ERR"):
                raise RuntimeError(line.decode())

    def sub(self, subject: str, sid: int = 1) -> None:
        self.sock.sendall(f"SUB {subject} {sid}\r\n".encode())
        self.flush()

    def pub(self, subject: str, payload: bytes, reply: Optional[str] = None) -> None:
        head = f"PUB {subject} {reply + ' ' if reply else ''}{len(payload)}\r\n".encode()
        self.sock.sendall(head + payload + b"\r\n")

    def next_msg(self) -> tuple[str, Optional[str], bytes, bytes]:
        """(subject, reply, headers, payload) of the next message."""
        while True:
            line = self._line()
            parts = line.decode().split()
            if not parts:
                continue
            if parts[0] == "PING":
                self.sock.sendall(b"PONG\r\n")
            elif parts[0] == "MSG":
                reply = parts[3] if len(parts) == 5 else None
                return parts[1], reply, b"", self._bytes(int(parts[-1]))
            elif parts[0] == "HMSG":
                reply = parts[3] if len(parts) == 6 else None
                hlen, total = int(parts[-2]), int(parts[-1])
                data = self._bytes(total)
                return parts[1], reply, data[:hlen], data[hlen:]

    def close(self) -> None:
        self.sock.close()
