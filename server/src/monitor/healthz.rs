//! `/healthz`: readiness and JetStream health, with nats-server's semantics and texts.
//!
//! Order of checks (as nats-server 2.10+): bad parameters (400); readiness: the client listener is
//! bound and the server is neither in lame-duck mode nor shutting down (500, `error`); with
//! `js-server-only` stop there; JetStream not configured: healthy; JetStream configured but not
//! running (no provider installed): 503 `unavailable`, "JetStream not enabled (10076)"; with
//! `js-enabled-only` stop there; otherwise the provider's checks of all assets, or of the `account`,
//! `stream` and `consumer` asked for. With `details=true` failures are listed in `errors` and `status`
//! is `error` or `ok`.
//!
//! Input: the server and the JetStream provider. Output: a [`HealthStatus`] whose `status_code` is the
//! HTTP status (removed from the HTTP body, kept in `$SYS` replies).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use switchyard_shared::api::monitor::{HealthStatus, HealthzError, HealthzErrorType};

use super::jsz::HealthCheck;
use super::{compact_json_response, AppState, MonitorError, Params};
use crate::server::Server;

/// nats-server's `JSNotEnabledErr` as `ApiError::Error()` prints it.
pub const JS_NOT_ENABLED: &str = "JetStream not enabled (10076)";

/// `/healthz` options (nats-server `HealthzOptions`, same JSON names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct HealthzOptions {
    /// Deprecated spelling of `js-enabled-only`.
    #[serde(rename = "js-enabled")]
    pub js_enabled: bool,
    #[serde(rename = "js-enabled-only")]
    pub js_enabled_only: bool,
    #[serde(rename = "js-server-only")]
    pub js_server_only: bool,
    #[serde(rename = "js-meta-only")]
    pub js_meta_only: bool,
    pub account: String,
    pub stream: String,
    pub consumer: String,
    pub details: bool,
}

impl HealthzOptions {
    pub fn from_params(p: &Params) -> Result<Self, MonitorError> {
        Ok(HealthzOptions {
            js_enabled: p.bool("js-enabled")?,
            js_enabled_only: p.bool("js-enabled-only")?,
            js_server_only: p.bool("js-server-only")?,
            js_meta_only: p.bool("js-meta-only")?,
            details: p.bool("details")?,
            account: p.string("account"),
            stream: p.string("stream"),
            consumer: p.string("consumer"),
        })
    }
}

/// Whether the server accepts clients; the error names what is not ready, in nats-server's words.
pub fn readiness(server: &Server) -> Result<(), String> {
    let bound = server.client_addr.lock().is_some();
    if bound && !server.in_lame_duck() && !server.shutdown.is_cancelled() {
        Ok(())
    } else {
        Err("failed to be ready for connections after 1ms: server".to_owned())
    }
}

/// Records one failure: as the single `error` without details, or appended to `errors` with them.
fn fail(health: &mut HealthStatus, details: bool, status: &str, error: HealthzError) {
    if details {
        health.errors.push(error);
    } else {
        health.status = status.to_owned();
        health.error = error.error;
    }
}

/// Builds the health status.
pub fn healthz(server: &Server, opts: &HealthzOptions) -> HealthStatus {
    let mut health = HealthStatus::ok();
    check(server, opts, &mut health);
    if opts.details {
        health.status = if health.errors.is_empty() { "ok" } else { "error" }.to_owned();
    }
    if health.status_code == 0 {
        let failed = !health.error.is_empty() || !health.errors.is_empty();
        health.status_code = if failed { 503 } else { 200 };
    }
    health
}

fn check(server: &Server, opts: &HealthzOptions, health: &mut HealthStatus) {
    let details = opts.details;
    let bad_request = |what: &str, when: &str| HealthzError {
        kind: HealthzErrorType::BadRequest,
        error: format!("\"{what}\" must not be empty when checking {when} health"),
        ..Default::default()
    };
    if opts.account.is_empty() && !opts.stream.is_empty() {
        health.status_code = 400;
        return fail(health, details, "error", bad_request("account", "stream"));
    }
    if opts.stream.is_empty() && !opts.consumer.is_empty() {
        health.status_code = 400;
        return fail(health, details, "error", bad_request("stream", "consumer"));
    }
    if let Err(e) = readiness(server) {
        health.status_code = 500;
        let error = HealthzError { kind: HealthzErrorType::Connection, error: e, ..Default::default() };
        return fail(health, details, "error", error);
    }
    if opts.js_server_only || server.config.jetstream.is_none() {
        return;
    }
    let Some(js) = server.monitoring.jetstream() else {
        health.status_code = 503;
        let error =
            HealthzError { kind: HealthzErrorType::JetStream, error: JS_NOT_ENABLED.to_owned(), ..Default::default() };
        return fail(health, details, "unavailable", error);
    };
    if opts.js_enabled_only || opts.js_enabled {
        return;
    }
    let problems = js.health(&HealthCheck {
        meta_only: opts.js_meta_only,
        account: opts.account.clone(),
        stream: opts.stream.clone(),
        consumer: opts.consumer.clone(),
    });
    if let Some(code) = problems.iter().map(|p| p.status).find(|s| *s != 503) {
        health.status_code = i64::from(code);
    }
    for problem in problems {
        fail(health, details, "unavailable", problem.error);
        if !details {
            return;
        }
    }
}

/// `GET /healthz`.
pub(crate) async fn handle(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(q);
    state.server.monitoring.count("/healthz");
    let mut health = healthz(&state.server, &HealthzOptions::from_params(&params)?);
    let status = StatusCode::from_u16(u16::try_from(health.status_code).unwrap_or(503))
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    health.status_code = 0;
    Ok(compact_json_response(status, &health, &params))
}
