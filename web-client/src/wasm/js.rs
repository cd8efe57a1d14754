//! The JavaScript API, exported with wasm-bindgen: `connect(url, options)` → `Connection`, with
//! [`Subscription`] (an async iterator), [`Msg`], [`Headers`] (Map-like), [`KvEntry`] and
//! [`KvWatch`].
//!
//! Input from JS is loose (payloads as string, `Uint8Array`, `ArrayBuffer` or JSON-able values;
//! headers as a `Headers`, a `Map` or a plain object); everything is converted here and handed to
//! [`Client`]. Errors become JS `Error`s named `NatsError` with a `code` (`"TIMEOUT"`, `"503"`,
//! `"CONNECTION_CLOSED"`, …). Iteration protocols (`Symbol.asyncIterator`, `Symbol.iterator`) are
//! installed on the exported prototypes by a small inline JS module, since wasm-bindgen cannot
//! declare symbol-named methods.

use std::rc::Rc;

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Reflect, Uint8Array, JSON};
use serde_json::Value;
use switchyard_shared::headers::HeaderMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, spawn_local};

use super::client::{Client, ClientEvent, Listener, Subscriber};
use super::driver::console_error;
use super::jetstream::{AckKind, FetchOptions, KvWatcher};
use crate::core::{ClientError, Message, Options, State};
use crate::jetstream::{AckInfo, JetStreamError, KvEntry as Entry, WatchFrom};

#[wasm_bindgen(inline_js = r#"
export function installAsyncIterator(obj, stop) {
  const proto = Object.getPrototypeOf(obj);
  if (!Object.prototype.hasOwnProperty.call(proto, Symbol.asyncIterator)) {
    Object.defineProperty(proto, Symbol.asyncIterator, {
      configurable: true,
      value: function () {
        const self = this;
        return {
          next: () => self.next().then((value) => (value === undefined ? { done: true, value } : { done: false, value })),
          return: (value) => { self[stop](); return Promise.resolve({ done: true, value }); },
          [Symbol.asyncIterator]() { return this; },
        };
      },
    });
  }
  return obj;
}
export function installIterable(obj) {
  const proto = Object.getPrototypeOf(obj);
  if (!Object.prototype.hasOwnProperty.call(proto, Symbol.iterator)) {
    Object.defineProperty(proto, Symbol.iterator, {
      configurable: true,
      value: function () { return this.entries()[Symbol.iterator](); },
    });
  }
  obj.free();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = installAsyncIterator)]
    fn install_async_iterator(obj: JsValue, stop: &str) -> JsValue;
    #[wasm_bindgen(js_name = installIterable)]
    fn install_iterable(obj: JsValue);
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type Payload = string | Uint8Array | ArrayBuffer | null | undefined;
export type HeadersInit = Headers | Map<string, string | string[]> | Record<string, string | string[]>;
export interface ConnectionEvent { type: "connect" | "disconnect" | "reconnect" | "error" | "ldm" | "close"; server?: string; reason?: string; error?: Error; }
export interface ConnectOptions {
  servers?: string | string[]; name?: string; token?: string; user?: string; pass?: string; echo?: boolean;
  inboxPrefix?: string; reconnect?: boolean; maxReconnectAttempts?: number; reconnectTimeWait?: number;
  reconnectMaxWait?: number; reconnectJitter?: number; reconnectBufferSize?: number; maxPendingBytes?: number;
  maxPendingMsgs?: number; pingInterval?: number; maxPingOut?: number; timeout?: number; ignoreClusterUpdates?: boolean;
  onConnect?: (e: ConnectionEvent) => void; onDisconnect?: (e: ConnectionEvent) => void;
  onReconnect?: (e: ConnectionEvent) => void; onError?: (e: ConnectionEvent) => void; onClose?: (e: ConnectionEvent) => void;
}
export interface PublishOptions { headers?: HeadersInit; reply?: string; }
export interface SubscribeOptions { queue?: string; max?: number; callback?: (msg: Msg) => void; }
export interface RequestOptions { headers?: HeadersInit; timeout?: number; }
export interface JsPublishOptions { headers?: HeadersInit; msgID?: string; timeout?: number;
  expect?: { stream?: string; lastSequence?: number; lastSubjectSequence?: number; lastMsgID?: string }; }
export interface PubAck { stream: string; seq: number; duplicate: boolean; domain?: string; }
export interface FetchOpts { batch?: number; expires?: number; noWait?: boolean; }
export interface KvWatchOptions { key?: string; include?: "last" | "new" | "all"; callback?: (e: KvEntry) => void; }
export interface Subscription extends AsyncIterable<Msg> {}
export interface KvWatch extends AsyncIterable<KvEntry> {}
export interface Headers extends Iterable<[string, string]> {}
"#;

#[wasm_bindgen(start)]
fn start() {
    install_iterable(Headers::new().into());
}

// ----- conversions -----

fn js_error(message: &str, code: &str) -> JsValue {
    let err = js_sys::Error::new(message);
    err.set_name("NatsError");
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    err.into()
}

fn client_error(e: &ClientError) -> JsValue {
    let code = match e {
        ClientError::Closed => "CONNECTION_CLOSED",
        ClientError::Draining => "CONNECTION_DRAINING",
        ClientError::NoServers | ClientError::ConnectFailed(_) => "CONNECTION_REFUSED",
        ClientError::InvalidSubject(_) => "BAD_SUBJECT",
        ClientError::InvalidQueue(_) => "BAD_QUEUE",
        ClientError::MaxPayload { .. } => "MAX_PAYLOAD_EXCEEDED",
        ClientError::HeadersNotSupported => "SERVER_OPTION_NA",
        ClientError::ReconnectBufferFull { .. } => "BUFFER_FULL",
        ClientError::Protocol(_) | ClientError::InvalidInfo(_) => "PROTOCOL_ERR",
        ClientError::Server(_) => "SERVER_ERR",
        ClientError::Timeout => "TIMEOUT",
        ClientError::NoResponders => "503",
        ClientError::StaleConnection => "STALE_CONNECTION",
        ClientError::SlowConsumer { .. } => "SLOW_CONSUMER",
    };
    js_error(&e.to_string(), code)
}

fn js_api_error(e: &JetStreamError) -> JsValue {
    match e {
        JetStreamError::Request(c) => client_error(c),
        JetStreamError::Api(api) => {
            let err = js_error(&e.to_string(), "JS_API");
            let detail = Object::new();
            let _ = Reflect::set(&detail, &"code".into(), &api.code.into());
            let _ = Reflect::set(&detail, &"err_code".into(), &api.err_code.into());
            let _ = Reflect::set(&detail, &"description".into(), &api.description.as_str().into());
            let _ = Reflect::set(&err, &"api".into(), &detail);
            err
        }
        JetStreamError::Status { code, .. } => js_error(&e.to_string(), &code.to_string()),
        JetStreamError::InvalidName(_) => js_error(&e.to_string(), "BAD_NAME"),
        JetStreamError::InvalidKey(_) => js_error(&e.to_string(), "BAD_KEY"),
        _ => js_error(&e.to_string(), "BAD_RESPONSE"),
    }
}

fn json_to_js(v: &impl serde::Serialize) -> JsValue {
    serde_json::to_string(v).ok().and_then(|s| JSON::parse(&s).ok()).unwrap_or(JsValue::UNDEFINED)
}

fn js_to_json(v: &JsValue) -> Result<Value, JsValue> {
    let text: String = JSON::stringify(v)?.into();
    serde_json::from_str(&text).map_err(|e| js_error(&e.to_string(), "BAD_JSON"))
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() {
        Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, key).as_string()
}

fn get_f64(obj: &JsValue, key: &str) -> Option<f64> {
    get(obj, key).as_f64()
}

fn get_u64(obj: &JsValue, key: &str) -> Option<u64> {
    get_f64(obj, key).filter(|n| *n >= 0.0).map(|n| n as u64)
}

fn get_bool(obj: &JsValue, key: &str) -> Option<bool> {
    get(obj, key).as_bool()
}

fn get_fn(obj: &JsValue, key: &str) -> Option<Function> {
    get(obj, key).dyn_into::<Function>().ok()
}

/// A payload from a string, bytes, an `ArrayBuffer`(view), nothing, or anything JSON can encode.
fn payload(data: &JsValue) -> Result<Vec<u8>, JsValue> {
    if data.is_undefined() || data.is_null() {
        return Ok(Vec::new());
    }
    if let Some(s) = data.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(u) = data.dyn_ref::<Uint8Array>() {
        return Ok(u.to_vec());
    }
    if let Some(b) = data.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(b).to_vec());
    }
    if ArrayBuffer::is_view(data) {
        let buf = get(data, "buffer");
        let offset = get_f64(data, "byteOffset").unwrap_or(0.0) as u32;
        let len = get_f64(data, "byteLength").unwrap_or(0.0) as u32;
        return Ok(Uint8Array::new_with_byte_offset_and_length(&buf, offset, len).to_vec());
    }
    Ok(String::from(JSON::stringify(data)?).into_bytes())
}

fn valid_header(name: &str, value: &str) -> Result<(), JsValue> {
    let bad_name = name.is_empty() || name.bytes().any(|c| c == b':' || !c.is_ascii_graphic());
    if bad_name || value.contains(['\r', '\n']) {
        return Err(js_error(&format!("invalid header {name:?}"), "BAD_HEADER"));
    }
    Ok(())
}

/// Headers from a `Headers`, a `Map` (anything with `entries()`) or a plain object; values may be
/// strings or arrays of strings.
fn headers(init: &JsValue) -> Result<Option<HeaderMap>, JsValue> {
    if init.is_undefined() || init.is_null() {
        return Ok(None);
    }
    let entries: JsValue = match get_fn(init, "entries") {
        Some(f) => f.call0(init)?,
        None => Object::entries(init.unchecked_ref()).into(),
    };
    let mut map = HeaderMap::new();
    let iter = js_sys::try_iter(&entries)?.ok_or_else(|| js_error("headers are not iterable", "BAD_HEADER"))?;
    for pair in iter {
        let pair: Array = pair?.dyn_into()?;
        let name = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let values: Vec<JsValue> = if Array::is_array(&value) { Array::from(&value).to_vec() } else { vec![value] };
        for v in values {
            let v = v.as_string().unwrap_or_else(|| String::from(JSON::stringify(&v).unwrap_or_default()));
            valid_header(&name, &v)?;
            map.append(name.clone(), v);
        }
    }
    Ok(Some(map))
}

// ----- Headers -----

/// NATS message headers: ordered, multi-valued, names matched case-insensitively.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct Headers {
    inner: HeaderMap,
}

#[wasm_bindgen]
impl Headers {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Adds a value, keeping existing ones.
    pub fn append(&mut self, name: &str, value: &str) -> Result<(), JsValue> {
        valid_header(name, value)?;
        self.inner.append(name, value);
        Ok(())
    }

    /// Replaces every value of `name`.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), JsValue> {
        valid_header(name, value)?;
        self.inner.insert(name, value);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.inner.get(name).map(str::to_owned)
    }

    #[wasm_bindgen(js_name = getAll)]
    pub fn get_all(&self, name: &str) -> Vec<String> {
        self.inner.get_all(name).map(str::to_owned).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.inner.get(name).is_some()
    }

    pub fn delete(&mut self, name: &str) {
        self.inner.remove(name);
    }

    /// Distinct names, in order of first appearance.
    pub fn keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (k, _) in self.inner.iter() {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(k)) {
                out.push(k.to_owned());
            }
        }
        out
    }

    /// `[name, value]` pairs, one per value.
    #[wasm_bindgen(unchecked_return_type = "[string, string][]")]
    pub fn entries(&self) -> Array {
        self.inner.iter().map(|(k, v)| Array::of2(&k.into(), &v.into())).collect()
    }

    /// Calls `callback(value, name)` for every value.
    #[wasm_bindgen(js_name = forEach)]
    pub fn for_each(&self, callback: &Function) -> Result<(), JsValue> {
        for (k, v) in self.inner.iter() {
            callback.call2(&JsValue::UNDEFINED, &v.into(), &k.into())?;
        }
        Ok(())
    }

    /// Number of values.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }

    /// Status code of a status message (503, 404, 408, 100, …).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    #[wasm_bindgen(getter)]
    pub fn description(&self) -> Option<String> {
        self.inner.description.clone()
    }
}

// ----- Msg -----

/// A received message.
#[wasm_bindgen]
pub struct Msg {
    inner: Message,
    client: Client,
}

impl Msg {
    fn new(inner: Message, client: &Client) -> Msg {
        Msg { inner, client: client.clone() }
    }

    fn ack_with(&self, kind: AckKind) -> Result<(), JsValue> {
        self.client.ack(&self.inner, kind).map_err(|e| client_error(&e))
    }
}

#[wasm_bindgen]
impl Msg {
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> String {
        self.inner.subject.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn reply(&self) -> Option<String> {
        self.inner.reply.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn sid(&self) -> f64 {
        self.inner.sid as f64
    }

    /// The payload bytes.
    #[wasm_bindgen(getter)]
    pub fn data(&self) -> Uint8Array {
        Uint8Array::from(&self.inner.payload[..])
    }

    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> Option<Headers> {
        self.inner.headers.clone().map(|inner| Headers { inner })
    }

    /// The payload as UTF-8 text.
    pub fn string(&self) -> String {
        String::from_utf8_lossy(&self.inner.payload).into_owned()
    }

    /// The payload parsed as JSON.
    pub fn json(&self) -> Result<JsValue, JsValue> {
        JSON::parse(&self.string())
    }

    /// Publishes to the reply subject; `false` when the message has none.
    pub fn respond(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Payload")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PublishOptions")] options: JsValue,
    ) -> Result<bool, JsValue> {
        let Some(reply) = self.inner.reply.as_deref() else { return Ok(false) };
        let h = headers(&get(&options, "headers"))?;
        self.client.publish_with(reply, None, h.as_ref(), &payload(&data)?).map_err(|e| client_error(&e))?;
        Ok(true)
    }

    /// JetStream metadata from the `$JS.ACK.…` reply subject, if this is a JetStream message.
    #[wasm_bindgen(getter)]
    pub fn info(&self) -> JsValue {
        match self.inner.reply.as_deref().and_then(AckInfo::parse) {
            Some(i) => json_to_js(&i),
            None => JsValue::UNDEFINED,
        }
    }

    /// Acknowledges a JetStream message.
    pub fn ack(&self) -> Result<(), JsValue> {
        self.ack_with(AckKind::Ack)
    }

    /// Acknowledges and resolves once the server has recorded the ack.
    #[wasm_bindgen(js_name = ackSync, unchecked_return_type = "Promise<void>")]
    pub fn ack_sync(&self) -> Promise {
        let (client, msg) = (self.client.clone(), self.inner.clone());
        promise(async move {
            client.ack_sync(&msg).await.map_err(|e| client_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Asks for redelivery, after `delay` ms if given.
    pub fn nak(&self, delay: Option<f64>) -> Result<(), JsValue> {
        self.ack_with(AckKind::Nak(delay.map(|d| d.max(0.0) as u64)))
    }

    /// Stops redelivery.
    pub fn term(&self) -> Result<(), JsValue> {
        self.ack_with(AckKind::Term)
    }

    /// Resets the ack timer (work in progress).
    pub fn working(&self) -> Result<(), JsValue> {
        self.ack_with(AckKind::InProgress)
    }
}

// ----- Subscription -----

/// A subscription: `for await (const m of sub)`, or `await sub.next()`.
#[wasm_bindgen]
pub struct Subscription {
    sub: Rc<Subscriber>,
    subject: String,
}

#[wasm_bindgen]
impl Subscription {
    /// The next message, or `undefined` once the subscription has ended.
    #[wasm_bindgen(unchecked_return_type = "Promise<Msg | undefined>")]
    pub fn next(&self) -> Promise {
        let sub = self.sub.clone();
        future_to_promise(async move {
            Ok(match sub.next().await {
                Some(m) => Msg::new(m, sub.client()).into(),
                None => JsValue::UNDEFINED,
            })
        })
    }

    /// Unsubscribes now, or after `max` messages in total.
    pub fn unsubscribe(&self, max: Option<f64>) {
        match max {
            Some(m) if m >= 1.0 => self.sub.unsubscribe_after(m as u64),
            _ => self.sub.unsubscribe(),
        }
    }

    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> String {
        self.subject.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn sid(&self) -> f64 {
        self.sub.sid() as f64
    }

    /// Messages waiting to be read.
    #[wasm_bindgen(getter)]
    pub fn pending(&self) -> usize {
        self.sub.pending().0
    }

    /// Messages dropped because the queue was over its limits.
    #[wasm_bindgen(getter)]
    pub fn dropped(&self) -> f64 {
        self.sub.pending().2 as f64
    }
}

// ----- KV -----

/// One revision of a KV key.
#[wasm_bindgen]
pub struct KvEntry {
    inner: Entry,
}

#[wasm_bindgen]
impl KvEntry {
    #[wasm_bindgen(getter)]
    pub fn bucket(&self) -> String {
        self.inner.bucket.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.inner.key.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn value(&self) -> Uint8Array {
        Uint8Array::from(&self.inner.value[..])
    }

    #[wasm_bindgen(getter)]
    pub fn revision(&self) -> f64 {
        self.inner.revision as f64
    }

    /// `"PUT"`, `"DEL"` or `"PURGE"`.
    #[wasm_bindgen(getter)]
    pub fn operation(&self) -> String {
        self.inner.operation.as_str().into()
    }

    /// Revisions still to come in a watch's initial values (0 on the last).
    #[wasm_bindgen(getter)]
    pub fn delta(&self) -> f64 {
        self.inner.delta as f64
    }

    #[wasm_bindgen(getter)]
    pub fn created(&self) -> Option<String> {
        self.inner.created.clone()
    }

    pub fn string(&self) -> String {
        String::from_utf8_lossy(&self.inner.value).into_owned()
    }

    pub fn json(&self) -> Result<JsValue, JsValue> {
        JSON::parse(&self.string())
    }
}

/// A running KV watch: `for await (const e of watch)`; `stop()` ends it.
#[wasm_bindgen]
pub struct KvWatch {
    watcher: Rc<KvWatcher>,
}

#[wasm_bindgen]
impl KvWatch {
    #[wasm_bindgen(unchecked_return_type = "Promise<KvEntry | undefined>")]
    pub fn next(&self) -> Promise {
        let w = self.watcher.clone();
        future_to_promise(async move {
            Ok(match w.next().await {
                Some(e) => KvEntry { inner: e }.into(),
                None => JsValue::UNDEFINED,
            })
        })
    }

    pub fn stop(&self) {
        self.watcher.stop();
    }
}

// ----- Connection -----

fn event_name(e: &ClientEvent) -> &'static str {
    match e {
        ClientEvent::Connected { .. } => "connect",
        ClientEvent::Disconnected { .. } => "disconnect",
        ClientEvent::Reconnected { .. } => "reconnect",
        ClientEvent::LameDuck => "ldm",
        ClientEvent::Error(_) => "error",
        ClientEvent::Closed { .. } => "close",
    }
}

fn event_object(e: &ClientEvent) -> JsValue {
    let o = Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = Reflect::set(&o, &k.into(), &v);
    };
    set("type", event_name(e).into());
    match e {
        ClientEvent::Connected { server } | ClientEvent::Reconnected { server } => set("server", server.into()),
        ClientEvent::Disconnected { server, reason } => {
            set("server", server.into());
            set("reason", reason.into());
        }
        ClientEvent::Error(err) => set("error", client_error(err)),
        ClientEvent::Closed { error: Some(err) } => set("error", client_error(err)),
        ClientEvent::Closed { error: None } | ClientEvent::LameDuck => {}
    }
    o.into()
}

fn call_listener(f: &Function, e: &ClientEvent) {
    if let Err(err) = f.call1(&JsValue::UNDEFINED, &event_object(e)) {
        console_error("connection listener threw", &err);
    }
}

fn connect_options(url: &JsValue, o: &JsValue) -> Result<Options, JsValue> {
    let mut opts = Options::default();
    let mut servers = Vec::new();
    for v in [url.clone(), get(o, "servers")] {
        if let Some(s) = v.as_string() {
            servers.push(s);
        } else if Array::is_array(&v) {
            servers.extend(Array::from(&v).iter().filter_map(|s| s.as_string()));
        }
    }
    servers.dedup();
    opts.servers = servers;
    opts.name = get_str(o, "name");
    opts.token = get_str(o, "token");
    opts.user = get_str(o, "user");
    opts.pass = get_str(o, "pass");
    if let Some(v) = get_bool(o, "echo") {
        opts.echo = v;
    }
    if let Some(v) = get_str(o, "inboxPrefix") {
        opts.inbox_prefix = v;
    }
    if let Some(v) = get_bool(o, "reconnect") {
        opts.reconnect = v;
    }
    if let Some(v) = get_f64(o, "maxReconnectAttempts") {
        opts.max_reconnect_attempts = (v >= 0.0).then_some(v as u32);
    }
    let ms = |key: &str, slot: &mut u64| {
        if let Some(v) = get_u64(o, key) {
            *slot = v;
        }
    };
    ms("reconnectTimeWait", &mut opts.reconnect_wait_ms);
    ms("reconnectMaxWait", &mut opts.reconnect_max_wait_ms);
    ms("reconnectJitter", &mut opts.reconnect_jitter_ms);
    ms("pingInterval", &mut opts.ping_interval_ms);
    ms("timeout", &mut opts.connect_timeout_ms);
    if let Some(v) = get_u64(o, "maxPingOut") {
        opts.max_pings_out = v as u32;
    }
    if let Some(v) = get_u64(o, "reconnectBufferSize") {
        opts.reconnect_buffer_bytes = v as usize;
    }
    if let Some(v) = get_u64(o, "maxPendingBytes") {
        opts.pending_bytes_limit = v as usize;
    }
    if let Some(v) = get_u64(o, "maxPendingMsgs") {
        opts.pending_msgs_limit = v as usize;
    }
    if let Some(v) = get_bool(o, "ignoreClusterUpdates") {
        opts.ignore_discovered_servers = v;
    }
    Ok(opts)
}

/// Connects to a NATS server over WebSocket. `url` is a `ws://`/`wss://` URL or a list of them
/// (`options.servers` adds more); resolves once connected, rejects when no server could be reached.
#[wasm_bindgen]
pub async fn connect(
    #[wasm_bindgen(unchecked_param_type = "string | string[]")] url: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: JsValue,
) -> Result<Connection, JsValue> {
    let opts = connect_options(&url, &options)?;
    let hooks: Vec<(&'static str, Function)> = [
        ("connect", "onConnect"),
        ("disconnect", "onDisconnect"),
        ("reconnect", "onReconnect"),
        ("error", "onError"),
        ("close", "onClose"),
    ]
    .into_iter()
    .filter_map(|(ev, key)| get_fn(&options, key).map(|f| (ev, f)))
    .collect();
    let listener: Listener = Rc::new(move |e: &ClientEvent| {
        for (name, f) in &hooks {
            if *name == event_name(e) {
                call_listener(f, e);
            }
        }
    });
    let client = Client::connect_with_listener(opts, Some(listener)).await.map_err(|e| client_error(&e))?;
    Ok(Connection { client })
}

/// A connection, made by `connect`.
#[wasm_bindgen]
pub struct Connection {
    client: Client,
}

fn promise<F>(f: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
{
    future_to_promise(f)
}

#[wasm_bindgen]
impl Connection {
    /// `"connecting"`, `"connected"`, `"reconnecting"`, `"draining"` or `"closed"`.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        match self.client.state() {
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Reconnecting => "reconnecting",
            State::Draining => "draining",
            State::Closed => "closed",
        }
        .into()
    }

    /// The server's `INFO`.
    #[wasm_bindgen(getter)]
    pub fn info(&self) -> JsValue {
        self.client.server_info().map(|i| json_to_js(&i)).unwrap_or(JsValue::UNDEFINED)
    }

    /// The URL of the server in use.
    #[wasm_bindgen(getter)]
    pub fn server(&self) -> String {
        self.client.server()
    }

    /// `{inMsgs, inBytes, outMsgs, outBytes, reconnects}`.
    pub fn stats(&self) -> JsValue {
        let s = self.client.stats();
        let o = Object::new();
        for (k, v) in [
            ("inMsgs", s.in_msgs),
            ("inBytes", s.in_bytes),
            ("outMsgs", s.out_msgs),
            ("outBytes", s.out_bytes),
            ("reconnects", s.reconnects),
        ] {
            let _ = Reflect::set(&o, &k.into(), &(v as f64).into());
        }
        o.into()
    }

    /// Calls `callback(event)` on `"connect"`, `"disconnect"`, `"reconnect"`, `"error"`, `"ldm"`
    /// or `"close"`.
    pub fn on(&self, event: &str, callback: Function) {
        let event = event.to_string();
        self.client.on_event(move |e| {
            if event_name(e) == event {
                call_listener(&callback, e);
            }
        });
    }

    #[wasm_bindgen(js_name = newInbox)]
    pub fn new_inbox(&self) -> String {
        self.client.new_inbox()
    }

    pub fn publish(
        &self,
        subject: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Payload")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PublishOptions")] options: JsValue,
    ) -> Result<(), JsValue> {
        let h = headers(&get(&options, "headers"))?;
        let reply = get_str(&options, "reply");
        self.client.publish_with(subject, reply.as_deref(), h.as_ref(), &payload(&data)?).map_err(|e| client_error(&e))
    }

    /// Subscribes. With `callback`, every message is passed to it; otherwise iterate the result.
    #[wasm_bindgen(unchecked_return_type = "Subscription")]
    pub fn subscribe(
        &self,
        subject: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "SubscribeOptions")] options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let queue = get_str(&options, "queue");
        let sub = match get_fn(&options, "callback") {
            Some(cb) => {
                let client = self.client.clone();
                self.client.subscribe_with_callback(subject, queue.as_deref(), move |m| {
                    if let Err(e) = cb.call1(&JsValue::UNDEFINED, &Msg::new(m, &client).into()) {
                        console_error("subscription callback threw", &e);
                    }
                })
            }
            None => self.client.subscribe(subject, queue.as_deref()),
        }
        .map_err(|e| client_error(&e))?;
        if get_fn(&options, "callback").is_some() {
            // Nobody needs to hold a callback subscription: collecting its handle must not end it.
            // An iterator subscription ends when its handle is collected, as nothing can read it.
            sub.detach();
        }
        if let Some(max) = get_u64(&options, "max").filter(|m| *m > 0) {
            sub.unsubscribe_after(max);
        }
        let js = Subscription { sub: Rc::new(sub), subject: subject.into() }.into();
        Ok(install_async_iterator(js, "unsubscribe"))
    }

    /// Sends a request and resolves with the first reply; rejects with code `"503"` when nobody
    /// listens and `"TIMEOUT"` after `timeout` ms (default 5000).
    #[wasm_bindgen(unchecked_return_type = "Promise<Msg>")]
    pub fn request(
        &self,
        subject: String,
        #[wasm_bindgen(unchecked_optional_param_type = "Payload")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "RequestOptions")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let input = payload(&data).and_then(|p| Ok((p, headers(&get(&options, "headers"))?)));
        let timeout = get_u64(&options, "timeout").unwrap_or(5_000);
        promise(async move {
            let (data, h) = input?;
            let m = client.request_with(&subject, h.as_ref(), &data, timeout).await.map_err(|e| client_error(&e))?;
            Ok(Msg::new(m, &client).into())
        })
    }

    /// Resolves once the server has processed everything sent so far.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn flush(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            client.flush().await.map_err(|e| client_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Unsubscribes everything, waits for the server to confirm, then closes.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn drain(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            client.drain().await.map_err(|e| client_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Closes now.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> Promise {
        self.client.close();
        Promise::resolve(&JsValue::UNDEFINED)
    }

    /// Resolves when the connection is closed for good: `undefined`, or the error that closed it.
    #[wasm_bindgen(unchecked_return_type = "Promise<Error | undefined>")]
    pub fn closed(&self) -> Promise {
        let client = self.client.clone();
        promise(async move { Ok(client.closed().await.map(|e| client_error(&e)).unwrap_or(JsValue::UNDEFINED)) })
    }

    // ----- JetStream -----

    /// Publishes into a stream; resolves with the `PubAck`.
    #[wasm_bindgen(js_name = jsPublish, unchecked_return_type = "Promise<PubAck>")]
    pub fn js_publish(
        &self,
        subject: String,
        #[wasm_bindgen(unchecked_optional_param_type = "Payload")] data: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "JsPublishOptions")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let input = (|| -> Result<_, JsValue> {
            let mut h = headers(&get(&options, "headers"))?.unwrap_or_default();
            if let Some(id) = get_str(&options, "msgID") {
                h.insert("Nats-Msg-Id", id);
            }
            let expect = get(&options, "expect");
            if let Some(v) = get_str(&expect, "stream") {
                h.insert("Nats-Expected-Stream", v);
            }
            if let Some(v) = get_u64(&expect, "lastSequence") {
                h.insert("Nats-Expected-Last-Sequence", v.to_string());
            }
            if let Some(v) = get_u64(&expect, "lastSubjectSequence") {
                h.insert("Nats-Expected-Last-Subject-Sequence", v.to_string());
            }
            if let Some(v) = get_str(&expect, "lastMsgID") {
                h.insert("Nats-Expected-Last-Msg-Id", v);
            }
            Ok((payload(&data)?, (!h.is_empty()).then_some(h)))
        })();
        let timeout = get_u64(&options, "timeout").unwrap_or(5_000);
        promise(async move {
            let (data, h) = input?;
            let ack = client.js_publish(&subject, h.as_ref(), &data, timeout).await.map_err(|e| js_api_error(&e))?;
            Ok(json_to_js(&ack))
        })
    }

    /// The `StreamInfo` of a stream.
    #[wasm_bindgen(js_name = streamInfo, unchecked_return_type = "Promise<any>")]
    pub fn stream_info(&self, stream: String) -> Promise {
        let client = self.client.clone();
        promise(async move { Ok(json_to_js(&client.stream_info(&stream).await.map_err(|e| js_api_error(&e))?)) })
    }

    /// Every stream's `StreamInfo`, optionally only streams with subjects matching `subject`.
    #[wasm_bindgen(js_name = streamList, unchecked_return_type = "Promise<any[]>")]
    pub fn stream_list(&self, subject: Option<String>) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let list = client.stream_list(subject.as_deref()).await.map_err(|e| js_api_error(&e))?;
            Ok(json_to_js(&list))
        })
    }

    /// Creates a stream from a `StreamConfig` object.
    #[wasm_bindgen(js_name = streamCreate, unchecked_return_type = "Promise<any>")]
    pub fn stream_create(&self, config: JsValue) -> Promise {
        let client = self.client.clone();
        let config = js_to_json(&config);
        promise(async move {
            let info = client.stream_create(&config?).await.map_err(|e| js_api_error(&e))?;
            Ok(json_to_js(&info))
        })
    }

    /// Creates or updates a consumer from a `ConsumerConfig` object.
    #[wasm_bindgen(js_name = consumerCreate, unchecked_return_type = "Promise<any>")]
    pub fn consumer_create(&self, stream: String, config: JsValue) -> Promise {
        let client = self.client.clone();
        let config = js_to_json(&config);
        promise(async move {
            let info = client.consumer_create(&stream, &config?).await.map_err(|e| js_api_error(&e))?;
            Ok(json_to_js(&info))
        })
    }

    /// Pulls up to `batch` messages (default 1) from a pull consumer, waiting at most `expires` ms
    /// (default 5000); acknowledge each with `msg.ack()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Msg[]>")]
    pub fn fetch(
        &self,
        stream: String,
        consumer: String,
        #[wasm_bindgen(unchecked_optional_param_type = "FetchOpts")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let opts = FetchOptions {
            batch: get_u64(&options, "batch").unwrap_or(1),
            expires_ms: get_u64(&options, "expires").unwrap_or(5_000),
            no_wait: get_bool(&options, "noWait").unwrap_or(false),
        };
        promise(async move {
            let msgs = client.fetch(&stream, &consumer, opts).await.map_err(|e| js_api_error(&e))?;
            Ok(msgs.into_iter().map(|m| JsValue::from(Msg::new(m, &client))).collect::<Array>().into())
        })
    }

    /// Creates a KV bucket; `history` revisions per key (default 1), `ttl` in ms (0 = forever).
    #[wasm_bindgen(js_name = kvCreate, unchecked_return_type = "Promise<any>")]
    pub fn kv_create(
        &self,
        bucket: String,
        #[wasm_bindgen(unchecked_optional_param_type = "{ history?: number; ttl?: number }")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let history = get_u64(&options, "history").unwrap_or(1) as u32;
        let ttl = get_u64(&options, "ttl").unwrap_or(0);
        promise(
            async move { Ok(json_to_js(&client.kv_create(&bucket, history, ttl).await.map_err(|e| js_api_error(&e))?)) },
        )
    }

    /// The current value of a key, or `null`.
    #[wasm_bindgen(js_name = kvGet, unchecked_return_type = "Promise<KvEntry | null>")]
    pub fn kv_get(&self, bucket: String, key: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let entry = client.kv_get(&bucket, &key).await.map_err(|e| js_api_error(&e))?;
            Ok(entry.map(|inner| KvEntry { inner }.into()).unwrap_or(JsValue::NULL))
        })
    }

    /// Stores a value; resolves with its revision.
    #[wasm_bindgen(js_name = kvPut, unchecked_return_type = "Promise<number>")]
    pub fn kv_put(
        &self,
        bucket: String,
        key: String,
        #[wasm_bindgen(unchecked_optional_param_type = "Payload")] value: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let value = payload(&value);
        promise(async move {
            let rev = client.kv_put(&bucket, &key, &value?).await.map_err(|e| js_api_error(&e))?;
            Ok((rev as f64).into())
        })
    }

    /// Deletes a key (`{purge: true}` also drops its history); resolves with the marker's revision.
    #[wasm_bindgen(js_name = kvDelete, unchecked_return_type = "Promise<number>")]
    pub fn kv_delete(
        &self,
        bucket: String,
        key: String,
        #[wasm_bindgen(unchecked_optional_param_type = "{ purge?: boolean }")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let purge = get_bool(&options, "purge").unwrap_or(false);
        promise(async move {
            let rev = client.kv_delete(&bucket, &key, purge).await.map_err(|e| js_api_error(&e))?;
            Ok((rev as f64).into())
        })
    }

    /// Watches a bucket (`key` filter, default all keys); `include` is `"last"` (latest value of each
    /// key, then updates; default), `"new"` or `"all"`. With `callback`, every entry is passed to it.
    #[wasm_bindgen(js_name = kvWatch, unchecked_return_type = "Promise<KvWatch>")]
    pub fn kv_watch(
        &self,
        bucket: String,
        #[wasm_bindgen(unchecked_optional_param_type = "KvWatchOptions")] options: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let filter = get_str(&options, "key").unwrap_or_else(|| ">".into());
        let from = match get_str(&options, "include").as_deref() {
            Some("new") => WatchFrom::New,
            Some("all") => WatchFrom::All,
            _ => WatchFrom::LastPerKey,
        };
        let callback = get_fn(&options, "callback");
        promise(async move {
            let watcher = Rc::new(client.kv_watch(&bucket, &filter, from).await.map_err(|e| js_api_error(&e))?);
            if let Some(cb) = callback {
                let w = watcher.clone();
                spawn_local(async move {
                    while let Some(e) = w.next().await {
                        if let Err(err) = cb.call1(&JsValue::UNDEFINED, &KvEntry { inner: e }.into()) {
                            console_error("watch callback threw", &err);
                        }
                    }
                });
            }
            Ok(install_async_iterator(KvWatch { watcher }.into(), "stop"))
        })
    }
}
