//! Connections as monitoring and administration see them, whatever their protocol.
//!
//! Each front-end registers a [`Connection`] when a client connects and closes it when the client goes;
//! the [`Registry`] keeps the open ones by id and a ring of recently closed ones with their close reason
//! (`/connz?state=closed`). Counters on a connection are atomics written by its own tasks and read by
//! monitoring without locks; descriptive fields set once at `CONNECT` sit behind a small mutex, packed
//! into one allocation ([`Connection::meta`], [`Connection::update_meta`]).
//!
//! A front-end whose connections need timers (connect deadline, keep-alive) need not hold one timer per
//! connection: each connection's task publishes when it wants to be woken in [`Connection::wake_at`]
//! (milliseconds on [`clock_ms`]), and one task per front-end calls [`Registry::wake_due`] periodically,
//! which wakes the due ones through their outbound queue ([`Outbound::wake`]).
//!
//! A [`ConnObserver`] (the system-event service) can be registered to hear about connections that
//! completed their handshake ([`Registry::connected`], called by the front-end) and connections that
//! closed ([`Registry::remove`]), without any front-end knowing who listens.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use bytes::Bytes;
use parking_lot::Mutex;

use super::client::{ClientId, CloseReason, Kind, Subscription};
use super::outbound::Outbound;
use super::small_map::SmallMap;

/// Current time as Unix nanoseconds.
pub fn now_nanos() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

/// `at` in milliseconds on the process's monotonic clock (the first call's instant is 1 ms), the unit
/// of [`Connection::wake_at`]. Follows tokio's clock, so paused time in tests moves it too.
pub fn clock_ms(at: Instant) -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(at.saturating_duration_since(base).as_millis()).unwrap_or(u64::MAX - 1) + 1
}

/// What a client told us about itself, plus who it authenticated as.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub name: String,
    pub lang: String,
    pub version: String,
    pub user: String,
    pub account: String,
    pub mqtt_client: String,
    pub tls_version: String,
    pub tls_cipher: String,
}

impl ClientMeta {
    fn fields(&self) -> [&String; 8] {
        [
            &self.name,
            &self.lang,
            &self.version,
            &self.user,
            &self.account,
            &self.mqtt_client,
            &self.tls_version,
            &self.tls_cipher,
        ]
    }

    fn fields_mut(&mut self) -> [&mut String; 8] {
        [
            &mut self.name,
            &mut self.lang,
            &mut self.version,
            &mut self.user,
            &mut self.account,
            &mut self.mqtt_client,
            &mut self.tls_version,
            &mut self.tls_cipher,
        ]
    }
}

/// [`ClientMeta`] packed into one allocation, none while every field is empty: each field as its length
/// (`u32`, little-endian) and its bytes. Eight `String`s would take 192 bytes inline in every connection
/// plus one allocation per non-empty field; most are written once and read only by monitoring.
#[derive(Default)]
struct PackedMeta(Box<[u8]>);

impl PackedMeta {
    fn pack(meta: &ClientMeta) -> Self {
        let fields = meta.fields();
        if fields.iter().all(|f| f.is_empty()) {
            return PackedMeta::default();
        }
        let mut out = Vec::with_capacity(fields.iter().map(|f| 4 + f.len()).sum());
        for f in fields {
            let len = u32::try_from(f.len()).expect("descriptive field under 4 GiB");
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(f.as_bytes());
        }
        PackedMeta(out.into_boxed_slice())
    }

    fn unpack(&self) -> ClientMeta {
        let mut meta = ClientMeta::default();
        let mut rest = &self.0[..];
        for field in meta.fields_mut() {
            let Some((len, tail)) = rest.split_first_chunk::<4>() else { break };
            let (text, tail) = tail.split_at(u32::from_le_bytes(*len) as usize);
            *field = String::from_utf8_lossy(text).into_owned();
            rest = tail;
        }
        meta
    }
}

/// One client connection.
pub struct Connection {
    pub cid: ClientId,
    pub kind: Kind,
    pub addr: SocketAddr,
    /// Unix nanoseconds.
    pub start: i64,
    pub outbound: Arc<Outbound>,
    meta: Mutex<PackedMeta>,
    /// Subscriptions by the client's handle (NATS sid, or an MQTT front-end's own key), in handle order;
    /// a [`SmallMap`], as most connections hold one or a few.
    pub subs: Mutex<SmallMap<Bytes, Arc<Subscription>>>,
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    /// Unix nanoseconds of the last inbound or outbound activity.
    pub last_activity: AtomicI64,
    /// Round-trip time of the last server PING, nanoseconds.
    pub rtt: AtomicI64,
    /// Server PINGs sent without a PONG.
    pub pings_out: AtomicU32,
    /// When the last server PING was sent (Unix nanoseconds), for the RTT.
    pub ping_sent: AtomicI64,
    /// When the connection's task wants to be woken for its timers, on [`clock_ms`]; 0: never.
    pub wake_at: AtomicU64,
}

impl Connection {
    pub fn new(cid: ClientId, kind: Kind, addr: SocketAddr, max_pending: usize) -> Self {
        let now = now_nanos();
        Connection {
            cid,
            kind,
            addr,
            start: now,
            outbound: Arc::new(Outbound::new(max_pending)),
            meta: Mutex::new(PackedMeta::default()),
            subs: Mutex::new(SmallMap::new()),
            in_msgs: AtomicU64::new(0),
            in_bytes: AtomicU64::new(0),
            last_activity: AtomicI64::new(now),
            rtt: AtomicI64::new(0),
            pings_out: AtomicU32::new(0),
            ping_sent: AtomicI64::new(0),
            wake_at: AtomicU64::new(0),
        }
    }

    /// What the client told us about itself and who it authenticated as.
    pub fn meta(&self) -> ClientMeta {
        self.meta.lock().unpack()
    }

    /// Changes the descriptive fields (at `CONNECT`, after a TLS handshake).
    pub fn update_meta(&self, change: impl FnOnce(&mut ClientMeta)) {
        let mut packed = self.meta.lock();
        let mut meta = packed.unpack();
        change(&mut meta);
        *packed = PackedMeta::pack(&meta);
    }

    pub fn touch(&self) {
        self.last_activity.store(now_nanos(), Ordering::Relaxed);
    }

    /// A PONG arrived: the client is alive; complete the RTT measurement if a PING was outstanding.
    pub fn pong_received(&self) {
        self.pings_out.store(0, Ordering::Relaxed);
        let sent = self.ping_sent.swap(0, Ordering::Relaxed);
        if sent > 0 {
            self.rtt.store(now_nanos() - sent, Ordering::Relaxed);
        }
    }

    pub fn num_subs(&self) -> usize {
        self.subs.lock().len()
    }
}

/// A snapshot of a closed connection, kept for `/connz?state=closed`.
#[derive(Debug, Clone)]
pub struct ClosedConn {
    pub cid: ClientId,
    pub kind: Kind,
    pub addr: SocketAddr,
    pub start: i64,
    pub stop: i64,
    pub reason: CloseReason,
    pub meta: ClientMeta,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub rtt: i64,
    pub last_activity: i64,
    pub subs: Vec<(Bytes, Bytes, Option<Bytes>, u64, u64)>,
}

/// Hears about connection life-cycle events. Called on the connection's own task, so implementations
/// must only queue the news and return (never block or await).
pub trait ConnObserver: Send + Sync {
    /// The connection finished its handshake (NATS `CONNECT` or MQTT `CONNECT` accepted).
    fn connected(&self, conn: &Connection);
    /// The connection closed; `closed` is what `/connz?state=closed` keeps of it.
    fn closed(&self, closed: &ClosedConn);
}

/// Open connections by id, and the most recent closed ones.
pub struct Registry {
    open: Mutex<BTreeMap<ClientId, Arc<Connection>>>,
    closed: Mutex<VecDeque<ClosedConn>>,
    closed_capacity: usize,
    next_cid: AtomicU64,
    observer: OnceLock<Arc<dyn ConnObserver>>,
}

impl Registry {
    pub fn new(closed_capacity: usize) -> Self {
        Registry {
            open: Mutex::new(BTreeMap::new()),
            closed: Mutex::new(VecDeque::new()),
            closed_capacity,
            next_cid: AtomicU64::new(1),
            observer: OnceLock::new(),
        }
    }

    /// Registers the observer of connection events; only the first registration takes effect.
    pub fn set_observer(&self, observer: Arc<dyn ConnObserver>) -> bool {
        self.observer.set(observer).is_ok()
    }

    /// A front-end reports that `conn` completed its handshake (credentials accepted).
    pub fn connected(&self, conn: &Connection) {
        if let Some(observer) = self.observer.get() {
            observer.connected(conn);
        }
    }

    /// A fresh connection id.
    pub fn next_cid(&self) -> ClientId {
        self.next_cid.fetch_add(1, Ordering::Relaxed)
    }

    pub fn add(&self, conn: Arc<Connection>) {
        self.open.lock().insert(conn.cid, conn);
    }

    /// Moves a connection to the closed ring.
    pub fn remove(&self, conn: &Connection, reason: CloseReason) {
        self.open.lock().remove(&conn.cid);
        let observer = self.observer.get();
        if self.closed_capacity == 0 && observer.is_none() {
            return;
        }
        let out = conn.outbound.stats();
        let subs = conn
            .subs
            .lock()
            .values()
            .map(|s| (s.subject.clone(), s.sid.clone(), s.queue.clone(), s.delivered(), s.max()))
            .collect();
        let closed = ClosedConn {
            cid: conn.cid,
            kind: conn.kind,
            addr: conn.addr,
            start: conn.start,
            stop: now_nanos(),
            reason,
            meta: conn.meta(),
            in_msgs: conn.in_msgs.load(Ordering::Relaxed),
            in_bytes: conn.in_bytes.load(Ordering::Relaxed),
            out_msgs: out.msgs,
            out_bytes: out.bytes,
            rtt: conn.rtt.load(Ordering::Relaxed),
            last_activity: conn.last_activity.load(Ordering::Relaxed),
            subs,
        };
        if let Some(observer) = observer {
            observer.closed(&closed);
        }
        if self.closed_capacity == 0 {
            return;
        }
        let mut ring = self.closed.lock();
        if ring.len() == self.closed_capacity {
            ring.pop_front();
        }
        ring.push_back(closed);
    }

    /// Wakes every open connection of `kind` whose [`Connection::wake_at`] is due at `now_ms` (on
    /// [`clock_ms`]), or every one of them when `all` is set (the server is shutting down). Returns how
    /// many were woken.
    pub fn wake_due(&self, kind: Kind, now_ms: u64, all: bool) -> usize {
        let open = self.open.lock();
        let mut woken = 0;
        for conn in open.values().filter(|c| c.kind == kind) {
            let at = conn.wake_at.load(Ordering::Relaxed);
            if all || (at != 0 && at <= now_ms) {
                conn.outbound.wake();
                woken += 1;
            }
        }
        woken
    }

    pub fn get(&self, cid: ClientId) -> Option<Arc<Connection>> {
        self.open.lock().get(&cid).cloned()
    }

    /// The open connections, ordered by id.
    pub fn open(&self) -> Vec<Arc<Connection>> {
        self.open.lock().values().cloned().collect()
    }

    pub fn num_open(&self) -> usize {
        self.open.lock().len()
    }

    /// The closed ring, oldest first.
    pub fn closed(&self) -> Vec<ClosedConn> {
        self.closed.lock().iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptive_fields_round_trip_through_one_allocation() {
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let c = Connection::new(1, Kind::Mqtt, addr, 1024);
        assert!(c.meta.lock().0.is_empty(), "nothing allocated while every field is empty");
        c.update_meta(|m| {
            m.mqtt_client = "bench-1".into();
            m.account = "$G".into();
            m.version = "3.1.1".into();
        });
        c.update_meta(|m| m.tls_cipher = "TLS_AES_128_GCM_SHA256 \0 é".into());
        let meta = c.meta();
        assert_eq!(
            (meta.mqtt_client.as_str(), meta.account.as_str(), meta.version.as_str(), meta.user.as_str()),
            ("bench-1", "$G", "3.1.1", "")
        );
        assert_eq!(meta.tls_cipher, "TLS_AES_128_GCM_SHA256 \0 é");
        assert!(meta.name.is_empty() && meta.lang.is_empty() && meta.tls_version.is_empty());
        c.update_meta(|m| *m = ClientMeta::default());
        assert!(c.meta.lock().0.is_empty());
    }

    #[test]
    fn closed_ring_keeps_the_most_recent() {
        let reg = Registry::new(2);
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        for _ in 0..3 {
            let c = Arc::new(Connection::new(reg.next_cid(), Kind::Client, addr, 1024));
            reg.add(c.clone());
            reg.remove(&c, CloseReason::ClientClosed);
        }
        let closed = reg.closed();
        assert_eq!(closed.iter().map(|c| c.cid).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(reg.num_open(), 0);
    }

    #[tokio::test]
    async fn wake_due_wakes_only_due_connections_of_the_kind() {
        let reg = Registry::new(0);
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let conn = |kind, at| {
            let c = Arc::new(Connection::new(reg.next_cid(), kind, addr, 1024));
            c.wake_at.store(at, Ordering::Relaxed);
            reg.add(c.clone());
            c
        };
        let (due, later, idle, other) =
            (conn(Kind::Mqtt, 5), conn(Kind::Mqtt, 50), conn(Kind::Mqtt, 0), conn(Kind::Client, 5));
        assert_eq!(reg.wake_due(Kind::Mqtt, 10, false), 1);
        assert!(due.outbound.take().is_some_and(|b| b.is_empty() && b.closed.is_none()), "woken: an empty batch");
        for c in [&later, &idle, &other] {
            assert!(c.outbound.take().is_none(), "not woken");
        }
        assert_eq!(reg.wake_due(Kind::Mqtt, 10, true), 3, "all of the kind");
        assert!(other.outbound.take().is_none());
    }

    #[test]
    fn the_clock_is_monotonic_and_never_zero() {
        let a = clock_ms(Instant::now());
        let b = clock_ms(Instant::now() + std::time::Duration::from_millis(1500));
        assert!(a >= 1);
        assert!((1499..=1501).contains(&(b - a)), "{a} {b}");
    }
}
