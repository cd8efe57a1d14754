//! A message body with its headers: a headers table, then the body as text, JSON or hex (picked by
//! content, switchable), with its size.

use std::rc::Rc;

use switchyard_shared::headers::HeaderMap;
use yew::prelude::*;

use crate::format;
use crate::payload::{best_view, header_rows, render, View};

#[derive(Properties, PartialEq)]
pub struct PayloadProps {
    pub data: Rc<[u8]>,
    #[prop_or_default]
    pub headers: Option<Rc<HeaderMap>>,
}

#[function_component]
pub fn PayloadView(p: &PayloadProps) -> Html {
    let view = use_state(|| best_view(&p.data));
    let body = match render(&p.data, *view) {
        Ok(text) => html! { <pre class="payload">{ text }</pre> },
        Err(e) => html! { <p class="field-error">{ e }</p> },
    };
    html! {
        <div class="payload-view">
            if let Some(h) = &p.headers {
                <table class="headers">
                    <tbody>
                        { for header_rows(h).into_iter().map(|(k, v)| html! { <tr><th>{ k }</th><td>{ v }</td></tr> }) }
                    </tbody>
                </table>
            }
            <div class="view-switch">
                { for View::ALL.iter().map(|v| {
                    let view = view.clone();
                    let v = *v;
                    html! {
                        <button class={classes!("chip", (*view == v).then_some("active"))}
                            onclick={Callback::from(move |_| view.set(v))}>{ v.title() }</button>
                    }
                }) }
                <span class="muted">{ format::bytes(p.data.len() as f64) }</span>
            </div>
            { body }
        </div>
    }
}
