// JetStream scenarios driven by the official JavaScript clients (@nats-io/jetstream, @nats-io/kv).
//
// Every test starts its own server with JetStream (see server.mjs) and kills it at the end. The
// scenarios go through the clients' own APIs: the JetStream manager for streams, messages and
// consumers, the JetStream client for publishing and the pull, push and ordered consumers, Kvm for
// key-value buckets. Scenarios nats-server 2.9.10 cannot run (2.10+ features) are skipped on it.

import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, headers } from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { TestServer, isReference } from "./server.mjs";

const WAIT_MS = 2_000;
const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * Run `body({ server, nc, js, jsm, open })` against a fresh JetStream server that is killed
 * afterwards. `skipOnReference` names the newer feature nats-server 2.9.10 lacks.
 */
function jsTest(name, body, { skipOnReference } = {}) {
  const skip = skipOnReference && isReference() ? `nats-server 2.9.10 lacks ${skipOnReference}` : false;
  test(name, { timeout: 30_000, skip }, async (t) => {
    const server = await TestServer.start();
    const conns = [];
    const open = async () => {
      const nc = await connect({ servers: server.url, reconnectTimeWait: 50, maxReconnectAttempts: -1, timeout: WAIT_MS });
      conns.push(nc);
      return nc;
    };
    try {
      const nc = await open();
      const jsm = await jetstreamManager(nc, { timeout: WAIT_MS });
      const js = jetstream(nc, { timeout: WAIT_MS });
      await body({ server, nc, js, jsm, open, t });
    } finally {
      for (const c of conns) {
        if (!c.isClosed()) await c.close().catch(() => {});
      }
      await server.stop();
    }
  });
}

/** The API error a promise rejects with (fails if it resolves or fails otherwise). */
async function apiError(promise) {
  try {
    await promise;
  } catch (err) {
    if (err instanceof JetStreamApiError) return err.apiError();
    throw err;
  }
  assert.fail("expected a JetStream API error");
}

async function publishN(js, subject, n, start = 1) {
  const acks = [];
  for (let i = start; i < start + n; i++) acks.push(await js.publish(subject, enc.encode(`m${i}`)));
  return acks;
}

/** Messages of a fetch, as strings. */
async function fetchAll(consumer, opts) {
  const out = [];
  for await (const m of await consumer.fetch(opts)) out.push(m);
  return out;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- streams ---------------------------------------------------------------------------------

jsTest("account info counts streams, consumers and storage", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await js.publish("s.a", enc.encode("x".repeat(100)));
  await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit });
  const info = await jsm.getAccountInfo();
  assert.equal(info.streams, 1);
  assert.equal(info.consumers, 1);
  assert.equal(info.storage, 22 + 3 + 100 + 8);
  assert.ok(info.api.total >= 1);
});

jsTest("stream add, info, update, names, list and delete", async ({ js, jsm }) => {
  const created = await jsm.streams.add({ name: "S", subjects: ["s.>"], max_msgs: 10 });
  assert.equal(created.config.retention, RetentionPolicy.Limits);
  assert.equal(created.config.storage, StorageType.File);
  await jsm.streams.add({ name: "T", subjects: ["t.*"], storage: StorageType.Memory });
  await publishN(js, "s.a", 5);
  const info = await jsm.streams.info("S");
  assert.equal(info.state.messages, 5);
  assert.equal(info.state.first_seq, 1);
  assert.equal(info.state.last_seq, 5);
  const updated = await jsm.streams.update("S", { ...info.config, max_msgs: 2 });
  assert.equal(updated.config.max_msgs, 2);
  assert.equal(updated.state.messages, 2);
  const names = await jsm.streams.names().next();
  assert.deepEqual([...names].sort(), ["S", "T"]);
  assert.deepEqual(await jsm.streams.names("t.x").next(), ["T"]);
  const list = await jsm.streams.list().next();
  assert.deepEqual(list.map((s) => s.config.name).sort(), ["S", "T"]);
  assert.equal(await jsm.streams.find("t.q"), "T");
  assert.equal(await jsm.streams.delete("T"), true);
  const err = await apiError(jsm.streams.info("T"));
  assert.equal(err.err_code, 10059);
});

jsTest("stream errors carry the codes clients check", async ({ nc, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  let err = await apiError(jsm.streams.add({ name: "S", subjects: ["other"] }));
  assert.equal(err.err_code, 10058);
  err = await apiError(jsm.streams.add({ name: "X", subjects: ["s.a"] }));
  assert.equal(err.err_code, 10065);
  err = await apiError(jsm.streams.info("NOPE"));
  assert.deepEqual([err.code, err.err_code], [404, 10059]);
  err = await apiError(jsm.consumers.info("S", "nope"));
  assert.deepEqual([err.code, err.err_code], [404, 10014]);
  err = await apiError(jsm.streams.getMessage("S", { seq: 1 }).then((m) => {
    if (m === null) throw new JetStreamApiError({ code: 404, err_code: 10037, description: "null" });
    return m;
  }));
  assert.equal(err.err_code, 10037);
  // A closed connection is not needed for any of this.
  assert.equal(nc.isClosed(), false);
});

jsTest("purge by subject, by sequence and keeping the newest", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  for (let i = 1; i <= 11; i++) await js.publish(i % 2 ? "s.a" : "s.b", enc.encode(String(i)));
  const byFilter = await jsm.streams.purge("S", { filter: "s.b" });
  assert.deepEqual([byFilter.success, byFilter.purged], [true, 5]);
  assert.equal((await jsm.streams.purge("S", { seq: 5 })).purged, 2);
  assert.equal((await jsm.streams.purge("S", { keep: 1 })).purged, 3);
  let state = (await jsm.streams.info("S")).state;
  assert.deepEqual([state.messages, state.first_seq, state.last_seq], [1, 11, 11]);
  assert.equal((await jsm.streams.purge("S")).purged, 1);
  state = (await jsm.streams.info("S")).state;
  assert.deepEqual([state.messages, state.first_seq, state.last_seq], [0, 12, 11]);
  assert.equal((await js.publish("s.a")).seq, 12);
});

// ---- messages ----------------------------------------------------------------------------------

jsTest("get and delete messages", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  const h = headers();
  h.set("X-Key", "v1");
  await js.publish("s.a", enc.encode("one"), { headers: h });
  await js.publish("s.b", enc.encode("two"));
  await js.publish("s.a", enc.encode("three"));
  const first = await jsm.streams.getMessage("S", { seq: 1 });
  assert.equal(first.subject, "s.a");
  assert.equal(first.string(), "one");
  assert.equal(first.header.get("X-Key"), "v1");
  const last = await jsm.streams.getMessage("S", { last_by_subj: "s.a" });
  assert.equal(last.seq, 3);
  const next = await jsm.streams.getMessage("S", { seq: 2, next_by_subj: "s.a" });
  assert.equal(next.seq, 3);
  assert.equal(await jsm.streams.getMessage("S", { seq: 9 }), null);
  assert.equal(await jsm.streams.deleteMessage("S", 2), true);
  assert.equal(await jsm.streams.deleteMessage("S", 1, false), true);
  const info = await jsm.streams.info("S", { deleted_details: true });
  assert.equal(info.state.messages, 1);
  assert.equal(info.state.first_seq, 3);
  assert.equal(await jsm.streams.getMessage("S", { seq: 2 }), null);
});

jsTest("direct get by sequence and by subject", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"], allow_direct: true });
  await js.publish("s.a", enc.encode("one"));
  await js.publish("s.b", enc.encode("two"));
  await js.publish("s.a", enc.encode("three"));
  const bySeq = await jsm.direct.getMessage("S", { seq: 2 });
  assert.equal(bySeq.subject, "s.b");
  assert.equal(bySeq.string(), "two");
  assert.equal(bySeq.header.get("Nats-Stream"), "S");
  const last = await jsm.direct.getMessage("S", { last_by_subj: "s.a" });
  assert.equal(last.seq, 3);
  const next = await jsm.direct.getMessage("S", { seq: 2, next_by_subj: "s.a" });
  assert.equal(next.seq, 3);
  assert.equal(await jsm.direct.getMessage("S", { seq: 10 }), null);
});

jsTest(
  "direct get in batches and the last message of several subjects",
  async ({ nc, js, jsm, t }) => {
    const [major, minor] = nc.info.version.split(".").map(Number);
    if (major === 2 && minor < 11) {
      // The client refuses batched Direct Get below 2.11 without asking the server.
      t.skip(`the server announces ${nc.info.version}`);
      return;
    }
    await jsm.streams.add({ name: "S", subjects: ["s.>"], allow_direct: true });
    for (let i = 1; i <= 5; i++) await js.publish(i % 2 ? "s.a" : "s.b", enc.encode(String(i)));
    const batch = [];
    for await (const m of await jsm.direct.getBatch("S", { seq: 2, batch: 3 })) batch.push(m.seq);
    assert.deepEqual(batch, [2, 3, 4]);
    const lasts = [];
    for await (const m of await jsm.direct.getLastMessagesFor("S", { multi_last: ["s.a", "s.b"] })) {
      lasts.push([m.subject, m.seq]);
    }
    assert.deepEqual(lasts, [["s.b", 4], ["s.a", 5]]);
  },
  { skipOnReference: "batched Direct Get (2.11)" },
);

// ---- consumers ---------------------------------------------------------------------------------

jsTest("consumer add, info, list, update and delete", async ({ jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  const ci = await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit, filter_subject: "s.a" });
  assert.equal(ci.name, "d");
  assert.equal(ci.config.ack_wait, 30_000_000_000);
  await jsm.consumers.add("S", { name: "e", ack_policy: AckPolicy.None });
  const list = await jsm.consumers.list("S").next();
  assert.deepEqual(list.map((c) => c.name).sort(), ["d", "e"]);
  const updated = await jsm.consumers.update("S", "d", { description: "changed", ack_wait: 5_000_000_000 });
  assert.equal(updated.config.description, "changed");
  assert.equal(updated.config.ack_wait, 5_000_000_000);
  assert.equal(await jsm.consumers.delete("S", "d"), true);
  const err = await apiError(jsm.consumers.info("S", "d"));
  assert.equal(err.err_code, 10014);
});

jsTest(
  "consumer with several filter subjects",
  async ({ js, jsm }) => {
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    for (const s of ["s.a", "s.b", "s.c", "s.a"]) await js.publish(s);
    await jsm.consumers.add("S", { name: "m", filter_subjects: ["s.a", "s.c"], ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get("S", "m");
    const msgs = await fetchAll(c, { max_messages: 10, expires: 1000 });
    assert.deepEqual(msgs.map((m) => m.seq), [1, 3, 4]);
  },
  { skipOnReference: "filter_subjects (2.10)" },
);

jsTest(
  "paused consumer resumes",
  async ({ js, jsm }) => {
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit });
    const paused = await jsm.consumers.pause("S", "d", new Date(Date.now() + 60_000));
    assert.equal(paused.paused, true);
    assert.equal((await jsm.consumers.info("S", "d")).paused, true);
    await js.publish("s.a");
    const c = await js.consumers.get("S", "d");
    assert.equal(await c.next({ expires: 1000 }), null);
    const resumed = await jsm.consumers.resume("S", "d");
    assert.equal(resumed.paused, false);
    const m = await c.next({ expires: 2000 });
    assert.equal(m?.seq, 1);
  },
  { skipOnReference: "consumer pause (2.11)" },
);

jsTest("pull consumer fetch, next and acks update its state", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await publishN(js, "s.a", 10);
  await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit });
  const c = await js.consumers.get("S", "d");
  const msgs = await fetchAll(c, { max_messages: 4, expires: 1000 });
  assert.deepEqual(msgs.map((m) => m.string()), ["m1", "m2", "m3", "m4"]);
  assert.equal(msgs[0].info.pending, 9);
  assert.equal(msgs[0].info.deliveryCount, 1);
  assert.equal(msgs[0].info.stream, "S");
  for (const m of msgs.slice(0, 3)) await m.ackAck();
  let info = await c.info();
  assert.deepEqual(
    [info.delivered.stream_seq, info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending],
    [4, 3, 1, 6],
  );
  const one = await c.next({ expires: 1000 });
  assert.equal(one.string(), "m5");
  await one.ackAck();
  await msgs[3].ackAck();
  info = await c.info();
  assert.deepEqual([info.ack_floor.stream_seq, info.num_ack_pending], [5, 0]);
  // Nothing waiting: a fetch with a short expiry ends empty.
  await jsm.consumers.add("S", { durable_name: "empty", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New });
  const empty = await js.consumers.get("S", "empty");
  assert.deepEqual(await fetchAll(empty, { max_messages: 3, expires: 1000 }), []);
});

jsTest("pull consumer consume() keeps delivering", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit });
  const c = await js.consumers.get("S", "d");
  const messages = await c.consume({ max_messages: 10 });
  await publishN(js, "s.a", 25);
  const got = [];
  for await (const m of messages) {
    got.push(m.string());
    m.ack();
    if (got.length === 25) break;
  }
  assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => `m${i + 1}`));
});

jsTest("acks: nak with delay, working, term and redelivery after ack_wait", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await publishN(js, "s.a", 3);
  await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit, ack_wait: 400_000_000 });
  const c = await js.consumers.get("S", "d");
  const [m1, m2, m3] = await fetchAll(c, { max_messages: 3, expires: 1000 });
  // m1 is due again 600 ms from now, m3 400 ms after its last progress report (at 250 ms).
  const started = Date.now();
  m1.nak(600);
  m2.term();
  m3.working();
  await sleep(250);
  m3.working();
  const first = await c.next({ expires: 2000 });
  assert.equal(first.seq, 1);
  assert.equal(first.info.redelivered, true);
  assert.ok(Date.now() - started >= 550, `nak delay ended after ${Date.now() - started} ms`);
  const again = await c.next({ expires: 2000 });
  assert.equal(again.seq, 3);
  assert.equal(again.info.deliveryCount, 2);
  await first.ackAck();
  await again.ackAck();
  const info = await c.info();
  assert.deepEqual([info.num_ack_pending, info.ack_floor.stream_seq], [0, 3]);
});

jsTest("ordered consumer reads everything in order", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  await publishN(js, "s.a", 30);
  await js.publish("s.b", enc.encode("other"));
  const oc = await js.consumers.get("S", { filter_subjects: "s.a" });
  const messages = await oc.consume();
  const got = [];
  for await (const m of messages) {
    got.push(m.string());
    if (m.info.pending === 0) break;
  }
  assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => `m${i + 1}`));
  const info = await oc.info(true);
  assert.equal(info.config.ack_policy, AckPolicy.None);
});

jsTest(
  "push consumer delivers to its subject",
  async ({ js, jsm }) => {
    await jsm.streams.add({ name: "S", subjects: ["s.>"] });
    await publishN(js, "s.a", 5);
    await jsm.consumers.add("S", {
      durable_name: "p",
      deliver_subject: "push.p",
      ack_policy: AckPolicy.Explicit,
      idle_heartbeat: 1_000_000_000,
      flow_control: true,
    });
    const pc = await js.consumers.getPushConsumer("S", "p");
    const messages = await pc.consume();
    const got = [];
    for await (const m of messages) {
      got.push(m.seq);
      m.ack();
      if (got.length === 5) break;
    }
    assert.deepEqual(got, [1, 2, 3, 4, 5]);
  },
  { skipOnReference: "push consumers through the new JavaScript API (2.10 checks)" },
);

// ---- publishing --------------------------------------------------------------------------------

jsTest("publish options: message id, expectations and their errors", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  const first = await js.publish("s.a", enc.encode("1"), { msgID: "a" });
  const dup = await js.publish("s.a", enc.encode("1"), { msgID: "a" });
  assert.deepEqual([first.seq, first.duplicate, dup.seq, dup.duplicate], [1, false, 1, true]);
  await js.publish("s.a", enc.encode("2"), { msgID: "b", expect: { lastSequence: 1, lastMsgID: "a", streamName: "S" } });
  let err = await apiError(js.publish("s.a", enc.encode("x"), { expect: { lastSequence: 1 } }));
  assert.deepEqual([err.err_code, err.description], [10071, "wrong last sequence: 2"]);
  err = await apiError(js.publish("s.a", enc.encode("x"), { expect: { lastMsgID: "a" } }));
  assert.equal(err.err_code, 10070);
  err = await apiError(js.publish("s.a", enc.encode("x"), { expect: { streamName: "T" } }));
  assert.equal(err.err_code, 10060);
  await js.publish("s.b", enc.encode("x"), { expect: { lastSubjectSequence: 0 } });
  err = await apiError(js.publish("s.b", enc.encode("x"), { expect: { lastSubjectSequence: 0 } }));
  assert.equal(err.err_code, 10071);
});

jsTest("limits and discard policies refuse or drop", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"], max_msgs: 2, discard: DiscardPolicy.New });
  await publishN(js, "s.a", 2);
  const err = await apiError(js.publish("s.a"));
  assert.deepEqual([err.err_code, err.description], [10077, "maximum messages exceeded"]);
  await jsm.streams.add({ name: "P", subjects: ["p.>"], max_msgs_per_subject: 1 });
  await js.publish("p.a", enc.encode("1"));
  await js.publish("p.a", enc.encode("2"));
  const info = await jsm.streams.info("P");
  assert.deepEqual([info.state.messages, info.state.first_seq], [1, 2]);
});

jsTest("work-queue stream removes acknowledged messages", async ({ js, jsm }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"], retention: RetentionPolicy.Workqueue });
  await publishN(js, "s.a", 3);
  await jsm.consumers.add("S", { durable_name: "w", ack_policy: AckPolicy.Explicit });
  const c = await js.consumers.get("S", "w");
  for (const m of await fetchAll(c, { max_messages: 2, expires: 1000 })) await m.ackAck();
  const info = await jsm.streams.info("S");
  assert.deepEqual([info.state.messages, info.state.first_seq], [1, 3]);
  const err = await apiError(jsm.consumers.add("S", { durable_name: "second", ack_policy: AckPolicy.Explicit }));
  assert.equal(err.err_code, 10099);
});

// ---- key-value ---------------------------------------------------------------------------------

jsTest("kv put, get, create, update, delete, purge", async ({ js }) => {
  const kvm = new Kvm(js);
  const kv = await kvm.create("cfg", { history: 5 });
  const r1 = await kv.put("color", enc.encode("red"));
  const e = await kv.get("color");
  assert.deepEqual([e.key, e.string(), e.revision, e.operation], ["color", "red", r1, "PUT"]);
  await assert.rejects(kv.create("color", enc.encode("blue")));
  const r2 = await kv.update("color", enc.encode("blue"), r1);
  await assert.rejects(kv.update("color", enc.encode("green"), r1));
  assert.equal((await kv.get("color")).revision, r2);
  await kv.create("size", enc.encode("L"));
  await kv.delete("size");
  const deleted = await kv.get("size");
  assert.equal(deleted?.operation ?? "DEL", "DEL");
  await kv.create("size", enc.encode("M"));
  assert.equal((await kv.get("size")).string(), "M");
  await kv.purge("color");
  const purged = await kv.get("color");
  assert.equal(purged?.operation ?? "PURGE", "PURGE");
  assert.equal(await kv.get("never"), null);
  const status = await kv.status();
  assert.equal(status.history, 5);
});

jsTest("kv history, keys and watch", async ({ js }) => {
  const kv = await new Kvm(js).create("w", { history: 3 });
  for (const v of ["1", "2", "3", "4"]) await kv.put("k", enc.encode(v));
  await kv.put("other", enc.encode("x"));
  const history = [];
  for await (const e of await kv.history({ key: "k" })) history.push(e.string());
  assert.deepEqual(history, ["2", "3", "4"]);
  const keys = [];
  for await (const k of await kv.keys()) keys.push(k);
  assert.deepEqual(keys.sort(), ["k", "other"]);
  const watch = await kv.watch();
  const seen = [];
  const done = (async () => {
    for await (const e of watch) {
      seen.push(`${e.key}=${e.string()}:${e.operation}`);
      if (seen.length === 4) break;
    }
  })();
  await sleep(100);
  await kv.put("new", enc.encode("n"));
  await kv.delete("other");
  await Promise.race([done, sleep(WAIT_MS).then(() => assert.fail(`watch saw only ${seen}`))]);
  assert.deepEqual(seen, ["k=4:PUT", "other=x:PUT", "new=n:PUT", "other=:DEL"]);
});

// ---- restart -----------------------------------------------------------------------------------

jsTest("messages and a durable consumer's position survive a restart", async ({ server, nc, js, jsm, open }) => {
  await jsm.streams.add({ name: "S", subjects: ["s.>"] });
  const acks = await publishN(js, "s.a", 20);
  await jsm.consumers.add("S", { durable_name: "d", ack_policy: AckPolicy.Explicit });
  const c = await js.consumers.get("S", "d");
  for (const m of await fetchAll(c, { max_messages: 8, expires: 1000 })) await m.ackAck();
  await nc.close();
  await sleep(300);
  await server.restart();
  const nc2 = await open();
  const jsm2 = await jetstreamManager(nc2, { timeout: WAIT_MS });
  const js2 = jetstream(nc2, { timeout: WAIT_MS });
  for (const ack of acks) {
    const m = await jsm2.streams.getMessage("S", { seq: ack.seq });
    assert.equal(m.string(), `m${ack.seq}`);
  }
  const info = await jsm2.consumers.info("S", "d");
  assert.deepEqual([info.ack_floor.stream_seq, info.num_ack_pending, info.num_pending], [8, 0, 12]);
  const next = await (await js2.consumers.get("S", "d")).next({ expires: 1000 });
  assert.equal(next.seq, 9);
});
