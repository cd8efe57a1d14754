//! Streams: `StreamConfig` as clients send it, the `StreamInfo`/`StreamState` the server reports, and
//! the server-side defaulting and validation of a config (nats-server `checkStreamCfg`).
//!
//! Wire shapes follow nats-server's `StreamConfig`, `StreamInfo` and `StreamState` field for field:
//! the same names, the same `omitempty` (absent when zero), durations as integer nanoseconds, times as
//! [`Timestamp`]. Reading is lenient: unknown fields are ignored, missing ones take Go's zero value,
//! `null` reads as zero.
//!
//! [`StreamConfig::check`] is the pure part of stream creation: defaults filled exactly as nats-server
//! does and errors in its order with its codes and texts. What needs other streams or the account
//! (subject overlap with other streams, source cycles, mirror `allow_direct` inheritance, reservations,
//! subject-mapping destination syntax) is left to the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::account::JsLimitOpts;
use super::error::ApiError;
use super::gojson::{base64_bytes, is_default, nullable};
use crate::subject;
use crate::time::{format_duration, parse_duration, Timestamp};

/// Longest stream, consumer or template name.
pub const MAX_NAME_LEN: usize = 255;
/// Longest stream or consumer description.
pub const MAX_DESCRIPTION_LEN: usize = 4 * 1024;
/// Largest total of metadata key and value lengths.
pub const MAX_METADATA_LEN: usize = 128 * 1024;
/// Most replicas a stream may ask for.
pub const STREAM_MAX_REPLICAS: i64 = 5;
/// Duplicate window used when a config leaves it unset: two minutes.
pub const DEFAULT_DUPLICATE_WINDOW: i64 = 120 * NANOS_PER_SEC;
/// Prefix of the JetStream API subjects.
pub const JS_API_PREFIX: &str = "$JS.API";

const NANOS_PER_SEC: i64 = 1_000_000_000;
const MIN_WINDOW: i64 = 100_000_000;

/// Is `name` usable as a stream or consumer name: non-empty and none of ` \t\r\n\f.*>\/`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains([' ', '\t', '\r', '\n', '\x0c', '.', '*', '>', '\\', '/'])
}

/// How messages leave a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RetentionPolicy {
    #[default]
    #[serde(rename = "limits")]
    Limits,
    #[serde(rename = "interest")]
    Interest,
    #[serde(rename = "workqueue")]
    WorkQueue,
}

/// What to drop when a limit is hit. nats-server reads it case-insensitively.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum DiscardPolicy {
    #[default]
    #[serde(rename = "old")]
    Old,
    #[serde(rename = "new")]
    New,
}

impl<'de> Deserialize<'de> for DiscardPolicy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.to_ascii_lowercase().as_str() {
            "old" => Ok(DiscardPolicy::Old),
            "new" => Ok(DiscardPolicy::New),
            _ => Err(serde::de::Error::custom(format!("can not unmarshal {s:?}"))),
        }
    }
}

/// Where a stream keeps its messages. File when the config does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StorageType {
    #[default]
    #[serde(rename = "file")]
    File,
    #[serde(rename = "memory")]
    Memory,
}

/// On-disk compression of a file stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Compression {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "s2")]
    S2,
}

/// When a write counts as persisted (2.12). `""` reads as the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PersistMode {
    #[default]
    #[serde(rename = "default", alias = "")]
    Default,
    #[serde(rename = "async")]
    Async,
}

/// Cluster and tags a stream should be placed on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub cluster: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub preferred: String,
}

/// A subject rewrite `src` → `dest` (nats-server `SubjectTransformConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    #[serde(deserialize_with = "nullable")]
    pub src: String,
    #[serde(deserialize_with = "nullable")]
    pub dest: String,
}

/// Republish stored messages matching `src` to `dest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub src: String,
    #[serde(deserialize_with = "nullable")]
    pub dest: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub headers_only: bool,
}

/// Defaults (and ceilings) the stream imposes on its consumers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerLimits {
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub inactive_threshold: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_ack_pending: i64,
}

/// Another account's or domain's JetStream API and delivery prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    #[serde(rename = "api", deserialize_with = "nullable")]
    pub api_prefix: String,
    #[serde(rename = "deliver", deserialize_with = "nullable")]
    pub deliver_prefix: String,
}

/// A durable consumer a mirror or source reads through (2.12).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerSource {
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub deliver_subject: String,
}

/// The origin of a mirror or of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub opt_start_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subject_transforms: Vec<SubjectTransform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<StreamConsumerSource>,
}

impl StreamSource {
    /// Identity used to detect the same source configured twice (nats-server `composeIName`).
    fn identity(&self) -> String {
        let mut id = self.name.clone();
        if let Some(ext) = &self.external {
            id.push(':');
            id.push_str(&ext.api_prefix);
        }
        if let Some(c) = &self.consumer {
            id.push_str(":C=");
            id.push_str(&c.name);
        }
        let or_all = |s: &str| {
            if s.is_empty() {
                ">".to_owned()
            } else {
                s.to_owned()
            }
        };
        let (src, dest) = if self.subject_transforms.is_empty() {
            (or_all(&self.filter_subject), ">".to_owned())
        } else {
            let srcs: Vec<_> = self.subject_transforms.iter().map(|t| or_all(&t.src)).collect();
            let dests: Vec<_> = self.subject_transforms.iter().map(|t| or_all(&t.dest)).collect();
            (srcs.join("\x0c"), dests.join("\x0c"))
        };
        format!("{id} {src} {dest}")
    }

    /// Identity of the durable consumer a source reads through (nats-server `composeCName`).
    fn consumer_identity(&self) -> String {
        let ext = self.external.as_ref().map(|e| format!(":{}", e.api_prefix)).unwrap_or_default();
        let c = self.consumer.as_ref().map(|c| c.name.as_str()).unwrap_or_default();
        format!("{}{ext} {c}", self.name)
    }
}

/// A stream's configuration (nats-server `StreamConfig`), as sent in `STREAM.CREATE`/`UPDATE` and
/// echoed, normalized, in every `StreamInfo`.
///
/// `Default` is the all-zero config a JSON `{}` reads as; [`StreamConfig::normalize`] turns zeros into
/// nats-server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subjects: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub retention: RetentionPolicy,
    #[serde(deserialize_with = "nullable")]
    pub max_consumers: i64,
    #[serde(deserialize_with = "nullable")]
    pub max_msgs: i64,
    #[serde(deserialize_with = "nullable")]
    pub max_bytes: i64,
    /// Nanoseconds; 0 = unlimited.
    #[serde(deserialize_with = "nullable")]
    pub max_age: i64,
    #[serde(rename = "max_msgs_per_subject", deserialize_with = "nullable")]
    pub max_msgs_per: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_msg_size: i32,
    #[serde(deserialize_with = "nullable")]
    pub discard: DiscardPolicy,
    #[serde(deserialize_with = "nullable")]
    pub storage: StorageType,
    #[serde(rename = "num_replicas", deserialize_with = "nullable")]
    pub replicas: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub no_ack: bool,
    /// Nanoseconds.
    #[serde(rename = "duplicate_window", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub duplicates: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSource>,
    #[serde(deserialize_with = "nullable")]
    pub compression: Compression,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub first_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<RePublish>,
    #[serde(deserialize_with = "nullable")]
    pub allow_direct: bool,
    #[serde(deserialize_with = "nullable")]
    pub mirror_direct: bool,
    #[serde(rename = "discard_new_per_subject", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub discard_new_per: bool,
    #[serde(deserialize_with = "nullable")]
    pub sealed: bool,
    #[serde(deserialize_with = "nullable")]
    pub deny_delete: bool,
    #[serde(deserialize_with = "nullable")]
    pub deny_purge: bool,
    #[serde(rename = "allow_rollup_hdrs", deserialize_with = "nullable")]
    pub allow_rollup: bool,
    #[serde(deserialize_with = "nullable")]
    pub consumer_limits: StreamConsumerLimits,
    #[serde(deserialize_with = "nullable")]
    pub allow_msg_ttl: bool,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub subject_delete_marker_ttl: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub allow_msg_counter: bool,
    #[serde(rename = "allow_atomic", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub allow_atomic_publish: bool,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub allow_msg_schedules: bool,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub persist_mode: PersistMode,
    #[serde(rename = "allow_batched", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub allow_batch_publish: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
}

fn invalid_config(reason: impl std::fmt::Display) -> ApiError {
    ApiError::stream_invalid_config(reason)
}

impl StreamConfig {
    /// Fills the defaults nats-server applies on create/update, without validating: `-1` for unset
    /// limits, one replica, a duplicate window of two minutes (or `max_age` if shorter, or the server
    /// limit), the stream name as its only subject, implied flags for delete markers and schedules,
    /// `>` as an empty republish source, and no empty placement.
    pub fn normalize(&mut self, limits: &JsLimitOpts) {
        self.fill_limits();
        self.fill_duplicate_window(limits);
        self.fill_implied_flags();
        self.fill_subjects();
        self.fill_republish();
        self.drop_empty_placement();
    }

    /// Validates the config as received (before [`normalize`](Self::normalize)), returning the first
    /// error nats-server would answer with.
    pub fn validate(&self, limits: &JsLimitOpts) -> Result<(), ApiError> {
        self.clone().check(limits).map(drop)
    }

    /// nats-server's `checkStreamCfg`: normalizes and validates in its order, returning the config
    /// to store and echo, or the first error. Checks that need other streams or the account are
    /// the caller's (see the module docs).
    pub fn check(mut self, limits: &JsLimitOpts) -> Result<StreamConfig, ApiError> {
        if !is_valid_name(&self.name) {
            return Err(invalid_config("stream name is required and can not contain '.', '*', '>', '\\', '/'"));
        }
        if self.name.len() > MAX_NAME_LEN {
            return Err(invalid_config(format!("stream name is too long, maximum allowed is {MAX_NAME_LEN}")));
        }
        if self.description.len() > MAX_DESCRIPTION_LEN {
            return Err(invalid_config(format!(
                "stream description is too long, maximum allowed is {MAX_DESCRIPTION_LEN}"
            )));
        }
        if metadata_len(&self.metadata) > MAX_METADATA_LEN {
            return Err(invalid_config(format!("stream metadata exceeds maximum size of {MAX_METADATA_LEN} bytes")));
        }
        if self.replicas == 0 {
            self.replicas = 1;
        }
        if self.replicas > STREAM_MAX_REPLICAS {
            return Err(invalid_config(format!("maximum replicas is {STREAM_MAX_REPLICAS}")));
        }
        if self.replicas < 0 {
            return Err(ApiError::replicas_count_cannot_be_negative());
        }
        self.fill_limits();
        if self.max_age < 0 {
            return Err(invalid_config("max age can not be negative"));
        }
        if self.max_age != 0 && self.max_age < MIN_WINDOW {
            return Err(invalid_config("max age needs to be >= 100ms"));
        }
        self.fill_duplicate_window(limits);
        if self.duplicates < 0 {
            return Err(invalid_config("duplicates window can not be negative"));
        }
        if self.max_age != 0 && self.duplicates > self.max_age {
            return Err(invalid_config("duplicates window can not be larger then max age"));
        }
        if limits.duplicates > 0 && self.duplicates > limits.duplicates {
            return Err(invalid_config(format!(
                "duplicates window can not be larger then server limit of {}",
                format_duration(limits.duplicates)
            )));
        }
        if self.duplicates > 0 && self.duplicates < MIN_WINDOW {
            return Err(invalid_config("duplicates window needs to be >= 100ms"));
        }
        if self.deny_purge && self.allow_rollup {
            return Err(invalid_config("roll-ups require the purge permission"));
        }
        if self.allow_msg_counter {
            if self.discard == DiscardPolicy::New {
                return Err(invalid_config("counter stream cannot use discard new"));
            }
            if self.allow_msg_ttl {
                return Err(invalid_config("counter stream cannot use message TTLs"));
            }
            if self.allow_msg_schedules {
                return Err(invalid_config("counter stream cannot use message schedules"));
            }
            if self.retention != RetentionPolicy::Limits {
                return Err(invalid_config("counter stream can only use limits retention"));
            }
        }
        if self.discard_new_per {
            if self.discard != DiscardPolicy::New {
                return Err(invalid_config("discard new per subject requires discard new policy to be set"));
            }
            if self.max_msgs_per <= 0 {
                return Err(invalid_config("discard new per subject requires max msgs per subject > 0"));
            }
        }
        if self.subject_delete_marker_ttl > 0 && self.subject_delete_marker_ttl < NANOS_PER_SEC {
            return Err(invalid_config("subject delete marker TTL must be at least 1 second"));
        }
        if self.subject_delete_marker_ttl < 0 {
            return Err(invalid_config("subject delete marker TTL must not be negative"));
        }
        if self.allow_msg_schedules && self.discard == DiscardPolicy::New {
            return Err(invalid_config("message scheduling cannot use discard new"));
        }
        self.fill_implied_flags();
        if self.persist_mode == PersistMode::Async {
            if self.storage != StorageType::File {
                return Err(invalid_config("async persist mode is only supported on file storage"));
            }
            if self.replicas > 1 {
                return Err(invalid_config("async persist mode is not supported on replicated streams"));
            }
            if self.allow_atomic_publish {
                return Err(invalid_config("async persist mode is not supported with atomic batch publish"));
            }
        }
        let mut deliver_prefixes = Vec::new();
        let mut api_prefixes = Vec::new();
        if let Some(mirror) = &self.mirror {
            self.check_mirror(mirror)?;
            if let Some(ext) = &mirror.external {
                deliver_prefixes.push(ext.deliver_prefix.clone());
                api_prefixes.push(ext.api_prefix.clone());
            }
        }
        if !self.sources.is_empty() && self.allow_msg_schedules {
            return Err(ApiError::source_with_msg_schedules());
        }
        self.check_sources()?;
        for src in &self.sources {
            if let Some(ext) = &src.external {
                deliver_prefixes.push(ext.deliver_prefix.clone());
                api_prefixes.push(ext.api_prefix.clone());
            }
        }
        for prefix in deliver_prefixes.iter().filter(|p| !p.is_empty()) {
            if !subject::is_valid_literal(prefix) {
                return Err(ApiError::stream_invalid_external_delivery_subj(prefix));
            }
        }
        for prefix in api_prefixes.iter().filter(|p| !p.is_empty()) {
            if !subject::is_valid_literal(prefix) {
                return Err(invalid_config(format!(
                    "stream external api prefix {prefix:?} must be a valid subject without wildcards"
                )));
            }
            if subject::filters_overlap(prefix, JS_API_PREFIX) {
                return Err(ApiError::stream_external_api_overlap(prefix, JS_API_PREFIX));
            }
        }
        if self.subjects.is_empty() {
            self.fill_subjects();
        } else {
            self.check_subjects()?;
        }
        if self.subjects.is_empty() && self.sources.is_empty() && self.mirror.is_none() {
            return Err(invalid_config("stream needs at least one configured subject or be a source/mirror"));
        }
        if let Some(tr) = &self.subject_transform {
            if !tr.src.is_empty() && !subject::is_valid_filter(&tr.src) {
                return Err(ApiError::stream_transform_invalid_source(format!("invalid subject {}", tr.src)));
            }
        }
        self.fill_republish();
        if let Some(rp) = &self.republish {
            if self.subjects.iter().any(|s| subject::filters_overlap(&rp.dest, s)) {
                return Err(invalid_config("stream configuration for republish destination forms a cycle"));
            }
        }
        self.drop_empty_placement();
        if self.placement.as_ref().is_some_and(|p| !p.preferred.is_empty()) {
            return Err(invalid_config("preferred server not permitted in placement"));
        }
        Ok(self)
    }

    /// nats-server's update check: [`check`](Self::check) plus what may not change against the
    /// current config `old`; a sealed stream also gets its limits frozen.
    pub fn check_update(self, old: &StreamConfig, limits: &JsLimitOpts) -> Result<StreamConfig, ApiError> {
        let mut cfg = self.check(limits)?;
        if cfg.name != old.name {
            return Err(invalid_config("stream configuration name must match original"));
        }
        if cfg.storage != old.storage {
            return Err(invalid_config("stream configuration update can not change storage type"));
        }
        if cfg.retention != old.retention
            && (old.retention == RetentionPolicy::WorkQueue || cfg.retention == RetentionPolicy::WorkQueue)
        {
            return Err(invalid_config(
                "stream configuration update can not change retention policy to/from workqueue",
            ));
        }
        if !cfg.sealed && old.sealed {
            return Err(invalid_config("stream configuration update can not unseal a sealed stream"));
        }
        if !cfg.deny_delete && old.deny_delete {
            return Err(invalid_config("stream configuration update can not cancel deny message deletes"));
        }
        if !cfg.deny_purge && old.deny_purge {
            return Err(invalid_config("stream configuration update can not cancel deny purge"));
        }
        if cfg.mirror.is_some() && cfg.mirror != old.mirror {
            return Err(ApiError::stream_mirror_not_updatable());
        }
        if old.allow_msg_ttl && !cfg.allow_msg_ttl {
            return Err(invalid_config("message TTL status can not be disabled"));
        }
        if cfg.allow_msg_counter != old.allow_msg_counter {
            return Err(invalid_config("stream configuration update can not change message counter setting"));
        }
        if old.allow_msg_schedules && !cfg.allow_msg_schedules {
            return Err(invalid_config("message schedules can not be disabled"));
        }
        if old.persist_mode != cfg.persist_mode {
            return Err(invalid_config("stream configuration update can not change persist mode"));
        }
        if cfg.sealed {
            cfg.max_age = 0;
            cfg.discard = DiscardPolicy::New;
            cfg.deny_delete = true;
            cfg.deny_purge = true;
            cfg.allow_rollup = false;
        }
        Ok(cfg)
    }

    fn fill_limits(&mut self) {
        if self.replicas == 0 {
            self.replicas = 1;
        }
        for limit in [&mut self.max_msgs, &mut self.max_msgs_per, &mut self.max_bytes, &mut self.max_consumers] {
            if *limit == 0 || *limit < -1 {
                *limit = -1;
            }
        }
        if self.max_msg_size == 0 || self.max_msg_size < -1 {
            self.max_msg_size = -1;
        }
    }

    fn fill_duplicate_window(&mut self, limits: &JsLimitOpts) {
        if self.duplicates == 0 && self.mirror.is_none() && self.sources.is_empty() {
            let mut window = DEFAULT_DUPLICATE_WINDOW;
            if limits.duplicates > 0 && window > limits.duplicates {
                window = limits.duplicates;
            }
            self.duplicates = if self.max_age != 0 && self.max_age < window { self.max_age } else { window };
        }
    }

    /// Subject delete markers imply per-message TTLs and roll-ups; schedules imply roll-ups.
    fn fill_implied_flags(&mut self) {
        if self.subject_delete_marker_ttl > 0 {
            self.allow_msg_ttl = true;
            if !self.allow_rollup {
                self.allow_rollup = true;
                self.deny_purge = false;
            }
        }
        if self.allow_msg_schedules && !self.allow_rollup {
            self.allow_rollup = true;
            self.deny_purge = false;
        }
    }

    fn fill_subjects(&mut self) {
        if self.subjects.is_empty() && self.mirror.is_none() && self.sources.is_empty() {
            self.subjects.push(self.name.clone());
        }
    }

    fn fill_republish(&mut self) {
        let implicit_source = match (&self.subject_transform, self.subjects.as_slice()) {
            (Some(tr), [only]) if tr.src == *only => Some(tr.dest.clone()),
            _ => None,
        };
        if let Some(rp) = &mut self.republish {
            if rp.src.is_empty() {
                rp.src = ">".to_owned();
            }
            if let Some(dest) = implicit_source.filter(|_| rp.src == ">" && rp.dest == ">") {
                rp.src = dest.clone();
                rp.dest = dest;
            }
        }
    }

    fn drop_empty_placement(&mut self) {
        if self.placement.as_ref() == Some(&Placement::default()) {
            self.placement = None;
        }
    }

    fn check_mirror(&self, mirror: &StreamSource) -> Result<(), ApiError> {
        if self.first_seq > 0 {
            return Err(ApiError::mirror_with_first_seq());
        }
        if !self.subjects.is_empty() {
            return Err(ApiError::mirror_with_subjects());
        }
        if !self.sources.is_empty() {
            return Err(ApiError::mirror_with_sources());
        }
        if self.allow_msg_counter {
            return Err(ApiError::mirror_with_counters());
        }
        if self.allow_atomic_publish {
            return Err(ApiError::mirror_with_atomic_publish());
        }
        if self.allow_batch_publish {
            return Err(ApiError::mirror_with_batch_publish());
        }
        if self.allow_msg_schedules {
            return Err(ApiError::mirror_with_msg_schedules());
        }
        if let Some(c) = &mirror.consumer {
            if !consumer_source_is_valid(c, mirror) {
                return Err(ApiError::mirror_durable_consumer_cfg_invalid());
            }
        }
        if !mirror.filter_subject.is_empty() && !mirror.subject_transforms.is_empty() {
            return Err(ApiError::mirror_multiple_filters_not_allowed());
        }
        if self.subject_delete_marker_ttl > 0 {
            return Err(invalid_config("subject delete markers forbidden on mirrors"));
        }
        for (i, tr) in mirror.subject_transforms.iter().enumerate() {
            if !tr.src.is_empty() && !subject::is_valid_filter(&tr.src) {
                return Err(ApiError::mirror_invalid_subject_filter(format!("invalid subject {}", tr.src)));
            }
            let collides = mirror
                .subject_transforms
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && subjects_collide(&tr.src, &other.src));
            if collides {
                return Err(ApiError::mirror_overlapping_subject_filters());
            }
        }
        if mirror.external.is_none() && !is_valid_name(&mirror.name) {
            return Err(ApiError::mirror_invalid_stream_name());
        }
        Ok(())
    }

    fn check_sources(&self) -> Result<(), ApiError> {
        let mut identities = std::collections::HashSet::new();
        let mut consumers = std::collections::HashSet::new();
        for src in &self.sources {
            if !is_valid_name(&src.name) {
                return Err(ApiError::source_invalid_stream_name());
            }
            if !identities.insert(src.identity()) {
                return Err(ApiError::source_duplicate_detected());
            }
            if !src.filter_subject.is_empty() && !src.subject_transforms.is_empty() {
                return Err(ApiError::source_multiple_filters_not_allowed());
            }
            for tr in &src.subject_transforms {
                if !tr.src.is_empty() && !subject::is_valid_filter(&tr.src) {
                    return Err(ApiError::source_invalid_subject_filter(format!("invalid subject {}", tr.src)));
                }
            }
            for (i, tr) in src.subject_transforms.iter().enumerate() {
                let overlaps = src
                    .subject_transforms
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != i && subject::is_subset(&tr.src, &other.src));
                if overlaps {
                    return Err(ApiError::source_overlapping_subject_filters());
                }
            }
            if let Some(c) = &src.consumer {
                if !consumer_source_is_valid(c, src) {
                    return Err(ApiError::source_durable_consumer_cfg_invalid());
                }
                if !consumers.insert(src.consumer_identity()) {
                    return Err(ApiError::source_durable_consumer_duplicate_detected());
                }
            }
        }
        Ok(())
    }

    fn check_subjects(&self) -> Result<(), ApiError> {
        if self.mirror.is_some() {
            return Err(ApiError::mirror_with_subjects());
        }
        let mut seen = std::collections::HashSet::new();
        for (i, subj) in self.subjects.iter().enumerate() {
            if !subject::is_valid_filter(subj) {
                return Err(invalid_config("invalid subject"));
            }
            if !seen.insert(subj.as_str()) {
                return Err(invalid_config("duplicate subjects detected"));
            }
            if subj == ">" {
                if !self.no_ack {
                    return Err(invalid_config("capturing all subjects requires no-ack to be true"));
                }
                if self.replicas != 1 {
                    return Err(invalid_config("capturing all subjects requires replicas of 1"));
                }
            }
            if !self.no_ack {
                let js_api = ["$JS.>", "$JSC.>", "$NRG.>"].iter().any(|ns| subjects_collide(subj, ns));
                if js_api && !subject::is_subset(subj, "$JS.EVENT.>") {
                    return Err(invalid_config("subjects that overlap with jetstream api require no-ack to be true"));
                }
                if subjects_collide(subj, "$SYS.>") && !subject::is_subset(subj, "$SYS.ACCOUNT.>") {
                    return Err(invalid_config("subjects that overlap with system api require no-ack to be true"));
                }
            }
            if let Some(other) = self.subjects[i + 1..].iter().find(|t| subjects_collide(t, subj)) {
                return Err(invalid_config(format!("subject {subj:?} overlaps with {other:?}")));
            }
        }
        Ok(())
    }
}

/// Could one message match both subjects? (nats-server `SubjectsCollide`.)
fn subjects_collide(a: &str, b: &str) -> bool {
    a == b || subject::filters_overlap(a, b)
}

fn consumer_source_is_valid(c: &StreamConsumerSource, src: &StreamSource) -> bool {
    is_valid_name(&c.name)
        && subject::is_valid_literal(&c.deliver_subject)
        && src.opt_start_seq == 0
        && src.opt_start_time.is_none()
        && src.filter_subject.is_empty()
}

pub(crate) fn metadata_len(metadata: &BTreeMap<String, String>) -> usize {
    metadata.iter().map(|(k, v)| k.len() + v.len()).sum()
}

/// Parses a `Nats-TTL` header value as nats-server does: `never` (any case) → `-1`; a Go duration of
/// at least one second → whole seconds; otherwise plain decimal seconds. Anything else, including
/// durations under a second and `0s`, is [`ApiError::message_ttl_invalid`].
pub fn parse_msg_ttl(value: &str) -> Result<i64, ApiError> {
    if value.eq_ignore_ascii_case("never") {
        return Ok(-1);
    }
    if let Ok(nanos) = parse_duration(value) {
        if nanos < NANOS_PER_SEC {
            return Err(ApiError::message_ttl_invalid());
        }
        return Ok(nanos / NANOS_PER_SEC);
    }
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(secs) = value.parse::<i64>() {
            return Ok(secs);
        }
    }
    Err(ApiError::message_ttl_invalid())
}

/// Messages known to be lost from a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    #[serde(deserialize_with = "nullable")]
    pub msgs: Vec<u64>,
    pub bytes: u64,
}

/// A stream's contents at a moment (nats-server `StreamState`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    #[serde(rename = "messages")]
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    #[serde(rename = "first_ts")]
    pub first_time: Timestamp,
    pub last_seq: u64,
    #[serde(rename = "last_ts")]
    pub last_time: Timestamp,
    #[serde(skip_serializing_if = "is_default")]
    pub num_subjects: i64,
    /// Per-subject counts, only when requested with `subjects_filter`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub subjects: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "is_default")]
    pub num_deleted: i64,
    /// Interior deleted sequences, only when requested with `deleted_details`.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub deleted: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostStreamData>,
    #[serde(rename = "consumer_count")]
    pub consumers: i64,
}

/// One server of a replica group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    pub name: String,
    pub current: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub offline: bool,
    /// Nanoseconds since last seen.
    pub active: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub lag: u64,
    pub peer: String,
    #[serde(skip_serializing_if = "is_default")]
    pub pending: bool,
}

/// Which servers hold a stream or consumer (nats-server `ClusterInfo`; the 2.14 migration `desired`
/// block is not modelled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub raft_group: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub leader: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader_since: Option<Timestamp>,
    #[serde(rename = "system_account", skip_serializing_if = "is_default")]
    pub system_acc: bool,
    #[serde(rename = "traffic_account", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub traffic_acc: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
}

/// Progress of a mirror or source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    pub lag: u64,
    /// Nanoseconds since last contact (-1 when never).
    pub active: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subject_transforms: Vec<SubjectTransform>,
}

/// Another copy of a stream a client may read from (a mirror elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    pub cluster: String,
}

/// A stream's config and state (nats-server `StreamInfo`), body of STREAM.INFO/CREATE/UPDATE
/// responses and the entries of STREAM.LIST.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Required when reading, so that a response holding only an error reads as no `StreamInfo`.
    pub config: StreamConfig,
    #[serde(default)]
    pub created: Timestamp,
    #[serde(default)]
    pub state: StreamState,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSourceInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub alternates: Vec<StreamAlternate>,
    /// When the info was gathered.
    #[serde(rename = "ts", default)]
    pub timestamp: Timestamp,
}

/// A stored message as STREAM.MSG.GET returns it: headers and payload in base64.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredMsg {
    pub subject: String,
    #[serde(rename = "seq")]
    pub sequence: u64,
    /// The raw header block (`NATS/1.0\r\n...\r\n\r\n`), empty when none.
    #[serde(rename = "hdrs", skip_serializing_if = "Vec::is_empty", with = "base64_bytes")]
    pub header: Vec<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty", with = "base64_bytes")]
    pub data: Vec<u8>,
    pub time: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SEC: i64 = NANOS_PER_SEC;

    fn cfg(v: serde_json::Value) -> StreamConfig {
        serde_json::from_value(v).unwrap()
    }

    fn no_limits() -> JsLimitOpts {
        JsLimitOpts::default()
    }

    fn check_err(v: serde_json::Value) -> ApiError {
        cfg(v).check(&no_limits()).unwrap_err()
    }

    #[test]
    fn minimal_config_gets_nats_server_defaults() {
        let c = cfg(json!({"name": "MIN"})).check(&no_limits()).unwrap();
        // The normalized config nats-server 2.9.10 echoed for {"name":"MIN"}, plus newer always-present
        // fields (compression, consumer_limits, allow_msg_ttl).
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({
                "name": "MIN", "subjects": ["MIN"], "retention": "limits", "max_consumers": -1,
                "max_msgs": -1, "max_bytes": -1, "max_age": 0, "max_msgs_per_subject": -1,
                "max_msg_size": -1, "discard": "old", "storage": "file", "num_replicas": 1,
                "duplicate_window": 120_000_000_000i64, "compression": "none", "allow_direct": false,
                "mirror_direct": false, "sealed": false, "deny_delete": false, "deny_purge": false,
                "allow_rollup_hdrs": false, "consumer_limits": {}, "allow_msg_ttl": false
            })
        );
    }

    #[test]
    fn normalize_matches_check_on_a_valid_config() {
        let raw = cfg(json!({"name": "S", "subjects": ["a.>"], "max_age": 30 * SEC, "republish": {"dest": "x.>"}}));
        let mut normalized = raw.clone();
        normalized.normalize(&no_limits());
        assert_eq!(raw.check(&no_limits()).unwrap(), normalized);
        assert_eq!(normalized.duplicates, 30 * SEC);
        assert_eq!(normalized.republish.unwrap().src, ">");
    }

    #[test]
    fn duplicate_window_follows_max_age_and_server_limit() {
        let mut c = cfg(json!({"name": "S", "max_age": 60 * SEC}));
        c.normalize(&no_limits());
        assert_eq!(c.duplicates, 60 * SEC);
        let mut c = cfg(json!({"name": "S", "max_age": 3600 * SEC}));
        c.normalize(&no_limits());
        assert_eq!(c.duplicates, DEFAULT_DUPLICATE_WINDOW);
        let limits = JsLimitOpts { duplicates: 30 * SEC, ..Default::default() };
        let mut c = cfg(json!({"name": "S"}));
        c.normalize(&limits);
        assert_eq!(c.duplicates, 30 * SEC);
        let mut mirror = cfg(json!({"name": "M", "mirror": {"name": "S"}}));
        mirror.normalize(&no_limits());
        assert_eq!(mirror.duplicates, 0);
        assert!(mirror.subjects.is_empty());
        let err = cfg(json!({"name": "S", "duplicate_window": 60 * SEC})).check(&limits).unwrap_err();
        assert_eq!(err.description, "duplicates window can not be larger then server limit of 30s");
    }

    #[test]
    fn invalid_configs_get_nats_server_errors() {
        let cases: &[(serde_json::Value, u16, &str)] = &[
            (json!({"name": "a*b"}), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
            (json!({"name": ""}), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
            (json!({"name": "a b"}), 10052, "stream name is required and can not contain '.', '*', '>', '\\', '/'"),
            (json!({"name": "x".repeat(256)}), 10052, "stream name is too long, maximum allowed is 255"),
            (json!({"name": "S", "max_age": 1000}), 10052, "max age needs to be >= 100ms"),
            (json!({"name": "S", "max_age": -1}), 10052, "max age can not be negative"),
            (json!({"name": "S", "num_replicas": 6}), 10052, "maximum replicas is 5"),
            (json!({"name": "S", "num_replicas": -1}), 10133, "replicas count cannot be negative"),
            (json!({"name": "S", "duplicate_window": 50_000_000}), 10052, "duplicates window needs to be >= 100ms"),
            (
                json!({"name": "S", "max_age": SEC, "duplicate_window": 2 * SEC}),
                10052,
                "duplicates window can not be larger then max age",
            ),
            (
                json!({"name": "S", "deny_purge": true, "allow_rollup_hdrs": true}),
                10052,
                "roll-ups require the purge permission",
            ),
            (
                json!({"name": "S", "discard_new_per_subject": true}),
                10052,
                "discard new per subject requires discard new policy to be set",
            ),
            (
                json!({"name": "S", "discard": "new", "discard_new_per_subject": true}),
                10052,
                "discard new per subject requires max msgs per subject > 0",
            ),
            (
                json!({"name": "S", "subject_delete_marker_ttl": 500_000_000}),
                10052,
                "subject delete marker TTL must be at least 1 second",
            ),
            (json!({"name": "S", "subjects": ["a..b"]}), 10052, "invalid subject"),
            // The overlap check sees the later copy before the duplicate check does, as in nats-server.
            (json!({"name": "S", "subjects": ["a", "a"]}), 10052, "subject \"a\" overlaps with \"a\""),
            (json!({"name": "S", "subjects": ["a.*", "a.b"]}), 10052, "subject \"a.*\" overlaps with \"a.b\""),
            (json!({"name": "S", "subjects": [">"]}), 10052, "capturing all subjects requires no-ack to be true"),
            (
                json!({"name": "S", "subjects": ["$JS.API.>"]}),
                10052,
                "subjects that overlap with jetstream api require no-ack to be true",
            ),
            (
                json!({"name": "S", "subjects": ["$SYS.>"]}),
                10052,
                "subjects that overlap with system api require no-ack to be true",
            ),
            (
                json!({"name": "S", "subjects": ["a"], "mirror": {"name": "O"}}),
                10034,
                "stream mirrors can not contain subjects",
            ),
            (
                json!({"name": "S", "mirror": {"name": "O"}, "sources": [{"name": "P"}]}),
                10031,
                "stream mirrors can not also contain other sources",
            ),
            (json!({"name": "S", "mirror": {"name": "a.b"}}), 10142, "mirrored stream name is invalid"),
            (
                json!({"name": "S", "sources": [{"name": "O"}, {"name": "O"}]}),
                10140,
                "duplicate source configuration detected",
            ),
            (json!({"name": "S", "sources": [{"name": ""}]}), 10141, "sourced stream name is invalid"),
            (
                json!({"name": "S", "sources": [{"name": "O", "filter_subject": "a", "subject_transforms": [{"src": "b", "dest": "c"}]}]}),
                10144,
                "source with multiple subject transforms cannot also have a single subject filter",
            ),
            (
                json!({"name": "S", "subject_transform": {"src": "a..b", "dest": "c"}}),
                10155,
                "stream transform source: invalid subject a..b",
            ),
            (
                json!({"name": "S", "subjects": ["a.>"], "republish": {"src": "a.>", "dest": "a.b"}}),
                10052,
                "stream configuration for republish destination forms a cycle",
            ),
            (
                json!({"name": "S", "placement": {"preferred": "n1"}}),
                10052,
                "preferred server not permitted in placement",
            ),
            (
                json!({"name": "S", "sources": [{"name": "O", "external": {"api": "$JS.API", "deliver": ""}}]}),
                10021,
                "stream external api prefix $JS.API must not overlap with $JS.API",
            ),
            (
                json!({"name": "S", "sources": [{"name": "O", "external": {"api": "x", "deliver": "d.*"}}]}),
                10024,
                "stream external delivery prefix d.* must not contain wildcards",
            ),
            (
                json!({"name": "S", "allow_msg_counter": true, "discard": "new"}),
                10052,
                "counter stream cannot use discard new",
            ),
            (
                json!({"name": "S", "persist_mode": "async", "storage": "memory"}),
                10052,
                "async persist mode is only supported on file storage",
            ),
        ];
        for (v, err_code, desc) in cases {
            let e = check_err(v.clone());
            assert_eq!((e.err_code, e.description.as_str()), (*err_code, *desc), "{v}");
        }
    }

    #[test]
    fn delete_markers_imply_ttl_and_rollups() {
        let c = cfg(json!({"name": "S", "subject_delete_marker_ttl": 5 * SEC, "deny_purge": true}))
            .check(&no_limits())
            .unwrap();
        assert!(c.allow_msg_ttl && c.allow_rollup && !c.deny_purge);
    }

    #[test]
    fn implicit_republish_follows_the_subject_transform() {
        let c = cfg(json!({
            "name": "S", "subjects": ["in.>"], "subject_transform": {"src": "in.>", "dest": "out.>"},
            "republish": {"src": ">", "dest": ">"}
        }));
        let mut n = c.clone();
        n.normalize(&no_limits());
        let rp = n.republish.unwrap();
        assert_eq!((rp.src.as_str(), rp.dest.as_str()), ("out.>", "out.>"));
    }

    #[test]
    fn updates_may_not_change_fixed_properties() {
        let old = cfg(json!({"name": "S", "deny_delete": true})).check(&no_limits()).unwrap();
        let e = cfg(json!({"name": "S"})).check_update(&old, &no_limits()).unwrap_err();
        assert_eq!(e.description, "stream configuration update can not cancel deny message deletes");
        let e = cfg(json!({"name": "S", "deny_delete": true, "storage": "memory"}))
            .check_update(&old, &no_limits())
            .unwrap_err();
        assert_eq!(e.description, "stream configuration update can not change storage type");
        let sealed = cfg(json!({"name": "S", "deny_delete": true, "sealed": true, "max_age": 10 * SEC}))
            .check_update(&old, &no_limits())
            .unwrap();
        assert_eq!((sealed.max_age, sealed.discard, sealed.deny_purge), (0, DiscardPolicy::New, true));
    }

    #[test]
    fn parsing_is_lenient() {
        let c = cfg(json!({
            "name": "S", "subjects": null, "description": null, "discard": "NEW", "unknown_future_field": {"a": 1},
            "persist_mode": "", "metadata": null
        }));
        assert_eq!(c.discard, DiscardPolicy::New);
        assert!(c.subjects.is_empty() && c.metadata.is_empty());
        assert!(serde_json::from_value::<StreamConfig>(json!({"name": "S", "retention": "bogus"})).is_err());
    }

    fn to_json<T: Serialize>(v: T) -> String {
        serde_json::to_string(&v).unwrap()
    }

    #[test]
    fn enums_use_nats_server_spellings() {
        assert_eq!(to_json(RetentionPolicy::WorkQueue), "\"workqueue\"");
        assert_eq!(to_json(RetentionPolicy::Interest), "\"interest\"");
        assert_eq!(to_json(StorageType::Memory), "\"memory\"");
        assert_eq!(to_json(Compression::S2), "\"s2\"");
        assert_eq!(to_json(DiscardPolicy::New), "\"new\"");
        assert_eq!(to_json(PersistMode::Async), "\"async\"");
    }

    #[test]
    fn msg_ttl_header_values_parse_like_nats_server() {
        assert_eq!(parse_msg_ttl("never"), Ok(-1));
        assert_eq!(parse_msg_ttl("NEVER"), Ok(-1));
        assert_eq!(parse_msg_ttl("1h"), Ok(3600));
        assert_eq!(parse_msg_ttl("1.5s"), Ok(1));
        assert_eq!(parse_msg_ttl("30"), Ok(30));
        for bad in ["", "0", "500ms", "0s", "-5", "abc", "5x"] {
            assert_eq!(parse_msg_ttl(bad), Err(ApiError::message_ttl_invalid()), "{bad:?}");
        }
    }

    #[test]
    fn stored_msg_carries_base64_headers_and_data() {
        let m = StoredMsg {
            subject: "a".into(),
            sequence: 4,
            header: b"NATS/1.0\r\nA: b\r\n\r\n".to_vec(),
            data: b"five".to_vec(),
            time: Timestamp(1),
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["hdrs"], "TkFUUy8xLjANCkE6IGINCg0K");
        assert_eq!(v["data"], "Zml2ZQ==");
        assert_eq!(serde_json::from_value::<StoredMsg>(v).unwrap(), m);
        let empty = StoredMsg { subject: "a".into(), ..Default::default() };
        assert!(serde_json::to_value(&empty).unwrap().get("data").is_none());
    }
}
