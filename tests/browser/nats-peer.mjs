// A minimal NATS client over raw TCP, used as the other side of the browser tests: it subscribes,
// publishes (with headers), requests and answers, and records what it receives.
import net from "node:net";

const CRLF = "\r\n";

function parseHeaders(block) {
  const lines = block.split(CRLF);
  const status = lines[0].slice("NATS/1.0".length).trim();
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return { status, headers };
}

function encodeHeaders(headers) {
  let block = "NATS/1.0" + CRLF;
  for (const [k, v] of Object.entries(headers)) block += `${k}: ${v}${CRLF}`;
  return block + CRLF;
}

export class Peer {
  static connect(port, host = "127.0.0.1") {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      const peer = new Peer(sock);
      sock.once("error", reject);
      peer.onInfo = () => {
        sock.off("error", reject);
        sock.on("error", () => {});
        sock.write(`CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true,"name":"peer"}${CRLF}`);
        peer.flush().then(() => resolve(peer), reject);
      };
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.subs = new Map();
    this.nextSid = 1;
    this.pongs = [];
    this.errors = [];
    sock.on("data", (d) => this.onData(d));
  }

  onData(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const nl = this.buf.indexOf(CRLF);
      if (nl < 0) return;
      const line = this.buf.subarray(0, nl).toString();
      const [verb, ...args] = line.split(/\s+/);
      const op = verb.toUpperCase();
      if (op === "MSG" || op === "HMSG") {
        const hdr = op === "HMSG" ? Number(args[args.length - 2]) : 0;
        const total = Number(args[args.length - 1]);
        if (this.buf.length < nl + 2 + total + 2) return;
        const body = this.buf.subarray(nl + 2, nl + 2 + total);
        this.buf = this.buf.subarray(nl + 2 + total + 2);
        const [subject, sid] = args;
        const reply = args.length === (op === "HMSG" ? 5 : 4) ? args[2] : undefined;
        const { status, headers } = hdr ? parseHeaders(body.subarray(0, hdr).toString()) : { status: "", headers: {} };
        const msg = { subject, reply, status, headers, data: body.subarray(hdr).toString() };
        this.subs.get(sid)?.(msg);
        continue;
      }
      this.buf = this.buf.subarray(nl + 2);
      if (op === "INFO") this.onInfo?.(JSON.parse(line.slice(5)));
      else if (op === "PING") this.sock.write("PONG" + CRLF);
      else if (op === "PONG") this.pongs.shift()?.();
      else if (op === "-ERR") this.errors.push(line);
    }
  }

  subscribe(subject, handler) {
    const sid = String(this.nextSid++);
    this.subs.set(sid, handler);
    this.sock.write(`SUB ${subject} ${sid}${CRLF}`);
    return sid;
  }

  /** Subscribes and returns the array that received messages are pushed to. */
  collect(subject) {
    const got = [];
    this.subscribe(subject, (m) => got.push(m));
    return got;
  }

  publish(subject, data, { headers, reply } = {}) {
    const payload = Buffer.from(data ?? "");
    const r = reply ? ` ${reply}` : "";
    if (headers) {
      const h = Buffer.from(encodeHeaders(headers));
      this.sock.write(`HPUB ${subject}${r} ${h.length} ${h.length + payload.length}${CRLF}`);
      this.sock.write(Buffer.concat([h, payload, Buffer.from(CRLF)]));
    } else {
      this.sock.write(`PUB ${subject}${r} ${payload.length}${CRLF}`);
      this.sock.write(Buffer.concat([payload, Buffer.from(CRLF)]));
    }
  }

  flush() {
    return new Promise((resolve) => {
      this.pongs.push(resolve);
      this.sock.write("PING" + CRLF);
    });
  }

  request(subject, data, { headers, timeout = 3000 } = {}) {
    const inbox = `_INBOX.peer.${Math.random().toString(36).slice(2)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`request to ${subject} timed out`)), timeout);
      this.subscribe(inbox, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.publish(subject, data, { headers, reply: inbox });
    });
  }

  close() {
    this.sock.destroy();
  }
}
