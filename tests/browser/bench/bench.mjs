// Browser publish throughput, side by side: the switchyard WebAssembly client against the official
// JavaScript client (`wsconnect` of @nats-io/nats-core) in the same headless Chromium page, both
// publishing over WebSocket to one server, a raw-TCP subscriber counting what arrives.
//
//   node bench/bench.mjs [--server switchyard|nats-server] [--bin PATH] [--rounds 3]
//                        [--cases 200000x16,50000x1024] [--json FILE]
//
// Each run: the page publishes N messages of one size with one client in a tight loop, then awaits
// its flush; the rate is N over the time from the first publish until the TCP subscriber has all N.
// Clients alternate within a round and the order flips every round. Any lost, duplicated or
// mis-sized message fails the benchmark. Prints a Markdown table of per-round rates, medians and
// the ratio switchyard / wsconnect.
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { freePort, waitForPort } from "../../ports.mjs";
import { bundle } from "./cjs-bundle.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const CLIENTS = ["switchyard", "wsconnect"];
const SUBJECT = "bench.publish";

function parseArgs(argv) {
  const opts = { server: "switchyard", bin: "", rounds: 3, cases: "200000x16,50000x1024", json: "" };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    if (!(key in opts)) throw new Error(`unknown option ${argv[i]}`);
    opts[key] = argv[++i];
  }
  opts.rounds = Number(opts.rounds);
  opts.cases = opts.cases.split(",").map((c) => {
    const [n, size] = c.split("x").map(Number);
    if (!(n > 0 && size >= 0)) throw new Error(`bad case ${c} (want NxSIZE)`);
    return { n, size };
  });
  if (!opts.bin) opts.bin = opts.server === "switchyard" ? path.join(root, "target/release/switchyard") : "nats-server";
  return opts;
}

/** Starts the server under test on free ports; resolves with `{tcpPort, wsUrl, stop()}`. */
async function startServer(kind, bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-bench-"));
  const [tcpPort, httpPort, wsPort] = [await freePort(), await freePort(), await freePort()];
  let args;
  if (kind === "switchyard") {
    args = ["-a", "127.0.0.1", "-p", tcpPort, "-m", httpPort, "-ws", wsPort, "--no_mqtt", "--no_jetstream"].map(String);
  } else {
    const conf = path.join(dir, "server.conf");
    fs.writeFileSync(
      conf,
      [`listen: "127.0.0.1:${tcpPort}"`, `http: "127.0.0.1:${httpPort}"`,
        `websocket { host: "127.0.0.1", port: ${wsPort}, no_tls: true }`].join("\n"),
    );
    args = ["-c", conf];
  }
  const logFd = fs.openSync(path.join(dir, "server.log"), "a");
  const proc = spawn(bin, args, { stdio: ["ignore", logFd, logFd] });
  const exited = new Promise((_, reject) => proc.once("exit", (c) => reject(new Error(`${bin} exited: ${c}`))));
  await Promise.race([Promise.all([waitForPort(tcpPort), waitForPort(wsPort)]), exited]);
  proc.removeAllListeners("exit");
  return {
    pid: proc.pid,
    tcpPort,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    async stop() {
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await gone;
      fs.closeSync(logFd);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves the bench page, the web client bundle and the official client as one ES module. */
function startWeb() {
  const nodeModules = path.resolve(here, "../node_modules");
  const files = {
    "/bench/index.html": [path.join(here, "index.html"), "text/html; charset=utf-8"],
    "/bench/page.mjs": [path.join(here, "page.mjs"), "text/javascript; charset=utf-8"],
  };
  const official = bundle("@nats-io/nats-core", nodeModules);
  const webClient = path.join(root, "static/web-client");
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (rel === "/nats-core.mjs") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(official);
      return;
    }
    let entry = files[rel];
    if (!entry && rel.startsWith("/web-client/")) {
      const file = path.join(webClient, path.normalize(rel.slice("/web-client/".length)));
      const type = file.endsWith(".wasm") ? "application/wasm" : "text/javascript; charset=utf-8";
      if (file.startsWith(webClient + path.sep)) entry = [file, type];
    }
    if (!entry) {
      res.writeHead(404).end("not found");
      return;
    }
    fs.readFile(entry[0], (err, data) => {
      if (err) res.writeHead(404).end("not found");
      else res.writeHead(200, { "content-type": entry[1] }).end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** A raw-TCP NATS subscriber that only counts MSG frames (and checks their payload size). */
class Counter {
  static connect(port) {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1");
      sock.setNoDelay(true);
      const counter = new Counter(sock);
      sock.once("error", reject);
      counter.onPong = () => {
        sock.off("error", reject);
        sock.on("error", (e) => (counter.error = e));
        resolve(counter);
      };
      sock.write(`CONNECT {"verbose":false,"pedantic":false,"name":"bench-counter"}\r\nSUB ${SUBJECT} 1\r\nPING\r\n`);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.count = 0;
    this.badSize = 0;
    this.expectSize = -1;
    this.target = Infinity;
    this.doneAt = 0;
    this.onDone = null;
    this.error = null;
    sock.on("data", (d) => this.onData(d));
  }

  /** Starts counting afresh; resolves with the time (epoch ms) the n-th message arrived. */
  expect(n, size, timeoutMs) {
    this.count = 0;
    this.badSize = 0;
    this.expectSize = size;
    this.target = n;
    this.doneAt = 0;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`lost messages: the subscriber got ${this.count} of ${n}`)),
        timeoutMs,
      );
      this.onDone = () => {
        clearTimeout(timer);
        resolve(this.doneAt);
      };
    });
  }

  onData(chunk) {
    let buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    for (;;) {
      const nl = buf.indexOf("\r\n", at);
      if (nl < 0) break;
      if (buf[at] === 0x4d /* M */) {
        const sp = buf.lastIndexOf(0x20, nl);
        const size = Number(buf.toString("latin1", sp + 1, nl));
        const end = nl + 2 + size + 2;
        if (buf.length < end) break;
        if (size !== this.expectSize) this.badSize++;
        this.count++;
        at = end;
        if (this.count === this.target) {
          this.doneAt = performance.timeOrigin + performance.now();
          this.onDone?.();
        }
        continue;
      }
      const line = buf.toString("latin1", at, nl);
      if (line === "PING") this.sock.write("PONG\r\n");
      else if (line === "PONG") this.onPong?.();
      else if (line.startsWith("-ERR")) this.error = new Error(line);
      at = nl + 2;
    }
    this.buf = at >= buf.length ? Buffer.alloc(0) : buf.subarray(at);
  }

  close() {
    this.sock.destroy();
  }
}

/** Every process's parent and CPU time (user + system, ms) from /proc. */
function processTable() {
  const table = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      // After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks of 10 ms.
      table.set(Number(entry), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/** CPU ms of `root` and its descendants, leaving out the tree of `exclude`. */
function treeMs(table, root, exclude = -1) {
  const wanted = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of table) {
      if (!wanted.has(pid) && pid !== exclude && wanted.has(p.ppid)) {
        wanted.add(pid);
        grew = true;
      }
    }
  }
  let ms = 0;
  for (const pid of wanted) ms += table.get(pid)?.ms ?? 0;
  return ms;
}

/** CPU ms so far of the server and of the browser (every other process this one started). */
function cpuNow(serverPid) {
  const table = processTable();
  const own = table.get(process.pid)?.ms ?? 0;
  return { server: treeMs(table, serverPid), browser: treeMs(table, process.pid, serverPid) - own };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => Math.round(x).toLocaleString("en-US");

async function runOnce(page, counter, procs, client, n, size) {
  const cpuBefore = { ...cpuNow(procs.server), node: process.cpuUsage() };
  const done = counter.expect(n, size, 120000);
  const page_ = await page.evaluate(([c, s, nn, sz]) => window.bench.run(c, s, nn, sz), [client, SUBJECT, n, size]);
  const doneAt = await done;
  // Anything beyond n (a duplicate) shows up shortly after.
  await new Promise((r) => setTimeout(r, 50));
  if (counter.error) throw counter.error;
  if (counter.count !== n) throw new Error(`${client}: the subscriber got ${counter.count} messages, sent ${n}`);
  if (counter.badSize) throw new Error(`${client}: ${counter.badSize} messages of the wrong size`);
  const ms = doneAt - page_.start;
  const nodeCpu = process.cpuUsage(cpuBefore.node);
  const cpuAfter = cpuNow(procs.server);
  const cpu = {
    server: cpuAfter.server - cpuBefore.server,
    browser: cpuAfter.browser - cpuBefore.browser,
    subscriber: (nodeCpu.user + nodeCpu.system) / 1000,
  };
  return { rate: (n / ms) * 1000, ms, loopMs: page_.loopMs, flushMs: page_.flushMs, cpu };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const server = await startServer(opts.server, opts.bin);
  const web = await startWeb();
  const counter = await Counter.connect(server.tcpPort);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const errors = [];
  try {
    const procs = { server: server.pid };
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${web.url}/bench/index.html`);
    await page.waitForFunction(() => window.benchLoaded === true);
    await page.evaluate((u) => window.bench.setup(u), server.wsUrl);
    for (const client of CLIENTS) await runOnce(page, counter, procs, client, 20000, 16); // warm-up
    const results = [];
    for (const { n, size } of opts.cases) {
      const rates = Object.fromEntries(CLIENTS.map((c) => [c, []]));
      const detail = Object.fromEntries(CLIENTS.map((c) => [c, []]));
      for (let r = 0; r < opts.rounds; r++) {
        const order = r % 2 ? [...CLIENTS].reverse() : CLIENTS;
        for (const client of order) {
          const res = await runOnce(page, counter, procs, client, n, size);
          rates[client].push(res.rate);
          detail[client].push(res);
          console.error(
            `bench: ${n} x ${size} B round ${r + 1} ${client}: ${fmt(res.rate)} msgs/s ` +
              `(${res.ms.toFixed(0)} ms; loop ${res.loopMs.toFixed(0)} ms, flush ${res.flushMs.toFixed(0)} ms; ` +
                `cpu ms: server ${res.cpu.server}, browser ${res.cpu.browser}, subscriber ${res.cpu.subscriber.toFixed(0)})`,
          );
        }
      }
      results.push({ n, size, rates, detail, medians: Object.fromEntries(CLIENTS.map((c) => [c, median(rates[c])])) });
    }
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    console.log(`server: ${opts.server}, rounds: ${opts.rounds}, uptime: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (load 1/5/15)`);
    console.log("");
    console.log("| messages | client | msgs/s per round | median msgs/s | MB/s (median) | switchyard / wsconnect |");
    console.log("|---|---|---|---|---|---|");
    for (const r of results) {
      const ratio = r.medians.switchyard / r.medians.wsconnect;
      for (const c of CLIENTS) {
        const mbs = (r.medians[c] * r.size) / 1e6;
        console.log(
          `| ${fmt(r.n)} x ${r.size} B | ${c} | ${r.rates[c].map(fmt).join(", ")} | ${fmt(r.medians[c])} | ` +
            `${mbs.toFixed(1)} | ${c === "switchyard" ? ratio.toFixed(2) : ""} |`,
        );
      }
    }
    console.log("");
    console.log("Median per run: wall ms, page publish loop ms, flush ms; CPU ms of the server, the browser, the TCP subscriber.");
    console.log("");
    console.log("| messages | client | wall | loop | flush | server CPU | browser CPU | subscriber CPU |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const r of results) {
      for (const c of CLIENTS) {
        const d = r.detail[c];
        const m = (f) => Math.round(median(d.map(f)));
        console.log(
          `| ${fmt(r.n)} x ${r.size} B | ${c} | ${m((x) => x.ms)} | ${m((x) => x.loopMs)} | ${m((x) => x.flushMs)} | ` +
            `${m((x) => x.cpu.server)} | ${m((x) => x.cpu.browser)} | ${m((x) => x.cpu.subscriber)} |`,
        );
      }
    }
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ server: opts.server, results }, null, 2));
  } finally {
    await browser.close();
    counter.close();
    await web.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(`bench: ${e.stack || e}`);
  process.exit(1);
});
