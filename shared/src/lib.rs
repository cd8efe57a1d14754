//! Sans-IO NATS protocol crate shared by the server, the WebAssembly client and the console.

pub mod mqtt;
pub mod subject;
