"""Key-value and object store scenarios driven by nats-py's JetStream KV and object store APIs.

Both are client-side conventions over streams (`KV_<bucket>`, `OBJ_<bucket>`): these tests check
that the client's own API works unchanged, and look underneath at the stream where the convention
fixes what the server must do (config echoed back, markers, rollups, sequences as revisions).
Features introduced in nats-server 2.11 (per-message TTL, subject delete markers) are skipped when
the reference server is older than that.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time

import nats
import nats.js.errors as jserr
import pytest
from nats.js import api

from server_process import is_reference

WAIT_S = 5.0


async def connect(server) -> nats.NATS:
    return await nats.connect(server.url, connect_timeout=2, max_reconnect_attempts=0)


async def js_of(server):
    nc = await connect(server)
    return nc, nc.jetstream(timeout=WAIT_S)


def needs_2_11(test):
    """Per-message TTLs and markers came with nats-server 2.11; the installed reference is older."""
    return pytest.mark.skipif(is_reference(), reason="reference nats-server predates 2.11")(test)


async def collect_watch(watcher, until_init=True, count=None, timeout=WAIT_S):
    """Entries from a watcher: up to the initial-values marker (None), or exactly `count` entries."""
    entries = []
    while True:
        entry = await watcher.updates(timeout=timeout)
        if entry is None:
            if until_init:
                return entries
            continue
        entries.append(entry)
        if count is not None and len(entries) >= count:
            return entries


# ---- key-value ---------------------------------------------------------------------------------


async def test_kv_bucket_is_a_stream_with_the_kv_conventions(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="cfg", history=5, ttl=3600, max_value_size=1024, direct=True)
    info = await js.stream_info("KV_cfg")
    c = info.config
    assert c.subjects == ["$KV.cfg.>"]
    assert c.max_msgs_per_subject == 5
    assert c.deny_delete is True
    assert c.allow_direct is True
    assert c.allow_rollup_hdrs is True
    assert c.discard == api.DiscardPolicy.NEW
    assert c.max_age == 3600
    assert c.max_msg_size == 1024
    status = await kv.status()
    assert status.bucket == "cfg" and status.history == 5 and status.ttl == 3600
    # Creating the same bucket again is accepted (the config echoes back identically).
    again = await js.create_key_value(bucket="cfg", history=5, ttl=3600, max_value_size=1024, direct=True)
    assert (await again.status()).history == 5
    await nc.close()


async def test_kv_put_get_revisions_and_missing_keys(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="b")
    r1 = await kv.put("a.b", b"one")
    r2 = await kv.put("other", b"two")
    r3 = await kv.put("a.b", b"three")
    assert (r1, r2, r3) == (1, 2, 3)
    entry = await kv.get("a.b")
    assert entry.value == b"three" and entry.revision == 3 and entry.key == "a.b"
    with pytest.raises(jserr.KeyNotFoundError):
        await kv.get("nope")
    # History 1: the older revision is gone from the stream.
    with pytest.raises(jserr.KeyNotFoundError):
        await kv.get("a.b", revision=1)
    info = await js.stream_info("KV_b")
    assert info.state.messages == 2
    await nc.close()


async def test_kv_create_is_create_if_absent_and_update_checks_the_revision(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="cas")
    rev = await kv.create("k", b"v1")
    with pytest.raises(jserr.KeyWrongLastSequenceError):
        await kv.create("k", b"again")
    rev2 = await kv.update("k", b"v2", last=rev)
    assert rev2 > rev
    with pytest.raises(jserr.KeyWrongLastSequenceError):
        await kv.update("k", b"stale", last=rev)
    assert (await kv.get("k")).value == b"v2"
    # After a delete, create succeeds again (the client retries on the delete marker's revision).
    await kv.delete("k")
    rev3 = await kv.create("k", b"reborn")
    assert (await kv.get("k")).revision == rev3
    await nc.close()


async def test_kv_delete_and_purge_leave_markers(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="del", history=10)
    for i in range(3):
        await kv.put("k", f"v{i}".encode())
    await kv.delete("k")
    with pytest.raises(jserr.KeyNotFoundError):
        await kv.get("k")
    history = await kv.history("k")
    assert [e.operation for e in history] == [None, None, None, "DEL"]
    await kv.put("k", b"after")
    await kv.purge("k")
    history = await kv.history("k")
    assert len(history) == 1 and history[0].operation == "PURGE"
    with pytest.raises(jserr.KeyNotFoundError):
        await kv.get("k")
    # deny_delete: the stream refuses a direct message delete.
    info = await js.stream_info("KV_del")
    with pytest.raises(jserr.APIError):
        await js.delete_msg("KV_del", info.state.last_seq)
    await nc.close()


async def test_kv_keys_history_and_purge_deletes(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="keys", history=3)
    for i in range(5):
        await kv.put("x", f"x{i}".encode())
    await kv.put("y", b"y")
    await kv.put("z", b"z")
    await kv.delete("z")
    assert sorted(await kv.keys()) == ["x", "y"]
    assert [e.value for e in await kv.history("x")] == [b"x2", b"x3", b"x4"]
    await kv.purge_deletes(olderthan=-1)
    info = await js.stream_info("KV_keys", subjects_filter=">")
    assert "$KV.keys.z" not in (info.state.subjects or {})
    await nc.close()


async def test_kv_watch_initial_values_then_live_updates(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="w", history=5)
    await kv.put("a", b"1")
    await kv.put("a", b"2")
    await kv.put("b", b"3")
    watcher = await kv.watchall()
    initial = await collect_watch(watcher)
    assert [(e.key, e.value) for e in initial] == [("a", b"2"), ("b", b"3")]
    await kv.put("c", b"4")
    await kv.delete("a")
    live = await collect_watch(watcher, until_init=False, count=2)
    assert [(e.key, e.value, e.operation) for e in live] == [("c", b"4", None), ("a", b"", "DEL")]
    await watcher.stop()
    await nc.close()


async def test_kv_watch_on_an_empty_bucket_signals_end_of_initial_values(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="empty")
    watcher = await kv.watchall()
    assert await watcher.updates(timeout=WAIT_S) is None
    await kv.put("k", b"v")
    entry = await watcher.updates(timeout=WAIT_S)
    assert entry.key == "k" and entry.value == b"v"
    await watcher.stop()
    await nc.close()


async def test_kv_watch_options_history_deletes_and_meta_only(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="opts", history=5)
    await kv.put("k.1", b"a")
    await kv.put("k.1", b"b")
    await kv.put("k.2", b"c")
    await kv.delete("k.2")
    await kv.put("other", b"x")
    with_history = await kv.watch("k.*", include_history=True)
    entries = await collect_watch(with_history)
    assert [(e.key, e.value, e.operation) for e in entries] == [
        ("k.1", b"a", None),
        ("k.1", b"b", None),
        ("k.2", b"c", None),
        ("k.2", b"", "DEL"),
    ]
    await with_history.stop()
    no_deletes = await kv.watch("k.*", ignore_deletes=True)
    assert [(e.key, e.value) for e in await collect_watch(no_deletes)] == [("k.1", b"b")]
    await no_deletes.stop()
    meta_only = await kv.watch("k.1", meta_only=True)
    [entry] = await collect_watch(meta_only)
    assert entry.key == "k.1" and entry.value == b"" and entry.revision == 2
    await meta_only.stop()
    await nc.close()


async def test_kv_bucket_ttl_expires_values(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="ttl", ttl=1)
    await kv.put("k", b"v")
    assert (await kv.get("k")).value == b"v"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            await kv.get("k")
        except jserr.KeyNotFoundError:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("value outlived the bucket TTL")
    await nc.close()


async def test_kv_bucket_limits_refuse_oversized_values_and_full_buckets(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="lim", max_value_size=16, max_bytes=4096)
    await kv.put("small", b"x" * 16)
    with pytest.raises(jserr.APIError):
        await kv.put("big", b"x" * 17)
    with pytest.raises(jserr.APIError):
        for i in range(200):
            await kv.put(f"k{i}", b"y" * 16)
    await nc.close()


@needs_2_11
async def test_kv_per_key_ttl_and_limit_markers(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(config=api.KeyValueConfig(bucket="pk", limit_marker_ttl=1))
    info = await js.stream_info("KV_pk")
    assert info.config.allow_msg_ttl is True
    assert info.config.subject_delete_marker_ttl == 1
    watcher = await kv.watchall()
    assert await watcher.updates(timeout=WAIT_S) is None
    await kv.create("short", b"v", msg_ttl=1)
    await kv.put("long", b"w")
    created = await collect_watch(watcher, until_init=False, count=2)
    assert [e.key for e in created] == ["short", "long"]
    # The key expires by its own TTL; the server leaves a marker the watcher reports as a purge.
    [marker] = await collect_watch(watcher, until_init=False, count=1, timeout=6)
    assert marker.key == "short" and marker.operation == "PURGE"
    stored = await js.get_last_msg("KV_pk", "$KV.pk.short")
    assert not stored.data
    assert stored.headers["Nats-Marker-Reason"] == "MaxAge"
    assert stored.headers["Nats-TTL"] == "1s"
    assert stored.headers["Nats-Rollup"] == "sub"
    # The marker expires after its own TTL without leaving another marker.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            await js.get_last_msg("KV_pk", "$KV.pk.short")
        except jserr.NotFoundError:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the marker outlived its TTL")
    with pytest.raises(jserr.KeyNotFoundError):
        await kv.get("short")
    assert (await kv.get("long")).value == b"w"
    await watcher.stop()
    await nc.close()


async def test_kv_survives_restart(start_server):
    srv = start_server()
    nc, js = await js_of(srv)
    kv = await js.create_key_value(bucket="dur", history=2)
    await kv.put("k", b"1")
    await kv.put("k", b"2")
    await kv.put("k", b"3")
    await nc.close()
    srv.restart()
    nc, js = await js_of(srv)
    kv = await js.key_value("dur")
    assert (await kv.get("k")).value == b"3"
    assert [e.value for e in await kv.history("k")] == [b"2", b"3"]
    await nc.close()


async def test_kv_watch_of_ten_thousand_keys(server):
    nc, js = await js_of(server)
    kv = await js.create_key_value(bucket="many")
    n = 10_000
    acks = [asyncio.ensure_future(js.publish(f"$KV.many.k{i}", b"v")) for i in range(n)]
    await asyncio.gather(*acks)
    start = time.monotonic()
    watcher = await kv.watchall()
    entries = await collect_watch(watcher, timeout=20)
    elapsed = time.monotonic() - start
    assert len(entries) == n
    assert len({e.key for e in entries}) == n
    await watcher.stop()
    print(f"watch of {n} keys: {elapsed:.2f}s")
    await nc.close()


# ---- object store ------------------------------------------------------------------------------


async def test_obj_bucket_is_a_stream_with_the_object_conventions(server):
    nc, js = await js_of(server)
    await js.create_object_store("files", config=api.ObjectStoreConfig(description="d", ttl=3600))
    info = await js.stream_info("OBJ_files")
    c = info.config
    assert sorted(c.subjects) == ["$O.files.C.>", "$O.files.M.>"]
    assert c.allow_rollup_hdrs is True
    assert c.discard == api.DiscardPolicy.NEW
    assert c.max_age == 3600
    await nc.close()


async def test_obj_large_object_round_trips_with_digest(server):
    nc, js = await js_of(server)
    obs = await js.create_object_store("big")
    data = os.urandom(50 * 1024 * 1024 + 123)
    info = await obs.put("blob.bin", data)
    digest = "SHA-256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()
    assert info.size == len(data) and info.digest == digest
    assert info.chunks == -(-len(data) // (128 * 1024))
    got = await obs.get("blob.bin")
    assert got.info.digest == digest
    assert got.data == data
    await nc.close()


async def test_obj_meta_is_one_rolled_up_message_per_object(server):
    nc, js = await js_of(server)
    obs = await js.create_object_store("meta")
    await obs.put("doc", b"first version")
    await obs.put("doc", b"second version, longer")
    name = base64.urlsafe_b64encode(b"doc").decode()
    info = await js.stream_info("OBJ_meta", subjects_filter=">")
    subjects = info.state.subjects
    assert subjects[f"$O.meta.M.{name}"] == 1
    # The first version's chunks were purged when it was replaced.
    assert sum(v for k, v in subjects.items() if k.startswith("$O.meta.C.")) == 1
    assert (await obs.get("doc")).data == b"second version, longer"
    await nc.close()


async def test_obj_info_list_update_delete_and_watch(server):
    nc, js = await js_of(server)
    obs = await js.create_object_store("ops")
    watcher = await obs.watch()
    assert await watcher.updates(timeout=WAIT_S) is None
    await obs.put("a", b"aaa")
    await obs.put("b", b"bb")
    seen = []
    while len(seen) < 2:
        seen.append(await watcher.updates(timeout=WAIT_S))
    assert [e.name for e in seen] == ["a", "b"]
    info = await obs.get_info("a")
    assert info.size == 3 and info.chunks == 1 and not info.deleted
    await obs.update_meta("a", api.ObjectMeta(name="a", description="described"))
    assert (await obs.get_info("a")).description == "described"
    updated = await watcher.updates(timeout=WAIT_S)
    assert updated.name == "a" and updated.description == "described"
    assert sorted(o.name for o in await obs.list()) == ["a", "b"]
    await obs.delete("b")
    with pytest.raises(jserr.ObjectNotFoundError):
        await obs.get_info("b")
    assert (await obs.get_info("b", show_deleted=True)).deleted is True
    deleted = await watcher.updates(timeout=WAIT_S)
    assert deleted.name == "b" and deleted.deleted
    listed = await obs.list(ignore_deletes=True)
    assert [o.name for o in listed] == ["a"]
    await watcher.stop()
    await nc.close()


async def test_obj_empty_object_and_missing_object(server):
    nc, js = await js_of(server)
    obs = await js.create_object_store("edge")
    info = await obs.put("empty", b"")
    assert info.size == 0 and info.chunks == 0
    assert (await obs.get("empty")).data == b""
    with pytest.raises(jserr.ObjectNotFoundError):
        await obs.get("missing")
    await nc.close()
