// Fixtures of the console tests: free ports, a switchyard process (flags or a config file, its own
// store directory, stopped at the end), an optional static proxy for developing the console without
// rebuilding the server, and the nats-py helper.
import { spawn, execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { freePort, waitForPort } from "../ports.mjs";

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, "../..");

/** The switchyard binary: SWITCHYARD_BIN, else the release build in the target directory. */
export function switchyardBin() {
  if (process.env.SWITCHYARD_BIN) return process.env.SWITCHYARD_BIN;
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, "target");
  return path.join(target, "release", "switchyard");
}

/**
 * A switchyard with NATS, monitoring, WebSocket, MQTT and JetStream on free ports of 127.0.0.1.
 * `configText(ports, dir)` (optional) returns a configuration file's text to start from instead of flags.
 */
export class Switchyard {
  constructor({ configText } = {}) {
    this.configText = configText;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-console-"));
    this.proc = null;
  }

  async start() {
    this.port = await freePort();
    this.httpPort = await freePort();
    this.wsPort = await freePort();
    this.mqttPort = await freePort();
    const store = path.join(this.dir, "store");
    let args;
    if (this.configText) {
      const conf = path.join(this.dir, "server.conf");
      fs.writeFileSync(conf, this.configText(this, store));
      args = ["-c", conf];
    } else {
      args = ["-a", "127.0.0.1", "-p", String(this.port), "-m", String(this.httpPort), "-ws", String(this.wsPort),
        "--mqtt_port", String(this.mqttPort), "-js", "-sd", store, "-n", "console-e2e"];
    }
    this.logPath = path.join(this.dir, "server.log");
    const log = fs.openSync(this.logPath, "a");
    this.proc = spawn(switchyardBin(), args, { stdio: ["ignore", log, log] });
    fs.closeSync(log);
    const exited = new Promise((_, reject) =>
      this.proc.once("exit", (c) => reject(new Error(`switchyard exited (${c}): ${this.logText()}`))));
    await Promise.race([Promise.all([waitForPort(this.port, 20_000), waitForPort(this.httpPort, 20_000), waitForPort(this.wsPort, 20_000)]), exited]);
    this.proc.removeAllListeners("exit");
  }

  get url() {
    return `http://127.0.0.1:${this.httpPort}/`;
  }

  get natsUrl() {
    return `nats://127.0.0.1:${this.port}`;
  }

  logText() {
    try {
      return fs.readFileSync(this.logPath, "utf8").slice(-4000);
    } catch {
      return "";
    }
  }

  async stop() {
    if (!this.proc) return;
    const p = this.proc;
    this.proc = null;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (p.exitCode === null) p.kill("SIGKILL");
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
};

/**
 * CONSOLE_STATIC=<dir>: serve the console from <dir> and pass every other request to the server's
 * monitoring port, so a rebuilt bundle can be tried without rebuilding the server. Resolves with
 * the URL to open.
 */
export function consoleUrl(server, dir = process.env.CONSOLE_STATIC) {
  if (!dir) return Promise.resolve({ url: server.url, close: async () => {} });
  const staticDir = path.resolve(dir);
  const proxy = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(staticDir, rel === "/" ? "index.html" : path.normalize(rel));
    if (file.startsWith(staticDir + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(fs.readFileSync(file));
      return;
    }
    const up = http.request({ host: "127.0.0.1", port: server.httpPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.writeHead(502).end());
    req.pipe(up);
  });
  return new Promise((resolve) => {
    proxy.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${proxy.address().port}/`, close: () => new Promise((r) => proxy.close(r)) });
    });
  });
}

/** The Python with nats-py: NATS_PY_PYTHON, else the interop suite's venv. */
function python() {
  return process.env.NATS_PY_PYTHON || path.join(root, "tests/python/.venv/bin/python");
}

/** Runs `natspy.py <args…>` and resolves with its standard output. */
export function natsPy(...args) {
  return new Promise((resolve, reject) => {
    execFile(python(), [path.join(here, "natspy.py"), ...args.map(String)], { timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`natspy ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export function pythonAvailable() {
  return fs.existsSync(python());
}
