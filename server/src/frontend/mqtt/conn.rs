//! One MQTT connection, served by one task: it decodes packets with the shared codec and answers them,
//! and writes what the connection's outbound queue gathers ([`Writer`]), both in one `select!` loop. The
//! routing core never waits for it: deliveries are appended to the queue, and a slow socket only delays
//! this connection (or ends it, past the write deadline or the pending-bytes limit).
//!
//! The first packet must be CONNECT (within `connect_timeout`); it authenticates the client, opens or
//! resumes its session (taking over an existing connection with the same client id) and is answered
//! with CONNACK. Afterwards the task routes PUBLISH through the core (QoS 1 → PUBACK, QoS 2 →
//! PUBREC … PUBCOMP with exactly-once routing), handles SUBSCRIBE / UNSUBSCRIBE on the session, passes
//! acknowledgements of the session's own deliveries to it, and enforces keep-alive (nothing heard for
//! 1.5 × the keep-alive closes the connection). The task holds no timer of its own: it publishes its next
//! deadline in [`Connection::wake_at`], and the service's sweep (`Mqtt::run_timers`) wakes it through its
//! outbound queue once that has passed (so deadlines are kept to within the sweep's period).
//!
//! An idle connection holds no read buffer: on plain TCP the task waits for the socket to become
//! readable before it allocates one ([`ReadSide`]), and drops it whenever every byte read was consumed;
//! the write state is allocated only while a write is under way, the publish context at the first
//! PUBLISH. Memory per connected client stays small (see BENCHMARKS.md, 10k connections).
//!
//! Bad input is answered as the specification asks: before CONNECT is accepted with a CONNACK reason
//! (MQTT 5) or return code (3.1.1) where one exists, afterwards with DISCONNECT and a reason code (MQTT
//! 5) or by closing (3.1.1); every such event is logged.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tracing::{debug, warn};

use switchyard_shared::mqtt::topic;
use switchyard_shared::mqtt::{
    self, ConnAck, Connect, Disconnect, MqttError, Packet, Properties, ProtocolLevel, PubResponse, Publish, QoS,
    ReasonCode, RetainHandling, SubAck, Subscribe, UnsubAck, Unsubscribe,
};
use switchyard_shared::op::ConnectInfo;

use super::message;
use super::session::{self, Link, PubRecOutcome, Session};
use super::{Mqtt, Opening, NEVER_EXPIRES};
use crate::auth::{Identity, Permissions};
use crate::core::conn::{clock_ms, Connection};
use crate::core::outbound::{Batch, Outbound};
use crate::core::{CloseReason, Kind, Msg, PublishCtx};
use crate::frontend::tcp::write_chunks;
use crate::server::Server;
use crate::tls::CertUser;

/// Read buffer allocated when data arrives, and grown by when less than `READ_SPARE` is left.
const READ_CHUNK: usize = 4096;
const READ_SPARE: usize = 1024;

/// The read side of a connection. Plain TCP can wait for data before a buffer is allocated, so that
/// an idle connection holds none; other streams (TLS, the WebSocket bridge) are read directly.
pub(super) trait ReadSide: AsyncRead + Unpin + Send {
    /// Ready when a read would find data or the end of the stream. A poll function rather than a
    /// future: waiting keeps the waker in the socket's registration, not a future in the task.
    fn poll_readable(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>>;
}

impl ReadSide for tokio::net::tcp::OwnedReadHalf {
    fn poll_readable(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let stream: &tokio::net::TcpStream = self.as_ref();
        stream.poll_read_ready(cx)
    }
}

impl<T: AsyncRead + Send> ReadSide for tokio::io::ReadHalf<T> {
    fn poll_readable(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reads more into `buf`, allocating it only once the stream has something to read. Built on a poll
/// function, so waiting holds two references in the connection's future and nothing else.
fn fill<'a, R: ReadSide>(
    rd: &'a mut R,
    buf: &'a mut BytesMut,
) -> impl Future<Output = std::io::Result<usize>> + Send + 'a {
    std::future::poll_fn(move |cx| {
        if buf.capacity() == 0 {
            std::task::ready!(rd.poll_readable(cx))?;
        }
        if buf.capacity() - buf.len() < READ_SPARE {
            buf.reserve(READ_CHUNK);
        }
        tokio_util::io::poll_read_buf(Pin::new(&mut *rd), cx, buf)
    })
}

/// Serves one connection to the end. `cert_user` is whom the client certificate names on a TLS listener
/// with `verify_and_map`; `permit` is the connection's place under the server's connection limit, held
/// until the connection is gone.
///
/// Registers the connection at once and returns the future that serves it. That future holds the
/// connection's state as one value used in place ([`Task`]) and waits on nothing but the socket and the
/// outbound queue: timers (connect deadline, keep-alive, redelivery) are the service's sweep, which
/// wakes the connection through its queue when [`Connection::wake_at`] is due, and so is server
/// shutdown. A spawned connection costs one task allocation of about a kilobyte or less.
pub(super) fn serve<R, W>(
    mqtt: Arc<Mqtt>,
    server: Arc<Server>,
    rd: R,
    wr: W,
    addr: SocketAddr,
    cert_user: Option<CertUser>,
    permit: OwnedSemaphorePermit,
) -> impl Future<Output = ()> + Send + 'static
where
    R: ReadSide + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    server.stats.total_connections.fetch_add(1, Ordering::Relaxed);
    let conn = Arc::new(Connection::new(server.registry.next_cid(), Kind::Mqtt, addr, server.config.max_pending));
    server.registry.add(conn.clone());
    debug!(cid = conn.cid, %addr, "MQTT client connected");
    let writer = Writer::new(wr, server.config.write_deadline);
    let handler = Handler::new(mqtt, server, conn, cert_user);
    Task { handler, writer, rd, _permit: permit }.run()
}

/// Everything one connection's task holds, moved into its future once and used in place there (values
/// passed to an `async fn` one by one would each keep a slot in the future after being moved on).
struct Task<R, W> {
    handler: Handler,
    writer: Writer<W>,
    rd: R,
    _permit: OwnedSemaphorePermit,
}

impl<R, W> Task<R, W>
where
    R: ReadSide,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Not an `async fn`: its `mut self` would be moved into a second copy inside the future; the block
    /// uses the one it captured in place.
    #[allow(clippy::manual_async_fn, reason = "an async fn would hold `self` twice")]
    fn run(mut self) -> impl Future<Output = ()> + Send {
        async move {
            let reason = self.handler.run(&mut self.rd, &mut self.writer).await;
            // Boxed: the closing write and its timer would otherwise take room in every
            // connection's future for all of its life.
            Box::pin(async move {
                let conn = self.handler.conn.clone();
                debug!(cid = conn.cid, %reason, "MQTT client closing");
                self.handler.finish(reason);
                let deadline = self.writer.deadline;
                let _ = tokio::time::timeout(deadline, self.writer.drain(&conn.outbound)).await;
            })
            .await;
        }
    }
}

/// The write side of a connection, driven by the connection's own task next to its reads: it takes
/// what the outbound queue gathered and writes it. Producers never wait for it (they only append to the
/// queue), so a slow socket delays this connection alone.
struct Writer<W> {
    /// The socket's write half while no write is under way; `None` once the connection ended.
    wr: Option<W>,
    /// The write under way. Boxed, so an idle connection holds none of its state; kept across
    /// [`Writer::step`] calls, so a write interrupted by a read resumes where it was.
    writing: Option<Pin<Box<dyn Future<Output = WriteDone<W>> + Send>>>,
    deadline: Duration,
    /// The last [`Writer::step`] returned because the task was woken, with nothing to write.
    woken: bool,
}

/// What one batch write left: the write half back, bytes written, and the end of the connection when
/// the write failed or the queue was closed.
struct WriteDone<W> {
    wr: W,
    written: usize,
    end: Option<CloseReason>,
}

impl<W: AsyncWrite + Unpin + Send + 'static> Writer<W> {
    fn new(wr: W, deadline: Duration) -> Self {
        Writer { wr: Some(wr), writing: None, deadline, woken: false }
    }

    /// Writes the next batch, waiting for one when no write is under way; returns early, with nothing
    /// written, when the task was woken for its timers ([`Outbound::wake`]). Returns the close reason
    /// once the connection must end (the queue was closed, or the write failed or missed the deadline).
    /// Cancel-safe: a batch, once taken from the queue, is written by this or a later call.
    async fn step(&mut self, outbound: &Outbound) -> Option<CloseReason> {
        if self.writing.is_none() {
            if self.wr.is_none() {
                return std::future::pending().await;
            }
            // The write half is taken only once a batch is in hand: a call cancelled while it waits
            // must leave it in place.
            let batch = std::future::poll_fn(|cx| outbound.poll_next_batch(cx)).await;
            if batch.is_empty() && batch.closed.is_none() {
                // Woken for the connection's timers, nothing to write.
                self.woken = true;
                return None;
            }
            let wr = self.wr.take().expect("checked above");
            self.writing = Some(Box::pin(write_batch(wr, batch, self.deadline)));
        }
        let done = self.writing.as_mut()?.await;
        self.writing = None;
        if done.written > 0 {
            outbound.written(done.written);
        }
        match done.end {
            Some(reason) => {
                outbound.close(reason);
                Some(reason)
            }
            None => {
                self.wr = Some(done.wr);
                None
            }
        }
    }

    /// Once the connection ended (its queue is closed): writes what is still queued and closes the socket.
    async fn drain(&mut self, outbound: &Outbound) {
        while self.wr.is_some() || self.writing.is_some() {
            if self.step(outbound).await.is_some() {
                return;
            }
        }
    }
}

/// Writes one batch under the write deadline; shuts the socket down when the batch closes the queue.
async fn write_batch<W: AsyncWrite + Unpin>(mut wr: W, batch: Batch, deadline: Duration) -> WriteDone<W> {
    let written = batch.len();
    if written > 0 {
        let end = match tokio::time::timeout(deadline, write_chunks(&mut wr, &batch.chunks)).await {
            Ok(Ok(())) => None,
            Ok(Err(_)) => Some(CloseReason::WriteError),
            Err(_) => Some(CloseReason::SlowConsumerWriteDeadline),
        };
        if end.is_some() {
            return WriteDone { wr, written: 0, end };
        }
    }
    if let Some(reason) = batch.closed {
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
        return WriteDone { wr, written, end: Some(reason) };
    }
    WriteDone { wr, written, end: None }
}

/// Protocol state of one connection.
struct Handler {
    mqtt: Arc<Mqtt>,
    server: Arc<Server>,
    conn: Arc<Connection>,
    /// Set once CONNECT is accepted.
    level: Option<ProtocolLevel>,
    session: Option<Arc<Session>>,
    generation: u64,
    /// The session's client id once CONNECT is accepted (the same allocation).
    client_id: Arc<str>,
    /// The router context of the client's publishes, made at its first PUBLISH (boxed: a client that
    /// only subscribes never needs its caches).
    ctx: Option<Box<PublishCtx>>,
    /// How long the connection may stay silent (1.5 × the keep-alive), in milliseconds; 0: forever.
    silence_ms: u64,
    /// Session Expiry Interval given in CONNECT (a DISCONNECT may not raise it from 0).
    connect_expiry: u32,
    /// Topic aliases the client set up (MQTT 5; boxed, as few clients use them).
    #[allow(clippy::box_collection, reason = "one pointer instead of an empty map inline in every connection")]
    aliases: Option<Box<HashMap<u16, String>>>,
    /// Whom the client certificate names (`verify_and_map`); boxed, as most listeners do not map.
    cert_user: Option<Box<CertUser>>,
    /// The user's permissions, checked on the mapped subjects; `None` allows everything.
    permissions: Option<Arc<Permissions>>,
    flush_self: bool,
    /// Packets and bytes of PUBLISH read in the current batch (one read's worth).
    batch_msgs: u32,
    batch_bytes: u64,
}

/// How a packet ended the connection: already answered, close with this reason.
type Close = CloseReason;

impl Handler {
    fn new(mqtt: Arc<Mqtt>, server: Arc<Server>, conn: Arc<Connection>, cert_user: Option<CertUser>) -> Self {
        Handler {
            ctx: None,
            mqtt,
            server,
            conn,
            level: None,
            session: None,
            generation: 0,
            client_id: Arc::from(""),
            silence_ms: 0,
            connect_expiry: 0,
            aliases: None,
            cert_user: cert_user.map(Box::new),
            permissions: None,
            flush_self: false,
            batch_msgs: 0,
            batch_bytes: 0,
        }
    }

    /// Reads and answers packets, and writes what the outbound queue gathers, until the connection ends.
    ///
    /// The timers are checked whenever the task wakes: for a packet, for a write, or because the
    /// service's sweep found [`Connection::wake_at`] due (the task publishes its next deadline there
    /// before it waits) or the server is shutting down.
    async fn run<R, W>(&mut self, rd: &mut R, writer: &mut Writer<W>) -> CloseReason
    where
        R: ReadSide,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let mut buf = BytesMut::new();
        // Times in milliseconds on `clock_ms` (8 bytes each in the future instead of 16 for an Instant).
        let connect_deadline = clock_ms(Instant::now() + self.mqtt.settings.connect_timeout);
        // The redelivery tick of an MQTT 3.1.1 connection (MQTT 5 does not resend on a live
        // connection): set after a write, kept while messages wait for their acknowledgement; 0: none.
        let mut next_tick = 0;
        let mut last_read = clock_ms(Instant::now());
        let mut check_shutdown = true;
        loop {
            // Checked at the start and when the sweep woke the task (the shutdown wakes every
            // connection), not on every packet: the token's state sits behind a lock shared by all.
            if check_shutdown && self.server.shutdown.is_cancelled() {
                self.disconnect(ReasonCode::ServerShuttingDown, "server shutting down");
                return CloseReason::ServerShutdown;
            }
            check_shutdown = false;
            let now = clock_ms(Instant::now());
            let deadline = match (self.level, self.silence_ms) {
                (None, _) => Some(connect_deadline),
                (Some(_), 0) => None,
                (Some(_), silence) => Some(last_read + silence),
            };
            if deadline.is_some_and(|d| now >= d) {
                if self.level.is_none() {
                    warn!(cid = self.conn.cid, "MQTT client sent no CONNECT in time");
                    return CloseReason::AuthenticationTimeout;
                }
                warn!(cid = self.conn.cid, client_id = %self.client_id, "MQTT keep-alive timeout");
                self.disconnect(ReasonCode::KeepAliveTimeout, "keep alive timeout");
                return CloseReason::StaleConnection;
            }
            if next_tick != 0 && now >= next_tick {
                next_tick = if self.on_tick() { now + self.tick_ms() } else { 0 };
            }
            let wake = match (deadline, next_tick) {
                (Some(d), 0) => d,
                (Some(d), t) => d.min(t),
                (None, t) => t,
            };
            self.conn.wake_at.store(wake, Ordering::Relaxed);
            tokio::select! {
                read = fill(rd, &mut buf) => {
                    match read {
                        Ok(0) => return CloseReason::ClientClosed,
                        Ok(_) => {}
                        Err(_) => return CloseReason::ReadError,
                    }
                    last_read = clock_ms(Instant::now());
                    self.conn.touch();
                    if let Err(reason) = self.process(&mut buf) {
                        return reason;
                    }
                    if buf.is_empty() {
                        buf = BytesMut::new();
                    }
                }
                end = writer.step(&self.conn.outbound) => {
                    if let Some(reason) = end {
                        // Packets that arrived before the queue closed (a PUBLISH just before a takeover
                        // or an administrative kick) are still handled, as when they win the race.
                        // Boxed: rarely needed, it need not take room in every connection's future.
                        Box::pin(self.process_arrived(rd, &mut buf)).await;
                        return reason;
                    }
                    check_shutdown = std::mem::take(&mut writer.woken);
                    if next_tick == 0 && self.level == Some(ProtocolLevel::V311) {
                        next_tick = clock_ms(Instant::now()) + self.tick_ms();
                    }
                }
            }
        }
    }

    /// How often an MQTT 3.1.1 connection with unacknowledged messages looks for redeliveries, in
    /// milliseconds.
    fn tick_ms(&self) -> u64 {
        let every = (self.mqtt.settings.ack_wait / 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
        every.as_millis() as u64
    }

    /// Reads and handles what the socket already holds, without waiting for more.
    async fn process_arrived<R: ReadSide>(&mut self, rd: &mut R, buf: &mut BytesMut) {
        loop {
            let read = tokio::select! {
                biased;
                read = fill(rd, buf) => read,
                () = std::future::ready(()) => return,
            };
            if !matches!(read, Ok(n) if n > 0) || self.process(buf).is_err() {
                return;
            }
        }
    }

    /// Handles every complete packet in `buf`.
    fn process(&mut self, buf: &mut BytesMut) -> Result<(), Close> {
        let result = loop {
            match mqtt::decode(buf, self.level, self.max_packet_size()) {
                Ok(Some(packet)) => {
                    if let Err(reason) = self.handle(packet) {
                        break Err(reason);
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(self.decode_error(&e, buf)),
            }
        };
        self.end_batch();
        result
    }

    fn end_batch(&mut self) {
        if let Some(ctx) = self.ctx.as_deref_mut() {
            self.server.router.finish(ctx);
            // MQTT publishers are not paused for stalled subscribers: forget them.
            drop(ctx.take_stalled());
        }
        if self.batch_msgs > 0 {
            self.conn.in_msgs.fetch_add(u64::from(self.batch_msgs), Ordering::Relaxed);
            self.conn.in_bytes.fetch_add(self.batch_bytes, Ordering::Relaxed);
            self.server.stats.add_in(u64::from(self.batch_msgs), self.batch_bytes);
            self.batch_msgs = 0;
            self.batch_bytes = 0;
        }
        if std::mem::take(&mut self.flush_self) {
            self.conn.outbound.flush();
        }
    }

    fn decode_error(&mut self, e: &MqttError, buf: &BytesMut) -> Close {
        warn!(cid = self.conn.cid, client_id = %self.client_id, error = %e, "MQTT protocol error");
        let Some(level) = self.level else {
            if e.closes_without_connack() {
                return CloseReason::BadClientProtocolVersion;
            }
            if mqtt::connect_protocol_level(buf) == Some(5) {
                let properties = Properties { reason_string: Some(e.to_string()), ..Properties::default() };
                self.send_at(ProtocolLevel::V5, &connack(false, e.reason_code(), properties));
            } else if let Some(rc) = e.connect_return_code() {
                self.send_at(ProtocolLevel::V311, &connack(false, rc.to_reason(), Properties::default()));
            }
            return match e {
                MqttError::UnsupportedProtocolLevel(_) => CloseReason::BadClientProtocolVersion,
                MqttError::PacketTooLarge { .. } => CloseReason::MaxPayloadExceeded,
                _ => CloseReason::ProtocolViolation,
            };
        };
        if level == ProtocolLevel::V5 {
            self.disconnect(e.reason_code(), &e.to_string());
        }
        match e {
            MqttError::PacketTooLarge { .. } => CloseReason::MaxPayloadExceeded,
            _ => CloseReason::ProtocolViolation,
        }
    }

    fn handle(&mut self, packet: Packet) -> Result<(), Close> {
        let kind = packet.packet_type();
        match packet {
            Packet::Connect(c) => return self.handle_connect(*c),
            Packet::Publish(p) => return self.handle_publish(p),
            Packet::PubAck(r) => {
                if self.session().puback(r.packet_id) {
                    self.flush_self = true;
                }
            }
            Packet::PubRec(r) => {
                if r.reason.is_error() {
                    // The client refused the message: the exchange ends here (MQTT 5 §4.3.3).
                    self.session().pubrec_refused(r.packet_id);
                } else if self.session().pubrec(r.packet_id) == PubRecOutcome::Unknown {
                    debug!(cid = self.conn.cid, pid = r.packet_id, "PUBREC for unknown packet identifier");
                }
                self.flush_self = true;
            }
            Packet::PubRel(r) => {
                let known = self.session().incoming_release(r.packet_id);
                let reason = if known { ReasonCode::Success } else { ReasonCode::PacketIdentifierNotFound };
                self.send(&Packet::PubComp(PubResponse {
                    packet_id: r.packet_id,
                    reason,
                    properties: Default::default(),
                }));
            }
            Packet::PubComp(r) => {
                if self.session().pubcomp(r.packet_id) {
                    self.flush_self = true;
                }
            }
            Packet::Subscribe(s) => return self.handle_subscribe(s),
            Packet::Unsubscribe(u) => self.handle_unsubscribe(u),
            Packet::PingReq => self.send(&Packet::PingResp),
            Packet::Disconnect(d) => return self.handle_disconnect(d),
            Packet::Auth(_) | Packet::ConnAck(_) | Packet::SubAck(_) | Packet::UnsubAck(_) | Packet::PingResp => {
                warn!(cid = self.conn.cid, client_id = %self.client_id, packet = %kind, "MQTT client sent a server packet");
                self.disconnect(ReasonCode::ProtocolError, &format!("{kind} is not sent by clients"));
                return Err(CloseReason::ProtocolViolation);
            }
        }
        Ok(())
    }

    fn session(&self) -> &Arc<Session> {
        self.session.as_ref().expect("packets after CONNECT only")
    }

    /// The largest packet the client may send (not kept in the handler: it is the same for every
    /// connection of the service).
    fn max_packet_size(&self) -> usize {
        self.mqtt.max_packet_size(&self.server)
    }

    fn level(&self) -> ProtocolLevel {
        self.level.unwrap_or(ProtocolLevel::V311)
    }

    fn send(&mut self, packet: &Packet) {
        let level = self.level();
        self.send_at(level, packet);
    }

    fn send_at(&mut self, level: ProtocolLevel, packet: &Packet) {
        if session::send_to(&self.conn, level, packet) {
            self.flush_self = true;
        }
    }

    /// Tells an MQTT 5 client why it is being disconnected, with a reason string (3.1.1 has no way to
    /// say it).
    fn disconnect(&mut self, reason: ReasonCode, why: &str) {
        if self.level == Some(ProtocolLevel::V5) {
            let properties = Properties { reason_string: Some(why.to_owned()), ..Properties::default() };
            self.send(&Packet::Disconnect(Disconnect { reason, properties }));
            self.conn.outbound.flush();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // CONNECT.

    fn refuse(&mut self, level: ProtocolLevel, reason: ReasonCode, close: CloseReason, why: &str) -> Result<(), Close> {
        warn!(cid = self.conn.cid, client_id = %self.client_id, reason = ?reason, "MQTT CONNECT refused: {why}");
        let properties = Properties { reason_string: Some(why.to_owned()), ..Properties::default() };
        self.send_at(level, &connack(false, reason, properties));
        self.conn.outbound.flush();
        Err(close)
    }

    fn handle_connect(&mut self, c: Connect) -> Result<(), Close> {
        let level = c.protocol_level;
        let v5 = level == ProtocolLevel::V5;
        self.client_id = c.client_id.as_str().into();
        if v5 && c.properties.authentication_method.is_some() {
            return self.refuse(
                level,
                ReasonCode::BadAuthenticationMethod,
                CloseReason::AuthenticationViolation,
                "enhanced authentication is not supported",
            );
        }
        let mut assigned = None;
        if c.client_id.is_empty() {
            if !v5 && !c.clean_start {
                return self.refuse(
                    level,
                    ReasonCode::ClientIdentifierNotValid,
                    CloseReason::ProtocolViolation,
                    "empty client id without clean session",
                );
            }
            let id = assign_client_id();
            self.client_id = id.as_str().into();
            if v5 {
                assigned = Some(id);
            }
        }
        let identity = match self.authenticate(&c) {
            Ok(identity) => identity,
            Err(reason) => {
                // nats-server answers bad credentials with return code 5 on 3.1.1.
                let reason = if v5 { reason } else { ReasonCode::NotAuthorized };
                return self.refuse(level, reason, CloseReason::AuthenticationViolation, "bad credentials");
            }
        };
        if let Some(w) = &c.will {
            if topic::topic_to_subject(&w.topic).is_err() {
                if v5 {
                    return self.refuse(
                        level,
                        ReasonCode::TopicNameInvalid,
                        CloseReason::ProtocolViolation,
                        "bad Will topic",
                    );
                }
                warn!(cid = self.conn.cid, topic = %w.topic, "MQTT Will topic cannot be mapped, closing");
                return Err(CloseReason::ProtocolViolation);
            }
        }
        let mut keep_alive = c.keep_alive;
        let mut server_keep_alive = None;
        if let Some(max) = self.mqtt.settings.max_keep_alive {
            if keep_alive == 0 || keep_alive > max {
                keep_alive = max;
                server_keep_alive = v5.then_some(max);
            }
        }
        self.silence_ms = u64::from(keep_alive) * 1500;
        let expiry = if v5 {
            c.properties.session_expiry_interval.unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            NEVER_EXPIRES
        };
        self.connect_expiry = expiry;
        let (max_out, receive_max, alias_max) = if v5 {
            (
                c.properties.maximum_packet_size.map_or(usize::MAX, |v| v as usize),
                c.properties.receive_maximum.unwrap_or(u16::MAX),
                c.properties.topic_alias_maximum.unwrap_or(0),
            )
        } else {
            (usize::MAX, u16::MAX, 0)
        };
        self.permissions = identity.permissions.clone();
        self.conn.update_meta(|meta| {
            meta.mqtt_client = self.client_id.to_string();
            meta.account = identity.account;
            meta.user = identity.user;
            meta.version = if v5 { "5.0" } else { "3.1.1" }.into();
        });
        self.level = Some(level);
        let mut props = Properties::default();
        if v5 {
            props.assigned_client_identifier = assigned;
            props.server_keep_alive = server_keep_alive;
            props.maximum_packet_size = u32::try_from(self.max_packet_size()).ok();
            if self.mqtt.settings.receive_maximum < u16::MAX {
                props.receive_maximum = Some(self.mqtt.settings.receive_maximum.max(1));
            }
            if self.mqtt.settings.topic_alias_maximum > 0 {
                props.topic_alias_maximum = Some(self.mqtt.settings.topic_alias_maximum);
            }
        }
        let link = Link::new(0, self.conn.clone(), level, max_out, alias_max, c.will.clone());
        let conn = self.conn.clone();
        let mut send_connack = |present: bool| {
            let ack = connack(present, ReasonCode::Success, props.clone());
            session::send_to(&conn, level, &ack);
        };
        let opening = Opening {
            client_id: &self.client_id,
            clean_start: c.clean_start,
            level,
            expiry,
            receive_maximum: receive_max,
        };
        let (session, present, generation) = self.mqtt.open_session(&self.server, opening, link, &mut send_connack);
        debug!(cid = self.conn.cid, client_id = %self.client_id, level = level.as_u8(), present, "MQTT client accepted");
        self.generation = generation;
        self.client_id = session.client_id.clone();
        self.session = Some(session);
        self.flush_self = true;
        Ok(())
    }

    /// Checks the credentials with the server's [`Auth`](crate::auth::Auth) (which knows the `mqtt {}`
    /// block's own `authorization` and `no_auth_user`); the password doubles as a token, as in
    /// nats-server.
    /// On a `verify_and_map` listener the certificate decides instead: its user, or refusal when it
    /// names none. A user that only a certificate may name is refused when named in CONNECT.
    fn authenticate(&self, c: &Connect) -> Result<Identity, ReasonCode> {
        match self.cert_user.as_deref() {
            Some(CertUser::Mapped(user)) => return self.server.auth.identity_of(user).ok_or(ReasonCode::NotAuthorized),
            Some(CertUser::Unknown) => return Err(ReasonCode::NotAuthorized),
            None => {}
        }
        if c.username.as_deref().is_some_and(|u| crate::tls::requires_certificate(&self.server, u)) {
            return Err(ReasonCode::NotAuthorized);
        }
        let anonymous = c.username.is_none() && c.password.is_none();
        let pass = c.password.as_ref().map(|p| String::from_utf8_lossy(p).into_owned());
        let info = ConnectInfo { user: c.username.clone(), auth_token: pass.clone(), pass, ..ConnectInfo::default() };
        self.server.auth.check(&info, Kind::Mqtt, None).ok_or(if anonymous {
            ReasonCode::NotAuthorized
        } else {
            ReasonCode::BadUserNameOrPassword
        })
    }

    // ---------------------------------------------------------------------------------------------
    // PUBLISH from the client.

    fn handle_publish(&mut self, mut p: Publish) -> Result<(), Close> {
        let v5 = self.level() == ProtocolLevel::V5;
        if let Some(alias) = p.properties.topic_alias.take() {
            if alias == 0 || alias > self.mqtt.settings.topic_alias_maximum {
                warn!(cid = self.conn.cid, client_id = %self.client_id, alias, "MQTT topic alias out of range");
                self.disconnect(ReasonCode::TopicAliasInvalid, &format!("topic alias {alias} is out of range"));
                return Err(CloseReason::ProtocolViolation);
            }
            let aliases = self.aliases.get_or_insert_with(Box::default);
            if p.topic.is_empty() {
                match aliases.get(&alias) {
                    Some(t) => p.topic = t.clone(),
                    None => {
                        warn!(cid = self.conn.cid, client_id = %self.client_id, alias, "MQTT unknown topic alias");
                        self.disconnect(ReasonCode::ProtocolError, &format!("topic alias {alias} is not set"));
                        return Err(CloseReason::ProtocolViolation);
                    }
                }
            } else {
                aliases.insert(alias, p.topic.clone());
            }
        }
        let subject = match topic::topic_to_subject(&p.topic) {
            Ok(s) => Bytes::from(s),
            Err(e) => {
                warn!(cid = self.conn.cid, client_id = %self.client_id, topic = %p.topic, error = %e, "MQTT PUBLISH topic cannot be mapped");
                self.disconnect(ReasonCode::TopicNameInvalid, &format!("topic {:?} cannot be mapped: {e}", p.topic));
                return Err(CloseReason::ProtocolViolation);
            }
        };
        let session = self.session().clone();
        if p.qos == QoS::ExactlyOnce {
            if session.incoming_seen(p.packet_id) {
                // A retransmission of a message already routed: acknowledge, do not route again.
                self.send(&Packet::PubRec(PubResponse::success(p.packet_id)));
                return Ok(());
            }
            if session.incoming_len() >= usize::from(self.mqtt.settings.receive_maximum) {
                warn!(cid = self.conn.cid, client_id = %self.client_id, "MQTT receive maximum exceeded");
                self.disconnect(ReasonCode::ReceiveMaximumExceeded, "too many QoS 2 messages waiting for PUBREL");
                return Err(CloseReason::ProtocolViolation);
            }
        }
        self.batch_msgs += 1;
        self.batch_bytes += p.payload.len() as u64;
        if self
            .permissions
            .as_ref()
            .is_some_and(|perms| !perms.can_publish(std::str::from_utf8(&subject).unwrap_or_default()))
        {
            warn!(cid = self.conn.cid, client_id = %self.client_id, topic = %p.topic, "MQTT publish permission denied");
            match p.qos {
                QoS::AtMostOnce => {}
                QoS::AtLeastOnce => self.send(&Packet::PubAck(PubResponse {
                    packet_id: p.packet_id,
                    reason: ReasonCode::NotAuthorized,
                    properties: Default::default(),
                })),
                // 3.1.1 cannot refuse: the exchange completes without routing.
                QoS::ExactlyOnce if !v5 => {
                    session.incoming_insert(p.packet_id);
                    self.send(&Packet::PubRec(PubResponse::success(p.packet_id)));
                }
                QoS::ExactlyOnce => self.send(&Packet::PubRec(PubResponse {
                    packet_id: p.packet_id,
                    reason: ReasonCode::NotAuthorized,
                    properties: Default::default(),
                })),
            }
            return Ok(());
        }
        if p.retain {
            self.mqtt.retain(&p.topic, &p.payload, p.qos, &p.properties);
        }
        let props = if v5 { p.properties } else { Properties::default() };
        let reply = props.response_topic.as_deref().and_then(|t| topic::topic_to_subject(t).ok()).map(Bytes::from);
        let headers = message::nats_headers(p.qos, p.retain, &props);
        let msg = Msg { subject: &subject, reply: reply.as_ref(), headers: Some(&headers), payload: &p.payload };
        let ctx = self.ctx.get_or_insert_with(|| Box::new(PublishCtx::new(session.origin_id(), false)));
        let delivered = self.server.router.publish(ctx, &subject, &msg);
        match p.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => {
                let reason = if delivered == 0 { ReasonCode::NoMatchingSubscribers } else { ReasonCode::Success };
                self.send(&Packet::PubAck(PubResponse {
                    packet_id: p.packet_id,
                    reason,
                    properties: Default::default(),
                }));
            }
            QoS::ExactlyOnce => {
                session.incoming_insert(p.packet_id);
                let reason = if delivered == 0 { ReasonCode::NoMatchingSubscribers } else { ReasonCode::Success };
                self.send(&Packet::PubRec(PubResponse {
                    packet_id: p.packet_id,
                    reason,
                    properties: Default::default(),
                }));
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------------------------------------
    // SUBSCRIBE, UNSUBSCRIBE, DISCONNECT.

    fn handle_subscribe(&mut self, s: Subscribe) -> Result<(), Close> {
        let session = self.session().clone();
        let sub_id = s.properties.subscription_identifiers.first().copied();
        let mut reasons = Vec::with_capacity(s.filters.len());
        let mut send_retained = Vec::new();
        for f in &s.filters {
            if self.permissions.as_ref().is_some_and(|perms| !subscribe_allowed(perms, &f.filter)) {
                warn!(cid = self.conn.cid, client_id = %self.client_id, filter = %f.filter, "MQTT subscribe permission denied");
                reasons.push(ReasonCode::NotAuthorized);
                continue;
            }
            match session.subscribe(&self.server.router, &f.filter, f.options, sub_id) {
                Ok(existed) => {
                    let shared = f.filter.starts_with(topic::SHARE_PREFIX);
                    let wanted = match f.options.retain_handling {
                        RetainHandling::SendAtSubscribe => true,
                        RetainHandling::SendAtSubscribeIfNew => !existed,
                        RetainHandling::DoNotSend => false,
                    };
                    if wanted && !shared {
                        send_retained.push(f.filter.as_str());
                    }
                    reasons.push(match f.options.qos {
                        QoS::AtMostOnce => ReasonCode::GRANTED_QOS_0,
                        QoS::AtLeastOnce => ReasonCode::GrantedQoS1,
                        QoS::ExactlyOnce => ReasonCode::GrantedQoS2,
                    });
                }
                Err(e) => {
                    warn!(cid = self.conn.cid, client_id = %self.client_id, filter = %f.filter, error = %e, "MQTT SUBSCRIBE filter refused");
                    reasons.push(ReasonCode::TopicFilterInvalid);
                }
            }
        }
        self.send(&Packet::SubAck(SubAck { packet_id: s.packet_id, reasons, properties: Default::default() }));
        for filter in send_retained {
            let msgs = self.mqtt.retained_matching(filter);
            if !msgs.is_empty() && session.deliver_retained(filter, &msgs) {
                self.flush_self = true;
            }
        }
        Ok(())
    }

    fn handle_unsubscribe(&mut self, u: Unsubscribe) {
        let session = self.session().clone();
        let reasons = u
            .filters
            .iter()
            .map(|f| {
                if session.unsubscribe(&self.server.router, f) {
                    ReasonCode::Success
                } else {
                    ReasonCode::NoSubscriptionExisted
                }
            })
            .collect();
        self.send(&Packet::UnsubAck(UnsubAck { packet_id: u.packet_id, reasons, properties: Default::default() }));
    }

    fn handle_disconnect(&mut self, d: Disconnect) -> Result<(), Close> {
        let session = self.session().clone();
        if self.level() == ProtocolLevel::V5 {
            if let Some(expiry) = d.properties.session_expiry_interval {
                if self.connect_expiry == 0 && expiry != 0 {
                    warn!(cid = self.conn.cid, client_id = %self.client_id, "MQTT DISCONNECT raised a zero session expiry");
                    self.disconnect(ReasonCode::ProtocolError, "session expiry interval was 0 in CONNECT");
                    return Err(CloseReason::ProtocolViolation);
                }
                session.set_expiry(expiry);
            }
            if d.reason != ReasonCode::DisconnectWithWillMessage {
                session.clear_will(self.generation);
            }
        } else {
            session.clear_will(self.generation);
        }
        debug!(cid = self.conn.cid, client_id = %self.client_id, "MQTT client disconnected");
        Err(CloseReason::ClientClosed)
    }

    /// Periodic work: MQTT 3.1.1 redelivery of unacknowledged messages. Returns whether messages still
    /// wait for their acknowledgement (so the tick is still needed).
    fn on_tick(&mut self) -> bool {
        if self.level != Some(ProtocolLevel::V311) {
            return false;
        }
        let Some(session) = &self.session else {
            return false;
        };
        if session.redeliver_due(self.mqtt.settings.ack_wait) {
            self.conn.outbound.flush();
        }
        session.has_in_flight()
    }

    /// Ends the connection: detaches it from its session (publishing or scheduling its Will, ending a
    /// session that does not outlive it) and records it as closed.
    fn finish(mut self, reason: CloseReason) {
        self.end_batch();
        if let Some(session) = self.session.take() {
            if let Some(mut gone) = session.detach(self.generation) {
                if reason == CloseReason::ServerShutdown && gone.expiry > 0 {
                    // The server closes the connection, so the Will is due (MQTT 5 §3.1.2.5), but its
                    // subscribers are leaving too: kept with the session, it is published when the
                    // server is back (after its delay, unless the client returns first).
                    if let Some(will) = gone.will.take() {
                        let delay = will.properties.will_delay_interval.unwrap_or(0).min(gone.expiry);
                        session
                            .set_pending_will(*will, crate::core::conn::now_nanos() + i64::from(delay) * 1_000_000_000);
                    }
                }
                self.mqtt.connection_closed(&self.server, &session, gone);
            }
        }
        self.conn.outbound.close(reason);
        match reason {
            CloseReason::SlowConsumerPendingBytes | CloseReason::SlowConsumerWriteDeadline => {
                self.server.stats.slow_consumers.fetch_add(1, Ordering::Relaxed);
            }
            CloseReason::StaleConnection => {
                self.server.stats.stale_connections.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        self.server.registry.remove(&self.conn, reason);
        self.conn.subs.lock().clear();
    }
}

/// Whether `perms` allow subscribing to every subject an MQTT filter maps to (a filter that cannot be
/// mapped is left for SUBSCRIBE to refuse as invalid).
fn subscribe_allowed(perms: &Permissions, filter: &str) -> bool {
    let (group, plain) = match topic::parse_shared(filter) {
        Ok(Some(s)) => (Some(s.group), s.filter),
        Ok(None) => (None, filter),
        Err(_) => return true,
    };
    match topic::filter_to_subjects(plain) {
        Ok(subjects) => subjects.iter().all(|s| perms.can_subscribe(s, group)),
        Err(_) => true,
    }
}

fn connack(session_present: bool, reason: ReasonCode, properties: Properties) -> Packet {
    Packet::ConnAck(ConnAck { session_present, reason, properties })
}

/// A client identifier for a client that sent none.
fn assign_client_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut id = String::from("auto-");
    for _ in 0..22 {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::frontend::mqtt::MqttSettings;
    use crate::server::Frontends;
    use tokio::io::AsyncReadExt;

    /// Drives `writer` until `outbound` holds nothing unwritten, interrupting it as often as the
    /// connection's loop does when packets arrive; returns how many times it was interrupted.
    async fn write_all_interrupted(writer: &mut Writer<tokio::io::DuplexStream>, outbound: &Outbound) -> usize {
        let mut interrupted = 0;
        while outbound.stats().pending > 0 {
            tokio::select! {
                end = writer.step(outbound) => assert_eq!(end, None),
                _ = tokio::time::sleep(Duration::from_micros(100)) => interrupted += 1,
            }
        }
        interrupted
    }

    #[tokio::test]
    async fn a_write_interrupted_by_reads_resumes_where_it_stopped() {
        let (mut client, socket) = tokio::io::duplex(64);
        let outbound = Outbound::new(1 << 20);
        let mut writer = Writer::new(socket, Duration::from_secs(5));
        let first: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        outbound.push_bytes(&first);
        outbound.push_frame(b"", &Bytes::from(vec![7u8; 5000]), 5000);
        outbound.flush();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut chunk = [0u8; 512];
            while got.len() < 25_000 {
                let n = client.read(&mut chunk).await.expect("read");
                got.extend_from_slice(&chunk[..n]);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            got
        });
        let interrupted = write_all_interrupted(&mut writer, &outbound).await;
        let got = reader.await.expect("reader");
        assert_eq!(&got[..20_000], &first[..]);
        assert!(got[20_000..].iter().all(|b| *b == 7));
        assert!(interrupted > 0, "the slow reader should have held some write up");
    }

    #[tokio::test]
    async fn waiting_for_a_batch_can_be_interrupted_without_losing_the_socket() {
        let (mut client, socket) = tokio::io::duplex(1024);
        let outbound = Outbound::new(1 << 20);
        let mut writer = Writer::new(socket, Duration::from_secs(1));
        for _ in 0..3 {
            tokio::select! {
                _ = writer.step(&outbound) => panic!("nothing was queued"),
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
        }
        outbound.push_bytes(b"still here");
        outbound.flush();
        let step = tokio::time::timeout(Duration::from_secs(2), writer.step(&outbound)).await;
        assert_eq!(step.expect("the writer still has its socket"), None);
        let mut got = [0u8; 10];
        client.read_exact(&mut got).await.expect("the socket is still open");
        assert_eq!(&got, b"still here");
    }

    #[tokio::test]
    async fn a_socket_not_read_within_the_write_deadline_ends_the_connection() {
        let (_client, socket) = tokio::io::duplex(64);
        let outbound = Outbound::new(1 << 20);
        let mut writer = Writer::new(socket, Duration::from_millis(50));
        outbound.push_bytes(&[1u8; 4096]);
        outbound.flush();
        assert_eq!(writer.step(&outbound).await, Some(CloseReason::SlowConsumerWriteDeadline));
        assert_eq!(outbound.close_reason(), Some(CloseReason::SlowConsumerWriteDeadline));
    }

    #[tokio::test]
    async fn a_closed_queue_is_written_out_before_the_socket_closes() {
        let (mut client, socket) = tokio::io::duplex(1024);
        let outbound = Outbound::new(1 << 20);
        let mut writer = Writer::new(socket, Duration::from_secs(1));
        outbound.push_bytes(b"last words");
        outbound.close(CloseReason::DuplicateClientId);
        writer.drain(&outbound).await;
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.expect("read to the end");
        assert_eq!(got, b"last words");
        assert!(writer.wr.is_none() && writer.writing.is_none());
    }

    /// What one idle connection's task holds is most of what a connected client costs; this bound
    /// keeps 10k connected clients within a few tens of MiB (it was 1,280 bytes with a timer, a
    /// shutdown wait and the serving function's arguments held twice, then 600 with the closing write
    /// and a read future inline; tokio rounds a task's allocation up to a multiple of 128 bytes).
    #[tokio::test]
    async fn an_idle_connection_keeps_its_task_small() {
        let config = Config::loopback_nats_only();
        let settings = MqttSettings { host: "127.0.0.1".into(), port: 0, ..MqttSettings::default() };
        let running =
            crate::server::Server::start_with(config, Frontends { mqtt: Some(settings), ..Frontends::default() })
                .await
                .expect("server starts");
        let server = running.server.clone();
        let mqtt = server.mqtt.get().expect("mqtt service").clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let _client = tokio::net::TcpStream::connect(listener.local_addr().expect("addr")).await.expect("connect");
        let (stream, peer) = listener.accept().await.expect("accept");
        let (rd, wr) = stream.into_split();
        let permit = server.conn_limit.clone().try_acquire_owned().expect("permit");
        let task = serve(mqtt, server, rd, wr, peer, None, permit);
        let task_size = std::mem::size_of_val(&task);
        drop(task);
        assert!(task_size <= 512, "connection task: {task_size} bytes");
        running.shutdown();
        running.wait().await;
    }
}
