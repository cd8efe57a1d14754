"""Pytest fixtures: a fresh server under test per test (see server_process.py)."""

from __future__ import annotations

import pytest

from server_process import ServerProcess


@pytest.fixture
def server():
    """A started server with default options, killed when the test ends."""
    srv = ServerProcess().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def start_server():
    """Factory for servers with custom options; every server it made is killed at the end."""
    started: list[ServerProcess] = []

    def start(**options) -> ServerProcess:
        srv = ServerProcess(**options).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
