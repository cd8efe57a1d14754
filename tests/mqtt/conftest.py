"""Fixtures of the MQTT interop suite: a server per test, paho clients that collect what they receive."""

from __future__ import annotations

import queue
import uuid
from typing import Optional

import paho.mqtt.client as mqtt
import pytest

from servers import HOST, Server

WAIT = 5.0


@pytest.fixture
def server():
    srv = Server().start()
    try:
        yield srv
    finally:
        srv.cleanup()


class Paho:
    """A paho client on its own network thread; received messages land in :attr:`messages`."""

    def __init__(self, port: int, version: int, client_id: Optional[str] = None, clean: bool = True,
                 session_expiry: Optional[int] = None, will: Optional[tuple] = None,
                 properties: Optional[dict] = None) -> None:
        self.version = version
        self.client_id = client_id or f"paho-{uuid.uuid4().hex[:8]}"
        kwargs = {"client_id": self.client_id, "protocol": version}
        if version != mqtt.MQTTv5:
            kwargs["clean_session"] = clean
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, **kwargs)
        self.messages: "queue.Queue[mqtt.MQTTMessage]" = queue.Queue()
        self.connack: "queue.Queue[tuple]" = queue.Queue()
        self.subacks: "queue.Queue[list]" = queue.Queue()
        self.disconnects: "queue.Queue[object]" = queue.Queue()
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_connect = lambda c, u, flags, rc, props: self.connack.put((flags, rc, props))
        self.c.on_subscribe = lambda c, u, mid, rcs, props: self.subacks.put(rcs)
        self.c.on_disconnect = lambda c, u, flags, rc, props: self.disconnects.put(rc)
        if will:
            # (topic, payload, qos, retain) and, for MQTT 5, optionally a dict of Will properties.
            topic, payload, qos, retain, *rest = will
            will_props = None
            if rest:
                from paho.mqtt.properties import Properties
                from paho.mqtt.packettypes import PacketTypes
                will_props = Properties(PacketTypes.WILLMESSAGE)
                for k, v in rest[0].items():
                    setattr(will_props, k, v)
            self.c.will_set(topic, payload, qos, retain, properties=will_props)
        connect_props = None
        if version == mqtt.MQTTv5:
            from paho.mqtt.properties import Properties
            from paho.mqtt.packettypes import PacketTypes
            connect_props = Properties(PacketTypes.CONNECT)
            if session_expiry is not None:
                connect_props.SessionExpiryInterval = session_expiry
            for k, v in (properties or {}).items():
                setattr(connect_props, k, v)
            self.c.connect(HOST, port, keepalive=30, clean_start=clean, properties=connect_props)
        else:
            self.c.connect(HOST, port, keepalive=30)
        self.c.loop_start()
        flags, rc, props = self.connack.get(timeout=WAIT)
        assert not rc.is_failure, f"CONNACK {rc}"
        self.session_present = flags.session_present
        self.connack_props = props

    def subscribe(self, topic: str, qos: int = 0, **options) -> list:
        if self.version == mqtt.MQTTv5:
            from paho.mqtt.subscribeoptions import SubscribeOptions
            self.c.subscribe(topic, options=SubscribeOptions(qos=qos, **options))
        else:
            self.c.subscribe(topic, qos)
        return self.subacks.get(timeout=WAIT)

    def publish(self, topic: str, payload: bytes | str, qos: int = 0, retain: bool = False, properties=None) -> None:
        info = self.c.publish(topic, payload, qos, retain, properties=properties)
        info.wait_for_publish(timeout=WAIT)
        assert info.is_published(), f"publish to {topic} not completed"

    def get(self, timeout: float = WAIT) -> mqtt.MQTTMessage:
        return self.messages.get(timeout=timeout)

    def nothing(self, timeout: float = 0.3) -> None:
        try:
            m = self.messages.get(timeout=timeout)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected message on {m.topic}: {m.payload!r}")

    def drop(self) -> None:
        """Ends the connection without DISCONNECT (as a crash would)."""
        self.c.loop_stop()
        sock = self.c.socket()
        if sock is not None:
            sock.close()

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


@pytest.fixture
def paho(server):
    made: list[Paho] = []

    def make(version: int = mqtt.MQTTv311, **kwargs) -> Paho:
        client = Paho(server.mqtt_port, version, **kwargs)
        made.append(client)
        return client

    yield make
    for c in made:
        try:
            c.close()
        except Exception:
            pass
