//! The console's NATS connection over WebSocket: connecting with the operator's credentials and a
//! listener for connection events, and the handle pages get from the app context.

use std::rc::Rc;

use switchyard_web::core::{ClientError, Options};
use switchyard_web::wasm::{Client, ClientEvent};

use crate::settings::Credentials;

/// The current connection, compared by generation so that pages reload when it is replaced.
#[derive(Clone)]
pub struct NatsHandle {
    pub client: Client,
    pub generation: u64,
    pub url: Rc<str>,
}

impl PartialEq for NatsHandle {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

impl std::fmt::Debug for NatsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsHandle").field("generation", &self.generation).field("url", &self.url).finish()
    }
}

/// Connects to `url`, reconnecting for as long as the page lives; `on_event` hears about every
/// disconnect, reconnect and asynchronous server error.
pub async fn connect(
    url: &str,
    credentials: Option<&Credentials>,
    on_event: impl Fn(&ClientEvent) + 'static,
) -> Result<Client, ClientError> {
    let mut options = Options {
        servers: vec![url.to_owned()],
        name: Some("switchyard-console".into()),
        max_reconnect_attempts: None,
        reconnect_wait_ms: 1_000,
        reconnect_max_wait_ms: 5_000,
        ignore_discovered_servers: true,
        ..Default::default()
    };
    if let Some(c) = credentials {
        c.apply(&mut options);
    }
    Client::connect_with_listener(options, Some(Rc::new(on_event))).await
}
