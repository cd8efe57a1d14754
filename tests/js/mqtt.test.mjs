// MQTT interop driven by mqtt.js (the JavaScript MQTT client), over TCP and over WebSocket at /mqtt.
//
// One server with the MQTT and WebSocket listeners on for the whole file (see MqttServer below); each
// test uses its own topics and client ids, so tests do not see each other's messages. Waits are bounded.
// MQTT↔NATS bridging uses @nats-io/transport-node on the same server.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mqtt from "mqtt";
import { connect as natsConnect } from "@nats-io/transport-node";
import { TestServer, isReference } from "./server.mjs";
import { freePort, waitForPort } from "../ports.mjs";

const WAIT_MS = 3_000;
const HOST = "127.0.0.1";
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A TestServer with the MQTT listener and the plain-text WebSocket listener turned on. */
class MqttServer extends TestServer {
  async start() {
    this.mqttPort = await freePort();
    this.wsPort = await freePort();
    this.config = isReference()
      ? `server_name: mqtt_js\nmqtt { port: ${this.mqttPort} }\nwebsocket { port: ${this.wsPort}, no_tls: true }\n`
      : `websocket { port: ${this.wsPort}, no_tls: true }\n`;
    await super.start();
    await waitForPort(this.mqttPort);
    await waitForPort(this.wsPort);
    return this;
  }

  command() {
    const [file, args] = super.command();
    const kept = args.filter((a) => a !== "--no_mqtt" && a !== "--no_websocket");
    if (!isReference()) kept.push("--mqtt_port", String(this.mqttPort));
    return [file, kept];
  }

  get tcpUrl() {
    return `mqtt://${HOST}:${this.mqttPort}`;
  }

  get wsUrl() {
    return `ws://${HOST}:${this.wsPort}/mqtt`;
  }
}

let server;
const clients = [];

before(async () => {
  server = new MqttServer();
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
});

after(async () => {
  for (const c of clients) c.end(true);
  for (const nc of natsConns) if (!nc.isClosed()) await nc.close().catch(() => {});
  await server?.stop();
});

/** Connects an mqtt.js client that does not reconnect; `url` picks TCP or WebSocket. */
async function open(url, options = {}) {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    connectTimeout: WAIT_MS,
    clean: true,
    ...options,
  });
  clients.push(client);
  return client;
}

const natsConns = [];
async function openNats() {
  const nc = await natsConnect({ servers: server.url, timeout: WAIT_MS });
  natsConns.push(nc);
  return nc;
}

/** Records the messages a client receives; `next(topic)` resolves with the next one on `topic`. */
function inbox(client) {
  const msgs = [];
  let waiters = [];
  client.on("message", (topic, payload, packet) => {
    msgs.push({ topic, payload: payload.toString(), packet });
    waiters = waiters.filter((w) => !w.check());
  });
  const waitFor = (pred, what) =>
    new Promise((resolve, reject) => {
      const waiter = {
        check() {
          const found = msgs.find(pred);
          if (!found) return false;
          msgs.splice(msgs.indexOf(found), 1);
          clearTimeout(waiter.timer);
          resolve(found);
          return true;
        },
      };
      if (waiter.check()) return;
      waiter.timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(new Error(`no message ${what} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      waiters.push(waiter);
    });
  return {
    msgs,
    next: (topic) => waitFor((m) => m.topic === topic, `on ${topic}`),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

for (const transport of ["tcp", "ws"]) {
  const url = () => (transport === "tcp" ? server.tcpUrl : server.wsUrl);

  describe(`mqtt.js over ${transport}`, () => {
    for (const protocolVersion of [4, 5]) {
      test(`v${protocolVersion} clients exchange QoS 0, 1 and 2 messages`, async () => {
        const tag = `${transport}${protocolVersion}`;
        const sub = await open(url(), { protocolVersion, clientId: `qos-sub-${tag}` });
        const pub = await open(url(), { protocolVersion, clientId: `qos-pub-${tag}` });
        const got = inbox(sub);
        const granted = await sub.subscribeAsync(`qos/${tag}/+`, { qos: 2 });
        assert.equal(granted[0].qos, 2);
        for (const qos of [0, 1, 2]) {
          await pub.publishAsync(`qos/${tag}/${qos}`, `payload ${qos}`, { qos });
          const m = await got.next(`qos/${tag}/${qos}`);
          assert.equal(m.payload, `payload ${qos}`);
          assert.equal(m.packet.qos, qos, `delivered at the publish QoS ${qos}`);
        }
        await pub.endAsync();
        await sub.endAsync();
      });
    }

    test("a retained message is delivered on subscribe and cleared by an empty one", async () => {
      const topic = `retained/${transport}/state`;
      const pub = await open(url(), { protocolVersion: 5, clientId: `ret-pub-${transport}` });
      await pub.publishAsync(topic, "on", { qos: 1, retain: true });
      const sub = await open(url(), { protocolVersion: 5, clientId: `ret-sub-${transport}` });
      const got = inbox(sub);
      await sub.subscribeAsync(`retained/${transport}/#`, { qos: 1 });
      const m = await got.next(topic);
      assert.equal(m.payload, "on");
      assert.equal(m.packet.retain, true);

      await pub.publishAsync(topic, "", { qos: 1, retain: true });
      await got.next(topic); // the clearing message itself, delivered live
      const late = await open(url(), { protocolVersion: 4, clientId: `ret-late-${transport}` });
      const lateGot = inbox(late);
      await late.subscribeAsync(`retained/${transport}/#`, { qos: 1 });
      await sleep(300);
      assert.deepEqual(lateGot.msgs, [], "nothing retained after the clear");
      await Promise.all([pub.endAsync(), sub.endAsync(), late.endAsync()]);
    });

    test("MQTT publishes reach NATS subscribers and NATS publishes reach MQTT subscribers", async () => {
      const nc = await openNats();
      const natsSub = nc.subscribe(`bridge.${transport}.up.*`, { max: 1 });
      await nc.flush();
      const client = await open(url(), { protocolVersion: 5, clientId: `bridge-${transport}` });
      await client.publishAsync(`bridge/${transport}/up/one`, "from mqtt", { qos: 1 });
      const fromMqtt = await Promise.race([
        (async () => {
          for await (const m of natsSub) return m;
        })(),
        sleep(WAIT_MS).then(() => null),
      ]);
      assert.ok(fromMqtt, "NATS subscriber got the MQTT publish");
      assert.equal(fromMqtt.subject, `bridge.${transport}.up.one`);
      assert.equal(dec.decode(fromMqtt.data), "from mqtt");

      const got = inbox(client);
      await client.subscribeAsync(`bridge/${transport}/down/#`, { qos: 1 });
      nc.publish(`bridge.${transport}.down.x`, enc.encode("from nats"));
      await nc.flush();
      const m = await got.next(`bridge/${transport}/down/x`);
      assert.equal(m.payload, "from nats");
      await client.endAsync();
    });

    test("the Will is published when a client's connection drops without DISCONNECT", async () => {
      const topic = `will/${transport}/gone`;
      const watcher = await open(url(), { protocolVersion: 4, clientId: `will-watch-${transport}` });
      const got = inbox(watcher);
      await watcher.subscribeAsync(topic, { qos: 1 });
      const dying = await open(url(), {
        protocolVersion: 5,
        clientId: `will-dying-${transport}`,
        will: { topic, payload: Buffer.from("offline"), qos: 1, retain: false },
      });
      dying.stream.destroy();
      const m = await got.next(topic);
      assert.equal(m.payload, "offline");

      const polite = await open(url(), {
        protocolVersion: 5,
        clientId: `will-polite-${transport}`,
        will: { topic, payload: Buffer.from("polite"), qos: 1, retain: false },
      });
      await polite.endAsync();
      await sleep(300);
      assert.deepEqual(
        got.msgs.map((x) => x.payload),
        [],
        "no Will after a normal DISCONNECT",
      );
      await watcher.endAsync();
    });

    test("a shared subscription hands each message to one member of the group", async () => {
      const members = [];
      for (const [i, protocolVersion] of [4, 5].entries()) {
        const c = await open(url(), { protocolVersion, clientId: `share-${transport}-${i}` });
        const got = inbox(c);
        await c.subscribeAsync(`$share/workers/jobs/${transport}/+`, { qos: 1 });
        members.push({ c, got });
      }
      const pub = await open(url(), { protocolVersion: 5, clientId: `share-pub-${transport}` });
      const n = 20;
      for (let i = 0; i < n; i++) await pub.publishAsync(`jobs/${transport}/${i}`, String(i), { qos: 1 });
      const deadline = Date.now() + WAIT_MS;
      const total = () => members.reduce((sum, m) => sum + m.got.msgs.length, 0);
      while (total() < n && Date.now() < deadline) await sleep(20);
      await sleep(200);
      const seen = members.flatMap((m) => m.got.msgs.map((x) => Number(x.payload))).sort((a, b) => a - b);
      assert.deepEqual(
        seen,
        Array.from({ length: n }, (_, i) => i),
        "every message once, none twice",
      );
      assert.ok(
        members.every((m) => m.got.msgs.length > 0),
        "both members got some",
      );
      await Promise.all([pub.endAsync(), ...members.map((m) => m.c.endAsync())]);
    });
  });
}

test("a persistent v5 session keeps its subscription and queued QoS 1 messages across reconnects", async () => {
  const options = {
    protocolVersion: 5,
    clientId: "persist-js",
    clean: false,
    properties: { sessionExpiryInterval: 60 },
  };
  const first = await open(server.tcpUrl, options);
  await first.subscribeAsync("persist/js/#", { qos: 1 });
  await first.endAsync();
  const pub = await open(server.wsUrl, { protocolVersion: 4, clientId: "persist-pub" });
  await pub.publishAsync("persist/js/a", "while away", { qos: 1 });
  // The inbox listens before CONNACK: the queued message may arrive in the same read.
  const again = mqtt.connect(server.tcpUrl, { ...options, reconnectPeriod: 0 });
  clients.push(again);
  const got = inbox(again);
  const connack = await new Promise((resolve, reject) => {
    again.once("connect", resolve);
    again.once("error", reject);
  });
  assert.equal(connack.sessionPresent, true);
  const m = await got.next("persist/js/a");
  assert.equal(m.payload, "while away");
  await Promise.all([pub.endAsync(), again.endAsync()]);
});
