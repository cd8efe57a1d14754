//! Overview: who the server is (name, id, version, uptime), its front-ends and their ports, live
//! charts of messages and bytes per second in and out, connections, subscriptions and slow
//! consumers, JetStream usage from `/jsz`, and `/healthz`.

use switchyard_shared::api::monitor::{HealthStatus, JsInfo, Varz};
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::chart::{Line, LineChart, Unit};
use crate::components::load::ErrorBox;
use crate::components::poll::{use_poll_json, use_poll_json_with};
use crate::format;

fn stat(id: &'static str, label: &'static str, value: String, sub: Option<String>) -> Html {
    html! {
        <div class="stat" id={id}>
            <span class="stat-label">{ label }</span>
            <span class="stat-value">{ value }</span>
            if let Some(s) = sub { <span class="stat-sub">{ s }</span> }
        </div>
    }
}

fn frontends(v: &Varz, js_enabled: Option<bool>) -> Html {
    let row = |name: &'static str, on: bool, addr: String, note: String| {
        html! {
            <tr class={classes!(if on { "on" } else { "off" })}>
                <td>{ name }</td>
                <td>{ if on { html! { <span class="pill good">{ "on" }</span> } } else { html! { <span class="pill">{ "off" }</span> } } }</td>
                <td class="mono">{ if on { addr } else { "–".into() } }</td>
                <td class="muted">{ note }</td>
            </tr>
        }
    };
    let ws = &v.websocket;
    let mqtt = &v.mqtt;
    html! {
        <table class="table compact" id="frontends">
            <thead><tr><th>{ "Front-end" }</th><th>{ "State" }</th><th>{ "Address" }</th><th>{ "Notes" }</th></tr></thead>
            <tbody>
                { row("NATS (TCP)", v.port > 0, format!("{}:{}", v.host, v.port),
                    format!("max payload {}, {}", format::bytes(v.max_payload as f64), if v.auth_required { "auth required" } else { "no auth" })) }
                { row("WebSocket", ws.port > 0, format!("{}:{}", if ws.host.is_empty() { &v.host } else { &ws.host }, ws.port),
                    if ws.no_tls { "plain (no TLS)".into() } else { "TLS".into() }) }
                { row("MQTT", mqtt.port > 0, format!("{}:{}", if mqtt.host.is_empty() { &v.host } else { &mqtt.host }, mqtt.port),
                    if mqtt.port > 0 { format!("ack wait {}, max ack pending {}", format::duration(mqtt.ack_wait, true), mqtt.max_ack_pending) } else { String::new() }) }
                { row("HTTP monitoring", v.http_port > 0, format!("{}:{}", v.http_host, v.http_port),
                    if v.http_base_path.is_empty() { String::new() } else { format!("base path {}", v.http_base_path) }) }
                { row("JetStream", js_enabled.unwrap_or(v.jetstream.config.is_some()),
                    v.jetstream.config.as_ref().map(|c| c.store_dir.clone()).unwrap_or_default(),
                    v.jetstream.config.as_ref().map(|c| format!("max memory {}, max storage {}", format::limit_bytes(c.max_memory), format::limit_bytes(c.max_store))).unwrap_or_default()) }
            </tbody>
        </table>
    }
}

#[function_component]
pub fn Overview() -> Html {
    let ctx = use_ctx();
    let slow_every = (ctx.session.settings.refresh_ms * 5).max(2000);
    let (jsz, _) = use_poll_json::<JsInfo>("jsz".into(), slow_every);
    let (health, _) = use_poll_json_with::<HealthStatus>("healthz".into(), slow_every, &[503]);
    let monitor = &ctx.monitor;
    let Some(v) = monitor.varz.clone() else {
        return html! {
            <div>
                <h1>{ "Overview" }</h1>
                <ErrorBox error={monitor.error.clone()} />
                if monitor.error.is_none() { <p class="muted loading">{ "Loading…" }</p> }
            </div>
        };
    };
    let s = &monitor.series;
    let latest = s.latest().copied().unwrap_or_default();
    let js = jsz.ready().filter(|j| !j.disabled);
    let health_text = match health.ready() {
        Some(h) if h.error.is_empty() => h.status.clone(),
        Some(h) => format!("{}: {}", h.status, h.error),
        None => "–".into(),
    };
    let slow = v.slow_consumers_stats.as_ref().map(|st| format!("clients {}, routes {}", st.clients, st.routes));
    html! {
        <div class="overview">
            <h1>{ "Overview" }</h1>
            <ErrorBox error={monitor.error.clone()} />
            <section class="stats">
                { stat("stat-server", "Server", v.name.clone(), Some(format!("{} · {}", v.id.chars().take(12).collect::<String>(), v.go_version))) }
                { stat("stat-version", "Version", v.version.clone(), Some(format!("started {}", format::time(v.start)))) }
                { stat("stat-uptime", "Uptime", v.uptime.clone(), Some(format!("health: {health_text}"))) }
                { stat("stat-connections", "Connections", format::count(v.connections.max(0) as u64), Some(format!("{} total", format::count(v.total_connections)))) }
                { stat("stat-subscriptions", "Subscriptions", format::count(u64::from(v.subscriptions)), None) }
                { stat("stat-slow", "Slow consumers", format::count(v.slow_consumers.max(0) as u64), slow) }
                { stat("stat-msgs", "Messages in / out", format!("{} / {}", format::compact(v.in_msgs as f64), format::compact(v.out_msgs as f64)),
                    Some(format!("{} / {}", format::rate(latest.in_msgs), format::rate(latest.out_msgs)))) }
                { stat("stat-bytes", "Bytes in / out", format!("{} / {}", format::bytes(v.in_bytes as f64), format::bytes(v.out_bytes as f64)),
                    Some(format!("{} / {}", format::byte_rate(latest.in_bytes), format::byte_rate(latest.out_bytes)))) }
                { stat("stat-memory", "Memory", format::bytes(v.mem as f64), Some(format!("CPU {:.1}% of {} cores", v.cpu, v.cores))) }
            </section>
            <section class="charts">
                <LineChart id="chart-msgs" title="Messages / s" unit={Unit::Rate} lines={vec![
                    Line { label: "in", class: "l1", points: s.line(|p| p.in_msgs) },
                    Line { label: "out", class: "l2", points: s.line(|p| p.out_msgs) },
                ]} />
                <LineChart id="chart-bytes" title="Bytes / s" unit={Unit::ByteRate} lines={vec![
                    Line { label: "in", class: "l1", points: s.line(|p| p.in_bytes) },
                    Line { label: "out", class: "l2", points: s.line(|p| p.out_bytes) },
                ]} />
                <LineChart id="chart-conns" title="Connections and subscriptions" unit={Unit::Count} lines={vec![
                    Line { label: "connections", class: "l1", points: s.line(|p| p.connections) },
                    Line { label: "subscriptions", class: "l2", points: s.line(|p| p.subscriptions) },
                ]} />
                <LineChart id="chart-slow" title="Slow consumers (total)" unit={Unit::Count} lines={vec![
                    Line { label: "slow consumers", class: "l3", points: s.line(|p| p.slow_consumers) },
                ]} />
            </section>
            <div class="columns">
                <section>
                    <h2>{ "Front-ends" }</h2>
                    { frontends(&v, jsz.ready().map(|j| !j.disabled)) }
                </section>
                <section id="jetstream-summary">
                    <h2>{ "JetStream" }</h2>
                    { match js {
                        Some(j) => html! {
                            <table class="table compact">
                                <tbody>
                                    <tr><th>{ "Streams" }</th><td>{ j.streams }</td></tr>
                                    <tr><th>{ "Consumers" }</th><td>{ j.consumers }</td></tr>
                                    <tr><th>{ "Messages" }</th><td>{ format::count(j.messages) }</td></tr>
                                    <tr><th>{ "Data" }</th><td>{ format::bytes(j.bytes as f64) }</td></tr>
                                    <tr><th>{ "Memory used" }</th><td>{ format!("{} of {}", format::bytes(j.stats.memory as f64), format::limit_bytes(j.config.max_memory)) }</td></tr>
                                    <tr><th>{ "Storage used" }</th><td>{ format!("{} of {}", format::bytes(j.stats.store as f64), format::limit_bytes(j.config.max_store)) }</td></tr>
                                    <tr><th>{ "API requests" }</th><td>{ format!("{} ({} errors)", format::count(j.stats.api.total), format::count(j.stats.api.errors)) }</td></tr>
                                </tbody>
                            </table>
                        },
                        None => match jsz.as_ref() {
                            crate::components::load::Load::Failed(e) => html! { <ErrorBox error={Some(e.clone())} /> },
                            crate::components::load::Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
                            crate::components::load::Load::Ready(_) => html! { <p class="muted">{ "JetStream is disabled." }</p> },
                        },
                    } }
                </section>
            </div>
        </div>
    }
}
