//! The notices bar: errors and confirmations at the top of the page, each dismissable.

use yew::prelude::*;

use crate::app::use_ctx;
use crate::state::{Level, SessionAction};

#[function_component]
pub fn Notices() -> Html {
    let ctx = use_ctx();
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
