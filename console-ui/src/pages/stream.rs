//! One stream: its state and configuration, with tabs for the message browser, the consumers and
//! the edit form; purge (everything, by subject, keep the newest N, or up to a sequence) and delete,
//! each behind a confirmation.

use std::rc::Rc;

use switchyard_shared::api::requests::StreamPurgeRequest;
use switchyard_shared::api::stream::StreamInfo;
use yew::prelude::*;

use super::consumers::ConsumerList;
use super::messages::MessageBrowser;
use super::stream_form::StreamEditor;
use crate::app::use_ctx;
use crate::components::field::{enum_value, Select, TextField};
use crate::components::load::{ErrorBox, Load, NeedNats};
use crate::components::modal::Confirm;
use crate::components::poll::use_ticker;
use crate::format;
use crate::route::{Route, StreamTab};
use crate::services::jetstream;

#[derive(Properties, PartialEq)]
pub struct StreamProps {
    pub name: AttrValue,
    pub tab: StreamTab,
}

#[derive(Clone, Copy, PartialEq)]
enum Dialog {
    None,
    Purge,
    Delete,
}

#[function_component]
pub fn StreamPage(p: &StreamProps) -> Html {
    let ctx = use_ctx();
    let info = use_state(|| Load::<Rc<StreamInfo>>::Loading);
    let dialog = use_state(|| Dialog::None);
    let reload = use_state(|| 0u64);
    let tick =
        use_ticker(ctx.session.settings.refresh_ms.max(1000) * 2, ctx.nats.is_some() && p.tab != StreamTab::Edit);
    {
        let info = info.clone();
        let name = p.name.to_string();
        use_effect_with((ctx.nats.clone(), name, tick, *reload), move |(nats, name, _, _)| {
            if let Some(n) = nats.clone() {
                let name = name.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    match jetstream::stream_info(&n.client, &name).await {
                        Ok(v) => info.set(Load::Ready(Rc::new(v))),
                        Err(e) => info.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ &p.name }</h1><NeedNats /></div> };
    }
    let open = |d: Dialog| {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| dialog.set(d))
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(Dialog::None))
    };
    let changed = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let delete = {
        let (ctx, dialog, name) = (ctx.clone(), dialog.clone(), p.name.to_string());
        Callback::from(move |_| {
            let (ctx, dialog, name) = (ctx.clone(), dialog.clone(), name.clone());
            let Some(n) = ctx.nats.clone() else { return };
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::stream_delete(&n.client, &name).await {
                    Ok(()) => {
                        ctx.notify(format!("Stream {name} deleted"));
                        ctx.navigate(&Route::Streams);
                    }
                    Err(e) => ctx.notify_error(format!("Deleting {name}: {e}")),
                }
                dialog.set(Dialog::None);
            });
        })
    };
    let tabs = html! {
        <nav class="tabs" aria-label="Stream">
            { for StreamTab::ALL.iter().map(|t| html! {
                <a id={format!("tab-{}", t.title().to_lowercase())} class={classes!("tab", (*t == p.tab).then_some("active"))}
                    href={Route::Stream { name: p.name.to_string(), tab: *t }.to_hash()}>{ t.title() }</a>
            }) }
        </nav>
    };
    let body = info.view(|s| match p.tab {
        StreamTab::Info => info_tab(s),
        StreamTab::Messages => {
            html! { <MessageBrowser stream={p.name.clone()} info={s.clone()} on_change={changed.clone()} /> }
        }
        StreamTab::Consumers => html! { <ConsumerList stream={p.name.clone()} config={Rc::new(s.config.clone())} /> },
        StreamTab::Edit => html! { <StreamEditor name={Some(p.name.clone())} /> },
    });
    html! {
        <div>
            <div class="page-head">
                <h1><a href={Route::Streams.to_hash()} class="crumb">{ "Streams" }</a>{ " / " }<span id="stream-name">{ &p.name }</span></h1>
                <div class="actions">
                    <button class="btn" id="purge-stream" onclick={open(Dialog::Purge)}>{ "Purge…" }</button>
                    <button class="btn danger" id="delete-stream" onclick={open(Dialog::Delete)}>{ "Delete…" }</button>
                </div>
            </div>
            { tabs }
            { body }
            if *dialog == Dialog::Delete {
                <Confirm title={format!("Delete stream {}", p.name)} require={Some(p.name.clone())}
                    message="The stream, all its messages and all its consumers will be removed. This cannot be undone."
                    on_confirm={delete} on_cancel={close.clone()} />
            }
            if *dialog == Dialog::Purge {
                <PurgeDialog stream={p.name.clone()} on_done={close} on_purged={changed} />
            }
        </div>
    }
}

fn info_tab(s: &StreamInfo) -> Html {
    let c = &s.config;
    let st = &s.state;
    let row = |k: &'static str, v: String| html! { <tr><th>{ k }</th><td>{ v }</td></tr> };
    let config_json = serde_json::to_string_pretty(c).unwrap_or_default();
    html! {
        <div class="columns">
            <section>
                <h2>{ "State" }</h2>
                <table class="table compact" id="stream-state">
                    <tbody>
                        { row("Messages", format::count(st.msgs)) }
                        { row("Bytes", format::bytes(st.bytes as f64)) }
                        { row("First sequence", format!("{} ({})", st.first_seq, format::time(st.first_time))) }
                        { row("Last sequence", format!("{} ({})", st.last_seq, format::time(st.last_time))) }
                        { row("Subjects", st.num_subjects.to_string()) }
                        { row("Deleted", st.num_deleted.to_string()) }
                        { row("Consumers", st.consumers.to_string()) }
                        { row("Created", format::time(s.created)) }
                    </tbody>
                </table>
                <h2>{ "Limits" }</h2>
                <table class="table compact">
                    <tbody>
                        { row("Subjects", c.subjects.join(", ")) }
                        { row("Storage", format!("{} · {} replica(s) · compression {}", enum_value(&c.storage), c.replicas, enum_value(&c.compression))) }
                        { row("Retention", format!("{} · discard {}", enum_value(&c.retention), enum_value(&c.discard))) }
                        { row("Max messages", format::limit_count(c.max_msgs)) }
                        { row("Max bytes", format::limit_bytes(c.max_bytes)) }
                        { row("Max age", format::span(c.max_age)) }
                        { row("Max per subject", format::limit_count(c.max_msgs_per)) }
                        { row("Max message size", format::limit_bytes(i64::from(c.max_msg_size))) }
                        { row("Duplicate window", format::duration(c.duplicates, true)) }
                    </tbody>
                </table>
            </section>
            <section>
                <h2>{ "Configuration" }</h2>
                <pre class="payload" id="stream-config">{ config_json }</pre>
            </section>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct PurgeProps {
    stream: AttrValue,
    on_done: Callback<()>,
    on_purged: Callback<()>,
}

#[function_component]
fn PurgeDialog(p: &PurgeProps) -> Html {
    let ctx = use_ctx();
    let mode = use_state(|| "all".to_owned());
    let subject = use_state(String::new);
    let number = use_state(String::new);
    let error = use_state(|| Option::<String>::None);
    let busy = use_state(|| false);
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let confirm = {
        let (ctx, mode, subject, number, error, busy) =
            (ctx.clone(), mode.clone(), subject.clone(), number.clone(), error.clone(), busy.clone());
        let (stream, on_done, on_purged) = (p.stream.to_string(), p.on_done.clone(), p.on_purged.clone());
        Callback::from(move |_| {
            let n = number.trim().parse::<u64>();
            let req = match (mode.as_str(), n) {
                ("all", _) => StreamPurgeRequest { subject: subject.trim().to_owned(), ..Default::default() },
                ("keep", Ok(k)) => {
                    StreamPurgeRequest { keep: k, subject: subject.trim().to_owned(), ..Default::default() }
                }
                ("seq", Ok(s)) if s > 0 => {
                    StreamPurgeRequest { sequence: s, subject: subject.trim().to_owned(), ..Default::default() }
                }
                _ => {
                    error.set(Some("Enter a whole number".into()));
                    return;
                }
            };
            let Some(nats) = ctx.nats.clone() else { return };
            let (ctx, error, busy, stream, on_done, on_purged) =
                (ctx.clone(), error.clone(), busy.clone(), stream.clone(), on_done.clone(), on_purged.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::stream_purge(&nats.client, &stream, &req).await {
                    Ok(purged) => {
                        ctx.notify(format!("Purged {purged} message(s) from {stream}"));
                        on_purged.emit(());
                        on_done.emit(());
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <Confirm title={format!("Purge stream {}", p.stream)} confirm_label="Purge"
            message="Purged messages are gone for good; consumers skip past them."
            on_confirm={confirm} on_cancel={p.on_done.clone()}>
            <div class="form-grid">
                <Select id="purge-mode" label="What" value={(*mode).clone()} onchange={set(&mode)} options={vec![
                    ("all".into(), "All messages".into()), ("keep".into(), "All but the newest N".into()),
                    ("seq".into(), "Everything below a sequence".into())]} />
                <TextField id="purge-subject" label="Only subject (optional)" value={(*subject).clone()} oninput={set(&subject)} placeholder="orders.eu.>" />
                if *mode != "all" {
                    <TextField id="purge-number" label={if *mode == "keep" { "Keep newest" } else { "Up to sequence (exclusive)" }}
                        value={(*number).clone()} oninput={set(&number)} />
                }
            </div>
            if *busy { <p class="muted">{ "Purging…" }</p> }
            <ErrorBox error={(*error).clone()} />
        </Confirm>
    }
}
