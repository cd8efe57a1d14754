// Start, restart and stop the server under test for the JavaScript interop suites.
//
// The target is chosen by environment: SWITCHYARD_TARGET=nats-server runs the reference
// nats-server from PATH; anything else (default "switchyard") runs SWITCHYARD_BIN, else
// $CARGO_TARGET_DIR/release/switchyard, else <repo>/target/release/switchyard.
//
// Each TestServer picks free loopback ports for the client and monitoring listeners, keeps a
// private temporary store directory, waits until both ports accept connections, and kills the
// process on stop(). restart() starts a new process on the same ports and store directory.
// It does not speak NATS itself.

import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { HOST, freePort, portAccepts } from "../ports.mjs";

const READY_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function target() {
  const name = process.env.SWITCHYARD_TARGET || "switchyard";
  if (name !== "switchyard" && name !== "nats-server") {
    throw new Error(`SWITCHYARD_TARGET must be 'switchyard' or 'nats-server', not '${name}'`);
  }
  return name;
}

export function isReference() {
  return target() === "nats-server";
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function binary() {
  if (isReference()) {
    for (const dir of (process.env.PATH || "").split(path.delimiter).concat(["/usr/sbin"])) {
      const candidate = path.join(dir, "nats-server");
      if (dir && isExecutable(candidate)) return candidate;
    }
    throw new Error("nats-server is not installed (run scripts/install-deps.sh)");
  }
  let file = process.env.SWITCHYARD_BIN;
  if (!file) {
    const targetDir = process.env.CARGO_TARGET_DIR
      ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR)
      : path.join(REPO_ROOT, "target");
    file = path.join(targetDir, "release", "switchyard");
  }
  if (!isExecutable(file)) {
    throw new Error(
      `switchyard binary not found at ${file}: run \`cargo build --release -p switchyard\` ` +
        "or set SWITCHYARD_BIN (or SWITCHYARD_TARGET=nats-server)",
    );
  }
  return file;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class TestServer {
  /**
   * @param {{jetstream?: boolean, config?: string, args?: string[]}} options
   */
  constructor(options = {}) {
    this.jetstream = options.jetstream ?? true;
    this.config = options.config;
    this.args = options.args ?? [];
    this.workdir = mkdtempSync(path.join(os.tmpdir(), "switchyard-test-"));
    this.port = 0;
    this.httpPort = 0;
    this.child = null;
  }

  /** Start a server with default options. */
  static async start(options = {}) {
    const server = new TestServer(options);
    try {
      return await server.start();
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  get url() {
    return `nats://${HOST}:${this.port}`;
  }

  get logPath() {
    return path.join(this.workdir, "server.log");
  }

  command() {
    const args = ["-a", HOST, "-p", String(this.port), "-m", String(this.httpPort)];
    if (this.jetstream) args.push("-js", "-sd", path.join(this.workdir, "store"));
    if (this.config !== undefined) {
      const conf = path.join(this.workdir, "server.conf");
      writeFileSync(conf, this.config);
      args.push("-c", conf);
    }
    if (!isReference()) args.push("--no_websocket", "--no_mqtt");
    return [binary(), args.concat(this.args)];
  }

  async start() {
    let lastError;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      this.port = await freePort();
      do {
        this.httpPort = await freePort();
      } while (this.httpPort === this.port);
      try {
        await this.spawn();
        return this;
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`server did not start after ${START_ATTEMPTS} attempts: ${lastError?.message}`);
  }

  /** Kill the process and start a new one on the same ports and store directory. */
  async restart() {
    await this.kill();
    await this.spawn();
    return this;
  }

  /** Kill the process (SIGKILL) and wait for it to exit; the work directory stays. */
  async kill() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Kill the process and remove its work directory. */
  async stop() {
    await this.kill();
    rmSync(this.workdir, { recursive: true, force: true });
  }

  logText() {
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  async spawn() {
    const [file, args] = this.command();
    const log = openSync(this.logPath, "a");
    const child = spawn(file, args, { cwd: this.workdir, stdio: ["ignore", log, log] });
    closeSync(log);
    this.child = child;
    let exitCode = null;
    child.once("exit", (code, signal) => {
      exitCode = code ?? signal;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const port of [this.port, this.httpPort]) {
      for (;;) {
        if (exitCode !== null) {
          this.child = null;
          throw new Error(`server exited with ${exitCode}:\n${this.logText().slice(-2000)}`);
        }
        if (Date.now() > deadline) {
          await this.kill();
          throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms:\n${this.logText().slice(-2000)}`);
        }
        if (await portAccepts(port)) break;
        await sleep(10);
      }
    }
  }
}

