//! KV buckets: every bucket with its settings and size, a create form, and delete with
//! confirmation; a bucket opens its own page.

use switchyard_shared::api::stream::StorageType;
use yew::prelude::*;

use super::bucket_list::{use_bucket_list, BucketList};
use crate::app::use_ctx;
use crate::components::field::{enum_options, enum_value, parse_enum, Checkbox, Select, TextField};
use crate::components::load::{ErrorBox, NeedNats};
use crate::components::modal::Confirm;
use crate::format;
use crate::forms::bucket::BucketForm;
use crate::forms::FieldErrors;
use crate::route::Route;
use crate::services::kv;

#[function_component]
pub fn KvBuckets() -> Html {
    let ctx = use_ctx();
    let BucketList { list, creating, deleting, toggle, created, delete, cancel_delete } =
        use_bucket_list(|c| async move { kv::buckets(&c).await }, |c, b| async move { kv::delete(&c, &b).await });
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Key/Value" }</h1><NeedNats /></div> };
    }
    html! {
        <div>
            <div class="page-head">
                <h1>{ "Key/Value" }</h1>
                <button class="btn primary" id="new-bucket" onclick={toggle}>{ if *creating { "Cancel" } else { "New bucket" } }</button>
            </div>
            if *creating { <BucketCreate kind={BucketKind::Kv} on_created={created} /> }
            { list.view(|buckets| {
                if buckets.is_empty() {
                    return html! { <p class="empty-state" id="no-buckets">{ "No buckets yet." }</p> };
                }
                html! {
                    <div class="table-wrap">
                        <table class="table" id="bucket-table">
                            <thead><tr><th>{ "Bucket" }</th><th>{ "Entries" }</th><th>{ "Size" }</th><th>{ "History" }</th>
                                <th>{ "TTL" }</th><th>{ "Storage" }</th><th>{ "Created" }</th><th></th></tr></thead>
                            <tbody>
                                { for buckets.iter().map(|b| {
                                    let ask = { let d = deleting.clone(); let name = b.bucket.clone(); Callback::from(move |_| d.set(Some(name.clone()))) };
                                    html! {
                                        <tr data-bucket={b.bucket.clone()}>
                                            <td><a href={Route::KvBucket { bucket: b.bucket.clone() }.to_hash()}>{ &b.bucket }</a>
                                                if !b.description.is_empty() { <div class="muted small">{ &b.description }</div> }</td>
                                            <td class="num">{ format::count(b.values) }</td>
                                            <td class="num">{ format::bytes(b.bytes as f64) }</td>
                                            <td class="num">{ b.history }</td>
                                            <td>{ if b.ttl == 0 { "–".to_owned() } else { format::span(b.ttl) } }</td>
                                            <td>{ enum_value(&b.storage) }{ if b.compressed { ", s2" } else { "" } }</td>
                                            <td>{ format::time(b.created) }</td>
                                            <td class="row-actions"><button class="btn small danger delete" onclick={ask}>{ "Delete" }</button></td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }) }
            if let Some(bucket) = (*deleting).clone() {
                <Confirm title={format!("Delete bucket {bucket}")} require={Some(AttrValue::from(bucket.clone()))}
                    message="Every key and its history will be removed."
                    on_confirm={delete} on_cancel={cancel_delete} />
            }
        </div>
    }
}

/// Which kind of bucket a create form makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketKind {
    Kv,
    Objects,
}

#[derive(Properties, PartialEq)]
pub struct BucketCreateProps {
    pub kind: BucketKind,
    pub on_created: Callback<()>,
}

/// The create form of a KV or object store bucket.
#[function_component]
pub fn BucketCreate(p: &BucketCreateProps) -> Html {
    let ctx = use_ctx();
    let form = use_state(BucketForm::default);
    let errors = use_state(FieldErrors::new);
    let error = use_state(|| Option::<String>::None);
    let text = |f: fn(&mut BucketForm, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let submit = {
        let (ctx, form, errors, error, kind, on_created) =
            (ctx.clone(), form.clone(), errors.clone(), error.clone(), p.kind, p.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, error, on_created) = (ctx.clone(), error.clone(), on_created.clone());
            match kind {
                BucketKind::Kv => match form.kv() {
                    Ok(settings) => {
                        errors.set(FieldErrors::new());
                        wasm_bindgen_futures::spawn_local(async move {
                            match kv::create(&n.client, &settings).await {
                                Ok(_) => {
                                    ctx.notify(format!("Bucket {} created", settings.bucket));
                                    on_created.emit(());
                                }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        });
                    }
                    Err(f) => errors.set(f),
                },
                BucketKind::Objects => match form.objects() {
                    Ok(settings) => {
                        errors.set(FieldErrors::new());
                        wasm_bindgen_futures::spawn_local(async move {
                            match crate::services::objects::create(&n.client, &settings).await {
                                Ok(_) => {
                                    ctx.notify(format!("Bucket {} created", settings.bucket));
                                    on_created.emit(());
                                }
                                Err(e) => error.set(Some(e.to_string())),
                            }
                        });
                    }
                    Err(f) => errors.set(f),
                },
            }
        })
    };
    let f = &*form;
    let err = |k: &str| errors.get(k).cloned();
    let compression = {
        let form = form.clone();
        Callback::from(move |v: bool| {
            let mut next = (*form).clone();
            next.compression = v;
            form.set(next);
        })
    };
    html! {
        <form class="card form" id="bucket-form" onsubmit={submit}>
            <div class="form-grid">
                <TextField id="b-name" label="Bucket" value={f.bucket.clone()} oninput={text(|f, v| f.bucket = v)} error={err("bucket")} />
                <TextField id="b-description" label="Description" value={f.description.clone()} oninput={text(|f, v| f.description = v)} />
                if p.kind == BucketKind::Kv {
                    <TextField id="b-history" label="History per key" value={f.history.clone()} oninput={text(|f, v| f.history = v)} error={err("history")} />
                    <TextField id="b-max-value" label="Max value size" value={f.max_value_size.clone()} oninput={text(|f, v| f.max_value_size = v)} error={err("max_value_size")} placeholder="unlimited" />
                }
                <TextField id="b-ttl" label="TTL" value={f.ttl.clone()} oninput={text(|f, v| f.ttl = v)} error={err("ttl")} placeholder="forever" />
                <TextField id="b-max-bytes" label="Max size" value={f.max_bytes.clone()} oninput={text(|f, v| f.max_bytes = v)} error={err("max_bytes")} placeholder="unlimited" />
                <Select id="b-storage" label="Storage" value={enum_value(&f.storage)}
                    onchange={text(|f, v| if let Some(x) = parse_enum(&v) { f.storage = x })}
                    options={enum_options(&[StorageType::File, StorageType::Memory], |s| if *s == StorageType::File { "File" } else { "Memory" })} />
                <TextField id="b-replicas" label="Replicas" value={f.replicas.clone()} oninput={text(|f, v| f.replicas = v)} error={err("replicas")} />
                <Checkbox id="b-compression" label="S2 compression" checked={f.compression} onchange={compression} />
            </div>
            <ErrorBox error={(*error).clone()} />
            <div class="actions"><button type="submit" class="btn primary" id="b-create">{ "Create bucket" }</button></div>
        </form>
    }
}
