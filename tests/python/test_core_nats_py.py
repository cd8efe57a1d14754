"""Core NATS scenarios driven by the official Python client (nats-py).

Every test gets a fresh server (see conftest.py). Waits are bounded: a message that never arrives
fails the test through a timeout instead of hanging it. Message round trips are used as
barriers (see `barrier`): once a connection's own echo returns, everything the server queued for it
before is in the client.
"""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.errors import MaxPayloadError, NoRespondersError
from server_process import is_reference

WAIT_S = 2.0


async def connect(server, **options) -> nats.NATS:
    options.setdefault("connect_timeout", 2)
    options.setdefault("reconnect_time_wait", 0.05)
    options.setdefault("max_reconnect_attempts", 200)
    options.setdefault("error_cb", _ignore_error)
    return await nats.connect(server.url, **options)


async def _ignore_error(_err: Exception) -> None:
    return None


async def barrier(*conns: nats.NATS) -> None:
    """Round trip through the server on each connection, in the order given.

    Afterwards the server has processed everything the connection sent before, and the client
    holds everything the server queued for it before. nats-py's flush() writes its PING ahead of
    publishes still buffered in the client, so it is not such a barrier on its own; a message
    echoed back through the same buffer is.
    """
    for nc in conns:
        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox, max_msgs=1)
        await nc.publish(inbox, b"")
        await sub.next_msg(timeout=WAIT_S)


async def drain_pending(sub) -> list:
    """All messages already buffered in the client for `sub`, without waiting for more."""
    received = []
    while sub.pending_msgs > 0:
        received.append(await sub.next_msg(timeout=WAIT_S))
    return received


async def test_publish_reaches_subscriber_on_another_connection(server):
    sub_nc, pub_nc = await connect(server), await connect(server)
    sub = await sub_nc.subscribe("greet.joe")
    await barrier(sub_nc)
    await pub_nc.publish("greet.joe", b"hello", reply="answer.here")
    msg = await sub.next_msg(timeout=WAIT_S)
    assert (msg.subject, msg.data, msg.reply) == ("greet.joe", b"hello", "answer.here")
    await sub_nc.close()
    await pub_nc.close()


async def test_wildcards_match_one_token_or_the_tail(server):
    nc = await connect(server)
    star = await nc.subscribe("orders.*.new")
    tail = await nc.subscribe("orders.>")
    for subject in ["orders.eu.new", "orders.eu.old", "orders.us.new.x", "orders", "orders.x"]:
        await nc.publish(subject, subject.encode())
    await barrier(nc)
    assert [m.subject for m in await drain_pending(star)] == ["orders.eu.new"]
    assert [m.subject for m in await drain_pending(tail)] == [
        "orders.eu.new",
        "orders.eu.old",
        "orders.us.new.x",
        "orders.x",
    ]
    await nc.close()


async def test_queue_group_delivers_each_message_to_exactly_one_member(server):
    members = [await connect(server) for _ in range(3)]
    subs = [await nc.subscribe("jobs", queue="workers") for nc in members]
    watcher_nc = await connect(server)
    watcher = await watcher_nc.subscribe("jobs")
    await barrier(*members, watcher_nc)
    publisher = await connect(server)
    count = 300
    for n in range(count):
        await publisher.publish("jobs", str(n).encode())
    await barrier(publisher, *members, watcher_nc)
    per_member = [[m.data for m in await drain_pending(sub)] for sub in subs]
    delivered = [data for got in per_member for data in got]
    assert sorted(delivered) == sorted(str(n).encode() for n in range(count))
    assert all(len(got) > 0 for got in per_member), [len(got) for got in per_member]
    assert len(await drain_pending(watcher)) == count
    for nc in members + [watcher_nc, publisher]:
        await nc.close()


async def test_request_gets_reply_from_responder(server):
    responder, requester = await connect(server), await connect(server)

    async def answer(msg):
        await msg.respond(b"pong:" + msg.data)

    await responder.subscribe("svc.echo", cb=answer)
    await barrier(responder)
    reply = await requester.request("svc.echo", b"ping", timeout=WAIT_S)
    assert reply.data == b"pong:ping"
    await responder.close()
    await requester.close()


async def test_request_without_responders_fails_fast(server):
    nc = await connect(server)
    with pytest.raises(NoRespondersError):
        await nc.request("svc.nobody", b"x", timeout=WAIT_S)
    await nc.close()


async def test_headers_round_trip(server):
    # nats-py keeps one value per key; repeated keys are checked byte for byte in
    # test_protocol_raw.py and through the JavaScript and Rust clients.
    nc = await connect(server)
    sub = await nc.subscribe("with.headers")
    headers = {"Trace-Id": "abc-123", "Content-Type": "text/plain", "Spaced": "a b  c"}
    await nc.publish("with.headers", b"body", headers=headers)
    msg = await sub.next_msg(timeout=WAIT_S)
    assert msg.data == b"body"
    assert msg.headers == headers
    await nc.close()


async def test_headers_with_empty_payload_round_trip(server):
    nc = await connect(server)
    sub = await nc.subscribe("with.headers")
    await nc.publish("with.headers", b"", headers={"Only": "header"})
    msg = await sub.next_msg(timeout=WAIT_S)
    assert (msg.data, msg.headers) == (b"", {"Only": "header"})
    await nc.close()


async def test_auto_unsubscribe_after_max_msgs(server):
    nc = await connect(server)
    sub = await nc.subscribe("limited", max_msgs=3)
    for n in range(5):
        await nc.publish("limited", str(n).encode())
    await barrier(nc)
    got = [m.data for m in await drain_pending(sub)]
    assert got == [b"0", b"1", b"2"]
    await nc.close()


async def test_unsubscribe_with_limit_counts_delivered_messages(server):
    nc = await connect(server)
    sub = await nc.subscribe("limited")
    await nc.publish("limited", b"a")
    assert (await sub.next_msg(timeout=WAIT_S)).data == b"a"
    await sub.unsubscribe(limit=2)
    for data in (b"b", b"c", b"d"):
        await nc.publish("limited", data)
    await barrier(nc)
    assert [m.data for m in await drain_pending(sub)] == [b"b"]
    await nc.close()


async def test_drain_processes_buffered_messages_then_closes(server):
    nc, publisher = await connect(server), await connect(server)
    seen: list[bytes] = []

    async def handler(msg):
        await asyncio.sleep(0)
        seen.append(msg.data)

    await nc.subscribe("drained", cb=handler)
    await barrier(nc)
    for n in range(200):
        await publisher.publish("drained", str(n).encode())
    await barrier(publisher, nc)
    await asyncio.wait_for(nc.drain(), WAIT_S * 5)
    assert seen == [str(n).encode() for n in range(200)]
    assert nc.is_closed
    await publisher.close()


async def test_subscription_drain_stops_delivery_but_keeps_connection(server):
    nc = await connect(server)
    seen: list[bytes] = []

    async def handler(msg):
        seen.append(msg.data)

    sub = await nc.subscribe("drained", cb=handler)
    await nc.publish("drained", b"before")
    await barrier(nc)
    await asyncio.wait_for(sub.drain(), WAIT_S)
    await nc.publish("drained", b"after")
    await barrier(nc)
    assert seen == [b"before"]
    assert nc.is_connected
    await nc.close()


async def test_flush_completes_after_many_publishes(server):
    publisher, subscriber = await connect(server), await connect(server)
    sub = await subscriber.subscribe("flushed")
    await barrier(subscriber)
    for n in range(1000):
        await publisher.publish("flushed", n.to_bytes(4, "big"))
    await asyncio.wait_for(publisher.flush(), WAIT_S)
    await asyncio.wait_for(publisher.flush(), WAIT_S)
    await barrier(publisher, subscriber)
    assert [m.data for m in await drain_pending(sub)] == [n.to_bytes(4, "big") for n in range(1000)]
    await publisher.close()
    await subscriber.close()


async def test_payload_of_exactly_max_payload_round_trips(server):
    nc = await connect(server)
    assert nc.max_payload == 1024 * 1024
    sub = await nc.subscribe("big")
    payload = bytes(range(256)) * (nc.max_payload // 256)
    await nc.publish("big", payload)
    msg = await sub.next_msg(timeout=WAIT_S)
    assert msg.data == payload
    await nc.close()


async def test_payload_over_max_payload_is_refused(server):
    disconnected = asyncio.Event()

    async def on_disconnect() -> None:
        disconnected.set()

    nc = await connect(server, disconnected_cb=on_disconnect, allow_reconnect=False)
    # The client refuses on its own, from the max_payload the server announced.
    with pytest.raises(MaxPayloadError):
        await nc.publish("big", b"x" * (nc.max_payload + 1))
    # Past the client's own check the server must refuse with -ERR and close the connection. It
    # reads and drops the rest of the payload before it closes, so no reset can overtake the -ERR:
    # the client learns why (nats-py records the -ERR as its last error, without an error callback).
    nc._max_payload += 1
    await nc.publish("big", b"x" * nc._max_payload)
    await asyncio.wait_for(disconnected.wait(), WAIT_S)
    if is_reference():
        # nats-server closes with the payload unread: the reset may overtake its -ERR.
        assert nc.last_error is not None
    else:
        assert "maximum payload violation" in str(nc.last_error).lower(), repr(nc.last_error)
    await nc.close()


async def test_ten_thousand_subscriptions_on_one_connection(server):
    nc = await connect(server, pending_size=16 * 1024 * 1024)
    count = 10_000
    subs = [await nc.subscribe(f"many.{n}") for n in range(count)]
    for n in range(count):
        await nc.publish(f"many.{n}", b"x")
    await barrier(nc)
    assert [sub.pending_msgs for sub in subs] == [1] * count
    await nc.close()


async def test_messages_from_one_publisher_arrive_in_order(server):
    subscriber = await connect(server)
    sub = await subscriber.subscribe("ordered")
    await barrier(subscriber)
    publishers = [await connect(server) for _ in range(2)]
    count = 1000
    for n in range(count):
        for index, publisher in enumerate(publishers):
            await publisher.publish("ordered", f"{index}:{n}".encode())
    await barrier(*publishers, subscriber)
    by_publisher: dict[str, list[int]] = {"0": [], "1": []}
    for msg in await drain_pending(sub):
        index, seq = msg.data.decode().split(":")
        by_publisher[index].append(int(seq))
    assert by_publisher == {"0": list(range(count)), "1": list(range(count))}
    for nc in publishers + [subscriber]:
        await nc.close()


async def test_client_reconnects_and_resubscribes_after_server_restart(server):
    reconnected = asyncio.Event()
    disconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    async def on_disconnect() -> None:
        disconnected.set()

    nc = await connect(server, reconnected_cb=on_reconnect, disconnected_cb=on_disconnect)
    sub = await nc.subscribe("survives")
    await nc.publish("survives", b"before")
    assert (await sub.next_msg(timeout=WAIT_S)).data == b"before"

    server.restart()
    await asyncio.wait_for(disconnected.wait(), WAIT_S * 5)
    await asyncio.wait_for(reconnected.wait(), WAIT_S * 5)

    other = await connect(server)
    await barrier(nc)
    await other.publish("survives", b"after")
    assert (await sub.next_msg(timeout=WAIT_S)).data == b"after"
    await other.close()
    await nc.close()


async def test_no_echo_suppresses_own_messages(server):
    quiet = await connect(server, no_echo=True)
    other = await connect(server)
    sub = await quiet.subscribe("echo")
    marker = await other.subscribe("echo.marker")
    await barrier(other)
    await quiet.publish("echo", b"self")
    # The marker travels behind "self" on the same connection: once it arrives, the server
    # has already routed "self".
    await quiet.publish("echo.marker", b"")
    await marker.next_msg(timeout=WAIT_S)
    await other.publish("echo", b"other")
    # Had the own message been echoed it would have arrived first.
    assert (await sub.next_msg(timeout=WAIT_S)).data == b"other"
    assert sub.pending_msgs == 0
    await quiet.close()
    await other.close()


async def test_echo_is_on_by_default(server):
    nc = await connect(server)
    sub = await nc.subscribe("echo")
    await nc.publish("echo", b"self")
    assert (await sub.next_msg(timeout=WAIT_S)).data == b"self"
    await nc.close()


async def test_server_info_is_exposed_to_the_client(server):
    nc = await connect(server)
    assert nc.connected_url.port == server.port
    assert isinstance(nc.client_id, int)
    assert nc.client_ip == "127.0.0.1"
    version = nc.connected_server_version
    assert (version.major, version.minor) >= (2, 9), version
    await nc.close()
