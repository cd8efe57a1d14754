//! Serde types of the JSON APIs: the JetStream API (`$JS.API.*` requests and responses, publish
//! acknowledgements, error codes) and the HTTP monitoring endpoints (`/varz`, `/connz`, `/jsz`, …).
//!
//! The server produces these and the browser console reads them, so both sides share one
//! definition. Every type mirrors the nats-server Go struct of the same role: the same JSON names,
//! the same omit-when-empty behaviour, durations as integer nanoseconds unless nats-server writes
//! text, times as [`Timestamp`](crate::time::Timestamp). Reading is lenient — unknown fields are
//! ignored and missing ones take nats-server's zero values — because clients of every version talk
//! to the server.
//!
//! Besides shapes, `stream` and `consumer` hold the pure parts of config handling: default filling
//! and validation with nats-server's error codes. Nothing here performs I/O or reads a clock.
//!
//! Layout: [`error`] (ApiError and the catalogue), [`stream`], [`consumer`], [`account`],
//! [`requests`], [`responses`], [`headers`], [`monitor`].

mod gojson;

pub mod account;
pub mod consumer;
pub mod error;
pub mod headers;
pub mod monitor;
pub mod requests;
pub mod responses;
pub mod stream;

pub use account::{AccountInfo, AccountLimits, ApiStats, JetStreamTier, JsLimitOpts};
pub use consumer::{
    AckPolicy, ConsumerAction, ConsumerConfig, ConsumerInfo, DeliverPolicy, NextRequest, NextRequestError,
    PriorityPolicy, ReplayPolicy, SequenceInfo, SequencePair,
};
pub use error::{ApiError, ErrorDef};
pub use requests::parse_request;
pub use responses::{JsApiResponse, PubAck, PubAckResponse};
pub use stream::{
    ClusterInfo, Compression, DiscardPolicy, PeerInfo, RetentionPolicy, StorageType, StoredMsg, StreamConfig,
    StreamInfo, StreamSource, StreamSourceInfo, StreamState,
};
