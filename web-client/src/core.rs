//! The sans-IO client: one NATS connection's state machine over the shared codec.
//!
//! [`Core`] owns everything a client must remember — the handshake, the subscription table with its
//! sids, auto-unsubscribe counts, the request/reply inbox, keep-alive pings, flush barriers, reconnect
//! bookkeeping (which server next, when, resubscribing, publishes buffered while disconnected) and the
//! per-subscription queues with their slow-consumer limits. Input comes from the transport driver as
//! calls (`handle_open`, `handle_bytes`, `handle_close`, `handle_timeout`) and from the application
//! (`publish`, `subscribe`, `request`, …), always with the current time in milliseconds. Output is
//! pulled: [`Core::poll_transmit`] (bytes to write), [`Core::poll_action`] (open or close a socket),
//! [`Core::poll_event`] (what the application should hear about), [`Core::poll_timeout`] (when to call
//! `handle_timeout` next) and [`Core::take_message`] (a subscription's next message).
//!
//! It is not: a socket, a timer or a future. It never reads a clock and never draws entropy of its
//! own (the seed comes with [`Options`]), so every path runs natively in unit tests.

use std::collections::{BTreeMap, HashMap, VecDeque};

use bytes::{Bytes, BytesMut};
use switchyard_shared::encode::{encode_client_op, write_pub};
use switchyard_shared::headers::HeaderMap;
use switchyard_shared::op::{ClientOp, ConnectInfo, ServerInfo, ServerOp};
use switchyard_shared::parse::{parse_server_op, Limits, ProtoError};
use switchyard_shared::subject;

/// Subscription id, unique for the life of a [`Core`] (never reused, also across reconnects).
pub type Sid = u64;
/// Identifies one [`Core::request`] in [`Event::RequestDone`].
pub type RequestId = u64;
/// Identifies one [`Core::flush`] in [`Event::Flushed`].
pub type FlushId = u64;

/// Connection settings. Times are milliseconds.
#[derive(Debug, Clone)]
pub struct Options {
    /// Server URLs, tried in order (`ws://host:port`).
    pub servers: Vec<String>,
    pub name: Option<String>,
    pub token: Option<String>,
    pub user: Option<String>,
    pub pass: Option<String>,
    /// Deliver this connection's own publishes to its own subscriptions.
    pub echo: bool,
    /// Prefix of generated inboxes (`_INBOX` → `_INBOX.<random>`).
    pub inbox_prefix: String,
    /// Reconnect after losing an established connection.
    pub reconnect: bool,
    /// Attempts per outage before giving up; `None` retries forever.
    pub max_reconnect_attempts: Option<u32>,
    /// Wait before the second attempt; doubled per further attempt up to `reconnect_max_wait_ms`.
    pub reconnect_wait_ms: u64,
    pub reconnect_max_wait_ms: u64,
    /// A random extra wait in `0..=reconnect_jitter_ms`, so clients do not return in lockstep.
    pub reconnect_jitter_ms: u64,
    /// Bytes of publishes kept while disconnected and sent after reconnecting.
    pub reconnect_buffer_bytes: usize,
    /// Bytes a subscription may hold unconsumed before further messages are dropped (slow consumer).
    pub pending_bytes_limit: usize,
    /// Messages a subscription may hold unconsumed before further messages are dropped.
    pub pending_msgs_limit: usize,
    /// How often to ping an idle server; 0 disables.
    pub ping_interval_ms: u64,
    /// Unanswered pings after which the connection is declared stale.
    pub max_pings_out: u32,
    /// Time from opening a socket to the first `PONG`.
    pub connect_timeout_ms: u64,
    /// Time `drain` waits for the server to confirm before closing anyway.
    pub drain_timeout_ms: u64,
    /// Do not add servers announced in `INFO.connect_urls` to the list.
    pub ignore_discovered_servers: bool,
    /// Seed for inbox names and reconnect jitter.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            servers: Vec::new(),
            name: None,
            token: None,
            user: None,
            pass: None,
            echo: true,
            inbox_prefix: "_INBOX".into(),
            reconnect: true,
            max_reconnect_attempts: Some(10),
            reconnect_wait_ms: 1_000,
            reconnect_max_wait_ms: 10_000,
            reconnect_jitter_ms: 100,
            reconnect_buffer_bytes: 8 * 1024 * 1024,
            pending_bytes_limit: 64 * 1024 * 1024,
            pending_msgs_limit: 512 * 1024,
            ping_interval_ms: 120_000,
            max_pings_out: 2,
            connect_timeout_ms: 10_000,
            drain_timeout_ms: 30_000,
            ignore_discovered_servers: false,
            seed: 0x5eed,
        }
    }
}

/// Why a call failed or a connection ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    #[error("connection closed")]
    Closed,
    #[error("connection is draining")]
    Draining,
    #[error("no server URLs given")]
    NoServers,
    #[error("could not connect: {0}")]
    ConnectFailed(String),
    #[error("invalid subject: {0:?}")]
    InvalidSubject(String),
    #[error("invalid queue group: {0:?}")]
    InvalidQueue(String),
    #[error("maximum payload exceeded: {size} > {max}")]
    MaxPayload { size: usize, max: usize },
    #[error("server does not support headers")]
    HeadersNotSupported,
    #[error("reconnect buffer full ({limit} bytes)")]
    ReconnectBufferFull { limit: usize },
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtoError),
    #[error("server error: {0}")]
    Server(String),
    #[error("request timed out")]
    Timeout,
    #[error("no responders")]
    NoResponders,
    #[error("stale connection")]
    StaleConnection,
    #[error("slow consumer on subscription {sid}: {dropped} messages dropped")]
    SlowConsumer { sid: Sid, dropped: u64 },
    #[error("invalid INFO: {0}")]
    InvalidInfo(String),
}

/// A delivered message. `headers` carries the status of status messages (503, 404, 408, 100, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub reply: Option<String>,
    pub headers: Option<HeaderMap>,
    pub payload: Bytes,
    /// The subscription it arrived on.
    pub sid: Sid,
}

impl Message {
    /// The status code of a status message, if any.
    pub fn status(&self) -> Option<u16> {
        self.headers.as_ref().and_then(|h| h.status)
    }

    /// A 503 with an empty body: the server found nobody subscribed to the request subject.
    pub fn is_no_responders(&self) -> bool {
        self.status() == Some(503) && self.payload.is_empty()
    }
}

/// Coarse connection state, for display and for refusing calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// First connection not yet established.
    Connecting,
    Connected,
    /// Established before, now between or during reconnect attempts.
    Reconnecting,
    Draining,
    Closed,
}

/// What the transport driver must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open a socket to this URL; report `handle_open` / `handle_close`.
    Open(String),
    /// Close the current socket; its close must not be reported (the core already knows).
    Close,
}

/// What the application hears about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Connected {
        server: String,
    },
    Disconnected {
        server: String,
        reason: String,
    },
    Reconnected {
        server: String,
    },
    /// The server announced lame-duck mode; it will close this connection soon.
    LameDuck,
    /// An asynchronous error (server `-ERR`, slow consumer, bad input); the connection may continue.
    Error(ClientError),
    /// The subscription's queue went from empty to non-empty: call [`Core::take_message`].
    Ready {
        sid: Sid,
    },
    /// The subscription will get no more messages (unsubscribed, max reached, drained or closed);
    /// messages already queued can still be taken.
    Ended {
        sid: Sid,
    },
    RequestDone {
        id: RequestId,
        result: Result<Message, ClientError>,
    },
    Flushed {
        id: FlushId,
        result: Result<(), ClientError>,
    },
    /// Final event. `error` is set when the connection ended on its own (first connect failed,
    /// reconnect attempts exhausted) rather than through `close` or `drain`.
    Closed {
        error: Option<ClientError>,
    },
}

/// Counters for display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub reconnects: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Down,
    Opening,
    AwaitInfo,
    AwaitPong,
    Up,
}

/// Who waits for the next `PONG`, in the order the `PING`s were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PongWaiter {
    Handshake,
    Keepalive,
    Flush(FlushId),
    Drain,
}

#[derive(Debug)]
struct Subscription {
    subject: String,
    queue: Option<String>,
    max: Option<u64>,
    delivered: u64,
    /// No more deliveries: the server side is gone or going.
    ended: bool,
    /// Queued messages with the bytes each counts against `pending_bytes_limit`.
    queue_msgs: VecDeque<(Message, usize)>,
    pending_bytes: usize,
    dropped: u64,
    /// A slow-consumer event was reported and no message has been queued since.
    slow: bool,
}

#[derive(Debug)]
struct PendingRequest {
    id: RequestId,
    deadline: u64,
}

/// The wildcard subscription `<prefix>.<random>.*` that receives every request's reply.
#[derive(Debug)]
struct Mux {
    sid: Sid,
    /// `<prefix>.<random>.` — reply subjects are this plus a token.
    prefix: String,
}

/// One client connection's protocol state; see the module docs.
#[derive(Debug)]
pub struct Core {
    opts: Options,
    servers: Vec<String>,
    current: usize,
    link: Link,
    closing: Option<Closing>,
    closed: bool,
    ever_connected: bool,
    /// Servers still untried in the first round (before any connection succeeded).
    first_round_left: usize,
    attempts: u32,
    retry_at: Option<u64>,
    deadline: Option<u64>,
    next_ping: Option<u64>,
    pings_out: u32,
    last_error: Option<String>,
    info: Option<ServerInfo>,
    read: BytesMut,
    out: BytesMut,
    reconnect_buf: BytesMut,
    pongs: VecDeque<PongWaiter>,
    /// Flushes asked for while no connection could carry their `PING`.
    unsent_flushes: Vec<FlushId>,
    subs: BTreeMap<Sid, Subscription>,
    next_sid: Sid,
    mux: Option<Mux>,
    requests: HashMap<String, PendingRequest>,
    next_token: u64,
    next_id: u64,
    actions: VecDeque<Action>,
    events: VecDeque<Event>,
    rng: u64,
    stats: Stats,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    Drain,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn valid_queue(q: &str) -> bool {
    !q.is_empty() && !q.bytes().any(|b| b.is_ascii_whitespace())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `-ERR` texts after which nats-server keeps the connection open.
fn is_recoverable(err: &str) -> bool {
    let e = err.to_ascii_lowercase();
    e.starts_with("permissions violation") || e.starts_with("maximum subscriptions exceeded") || e == "invalid subject"
}

impl Core {
    /// A core that has not started connecting yet; call [`Core::start`].
    pub fn new(opts: Options) -> Result<Core, ClientError> {
        if opts.servers.is_empty() {
            return Err(ClientError::NoServers);
        }
        let rng = if opts.seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { opts.seed };
        Ok(Core {
            servers: opts.servers.clone(),
            first_round_left: opts.servers.len(),
            opts,
            current: 0,
            link: Link::Down,
            closing: None,
            closed: false,
            ever_connected: false,
            attempts: 0,
            retry_at: None,
            deadline: None,
            next_ping: None,
            pings_out: 0,
            last_error: None,
            info: None,
            read: BytesMut::new(),
            out: BytesMut::new(),
            reconnect_buf: BytesMut::new(),
            pongs: VecDeque::new(),
            unsent_flushes: Vec::new(),
            subs: BTreeMap::new(),
            next_sid: 1,
            mux: None,
            requests: HashMap::new(),
            next_token: 0,
            next_id: 1,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            rng,
            stats: Stats::default(),
        })
    }

    // ----- driver side: in -----

    /// Begins the first connection attempt.
    pub fn start(&mut self, now: u64) {
        if self.link == Link::Down && !self.closed && !self.ever_connected && self.attempts == 0 {
            self.open(now);
        }
    }

    /// The socket asked for by [`Action::Open`] is open.
    pub fn handle_open(&mut self, _now: u64) {
        if self.link == Link::Opening {
            self.link = Link::AwaitInfo;
        }
    }

    /// Bytes read from the socket.
    pub fn handle_bytes(&mut self, data: &[u8], now: u64) {
        if !matches!(self.link, Link::AwaitInfo | Link::AwaitPong | Link::Up) {
            return;
        }
        self.read.extend_from_slice(data);
        loop {
            match parse_server_op(&mut self.read, &Limits::unlimited()) {
                Ok(Some(op)) => self.handle_op(op, now),
                Ok(None) => break,
                Err(e) => {
                    self.events.push_back(Event::Error(ClientError::Protocol(e.clone())));
                    self.drop_link(now, format!("protocol error: {e}"));
                    break;
                }
            }
            if !matches!(self.link, Link::AwaitInfo | Link::AwaitPong | Link::Up) {
                break;
            }
        }
    }

    /// The socket closed or failed (not after [`Action::Close`]).
    pub fn handle_close(&mut self, now: u64, reason: &str) {
        if self.link != Link::Down {
            self.link_lost(now, reason.to_string());
        }
    }

    /// Time has passed; run whatever is due (handshake and drain deadlines, reconnect, pings,
    /// request timeouts).
    pub fn handle_timeout(&mut self, now: u64) {
        if self.deadline.is_some_and(|d| now >= d) {
            self.deadline = None;
            if self.closing == Some(Closing::Drain) {
                self.finish_close(None);
            } else if self.link != Link::Down && self.link != Link::Up {
                self.drop_link(now, "connection timeout".into());
            }
        }
        if self.retry_at.is_some_and(|t| now >= t) {
            self.retry_at = None;
            self.current = (self.current + 1) % self.servers.len();
            self.open(now);
        }
        if self.link == Link::Up && self.next_ping.is_some_and(|t| now >= t) {
            if self.pings_out >= self.opts.max_pings_out {
                self.events.push_back(Event::Error(ClientError::StaleConnection));
                self.drop_link(now, "stale connection".into());
            } else {
                self.pings_out += 1;
                self.send(&ClientOp::Ping);
                self.pongs.push_back(PongWaiter::Keepalive);
                self.next_ping = Some(now + self.opts.ping_interval_ms);
            }
        }
        let expired: Vec<String> =
            self.requests.iter().filter(|(_, r)| now >= r.deadline).map(|(t, _)| t.clone()).collect();
        for token in expired {
            if let Some(r) = self.requests.remove(&token) {
                self.events.push_back(Event::RequestDone { id: r.id, result: Err(ClientError::Timeout) });
            }
        }
    }

    // ----- driver side: out -----

    /// How many bytes [`Core::poll_transmit`] would return now; a driver that batches writes
    /// sends once this passes its threshold.
    pub fn pending_transmit(&self) -> usize {
        self.out.len()
    }

    /// Bytes to write to the socket, all that are ready.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.split().freeze())
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        let ping = if self.link == Link::Up { self.next_ping } else { None };
        let req = self.requests.values().map(|r| r.deadline).min();
        [self.deadline, self.retry_at, ping, req].into_iter().flatten().min()
    }

    // ----- application side -----

    pub fn state(&self) -> State {
        if self.closed {
            State::Closed
        } else if self.closing.is_some() {
            State::Draining
        } else if self.link == Link::Up {
            State::Connected
        } else if self.ever_connected {
            State::Reconnecting
        } else {
            State::Connecting
        }
    }

    /// The latest `INFO` from the current (or last) server.
    pub fn server_info(&self) -> Option<&ServerInfo> {
        self.info.as_ref()
    }

    /// The URL of the server in use (or being tried).
    pub fn current_server(&self) -> &str {
        &self.servers[self.current]
    }

    /// All known server URLs, given and discovered.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A fresh, unique inbox subject (`<prefix>.<22 random chars>`).
    pub fn new_inbox(&mut self) -> String {
        let nuid = self.nuid();
        format!("{}.{nuid}", self.opts.inbox_prefix)
    }

    /// Publishes a message; while disconnected it is buffered (up to `reconnect_buffer_bytes`).
    pub fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &[u8],
    ) -> Result<(), ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        if !subject::is_valid_filter(subject) {
            return Err(ClientError::InvalidSubject(subject.into()));
        }
        if let Some(r) = reply {
            if !subject::is_valid_filter(r) {
                return Err(ClientError::InvalidSubject(r.into()));
            }
        }
        let hdr = headers.map(HeaderMap::to_bytes);
        if let Some(info) = &self.info {
            if hdr.is_some() && !info.headers {
                return Err(ClientError::HeadersNotSupported);
            }
            let size = payload.len() + hdr.as_ref().map_or(0, Bytes::len);
            if info.max_payload > 0 && size > info.max_payload {
                return Err(ClientError::MaxPayload { size, max: info.max_payload });
            }
        }
        self.stats.out_msgs += 1;
        self.stats.out_bytes += payload.len() as u64;
        let (subject, reply, hdr) = (subject.as_bytes(), reply.map(str::as_bytes), hdr.as_deref());
        if self.link == Link::Up {
            write_pub(&mut self.out, subject, reply, hdr, payload);
            return Ok(());
        }
        let mut frame = BytesMut::new();
        write_pub(&mut frame, subject, reply, hdr, payload);
        if self.reconnect_buf.len() + frame.len() > self.opts.reconnect_buffer_bytes {
            return Err(ClientError::ReconnectBufferFull { limit: self.opts.reconnect_buffer_bytes });
        }
        self.reconnect_buf.extend_from_slice(&frame);
        Ok(())
    }

    /// Subscribes; messages are queued for [`Core::take_message`] and announced by [`Event::Ready`].
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>) -> Result<Sid, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        if self.closing.is_some() {
            return Err(ClientError::Draining);
        }
        if !subject::is_valid_filter(subject) {
            return Err(ClientError::InvalidSubject(subject.into()));
        }
        if let Some(q) = queue {
            if !valid_queue(q) {
                return Err(ClientError::InvalidQueue(q.into()));
            }
        }
        let sid = self.alloc_sid();
        let sub = Subscription {
            subject: subject.into(),
            queue: queue.map(Into::into),
            max: None,
            delivered: 0,
            ended: false,
            queue_msgs: VecDeque::new(),
            pending_bytes: 0,
            dropped: 0,
            slow: false,
        };
        if self.link == Link::Up {
            self.send_sub(sid, &sub.subject, sub.queue.as_deref());
        }
        self.subs.insert(sid, sub);
        Ok(sid)
    }

    /// Unsubscribes now (`max` = `None`, queued messages are discarded) or after `max` deliveries in
    /// total, counting those already delivered.
    pub fn unsubscribe(&mut self, sid: Sid, max: Option<u64>) {
        let Some(sub) = self.subs.get_mut(&sid) else { return };
        if sub.ended {
            if max.is_none() {
                self.subs.remove(&sid);
            }
            return;
        }
        match max {
            Some(m) if sub.delivered < m => {
                sub.max = Some(m);
                if self.link == Link::Up {
                    self.send(&ClientOp::Unsub { sid: sid.to_string().into(), max: Some(m) });
                }
            }
            _ => {
                if max.is_none() {
                    self.subs.remove(&sid);
                } else {
                    sub.ended = true;
                }
                if self.link == Link::Up {
                    self.send(&ClientOp::Unsub { sid: sid.to_string().into(), max: None });
                }
                self.events.push_back(Event::Ended { sid });
            }
        }
    }

    /// The next queued message of a subscription.
    pub fn take_message(&mut self, sid: Sid) -> Option<Message> {
        let sub = self.subs.get_mut(&sid)?;
        let msg = sub.queue_msgs.pop_front().map(|(m, size)| {
            sub.pending_bytes -= size;
            m
        });
        if sub.ended && sub.queue_msgs.is_empty() {
            self.subs.remove(&sid);
        }
        msg
    }

    /// True when the subscription will yield nothing more (ended and emptied, or unknown).
    pub fn is_finished(&self, sid: Sid) -> bool {
        self.subs.get(&sid).is_none_or(|s| s.ended && s.queue_msgs.is_empty())
    }

    /// Messages and bytes queued on a subscription, and how many were dropped as a slow consumer.
    pub fn pending(&self, sid: Sid) -> Option<(usize, usize, u64)> {
        self.subs.get(&sid).map(|s| (s.queue_msgs.len(), s.pending_bytes, s.dropped))
    }

    /// Sends a request with a reply subject on the shared inbox subscription; the answer (or
    /// [`ClientError::Timeout`] / [`ClientError::NoResponders`]) comes as [`Event::RequestDone`].
    pub fn request(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        timeout_ms: u64,
        now: u64,
    ) -> Result<RequestId, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        if self.mux.is_none() {
            let nuid = self.nuid();
            let prefix = format!("{}.{nuid}.", self.opts.inbox_prefix);
            let sid = self.alloc_sid();
            if self.link == Link::Up {
                self.send_sub(sid, &format!("{prefix}*"), None);
            }
            self.mux = Some(Mux { sid, prefix });
        }
        self.next_token += 1;
        let token = base36(self.next_token);
        let reply = format!("{}{}", self.mux.as_ref().map_or("", |m| m.prefix.as_str()), token);
        self.publish(subject, Some(&reply), headers, payload)?;
        let id = self.alloc_id();
        self.requests.insert(token, PendingRequest { id, deadline: now + timeout_ms });
        Ok(id)
    }

    /// Forgets a request (its answer, if any, is ignored).
    pub fn cancel_request(&mut self, id: RequestId) {
        self.requests.retain(|_, r| r.id != id);
    }

    /// A barrier: [`Event::Flushed`] arrives once the server has processed everything sent before.
    /// While disconnected it waits for the next connection.
    pub fn flush(&mut self) -> Result<FlushId, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        let id = self.alloc_id();
        if self.link == Link::Up {
            self.send(&ClientOp::Ping);
            self.pongs.push_back(PongWaiter::Flush(id));
        } else {
            self.unsent_flushes.push(id);
        }
        Ok(id)
    }

    /// Unsubscribes everything, waits until the server confirms (a `PING` after the `UNSUB`s), then
    /// closes. Messages already queued stay readable.
    pub fn drain(&mut self, now: u64) {
        if self.closed || self.closing.is_some() {
            return;
        }
        if self.link != Link::Up {
            self.close();
            return;
        }
        self.closing = Some(Closing::Drain);
        let sids: Vec<Sid> = self.subs.iter().filter(|(_, s)| !s.ended).map(|(&sid, _)| sid).collect();
        for sid in sids.iter().copied().chain(self.mux.as_ref().map(|m| m.sid)) {
            self.send(&ClientOp::Unsub { sid: sid.to_string().into(), max: None });
        }
        self.send(&ClientOp::Ping);
        self.pongs.push_back(PongWaiter::Drain);
        self.deadline = Some(now + self.opts.drain_timeout_ms);
    }

    /// Closes now. Pending requests and flushes fail with [`ClientError::Closed`].
    pub fn close(&mut self) {
        self.finish_close(None);
    }

    // ----- internals -----

    fn alloc_sid(&mut self) -> Sid {
        let sid = self.next_sid;
        self.next_sid += 1;
        sid
    }

    fn alloc_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn nuid(&mut self) -> String {
        let mut s = String::with_capacity(22);
        let mut r = 0u64;
        for i in 0..22 {
            if i % 10 == 0 {
                r = self.next_random();
            }
            s.push(BASE62[(r % 62) as usize] as char);
            r /= 62;
        }
        s
    }

    fn send(&mut self, op: &ClientOp) {
        encode_client_op(op, &mut self.out);
    }

    fn send_sub(&mut self, sid: Sid, subject: &str, queue: Option<&str>) {
        let op = ClientOp::Sub {
            subject: Bytes::copy_from_slice(subject.as_bytes()),
            queue: queue.map(|q| Bytes::copy_from_slice(q.as_bytes())),
            sid: sid.to_string().into(),
        };
        self.send(&op);
    }

    fn open(&mut self, now: u64) {
        self.attempts += 1;
        if !self.ever_connected {
            self.first_round_left = self.first_round_left.saturating_sub(1);
        }
        self.link = Link::Opening;
        self.deadline = Some(now + self.opts.connect_timeout_ms);
        self.read.clear();
        self.out.clear();
        self.actions.push_back(Action::Open(self.servers[self.current].clone()));
    }

    /// Closes the socket ourselves and handles it like a lost connection.
    fn drop_link(&mut self, now: u64, reason: String) {
        self.actions.push_back(Action::Close);
        self.link_lost(now, reason);
    }

    fn link_lost(&mut self, now: u64, reason: String) {
        let was_up = self.link == Link::Up;
        self.link = Link::Down;
        self.read.clear();
        self.out.clear();
        self.next_ping = None;
        self.pings_out = 0;
        for w in std::mem::take(&mut self.pongs) {
            if let PongWaiter::Flush(id) = w {
                self.unsent_flushes.push(id);
            }
        }
        if self.closing.is_some() {
            self.finish_close(None);
            return;
        }
        self.deadline = None;
        self.last_error = Some(reason.clone());
        if was_up {
            let server = self.current_server().to_string();
            self.events.push_back(Event::Disconnected { server, reason: reason.clone() });
        }
        if !self.ever_connected {
            if self.first_round_left > 0 {
                self.current = (self.current + 1) % self.servers.len();
                self.open(now);
            } else {
                let why = self.last_error.take().unwrap_or_default();
                self.finish_close(Some(ClientError::ConnectFailed(why)));
            }
            return;
        }
        if !self.opts.reconnect {
            self.finish_close(Some(ClientError::ConnectFailed(reason)));
            return;
        }
        if was_up {
            self.attempts = 0;
        }
        if self.opts.max_reconnect_attempts.is_some_and(|max| self.attempts >= max) {
            self.finish_close(Some(ClientError::ConnectFailed(format!(
                "gave up after {} reconnect attempts: {reason}",
                self.attempts
            ))));
            return;
        }
        self.retry_at = Some(now + self.reconnect_delay(self.attempts + 1));
    }

    /// Wait before reconnect attempt `n` (1-based): only jitter for the first, then doubling.
    fn reconnect_delay(&mut self, n: u32) -> u64 {
        let base = if n <= 1 {
            0
        } else {
            let shift = (n - 2).min(20);
            self.opts.reconnect_wait_ms.saturating_mul(1 << shift).min(self.opts.reconnect_max_wait_ms)
        };
        let jitter = match self.opts.reconnect_jitter_ms {
            0 => 0,
            j => self.next_random() % (j + 1),
        };
        base + jitter
    }

    fn finish_close(&mut self, error: Option<ClientError>) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.closing = None;
        if self.link != Link::Down {
            self.actions.push_back(Action::Close);
        }
        self.link = Link::Down;
        self.deadline = None;
        self.retry_at = None;
        self.next_ping = None;
        self.out.clear();
        self.reconnect_buf.clear();
        let mut requests: Vec<PendingRequest> = self.requests.drain().map(|(_, r)| r).collect();
        requests.sort_by_key(|r| r.id);
        for r in requests {
            self.events.push_back(Event::RequestDone { id: r.id, result: Err(ClientError::Closed) });
        }
        let flushes: Vec<FlushId> = std::mem::take(&mut self.pongs)
            .into_iter()
            .filter_map(|w| if let PongWaiter::Flush(id) = w { Some(id) } else { None })
            .chain(std::mem::take(&mut self.unsent_flushes))
            .collect();
        for id in flushes {
            self.events.push_back(Event::Flushed { id, result: Err(ClientError::Closed) });
        }
        self.end_all_subscriptions();
        self.events.push_back(Event::Closed { error });
    }

    fn end_all_subscriptions(&mut self) {
        let mut gone = Vec::new();
        for (&sid, sub) in self.subs.iter_mut() {
            if !sub.ended {
                sub.ended = true;
                self.events.push_back(Event::Ended { sid });
            }
            if sub.queue_msgs.is_empty() {
                gone.push(sid);
            }
        }
        for sid in gone {
            self.subs.remove(&sid);
        }
    }

    fn handle_op(&mut self, op: ServerOp, now: u64) {
        match op {
            ServerOp::Info(json) => self.handle_info(&json, now),
            ServerOp::Msg { subject, sid, reply, headers, payload } => {
                self.handle_msg(&subject, &sid, reply.as_deref(), headers.as_deref(), payload)
            }
            ServerOp::Ping => self.send(&ClientOp::Pong),
            ServerOp::Pong => self.handle_pong(now),
            ServerOp::Ok => {}
            ServerOp::Err(text) => {
                let recoverable = is_recoverable(&text);
                self.events.push_back(Event::Error(ClientError::Server(text.clone())));
                if !recoverable {
                    self.drop_link(now, text);
                }
            }
        }
    }

    fn handle_info(&mut self, json: &[u8], now: u64) {
        let info: ServerInfo = match serde_json::from_slice(json) {
            Ok(i) => i,
            Err(e) => {
                self.events.push_back(Event::Error(ClientError::InvalidInfo(e.to_string())));
                self.drop_link(now, "invalid INFO".into());
                return;
            }
        };
        if !self.opts.ignore_discovered_servers {
            let scheme = self.current_server().split_once("://").map_or("ws", |(s, _)| s).to_string();
            for url in info.connect_urls.iter() {
                let full = if url.contains("://") { url.clone() } else { format!("{scheme}://{url}") };
                if !self.servers.contains(&full) {
                    self.servers.push(full);
                }
            }
        }
        if info.ldm {
            self.events.push_back(Event::LameDuck);
        }
        let headers = info.headers;
        self.info = Some(info);
        if self.link != Link::AwaitInfo {
            return;
        }
        let connect = ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: false,
            auth_token: self.opts.token.clone(),
            user: self.opts.user.clone(),
            pass: self.opts.pass.clone(),
            name: self.opts.name.clone(),
            lang: Some("rust-wasm".into()),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            protocol: 1,
            echo: self.opts.echo,
            sig: None,
            jwt: None,
            nkey: None,
            headers,
            no_responders: headers,
        };
        let json = serde_json::to_vec(&connect).unwrap_or_default();
        self.send(&ClientOp::Connect(json.into()));
        self.send(&ClientOp::Ping);
        self.pongs.push_back(PongWaiter::Handshake);
        self.link = Link::AwaitPong;
    }

    fn handle_pong(&mut self, now: u64) {
        self.pings_out = 0;
        match self.pongs.pop_front() {
            Some(PongWaiter::Handshake) => self.handshake_done(now),
            Some(PongWaiter::Flush(id)) => self.events.push_back(Event::Flushed { id, result: Ok(()) }),
            Some(PongWaiter::Drain) => self.finish_close(None),
            Some(PongWaiter::Keepalive) | None => {}
        }
    }

    fn handshake_done(&mut self, now: u64) {
        self.link = Link::Up;
        self.deadline = None;
        self.attempts = 0;
        self.first_round_left = 0;
        self.next_ping = (self.opts.ping_interval_ms > 0).then(|| now + self.opts.ping_interval_ms);
        let server = self.current_server().to_string();
        let subs: Vec<(Sid, String, Option<String>, Option<u64>)> = self
            .subs
            .iter()
            .filter(|(_, s)| !s.ended)
            .map(|(&sid, s)| (sid, s.subject.clone(), s.queue.clone(), s.max.map(|m| m - s.delivered)))
            .collect();
        for (sid, subject, queue, left) in subs {
            self.send_sub(sid, &subject, queue.as_deref());
            if let Some(left) = left {
                self.send(&ClientOp::Unsub { sid: sid.to_string().into(), max: Some(left) });
            }
        }
        if let Some(m) = &self.mux {
            let (sid, filter) = (m.sid, format!("{}*", m.prefix));
            self.send_sub(sid, &filter, None);
        }
        if self.ever_connected {
            self.stats.reconnects += 1;
            self.events.push_back(Event::Reconnected { server });
        } else {
            self.ever_connected = true;
            self.events.push_back(Event::Connected { server });
        }
        let buffered = self.reconnect_buf.split();
        self.out.extend_from_slice(&buffered);
        for id in std::mem::take(&mut self.unsent_flushes) {
            self.send(&ClientOp::Ping);
            self.pongs.push_back(PongWaiter::Flush(id));
        }
    }

    fn handle_msg(&mut self, subject: &[u8], sid: &[u8], reply: Option<&[u8]>, headers: Option<&[u8]>, payload: Bytes) {
        let Some(sid) = std::str::from_utf8(sid).ok().and_then(|s| s.parse::<Sid>().ok()) else { return };
        let size = subject.len() + reply.map_or(0, <[u8]>::len) + headers.map_or(0, <[u8]>::len) + payload.len();
        self.stats.in_msgs += 1;
        self.stats.in_bytes += payload.len() as u64;
        let headers = match headers.map(HeaderMap::parse) {
            None => None,
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                self.events.push_back(Event::Error(ClientError::Server(format!("bad header block: {e}"))));
                None
            }
        };
        let msg = Message { subject: lossy(subject), reply: reply.map(lossy), headers, payload, sid };
        if let Some(mux) = &self.mux {
            if mux.sid == sid {
                let Some(token) = msg.subject.strip_prefix(mux.prefix.as_str()) else { return };
                let Some(req) = self.requests.remove(token) else { return };
                let result = if msg.is_no_responders() { Err(ClientError::NoResponders) } else { Ok(msg) };
                self.events.push_back(Event::RequestDone { id: req.id, result });
                return;
            }
        }
        let (bytes_limit, msgs_limit) = (self.opts.pending_bytes_limit, self.opts.pending_msgs_limit);
        let Some(sub) = self.subs.get_mut(&sid) else { return };
        if sub.ended {
            return;
        }
        sub.delivered += 1;
        if sub.pending_bytes + size > bytes_limit || sub.queue_msgs.len() >= msgs_limit {
            sub.dropped += 1;
            if !sub.slow {
                sub.slow = true;
                let dropped = sub.dropped;
                self.events.push_back(Event::Error(ClientError::SlowConsumer { sid, dropped }));
            }
        } else {
            sub.slow = false;
            sub.pending_bytes += size;
            sub.queue_msgs.push_back((msg, size));
            if sub.queue_msgs.len() == 1 {
                self.events.push_back(Event::Ready { sid });
            }
        }
        if sub.max.is_some_and(|m| sub.delivered >= m) {
            sub.ended = true;
            if sub.queue_msgs.is_empty() {
                self.subs.remove(&sid);
            }
            self.events.push_back(Event::Ended { sid });
        }
    }
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::parse::parse_client_op;

    const INFO: &[u8] =
        b"INFO {\"server_id\":\"S\",\"version\":\"2.9.10\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n";

    fn opts() -> Options {
        Options {
            servers: vec!["ws://a:1".into(), "ws://b:2".into()],
            reconnect_jitter_ms: 0,
            ping_interval_ms: 0,
            ..Options::default()
        }
    }

    /// Everything the core wrote, parsed back into client ops.
    fn sent(core: &mut Core) -> Vec<ClientOp> {
        let mut buf = BytesMut::new();
        while let Some(b) = core.poll_transmit() {
            buf.extend_from_slice(&b);
        }
        let mut ops = Vec::new();
        while let Some(op) = parse_client_op(&mut buf, &Limits::unlimited()).unwrap() {
            ops.push(op);
        }
        ops
    }

    fn events(core: &mut Core) -> Vec<Event> {
        std::iter::from_fn(|| core.poll_event()).collect()
    }

    fn actions(core: &mut Core) -> Vec<Action> {
        std::iter::from_fn(|| core.poll_action()).collect()
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn sub_op(subject: &str, sid: Sid) -> ClientOp {
        ClientOp::Sub { subject: b(subject), queue: None, sid: b(&sid.to_string()) }
    }

    /// Runs the handshake on the socket already asked for and returns what was sent.
    fn handshake(core: &mut Core, now: u64) -> Vec<ClientOp> {
        core.handle_open(now);
        core.handle_bytes(INFO, now);
        core.handle_bytes(b"PONG\r\n", now);
        sent(core)
    }

    fn connected(o: Options) -> Core {
        let mut core = Core::new(o).unwrap();
        core.start(0);
        assert_eq!(actions(&mut core), [Action::Open("ws://a:1".into())]);
        handshake(&mut core, 0);
        assert_eq!(events(&mut core), [Event::Connected { server: "ws://a:1".into() }]);
        core
    }

    #[test]
    fn handshake_sends_connect_with_headers_and_no_responders_then_ping() {
        let mut core =
            Core::new(Options { name: Some("page".into()), token: Some("s3cret".into()), ..opts() }).unwrap();
        core.start(0);
        assert_eq!(core.state(), State::Connecting);
        core.handle_open(0);
        assert!(sent(&mut core).is_empty(), "nothing before INFO");
        core.handle_bytes(INFO, 0);
        let ops = sent(&mut core);
        assert_eq!(ops.len(), 2);
        let ClientOp::Connect(json) = &ops[0] else { panic!("{ops:?}") };
        let c: ConnectInfo = serde_json::from_slice(json).unwrap();
        assert!(c.headers && c.no_responders && !c.verbose && !c.pedantic && c.echo);
        assert_eq!(c.protocol, 1);
        assert_eq!(c.name.as_deref(), Some("page"));
        assert_eq!(c.auth_token.as_deref(), Some("s3cret"));
        assert_eq!(ops[1], ClientOp::Ping);
        assert_eq!(core.state(), State::Connecting);
        core.handle_bytes(b"PONG\r\n", 0);
        assert_eq!(core.state(), State::Connected);
        assert_eq!(events(&mut core), [Event::Connected { server: "ws://a:1".into() }]);
        assert_eq!(core.server_info().unwrap().version, "2.9.10");
    }

    #[test]
    fn server_ping_is_answered_with_pong() {
        let mut core = connected(opts());
        core.handle_bytes(b"PING\r\n", 1);
        assert_eq!(sent(&mut core), [ClientOp::Pong]);
    }

    #[test]
    fn messages_split_across_frames_reach_the_subscription() {
        let mut core = connected(opts());
        let sid = core.subscribe("chat.>", None).unwrap();
        assert_eq!(sent(&mut core), [sub_op("chat.>", sid)]);
        let hdr = "NATS/1.0\r\nX-Who: ann\r\n\r\n";
        let wire = format!("HMSG chat.room {sid} reply.1 {} {}\r\n{hdr}hello\r\n", hdr.len(), hdr.len() + 5);
        for byte in wire.as_bytes() {
            core.handle_bytes(&[*byte], 1);
        }
        assert_eq!(events(&mut core), [Event::Ready { sid }]);
        let m = core.take_message(sid).unwrap();
        assert_eq!(m.subject, "chat.room");
        assert_eq!(m.reply.as_deref(), Some("reply.1"));
        assert_eq!(m.headers.as_ref().unwrap().get("X-Who"), Some("ann"));
        assert_eq!(&m.payload[..], b"hello");
        assert_eq!(core.take_message(sid), None);
        assert!(!core.is_finished(sid));
    }

    #[test]
    fn publish_encodes_headers_and_reply() {
        let mut core = connected(opts());
        let mut h = HeaderMap::new();
        h.append("X-A", "1");
        core.publish("a.b", Some("r"), Some(&h), b"hi").unwrap();
        core.publish("a.b", None, None, b"").unwrap();
        assert_eq!(
            sent(&mut core),
            [
                ClientOp::Pub { subject: b("a.b"), reply: Some(b("r")), headers: Some(h.to_bytes()), payload: b("hi") },
                ClientOp::Pub { subject: b("a.b"), reply: None, headers: None, payload: b("") },
            ]
        );
        assert_eq!(
            core.publish("bad subject", None, None, b""),
            Err(ClientError::InvalidSubject("bad subject".into()))
        );
        assert_eq!(core.publish("", None, None, b""), Err(ClientError::InvalidSubject("".into())));
        assert_eq!(core.stats().out_msgs, 2);
    }

    #[test]
    fn pending_transmit_counts_the_bytes_queued_since_the_last_poll() {
        let mut core = connected(opts());
        assert_eq!(core.pending_transmit(), 0);
        core.publish("a", None, None, b"hi").unwrap();
        core.publish("a", None, None, b"hi").unwrap();
        let queued = core.pending_transmit();
        assert_eq!(queued, 2 * b"PUB a 2\r\nhi\r\n".len());
        assert_eq!(core.poll_transmit().map(|b| b.len()), Some(queued));
        assert_eq!(core.pending_transmit(), 0);
    }

    #[test]
    fn publish_larger_than_max_payload_is_refused() {
        let mut core = Core::new(opts()).unwrap();
        core.start(0);
        core.handle_open(0);
        core.handle_bytes(b"INFO {\"headers\":true,\"max_payload\":4}\r\nPONG\r\n", 0);
        assert!(core.publish("a", None, None, b"1234").is_ok());
        assert_eq!(core.publish("a", None, None, b"12345"), Err(ClientError::MaxPayload { size: 5, max: 4 }));
    }

    #[test]
    fn headers_are_refused_when_the_server_lacks_them() {
        let mut core = Core::new(opts()).unwrap();
        core.start(0);
        core.handle_open(0);
        core.handle_bytes(b"INFO {\"headers\":false,\"max_payload\":100}\r\n", 0);
        let ops = sent(&mut core);
        let ClientOp::Connect(json) = &ops[0] else { panic!() };
        let c: ConnectInfo = serde_json::from_slice(json).unwrap();
        assert!(!c.headers && !c.no_responders);
        assert_eq!(core.publish("a", None, Some(&HeaderMap::new()), b"x"), Err(ClientError::HeadersNotSupported));
    }

    #[test]
    fn auto_unsubscribe_ends_after_max_messages() {
        let mut core = connected(opts());
        let sid = core.subscribe("q", Some("workers")).unwrap();
        core.unsubscribe(sid, Some(2));
        assert_eq!(
            sent(&mut core),
            [
                ClientOp::Sub { subject: b("q"), queue: Some(b("workers")), sid: b("1") },
                ClientOp::Unsub { sid: b("1"), max: Some(2) },
            ]
        );
        core.handle_bytes(b"MSG q 1 1\r\na\r\nMSG q 1 1\r\nb\r\nMSG q 1 1\r\nc\r\n", 1);
        assert_eq!(events(&mut core), [Event::Ready { sid }, Event::Ended { sid }]);
        assert_eq!(&core.take_message(sid).unwrap().payload[..], b"a");
        assert!(!core.is_finished(sid));
        assert_eq!(&core.take_message(sid).unwrap().payload[..], b"b");
        assert!(core.is_finished(sid));
        assert_eq!(core.take_message(sid), None, "the third message came after max and is ignored");
    }

    #[test]
    fn unsubscribe_with_max_already_reached_ends_at_once() {
        let mut core = connected(opts());
        let sid = core.subscribe("q", None).unwrap();
        core.handle_bytes(b"MSG q 1 1\r\na\r\nMSG q 1 1\r\nb\r\n", 1);
        sent(&mut core);
        events(&mut core);
        core.unsubscribe(sid, Some(2));
        assert_eq!(sent(&mut core), [ClientOp::Unsub { sid: b("1"), max: None }]);
        assert_eq!(events(&mut core), [Event::Ended { sid }]);
        assert_eq!(core.take_message(sid).map(|m| m.payload), Some(b("a")));
    }

    #[test]
    fn unsubscribe_discards_queued_messages() {
        let mut core = connected(opts());
        let sid = core.subscribe("q", None).unwrap();
        core.handle_bytes(b"MSG q 1 1\r\na\r\n", 1);
        core.unsubscribe(sid, None);
        assert_eq!(core.take_message(sid), None);
        assert!(core.is_finished(sid));
        core.handle_bytes(b"MSG q 1 1\r\nb\r\n", 1);
        assert_eq!(core.take_message(sid), None, "late messages for a removed sid are dropped");
    }

    #[test]
    fn request_uses_one_wildcard_inbox_and_matches_replies_by_token() {
        let mut core = connected(opts());
        let r1 = core.request("svc.echo", None, b"one", 1000, 0).unwrap();
        let r2 = core.request("svc.echo", None, b"two", 1000, 0).unwrap();
        let ops = sent(&mut core);
        assert_eq!(ops.len(), 3, "one SUB and two PUBs: {ops:?}");
        let ClientOp::Sub { subject: inbox, sid, .. } = &ops[0] else { panic!("{ops:?}") };
        let inbox = std::str::from_utf8(inbox).unwrap().to_string();
        assert!(inbox.starts_with("_INBOX.") && inbox.ends_with(".*"), "{inbox}");
        let reply_of = |op: &ClientOp| match op {
            ClientOp::Pub { reply: Some(r), .. } => std::str::from_utf8(r).unwrap().to_string(),
            other => panic!("{other:?}"),
        };
        let (reply1, reply2) = (reply_of(&ops[1]), reply_of(&ops[2]));
        assert_ne!(reply1, reply2);
        assert!(reply1.starts_with(inbox.trim_end_matches('*')));
        let sid = std::str::from_utf8(sid).unwrap();
        core.handle_bytes(format!("MSG {reply2} {sid} 3\r\nTWO\r\nMSG {reply1} {sid} 3\r\nONE\r\n").as_bytes(), 5);
        let ev = events(&mut core);
        assert_eq!(ev.len(), 2);
        let Event::RequestDone { id, result: Ok(m) } = &ev[0] else { panic!("{ev:?}") };
        assert_eq!((*id, &m.payload[..]), (r2, &b"TWO"[..]));
        let Event::RequestDone { id, result: Ok(m) } = &ev[1] else { panic!("{ev:?}") };
        assert_eq!((*id, &m.payload[..]), (r1, &b"ONE"[..]));
        assert_eq!(core.poll_timeout(), None, "no request left to time out");
    }

    #[test]
    fn request_to_nobody_fails_with_no_responders() {
        let mut core = connected(opts());
        let id = core.request("nobody.home", None, b"", 1000, 0).unwrap();
        let ops = sent(&mut core);
        let ClientOp::Pub { reply: Some(reply), .. } = &ops[1] else { panic!("{ops:?}") };
        let reply = std::str::from_utf8(reply).unwrap();
        let hdr = "NATS/1.0 503\r\n\r\n";
        core.handle_bytes(format!("HMSG {reply} 1 {} {}\r\n{hdr}\r\n", hdr.len(), hdr.len()).as_bytes(), 1);
        assert_eq!(events(&mut core), [Event::RequestDone { id, result: Err(ClientError::NoResponders) }]);
    }

    #[test]
    fn request_times_out() {
        let mut core = connected(opts());
        let id = core.request("slow", None, b"", 250, 100).unwrap();
        assert_eq!(core.poll_timeout(), Some(350));
        core.handle_timeout(349);
        assert!(events(&mut core).is_empty());
        core.handle_timeout(350);
        assert_eq!(events(&mut core), [Event::RequestDone { id, result: Err(ClientError::Timeout) }]);
    }

    #[test]
    fn flush_resolves_on_its_own_pong_in_order() {
        let mut core = connected(opts());
        let f1 = core.flush().unwrap();
        let f2 = core.flush().unwrap();
        assert_eq!(sent(&mut core), [ClientOp::Ping, ClientOp::Ping]);
        core.handle_bytes(b"PONG\r\n", 1);
        assert_eq!(events(&mut core), [Event::Flushed { id: f1, result: Ok(()) }]);
        core.handle_bytes(b"PONG\r\n", 1);
        assert_eq!(events(&mut core), [Event::Flushed { id: f2, result: Ok(()) }]);
    }

    #[test]
    fn reconnect_resubscribes_and_sends_buffered_publishes() {
        let mut core = connected(opts());
        let chat = core.subscribe("chat", None).unwrap();
        let jobs = core.subscribe("jobs", Some("w")).unwrap();
        core.unsubscribe(jobs, Some(3));
        core.handle_bytes(b"MSG jobs 2 1\r\n1\r\n", 1);
        core.request("svc", None, b"", 60_000, 1).unwrap();
        sent(&mut core);
        events(&mut core);

        core.handle_close(10, "socket closed");
        assert_eq!(core.state(), State::Reconnecting);
        assert_eq!(
            events(&mut core),
            [Event::Disconnected { server: "ws://a:1".into(), reason: "socket closed".into() }]
        );
        core.publish("chat", None, None, b"while away").unwrap();
        let flush = core.flush().unwrap();
        assert!(sent(&mut core).is_empty(), "nothing is written while down");
        // First attempt comes right away (no jitter configured), on the next server.
        assert_eq!(core.poll_timeout(), Some(10));
        core.handle_timeout(10);
        assert_eq!(actions(&mut core), [Action::Open("ws://b:2".into())]);
        let ops = handshake(&mut core, 11);
        assert!(matches!(ops[0], ClientOp::Connect(_)));
        assert_eq!(ops[1], ClientOp::Ping);
        assert_eq!(ops[2], sub_op("chat", chat));
        assert_eq!(ops[3], ClientOp::Sub { subject: b("jobs"), queue: Some(b("w")), sid: b("2") });
        assert_eq!(ops[4], ClientOp::Unsub { sid: b("2"), max: Some(2) }, "remaining deliveries only");
        assert!(matches!(&ops[5], ClientOp::Sub { subject, .. } if subject.ends_with(b".*")), "request inbox");
        assert_eq!(ops[6], ClientOp::Pub { subject: b("chat"), reply: None, headers: None, payload: b("while away") });
        assert_eq!(ops[7], ClientOp::Ping, "the flush issued while away");
        assert_eq!(ops.len(), 8);
        assert_eq!(events(&mut core), [Event::Reconnected { server: "ws://b:2".into() }]);
        assert_eq!(core.stats().reconnects, 1);
        core.handle_bytes(b"PONG\r\n", 12);
        assert_eq!(events(&mut core), [Event::Flushed { id: flush, result: Ok(()) }]);
    }

    #[test]
    fn reconnect_backs_off_and_gives_up_after_max_attempts() {
        let o = Options {
            servers: vec!["ws://a:1".into()],
            max_reconnect_attempts: Some(3),
            reconnect_wait_ms: 100,
            reconnect_max_wait_ms: 150,
            ..opts()
        };
        let mut core = connected(o);
        core.handle_close(1000, "gone");
        events(&mut core);
        let mut opened_at = Vec::new();
        for _ in 0..3 {
            let t = core.poll_timeout().unwrap();
            core.handle_timeout(t);
            assert_eq!(actions(&mut core), [Action::Open("ws://a:1".into())]);
            opened_at.push(t);
            core.handle_close(t, "refused");
        }
        assert_eq!(opened_at, [1000, 1100, 1250], "immediate, then wait, then doubled but capped");
        assert_eq!(core.state(), State::Closed);
        let ev = events(&mut core);
        assert!(matches!(ev.last(), Some(Event::Closed { error: Some(ClientError::ConnectFailed(_)) })), "{ev:?}");
    }

    #[test]
    fn jitter_stays_within_its_bound() {
        let o = Options { servers: vec!["ws://a:1".into()], reconnect_jitter_ms: 50, ..opts() };
        let mut core = connected(o);
        core.handle_close(0, "x");
        let t = core.poll_timeout().unwrap();
        assert!(t <= 50, "{t}");
    }

    #[test]
    fn buffered_publishes_are_bounded_while_disconnected() {
        let mut core = connected(Options { reconnect_buffer_bytes: 40, ..opts() });
        core.handle_close(1, "x");
        core.publish("a", None, None, b"0123456789").unwrap();
        assert_eq!(core.publish("a", None, None, b"0123456789"), Err(ClientError::ReconnectBufferFull { limit: 40 }));
    }

    #[test]
    fn first_connect_tries_every_server_once_then_fails() {
        let mut core = Core::new(opts()).unwrap();
        core.start(0);
        assert_eq!(actions(&mut core), [Action::Open("ws://a:1".into())]);
        core.handle_close(1, "refused");
        assert_eq!(actions(&mut core), [Action::Open("ws://b:2".into())]);
        core.handle_close(2, "refused");
        assert!(actions(&mut core).is_empty());
        assert_eq!(core.state(), State::Closed);
        assert_eq!(events(&mut core), [Event::Closed { error: Some(ClientError::ConnectFailed("refused".into())) }]);
    }

    #[test]
    fn authorization_error_during_handshake_fails_the_connect() {
        let mut core = Core::new(Options { servers: vec!["ws://a:1".into()], ..opts() }).unwrap();
        core.start(0);
        actions(&mut core);
        core.handle_open(0);
        core.handle_bytes(INFO, 0);
        core.handle_bytes(b"-ERR 'Authorization Violation'\r\n", 0);
        assert_eq!(actions(&mut core), [Action::Close]);
        let ev = events(&mut core);
        assert_eq!(ev[0], Event::Error(ClientError::Server("Authorization Violation".into())));
        assert_eq!(ev[1], Event::Closed { error: Some(ClientError::ConnectFailed("Authorization Violation".into())) });
    }

    #[test]
    fn permission_errors_keep_the_connection() {
        let mut core = connected(opts());
        core.handle_bytes(b"-ERR 'Permissions Violation for Publish to \"x\"'\r\n", 1);
        assert!(actions(&mut core).is_empty());
        assert_eq!(core.state(), State::Connected);
    }

    #[test]
    fn handshake_timeout_moves_on() {
        let mut core = Core::new(Options { connect_timeout_ms: 500, ..opts() }).unwrap();
        core.start(0);
        actions(&mut core);
        core.handle_open(10);
        assert_eq!(core.poll_timeout(), Some(500));
        core.handle_timeout(500);
        assert_eq!(actions(&mut core), [Action::Close, Action::Open("ws://b:2".into())]);
    }

    #[test]
    fn unanswered_pings_make_the_connection_stale() {
        let mut core = connected(Options { ping_interval_ms: 100, max_pings_out: 2, ..opts() });
        for t in [100, 200] {
            assert_eq!(core.poll_timeout(), Some(t));
            core.handle_timeout(t);
            assert_eq!(sent(&mut core), [ClientOp::Ping]);
        }
        core.handle_timeout(300);
        assert_eq!(actions(&mut core), [Action::Close]);
        let ev = events(&mut core);
        assert_eq!(ev[0], Event::Error(ClientError::StaleConnection));
        assert!(matches!(ev[1], Event::Disconnected { .. }));
    }

    #[test]
    fn answered_pings_keep_the_connection() {
        let mut core = connected(Options { ping_interval_ms: 100, max_pings_out: 1, ..opts() });
        for t in [100, 200, 300] {
            core.handle_timeout(t);
            assert_eq!(sent(&mut core), [ClientOp::Ping]);
            core.handle_bytes(b"PONG\r\n", t);
        }
        assert!(actions(&mut core).is_empty());
    }

    #[test]
    fn slow_consumer_drops_messages_past_the_pending_limit_and_reports_once() {
        let mut core = connected(Options { pending_bytes_limit: 20, ..opts() });
        let sid = core.subscribe("s", None).unwrap();
        // Each message counts 1 (subject) + 9 (payload) = 10 bytes.
        for _ in 0..4 {
            core.handle_bytes(b"MSG s 1 9\r\n123456789\r\n", 1);
        }
        assert_eq!(
            events(&mut core),
            [Event::Ready { sid }, Event::Error(ClientError::SlowConsumer { sid, dropped: 1 })]
        );
        assert_eq!(core.pending(sid), Some((2, 20, 2)));
        core.take_message(sid);
        core.handle_bytes(b"MSG s 1 9\r\n123456789\r\n", 2);
        assert_eq!(core.pending(sid), Some((2, 20, 2)));
        assert!(events(&mut core).is_empty());
        core.handle_bytes(b"MSG s 1 9\r\n123456789\r\n", 3);
        assert_eq!(events(&mut core), [Event::Error(ClientError::SlowConsumer { sid, dropped: 3 })]);
    }

    #[test]
    fn drain_unsubscribes_then_closes_on_pong() {
        let mut core = connected(opts());
        let sid = core.subscribe("s", None).unwrap();
        let req = core.request("svc", None, b"", 1000, 0).unwrap();
        sent(&mut core);
        core.drain(5);
        assert_eq!(core.state(), State::Draining);
        let ops = sent(&mut core);
        assert_eq!(ops[0], ClientOp::Unsub { sid: b("1"), max: None });
        assert_eq!(ops[1], ClientOp::Unsub { sid: b("2"), max: None });
        assert_eq!(ops[2], ClientOp::Ping);
        assert_eq!(core.subscribe("x", None), Err(ClientError::Draining));
        core.handle_bytes(b"MSG s 1 4\r\nlast\r\nPONG\r\n", 6);
        assert_eq!(actions(&mut core), [Action::Close]);
        assert_eq!(core.state(), State::Closed);
        assert_eq!(
            events(&mut core),
            [
                Event::Ready { sid },
                Event::RequestDone { id: req, result: Err(ClientError::Closed) },
                Event::Ended { sid },
                Event::Closed { error: None },
            ]
        );
        assert_eq!(core.take_message(sid).map(|m| m.payload), Some(b("last")), "queued messages survive drain");
        assert!(core.is_finished(sid));
    }

    #[test]
    fn drain_closes_anyway_after_its_timeout() {
        let mut core = connected(Options { drain_timeout_ms: 100, ..opts() });
        core.drain(0);
        core.handle_timeout(100);
        assert_eq!(core.state(), State::Closed);
        assert_eq!(actions(&mut core), [Action::Close]);
    }

    #[test]
    fn close_fails_pending_work_and_refuses_new_calls() {
        let mut core = connected(opts());
        let sid = core.subscribe("s", None).unwrap();
        core.handle_close(1, "x");
        let f = core.flush().unwrap();
        events(&mut core);
        core.close();
        assert!(actions(&mut core).is_empty(), "no socket open to close");
        assert_eq!(
            events(&mut core),
            [
                Event::Flushed { id: f, result: Err(ClientError::Closed) },
                Event::Ended { sid },
                Event::Closed { error: None }
            ]
        );
        assert_eq!(core.publish("a", None, None, b""), Err(ClientError::Closed));
        assert_eq!(core.subscribe("a", None), Err(ClientError::Closed));
        assert_eq!(core.poll_timeout(), None, "no reconnect after close");
    }

    #[test]
    fn subscriptions_made_before_connecting_are_sent_with_the_handshake() {
        let mut core = Core::new(opts()).unwrap();
        core.start(0);
        let sid = core.subscribe("early", None).unwrap();
        core.publish("early", None, None, b"x").unwrap();
        let ops = handshake(&mut core, 1);
        assert_eq!(ops[2], sub_op("early", sid));
        assert_eq!(ops[3], ClientOp::Pub { subject: b("early"), reply: None, headers: None, payload: b("x") });
    }

    #[test]
    fn discovered_servers_join_the_list_with_the_current_scheme() {
        let mut core = Core::new(Options { servers: vec!["wss://a:1".into()], ..opts() }).unwrap();
        core.start(0);
        core.handle_open(0);
        core.handle_bytes(b"INFO {\"headers\":true,\"connect_urls\":[\"b:2\",\"a:1\"],\"ldm\":true}\r\n", 0);
        assert_eq!(core.servers(), ["wss://a:1", "wss://b:2"]);
        assert_eq!(events(&mut core), [Event::LameDuck]);
    }

    #[test]
    fn protocol_garbage_drops_the_connection() {
        let mut core = connected(opts());
        core.handle_bytes(b"BOGUS\r\n", 1);
        assert_eq!(actions(&mut core), [Action::Close]);
        let ev = events(&mut core);
        assert_eq!(ev[0], Event::Error(ClientError::Protocol(ProtoError::UnknownOp)));
    }

    #[test]
    fn inboxes_are_unique() {
        let mut core = Core::new(opts()).unwrap();
        let a = core.new_inbox();
        let b = core.new_inbox();
        assert_ne!(a, b);
        assert_eq!(a.len(), "_INBOX.".len() + 22);
    }
}
