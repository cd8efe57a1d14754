"""The mosquitto command-line clients (3.1.1 and 5) against the server under test."""

from __future__ import annotations

import subprocess
import time

import pytest

from servers import HOST, Nats

VERSIONS = pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])


def sub_proc(server, version, *args):
    cmd = ["mosquitto_sub", "-h", HOST, "-p", str(server.mqtt_port), "-V", version, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)  # let it subscribe
    return proc


def pub(server, version, *args):
    cmd = ["mosquitto_pub", "-h", HOST, "-p", str(server.mqtt_port), "-V", version, *args]
    subprocess.run(cmd, check=True, timeout=10, capture_output=True)


def output(proc) -> list[str]:
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return out.splitlines()


def skip_v5(server, version):
    if version == "mqttv5" and not server.speaks_mqtt5:
        pytest.skip(f"{server.kind} does not speak MQTT 5")


@VERSIONS
@pytest.mark.parametrize("qos", ["0", "1", "2"])
def test_pub_reaches_sub(server, version, qos):
    skip_v5(server, version)
    if qos == "2" and server.kind == "nats-server":
        pytest.skip("nats-server 2.9 has no QoS 2")
    s = sub_proc(server, version, "-t", "a/+/c", "-q", qos, "-C", "2", "-v")
    pub(server, version, "-t", "a/b/c", "-q", qos, "-m", "first")
    pub(server, version, "-t", "a/x/c", "-q", qos, "-m", "second")
    assert output(s) == ["a/b/c first", "a/x/c second"]


@VERSIONS
def test_retained_message_is_delivered_to_a_late_subscriber(server, version):
    skip_v5(server, version)
    pub(server, version, "-t", "r/1", "-m", "kept", "-r", "-q", "1")
    s = subprocess.run(
        ["mosquitto_sub", "-h", HOST, "-p", str(server.mqtt_port), "-V", version, "-t", "r/#", "-C", "1",
         "-F", "%t %r %p"],
        capture_output=True, text=True, timeout=10, check=True,
    )
    assert s.stdout.splitlines() == ["r/1 1 kept"]
    pub(server, version, "-t", "r/1", "-r", "-n")
    s = subprocess.run(
        ["mosquitto_sub", "-h", HOST, "-p", str(server.mqtt_port), "-V", version, "-t", "r/#", "-W", "1"],
        capture_output=True, text=True, timeout=10,
    )
    assert s.stdout == "", "the retained message was cleared"


def test_mqtt5_user_properties_and_content_type(server):
    skip_v5(server, "mqttv5")
    s = sub_proc(server, "mqttv5", "-t", "props", "-C", "1", "-F", "%P|%C|%p")
    pub(server, "mqttv5", "-t", "props", "-m", "body", "-D", "publish", "user-property", "k", "v",
        "-D", "publish", "content-type", "text/plain")
    assert output(s) == ["k:v|text/plain|body"]


def test_persistent_session_queues_while_away(server):
    s = sub_proc(server, "mqttv311", "-t", "pq", "-q", "1", "-c", "-i", "persist-me", "-C", "1")
    pub(server, "mqttv311", "-t", "pq", "-q", "1", "-m", "one")
    assert output(s) == ["one"]
    pub(server, "mqttv311", "-t", "pq", "-q", "1", "-m", "while-away")
    s = sub_proc(server, "mqttv311", "-t", "pq", "-q", "1", "-c", "-i", "persist-me", "-C", "1")
    assert output(s) == ["while-away"]


def test_nats_publish_reaches_mosquitto_sub(server):
    if not server.speaks_nats:
        pytest.skip("no NATS port")
    s = sub_proc(server, "mqttv311", "-t", "cmd/#", "-C", "1", "-v")
    nats = Nats(server.nats_port)
    nats.pub("cmd.x.y", b"go")
    nats.flush()
    assert output(s) == ["cmd/x/y go"]
    nats.close()
