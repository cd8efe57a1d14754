"""Wills across a restart: a persistent session's Will is kept with the session, so a server that stops
under a connected client, or while a delayed Will waits, still publishes it afterwards (MQTT 5 §3.1.3.2:
after the Will Delay Interval or when the session ends, whichever comes first; a server that closes the
network connection publishes the Will).

Only switchyard keeps MQTT 5 sessions across a SIGKILL here: nats-server 2.9 speaks 3.1.1 only and
mosquitto saves its state on a clean shutdown only.
"""

from __future__ import annotations

import queue
import time

import paho.mqtt.client as mqtt
import pytest

from servers import target

V311, V5 = mqtt.MQTTv311, mqtt.MQTTv5

pytestmark = pytest.mark.skipif(target() != "switchyard", reason="needs MQTT 5 sessions that survive SIGKILL")


def retained_on(paho, topic: str, timeout: float = 5.0):
    """The retained message of `topic` as a fresh subscriber sees it, or None."""
    c = paho(V5)
    c.subscribe(topic, qos=1)
    try:
        return c.get(timeout=timeout)
    except queue.Empty:
        return None
    finally:
        c.close()


def test_the_will_of_a_client_connected_when_the_server_is_killed_is_published_after_restart(server, paho):
    c = paho(V311, client_id="crash-311", clean=False, will=("wills/crash-311", b"gone", 1, True))
    c.c.loop_stop()  # connected, but never to reconnect by itself
    time.sleep(0.3)
    server.restart(graceful=False)
    m = retained_on(paho, "wills/crash-311")
    assert m is not None and (m.payload, m.retain) == (b"gone", True)


def test_the_will_of_a_client_connected_at_a_graceful_restart_is_published_after_it(server, paho):
    c = paho(V5, client_id="graceful", clean=False, session_expiry=60,
             will=("wills/graceful", b"server went", 1, True))
    c.c.loop_stop()
    server.restart(graceful=True)
    m = retained_on(paho, "wills/graceful")
    assert m is not None and m.payload == b"server went"


def test_a_delayed_will_pending_at_a_restart_is_published_when_its_delay_ends(server, paho):
    c = paho(V5, client_id="delayed", clean=False, session_expiry=60,
             will=("wills/delayed", b"late", 1, True, {"WillDelayInterval": 3}))
    c.drop()
    time.sleep(0.3)
    server.restart(graceful=False)
    assert retained_on(paho, "wills/delayed", timeout=0.5) is None, "not before the delay"
    m = retained_on(paho, "wills/delayed", timeout=5)
    assert m is not None and m.payload == b"late"


def test_a_delayed_will_of_a_connected_client_counts_its_delay_from_the_restart(server, paho):
    c = paho(V5, client_id="delayed-live", clean=False, session_expiry=60,
             will=("wills/delayed-live", b"late", 1, True, {"WillDelayInterval": 2}))
    c.c.loop_stop()
    time.sleep(0.3)
    server.restart(graceful=False)
    assert retained_on(paho, "wills/delayed-live", timeout=0.5) is None, "not before the delay"
    m = retained_on(paho, "wills/delayed-live", timeout=5)
    assert m is not None and m.payload == b"late"


def test_session_expiry_before_the_will_delay_publishes_the_will_at_expiry(server, paho):
    c = paho(V5, client_id="expires-first", clean=False, session_expiry=2,
             will=("wills/expires-first", b"expired", 1, True, {"WillDelayInterval": 600}))
    c.drop()
    time.sleep(0.3)
    server.restart(graceful=False)
    m = retained_on(paho, "wills/expires-first", timeout=5)
    assert m is not None and m.payload == b"expired"


def test_a_client_back_within_the_delay_after_a_restart_cancels_its_will(server, paho):
    c = paho(V5, client_id="returns", clean=False, session_expiry=60,
             will=("wills/returns", b"should not", 1, True, {"WillDelayInterval": 3}))
    c.drop()
    time.sleep(0.3)
    server.restart(graceful=False)
    back = paho(V5, client_id="returns", clean=False, session_expiry=60)
    assert back.session_present
    time.sleep(3.5)
    assert retained_on(paho, "wills/returns", timeout=0.5) is None


def test_a_normal_disconnect_leaves_no_will_to_publish_after_a_restart(server, paho):
    c = paho(V5, client_id="polite", clean=False, session_expiry=60,
             will=("wills/polite", b"should not", 1, True))
    c.close()
    time.sleep(0.3)
    server.restart(graceful=False)
    assert retained_on(paho, "wills/polite", timeout=1.0) is None
