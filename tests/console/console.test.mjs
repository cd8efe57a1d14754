// End-to-end tests of the browser console: headless Chromium (playwright-core) or Firefox
// (puppeteer-core, see browsers.mjs) against a started switchyard serving the console at its
// monitoring port, with nats-py (and mqtt.js for devices) as the applications' side.
// Each area is used as an operator would; screenshots go to tests/console/artifacts/ (Chromium) or
// tests/console/artifacts/firefox/. Any error the browser logs, and any request to a host other than
// 127.0.0.1, fails the test that was running.
//
//   CONSOLE_BROWSER      chromium (default) or firefox
//   SWITCHYARD_BIN       switchyard binary (default: target/release/switchyard)
//   CONSOLE_STATIC=dir   serve the console from dir instead of the binary's embedded bundle
//   NATS_PY_PYTHON       Python with nats-py (default: tests/python/.venv/bin/python)
//   CHROMIUM_BIN         default /usr/bin/chromium
//   FIREFOX_BIN          default /usr/bin/firefox-esr
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { launchBrowser, browserName } from "./browsers.mjs";
import { Switchyard, consoleUrl, natsPy, here, root } from "./harness.mjs";

const artifacts = browserName === "chromium" ? path.join(here, "artifacts") : path.join(here, "artifacts", browserName);
const WAIT = { timeout: 20000 };

let server, site, browser, context, page;
let consoleErrors = [];

async function newPage(ctx) {
  const p = await ctx.newPage();
  p.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  p.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return p;
}

// Everything must come from the server: any other host is a failure.
const onExternalRequest = (url) => consoleErrors.push(`external request: ${url}`);

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  server = new Switchyard();
  await server.start();
  site = await consoleUrl(server);
  browser = await launchBrowser();
  console.log(`# browser: ${browser.name} ${browser.version}`);
  context = await browser.newContext({ viewport: { width: 1366, height: 860 }, onExternalRequest });
  page = await newPage(context);
  await page.goto(site.url);
  await page.locator("#stat-server").waitFor(WAIT);
});

afterEach(async (t) => {
  // What the page showed when a test failed, for the artifacts.
  if (!t.passed) await shot(`failed-${t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => {});
  const errors = consoleErrors;
  consoleErrors = [];
  assert.deepEqual(errors, [], `browser console errors during "${t.name}"`);
});

after(async () => {
  await browser?.close();
  await site?.close();
  await server?.stop();
});

async function shot(name, p = page) {
  await p.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function go(hash) {
  await page.evaluate((h) => (location.hash = h), hash);
}

/** Waits until the NATS connection indicator says connected. */
async function natsConnected(p = page) {
  await p.locator("#nats-status.good").waitFor(WAIT);
}

const rowCount = (sel) => page.locator(`${sel} tbody tr`).count();

test("overview shows the server, its front-ends and live charts", async () => {
  await natsConnected();
  const name = await page.locator("#stat-server .stat-value").textContent();
  assert.equal(name, "console-e2e");
  const frontends = await page.locator("#frontends").innerText();
  assert.match(frontends, new RegExp(`WebSocket\\s+on\\s+\\S+:${server.wsPort}`));
  assert.match(frontends, new RegExp(`NATS \\(TCP\\)\\s+on\\s+127\\.0\\.0\\.1:${server.port}`));
  // The charts accumulate points from /varz polls; traffic shows as a peak that rescales the axis.
  const peaked = () => page.evaluate(() => {
    const line = document.querySelector("#chart-msgs polyline.l1");
    const labels = [...document.querySelectorAll("#chart-msgs .tick text")].map((t) => t.textContent);
    return Boolean(line) && line.getAttribute("points").split(" ").length >= 3 && !labels.includes("1/s");
  });
  const deadline = Date.now() + 30000;
  while (!(await peaked())) {
    assert.ok(Date.now() < deadline, "the message rate chart never showed the traffic");
    await natsPy("publish", server.natsUrl, "load.test", 2000);
    await page.waitForTimeout(1500);
  }
  await shot("overview");
});

test("connections: filter, sort, details with subscriptions, closed connections with reasons", async () => {
  const holder = natsPy("hold", server.natsUrl, "py-holder", 6);
  await go("#/connections");
  await page.locator("#conn-table").waitFor(WAIT);
  await page.locator("#conn-table tbody tr", { hasText: "py-holder" }).waitFor(WAIT);
  // The console's own WebSocket connection, found by filtering.
  await page.fill("#conn-filter", "switchyard-console");
  await page.waitForFunction(() => document.querySelectorAll("#conn-table tbody tr").length === 1, null, WAIT);
  assert.match(await page.locator("#conn-table tbody tr").first().innerText(), /WebSocket/);
  // The nats-py connection's subscriptions, on click.
  await page.fill("#conn-filter", "py-holder");
  await page.waitForFunction(() => document.querySelectorAll("#conn-table tbody tr").length === 1, null, WAIT);
  await page.locator("#conn-table tbody tr").first().click();
  await page.locator("#conn-subs").waitFor(WAIT);
  const subs = await page.locator("#conn-subs").innerText();
  assert.match(subs, /audit\.>/);
  assert.match(subs, /jobs\s+workers/);
  await shot("connections");
  // Kind filter and sorting.
  await page.fill("#conn-filter", "");
  await page.selectOption("#conn-kind", "tcp");
  await page.waitForFunction(() => [...document.querySelectorAll("#conn-table tbody tr")].every((r) => r.innerText.includes("TCP")), null, WAIT);
  await page.locator("#conn-table th", { hasText: "Msgs in" }).click();
  assert.equal(await page.locator("#conn-table th[aria-sort='descending']").count(), 1);
  await holder;
  // Closed: the nats-py connections are gone, with their reason.
  await page.selectOption("#conn-kind", "");
  await page.selectOption("#conn-state", "closed");
  // The table refreshes after the state changes: wait for the closed row, not the open one still shown.
  const closedRow = page.locator("#conn-table tbody tr", { hasText: "py-holder" }).filter({ hasText: "Client Closed" });
  await closedRow.first().waitFor(WAIT);
  assert.doesNotMatch(await closedRow.first().innerText(), /\topen$/);
  await shot("connections-closed");
});

test("streams: create through the form, server errors shown as such", async () => {
  await go("#/streams");
  await page.locator("#new-stream").click();
  await page.locator("#stream-form").waitFor(WAIT);
  // A field the browser cannot read is reported on the field.
  await page.fill("#s-name", "ORDERS");
  await page.fill("#s-subjects", "orders.>");
  await page.fill("#s-max-age", "soon");
  await page.click("#s-submit");
  await page.locator(".field.invalid #s-max-age").waitFor(WAIT);
  await page.fill("#s-max-age", "7d");
  await page.fill("#s-max-msgs", "10000");
  await page.fill("#s-description", "all orders");
  await page.click("#s-submit");
  await page.locator("#stream-name", { hasText: "ORDERS" }).waitFor(WAIT);
  await page.locator("#stream-state").waitFor(WAIT);
  const config = JSON.parse(await page.locator("#stream-config").textContent());
  assert.equal(config.max_msgs, 10000);
  assert.equal(config.max_age, 7 * 86400 * 1e9);
  await shot("stream-info");
  // Edit: the form starts from the current config; what may not change is refused in the browser.
  await page.locator("#tab-edit").click();
  await page.locator("#s-max-msgs").waitFor(WAIT);
  assert.equal(await page.inputValue("#s-max-msgs"), "10000");
  assert.equal(await page.inputValue("#s-max-age"), "7d");
  assert.equal(await page.locator("#s-storage").isDisabled(), true);
  await page.fill("#s-max-per-subject", "100");
  await page.fill("#s-description", "orders, at most 100 per subject");
  await page.click("#s-submit");
  await page.locator(".notice.info", { hasText: "Stream ORDERS updated" }).waitFor(WAIT);
  await page.locator("#stream-config", { hasText: '"max_msgs_per_subject": 100' }).waitFor(WAIT);
  // Overlapping subjects: only the server knows; its error is shown.
  await go("#/streams/+new");
  await page.locator("#stream-form").waitFor(WAIT);
  await page.fill("#s-name", "DUP");
  await page.fill("#s-subjects", "orders.eu");
  await page.click("#s-submit");
  const err = page.locator("#stream-form .error-box");
  await err.waitFor(WAIT);
  assert.match(await err.innerText(), /server error: .*overlap/i);
  await shot("stream-server-error");
});

test("streams: messages published with nats-py are browsed, decoded, deleted and purged", async () => {
  await natsPy("js-publish", server.natsUrl, "orders.new", 5, "from-python");
  await go("#/streams/ORDERS/messages");
  await page.locator("#msg-table").waitFor(WAIT);
  await page.click("#msg-load");
  await page.waitForFunction(() => document.querySelectorAll("#msg-table tbody tr[data-seq]").length === 5, null, WAIT);
  await page.locator("#msg-table tr[data-seq='3']").click();
  const view = page.locator(".payload-view");
  await view.waitFor(WAIT);
  assert.match(await view.locator("table.headers").innerText(), /X-Test\s+msg-3/);
  assert.match(await view.locator("pre.payload").innerText(), /"note": "from-python"/);
  await view.locator(".chip", { hasText: "Hex" }).click();
  assert.match(await view.locator("pre.payload").innerText(), /^00000000 {2}7b 22 6e 22/);
  await shot("stream-messages");
  // Paging.
  await page.fill("#msg-count", "2");
  await page.click("#msg-load");
  await page.waitForFunction(() => document.querySelectorAll("#msg-table tbody tr[data-seq]").length === 2, null, WAIT);
  await page.click("#msg-next");
  await page.locator("#msg-table tr[data-seq='3']").waitFor(WAIT);
  await page.locator("#msg-table tr[data-seq='4']").waitFor(WAIT);
  await page.click("#msg-prev");
  await page.locator("#msg-table tr[data-seq='1']").waitFor(WAIT);
  await page.fill("#msg-count", "25");
  // Filter by subject.
  await natsPy("js-publish", server.natsUrl, "orders.cancelled", 2, "cancel");
  await page.fill("#msg-filter", "orders.cancelled");
  await page.click("#msg-load");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#msg-table tbody tr[data-seq]")];
    return rows.length === 2 && rows.every((r) => r.innerText.includes("orders.cancelled"));
  }, null, WAIT);
  // Delete one message.
  await page.fill("#msg-filter", "");
  await page.click("#msg-load");
  await page.locator("#msg-table tr[data-seq='2']").click();
  await page.click("#msg-delete");
  await page.click("#confirm-ok");
  await page.waitForFunction(() => !document.querySelector("#msg-table tr[data-seq='2']"), null, WAIT);
  // Purge: keep the newest 2, then everything.
  await page.click("#purge-stream");
  await page.selectOption("#purge-mode", "keep");
  await page.fill("#purge-number", "2");
  await page.click("#confirm-ok");
  await page.locator(".notice.info", { hasText: "Purged 4 message(s)" }).waitFor(WAIT);
  await page.click("#purge-stream");
  await page.click("#confirm-ok");
  await page.locator(".notice.info", { hasText: "Purged 2 message(s)" }).waitFor(WAIT);
  await go("#/streams/ORDERS");
  await page.waitForFunction(() => /Messages\s+0\b/.test(document.querySelector("#stream-state")?.innerText ?? ""), null, WAIT);
  await go("#/streams");
  await page.locator("#stream-table tr[data-stream='ORDERS'] td.msgs", { hasText: /^0$/ }).waitFor(WAIT);
  await shot("streams");
});

test("streams: consumers are created, inspected, paused and deleted", async () => {
  await natsPy("js-publish", server.natsUrl, "orders.new", 3, "for-consumers");
  await go("#/streams/ORDERS/consumers");
  await page.click("#new-consumer");
  await page.fill("#c-name", "worker");
  await page.fill("#c-filter", "orders.new");
  await page.click("#c-create");
  const row = page.locator("#consumer-table tr[data-consumer='worker']");
  await row.waitFor(WAIT);
  await page.waitForFunction(() => document.querySelector("#consumer-table tr[data-consumer='worker'] td.pending")?.textContent === "3", null, WAIT);
  await row.click();
  await page.locator("#consumer-details", { hasText: '"durable_name": "worker"' }).waitFor(WAIT);
  await row.locator("button.pause").click();
  await row.locator(".pill", { hasText: "paused" }).waitFor(WAIT);
  await shot("consumers");
  await row.locator("button.pause", { hasText: "Resume" }).click();
  await row.locator("button.pause", { hasText: "Pause" }).waitFor(WAIT);
  await row.locator("button.delete").click();
  await page.click("#confirm-ok");
  await page.locator("#no-consumers").waitFor(WAIT);
});

test("streams: delete needs the name typed", async () => {
  await go("#/streams/+new");
  await page.fill("#s-name", "SCRATCH");
  await page.fill("#s-subjects", "scratch.>");
  await page.click("#s-submit");
  await page.locator("#stream-name", { hasText: "SCRATCH" }).waitFor(WAIT);
  await page.click("#delete-stream");
  assert.equal(await page.locator("#confirm-ok").isDisabled(), true);
  await page.fill("#confirm-text", "SCRATCH");
  await page.click("#confirm-ok");
  await page.locator(".notice.info", { hasText: "Stream SCRATCH deleted" }).waitFor(WAIT);
  await page.waitForFunction(() => location.hash === "#/streams", null, WAIT);
});

test("KV: create a bucket, see keys and a watched key update live, history and delete", async () => {
  await go("#/kv");
  await page.click("#new-bucket");
  await page.fill("#b-name", "cfg");
  await page.fill("#b-history", "5");
  await page.click("#b-create");
  await page.locator("#bucket-table tr[data-bucket='cfg']").waitFor(WAIT);
  await page.locator("#bucket-table tr[data-bucket='cfg'] a").click();
  await page.locator("#no-keys").waitFor(WAIT);
  await page.click("#watch-toggle");
  await page.locator("#watch-feed").waitFor(WAIT);
  await natsPy("kv-put", server.natsUrl, "cfg", "app.color", "blue");
  await page.locator("#watch-feed li[data-key='app.color']", { hasText: "blue" }).waitFor(WAIT);
  await page.locator("#key-table tr[data-key='app.color']").waitFor(WAIT);
  await natsPy("kv-put", server.natsUrl, "cfg", "app.color", "green");
  await page.locator("#watch-feed li[data-key='app.color']", { hasText: "green" }).waitFor(WAIT);
  await page.locator("#key-table tr[data-key='app.color'] td.revision", { hasText: "2" }).waitFor(WAIT);
  // Put from the console; nats-py reads it.
  await page.fill("#put-key", "app.size");
  await page.fill("#put-value", "large");
  await page.click("#put-submit");
  await page.locator("#key-table tr[data-key='app.size']").waitFor(WAIT);
  assert.equal((await natsPy("kv-get", server.natsUrl, "cfg", "app.size")).trim(), "large");
  // Value and history of a key.
  await page.locator("#key-table tr[data-key='app.color']").click();
  await page.locator("#key-value pre", { hasText: "green" }).waitFor(WAIT);
  await page.waitForFunction(() => document.querySelectorAll("#key-history tr[data-revision]").length === 2, null, WAIT);
  await page.locator("#key-history tr[data-revision='1']").click();
  await page.locator("#key-history pre", { hasText: "blue" }).waitFor(WAIT);
  // Search.
  await page.fill("#key-search", "app.*");
  await page.waitForFunction(() => document.querySelectorAll("#key-table tr[data-key]").length === 2, null, WAIT);
  await page.fill("#key-search", "size");
  await page.waitForFunction(() => document.querySelectorAll("#key-table tr[data-key]").length === 1, null, WAIT);
  await page.fill("#key-search", "");
  await shot("kv");
  // Delete: the key leaves the list and the watch shows the delete.
  await page.click("#key-delete");
  await page.locator("#watch-feed li[data-key='app.color'] .op-del").waitFor(WAIT);
  await page.waitForFunction(() => !document.querySelector("#key-table tr[data-key='app.color']"), null, WAIT);
  await page.check("#show-deleted");
  await page.locator("#key-table tr.deleted[data-key='app.color']").waitFor(WAIT);
  await page.click("#watch-toggle");
});

test("object store: upload from the browser, download the same bytes, interoperate with nats-py", async () => {
  await go("#/objects");
  await page.click("#new-bucket");
  await page.fill("#b-name", "files");
  await page.click("#b-create");
  await page.locator("#bucket-table tr[data-bucket='files'] a").click();
  await page.locator("#no-objects").waitFor(WAIT);
  // 300 KiB of random bytes: three chunks.
  const data = crypto.randomBytes(300 * 1024 + 17);
  await page.setInputFiles("#upload-file", { name: "blob.bin", mimeType: "application/octet-stream", buffer: data });
  await page.click("#upload-submit");
  const row = page.locator("#object-table tr[data-object='blob.bin']");
  await row.waitFor(WAIT);
  assert.equal(await row.locator("td.size").getAttribute("data-bytes"), String(data.length));
  const expectedDigest = "SHA-256=" + crypto.createHash("sha256").update(data).digest("base64url") + "=";
  assert.equal(await row.locator("td.digest").getAttribute("title"), expectedDigest);
  const [download] = await Promise.all([page.waitForEvent("download", WAIT), row.locator("button.download").click()]);
  const downloaded = fs.readFileSync(await download.path());
  assert.ok(downloaded.equals(data), "downloaded bytes equal the uploaded ones");
  // nats-py reads what the browser wrote, and the browser reads what nats-py wrote.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "console-obj-"));
  await natsPy("obj-get", server.natsUrl, "files", "blob.bin", path.join(tmp, "out.bin"));
  assert.ok(fs.readFileSync(path.join(tmp, "out.bin")).equals(data), "nats-py reads the upload");
  const fromPy = crypto.randomBytes(200 * 1024);
  fs.writeFileSync(path.join(tmp, "py.bin"), fromPy);
  await natsPy("obj-put", server.natsUrl, "files", "from-python.bin", path.join(tmp, "py.bin"));
  await page.click("#refresh-objects");
  const pyRow = page.locator("#object-table tr[data-object='from-python.bin']");
  await pyRow.waitFor(WAIT);
  const [download2] = await Promise.all([page.waitForEvent("download", WAIT), pyRow.locator("button.download").click()]);
  assert.ok(fs.readFileSync(await download2.path()).equals(fromPy), "the browser reads nats-py's object");
  fs.rmSync(tmp, { recursive: true, force: true });
  await shot("objects");
  await row.locator("button.delete").click();
  await page.click("#confirm-ok");
  await page.waitForFunction(() => !document.querySelector("#object-table tr[data-object='blob.bin']"), null, WAIT);
});

test("live tester: subscribe with wildcards, publish with headers, request and reply", async () => {
  await go("#/tester");
  await page.fill("#sub-subject", "demo.*.events");
  await page.click("#sub-submit");
  await page.locator("#sub-list li[data-subject='demo.*.events']").waitFor(WAIT);
  await page.fill("#pub-subject", "demo.eu.events");
  await page.fill("#pub-headers", "X-Trace: abc123");
  await page.fill("#pub-payload", '{"hello":"world"}');
  await page.fill("#pub-count", "3");
  await page.click("#pub-submit");
  await page.waitForFunction(() => document.querySelectorAll("#sub-feed li[data-subject='demo.eu.events']").length === 3, null, WAIT);
  await page.locator("#sub-feed li[data-subject='demo.eu.events']").first().click();
  await page.locator("#sub-feed table.headers", { hasText: "abc123" }).waitFor(WAIT);
  // Messages from another client arrive too.
  await natsPy("publish", server.natsUrl, "demo.us.events", 1);
  await page.locator("#sub-feed li[data-subject='demo.us.events']").waitFor(WAIT);
  // Request/reply against a reply service started in the page.
  await page.fill("#sub-subject", "svc.echo");
  await page.fill("#svc-reply", "pong");
  await page.click("#svc-submit");
  await page.locator("#sub-list li[data-subject='svc.echo']").waitFor(WAIT);
  await page.fill("#req-subject", "svc.echo");
  await page.fill("#req-payload", "ping");
  await page.click("#req-submit");
  await page.locator("#req-result pre", { hasText: "pong" }).waitFor(WAIT);
  await shot("tester");
  await page.fill("#req-subject", "nobody.home");
  await page.click("#req-submit");
  await page.locator("#req-result .error-box", { hasText: "no responders" }).waitFor(WAIT);
});

test("MQTT: clients, sessions and retained messages with admin actions", async () => {
  // A device with a persistent MQTT 5 session, as mqtt.js connects one.
  const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
    clientId: "sensor-1", protocolVersion: 5, clean: false, reconnectPeriod: 0,
    properties: { sessionExpiryInterval: 3600 },
  });
  const kicked = new Promise((resolve) => device.on("disconnect", (packet) => resolve(packet.reasonCode)));
  try {
    await device.subscribeAsync("sensors/+/temp", { qos: 1 });
    await device.publishAsync("sensors/1/temp", "21.5", { qos: 1, retain: true });
    await go("#/mqtt");
    await page.locator("#mqtt-clients tr[data-client='sensor-1']").waitFor(WAIT);
    await page.locator("#mqtt-sessions tr[data-session='sensor-1']").click();
    await page.locator("#mqtt-sessions tr.expanded", { hasText: "sensors/+/temp" }).waitFor(WAIT);
    await page.locator("#mqtt-retained tr[data-topic='sensors/1/temp']").waitFor(WAIT);
    await shot("mqtt");
    await page.locator("#mqtt-clients tr[data-client='sensor-1'] button.kick").click();
    await page.click("#confirm-ok");
    await page.locator(".notice.info", { hasText: "Client sensor-1 disconnected" }).waitFor(WAIT);
    assert.equal(await kicked, 0x98, "the device is told: administrative action");
    await page.locator("#mqtt-retained tr[data-topic='sensors/1/temp'] button.delete").click();
    await page.click("#confirm-ok");
    await page.locator(".notice.info", { hasText: "Retained message of sensors/1/temp cleared" }).waitFor(WAIT);
    const doc = await fetch(`${server.url}mqttz`).then((r) => r.json());
    assert.deepEqual(doc.retained, []);
    const session = doc.sessions.find((s) => s.client_id === "sensor-1");
    assert.ok(session && !session.connected, "the kicked client's session stays, disconnected");
  } finally {
    device.end(true);
  }
});

test("settings and themes: dark and light render, the choice is kept", async () => {
  await go("#/");
  await page.locator("#stat-server").waitFor(WAIT);
  await page.evaluate(() => document.querySelector("#theme-toggle").click()); // System → Dark
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  await page.waitForTimeout(1500);
  await shot("overview-dark");
  fs.mkdirSync(path.join(root, "docs"), { recursive: true });
  if (process.env.UPDATE_DOCS_SCREENSHOT && browserName === "chromium") await page.screenshot({ path: path.join(root, "docs/console.png") });
  await page.click("#theme-toggle"); // Dark → Light
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  await shot("overview-light");
  await page.reload();
  await page.locator("#stat-server").waitFor(WAIT);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
  await page.click("#theme-toggle"); // Light → System
  await go("#/settings");
  await page.fill("#set-refresh", "2000");
  await page.click("#settings-save");
  await page.locator("#settings-form .ok").waitFor(WAIT);
  await shot("settings");
});

test("a laptop-sized window keeps the layout usable", async () => {
  const small = await newPage(context);
  await small.setViewportSize({ width: 1024, height: 640 });
  await small.goto(site.url + "#/streams");
  await small.locator("#stream-table").waitFor(WAIT);
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await shot("laptop-streams", small);
  await small.close();
});

const authUsers = `
      authorization {
        users = [
          { user: admin, password: s3cret }
          { user: viewer, password: v1ew, permissions: { publish: { deny: ["$JS.API.STREAM.>"] } } }
        ]
      }`;

function securedServer(monitorBlock) {
  return new Switchyard({
    configText: (s, store) => `
      server_name: console-auth
      listen: "127.0.0.1:${s.port}"
      http: "127.0.0.1:${s.httpPort}"
      websocket { host: "127.0.0.1", port: ${s.wsPort}, no_tls: true }
      mqtt { host: "127.0.0.1", port: ${s.mqttPort} }
      jetstream { store_dir: "${store}" }
      ${authUsers}
      ${monitorBlock}
    `,
  });
}

/** Runs `body(page)` in a fresh browser context against `srv`; drops the expected 401 console lines. */
async function withPage(srv, body, { staticDir } = {}) {
  const srvSite = await consoleUrl(srv, staticDir);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, onExternalRequest });
  const p = await newPage(ctx);
  try {
    await p.goto(srvSite.url);
    await body(p);
  } finally {
    consoleErrors = consoleErrors.filter((e) => !/status of 401/.test(e));
    await ctx.close();
    await srvSite.close();
  }
}

async function signIn(p, user, password) {
  await p.locator("#login").waitFor(WAIT);
  await p.fill("#login-user", user);
  await p.fill("#login-password", password);
  await p.click("#login-submit");
  await p.locator("#login").waitFor({ state: "detached", ...WAIT });
}

test("auth: NATS credentials are asked for, and permission errors are shown plainly", async () => {
  const secured = securedServer("monitor { http_auth { read_only: true, users: [ { user: admin, password: s3cret } ] } }");
  await secured.start();
  try {
    await withPage(secured, async (p) => {
      await p.locator("#stat-server .stat-value", { hasText: "console-auth" }).waitFor(WAIT);
      await p.locator("#login").waitFor(WAIT);
      assert.match(await p.locator("#login").innerText(), /refused the NATS connection/);
      await p.fill("#login-user", "admin");
      await p.fill("#login-password", "wrong");
      await p.click("#login-submit");
      await p.locator("#nats-status.bad", { hasText: "Authorization Violation" }).waitFor(WAIT);
      await signIn(p, "admin", "s3cret");
      await natsConnected(p);
      await shot("auth-admin", p);
      await p.click("#logout");
      await signIn(p, "viewer", "v1ew");
      await natsConnected(p);
      await p.evaluate(() => (location.hash = "#/streams"));
      await p.locator(".notice.error", { hasText: /Permissions Violation/i }).waitFor(WAIT);
      await shot("auth-permission", p);
    });
  } finally {
    await secured.stop();
  }
});

test("auth: monitoring credentials are asked for by the console's own form", async () => {
  const secured = securedServer("monitor { http_auth { users: [ { user: admin, password: s3cret } ] } }");
  await secured.start();
  try {
    // Served by the server itself, the console is behind the same credentials: the browser asks.
    const direct = await fetch(secured.url);
    assert.equal(direct.status, 401);
    assert.match(direct.headers.get("www-authenticate") ?? "", /^Basic /);
    const basic = Buffer.from("admin:s3cret").toString("base64");
    const signedIn = await fetch(secured.url, { headers: { authorization: `Basic ${basic}` } });
    assert.equal(signedIn.status, 200);
    assert.match(await signedIn.text(), /<html/i);
    // Served from another web server in front of the monitoring port, the console asks with its form.
    await withPage(
      secured,
      async (p) => {
        await p.locator("#login").waitFor(WAIT);
        assert.match(await p.locator("#login").innerText(), /monitoring port asks for credentials/);
        await signIn(p, "admin", "s3cret");
        await p.locator("#stat-server .stat-value", { hasText: "console-auth" }).waitFor(WAIT);
        await natsConnected(p);
        await shot("auth-monitoring", p);
      },
      { staticDir: path.join(root, "static") },
    );
  } finally {
    await secured.stop();
  }
});
