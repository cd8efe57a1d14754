//! Sans-IO NATS protocol crate shared by the server, the WebAssembly client and the console.

pub mod api;
pub mod subject;
pub mod time;
