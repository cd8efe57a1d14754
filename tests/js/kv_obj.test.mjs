// Key-value and object store scenarios driven by the official JavaScript clients (@nats-io/kv,
// @nats-io/obj over @nats-io/transport-node).
//
// Both stores are client-side conventions over JetStream streams; these tests use the clients' own
// APIs and look underneath only where the convention fixes what the server must do. Features that
// came with nats-server 2.11 (per-message TTL, subject delete markers) are skipped when the reference
// server is older.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { TestServer, isReference } from "./server.mjs";

const WAIT_MS = 5_000;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Run `body(nc, server)` against a fresh server that is killed afterwards. */
function serverTest(name, body, options = {}) {
  test(name, { timeout: 120_000, ...options }, async () => {
    const server = await TestServer.start();
    const conns = [];
    const open = async () => {
      const nc = await connect({ servers: server.url, timeout: WAIT_MS, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
      conns.push(nc);
      return nc;
    };
    try {
      await body(await open(), server, open);
    } finally {
      for (const nc of conns) {
        if (!nc.isClosed()) await nc.close().catch(() => {});
      }
      await server.stop();
    }
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const iterators = new WeakMap();

/** The next `n` values of an async iterable (one iterator per iterable, kept across calls), bounded in time. */
async function take(iter, n, ms = WAIT_MS) {
  const out = [];
  if (!iterators.has(iter)) iterators.set(iter, iter[Symbol.asyncIterator]());
  const it = iterators.get(iter);
  while (out.length < n) {
    const { value, done } = await withTimeout(it.next(), ms, `entry ${out.length + 1} of ${n}`);
    if (done) break;
    out.push(value);
  }
  return out;
}

async function all(iter) {
  const out = [];
  for await (const v of iter) out.push(v);
  return out;
}

// ---- key-value ---------------------------------------------------------------------------------

serverTest("kv bucket is a KV_ stream with the conventions the client asked for", async (nc) => {
  const kv = await new Kvm(nc).create("cfg", { history: 4, ttl: 60_000, maxValueSize: 512 });
  const status = await kv.status();
  assert.equal(status.bucket, "cfg");
  assert.equal(status.history, 4);
  assert.equal(status.ttl, 60_000);
  const jsm = await jetstreamManager(nc);
  const { config } = await jsm.streams.info("KV_cfg");
  assert.deepEqual(config.subjects, ["$KV.cfg.>"]);
  assert.equal(config.max_msgs_per_subject, 4);
  assert.equal(config.allow_direct, true);
  assert.equal(config.allow_rollup_hdrs, true);
  assert.equal(config.max_msg_size, 512);
  // Opening the same bucket again binds to it.
  const again = await new Kvm(nc).open("cfg");
  assert.equal((await again.status()).history, 4);
});

serverTest("kv put, get, create, update with revision, delete and purge", async (nc) => {
  const kv = await new Kvm(nc).create("ops", { history: 10 });
  const r1 = await kv.put("a.b", "one");
  const r2 = await kv.put("a.b", "two");
  assert.deepEqual([r1, r2], [1, 2]);
  const e = await kv.get("a.b");
  assert.equal(e.string(), "two");
  assert.equal(e.revision, 2);
  assert.equal((await kv.get("a.b", { revision: 1 })).string(), "one");
  assert.equal(await kv.get("missing"), null);

  const c = await kv.create("new", "x");
  await assert.rejects(kv.create("new", "y"), /wrong last sequence|exists/i);
  const u = await kv.update("new", "y", c);
  await assert.rejects(kv.update("new", "z", c), /wrong last sequence/i);
  assert.equal((await kv.get("new")).revision, u);

  await kv.delete("a.b");
  const deleted = await kv.get("a.b");
  assert.equal(deleted.operation, "DEL");
  // create over a deleted key succeeds.
  await kv.create("a.b", "back");
  assert.equal((await kv.get("a.b")).string(), "back");

  await kv.purge("a.b");
  const hist = await all(await kv.history({ key: "a.b" }));
  assert.deepEqual(hist.map((h) => h.operation), ["PURGE"]);
  const keys = await all(await kv.keys());
  assert.deepEqual(keys.sort(), ["new"]);
});

serverTest("kv watch: initial values, then live updates, deletes and history", async (nc) => {
  const kv = await new Kvm(nc).create("watch", { history: 5 });
  await kv.put("a", "1");
  await kv.put("a", "2");
  await kv.put("b", "3");
  const w = await kv.watch();
  const initial = await take(w, 2);
  assert.deepEqual(initial.map((e) => [e.key, e.string()]), [["a", "2"], ["b", "3"]]);
  await kv.put("c", "4");
  await kv.delete("b");
  const live = await take(w, 2);
  assert.deepEqual(live.map((e) => [e.key, e.operation]), [["c", "PUT"], ["b", "DEL"]]);
  w.stop();

  const h = await kv.watch({ include: "history", ignoreDeletes: true });
  const hist = await take(h, 4);
  assert.deepEqual(hist.map((e) => `${e.key}=${e.string()}`), ["a=1", "a=2", "b=3", "c=4"]);
  h.stop();

  const meta = await kv.watch({ key: "a", headers_only: true });
  const [m] = await take(meta, 1);
  assert.equal(m.key, "a");
  assert.equal(m.value.length, 0, "headers only: no value");
  assert.equal(m.length, 1, "the value's size comes from Nats-Msg-Size");
  meta.stop();

  const upd = await kv.watch({ include: "updates" });
  await kv.put("d", "5");
  const [first] = await take(upd, 1);
  assert.equal(first.key, "d");
  upd.stop();
});

serverTest("kv watch marks initial values and updates, also on an empty bucket", async (nc) => {
  const kv = await new Kvm(nc).create("empty");
  const w = await kv.watch();
  await kv.put("k", "v");
  const [e] = await take(w, 1);
  assert.equal(e.key, "k");
  assert.equal(e.isUpdate, true, "nothing was pending when the watch started");
  w.stop();
  await kv.put("j", "w");
  const w2 = await kv.watch();
  const initial = await take(w2, 2);
  assert.deepEqual(initial.map((x) => [x.key, x.isUpdate]), [["k", false], ["j", true]]);
  w2.stop();
});

serverTest("kv bucket list and status of several buckets", async (nc) => {
  const kvm = new Kvm(nc);
  await kvm.create("one");
  await kvm.create("two", { history: 3 });
  const names = (await all(kvm.list())).map((s) => s.bucket).sort();
  assert.deepEqual(names, ["one", "two"]);
});

serverTest(
  "kv per-key ttl removes the key and the watcher sees the marker",
  async (nc) => {
    const kv = await new Kvm(nc).create("ttl", { markerTTL: 1_000 });
    const status = await kv.status();
    assert.equal(status.markerTTL, 1_000);
    const w = await kv.watch({ include: "updates" });
    await kv.create("short", "v", "1s");
    await kv.put("long", "w");
    const [created, other, marker] = await take(w, 3, 8_000);
    assert.equal(created.key, "short");
    assert.equal(other.key, "long");
    assert.equal(marker.key, "short");
    assert.equal(marker.operation, "PURGE");
    assert.equal(await kv.get("short").then((e) => e?.operation ?? "gone"), "PURGE");
    w.stop();
  },
  { skip: isReference() && "reference nats-server predates 2.11" },
);

serverTest(
  "kv purge with a ttl leaves a marker that expires itself",
  async (nc) => {
    const kv = await new Kvm(nc).create("purgettl", { markerTTL: 1_000 });
    await kv.put("k", "v");
    await kv.purge("k", { ttl: "1s" });
    assert.equal((await kv.get("k")).operation, "PURGE");
    const deadline = Date.now() + 5_000;
    while ((await kv.get("k")) !== null) {
      assert.ok(Date.now() < deadline, "purge marker outlived its ttl");
      await new Promise((r) => setTimeout(r, 100));
    }
  },
  { skip: isReference() && "reference nats-server predates 2.11" },
);

// ---- object store ------------------------------------------------------------------------------

serverTest("object store: 64 MiB object round trip with SHA-256 digest", async (nc) => {
  const os = await new Objm(nc).create("big");
  const data = randomBytes(64 * 1024 * 1024 + 7);
  const info = await os.putBlob({ name: "blob" }, data);
  const digest = "SHA-256=" + createHash("sha256").update(data).digest("base64url") + "=";
  assert.equal(info.size, data.length);
  assert.equal(info.digest, digest);
  const got = await os.getBlob("blob");
  assert.ok(got, "object found");
  assert.equal(got.length, data.length);
  assert.ok(Buffer.from(got).equals(data), "content identical");
});

serverTest("object store: info, list, update, delete, watch", async (nc) => {
  const os = await new Objm(nc).create("ops");
  const w = await os.watch();
  await os.putBlob({ name: "a", description: "first" }, enc.encode("aaa"));
  await os.putBlob({ name: "b" }, enc.encode("bb"));
  const seen = await take(w, 2);
  assert.deepEqual(seen.map((e) => e.name), ["a", "b"]);
  const info = await os.info("a");
  assert.equal(info.size, 3);
  assert.equal(info.description, "first");
  await os.update("a", { description: "second" });
  assert.equal((await os.info("a")).description, "second");
  assert.deepEqual((await os.list()).map((i) => i.name).sort(), ["a", "b"]);
  await os.delete("b");
  assert.equal((await os.info("b"))?.deleted ?? true, true);
  assert.equal(await os.getBlob("b"), null);
  assert.deepEqual((await os.list()).map((i) => i.name), ["a"]);
  const status = await os.status();
  assert.equal(status.bucket, "ops");
  w.stop();
});

serverTest("object store: links to an object and to a bucket", async (nc) => {
  const objm = new Objm(nc);
  const src = await objm.create("src");
  const dst = await objm.create("dst");
  const info = await src.putBlob({ name: "data" }, enc.encode("linked content"));
  await dst.link("alias", info);
  assert.equal(dec.decode(await dst.getBlob("alias")), "linked content");
  const aliasInfo = await dst.info("alias");
  assert.equal(aliasInfo.options.link.bucket, "src");
  assert.equal(aliasInfo.options.link.name, "data");
  await dst.linkStore("everything", src);
  const storeLink = await dst.info("everything");
  assert.equal(storeLink.options.link.bucket, "src");
  assert.equal(storeLink.options.link.name ?? "", "");
});

serverTest("object store: replacing an object purges the old chunks", async (nc) => {
  const os = await new Objm(nc).create("rep");
  await os.putBlob({ name: "f", options: { max_chunk_size: 4 } }, enc.encode("0123456789"));
  await os.putBlob({ name: "f", options: { max_chunk_size: 4 } }, enc.encode("abcdef"));
  assert.equal(dec.decode(await os.getBlob("f")), "abcdef");
  const jsm = await jetstreamManager(nc);
  const si = await jsm.streams.info("OBJ_rep", { subjects_filter: "$O.rep.C.>" });
  const chunks = Object.values(si.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(chunks, 2);
});
