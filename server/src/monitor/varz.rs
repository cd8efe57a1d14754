//! `/varz`: server identity, configuration and counters (nats-server `Varz`).
//!
//! Input: the server's config, counters, registry, sublist, the rate sampler and the JetStream and
//! MQTT providers. Output: a [`Varz`]. Blocks for subsystems switchyard does not have (cluster,
//! gateway, leaf) are written as `{}`, as nats-server writes them when unconfigured.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use switchyard_shared::api::monitor::{
    JetStreamVarz, MqttOptsVarz, SlowConsumersStats, StaleConnectionStats, Varz, WebsocketOptsVarz,
};
use switchyard_shared::time::{format_uptime, Timestamp};

use super::{json_response, process, AppState, Params};
use crate::config::tls::DEFAULT_TLS_TIMEOUT;
use crate::core::conn::now_nanos;
use crate::server::{Server, NATS_VERSION};

/// The name of the system account, whose subjects carry `$SYS` events and requests.
pub const SYSTEM_ACCOUNT: &str = "$SYS";

/// What the MQTT front-end reports about itself (the `mqtt` block of `/varz`).
pub trait MqttMonitor: Send + Sync {
    fn varz(&self) -> MqttOptsVarz;
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The MQTT block: from the running front-end when it reports, else from the configuration.
fn mqtt_block(server: &Server) -> MqttOptsVarz {
    if let Some(mqtt) = server.monitoring.mqtt() {
        return mqtt.varz();
    }
    let Some(m) = &server.config.mqtt else { return MqttOptsVarz::default() };
    MqttOptsVarz {
        host: m.host.clone(),
        port: i64::from(m.port),
        no_auth_user: m.no_auth_user.clone().unwrap_or_default(),
        auth_timeout: server.config.auth_timeout.as_secs_f64(),
        tls_timeout: m.tls.as_ref().map_or(0.0, |t| t.timeout.as_secs_f64()),
        js_domain: m.js_domain.clone().unwrap_or_default(),
        ack_wait: nanos(m.ack_wait),
        max_ack_pending: m.max_ack_pending,
        ..Default::default()
    }
}

fn websocket_block(server: &Server) -> WebsocketOptsVarz {
    let Some(ws) = &server.config.websocket else { return WebsocketOptsVarz::default() };
    WebsocketOptsVarz {
        host: ws.host.clone(),
        port: i64::from(ws.port),
        advertise: ws.advertise.clone().unwrap_or_default(),
        no_auth_user: ws.no_auth_user.clone().unwrap_or_default(),
        jwt_cookie: ws.jwt_cookie.clone().unwrap_or_default(),
        handshake_timeout: nanos(ws.handshake_timeout),
        auth_timeout: server.config.auth_timeout.as_secs_f64(),
        no_tls: ws.tls.is_none(),
        same_origin: ws.same_origin,
        allowed_origins: ws.allowed_origins.clone(),
        compression: ws.compression,
        ..Default::default()
    }
}

/// The JetStream block: from the running JetStream, `{}` when it does not run.
fn jetstream_block(server: &Server) -> JetStreamVarz {
    server.monitoring.jetstream().map(|js| js.varz()).unwrap_or_default()
}

/// Builds `/varz`.
pub fn varz(server: &Server) -> Varz {
    let config = &server.config;
    let info = server.info();
    let now = now_nanos();
    let stats = server.stats.snapshot();
    let rates = server.monitoring.rates.server();
    let http_port =
        server.monitoring.http_addr().map(|a| i64::from(a.port())).or(config.http_port.map(i64::from)).unwrap_or(0);
    let cores = process::cores();
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Varz {
        id: server.server_id.clone(),
        name: server.server_name.clone(),
        version: NATS_VERSION.to_owned(),
        proto: i64::from(info.proto),
        git_commit: info.git_commit,
        go_version: info.go,
        host: info.host,
        port: i64::from(info.port),
        auth_required: info.auth_required,
        tls_required: info.tls_required,
        tls_verify: info.tls_verify,
        client_connect_urls: info.connect_urls,
        ws_connect_urls: info.ws_connect_urls,
        max_conn: i64::try_from(config.max_connections).unwrap_or(i64::MAX),
        max_subs: i64::try_from(config.max_subscriptions).unwrap_or(i64::MAX),
        ping_interval: nanos(config.ping_interval),
        max_pings_out: i64::from(config.ping_max),
        http_host: config.http_host.clone().unwrap_or_else(|| config.host.clone()),
        http_port,
        http_base_path: if config.http_base_path == "/" { String::new() } else { config.http_base_path.clone() },
        https_port: config.https_port.map_or(0, i64::from),
        auth_timeout: config.auth_timeout.as_secs_f64(),
        max_control_line: i32::try_from(config.max_control_line).unwrap_or(i32::MAX),
        max_payload: i64::try_from(config.max_payload).unwrap_or(i64::MAX),
        max_pending: i64::try_from(config.max_pending).unwrap_or(i64::MAX),
        mqtt: mqtt_block(server),
        websocket: websocket_block(server),
        jetstream: jetstream_block(server),
        tls_timeout: config.tls.as_ref().map_or(DEFAULT_TLS_TIMEOUT, |t| t.timeout).as_secs_f64(),
        write_deadline: nanos(config.write_deadline),
        start: Timestamp::from_unix_nanos(server.start),
        now: Timestamp::from_unix_nanos(now),
        uptime: format_uptime(now - server.start),
        mem: process::rss_bytes(),
        cores,
        max_procs: cores,
        cpu: server.monitoring.rates.cpu(),
        connections: i64::try_from(server.registry.num_open()).unwrap_or(i64::MAX),
        total_connections: stats.total_connections,
        in_msgs: as_i64(stats.in_msgs),
        in_bytes: as_i64(stats.in_bytes),
        in_client_msgs: as_i64(stats.in_msgs),
        in_client_bytes: as_i64(stats.in_bytes),
        out_msgs: as_i64(stats.out_msgs),
        out_bytes: as_i64(stats.out_bytes),
        out_client_msgs: as_i64(stats.out_msgs),
        out_client_bytes: as_i64(stats.out_bytes),
        slow_consumers: as_i64(stats.slow_consumers),
        stale_connections: as_i64(stats.stale_connections),
        subscriptions: u32::try_from(server.router.sublist().count()).unwrap_or(u32::MAX),
        http_req_stats: server.monitoring.http_req_stats(),
        config_load_time: Timestamp::from_unix_nanos(server.start),
        system_account: config.system_account.clone().unwrap_or_else(|| SYSTEM_ACCOUNT.to_owned()),
        slow_consumers_stats: Some(SlowConsumersStats { clients: stats.slow_consumers, ..Default::default() }),
        stale_connection_stats: Some(StaleConnectionStats {
            clients: server.stats.stale_connections.load(Ordering::Relaxed),
            ..Default::default()
        }),
        in_msgs_rate: rates.map(|r| r.in_msgs),
        out_msgs_rate: rates.map(|r| r.out_msgs),
        in_bytes_rate: rates.map(|r| r.in_bytes),
        out_bytes_rate: rates.map(|r| r.out_bytes),
        ..Default::default()
    }
}

/// `GET /varz`.
pub(crate) async fn handle(State(state): State<AppState>, Query(query): Query<Vec<(String, String)>>) -> Response {
    state.server.monitoring.count("/varz");
    json_response(StatusCode::OK, &varz(&state.server), &Params::from(query))
}
