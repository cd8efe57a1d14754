"""paho-mqtt (3.1.1 and 5) against the server under test: QoS, retained messages, Wills, persistent
sessions, MQTT 5 properties, shared subscriptions, bridging with NATS and restarts."""

from __future__ import annotations

import time

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from servers import Nats

V311, V5 = mqtt.MQTTv311, mqtt.MQTTv5
BOTH = pytest.mark.parametrize("version", [V311, V5], ids=["v311", "v5"])


def needs_v5(server, version):
    if version == V5 and not server.speaks_mqtt5:
        pytest.skip(f"{server.kind} does not speak MQTT 5")


@BOTH
def test_qos_levels_are_delivered_at_the_lower_of_both(server, paho, version):
    needs_v5(server, version)
    if server.kind == "nats-server":
        pytest.skip("nats-server 2.9 has no QoS 2")
    sub = paho(version)
    assert [rc.value for rc in sub.subscribe("t/#", qos=2)] == [2]
    pub = paho(version)
    for qos in (0, 1, 2):
        pub.publish(f"t/{qos}", f"m{qos}", qos=qos)
        m = sub.get()
        assert (m.topic, m.payload, m.qos, m.retain) == (f"t/{qos}", f"m{qos}".encode(), qos, False)
    sub1 = paho(version)
    sub1.subscribe("t/#", qos=1)
    pub.publish("t/x", "down", qos=2)
    assert sub1.get().qos == 1
    sub.get()


@BOTH
def test_retained_messages_set_replace_and_clear(server, paho, version):
    needs_v5(server, version)
    pub = paho(version)
    pub.publish("home/temp", "20", qos=1, retain=True)
    pub.publish("home/temp", "21", qos=1, retain=True)
    pub.publish("home/gone", "x", qos=0, retain=True)
    pub.publish("home/gone", "", qos=0, retain=True)
    time.sleep(0.2)
    sub = paho(version)
    sub.subscribe("home/#", qos=1)
    m = sub.get()
    assert (m.topic, m.payload, m.retain) == ("home/temp", b"21", True)
    sub.nothing()


@BOTH
def test_wills_are_published_when_a_client_vanishes(server, paho, version):
    needs_v5(server, version)
    watcher = paho(version)
    watcher.subscribe("status/#", qos=1)
    dying = paho(version, will=("status/dying", "gone", 1, False))
    dying.drop()
    m = watcher.get()
    assert (m.topic, m.payload) == ("status/dying", b"gone")
    polite = paho(version, will=("status/polite", "gone", 1, False))
    polite.close()
    watcher.nothing(0.5)


def test_persistent_311_session_receives_what_was_published_while_away(server, paho):
    sub = paho(V311, client_id="keeper", clean=False)
    sub.subscribe("away/#", qos=1)
    sub.close()
    pub = paho(V311)
    for i in range(5):
        pub.publish(f"away/{i}", str(i), qos=1)
    back = paho(V311, client_id="keeper", clean=False)
    assert back.session_present
    got = [back.get().payload for _ in range(5)]
    assert got == [str(i).encode() for i in range(5)]


def test_mqtt5_session_expiry_keeps_and_then_drops_the_session(server, paho):
    needs_v5(server, V5)
    sub = paho(V5, client_id="exp5", clean=True, session_expiry=2)
    sub.subscribe("e5", qos=1)
    sub.close()
    paho(V5).publish("e5", "kept", qos=1)
    back = paho(V5, client_id="exp5", clean=False, session_expiry=1)
    assert back.session_present
    assert back.get().payload == b"kept"
    back.close()
    time.sleep(2.5)
    again = paho(V5, client_id="exp5", clean=False, session_expiry=1)
    assert not again.session_present


def test_mqtt5_properties_travel_end_to_end(server, paho):
    needs_v5(server, V5)
    sub = paho(V5)
    sub.subscribe("p/#", qos=1)
    pub = paho(V5)
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("region", "eu"), ("region", "us")]
    props.ContentType = "application/json"
    props.ResponseTopic = "reply/to/me"
    props.CorrelationData = b"\x00\x01corr"
    props.PayloadFormatIndicator = 1
    pub.publish("p/x", "{}", qos=1, properties=props)
    m = sub.get()
    got = m.properties
    assert got.UserProperty == [("region", "eu"), ("region", "us")]
    assert got.ContentType == "application/json"
    assert got.ResponseTopic == "reply/to/me"
    assert got.CorrelationData == b"\x00\x01corr"
    assert got.PayloadFormatIndicator == 1


def test_mqtt5_shared_subscriptions_split_the_load(server, paho):
    needs_v5(server, V5)
    a, b = paho(V5), paho(V5)
    a.subscribe("$share/g/jobs/#", qos=1)
    b.subscribe("$share/g/jobs/#", qos=1)
    pub = paho(V5)
    for i in range(40):
        pub.publish("jobs/x", str(i), qos=1)
    time.sleep(0.5)
    na, nb = a.messages.qsize(), b.messages.qsize()
    assert na + nb == 40 and na > 0 and nb > 0, (na, nb)


def test_mqtt5_connack_and_no_local(server, paho):
    needs_v5(server, V5)
    c = paho(V5)
    c.subscribe("mine", qos=0, noLocal=True)
    c.subscribe("echo", qos=0)
    c.publish("mine", "x")
    c.publish("echo", "y")
    assert c.get().topic == "echo"
    c.nothing()


def test_nats_and_mqtt_exchange_messages_both_ways(server, paho):
    if not server.speaks_nats:
        pytest.skip("no NATS port")
    nats = Nats(server.nats_port)
    nats.sub("sensors.*.temp")
    sub = paho(V311)
    sub.subscribe("cmd/#", qos=1)
    pub = paho(V311)
    pub.publish("sensors/k1/temp", "21.5", qos=1)
    subject, _, headers, payload = nats.next_msg()
    assert (subject, payload) == ("sensors.k1.temp", b"21.5")
    assert b"Nmqtt-Pub:1" in headers
    nats.pub("cmd.x.y", b"go")
    nats.pub("cmd", b"parent")
    got = sorted((m.topic, m.payload) for m in (sub.get(), sub.get()))
    assert got == [("cmd", b"parent"), ("cmd/x/y", b"go")]
    nats.close()


def test_nats_publishes_reach_qos1_subscribers_at_qos1(server, paho):
    if server.kind != "switchyard":
        pytest.skip("nats-server delivers messages from NATS clients at QoS 0")
    nats = Nats(server.nats_port)
    sub = paho(V5)
    sub.subscribe("orders/#", qos=1)
    nats.pub("orders.1", b"o1")
    nats.flush()
    m = sub.get()
    assert (m.topic, m.qos) == ("orders/1", 1)
    nats.close()


def test_sessions_and_retained_messages_survive_a_restart(server, paho):
    if server.kind == "mosquitto":
        pytest.skip("mosquitto saves its state only on a clean shutdown")
    sub = paho(V311, client_id="durable", clean=False)
    sub.subscribe("d/#", qos=1)
    sub.close()
    pub = paho(V311)
    pub.publish("d/queued", "q", qos=1)
    pub.publish("d/retained", "r", qos=1, retain=True)
    pub.close()
    time.sleep(0.3)
    server.restart(graceful=False)
    back = paho(V311, client_id="durable", clean=False)
    assert back.session_present
    got = sorted(back.get().payload for _ in range(2))
    assert got == [b"q", b"r"]
    late = paho(V311)
    late.subscribe("d/retained", qos=1)
    m = late.get()
    assert (m.payload, m.retain) == (b"r", True)
