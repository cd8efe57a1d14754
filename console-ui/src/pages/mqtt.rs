//! MQTT: connected clients, sessions (persistent ones too, with their subscriptions and pending
//! QoS 1/2 messages) and retained messages from `/mqttz`; kick a client, delete a session, clear a
//! retained message. When the server has no `/mqttz`, MQTT connections from `/connz` are shown.

use switchyard_shared::api::monitor::Connz;
use switchyard_shared::time::Timestamp;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::load::{ErrorBox, Load};
use crate::components::modal::Confirm;
use crate::components::poll::use_poll_json;
use crate::connections::address;
use crate::format;
use crate::mqttz::{expiry_text, Admin, Mqttz};
use crate::services::http;

fn nanos_time(ns: i64) -> String {
    format::time(Timestamp::from_unix_nanos(ns))
}

#[function_component]
pub fn Mqtt() -> Html {
    let ctx = use_ctx();
    let every = ctx.session.settings.refresh_ms.max(1000) * 2;
    let (mqttz, poll_error) = use_poll_json::<Mqttz>("mqttz".into(), every);
    let (connz, _) = use_poll_json::<Connz>("connz?type=mqtt&limit=1024".into(), every);
    let pending = use_state(|| Option::<Admin>::None);
    let open = use_state(|| Option::<String>::None);
    let confirm = {
        let (ctx, pending) = (ctx.clone(), pending.clone());
        Callback::from(move |_| {
            let Some(action) = (*pending).clone() else { return };
            let (ctx, pending) = (ctx.clone(), pending.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match http::post(&action.path(), ctx.credentials().as_ref(), None).await {
                    Ok(_) => ctx.notify(match &action {
                        Admin::Kick { client_id } => format!("Client {client_id} disconnected"),
                        Admin::DeleteSession { client_id } => format!("Session of {client_id} deleted"),
                        Admin::ClearRetained { topic } => format!("Retained message of {topic} cleared"),
                    }),
                    Err(e) => ctx.notify_error(e.to_string()),
                }
                pending.set(None);
            });
        })
    };
    let ask = |a: Admin| {
        let pending = pending.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            pending.set(Some(a.clone()));
        })
    };
    let unavailable = matches!(mqttz.as_ref(), Load::Failed(e) if e.contains("/mqttz is not available"));
    let body = if unavailable {
        html! {
            <>
                <p class="notice info" id="mqttz-missing">{ "MQTT is not running on this server (enable it with an mqtt { port: 1883 } block or --mqtt_port); MQTT connections known to /connz are listed below." }</p>
                { connz.view(|z| html! {
                    <table class="table" id="mqtt-conns">
                        <thead><tr><th>{ "CID" }</th><th>{ "Client id" }</th><th>{ "Address" }</th><th>{ "Msgs in / out" }</th><th>{ "Subs" }</th><th>{ "Uptime" }</th></tr></thead>
                        <tbody>
                            { for z.conns.iter().map(|c| html! {
                                <tr><td>{ c.cid }</td><td class="mono">{ &c.mqtt_client }</td><td class="mono">{ address(c) }</td>
                                    <td>{ format!("{} / {}", c.in_msgs, c.out_msgs) }</td><td>{ c.num_subs }</td><td>{ &c.uptime }</td></tr>
                            }) }
                        </tbody>
                    </table>
                }) }
            </>
        }
    } else {
        mqttz.view(|m| {
            let s = &m.status;
            html! {
                <>
                    <section class="stats">
                        <div class="stat"><span class="stat-label">{ "Listener" }</span><span class="stat-value">{ s.listen.clone().unwrap_or_else(|| "–".into()) }</span></div>
                        <div class="stat"><span class="stat-label">{ "Clients" }</span><span class="stat-value" id="mqtt-clients-count">{ s.clients }</span></div>
                        <div class="stat"><span class="stat-label">{ "Sessions" }</span><span class="stat-value">{ s.sessions }</span>
                            <span class="stat-sub">{ format!("{} persistent", s.persistent_sessions) }</span></div>
                        <div class="stat"><span class="stat-label">{ "Retained" }</span><span class="stat-value">{ s.retained_topics }</span>
                            <span class="stat-sub">{ format::bytes(s.retained_bytes as f64) }</span></div>
                        <div class="stat"><span class="stat-label">{ "Dropped" }</span><span class="stat-value">{ s.dropped }</span>
                            <span class="stat-sub">{ format!("{} too large · {}", s.too_large, s.persistence) }</span></div>
                    </section>
                    <h2>{ "Clients" }</h2>
                    if m.clients.is_empty() { <p class="muted">{ "No MQTT client connected." }</p> } else {
                        <table class="table" id="mqtt-clients">
                            <thead><tr><th>{ "Client id" }</th><th>{ "CID" }</th><th>{ "Address" }</th><th>{ "MQTT" }</th><th>{ "User" }</th>
                                <th>{ "Connected" }</th><th>{ "Msgs in / out" }</th><th>{ "Bytes in / out" }</th><th>{ "Subs" }</th><th></th></tr></thead>
                            <tbody>
                                { for m.clients.iter().map(|c| html! {
                                    <tr data-client={c.client_id.clone()}>
                                        <td class="mono">{ &c.client_id }</td><td>{ c.cid }</td><td class="mono">{ format!("{}:{}", c.ip, c.port) }</td>
                                        <td>{ if c.protocol_level >= 5 { "5.0" } else { "3.1.1" } }</td><td>{ &c.user }</td>
                                        <td>{ nanos_time(c.start) }</td>
                                        <td>{ format!("{} / {}", format::count(c.in_msgs), format::count(c.out_msgs)) }</td>
                                        <td>{ format!("{} / {}", format::bytes(c.in_bytes as f64), format::bytes(c.out_bytes as f64)) }</td>
                                        <td>{ c.subscriptions }</td>
                                        <td class="row-actions"><button class="btn small danger kick" onclick={ask(Admin::Kick { client_id: c.client_id.clone() })}>{ "Kick" }</button></td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    }
                    <h2>{ "Sessions" }</h2>
                    if m.sessions.is_empty() { <p class="muted">{ "No sessions." }</p> } else {
                        <table class="table" id="mqtt-sessions">
                            <thead><tr><th>{ "Client id" }</th><th>{ "State" }</th><th>{ "Persistent" }</th><th>{ "Expiry" }</th><th>{ "Subscriptions" }</th>
                                <th>{ "In flight" }</th><th>{ "Queued" }</th><th>{ "QoS 1 / 2 pending" }</th><th>{ "Dropped" }</th><th></th></tr></thead>
                            <tbody>
                                { for m.sessions.iter().map(|s| {
                                    let id = s.client_id.clone();
                                    let is_open = open.as_deref() == Some(id.as_str());
                                    let toggle = { let o = open.clone(); let id = id.clone(); Callback::from(move |_| o.set(if is_open { None } else { Some(id.clone()) })) };
                                    html! {
                                        <>
                                            <tr class="clickable" data-session={id.clone()} onclick={toggle}>
                                                <td class="mono">{ &s.client_id }</td>
                                                <td>{ if s.connected { html! { <span class="pill good">{ "connected" }</span> } }
                                                      else { html! { <span class="pill">{ format!("offline since {}", s.disconnected_at.map(nanos_time).unwrap_or_default()) }</span> } } }</td>
                                                <td>{ if s.persistent { "yes" } else { "no" } }</td>
                                                <td>{ expiry_text(s.session_expiry_interval) }</td>
                                                <td>{ s.subscriptions.len() }</td>
                                                <td>{ s.inflight }</td><td>{ s.queued }</td>
                                                <td>{ format!("{} / {}", s.pending_qos1, s.pending_qos2) }</td>
                                                <td>{ s.dropped }</td>
                                                <td class="row-actions"><button class="btn small danger delete" onclick={ask(Admin::DeleteSession { client_id: id.clone() })}>{ "Delete" }</button></td>
                                            </tr>
                                            if is_open {
                                                <tr class="expanded"><td colspan="10">
                                                    <table class="table compact">
                                                        <thead><tr><th>{ "Filter" }</th><th>{ "QoS" }</th><th>{ "NATS subjects" }</th><th>{ "Options" }</th></tr></thead>
                                                        <tbody>
                                                            { for s.subscriptions.iter().map(|sub| html! {
                                                                <tr><td class="mono">{ &sub.filter }</td><td>{ sub.qos }</td><td class="mono">{ sub.subjects.join(", ") }</td>
                                                                    <td>{ [sub.no_local.then_some("no local"), sub.retain_as_published.then_some("retain as published"),
                                                                        sub.queue_group.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ") }</td></tr>
                                                            }) }
                                                        </tbody>
                                                    </table>
                                                    if s.incoming_qos2 > 0 { <p class="muted">{ format!("{} incoming QoS 2 messages wait for PUBREL", s.incoming_qos2) }</p> }
                                                    if s.will_pending { <p class="muted">{ "A Will message is pending." }</p> }
                                                </td></tr>
                                            }
                                        </>
                                    }
                                }) }
                            </tbody>
                        </table>
                    }
                    <h2>{ "Retained messages" }</h2>
                    if m.retained.is_empty() { <p class="muted">{ "No retained messages." }</p> } else {
                        <table class="table" id="mqtt-retained">
                            <thead><tr><th>{ "Topic" }</th><th>{ "QoS" }</th><th>{ "Size" }</th><th>{ "Stored" }</th><th>{ "Expires" }</th><th></th></tr></thead>
                            <tbody>
                                { for m.retained.iter().map(|r| html! {
                                    <tr data-topic={r.topic.clone()}>
                                        <td class="mono">{ &r.topic }</td><td>{ r.qos }</td><td>{ format::bytes(r.bytes as f64) }</td>
                                        <td>{ nanos_time(r.stored_at) }</td><td>{ r.expires_at.map(nanos_time).unwrap_or_else(|| "never".into()) }</td>
                                        <td class="row-actions"><button class="btn small danger delete" onclick={ask(Admin::ClearRetained { topic: r.topic.clone() })}>{ "Clear" }</button></td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    }
                </>
            }
        })
    };
    html! {
        <div>
            <h1>{ "MQTT" }</h1>
            <ErrorBox error={poll_error} />
            { body }
            if let Some(a) = (*pending).clone() {
                <Confirm title="Confirm" message={a.question()} confirm_label="Yes"
                    on_confirm={confirm} on_cancel={{ let p = pending.clone(); Callback::from(move |_| p.set(None)) }} />
            }
        </div>
    }
}
