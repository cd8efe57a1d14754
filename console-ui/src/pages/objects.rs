//! Object store buckets: every bucket with its size, a create form and delete with confirmation; a
//! bucket opens its own page.

use yew::prelude::*;

use super::bucket_list::{use_bucket_list, BucketList};
use super::kv::{BucketCreate, BucketKind};
use crate::app::use_ctx;
use crate::components::field::enum_value;
use crate::components::load::NeedNats;
use crate::components::modal::Confirm;
use crate::format;
use crate::route::Route;
use crate::services::objects;

#[function_component]
pub fn ObjectBuckets() -> Html {
    let ctx = use_ctx();
    let BucketList { list, creating, deleting, toggle, created, delete, cancel_delete } = use_bucket_list(
        |c| async move { objects::buckets(&c).await },
        |c, b| async move { objects::delete_bucket(&c, &b).await },
    );
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Object store" }</h1><NeedNats /></div> };
    }
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
                    on_confirm={delete} on_cancel={cancel_delete} />
            }
        </div>
    }
}
