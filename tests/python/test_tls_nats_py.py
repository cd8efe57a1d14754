"""TLS on the client port, driven by nats-py with an ``ssl.SSLContext``.

A throwaway PKI is made with the ``openssl`` command once per module: a CA, a second CA nobody
trusts, server certificates (good, expired, signed by the other CA) and client certificates. The
same tests run against the reference nats-server with ``SWITCHYARD_TARGET=nats-server``.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest

from server_process import HOST, is_reference

WAIT_S = 2.0

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command makes the test PKI")

CA_CONF = """
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
"""


@dataclass
class Pki:
    dir: Path

    def path(self, name: str) -> str:
        return str(self.dir / name)

    def openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True)

    def make_ca(self, name: str) -> None:
        self.openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}-key.pem", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        )

    def issue(self, name: str, ca: str, subject: str, ext: str, expired: bool = False) -> None:
        """Certificate `name`.pem with key `name`-key.pem, signed by `ca`, with extensions `ext`."""
        (self.dir / f"{name}.ext").write_text(ext + "\n")
        self.openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}-key.pem", "-out", f"{name}.csr", "-subj", subject,
        )
        if not expired:
            self.openssl(
                "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}-key.pem",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            )
            return
        (self.dir / "ca.cnf").write_text(CA_CONF)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        self.openssl(
            "ca", "-batch", "-config", "ca.cnf", "-cert", f"{ca}.pem", "-keyfile", f"{ca}-key.pem",
            "-in", f"{name}.csr", "-out", f"{name}.pem", "-notext", "-extfile", f"{name}.ext",
            "-startdate", "20200101000000Z", "-enddate", "20210101000000Z",
        )


SERVER_EXT = "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    pki = Pki(tmp_path_factory.mktemp("pki"))
    pki.make_ca("ca")
    pki.make_ca("wrong-ca")
    pki.issue("server", "ca", "/CN=localhost", SERVER_EXT)
    pki.issue("server-wrong-ca", "wrong-ca", "/CN=localhost", SERVER_EXT)
    pki.issue("server-expired", "ca", "/CN=localhost", SERVER_EXT, expired=True)
    client_ext = "extendedKeyUsage=clientAuth"
    pki.issue("alice", "ca", "/CN=Alice", f"subjectAltName=email:alice@example.com\n{client_ext}")
    pki.issue("bob", "ca", "/O=Acme/CN=bob", client_ext)
    pki.issue("stranger", "wrong-ca", "/CN=stranger", client_ext)
    return pki


def tls_block(pki: Pki, cert: str = "server", extra: str = "") -> str:
    return (
        f'tls {{\n  cert_file: "{pki.path(cert + ".pem")}"\n  key_file: "{pki.path(cert + "-key.pem")}"\n'
        f'  ca_file: "{pki.path("ca.pem")}"\n  {extra}\n}}\n'
    )


def client_context(pki: Pki, cert: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=pki.path("ca.pem"))
    if cert is not None:
        ctx.load_cert_chain(pki.path(cert + ".pem"), pki.path(cert + "-key.pem"))
    return ctx


def tls_url(server) -> str:
    return f"tls://{HOST}:{server.port}"


async def connect(server, ctx: ssl.SSLContext, **options) -> nats.NATS:
    errors: list[Exception] = []

    async def on_error(err: Exception) -> None:
        errors.append(err)

    options.setdefault("connect_timeout", 2)
    options.setdefault("allow_reconnect", False)
    nc = await nats.connect(tls_url(server), tls=ctx, error_cb=on_error, **options)
    nc.test_errors = errors  # type: ignore[attr-defined]
    return nc


async def refused(server, ctx: ssl.SSLContext, **options) -> None:
    with pytest.raises(Exception):
        nc = await connect(server, ctx, max_reconnect_attempts=0, **options)
        await nc.flush(timeout=WAIT_S)
        await nc.close()


async def round_trip(nc: nats.NATS, subject: str) -> bytes:
    sub = await nc.subscribe(subject)
    await nc.publish(subject, b"over tls")
    msg = await sub.next_msg(timeout=WAIT_S)
    return msg.data


async def test_nats_py_connects_over_tls_and_exchanges_messages(start_server, pki):
    server = start_server(config=tls_block(pki))
    nc = await connect(server, client_context(pki))
    assert await round_trip(nc, "tls.greeting") == b"over tls"
    await nc.close()


async def test_nats_py_refuses_a_server_certificate_from_another_ca(start_server, pki):
    server = start_server(config=tls_block(pki, "server-wrong-ca"))
    await refused(server, client_context(pki))


async def test_nats_py_refuses_an_expired_server_certificate(start_server, pki):
    server = start_server(config=tls_block(pki, "server-expired"))
    await refused(server, client_context(pki))


def test_plain_text_connect_on_the_tls_port_gets_no_reply(start_server, pki):
    server = start_server(config=tls_block(pki))
    with socket.create_connection((HOST, server.port), timeout=WAIT_S * 2) as sock:
        info = b""
        while not info.endswith(b"\r\n"):
            info += sock.recv(1)
        assert b'"tls_required":true' in info
        sock.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
        try:
            reply = sock.recv(1024)
        except ConnectionResetError:
            reply = b""
        assert reply == b""


async def test_verify_requires_a_client_certificate_from_the_ca(start_server, pki):
    server = start_server(config=tls_block(pki, extra="verify: true"))
    nc = await connect(server, client_context(pki, "alice"))
    assert await round_trip(nc, "verified") == b"over tls"
    await nc.close()
    await refused(server, client_context(pki))
    await refused(server, client_context(pki, "stranger"))


async def test_verify_and_map_takes_the_user_and_permissions_from_the_certificate(start_server, pki):
    users = """
authorization {
  users = [
    { user: "alice@example.com", permissions: { publish: "alice.>", subscribe: "alice.>" } }
    { user: "CN=bob,O=Acme" }
  ]
}
"""
    server = start_server(config=tls_block(pki, extra="verify_and_map: true") + users)
    alice = await connect(server, client_context(pki, "alice"))
    assert await round_trip(alice, "alice.inbox") == b"over tls"
    await alice.subscribe("bob.inbox")
    await alice.flush(timeout=WAIT_S)
    for _ in range(40):
        if alice.test_errors:
            break
        await asyncio.sleep(0.05)
    assert any("permissions violation" in str(e).lower() for e in alice.test_errors), alice.test_errors
    await alice.close()

    bob = await connect(server, client_context(pki, "bob"))
    assert await round_trip(bob, "bob.inbox") == b"over tls"
    await bob.close()

    await refused(server, client_context(pki))


@pytest.mark.skipif(is_reference(), reason="nats-server 2.9 has no handshake_first")
async def test_handshake_first_with_nats_py(start_server, pki):
    server = start_server(config=tls_block(pki, extra="handshake_first: true"))
    nc = await connect(server, client_context(pki), tls_handshake_first=True)
    assert await round_trip(nc, "first") == b"over tls"
    await nc.close()
