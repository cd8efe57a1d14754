//! Everything that leaves the page: monitoring over HTTP ([`http`]), the NATS connection ([`nats`]),
//! the JetStream API on it ([`jetstream`]), ordered push consumers ([`watch`]), KV ([`kv`]) and
//! object store ([`objects`]) calls, and the browser APIs ([`browser`]). Pages call these and show
//! the errors they return; nothing here touches the DOM tree Yew renders.

pub mod browser;
pub mod http;
pub mod jetstream;
pub mod kv;
pub mod nats;
pub mod objects;
pub mod watch;
