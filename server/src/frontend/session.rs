//! The NATS client-protocol session, shared by the TCP and WebSocket front-ends.
//!
//! A transport reads bytes into a buffer and calls [`Session::process`]; the session parses every
//! complete operation with the `shared` parser and turns each into a core call (subscribe, unsubscribe,
//! publish), answering on the connection's outbound queue. At the end of each read batch it flushes the
//! subscribers it touched once. Errors follow nats-server: the same `-ERR` texts, and the same choice of
//! closing the connection or keeping it open for each.
//!
//! CONNECT authenticates the client (`auth`), which fixes the account whose router the session uses and
//! the permissions its publishes and subscriptions are checked against.
//!
//! The session does no I/O itself and owns no router: transports own sockets, the core owns routing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use bytes::{Buf, Bytes, BytesMut};
use tracing::debug;

use switchyard_shared::headers::HeaderMap;
use switchyard_shared::op::{ClientOp, ConnectInfo};
use switchyard_shared::parse::{parse_client_op, peek_pub, Limits, ProtoError, PubFrame};
use switchyard_shared::subject;

use crate::auth::{nkey, ConnPermissions, PublishGuard};
use crate::core::conn::Connection;
use crate::core::outbound::Push;
use crate::core::{ClientId, CloseReason, Msg, PublishCtx, Router, Stall, Subscriber, Subscription};
use crate::server::Server;
use crate::tls::CertUser;

/// The subscriber side of a NATS connection: encodes deliveries as `MSG`/`HMSG`.
pub struct NatsClient {
    conn: Arc<Connection>,
    headers: AtomicBool,
    /// The user's permissions, set at CONNECT when the user has any.
    permissions: OnceLock<Arc<ConnPermissions>>,
}

impl Subscriber for NatsClient {
    fn id(&self) -> ClientId {
        self.conn.cid
    }

    #[inline]
    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
        if let Some(perms) = self.permissions.get() {
            if perms.delivery_denied(&sub.subject, sub.queue.as_deref(), msg.subject) {
                return false;
            }
            perms.on_delivery(msg.reply);
        }
        let push = self.conn.outbound.push_msg(
            msg.subject,
            &sub.sid,
            msg.reply.map(|r| &r[..]),
            msg.headers,
            msg.payload,
            self.headers.load(Ordering::Relaxed),
        );
        matches!(push, Push::Queued { flush: true })
    }

    fn flush(&self) {
        self.conn.outbound.flush();
    }

    fn stalled(&self) -> Option<Stall> {
        self.conn.outbound.is_stalled().then(|| Stall::Outbound(self.conn.outbound.clone()))
    }

    fn retired(&self, sub: &Arc<Subscription>) {
        let mut subs = self.conn.subs.lock();
        if subs.get(&sub.sid).is_some_and(|s| Arc::ptr_eq(s, sub)) {
            subs.remove(&sub.sid);
        }
    }
}

/// Credentials a transport learned outside `CONNECT` (WebSocket cookies, a listener's `no_auth_user`).
/// Each fills in what `CONNECT` leaves out; none overrides what it carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectDefaults {
    pub user: Option<String>,
    pub pass: Option<String>,
    pub token: Option<String>,
    pub jwt: Option<String>,
    /// The configured user a client becomes when it presents no credentials at all.
    pub no_auth_user: Option<String>,
}

impl ConnectDefaults {
    /// Fills the missing credentials of `info`; returns the `no_auth_user` to connect as when, even
    /// then, it carries none.
    fn apply(&self, info: &mut ConnectInfo) -> Option<&str> {
        fn fill(field: &mut Option<String>, default: &Option<String>) {
            if field.as_deref().is_none_or(str::is_empty) && default.is_some() {
                field.clone_from(default);
            }
        }
        fill(&mut info.user, &self.user);
        fill(&mut info.pass, &self.pass);
        fill(&mut info.auth_token, &self.token);
        fill(&mut info.jwt, &self.jwt);
        let anonymous = [&info.user, &info.pass, &info.auth_token, &info.jwt, &info.nkey]
            .iter()
            .all(|f| f.as_deref().is_none_or(str::is_empty));
        self.no_auth_user.as_deref().filter(|_| anonymous)
    }
}

/// One NATS protocol session.
pub struct Session {
    server: Arc<Server>,
    conn: Arc<Connection>,
    /// The subject space of the client's account (the global account until CONNECT says otherwise).
    router: Arc<Router>,
    /// The nkey challenge sent in this connection's INFO, when nkey users exist.
    nonce: Option<String>,
    /// Publish checks of a user with permissions.
    permissions: Option<PublishGuard>,
    client: Arc<NatsClient>,
    ctx: PublishCtx,
    limits: Limits,
    connected: bool,
    verbose: bool,
    pedantic: bool,
    no_responders: bool,
    headers: bool,
    flush_self: bool,
    batch_msgs: u64,
    batch_bytes: u64,
    defaults: ConnectDefaults,
    /// On a `verify_and_map` listener: the user the client certificate names.
    cert_user: Option<CertUser>,
}

impl Session {
    pub fn new(server: Arc<Server>, conn: Arc<Connection>) -> Self {
        let client =
            Arc::new(NatsClient { conn: conn.clone(), headers: AtomicBool::new(false), permissions: OnceLock::new() });
        let limits =
            Limits { max_control_line: server.config.max_control_line, max_payload: server.config.max_payload };
        Session {
            ctx: PublishCtx::new(conn.cid, true),
            router: server.router.clone(),
            nonce: server.auth.nonce_required().then(nkey::new_nonce),
            permissions: None,
            server,
            conn,
            client,
            limits,
            connected: false,
            verbose: false,
            pedantic: false,
            no_responders: false,
            headers: false,
            flush_self: false,
            batch_msgs: 0,
            batch_bytes: 0,
            defaults: ConnectDefaults::default(),
            cert_user: None,
        }
    }

    /// Sets the credentials used where `CONNECT` lacks them.
    pub fn set_connect_defaults(&mut self, defaults: ConnectDefaults) {
        self.defaults = defaults;
    }

    /// Sets the user the client certificate names (`verify_and_map`): it replaces CONNECT's user name,
    /// and a certificate that names no configured user fails authentication.
    pub fn set_cert_user(&mut self, user: CertUser) {
        self.cert_user = Some(user);
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.conn
    }

    /// Receivers that the last batch left behind; the transport waits for them before reading more
    /// (briefly for a subscriber's queue, until caught up for a stream's ingest), which slows a
    /// publisher down to its receivers' pace.
    pub fn take_stalled(&mut self) -> Vec<Stall> {
        self.ctx.take_stalled()
    }

    /// Whether CONNECT has been accepted.
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The INFO line for this connection.
    pub fn info_line(&self) -> String {
        let mut info = self.server.info();
        if self.conn.kind == crate::core::Kind::WebSocket {
            // WebSocket clients never upgrade in the protocol: INFO tells whether the listener is wss.
            let wss = self.server.websocket.as_ref().is_some_and(|ws| ws.tls.is_some());
            (info.tls_required, info.tls_available) = (wss, wss);
        }
        info.client_id = Some(self.conn.cid);
        info.client_ip = self.conn.addr.ip().to_string();
        if let Some(nonce) = &self.nonce {
            info.nonce.clone_from(nonce);
        }
        format!("INFO {}\r\n", serde_json::to_string(&info).expect("INFO serializes"))
    }

    /// Queues the INFO greeting.
    pub fn greet(&mut self) {
        let line = self.info_line();
        self.send(line.as_bytes());
        self.conn.outbound.flush();
    }

    fn send(&mut self, bytes: &[u8]) {
        if let Push::Queued { flush: true } = self.conn.outbound.push_bytes(bytes) {
            self.flush_self = true;
        }
    }

    fn send_err(&mut self, text: &str) {
        let line = format!("-ERR '{text}'\r\n");
        self.send(line.as_bytes());
    }

    /// CONNECT did not arrive in time on a port that requires authentication.
    pub fn auth_timeout(&mut self) {
        self.send_err("Authentication Timeout");
        self.conn.outbound.flush();
    }

    /// Refuses one operation with nats-server's `Permissions Violation for …` text; the connection
    /// stays open.
    fn permission_violation(&mut self, what: std::fmt::Arguments<'_>) {
        debug!(cid = self.conn.cid, "permissions violation for {what}");
        self.server.stats.permission_violations.fetch_add(1, Ordering::Relaxed);
        self.send_err(&format!("Permissions Violation for {what}"));
    }

    fn ok(&mut self) {
        if self.verbose {
            self.send(b"+OK\r\n");
        }
    }

    /// Parses and handles every complete operation in `buf`, then ends the batch. An `Err` means the
    /// connection must close for that reason (any `-ERR` has been queued already).
    pub fn process(&mut self, buf: &mut BytesMut) -> Result<(), CloseReason> {
        let result = self.process_ops(buf);
        self.end_batch();
        result
    }

    fn process_ops(&mut self, buf: &mut BytesMut) -> Result<(), CloseReason> {
        loop {
            if self.fast_publish_allowed() {
                match peek_pub(buf, &self.limits) {
                    Ok(Some(frame)) => {
                        if self.publish_to_nobody(buf, &frame) {
                            continue;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => return Err(self.parse_error(e)),
                }
            }
            match parse_client_op(buf, &self.limits) {
                Ok(Some(op)) => self.handle(op)?,
                Ok(None) => return Ok(()),
                Err(e) => return Err(self.parse_error(e)),
            }
        }
    }

    fn end_batch(&mut self) {
        self.router.finish(&mut self.ctx);
        if self.batch_msgs > 0 {
            self.conn.in_msgs.fetch_add(self.batch_msgs, Ordering::Relaxed);
            self.conn.in_bytes.fetch_add(self.batch_bytes, Ordering::Relaxed);
            self.server.stats.add_in(self.batch_msgs, self.batch_bytes);
            self.batch_msgs = 0;
            self.batch_bytes = 0;
        }
        if std::mem::take(&mut self.flush_self) {
            self.conn.outbound.flush();
        }
    }

    fn parse_error(&mut self, e: ProtoError) -> CloseReason {
        debug!(cid = self.conn.cid, error = %e, "protocol error");
        match e {
            ProtoError::PayloadTooLarge { .. } => {
                self.send_err("Maximum Payload Violation");
                CloseReason::MaxPayloadExceeded
            }
            ProtoError::ControlLineTooLong => {
                self.send_err("maximum control line exceeded");
                CloseReason::MaxControlLineExceeded
            }
            // nats-server closes without a reply when the arguments of PUB/HPUB/SUB cannot be parsed.
            ProtoError::InvalidArgs { op } | ProtoError::InvalidSize { op } if op != "UNSUB" => {
                CloseReason::ProtocolViolation
            }
            ProtoError::InvalidHeaderSize => CloseReason::ProtocolViolation,
            _ => {
                self.send_err("Unknown Protocol Operation");
                CloseReason::ParseError
            }
        }
    }

    fn handle(&mut self, op: ClientOp) -> Result<(), CloseReason> {
        if !self.connected && !matches!(op, ClientOp::Connect(_)) && self.server.auth.required_for(self.conn.kind) {
            self.send_err("Authorization Violation");
            return Err(CloseReason::AuthenticationViolation);
        }
        match op {
            ClientOp::Connect(json) => self.handle_connect(&json),
            ClientOp::Pub { subject, reply, headers, payload } => self.handle_pub(subject, reply, headers, payload),
            ClientOp::Sub { subject, queue, sid } => self.handle_sub(subject, queue, sid),
            ClientOp::Unsub { sid, max } => {
                self.handle_unsub(sid, max);
                Ok(())
            }
            ClientOp::Ping => {
                self.send(b"PONG\r\n");
                Ok(())
            }
            ClientOp::Pong => {
                self.conn.pong_received();
                Ok(())
            }
        }
    }

    fn handle_connect(&mut self, json: &[u8]) -> Result<(), CloseReason> {
        let Ok(mut info) = serde_json::from_slice::<ConnectInfo>(json) else {
            // nats-server closes on unparsable CONNECT JSON without an -ERR.
            return Err(CloseReason::ProtocolViolation);
        };
        if !(0..=1).contains(&info.protocol) {
            self.send_err("invalid client protocol");
            return Err(CloseReason::BadClientProtocolVersion);
        }
        if info.no_responders && !info.headers {
            self.send_err("no responders requires headers support");
            return Err(CloseReason::NoRespondersRequiresHeaders);
        }
        match &self.cert_user {
            Some(CertUser::Mapped(user)) => info.user = Some(user.clone()),
            Some(CertUser::Unknown) => {
                self.send_err("Authorization Violation");
                return Err(CloseReason::AuthenticationViolation);
            }
            None => {}
        }
        let identity = match self.defaults.apply(&mut info) {
            // A certificate identity named on a listener that does not map certificates.
            _ if self.cert_user.is_none()
                && info.user.as_deref().is_some_and(|u| crate::tls::requires_certificate(&self.server, u)) =>
            {
                None
            }
            Some(user) => self.server.auth.identity_of(user),
            None => self.server.auth.check(&info, self.conn.kind, self.nonce.as_deref()),
        };
        let Some(identity) = identity else {
            self.send_err("Authorization Violation");
            return Err(CloseReason::AuthenticationViolation);
        };
        if !self.connected {
            // The account is fixed by the first CONNECT, before any subscription exists.
            self.router = self.server.accounts.lookup(&identity.account).router.clone();
        }
        if let Some(rules) = &identity.permissions {
            let perms = Arc::new(ConnPermissions::new(rules.clone()));
            if self.client.permissions.set(perms.clone()).is_ok() {
                self.permissions = Some(PublishGuard::new(perms));
            }
        }
        self.verbose = info.verbose;
        self.pedantic = info.pedantic;
        self.headers = info.headers && !self.server.config.no_header_support;
        self.no_responders = info.no_responders && self.headers;
        self.client.headers.store(self.headers, Ordering::Relaxed);
        self.ctx.echo = info.echo;
        self.conn.update_meta(|meta| {
            meta.name = info.name.unwrap_or_default();
            meta.lang = info.lang.unwrap_or_default();
            meta.version = info.version.unwrap_or_default();
            meta.user = identity.user;
            meta.account = identity.account;
        });
        self.connected = true;
        self.server.registry.connected(&self.conn);
        self.ok();
        Ok(())
    }

    /// Whether a publish may skip the per-op checks: a connected client without pedantic mode or
    /// publish permissions.
    #[inline]
    fn fast_publish_allowed(&self) -> bool {
        (self.connected || !self.server.auth.required()) && !self.pedantic && self.permissions.is_none()
    }

    /// Handles a publish nobody is subscribed to straight out of the read buffer, without building
    /// owned slices of it. Returns false (consuming nothing) when the publish needs the full path:
    /// it has subscribers, needs a no-responders reply, or carries something to check.
    #[inline]
    fn publish_to_nobody(&mut self, buf: &mut BytesMut, frame: &PubFrame) -> bool {
        if frame.headers.is_some() && !self.headers {
            return false;
        }
        if let Some(reply) = &frame.reply {
            if self.no_responders || is_reserved_reply(&buf[reply.clone()]) {
                return false;
            }
        }
        if !self.router.has_no_interest(&mut self.ctx, &buf[frame.subject.clone()]) {
            return false;
        }
        self.batch_msgs += 1;
        self.batch_bytes += frame.size() as u64;
        self.ok();
        buf.advance(frame.len);
        true
    }

    fn handle_pub(
        &mut self,
        subject: Bytes,
        reply: Option<Bytes>,
        headers: Option<Bytes>,
        payload: Bytes,
    ) -> Result<(), CloseReason> {
        if headers.is_some() && !self.headers {
            // HPUB from a client that did not announce header support: nats-server drops the connection.
            return Err(CloseReason::ProtocolViolation);
        }
        let size = headers.as_ref().map_or(0, Bytes::len) + payload.len();
        self.batch_msgs += 1;
        self.batch_bytes += size as u64;
        if self.pedantic && !std::str::from_utf8(&subject).is_ok_and(subject::is_valid_literal) {
            self.send_err("Invalid Publish Subject");
            return Ok(());
        }
        if self.permissions.as_mut().is_some_and(|p| !p.allows(&subject)) {
            self.permission_violation(format_args!("Publish to \"{}\"", String::from_utf8_lossy(&subject)));
            return Ok(());
        }
        if let Some(reply) = reply.as_ref().filter(|r| is_reserved_reply(r)) {
            self.permission_violation(format_args!("Publish with Reply of \"{}\"", String::from_utf8_lossy(reply)));
            return Ok(());
        }
        // nats-server acknowledges a verbose publish before delivering it (even to the publisher).
        self.ok();
        let msg = Msg { subject: &subject, reply: reply.as_ref(), headers: headers.as_ref(), payload: &payload };
        let delivered = self.router.publish(&mut self.ctx, &subject, &msg);
        if delivered == 0 && self.no_responders {
            if let Some(reply) = &reply {
                self.no_responders_reply(reply, &subject);
            }
        }
        Ok(())
    }

    /// Tells this client that nobody is listening for its request: a `503` status message on its own
    /// subscription that matches the reply subject.
    fn no_responders_reply(&mut self, reply: &Bytes, subject: &Bytes) {
        let result = self.router.sublist().matches(reply);
        let own = result
            .psubs
            .iter()
            .chain(result.qsubs.iter().flat_map(|g| g.members.iter()))
            .find(|s| s.client.id() == self.conn.cid)
            .cloned();
        let Some(sub) = own else { return };
        let mut hdr = HeaderMap::with_status(503, None);
        hdr.insert("Nats-Subject", String::from_utf8_lossy(subject));
        let headers = hdr.to_bytes();
        let empty = Bytes::new();
        let msg = Msg { subject: reply, reply: None, headers: Some(&headers), payload: &empty };
        if self.client.deliver(&sub, &msg) {
            self.flush_self = true;
        }
    }

    fn handle_sub(&mut self, subject: Bytes, queue: Option<Bytes>, sid: Bytes) -> Result<(), CloseReason> {
        // nats-server checks permissions first: a malformed subject is a violation when permissions exist.
        if let Some(perms) = &self.permissions {
            if !perms.conn().can_subscribe(&subject, queue.as_deref()) {
                let subject = String::from_utf8_lossy(&subject).into_owned();
                match &queue {
                    Some(q) => self.permission_violation(format_args!(
                        "Subscription to \"{subject}\" using queue \"{}\"",
                        String::from_utf8_lossy(q)
                    )),
                    None => self.permission_violation(format_args!("Subscription to \"{subject}\"")),
                }
                return Ok(());
            }
        }
        if !std::str::from_utf8(&subject).is_ok_and(subject::is_valid_filter) {
            self.send_err("Invalid Subject");
            return Ok(());
        }
        let max_subs = self.server.config.max_subscriptions;
        let sub = {
            let mut subs = self.conn.subs.lock();
            if subs.contains_key(&sid) {
                // nats-server keeps the first subscription of a duplicate sid.
                drop(subs);
                self.ok();
                return Ok(());
            }
            if max_subs > 0 && subs.len() >= max_subs {
                drop(subs);
                self.send_err("maximum subscriptions exceeded");
                return Ok(());
            }
            let client: Arc<dyn Subscriber> = self.client.clone();
            let sub = Arc::new(Subscription::new(client, subject, queue, sid.clone()));
            subs.insert(sid, sub.clone());
            sub
        };
        self.router.subscribe(sub);
        self.ok();
        Ok(())
    }

    fn handle_unsub(&mut self, sid: Bytes, max: Option<u64>) {
        let sub = self.conn.subs.lock().get(&sid).cloned();
        if let Some(sub) = sub {
            let remove_now = match max {
                Some(n) if n > 0 => sub.set_max(n),
                _ => true,
            };
            if remove_now {
                self.conn.subs.lock().remove(&sid);
                self.router.unsubscribe(&sub);
            }
        }
        self.ok();
    }

    /// Ends the session: removes its subscriptions from the core, records the connection as closed
    /// and breaks the reference cycle between the connection and its subscriptions.
    pub fn finish(self, reason: CloseReason) {
        let subs: Vec<Arc<Subscription>> = self.conn.subs.lock().values().cloned().collect();
        self.router.unsubscribe_all(subs.iter());
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

/// Reply subjects reserved for the server: service import responses (`_R_.`) and JetStream
/// acknowledgements (`$JS.ACK.`); clients may not use them (nats-server `isReservedReply`).
fn is_reserved_reply(reply: &[u8]) -> bool {
    reply.starts_with(b"_R_.") || reply.starts_with(b"$JS.ACK.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ConnectDefaults {
        ConnectDefaults {
            user: Some("cookie-user".into()),
            pass: Some("cookie-pass".into()),
            token: None,
            jwt: None,
            no_auth_user: Some("guest".into()),
        }
    }

    #[test]
    fn connect_defaults_fill_only_missing_credentials() {
        let mut info = ConnectInfo { user: Some("alice".into()), ..Default::default() };
        assert_eq!(defaults().apply(&mut info), None);
        assert_eq!(info.user.as_deref(), Some("alice"), "CONNECT wins over a cookie");
        assert_eq!(info.pass.as_deref(), Some("cookie-pass"));
    }

    #[test]
    fn no_auth_user_applies_only_without_any_credentials() {
        let mut info = ConnectInfo::default();
        let none = ConnectDefaults { no_auth_user: Some("guest".into()), ..Default::default() };
        assert_eq!(none.apply(&mut info), Some("guest"));
        let mut with_token = ConnectInfo { auth_token: Some("t".into()), ..Default::default() };
        assert_eq!(none.apply(&mut with_token), None);
        let mut filled = ConnectInfo::default();
        assert_eq!(defaults().apply(&mut filled), None, "cookies count as credentials");
    }
}
