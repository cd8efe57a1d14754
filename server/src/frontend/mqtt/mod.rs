//! The MQTT front-end: MQTT 3.1.1 and 5.0 clients on the NATS routing core, mapped as nats-server maps
//! them (topic `a/b` ⇄ subject `a.b`, `+` ⇄ `*`, `#` ⇄ `>`), so MQTT and NATS clients exchange messages
//! in both directions.
//!
//! Layout:
//! - this module: [`MqttSettings`], and the [`Mqtt`] service: listener, the session table by client
//!   id (takeover, expiry, delayed Wills), the retained index, and the monitoring / admin methods;
//! - `conn`: one connection's protocol state machine over the shared codec (CONNECT, PUBLISH in,
//!   SUBSCRIBE, keep-alive, errors → reason codes); [`Mqtt::serve_stream`] runs it over any byte
//!   stream, which is how MQTT over WebSocket (`/mqtt`) plugs in;
//! - `session`: the session state that outlives connections, and the core subscriber delivering to it;
//! - `qos`: in-flight windows, packet identifiers, QoS 2 exactly-once state;
//! - `retained`: the per-topic retained-message trie;
//! - `message`: the NATS headers that carry MQTT QoS and MQTT 5 properties through the core;
//! - `persist`: what survives a restart, behind the [`Persist`] trait: JetStream file stores under
//!   `<store_dir>/$MQTT` when JetStream is on, memory otherwise;
//! - `monitor`: the serializable monitoring view;
//! - `websocket`: MQTT over WebSocket, bridging an upgraded connection to [`Mqtt::serve_stream`].
//!
//! Reliability comes without JetStream consumers: a session's subscriptions stay in the sublist while
//! its client is away and QoS 1/2 messages are queued per session (persisted for persistent sessions).
//! Messages from NATS clients are delivered at the subscription's QoS, so they too are redelivered until
//! acknowledged. A user's publish and subscribe permissions are checked on the mapped subjects.
//!
//! With a `tls {}` block the listener accepts TLS only, through the same [`Tls`] acceptor as the NATS
//! client port (a handshake bounded by the block's `timeout`; `verify` requires a client certificate).
//! With `verify_and_map` the certificate names the user, as on the client port: the client is
//! authenticated as the configured user its subject or SAN maps to (user name and password in CONNECT
//! are ignored), with that user's account and permissions; a certificate that maps to no user allowed
//! on MQTT is refused with "not authorized".
//!
//! Not here: the WebSocket upgrade (the WebSocket front-end's), credentials (the server's `Auth`, which
//! also reads the `mqtt {}` block's `authorization` and `no_auth_user`), the certificate name rules
//! ([`crate::tls::cert`]), enhanced authentication (AUTH), clustering.

mod conn;
pub mod message;
pub mod monitor;
pub mod persist;
pub mod qos;
pub mod retained;
pub mod session;
pub mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tracing::{debug, info, warn};

use switchyard_shared::mqtt::{topic, ProtocolLevel, QoS, ReasonCode, Will};

use crate::config::{ConnectionType, JetStreamConfig, MqttConfig, TlsConfig};
use crate::core::conn::{clock_ms, now_nanos};
use crate::core::internal::Outbox;
use crate::core::{CloseReason, Kind, Msg};
use crate::jetstream::store::SyncPolicy;
use crate::server::{Server, StartError};
use crate::tls::{mappable_users, Tls};

pub use monitor::{ClientInfo, MqttStatus, RetainedInfo, SessionInfo, SubscriptionInfo};
pub use persist::{FilePersist, MemoryPersist, Persist, PersistError};

use retained::{Retained, RetainedIndex};
use session::{Session, Shared};

/// Session Expiry Interval meaning "never".
pub const NEVER_EXPIRES: u32 = u32::MAX;

const NANOS: i64 = 1_000_000_000;

/// Where sessions, QoS 1/2 messages and retained messages are kept.
#[derive(Clone, Default)]
pub enum Persistence {
    /// In memory: sessions outlive connections, not the process.
    #[default]
    Memory,
    /// JetStream file stores in this directory: everything survives restarts.
    Directory(std::path::PathBuf),
    /// A given implementation (tests hand the same one to successive servers to simulate restarts).
    Custom(Arc<dyn Persist>),
}

impl std::fmt::Debug for Persistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Persistence::Memory => f.write_str("Memory"),
            Persistence::Directory(d) => write!(f, "Directory({})", d.display()),
            Persistence::Custom(p) => write!(f, "Custom({})", p.kind()),
        }
    }
}

/// The MQTT listener's settings (nats-server's `mqtt {}` block plus switchyard's own limits).
#[derive(Debug, Clone)]
pub struct MqttSettings {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// How long a QoS 1/2 message sent to an MQTT 3.1.1 client waits for its acknowledgement before it
    /// is sent again with DUP (MQTT 5 forbids resending on a live connection; it resends on reconnect).
    pub ack_wait: Duration,
    /// Most QoS 1/2 messages in flight per session (further ones queue).
    pub max_ack_pending: u16,
    /// Accepted for configuration compatibility with nats-server; a single server keeps MQTT state itself.
    pub js_domain: Option<String>,
    /// Accepted for configuration compatibility with nats-server; see `js_domain`.
    pub stream_replicas: Option<usize>,
    /// Largest packet accepted from a client; `None`: the server's `max_payload` plus 64 KiB for topic
    /// and properties.
    pub max_packet_size: Option<usize>,
    /// Receive Maximum announced to MQTT 5 clients: incoming QoS 2 exchanges open at once.
    pub receive_maximum: u16,
    /// Topic aliases accepted from MQTT 5 clients (0 disables them).
    pub topic_alias_maximum: u16,
    /// Messages queued per session beyond the in-flight window (further QoS 1/2 messages are dropped).
    pub max_queued_messages: usize,
    /// Upper bound on the keep-alive a client may ask for (MQTT 5 clients are told with Server Keep
    /// Alive; 3.1.1 clients are held to it anyway).
    pub max_keep_alive: Option<u16>,
    /// How long a new connection may take to send CONNECT.
    pub connect_timeout: Duration,
    pub persistence: Persistence,
    /// The `tls {}` block: the listener speaks MQTT over TLS only (a plain-text client is dropped
    /// without a reply, as on the NATS client port). `verify` requires a client certificate signed by
    /// `ca_file`.
    pub tls: Option<TlsConfig>,
}

impl Default for MqttSettings {
    fn default() -> Self {
        MqttSettings {
            host: "0.0.0.0".into(),
            port: 1883,
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 1024,
            js_domain: None,
            stream_replicas: None,
            max_packet_size: None,
            receive_maximum: u16::MAX,
            topic_alias_maximum: 64,
            max_queued_messages: 100_000,
            max_keep_alive: None,
            connect_timeout: Duration::from_secs(10),
            persistence: Persistence::Memory,
            tls: None,
        }
    }
}

impl MqttSettings {
    /// The settings for an `mqtt {}` block. With JetStream on, MQTT state is kept in files under the
    /// JetStream store directory (`<store_dir>/$MQTT`), otherwise in memory.
    pub fn from_config(c: &MqttConfig, jetstream: Option<&JetStreamConfig>) -> Self {
        MqttSettings {
            host: c.host.clone(),
            port: c.port,
            ack_wait: c.ack_wait,
            max_ack_pending: c.max_ack_pending,
            js_domain: c.js_domain.clone(),
            stream_replicas: (c.stream_replicas > 0).then_some(c.stream_replicas),
            persistence: match jetstream {
                Some(js) => Persistence::Directory(js.store_dir.join("$MQTT")),
                None => Persistence::Memory,
            },
            tls: c.tls.clone(),
            ..MqttSettings::default()
        }
    }
}

/// What a CONNECT asks of the session table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opening<'a> {
    pub client_id: &'a str,
    pub clean_start: bool,
    pub level: ProtocolLevel,
    /// Session Expiry Interval in seconds.
    pub expiry: u32,
    /// The client's Receive Maximum.
    pub receive_maximum: u16,
}

/// Errors of the admin operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    #[error("no MQTT client with id {0:?} is connected")]
    NotConnected(String),
    #[error("no MQTT session with client id {0:?}")]
    NoSession(String),
    #[error("no retained message on topic {0:?}")]
    NoRetained(String),
}

/// The MQTT service of one server.
pub struct Mqtt {
    server: Weak<Server>,
    pub settings: MqttSettings,
    shared: Arc<Shared>,
    /// By client id (the key is the session's own `client_id`).
    sessions: Mutex<HashMap<Arc<str>, Arc<Session>>>,
    retained: RwLock<RetainedIndex>,
    /// Publishes Wills on behalf of clients that are gone.
    outbox: Mutex<Outbox>,
    listen: Mutex<Option<SocketAddr>>,
    /// The listener's TLS, when its `tls {}` block is set.
    tls: Option<Arc<Tls>>,
}

impl Mqtt {
    /// Creates the service and restores persisted sessions and retained messages.
    pub fn new(server: &Arc<Server>, settings: MqttSettings) -> Result<Arc<Mqtt>, StartError> {
        let persist: Arc<dyn Persist> = match &settings.persistence {
            Persistence::Memory => MemoryPersist::new(),
            Persistence::Directory(dir) => FilePersist::open(dir, SyncPolicy::Interval(Duration::from_secs(1)))
                .map_err(|e| StartError::Config(format!("mqtt store {}: {e}", dir.display())))?,
            Persistence::Custom(p) => p.clone(),
        };
        let tls = match &settings.tls {
            Some(config) => Some(Arc::new(Tls::new(config)?)),
            None => None,
        };
        let shared = Arc::new(Shared {
            persist: persist.clone(),
            max_ack_pending: usize::from(settings.max_ack_pending.max(1)),
            max_queued: settings.max_queued_messages,
            dropped: Default::default(),
            too_large: Default::default(),
        });
        let outbox = Outbox::new(server.router.clone(), server.registry.next_cid());
        let mqtt = Arc::new(Mqtt {
            server: Arc::downgrade(server),
            settings,
            shared,
            sessions: Mutex::new(HashMap::new()),
            retained: RwLock::new(RetainedIndex::new()),
            outbox: Mutex::new(outbox),
            listen: Mutex::new(None),
            tls,
        });
        mqtt.restore(server, persist.as_ref()).map_err(|e| StartError::Config(format!("mqtt state: {e}")))?;
        // Wills already due (their connections were open when the server stopped, without a delay) go
        // out now, before a returning client could cancel them.
        mqtt.sweep(server, now_nanos());
        Ok(mqtt)
    }

    fn restore(&self, server: &Server, persist: &dyn Persist) -> Result<(), PersistError> {
        let loaded = persist.load()?;
        let now = now_nanos();
        let mut retained = self.retained.write();
        for r in loaded.retained {
            retained.set(r);
        }
        drop(retained);
        let mut sessions = self.sessions.lock();
        for s in loaded.sessions {
            let level = if s.record.level == 5 { ProtocolLevel::V5 } else { ProtocolLevel::V311 };
            let ids = (server.registry.next_cid(), server.registry.next_cid());
            let session =
                Session::new(s.record.client_id.as_str().into(), self.shared.clone(), ids, level, s.record.expiry);
            session.restore_state(s.record.disconnected_at.unwrap_or(now));
            session.restore_subs(&server.router, &s.record.subs);
            session.restore_items(s.items);
            if let Some(rec) = &s.record.will {
                match rec.will() {
                    // A Will whose connection was open when the server stopped: the server closed that
                    // connection, so the delay counts from now (the session's expiry, from now too, may
                    // end it first).
                    Ok(will) => session.restore_will(will, rec.due_at.unwrap_or(now + i64::from(rec.delay) * NANOS)),
                    Err(e) => warn!(client_id = %s.record.client_id, error = %e, "dropping a stored Will"),
                }
            }
            sessions.insert(session.client_id.clone(), session);
        }
        if !sessions.is_empty() || !self.retained.read().is_empty() {
            info!(sessions = sessions.len(), retained = self.retained.read().len(), "restored MQTT state");
        }
        Ok(())
    }

    fn server(&self) -> Option<Arc<Server>> {
        self.server.upgrade()
    }

    /// The largest packet accepted from clients.
    pub fn max_packet_size(&self, server: &Server) -> usize {
        self.settings.max_packet_size.unwrap_or(server.config.max_payload + 64 * 1024)
    }

    /// Binds the configured listener.
    pub async fn bind(&self) -> Result<TcpListener, StartError> {
        let addr = format!("{}:{}", self.settings.host, self.settings.port);
        let listener =
            TcpListener::bind(&addr).await.map_err(|source| StartError::Bind { addr: addr.clone(), source })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
        *self.listen.lock() = Some(local);
        let scheme = if self.tls.is_some() { "mqtts" } else { "mqtt" };
        info!(addr = %local, "listening for MQTT clients on {scheme}://{local}");
        Ok(listener)
    }

    /// Releases the persistence layer (files and their lock); called once the server has stopped.
    pub fn close(&self) {
        self.shared.persist.close();
    }

    /// The bound listener address, once [`Mqtt::bind`] ran.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *self.listen.lock()
    }

    /// Accepts MQTT connections until lame duck or shutdown.
    pub async fn accept_loop(self: Arc<Self>, server: Arc<Server>, listener: TcpListener) {
        loop {
            let accepted = tokio::select! {
                _ = server.lame_duck.cancelled() => break,
                _ = server.shutdown.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, addr)) => {
                    let Ok(permit) = server.conn_limit.clone().try_acquire_owned() else {
                        warn!(%addr, "maximum connections exceeded, rejecting MQTT client");
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    // The connection's future is the task itself: no wrapper future around it (one
                    // would hold it a second time).
                    match self.tls.clone() {
                        None => {
                            let (rd, wr) = stream.into_split();
                            tokio::spawn(conn::serve(self.clone(), server.clone(), rd, wr, addr, None, permit));
                        }
                        Some(tls) => {
                            tokio::spawn(serve_tls(self.clone(), server.clone(), tls, stream, addr, permit));
                        }
                    }
                }
                Err(e) => {
                    warn!(error = %e, "MQTT accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// Serves one MQTT connection over any byte stream (TLS, or WebSocket frames already unwrapped by the
    /// WebSocket front-end for the `/mqtt` path) until it ends. `addr` is the peer's address.
    pub async fn serve_stream<S>(self: &Arc<Self>, stream: S, addr: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let Some(server) = self.server() else {
            return;
        };
        let Ok(permit) = server.conn_limit.clone().try_acquire_owned() else {
            warn!(%addr, "maximum connections exceeded, rejecting MQTT client");
            return;
        };
        let (rd, wr) = tokio::io::split(stream);
        conn::serve(self.clone(), server, rd, wr, addr, None, permit).await;
    }

    /// Runs the timers of the service until shutdown: the connections' own (connect deadline,
    /// keep-alive, MQTT 3.1.1 redelivery), by waking each connection whose
    /// [`wake_at`](crate::core::conn::Connection::wake_at) has passed, every [`Mqtt::wake_period`]; and,
    /// every 250 ms, session expiry, delayed Wills and retained-message expiry ([`Mqtt::sweep`]). At
    /// shutdown every connection is woken, to say goodbye and close.
    pub async fn run_timers(self: Arc<Self>, server: Arc<Server>) {
        const SWEEP_EVERY: Duration = Duration::from_millis(250);
        let mut tick = tokio::time::interval(self.wake_period());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_sweep = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = server.shutdown.cancelled() => {
                    server.registry.wake_due(Kind::Mqtt, 0, true);
                    break;
                }
                _ = tick.tick() => {
                    let now = tokio::time::Instant::now();
                    server.registry.wake_due(Kind::Mqtt, clock_ms(now), false);
                    if now >= next_sweep {
                        self.sweep(&server, now_nanos());
                        next_sweep = now + SWEEP_EVERY;
                    }
                }
            }
        }
    }

    /// How often connections' timers are looked at: how late, at most, a keep-alive or connect
    /// deadline is enforced. Half the redelivery wait when that is shorter, so redelivery keeps its pace.
    pub fn wake_period(&self) -> Duration {
        (self.settings.ack_wait / 2).clamp(Duration::from_millis(10), Duration::from_millis(250))
    }

    /// One pass of the timers at `now` (Unix nanoseconds).
    pub fn sweep(&self, server: &Server, now: i64) {
        let sessions: Vec<Arc<Session>> = self.sessions.lock().values().cloned().collect();
        let mut wills = Vec::new();
        for s in sessions {
            if s.expired(now) {
                // Checked again under the table lock: a client may be reconnecting right now.
                let mut sessions = self.sessions.lock();
                if s.expired(now) && sessions.get(&s.client_id).is_some_and(|t| Arc::ptr_eq(t, &s)) {
                    sessions.remove(&s.client_id);
                    drop(sessions);
                    debug!(client_id = %s.client_id, "MQTT session expired");
                    wills.extend(s.end(&server.router));
                    continue;
                }
            }
            wills.extend(s.take_due_will(now));
        }
        for w in wills {
            self.publish_will(&w);
        }
        let expired = self.retained.write().expire(now);
        for t in expired {
            if let Err(e) = self.shared.persist.clear_retained(&t) {
                warn!(topic = %t, error = %e, "cannot delete expired retained message");
            }
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Sessions.

    /// Finds or creates the session for a CONNECT and attaches `link` to it, taking over any connection
    /// attached before. Returns the session, whether an existing session was resumed, and the
    /// connection's generation in the session.
    pub(crate) fn open_session(
        &self,
        server: &Server,
        req: Opening<'_>,
        link: session::Link,
        send_connack: &mut dyn FnMut(bool),
    ) -> (Arc<Session>, bool, u64) {
        let Opening { client_id, clean_start, level, expiry, receive_maximum } = req;
        let mut wills = Vec::new();
        let mut sessions = self.sessions.lock();
        let existing = sessions.get(client_id).cloned();
        let (session, present) = match existing {
            Some(old) => {
                if let Some(taken) = old.kick(ReasonCode::SessionTakenOver, CloseReason::DuplicateClientId) {
                    info!(client_id, old_cid = taken.conn.cid, "MQTT client id reused, previous connection closed");
                    if let Some(will) = taken.will {
                        // The old connection's Will: sent now unless the session resumes within its delay.
                        let delay = will.properties.will_delay_interval.unwrap_or(0);
                        if clean_start || delay == 0 {
                            wills.push(*will);
                        }
                    }
                }
                if clean_start {
                    wills.extend(old.end(&server.router));
                    sessions.remove(client_id);
                    (None, false)
                } else {
                    old.cancel_pending_will();
                    (Some(old), true)
                }
            }
            None => (None, false),
        };
        let session = session.unwrap_or_else(|| {
            let ids = (server.registry.next_cid(), server.registry.next_cid());
            let s = Session::new(client_id.into(), self.shared.clone(), ids, level, expiry);
            sessions.insert(s.client_id.clone(), s.clone());
            s
        });
        // Still under the table lock, so the expiry sweep cannot end the session before it is attached.
        session.configure(level, expiry);
        // CONNACK goes out before anything the attached session may deliver.
        send_connack(present);
        let generation = session.attach(link, receive_maximum);
        drop(sessions);
        for w in wills {
            self.publish_will(&w);
        }
        (session, present, generation)
    }

    /// A connection detached from `session`: end a non-persistent session, schedule or publish the Will.
    pub(crate) fn connection_closed(&self, server: &Server, session: &Arc<Session>, gone: session::Detached) {
        let mut wills = Vec::new();
        if gone.expiry == 0 {
            wills.extend(gone.will.map(|w| *w));
            wills.extend(self.end_session(server, session));
        } else if let Some(will) = gone.will {
            let delay = will.properties.will_delay_interval.unwrap_or(0).min(gone.expiry);
            if delay == 0 {
                wills.push(*will);
            } else {
                session.set_pending_will(*will, now_nanos() + i64::from(delay) * NANOS);
            }
        }
        for w in wills {
            self.publish_will(&w);
        }
    }

    /// Ends a session and removes it from the table (if it is still the one there). Returns a delayed
    /// Will to publish.
    fn end_session(&self, server: &Server, session: &Arc<Session>) -> Option<Will> {
        {
            let mut sessions = self.sessions.lock();
            if sessions.get(&session.client_id).is_some_and(|s| Arc::ptr_eq(s, session)) {
                sessions.remove(&session.client_id);
            }
        }
        session.end(&server.router)
    }

    /// The session of a client id.
    pub fn session(&self, client_id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().get(client_id).cloned()
    }

    // ----------------------------------------------------------------------------------------------
    // Publishing on behalf of clients.

    /// Publishes a Will message (and retains it if asked).
    pub(crate) fn publish_will(&self, will: &Will) {
        let Ok(subject) = topic::topic_to_subject(&will.topic) else {
            warn!(topic = %will.topic, "Will topic cannot be mapped, not published");
            return;
        };
        let mut props = will.properties.clone();
        props.will_delay_interval = None;
        if will.retain {
            self.retain(&will.topic, &will.payload, will.qos, &props);
        }
        let reply = props.response_topic.as_deref().and_then(|t| topic::topic_to_subject(t).ok()).map(Bytes::from);
        let headers = message::nats_headers(will.qos, will.retain, &props);
        let subject = Bytes::from(subject);
        let mut outbox = self.outbox.lock();
        let msg = Msg { subject: &subject, reply: reply.as_ref(), headers: Some(&headers), payload: &will.payload };
        outbox.deliver_to(&subject, &msg);
        outbox.flush();
        debug!(topic = %will.topic, "published Will message");
    }

    /// Sets (or, with an empty payload, clears) the retained message of `topic`.
    pub(crate) fn retain(&self, topic: &str, payload: &Bytes, qos: QoS, props: &switchyard_shared::mqtt::Properties) {
        if payload.is_empty() {
            if self.retained.write().remove(topic).is_some() {
                if let Err(e) = self.shared.persist.clear_retained(topic) {
                    warn!(topic, error = %e, "cannot delete retained message");
                }
            }
            return;
        }
        let now = now_nanos();
        let mut props = props.clone();
        let expires_at = props.message_expiry_interval.take().map(|s| now + i64::from(s) * 1_000_000_000);
        props.topic_alias = None;
        props.subscription_identifiers.clear();
        let msg =
            Retained { topic: topic.to_owned(), payload: payload.clone(), qos, props, expires_at, stored_at: now };
        if let Err(e) = self.shared.persist.set_retained(&msg) {
            warn!(topic, error = %e, "cannot persist retained message");
        }
        self.retained.write().set(msg);
    }

    /// Retained messages matching an MQTT filter (not a shared one).
    pub(crate) fn retained_matching(&self, filter: &str) -> Vec<Retained> {
        self.retained.read().matching(filter).into_iter().cloned().collect()
    }

    // ----------------------------------------------------------------------------------------------
    // Monitoring.

    /// Totals.
    pub fn status(&self) -> MqttStatus {
        let sessions: Vec<Arc<Session>> = self.sessions.lock().values().cloned().collect();
        let retained = self.retained.read();
        MqttStatus {
            listen: self.local_addr().map(|a| a.to_string()),
            clients: sessions.iter().filter(|s| s.is_connected()).count(),
            sessions: sessions.len(),
            persistent_sessions: sessions.iter().filter(|s| s.is_persistent()).count(),
            retained_topics: retained.len(),
            retained_bytes: retained.bytes(),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            too_large: self.shared.too_large.load(Ordering::Relaxed),
            persistence: self.shared.persist.kind(),
        }
    }

    /// The connected MQTT clients, by connection id.
    pub fn clients(&self) -> Vec<ClientInfo> {
        let Some(server) = self.server() else {
            return Vec::new();
        };
        let levels: HashMap<u64, u8> = self
            .sessions
            .lock()
            .values()
            .filter_map(|s| {
                let i = s.info();
                i.cid.map(|cid| (cid, i.protocol_level))
            })
            .collect();
        server
            .registry
            .open()
            .into_iter()
            .filter(|c| c.kind == Kind::Mqtt)
            .filter_map(|c| {
                let meta = c.meta();
                if meta.mqtt_client.is_empty() {
                    return None;
                }
                let out = c.outbound.stats();
                Some(ClientInfo {
                    client_id: meta.mqtt_client,
                    cid: c.cid,
                    ip: c.addr.ip().to_string(),
                    port: c.addr.port(),
                    protocol_level: levels.get(&c.cid).copied().unwrap_or(0),
                    user: meta.user,
                    start: c.start,
                    last_activity: c.last_activity.load(Ordering::Relaxed),
                    in_msgs: c.in_msgs.load(Ordering::Relaxed),
                    in_bytes: c.in_bytes.load(Ordering::Relaxed),
                    out_msgs: out.msgs,
                    out_bytes: out.bytes,
                    subscriptions: c.num_subs(),
                })
            })
            .collect()
    }

    /// Every session, connected or not, by client id.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let sessions: Vec<Arc<Session>> = self.sessions.lock().values().cloned().collect();
        let mut infos: Vec<SessionInfo> = sessions.iter().map(|s| s.info()).collect();
        infos.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        infos
    }

    /// One session.
    pub fn session_info(&self, client_id: &str) -> Option<SessionInfo> {
        self.session(client_id).map(|s| s.info())
    }

    /// Retained topics, sorted.
    pub fn retained(&self) -> Vec<RetainedInfo> {
        let idx = self.retained.read();
        let mut all: Vec<RetainedInfo> = idx
            .all()
            .into_iter()
            .map(|r| RetainedInfo {
                topic: r.topic.clone(),
                qos: r.qos.as_u8(),
                bytes: r.payload.len(),
                stored_at: r.stored_at,
                expires_at: r.expires_at,
            })
            .collect();
        all.sort_by(|a, b| a.topic.cmp(&b.topic));
        all
    }

    // ----------------------------------------------------------------------------------------------
    // Administration.

    /// Disconnects a client (MQTT 5 clients are told "administrative action"). Its session stays as its
    /// expiry says; its Will is published.
    pub fn kick(&self, client_id: &str) -> Result<(), AdminError> {
        let session = self.session(client_id).ok_or_else(|| AdminError::NotConnected(client_id.to_owned()))?;
        let link = session
            .kick(ReasonCode::AdministrativeAction, CloseReason::Kicked)
            .ok_or_else(|| AdminError::NotConnected(client_id.to_owned()))?;
        info!(client_id, cid = link.conn.cid, "MQTT client kicked");
        if let Some(server) = self.server() {
            let expiry = session.expiry();
            self.connection_closed(&server, &session, session::Detached { will: link.will, expiry });
        }
        Ok(())
    }

    /// Deletes a session, disconnecting its client if connected (without publishing its Will).
    pub fn delete_session(&self, client_id: &str) -> Result<(), AdminError> {
        let session = self.session(client_id).ok_or_else(|| AdminError::NoSession(client_id.to_owned()))?;
        session.kick(ReasonCode::AdministrativeAction, CloseReason::Kicked);
        if let Some(server) = self.server() {
            self.end_session(&server, &session);
        }
        info!(client_id, "MQTT session deleted");
        Ok(())
    }

    /// Clears the retained message of `topic`.
    pub fn clear_retained(&self, topic: &str) -> Result<(), AdminError> {
        if self.retained.write().remove(topic).is_none() {
            return Err(AdminError::NoRetained(topic.to_owned()));
        }
        if let Err(e) = self.shared.persist.clear_retained(topic) {
            warn!(topic, error = %e, "cannot delete retained message");
        }
        info!(topic, "retained message cleared");
        Ok(())
    }
}

/// Runs the TLS handshake on an accepted connection, then serves MQTT over it.
async fn serve_tls(
    mqtt: Arc<Mqtt>,
    server: Arc<Server>,
    tls: Arc<Tls>,
    stream: tokio::net::TcpStream,
    addr: SocketAddr,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    match tls.accept(stream).await {
        Ok(stream) => {
            let cert_user = tls.cert_user(stream.get_ref().1, &mappable_users(&server.config, ConnectionType::Mqtt));
            let (rd, wr) = tokio::io::split(stream);
            conn::serve(mqtt, server, rd, wr, addr, cert_user, permit).await;
        }
        Err(e) => debug!(%addr, error = %e, "MQTT TLS handshake failed"),
    }
}

/// The `mqtt` block of `/varz` (with the address actually bound) and `/mqttz`.
impl crate::monitor::MqttMonitor for Mqtt {
    fn varz(&self) -> switchyard_shared::api::monitor::MqttOptsVarz {
        let server = self.server();
        let config = server.as_ref().and_then(|s| s.config.mqtt.clone());
        let addr = self.local_addr();
        switchyard_shared::api::monitor::MqttOptsVarz {
            host: addr.map_or_else(|| self.settings.host.clone(), |a| a.ip().to_string()),
            port: i64::from(addr.map_or(self.settings.port, |a| a.port())),
            no_auth_user: config.as_ref().and_then(|c| c.no_auth_user.clone()).unwrap_or_default(),
            auth_timeout: server.as_ref().map_or(0.0, |s| s.config.auth_timeout.as_secs_f64()),
            js_domain: self.settings.js_domain.clone().unwrap_or_default(),
            ack_wait: i64::try_from(self.settings.ack_wait.as_nanos()).unwrap_or(i64::MAX),
            max_ack_pending: self.settings.max_ack_pending,
            ..Default::default()
        }
    }

    fn status(&self) -> MqttStatus {
        Mqtt::status(self)
    }

    fn clients(&self) -> Vec<ClientInfo> {
        Mqtt::clients(self)
    }

    fn sessions(&self) -> Vec<SessionInfo> {
        Mqtt::sessions(self)
    }

    fn retained(&self) -> Vec<RetainedInfo> {
        Mqtt::retained(self)
    }

    fn admin(&self, action: &crate::monitor::MqttAdmin) -> Result<(), String> {
        use crate::monitor::MqttAdmin;
        match action {
            MqttAdmin::Kick { client_id } => self.kick(client_id),
            MqttAdmin::DeleteSession { client_id } => self.delete_session(client_id),
            MqttAdmin::ClearRetained { topic } => self.clear_retained(topic),
        }
        .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mqtt_block_maps_onto_settings() {
        let block = MqttConfig {
            port: 1884,
            ack_wait: Duration::from_secs(5),
            max_ack_pending: 10,
            stream_replicas: 3,
            ..MqttConfig::default()
        };
        let js = JetStreamConfig { store_dir: "/data/js".into(), ..JetStreamConfig::default() };
        let s = MqttSettings::from_config(&block, Some(&js));
        assert_eq!(
            (s.port, s.ack_wait, s.max_ack_pending, s.stream_replicas),
            (1884, Duration::from_secs(5), 10, Some(3))
        );
        assert!(matches!(s.persistence, Persistence::Directory(d) if d == std::path::Path::new("/data/js/$MQTT")));
        assert!(matches!(MqttSettings::from_config(&block, None).persistence, Persistence::Memory));
        assert!(s.tls.is_none());
    }
}
