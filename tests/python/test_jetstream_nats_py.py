"""JetStream scenarios driven by the official Python client (nats-py).

Every test gets a fresh server with JetStream on (see conftest.py). Most scenarios go through
nats-py's own JetStream API (``nc.jetstream()``, ``nc.jsm()``); where nats-py has no call for a
request (stream names, secure erase, batched Direct Get, raw pull requests and their status
replies) the test speaks the JSON API over nats-py's core connection, which is what any client
does underneath. Scenarios that nats-server 2.9.10 cannot run (features of 2.10 and later) are
skipped on it with the reason.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import time
from typing import Optional

import nats
import pytest
from nats.js import api
from nats.js.errors import APIError, BadRequestError, NotFoundError

from server_process import is_reference

WAIT_S = 2.0


def newer_than_reference(feature: str):
    """Skip on nats-server 2.9.10, which predates `feature`."""
    return pytest.mark.skipif(is_reference(), reason=f"nats-server 2.9.10 lacks {feature}")


async def _ignore_error(_err: Exception) -> None:
    return None


async def connect(server, **options) -> nats.NATS:
    options.setdefault("connect_timeout", 2)
    options.setdefault("reconnect_time_wait", 0.05)
    options.setdefault("max_reconnect_attempts", 400)
    options.setdefault("error_cb", _ignore_error)
    return await nats.connect(server.url, **options)


async def js_connect(server, **options):
    nc = await connect(server, **options)
    return nc, nc.jetstream(timeout=WAIT_S), nc.jsm(timeout=WAIT_S)


async def api_request(nc: nats.NATS, subject: str, body=None) -> dict:
    """A raw `$JS.API` request; returns the decoded JSON reply (errors included)."""
    if body is None:
        payload = b""
    elif isinstance(body, (bytes, bytearray)):
        payload = bytes(body)
    else:
        payload = json.dumps(body).encode()
    msg = await nc.request(subject, payload, timeout=WAIT_S)
    return json.loads(msg.data)


def assert_api_error(resp: dict, err_code: int, code: Optional[int] = None) -> None:
    assert "error" in resp, resp
    assert resp["error"]["err_code"] == err_code, resp
    if code is not None:
        assert resp["error"]["code"] == code, resp


def status(msg) -> Optional[str]:
    """The status code of a status message (`NATS/1.0 408 ...`), else None."""
    if msg.headers and "Status" in msg.headers:
        return msg.headers["Status"]
    return None


async def raw_pull(nc, stream: str, consumer: str, request, until_status=True, count=None, wait=WAIT_S):
    """Send a pull request by hand and collect what arrives at its inbox.

    Collects until a status message arrives (when `until_status`), `count` messages arrived, or
    `wait` seconds passed; returns every message, status messages included.
    """
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    body = request if isinstance(request, bytes) else json.dumps(request).encode()
    await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", body, reply=inbox)
    got = []
    deadline = time.monotonic() + wait
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                msg = await sub.next_msg(timeout=left)
            except nats.errors.TimeoutError:
                break
            got.append(msg)
            if until_status and status(msg) not in (None, "100"):
                break
            if count is not None and len(got) >= count:
                break
    finally:
        await sub.unsubscribe()
    return got


async def publish_n(js, subject: str, n: int, start: int = 1, **kwargs) -> list:
    acks = []
    for i in range(start, start + n):
        acks.append(await js.publish(subject, f"m{i}".encode(), **kwargs))
    return acks


async def barrier(nc: nats.NATS) -> None:
    """A round trip through the server: everything `nc` sent before has been processed."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, max_msgs=1)
    await nc.publish(inbox, b"")
    await sub.next_msg(timeout=WAIT_S)


async def stream_state(nc: nats.NATS, name: str) -> dict:
    """The raw `state` object of STREAM.INFO."""
    resp = await api_request(nc, f"$JS.API.STREAM.INFO.{name}")
    return resp["state"]


def file_bytes(subject: str, data: bytes, hdr: bytes = b"") -> int:
    """What one message adds to a file stream's `bytes` (nats-server's formula)."""
    size = 22 + len(subject) + len(data) + 8
    return size + 4 + len(hdr) if hdr else size


async def wait_until(check, timeout: float = WAIT_S, interval: float = 0.02):
    """Poll the async `check` until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


async def consumer_info_when(jsm, stream: str, name: str, predicate):
    """Consumer info once `predicate(info)` holds (acks are asynchronous on some servers)."""
    last = None

    async def check():
        nonlocal last
        last = await jsm.consumer_info(stream, name)
        return predicate(last)

    await wait_until(check)
    return last


async def pull_consumer(js, jsm, stream="S", name="d", **config):
    config.setdefault("ack_policy", api.AckPolicy.EXPLICIT)
    await jsm.add_consumer(stream, durable_name=name, **config)
    return await js.pull_subscribe_bind(name, stream=stream)


# ---- account and streams ------------------------------------------------------------------------


async def test_account_info_counts_streams_consumers_and_storage(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="FILE", subjects=["file.>"])
    await jsm.add_stream(name="MEM", subjects=["mem.>"], storage=api.StorageType.MEMORY)
    await js.publish("file.a", b"x" * 100)
    await js.publish("mem.a", b"y" * 50)
    await jsm.add_consumer("FILE", durable_name="d")
    info = await jsm.account_info()
    assert info.streams == 2
    assert info.consumers == 1
    assert info.storage == file_bytes("file.a", b"x" * 100)
    assert info.memory == len("mem.a") + 50 + 16
    raw = await api_request(nc, "$JS.API.INFO")
    assert raw["type"] == "io.nats.jetstream.api.v1.account_info_response"
    assert raw["api"]["total"] >= 1 and raw["api"]["errors"] == 0
    await nc.close()


async def test_stream_create_is_idempotent_and_a_different_config_is_refused(server):
    nc, js, jsm = await js_connect(server)
    first = await jsm.add_stream(name="S", subjects=["s.>"])
    again = await jsm.add_stream(name="S", subjects=["s.>"])
    assert again.config.subjects == first.config.subjects
    resp = await api_request(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["other.>"]})
    assert_api_error(resp, 10058, 400)
    with pytest.raises(BadRequestError) as err:
        await jsm.add_stream(name="S", subjects=["s.>"], max_msgs=5)
    assert err.value.err_code == 10058
    await nc.close()


async def test_stream_defaults_are_filled_in(server):
    nc, js, jsm = await js_connect(server)
    resp = await api_request(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"]})
    assert resp["type"] == "io.nats.jetstream.api.v1.stream_create_response"
    cfg = resp["config"]
    assert cfg["retention"] == "limits"
    assert cfg["storage"] == "file"
    assert cfg["discard"] == "old"
    assert cfg["max_msgs"] == -1 and cfg["max_bytes"] == -1 and cfg["max_consumers"] == -1
    assert cfg["max_msgs_per_subject"] == -1 and cfg["max_msg_size"] == -1
    assert cfg["max_age"] == 0
    assert cfg["duplicate_window"] == 120_000_000_000
    assert cfg["num_replicas"] == 1
    assert resp["state"]["messages"] == 0 and resp["state"]["first_seq"] == 0
    await nc.close()


async def test_overlapping_subjects_are_refused_with_10065(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="A", subjects=["orders.*"])
    resp = await api_request(nc, "$JS.API.STREAM.CREATE.B", {"name": "B", "subjects": ["orders.new"]})
    assert_api_error(resp, 10065, 400)
    await nc.close()


async def test_missing_stream_is_reported_with_10059(server):
    nc, js, jsm = await js_connect(server)
    with pytest.raises(NotFoundError) as err:
        await jsm.stream_info("NOPE")
    assert err.value.err_code == 10059
    for subject in ("$JS.API.STREAM.DELETE.NOPE", "$JS.API.STREAM.PURGE.NOPE"):
        assert_api_error(await api_request(nc, subject), 10059, 404)
    resp = await api_request(nc, "$JS.API.CONSUMER.INFO.NOPE.c")
    assert_api_error(resp, 10059, 404)
    await nc.close()


async def test_stream_update_applies_new_limits_at_once(server):
    nc, js, jsm = await js_connect(server)
    info = await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 10)
    cfg = info.config
    cfg.max_msgs = 4
    cfg.subjects = ["s.>", "t.>"]
    updated = await jsm.update_stream(cfg)
    assert updated.config.max_msgs == 4
    assert updated.state.messages == 4
    assert updated.state.first_seq == 7
    ack = await js.publish("t.x", b"new subject")
    assert ack.seq == 11
    await nc.close()


async def test_stream_update_refuses_storage_change_and_missing_stream(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    resp = await api_request(
        nc, "$JS.API.STREAM.UPDATE.S", {"name": "S", "subjects": ["s.>"], "storage": "memory"}
    )
    assert_api_error(resp, 10052, 500)
    resp = await api_request(nc, "$JS.API.STREAM.UPDATE.NOPE", {"name": "NOPE", "subjects": ["n.>"]})
    assert_api_error(resp, 10059, 404)
    await nc.close()


async def test_stream_names_and_list_page_and_filter_by_subject(server):
    nc, js, jsm = await js_connect(server)
    for name, subj in (("B", "b.>"), ("A", "a.>"), ("C", "c.x")):
        await jsm.add_stream(name=name, subjects=[subj])
    names = await api_request(nc, "$JS.API.STREAM.NAMES")
    assert names["type"] == "io.nats.jetstream.api.v1.stream_names_response"
    assert sorted(names["streams"]) == ["A", "B", "C"]
    assert names["total"] == 3 and names["offset"] == 0
    filtered = await api_request(nc, "$JS.API.STREAM.NAMES", {"subject": "c.*"})
    assert filtered["streams"] == ["C"]
    listed = await jsm.streams_info()
    assert sorted(s.config.name for s in listed) == ["A", "B", "C"]
    lst = await api_request(nc, "$JS.API.STREAM.LIST", {"subject": "a.b"})
    assert [s["config"]["name"] for s in lst["streams"]] == ["A"] and lst["total"] == 1
    assert await jsm.find_stream_name_by_subject("b.q") == "B"
    await nc.close()


async def test_stream_delete_removes_it_and_its_consumers(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"1")
    await jsm.add_consumer("S", durable_name="d")
    assert await jsm.delete_stream("S") is True
    with pytest.raises(NotFoundError):
        await jsm.stream_info("S")
    assert (await jsm.account_info()).consumers == 0
    # The subjects are free again: no stream answers, so a JetStream publish has no responders.
    with pytest.raises(Exception):
        await js.publish("s.a", b"2", timeout=0.5)
    await jsm.add_stream(name="S", subjects=["s.>"])
    ack = await js.publish("s.a", b"3")
    assert ack.seq == 1
    await nc.close()


async def test_purge_all_by_subject_by_sequence_and_keep(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for i in range(1, 12):
        await js.publish("s.a" if i % 2 else "s.b", f"{i}".encode())
    # By subject: the five s.b messages go.
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S", {"filter": "s.b"})
    assert resp == {"type": "io.nats.jetstream.api.v1.stream_purge_response", "success": True, "purged": 5}
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"], st["num_subjects"]) == (6, 1, 11, 1)
    # Below a sequence: 1 and 3 go.
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S", {"seq": 5})
    assert resp["purged"] == 2
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"]) == (4, 5)
    # Keep the newest one.
    assert await jsm.purge_stream("S", keep=1) is True
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"]) == (1, 11, 11)
    # Everything: the sequence keeps counting.
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S")
    assert resp["purged"] == 1
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"], st["bytes"]) == (0, 12, 11, 0)
    ack = await js.publish("s.a", b"after")
    assert ack.seq == 12
    await nc.close()


async def test_purge_by_subject_with_keep(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for i in range(6):
        await js.publish("s.a" if i < 4 else "s.b", b"x")
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S", {"filter": "s.a", "keep": 1})
    assert resp["purged"] == 3
    info = await jsm.stream_info("S", subjects_filter=">")
    assert info.state.messages == 3
    assert info.state.subjects == {"s.a": 1, "s.b": 2}
    await nc.close()


# ---- messages ------------------------------------------------------------------------------------


async def test_msg_get_by_sequence_last_and_next_by_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"one", headers={"X-Key": "v1"})
    await js.publish("s.b", b"two")
    await js.publish("s.a", b"three")
    msg = await jsm.get_msg("S", 1)
    assert (msg.subject, msg.seq, msg.data) == ("s.a", 1, b"one")
    assert msg.headers["X-Key"] == "v1"
    last = await jsm.get_last_msg("S", "s.a")
    assert (last.seq, last.data) == (3, b"three")
    nxt = await jsm.get_msg("S", seq=2, subject="s.a", next=True)
    assert (nxt.seq, nxt.data) == (3, b"three")
    raw = await api_request(nc, "$JS.API.STREAM.MSG.GET.S", {"seq": 2})
    assert raw["type"] == "io.nats.jetstream.api.v1.stream_msg_get_response"
    assert raw["message"]["subject"] == "s.b"
    assert base64.b64decode(raw["message"]["data"]) == b"two"
    assert "hdrs" not in raw["message"]
    assert raw["message"]["time"].endswith("Z")
    for req in ({"seq": 9}, {"last_by_subj": "s.zzz"}, {"seq": 4, "next_by_subj": "s.a"}):
        assert_api_error(await api_request(nc, "$JS.API.STREAM.MSG.GET.S", req), 10037, 404)
    await nc.close()


async def test_msg_delete_with_and_without_erase_leaves_interior_gaps(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 5)
    assert await jsm.delete_msg("S", 2) is True
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 4, "no_erase": True})
    assert resp == {"type": "io.nats.jetstream.api.v1.stream_msg_delete_response", "success": True}
    info = await api_request(nc, "$JS.API.STREAM.INFO.S", {"deleted_details": True})
    assert info["state"]["messages"] == 3
    assert info["state"]["num_deleted"] == 2
    assert sorted(info["state"]["deleted"]) == [2, 4]
    with pytest.raises(NotFoundError):
        await jsm.get_msg("S", 2)
    # Deleting the first message moves first_seq instead of leaving a gap.
    await jsm.delete_msg("S", 1)
    state = (await jsm.stream_info("S")).state
    assert (state.first_seq, state.messages, state.num_deleted) == (3, 2, 1)
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 2})
    assert "error" in resp and resp["error"]["code"] in (400, 500)
    await nc.close()


def store_contains(server, needle: bytes) -> bool:
    """Whether any file under the server's store directory holds `needle`."""
    for path in server.store_dir.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            return True
    return False


async def test_secure_delete_overwrites_the_stored_bytes(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"first-SECRET-erase-me")
    await js.publish("s.a", b"second-SECRET-keep-me")
    await js.publish("s.a", b"third")
    # Let the server write its buffers out (nats-server flushes block writes lazily).
    await asyncio.sleep(0.3)
    assert store_contains(server, b"first-SECRET-erase-me")
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 1})
    assert resp["success"] is True
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 2, "no_erase": True})
    assert resp["success"] is True
    await asyncio.sleep(0.3)
    assert not store_contains(server, b"first-SECRET-erase-me")
    await nc.close()


async def test_direct_get_by_sequence_and_by_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], allow_direct=True)
    await js.publish("s.a", b"one", headers={"X-Key": "v1"})
    await js.publish("s.b", b"two")
    await js.publish("s.a", b"three")
    msg = await jsm.get_msg("S", 1, direct=True)
    assert (msg.subject, msg.seq, msg.data) == ("s.a", 1, b"one")
    assert msg.headers["X-Key"] == "v1"
    assert msg.headers["Nats-Stream"] == "S"
    assert msg.headers["Nats-Subject"] == "s.a"
    assert msg.headers["Nats-Sequence"] == "1"
    assert msg.headers["Nats-Time-Stamp"]
    last = await jsm.get_last_msg("S", "s.a", direct=True)
    assert (last.seq, last.data) == (3, b"three")
    nxt = await jsm.get_msg("S", seq=2, subject="s.a", next=True, direct=True)
    assert (nxt.seq, nxt.data) == (3, b"three")
    with pytest.raises(NotFoundError):
        await jsm.get_msg("S", 10, direct=True)
    with pytest.raises(NotFoundError):
        await jsm.get_last_msg("S", "s.none", direct=True)
    await nc.close()


async def test_direct_get_is_absent_without_allow_direct(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"one")
    # nats-server answers nothing (its API dispatcher drops what no handler takes).
    with pytest.raises((nats.errors.NoRespondersError, nats.errors.TimeoutError)):
        await nc.request("$JS.API.DIRECT.GET.S", b'{"seq":1}', timeout=0.5)
    await nc.close()


@newer_than_reference("batched Direct Get (2.11)")
async def test_direct_get_batch_ends_with_eob(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], allow_direct=True)
    for i in range(1, 6):
        await js.publish("s.a" if i % 2 else "s.b", f"{i}".encode())
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish("$JS.API.DIRECT.GET.S", json.dumps({"seq": 2, "batch": 2, "next_by_subj": "s.a"}).encode(), reply=inbox)
    first = await sub.next_msg(timeout=WAIT_S)
    second = await sub.next_msg(timeout=WAIT_S)
    eob = await sub.next_msg(timeout=WAIT_S)
    assert [m.headers["Nats-Sequence"] for m in (first, second)] == ["3", "5"]
    assert (first.data, second.data) == (b"3", b"5")
    assert first.headers["Nats-Num-Pending"] == "1"
    assert second.headers["Nats-Num-Pending"] == "0"
    assert status(eob) == "204"
    assert eob.headers["Nats-Last-Sequence"] == "5"
    await nc.close()


# ---- stream state --------------------------------------------------------------------------------


async def test_stream_state_is_exact(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"hello")
    await js.publish("s.bb", b"world!", headers={"H": "1"})
    await js.publish("s.a", b"")
    await jsm.add_consumer("S", durable_name="c1")
    await jsm.add_consumer("S", durable_name="c2")
    await jsm.delete_msg("S", 2)
    await js.publish("s.c", b"z")
    info = await jsm.stream_info("S")
    first = await api_request(nc, "$JS.API.STREAM.MSG.GET.S", {"seq": 1})
    last = await api_request(nc, "$JS.API.STREAM.MSG.GET.S", {"seq": 4})
    raw = await api_request(nc, "$JS.API.STREAM.INFO.S")
    st = raw["state"]
    assert st["messages"] == 3
    assert st["bytes"] == file_bytes("s.a", b"hello") + file_bytes("s.a", b"") + file_bytes("s.c", b"z")
    assert (st["first_seq"], st["last_seq"]) == (1, 4)
    assert st["first_ts"] == first["message"]["time"]
    assert st["last_ts"] == last["message"]["time"]
    assert st["num_subjects"] == 2
    assert st["num_deleted"] == 1
    assert st["consumer_count"] == 2
    assert info.state.consumer_count == 2
    await nc.close()


async def test_stream_info_subject_counts(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for subj in ("s.a", "s.a", "s.b", "s.c.d"):
        await js.publish(subj, b"x")
    info = await jsm.stream_info("S", subjects_filter="s.*")
    assert info.state.subjects == {"s.a": 2, "s.b": 1}
    info = await jsm.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 2, "s.b": 1, "s.c.d": 1}
    await nc.close()


# ---- consumers: create, info, list, delete -------------------------------------------------------


async def test_consumer_create_subject_forms(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    # Legacy ephemeral: the server names it.
    resp = await api_request(nc, "$JS.API.CONSUMER.CREATE.S", {"stream_name": "S", "config": {"deliver_subject": "push.here"}})
    assert resp["type"] == "io.nats.jetstream.api.v1.consumer_create_response"
    assert len(resp["name"]) > 0 and resp["stream_name"] == "S"
    assert resp["config"]["ack_policy"] == "none" or resp["config"]["ack_policy"] == "explicit"
    # Named, without and with a filter in the subject.
    resp = await api_request(nc, "$JS.API.CONSUMER.CREATE.S.named", {"stream_name": "S", "config": {"name": "named", "ack_policy": "explicit"}})
    assert resp["name"] == "named" and resp["config"]["ack_wait"] == 30_000_000_000
    assert resp["config"]["max_ack_pending"] == 1000 and resp["config"]["max_waiting"] == 512
    resp = await api_request(
        nc,
        "$JS.API.CONSUMER.CREATE.S.filtered.s.a",
        {"stream_name": "S", "config": {"name": "filtered", "filter_subject": "s.a", "ack_policy": "explicit"}},
    )
    assert resp["config"]["filter_subject"] == "s.a"
    # The filter in the subject must be the config's.
    resp = await api_request(
        nc,
        "$JS.API.CONSUMER.CREATE.S.bad.s.b",
        {"stream_name": "S", "config": {"name": "bad", "filter_subject": "s.a", "ack_policy": "explicit"}},
    )
    assert_api_error(resp, 10131, 400)
    # Durable, legacy subject.
    resp = await api_request(nc, "$JS.API.CONSUMER.DURABLE.CREATE.S.dur", {"stream_name": "S", "config": {"durable_name": "dur", "ack_policy": "explicit"}})
    assert resp["name"] == "dur" and resp["config"]["durable_name"] == "dur"
    resp = await api_request(nc, "$JS.API.CONSUMER.DURABLE.CREATE.S.dur2", {"stream_name": "S", "config": {"durable_name": "other", "ack_policy": "explicit"}})
    assert "error" in resp and resp["error"]["code"] == 400
    # Through nats-py.
    info = await jsm.add_consumer("S", durable_name="pyd", filter_subject="s.x")
    assert info.name == "pyd" and info.config.filter_subject == "s.x"
    names = await api_request(nc, "$JS.API.CONSUMER.NAMES.S")
    assert sorted(names["consumers"]) == sorted(["dur", "filtered", "named", "pyd", resp_name(names)])
    await nc.close()


def resp_name(names: dict) -> str:
    """The server-chosen name among consumer names (the one not chosen by the test)."""
    return next(n for n in names["consumers"] if n not in ("dur", "filtered", "named", "pyd"))


async def test_consumer_create_on_missing_stream_fails_10059(server):
    nc, js, jsm = await js_connect(server)
    resp = await api_request(nc, "$JS.API.CONSUMER.CREATE.NOPE.c", {"stream_name": "NOPE", "config": {"name": "c", "ack_policy": "explicit"}})
    assert_api_error(resp, 10059, 404)
    await nc.close()


async def test_consumer_create_is_idempotent_and_updates_allowed_fields(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    cfg = {"durable_name": "d", "ack_policy": "explicit", "ack_wait": 5_000_000_000}
    first = await api_request(nc, "$JS.API.CONSUMER.CREATE.S.d", {"stream_name": "S", "config": cfg})
    again = await api_request(nc, "$JS.API.CONSUMER.CREATE.S.d", {"stream_name": "S", "config": cfg})
    assert first["created"] == again["created"]
    cfg["ack_wait"] = 7_000_000_000
    cfg["description"] = "updated"
    upd = await api_request(nc, "$JS.API.CONSUMER.CREATE.S.d", {"stream_name": "S", "config": cfg})
    assert upd["config"]["ack_wait"] == 7_000_000_000 and upd["config"]["description"] == "updated"
    # Changing the ack policy is not allowed.
    cfg["ack_policy"] = "all"
    resp = await api_request(nc, "$JS.API.CONSUMER.CREATE.S.d", {"stream_name": "S", "config": cfg})
    assert_api_error(resp, 10012, 500)
    assert resp["error"]["description"] == "ack policy can not be updated"
    await nc.close()


async def test_consumer_info_list_names_delete(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for name in ("c", "a", "b"):
        await jsm.add_consumer("S", durable_name=name, ack_policy=api.AckPolicy.EXPLICIT)
    info = await jsm.consumer_info("S", "a")
    assert info.name == "a" and info.stream_name == "S"
    listed = await jsm.consumers_info("S")
    assert sorted(c.name for c in listed) == ["a", "b", "c"]
    raw = await api_request(nc, "$JS.API.CONSUMER.LIST.S")
    assert raw["type"] == "io.nats.jetstream.api.v1.consumer_list_response" and raw["total"] == 3
    names = await api_request(nc, "$JS.API.CONSUMER.NAMES.S", {"offset": 1})
    assert names["total"] == 3 and names["offset"] == 1 and len(names["consumers"]) == 2
    assert await jsm.delete_consumer("S", "b") is True
    with pytest.raises(NotFoundError) as err:
        await jsm.consumer_info("S", "b")
    assert err.value.err_code == 10014
    assert_api_error(await api_request(nc, "$JS.API.CONSUMER.DELETE.S.b"), 10014, 404)
    assert (await jsm.stream_info("S")).state.consumer_count == 2
    await nc.close()


@newer_than_reference("filter_subjects (2.10)")
async def test_consumer_with_several_filter_subjects(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for subj in ("s.a", "s.b", "s.c", "s.a", "s.c"):
        await js.publish(subj, subj.encode())
    await jsm.add_consumer("S", name="multi", filter_subjects=["s.a", "s.c"], ack_policy=api.AckPolicy.EXPLICIT)
    info = await jsm.consumer_info("S", "multi")
    assert info.num_pending == 4
    sub = await js.pull_subscribe_bind("multi", stream="S")
    msgs = await sub.fetch(10, timeout=0.5)
    assert [m.metadata.sequence.stream for m in msgs] == [1, 3, 4, 5]
    # Overlapping filters are refused.
    resp = await api_request(
        nc,
        "$JS.API.CONSUMER.CREATE.S.bad",
        {"stream_name": "S", "config": {"name": "bad", "filter_subjects": ["s.*", "s.a"], "ack_policy": "explicit"}},
    )
    assert_api_error(resp, 10138, 400)
    await nc.close()


@newer_than_reference("consumer pause (2.11)")
async def test_paused_consumer_delivers_after_pause_until(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    resp = await api_request(nc, "$JS.API.CONSUMER.PAUSE.S.d", {"pause_until": until.isoformat().replace("+00:00", "Z")})
    assert resp["type"] == "io.nats.jetstream.api.v1.consumer_pause_response"
    assert resp["paused"] is True and resp["pause_remaining"] > 0
    info = await api_request(nc, "$JS.API.CONSUMER.INFO.S.d")
    assert info["paused"] is True
    await js.publish("s.a", b"1")
    early = await raw_pull(nc, "S", "d", {"batch": 1, "expires": 300_000_000})
    assert [status(m) for m in early] == ["408"]
    later = await raw_pull(nc, "S", "d", {"batch": 1, "expires": 2_000_000_000}, count=1)
    assert [m.data for m in later] == [b"1"]
    # Resume at once with an empty request.
    resp = await api_request(nc, "$JS.API.CONSUMER.PAUSE.S.d", {})
    assert resp["paused"] is False
    await nc.close()


# ---- pull consumers ----------------------------------------------------------------------------


async def test_pull_fetch_batches_and_acks_update_consumer_state(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 10)
    sub = await js.pull_subscribe("s.a", durable="d", stream="S")
    msgs = await sub.fetch(4, timeout=WAIT_S)
    assert [m.data for m in msgs] == [b"m1", b"m2", b"m3", b"m4"]
    md = msgs[0].metadata
    assert (md.sequence.stream, md.sequence.consumer, md.num_delivered, md.num_pending, md.stream, md.consumer) == (1, 1, 1, 9, "S", "d")
    assert msgs[3].metadata.num_pending == 6
    for m in msgs[:3]:
        await m.ack()
    await barrier(nc)
    info = await jsm.consumer_info("S", "d")
    assert (info.delivered.consumer_seq, info.delivered.stream_seq) == (4, 4)
    assert (info.ack_floor.consumer_seq, info.ack_floor.stream_seq) == (3, 3)
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered, info.num_waiting) == (1, 6, 0, 0)
    await msgs[3].ack_sync()
    rest = await sub.fetch(10, timeout=0.5)
    assert len(rest) == 6
    await nc.close()


async def test_pull_request_expires_with_408_and_pending_counts(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    await js.publish("s.a", b"one")
    got = await raw_pull(nc, "S", "d", {"batch": 3, "expires": 300_000_000})
    assert [m.data for m in got[:1]] == [b"one"]
    assert status(got[-1]) == "408"
    assert got[-1].headers.get("Description") == "Request Timeout"
    assert got[-1].headers.get("Nats-Pending-Messages") == "2"
    assert got[-1].headers.get("Nats-Pending-Bytes") == "0"
    assert len(got) == 2
    await nc.close()


async def test_pull_no_wait_on_empty_consumer_gets_404(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    got = await raw_pull(nc, "S", "d", {"batch": 5, "no_wait": True})
    assert [status(m) for m in got] == ["404"]
    assert got[0].headers.get("Description") == "No Messages"
    await publish_n(js, "s.a", 2)
    got = await raw_pull(nc, "S", "d", {"batch": 5, "no_wait": True})
    assert [m.data for m in got[:2]] == [b"m1", b"m2"]
    assert status(got[2]) == "408"
    await nc.close()


async def test_pull_request_of_a_departed_client_is_dropped(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    other = await connect(server)
    await other.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", b'{"batch":1}', reply="gone.inbox")
    await other.close()

    async def no_waiting():
        return (await jsm.consumer_info("S", "d")).num_waiting == 0

    assert await wait_until(no_waiting)
    await js.publish("s.a", b"x")
    got = await raw_pull(nc, "S", "d", {"batch": 1, "expires": 1_000_000_000}, count=1)
    assert [(m.data, status(m)) for m in got] == [(b"x", None)]
    await nc.close()


async def test_waiting_pull_request_learns_the_consumer_was_deleted(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", b'{"batch":1,"expires":5000000000}', reply=inbox)
    await barrier(nc)
    await jsm.delete_consumer("S", "d")
    msg = await sub.next_msg(timeout=WAIT_S)
    assert status(msg) == "409"
    assert msg.headers["Description"] == "Consumer Deleted"
    await nc.close()


async def test_pull_max_bytes_too_small_gets_409(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    await js.publish("s.a", b"x" * 200)
    got = await raw_pull(nc, "S", "d", {"batch": 1, "max_bytes": 50, "expires": 1_000_000_000})
    assert [status(m) for m in got] == ["409"]
    assert got[0].headers.get("Description") == "Message Size Exceeds MaxBytes"
    # A budget that fits delivers.
    got = await raw_pull(nc, "S", "d", {"batch": 5, "max_bytes": 1000, "expires": 500_000_000})
    assert got[0].data == b"x" * 200
    await nc.close()


async def test_pull_request_idle_heartbeats(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    got = await raw_pull(
        nc, "S", "d", {"batch": 1, "expires": 1_000_000_000, "idle_heartbeat": 200_000_000}, wait=1.5
    )
    codes = [status(m) for m in got]
    assert codes.count("100") >= 2, codes
    assert codes[-1] == "408"
    hb = got[0]
    assert hb.headers.get("Description") == "Idle Heartbeat"
    await nc.close()


async def test_pull_request_limits_are_enforced(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await api_request(
        nc,
        "$JS.API.CONSUMER.CREATE.S.d",
        {"stream_name": "S", "config": {"durable_name": "d", "ack_policy": "explicit", "max_batch": 2, "max_waiting": 1}},
    )
    got = await raw_pull(nc, "S", "d", {"batch": 5, "expires": 500_000_000})
    assert [status(m) for m in got] == ["409"]
    assert got[0].headers["Description"] == "Exceeded MaxRequestBatch of 2"
    await nc.close()


async def test_pull_to_a_push_consumer_is_refused(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.add_consumer("S", durable_name="p", deliver_subject="push.p", ack_policy=api.AckPolicy.EXPLICIT)
    got = await raw_pull(nc, "S", "p", {"batch": 1, "expires": 500_000_000})
    assert [status(m) for m in got] == ["409"]
    assert got[0].headers["Description"] == "Consumer is push based"
    await nc.close()


# ---- push consumers ----------------------------------------------------------------------------


async def test_push_consumer_delivers_to_its_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 3)
    sub = await nc.subscribe("push.me")
    await jsm.add_consumer("S", durable_name="p", deliver_subject="push.me", ack_policy=api.AckPolicy.EXPLICIT)
    msgs = [await sub.next_msg(timeout=WAIT_S) for _ in range(3)]
    assert [m.data for m in msgs] == [b"m1", b"m2", b"m3"]
    assert [m.subject for m in msgs] == ["s.a"] * 3
    assert msgs[0].reply.startswith("$JS.ACK.S.p.1.1.1.")
    assert msgs[0].reply.endswith(".2")
    for m in msgs:
        await m.ack_sync()
    info = await jsm.consumer_info("S", "p")
    assert info.push_bound is True
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (3, 0)
    await publish_n(js, "s.a", 1, start=4)
    live = await sub.next_msg(timeout=WAIT_S)
    assert live.data == b"m4"
    await nc.close()


async def test_push_consumer_delivers_promptly_once_its_subscriber_arrives(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 1)
    await jsm.add_consumer("S", durable_name="p", deliver_subject="late.sub", ack_policy=api.AckPolicy.NONE)
    await asyncio.sleep(0.1)
    sub = await nc.subscribe("late.sub")
    started = time.monotonic()
    msg = await sub.next_msg(timeout=WAIT_S)
    assert msg.data == b"m1"
    assert time.monotonic() - started < 0.3
    await nc.close()


async def test_push_subscribe_through_nats_py(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 5)
    sub = await js.subscribe("s.a", durable="d", manual_ack=True)
    got = []
    for _ in range(5):
        m = await sub.next_msg(timeout=WAIT_S)
        got.append(m.data)
        await m.ack()
    assert got == [b"m1", b"m2", b"m3", b"m4", b"m5"]
    await nc.close()


async def test_push_deliver_group_spreads_each_message_to_one_member(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    received = []

    async def cb(msg):
        received.append(msg.data)
        await msg.ack()

    subs = [await js.subscribe("s.a", queue="workers", durable="workers", cb=cb, manual_ack=True) for _ in range(2)]
    await publish_n(js, "s.a", 20)
    for _ in range(100):
        if len(received) >= 20:
            break
        await asyncio.sleep(0.02)
    assert sorted(received) == sorted(f"m{i}".encode() for i in range(1, 21))
    info = await consumer_info_when(jsm, "S", "workers", lambda i: i.num_ack_pending == 0)
    assert info.config.deliver_group == "workers"
    assert info.num_ack_pending == 0
    for s in subs:
        await s.unsubscribe()
    await nc.close()


async def test_push_idle_heartbeats_carry_last_sequences(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 2)
    sub = await nc.subscribe("hb.here")
    await jsm.add_consumer(
        "S", durable_name="h", deliver_subject="hb.here", idle_heartbeat=0.2, ack_policy=api.AckPolicy.NONE
    )
    msgs = [await sub.next_msg(timeout=WAIT_S) for _ in range(2)]
    assert [m.data for m in msgs] == [b"m1", b"m2"]
    hb = await sub.next_msg(timeout=WAIT_S)
    assert status(hb) == "100"
    assert hb.headers["Description"] == "Idle Heartbeat"
    assert hb.headers["Nats-Last-Consumer"] == "2"
    assert hb.headers["Nats-Last-Stream"] == "2"
    await nc.close()


async def test_push_flow_control_requests_are_answered(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    payload = b"z" * 64 * 1024
    for _ in range(40):
        await js.publish("s.big", payload)
    sub = await nc.subscribe("fc.here")
    await jsm.add_consumer(
        "S",
        durable_name="f",
        deliver_subject="fc.here",
        flow_control=True,
        idle_heartbeat=1.0,
        ack_policy=api.AckPolicy.NONE,
    )
    data_msgs = 0
    fc_requests = 0
    deadline = time.monotonic() + 5
    while data_msgs < 40 and time.monotonic() < deadline:
        msg = await sub.next_msg(timeout=WAIT_S)
        code = status(msg)
        if code == "100" and msg.headers.get("Description") == "FlowControl Request":
            fc_requests += 1
            assert msg.reply.startswith("$JS.FC.S.f.")
            await nc.publish(msg.reply, b"")
        elif code is None:
            data_msgs += 1
    assert data_msgs == 40
    assert fc_requests >= 1
    await nc.close()


async def test_push_headers_only_sends_size_instead_of_body(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"0123456789", headers={"X-Key": "k"})
    sub = await nc.subscribe("ho.here")
    await jsm.add_consumer("S", durable_name="h", deliver_subject="ho.here", headers_only=True, ack_policy=api.AckPolicy.NONE)
    msg = await sub.next_msg(timeout=WAIT_S)
    assert msg.data == b""
    assert msg.headers["Nats-Msg-Size"] == "10"
    assert msg.headers["X-Key"] == "k"
    await nc.close()


async def test_push_consumer_deliver_subject_may_not_overlap_the_stream(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    resp = await api_request(
        nc, "$JS.API.CONSUMER.DURABLE.CREATE.S.c", {"stream_name": "S", "config": {"durable_name": "c", "deliver_subject": "s.loop"}}
    )
    assert_api_error(resp, 10081, 400)
    await nc.close()


async def test_ordered_push_consumer_delivers_everything_in_order(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 50)
    sub = await js.subscribe("s.a", ordered_consumer=True, idle_heartbeat=0.5)
    got = [(await sub.next_msg(timeout=WAIT_S)).data for _ in range(50)]
    assert got == [f"m{i}".encode() for i in range(1, 51)]
    await publish_n(js, "s.a", 5, start=51)
    got = [(await sub.next_msg(timeout=WAIT_S)).data for _ in range(5)]
    assert got == [f"m{i}".encode() for i in range(51, 56)]
    info = await sub.consumer_info()
    assert info.config.ack_policy == api.AckPolicy.NONE
    assert info.config.mem_storage is True
    await nc.close()


# ---- acknowledgements ----------------------------------------------------------------------------


async def test_ack_explicit_tracks_each_message_and_floor_moves_past_gaps(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 4)
    sub = await pull_consumer(js, jsm)
    msgs = await sub.fetch(4, timeout=WAIT_S)
    await msgs[1].ack_sync()
    await msgs[3].ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (0, 2)
    await msgs[0].ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.ack_floor.consumer_seq, info.num_ack_pending) == (2, 2, 1)
    await msgs[2].ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (4, 0)
    await nc.close()


async def test_ack_all_acknowledges_everything_below(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 5)
    sub = await pull_consumer(js, jsm, ack_policy=api.AckPolicy.ALL)
    msgs = await sub.fetch(5, timeout=WAIT_S)
    await msgs[2].ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (3, 2)
    await nc.close()


async def test_ack_none_needs_no_acks(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 3)
    sub = await pull_consumer(js, jsm, ack_policy=api.AckPolicy.NONE)
    msgs = await sub.fetch(3, timeout=WAIT_S)
    assert len(msgs) == 3
    info = await jsm.consumer_info("S", "d")
    assert (info.num_ack_pending, info.num_pending) == (0, 0)
    assert (info.delivered.stream_seq, info.ack_floor.stream_seq) == (3, 3)
    await nc.close()


async def test_unacked_message_is_redelivered_after_ack_wait(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"once")
    sub = await pull_consumer(js, jsm, ack_wait=0.3)
    first = (await sub.fetch(1, timeout=WAIT_S))[0]
    assert first.metadata.num_delivered == 1
    again = (await sub.fetch(1, timeout=WAIT_S))[0]
    assert again.data == b"once"
    assert again.metadata.num_delivered == 2
    assert again.metadata.sequence.stream == 1
    assert again.metadata.sequence.consumer == 2
    info = await jsm.consumer_info("S", "d")
    assert (info.num_redelivered, info.num_ack_pending, info.delivered.consumer_seq) == (1, 1, 2)
    await again.ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.num_redelivered, info.num_ack_pending, info.ack_floor.stream_seq) == (0, 0, 1)
    await nc.close()


async def test_max_deliver_stops_redelivery(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"x")
    sub = await pull_consumer(js, jsm, ack_wait=0.2, max_deliver=2)
    assert len(await sub.fetch(1, timeout=WAIT_S)) == 1
    second = await sub.fetch(1, timeout=WAIT_S)
    assert second[0].metadata.num_delivered == 2
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.6)
    info = await jsm.consumer_info("S", "d")
    assert info.delivered.consumer_seq == 2
    assert info.num_pending == 0
    await nc.close()


async def test_backoff_spaces_redeliveries(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"x")
    sub = await pull_consumer(js, jsm, backoff=[0.2, 0.8], max_deliver=4)
    info = await jsm.consumer_info("S", "d")
    assert info.config.ack_wait == 0.2
    start = time.monotonic()
    await sub.fetch(1, timeout=WAIT_S)
    await sub.fetch(1, timeout=WAIT_S)
    second_at = time.monotonic() - start
    await sub.fetch(1, timeout=WAIT_S)
    third_at = time.monotonic() - start
    assert 0.15 <= second_at < 0.7, second_at
    assert third_at - second_at >= 0.7, (second_at, third_at)
    await nc.close()


async def test_nak_redelivers_at_once_and_nak_with_delay_later(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"x")
    sub = await pull_consumer(js, jsm, ack_wait=30)
    msg = (await sub.fetch(1, timeout=WAIT_S))[0]
    await msg.nak()
    again = (await sub.fetch(1, timeout=WAIT_S))[0]
    assert again.metadata.num_delivered == 2
    await again.nak(delay=0.6)
    start = time.monotonic()
    third = (await sub.fetch(1, timeout=WAIT_S))[0]
    assert time.monotonic() - start >= 0.5
    assert third.metadata.num_delivered == 3
    await nc.close()


async def test_in_progress_extends_the_ack_deadline(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"x")
    sub = await pull_consumer(js, jsm, ack_wait=0.5)
    msg = (await sub.fetch(1, timeout=WAIT_S))[0]
    for _ in range(3):
        await asyncio.sleep(0.3)
        await msg.in_progress()
    # 0.9 s have passed, more than ack_wait, but the progress reports kept it from redelivery.
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.2)
    await msg.ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.num_redelivered, info.num_ack_pending, info.ack_floor.stream_seq) == (0, 0, 1)
    await nc.close()


async def test_term_stops_redelivery(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 2)
    sub = await pull_consumer(js, jsm, ack_wait=0.2)
    msg = (await sub.fetch(1, timeout=WAIT_S))[0]
    await msg.term()
    nxt = (await sub.fetch(1, timeout=WAIT_S))[0]
    assert nxt.data == b"m2"
    await nxt.ack_sync()
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.5)
    info = await jsm.consumer_info("S", "d")
    assert (info.num_ack_pending, info.ack_floor.stream_seq) == (0, 2)
    await nc.close()


async def test_ack_next_acks_and_delivers_the_next_message(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 3)
    await jsm.add_consumer("S", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish("$JS.API.CONSUMER.MSG.NEXT.S.d", b'{"batch":1}', reply=inbox)
    first = await sub.next_msg(timeout=WAIT_S)
    assert first.data == b"m1"
    await nc.publish(first.reply, b"+NXT", reply=inbox)
    second = await sub.next_msg(timeout=WAIT_S)
    assert second.data == b"m2"
    await nc.publish(second.reply, b'+NXT {"batch":2}', reply=inbox)
    third = await sub.next_msg(timeout=WAIT_S)
    assert third.data == b"m3"
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.num_ack_pending) == (2, 1)
    await nc.close()


async def test_ack_sync_gets_a_reply(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"x")
    sub = await pull_consumer(js, jsm)
    msg = (await sub.fetch(1, timeout=WAIT_S))[0]
    reply = await nc.request(msg.reply, b"+ACK", timeout=WAIT_S)
    assert reply.data == b""
    await nc.close()


async def test_max_ack_pending_holds_back_deliveries(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 5)
    sub = await pull_consumer(js, jsm, max_ack_pending=2)
    msgs = await sub.fetch(5, timeout=0.5)
    assert len(msgs) == 2
    await msgs[0].ack_sync()
    more = await sub.fetch(5, timeout=0.5)
    assert [m.data for m in more] == [b"m3"]
    await nc.close()


# ---- deliver policies ----------------------------------------------------------------------------


async def first_delivered(js, jsm, **config) -> list:
    sub = await pull_consumer(js, jsm, **config)
    try:
        return [m.metadata.sequence.stream for m in await sub.fetch(10, timeout=0.4)]
    except nats.errors.TimeoutError:
        return []


async def test_deliver_policies_pick_the_start(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for subj in ("s.a", "s.b", "s.a", "s.c", "s.b"):
        await js.publish(subj, b"x")
    mid = (await jsm.get_msg("S", 3)).time
    assert await first_delivered(js, jsm, name="all", deliver_policy=api.DeliverPolicy.ALL) == [1, 2, 3, 4, 5]
    assert await first_delivered(js, jsm, name="last", deliver_policy=api.DeliverPolicy.LAST) == [5]
    assert await first_delivered(js, jsm, name="new", deliver_policy=api.DeliverPolicy.NEW) == []
    assert await first_delivered(
        js, jsm, name="seq", deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=4
    ) == [4, 5]
    assert await first_delivered(
        js, jsm, name="time", deliver_policy=api.DeliverPolicy.BY_START_TIME, opt_start_time=mid
    ) == [3, 4, 5]
    assert await first_delivered(
        js, jsm, name="lps", deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT, filter_subject="s.*"
    ) == [3, 4, 5]
    assert await first_delivered(
        js, jsm, name="lastf", deliver_policy=api.DeliverPolicy.LAST, filter_subject="s.a"
    ) == [3]
    await js.publish("s.a", b"later")
    assert await first_delivered(js, jsm, name="new2", deliver_policy=api.DeliverPolicy.NEW) == []
    info = await jsm.consumer_info("S", "new")
    assert info.num_pending == 1
    await nc.close()


async def test_consumer_num_pending_counts_only_its_filter(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for subj in ("s.a", "s.b", "s.a", "s.c"):
        await js.publish(subj, b"x")
    await jsm.add_consumer("S", durable_name="a", filter_subject="s.a", ack_policy=api.AckPolicy.EXPLICIT)
    await jsm.add_consumer("S", durable_name="w", filter_subject="s.*", ack_policy=api.AckPolicy.EXPLICIT)
    assert (await jsm.consumer_info("S", "a")).num_pending == 2
    assert (await jsm.consumer_info("S", "w")).num_pending == 4
    await js.publish("s.a", b"y")
    assert (await jsm.consumer_info("S", "a")).num_pending == 3
    await nc.close()


@pytest.mark.timeout(20)
async def test_replay_original_keeps_the_publish_spacing(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    for i in range(3):
        await js.publish("s.a", f"{i}".encode())
        if i < 2:
            await asyncio.sleep(0.4)
    sub = await nc.subscribe("replay.here")
    await jsm.add_consumer(
        "S",
        durable_name="r",
        deliver_subject="replay.here",
        replay_policy=api.ReplayPolicy.ORIGINAL,
        ack_policy=api.AckPolicy.NONE,
    )
    stamps = []
    for _ in range(3):
        await sub.next_msg(timeout=WAIT_S)
        stamps.append(time.monotonic())
    assert stamps[2] - stamps[0] >= 0.6, stamps
    await nc.close()


# ---- retention -----------------------------------------------------------------------------------


async def test_interest_retention_keeps_messages_until_every_consumer_acked(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], retention=api.RetentionPolicy.INTEREST)
    await js.publish("s.a", b"nobody listens")
    assert (await stream_state(nc, "S"))["messages"] == 0
    a = await pull_consumer(js, jsm, name="a")
    b = await pull_consumer(js, jsm, name="b")
    await publish_n(js, "s.a", 2)
    assert (await stream_state(nc, "S"))["messages"] == 2
    for m in await a.fetch(2, timeout=WAIT_S):
        await m.ack_sync()
    assert (await stream_state(nc, "S"))["messages"] == 2
    msgs = await b.fetch(2, timeout=WAIT_S)
    await msgs[0].ack_sync()
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"]) == (1, 3)
    await msgs[1].ack_sync()
    assert (await stream_state(nc, "S"))["messages"] == 0
    await nc.close()


async def test_interest_retention_ignores_consumers_whose_filter_does_not_match(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], retention=api.RetentionPolicy.INTEREST)
    a = await pull_consumer(js, jsm, name="a", filter_subject="s.a")
    await pull_consumer(js, jsm, name="b", filter_subject="s.b")
    await js.publish("s.a", b"x")
    msg = (await a.fetch(1, timeout=WAIT_S))[0]
    await msg.ack_sync()
    assert (await stream_state(nc, "S"))["messages"] == 0
    await nc.close()


async def test_interest_retention_drops_what_only_a_deleted_consumer_needed(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], retention=api.RetentionPolicy.INTEREST)
    a = await pull_consumer(js, jsm, name="a")
    await pull_consumer(js, jsm, name="b")
    await publish_n(js, "s.a", 2)
    for m in await a.fetch(2, timeout=WAIT_S):
        await m.ack_sync()
    assert (await stream_state(nc, "S"))["messages"] == 2
    await jsm.delete_consumer("S", "b")

    async def emptied():
        return (await stream_state(nc, "S"))["messages"] == 0

    assert await wait_until(emptied)
    await nc.close()


async def test_workqueue_removes_acked_messages_and_allows_one_consumer_per_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], retention=api.RetentionPolicy.WORK_QUEUE)
    await publish_n(js, "s.a", 3)
    sub = await pull_consumer(js, jsm, name="w")
    msgs = await sub.fetch(3, timeout=WAIT_S)
    await msgs[0].ack_sync()
    await msgs[2].ack_sync()
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"]) == (1, 2, 3)
    resp = await api_request(
        nc, "$JS.API.CONSUMER.CREATE.S.x", {"stream_name": "S", "config": {"name": "x", "ack_policy": "explicit"}}
    )
    assert_api_error(resp, 10099, 400)
    await jsm.delete_consumer("S", "w")
    await pull_consumer(js, jsm, name="fa", filter_subject="s.a")
    resp = await api_request(
        nc,
        "$JS.API.CONSUMER.CREATE.S.fb.s.*",
        {"stream_name": "S", "config": {"name": "fb", "filter_subject": "s.*", "ack_policy": "explicit"}},
    )
    assert_api_error(resp, 10100, 400)
    resp = await api_request(
        nc, "$JS.API.CONSUMER.CREATE.S.n", {"stream_name": "S", "config": {"name": "n", "ack_policy": "none"}}
    )
    assert_api_error(resp, 10084, 400)
    await nc.close()


# ---- limits --------------------------------------------------------------------------------------


async def test_max_msgs_discards_old(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_msgs=3)
    await publish_n(js, "s.a", 5)
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"]) == (3, 3, 5)
    await nc.close()


async def test_max_msgs_with_discard_new_refuses(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_msgs=2, discard=api.DiscardPolicy.NEW)
    await publish_n(js, "s.a", 2)
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"3")
    assert err.value.err_code == 10077
    assert err.value.description == "maximum messages exceeded"
    st = await stream_state(nc, "S")
    assert (st["messages"], st["last_seq"]) == (2, 2)
    await nc.close()


async def test_max_bytes_discards_old_and_refuses_with_discard_new(server):
    nc, js, jsm = await js_connect(server)
    one = file_bytes("s.a", b"x" * 100)
    await jsm.add_stream(name="OLD", subjects=["o.>"], max_bytes=one * 3)
    for _ in range(5):
        await js.publish("o.a", b"x" * 100)
    st = await stream_state(nc, "OLD")
    assert (st["messages"], st["bytes"], st["first_seq"]) == (3, one * 3, 3)
    await jsm.add_stream(name="NEW", subjects=["n.>"], max_bytes=one * 2, discard=api.DiscardPolicy.NEW)
    for _ in range(2):
        await js.publish("n.a", b"x" * 100)
    with pytest.raises(APIError) as err:
        await js.publish("n.a", b"x" * 100)
    assert err.value.err_code == 10077
    assert err.value.description == "maximum bytes exceeded"
    await nc.close()


async def test_max_age_expires_messages(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_age=0.5, duplicate_window=0.5)
    await publish_n(js, "s.a", 3)

    async def gone():
        return (await stream_state(nc, "S"))["messages"] == 0

    assert await wait_until(gone, timeout=3.0)
    st = await stream_state(nc, "S")
    assert (st["first_seq"], st["last_seq"]) == (4, 3)
    await nc.close()


async def test_max_msgs_per_subject_keeps_the_newest_per_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_msgs_per_subject=2)
    for subj in ("s.a", "s.a", "s.b", "s.a", "s.b", "s.b"):
        await js.publish(subj, b"x")
    info = await jsm.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 2, "s.b": 2}
    assert info.state.first_seq == 2
    await nc.close()


async def test_discard_new_per_subject_refuses_on_a_full_subject(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(
        name="S",
        subjects=["s.>"],
        max_msgs_per_subject=1,
        discard=api.DiscardPolicy.NEW,
        discard_new_per_subject=True,
    )
    await js.publish("s.a", b"1")
    await js.publish("s.b", b"1")
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"2")
    assert err.value.err_code == 10077
    assert err.value.description == "maximum messages per subject exceeded"
    await nc.close()


async def test_max_msg_size_refuses_larger_messages(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_msg_size=10)
    await js.publish("s.a", b"x" * 10)
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"x" * 11)
    assert err.value.err_code == 10054
    assert err.value.code == 400
    await nc.close()


async def test_max_consumers_is_enforced(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_consumers=1)
    await jsm.add_consumer("S", durable_name="one", ack_policy=api.AckPolicy.EXPLICIT)
    with pytest.raises(APIError) as err:
        await jsm.add_consumer("S", durable_name="two", ack_policy=api.AckPolicy.EXPLICIT)
    assert err.value.err_code == 10026
    await nc.close()


async def test_messages_removed_by_limits_leave_consumer_pending(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], max_msgs=3)
    await publish_n(js, "s.a", 3)
    sub = await pull_consumer(js, jsm, ack_wait=30)
    await sub.fetch(3, timeout=WAIT_S)
    assert (await jsm.consumer_info("S", "d")).num_ack_pending == 3
    await publish_n(js, "s.a", 2, start=4)
    info = await consumer_info_when(jsm, "S", "d", lambda i: i.num_ack_pending == 1)
    assert info.num_ack_pending == 1
    assert info.ack_floor.stream_seq == 2
    assert info.num_pending == 2
    await nc.close()


# ---- publish headers -----------------------------------------------------------------------------


async def test_duplicate_msg_id_within_the_window_is_not_stored_again(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], duplicate_window=60)
    first = await js.publish("s.a", b"1", headers={"Nats-Msg-Id": "id-1"})
    dup = await js.publish("s.a", b"1 again", headers={"Nats-Msg-Id": "id-1"})
    other = await js.publish("s.a", b"2", headers={"Nats-Msg-Id": "id-2"})
    assert (first.seq, first.duplicate) == (1, None) or (first.seq, first.duplicate) == (1, False)
    assert (dup.seq, dup.duplicate) == (1, True)
    assert other.seq == 2
    assert (await stream_state(nc, "S"))["messages"] == 2
    raw = await nc.request("s.a", b"3", headers={"Nats-Msg-Id": "id-2"}, timeout=WAIT_S)
    assert json.loads(raw.data) == {"stream": "S", "seq": 2, "duplicate": True}
    await nc.close()


async def test_duplicate_window_expires(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], duplicate_window=0.3)
    await js.publish("s.a", b"1", headers={"Nats-Msg-Id": "x"})
    await asyncio.sleep(1.2)
    again = await js.publish("s.a", b"1", headers={"Nats-Msg-Id": "x"})
    assert (again.seq, bool(again.duplicate)) == (2, False)
    await nc.close()


async def test_expected_stream_and_last_sequence_headers(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"1", headers={"Nats-Expected-Stream": "S"})
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"2", headers={"Nats-Expected-Stream": "OTHER"})
    assert (err.value.err_code, err.value.code) == (10060, 400)
    await js.publish("s.a", b"2", headers={"Nats-Expected-Last-Sequence": "1"})
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"3", headers={"Nats-Expected-Last-Sequence": "1"})
    assert err.value.err_code == 10071
    assert err.value.description == "wrong last sequence: 2"
    await nc.close()


async def test_expected_last_subject_sequence_header(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"1", headers={"Nats-Expected-Last-Subject-Sequence": "0"})
    await js.publish("s.b", b"1")
    await js.publish("s.a", b"2", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"3", headers={"Nats-Expected-Last-Subject-Sequence": "1"})
    assert (err.value.err_code, err.value.description) == (10071, "wrong last sequence: 3")
    with pytest.raises(APIError) as err:
        await js.publish("s.b", b"2", headers={"Nats-Expected-Last-Subject-Sequence": "0"})
    assert err.value.err_code == 10071
    await nc.close()


async def test_expected_last_msg_id_header(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await js.publish("s.a", b"1", headers={"Nats-Msg-Id": "a"})
    await js.publish("s.a", b"2", headers={"Nats-Msg-Id": "b", "Nats-Expected-Last-Msg-Id": "a"})
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"3", headers={"Nats-Msg-Id": "c", "Nats-Expected-Last-Msg-Id": "a"})
    assert (err.value.err_code, err.value.description) == (10070, "wrong last msg ID: b")
    await nc.close()


async def test_rollup_sub_and_all(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], allow_rollup_hdrs=True)
    for subj in ("s.a", "s.a", "s.b", "s.a"):
        await js.publish(subj, b"x")
    await js.publish("s.a", b"rolled", headers={"Nats-Rollup": "sub"})
    info = await jsm.stream_info("S", subjects_filter=">")
    assert info.state.subjects == {"s.a": 1, "s.b": 1}
    assert info.state.messages == 2
    await js.publish("s.c", b"all", headers={"Nats-Rollup": "all"})
    st = await stream_state(nc, "S")
    assert (st["messages"], st["first_seq"], st["last_seq"]) == (1, 6, 6)
    await nc.close()


async def test_rollup_needs_allow_rollup_hdrs(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"x", headers={"Nats-Rollup": "sub"})
    assert (err.value.err_code, err.value.description) == (10111, "rollup not permitted")
    await nc.close()


async def test_deny_delete_and_deny_purge(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], deny_delete=True, deny_purge=True)
    await publish_n(js, "s.a", 2)
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 1})
    assert_api_error(resp, 10057, 500)
    assert resp["error"]["description"] == "message delete not permitted"
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S")
    assert_api_error(resp, 10110, 500)
    assert resp["error"]["description"] == "stream purge not permitted"
    assert (await stream_state(nc, "S"))["messages"] == 2
    await nc.close()


async def test_sealed_stream_refuses_writes_deletes_and_purges(server):
    nc, js, jsm = await js_connect(server)
    info = await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 2)
    cfg = info.config
    cfg.sealed = True
    sealed = await jsm.update_stream(cfg)
    assert sealed.config.sealed is True
    assert sealed.config.deny_delete is True and sealed.config.deny_purge is True
    with pytest.raises(APIError) as err:
        await js.publish("s.a", b"x")
    assert err.value.err_code == 10109
    resp = await api_request(nc, "$JS.API.STREAM.PURGE.S")
    assert_api_error(resp, 10109, 400)
    resp = await api_request(nc, "$JS.API.STREAM.MSG.DELETE.S", {"seq": 1})
    assert_api_error(resp, 10109, 400)
    cfg.sealed = False
    resp = await api_request(nc, "$JS.API.STREAM.UPDATE.S", json.dumps(cfg.as_dict()).encode())
    assert_api_error(resp, 10052, 500)
    await nc.close()


async def test_no_ack_stream_stores_without_answering(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], no_ack=True)
    with pytest.raises(nats.errors.TimeoutError):
        await nc.request("s.a", b"x", timeout=0.3)
    await barrier(nc)
    assert (await stream_state(nc, "S"))["messages"] == 1
    await nc.close()


# ---- consumer state ------------------------------------------------------------------------------


async def test_consumer_counters_are_exact(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 10)
    sub = await pull_consumer(js, jsm, ack_wait=0.3)
    msgs = await sub.fetch(6, timeout=WAIT_S)
    for m in msgs[:2]:
        await m.ack_sync()
    await msgs[3].ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.delivered.consumer_seq, info.delivered.stream_seq) == (6, 6)
    assert (info.ack_floor.consumer_seq, info.ack_floor.stream_seq) == (2, 2)
    assert (info.num_ack_pending, info.num_redelivered, info.num_pending) == (3, 0, 4)
    # Let 3, 5 and 6 time out and come back (redeliveries go before new messages).
    await asyncio.sleep(0.5)
    redelivered = await sub.fetch(3, timeout=WAIT_S)
    assert [m.metadata.sequence.stream for m in redelivered] == [3, 5, 6]
    assert [m.metadata.sequence.consumer for m in redelivered] == [7, 8, 9]
    info = await jsm.consumer_info("S", "d")
    assert (info.delivered.consumer_seq, info.delivered.stream_seq) == (9, 6)
    assert (info.num_ack_pending, info.num_redelivered, info.num_pending) == (3, 3, 4)
    for m in redelivered:
        await m.ack_sync()
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.consumer_seq, info.ack_floor.stream_seq) == (9, 6)
    assert (info.num_ack_pending, info.num_redelivered, info.num_pending) == (0, 0, 4)
    await nc.close()


# ---- key-value -------------------------------------------------------------------------------------


async def test_kv_put_get_create_update_delete_purge(server):
    nc, js, jsm = await js_connect(server)
    kv = await js.create_key_value(bucket="cfg", history=5)
    info = await jsm.stream_info("KV_cfg")
    assert info.config.subjects == ["$KV.cfg.>"]
    assert info.config.allow_rollup_hdrs is True and info.config.deny_delete is True
    assert info.config.max_msgs_per_subject == 5
    rev1 = await kv.put("color", b"red")
    entry = await kv.get("color")
    assert (entry.key, entry.value, entry.revision) == ("color", b"red", rev1)
    with pytest.raises(nats.js.errors.KeyWrongLastSequenceError):
        await kv.create("color", b"blue")
    rev2 = await kv.update("color", b"blue", last=rev1)
    with pytest.raises(nats.js.errors.KeyWrongLastSequenceError):
        await kv.update("color", b"green", last=rev1)
    assert (await kv.get("color")).value == b"blue"
    created = await kv.create("size", b"L")
    assert created == rev2 + 1
    await kv.delete("size")
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("size")
    # A deleted key can be created again.
    again = await kv.create("size", b"M")
    assert (await kv.get("size")).revision == again
    await kv.put("color", b"green")
    await kv.purge("color")
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("color")
    state = await stream_state(nc, "KV_cfg")
    # One purge marker for color, the two size messages (delete marker removed? no: kept) and re-create.
    subjects = (await jsm.stream_info("KV_cfg", subjects_filter=">")).state.subjects
    assert subjects["$KV.cfg.color"] == 1
    assert state["messages"] == sum(subjects.values())
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("never")
    await nc.close()


async def test_kv_history_and_keys(server):
    nc, js, jsm = await js_connect(server)
    kv = await js.create_key_value(bucket="hist", history=3)
    for v in (b"1", b"2", b"3", b"4"):
        await kv.put("k", v)
    await kv.put("other", b"x")
    await kv.put("gone", b"x")
    await kv.delete("gone")
    history = await kv.history("k")
    assert [e.value for e in history] == [b"2", b"3", b"4"]
    assert sorted(await kv.keys()) == ["k", "other"]
    status = await kv.status()
    # k keeps 3 revisions; other 1; gone its value and the delete marker.
    assert status.values == 6 and status.history == 3
    await nc.close()


async def test_kv_watch_sends_current_values_then_updates(server):
    nc, js, jsm = await js_connect(server)
    kv = await js.create_key_value(bucket="w")
    await kv.put("a", b"1")
    await kv.put("b", b"2")
    await kv.put("a", b"3")
    watcher = await kv.watchall()
    initial = []
    while True:
        entry = await watcher.updates(timeout=WAIT_S)
        if entry is None:
            break
        initial.append((entry.key, entry.value))
    assert initial == [("b", b"2"), ("a", b"3")]
    await kv.put("c", b"4")
    await kv.delete("b")
    upd = await watcher.updates(timeout=WAIT_S)
    assert (upd.key, upd.value, upd.operation) == ("c", b"4", None)
    upd = await watcher.updates(timeout=WAIT_S)
    assert (upd.key, upd.operation) == ("b", "DEL")
    await watcher.stop()
    # An empty bucket says "no initial values" at once.
    empty = await js.create_key_value(bucket="empty")
    watcher = await empty.watchall()
    assert await watcher.updates(timeout=WAIT_S) is None
    await watcher.stop()
    await nc.close()


async def test_kv_missing_bucket(server):
    nc, js, jsm = await js_connect(server)
    with pytest.raises(nats.js.errors.BucketNotFoundError):
        await js.key_value("missing")
    await js.create_key_value(bucket="tmp")
    assert await js.delete_key_value("tmp") is True
    with pytest.raises(nats.js.errors.BucketNotFoundError):
        await js.key_value("tmp")
    await nc.close()


# ---- restarts -----------------------------------------------------------------------------------


async def test_restart_keeps_messages_dedupe_and_consumer_positions(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"], duplicate_window=60)
    acked = {}
    for i in range(1, 51):
        ack = await js.publish(f"s.{i % 3}", f"v{i}".encode(), headers={"Nats-Msg-Id": f"id{i}"})
        acked[ack.seq] = f"v{i}".encode()
    await jsm.delete_msg("S", 10)
    del acked[10]
    # d: 25 delivered (up to sequence 26, 10 is gone), 20 acknowledged (up to 21). done: everything acknowledged. new: deliver-new on an
    # empty stream, with messages published after it was made.
    d = await pull_consumer(js, jsm, name="d", ack_wait=0.5)
    msgs = await d.fetch(25, timeout=WAIT_S)
    for m in msgs[:20]:
        await m.ack_sync()
    done = await pull_consumer(js, jsm, name="done")
    for m in await done.fetch(49, timeout=WAIT_S):
        await m.ack_sync()
    await jsm.add_stream(name="NEW", subjects=["new.>"])
    await pull_consumer(js, jsm, stream="NEW", name="n", deliver_policy=api.DeliverPolicy.NEW)
    await publish_n(js, "new.a", 3)
    before = await stream_state(nc, "S")
    await nc.close()
    # nats-server writes consumer state at most ten times a second; give it the time.
    await asyncio.sleep(0.3)
    server.restart()
    nc, js, jsm = await js_connect(server)
    after = await stream_state(nc, "S")
    for key in ("messages", "bytes", "first_seq", "last_seq", "num_deleted", "first_ts", "last_ts", "num_subjects"):
        assert after[key] == before[key], key
    for seq, data in acked.items():
        assert (await jsm.get_msg("S", seq)).data == data
    dup = await js.publish("s.1", b"again", headers={"Nats-Msg-Id": "id50"})
    assert (dup.seq, dup.duplicate) == (50, True)

    info = await jsm.consumer_info("S", "d")
    assert (info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending) == (26, 21, 5)
    assert (info.delivered.consumer_seq, info.ack_floor.consumer_seq) == (25, 20)
    assert info.num_pending == 24
    await asyncio.sleep(0.6)
    sub = await js.pull_subscribe_bind("d", stream="S")
    redelivered = await sub.fetch(5, timeout=WAIT_S)
    assert [m.metadata.sequence.stream for m in redelivered] == [22, 23, 24, 25, 26]
    assert all(m.metadata.num_delivered == 2 for m in redelivered)

    info = await jsm.consumer_info("S", "done")
    assert (info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending) == (50, 0, 0)
    ack = await js.publish("s.x", b"after restart")
    sub = await js.pull_subscribe_bind("done", stream="S")
    nxt = await sub.fetch(1, timeout=WAIT_S)
    assert [m.metadata.sequence.stream for m in nxt] == [ack.seq]

    info = await jsm.consumer_info("NEW", "n")
    assert info.num_pending == 3
    sub = await js.pull_subscribe_bind("n", stream="NEW")
    assert [m.data for m in await sub.fetch(3, timeout=WAIT_S)] == [b"m1", b"m2", b"m3"]
    await nc.close()


async def test_restart_keeps_kv_buckets(server):
    nc, js, jsm = await js_connect(server)
    kv = await js.create_key_value(bucket="keep", history=2)
    await kv.put("a", b"1")
    await kv.put("a", b"2")
    await kv.put("b", b"3")
    await kv.delete("b")
    await nc.close()
    server.restart()
    nc, js, jsm = await js_connect(server)
    kv = await js.key_value("keep")
    entry = await kv.get("a")
    assert (entry.value, entry.revision) == (b"2", 2)
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("b")
    assert [e.value for e in await kv.history("a")] == [b"1", b"2"]
    await nc.close()


@pytest.mark.timeout(40)
async def test_kill_9_while_publishing_loses_no_acknowledged_message(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="S", subjects=["s.>"])
    await publish_n(js, "s.a", 100)
    d = await pull_consumer(js, jsm, name="d")
    for m in await d.fetch(100, timeout=WAIT_S):
        await m.ack_sync()
    await nc.close()

    acked: dict[int, bytes] = {}
    killed = asyncio.Event()

    async def publisher(worker: int):
        conn = await connect(server, max_reconnect_attempts=0, allow_reconnect=False)
        pjs = conn.jetstream(timeout=1)
        i = 0
        try:
            while not killed.is_set():
                data = f"w{worker}-{i}".encode()
                try:
                    ack = await pjs.publish(f"s.w{worker}", data)
                except Exception:
                    return
                acked[ack.seq] = data
                i += 1
        finally:
            try:
                await conn.close()
            except Exception:
                pass

    tasks = [asyncio.create_task(publisher(w)) for w in range(4)]
    await wait_until(lambda: asyncio.sleep(0, result=len(acked) >= 400), timeout=20)
    server.kill()
    killed.set()
    await asyncio.gather(*tasks)
    assert len(acked) >= 400

    server.restart()
    nc, js, jsm = await js_connect(server)
    st = await stream_state(nc, "S")
    assert st["last_seq"] >= max(acked)
    for seq, data in sorted(acked.items()):
        msg = await jsm.get_msg("S", seq)
        assert msg.data == data, seq
    if is_reference():
        # nats-server 2.9.10 writes consumer acks lazily and loses them to SIGKILL: its durable
        # comes back with the 100 messages delivered but unacknowledged.
        await nc.close()
        return
    info = await jsm.consumer_info("S", "d")
    assert (info.ack_floor.stream_seq, info.delivered.stream_seq, info.num_ack_pending) == (100, 100, 0)
    assert info.num_pending == st["messages"] - 100
    sub = await js.pull_subscribe_bind("d", stream="S")
    nxt = await sub.fetch(1, timeout=WAIT_S)
    assert nxt[0].metadata.sequence.stream == 101
    await nc.close()


async def test_memory_streams_do_not_outlive_a_restart(server):
    nc, js, jsm = await js_connect(server)
    await jsm.add_stream(name="M", subjects=["m.>"], storage=api.StorageType.MEMORY)
    await jsm.add_stream(name="F", subjects=["f.>"])
    await js.publish("m.a", b"1")
    await jsm.add_consumer("M", durable_name="d", ack_policy=api.AckPolicy.EXPLICIT)
    await nc.close()
    server.restart()
    nc, js, jsm = await js_connect(server)
    names = await api_request(nc, "$JS.API.STREAM.NAMES")
    assert names["streams"] == ["F"]
    with pytest.raises(NotFoundError):
        await jsm.stream_info("M")
    await nc.close()


# ---- advisories ------------------------------------------------------------------------------------


async def test_advisories_announce_streams_consumers_naks_terms_and_max_deliveries(server):
    nc, js, jsm = await js_connect(server)
    events = await nc.subscribe("$JS.EVENT.ADVISORY.>")
    await barrier(nc)
    info = await jsm.add_stream(name="S", subjects=["s.>"])
    await jsm.update_stream(info.config)
    await publish_n(js, "s.a", 2)
    sub = await pull_consumer(js, jsm, name="d", ack_wait=0.2, max_deliver=2)
    first, second = await sub.fetch(2, timeout=WAIT_S)
    await first.nak()
    await second.term()
    again = await sub.fetch(1, timeout=WAIT_S)
    assert again[0].metadata.num_delivered == 2
    await asyncio.sleep(0.3)
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.3)
    await jsm.delete_consumer("S", "d")
    await jsm.delete_stream("S")

    seen = {}
    deadline = time.monotonic() + WAIT_S
    while len(seen) < 8 and time.monotonic() < deadline:
        try:
            msg = await events.next_msg(timeout=0.5)
        except nats.errors.TimeoutError:
            continue
        if msg.subject != "$JS.EVENT.ADVISORY.API":  # API audit events are not produced by switchyard
            seen[msg.subject] = json.loads(msg.data)
    expected = {
        "$JS.EVENT.ADVISORY.STREAM.CREATED.S": ("io.nats.jetstream.advisory.v1.stream_action", "create"),
        "$JS.EVENT.ADVISORY.STREAM.UPDATED.S": ("io.nats.jetstream.advisory.v1.stream_action", "modify"),
        "$JS.EVENT.ADVISORY.STREAM.DELETED.S": ("io.nats.jetstream.advisory.v1.stream_action", "delete"),
        "$JS.EVENT.ADVISORY.CONSUMER.CREATED.S.d": ("io.nats.jetstream.advisory.v1.consumer_action", "create"),
        "$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.d": ("io.nats.jetstream.advisory.v1.consumer_action", "delete"),
        "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.d": ("io.nats.jetstream.advisory.v1.nak", None),
        "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.d": ("io.nats.jetstream.advisory.v1.terminated", None),
        "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.d": ("io.nats.jetstream.advisory.v1.max_deliver", None),
    }
    for subject, (kind, action) in expected.items():
        assert subject in seen, (subject, sorted(seen))
        event = seen[subject]
        assert event["type"] == kind
        assert event["id"] and event["timestamp"]
        assert event["stream"] == "S"
        if action:
            assert event["action"] == action
    assert (seen["$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.d"]["stream_seq"], seen["$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.d"]["deliveries"]) == (1, 1)
    term = seen["$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.d"]
    assert (term["stream_seq"], term["consumer_seq"], term["deliveries"]) == (2, 2, 1)
    maxd = seen["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.d"]
    assert (maxd["stream_seq"], maxd["deliveries"]) == (1, 2)
    await nc.close()
