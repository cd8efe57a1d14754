//! The HTTP bridge: publish and request over plain HTTP, for curl, webhooks and cron jobs.
//!
//! - `POST /pub/<subject>[?reply=<subject>]`: the body is the payload; answers `200 {"ok":true}`.
//! - `POST /req/<subject>[?timeout=2s]`: sends a request and answers with the first reply's payload
//!   (`Content-Type` from the reply's `Content-Type` header, else `application/octet-stream`);
//!   `503` when nobody listens, `504` when no reply comes in time (default 5s, at most 60s).
//!
//! Headers: request headers named `Nats-Hdr-<Name>` become NATS header `<Name>` (the name in
//! canonical `Word-Word` case); the reply's NATS headers come back as `Nats-Hdr-<Name>`, its status
//! line as `Nats-Status` and `Nats-Description`. Errors are JSON `{"error": "..."}`.
//!
//! Input: HTTP requests that passed [`auth`](super::auth) (its [`Principal`] limits the subjects).
//! Output: messages published on the global router through an [`Outbox`], like any internal service;
//! replies arrive on one wildcard inbox subscription of an [`InternalClient`] and are handed to the
//! waiting request by the inbox's last token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes as Body;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use parking_lot::Mutex;
use serde_json::json;
use tokio::sync::oneshot;

use switchyard_shared::headers::HeaderMap as NatsHeaders;
use switchyard_shared::subject;
use switchyard_shared::time::parse_duration;

use super::auth::Principal;
use super::{AppState, Params};
use crate::core::internal::{InMsg, InternalClient, Outbox};
use crate::core::{ClientId, Router};
use crate::server::Server;

/// HTTP request headers with this prefix become NATS headers.
pub const HEADER_PREFIX: &str = "nats-hdr-";
/// Request timeout when `timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest request timeout accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a bridge request failed.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("invalid subject")]
    InvalidSubject,
    #[error("invalid reply subject")]
    InvalidReply,
    #[error("invalid timeout: {0}")]
    InvalidTimeout(String),
    #[error("permissions violation for publish to \"{0}\"")]
    Forbidden(String),
    #[error("maximum payload exceeded")]
    PayloadTooLarge,
    #[error("no responders")]
    NoResponders,
    #[error("timeout")]
    Timeout,
    #[error("server shutting down")]
    ShuttingDown,
}

impl IntoResponse for BridgeError {
    fn into_response(self) -> Response {
        let status = match self {
            BridgeError::InvalidSubject | BridgeError::InvalidReply | BridgeError::InvalidTimeout(_) => {
                StatusCode::BAD_REQUEST
            }
            BridgeError::Forbidden(_) => StatusCode::FORBIDDEN,
            BridgeError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BridgeError::NoResponders | BridgeError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            BridgeError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        };
        (status, axum::Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// The bridge's identity on the router and its outstanding requests.
pub struct Bridge {
    router: Arc<Router>,
    id: ClientId,
    inbox_prefix: String,
    max_payload: usize,
    next: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<InMsg>>>,
}

fn random_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..22).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

impl Bridge {
    /// Subscribes the bridge's reply inbox and starts the task that hands replies to their requests.
    pub fn start(server: &Arc<Server>) -> Arc<Self> {
        let id = server.registry.next_cid();
        let bridge = Arc::new(Bridge {
            router: server.router.clone(),
            id,
            inbox_prefix: format!("_INBOX.{}.", random_token()),
            max_payload: server.config.max_payload,
            next: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
        });
        let inbox_bytes = server.config.max_payload.saturating_mul(4).max(8 << 20);
        let client = InternalClient::new(id, inbox_bytes);
        client.subscribe(&server.router, &format!("{}*", bridge.inbox_prefix), None, "bridge-replies");
        let shutdown = server.shutdown.clone();
        let dispatcher = bridge.clone();
        tokio::spawn(async move {
            loop {
                let batch = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    batch = client.next_batch() => batch,
                };
                for msg in batch {
                    dispatcher.dispatch(msg);
                }
            }
        });
        bridge
    }

    fn dispatch(&self, msg: InMsg) {
        let token = msg.subject.strip_prefix(self.inbox_prefix.as_bytes()).and_then(|t| std::str::from_utf8(t).ok());
        let Some(n) = token.and_then(|t| t.parse::<u64>().ok()) else { return };
        if let Some(waiter) = self.pending.lock().remove(&n) {
            let _ = waiter.send(msg);
        }
    }

    /// Publishes one message; returns how many subscriptions received it.
    fn publish(
        &self,
        server: &Server,
        subj: &Bytes,
        reply: Option<&Bytes>,
        headers: Option<&Bytes>,
        payload: &Bytes,
    ) -> usize {
        let mut outbox = Outbox::new(self.router.clone(), self.id);
        let delivered = outbox.publish(subj, reply, headers, payload);
        outbox.flush();
        let size = headers.map_or(0, Bytes::len) + payload.len();
        server.stats.add_in(1, size as u64);
        delivered
    }
}

/// `nats-msg-id` → `Msg-Id` style canonical case (as Go's `textproto` writes header names).
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The NATS header block built from the `Nats-Hdr-*` request headers, if any.
fn nats_headers(http: &HeaderMap) -> Option<Bytes> {
    let mut map = NatsHeaders::new();
    for (name, value) in http {
        let Some(rest) = name.as_str().strip_prefix(HEADER_PREFIX) else { continue };
        if rest.is_empty() {
            continue;
        }
        if let Ok(value) = value.to_str() {
            map.append(canonical(rest), value);
        }
    }
    (!map.is_empty()).then(|| map.to_bytes())
}

/// Checks what every bridge call checks and returns the subject, headers and payload.
fn prepare(
    state: &AppState,
    principal: &Principal,
    subj: &str,
    http: &HeaderMap,
    body: Body,
) -> Result<(Bytes, Option<Bytes>, Bytes), BridgeError> {
    if !subject::is_valid_literal(subj) {
        return Err(BridgeError::InvalidSubject);
    }
    if !principal.may_publish(subj) {
        return Err(BridgeError::Forbidden(subj.to_owned()));
    }
    if state.server.shutdown.is_cancelled() {
        return Err(BridgeError::ShuttingDown);
    }
    let headers = nats_headers(http);
    if headers.as_ref().map_or(0, Bytes::len) + body.len() > state.bridge.max_payload {
        return Err(BridgeError::PayloadTooLarge);
    }
    Ok((Bytes::copy_from_slice(subj.as_bytes()), headers, body))
}

/// `POST /pub/<subject>`.
pub(crate) async fn handle_pub(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(subj): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    http: HeaderMap,
    body: Body,
) -> Result<Response, BridgeError> {
    state.server.monitoring.count("/pub");
    let params = Params::from(q);
    let (subj, headers, payload) = prepare(&state, &principal, &subj, &http, body)?;
    let reply = match params.get("reply") {
        Some(r) if subject::is_valid_literal(r) => Some(Bytes::copy_from_slice(r.as_bytes())),
        Some(_) => return Err(BridgeError::InvalidReply),
        None => None,
    };
    state.bridge.publish(&state.server, &subj, reply.as_ref(), headers.as_ref(), &payload);
    Ok(axum::Json(json!({ "ok": true })).into_response())
}

/// Removes a pending request when its handler returns early or is dropped.
struct PendingGuard<'a> {
    bridge: &'a Bridge,
    n: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.bridge.pending.lock().remove(&self.n);
    }
}

/// `POST /req/<subject>`.
pub(crate) async fn handle_req(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(subj): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    http: HeaderMap,
    body: Body,
) -> Result<Response, BridgeError> {
    state.server.monitoring.count("/req");
    let params = Params::from(q);
    let timeout = match params.get("timeout") {
        None => DEFAULT_TIMEOUT,
        Some(t) => {
            let nanos = parse_duration(t).map_err(|_| BridgeError::InvalidTimeout(t.to_owned()))?;
            if nanos <= 0 {
                return Err(BridgeError::InvalidTimeout(t.to_owned()));
            }
            Duration::from_nanos(nanos.unsigned_abs()).min(MAX_TIMEOUT)
        }
    };
    let (subj, headers, payload) = prepare(&state, &principal, &subj, &http, body)?;
    let bridge = &state.bridge;
    let n = bridge.next.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = oneshot::channel();
    bridge.pending.lock().insert(n, tx);
    let _guard = PendingGuard { bridge, n };
    let reply = Bytes::from(format!("{}{n}", bridge.inbox_prefix));
    if bridge.publish(&state.server, &subj, Some(&reply), headers.as_ref(), &payload) == 0 {
        return Err(BridgeError::NoResponders);
    }
    let msg = match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(msg)) => msg,
        Ok(Err(_)) => return Err(BridgeError::ShuttingDown),
        Err(_) => return Err(BridgeError::Timeout),
    };
    Ok(reply_response(msg))
}

/// Turns a reply message into the HTTP response.
fn reply_response(msg: InMsg) -> Response {
    let parsed = msg.headers.as_ref().and_then(|h| NatsHeaders::parse(h).ok());
    if parsed.as_ref().and_then(|h| h.status) == Some(503) && msg.payload.is_empty() {
        return BridgeError::NoResponders.into_response();
    }
    let content_type = parsed
        .as_ref()
        .and_then(|h| h.get("Content-Type"))
        .and_then(|v| HeaderValue::from_str(v).ok())
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    let mut response = (StatusCode::OK, msg.payload).into_response();
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, content_type);
    if let Some(h) = parsed {
        if let Some(status) = h.status {
            out.insert("nats-status", HeaderValue::from(status));
        }
        if let Some(desc) = h.description.as_deref().and_then(|d| HeaderValue::from_str(d).ok()) {
            out.insert("nats-description", desc);
        }
        for (name, value) in h.iter() {
            let name = HeaderName::try_from(format!("{HEADER_PREFIX}{name}"));
            if let (Ok(name), Ok(value)) = (name, HeaderValue::from_str(value)) {
                out.append(name, value);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_canonical() {
        assert_eq!(canonical("nats-msg-id"), "Nats-Msg-Id");
        assert_eq!(canonical("x"), "X");
        assert_eq!(canonical("TRACE-id"), "Trace-Id");
    }

    #[test]
    fn prefixed_request_headers_become_nats_headers() {
        let mut http = HeaderMap::new();
        http.insert("nats-hdr-nats-msg-id", HeaderValue::from_static("42"));
        http.insert("content-type", HeaderValue::from_static("text/plain"));
        let block = nats_headers(&http).unwrap();
        let parsed = NatsHeaders::parse(&block).unwrap();
        assert_eq!(parsed.get("Nats-Msg-Id"), Some("42"));
        assert_eq!(parsed.len(), 1);
        assert!(nats_headers(&HeaderMap::new()).is_none());
    }
}
