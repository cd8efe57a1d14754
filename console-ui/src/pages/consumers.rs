//! The consumers of a stream: a live table with delivery progress (pending, ack pending,
//! redelivered, waiting), details on click, pause/resume, delete, and the create form.

use std::rc::Rc;

use switchyard_shared::api::consumer::{AckPolicy, ConsumerInfo, DeliverPolicy, ReplayPolicy};
use switchyard_shared::api::stream::StreamConfig;
use switchyard_shared::time::Timestamp;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::{enum_options, enum_value, parse_enum, Checkbox, Select, TextArea, TextField};
use crate::components::load::{ErrorBox, Load};
use crate::components::modal::Confirm;
use crate::components::poll::use_ticker;
use crate::format;
use crate::forms::consumer::{ConsumerForm, Delivery};
use crate::forms::stream::FormError;
use crate::forms::{parse_age, FieldErrors};
use crate::services::{browser, jetstream};

#[derive(Properties, PartialEq)]
pub struct ConsumerListProps {
    pub stream: AttrValue,
    pub config: Rc<StreamConfig>,
}

#[function_component]
pub fn ConsumerList(p: &ConsumerListProps) -> Html {
    let ctx = use_ctx();
    let list = use_state(|| Load::<Rc<Vec<ConsumerInfo>>>::Loading);
    let selected = use_state(|| Option::<String>::None);
    let creating = use_state(|| false);
    let deleting = use_state(|| Option::<String>::None);
    let pause_for = use_state(|| "5m".to_owned());
    let reload = use_state(|| 0u64);
    let tick = use_ticker(ctx.session.settings.refresh_ms.max(1000) * 2, ctx.nats.is_some());
    {
        let (list, stream) = (list.clone(), p.stream.to_string());
        use_effect_with((ctx.nats.clone(), tick, *reload), move |(nats, _, _)| {
            if let Some(n) = nats.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match jetstream::consumer_list(&n.client, &stream).await {
                        Ok(v) => list.set(Load::Ready(Rc::new(v))),
                        Err(e) => list.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    let bump = {
        let reload = reload.clone();
        move || reload.set(*reload + 1)
    };
    let pause = {
        let (ctx, stream, pause_for, bump) = (ctx.clone(), p.stream.to_string(), pause_for.clone(), bump.clone());
        move |name: String, resume: bool| {
            let until = if resume {
                Ok(Timestamp::ZERO)
            } else {
                parse_age(&pause_for).map(|d| browser::now().saturating_add_nanos(d))
            };
            let until = match until {
                Ok(u) => u,
                Err(e) => {
                    ctx.notify_error(format!("Pause: {e}"));
                    return;
                }
            };
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, stream, bump) = (ctx.clone(), stream.clone(), bump.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::consumer_pause(&n.client, &stream, &name, until).await {
                    Ok(paused) => {
                        ctx.notify(format!("Consumer {name} {}", if paused { "paused" } else { "resumed" }));
                        bump();
                    }
                    Err(e) => ctx.notify_error(format!("Pausing {name}: {e}")),
                }
            });
        }
    };
    let delete = {
        let (ctx, stream, deleting, bump) = (ctx.clone(), p.stream.to_string(), deleting.clone(), bump.clone());
        Callback::from(move |_| {
            let Some(name) = (*deleting).clone() else { return };
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, stream, deleting, bump) = (ctx.clone(), stream.clone(), deleting.clone(), bump.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::consumer_delete(&n.client, &stream, &name).await {
                    Ok(()) => {
                        ctx.notify(format!("Consumer {name} deleted"));
                        bump();
                    }
                    Err(e) => ctx.notify_error(format!("Deleting {name}: {e}")),
                }
                deleting.set(None);
            });
        })
    };
    let toggle_create = {
        let creating = creating.clone();
        Callback::from(move |_| creating.set(!*creating))
    };
    let created = {
        let (creating, bump) = (creating.clone(), bump.clone());
        Callback::from(move |_| {
            creating.set(false);
            bump();
        })
    };
    let set_pause = {
        let pause_for = pause_for.clone();
        Callback::from(move |v: String| pause_for.set(v))
    };
    html! {
        <section class="consumers">
            <div class="toolbar">
                <button class="btn primary" id="new-consumer" onclick={toggle_create}>{ if *creating { "Cancel" } else { "New consumer" } }</button>
                <TextField id="pause-for" label="Pause for" value={(*pause_for).clone()} oninput={set_pause} hint="used by Pause, e.g. 30s, 5m, 1h" />
            </div>
            if *creating {
                <ConsumerCreate stream={p.stream.clone()} config={p.config.clone()} on_created={created} />
            }
            { list.view(|consumers| {
                if consumers.is_empty() {
                    return html! { <p class="empty-state" id="no-consumers">{ "No consumers." }</p> };
                }
                let chosen = selected.as_ref().and_then(|s| consumers.iter().find(|c| &c.name == s));
                html! {
                    <>
                    <div class="table-wrap">
                        <table class="table" id="consumer-table">
                            <thead><tr>
                                <th>{ "Name" }</th><th>{ "Type" }</th><th>{ "Filter" }</th><th>{ "Ack" }</th>
                                <th>{ "Delivered" }</th><th>{ "Ack floor" }</th><th>{ "Pending" }</th><th>{ "Ack pending" }</th>
                                <th>{ "Redelivered" }</th><th>{ "Waiting" }</th><th>{ "State" }</th><th></th>
                            </tr></thead>
                            <tbody>
                                { for consumers.iter().map(|c| {
                                    let cfg = c.config.clone().unwrap_or_default();
                                    let name = c.name.clone();
                                    let is_sel = selected.as_deref() == Some(name.as_str());
                                    let select = { let s = selected.clone(); let n = name.clone(); Callback::from(move |_| s.set(if is_sel { None } else { Some(n.clone()) })) };
                                    let ask_delete = { let d = deleting.clone(); let n = name.clone(); Callback::from(move |e: MouseEvent| { e.stop_propagation(); d.set(Some(n.clone())) }) };
                                    let pause_click = { let f = pause.clone(); let n = name.clone(); let paused = c.paused; Callback::from(move |e: MouseEvent| { e.stop_propagation(); f(n.clone(), paused) }) };
                                    html! {
                                        <tr class={classes!("clickable", is_sel.then_some("selected"))} data-consumer={name.clone()} onclick={select}>
                                            <td>{ &c.name }{ if cfg.is_durable() { "" } else { " (ephemeral)" } }</td>
                                            <td>{ if cfg.is_pull() { "pull" } else { "push" } }</td>
                                            <td class="mono small">{ cfg.filters().join(", ") }</td>
                                            <td>{ enum_value(&cfg.ack_policy) }</td>
                                            <td class="num">{ c.delivered.stream }</td>
                                            <td class="num">{ c.ack_floor.stream }</td>
                                            <td class="num pending">{ format::count(c.num_pending) }</td>
                                            <td class="num">{ c.num_ack_pending }</td>
                                            <td class="num">{ c.num_redelivered }</td>
                                            <td class="num">{ c.num_waiting }</td>
                                            <td>{ if c.paused { html! { <span class="pill warn">{ format!("paused {}", format::duration(c.pause_remaining, true)) }</span> } }
                                                  else if c.push_bound { html! { <span class="pill good">{ "bound" }</span> } } else { html! {} } }</td>
                                            <td class="row-actions">
                                                <button class="btn small pause" onclick={pause_click}>{ if c.paused { "Resume" } else { "Pause" } }</button>
                                                <button class="btn small danger delete" onclick={ask_delete}>{ "Delete" }</button>
                                            </td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                    { for chosen.map(|c| html! {
                        <section class="details" id="consumer-details">
                            <h2>{ format!("Consumer {}", c.name) }</h2>
                            <pre class="payload">{ serde_json::to_string_pretty(c).unwrap_or_default() }</pre>
                        </section>
                    }) }
                    </>
                }
            }) }
            if let Some(name) = (*deleting).clone() {
                <Confirm title={format!("Delete consumer {name}")} message="Its delivery state (acks, pending) is lost."
                    on_confirm={delete} on_cancel={{ let d = deleting.clone(); Callback::from(move |_| d.set(None)) }} />
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CreateProps {
    stream: AttrValue,
    config: Rc<StreamConfig>,
    on_created: Callback<()>,
}

#[function_component]
fn ConsumerCreate(p: &CreateProps) -> Html {
    let ctx = use_ctx();
    let form = use_state(ConsumerForm::default);
    let errors = use_state(FieldErrors::new);
    let error = use_state(|| Option::<String>::None);
    let busy = use_state(|| false);
    let text = |f: fn(&mut ConsumerForm, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let flag = |f: fn(&mut ConsumerForm, bool)| {
        let form = form.clone();
        Callback::from(move |v: bool| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let submit = {
        let (ctx, form, errors, error, busy) = (ctx.clone(), form.clone(), errors.clone(), error.clone(), busy.clone());
        let (stream, config, on_created) = (p.stream.to_string(), p.config.clone(), p.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let cfg = match form.check(&config) {
                Ok(c) => c,
                Err(FormError::Fields(f)) => {
                    errors.set(f);
                    error.set(Some("Some fields need fixing".into()));
                    return;
                }
                Err(FormError::Invalid(api)) => {
                    errors.set(FieldErrors::new());
                    error.set(Some(format!("Invalid consumer: {} ({})", api.description, api.err_code)));
                    return;
                }
            };
            errors.set(FieldErrors::new());
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, error, busy, stream, on_created) =
                (ctx.clone(), error.clone(), busy.clone(), stream.clone(), on_created.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match jetstream::consumer_create(&n.client, &stream, &cfg).await {
                    Ok(info) => {
                        error.set(None);
                        ctx.notify(format!("Consumer {} created", info.name));
                        on_created.emit(());
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
                busy.set(false);
            });
        })
    };
    let f = &*form;
    let err = |k: &str| errors.get(k).cloned();
    html! {
        <form class="card form" id="consumer-form" onsubmit={submit}>
            <h2>{ "New consumer" }</h2>
            <div class="form-grid">
                <TextField id="c-name" label="Name" value={f.name.clone()} oninput={text(|f, v| f.name = v)} error={err("name")} />
                <Checkbox id="c-durable" label="Durable" checked={f.durable} onchange={flag(|f, v| f.durable = v)} hint="kept while idle" />
                <TextField id="c-description" label="Description" value={f.description.clone()} oninput={text(|f, v| f.description = v)} />
                <Select id="c-delivery" label="Delivery" value={if f.delivery == Delivery::Pull { "pull" } else { "push" }}
                    onchange={text(|f, v| f.delivery = if v == "push" { Delivery::Push } else { Delivery::Pull })}
                    options={vec![("pull".into(), "Pull".into()), ("push".into(), "Push".into())]} />
                <TextField id="c-filter" label="Filter subjects" value={f.filter_subjects.clone()} oninput={text(|f, v| f.filter_subjects = v)} placeholder="all subjects" />
                <Select id="c-deliver-policy" label="Deliver" value={enum_value(&f.deliver_policy)}
                    onchange={text(|f, v| if let Some(p) = parse_enum(&v) { f.deliver_policy = p })}
                    options={enum_options(&[DeliverPolicy::All, DeliverPolicy::Last, DeliverPolicy::New, DeliverPolicy::ByStartSequence,
                        DeliverPolicy::ByStartTime, DeliverPolicy::LastPerSubject], |p| match p {
                        DeliverPolicy::All => "all", DeliverPolicy::Last => "last", DeliverPolicy::New => "new",
                        DeliverPolicy::ByStartSequence => "from sequence", DeliverPolicy::ByStartTime => "from time",
                        DeliverPolicy::LastPerSubject => "last per subject" })} />
                if f.deliver_policy == DeliverPolicy::ByStartSequence {
                    <TextField id="c-start-seq" label="Start sequence" value={f.opt_start_seq.clone()} oninput={text(|f, v| f.opt_start_seq = v)} error={err("opt_start_seq")} />
                }
                if f.deliver_policy == DeliverPolicy::ByStartTime {
                    <TextField id="c-start-time" label="Start time" value={f.opt_start_time.clone()} oninput={text(|f, v| f.opt_start_time = v)} error={err("opt_start_time")} placeholder="2026-01-31T12:00:00Z" />
                }
                <Select id="c-ack" label="Ack policy" value={enum_value(&f.ack_policy)}
                    onchange={text(|f, v| if let Some(p) = parse_enum(&v) { f.ack_policy = p })}
                    options={enum_options(&[AckPolicy::Explicit, AckPolicy::All, AckPolicy::None], |p| match p {
                        AckPolicy::Explicit => "explicit", AckPolicy::All => "all", _ => "none" })} />
                <TextField id="c-ack-wait" label="Ack wait" value={f.ack_wait.clone()} oninput={text(|f, v| f.ack_wait = v)} error={err("ack_wait")} />
                <TextField id="c-max-deliver" label="Max deliveries" value={f.max_deliver.clone()} oninput={text(|f, v| f.max_deliver = v)} error={err("max_deliver")} placeholder="unlimited" />
                <TextField id="c-backoff" label="Backoff" value={f.backoff.clone()} oninput={text(|f, v| f.backoff = v)} error={err("backoff")} placeholder="1s, 5s, 30s" />
                <TextField id="c-max-ack-pending" label="Max ack pending" value={f.max_ack_pending.clone()} oninput={text(|f, v| f.max_ack_pending = v)} error={err("max_ack_pending")} />
                <Select id="c-replay" label="Replay" value={enum_value(&f.replay_policy)}
                    onchange={text(|f, v| if let Some(p) = parse_enum(&v) { f.replay_policy = p })}
                    options={enum_options(&[ReplayPolicy::Instant, ReplayPolicy::Original], |p| if *p == ReplayPolicy::Instant { "instant" } else { "original" })} />
                if f.delivery == Delivery::Push {
                    <TextField id="c-deliver-subject" label="Deliver subject" value={f.deliver_subject.clone()} oninput={text(|f, v| f.deliver_subject = v)} error={err("deliver_subject")} />
                    <TextField id="c-deliver-group" label="Deliver group" value={f.deliver_group.clone()} oninput={text(|f, v| f.deliver_group = v)} />
                    <TextField id="c-heartbeat" label="Idle heartbeat" value={f.idle_heartbeat.clone()} oninput={text(|f, v| f.idle_heartbeat = v)} error={err("idle_heartbeat")} />
                    <Checkbox id="c-flow" label="Flow control" checked={f.flow_control} onchange={flag(|f, v| f.flow_control = v)} />
                } else {
                    <TextField id="c-max-waiting" label="Max waiting pulls" value={f.max_waiting.clone()} oninput={text(|f, v| f.max_waiting = v)} error={err("max_waiting")} placeholder="512" />
                    <TextField id="c-max-batch" label="Max batch" value={f.max_batch.clone()} oninput={text(|f, v| f.max_batch = v)} error={err("max_batch")} />
                    <TextField id="c-max-expires" label="Max expires" value={f.max_expires.clone()} oninput={text(|f, v| f.max_expires = v)} error={err("max_expires")} />
                }
                <TextField id="c-inactive" label="Inactive threshold" value={f.inactive_threshold.clone()} oninput={text(|f, v| f.inactive_threshold = v)} error={err("inactive_threshold")} />
                <Checkbox id="c-headers-only" label="Headers only" checked={f.headers_only} onchange={flag(|f, v| f.headers_only = v)} />
                <Checkbox id="c-mem" label="Memory storage" checked={f.mem_storage} onchange={flag(|f, v| f.mem_storage = v)} />
                <TextArea id="c-metadata" label="Metadata" value={f.metadata.clone()} oninput={text(|f, v| f.metadata = v)} error={err("metadata")} placeholder="key=value" rows={2} />
            </div>
            <ErrorBox error={(*error).clone()} />
            <div class="actions">
                <button type="submit" class="btn primary" id="c-create" disabled={*busy}>{ if *busy { "Creating…" } else { "Create consumer" } }</button>
            </div>
        </form>
    }
}
