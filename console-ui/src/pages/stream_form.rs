//! The stream create/edit form: every field an operator sets, checked in the browser with the
//! server's own rules, then sent; errors the server returns are shown as the server's.

use switchyard_shared::api::stream::{Compression, DiscardPolicy, RetentionPolicy, StorageType, StreamConfig};
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::{enum_options, enum_value, parse_enum, Checkbox, Select, TextArea, TextField};
use crate::components::load::{ErrorBox, Load, NeedNats};
use crate::forms::stream::{FormError, StreamForm};
use crate::forms::FieldErrors;
use crate::route::{Route, StreamTab};
use crate::services::jetstream;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The stream to edit; `None` creates one.
    pub name: Option<AttrValue>,
}

#[function_component]
pub fn StreamEditor(p: &EditorProps) -> Html {
    let ctx = use_ctx();
    let original = use_state(|| if p.name.is_some() { Load::Loading } else { Load::Ready(None::<StreamConfig>) });
    let form = use_state(StreamForm::default);
    {
        let (original, form, name) = (original.clone(), form.clone(), p.name.clone());
        use_effect_with((ctx.nats.clone(), name), move |(nats, name)| {
            if let (Some(n), Some(name)) = (nats.clone(), name.clone()) {
                wasm_bindgen_futures::spawn_local(async move {
                    match jetstream::stream_info(&n.client, &name).await {
                        Ok(info) => {
                            form.set(StreamForm::from_config(&info.config));
                            original.set(Load::Ready(Some(info.config)));
                        }
                        Err(e) => original.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Stream" }</h1><NeedNats /></div> };
    }
    let body = original.view(|orig| html! { <FormBody original={orig.clone()} form={form.clone()} /> });
    if p.name.is_some() {
        body
    } else {
        html! {
            <div>
                <h1><a href={Route::Streams.to_hash()} class="crumb">{ "Streams" }</a>{ " / New stream" }</h1>
                { body }
            </div>
        }
    }
}

#[derive(Properties, PartialEq)]
struct BodyProps {
    original: Option<StreamConfig>,
    form: UseStateHandle<StreamForm>,
}

#[function_component]
fn FormBody(p: &BodyProps) -> Html {
    let ctx = use_ctx();
    let form = p.form.clone();
    let errors = use_state(FieldErrors::new);
    let error = use_state(|| Option::<String>::None);
    let busy = use_state(|| false);
    let show_json = use_state(|| false);
    let editing = p.original.is_some();
    let text = |f: fn(&mut StreamForm, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let flag = |f: fn(&mut StreamForm, bool)| {
        let form = form.clone();
        Callback::from(move |v: bool| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let submit = {
        let (ctx, form, errors, error, busy, original) =
            (ctx.clone(), form.clone(), errors.clone(), error.clone(), busy.clone(), p.original.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let config = match form.check(original.as_ref()) {
                Ok(c) => c,
                Err(FormError::Fields(f)) => {
                    errors.set(f);
                    error.set(Some("Some fields need fixing".into()));
                    return;
                }
                Err(FormError::Invalid(api)) => {
                    errors.set(FieldErrors::new());
                    error.set(Some(format!("Invalid configuration: {} ({})", api.description, api.err_code)));
                    return;
                }
            };
            errors.set(FieldErrors::new());
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, error, busy, editing) = (ctx.clone(), error.clone(), busy.clone(), original.is_some());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = if editing {
                    jetstream::stream_update(&n.client, &config).await
                } else {
                    jetstream::stream_create(&n.client, &config).await
                };
                busy.set(false);
                match result {
                    Ok(info) => {
                        error.set(None);
                        ctx.notify(format!(
                            "Stream {} {}",
                            info.config.name,
                            if editing { "updated" } else { "created" }
                        ));
                        ctx.navigate(&Route::Stream { name: info.config.name, tab: StreamTab::Info });
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        })
    };
    let toggle_json = {
        let show_json = show_json.clone();
        Callback::from(move |_| show_json.set(!*show_json))
    };
    let f = &*form;
    let err = |k: &str| errors.get(k).cloned();
    let preview = match f.to_config(&p.original.clone().unwrap_or_default()) {
        Ok(c) => serde_json::to_string_pretty(&c).unwrap_or_default(),
        Err(e) => format!("fields to fix: {}", e.keys().copied().collect::<Vec<_>>().join(", ")),
    };
    html! {
        <form class="form" id="stream-form" onsubmit={submit}>
            <fieldset>
                <legend>{ "Stream" }</legend>
                <div class="form-grid">
                    <TextField id="s-name" label="Name" value={f.name.clone()} oninput={text(|f, v| f.name = v)} disabled={editing} error={err("name")} />
                    <TextField id="s-description" label="Description" value={f.description.clone()} oninput={text(|f, v| f.description = v)} />
                    <TextField id="s-subjects" label="Subjects" value={f.subjects.clone()} oninput={text(|f, v| f.subjects = v)}
                        placeholder="orders.>, returns.*" hint="comma separated; wildcards allowed" />
                    <Select id="s-storage" label="Storage" value={enum_value(&f.storage)} disabled={editing}
                        onchange={text(|f, v| if let Some(x) = parse_enum(&v) { f.storage = x })}
                        options={enum_options(&[StorageType::File, StorageType::Memory], |s| if *s == StorageType::File { "File" } else { "Memory" })} />
                    <Select id="s-retention" label="Retention" value={enum_value(&f.retention)}
                        onchange={text(|f, v| if let Some(x) = parse_enum(&v) { f.retention = x })}
                        options={enum_options(&[RetentionPolicy::Limits, RetentionPolicy::Interest, RetentionPolicy::WorkQueue], |r| match r {
                            RetentionPolicy::Limits => "Limits", RetentionPolicy::Interest => "Interest", RetentionPolicy::WorkQueue => "Work queue" })} />
                    <TextField id="s-replicas" label="Replicas" value={f.replicas.clone()} oninput={text(|f, v| f.replicas = v)} error={err("replicas")} />
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Limits" }</legend>
                <div class="form-grid">
                    <TextField id="s-max-msgs" label="Max messages" value={f.max_msgs.clone()} oninput={text(|f, v| f.max_msgs = v)} error={err("max_msgs")} placeholder="unlimited" />
                    <TextField id="s-max-bytes" label="Max bytes" value={f.max_bytes.clone()} oninput={text(|f, v| f.max_bytes = v)} error={err("max_bytes")} placeholder="unlimited" hint="e.g. 512MiB, 10GiB" />
                    <TextField id="s-max-age" label="Max age" value={f.max_age.clone()} oninput={text(|f, v| f.max_age = v)} error={err("max_age")} placeholder="unlimited" hint="e.g. 1h, 7d" />
                    <TextField id="s-max-per-subject" label="Max per subject" value={f.max_msgs_per_subject.clone()} oninput={text(|f, v| f.max_msgs_per_subject = v)} error={err("max_msgs_per_subject")} placeholder="unlimited" />
                    <TextField id="s-max-msg-size" label="Max message size" value={f.max_msg_size.clone()} oninput={text(|f, v| f.max_msg_size = v)} error={err("max_msg_size")} placeholder="unlimited" />
                    <TextField id="s-max-consumers" label="Max consumers" value={f.max_consumers.clone()} oninput={text(|f, v| f.max_consumers = v)} error={err("max_consumers")} placeholder="unlimited" />
                    <Select id="s-discard" label="When full, discard" value={enum_value(&f.discard)}
                        onchange={text(|f, v| if let Some(x) = parse_enum(&v) { f.discard = x })}
                        options={enum_options(&[DiscardPolicy::Old, DiscardPolicy::New], |d| if *d == DiscardPolicy::Old { "Old messages" } else { "New messages" })} />
                    <Checkbox id="s-discard-new-per" label="Discard new per subject" checked={f.discard_new_per_subject} onchange={flag(|f, v| f.discard_new_per_subject = v)} />
                    <TextField id="s-dup-window" label="Duplicate window" value={f.duplicate_window.clone()} oninput={text(|f, v| f.duplicate_window = v)} error={err("duplicate_window")} placeholder="2m" />
                </div>
            </fieldset>
            <fieldset>
                <legend>{ "Options" }</legend>
                <div class="form-grid">
                    <Select id="s-compression" label="Compression" value={enum_value(&f.compression)}
                        onchange={text(|f, v| if let Some(x) = parse_enum(&v) { f.compression = x })}
                        options={enum_options(&[Compression::None, Compression::S2], |c| if *c == Compression::None { "None" } else { "S2" })} />
                    if !editing {
                        <TextField id="s-first-seq" label="First sequence" value={f.first_seq.clone()} oninput={text(|f, v| f.first_seq = v)} error={err("first_seq")} placeholder="1" />
                    }
                    <TextField id="s-marker-ttl" label="Delete marker TTL" value={f.subject_delete_marker_ttl.clone()} oninput={text(|f, v| f.subject_delete_marker_ttl = v)} error={err("subject_delete_marker_ttl")} />
                </div>
                <div class="checks">
                    <Checkbox id="s-allow-direct" label="Allow direct get" checked={f.allow_direct} onchange={flag(|f, v| f.allow_direct = v)} />
                    <Checkbox id="s-allow-rollup" label="Allow roll-ups" checked={f.allow_rollup} onchange={flag(|f, v| f.allow_rollup = v)} />
                    <Checkbox id="s-deny-delete" label="Deny message deletes" checked={f.deny_delete} onchange={flag(|f, v| f.deny_delete = v)} />
                    <Checkbox id="s-deny-purge" label="Deny purges" checked={f.deny_purge} onchange={flag(|f, v| f.deny_purge = v)} />
                    <Checkbox id="s-no-ack" label="No publish acks" checked={f.no_ack} onchange={flag(|f, v| f.no_ack = v)} />
                    <Checkbox id="s-msg-ttl" label="Per-message TTL" checked={f.allow_msg_ttl} onchange={flag(|f, v| f.allow_msg_ttl = v)} />
                    if editing {
                        <Checkbox id="s-sealed" label="Sealed (read only, irreversible)" checked={f.sealed} onchange={flag(|f, v| f.sealed = v)} />
                    }
                </div>
            </fieldset>
            <details class="advanced">
                <summary>{ "Advanced: republish, transforms, mirror and sources, placement, consumer limits, metadata" }</summary>
                <div class="form-grid">
                    <TextField id="s-republish-src" label="Republish source" value={f.republish_src.clone()} oninput={text(|f, v| f.republish_src = v)} placeholder=">" />
                    <TextField id="s-republish-dest" label="Republish destination" value={f.republish_dest.clone()} oninput={text(|f, v| f.republish_dest = v)} error={err("republish_dest")} />
                    <Checkbox id="s-republish-headers" label="Republish headers only" checked={f.republish_headers_only} onchange={flag(|f, v| f.republish_headers_only = v)} />
                    <TextField id="s-transform-src" label="Subject transform source" value={f.transform_src.clone()} oninput={text(|f, v| f.transform_src = v)} />
                    <TextField id="s-transform-dest" label="Subject transform destination" value={f.transform_dest.clone()} oninput={text(|f, v| f.transform_dest = v)} />
                    <TextField id="s-mirror" label="Mirror of stream" value={f.mirror.clone()} oninput={text(|f, v| f.mirror = v)} />
                    <TextField id="s-mirror-filter" label="Mirror filter" value={f.mirror_filter.clone()} oninput={text(|f, v| f.mirror_filter = v)} />
                    <TextArea id="s-sources" label="Sources" value={f.sources.clone()} oninput={text(|f, v| f.sources = v)} placeholder="STREAM [filter], one a line" rows={2} />
                    <TextField id="s-placement-cluster" label="Placement cluster" value={f.placement_cluster.clone()} oninput={text(|f, v| f.placement_cluster = v)} />
                    <TextField id="s-placement-tags" label="Placement tags" value={f.placement_tags.clone()} oninput={text(|f, v| f.placement_tags = v)} />
                    <TextField id="s-consumer-inactive" label="Consumer inactive threshold" value={f.consumer_inactive_threshold.clone()} oninput={text(|f, v| f.consumer_inactive_threshold = v)} error={err("consumer_inactive_threshold")} />
                    <TextField id="s-consumer-max-ack" label="Consumer max ack pending" value={f.consumer_max_ack_pending.clone()} oninput={text(|f, v| f.consumer_max_ack_pending = v)} error={err("consumer_max_ack_pending")} />
                    <TextArea id="s-metadata" label="Metadata" value={f.metadata.clone()} oninput={text(|f, v| f.metadata = v)} error={err("metadata")} placeholder="key=value, one a line" rows={2} />
                </div>
            </details>
            <ErrorBox error={(*error).clone()} />
            <div class="actions">
                <button type="button" class="btn" onclick={toggle_json}>{ if *show_json { "Hide JSON" } else { "Show JSON" } }</button>
                <button type="submit" class="btn primary" id="s-submit" disabled={*busy}>
                    { if *busy { "Saving…" } else if editing { "Save changes" } else { "Create stream" } }
                </button>
            </div>
            if *show_json { <pre class="payload" id="s-json">{ preview }</pre> }
        </form>
    }
}
