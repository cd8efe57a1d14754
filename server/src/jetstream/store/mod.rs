//! The JetStream storage engine: where a stream's messages and a consumer's progress live.
//!
//! It owns the [`Store`] trait and the two implementations behind it, [`FileStore`] (append-only
//! segment files, crash safe) and [`MemoryStore`], which share one core ([`stream::StreamStore`]) so
//! that their semantics cannot drift: sequence assignment, limits, purges, per-subject accounting
//! and expiry are the same code, only where the bytes live differs. Beside it sit the consumer state
//! stores ([`consumer`]), stream and consumer metadata files ([`meta`]) and the store directory lock
//! ([`lock`]).
//!
//! Inputs are plain calls from the JetStream layer (which serialises access, typically one mutex per
//! stream); outputs are sequence numbers, stored messages and [`StreamState`]. The semantics follow
//! nats-server's `StreamStore`: sequences start at 1 and never go back, a purge keeps `last_seq` and
//! moves `first_seq` to `last_seq + 1`, and `bytes` is counted with nats-server's per-message formula
//! (see [`file_msg_size`] and [`memory_msg_size`]) so that stream info agrees byte for byte.
//!
//! It does not know about clients, subjects' permissions, stream configs (retention policies are
//! enforced by the caller removing acknowledged messages), deduplication, rollups or replication.

pub mod consumer;
pub mod file;
mod index;
pub mod lock;
pub mod memory;
pub mod meta;
pub mod stream;
mod varint;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

pub use consumer::{AckPolicy, ConsumerState, ConsumerStore, SequencePair};
pub use file::{FileStore, FileStoreConfig, SyncPolicy};
pub use lock::StoreDirLock;
pub use memory::MemoryStore;

/// Errors of the storage engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O operation on the store's files failed.
    #[error("store i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A previous write or fsync failed; the store refuses further writes until reopened.
    #[error("store is poisoned by an earlier write failure: {0}")]
    Poisoned(String),
    /// Discard-new policy: the stream is at `max_msgs`.
    #[error("maximum messages exceeded")]
    MaxMsgs,
    /// Discard-new policy: the stream is at `max_bytes`.
    #[error("maximum bytes exceeded")]
    MaxBytes,
    /// Discard-new-per-subject policy: the subject is at `max_msgs_per_subject`.
    #[error("maximum messages per subject exceeded")]
    MaxMsgsPerSubject,
    /// `store_raw` was given a sequence other than `last_seq + 1`.
    #[error("expected sequence {expected} does not match {got}")]
    SequenceMismatch { expected: u64, got: u64 },
    /// The message cannot be represented (subject, header or record too large).
    #[error("message too large")]
    MsgTooLarge,
    /// On-disk data failed its checksum or framing check.
    #[error("corrupt store data: {0}")]
    Corrupt(String),
    /// The directory is locked by another process.
    #[error("store directory {0} is locked by another process")]
    Locked(String),
    /// Metadata could not be encoded or decoded.
    #[error("metadata error: {0}")]
    Meta(String),
    /// A consumer with ack policy none was asked to track acks.
    #[error("ack policy is none")]
    NoAckPolicy,
    /// An ack for a message the consumer does not have pending.
    #[error("no message found")]
    NotPending,
    /// A consumer state update older than the current state.
    #[error("old update ignored")]
    OldUpdate,
    /// A consumer state that contradicts itself.
    #[error("invalid consumer state: {0}")]
    InvalidState(String),
}

/// Result alias for the storage engine.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A message as stored: what `load*` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMsg {
    pub subject: Arc<str>,
    pub seq: u64,
    /// Nanoseconds since the Unix epoch, assigned when the message was stored.
    pub ts: i64,
    pub hdr: Bytes,
    pub data: Bytes,
}

/// What to do when a limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discard {
    /// Remove the oldest messages to make room.
    #[default]
    Old,
    /// Refuse the new message.
    New,
}

/// Stream limits enforced by the store on every write. Zero means "no limit".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Limits {
    pub max_msgs: u64,
    pub max_bytes: u64,
    /// Messages older than this are removed by [`Store::expire`]. Zero: no age limit.
    pub max_age: Duration,
    /// Oldest messages of a subject are removed beyond this count (whatever `discard` says, unless
    /// `discard_new_per_subject` is set with `discard: New`).
    pub max_msgs_per_subject: u64,
    pub discard: Discard,
    /// With `discard: New`, refuse a message whose subject is at `max_msgs_per_subject`.
    pub discard_new_per_subject: bool,
}

/// A purge request, as in `$JS.API.STREAM.PURGE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeRequest {
    /// Only messages on subjects matching this filter (wildcards allowed). `None` or `>`: all.
    pub filter: Option<String>,
    /// Purge messages below this sequence (exclusive).
    pub seq: Option<u64>,
    /// Keep this many of the newest matching messages.
    pub keep: Option<u64>,
}

/// A snapshot of a stream's state. Times are nanoseconds since the Unix epoch, 0 when unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamState {
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub first_ts: i64,
    pub last_seq: u64,
    pub last_ts: i64,
    pub num_subjects: u64,
    pub num_deleted: u64,
    /// Interior deleted sequences, only when asked for.
    pub deleted: Option<Vec<u64>>,
    /// Not known to the store; filled in by the caller.
    pub consumer_count: u64,
}

/// Why messages left the store without an explicit `remove` or purge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalCause {
    /// `max_msgs`, `max_bytes` or `max_msgs_per_subject` on a write or a limits update.
    Limits,
    /// `max_age` or a per-message TTL, from [`Store::expire`].
    Expired,
}

/// Told about sequences removed by limits or expiry, so consumers can forget them. Called
/// synchronously while the store is borrowed: it must not call back into the store.
pub type RemovalListener = Arc<dyn Fn(RemovalCause, &[u64]) + Send + Sync>;

/// Source of message timestamps; injectable so tests control time.
pub trait Clock: Send + Sync {
    /// Nanoseconds since the Unix epoch.
    fn now_ns(&self) -> i64;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ns(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or(0)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ns: i64) -> Arc<Self> {
        Arc::new(ManualClock(AtomicI64::new(start_ns)))
    }

    pub fn set(&self, ns: i64) {
        self.0.store(ns, Ordering::SeqCst);
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_nanos() as i64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// nats-server's `fileStoreMsgSize`: what a message adds to a file stream's `bytes`.
pub fn file_msg_size(subject_len: usize, hdr_len: usize, data_len: usize) -> u64 {
    // Record length (4) + seq (8) + ts (8) + subject length (2) + subject + data + hash (8), plus a
    // header length (4) and the header when there is one.
    let base = 22 + subject_len + data_len + 8;
    if hdr_len == 0 {
        base as u64
    } else {
        (base + 4 + hdr_len) as u64
    }
}

/// nats-server's `memStoreMsgSize`: what a message adds to a memory stream's `bytes`.
pub fn memory_msg_size(subject_len: usize, hdr_len: usize, data_len: usize) -> u64 {
    (subject_len + hdr_len + data_len + 16) as u64
}

/// A stream's message store. Both implementations behave identically; see the module doc.
///
/// Filters are subjects with optional `*`/`>` wildcards; `""` and `">"` mean all subjects.
pub trait Store: Send + Sync {
    /// Store a message with the next sequence and the clock's time. `ttl` (nanoseconds) makes it
    /// expire that long after its timestamp; a negative `ttl` exempts it from `max_age`.
    fn store_msg(&mut self, subject: &str, hdr: &[u8], msg: &[u8], ttl: Option<i64>) -> Result<(u64, i64)>;

    /// Store a message with a given sequence (must be `last_seq + 1`, or 0 for "next") and
    /// timestamp, as a mirror does. Discard-new checks are not applied.
    fn store_raw(&mut self, seq: u64, ts: i64, subject: &str, hdr: &[u8], msg: &[u8], ttl: Option<i64>) -> Result<u64>;

    /// The message with this sequence, if it is stored.
    fn load(&self, seq: u64) -> Result<Option<StoredMsg>>;

    /// The first message with `seq >= start` on a subject matching `filter`.
    fn load_next(&self, start: u64, filter: &str) -> Result<Option<StoredMsg>>;

    /// The first message with `seq >= start` that has headers (without reading the others).
    fn load_next_with_headers(&self, start: u64) -> Result<Option<StoredMsg>>;

    /// The last message on a subject matching `filter`.
    fn load_last(&self, filter: &str) -> Result<Option<StoredMsg>>;

    /// The last message with `seq <= start` on a subject matching `filter`.
    fn load_prev(&self, start: u64, filter: &str) -> Result<Option<StoredMsg>>;

    /// The first stored message with a timestamp at or after `ts_ns` (timestamps are assumed to
    /// grow with sequences, as they do for `store_msg`); `last_seq + 1` when there is none.
    fn seq_from_time(&self, ts_ns: i64) -> u64;

    /// Remove one message; with `secure_erase` its bytes are overwritten wherever they are stored.
    /// False when it was not stored.
    fn remove(&mut self, seq: u64, secure_erase: bool) -> Result<bool>;

    /// Purge as `$JS.API.STREAM.PURGE` does; returns how many messages went.
    fn purge(&mut self, req: &PurgeRequest) -> Result<u64>;

    /// Remove every message below `seq`; when `seq > last_seq` the next message gets `seq`.
    fn compact(&mut self, seq: u64) -> Result<u64>;

    /// The stream's state; `deleted` is filled only when `with_deleted` is set.
    fn state(&self, with_deleted: bool) -> StreamState;

    /// Message count per subject for subjects matching `filter`.
    fn subjects_state(&self, filter: &str) -> BTreeMap<String, u64>;

    /// Messages with `seq >= start` matching `filter`; with `last_per_subject` only the last message
    /// of each subject counts (and only if it is at or after `start`).
    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64;

    /// The sequence of the last message on this literal subject.
    fn last_seq_for_subject(&self, subject: &str) -> Option<u64>;

    fn limits(&self) -> &Limits;

    /// Replace the limits and enforce them now (age too); returns the sequences removed.
    fn update_limits(&mut self, limits: Limits) -> Result<Vec<u64>>;

    /// Remove messages past `max_age` or their TTL as of `now_ns`; returns the sequences removed.
    fn expire(&mut self, now_ns: i64) -> Result<Vec<u64>>;

    /// When [`Store::expire`] next has something to do, if ever.
    fn next_expiry(&self) -> Option<i64>;

    /// Install (or clear) the listener for removals by limits and expiry.
    fn set_removal_listener(&mut self, listener: Option<RemovalListener>);

    /// Make everything written so far durable.
    fn sync(&mut self) -> Result<()>;

    /// Flush and close cleanly.
    fn close(self: Box<Self>) -> Result<()>;

    /// Close and remove everything the store has on disk.
    fn delete(self: Box<Self>) -> Result<()>;
}

/// True when `filter` selects every subject.
pub(crate) fn filter_is_all(filter: &str) -> bool {
    filter.is_empty() || filter == ">"
}

#[cfg(test)]
mod tests;
