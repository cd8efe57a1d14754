"""`/mqttz` on the monitoring port: MQTT clients, sessions and retained messages as paho creates them,
and the administrative actions (kick, delete a session, clear a retained message).

nats-server and mosquitto have no such endpoint, so this file runs against switchyard only."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import paho.mqtt.client as mqtt
import pytest

from conftest import Paho
from servers import HOST, Server, free_port, target

pytestmark = pytest.mark.skipif(target() != "switchyard", reason="/mqttz is switchyard's own endpoint")


class MonitoredServer(Server):
    """The suite's server with its monitoring port turned on."""

    def __init__(self) -> None:
        super().__init__("switchyard")
        self.http_port = free_port()

    def command(self) -> list[str]:
        cmd = super().command()
        cmd[cmd.index("--no_http")] = "-m"
        cmd.insert(cmd.index("-m") + 1, str(self.http_port))
        return cmd

    def get(self, path: str):
        with urllib.request.urlopen(f"http://{HOST}:{self.http_port}{path}", timeout=5) as r:
            return json.load(r)

    def post(self, path: str) -> tuple[int, dict]:
        req = urllib.request.Request(f"http://{HOST}:{self.http_port}{path}", method="POST", data=b"")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)


@pytest.fixture
def mon():
    srv = MonitoredServer().start()
    try:
        yield srv
    finally:
        srv.cleanup()


def wait_for(check, what: str, timeout: float = 5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def session(doc: dict, client_id: str) -> dict:
    return next(s for s in doc["sessions"] if s["client_id"] == client_id)


def test_mqttz_lists_clients_sessions_and_retained_messages(mon):
    live = Paho(mon.mqtt_port, mqtt.MQTTv5, client_id="sensor-1", clean=False, session_expiry=3600)
    live.subscribe("sensors/+/temp", qos=1)
    gone = Paho(mon.mqtt_port, mqtt.MQTTv311, client_id="logger", clean=False)
    gone.subscribe("logs/#", qos=2)
    gone.close()
    live.publish("sensors/1/temp", "21.5", qos=1, retain=True)
    pub = Paho(mon.mqtt_port, mqtt.MQTTv311, client_id="pub")
    for i in range(3):
        pub.publish("logs/app", f"line {i}", qos=2)

    doc = wait_for(lambda: (d := mon.get("/mqttz")) and session(d, "logger")["queued"] == 3 and d, "queued QoS 2")
    assert doc["server_id"].startswith("N")
    assert doc["status"]["persistence"] == "file"
    assert doc["status"]["retained_topics"] == 1
    assert {c["client_id"] for c in doc["clients"]} == {"sensor-1", "pub"}
    sensor = next(c for c in doc["clients"] if c["client_id"] == "sensor-1")
    assert (sensor["protocol_level"], sensor["subscriptions"]) == (5, 1)
    live_session = session(doc, "sensor-1")
    assert live_session["connected"] and live_session["persistent"]
    assert live_session["session_expiry_interval"] == 3600
    assert [(s["filter"], s["qos"], s["subjects"]) for s in live_session["subscriptions"]] == [
        ("sensors/+/temp", 1, ["sensors.*.temp"])
    ]
    logger = session(doc, "logger")
    assert not logger["connected"] and logger["persistent"]
    assert sorted(logger["subscriptions"][0]["subjects"]) == ["logs", "logs.>"]
    assert logger["pending_qos2"] == 3
    assert [(r["topic"], r["qos"], r["bytes"]) for r in doc["retained"]] == [("sensors/1/temp", 1, 4)]

    one = mon.get("/mqttz?client_id=logger&retained=false")
    assert [s["client_id"] for s in one["sessions"]] == ["logger"] and one["clients"] == [] and one["retained"] == []
    live.close()
    pub.close()


def test_admin_kicks_clients_deletes_sessions_and_clears_retained(mon):
    dev = Paho(mon.mqtt_port, mqtt.MQTTv5, client_id="dev", clean=False, session_expiry=600)
    dev.subscribe("cmd/#", qos=1)
    dev.publish("state/dev", "on", retain=True)

    status, body = mon.post("/mqttz/clients/kick?client_id=dev")
    assert (status, body) == (200, {"ok": True})
    rc = dev.disconnects.get(timeout=5)
    assert rc.value == 0x98, f"an MQTT 5 client is told 'administrative action', got {rc}"
    doc = wait_for(lambda: (d := mon.get("/mqttz")) and not session(d, "dev")["connected"] and d, "disconnect")
    assert session(doc, "dev")["subscriptions"], "a kicked client keeps its session"
    dev.c.loop_stop()

    assert mon.post("/mqttz/clients/kick?client_id=dev")[0] == 404
    status, body = mon.post("/mqttz/sessions/delete?client_id=dev")
    assert status == 200
    assert all(s["client_id"] != "dev" for s in mon.get("/mqttz")["sessions"])
    status, body = mon.post("/mqttz/sessions/delete?client_id=dev")
    assert status == 404 and "dev" in body["error"]

    status, _ = mon.post("/mqttz/retained/delete?topic=state/dev")
    assert status == 200
    assert mon.get("/mqttz")["retained"] == []
    late = Paho(mon.mqtt_port, mqtt.MQTTv311)
    late.subscribe("state/#")
    late.nothing()
    late.close()

    status, body = mon.post("/mqttz/retained/delete")
    assert status == 400 and "topic" in body["error"]
    status, body = mon.post("/mqttz/clients/reboot?client_id=x")
    assert status == 400
