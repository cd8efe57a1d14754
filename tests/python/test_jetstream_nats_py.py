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
    later = await raw_pull(nc, "S", "d", {"batch": 1, "expires": 2_000_000_000})
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
    info = await jsm.consumer_info("S", "workers")
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
