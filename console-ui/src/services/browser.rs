//! Thin wrappers over the browser APIs the console uses: storage, the location hash, timers, time,
//! randomness, file reading and downloads, and the document's theme attribute.
//!
//! Failures of optional features (storage disabled, no window) degrade to "nothing stored" rather
//! than errors; reading a file and starting a download report their errors as text for the UI.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Storage, Url};

pub fn window() -> web_sys::Window {
    web_sys::window().expect("the console runs in a browser window")
}

fn local_storage() -> Option<Storage> {
    window().local_storage().ok().flatten()
}

fn session_storage() -> Option<Storage> {
    window().session_storage().ok().flatten()
}

pub fn local_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

pub fn local_set(key: &str, value: &str) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn session_get(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

pub fn session_set(key: &str, value: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn session_remove(key: &str) {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(key);
    }
}

pub fn location_hash() -> String {
    window().location().hash().unwrap_or_default()
}

pub fn set_location_hash(hash: &str) {
    let _ = window().location().set_hash(hash);
}

/// The host name the page was loaded from (where the server's other listeners are too).
pub fn page_hostname() -> String {
    window().location().hostname().unwrap_or_else(|_| "127.0.0.1".into())
}

/// Calls `f` on every `hashchange`; dropping the returned guard stops it.
pub fn on_hash_change(f: impl Fn() + 'static) -> EventGuard {
    let closure = Closure::<dyn Fn()>::new(f);
    let _ = window().add_event_listener_with_callback("hashchange", closure.as_ref().unchecked_ref());
    EventGuard { event: "hashchange", closure }
}

/// Removes its event listener when dropped.
pub struct EventGuard {
    event: &'static str,
    closure: Closure<dyn Fn()>,
}

impl Drop for EventGuard {
    fn drop(&mut self) {
        let _ = window().remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The current time as a [`Timestamp`](switchyard_shared::time::Timestamp).
pub fn now() -> switchyard_shared::time::Timestamp {
    switchyard_shared::time::Timestamp::from_unix_nanos((now_ms() * 1e6) as i64)
}

pub fn random_u32() -> u32 {
    (js_sys::Math::random() * 4_294_967_296.0) as u32
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Sets `data-theme` on the document element (`None` removes it: follow the system).
pub fn set_theme(theme: Option<&str>) {
    let Some(root) = window().document().and_then(|d| d.document_element()) else { return };
    let _ = match theme {
        Some(t) => root.set_attribute("data-theme", t),
        None => root.remove_attribute("data-theme"),
    };
}

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The bytes of a file the user picked.
pub async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Offers `data` as a file download named `name`.
pub fn download(name: &str, data: &[u8], mime: &str) -> Result<(), String> {
    let parts = Array::new();
    parts.push(&Uint8Array::from(data));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = window().document().ok_or("no document")?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(js_error)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("style", "display:none").map_err(js_error)?;
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(js_error)?;
    a.click();
    let _ = body.remove_child(&a);
    // Let the download start before the URL goes.
    wasm_bindgen_futures::spawn_local(async move {
        sleep(10_000).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}
