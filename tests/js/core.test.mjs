// Core NATS scenarios driven by the official JavaScript client (@nats-io/transport-node).
//
// Every test starts its own server (see server.mjs) and kills it at the end. Waits are bounded;
// flush() is used as a barrier: nats.js queues its PING behind everything written before, and
// messages are handed to subscription callbacks before the PONG that follows them.

import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, headers, Empty, RequestError, NoRespondersError } from "@nats-io/transport-node";
import { TestServer, isReference } from "./server.mjs";

const WAIT_MS = 2_000;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Run `body(server)` against a fresh server that is killed afterwards. */
function serverTest(name, body) {
  test(name, { timeout: 30_000 }, async () => {
    const server = await TestServer.start();
    const conns = [];
    const open = async (options = {}) => {
      const nc = await connect({
        servers: server.url,
        reconnectTimeWait: 50,
        maxReconnectAttempts: -1,
        timeout: WAIT_MS,
        ...options,
      });
      conns.push(nc);
      return nc;
    };
    try {
      await body(server, open);
    } finally {
      for (const nc of conns) {
        if (!nc.isClosed()) await nc.close().catch(() => {});
      }
      await server.stop();
    }
  });
}

/** A subscription whose callback records messages; `waitFor(n)` resolves once n arrived. */
function collect(nc, subject, options = {}) {
  const msgs = [];
  let waiters = [];
  const sub = nc.subscribe(subject, {
    ...options,
    callback: (err, msg) => {
      assert.ifError(err);
      msgs.push(msg);
      waiters = waiters.filter((waiter) => {
        if (msgs.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    },
  });
  const waitFor = (count, ms = WAIT_MS) =>
    msgs.length >= count
      ? Promise.resolve()
      : withTimeout(new Promise((resolve) => waiters.push({ count, resolve })), ms, `${count} messages on ${subject}`);
  return { sub, msgs, waitFor, data: () => msgs.map((m) => dec.decode(m.data)) };
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolve on the first status event of the given type. */
async function nextStatus(nc, type) {
  for await (const status of nc.status()) {
    if (status.type === type) return status;
  }
  throw new Error(`status stream ended before ${type}`);
}

serverTest("publish reaches a subscriber on another connection", async (server, open) => {
  const subscriber = await open();
  const publisher = await open();
  const got = collect(subscriber, "greet.joe");
  await subscriber.flush();
  publisher.publish("greet.joe", enc.encode("hello"), { reply: "answer.here" });
  await got.waitFor(1);
  assert.equal(got.msgs[0].subject, "greet.joe");
  assert.equal(got.msgs[0].reply, "answer.here");
  assert.equal(dec.decode(got.msgs[0].data), "hello");
});

serverTest("wildcards match one token or the tail", async (server, open) => {
  const nc = await open();
  const star = collect(nc, "orders.*.new");
  const tail = collect(nc, "orders.>");
  for (const subject of ["orders.eu.new", "orders.eu.old", "orders.us.new.x", "orders", "orders.x"]) {
    nc.publish(subject, enc.encode(subject));
  }
  await nc.flush();
  assert.deepEqual(star.data(), ["orders.eu.new"]);
  assert.deepEqual(tail.data(), ["orders.eu.new", "orders.eu.old", "orders.us.new.x", "orders.x"]);
});

serverTest("queue group delivers each message to exactly one member", async (server, open) => {
  const members = [await open(), await open(), await open()];
  const queues = members.map((nc) => collect(nc, "jobs", { queue: "workers" }));
  const watcherConn = await open();
  const watcher = collect(watcherConn, "jobs");
  for (const nc of [...members, watcherConn]) await nc.flush();
  const publisher = await open();
  const count = 300;
  for (let n = 0; n < count; n++) publisher.publish("jobs", enc.encode(String(n)));
  await publisher.flush();
  for (const nc of [...members, watcherConn]) await nc.flush();
  const delivered = queues.flatMap((q) => q.data()).map(Number).sort((a, b) => a - b);
  assert.deepEqual(delivered, [...Array(count).keys()]);
  assert.ok(queues.every((q) => q.msgs.length > 0), `per member: ${queues.map((q) => q.msgs.length)}`);
  assert.equal(watcher.msgs.length, count);
});

serverTest("request gets the reply of a responder", async (server, open) => {
  const responder = await open();
  const requester = await open();
  responder.subscribe("svc.echo", {
    callback: (err, msg) => {
      assert.ifError(err);
      msg.respond(enc.encode(`pong:${dec.decode(msg.data)}`));
    },
  });
  await responder.flush();
  const reply = await requester.request("svc.echo", enc.encode("ping"), { timeout: WAIT_MS });
  assert.equal(dec.decode(reply.data), "pong:ping");
});

serverTest("request without responders fails fast with no responders", async (server, open) => {
  const nc = await open();
  const started = Date.now();
  await assert.rejects(nc.request("svc.nobody", Empty, { timeout: 10_000 }), (err) => {
    const noResponders =
      err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders());
    assert.ok(noResponders, `unexpected error: ${err}`);
    return true;
  });
  assert.ok(Date.now() - started < 5_000, "no-responders must not wait for the request timeout");
});

serverTest("headers round trip with repeated keys", async (server, open) => {
  const nc = await open();
  const got = collect(nc, "with.headers");
  const h = headers();
  h.append("Trace-Id", "abc-123");
  h.append("Multi", "one");
  h.append("Multi", "two");
  h.append("Spaced", "a b  c");
  nc.publish("with.headers", enc.encode("body"), { headers: h });
  await got.waitFor(1);
  const msg = got.msgs[0];
  assert.equal(dec.decode(msg.data), "body");
  assert.equal(msg.headers.get("Trace-Id"), "abc-123");
  assert.deepEqual(msg.headers.values("Multi"), ["one", "two"]);
  assert.equal(msg.headers.get("Spaced"), "a b  c");
});

serverTest("auto-unsubscribe stops after max messages", async (server, open) => {
  const nc = await open();
  const got = collect(nc, "limited", { max: 3 });
  for (let n = 0; n < 5; n++) nc.publish("limited", enc.encode(String(n)));
  await nc.flush();
  assert.deepEqual(got.data(), ["0", "1", "2"]);
  assert.ok(got.sub.isClosed());
});

serverTest("drain delivers buffered messages then closes", async (server, open) => {
  const nc = await open();
  const publisher = await open();
  const got = collect(nc, "drained");
  await nc.flush();
  for (let n = 0; n < 200; n++) publisher.publish("drained", enc.encode(String(n)));
  await publisher.flush();
  await nc.flush();
  await withTimeout(nc.drain(), WAIT_MS * 5, "drain");
  assert.deepEqual(got.data(), [...Array(200).keys()].map(String));
  assert.ok(nc.isClosed());
});

serverTest("subscription drain stops delivery and keeps the connection", async (server, open) => {
  const nc = await open();
  const got = collect(nc, "drained");
  nc.publish("drained", enc.encode("before"));
  await nc.flush();
  await withTimeout(got.sub.drain(), WAIT_MS, "subscription drain");
  nc.publish("drained", enc.encode("after"));
  await nc.flush();
  assert.deepEqual(got.data(), ["before"]);
  assert.ok(!nc.isClosed());
});

serverTest("flush is a barrier for published messages", async (server, open) => {
  const publisher = await open();
  const subscriber = await open();
  const got = collect(subscriber, "flushed");
  await subscriber.flush();
  for (let n = 0; n < 1000; n++) publisher.publish("flushed", enc.encode(String(n)));
  await withTimeout(publisher.flush(), WAIT_MS, "flush");
  await subscriber.flush();
  assert.deepEqual(got.data(), [...Array(1000).keys()].map(String));
});

serverTest("payload of exactly max_payload round trips", async (server, open) => {
  const nc = await open();
  assert.equal(nc.info.max_payload, 1024 * 1024);
  const got = collect(nc, "big");
  const payload = new Uint8Array(nc.info.max_payload).map((_, i) => i % 251);
  nc.publish("big", payload);
  await got.waitFor(1);
  assert.deepEqual(got.msgs[0].data, payload);
});

serverTest("payload over max_payload is refused", async (server, open) => {
  const nc = await open({ reconnect: false });
  const max = nc.info.max_payload;
  // The client refuses on its own, from the max_payload the server announced.
  assert.throws(() => nc.publish("big", new Uint8Array(max + 1)), /max_payload/);
  // Past the client's own check the server must refuse and close the connection.
  nc.info.max_payload = max + 1;
  nc.publish("big", new Uint8Array(max + 1));
  const closed = await withTimeout(nc.closed(), WAIT_MS, "close");
  // switchyard reads and drops the rest of the payload before it closes, so the -ERR always
  // arrives; nats-server closes with the payload unread and its reset may overtake the -ERR.
  assert.ok(closed instanceof Error, `closed() resolved with ${closed}`);
  assert.match(closed.message, isReference() ? /maximum payload violation|ECONNRESET|EPIPE/i : /maximum payload violation/i);
});

serverTest("ten thousand subscriptions on one connection", async (server, open) => {
  const nc = await open();
  const count = 10_000;
  const counts = new Array(count).fill(0);
  for (let n = 0; n < count; n++) {
    nc.subscribe(`many.${n}`, { callback: () => counts[n]++ });
  }
  for (let n = 0; n < count; n++) nc.publish(`many.${n}`);
  await withTimeout(nc.flush(), 10_000, "flush");
  assert.ok(counts.every((c) => c === 1));
});

serverTest("messages from one publisher arrive in order", async (server, open) => {
  const subscriber = await open();
  const got = collect(subscriber, "ordered");
  await subscriber.flush();
  const publishers = [await open(), await open()];
  const count = 1000;
  for (let n = 0; n < count; n++) {
    publishers.forEach((nc, index) => nc.publish("ordered", enc.encode(`${index}:${n}`)));
  }
  for (const nc of publishers) await nc.flush();
  await subscriber.flush();
  const byPublisher = { 0: [], 1: [] };
  for (const text of got.data()) {
    const [index, seq] = text.split(":");
    byPublisher[index].push(Number(seq));
  }
  assert.deepEqual(byPublisher, { 0: [...Array(count).keys()], 1: [...Array(count).keys()] });
});

serverTest("client reconnects and resubscribes after a server restart", async (server, open) => {
  const nc = await open();
  const got = collect(nc, "survives");
  nc.publish("survives", enc.encode("before"));
  await got.waitFor(1);
  const reconnected = withTimeout(nextStatus(nc, "reconnect"), WAIT_MS * 5, "reconnect");
  await server.restart();
  await reconnected;
  await nc.flush();
  const other = await open();
  other.publish("survives", enc.encode("after"));
  await other.flush();
  await got.waitFor(2);
  assert.deepEqual(got.data(), ["before", "after"]);
});

serverTest("noEcho suppresses own messages only", async (server, open) => {
  const quiet = await open({ noEcho: true });
  const other = await open();
  const got = collect(quiet, "echo");
  await quiet.flush();
  quiet.publish("echo", enc.encode("self"));
  await quiet.flush();
  other.publish("echo", enc.encode("other"));
  await other.flush();
  await quiet.flush();
  assert.deepEqual(got.data(), ["other"]);
});

serverTest("echo is on by default", async (server, open) => {
  const nc = await open();
  const got = collect(nc, "echo");
  nc.publish("echo", enc.encode("self"));
  await nc.flush();
  assert.deepEqual(got.data(), ["self"]);
});

serverTest("server info reaches the client", async (server, open) => {
  const nc = await open();
  assert.equal(nc.info.proto, 1);
  assert.equal(nc.info.headers, true);
  assert.match(nc.info.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof nc.info.server_id, "string");
  assert.equal(nc.info.port, server.port);
});
