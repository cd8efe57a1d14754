//! Settings: the WebSocket URL (derived from `/varz` unless set), the refresh interval, the theme,
//! and signing in or out.

use yew::prelude::*;

use crate::app::{use_ctx, CREDENTIALS_KEY, SETTINGS_KEY};
use crate::components::field::{Select, TextField};
use crate::services::browser;
use crate::settings::{Settings, Theme, REFRESH_RANGE_MS};
use crate::state::{LoginReason, SessionAction};

#[function_component]
pub fn SettingsPage() -> Html {
    let ctx = use_ctx();
    let current = ctx.session.settings.clone();
    let ws_url = use_state(|| current.ws_url.clone());
    let refresh = use_state(|| current.refresh_ms.to_string());
    let theme = use_state(|| current.theme);
    let saved = use_state(|| false);
    let derived = Settings { ws_url: String::new(), ..current.clone() }
        .ws_url(ctx.monitor.varz.as_deref(), &browser::page_hostname());
    let submit = {
        let (ctx, ws_url, refresh, theme, saved) =
            (ctx.clone(), ws_url.clone(), refresh.clone(), theme.clone(), saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let refresh_ms =
                refresh.trim().parse::<u32>().unwrap_or(1000).clamp(REFRESH_RANGE_MS.0, REFRESH_RANGE_MS.1);
            let s = Settings { ws_url: ws_url.trim().to_owned(), refresh_ms, theme: *theme };
            browser::local_set(SETTINGS_KEY, &s.to_json());
            ctx.session.dispatch(SessionAction::Settings(s));
            saved.set(true);
        })
    };
    let set = |s: &UseStateHandle<String>| {
        let (s, saved) = (s.clone(), saved.clone());
        Callback::from(move |v: String| {
            s.set(v);
            saved.set(false);
        })
    };
    let set_theme = {
        let theme = theme.clone();
        Callback::from(move |v: String| {
            theme.set(match v.as_str() {
                "dark" => Theme::Dark,
                "light" => Theme::Light,
                _ => Theme::System,
            })
        })
    };
    let reconnect = {
        let session = ctx.session.clone();
        Callback::from(move |_| session.dispatch(SessionAction::Reconnect))
    };
    let sign_in = {
        let session = ctx.session.clone();
        Callback::from(move |_| {
            session
                .dispatch(SessionAction::NeedLogin(LoginReason::Monitoring("sign in to use other credentials".into())))
        })
    };
    let sign_out = {
        let session = ctx.session.clone();
        Callback::from(move |_| {
            browser::session_remove(CREDENTIALS_KEY);
            session.dispatch(SessionAction::LogOut);
        })
    };
    html! {
        <div>
            <h1>{ "Settings" }</h1>
            <form class="card form" id="settings-form" onsubmit={submit}>
                <div class="form-grid">
                    <TextField id="set-ws-url" label="WebSocket URL" value={(*ws_url).clone()} oninput={set(&ws_url)}
                        placeholder={derived.clone().unwrap_or_else(|| "ws://host:8080".into())}
                        hint={AttrValue::from(match &derived { Some(u) => format!("empty uses the server's WebSocket listener: {u}"), None => "the server reports no WebSocket listener".into() })} />
                    <TextField id="set-refresh" label="Refresh every (ms)" value={(*refresh).clone()} oninput={set(&refresh)} />
                    <Select id="set-theme" label="Theme" value={match *theme { Theme::Dark => "dark", Theme::Light => "light", Theme::System => "system" }}
                        onchange={set_theme} options={Theme::ALL.iter().map(|t| (AttrValue::from(t.attribute().unwrap_or("system")), AttrValue::Static(t.title()))).collect::<Vec<_>>()} />
                </div>
                <div class="actions">
                    if *saved { <span class="ok">{ "Saved" }</span> }
                    <button type="button" class="btn" id="reconnect" onclick={reconnect}>{ "Reconnect" }</button>
                    <button type="submit" class="btn primary" id="settings-save">{ "Save" }</button>
                </div>
            </form>
            <section class="card">
                <h2>{ "Credentials" }</h2>
                if let Some(c) = &ctx.session.credentials {
                    <p>{ format!("Signed in as {} for this tab.", c.label()) }</p>
                    <button class="btn" onclick={sign_out}>{ "Sign out" }</button>
                } else {
                    <p class="muted">{ "No credentials: the console connects anonymously. It asks when the server wants some." }</p>
                    <button class="btn" id="sign-in" onclick={sign_in}>{ "Sign in" }</button>
                }
            </section>
        </div>
    }
}
