//! A NATS client for the browser, built on the sans-IO codec of `switchyard-shared`.
//!
//! Layout:
//! - [`core`]: the connection state machine (handshake, subscriptions, request/reply, flush, drain,
//!   reconnect, slow consumers). No I/O, no clock: it runs and is tested natively.
//! - [`jetstream`]: JetStream and key-value conventions as plain functions and types (API subjects,
//!   request bodies, `PubAck`, ack subjects, KV entries), equally I/O-free.
//! - [`base64`]: the decoder for base64 fields in JetStream JSON.
//! - `wasm` (only on `wasm32`): the WebSocket transport driving [`core::Core`], the async Rust
//!   [`Client`](wasm::Client) for Rust front-ends, and the JavaScript API exported with wasm-bindgen.
//!
//! It is not: a server, or a client for native sockets (use the TCP port and a native client there).

pub mod base64;
pub mod core;
pub mod jetstream;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
