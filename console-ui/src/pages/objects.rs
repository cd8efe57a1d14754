//! Object store buckets: every bucket with its size, a create form and delete with confirmation; a
//! bucket opens its own page.

use std::rc::Rc;

use yew::prelude::*;

use super::kv::{BucketCreate, BucketKind};
use crate::app::use_ctx;
use crate::components::field::enum_value;
use crate::components::load::{Load, NeedNats};
use crate::components::modal::Confirm;
use crate::components::poll::use_ticker;
use crate::format;
use crate::objstore::BucketStatus;
use crate::route::Route;
use crate::services::objects;

#[function_component]
pub fn ObjectBuckets() -> Html {
    let ctx = use_ctx();
    let list = use_state(|| Load::<Rc<Vec<BucketStatus>>>::Loading);
    let creating = use_state(|| false);
    let deleting = use_state(|| Option::<String>::None);
    let reload = use_state(|| 0u64);
    let tick = use_ticker(ctx.session.settings.refresh_ms.max(1000) * 3, ctx.nats.is_some());
    {
        let list = list.clone();
        use_effect_with((ctx.nats.clone(), tick, *reload), move |(nats, _, _)| {
            if let Some(n) = nats.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match objects::buckets(&n.client).await {
                        Ok(v) => list.set(Load::Ready(Rc::new(v))),
                        Err(e) => list.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Object store" }</h1><NeedNats /></div> };
    }
    let toggle = {
        let creating = creating.clone();
        Callback::from(move |_| creating.set(!*creating))
    };
    let created = {
        let (creating, reload) = (creating.clone(), reload.clone());
        Callback::from(move |_| {
            creating.set(false);
            reload.set(*reload + 1);
        })
    };
    let delete = {
        let (ctx, deleting, reload) = (ctx.clone(), deleting.clone(), reload.clone());
        Callback::from(move |_| {
            let Some(bucket) = (*deleting).clone() else { return };
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, deleting, reload) = (ctx.clone(), deleting.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match objects::delete_bucket(&n.client, &bucket).await {
                    Ok(()) => ctx.notify(format!("Bucket {bucket} deleted")),
                    Err(e) => ctx.notify_error(format!("Deleting bucket {bucket}: {e}")),
                }
                deleting.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    html! {
        <div>
            <div class="page-head">
                <h1>{ "Object store" }</h1>
                <button class="btn primary" id="new-bucket" onclick={toggle}>{ if *creating { "Cancel" } else { "New bucket" } }</button>
            </div>
            if *creating { <BucketCreate kind={BucketKind::Objects} on_created={created} /> }
            { list.view(|buckets| {
                if buckets.is_empty() {
                    return html! { <p class="empty-state" id="no-buckets">{ "No buckets yet." }</p> };
                }
                html! {
                    <div class="table-wrap">
                        <table class="table" id="bucket-table">
                            <thead><tr><th>{ "Bucket" }</th><th>{ "Size" }</th><th>{ "TTL" }</th><th>{ "Storage" }</th><th>{ "Created" }</th><th></th></tr></thead>
                            <tbody>
                                { for buckets.iter().map(|b| {
                                    let ask = { let d = deleting.clone(); let name = b.bucket.clone(); Callback::from(move |_| d.set(Some(name.clone()))) };
                                    html! {
                                        <tr data-bucket={b.bucket.clone()}>
                                            <td><a href={Route::ObjectBucket { bucket: b.bucket.clone() }.to_hash()}>{ &b.bucket }</a>
                                                if b.sealed { <span class="pill">{ "sealed" }</span> }
                                                if !b.description.is_empty() { <div class="muted small">{ &b.description }</div> }</td>
                                            <td class="num">{ format::bytes(b.bytes as f64) }</td>
                                            <td>{ if b.ttl == 0 { "–".to_owned() } else { format::span(b.ttl) } }</td>
                                            <td>{ enum_value(&b.storage) }</td>
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
                    message="Every object in it will be removed."
                    on_confirm={delete} on_cancel={{ let d = deleting.clone(); Callback::from(move |_| d.set(None)) }} />
            }
        </div>
    }
}
