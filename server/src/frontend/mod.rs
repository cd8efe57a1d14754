//! Front-ends: each turns one wire protocol into calls on the routing core.
//!
//! - [`session`]: the NATS client protocol, independent of transport;
//! - [`tcp`]: NATS over TCP (reader + writer tasks per connection).

pub mod mqtt;
pub mod session;
pub mod tcp;
