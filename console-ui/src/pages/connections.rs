//! Connections: `/connz` as a sortable, filterable table — front-end (TCP, WebSocket, MQTT), name,
//! address, RTT, pending bytes, messages and bytes each way, subscriptions, uptime, idle time — with
//! open, closed (and why) or all connections; clicking a row shows its details and subscriptions.

use switchyard_shared::api::monitor::{ConnInfo, Connz};
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::{Select, TextField};
use crate::components::load::ErrorBox;
use crate::components::poll::use_poll_json;
use crate::connections::{address, arrange, is_closed, Column, Filter, Frontend};
use crate::format;

fn cell(c: &ConnInfo, col: Column) -> Html {
    match col {
        Column::Cid => html! { { c.cid.to_string() } },
        Column::Kind => {
            let f = Frontend::of(c);
            html! { <span class={classes!("kind", format!("kind-{}", f.label().to_lowercase()))}>{ f.label() }</span> }
        }
        Column::Name => {
            let name = if !c.name.is_empty() {
                c.name.clone()
            } else if !c.mqtt_client.is_empty() {
                c.mqtt_client.clone()
            } else {
                "–".into()
            };
            html! { { name } }
        }
        Column::Address => html! { <span class="mono">{ address(c) }</span> },
        Column::Rtt => html! { { if c.rtt.is_empty() { "–".to_owned() } else { c.rtt.clone() } } },
        Column::Pending => html! { { format::bytes(c.pending as f64) } },
        Column::InMsgs => html! { { format::count(c.in_msgs.max(0) as u64) } },
        Column::OutMsgs => html! { { format::count(c.out_msgs.max(0) as u64) } },
        Column::InBytes => html! { { format::bytes(c.in_bytes as f64) } },
        Column::OutBytes => html! { { format::bytes(c.out_bytes as f64) } },
        Column::Subs => html! { { c.num_subs.to_string() } },
        Column::Uptime => html! { { &c.uptime } },
        Column::Idle => html! { { &c.idle } },
        Column::State => {
            if is_closed(c) {
                html! { <span class="pill bad" title={c.reason.clone()}>{ if c.reason.is_empty() { "closed" } else { &c.reason } }</span> }
            } else {
                html! { <span class="pill good">{ "open" }</span> }
            }
        }
    }
}

fn details(c: &ConnInfo) -> Html {
    let row = |k: &'static str, v: String| {
        if v.is_empty() {
            html! {}
        } else {
            html! { <tr><th>{ k }</th><td>{ v }</td></tr> }
        }
    };
    html! {
        <section class="details" id="conn-details">
            <h2>{ format!("Connection {}", c.cid) }</h2>
            <table class="table compact">
                <tbody>
                    { row("Kind", format!("{} ({})", Frontend::of(c).label(), if c.kind.is_empty() { "Client" } else { &c.kind })) }
                    { row("Name", c.name.clone()) }
                    { row("MQTT client id", c.mqtt_client.clone()) }
                    { row("Address", address(c)) }
                    { row("Client", format!("{} {}", c.lang, c.version).trim().to_owned()) }
                    { row("Account", c.account.clone()) }
                    { row("User", c.authorized_user.clone()) }
                    { row("TLS", format!("{} {}", c.tls_version, c.tls_cipher).trim().to_owned()) }
                    { row("Started", format::time(c.start)) }
                    { row("Last activity", format::time(c.last_activity)) }
                    { row("Stopped", c.stop.map(format::time).unwrap_or_default()) }
                    { row("Close reason", c.reason.clone()) }
                    { row("RTT", c.rtt.clone()) }
                    { row("Pending", format::bytes(c.pending as f64)) }
                    { row("Rates in / out", match (c.in_msgs_rate, c.out_msgs_rate) {
                        (Some(i), Some(o)) => format!("{} / {}", format::rate(i), format::rate(o)),
                        _ => String::new(),
                    }) }
                </tbody>
            </table>
            <h3>{ format!("Subscriptions ({})", c.num_subs) }</h3>
            if c.subs_detail.is_empty() && c.subs.is_empty() {
                <p class="muted">{ "None." }</p>
            } else if !c.subs_detail.is_empty() {
                <table class="table compact" id="conn-subs">
                    <thead><tr><th>{ "Subject" }</th><th>{ "Queue" }</th><th>{ "SID" }</th><th>{ "Msgs" }</th><th>{ "Max" }</th></tr></thead>
                    <tbody>
                        { for c.subs_detail.iter().map(|s| html! {
                            <tr><td class="mono">{ &s.subject }</td><td>{ &s.queue }</td><td>{ &s.sid }</td><td>{ s.msgs }</td>
                                <td>{ if s.max > 0 { s.max.to_string() } else { String::new() } }</td></tr>
                        }) }
                    </tbody>
                </table>
            } else {
                <ul class="mono">{ for c.subs.iter().map(|s| html! { <li>{ s }</li> }) }</ul>
            }
        </section>
    }
}

#[function_component]
pub fn Connections() -> Html {
    let ctx = use_ctx();
    let state = use_state(|| "open".to_owned());
    let text = use_state(String::new);
    let kind = use_state(String::new);
    let sort = use_state(|| (Column::Cid, false));
    let selected = use_state(|| Option::<u64>::None);
    let path = format!("connz?state={}&subs=detail&limit=1024", *state);
    let (connz, poll_error) = use_poll_json::<Connz>(path, ctx.session.settings.refresh_ms.max(1000));

    let frontend = match kind.as_str() {
        "tcp" => Some(Frontend::Tcp),
        "websocket" => Some(Frontend::WebSocket),
        "mqtt" => Some(Frontend::Mqtt),
        "internal" => Some(Frontend::Other),
        _ => None,
    };
    let filter = Filter { text: (*text).clone(), frontend };
    let header = |col: Column| {
        let sort = sort.clone();
        let (current, desc) = *sort;
        let onclick = Callback::from(move |_| {
            let (c, d) = *sort;
            sort.set(if c == col { (col, !d) } else { (col, col.descending_first()) });
        });
        let arrow = if current == col {
            if desc {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        };
        html! { <th class="sortable" {onclick} aria-sort={if current == col { if desc { "descending" } else { "ascending" } } else { "none" }}>{ col.title() }{ arrow }</th> }
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    html! {
        <div>
            <h1>{ "Connections" }</h1>
            <div class="toolbar">
                <TextField id="conn-filter" label="Filter" value={(*text).clone()} oninput={set(&text)} placeholder="name, address, cid, account…" />
                <Select id="conn-kind" label="Front-end" value={(*kind).clone()} onchange={set(&kind)} options={vec![
                    ("".into(), "All".into()), ("tcp".into(), "TCP".into()), ("websocket".into(), "WebSocket".into()),
                    ("mqtt".into(), "MQTT".into()), ("internal".into(), "Internal".into())]} />
                <Select id="conn-state" label="State" value={(*state).clone()} onchange={set(&state)} options={vec![
                    ("open".into(), "Open".into()), ("closed".into(), "Closed".into()), ("any".into(), "All".into())]} />
            </div>
            <ErrorBox error={poll_error} />
            { connz.view(|z| {
                let rows = arrange(&z.conns, &filter, sort.0, sort.1);
                let chosen = selected.and_then(|cid| z.conns.iter().find(|c| c.cid == cid));
                html! {
                    <>
                        <p class="muted" id="conn-count">{ format!("{} of {} connections", rows.len(), z.total) }</p>
                        <div class="table-wrap">
                            <table class="table" id="conn-table">
                                <thead><tr>{ for Column::ALL.iter().map(|c| header(*c)) }</tr></thead>
                                <tbody>
                                    { for rows.iter().map(|c| {
                                        let cid = c.cid;
                                        let selected = selected.clone();
                                        let active = *selected == Some(cid);
                                        html! {
                                            <tr class={classes!("clickable", active.then_some("selected"))} data-cid={cid.to_string()}
                                                onclick={Callback::from(move |_| selected.set(if active { None } else { Some(cid) }))}>
                                                { for Column::ALL.iter().map(|col| html! { <td>{ cell(c, *col) }</td> }) }
                                            </tr>
                                        }
                                    }) }
                                </tbody>
                            </table>
                        </div>
                        { for chosen.map(details) }
                    </>
                }
            }) }
        </div>
    }
}
