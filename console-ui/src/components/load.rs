//! Loading states and error display shared by the pages: [`Load`] for data fetched on the page,
//! [`ErrorBox`] for an error in place, and [`NeedNats`] for pages that need the WebSocket connection.

use yew::prelude::*;

use crate::app::use_ctx;
use crate::state::ConnStatus;

/// Data a page fetches.
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    /// The data, or the markup for loading / failure.
    pub fn view(&self, f: impl FnOnce(&T) -> Html) -> Html {
        match self {
            Load::Loading => html! { <p class="muted loading">{ "Loading…" }</p> },
            Load::Failed(e) => html! { <ErrorBox error={Some(e.clone())} /> },
            Load::Ready(v) => f(v),
        }
    }

    pub fn ready(&self) -> Option<&T> {
        match self {
            Load::Ready(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    pub error: Option<String>,
}

/// An error in place, or nothing.
#[function_component]
pub fn ErrorBox(p: &ErrorProps) -> Html {
    match &p.error {
        Some(e) => {
            let permission = crate::settings::is_permission_error(e);
            html! {
                <div class={classes!("error-box", permission.then_some("permission"))} role="alert">
                    if permission { <b>{ "Permission denied: " }</b> }
                    { e }
                </div>
            }
        }
        None => html! {},
    }
}

/// Shown instead of a page that needs the NATS connection while there is none.
#[function_component]
pub fn NeedNats() -> Html {
    let ctx = use_ctx();
    let text = match &ctx.session.conn {
        ConnStatus::Idle => "Waiting for the server's monitoring data…".to_owned(),
        ConnStatus::NoWebSocket => {
            "This page talks NATS over WebSocket, and the server has no WebSocket listener. Enable one (-ws <port>) or set a WebSocket URL in Settings.".to_owned()
        }
        ConnStatus::Connecting { url } => format!("Connecting to {url}…"),
        ConnStatus::Reconnecting { url, reason } => format!("Reconnecting to {url} ({reason})…"),
        ConnStatus::Failed { url, error } => format!("Cannot connect to {url}: {error}"),
        ConnStatus::Connected { .. } => String::new(),
    };
    html! { <div class="empty-state" id="need-nats"><p>{ text }</p></div> }
}
