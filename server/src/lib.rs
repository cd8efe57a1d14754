//! The switchyard server: a NATS-compatible message server with several front-ends over one routing core.
//!
//! Layout (see ARCHITECTURE.md for how a message moves through it):
//! - [`config`]: configuration file and flags;
//! - [`core`]: the subject trie, router, subscriber interface, outbound queues, connections, counters;
//! - [`frontend`]: protocol front-ends (NATS over TCP, …) that translate their wire into core calls;
//! - [`auth`]: client authentication;
//! - [`bench`]: the `switchyard bench` load generator (drives any NATS server);
//! - [`monitor`]: monitoring over HTTP (nats-server's endpoints, Prometheus, the HTTP bridge, console);
//! - [`system`]: `$SYS` events and requests;
//! - [`auth`]: client authentication and permissions;
//! - [`account`]: accounts (one subject space each) and the imports between them;
//! - [`server`]: shared state and life cycle;
//! - [`tls`]: TLS for the client, WebSocket and monitoring listeners.

pub mod account;
pub mod auth;
pub mod bench;
pub mod config;
pub mod core;
pub mod frontend;
pub mod jetstream;
pub mod monitor;
pub mod server;
pub mod system;
pub mod tls;

use std::future::Future;

pub use server::{Frontends, Running, Server, StartError};

/// Starts a server with `config` and runs it until `shutdown` completes (or the server stops itself,
/// e.g. at the end of lame-duck mode).
pub async fn run(config: config::Config, shutdown: impl Future<Output = ()>) -> Result<(), StartError> {
    let running = Server::start(config).await?;
    let server = running.server.clone();
    tokio::select! {
        _ = shutdown => server.shutdown.cancel(),
        _ = server.shutdown.cancelled() => {}
    }
    running.wait().await;
    Ok(())
}
