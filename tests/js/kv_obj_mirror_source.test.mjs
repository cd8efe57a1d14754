// Mirrors and sources through the official JavaScript clients: KV buckets that mirror or source
// other buckets (@nats-io/kv builds the stream config, subject transforms included), and plain
// streams whose mirror and source keep working across a server restart (@nats-io/jetstream).

import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { TestServer, isReference } from "./server.mjs";

const WAIT_MS = 5_000;

function serverTest(name, body, options = {}) {
  test(name, { timeout: 60_000, ...options }, async () => {
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

/** Polls `check` until it returns a truthy value. */
async function eventually(check, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await check();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

serverTest("kv mirror bucket follows its origin with the origin's sequences", async (nc) => {
  const kvm = new Kvm(nc);
  const primary = await kvm.create("primary", { history: 2 });
  await primary.put("k", "v1");
  await primary.put("k", "v2");
  await primary.put("other", "x");
  await kvm.create("replica", { history: 2, mirror: { name: "primary" } });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info("KV_replica");
  assert.equal(info.config.mirror.name, "KV_primary");
  assert.equal(info.config.mirror_direct, true);
  await eventually(async () => (await jsm.streams.info("KV_replica")).state.messages === 3, "3 mirrored messages");
  // The mirror holds the origin's subjects under the origin's sequences; it is read directly.
  const last = await jsm.direct.getMessage("KV_replica", { last_by_subj: "$KV.primary.k" });
  assert.equal(last.string(), "v2");
  assert.equal(last.seq, 2);
  await primary.put("k", "v3");
  await eventually(
    async () => (await jsm.direct.getMessage("KV_replica", { last_by_subj: "$KV.primary.k" }))?.string() === "v3",
    "v3 on the replica",
  );
  const status = await jsm.streams.info("KV_replica");
  assert.equal(status.mirror.name, "KV_primary");
  assert.equal(status.mirror.lag, 0);
  assert.equal(status.state.last_seq, 4);
});

serverTest(
  "kv bucket sourcing two buckets gets their keys under its own prefix",
  async (nc) => {
    const kvm = new Kvm(nc);
    const a = await kvm.create("a");
    const b = await kvm.create("b");
    await a.put("x", "from a");
    await b.put("y", "from b");
    const all = await kvm.create("all", { sources: [{ name: "a" }, { name: "b" }] });
    await eventually(async () => (await all.get("x"))?.string() === "from a", "x sourced from a");
    await eventually(async () => (await all.get("y"))?.string() === "from b", "y sourced from b");
    await a.delete("x");
    await eventually(async () => (await all.get("x"))?.operation === "DEL", "delete sourced from a");
    await all.put("own", "local");
    const keys = [];
    for await (const k of await all.keys()) keys.push(k);
    assert.deepEqual(keys.sort(), ["own", "y"]);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info("KV_all");
    assert.deepEqual(info.sources.map((s) => s.name).sort(), ["KV_a", "KV_b"]);
    const sm = await jsm.streams.getMessage("KV_all", { last_by_subj: "$KV.all.y" });
    assert.match(sm.header.get("Nats-Stream-Source"), /^KV_b \d+ \$KV\.b\.> \$KV\.all\.> \$KV\.b\.y$/);
  },
  { skip: isReference() && "reference nats-server predates 2.10 source subject transforms" },
);

serverTest("mirror and source survive a restart and catch up", async (nc, server, open) => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "ORIGIN", subjects: ["origin.>"] });
  await jsm.streams.add({ name: "MIRROR", mirror: { name: "ORIGIN" } });
  await jsm.streams.add({ name: "SOURCED", sources: [{ name: "ORIGIN", filter_subject: "origin.keep" }] });
  const js = jetstream(nc);
  for (let i = 0; i < 10; i++) await js.publish(i % 2 ? "origin.keep" : "origin.drop", `${i}`);
  await eventually(async () => (await jsm.streams.info("MIRROR")).state.messages === 10, "10 mirrored");
  await eventually(async () => (await jsm.streams.info("SOURCED")).state.messages === 5, "5 sourced");
  await nc.close();
  await server.restart();
  const nc2 = await open();
  const jsm2 = await jetstreamManager(nc2);
  const js2 = jetstream(nc2);
  for (let i = 10; i < 14; i++) await js2.publish(i % 2 ? "origin.keep" : "origin.drop", `${i}`);
  await eventually(async () => (await jsm2.streams.info("MIRROR")).state.messages === 14, "14 mirrored");
  await eventually(async () => (await jsm2.streams.info("SOURCED")).state.messages === 7, "7 sourced");
  await new Promise((r) => setTimeout(r, 300));
  const sourced = await jsm2.streams.info("SOURCED");
  assert.equal(sourced.state.messages, 7, "no duplicates after the restart");
  assert.equal(sourced.state.last_seq, 7);
  const mirror = await jsm2.streams.info("MIRROR");
  assert.equal(mirror.state.last_seq, 14);
  const m = await jsm2.streams.getMessage("MIRROR", { seq: 14 });
  assert.equal(m.subject, "origin.keep");
  assert.equal(m.string(), "13");
});
