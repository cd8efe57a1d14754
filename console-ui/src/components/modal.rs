//! A confirmation dialog for destructive actions; it can insist that the operator types a name
//! (the stream or bucket) before the button enables.

use yew::prelude::*;

use super::field::event_value;

#[derive(Properties, PartialEq)]
pub struct ConfirmProps {
    pub title: AttrValue,
    pub message: AttrValue,
    #[prop_or(AttrValue::Static("Delete"))]
    pub confirm_label: AttrValue,
    /// Text the operator must type to enable the button.
    #[prop_or_default]
    pub require: Option<AttrValue>,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn Confirm(p: &ConfirmProps) -> Html {
    let typed = use_state(String::new);
    let enabled = p.require.as_ref().is_none_or(|r| typed.as_str() == r.as_str());
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| typed.set(event_value(&e)))
    };
    let confirm = {
        let cb = p.on_confirm.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let cancel = {
        let cb = p.on_cancel.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    html! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-label={p.title.clone()}>
                <h3>{ &p.title }</h3>
                <p>{ &p.message }</p>
                { p.children.clone() }
                if let Some(r) = &p.require {
                    <label class="field wide">
                        <span class="label">{ format!("Type {r} to confirm") }</span>
                        <input id="confirm-text" value={(*typed).clone()} {oninput} autocomplete="off" />
                    </label>
                }
                <div class="actions">
                    <button class="btn" onclick={cancel}>{ "Cancel" }</button>
                    <button id="confirm-ok" class="btn danger" disabled={!enabled} onclick={confirm}>{ &p.confirm_label }</button>
                </div>
            </div>
        </div>
    }
}
