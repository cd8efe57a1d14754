//! The browser side: a `web_sys::WebSocket` transport driving [`crate::core::Core`], an async Rust
//! API on top of it, and (feature `js-api`) the JavaScript API exported with wasm-bindgen.
//!
//! Layout:
//! - `signal`: the one-shot, many-waiter cells that async calls wait on;
//! - `driver`: the socket, the timer and the pump moving bytes, actions and events between the
//!   core and the page;
//! - `client`: [`Client`], [`Subscriber`], [`ConnectOptions`], [`ClientEvent`] — what a Rust
//!   front-end (a Yew console) uses directly;
//! - `jetstream`: async JetStream and KV calls on [`Client`];
//! - `js`: the JavaScript classes (`Connection`, `Subscription`, `Msg`, `Headers`, …).
//!
//! Everything runs on the page's single thread: shared state is `Rc<RefCell<…>>`, and no borrow is
//! held while user callbacks run, so callbacks may call back into the client.

mod client;
mod driver;
mod jetstream;
#[cfg(feature = "js-api")]
mod js;
mod signal;

pub use client::{Client, ClientEvent, ConnectOptions, Listener, NextMessage, Subscriber};
pub use jetstream::{AckKind, FetchOptions, KvWatcher};
