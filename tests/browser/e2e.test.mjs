// End-to-end: the demo page in headless Chromium (or, with WEB_CLIENT_BROWSER=firefox, Firefox ESR
// through the console tests' driver, tests/console/browsers.mjs), talking NATS over WebSocket with
// the WebAssembly client, against a nats-server (or, with WS_URL + NATS_URL, any running server);
// a raw-TCP peer is the other side. Fails on any browser console error except the connection
// failures the browser logs while the server is down on purpose.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Peer } from "./nats-peer.mjs";
import { NatsServer, serveStatic } from "./servers.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const staticDir = path.resolve(here, "../../static");
const artifacts = path.resolve(here, "../artifacts");
const external = Boolean(process.env.WS_URL);
const WAIT = { timeout: 15000 };
const browserName = process.env.WEB_CLIENT_BROWSER || "chromium";

let server; // NatsServer when we run one
let wsUrl, tcpPort, web, browser, page, peer;
const consoleErrors = [];
let serverDown = false;

before(async () => {
  assert.ok(fs.existsSync(path.join(staticDir, "web-client/switchyard_web.js")), "run scripts/build-web-client.sh first");
  if (external) {
    assert.ok(process.env.NATS_URL, "WS_URL needs NATS_URL (nats://host:port) for the TCP peer");
    wsUrl = process.env.WS_URL;
    tcpPort = Number(new URL(process.env.NATS_URL).port || 4222);
  } else {
    server = new NatsServer();
    await server.start();
    wsUrl = server.wsUrl;
    tcpPort = server.port;
  }
  web = await serveStatic(staticDir);
  peer = await Peer.connect(tcpPort);
  const viewport = { width: 1100, height: 760 };
  if (browserName === "chromium") {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--js-flags=--expose-gc"],
    });
    page = await browser.newPage({ viewport });
  } else {
    // Needs tests/console's packages (puppeteer-core); run.sh installs them.
    const { launchBrowser } = await import("../console/browsers.mjs");
    browser = await launchBrowser({ name: browserName });
    page = await (await browser.newContext({ viewport })).newPage();
  }
  // While the server is down on purpose: Chromium logs a console error, Firefox a script error.
  const downNoise = /WebSocket connection to .* failed|can.t establish a connection to the server at ws:/;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = m.text();
    if (downNoise.test(text) && serverDown) return;
    consoleErrors.push(text);
  });
  page.on("pageerror", (e) => {
    if (downNoise.test(e.message) && serverDown) return;
    consoleErrors.push(`pageerror: ${e.message}`);
  });
});

after(async () => {
  if (page) {
    fs.mkdirSync(artifacts, { recursive: true });
    const name = browserName === "chromium" ? "demo.png" : `demo-${browserName}.png`;
    await page.screenshot({ path: path.join(artifacts, name) }).catch(() => {});
  }
  await browser?.close();
  peer?.close();
  await web?.close();
  if (server) {
    await server.stop();
    server.cleanup();
  }
});

async function waitFor(pred, what, timeout = 10000) {
  const deadline = Date.now() + timeout;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const text = (sel) => page.locator(sel).textContent();
const messageItem = (body) => page.locator("#messages li", { hasText: body });

test("the demo page connects over WebSocket", async () => {
  await page.goto(`${web.url}/demo/?ws=${encodeURIComponent(wsUrl)}`);
  await page.locator("body[data-ready=true]").waitFor(WAIT);
  assert.equal(await page.inputValue("#url"), wsUrl);
  await page.click("#connect");
  await page.locator("#status", { hasText: /^connected$/ }).waitFor(WAIT);
  await page.locator("#events li", { hasText: "connect:" }).waitFor(WAIT);
});

test("a page publish with headers reaches a TCP subscriber and the page itself", async () => {
  const got = peer.collect("demo.chat");
  await peer.flush();
  await page.fill("#headers", "X-From: page; X-Seq: 1");
  await page.fill("#message", "hello from page");
  await page.click("#publish");
  await waitFor(() => got.length === 1, "peer to receive the page's message");
  assert.equal(got[0].data, "hello from page");
  assert.deepEqual(got[0].headers, { "X-From": "page", "X-Seq": "1" });
  await messageItem("hello from page").waitFor(WAIT);
});

test("a TCP publish with headers shows up on the page", async () => {
  peer.publish("demo.chat", "hello from peer", { headers: { "X-From": "peer" } });
  const item = messageItem("hello from peer");
  await item.waitFor(WAIT);
  assert.match(await item.textContent(), /X-From: peer/);
});

test("request/reply: the page asks a TCP responder", async () => {
  peer.subscribe("demo.echo", (m) => peer.publish(m.reply, `echo: ${m.data}`));
  await peer.flush();
  await page.fill("#request-subject", "demo.echo");
  await page.fill("#request-body", "ping");
  await page.click("#request");
  await page.locator("#reply", { hasText: /^echo: ping$/ }).waitFor(WAIT);
});

test("request/reply: nobody listening is reported as no responders", async () => {
  await page.fill("#request-subject", "demo.nobody");
  await page.click("#request");
  await page.locator("#reply", { hasText: /^no responders$/ }).waitFor(WAIT);
});

test("request/reply: a TCP peer asks the page", async () => {
  const reply = await peer.request("demo.chat", "question");
  assert.equal(reply.data, "page got: question");
});

test("async iterators, auto-unsubscribe and Map-like headers in the JS API", async () => {
  const r = await page.evaluate(async () => {
    const { Headers } = await import("/web-client/switchyard_web.js");
    const nc = window.nc;
    const sub = nc.subscribe("iter.test", { max: 3 });
    for (let i = 0; i < 5; i++) nc.publish("iter.test", String(i));
    const got = [];
    for await (const m of sub) got.push(m.string());
    const h = new Headers();
    h.append("X-A", "1");
    h.append("x-a", "2");
    h.set("X-B", "b");
    const viaCallback = [];
    const done = new Promise((resolve) => {
      nc.subscribe("cb.test", { max: 2, callback: (m) => { viaCallback.push(m.data.length); if (viaCallback.length === 2) resolve(); } });
    });
    nc.publish("cb.test", new Uint8Array([1, 2, 3]));
    nc.publish("cb.test", "", { headers: new Map([["X-Map", "yes"]]) });
    await done;
    let badSubject;
    try { nc.publish("bad subject", "x"); } catch (e) { badSubject = e.code; }
    return { got, pairs: [...h], all: h.getAll("X-A"), size: h.size, keys: h.keys(), viaCallback, badSubject };
  });
  assert.deepEqual(r.got, ["0", "1", "2"]);
  assert.deepEqual(r.pairs, [["X-A", "1"], ["x-a", "2"], ["X-B", "b"]]);
  assert.deepEqual(r.all, ["1", "2"]);
  assert.equal(r.size, 3);
  assert.deepEqual(r.keys, ["X-A", "X-B"]);
  assert.deepEqual(r.viaCallback, [3, 0]);
  assert.equal(r.badSubject, "BAD_SUBJECT");
});

test("a callback subscription outlives its garbage-collected handle", async (t) => {
  if (browserName !== "chromium") {
    t.skip("needs window.gc, which only Chromium exposes (--js-flags=--expose-gc)");
    return;
  }
  const r = await page.evaluate(async () => {
    const nc = window.nc;
    const got = [];
    (() => { nc.subscribe("gc.test", { callback: (m) => got.push(m.string()) }); })();
    for (let i = 0; i < 5; i++) {
      window.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    nc.publish("gc.test", "still here");
    await nc.flush();
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    return got;
  });
  assert.deepEqual(r, ["still here"]);
});

test("the page reconnects after a server restart and resubscribes", async (t) => {
  if (external) {
    t.skip("external server: cannot restart it");
    return;
  }
  serverDown = true;
  await server.stop();
  peer.close();
  await page.locator("#status", { hasText: /^reconnecting$/ }).waitFor(WAIT);
  await page.locator("#events li", { hasText: "disconnect:" }).waitFor(WAIT);
  // Published while down: buffered, sent after the resubscription, so it comes back to the page.
  await page.fill("#headers", "");
  await page.fill("#message", "sent while down");
  await page.click("#publish");
  await new Promise((r) => setTimeout(r, 700)); // let a reconnect attempt or two fail
  await server.start();
  peer = await Peer.connect(tcpPort);
  await page.locator("#status", { hasText: /^connected$/ }).waitFor(WAIT);
  await page.locator("#events li", { hasText: "reconnect:" }).waitFor(WAIT);
  serverDown = false;
  await messageItem("sent while down").waitFor(WAIT);
  peer.publish("demo.chat", "after restart", { headers: { "X-From": "peer" } });
  await messageItem("after restart").waitFor(WAIT);
  const got = peer.collect("demo.chat");
  await peer.flush();
  await page.fill("#message", "page after restart");
  await page.click("#publish");
  await waitFor(() => got.some((m) => m.data === "page after restart"), "peer to hear the page after the restart");
  const reconnects = await page.evaluate(() => window.nc.stats().reconnects);
  assert.equal(reconnects, 1);
});

test("JetStream: publish with PubAck, stream info and list, pull fetch with acks", async () => {
  const r = await page.evaluate(async () => {
    const nc = window.nc;
    await nc.streamCreate({ name: "ORDERS", subjects: ["orders.>"], storage: "memory" });
    const first = await nc.jsPublish("orders.1", "first", { msgID: "m1" });
    const dup = await nc.jsPublish("orders.1", "first", { msgID: "m1" });
    const second = await nc.jsPublish("orders.2", { n: 2 }, { headers: { "X-Kind": "json" } });
    const info = await nc.streamInfo("ORDERS");
    const names = (await nc.streamList()).map((s) => s.config.name);
    await nc.consumerCreate("ORDERS", { durable_name: "worker", ack_policy: "explicit" });
    const msgs = await nc.fetch("ORDERS", "worker", { batch: 5, expires: 1000 });
    const fetched = msgs.map((m) => ({ subject: m.subject, body: m.string(), seq: m.info.stream_seq, kind: m.headers?.get("X-Kind") }));
    msgs[0].ack();
    await msgs[1].ackSync();
    const consumer = (await nc.request("$JS.API.CONSUMER.INFO.ORDERS.worker", "")).json();
    const empty = await nc.fetch("ORDERS", "worker", { batch: 1, noWait: true });
    let missing;
    try { await nc.streamInfo("MISSING"); } catch (e) { missing = e.api.err_code; }
    let noStream;
    try { await nc.jsPublish("nowhere.1", "x"); } catch (e) { noStream = e.code; }
    return { first, dup, second, messages: info.state.messages, names, fetched, ackPending: consumer.num_ack_pending,
      ackFloor: consumer.ack_floor.stream_seq, empty: empty.length, missing, noStream };
  });
  assert.deepEqual(r.first, { stream: "ORDERS", seq: 1, duplicate: false });
  assert.deepEqual(r.dup, { stream: "ORDERS", seq: 1, duplicate: true });
  assert.equal(r.second.seq, 2);
  assert.equal(r.messages, 2);
  assert.ok(r.names.includes("ORDERS"));
  assert.deepEqual(r.fetched, [
    { subject: "orders.1", body: "first", seq: 1, kind: undefined },
    { subject: "orders.2", body: '{"n":2}', seq: 2, kind: "json" },
  ]);
  assert.equal(r.ackPending, 0);
  assert.equal(r.ackFloor, 2);
  assert.equal(r.empty, 0);
  assert.equal(r.missing, 10059);
  assert.equal(r.noStream, "503");
});

test("KV: put, get, delete and watch", async () => {
  const r = await page.evaluate(async () => {
    const nc = window.nc;
    await nc.kvCreate("cfg", { history: 3 });
    const seen = [];
    const watch = await nc.kvWatch("cfg", { callback: (e) => seen.push(`${e.operation} ${e.key}=${e.string()}`) });
    const rev1 = await nc.kvPut("cfg", "color", "blue");
    const rev2 = await nc.kvPut("cfg", "color", "green");
    const got = await nc.kvGet("cfg", "color");
    await nc.kvDelete("cfg", "color");
    const gone = await nc.kvGet("cfg", "color");
    const missing = await nc.kvGet("cfg", "never-set");
    for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    watch.stop();
    let badKey;
    try { await nc.kvPut("cfg", "bad key", "x"); } catch (e) { badKey = e.code; }
    return { rev1, rev2, value: got.string(), revision: got.revision, gone, missing, seen, badKey };
  });
  assert.equal(r.rev2, r.rev1 + 1);
  assert.equal(r.value, "green");
  assert.equal(r.revision, r.rev2);
  assert.equal(r.gone, null);
  assert.equal(r.missing, null);
  assert.deepEqual(r.seen, ["PUT color=blue", "PUT color=green", "DEL color="]);
  assert.equal(r.badKey, "BAD_KEY");
});

test("drain closes the page's connection", async () => {
  await page.click("#disconnect");
  await page.locator("#status", { hasText: /^closed$/ }).waitFor(WAIT);
  assert.equal(await page.evaluate(() => window.nc.status), "closed");
});

test("the browser console stayed clean", () => {
  assert.deepEqual(consoleErrors, []);
});
