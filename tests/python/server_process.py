"""Start, restart and stop the server under test for the Python interop suites.

The target is chosen by environment:

* ``SWITCHYARD_TARGET=nats-server`` runs the reference ``nats-server`` found on ``PATH``;
* anything else (default ``switchyard``) runs the switchyard binary named by ``SWITCHYARD_BIN``,
  else ``$CARGO_TARGET_DIR/release/switchyard``, else ``<repo>/target/release/switchyard``.

Each :class:`ServerProcess` picks free loopback ports for the client and monitoring listeners,
keeps a private temporary store directory, waits until both ports accept connections and
kills the process on :meth:`stop`. :meth:`restart` starts a fresh process on the same ports
and the same store directory. It does not speak NATS itself.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
READY_TIMEOUT_S = 10.0
START_ATTEMPTS = 3


def target() -> str:
    """Return the selected target name: ``switchyard`` or ``nats-server``."""
    name = os.environ.get("SWITCHYARD_TARGET", "switchyard") or "switchyard"
    if name not in ("switchyard", "nats-server"):
        raise ValueError(f"SWITCHYARD_TARGET must be 'switchyard' or 'nats-server', not {name!r}")
    return name


def is_reference() -> bool:
    """True when the tests run against the reference nats-server."""
    return target() == "nats-server"


def binary() -> str:
    """Path of the executable for the selected target."""
    if is_reference():
        found = shutil.which("nats-server") or "/usr/sbin/nats-server"
        if not os.access(found, os.X_OK):
            raise FileNotFoundError("nats-server is not installed (run scripts/install-deps.sh)")
        return found
    explicit = os.environ.get("SWITCHYARD_BIN")
    if explicit:
        path = Path(explicit)
    else:
        target_dir = os.environ.get("CARGO_TARGET_DIR")
        base = Path(target_dir) if target_dir else REPO_ROOT / "target"
        if not base.is_absolute():
            base = REPO_ROOT / base
        path = base / "release" / "switchyard"
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(
            f"switchyard binary not found at {path}: run `cargo build --release -p switchyard` "
            "or set SWITCHYARD_BIN (or SWITCHYARD_TARGET=nats-server)"
        )
    return str(path)


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class ServerProcess:
    """One server under test on loopback ports of its own."""

    jetstream: bool = True
    config: Optional[str] = None
    args: Sequence[str] = ()
    port: int = 0
    http_port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="switchyard-test-")))
    _proc: Optional[subprocess.Popen] = None
    _log: Optional[object] = None

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    @property
    def store_dir(self) -> Path:
        return self.workdir / "store"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def command(self) -> list[str]:
        cmd = [binary(), "-a", HOST, "-p", str(self.port), "-m", str(self.http_port)]
        if self.jetstream:
            cmd += ["-js", "-sd", str(self.store_dir)]
        if self.config is not None:
            conf = self.workdir / "server.conf"
            conf.write_text(self.config)
            cmd += ["-c", str(conf)]
        if not is_reference():
            cmd += ["--no_websocket", "--no_mqtt"]
        cmd += list(self.args)
        return cmd

    def start(self) -> "ServerProcess":
        """Start on fresh free ports, retrying when a port was taken in between."""
        try:
            last_error: Optional[Exception] = None
            for _ in range(START_ATTEMPTS):
                self.port, self.http_port = free_port(), free_port()
                while self.http_port == self.port:
                    self.http_port = free_port()
                try:
                    self._spawn()
                    return self
                except RuntimeError as err:
                    last_error = err
            raise RuntimeError(f"server did not start after {START_ATTEMPTS} attempts: {last_error}")
        except BaseException:
            self.stop()
            raise

    def restart(self) -> "ServerProcess":
        """Kill the process and start a new one on the same ports and store directory."""
        self.kill()
        self._spawn()
        return self

    def kill(self) -> None:
        """Kill the process (SIGKILL) and wait for it; the work directory stays."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """Kill the process and remove its work directory."""
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _spawn(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        pending = [self.port, self.http_port]
        while pending:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self.kill()
                raise RuntimeError(f"server exited with {code}:\n{self.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server not ready within {READY_TIMEOUT_S}s:\n{self.log_text()[-2000:]}")
            if port_accepts(pending[0]):
                pending.pop(0)
            else:
                time.sleep(0.01)

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
