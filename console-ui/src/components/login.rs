//! The login form: shown when monitoring answers 401 or the NATS connection is refused for want of
//! credentials. One set of credentials serves both (user and password, or a token); they are kept
//! for this browser tab only.

use yew::prelude::*;

use super::field::TextField;
use crate::app::{use_ctx, CREDENTIALS_KEY};
use crate::services::browser;
use crate::settings::Credentials;
use crate::state::{LoginReason, SessionAction};

#[function_component]
pub fn Login() -> Html {
    let ctx = use_ctx();
    let use_token = use_state(|| false);
    let user = use_state(String::new);
    let password = use_state(String::new);
    let token = use_state(String::new);
    let Some(reason) = ctx.session.login.clone() else { return html! {} };
    let why = match reason {
        LoginReason::Monitoring(e) => format!("The monitoring port asks for credentials: {e}"),
        LoginReason::Nats(e) => format!("The server refused the NATS connection: {e}"),
    };
    let submit = {
        let (session, use_token, user, password, token) =
            (ctx.session.clone(), use_token.clone(), user.clone(), password.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let creds = if *use_token {
                Credentials::Token { token: (*token).clone() }
            } else {
                Credentials::User { user: (*user).clone(), password: (*password).clone() }
            };
            if let Ok(json) = serde_json::to_string(&creds) {
                browser::session_set(CREDENTIALS_KEY, &json);
            }
            session.dispatch(SessionAction::LogIn(creds));
        })
    };
    let set = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |v: String| s.set(v))
    };
    let toggle = {
        let use_token = use_token.clone();
        Callback::from(move |_| use_token.set(!*use_token))
    };
    html! {
        <div class="modal-backdrop">
            <form class="modal login" id="login" onsubmit={submit}>
                <h3>{ "Sign in to switchyard" }</h3>
                <p class="muted">{ why }</p>
                if *use_token {
                    <TextField id="login-token" label="Token" kind="password" value={(*token).clone()} oninput={set(&token)} />
                } else {
                    <TextField id="login-user" label="User" value={(*user).clone()} oninput={set(&user)} />
                    <TextField id="login-password" label="Password" kind="password" value={(*password).clone()} oninput={set(&password)} />
                }
                <div class="actions">
                    <button type="button" class="btn link" onclick={toggle}>
                        { if *use_token { "Use user and password" } else { "Use a token" } }
                    </button>
                    <button type="submit" id="login-submit" class="btn primary">{ "Sign in" }</button>
                </div>
            </form>
        </div>
    }
}
