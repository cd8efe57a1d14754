//! The live tester, over the console's own NATS connection: publish (subject, reply, headers,
//! payload, repeat), subscribe to any subjects with wildcards and queue groups and see messages
//! arrive, send requests and see the reply (or "no responders" / timeout), and answer requests with
//! a simple reply service.

use std::collections::VecDeque;
use std::rc::Rc;

use switchyard_shared::headers::HeaderMap;
use switchyard_web::core::Message;
use switchyard_web::wasm::Subscriber;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::{TextArea, TextField};
use crate::components::load::{ErrorBox, NeedNats};
use crate::components::payload::PayloadView;
use crate::format;
use crate::payload::parse_header_lines;
use crate::services::browser;

/// Messages kept in the subscription feed.
const FEED_LEN: usize = 500;

#[derive(Clone)]
struct Received {
    n: u64,
    msg: Message,
    at: switchyard_shared::time::Timestamp,
    data: Rc<[u8]>,
    headers: Option<Rc<HeaderMap>>,
}

struct Sub {
    id: u64,
    subject: String,
    queue: String,
    handle: Subscriber,
    /// A reply service answers instead of listing.
    reply: Option<String>,
}

#[function_component]
pub fn Tester() -> Html {
    let ctx = use_ctx();
    let redraw = use_force_update();
    let subs = use_mut_ref(Vec::<Sub>::new);
    let feed = use_mut_ref(VecDeque::<Received>::new);
    let counter = use_mut_ref(|| 0u64);
    let open = use_state(|| Option::<u64>::None);

    {
        let (subs, feed) = (subs.clone(), feed.clone());
        use_effect_with(ctx.nats.clone(), move |_| {
            subs.borrow_mut().clear();
            feed.borrow_mut().clear();
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Live tester" }</h1><NeedNats /></div> };
    }

    let add_sub = {
        let (ctx, subs, feed, counter, redraw) =
            (ctx.clone(), subs.clone(), feed.clone(), counter.clone(), redraw.clone());
        Callback::from(move |(subject, queue, reply): (String, String, Option<String>)| {
            let Some(n) = ctx.nats.clone() else { return };
            let q = (!queue.trim().is_empty()).then(|| queue.trim().to_owned());
            let result = match reply.clone() {
                Some(answer) => {
                    let client = n.client.clone();
                    n.client.subscribe_with_callback(subject.trim(), q.as_deref(), move |m: Message| {
                        if let Some(r) = &m.reply {
                            let _ = client.publish(r, answer.as_bytes());
                        }
                    })
                }
                None => {
                    let (feed, counter, redraw) = (feed.clone(), counter.clone(), redraw.clone());
                    n.client.subscribe_with_callback(subject.trim(), q.as_deref(), move |m: Message| {
                        let k = {
                            let mut c = counter.borrow_mut();
                            *c += 1;
                            *c
                        };
                        let data: Rc<[u8]> = m.payload.as_ref().into();
                        let headers = m.headers.clone().map(Rc::new);
                        let mut f = feed.borrow_mut();
                        f.push_front(Received { n: k, msg: m, at: browser::now(), data, headers });
                        f.truncate(FEED_LEN);
                        drop(f);
                        redraw.force_update();
                    })
                }
            };
            match result {
                Ok(handle) => {
                    let id = {
                        let mut c = counter.borrow_mut();
                        *c += 1;
                        *c
                    };
                    subs.borrow_mut().push(Sub { id, subject: subject.trim().to_owned(), queue, handle, reply });
                    redraw.force_update();
                }
                Err(e) => ctx.notify_error(format!("Subscribe to {subject:?}: {e}")),
            }
        })
    };
    let remove_sub = {
        let (subs, redraw) = (subs.clone(), redraw.clone());
        move |id: u64| {
            let (subs, redraw) = (subs.clone(), redraw.clone());
            Callback::from(move |_| {
                subs.borrow_mut().retain(|s| s.id != id);
                redraw.force_update();
            })
        }
    };
    let clear = {
        let (feed, redraw) = (feed.clone(), redraw.clone());
        Callback::from(move |_| {
            feed.borrow_mut().clear();
            redraw.force_update();
        })
    };
    html! {
        <div class="tester">
            <h1>{ "Live tester" }</h1>
            <div class="columns">
                <section>
                    <PublishPanel />
                    <RequestPanel />
                </section>
                <section>
                    <SubscribeForm on_add={add_sub} />
                    <ul class="subs" id="sub-list">
                        { for subs.borrow().iter().map(|s| html! {
                            <li data-subject={s.subject.clone()}>
                                <span class="mono">{ &s.subject }</span>
                                if !s.queue.is_empty() { <span class="muted">{ format!(" queue {}", s.queue) }</span> }
                                if let Some(r) = &s.reply { <span class="pill">{ format!("replies {:?}", r) }</span> }
                                <span class="muted">{ format!(" sid {}", s.handle.sid()) }</span>
                                <button class="btn small" onclick={remove_sub(s.id)}>{ "Unsubscribe" }</button>
                            </li>
                        }) }
                    </ul>
                    <div class="page-head">
                        <h2>{ "Messages" }</h2>
                        <button class="btn small" id="clear-feed" onclick={clear}>{ "Clear" }</button>
                    </div>
                    <ul class="feed" id="sub-feed">
                        if feed.borrow().is_empty() { <li class="muted">{ "Nothing received yet." }</li> }
                        { for feed.borrow().iter().map(|r| {
                            let n = r.n;
                            let is_open = *open == Some(n);
                            let toggle = { let o = open.clone(); Callback::from(move |_| o.set(if is_open { None } else { Some(n) })) };
                            html! {
                                <li class="clickable" data-subject={r.msg.subject.clone()} onclick={toggle}>
                                    <span class="muted">{ format::time(r.at).split(' ').nth(1).unwrap_or_default().to_owned() }</span>{ " " }
                                    <span class="mono subject">{ &r.msg.subject }</span>
                                    if let Some(reply) = &r.msg.reply { <span class="muted">{ format!(" reply {reply}") }</span> }
                                    if r.headers.is_some() { <span class="pill">{ "headers" }</span> }
                                    { " " }<span class="value">{ crate::payload::preview(&r.data, 160) }</span>
                                    if is_open { <PayloadView data={r.data.clone()} headers={r.headers.clone()} /> }
                                </li>
                            }
                        }) }
                    </ul>
                </section>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct SubscribeProps {
    on_add: Callback<(String, String, Option<String>)>,
}

#[function_component]
fn SubscribeForm(p: &SubscribeProps) -> Html {
    let subject = use_state(|| ">".to_owned());
    let queue = use_state(String::new);
    let reply = use_state(String::new);
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let submit = {
        let (subject, queue, on_add) = (subject.clone(), queue.clone(), p.on_add.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_add.emit(((*subject).clone(), (*queue).clone(), None));
        })
    };
    let serve = {
        let (subject, queue, reply, on_add) = (subject.clone(), queue.clone(), reply.clone(), p.on_add.clone());
        Callback::from(move |_| on_add.emit(((*subject).clone(), (*queue).clone(), Some((*reply).clone()))))
    };
    html! {
        <form class="card form" id="sub-form" onsubmit={submit}>
            <h2>{ "Subscribe" }</h2>
            <div class="form-grid">
                <TextField id="sub-subject" label="Subject" value={(*subject).clone()} oninput={set(&subject)} hint="wildcards: * one token, > the rest" />
                <TextField id="sub-queue" label="Queue group" value={(*queue).clone()} oninput={set(&queue)} placeholder="none" />
            </div>
            <div class="actions">
                <button type="submit" class="btn primary" id="sub-submit">{ "Subscribe" }</button>
            </div>
            <div class="form-grid">
                <TextField id="svc-reply" label="Reply with" value={(*reply).clone()} oninput={set(&reply)} hint="answer requests on the subject with this payload" />
            </div>
            <div class="actions">
                <button type="button" class="btn" id="svc-submit" onclick={serve}>{ "Start reply service" }</button>
            </div>
        </form>
    }
}

#[function_component]
fn PublishPanel() -> Html {
    let ctx = use_ctx();
    let subject = use_state(String::new);
    let reply = use_state(String::new);
    let headers = use_state(String::new);
    let payload = use_state(String::new);
    let count = use_state(|| "1".to_owned());
    let status = use_state(|| Option::<String>::None);
    let error = use_state(|| Option::<String>::None);
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let submit = {
        let (ctx, subject, reply, headers, payload, count, status, error) = (
            ctx.clone(),
            subject.clone(),
            reply.clone(),
            headers.clone(),
            payload.clone(),
            count.clone(),
            status.clone(),
            error.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(n) = ctx.nats.clone() else { return };
            let h = match parse_header_lines(&headers) {
                Ok(h) => h,
                Err(e) => {
                    error.set(Some(format!("Headers: {e}")));
                    return;
                }
            };
            let times = count.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
            let r = (!reply.trim().is_empty()).then(|| reply.trim().to_owned());
            for _ in 0..times {
                if let Err(e) = n.client.publish_with(subject.trim(), r.as_deref(), h.as_ref(), payload.as_bytes()) {
                    error.set(Some(e.to_string()));
                    status.set(None);
                    return;
                }
            }
            error.set(None);
            status.set(Some(format!("Published {times} message(s) to {}", subject.trim())));
        })
    };
    html! {
        <form class="card form" id="pub-form" onsubmit={submit}>
            <h2>{ "Publish" }</h2>
            <div class="form-grid">
                <TextField id="pub-subject" label="Subject" value={(*subject).clone()} oninput={set(&subject)} />
                <TextField id="pub-reply" label="Reply to" value={(*reply).clone()} oninput={set(&reply)} placeholder="none" />
                <TextField id="pub-count" label="Times" value={(*count).clone()} oninput={set(&count)} />
            </div>
            <TextArea id="pub-headers" label="Headers" value={(*headers).clone()} oninput={set(&headers)} placeholder="Name: value, one a line" rows={2} />
            <TextArea id="pub-payload" label="Payload" value={(*payload).clone()} oninput={set(&payload)} rows={4} />
            <ErrorBox error={(*error).clone()} />
            if let Some(s) = &*status { <p class="ok" id="pub-status">{ s }</p> }
            <div class="actions"><button type="submit" class="btn primary" id="pub-submit">{ "Publish" }</button></div>
        </form>
    }
}

#[function_component]
fn RequestPanel() -> Html {
    let ctx = use_ctx();
    let subject = use_state(String::new);
    let headers = use_state(String::new);
    let payload = use_state(String::new);
    let timeout = use_state(|| "2000".to_owned());
    let answer = use_state(|| Option::<Result<(Message, f64), String>>::None);
    let busy = use_state(|| false);
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let submit = {
        let (ctx, subject, headers, payload, timeout, answer, busy) = (
            ctx.clone(),
            subject.clone(),
            headers.clone(),
            payload.clone(),
            timeout.clone(),
            answer.clone(),
            busy.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(n) = ctx.nats.clone() else { return };
            let h = match parse_header_lines(&headers) {
                Ok(h) => h,
                Err(e) => {
                    answer.set(Some(Err(format!("Headers: {e}"))));
                    return;
                }
            };
            let ms = timeout.trim().parse::<u64>().unwrap_or(2000).clamp(10, 600_000);
            let (subject, payload, answer, busy) =
                (subject.trim().to_owned(), (*payload).clone(), answer.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let started = browser::now_ms();
                let r = n.client.request_with(&subject, h.as_ref(), payload.as_bytes(), ms).await;
                let took = browser::now_ms() - started;
                answer.set(Some(r.map(|m| (m, took)).map_err(|e| e.to_string())));
                busy.set(false);
            });
        })
    };
    let shown = match &*answer {
        None => html! {},
        Some(Err(e)) => html! { <div id="req-result"><ErrorBox error={Some(e.clone())} /></div> },
        Some(Ok((m, took))) => html! {
            <div id="req-result" class="reply">
                <p class="ok">{ format!("Reply on {} in {:.0} ms", m.subject, took) }</p>
                <PayloadView data={Rc::<[u8]>::from(m.payload.as_ref())} headers={m.headers.clone().map(Rc::new)} />
            </div>
        },
    };
    html! {
        <form class="card form" id="req-form" onsubmit={submit}>
            <h2>{ "Request" }</h2>
            <div class="form-grid">
                <TextField id="req-subject" label="Subject" value={(*subject).clone()} oninput={set(&subject)} />
                <TextField id="req-timeout" label="Timeout (ms)" value={(*timeout).clone()} oninput={set(&timeout)} />
            </div>
            <TextArea id="req-headers" label="Headers" value={(*headers).clone()} oninput={set(&headers)} placeholder="Name: value, one a line" rows={2} />
            <TextArea id="req-payload" label="Payload" value={(*payload).clone()} oninput={set(&payload)} rows={3} />
            <div class="actions"><button type="submit" class="btn primary" id="req-submit" disabled={*busy}>{ if *busy { "Waiting…" } else { "Send request" } }</button></div>
            { shown }
        </form>
    }
}
