//! Monitoring over HTTP: nats-server's endpoints (`/varz`, `/connz`, `/subsz`, `/routez`, `/gatewayz`,
//! `/leafz`, `/accountz`, `/accstatz`, `/jsz`, `/healthz`) with its JSON shapes, a Prometheus text
//! endpoint (`/metrics`), an HTTP bridge into the message bus (`POST /pub/<subject>`,
//! `POST /req/<subject>`), and the console bundle (or an HTML index of the endpoints) at `/`.
//!
//! Input: the shared [`Server`] state, read by snapshot: each handler copies what it needs under brief
//! locks (registry, sublist, a connection's counters) and serializes afterwards, so monitoring never
//! holds up message routing. Output: HTTP responses; JSON is pretty-printed like nats-server's, with an
//! optional JSONP `callback`, `Access-Control-Allow-Origin: *` (CORS layer) and gzip on request.
//!
//! The JSON types come from `switchyard_shared::api::monitor` (also used by the console); this module
//! only fills them. JetStream and MQTT report through provider slots on [`Monitoring`]
//! ([`jsz::JetStreamMonitor`], [`varz::MqttMonitor`]) so that monitoring does not depend on those
//! subsystems. Beyond nats-server: optional credentials ([`auth`]) and the bridge ([`bridge`]); rates
//! (messages and bytes per second) come from a sampler task ([`rates`]).
//!
//! With `https_port` the same endpoints are also served over TLS with the top-level `tls` block
//! ([`bind_https`], [`crate::tls::https::TlsListener`]). It knows nothing of routes, gateways or leaf
//! nodes beyond answering that there are none.

pub mod accountz;
mod assets;
pub mod auth;
pub mod bridge;
pub mod connz;
pub mod healthz;
pub mod jsz;
mod metrics;
mod params;
mod process;
pub mod rates;
pub mod routez;
pub mod subsz;
pub mod varz;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use parking_lot::{Mutex, RwLock};
use serde::Serialize;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tracing::{info, warn};

use crate::server::{Server, StartError};
use crate::tls::https::TlsListener;

pub use jsz::{HealthCheck, HealthProblem, JetStreamMonitor, JszOptions};
pub use params::Params;
pub use varz::MqttMonitor;

/// How long one monitoring request may take before it is answered with 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Monitoring state kept on the [`Server`]: provider slots, traffic rates, request counts and the bound
/// HTTP address.
pub struct Monitoring {
    jetstream: RwLock<Option<Arc<dyn JetStreamMonitor>>>,
    mqtt: RwLock<Option<Arc<dyn MqttMonitor>>>,
    /// Rates computed by the sampler task.
    pub rates: rates::Rates,
    http_req_stats: Mutex<BTreeMap<String, u64>>,
    http_addr: Mutex<Option<SocketAddr>>,
    https_addr: Mutex<Option<SocketAddr>>,
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            jetstream: RwLock::new(None),
            mqtt: RwLock::new(None),
            rates: rates::Rates::default(),
            http_req_stats: Mutex::new(BTreeMap::new()),
            http_addr: Mutex::new(None),
            https_addr: Mutex::new(None),
        }
    }
}

impl Monitoring {
    /// Installs the JetStream provider (when JetStream has started).
    pub fn set_jetstream(&self, provider: Arc<dyn JetStreamMonitor>) {
        *self.jetstream.write() = Some(provider);
    }

    /// Removes the JetStream provider (JetStream stopped).
    pub fn clear_jetstream(&self) {
        *self.jetstream.write() = None;
    }

    /// The JetStream provider, when JetStream runs.
    pub fn jetstream(&self) -> Option<Arc<dyn JetStreamMonitor>> {
        self.jetstream.read().clone()
    }

    /// Installs the MQTT provider (when the MQTT listener has started).
    pub fn set_mqtt(&self, provider: Arc<dyn MqttMonitor>) {
        *self.mqtt.write() = Some(provider);
    }

    /// The MQTT provider, when the MQTT front-end runs.
    pub fn mqtt(&self) -> Option<Arc<dyn MqttMonitor>> {
        self.mqtt.read().clone()
    }

    /// The bound monitoring address, once listening.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        *self.http_addr.lock()
    }

    pub(crate) fn set_http_addr(&self, addr: SocketAddr) {
        *self.http_addr.lock() = Some(addr);
    }

    /// The bound HTTPS monitoring address, once listening.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        *self.https_addr.lock()
    }

    /// Counts one request of an endpoint (`http_req_stats` in `/varz`).
    pub(crate) fn count(&self, path: &str) {
        *self.http_req_stats.lock().entry(path.to_owned()).or_default() += 1;
    }

    pub(crate) fn http_req_stats(&self) -> BTreeMap<String, u64> {
        self.http_req_stats.lock().clone()
    }
}

/// A monitoring request that cannot be answered; the texts are nats-server's.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// A parameter could not be decoded or options conflict (HTTP 400, plain text).
    #[error("{0}")]
    BadRequest(String),
    /// The request could not be completed (HTTP 500, plain text).
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for MonitorError {
    fn into_response(self) -> Response {
        match self {
            MonitorError::BadRequest(text) => {
                (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
            }
            MonitorError::Internal(_) => {
                let text = self.to_string();
                (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
                    .into_response()
            }
        }
    }
}

/// State shared by the HTTP handlers.
#[derive(Clone)]
pub(crate) struct AppState {
    pub server: Arc<Server>,
    pub auth: Arc<auth::MonitorAuth>,
    pub bridge: Arc<bridge::Bridge>,
}

/// Writes `body` as nats-server does: indented JSON, or `callback(json)` as JavaScript for JSONP.
pub(crate) fn json_response<T: Serialize>(status: StatusCode, body: &T, params: &Params) -> Response {
    let json = serde_json::to_vec_pretty(body).unwrap_or_else(|_| b"{}".to_vec());
    json_bytes_response(status, json, params)
}

/// Like [`json_response`] without indentation (nats-server writes `/healthz` compactly).
pub(crate) fn compact_json_response<T: Serialize>(status: StatusCode, body: &T, params: &Params) -> Response {
    let json = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    json_bytes_response(status, json, params)
}

fn json_bytes_response(status: StatusCode, json: Vec<u8>, params: &Params) -> Response {
    match params.get("callback").filter(|cb| is_js_identifier(cb)) {
        Some(cb) => {
            let mut out = Vec::with_capacity(json.len() + cb.len() + 2);
            out.extend_from_slice(cb.as_bytes());
            out.push(b'(');
            out.extend_from_slice(&json);
            out.push(b')');
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/javascript"))], out).into_response()
        }
        None => (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response(),
    }
}

/// JSONP callbacks are restricted to dotted JavaScript identifiers, so the parameter cannot inject script.
fn is_js_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// Builds the monitoring application: every endpoint, the bridge, the console bundle, and the layers
/// (authentication, CORS, compression, timeouts). Mounted under `http_base_path`.
pub fn app(server: Arc<Server>) -> axum::Router {
    let state = AppState {
        auth: Arc::new(auth::MonitorAuth::new(&server.config)),
        bridge: bridge::Bridge::start(&server),
        server: server.clone(),
    };
    let endpoints = axum::Router::new()
        .route("/varz", get(varz::handle))
        .route("/connz", get(connz::handle))
        .route("/subsz", get(subsz::handle))
        .route("/subscriptionsz", get(subsz::handle))
        .route("/routez", get(routez::handle_routez))
        .route("/gatewayz", get(routez::handle_gatewayz))
        .route("/leafz", get(routez::handle_leafz))
        .route("/accountz", get(accountz::handle_accountz))
        .route("/accstatz", get(accountz::handle_accstatz))
        .route("/jsz", get(jsz::handle))
        .route("/healthz", get(healthz::handle))
        .route("/metrics", get(metrics::handle))
        .route("/", get(assets::handle_root))
        .fallback(get(assets::handle_asset))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT));
    let bridge = axum::Router::new()
        .route("/pub/{*subject}", post(bridge::handle_pub))
        .route("/req/{*subject}", post(bridge::handle_req))
        .layer(axum::extract::DefaultBodyLimit::max(server.config.max_payload.saturating_add(1)));
    let app = endpoints
        .merge(bridge)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::check))
        .with_state(state);
    let base = server.config.http_base_path.trim_end_matches('/');
    let app = if base.is_empty() { app } else { axum::Router::new().nest(base, app) };
    // Any origin, as nats-server; request headers are mirrored because a `*` would not cover
    // `Authorization`, which the console sends when monitoring requires credentials.
    let cors = CorsLayer::permissive().allow_headers(AllowHeaders::mirror_request());
    app.layer(CompressionLayer::new()).layer(cors)
}

/// Serves monitoring on `listener` until the server shuts down.
pub async fn serve<L>(server: Arc<Server>, listener: L)
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let app = app(server.clone());
    let shutdown = server.shutdown.clone();
    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(async move { shutdown.cancelled().await }).await {
        warn!(error = %e, "monitoring listener failed");
    }
}

/// Binds the monitoring listener when `http_port` is configured and records its address.
pub async fn bind(server: &Arc<Server>) -> Result<Option<TcpListener>, StartError> {
    let Some(port) = server.config.http_port else { return Ok(None) };
    let host = server.config.http_host.as_deref().unwrap_or(&server.config.host);
    let addr = format!("{host}:{port}");
    let listener = TcpListener::bind(&addr).await.map_err(|source| StartError::Bind { addr: addr.clone(), source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr, source })?;
    server.monitoring.set_http_addr(addr);
    info!(%addr, "listening for monitoring requests");
    Ok(Some(listener))
}

/// Binds the HTTPS monitoring listener when `https_port` is configured (with the top-level `tls`
/// block) and records its address.
pub async fn bind_https(server: &Arc<Server>) -> Result<Option<TlsListener>, StartError> {
    let Some(port) = server.config.https_port else { return Ok(None) };
    let tls = server.tls.clone().ok_or_else(|| StartError::Config("https_port needs a tls block".into()))?;
    let host = server.config.http_host.as_deref().unwrap_or(&server.config.host);
    let addr = format!("{host}:{port}");
    let listener = TcpListener::bind(&addr).await.map_err(|source| StartError::Bind { addr: addr.clone(), source })?;
    let listener = TlsListener::new(listener, tls).map_err(|source| StartError::Bind { addr, source })?;
    let addr = axum::serve::Listener::local_addr(&listener)
        .map_err(|source| StartError::Bind { addr: "https".into(), source })?;
    *server.monitoring.https_addr.lock() = Some(addr);
    info!(%addr, "listening for monitoring requests on https://{addr}");
    Ok(Some(listener))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonp_callbacks_must_be_identifiers() {
        assert!(is_js_identifier("cb"));
        assert!(is_js_identifier("window.app.on_varz"));
        assert!(!is_js_identifier("alert(1);cb"));
        assert!(!is_js_identifier(""));
        assert!(!is_js_identifier("1abc"));
    }
}
