//! One object store bucket: its objects (name, size, chunks, digest, modified), upload from the
//! browser with progress, download (checked against size and digest), and delete.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::TextField;
use crate::components::load::{ErrorBox, Load, NeedNats};
use crate::components::modal::Confirm;
use crate::format;
use crate::route::Route;
use crate::services::browser;
use crate::services::objects::{self, Listed};

#[derive(Properties, PartialEq)]
pub struct ObjectBucketProps {
    pub bucket: AttrValue,
}

#[function_component]
pub fn ObjectBucket(p: &ObjectBucketProps) -> Html {
    let ctx = use_ctx();
    let list = use_state(|| Load::<Rc<Vec<Listed>>>::Loading);
    let reload = use_state(|| 0u64);
    let deleting = use_state(|| Option::<String>::None);
    let file = use_state(|| Option::<File>::None);
    let name = use_state(String::new);
    let progress = use_state(|| Option::<(u64, u64)>::None);
    let upload_error = use_state(|| Option::<String>::None);
    {
        let (list, bucket) = (list.clone(), p.bucket.to_string());
        use_effect_with((ctx.nats.clone(), *reload), move |(nats, _)| {
            if let Some(n) = nats.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match objects::list(&n.client, &bucket).await {
                        Ok(v) => list.set(Load::Ready(Rc::new(v))),
                        Err(e) => list.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ &p.bucket }</h1><NeedNats /></div> };
    }
    let pick = {
        let (file, name) = (file.clone(), name.clone());
        Callback::from(move |e: Event| {
            let input: Option<HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
            let chosen = input.and_then(|i| i.files()).and_then(|f| f.get(0));
            if let Some(f) = &chosen {
                name.set(f.name());
            }
            file.set(chosen);
        })
    };
    let upload = {
        let (ctx, file, name, progress, upload_error, reload, bucket) = (
            ctx.clone(),
            file.clone(),
            name.clone(),
            progress.clone(),
            upload_error.clone(),
            reload.clone(),
            p.bucket.to_string(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(f) = (*file).clone() else {
                upload_error.set(Some("Choose a file first".into()));
                return;
            };
            let Some(n) = ctx.nats.clone() else { return };
            let object = if name.trim().is_empty() { f.name() } else { name.trim().to_owned() };
            let (ctx, progress, upload_error, reload, bucket) =
                (ctx.clone(), progress.clone(), upload_error.clone(), reload.clone(), bucket.clone());
            progress.set(Some((0, 0)));
            wasm_bindgen_futures::spawn_local(async move {
                let data = match browser::read_file(&f).await {
                    Ok(d) => d,
                    Err(e) => {
                        upload_error.set(Some(format!("Reading the file: {e}")));
                        progress.set(None);
                        return;
                    }
                };
                let p2 = progress.clone();
                match objects::upload(&n.client, &bucket, &object, &data, move |done, total| {
                    p2.set(Some((done, total)))
                })
                .await
                {
                    Ok(info) => {
                        upload_error.set(None);
                        ctx.notify(format!("Uploaded {} ({})", info.name, format::bytes(info.size as f64)));
                        reload.set(*reload + 1);
                    }
                    Err(e) => upload_error.set(Some(e.to_string())),
                }
                progress.set(None);
            });
        })
    };
    let download = |object: String| {
        let (ctx, bucket) = (ctx.clone(), p.bucket.to_string());
        Callback::from(move |_| {
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, bucket, object) = (ctx.clone(), bucket.clone(), object.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match objects::download(&n.client, &bucket, &object).await {
                    Ok((info, data)) => {
                        let file_name = info.name.rsplit('/').next().unwrap_or(&info.name).to_owned();
                        if let Err(e) = browser::download(&file_name, &data, "application/octet-stream") {
                            ctx.notify_error(format!("Download of {object}: {e}"));
                        }
                    }
                    Err(e) => ctx.notify_error(format!("Download of {object}: {e}")),
                }
            });
        })
    };
    let delete = {
        let (ctx, deleting, reload, bucket) = (ctx.clone(), deleting.clone(), reload.clone(), p.bucket.to_string());
        Callback::from(move |_| {
            let Some(object) = (*deleting).clone() else { return };
            let Some(n) = ctx.nats.clone() else { return };
            let (ctx, deleting, reload, bucket) = (ctx.clone(), deleting.clone(), reload.clone(), bucket.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match objects::delete(&n.client, &bucket, &object).await {
                    Ok(()) => ctx.notify(format!("Deleted {object}")),
                    Err(e) => ctx.notify_error(format!("Deleting {object}: {e}")),
                }
                deleting.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let set_name = {
        let name = name.clone();
        Callback::from(move |v: String| name.set(v))
    };
    let refresh = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    html! {
        <div>
            <div class="page-head">
                <h1><a href={Route::ObjectBuckets.to_hash()} class="crumb">{ "Object store" }</a>{ " / " }<span id="bucket-name">{ &p.bucket }</span></h1>
                <button class="btn" id="refresh-objects" onclick={refresh}>{ "Refresh" }</button>
            </div>
            <form class="card form toolbar" id="upload-form" onsubmit={upload}>
                <label class="field">
                    <span class="label">{ "File" }</span>
                    <input type="file" id="upload-file" onchange={pick} />
                </label>
                <TextField id="upload-name" label="Object name" value={(*name).clone()} oninput={set_name} placeholder="the file's name" />
                <button type="submit" class="btn primary" id="upload-submit" disabled={progress.is_some()}>{ "Upload" }</button>
                if let Some((done, total)) = *progress {
                    <span class="muted" id="upload-progress">{ if total == 0 { "Reading…".to_owned() } else { format!("{done} / {total} chunks") } }</span>
                }
            </form>
            <ErrorBox error={(*upload_error).clone()} />
            { list.view(|objs| {
                if objs.is_empty() {
                    return html! { <p class="empty-state" id="no-objects">{ "No objects yet." }</p> };
                }
                html! {
                    <div class="table-wrap">
                        <table class="table" id="object-table">
                            <thead><tr><th>{ "Name" }</th><th>{ "Size" }</th><th>{ "Chunks" }</th><th>{ "Digest" }</th><th>{ "Modified" }</th><th></th></tr></thead>
                            <tbody>
                                { for objs.iter().map(|o| {
                                    let ask = { let d = deleting.clone(); let n = o.info.name.clone(); Callback::from(move |_| d.set(Some(n.clone()))) };
                                    html! {
                                        <tr data-object={o.info.name.clone()}>
                                            <td class="mono">{ &o.info.name }
                                                if !o.info.description.is_empty() { <div class="muted small">{ &o.info.description }</div> }</td>
                                            <td class="num size" data-bytes={o.info.size.to_string()}>{ format::bytes(o.info.size as f64) }</td>
                                            <td class="num">{ o.info.chunks }</td>
                                            <td class="mono small digest" title={o.info.digest.clone()}>{ o.info.digest.chars().take(24).collect::<String>() }{ "…" }</td>
                                            <td>{ if o.info.mtime.is_empty() { format::time(o.stored) } else { format::rfc3339(&o.info.mtime) } }</td>
                                            <td class="row-actions">
                                                <button class="btn small download" onclick={download(o.info.name.clone())}>{ "Download" }</button>
                                                <button class="btn small danger delete" onclick={ask}>{ "Delete" }</button>
                                            </td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }) }
            if let Some(object) = (*deleting).clone() {
                <Confirm title={format!("Delete {object}")} message="The object's data is purged from the bucket."
                    on_confirm={delete} on_cancel={{ let d = deleting.clone(); Callback::from(move |_| d.set(None)) }} />
            }
        </div>
    }
}
