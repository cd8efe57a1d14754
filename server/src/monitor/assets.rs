//! The console bundle and the index page at `/`.
//!
//! The bundle (`static/` at the workspace root, built from the console crate) is embedded into the
//! binary at build time, so a release binary serves it from anywhere. When it has an `index.html`,
//! `/` serves the console, every file of the bundle is served under its path (`.wasm` as
//! `application/wasm`), and a browser navigating to another path without a file extension gets
//! `index.html` (the console's own routes). Without a bundle, `/` is an HTML index of the endpoints
//! like nats-server's. Anything else is 404.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use include_dir::{include_dir, Dir};

use super::AppState;
use crate::server::NATS_VERSION;

static BUNDLE: Dir<'static> = include_dir!("$SWITCHYARD_STATIC_DIR");

/// The endpoints listed on the index page: (title, path).
const ENDPOINTS: &[(&str, &str)] = &[
    ("General", "varz"),
    ("JetStream", "jsz"),
    ("Connections", "connz"),
    ("Accounts", "accountz"),
    ("Account Stats", "accstatz"),
    ("Subscriptions", "subsz"),
    ("Routes", "routez"),
    ("LeafNodes", "leafz"),
    ("Gateways", "gatewayz"),
    ("Health Probe", "healthz"),
    ("Prometheus Metrics", "metrics"),
];

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn file_response(path: &str, body: &'static [u8]) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type(path))], body).into_response()
}

fn console_index() -> Option<&'static [u8]> {
    BUNDLE.get_file("index.html").map(|f| f.contents())
}

/// The index page listing the endpoints (relative links, so it works under a base path).
fn index_page() -> String {
    let mut links = String::new();
    for (title, path) in ENDPOINTS {
        links.push_str(&format!("    <a href=\"./{path}\">{title}<span class=\"endpoint\"> /{path}</span></a>\n"));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>switchyard monitoring</title>
    <style>
      body {{ font-family: ui-sans-serif, system-ui, sans-serif; margin-left: 32px }}
      a {{ display: block; padding-bottom: 6px; color: rgb(72 72 92); text-decoration: none }}
      a:hover {{ font-weight: 600; color: rgb(59 50 202) }}
      .endpoint {{ font-size: 12px; color: #999; font-family: monospace; display: none }}
      a:hover .endpoint {{ display: inline }}
      .version {{ font-size: 14px; color: #666 }}
    </style>
  </head>
  <body>
    <h1>switchyard</h1>
    <p class="version">v{version} (nats-server {nats} compatible)</p>
{links}  </body>
</html>
"#,
        version = env!("CARGO_PKG_VERSION"),
        nats = NATS_VERSION,
    )
}

/// `GET /`: the console when bundled, else the endpoint index.
pub(crate) async fn handle_root(State(state): State<AppState>) -> Response {
    state.server.monitoring.count("/");
    match console_index() {
        Some(index) => file_response("index.html", index),
        None => Html(index_page()).into_response(),
    }
}

/// Any other `GET`: a bundled file, the console for browser navigation, or 404.
pub(crate) async fn handle_asset(State(state): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let base = state.server.config.http_base_path.trim_end_matches('/');
    let path = uri.path();
    let path = path.strip_prefix(base).unwrap_or(path).trim_start_matches('/');
    // Hidden files (`.gitkeep`, which keeps the bundle directory in every checkout) are not served.
    if !path.is_empty() && !path.split('/').any(|seg| seg.starts_with('.')) {
        if let Some(file) = BUNDLE.get_file(path) {
            return file_response(path, file.contents());
        }
    }
    let wants_html =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"));
    let last = path.rsplit('/').next().unwrap_or_default();
    match console_index() {
        Some(index) if wants_html && !last.contains('.') => file_response("index.html", index),
        _ => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 page not found\n")
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_and_html_have_their_types() {
        assert_eq!(content_type("app_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x/y.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn index_links_every_endpoint() {
        let page = index_page();
        for (_, path) in ENDPOINTS {
            assert!(page.contains(&format!("href=\"./{path}\"")), "{path}");
        }
    }
}
