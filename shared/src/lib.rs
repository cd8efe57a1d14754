//! Sans-IO NATS protocol crate shared by the server, the WebAssembly client and the console.
//!
//! Layout:
//! - [`op`]: the operations of the client protocol ([`op::ClientOp`], [`op::ServerOp`]) and the JSON
//!   bodies of `INFO` and `CONNECT`;
//! - [`parse`]: incremental parsers for both directions, safe to feed a buffer split at any byte;
//! - [`encode`]: the matching encoders;
//! - [`headers`]: NATS header blocks (`NATS/1.0 …`);
//! - [`subject`]: subject validation and wildcard matching;
//! - [`api`]: the JSON types of the JetStream API and of the monitoring endpoints, shared with the console;
//! - [`time`]: Go-compatible timestamps and durations for those JSON types;
//! - [`mqtt`]: the MQTT 3.1.1/5.0 packet codec and the MQTT topic ⇄ NATS subject mapping.
//!
//! It is not: a client or a server. There are no sockets, no tasks and no clocks here; callers pass in
//! bytes and the current time, and take bytes out. That is what lets the same code run inside the
//! server, inside the browser (wasm32) and under a fuzzer.

pub mod api;
pub mod encode;
pub mod headers;
pub mod mqtt;
pub mod op;
pub mod parse;
pub mod subject;
pub mod time;

pub use bytes;
