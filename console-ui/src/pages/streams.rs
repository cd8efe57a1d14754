//! Streams: every stream with its state (messages, bytes, sequences, consumers), filterable, live;
//! buttons to create one and, per row, to open it.

use switchyard_shared::api::stream::StreamInfo;
use yew::prelude::*;

use crate::app::use_ctx;
use crate::components::field::enum_value;
use crate::components::field::{Checkbox, TextField};
use crate::components::load::{Load, NeedNats};
use crate::components::poll::use_ticker;
use crate::format;
use crate::route::{Route, StreamTab};
use crate::services::jetstream;
use crate::{kv, objstore};

fn is_store_stream(name: &str) -> bool {
    kv::bucket_of_stream(name).is_some() || objstore::bucket_of_stream(name).is_some()
}

#[function_component]
pub fn Streams() -> Html {
    let ctx = use_ctx();
    let list = use_state(|| Load::<Vec<StreamInfo>>::Loading);
    let filter = use_state(String::new);
    let show_stores = use_state(|| false);
    let tick = use_ticker(ctx.session.settings.refresh_ms.max(1000) * 2, ctx.nats.is_some());
    {
        let list = list.clone();
        let nats = ctx.nats.clone();
        use_effect_with((nats, tick), move |(nats, _)| {
            if let Some(n) = nats.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match jetstream::stream_list(&n.client).await {
                        Ok(v) => list.set(Load::Ready(v)),
                        Err(e) => list.set(Load::Failed(e.to_string())),
                    }
                });
            }
        });
    }
    if ctx.nats.is_none() {
        return html! { <div><h1>{ "Streams" }</h1><NeedNats /></div> };
    }
    let set_filter = {
        let filter = filter.clone();
        Callback::from(move |v: String| filter.set(v))
    };
    let toggle = {
        let show_stores = show_stores.clone();
        Callback::from(move |v: bool| show_stores.set(v))
    };
    html! {
        <div>
            <div class="page-head">
                <h1>{ "Streams" }</h1>
                <a class="btn primary" id="new-stream" href={Route::StreamNew.to_hash()}>{ "New stream" }</a>
            </div>
            <div class="toolbar">
                <TextField id="stream-filter" label="Filter" value={(*filter).clone()} oninput={set_filter} placeholder="name or subject" />
                <Checkbox id="show-stores" label="Show KV and object store streams" checked={*show_stores} onchange={toggle} />
            </div>
            { list.view(|streams| {
                let needle = filter.trim().to_lowercase();
                let rows: Vec<&StreamInfo> = streams.iter()
                    .filter(|s| *show_stores || !is_store_stream(&s.config.name))
                    .filter(|s| needle.is_empty() || s.config.name.to_lowercase().contains(&needle)
                        || s.config.subjects.iter().any(|x| x.to_lowercase().contains(&needle)))
                    .collect();
                if rows.is_empty() {
                    return html! { <div class="empty-state" id="no-streams"><p>{ "No streams yet." }</p>
                        <a class="btn primary" href={Route::StreamNew.to_hash()}>{ "Create a stream" }</a></div> };
                }
                html! {
                    <div class="table-wrap">
                        <table class="table" id="stream-table">
                            <thead><tr>
                                <th>{ "Name" }</th><th>{ "Subjects" }</th><th>{ "Storage" }</th><th>{ "Retention" }</th>
                                <th>{ "Messages" }</th><th>{ "Bytes" }</th><th>{ "First" }</th><th>{ "Last" }</th>
                                <th>{ "Consumers" }</th><th>{ "Last message" }</th>
                            </tr></thead>
                            <tbody>
                                { for rows.iter().map(|s| {
                                    let href = Route::Stream { name: s.config.name.clone(), tab: StreamTab::Info }.to_hash();
                                    html! {
                                        <tr data-stream={s.config.name.clone()}>
                                            <td><a href={href}>{ &s.config.name }</a>
                                                if s.config.sealed { <span class="pill">{ "sealed" }</span> }
                                                if !s.config.description.is_empty() { <div class="muted small">{ &s.config.description }</div> }</td>
                                            <td class="mono small">{ s.config.subjects.join(", ") }</td>
                                            <td>{ enum_value(&s.config.storage) }</td>
                                            <td>{ enum_value(&s.config.retention) }</td>
                                            <td class="num msgs">{ format::count(s.state.msgs) }</td>
                                            <td class="num">{ format::bytes(s.state.bytes as f64) }</td>
                                            <td class="num">{ s.state.first_seq }</td>
                                            <td class="num">{ s.state.last_seq }</td>
                                            <td class="num">{ s.state.consumers }</td>
                                            <td>{ format::time(s.state.last_time) }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            }) }
        </div>
    }
}
