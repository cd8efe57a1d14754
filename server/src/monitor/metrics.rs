//! `/metrics`: the monitoring data in Prometheus text format (version 0.0.4), so a Prometheus server
//! can scrape switchyard directly instead of through prometheus-nats-exporter.
//!
//! Names follow the exporter's scheme, `gnatsd_<endpoint>_<field>` with a `server_id` label, so
//! dashboards built for it keep working: every top-level number of `/varz`, `/subsz` and `/jsz`, the
//! counts of `/connz`, and `gnatsd_healthz_status` (0 healthy, 1 not). Switchyard adds
//! `switchyard_connections{type=…}`: open connections per front-end (`nats`, `websocket`, `mqtt`), and
//! `switchyard_jetstream_enabled`.
//!
//! Input: the same builders as the JSON endpoints. Output: `text/plain; version=0.0.4`.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::healthz::{healthz, HealthzOptions};
use super::jsz::{jsz, JszOptions};
use super::subsz::sublist_stats;
use super::varz::varz;
use super::AppState;
use crate::core::Kind;
use crate::server::Server;

/// Escapes a label value.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

struct Writer {
    out: String,
    labels: String,
}

impl Writer {
    fn gauge(&mut self, name: &str, help: &str, value: f64) {
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} gauge");
        let _ = writeln!(self.out, "{name}{{{}}} {}", self.labels, format_value(value));
    }

    /// One gauge per top-level number of `body`.
    fn numbers<T: Serialize>(&mut self, endpoint: &str, body: &T) {
        let Ok(Value::Object(map)) = serde_json::to_value(body) else { return };
        for (field, value) in map {
            if let Some(v) = value.as_f64() {
                let name = format!("gnatsd_{endpoint}_{}", sanitize(&field));
                self.gauge(&name, &format!("{field} from /{endpoint}"), v);
            }
        }
    }
}

/// Metric names allow `[a-zA-Z0-9_:]`.
fn sanitize(field: &str) -> String {
    field.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v}")
    }
}

/// Renders every metric.
pub fn render(server: &Server) -> String {
    let mut w =
        Writer { out: String::with_capacity(8 * 1024), labels: format!("server_id=\"{}\"", escape(&server.server_id)) };
    w.numbers("varz", &varz(server));
    w.numbers("subsz", &sublist_stats(server));
    if let Ok(js) = jsz(server, &JszOptions::default()) {
        w.numbers("jsz", &js);
    }
    let open = server.registry.open();
    let mut by_type: BTreeMap<&str, u64> =
        [Kind::Client, Kind::WebSocket, Kind::Mqtt].iter().map(|k| (k.type_str(), 0)).collect();
    for conn in open.iter().filter(|c| c.kind != Kind::Internal) {
        *by_type.entry(conn.kind.type_str()).or_default() += 1;
    }
    let total: u64 = by_type.values().sum();
    w.gauge("gnatsd_connz_num_connections", "open client connections from /connz", total as f64);
    w.gauge("gnatsd_connz_total", "open client connections from /connz", total as f64);
    let _ = writeln!(w.out, "# HELP switchyard_connections open client connections by front-end");
    let _ = writeln!(w.out, "# TYPE switchyard_connections gauge");
    for (kind, n) in by_type {
        let _ = writeln!(w.out, "switchyard_connections{{{},type=\"{kind}\"}} {n}", w.labels);
    }
    let js = if server.monitoring.jetstream().is_some() { 1.0 } else { 0.0 };
    w.gauge("switchyard_jetstream_enabled", "1 when JetStream runs", js);
    let healthy = healthz(server, &HealthzOptions::default()).status_code == 200;
    w.gauge("gnatsd_healthz_status", "0 when /healthz reports ok, 1 otherwise", if healthy { 0.0 } else { 1.0 });
    w.out
}

/// `GET /metrics`.
pub(crate) async fn handle(State(state): State<AppState>) -> Response {
    state.server.monitoring.count("/metrics");
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], render(&state.server))
        .into_response()
}
