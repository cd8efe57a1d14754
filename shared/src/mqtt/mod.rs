//! Sans-IO MQTT 3.1.1 and 5.0 codec and the MQTT topic ⇄ NATS subject mapping.
//!
//! Layout:
//! * [`packet`]: one packet model for both protocol levels ([`Packet`], [`Connect`], [`Publish`], ...);
//! * [`property`]: the typed MQTT 5 [`Properties`] and where each property may appear;
//! * [`reason`]: [`ReasonCode`] and the 3.1.1 [`ConnectReturnCode`];
//! * [`decode`](decode()) / [`encode`](encode()): bytes ⇄ packets, with the validation the specification asks of
//!   a receiver, errors as [`MqttError`] that map to reason codes;
//! * [`topic`]: topic name and filter syntax, shared subscriptions, and nats-server's mapping between
//!   topics and subjects.
//!
//! Input is whatever bytes the transport read (TCP or WebSocket frames, split anywhere); output is bytes
//! to write. Nothing here does I/O, keeps session state (packet identifiers in flight, topic aliases,
//! keep-alive timers) or knows about subscriptions; that belongs to the server's MQTT session.

mod error;

pub mod decode;
pub mod encode;
pub mod packet;
pub mod property;
pub mod reason;
pub mod topic;

#[cfg(test)]
mod tests;

pub use decode::{connect_protocol_level, decode};
pub use encode::{encode, encoded_len};
pub use error::MqttError;
pub use packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PacketType, ProtocolLevel, PubResponse, Publish, QoS, RetainHandling,
    SubAck, Subscribe, SubscribeFilter, SubscribeOptions, UnsubAck, Unsubscribe, Will,
};
pub use property::{PayloadFormat, Properties, PropertyContext, PropertyId};
pub use reason::{ConnectReturnCode, ReasonCode};
