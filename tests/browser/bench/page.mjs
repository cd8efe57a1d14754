// The benchmark page: one connection with each browser client (the switchyard WebAssembly client
// and the official `wsconnect`), and `window.bench.run(...)`, which publishes N messages of one
// size with one of them, flushes, and reports when publishing started (epoch milliseconds, high
// resolution) and how long the publish loop and the flush took.
import init, { connect } from "/web-client/switchyard_web.js";
import { wsconnect } from "/nats-core.mjs";

const clients = {};
const log = (line) => {
  document.getElementById("log").textContent += `${line}\n`;
};
const now = () => performance.timeOrigin + performance.now();

async function setup(wsUrl) {
  await init();
  clients.switchyard = await connect(wsUrl, { name: "bench-switchyard" });
  clients.wsconnect = await wsconnect({ servers: wsUrl, name: "bench-wsconnect" });
  log(`connected both clients to ${wsUrl}`);
}

async function run(client, subject, n, size) {
  const nc = clients[client];
  if (!nc) throw new Error(`no client ${client}`);
  const payload = new Uint8Array(size).fill(0x61);
  const start = now();
  for (let i = 0; i < n; i++) nc.publish(subject, payload);
  const published = now();
  await nc.flush();
  const flushed = now();
  log(`${client}: ${n} x ${size} B, loop ${(published - start).toFixed(1)} ms, flush ${(flushed - published).toFixed(1)} ms`);
  return { start, loopMs: published - start, flushMs: flushed - published };
}

window.bench = { setup, run };
window.benchLoaded = true;
