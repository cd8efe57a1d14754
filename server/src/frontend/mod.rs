//! Front-ends: each turns one wire protocol into calls on the routing core.
//!
//! - [`session`]: the NATS client protocol, independent of transport;
//! - [`tcp`]: NATS over TCP (reader + writer tasks per connection);
//! - [`ws`]: NATS over WebSocket (the same session behind WebSocket framing).

pub mod mqtt;
pub mod session;
pub mod tcp;
pub mod ws;
