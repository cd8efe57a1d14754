//! Monitoring over HTTP: `GET` of the JSON endpoints and `POST` of admin actions, on the page's own
//! origin and base path (paths are relative: `varz`, `connz?state=any`).
//!
//! Credentials, when the operator gave some, go in `Authorization`. Answers are sorted into
//! [`HttpError`]s the pages can show plainly: 401 (log in), 403 (not allowed), 404 (endpoint missing),
//! other statuses with the server's text, network failures and undecodable bodies.

use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestCredentials, RequestInit, Response};

use super::browser::window;
use crate::settings::Credentials;

/// Why a monitoring request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("the server wants credentials for monitoring ({0})")]
    Unauthorized(String),
    #[error("permission denied: {0}")]
    Forbidden(String),
    #[error("{0} is not available on this server")]
    NotFound(String),
    #[error("HTTP {0}: {1}")]
    Status(u16, String),
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("unexpected answer from {0}: {1}")]
    Decode(String, String),
}

fn js_text(e: wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| "request failed".into())
}

/// Sends a request and returns the status and body text.
async fn send(
    method: &str,
    path: &str,
    creds: Option<&Credentials>,
    body: Option<&str>,
) -> Result<(u16, String), HttpError> {
    let init = RequestInit::new();
    init.set_method(method);
    // No browser-managed credentials: a 401 then comes back to the console (which asks for
    // credentials itself) instead of opening the browser's password dialog.
    init.set_credentials(RequestCredentials::Omit);
    let headers = Headers::new().map_err(|e| HttpError::Network(js_text(e)))?;
    let _ = headers.set("Accept", "application/json");
    // Marks the request as the console's own, so a server may leave out `WWW-Authenticate` (and the
    // browser its password dialog): the console asks for credentials itself.
    let _ = headers.set("X-Requested-With", "switchyard-console");
    if let Some(c) = creds {
        let _ = headers.set("Authorization", &c.authorization());
    }
    init.set_headers(&headers);
    if let Some(b) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(b));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(|e| HttpError::Network(js_text(e)))?;
    let response: Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|e| HttpError::Network(js_text(e)))?
        .unchecked_into();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    Ok((response.status(), text))
}

/// The server's complaint in an error body: `{"error": "…"}` or the plain text.
fn error_text(body: &str) -> String {
    serde_json::from_slice::<serde_json::Value>(body.as_bytes())
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().chars().take(300).collect())
}

fn check(path: &str, status: u16, body: &str) -> Result<(), HttpError> {
    let endpoint = path.split('?').next().unwrap_or(path);
    match status {
        200..=299 => Ok(()),
        401 => Err(HttpError::Unauthorized(error_text(body))),
        403 => Err(HttpError::Forbidden(error_text(body))),
        404 => Err(HttpError::NotFound(format!("/{endpoint}"))),
        s => Err(HttpError::Status(s, error_text(body))),
    }
}

/// `GET path`, decoded as `T`.
pub async fn get_json<T: DeserializeOwned>(path: &str, creds: Option<&Credentials>) -> Result<T, HttpError> {
    get_json_with(path, creds, &[]).await
}

/// `GET path`, decoded as `T` also when the status is one of `also_ok` (`/healthz` answers 503
/// with the reasons in its body).
pub async fn get_json_with<T: DeserializeOwned>(
    path: &str,
    creds: Option<&Credentials>,
    also_ok: &[u16],
) -> Result<T, HttpError> {
    let (status, body) = send("GET", path, creds, None).await?;
    if !also_ok.contains(&status) {
        check(path, status, &body)?;
    }
    serde_json::from_slice(body.as_bytes()).map_err(|e| HttpError::Decode(format!("/{path}"), e.to_string()))
}

/// `POST path` with an optional body; the answer's text on success.
pub async fn post(path: &str, creds: Option<&Credentials>, body: Option<&str>) -> Result<String, HttpError> {
    let (status, text) = send("POST", path, creds, body).await?;
    check(path, status, &text)?;
    Ok(text)
}
