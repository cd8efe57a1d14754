//! The switchyard browser console: a Yew single-page app, compiled to WebAssembly and served by the
//! monitoring port at `/` (the bundle lives in `static/`, built by `scripts/build-console.sh`).
//!
//! It watches the server through the monitoring endpoints (`/varz`, `/connz`, `/jsz`, `/healthz`,
//! `/mqttz`) over HTTP on the page's own origin, and manages JetStream (streams, consumers, KV,
//! object store) and the live tester through a NATS connection over WebSocket made with
//! `switchyard-web-client`. JSON shapes come from `switchyard-shared`, so server and console agree.
//!
//! Layout:
//! - pure logic, compiled and tested natively: [`route`] (pages ⇄ location hash), [`format`],
//!   [`series`] and [`chart`] (overview charts), [`connections`] (connection table), [`payload`]
//!   (message bodies and headers), [`forms`] (form fields ⇄ configs, validated), [`kv`],
//!   [`objstore`], [`mqttz`], [`settings`], [`state`] (the reducers);
//! - the browser side (wasm32 only): `app` (layout and routing), `pages/`, `components/`,
//!   `services/` (HTTP, the NATS connection, JetStream, KV and object store calls, browser APIs).
//!
//! It is not: a server. It holds no state the server does not have besides the operator's settings.

pub mod chart;
pub mod connections;
pub mod format;
pub mod forms;
pub mod kv;
pub mod mqttz;
pub mod objstore;
pub mod payload;
pub mod route;
pub mod series;
pub mod settings;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod services;

/// Mounts the console on the page's `<body>`.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
