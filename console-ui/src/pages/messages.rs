//! The message browser of a stream: pages of stored messages from a start sequence, optionally only
//! those matching a subject filter; each message opens to its decoded headers and its body as text,
//! JSON or hex, and can be deleted.

use std::rc::Rc;

use switchyard_shared::api::stream::{StoredMsg, StreamInfo};
use switchyard_shared::headers::HeaderMap;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::TextField;
use crate::components::load::Load;
use crate::components::modal::Confirm;
use crate::components::payload::PayloadView;
use crate::format;
use crate::services::jetstream;

#[derive(Properties, PartialEq)]
pub struct BrowserProps {
    pub stream: AttrValue,
    pub info: Rc<StreamInfo>,
    pub on_change: Callback<()>,
}

/// One message as shown.
#[derive(Clone, PartialEq)]
struct Shown {
    msg: StoredMsg,
    headers: Option<Rc<HeaderMap>>,
    data: Rc<[u8]>,
}

impl Shown {
    fn new(msg: StoredMsg) -> Shown {
        let headers = if msg.header.is_empty() { None } else { HeaderMap::parse(&msg.header).ok().map(Rc::new) };
        let data: Rc<[u8]> = msg.data.clone().into();
        Shown { msg, headers, data }
    }
}

#[function_component]
pub fn MessageBrowser(p: &BrowserProps) -> Html {
    let ctx = use_ctx();
    let start = use_state(|| p.info.state.first_seq.max(1).to_string());
    let filter = use_state(String::new);
    let size = use_state(|| "25".to_owned());
    let page = use_state(|| Load::<Rc<Vec<Shown>>>::Loading);
    let open = use_state(|| Option::<u64>::None);
    let deleting = use_state(|| Option::<u64>::None);
    let history = use_state(Vec::<u64>::new);
    let load_from = use_state(|| (p.info.state.first_seq.max(1), 0u64));

    {
        let (page, stream) = (page.clone(), p.stream.to_string());
        let filter_now = (*filter).clone();
        let count = size.trim().parse::<usize>().unwrap_or(25).clamp(1, 500);
        use_effect_with((ctx.nats.clone(), *load_from), move |(nats, (from, _))| {
            if let Some(n) = nats.clone() {
                let from = *from;
                page.set(Load::Loading);
                wasm_bindgen_futures::spawn_local(async move {
                    match jetstream::msg_page(&n.client, &stream, from, count, &filter_now).await {
                        Ok(msgs) => page.set(Load::Ready(Rc::new(msgs.into_iter().map(Shown::new).collect()))),
                        Err(e) => page.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }

    let go = {
        let (load_from, history) = (load_from.clone(), history.clone());
        move |seq: u64, push: Option<u64>| {
            let mut h = (*history).clone();
            if let Some(prev) = push {
                h.push(prev);
            }
            history.set(h);
            load_from.set((seq.max(1), load_from.1 + 1));
        }
    };
    let load = {
        let (start, go, history) = (start.clone(), go.clone(), history.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            history.set(Vec::new());
            go(start.trim().parse().unwrap_or(1), None);
        })
    };
    let newest = {
        let (go, size, start, info) = (go.clone(), size.clone(), start.clone(), p.info.clone());
        Callback::from(move |_| {
            let n = size.trim().parse::<u64>().unwrap_or(25).max(1);
            let from = info.state.last_seq.saturating_sub(n - 1).max(info.state.first_seq).max(1);
            start.set(from.to_string());
            go(from, None);
        })
    };
    let next = {
        let (go, page, load_from, start) = (go.clone(), page.clone(), load_from.clone(), start.clone());
        Callback::from(move |_| {
            if let Some(last) = page.ready().and_then(|v| v.last()) {
                let from = last.msg.sequence + 1;
                start.set(from.to_string());
                go(from, Some(load_from.0));
            }
        })
    };
    let prev = {
        let (history, load_from, start) = (history.clone(), load_from.clone(), start.clone());
        Callback::from(move |_| {
            let mut h = (*history).clone();
            if let Some(seq) = h.pop() {
                start.set(seq.to_string());
                history.set(h);
                load_from.set((seq, load_from.1 + 1));
            }
        })
    };
    let delete = {
        let (ctx, deleting, load_from, stream, on_change) =
            (ctx.clone(), deleting.clone(), load_from.clone(), p.stream.to_string(), p.on_change.clone());
        Callback::from(move |_| {
            let Some(seq) = *deleting else { return };
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, deleting, load_from, stream, on_change) =
                (ctx.clone(), deleting.clone(), load_from.clone(), stream.clone(), on_change.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::msg_delete(&n.client, &stream, seq).await {
                    Ok(()) => {
                        ctx.notify(format!("Message {seq} deleted"));
                        load_from.set((load_from.0, load_from.1 + 1));
                        on_change.emit(());
                    }
                    Err(e) => ctx.notify_error(format!("Deleting message {seq}: {e}")),
                }
                deleting.set(None);
            });
        })
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let st = &p.info.state;
    html! {
        <section class="messages">
            <form class="toolbar" id="msg-form" onsubmit={load}>
                <TextField id="msg-start" label="From sequence" value={(*start).clone()} oninput={set(&start)} />
                <TextField id="msg-filter" label="Subject filter" value={(*filter).clone()} oninput={set(&filter)} placeholder="> (all)" />
                <TextField id="msg-count" label="Per page" value={(*size).clone()} oninput={set(&size)} />
                <div class="buttons">
                    <button type="submit" class="btn primary" id="msg-load">{ "Load" }</button>
                    <button type="button" class="btn" id="msg-newest" onclick={newest}>{ "Newest" }</button>
                    <button type="button" class="btn" id="msg-prev" onclick={prev} disabled={history.is_empty()}>{ "◀ Previous" }</button>
                    <button type="button" class="btn" id="msg-next" onclick={next}>{ "Next ▶" }</button>
                </div>
            </form>
            <p class="muted">{ format!("Sequences {}–{}, {} messages", st.first_seq, st.last_seq, format::count(st.msgs)) }</p>
            { page.view(|msgs| {
                if msgs.is_empty() {
                    return html! { <p class="empty-state" id="no-messages">{ "No messages here." }</p> };
                }
                html! {
                    <div class="table-wrap">
                        <table class="table" id="msg-table">
                            <thead><tr><th>{ "Seq" }</th><th>{ "Subject" }</th><th>{ "Time" }</th><th>{ "Size" }</th><th>{ "Headers" }</th><th>{ "Preview" }</th></tr></thead>
                            <tbody>
                                { for msgs.iter().map(|m| {
                                    let seq = m.msg.sequence;
                                    let is_open = *open == Some(seq);
                                    let toggle = {
                                        let open = open.clone();
                                        Callback::from(move |_| open.set(if is_open { None } else { Some(seq) }))
                                    };
                                    let ask_delete = {
                                        let deleting = deleting.clone();
                                        Callback::from(move |_| deleting.set(Some(seq)))
                                    };
                                    html! {
                                        <>
                                            <tr class={classes!("clickable", is_open.then_some("selected"))} data-seq={seq.to_string()} onclick={toggle}>
                                                <td class="num">{ seq }</td>
                                                <td class="mono">{ &m.msg.subject }</td>
                                                <td>{ format::time(m.msg.time) }</td>
                                                <td class="num">{ format::bytes(m.data.len() as f64) }</td>
                                                <td class="num">{ m.headers.as_ref().map_or(0, |h| h.len()) }</td>
                                                <td class="preview">{ crate::payload::preview(&m.data, 80) }</td>
                                            </tr>
                                            if is_open {
                                                <tr class="expanded"><td colspan="6">
                                                    <PayloadView data={m.data.clone()} headers={m.headers.clone()} />
                                                    <button class="btn danger small" id="msg-delete" onclick={ask_delete}>{ "Delete message" }</button>
                                                </td></tr>
                                            }
                                        </>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }) }
            if let Some(seq) = *deleting {
                <Confirm title={format!("Delete message {seq}")} message="The message is removed from the stream and its bytes overwritten."
                    on_confirm={delete} on_cancel={{ let d = deleting.clone(); Callback::from(move |_| d.set(None)) }} />
            }
        </section>
    }
}
