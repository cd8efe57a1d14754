// NATS over WebSocket with the official JavaScript client (`wsconnect` of @nats-io/nats-core), talking
// to a TCP peer (@nats-io/transport-node) through the same server.
//
// WS_URL (ws://host:port) and NATS_URL (nats://host:port) name the server under test.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import WebSocket from "ws";
import { headers, NoRespondersError, wsconnect } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";

// Node 20 has no global WebSocket; `ws` offers permessage-deflate, so a server with compression on
// is exercised with it.
globalThis.WebSocket ??= WebSocket;

const WS_URL = process.env.WS_URL;
const NATS_URL = process.env.NATS_URL;
if (!WS_URL || !NATS_URL) {
  throw new Error("set WS_URL (ws://host:port) and NATS_URL (nats://host:port)");
}

let ws;
let tcp;

before(async () => {
  ws = await wsconnect({ servers: WS_URL, name: "ws-check" });
  tcp = await connect({ servers: NATS_URL, name: "tcp-peer" });
});

after(async () => {
  await ws?.close();
  await tcp?.close();
});

const te = new TextEncoder();
const td = new TextDecoder();

/** The next message of `sub`, or a failure after two seconds. */
async function next(sub) {
  const timer = setTimeout(() => sub.unsubscribe(), 2000);
  for await (const m of sub) {
    clearTimeout(timer);
    return m;
  }
  throw new Error(`no message on ${sub.getSubject()}`);
}

test("the WebSocket connection is up and measures a round trip", async () => {
  assert.equal(ws.isClosed(), false);
  assert.ok(ws.info.server_id.length > 0);
  assert.equal(ws.info.headers, true);
  const rtt = await ws.rtt();
  assert.ok(rtt >= 0);
});

test("a TCP subscriber receives a WebSocket publish with headers", async () => {
  const sub = tcp.subscribe("check.from.ws.>");
  await tcp.flush();
  const h = headers();
  h.set("X-Origin", "browser");
  ws.publish("check.from.ws.a", te.encode("hello from ws"), { headers: h });
  await ws.flush();
  const m = await next(sub);
  assert.equal(m.subject, "check.from.ws.a");
  assert.equal(td.decode(m.data), "hello from ws");
  assert.equal(m.headers.get("X-Origin"), "browser");
});

test("a WebSocket subscriber receives a TCP publish with headers", async () => {
  const sub = ws.subscribe("check.from.tcp", { queue: "q" });
  await ws.flush();
  const h = headers();
  h.set("K", "v");
  tcp.publish("check.from.tcp", te.encode("hello from tcp"), { headers: h });
  await tcp.flush();
  const m = await next(sub);
  assert.equal(td.decode(m.data), "hello from tcp");
  assert.equal(m.headers.get("K"), "v");
});

test("a WebSocket request is answered by a TCP service", async () => {
  const svc = tcp.subscribe("check.upper", {
    callback: (_, m) => m.respond(te.encode(td.decode(m.data).toUpperCase())),
  });
  await tcp.flush();
  const reply = await ws.request("check.upper", te.encode("shout"), { timeout: 2000 });
  assert.equal(td.decode(reply.data), "SHOUT");
  svc.unsubscribe();
});

test("a TCP request is answered by a WebSocket service", async () => {
  const svc = ws.subscribe("check.reverse", {
    callback: (_, m) => m.respond(te.encode([...td.decode(m.data)].reverse().join(""))),
  });
  await ws.flush();
  const reply = await tcp.request("check.reverse", te.encode("abc"), { timeout: 2000 });
  assert.equal(td.decode(reply.data), "cba");
  svc.unsubscribe();
});

test("a request without responders fails fast over WebSocket", async () => {
  await assert.rejects(
    ws.request("check.nobody.home", Uint8Array.of(), { timeout: 2000 }),
    (err) => err instanceof NoRespondersError || err?.cause instanceof NoRespondersError,
  );
});

test("a large payload crosses both ways intact", async () => {
  const payload = te.encode("switchyard ".repeat(50_000));
  const sub = ws.subscribe("check.big");
  await ws.flush();
  tcp.publish("check.big", payload);
  await tcp.flush();
  const m = await next(sub);
  assert.deepEqual(m.data, payload);

  const back = tcp.subscribe("check.big.back");
  await tcp.flush();
  ws.publish("check.big.back", payload);
  await ws.flush();
  assert.deepEqual((await next(back)).data, payload);
});
