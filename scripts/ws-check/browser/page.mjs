// Runs inside headless Chromium: the official client's `wsconnect` against the server under test,
// talking to a TCP peer. The results go back over NATS on `check.browser.result`.
import { headers, wsconnect } from "@nats-io/nats-core";

const te = new TextEncoder();
const td = new TextDecoder();

async function run(nc) {
  const results = { userAgent: navigator.userAgent };
  const reply = await nc.request("check.browser.upper", te.encode("from chromium"), { timeout: 5000 });
  results.request = td.decode(reply.data);

  const h = headers();
  h.set("X-Browser", "chromium");
  nc.publish("check.browser.from", te.encode("hello from the browser"), { headers: h });

  // The peer answers `ready` by publishing a large payload: several browser-sized frames, or one
  // compressed frame when compression is on.
  const sub = nc.subscribe("check.browser.to", { max: 1 });
  await nc.flush();
  nc.publish("check.browser.ready");
  for await (const m of sub) {
    results.receivedLength = m.data.length;
    results.receivedIntact = td.decode(m.data) === "0123456789".repeat(m.data.length / 10);
  }
  return results;
}

const params = new URLSearchParams(location.search);
const nc = await wsconnect({ servers: params.get("ws"), name: "chromium" });
let results;
try {
  results = await run(nc);
} catch (e) {
  results = { error: String(e) };
}
nc.publish("check.browser.result", JSON.stringify(results));
await nc.flush();
await nc.close();
