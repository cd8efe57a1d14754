//! One KV bucket: its keys (searchable, live: new keys, updates and deletes appear as they happen),
//! the selected key's value, history and any revision, put / delete / purge, and a live watch feed
//! of changes with their values.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use switchyard_shared::api::consumer::DeliverPolicy;
use switchyard_web::jetstream::{KvEntry, KvOperation};
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::{Checkbox, TextArea, TextField};
use crate::components::load::{ErrorBox, Load, NeedNats};
use crate::components::payload::PayloadView;
use crate::format;
use crate::kv::KeyTable;
use crate::route::Route;
use crate::services::kv::{self, Watch};

/// Changes kept in the watch feed.
const FEED_LEN: usize = 200;

#[derive(Properties, PartialEq)]
pub struct BucketProps {
    pub bucket: AttrValue,
}

/// Runs a watch until the component's effect is cleaned up: `on_start` hears whether it started
/// (and how many entries are pending), `on_change` gets each change. Returns the clean-up.
fn run_watch(
    nats: Option<crate::services::nats::NatsHandle>,
    bucket: String,
    filter: String,
    from: DeliverPolicy,
    headers_only: bool,
    on_change: impl Fn(kv::Change) + 'static,
    on_start: impl Fn(Result<u64, String>) + 'static,
) -> impl FnOnce() {
    let slot: Rc<RefCell<Option<Rc<Watch>>>> = Rc::default();
    let stopped = Rc::new(std::cell::Cell::new(false));
    if let Some(n) = nats {
        let (slot, stopped) = (slot.clone(), stopped.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let w = match Watch::start(&n.client, &bucket, &filter, from, headers_only).await {
                Ok(w) => Rc::new(w),
                Err(e) => {
                    on_start(Err(e.to_string()));
                    return;
                }
            };
            if stopped.get() {
                w.stop();
                return;
            }
            *slot.borrow_mut() = Some(w.clone());
            on_start(Ok(w.initial_pending()));
            while let Some(c) = w.next().await {
                on_change(c);
            }
        });
    }
    move || {
        stopped.set(true);
        if let Some(w) = slot.borrow_mut().take() {
            w.stop();
        }
    }
}

#[function_component]
pub fn KvBucket(p: &BucketProps) -> Html {
    let ctx = use_ctx();
    let keys = use_mut_ref(KeyTable::default);
    let keys_state = use_state(|| Load::<()>::Loading);
    let redraw = use_force_update();
    let search = use_state(String::new);
    let show_deleted = use_state(|| false);
    let selected = use_state(|| Option::<String>::None);
    let feed = use_mut_ref(VecDeque::<KvEntry>::new);
    let watching = use_state(|| Option::<String>::None);
    let watch_filter = use_state(|| ">".to_owned());

    // The live key list: last value per key (headers only), then every change.
    {
        let (keys, keys_state, redraw) = (keys.clone(), keys_state.clone(), redraw.clone());
        use_effect_with((ctx.nats.clone(), p.bucket.to_string()), move |(nats, bucket)| {
            *keys.borrow_mut() = KeyTable::default();
            keys_state.set(Load::Loading);
            let on_start = {
                let keys_state = keys_state.clone();
                move |r: Result<u64, String>| match r {
                    Ok(0) => keys_state.set(Load::Ready(())),
                    Ok(_) => {}
                    Err(e) => keys_state.set(Load::Failed(e)),
                }
            };
            let ready = keys_state.clone();
            run_watch(
                nats.clone(),
                bucket.clone(),
                ">".into(),
                DeliverPolicy::LastPerSubject,
                true,
                move |c| {
                    keys.borrow_mut().apply(&c.entry, c.size);
                    if c.pending == 0 {
                        ready.set(Load::Ready(()));
                    }
                    redraw.force_update();
                },
                on_start,
            )
        });
    }
    // The watch feed, while switched on.
    {
        let (feed, redraw) = (feed.clone(), redraw.clone());
        let ctx2 = ctx.clone();
        use_effect_with(
            (ctx.nats.clone(), p.bucket.to_string(), (*watching).clone()),
            move |(nats, bucket, filter)| {
                feed.borrow_mut().clear();
                let Some(filter) = filter.clone() else { return Box::new(|| ()) as Box<dyn FnOnce()> };
                Box::new(run_watch(
                    nats.clone(),
                    bucket.clone(),
                    filter,
                    DeliverPolicy::New,
                    false,
                    move |c| {
                        let mut f = feed.borrow_mut();
                        f.push_front(c.entry);
                        f.truncate(FEED_LEN);
                        drop(f);
                        redraw.force_update();
                    },
                    move |r| {
                        if let Err(e) = r {
                            ctx2.notify_error(format!("Watch: {e}"))
                        }
                    },
                ))
            },
        );
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ &p.bucket }</h1><NeedNats /></div> };
    }
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let toggle_deleted = {
        let show_deleted = show_deleted.clone();
        Callback::from(move |v: bool| show_deleted.set(v))
    };
    let toggle_watch = {
        let (watching, watch_filter) = (watching.clone(), watch_filter.clone());
        Callback::from(move |_| watching.set(if watching.is_some() { None } else { Some((*watch_filter).clone()) }))
    };
    let table = keys.borrow();
    let rows = table.rows(&search, *show_deleted);
    let key_list = keys_state.view(|_| {
        if rows.is_empty() {
            return html! { <p class="empty-state" id="no-keys">{ if search.is_empty() { "No keys." } else { "No key matches." } }</p> };
        }
        html! {
            <div class="table-wrap">
                <table class="table" id="key-table">
                    <thead><tr><th>{ "Key" }</th><th>{ "Revision" }</th><th>{ "Operation" }</th><th>{ "Size" }</th><th>{ "Updated" }</th></tr></thead>
                    <tbody>
                        { for rows.iter().map(|r| {
                            let key = r.key.clone();
                            let is_sel = selected.as_deref() == Some(key.as_str());
                            let select = { let s = selected.clone(); let k = key.clone(); Callback::from(move |_| s.set(Some(k.clone()))) };
                            html! {
                                <tr class={classes!("clickable", is_sel.then_some("selected"), r.is_deleted().then_some("deleted"))} data-key={key.clone()} onclick={select}>
                                    <td class="mono">{ &r.key }</td>
                                    <td class="num revision">{ r.revision }</td>
                                    <td>{ r.operation.as_str() }</td>
                                    <td class="num">{ r.size.map(|s| format::bytes(s as f64)).unwrap_or_default() }</td>
                                    <td>{ r.updated.as_deref().map(format::rfc3339).unwrap_or_default() }</td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
            </div>
        }
    });
    let live = table.live_count();
    let selected_rev = selected.as_ref().and_then(|k| table.get(k)).map(|r| r.revision);
    drop(table);
    let on_saved = {
        let selected = selected.clone();
        Callback::from(move |key: String| selected.set(Some(key)))
    };
    html! {
        <div class="kv-bucket">
            <div class="page-head">
                <h1><a href={Route::KvBuckets.to_hash()} class="crumb">{ "Key/Value" }</a>{ " / " }<span id="bucket-name">{ &p.bucket }</span></h1>
                <span class="muted" id="key-count">{ format!("{live} keys") }</span>
            </div>
            <div class="columns">
                <section>
                    <div class="toolbar">
                        <TextField id="key-search" label="Search keys" value={(*search).clone()} oninput={set(&search)} placeholder="text, or a wildcard like app.*.config" />
                        <Checkbox id="show-deleted" label="Show deleted" checked={*show_deleted} onchange={toggle_deleted} />
                    </div>
                    { key_list }
                    <PutForm bucket={p.bucket.clone()} key_name={(*selected).clone().unwrap_or_default()} on_saved={on_saved} />
                </section>
                <section>
                    if let Some(key) = (*selected).clone() {
                        <KeyView bucket={p.bucket.clone()} key_name={key} revision={selected_rev.unwrap_or(0)} />
                    } else {
                        <p class="muted">{ "Select a key to see its value and history." }</p>
                    }
                    <div class="watch card" id="watch">
                        <div class="toolbar">
                            <TextField id="watch-filter" label="Watch keys" value={(*watch_filter).clone()} oninput={set(&watch_filter)} />
                            <button class={classes!("btn", if watching.is_some() { "danger" } else { "primary" })} id="watch-toggle" onclick={toggle_watch}>
                                { if watching.is_some() { "Stop watching" } else { "Watch live" } }
                            </button>
                        </div>
                        if watching.is_some() {
                            <ul class="feed" id="watch-feed">
                                if feed.borrow().is_empty() { <li class="muted">{ "Waiting for changes…" }</li> }
                                { for feed.borrow().iter().map(|e| html! {
                                    <li data-key={e.key.clone()}>
                                        <span class={classes!("op", format!("op-{}", e.operation.as_str().to_lowercase()))}>{ e.operation.as_str() }</span>
                                        <span class="mono">{ &e.key }</span>
                                        <span class="muted">{ format!(" rev {} ", e.revision) }</span>
                                        <span class="value">{ crate::payload::preview(&e.value, 120) }</span>
                                    </li>
                                }) }
                            </ul>
                        }
                    </div>
                </section>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct KeyViewProps {
    bucket: AttrValue,
    key_name: String,
    /// The latest revision known to the key list; a change reloads the view.
    revision: u64,
}

#[function_component]
fn KeyView(p: &KeyViewProps) -> Html {
    let ctx = use_ctx();
    let value = use_state(|| Load::<Option<KvEntry>>::Loading);
    let history = use_state(|| Load::<Rc<Vec<KvEntry>>>::Loading);
    let shown = use_state(|| Option::<u64>::None);
    {
        let (value, history, shown) = (value.clone(), history.clone(), shown.clone());
        use_effect_with(
            (ctx.nats.clone(), p.bucket.to_string(), p.key_name.clone(), p.revision),
            move |(nats, bucket, key, _)| {
                if let Some(n) = nats.clone() {
                    let (bucket, key) = (bucket.clone(), key.clone());
                    shown.set(None);
                    wasm_bindgen_futures::spawn_local(async move {
                        value.set(match kv::get(&n.client, &bucket, &key).await {
                            Ok(v) => Load::Ready(v),
                            Err(e) => Load::Failed(e.to_string()),
                        });
                        history.set(match kv::history(&n.client, &bucket, &key).await {
                            Ok(mut h) => {
                                h.reverse();
                                Load::Ready(Rc::new(h))
                            }
                            Err(e) => Load::Failed(e.to_string()),
                        });
                    });
                }
            },
        );
    }
    let action = |purge: bool| {
        let (ctx, bucket, key) = (ctx.clone(), p.bucket.to_string(), p.key_name.clone());
        Callback::from(move |_| {
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, bucket, key) = (ctx.clone(), bucket.clone(), key.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match kv::delete_key(&n.client, &bucket, &key, purge).await {
                    Ok(rev) => {
                        ctx.notify(format!("{} {key} (revision {rev})", if purge { "Purged" } else { "Deleted" }))
                    }
                    Err(e) => ctx.notify_error(format!("{key}: {e}")),
                }
            });
        })
    };
    let current = html! {
        { value.view(|v| match v {
            Some(e) if e.operation == KvOperation::Put => html! {
                <div id="key-value">
                    <p class="muted">{ format!("Revision {} · {}", e.revision, e.created.as_deref().map(format::rfc3339).unwrap_or_default()) }</p>
                    <PayloadView data={Rc::<[u8]>::from(e.value.as_ref())} />
                </div>
            },
            Some(e) => html! { <p class="muted" id="key-value">{ format!("No current value: {} at revision {}.", e.operation.as_str(), e.revision) }</p> },
            None => html! { <p class="muted" id="key-value">{ "No such key." }</p> },
        }) }
    };
    html! {
        <div class="card" id="key-view">
            <div class="page-head">
                <h2 class="mono">{ &p.key_name }</h2>
                <div class="actions">
                    <button class="btn small" id="key-delete" onclick={action(false)}>{ "Delete" }</button>
                    <button class="btn small danger" id="key-purge" onclick={action(true)}>{ "Purge history" }</button>
                </div>
            </div>
            { current }
            <h3>{ "History" }</h3>
            { history.view(|h| html! {
                <table class="table compact" id="key-history">
                    <thead><tr><th>{ "Revision" }</th><th>{ "Operation" }</th><th>{ "Time" }</th><th>{ "Value" }</th></tr></thead>
                    <tbody>
                        { for h.iter().map(|e| {
                            let rev = e.revision;
                            let open = *shown == Some(rev);
                            let toggle = { let s = shown.clone(); Callback::from(move |_| s.set(if open { None } else { Some(rev) })) };
                            html! {
                                <>
                                    <tr class="clickable" data-revision={rev.to_string()} onclick={toggle}>
                                        <td class="num">{ rev }</td><td>{ e.operation.as_str() }</td>
                                        <td>{ e.created.as_deref().map(format::rfc3339).unwrap_or_default() }</td>
                                        <td class="preview">{ if e.operation == KvOperation::Put { crate::payload::preview(&e.value, 60) } else { String::new() } }</td>
                                    </tr>
                                    if open && e.operation == KvOperation::Put {
                                        <tr class="expanded"><td colspan="4"><PayloadView data={Rc::<[u8]>::from(e.value.as_ref())} /></td></tr>
                                    }
                                </>
                            }
                        }) }
                    </tbody>
                </table>
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct PutProps {
    bucket: AttrValue,
    /// Prefills the key (the selected one).
    key_name: String,
    on_saved: Callback<String>,
}

#[function_component]
fn PutForm(p: &PutProps) -> Html {
    let ctx = use_ctx();
    let key = use_state(|| p.key_name.clone());
    let value = use_state(String::new);
    let error = use_state(|| Option::<String>::None);
    {
        let key = key.clone();
        use_effect_with(p.key_name.clone(), move |k| {
            if !k.is_empty() {
                key.set(k.clone());
            }
        });
    }
    let submit = {
        let (ctx, key, value, error, bucket, on_saved) =
            (ctx.clone(), key.clone(), value.clone(), error.clone(), p.bucket.to_string(), p.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, k, v, error, bucket, on_saved) =
                (ctx.clone(), key.trim().to_owned(), (*value).clone(), error.clone(), bucket.clone(), on_saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match kv::put(&n.client, &bucket, &k, v.as_bytes()).await {
                    Ok(rev) => {
                        error.set(None);
                        ctx.notify(format!("Put {k} (revision {rev})"));
                        on_saved.emit(k);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    html! {
        <form class="card form" id="put-form" onsubmit={submit}>
            <h3>{ "Put a value" }</h3>
            <TextField id="put-key" label="Key" value={(*key).clone()} oninput={set(&key)} />
            <TextArea id="put-value" label="Value" value={(*value).clone()} oninput={set(&value)} rows={3} />
            <ErrorBox error={(*error).clone()} />
            <div class="actions"><button type="submit" class="btn primary" id="put-submit">{ "Put" }</button></div>
        </form>
    }
}
