//! Names of the JetStream message headers and their fixed values, as nats-server spells them.
//!
//! Publish-side headers are read by the server when storing; the others are written by it on
//! direct-get replies, republished messages, pull-request statuses and heartbeats.

/// Publish: de-duplication id.
pub const MSG_ID: &str = "Nats-Msg-Id";
/// Publish: the stream must have this name.
pub const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
/// Publish: the stream's last sequence must be this.
pub const EXPECTED_LAST_SEQ: &str = "Nats-Expected-Last-Sequence";
/// Publish: the last sequence on this subject must be this (0 = no message on it).
pub const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
/// Publish: evaluate the subject-sequence check on this subject instead (2.11).
pub const EXPECTED_LAST_SUBJECT_SEQ_SUBJECT: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
/// Publish: the last message id in the stream must be this.
pub const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
/// Publish: purge older messages, see [`ROLLUP_SUBJECT`] and [`ROLLUP_ALL`].
pub const ROLLUP: &str = "Nats-Rollup";
/// `Nats-Rollup` value: purge older messages on the same subject.
pub const ROLLUP_SUBJECT: &str = "sub";
/// `Nats-Rollup` value: purge the whole stream.
pub const ROLLUP_ALL: &str = "all";
/// Publish: per-message TTL (see [`parse_msg_ttl`](super::stream::parse_msg_ttl)).
pub const TTL: &str = "Nats-TTL";
/// Server-written delete markers: why the subject was emptied, see `MARKER_REASON_*`.
pub const MARKER_REASON: &str = "Nats-Marker-Reason";
/// Marker reason: the last message aged out.
pub const MARKER_REASON_MAX_AGE: &str = "MaxAge";
/// Marker reason: purged.
pub const MARKER_REASON_PURGE: &str = "Purge";
/// Marker reason: removed.
pub const MARKER_REASON_REMOVE: &str = "Remove";
/// Publish: counter increment (2.12).
pub const INCR: &str = "Nats-Incr";
/// Publish: atomic batch id (2.12).
pub const BATCH_ID: &str = "Nats-Batch-Id";
/// Publish: position in an atomic batch (2.12).
pub const BATCH_SEQ: &str = "Nats-Batch-Sequence";
/// Publish: commit an atomic batch (2.12).
pub const BATCH_COMMIT: &str = "Nats-Batch-Commit";
/// API requests: minimum API level the client needs (2.11).
pub const REQUIRED_API_LEVEL: &str = "Nats-Required-Api-Level";

/// Direct get and republish: stream name.
pub const STREAM: &str = "Nats-Stream";
/// Direct get and republish: original subject.
pub const SUBJECT: &str = "Nats-Subject";
/// Direct get and republish: stream sequence.
pub const SEQUENCE: &str = "Nats-Sequence";
/// Direct get and republish: stored time, RFC 3339 with nanoseconds.
pub const TIME_STAMP: &str = "Nats-Time-Stamp";
/// Direct get batches and republish: previous sequence.
pub const LAST_SEQUENCE: &str = "Nats-Last-Sequence";
/// Direct get batches: messages still matching.
pub const NUM_PENDING: &str = "Nats-Num-Pending";
/// Direct get `multi_last`: the sequence the answer is consistent up to.
pub const UP_TO_SEQUENCE: &str = "Nats-UpTo-Sequence";
/// Headers-only delivery and republish: size of the omitted payload.
pub const MSG_SIZE: &str = "Nats-Msg-Size";
/// Messages copied in by a source: where they came from.
pub const STREAM_SOURCE: &str = "Nats-Stream-Source";

/// Pull statuses (408/409): messages the request still wanted.
pub const PENDING_MESSAGES: &str = "Nats-Pending-Messages";
/// Pull statuses (408/409): bytes the request still wanted.
pub const PENDING_BYTES: &str = "Nats-Pending-Bytes";
/// Pinned priority groups: the pin id.
pub const PIN_ID: &str = "Nats-Pin-Id";
/// Idle heartbeats: last consumer sequence delivered.
pub const LAST_CONSUMER: &str = "Nats-Last-Consumer";
/// Idle heartbeats: last stream sequence delivered.
pub const LAST_STREAM: &str = "Nats-Last-Stream";
/// Idle heartbeats: the flow-control subject the consumer is stalled on.
pub const CONSUMER_STALLED: &str = "Nats-Consumer-Stalled";
