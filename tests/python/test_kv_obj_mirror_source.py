"""Mirrors, sources, republish and stream subject transforms, driven by nats-py.

Mirrors keep the origin's sequences; sources re-sequence and add `Nats-Stream-Source`. Both must
catch up after a server restart without losing or duplicating messages. KV buckets built on them
(a read replica mirror, a bucket sourcing another with a subject transform) are checked through the
KV API.
"""

from __future__ import annotations

import asyncio
import time

import nats
import nats.js.errors as jserr
import pytest
from nats.js import api

from server_process import is_reference

WAIT_S = 5.0


def needs_2_10(test):
    """Subject transforms (stream, mirror, source) and the republish timestamp came with nats-server
    2.10; the installed reference server is older."""
    return pytest.mark.skipif(is_reference(), reason="reference nats-server predates 2.10")(test)


async def js_of(server):
    nc = await nats.connect(server.url, connect_timeout=2, max_reconnect_attempts=0)
    return nc, nc.jetstream(timeout=WAIT_S)


async def wait_for(predicate, what: str, timeout: float = WAIT_S):
    """Polls an async predicate until it holds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


async def messages(js, stream: str):
    """Every stored message of a stream, by sequence."""
    info = await js.stream_info(stream)
    out = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            out.append(await js.get_msg(stream, seq))
        except jserr.NotFoundError:
            pass
    return out


async def count_is(js, stream: str, n: int):
    async def check():
        return (await js.stream_info(stream)).state.messages == n

    await wait_for(check, f"{n} messages in {stream}")


async def test_mirror_copies_with_the_same_sequences_and_filter(server):
    nc, js = await js_of(server)
    await js.add_stream(name="ORIGIN", subjects=["orders.>"])
    for i in range(5):
        await js.publish(f"orders.{'eu' if i % 2 else 'us'}", f"m{i}".encode(), headers={"X-I": str(i)})
    await js.add_stream(name="ALL", mirror=api.StreamSource(name="ORIGIN"))
    await js.add_stream(name="EU", mirror=api.StreamSource(name="ORIGIN", filter_subject="orders.eu"))
    await count_is(js, "ALL", 5)
    await count_is(js, "EU", 2)
    copied = await messages(js, "ALL")
    assert [(m.seq, m.subject, m.data, m.headers["X-I"]) for m in copied] == [
        (i + 1, f"orders.{'eu' if i % 2 else 'us'}", f"m{i}".encode(), str(i)) for i in range(5)
    ]
    assert [m.seq for m in await messages(js, "EU")] == [2, 4]
    # Live: new origin messages follow.
    await js.publish("orders.eu", b"late")
    await count_is(js, "ALL", 6)
    await count_is(js, "EU", 3)
    info = await js.stream_info("ALL")
    assert info.mirror.name == "ORIGIN" and info.mirror.lag == 0
    assert info.state.last_seq == 6
    await nc.close()


@needs_2_10
async def test_sources_merge_streams_with_transforms_and_source_headers(server):
    nc, js = await js_of(server)
    await js.add_stream(name="A", subjects=["a.>"])
    await js.add_stream(name="B", subjects=["b.>"])
    await js.publish("a.1", b"from a")
    await js.publish("b.1", b"from b")
    await js.publish("b.skip", b"filtered out")
    await js.add_stream(
        name="MERGED",
        subjects=["merged.local"],
        sources=[
            api.StreamSource(name="A"),
            api.StreamSource(
                name="B",
                subject_transforms=[api.SubjectTransform(src="b.*", dest="from-b.{{wildcard(1)}}")],
            ),
        ],
    )
    await count_is(js, "MERGED", 3)
    await js.publish("merged.local", b"own")
    await js.publish("a.2", b"later")
    await count_is(js, "MERGED", 5)
    got = {(m.subject, m.data) for m in await messages(js, "MERGED")}
    assert got == {
        ("a.1", b"from a"),
        ("from-b.1", b"from b"),
        ("from-b.skip", b"filtered out"),
        ("merged.local", b"own"),
        ("a.2", b"later"),
    }
    by_subject = {m.subject: m for m in await messages(js, "MERGED")}
    src = by_subject["from-b.1"].headers["Nats-Stream-Source"].split(" ")
    assert src[0] == "B" and src[1] == "1" and src[-1] == "b.1"
    assert "Nats-Stream-Source" not in (by_subject["merged.local"].headers or {})
    info = await js.stream_info("MERGED")
    assert sorted(s.name for s in info.sources) == ["A", "B"]
    await nc.close()


async def test_source_filter_subject_and_start_sequence(server):
    nc, js = await js_of(server)
    await js.add_stream(name="LOG", subjects=["log.*"])
    for i in range(10):
        await js.publish(f"log.{'err' if i % 3 == 0 else 'info'}", str(i).encode())
    await js.add_stream(
        name="ERRS",
        sources=[api.StreamSource(name="LOG", filter_subject="log.err", opt_start_seq=2)],
    )
    await count_is(js, "ERRS", 3)
    assert [m.data for m in await messages(js, "ERRS")] == [b"3", b"6", b"9"]
    await js.publish("log.err", b"10")
    await count_is(js, "ERRS", 4)
    await nc.close()


async def test_mirror_and_source_resume_after_restart_without_duplicates(start_server):
    srv = start_server()
    nc, js = await js_of(srv)
    await js.add_stream(name="O", subjects=["o.>"])
    await js.add_stream(name="M", mirror=api.StreamSource(name="O"))
    await js.add_stream(name="S", sources=[api.StreamSource(name="O")])
    for i in range(20):
        await js.publish("o.x", str(i).encode())
    await count_is(js, "M", 20)
    await count_is(js, "S", 20)
    await nc.close()
    srv.restart()
    nc, js = await js_of(srv)
    for i in range(20, 30):
        await js.publish("o.x", str(i).encode())
    await count_is(js, "M", 30)
    await count_is(js, "S", 30)
    await asyncio.sleep(0.3)
    assert [m.data for m in await messages(js, "S")] == [str(i).encode() for i in range(30)]
    assert [m.seq for m in await messages(js, "M")] == list(range(1, 31))
    await nc.close()


async def test_source_waits_for_an_origin_created_later(server):
    nc, js = await js_of(server)
    await js.add_stream(name="LATE_TARGET", sources=[api.StreamSource(name="LATE")])
    info = await js.stream_info("LATE_TARGET")
    assert info.sources[0].name == "LATE"
    await js.add_stream(name="LATE", subjects=["late"])
    await js.publish("late", b"hello")
    await count_is(js, "LATE_TARGET", 1)
    await nc.close()


@needs_2_10
async def test_republish_sends_a_copy_with_stream_headers(server):
    nc, js = await js_of(server)
    await js.add_stream(
        name="RP",
        subjects=["rp.>"],
        republish=api.RePublish(src="rp.*", dest="copy.{{wildcard(1)}}"),
    )
    sub = await nc.subscribe("copy.>")
    await nc.flush()
    await js.publish("rp.a", b"one")
    await js.publish("rp.a", b"two")
    first = await sub.next_msg(timeout=WAIT_S)
    second = await sub.next_msg(timeout=WAIT_S)
    assert (first.subject, first.data) == ("copy.a", b"one")
    assert first.headers["Nats-Stream"] == "RP"
    assert first.headers["Nats-Subject"] == "rp.a"
    assert first.headers["Nats-Sequence"] == "1"
    assert first.headers["Nats-Last-Sequence"] == "0"
    assert second.headers["Nats-Sequence"] == "2" and second.headers["Nats-Last-Sequence"] == "1"
    assert "Nats-Time-Stamp" in first.headers
    await nc.close()


async def test_republish_headers_only_reports_the_size(server):
    nc, js = await js_of(server)
    await js.add_stream(
        name="RPH",
        subjects=["rph"],
        republish=api.RePublish(src="rph", dest="rph.copy", headers_only=True),
    )
    sub = await nc.subscribe("rph.copy")
    await nc.flush()
    await js.publish("rph", b"12345")
    m = await sub.next_msg(timeout=WAIT_S)
    assert m.data == b"" and m.headers["Nats-Msg-Size"] == "5"
    await nc.close()


@needs_2_10
async def test_stream_subject_transform_rewrites_before_storing(server):
    nc, js = await js_of(server)
    await js.add_stream(
        name="TR",
        subjects=["in.>"],
        subject_transform=api.SubjectTransform(src="in.*.*", dest="stored.{{wildcard(2)}}.{{wildcard(1)}}"),
    )
    ack = await js.publish("in.a.b", b"x")
    msg = await js.get_msg("TR", ack.seq)
    assert msg.subject == "stored.b.a"
    ack = await js.publish("in.other", b"y")
    assert (await js.get_msg("TR", ack.seq)).subject == "in.other"
    await nc.close()


@needs_2_10
async def test_invalid_transforms_are_refused(server):
    nc, js = await js_of(server)
    with pytest.raises(jserr.BadRequestError):
        await js.add_stream(
            name="BAD",
            subjects=["x.*"],
            subject_transform=api.SubjectTransform(src="x.*", dest="y.{{wildcard(2)}}"),
        )
    await nc.close()


async def test_kv_mirror_is_a_read_replica(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="primary", history=3)
    await kv.put("k", b"v1")
    await kv.put("k", b"v2")
    await js.add_stream(
        name="KV_replica",
        mirror=api.StreamSource(name="KV_primary"),
        max_msgs_per_subject=3,
        allow_rollup_hdrs=True,
        deny_delete=True,
    )
    await count_is(js, "KV_replica", 2)
    last = await js.get_last_msg("KV_replica", "$KV.primary.k")
    assert last.data == b"v2" and last.seq == 2
    await nc.close()


@needs_2_10
async def test_kv_bucket_sourcing_another_with_a_subject_transform(server):
    nc, js = await js_of(server)
    src = await js.create_key_value(bucket="src")
    await src.put("a", b"1")
    await src.put("b", b"2")
    await js.add_stream(
        name="KV_dst",
        subjects=["$KV.dst.>"],
        max_msgs_per_subject=1,
        allow_rollup_hdrs=True,
        deny_delete=True,
        allow_direct=True,
        discard=api.DiscardPolicy.NEW,
        sources=[
            api.StreamSource(
                name="KV_src",
                subject_transforms=[api.SubjectTransform(src="$KV.src.>", dest="$KV.dst.>")],
            )
        ],
    )
    dst = await js.key_value("dst")

    async def both():
        try:
            return (await dst.get("a")).value == b"1" and (await dst.get("b")).value == b"2"
        except jserr.KeyNotFoundError:
            return False

    await wait_for(both, "sourced keys")
    await src.delete("a")

    async def deleted():
        try:
            await dst.get("a")
            return False
        except jserr.KeyNotFoundError:
            return True

    await wait_for(deleted, "sourced delete")
    await nc.close()
