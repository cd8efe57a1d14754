// The official client in a real browser: bundles browser/page.mjs, serves it over HTTP, opens it in
// headless Chromium, and checks what the page reports over NATS. Skipped when no Chromium is found
// (set CHROMIUM to its path).
//
// WS_URL (ws://host:port) and NATS_URL (nats://host:port) name the server under test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { build } from "esbuild";
import { connect } from "@nats-io/transport-node";

const WS_URL = process.env.WS_URL;
const NATS_URL = process.env.NATS_URL;
const CHROMIUM = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p) => p && existsSync(p),
);

const te = new TextEncoder();
const td = new TextDecoder();

async function servePage() {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "browser/page.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
  });
  const js = bundle.outputFiles[0].text;
  const html = '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === "/page.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    } else if (req.url.startsWith("/?")) {
      res.writeHead(200, { "content-type": "text/html" }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

test("wsconnect works from headless Chromium", { skip: !CHROMIUM && "no Chromium found" }, async () => {
  assert.ok(WS_URL && NATS_URL, "set WS_URL and NATS_URL");
  const peer = await connect({ servers: NATS_URL, name: "browser-peer" });
  const big = "0123456789".repeat(20_000);
  peer.subscribe("check.browser.upper", { callback: (_, m) => m.respond(te.encode(td.decode(m.data).toUpperCase())) });
  peer.subscribe("check.browser.ready", { callback: () => peer.publish("check.browser.to", te.encode(big)) });
  const fromBrowser = peer.subscribe("check.browser.from", { max: 1 });
  const result = peer.subscribe("check.browser.result", { max: 1 });
  await peer.flush();

  const http = await servePage();
  const profile = mkdtempSync(join(tmpdir(), "ws-check-chromium-"));
  const url = `http://127.0.0.1:${http.address().port}/?ws=${encodeURIComponent(WS_URL)}`;
  const chromium = spawn(
    CHROMIUM,
    ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      `--user-data-dir=${profile}`, url],
    { stdio: "ignore" },
  );
  try {
    const timer = setTimeout(() => result.unsubscribe(), 30_000);
    let report;
    for await (const m of result) {
      report = JSON.parse(td.decode(m.data));
    }
    clearTimeout(timer);
    assert.ok(report, "the page reported in time");
    assert.equal(report.error, undefined);
    assert.match(report.userAgent, /Chrome/);
    assert.equal(report.request, "FROM CHROMIUM");
    assert.equal(report.receivedLength, big.length);
    assert.equal(report.receivedIntact, true);
    for await (const m of fromBrowser) {
      assert.equal(td.decode(m.data), "hello from the browser");
      assert.equal(m.headers.get("X-Browser"), "chromium");
    }
  } finally {
    const exited = new Promise((resolve) => chromium.once("exit", resolve));
    chromium.kill();
    await exited;
    http.close();
    await peer.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
});
