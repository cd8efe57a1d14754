//! Who may use the monitoring port. nats-server leaves it open; switchyard can require credentials.
//!
//! Credentials come as `Authorization: Bearer <token>` or HTTP basic authentication, and are checked
//! against the `monitor { http_auth { token, users } }` block (passwords plain or bcrypt) — which
//! grants everything — and, when the server requires client authentication, against the server's own
//! client credentials, which grant what that NATS user may do.
//!
//! Rules:
//! - reading endpoints (`GET`) are open without `http_auth` (as in nats-server) or with
//!   `read_only: true`; otherwise they need valid credentials;
//! - the bridge (`POST /pub/…`, `POST /req/…`) needs valid credentials whenever `http_auth` is set or
//!   the server requires client authentication; a NATS user may only publish where its `publish`
//!   permissions allow;
//! - wrong credentials are refused (401 with `WWW-Authenticate`) even where none are needed.
//!
//! Output: a [`Principal`] stored in the request's extensions for the bridge.

use std::collections::HashSet;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use parking_lot::Mutex;

use switchyard_shared::op::ConnectInfo;
use switchyard_shared::subject;

use super::AppState;
use crate::config::{Config, Permissions};
use crate::server::Server;

/// The realm named in `WWW-Authenticate`.
pub const REALM: &str = "switchyard";

/// Successful bcrypt checks remembered, so a console polling every second does not pay a bcrypt
/// verification per request.
const BCRYPT_CACHE: usize = 64;

/// Who made a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// No credentials.
    Anonymous,
    /// Monitoring credentials (`http_auth`): everything is allowed.
    Admin,
    /// A NATS user of the server (or its token): publishing is limited by its permissions.
    User { name: String, permissions: Option<Permissions> },
}

impl Principal {
    /// Whether this principal may publish to `subj`.
    pub fn may_publish(&self, subj: &str) -> bool {
        let Principal::User { permissions: Some(perms), .. } = self else { return true };
        let Some(publish) = &perms.publish else { return true };
        let allowed = publish.allow.as_ref().is_none_or(|allow| allow.iter().any(|f| subject::matches(f, subj)));
        allowed && !publish.deny.iter().any(|f| subject::matches(f, subj))
    }
}

/// Credentials as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Presented {
    None,
    Bearer(String),
    Basic(String, String),
    Malformed,
}

fn presented(headers: &HeaderMap) -> Presented {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Presented::None };
    let Ok(value) = value.to_str() else { return Presented::Malformed };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Presented::Bearer(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok();
        if let Some((user, pass)) = decoded.and_then(|d| String::from_utf8(d).ok()).and_then(|text| {
            let (u, p) = text.split_once(':')?;
            Some((u.to_owned(), p.to_owned()))
        }) {
            return Presented::Basic(user, pass);
        }
    }
    Presented::Malformed
}

/// Constant-time comparison of secrets.
fn secret_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The monitoring credentials, prepared from the configuration.
#[derive(Debug, Default)]
pub struct MonitorAuth {
    configured: bool,
    read_only: bool,
    token: Option<String>,
    users: Vec<(String, String)>,
    bcrypt_ok: Mutex<HashSet<(String, String)>>,
}

impl MonitorAuth {
    pub fn new(config: &Config) -> Self {
        let Some(auth) = &config.monitor.http_auth else { return MonitorAuth::default() };
        MonitorAuth {
            configured: true,
            read_only: auth.read_only,
            token: auth.token.clone(),
            users: auth.users.iter().map(|u| (u.user.clone(), u.password.clone())).collect(),
            bcrypt_ok: Mutex::default(),
        }
    }

    fn password_ok(&self, user: &str, given: &str, expected: &str) -> bool {
        if !expected.starts_with("$2") {
            return secret_eq(given, expected);
        }
        let key = (user.to_owned(), given.to_owned());
        if self.bcrypt_ok.lock().contains(&key) {
            return true;
        }
        let ok = bcrypt::verify(given, expected).unwrap_or(false);
        if ok {
            let mut cache = self.bcrypt_ok.lock();
            if cache.len() >= BCRYPT_CACHE {
                cache.clear();
            }
            cache.insert(key);
        }
        ok
    }

    /// Resolves the credentials of a request; `None` when they are wrong.
    fn principal(&self, server: &Server, headers: &HeaderMap) -> Option<Principal> {
        let presented = presented(headers);
        match &presented {
            Presented::None => return Some(Principal::Anonymous),
            Presented::Malformed => return None,
            Presented::Bearer(token) if self.token.as_deref().is_some_and(|t| secret_eq(t, token)) => {
                return Some(Principal::Admin)
            }
            Presented::Basic(user, pass) => {
                if let Some((_, expected)) = self.users.iter().find(|(u, _)| u == user) {
                    return self.password_ok(user, pass, expected).then_some(Principal::Admin);
                }
            }
            Presented::Bearer(_) => {}
        }
        if !server.auth.required() {
            return None;
        }
        let connect = match &presented {
            Presented::Bearer(token) => ConnectInfo { auth_token: Some(token.clone()), ..Default::default() },
            Presented::Basic(user, pass) => {
                ConnectInfo { user: Some(user.clone()), pass: Some(pass.clone()), ..Default::default() }
            }
            Presented::None | Presented::Malformed => return None,
        };
        let identity = server.auth.check(&connect, crate::core::Kind::Client, None)?;
        let permissions = server
            .config
            .authorization
            .users
            .iter()
            .chain(server.config.accounts.iter().flat_map(|a| a.users.iter()))
            .find(|u| !identity.user.is_empty() && u.user.as_deref() == Some(identity.user.as_str()))
            .and_then(|u| u.permissions.clone());
        Some(Principal::User { name: identity.user, permissions })
    }

    /// Whether a request of this kind needs credentials.
    fn needs_credentials(&self, server: &Server, bridge: bool) -> bool {
        if bridge {
            self.configured || server.auth.required()
        } else {
            self.configured && !self.read_only
        }
    }
}

/// 401 with the challenges for both accepted schemes.
pub fn unauthorized(message: &str) -> Response {
    let mut response =
        (StatusCode::UNAUTHORIZED, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n"))
            .into_response();
    let headers = response.headers_mut();
    for scheme in ["Basic", "Bearer"] {
        if let Ok(v) = HeaderValue::from_str(&format!("{scheme} realm=\"{REALM}\"")) {
            headers.append(header::WWW_AUTHENTICATE, v);
        }
    }
    response
}

/// Middleware: checks credentials and records the [`Principal`] for the handlers.
pub(crate) async fn check(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let bridge = req.method() == Method::POST && (path.starts_with("/pub/") || path.starts_with("/req/"));
    let Some(principal) = state.auth.principal(&state.server, req.headers()) else {
        return unauthorized("invalid credentials");
    };
    if principal == Principal::Anonymous && state.auth.needs_credentials(&state.server, bridge) {
        return unauthorized("credentials required");
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SubjectPermission;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    #[test]
    fn parses_bearer_and_basic() {
        assert_eq!(presented(&HeaderMap::new()), Presented::None);
        assert_eq!(presented(&headers("Bearer abc")), Presented::Bearer("abc".into()));
        assert_eq!(presented(&headers("Basic b3BzOnB3OjE=")), Presented::Basic("ops".into(), "pw:1".into()));
        assert_eq!(presented(&headers("Basic !!!")), Presented::Malformed);
        assert_eq!(presented(&headers("Digest x")), Presented::Malformed);
    }

    #[test]
    fn bcrypt_passwords_are_verified_and_cached() {
        let auth = MonitorAuth::default();
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        assert!(auth.password_ok("ops", "s3cret", &hash));
        assert!(auth.bcrypt_ok.lock().contains(&("ops".into(), "s3cret".into())));
        assert!(auth.password_ok("ops", "s3cret", &hash));
        assert!(!auth.password_ok("ops", "wrong", &hash));
        assert!(auth.password_ok("ops", "plain", "plain"));
    }

    #[test]
    fn user_publish_permissions_apply() {
        let user = Principal::User {
            name: "svc".into(),
            permissions: Some(Permissions {
                publish: Some(SubjectPermission {
                    allow: Some(vec!["orders.>".into()]),
                    deny: vec!["orders.secret".into()],
                }),
                ..Default::default()
            }),
        };
        assert!(user.may_publish("orders.new"));
        assert!(!user.may_publish("orders.secret"));
        assert!(!user.may_publish("billing.x"));
        assert!(Principal::Admin.may_publish("anything"));
    }
}
