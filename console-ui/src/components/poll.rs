//! Hooks for data a page keeps fresh: [`use_poll_json`] refetches a monitoring endpoint on an
//! interval (and at once when the path or credentials change); [`use_ticker`] counts intervals so a
//! page can refetch over NATS on the same rhythm.

use std::cell::Cell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use yew::prelude::*;

use super::load::Load;
use crate::app::use_ctx;
use crate::services::http::HttpError;
use crate::services::{browser, http};

/// The latest answer of `GET path`, refreshed every `every_ms`; a failed poll keeps showing the
/// last good data (the error is kept beside it).
#[hook]
pub fn use_poll_json<T: DeserializeOwned + 'static>(path: String, every_ms: u32) -> (Rc<Load<T>>, Option<String>) {
    use_poll_json_with(path, every_ms, &[])
}

/// Like [`use_poll_json`], also decoding answers with a status in `also_ok`.
#[hook]
pub fn use_poll_json_with<T: DeserializeOwned + 'static>(
    path: String,
    every_ms: u32,
    also_ok: &'static [u16],
) -> (Rc<Load<T>>, Option<String>) {
    let ctx = use_ctx();
    let data = use_state(|| Rc::new(Load::<T>::Loading));
    let error = use_state(|| Option::<String>::None);
    {
        let (data, error) = (data.clone(), error.clone());
        let creds = ctx.credentials();
        use_effect_with((path, every_ms, creds), move |(path, every, creds)| {
            let stop = Rc::new(Cell::new(false));
            let (path, every, creds, stop2) = (path.clone(), *every, creds.clone(), stop.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let mut have_data = false;
                while !stop2.get() {
                    let r = http::get_json_with::<T>(&path, creds.as_ref(), also_ok).await;
                    if stop2.get() {
                        break;
                    }
                    let r_status = r.as_ref().err().cloned();
                    match r {
                        Ok(v) => {
                            have_data = true;
                            data.set(Rc::new(Load::Ready(v)));
                            error.set(None);
                        }
                        Err(e) if have_data => error.set(Some(e.to_string())),
                        Err(e) => data.set(Rc::new(Load::Failed(e.to_string()))),
                    }
                    if matches!(r_status, Some(HttpError::Unauthorized(_))) {
                        // The app asks for credentials; polling resumes with them.
                        break;
                    }
                    browser::sleep(every).await;
                }
            });
            move || stop.set(true)
        });
    }
    ((*data).clone(), (*error).clone())
}

/// A counter that goes up every `every_ms` while `active`.
#[hook]
pub fn use_ticker(every_ms: u32, active: bool) -> u64 {
    let tick = use_state(|| 0u64);
    {
        let tick = tick.clone();
        use_effect_with((every_ms, active), move |(every, active)| {
            let stop = Rc::new(Cell::new(false));
            if *active {
                let (every, stop2) = (*every, stop.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let mut n = 0;
                    loop {
                        browser::sleep(every).await;
                        if stop2.get() {
                            break;
                        }
                        n += 1;
                        tick.set(n);
                    }
                });
            }
            move || stop.set(true)
        });
    }
    *tick
}
