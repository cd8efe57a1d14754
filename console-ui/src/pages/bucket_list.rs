//! What the two bucket list pages (key/value and object store) share: the list, loaded again on
//! every refresh tick and after a change, the create form's toggle, and deleting the bucket the
//! user confirmed. The pages keep their own tables and texts.

use std::future::Future;
use std::rc::Rc;

use switchyard_web::wasm::Client;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::load::Load;
use crate::components::poll::use_ticker;

/// State and callbacks of a bucket list page.
pub struct BucketList<T> {
    pub list: UseStateHandle<Load<Rc<Vec<T>>>>,
    pub creating: UseStateHandle<bool>,
    /// The bucket whose deletion waits for confirmation.
    pub deleting: UseStateHandle<Option<String>>,
    /// Opens or closes the create form.
    pub toggle: Callback<MouseEvent>,
    /// A bucket was created: closes the form and reloads.
    pub created: Callback<()>,
    /// Deletes the bucket in `deleting` and reloads.
    pub delete: Callback<()>,
    pub cancel_delete: Callback<()>,
}

/// Loads the buckets with `load` and deletes one with `remove`.
#[hook]
pub fn use_bucket_list<T, E, L, LF, D, DF>(load: L, remove: D) -> BucketList<T>
where
    T: 'static,
    E: std::fmt::Display + 'static,
    L: Fn(Client) -> LF + 'static,
    LF: Future<Output = Result<Vec<T>, E>> + 'static,
    D: Fn(Client, String) -> DF + 'static,
    DF: Future<Output = Result<(), E>> + 'static,
{
    let ctx = use_ctx();
    let list = use_state(|| Load::<Rc<Vec<T>>>::Loading);
    let creating = use_state(|| false);
    let deleting = use_state(|| Option::<String>::None);
    let reload = use_state(|| 0u64);
    let tick = use_ticker(ctx.session.settings.refresh_ms.max(1000) * 3, ctx.nats.is_some());
    {
        let list = list.clone();
        use_effect_with((ctx.nats.clone(), tick, *reload), move |(nats, _, _)| {
            if let Some(n) = nats.clone() {
                let loading = load(n.client.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match loading.await {
                        Ok(v) => list.set(Load::Ready(Rc::new(v))),
                        Err(e) => list.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
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
            let removing = remove(n.client.clone(), bucket.clone());
            let (ctx, deleting, reload) = (ctx.clone(), deleting.clone(), reload.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match removing.await {
                    Ok(()) => ctx.notify(format!("Bucket {bucket} deleted")),
                    Err(e) => ctx.notify_error(format!("Deleting bucket {bucket}: {e}")),
                }
                deleting.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let cancel_delete = {
        let deleting = deleting.clone();
        Callback::from(move |_| deleting.set(None))
    };
    BucketList { list, creating, deleting, toggle, created, delete, cancel_delete }
}
