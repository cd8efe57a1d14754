// Test fixtures: free ports, a static file server for static/, and a nats-server with WebSocket and
// JetStream that can be stopped and started again on the same ports.
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";

import { freePort, waitForPort } from "../ports.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** Serves `root` on 127.0.0.1; resolves with `{url, close()}`. */
export function serveStatic(root) {
  const server = http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" }).end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** A nats-server (Debian's, or NATS_SERVER_BIN) with a WebSocket listener and JetStream. */
export class NatsServer {
  constructor({ bin = process.env.NATS_SERVER_BIN || "nats-server" } = {}) {
    this.bin = bin;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-browser-"));
    this.proc = null;
  }

  async start() {
    if (!this.port) {
      this.port = await freePort();
      this.wsPort = await freePort();
      fs.writeFileSync(
        path.join(this.dir, "server.conf"),
        [
          `listen: "127.0.0.1:${this.port}"`,
          `websocket { host: "127.0.0.1", port: ${this.wsPort}, no_tls: true }`,
          `jetstream { store_dir: "${path.join(this.dir, "js")}" }`,
        ].join("\n"),
      );
    }
    this.log = fs.openSync(path.join(this.dir, "server.log"), "a");
    // Extra flags for the server under test (switchyard: turn off the listeners nats-server lacks).
    const extra = (process.env.NATS_SERVER_ARGS || "").split(/\s+/).filter(Boolean);
    this.proc = spawn(this.bin, ["-c", path.join(this.dir, "server.conf"), ...extra], {
      stdio: ["ignore", this.log, this.log],
    });
    const exited = new Promise((_, reject) => this.proc.once("exit", (c) => reject(new Error(`nats-server exited: ${c}`))));
    await Promise.race([Promise.all([waitForPort(this.port), waitForPort(this.wsPort)]), exited]);
    this.proc.removeAllListeners("exit");
  }

  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await gone;
    fs.closeSync(this.log);
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  logText() {
    try {
      return fs.readFileSync(path.join(this.dir, "server.log"), "utf8");
    } catch {
      return "";
    }
  }

  cleanup() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
