//! What the operator chose and who they are: [`Settings`] (WebSocket URL override, refresh interval,
//! theme; kept in the browser's local storage) and [`Credentials`] (kept for the tab only), with how
//! each reaches the server: the WebSocket URL derived from `/varz`, the `Authorization` header of
//! monitoring requests and the fields of the NATS `CONNECT`.
//!
//! Pure data and derivations; reading and writing browser storage is the services' job.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use switchyard_shared::api::monitor::Varz;
use switchyard_web::core::Options;

/// Colour scheme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    Dark,
    Light,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Dark, Theme::Light];

    pub fn title(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Dark => "Dark",
            Theme::Light => "Light",
        }
    }

    /// The `data-theme` attribute value; `None` lets the stylesheet follow the system.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Dark => Some("dark"),
            Theme::Light => Some("light"),
        }
    }
}

/// Operator preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// WebSocket URL of the NATS connection; empty derives it from `/varz`.
    pub ws_url: String,
    /// Milliseconds between monitoring polls.
    pub refresh_ms: u32,
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { ws_url: String::new(), refresh_ms: 1000, theme: Theme::System }
    }
}

/// Fastest and slowest polling the settings page allows.
pub const REFRESH_RANGE_MS: (u32, u32) = (250, 60_000);

impl Settings {
    /// Reads stored settings; anything unreadable falls back to the defaults.
    pub fn from_json(text: &str) -> Settings {
        let mut s: Settings = serde_json::from_str(text).unwrap_or_default();
        s.refresh_ms = s.refresh_ms.clamp(REFRESH_RANGE_MS.0, REFRESH_RANGE_MS.1);
        s
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The WebSocket URL to use: the override, else the server's WebSocket port on the host the page
    /// was loaded from (`ws://` when the listener has `no_tls`, else `wss://`). `None` when the server
    /// has no WebSocket listener.
    pub fn ws_url(&self, varz: Option<&Varz>, page_hostname: &str) -> Option<String> {
        if !self.ws_url.trim().is_empty() {
            return Some(self.ws_url.trim().to_owned());
        }
        let ws = &varz?.websocket;
        if ws.port <= 0 {
            return None;
        }
        let scheme = if ws.no_tls { "ws" } else { "wss" };
        let host = if page_hostname.contains(':') && !page_hostname.starts_with('[') {
            format!("[{page_hostname}]")
        } else {
            page_hostname.to_owned()
        };
        Some(format!("{scheme}://{host}:{}", ws.port))
    }
}

/// Credentials for monitoring and for the NATS connection (the server accepts its client
/// credentials on the monitoring port too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Credentials {
    User { user: String, password: String },
    Token { token: String },
}

impl Credentials {
    /// The `Authorization` header value of monitoring requests.
    pub fn authorization(&self) -> String {
        match self {
            Credentials::User { user, password } => format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))),
            Credentials::Token { token } => format!("Bearer {token}"),
        }
    }

    /// Puts the credentials into connect options.
    pub fn apply(&self, options: &mut Options) {
        match self {
            Credentials::User { user, password } => {
                options.user = Some(user.clone());
                options.pass = Some(password.clone());
            }
            Credentials::Token { token } => options.token = Some(token.clone()),
        }
    }

    /// Who is logged in, for the header.
    pub fn label(&self) -> String {
        match self {
            Credentials::User { user, .. } => user.clone(),
            Credentials::Token { .. } => "token".into(),
        }
    }
}

/// Does this connection error mean the server wants (other) credentials?
pub fn is_auth_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("authorization violation") || t.contains("authentication") || t.contains("user authentication")
}

/// Does this error mean the user lacks a permission?
pub fn is_permission_error(text: &str) -> bool {
    text.to_ascii_lowercase().contains("permissions violation")
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::api::monitor::WebsocketOptsVarz;

    fn varz(port: i64, no_tls: bool) -> Varz {
        Varz { websocket: WebsocketOptsVarz { port, no_tls, ..Default::default() }, ..Default::default() }
    }

    #[test]
    fn the_ws_url_comes_from_varz_and_the_page_host() {
        let s = Settings::default();
        assert_eq!(s.ws_url(Some(&varz(8080, true)), "127.0.0.1").as_deref(), Some("ws://127.0.0.1:8080"));
        assert_eq!(s.ws_url(Some(&varz(443, false)), "example.test").as_deref(), Some("wss://example.test:443"));
        assert_eq!(s.ws_url(Some(&varz(8080, true)), "::1").as_deref(), Some("ws://[::1]:8080"));
        assert_eq!(s.ws_url(Some(&varz(0, true)), "h"), None, "no WebSocket listener");
        assert_eq!(s.ws_url(None, "h"), None);
        let custom = Settings { ws_url: " ws://other:9 ".into(), ..Default::default() };
        assert_eq!(custom.ws_url(None, "h").as_deref(), Some("ws://other:9"));
    }

    #[test]
    fn settings_survive_storage_and_bad_input_falls_back() {
        let s = Settings { ws_url: "ws://x:1".into(), refresh_ms: 5000, theme: Theme::Dark };
        assert_eq!(Settings::from_json(&s.to_json()), s);
        assert_eq!(Settings::from_json("garbage"), Settings::default());
        assert_eq!(Settings::from_json(r#"{"refresh_ms": 1}"#).refresh_ms, REFRESH_RANGE_MS.0);
    }

    #[test]
    fn credentials_become_headers_and_connect_fields() {
        let u = Credentials::User { user: "admin".into(), password: "s3cret".into() };
        assert_eq!(u.authorization(), "Basic YWRtaW46czNjcmV0");
        let mut o = Options::default();
        u.apply(&mut o);
        assert_eq!((o.user.as_deref(), o.pass.as_deref()), (Some("admin"), Some("s3cret")));
        let t = Credentials::Token { token: "tok".into() };
        assert_eq!(t.authorization(), "Bearer tok");
        let mut o = Options::default();
        t.apply(&mut o);
        assert_eq!(o.token.as_deref(), Some("tok"));
    }

    #[test]
    fn auth_and_permission_errors_are_recognised() {
        assert!(is_auth_error("could not connect: Authorization Violation"));
        assert!(!is_auth_error("connection refused"));
        assert!(is_permission_error("server error: Permissions Violation for Publish to \"x\""));
    }
}
