//! Key-value buckets as the console sees them: the stream config a new bucket gets (ADR-8, as other
//! clients create it), a bucket's status read from its stream, key search, and the live key table a
//! bucket page keeps up to date from a watch.
//!
//! Input: [`StreamInfo`]s of `KV_*` streams and [`KvEntry`]s from watches. Output: configs to send
//! and rows to show. Requests are made by the services; nothing here does I/O.

use std::collections::BTreeMap;

use switchyard_shared::api::stream::{Compression, DiscardPolicy, StorageType, StreamConfig, StreamInfo};
use switchyard_shared::subject;
use switchyard_shared::time::Timestamp;
use switchyard_web::jetstream::{is_valid_bucket, KvEntry, KvOperation};

/// Streams of buckets are named `KV_<bucket>`.
pub const STREAM_PREFIX: &str = "KV_";
/// Most revisions a bucket keeps per key.
pub const MAX_HISTORY: i64 = 64;
const TWO_MINUTES: i64 = 120_000_000_000;

/// The bucket a stream holds, if it is a KV stream.
pub fn bucket_of_stream(stream: &str) -> Option<&str> {
    stream.strip_prefix(STREAM_PREFIX).filter(|b| is_valid_bucket(b))
}

/// What a new bucket is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSettings {
    pub bucket: String,
    pub description: String,
    /// Revisions kept per key, 1..=64.
    pub history: i64,
    /// Nanoseconds; 0 keeps values forever.
    pub ttl: i64,
    /// -1 for no limit.
    pub max_value_size: i32,
    /// -1 for no limit.
    pub max_bytes: i64,
    pub storage: StorageType,
    pub replicas: i64,
    pub compression: bool,
}

impl Default for BucketSettings {
    fn default() -> Self {
        BucketSettings {
            bucket: String::new(),
            description: String::new(),
            history: 1,
            ttl: 0,
            max_value_size: -1,
            max_bytes: -1,
            storage: StorageType::File,
            replicas: 1,
            compression: false,
        }
    }
}

/// Why a bucket cannot be created as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BucketError {
    #[error("bucket names may only hold letters, digits, '-' and '_'")]
    InvalidName,
    #[error("history must be between 1 and {MAX_HISTORY}")]
    History,
}

impl BucketSettings {
    /// The stream config of the bucket, as nats.go and nats-py create it.
    pub fn stream_config(&self) -> Result<StreamConfig, BucketError> {
        if !is_valid_bucket(&self.bucket) {
            return Err(BucketError::InvalidName);
        }
        if !(1..=MAX_HISTORY).contains(&self.history) {
            return Err(BucketError::History);
        }
        let duplicates = if self.ttl > 0 { self.ttl.min(TWO_MINUTES) } else { TWO_MINUTES };
        Ok(StreamConfig {
            name: format!("{STREAM_PREFIX}{}", self.bucket),
            description: self.description.clone(),
            subjects: vec![format!("$KV.{}.>", self.bucket)],
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: self.max_bytes,
            max_age: self.ttl,
            max_msgs_per: self.history,
            max_msg_size: self.max_value_size,
            discard: DiscardPolicy::New,
            storage: self.storage,
            replicas: self.replicas.max(1),
            duplicates,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            compression: if self.compression { Compression::S2 } else { Compression::None },
            ..Default::default()
        })
    }
}

/// A bucket's status, from its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketStatus {
    pub bucket: String,
    pub description: String,
    pub history: i64,
    pub ttl: i64,
    /// Stored messages: values, older revisions and delete markers.
    pub values: u64,
    pub bytes: u64,
    pub storage: StorageType,
    pub replicas: i64,
    pub created: Timestamp,
    pub compressed: bool,
}

impl BucketStatus {
    /// The status of a KV stream; `None` for other streams.
    pub fn from_stream(info: &StreamInfo) -> Option<BucketStatus> {
        let bucket = bucket_of_stream(&info.config.name)?;
        Some(BucketStatus {
            bucket: bucket.to_owned(),
            description: info.config.description.clone(),
            history: info.config.max_msgs_per,
            ttl: info.config.max_age,
            values: info.state.msgs,
            bytes: info.state.bytes,
            storage: info.config.storage,
            replicas: info.config.replicas,
            created: info.created,
            compressed: info.config.compression == Compression::S2,
        })
    }
}

/// Does `key` match the search text? Text with `*` or `>` is a NATS wildcard over the key's
/// `.`-separated tokens; other text is a case-insensitive substring.
pub fn key_matches(search: &str, key: &str) -> bool {
    let s = search.trim();
    if s.is_empty() {
        return true;
    }
    if (s.contains('*') || s.contains('>')) && subject::is_valid_filter(s) {
        return subject::matches(s, key);
    }
    key.to_lowercase().contains(&s.to_lowercase())
}

/// The latest known state of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub key: String,
    pub revision: u64,
    pub operation: KvOperation,
    /// Size of the value, when known (a headers-only listing reports it in `Nats-Msg-Size`).
    pub size: Option<u64>,
    pub updated: Option<String>,
}

impl KeyRow {
    pub fn is_deleted(&self) -> bool {
        self.operation != KvOperation::Put
    }
}

/// The keys of a bucket, kept current by applying watch entries in any order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyTable {
    rows: BTreeMap<String, KeyRow>,
}

impl KeyTable {
    /// Applies an entry unless the table already holds a newer revision of that key.
    pub fn apply(&mut self, entry: &KvEntry, size: Option<u64>) {
        if self.rows.get(&entry.key).is_some_and(|r| r.revision > entry.revision) {
            return;
        }
        self.rows.insert(
            entry.key.clone(),
            KeyRow {
                key: entry.key.clone(),
                revision: entry.revision,
                operation: entry.operation,
                size,
                updated: entry.created.clone(),
            },
        );
    }

    /// Rows matching `search`, in key order; deleted keys only when `show_deleted`.
    pub fn rows(&self, search: &str, show_deleted: bool) -> Vec<&KeyRow> {
        self.rows.values().filter(|r| (show_deleted || !r.is_deleted()) && key_matches(search, &r.key)).collect()
    }

    /// Keys with a current value.
    pub fn live_count(&self) -> usize {
        self.rows.values().filter(|r| !r.is_deleted()).count()
    }

    pub fn get(&self, key: &str) -> Option<&KeyRow> {
        self.rows.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, revision: u64, operation: KvOperation) -> KvEntry {
        KvEntry {
            bucket: "b".into(),
            key: key.into(),
            value: Default::default(),
            revision,
            operation,
            delta: 0,
            created: None,
        }
    }

    #[test]
    fn new_buckets_get_the_conventional_stream() {
        let s = BucketSettings { bucket: "cfg".into(), history: 5, ttl: 60_000_000_000, ..Default::default() };
        let c = s.stream_config().unwrap();
        assert_eq!(c.name, "KV_cfg");
        assert_eq!(c.subjects, vec!["$KV.cfg.>"]);
        assert_eq!((c.max_msgs_per, c.max_age, c.duplicates), (5, 60_000_000_000, 60_000_000_000));
        assert!(c.allow_rollup && c.deny_delete && c.allow_direct);
        assert_eq!(c.discard, DiscardPolicy::New);
        assert!(c.clone().check(&Default::default()).is_ok());
        assert_eq!(BucketSettings { bucket: "a.b".into(), ..s.clone() }.stream_config(), Err(BucketError::InvalidName));
        assert_eq!(BucketSettings { history: 65, ..s }.stream_config(), Err(BucketError::History));
    }

    #[test]
    fn only_kv_streams_are_buckets() {
        assert_eq!(bucket_of_stream("KV_cfg"), Some("cfg"));
        assert_eq!(bucket_of_stream("ORDERS"), None);
        assert_eq!(bucket_of_stream("KV_"), None);
        let info = StreamInfo {
            config: BucketSettings { bucket: "x".into(), history: 3, ..Default::default() }.stream_config().unwrap(),
            ..Default::default()
        };
        let status = BucketStatus::from_stream(&info).unwrap();
        assert_eq!((status.bucket.as_str(), status.history), ("x", 3));
    }

    #[test]
    fn key_search_is_substring_or_wildcard() {
        assert!(key_matches("", "a.b"));
        assert!(key_matches("USER", "app.user.1"));
        assert!(key_matches("app.*.1", "app.user.1"));
        assert!(!key_matches("app.*", "app.user.1"));
        assert!(key_matches("app.>", "app.user.1"));
    }

    #[test]
    fn the_key_table_keeps_the_newest_revision_and_hides_deletes() {
        let mut t = KeyTable::default();
        t.apply(&entry("a", 1, KvOperation::Put), Some(3));
        t.apply(&entry("b", 2, KvOperation::Put), None);
        t.apply(&entry("a", 3, KvOperation::Delete), None);
        t.apply(&entry("b", 1, KvOperation::Delete), None);
        assert_eq!(t.rows("", false).iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), vec!["b"]);
        assert_eq!(t.rows("", true).len(), 2);
        assert_eq!(t.live_count(), 1);
        assert_eq!(t.get("b").unwrap().revision, 2, "an older revision does not win");
    }
}
