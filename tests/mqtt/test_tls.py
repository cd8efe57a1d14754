"""MQTT over TLS: the ``mqtt { tls { cert_file key_file ca_file verify verify_and_map } }`` block, with
paho-mqtt and the mosquitto command-line clients (``--cafile``, ``--cert``/``--key``).

A throwaway PKI is made with the ``openssl`` command once per module: a CA, a server certificate for
127.0.0.1 and localhost, and two client certificates (``CN=client``, which the ``verify_and_map`` tests
configure as a user, and ``CN=stranger``, which they do not), all signed by that CA.
"""

from __future__ import annotations

import queue
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from servers import HOST, Server, target

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command makes the test PKI"),
    pytest.mark.skipif(target() == "mosquitto", reason="the tls block is the nats-server configuration"),
]

WAIT = 5.0


class Pki:
    def __init__(self, root: Path) -> None:
        self.dir = root

    def path(self, name: str) -> str:
        return str(self.dir / name)

    def openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True)

    def make(self) -> "Pki":
        self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=MQTT Test CA",
                     "-keyout", "ca-key.pem", "-out", "ca.pem")
        (self.dir / "server.ext").write_text(
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        (self.dir / "client.ext").write_text("extendedKeyUsage=clientAuth\n")
        (self.dir / "stranger.ext").write_text("extendedKeyUsage=clientAuth\n")
        for name in ("server", "client", "stranger"):
            self.openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                         "-keyout", f"{name}-key.pem", "-out", f"{name}.csr")
            self.openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                         "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem")
        return self


@pytest.fixture(scope="module")
def pki():
    root = Path(tempfile.mkdtemp(prefix="switchyard-mqtt-pki-"))
    try:
        yield Pki(root).make()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def tls_server(pki: Pki, verify: bool, verify_and_map: bool = False, config: str = ""):
    check = "verify_and_map: true" if verify_and_map else f'verify: {"true" if verify else "false"}'
    block = (f'tls {{\n cert_file: "{pki.path("server.pem")}"\n key_file: "{pki.path("server-key.pem")}"\n'
             f' ca_file: "{pki.path("ca.pem")}"\n {check}\n timeout: 2\n}}')
    return Server(mqtt_block=block, config=config)


@pytest.fixture
def server_tls(pki):
    srv = tls_server(pki, verify=False).start()
    try:
        yield srv
    finally:
        srv.cleanup()


@pytest.fixture
def server_verify(pki):
    srv = tls_server(pki, verify=True).start()
    try:
        yield srv
    finally:
        srv.cleanup()


def paho_tls(port: int, pki: Pki, version: int, client_cert: bool = False, client_id: str = "") -> tuple:
    """A connected paho client over TLS, and the queue its messages land in."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=version)
    if client_cert:
        c.tls_set(ca_certs=pki.path("ca.pem"), certfile=pki.path("client.pem"), keyfile=pki.path("client-key.pem"))
    else:
        c.tls_set(ca_certs=pki.path("ca.pem"))
    messages: "queue.Queue" = queue.Queue()
    connack: "queue.Queue" = queue.Queue()
    c.on_message = lambda _c, _u, m: messages.put(m)
    c.on_connect = lambda _c, _u, _f, rc, _p: connack.put(rc)
    c.connect(HOST, port, keepalive=30)
    c.loop_start()
    rc = connack.get(timeout=WAIT)
    assert not rc.is_failure, f"CONNACK {rc}"
    return c, messages


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_paho_clients_exchange_messages_over_tls(server_tls, pki, version):
    sub, got = paho_tls(server_tls.mqtt_port, pki, version)
    pub, _ = paho_tls(server_tls.mqtt_port, pki, version)
    try:
        sub.subscribe("tls/+", 1)
        time.sleep(0.3)
        info = pub.publish("tls/paho", b"secret", qos=1)
        info.wait_for_publish(timeout=WAIT)
        m = got.get(timeout=WAIT)
        assert (m.topic, m.payload, m.qos) == ("tls/paho", b"secret", 1)
        ssl_sock = sub.socket()
        assert isinstance(ssl_sock, ssl.SSLSocket) and ssl_sock.version() in ("TLSv1.2", "TLSv1.3")
    finally:
        for c in (sub, pub):
            c.disconnect()
            c.loop_stop()


def test_mosquitto_clients_with_cafile(server_tls, pki):
    base = ["-h", HOST, "-p", str(server_tls.mqtt_port), "--cafile", pki.path("ca.pem")]
    sub = subprocess.Popen(["mosquitto_sub", *base, "-t", "tls/cli", "-C", "1", "-W", "10"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    subprocess.run(["mosquitto_pub", *base, "-t", "tls/cli", "-m", "over tls", "-q", "1"],
                   check=True, timeout=10, capture_output=True)
    out, err = sub.communicate(timeout=10)
    assert sub.returncode == 0, err
    assert out.splitlines() == ["over tls"]


def test_a_plain_text_client_is_dropped(server_tls):
    with socket.create_connection((HOST, server_tls.mqtt_port), timeout=WAIT) as s:
        # CONNECT, MQTT 3.1.1, clean session, keep-alive 30, client id "plain".
        s.sendall(bytes([0x10, 17, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 30, 0, 5]) + b"plain")
        try:
            data = s.recv(16)
        except ConnectionResetError:
            data = b""
        assert data == b"", "no CONNACK on a TLS listener"


def test_verify_requires_a_client_certificate(server_verify, pki):
    c, got = paho_tls(server_verify.mqtt_port, pki, mqtt.MQTTv5, client_cert=True)
    try:
        c.subscribe("verified", 0)
        time.sleep(0.2)
        c.publish("verified", b"yes").wait_for_publish(timeout=WAIT)
        assert got.get(timeout=WAIT).payload == b"yes"
    finally:
        c.disconnect()
        c.loop_stop()
    refused = subprocess.run(
        ["mosquitto_pub", "-h", HOST, "-p", str(server_verify.mqtt_port), "--cafile", pki.path("ca.pem"),
         "-t", "verified", "-m", "no cert"], timeout=10, capture_output=True)
    assert refused.returncode != 0
    accepted = subprocess.run(
        ["mosquitto_pub", "-h", HOST, "-p", str(server_verify.mqtt_port), "--cafile", pki.path("ca.pem"),
         "--cert", pki.path("client.pem"), "--key", pki.path("client-key.pem"), "-t", "verified", "-m", "cert"],
        timeout=10, capture_output=True)
    assert accepted.returncode == 0, accepted.stderr


# The user the "client" certificate maps to may publish under mapped.> and subscribe under mapped.> and
# watch.>; "other" is a password user that no certificate names.
MAPPED_USERS = """authorization {
  users = [
    { user: "CN=client", permissions: { publish: "mapped.>", subscribe: ["mapped.>", "watch.>"] } }
    { user: "other", password: "secret" }
  ]
}"""


@pytest.fixture
def server_map(pki):
    srv = tls_server(pki, verify=True, verify_and_map=True, config=MAPPED_USERS).start()
    try:
        yield srv
    finally:
        srv.cleanup()


def paho_cert(port: int, pki: Pki, version: int, cert: str) -> tuple:
    """A paho client over TLS presenting certificate ``cert``, without user name or password: the client,
    its CONNACK reason code, and the queues of its messages and SUBACK reason codes."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{cert}-{uuid.uuid4().hex[:8]}", protocol=version)
    c.tls_set(ca_certs=pki.path("ca.pem"), certfile=pki.path(f"{cert}.pem"), keyfile=pki.path(f"{cert}-key.pem"))
    messages: "queue.Queue" = queue.Queue()
    connack: "queue.Queue" = queue.Queue()
    subacks: "queue.Queue" = queue.Queue()
    c.on_message = lambda _c, _u, m: messages.put(m)
    c.on_connect = lambda _c, _u, _f, rc, _p: connack.put(rc)
    c.on_subscribe = lambda _c, _u, _mid, rcs, _p: subacks.put(rcs)
    c.connect(HOST, port, keepalive=30)
    c.loop_start()
    return c, connack.get(timeout=WAIT), messages, subacks


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_verify_and_map_authenticates_as_the_certificate_user_with_its_permissions(server_map, pki, version):
    c, rc, got, subacks = paho_cert(server_map.mqtt_port, pki, version, "client")
    try:
        assert not rc.is_failure, f"CONNACK {rc}"
        c.subscribe([("mapped/+", 1), ("watch/+", 1), ("elsewhere/+", 1)])
        granted = [not r.is_failure for r in subacks.get(timeout=WAIT)]
        assert granted == [True, True, False], "subscribe permissions of the mapped user"
        c.publish("mapped/in", b"allowed", qos=1).wait_for_publish(timeout=WAIT)
        m = got.get(timeout=WAIT)
        assert (m.topic, m.payload) == ("mapped/in", b"allowed")
        # Publishing is allowed under mapped.> only: this one is not routed to the watch/+ subscription.
        c.publish("watch/out", b"denied", qos=1).wait_for_publish(timeout=WAIT)
        c.publish("mapped/after", b"marker", qos=1).wait_for_publish(timeout=WAIT)
        assert got.get(timeout=WAIT).payload == b"marker"
        assert got.empty()
    finally:
        c.disconnect()
        c.loop_stop()


@pytest.mark.parametrize("version", [mqtt.MQTTv311, mqtt.MQTTv5])
def test_verify_and_map_refuses_a_certificate_that_maps_to_no_user(server_map, pki, version):
    c, rc, _, _ = paho_cert(server_map.mqtt_port, pki, version, "stranger")
    try:
        assert rc.is_failure and str(rc) == "Not authorized", f"CONNACK {rc}"
    finally:
        c.loop_stop()
        c.disconnect()
