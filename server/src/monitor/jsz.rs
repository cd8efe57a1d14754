//! `/jsz`: JetStream usage, and on request per-account, per-stream and per-consumer detail
//! (`accounts`, `streams`, `consumers`, `config`, `acc`, `offset`, `limit`, `leader-only`, `raft`,
//! `direct-consumers`, `stream-leader-only`).
//!
//! JetStream reports through [`JetStreamMonitor`], installed on [`Monitoring`](super::Monitoring)
//! when it starts; monitoring depends only on this trait. Without a provider, `/jsz` answers as
//! nats-server does with JetStream off: `disabled: true` and zeroed statistics.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use switchyard_shared::api::monitor::{HealthzError, JetStreamVarz, JsInfo};
use switchyard_shared::time::Timestamp;

use super::{json_response, AppState, MonitorError, Params};
use crate::core::conn::now_nanos;
use crate::server::Server;

/// `/jsz` options (nats-server `JSzOptions`, same JSON names), already normalised when handed to a
/// provider: `consumers` implies `streams`, `streams` without `account` implies `accounts`, `limit`
/// defaults to 1024 and `offset` is not negative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct JszOptions {
    pub account: String,
    pub accounts: bool,
    pub streams: bool,
    #[serde(rename = "consumer")]
    pub consumers: bool,
    #[serde(rename = "direct_consumer")]
    pub direct_consumers: bool,
    pub config: bool,
    pub leader_only: bool,
    pub offset: i64,
    pub limit: i64,
    #[serde(rename = "raft")]
    pub raft_groups: bool,
    pub stream_leader_only: bool,
}

impl JszOptions {
    pub fn from_params(p: &Params) -> Result<Self, MonitorError> {
        Ok(JszOptions {
            accounts: p.bool("accounts")?,
            streams: p.bool("streams")?,
            consumers: p.bool("consumers")?,
            direct_consumers: p.bool("direct-consumers")?,
            config: p.bool("config")?,
            offset: p.int("offset")?,
            limit: p.int("limit")?,
            leader_only: p.bool("leader-only")?,
            raft_groups: p.bool("raft")?,
            stream_leader_only: p.bool("stream-leader-only")?,
            account: p.string("acc"),
        })
    }

    /// Applies nats-server's defaults and implications.
    pub fn normalized(mut self) -> Self {
        self.offset = self.offset.max(0);
        if self.limit == 0 {
            self.limit = 1024;
        }
        if self.consumers {
            self.streams = true;
        }
        if self.streams && self.account.is_empty() {
            self.accounts = true;
        }
        self
    }
}

/// What a health check asks JetStream about: everything, or one account, stream or consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthCheck {
    /// `js-meta-only`: only the meta layer (always healthy on a single server).
    pub meta_only: bool,
    pub account: String,
    pub stream: String,
    pub consumer: String,
}

/// One failed JetStream health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthProblem {
    /// HTTP status to answer with: 503 for assets not current or not recovered, 404 for a requested
    /// account, stream or consumer that does not exist.
    pub status: u16,
    /// The failure, with nats-server's texts (e.g. `JetStream stream 'A > S' could not be recovered`).
    pub error: HealthzError,
}

/// What running JetStream reports to monitoring. Implementations answer from snapshots and must not
/// block for long: they run on the HTTP handler's task.
pub trait JetStreamMonitor: Send + Sync {
    /// The `/jsz` body; `server_id` and `now` are filled in by monitoring.
    fn jsz(&self, opts: &JszOptions) -> JsInfo;
    /// The `jetstream` block of `/varz`.
    fn varz(&self) -> JetStreamVarz;
    /// Problems with the assets `check` names (all of them when it names none); empty when healthy.
    fn health(&self, check: &HealthCheck) -> Vec<HealthProblem>;
    /// Whether this server leads the meta group (always true on a single server).
    fn is_leader(&self) -> bool {
        true
    }
}

/// Builds `/jsz`.
pub fn jsz(server: &Server, opts: &JszOptions) -> Result<JsInfo, MonitorError> {
    let opts = opts.clone().normalized();
    let mut info = match server.monitoring.jetstream() {
        Some(js) => {
            if opts.leader_only && !js.is_leader() {
                return Err(MonitorError::BadRequest("filtered response: not leader".into()));
            }
            js.jsz(&opts)
        }
        None if opts.leader_only => return Err(MonitorError::BadRequest("filtered response: not leader".into())),
        None => JsInfo { disabled: true, ..Default::default() },
    };
    info.id = server.server_id.clone();
    info.now = Timestamp::from_unix_nanos(now_nanos());
    Ok(info)
}

/// `GET /jsz`.
pub(crate) async fn handle(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(q);
    state.server.monitoring.count("/jsz");
    let info = jsz(&state.server, &JszOptions::from_params(&params)?)?;
    Ok(json_response(StatusCode::OK, &info, &params))
}
