//! Form inputs with a label, a hint and the field's error underneath: text, text area, checkbox and
//! select. Values flow back as `String`s (or `bool`) through callbacks; enum-valued selects use the
//! enum's JSON name ([`enum_value`], [`parse_enum`]) so options match the API's spelling.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The value of the input, text area or select an event came from.
pub fn event_value(e: &Event) -> String {
    let Some(target) = e.target() else { return String::new() };
    if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
        i.value()
    } else if let Some(t) = target.dyn_ref::<HtmlTextAreaElement>() {
        t.value()
    } else if let Some(s) = target.dyn_ref::<HtmlSelectElement>() {
        s.value()
    } else {
        String::new()
    }
}

/// Whether the checkbox an event came from is checked.
pub fn event_checked(e: &Event) -> bool {
    e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()).is_some_and(|i| i.checked())
}

/// A serde enum's wire name (`"file"`, `"workqueue"`).
pub fn enum_value<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The enum of a wire name.
pub fn parse_enum<T: DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

#[derive(Properties, PartialEq)]
pub struct TextProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
}

#[function_component]
pub fn TextField(p: &TextProps) -> Html {
    let oninput = p.oninput.reform(|e: InputEvent| event_value(&e));
    html! {
        <label class={classes!("field", p.error.is_some().then_some("invalid"))}>
            <span class="label">{ &p.label }</span>
            <input id={p.id.clone()} name={p.id.clone()} type={p.kind.clone()} value={p.value.clone()} {oninput}
                placeholder={p.placeholder.clone()} disabled={p.disabled} autocomplete="off" spellcheck="false" />
            if let Some(h) = &p.hint { <span class="hint">{ h }</span> }
            if let Some(e) = &p.error { <span class="field-error" role="alert">{ e }</span> }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct AreaProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub value: AttrValue,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or(3)]
    pub rows: u32,
}

#[function_component]
pub fn TextArea(p: &AreaProps) -> Html {
    let oninput = p.oninput.reform(|e: InputEvent| event_value(&e));
    html! {
        <label class={classes!("field", "wide", p.error.is_some().then_some("invalid"))}>
            <span class="label">{ &p.label }</span>
            <textarea id={p.id.clone()} name={p.id.clone()} value={p.value.clone()} {oninput} rows={p.rows.to_string()}
                placeholder={p.placeholder.clone()} spellcheck="false" />
            if let Some(h) = &p.hint { <span class="hint">{ h }</span> }
            if let Some(e) = &p.error { <span class="field-error" role="alert">{ e }</span> }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct CheckProps {
    pub id: AttrValue,
    pub label: AttrValue,
    pub checked: bool,
    pub onchange: Callback<bool>,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
}

#[function_component]
pub fn Checkbox(p: &CheckProps) -> Html {
    let onchange = p.onchange.reform(|e: Event| event_checked(&e));
    html! {
        <label class="check" title={p.hint.clone()}>
            <input id={p.id.clone()} name={p.id.clone()} type="checkbox" checked={p.checked} {onchange} disabled={p.disabled} />
            <span>{ &p.label }</span>
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct SelectProps {
    pub id: AttrValue,
    pub label: AttrValue,
    /// `(value, label)` pairs.
    pub options: Vec<(AttrValue, AttrValue)>,
    pub value: AttrValue,
    pub onchange: Callback<String>,
    #[prop_or_default]
    pub disabled: bool,
    #[prop_or_default]
    pub hint: Option<AttrValue>,
}

#[function_component]
pub fn Select(p: &SelectProps) -> Html {
    let onchange = p.onchange.reform(|e: Event| event_value(&e));
    html! {
        <label class="field">
            <span class="label">{ &p.label }</span>
            <select id={p.id.clone()} name={p.id.clone()} {onchange} disabled={p.disabled}>
                { for p.options.iter().map(|(v, l)| html! {
                    <option value={v.clone()} selected={*v == p.value}>{ l }</option>
                }) }
            </select>
            if let Some(h) = &p.hint { <span class="hint">{ h }</span> }
        </label>
    }
}

/// Options of an enum select: `(wire name, label)` for each variant.
pub fn enum_options<T: Serialize>(variants: &[T], label: impl Fn(&T) -> &'static str) -> Vec<(AttrValue, AttrValue)> {
    variants.iter().map(|v| (AttrValue::from(enum_value(v)), AttrValue::Static(label(v)))).collect()
}
