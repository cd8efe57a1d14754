//! The notices bar: errors and confirmations at the top of the page, each dismissable; confirmations
//! go away by themselves after a few seconds, errors stay until dismissed.

use yew::prelude::*;

use crate::app::use_ctx;
use crate::state::{Level, SessionAction};

/// How long a confirmation stays.
const INFO_MS: u32 = 6_000;

#[function_component]
pub fn Notices() -> Html {
    let ctx = use_ctx();
    let infos: Vec<u64> = ctx.session.notices.iter().filter(|n| n.level == Level::Info).map(|n| n.id).collect();
    {
        let session = ctx.session.dispatcher();
        let seen = use_mut_ref(std::collections::HashSet::<u64>::new);
        use_effect_with(infos, move |ids| {
            for &id in ids {
                if seen.borrow_mut().insert(id) {
                    let session = session.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        crate::services::browser::sleep(INFO_MS).await;
                        session.dispatch(SessionAction::Dismiss(id));
                    });
                }
            }
        });
    }
    if ctx.session.notices.is_empty() {
        return html! {};
    }
    html! {
        <div class="notices">
            { for ctx.session.notices.iter().map(|n| {
                let session = ctx.session.clone();
                let id = n.id;
                let class = match n.level { Level::Info => "notice info", Level::Error => "notice error" };
                html! {
                    <div class={class} role={if n.level == Level::Error { "alert" } else { "status" }}>
                        <span>{ &n.text }</span>
                        <button class="close" aria-label="Dismiss" onclick={Callback::from(move |_| session.dispatch(SessionAction::Dismiss(id)))}>{ "×" }</button>
                    </div>
                }
            }) }
        </div>
    }
}
