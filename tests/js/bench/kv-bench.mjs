// Key-value and object-store load through the official JavaScript clients (@nats-io/kv, @nats-io/obj),
// for scripts/bench-kv.sh. Drives any NATS server with JetStream and prints one JSON line:
//
//   kv_rtt_ops       sequential put then get of one key: round-trip pairs per second
//   kv_put_ops       puts of distinct keys, 256 in flight (the watch test's fill)
//   kv_watch_keys_s  a watch over a bucket of KEYS keys: initial values per second
//   kv_watch_live_s  then as many updates from another connection: updates per second seen by the watcher
//   obj_put_mb_s     one object of OBJECT_MIB MiB put; obj_get_mb_s read back (bytes compared)
//
// Usage: node kv-bench.mjs <nats-url> [ops=5000] [keys=10000] [object_mib=100]
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";

const [url = "nats://127.0.0.1:4222", opsArg = "5000", keysArg = "10000", mibArg = "100"] = process.argv.slice(2);
const ops = Number(opsArg), keys = Number(keysArg), mib = Number(mibArg);
const enc = new TextEncoder();
const perSec = (n, t0) => n / ((performance.now() - t0) / 1000);

async function inFlight(n, limit, op) {
  let next = 0;
  const worker = async () => {
    while (next < n) await op(next++);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const nc = await connect({ servers: url });
const kvm = new Kvm(nc);

const rtt = await kvm.create("rtt", { history: 1 });
let t0 = performance.now();
for (let i = 0; i < ops; i++) {
  const value = `value-${i}`;
  await rtt.put("k", enc.encode(value));
  const got = await rtt.get("k");
  if (got?.string() !== value) throw new Error(`read ${got?.string()} after writing ${value}`);
}
const kv_rtt_ops = perSec(ops, t0);

const watched = await kvm.create("watched", { history: 1 });
const filler = new Uint8Array(64).fill(120);
t0 = performance.now();
await inFlight(keys, 256, (i) => watched.put(`key.${i}`, filler));
const kv_put_ops = perSec(keys, t0);

t0 = performance.now();
const watch = await watched.watch();
const it = watch[Symbol.asyncIterator]();
for (let seen = 0; seen < keys; seen++) await it.next();
const kv_watch_keys_s = perSec(keys, t0);

const nc2 = await connect({ servers: url });
const writer = await new Kvm(nc2).open("watched");
const updated = enc.encode("updated");
t0 = performance.now();
const feeding = inFlight(keys, 256, (i) => writer.put(`key.${i}`, updated));
for (let live = 0; live < keys; ) {
  const { value } = await it.next();
  if (value.length === updated.length) live++;
}
const kv_watch_live_s = perSec(keys, t0);
await feeding;
watch.stop();

const os = await new Objm(nc).create("big");
const data = new Uint8Array(mib * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
t0 = performance.now();
await os.putBlob({ name: "blob" }, data);
const obj_put_mb_s = mib / ((performance.now() - t0) / 1000);
t0 = performance.now();
const back = await os.getBlob("blob");
const obj_get_mb_s = mib / ((performance.now() - t0) / 1000);
if (!back || back.length !== data.length || !Buffer.from(back).equals(Buffer.from(data))) {
  throw new Error("object read back differs");
}

await nc2.close();
await nc.close();
const r = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d;
console.log(JSON.stringify({
  kv_rtt_ops: r(kv_rtt_ops), kv_put_ops: r(kv_put_ops), kv_watch_keys_s: r(kv_watch_keys_s),
  kv_watch_live_s: r(kv_watch_live_s), obj_put_mb_s: r(obj_put_mb_s, 1), obj_get_mb_s: r(obj_get_mb_s, 1),
}));
