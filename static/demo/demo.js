// Demo page: a chat on one subject, plus request/reply, using the WebAssembly NATS client.
import init, { connect, Headers } from "/web-client/switchyard_web.js";

const $ = (id) => document.getElementById(id);
let nc = null;
let sub = null;

function defaultUrl() {
  const fromQuery = new URLSearchParams(location.search).get("ws");
  if (fromQuery) return fromQuery;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.hostname || "127.0.0.1"}:8080`;
}

function setStatus(text) {
  $("status").textContent = text;
  $("status").className = text;
  const up = text === "connected" || text === "reconnecting";
  for (const id of ["publish", "request", "disconnect"]) $(id).disabled = !up;
  $("connect").disabled = up;
}

function logEvent(text) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("events").prepend(li);
}

function parseHeaders(text) {
  const h = new Headers();
  for (const part of text.split(";")) {
    const i = part.indexOf(":");
    if (i > 0) h.append(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return h;
}

function showMessage(m) {
  const li = document.createElement("li");
  li.className = "message";
  const subject = document.createElement("span");
  subject.className = "subject";
  subject.textContent = m.subject;
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = m.string();
  li.append(subject, body);
  const headers = m.headers;
  if (headers && headers.size > 0) {
    const hdrs = document.createElement("span");
    hdrs.className = "hdrs";
    hdrs.textContent = [...headers].map(([k, v]) => `${k}: ${v}`).join("; ");
    li.append(hdrs);
  }
  $("messages").append(li);
  li.scrollIntoView({ block: "nearest" });
}

async function follow(subject) {
  if (sub) sub.unsubscribe();
  sub = nc.subscribe(subject);
  $("subscribed").textContent = subject;
  const mine = sub;
  for await (const m of mine) {
    showMessage(m);
    // Messages sent as requests get an answer, so other clients can request the page.
    if (m.reply) m.respond(`page got: ${m.string()}`);
  }
}

$("connect-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  setStatus("connecting");
  try {
    nc = await connect($("url").value.trim(), {
      name: "switchyard-demo",
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectMaxWait: 2000,
      onDisconnect: (e) => { setStatus("reconnecting"); logEvent(`disconnect: ${e.reason}`); },
      onReconnect: (e) => { setStatus("connected"); logEvent(`reconnect: ${e.server}`); },
      onError: (e) => logEvent(`error: ${e.error.message}`),
      onClose: (e) => { setStatus("closed"); logEvent(e.error ? `close: ${e.error.message}` : "close"); },
    });
    window.nc = nc; // handy in the developer console
    setStatus("connected");
    logEvent(`connect: ${nc.server} (server ${nc.info.version})`);
    follow($("subject").value.trim());
  } catch (err) {
    setStatus("disconnected");
    logEvent(`connect failed: ${err.message}`);
  }
});

$("disconnect").addEventListener("click", async () => {
  if (nc) await nc.drain();
});

$("subject").addEventListener("change", () => {
  if (nc && nc.status !== "closed") follow($("subject").value.trim());
});

$("publish-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  try {
    nc.publish($("subject").value.trim(), $("message").value, { headers: parseHeaders($("headers").value) });
    $("message").value = "";
  } catch (err) {
    logEvent(`publish failed: ${err.message}`);
  }
});

$("request-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("reply").textContent = "…";
  try {
    const m = await nc.request($("request-subject").value.trim(), $("request-body").value, { timeout: 3000 });
    $("reply").textContent = m.string();
  } catch (err) {
    $("reply").textContent = err.code === "503" ? "no responders" : `${err.code}: ${err.message}`;
  }
});

await init();
$("url").value = defaultUrl();
setStatus("disconnected");
document.body.dataset.ready = "true";
