//! The NATS client protocol over WebSocket, on its own listener.
//!
//! A connection starts with the HTTP upgrade ([`handshake`]), read under `handshake_timeout`. After the
//! `101`, the transport only unwraps frames: a reader feeds the bytes of binary and text frames
//! ([`frame::Decoder`], which also inflates permessage-deflate messages) to the same [`Session`] the TCP
//! front-end uses, answers WebSocket pings and echoes a Close; a writer takes batches from the
//! connection's outbound queue, wraps them in binary frames ([`frame::Encoder`]) and sends the NATS
//! keep-alive PINGs exactly as TCP does. WebSocket and TCP clients share one routing core, so they see
//! each other's messages.
//!
//! Requests whose path ends in `/mqtt` are MQTT over WebSocket and go to [`route_mqtt`]. With a `tls`
//! block the listener serves `wss`: the TLS handshake ([`crate::tls::Tls::accept`]) comes before the
//! upgrade request, and the rest runs unchanged over the TLS stream. A listener with neither `tls` nor
//! `no_tls` refuses to start.

pub mod frame;
pub mod handshake;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tracing::{debug, info, warn};
use tungstenite::protocol::frame::coding::Control as ControlCode;

use self::frame::{close_payload, close_reply, close_status, control_frame, Control, Decoded, Decoder, Encoder};
use self::handshake::{negotiate, Policy, Rejection, Request, Target, Upgrade, MAX_REQUEST};
use crate::config::{ConnectionType, TlsConfig};
use crate::core::conn::Connection;
use crate::core::{CloseReason, Kind};
use crate::frontend::session::Session;
use crate::frontend::tcp::{drain, keepalive, write_chunks, Transport, LINGER};
use crate::server::{Server, StartError};
use crate::tls::{mappable_users, CertUser, Negotiated, Tls};

/// Smallest and largest read sizes, as for TCP.
const MIN_READ: usize = 512;
const MAX_READ: usize = 64 * 1024;

/// Frame size limit for browsers: they handle smaller frames better (nats-server's experience).
const BROWSER_FRAME: usize = 4096;

/// Control frames (pongs, the closing echo) waiting for the writer.
const CONTROL_QUEUE: usize = 16;

/// The `websocket { … }` settings, as nats-server spells them, plus the reverse-proxy options.
#[derive(Debug, Clone)]
pub struct WsSettings {
    pub host: String,
    pub port: u16,
    /// Serve plain `ws://`; without it the listener needs [`tls`](Self::tls).
    pub no_tls: bool,
    /// Serve `wss://` with these certificates (takes precedence over `no_tls`).
    pub tls: Option<TlsConfig>,
    /// Offer permessage-deflate to clients that ask for it.
    pub compression: bool,
    /// Refuse requests whose `Origin` differs from their `Host`.
    pub same_origin: bool,
    /// Accept only these origins (`scheme://host[:port]`) when non-empty.
    pub allowed_origins: Vec<String>,
    pub handshake_timeout: Duration,
    /// Accept upgrades only for paths under this prefix (behind a reverse proxy); any path otherwise.
    pub path_prefix: Option<String>,
    /// Peers whose `X-Forwarded-For` is believed: the first address in it becomes the client's.
    pub trusted_proxies: Vec<IpNet>,
    /// Configured user a client without credentials connects as.
    pub no_auth_user: Option<String>,
    /// Cookies whose values stand in for missing `CONNECT` credentials.
    pub jwt_cookie: Option<String>,
    pub user_cookie: Option<String>,
    pub pass_cookie: Option<String>,
    pub token_cookie: Option<String>,
}

impl From<&crate::config::WebsocketConfig> for WsSettings {
    fn from(c: &crate::config::WebsocketConfig) -> Self {
        WsSettings {
            host: c.host.clone(),
            port: c.port,
            no_tls: c.tls.is_none(),
            tls: c.tls.clone(),
            compression: c.compression,
            same_origin: c.same_origin,
            allowed_origins: c.allowed_origins.clone(),
            handshake_timeout: c.handshake_timeout,
            path_prefix: Some(c.path_prefix.clone()).filter(|p| !p.is_empty() && p != "/"),
            trusted_proxies: c
                .trusted_proxies
                .iter()
                .filter_map(|n| IpNet::new(n.addr(), n.prefix_len()).ok())
                .collect(),
            no_auth_user: c.no_auth_user.clone(),
            jwt_cookie: c.jwt_cookie.clone(),
            user_cookie: c.user_cookie.clone(),
            pass_cookie: c.pass_cookie.clone(),
            token_cookie: c.token_cookie.clone(),
        }
    }
}

impl Default for WsSettings {
    fn default() -> Self {
        WsSettings {
            host: "0.0.0.0".into(),
            port: 8080,
            no_tls: false,
            tls: None,
            compression: false,
            same_origin: false,
            allowed_origins: Vec::new(),
            handshake_timeout: Duration::from_secs(2),
            path_prefix: None,
            trusted_proxies: Vec::new(),
            no_auth_user: None,
            jwt_cookie: None,
            user_cookie: None,
            pass_cookie: None,
            token_cookie: None,
        }
    }
}

/// A bound WebSocket listener and its checked settings.
pub struct WsListener {
    listener: TcpListener,
    policy: Arc<Policy>,
    handshake_timeout: Duration,
    tls: Option<Arc<Tls>>,
}

impl WsListener {
    /// Checks `settings` and binds the port.
    pub async fn bind(settings: &WsSettings) -> Result<Self, StartError> {
        let tls = settings.tls.as_ref().map(Tls::new).transpose()?.map(Arc::new);
        if tls.is_none() && !settings.no_tls {
            return Err(StartError::Config("websocket requires TLS configuration (or no_tls: true)".into()));
        }
        let policy = Policy::new(settings).map_err(|e| StartError::Config(format!("websocket: {e}")))?;
        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).await.map_err(|source| StartError::Bind { addr, source })?;
        let handshake_timeout =
            if settings.handshake_timeout.is_zero() { Duration::from_secs(2) } else { settings.handshake_timeout };
        Ok(WsListener { listener, policy: Arc::new(policy), handshake_timeout, tls })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

/// Accepts WebSocket connections until lame duck or shutdown.
pub async fn accept_loop(server: Arc<Server>, ws: WsListener) {
    if let Ok(addr) = ws.local_addr() {
        if ws.tls.is_some() {
            info!(%addr, "listening for websocket clients on wss://{addr}");
        } else {
            info!(%addr, "listening for websocket clients on ws://{addr}");
            warn!("websocket not configured with TLS, do not use in production");
        }
    }
    loop {
        let accepted = tokio::select! {
            _ = server.lame_duck.cancelled() => break,
            _ = server.shutdown.cancelled() => break,
            accepted = ws.listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let permit = server.conn_limit.clone().try_acquire_owned().ok();
                let (policy, timeout) = (ws.policy.clone(), ws.handshake_timeout);
                match ws.tls.clone() {
                    None => tokio::spawn(serve(server.clone(), policy, timeout, stream, peer, permit, None)),
                    Some(tls) => tokio::spawn(serve_tls(server.clone(), tls, policy, timeout, stream, peer, permit)),
                };
            }
            Err(e) => {
                warn!(error = %e, "websocket accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Why an upgrade did not happen.
enum Refused {
    /// Answer with this HTTP error.
    Rejected(Rejection),
    /// The client went away or the socket failed: nothing to answer.
    Gone,
}

/// Reads the upgrade request into `raw` and decides it; bytes after the request stay in `raw`.
async fn read_upgrade<S: AsyncRead + Unpin>(
    stream: &mut S,
    raw: &mut BytesMut,
    policy: &Policy,
    peer: SocketAddr,
) -> Result<Upgrade, Refused> {
    loop {
        if let Some((request, len)) = Request::parse(raw).map_err(Refused::Rejected)? {
            raw.advance(len);
            return negotiate(&request, policy, peer).map_err(Refused::Rejected);
        }
        if raw.len() >= MAX_REQUEST {
            return Err(Refused::Rejected(Rejection::new(431, "request head too large")));
        }
        raw.reserve(4096);
        match stream.read_buf(raw).await {
            Ok(0) | Err(_) => return Err(Refused::Gone),
            Ok(_) => {}
        }
    }
}

async fn write_or_give_up<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> bool {
    matches!(tokio::time::timeout(Duration::from_secs(2), stream.write_all(bytes)).await, Ok(Ok(())))
}

/// Serves one `wss` connection: the TLS handshake, then everything as for `ws`.
async fn serve_tls(
    server: Arc<Server>,
    tls: Arc<Tls>,
    policy: Arc<Policy>,
    handshake_timeout: Duration,
    stream: TcpStream,
    peer: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
) {
    let stream = match tls.accept(stream).await {
        Ok(stream) => stream,
        Err(e) => {
            debug!(%peer, error = %e, "websocket TLS handshake failed");
            return;
        }
    };
    let tls_conn = stream.get_ref().1;
    let secured = Secured {
        negotiated: Negotiated::of(tls_conn),
        cert_user: tls.cert_user(tls_conn, &mappable_users(&server.config, ConnectionType::Websocket)),
    };
    serve(server, policy, handshake_timeout, stream, peer, permit, Some(secured)).await;
}

/// What the TLS handshake of a `wss` connection established, for the session.
struct Secured {
    negotiated: Negotiated,
    cert_user: Option<CertUser>,
}

/// Serves one WebSocket connection from the upgrade request to the end.
async fn serve<S: Transport>(
    server: Arc<Server>,
    policy: Arc<Policy>,
    handshake_timeout: Duration,
    mut stream: S,
    peer: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
    secured: Option<Secured>,
) {
    let mut raw = BytesMut::with_capacity(MIN_READ);
    let upgrade =
        match tokio::time::timeout(handshake_timeout, read_upgrade(&mut stream, &mut raw, &policy, peer)).await {
            Ok(Ok(upgrade)) => upgrade,
            Ok(Err(Refused::Rejected(rejection))) => {
                debug!(%peer, %rejection, "websocket upgrade refused");
                write_or_give_up(&mut stream, &rejection.response()).await;
                return;
            }
            Ok(Err(Refused::Gone)) => return,
            Err(_) => {
                debug!(%peer, "websocket handshake timed out");
                return;
            }
        };
    if upgrade.target == Target::Mqtt {
        route_mqtt(&server, stream, upgrade, raw, peer, permit).await;
        return;
    }
    if !write_or_give_up(&mut stream, &upgrade.response(None)).await {
        return;
    }
    match permit {
        Some(permit) => serve_nats(server, stream, peer, upgrade, raw, permit, secured).await,
        None => reject_max_connections(&server, &mut stream).await,
    }
}

/// MQTT over WebSocket (a path ending in `/mqtt`): upgraded with subprotocol `mqtt` and handed to the
/// MQTT front-end. Without an MQTT front-end the request is answered `404 Not Found`.
async fn route_mqtt<S: Transport>(
    server: &Arc<Server>,
    mut stream: S,
    upgrade: Upgrade,
    raw: BytesMut,
    peer: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
) {
    let Some(mqtt) = server.mqtt.get().cloned() else {
        let rejection = Rejection::new(404, "MQTT over WebSocket is not enabled");
        debug!(%rejection, "websocket upgrade refused");
        write_or_give_up(&mut stream, &rejection.response()).await;
        return;
    };
    if permit.is_none() {
        warn!("maximum connections exceeded, rejecting MQTT over WebSocket client");
        write_or_give_up(&mut stream, &Rejection::new(503, "maximum connections exceeded").response()).await;
        return;
    }
    if !write_or_give_up(&mut stream, &upgrade.response(Some("mqtt"))).await {
        return;
    }
    // The MQTT front-end counts the connection against the limit itself.
    drop(permit);
    let addr = upgrade.forwarded_ip.map_or(peer, |ip| SocketAddr::new(ip, peer.port()));
    let decoder = Decoder::new(!upgrade.no_masking, upgrade.compress);
    let encoder = Encoder::new(upgrade.compress, if upgrade.browser { BROWSER_FRAME } else { 0 });
    crate::frontend::mqtt::websocket::serve(mqtt, stream, raw, addr, decoder, encoder).await;
}

/// Over the connection limit: the client gets INFO and the error in one frame, then a Close.
async fn reject_max_connections<S: AsyncWrite + Unpin>(server: &Server, stream: &mut S) {
    warn!("maximum connections exceeded, rejecting websocket client");
    let text = format!(
        "INFO {}\r\n-ERR 'maximum connections exceeded'\r\n",
        serde_json::to_string(&server.info()).unwrap_or_default()
    );
    let mut frames = Vec::new();
    Encoder::new(false, 0).encode(&[Bytes::from(text)], &mut frames);
    let reason = CloseReason::MaxConnectionsExceeded;
    frames.push(control_frame(ControlCode::Close, &close_payload(close_status(reason), reason.as_str())));
    let _ = tokio::time::timeout(Duration::from_secs(2), write_chunks(stream, &frames)).await;
}

/// Runs the NATS session of an upgraded connection.
async fn serve_nats<S: Transport>(
    server: Arc<Server>,
    stream: S,
    peer: SocketAddr,
    upgrade: Upgrade,
    raw: BytesMut,
    permit: OwnedSemaphorePermit,
    secured: Option<Secured>,
) {
    server.stats.total_connections.fetch_add(1, Ordering::Relaxed);
    let addr = upgrade.forwarded_ip.map_or(peer, |ip| SocketAddr::new(ip, peer.port()));
    let cid = server.registry.next_cid();
    let conn = Arc::new(Connection::new(cid, Kind::WebSocket, addr, server.config.max_pending));
    server.registry.add(conn.clone());
    debug!(cid, %addr, %peer, compression = upgrade.compress, "websocket client connected");
    let mut session = Session::new(server.clone(), conn.clone());
    session.set_connect_defaults(upgrade.defaults.clone());
    if let Some(secured) = secured {
        conn.update_meta(|meta| secured.negotiated.record(meta));
        if let Some(user) = secured.cert_user {
            session.set_cert_user(user);
        }
    }
    session.greet();
    let decoder = Decoder::new(!upgrade.no_masking, upgrade.compress);
    let encoder = Encoder::new(upgrade.compress, if upgrade.browser { BROWSER_FRAME } else { 0 });
    let (control_tx, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let (mut rd, wr) = stream.split();
    let mut writer = tokio::spawn(write_loop(server.clone(), conn.clone(), wr, encoder, control_rx));
    let reason = tokio::select! {
        reason = read_loop(&server, &mut session, &mut rd, raw, decoder, &control_tx) => reason,
        reason = &mut writer => reason.unwrap_or(CloseReason::WriteError),
        _ = server.shutdown.cancelled() => CloseReason::ServerShutdown,
    };
    debug!(cid, %reason, "websocket client closing");
    let finished = writer.is_finished();
    session.finish(reason);
    // The slot under `max_connections` is free once the session is finished, before the closing handshake.
    drop(permit);
    if !finished {
        let _ = tokio::time::timeout(server.config.write_deadline, writer).await;
    }
    // The writer has sent the Close frame and the FIN; reading on until the client closes too keeps
    // a reset from overtaking the -ERR and the Close frame (see `tcp::drain`).
    if reason.client_may_still_send() {
        drain(&mut rd, tokio::time::Instant::now() + LINGER).await;
    }
}

/// What the reader asks the writer to send besides data.
#[derive(Debug)]
enum Outgoing {
    Pong(Bytes),
    /// The payload of the Close frame to send last, instead of one derived from the close reason.
    Close(Bytes),
}

/// Reads frames until the client goes away or the session asks to close. `raw` holds bytes that
/// arrived with the upgrade request.
async fn read_loop<R: AsyncRead + Unpin>(
    server: &Server,
    session: &mut Session,
    mut rd: R,
    mut raw: BytesMut,
    mut decoder: Decoder,
    control: &mpsc::Sender<Outgoing>,
) -> CloseReason {
    let mut data = BytesMut::with_capacity(MIN_READ);
    let mut read_size = MIN_READ;
    let auth_deadline = tokio::time::Instant::now() + server.config.auth_timeout;
    loop {
        loop {
            match decoder.decode(&mut raw, &mut data) {
                Ok(Decoded::NeedInput) => break,
                Ok(Decoded::Data) => {
                    if let Err(reason) = session.process(&mut data) {
                        return reason;
                    }
                }
                Ok(Decoded::Control(frame)) => {
                    if !data.is_empty() {
                        if let Err(reason) = session.process(&mut data) {
                            return reason;
                        }
                    }
                    match frame {
                        Control::Ping(payload) => {
                            let _ = control.send(Outgoing::Pong(payload)).await;
                        }
                        Control::Pong => {}
                        Control::Close(payload) => {
                            let _ = control.send(Outgoing::Close(close_reply(&payload))).await;
                            return CloseReason::ClientClosed;
                        }
                    }
                }
                Err(e) => {
                    debug!(cid = session.connection().cid, error = %e, "websocket protocol error");
                    let _ = control.send(Outgoing::Close(close_payload(e.close_status(), &e.to_string()))).await;
                    return CloseReason::ReadError;
                }
            }
        }
        for stall in session.take_stalled() {
            stall.wait(crate::frontend::tcp::STALL_MAX).await;
        }
        if data.is_empty() && data.capacity() > 4 * MAX_READ {
            data = BytesMut::with_capacity(MIN_READ);
        }
        if raw.capacity() - raw.len() < read_size {
            raw.reserve(read_size);
        }
        let read = if !session.is_connected() && server.auth.required() {
            match tokio::time::timeout_at(auth_deadline, rd.read_buf(&mut raw)).await {
                Ok(r) => r,
                Err(_) => {
                    session.auth_timeout();
                    return CloseReason::AuthenticationTimeout;
                }
            }
        } else {
            rd.read_buf(&mut raw).await
        };
        let n = match read {
            Ok(0) => return CloseReason::ClientClosed,
            Ok(n) => n,
            // A TLS peer that hangs up without close_notify has still just closed the connection.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return CloseReason::ClientClosed,
            Err(_) => return CloseReason::ReadError,
        };
        if n >= read_size && read_size < MAX_READ {
            read_size *= 2;
        } else if n < read_size / 4 && read_size > MIN_READ {
            read_size /= 2;
        }
        session.connection().touch();
    }
}

/// Writes `frames` under the write deadline; a failure closes the outbound queue and is the reason.
async fn write_frames<W: AsyncWrite + Unpin>(
    server: &Server,
    conn: &Connection,
    wr: &mut W,
    frames: &[Bytes],
) -> Result<(), CloseReason> {
    let reason = match tokio::time::timeout(server.config.write_deadline, write_chunks(wr, frames)).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(_)) => CloseReason::WriteError,
        Err(_) => CloseReason::SlowConsumerWriteDeadline,
    };
    conn.outbound.close(reason);
    Err(reason)
}

/// Frames and writes everything the outbound queue gathers, answers pings, sends the NATS keep-alive
/// PINGs, and ends the connection with a Close frame.
async fn write_loop<W: AsyncWrite + Unpin>(
    server: Arc<Server>,
    conn: Arc<Connection>,
    mut wr: W,
    mut encoder: Encoder,
    mut control: mpsc::Receiver<Outgoing>,
) -> CloseReason {
    let interval = server.config.ping_interval.max(Duration::from_millis(10));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut close: Option<Bytes> = None;
    let mut frames = Vec::new();
    loop {
        tokio::select! {
            batch = conn.outbound.next_batch() => {
                frames.clear();
                encoder.encode(&batch.chunks, &mut frames);
                if let Some(reason) = batch.closed {
                    // The reader queues its Close echo before it returns, so it is here by now.
                    while let Ok(outgoing) = control.try_recv() {
                        match outgoing {
                            Outgoing::Pong(payload) => frames.push(control_frame(ControlCode::Pong, &payload)),
                            Outgoing::Close(payload) => close = Some(payload),
                        }
                    }
                    let payload = close.take().unwrap_or_else(|| close_payload(close_status(reason), reason.as_str()));
                    frames.push(control_frame(ControlCode::Close, &payload));
                }
                if !frames.is_empty() {
                    if let Err(reason) = write_frames(&server, &conn, &mut wr, &frames).await {
                        return batch.closed.unwrap_or(reason);
                    }
                }
                conn.outbound.written(batch.len());
                if let Some(reason) = batch.closed {
                    let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
                    return reason;
                }
            }
            Some(outgoing) = control.recv() => match outgoing {
                Outgoing::Pong(payload) => {
                    if let Err(reason) = write_frames(&server, &conn, &mut wr, &[control_frame(ControlCode::Pong, &payload)]).await {
                        return reason;
                    }
                }
                Outgoing::Close(payload) => close = Some(payload),
            },
            _ = ping.tick() => keepalive(&server, &conn),
        }
    }
}
