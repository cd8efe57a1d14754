//! Consumers: `ConsumerConfig` as clients send it, the `ConsumerInfo` the server reports, the pull
//! request (`CONSUMER.MSG.NEXT` payload), and server-side defaulting and validation of a config
//! (nats-server `setConsumerConfigDefaults` + `checkConsumerCfg`).
//!
//! Wire shapes follow nats-server field for field; durations are integer nanoseconds. Reading is
//! lenient (unknown fields ignored, missing fields zero, `null` as zero). Note that a missing
//! `ack_policy` means `none`, as in nats-server (clients always send it).
//!
//! What needs live state — existing consumers, the maximum-consumers count, name generation for
//! legacy ephemerals, work-queue filter uniqueness — is left to the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::account::{AccountLimits, JsLimitOpts};
use super::error::ApiError;
use super::gojson::{is_default, nullable};
use super::stream::{
    is_valid_name, metadata_len, ClusterInfo, RetentionPolicy, StreamConfig, MAX_DESCRIPTION_LEN, MAX_METADATA_LEN,
    MAX_NAME_LEN,
};
use crate::subject;
use crate::time::{format_duration, Timestamp};

const MILLI: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;

/// Ack wait for acking consumers that leave it unset: 30 s.
pub const DEFAULT_ACK_WAIT: i64 = 30 * SEC;
/// Max ack pending for acking consumers that leave it unset.
pub const DEFAULT_MAX_ACK_PENDING: i64 = 1000;
/// Max waiting pull requests for pull consumers that leave it unset.
pub const DEFAULT_MAX_WAITING: i64 = 512;
/// Inactive threshold stamped on ephemeral consumers that leave it unset: 5 s.
pub const DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD: i64 = 5 * SEC;
/// Pin timeout for `pinned_client` priority groups that leave it unset: 2 min.
pub const DEFAULT_PINNED_TTL: i64 = 120 * SEC;
/// Heartbeat forced on `flow_control` ack policy consumers: 1 s.
pub const FLOW_CONTROL_ACK_HEARTBEAT: i64 = SEC;

/// Where a new consumer starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeliverPolicy {
    /// Also read from `"undefined"`, which nats-server writes for an unknown value.
    #[default]
    #[serde(rename = "all", alias = "undefined")]
    All,
    #[serde(rename = "last")]
    Last,
    #[serde(rename = "new")]
    New,
    #[serde(rename = "by_start_sequence")]
    ByStartSequence,
    #[serde(rename = "by_start_time")]
    ByStartTime,
    #[serde(rename = "last_per_subject")]
    LastPerSubject,
}

/// How deliveries are acknowledged. The zero value (missing field) is `none`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AckPolicy {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "all")]
    All,
    #[serde(rename = "explicit")]
    Explicit,
    /// 2.14: acks driven by flow-control replies (push consumers only).
    #[serde(rename = "flow_control")]
    FlowControl,
}

/// Delivery pacing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReplayPolicy {
    #[default]
    #[serde(rename = "instant")]
    Instant,
    #[serde(rename = "original")]
    Original,
}

/// Priority group policy of a pull consumer (2.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PriorityPolicy {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "overflow")]
    Overflow,
    #[serde(rename = "pinned_client")]
    PinnedClient,
    #[serde(rename = "prioritized")]
    Prioritized,
}

/// The `action` of a consumer create request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConsumerAction {
    /// `""`: create, or update if it exists.
    #[default]
    #[serde(rename = "")]
    CreateOrUpdate,
    /// Fail with 10148 if it exists with a different config.
    #[serde(rename = "create")]
    Create,
    /// Fail with 10149 if it does not exist.
    #[serde(rename = "update")]
    Update,
}

/// A consumer's configuration (nats-server `ConsumerConfig`). `Default` is what `{}` reads as;
/// [`ConsumerConfig::normalize`] applies nats-server's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    #[serde(rename = "durable_name", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub durable: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub description: String,
    #[serde(deserialize_with = "nullable")]
    pub deliver_policy: DeliverPolicy,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub opt_start_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<Timestamp>,
    #[serde(deserialize_with = "nullable")]
    pub ack_policy: AckPolicy,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub ack_wait: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_deliver: i64,
    /// Redelivery delays in nanoseconds; the first overrides `ack_wait`.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub backoff: Vec<i64>,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub filter_subjects: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub replay_policy: ReplayPolicy,
    /// Bits per second.
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub rate_limit: u64,
    /// Ack sampling percentage, e.g. `"50%"`.
    #[serde(rename = "sample_freq", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub sample_frequency: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_waiting: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub flow_control: bool,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub headers_only: bool,
    #[serde(rename = "max_batch", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_request_batch: i64,
    /// Nanoseconds.
    #[serde(rename = "max_expires", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_request_expires: i64,
    #[serde(rename = "max_bytes", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_request_max_bytes: i64,
    /// Set ⇒ push consumer.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub deliver_group: String,
    /// Nanoseconds.
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub heartbeat: i64,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub inactive_threshold: i64,
    #[serde(rename = "num_replicas", deserialize_with = "nullable")]
    pub replicas: i64,
    #[serde(rename = "mem_storage", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub memory_storage: bool,
    /// Internal (mirror/source) consumers.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub direct: bool,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub sourcing: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_until: Option<Timestamp>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub priority_groups: Vec<String>,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub priority_policy: PriorityPolicy,
    /// Nanoseconds.
    #[serde(rename = "priority_timeout", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub pinned_ttl: i64,
}

fn is_valid_group_name(group: &str) -> bool {
    (1..=16).contains(&group.len())
        && group.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'=' | b'-'))
}

impl ConsumerConfig {
    /// A durable consumer has `durable_name`; everything else (even with `name`) is ephemeral.
    pub fn is_durable(&self) -> bool {
        !self.durable.is_empty()
    }

    /// Pull consumers have no deliver subject.
    pub fn is_pull(&self) -> bool {
        self.deliver_subject.is_empty()
    }

    /// The filters in effect: `filter_subjects`, or the single `filter_subject`, or none.
    pub fn filters(&self) -> Vec<&str> {
        if !self.filter_subject.is_empty() {
            vec![self.filter_subject.as_str()]
        } else {
            self.filter_subjects.iter().map(String::as_str).collect()
        }
    }

    /// Fills nats-server's defaults (non-pedantic): `max_deliver` -1; negative knobs to zero;
    /// `max_waiting` 512 for pull; `ack_wait` 30 s (or the first backoff) when acks are used;
    /// stream `consumer_limits`; `max_ack_pending` 1000 (capped by server and account limits) when
    /// acks are used; the server's `max_request_batch` for pull; a 2 min pin TTL for pinned groups;
    /// flow control and 1 s heartbeats for `flow_control` acks; and 5 s `inactive_threshold` for
    /// ephemerals.
    pub fn normalize(&mut self, stream: &StreamConfig, server: &JsLimitOpts, account: &AccountLimits) {
        if self.max_deliver == 0 || self.max_deliver < -1 {
            self.max_deliver = -1;
        }
        for knob in [
            &mut self.max_waiting,
            &mut self.max_request_batch,
            &mut self.max_request_expires,
            &mut self.max_request_max_bytes,
            &mut self.heartbeat,
            &mut self.inactive_threshold,
            &mut self.pinned_ttl,
        ] {
            if *knob < 0 {
                *knob = 0;
            }
        }
        if self.max_ack_pending < -1 {
            self.max_ack_pending = -1;
        }
        if self.is_pull() && self.max_waiting == 0 {
            self.max_waiting = DEFAULT_MAX_WAITING;
        }
        if self.ack_wait == 0 && matches!(self.ack_policy, AckPolicy::Explicit | AckPolicy::All) {
            self.ack_wait = DEFAULT_ACK_WAIT;
        }
        if let Some(first) = self.backoff.first() {
            self.ack_wait = *first;
        }
        if self.max_ack_pending == 0 {
            self.max_ack_pending = stream.consumer_limits.max_ack_pending;
        }
        if self.inactive_threshold == 0 {
            self.inactive_threshold = stream.consumer_limits.inactive_threshold;
        }
        if self.max_ack_pending == 0 && self.ack_policy != AckPolicy::None {
            let mut pending = DEFAULT_MAX_ACK_PENDING;
            if server.max_ack_pending > 0 && server.max_ack_pending < pending {
                pending = server.max_ack_pending;
            }
            if account.max_ack_pending > 0 && account.max_ack_pending < pending {
                pending = account.max_ack_pending;
            }
            self.max_ack_pending = pending;
        }
        if self.is_pull() && self.max_request_batch == 0 && server.max_request_batch > 0 {
            self.max_request_batch = server.max_request_batch;
        }
        if self.priority_policy == PriorityPolicy::PinnedClient && self.pinned_ttl == 0 {
            self.pinned_ttl = DEFAULT_PINNED_TTL;
        }
        if self.ack_policy == AckPolicy::FlowControl {
            self.flow_control = true;
            self.heartbeat = FLOW_CONTROL_ACK_HEARTBEAT;
        }
        if !self.is_durable() && self.inactive_threshold <= 0 {
            self.inactive_threshold = DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD;
        }
    }

    /// Validates the config as received: [`check`](Self::check) on a copy.
    pub fn validate(
        &self,
        stream: &StreamConfig,
        server: &JsLimitOpts,
        account: &AccountLimits,
    ) -> Result<(), ApiError> {
        self.clone().check(stream, server, account).map(drop)
    }

    /// Normalizes, then validates against the parent stream and limits in nats-server's order
    /// (`checkConsumerCfg`, then the durable name length); returns the config to store.
    pub fn check(
        mut self,
        stream: &StreamConfig,
        server: &JsLimitOpts,
        account: &AccountLimits,
    ) -> Result<ConsumerConfig, ApiError> {
        self.normalize(stream, server, account);
        self.check_normalized(stream, server, account)?;
        if self.is_durable() && self.durable.len() > MAX_NAME_LEN {
            return Err(ApiError::consumer_name_too_long(MAX_NAME_LEN));
        }
        Ok(self)
    }

    /// The work-queue rules nats-server applies when a *new* consumer is added to a work-queue
    /// stream: explicit acks and deliver-all. (Filter uniqueness across consumers is the server's.)
    pub fn check_work_queue(&self, stream: &StreamConfig) -> Result<(), ApiError> {
        if stream.retention != RetentionPolicy::WorkQueue || self.direct || self.sourcing {
            return Ok(());
        }
        if !matches!(self.ack_policy, AckPolicy::Explicit | AckPolicy::FlowControl) {
            return Err(ApiError::consumer_wq_requires_explicit_ack());
        }
        if self.deliver_policy != DeliverPolicy::All {
            return Err(ApiError::consumer_wq_consumer_not_deliver_all());
        }
        Ok(())
    }

    fn check_normalized(
        &self,
        stream: &StreamConfig,
        server: &JsLimitOpts,
        account: &AccountLimits,
    ) -> Result<(), ApiError> {
        if !self.name.is_empty() && !is_valid_name(&self.name) {
            return Err(ApiError::stream_invalid_config("consumer name can not contain '.', '*', '>', '\\', '/'"));
        }
        if !self.durable.is_empty() && !is_valid_name(&self.durable) {
            return Err(ApiError::stream_invalid_config(
                "consumer durable name can not contain '.', '*', '>', '\\', '/'",
            ));
        }
        if self.replicas > 0 && self.replicas > stream.replicas {
            return Err(ApiError::consumer_replicas_exceeds_stream());
        }
        if self.replicas < 0 {
            return Err(ApiError::replicas_count_cannot_be_negative());
        }
        if matches!(stream.retention, RetentionPolicy::Interest | RetentionPolicy::WorkQueue)
            && self.replicas != 0
            && self.replicas != stream.replicas
        {
            return Err(ApiError::consumer_replicas_should_match_stream());
        }
        if self.backoff.iter().any(|b| *b < 0) {
            return Err(ApiError::consumer_backoff_negative());
        }
        if self.ack_wait < 0 {
            return Err(ApiError::consumer_ack_wait_negative());
        }
        if self.ack_policy == AckPolicy::FlowControl {
            if self.is_pull() {
                return Err(ApiError::consumer_ack_fc_requires_push());
            }
            if !self.flow_control {
                return Err(ApiError::consumer_ack_fc_requires_fc());
            }
            if self.heartbeat != FLOW_CONTROL_ACK_HEARTBEAT {
                return Err(ApiError::stream_invalid_config("flow control ack policy heartbeat needs to be 1s"));
            }
            if self.max_ack_pending <= 0 {
                return Err(ApiError::consumer_ack_fc_requires_max_ack_pending());
            }
            if self.ack_wait != 0 || !self.backoff.is_empty() {
                return Err(ApiError::consumer_ack_fc_requires_no_ack_wait());
            }
            if self.max_deliver > 0 {
                return Err(ApiError::consumer_ack_fc_requires_no_max_deliver());
            }
        }
        if !self.backoff.is_empty() && self.max_deliver != -1 && self.backoff.len() as i64 > self.max_deliver {
            return Err(ApiError::consumer_max_deliver_backoff());
        }
        if self.description.len() > MAX_DESCRIPTION_LEN {
            return Err(ApiError::consumer_description_too_long(MAX_DESCRIPTION_LEN));
        }
        if !self.is_pull() {
            if !subject::is_literal(&self.deliver_subject) {
                return Err(ApiError::consumer_deliver_to_wildcards());
            }
            if !subject::is_valid_filter(&self.deliver_subject) {
                return Err(ApiError::consumer_invalid_deliver_subject());
            }
            if stream.subjects.iter().any(|s| subject::is_subset(&self.deliver_subject, s)) {
                return Err(ApiError::consumer_deliver_cycle());
            }
            if self.max_waiting != 0 {
                return Err(ApiError::consumer_push_max_waiting());
            }
            if self.max_ack_pending > 0 && self.ack_policy == AckPolicy::None {
                return Err(ApiError::consumer_max_pending_ack_policy_required());
            }
            if self.heartbeat > 0 && self.heartbeat < 100 * MILLI {
                return Err(ApiError::consumer_small_heartbeat());
            }
        } else {
            if self.ack_policy == AckPolicy::None && stream.retention == RetentionPolicy::WorkQueue {
                return Err(ApiError::consumer_pull_requires_ack());
            }
            if self.rate_limit > 0 {
                return Err(ApiError::consumer_pull_with_rate_limit());
            }
            if self.max_waiting < 0 {
                return Err(ApiError::consumer_max_waiting_negative());
            }
            if self.heartbeat > 0 {
                return Err(ApiError::consumer_hb_requires_push());
            }
            if self.flow_control {
                return Err(ApiError::consumer_fc_requires_push());
            }
            if self.max_request_batch < 0 {
                return Err(ApiError::consumer_max_request_batch_negative());
            }
            if self.max_request_expires != 0 && self.max_request_expires < MILLI {
                return Err(ApiError::consumer_max_request_expires_too_small());
            }
            if server.max_request_batch > 0 && self.max_request_batch > server.max_request_batch {
                return Err(ApiError::consumer_max_request_batch_exceeded(server.max_request_batch));
            }
        }
        for limit in [server.max_ack_pending, account.max_ack_pending, stream.consumer_limits.max_ack_pending] {
            if limit > 0 && self.max_ack_pending > limit {
                return Err(ApiError::consumer_max_pending_ack_excess(limit));
            }
        }
        let threshold_limit = stream.consumer_limits.inactive_threshold;
        if threshold_limit > 0 && self.inactive_threshold > threshold_limit {
            return Err(ApiError::consumer_inactive_threshold_excess(format_duration(threshold_limit)));
        }
        if self.direct {
            if self.is_pull() {
                return Err(ApiError::consumer_direct_requires_push());
            }
            if self.is_durable() {
                return Err(ApiError::consumer_direct_requires_ephemeral());
            }
        }
        if !self.filter_subject.is_empty() && !self.filter_subjects.is_empty() {
            return Err(ApiError::consumer_duplicate_filter_subjects());
        }
        if !self.filter_subject.is_empty() && !subject::is_valid_filter(&self.filter_subject) {
            return Err(ApiError::stream_invalid_config("invalid subject"));
        }
        if self.filter_subjects.iter().any(String::is_empty) {
            return Err(ApiError::consumer_empty_filter());
        }
        let filters = self.filters();
        for (i, f) in filters.iter().enumerate() {
            if !subject::is_valid_filter(f) {
                return Err(ApiError::stream_invalid_config("invalid subject"));
            }
            if filters.iter().enumerate().any(|(j, g)| j != i && subject::is_subset(f, g)) {
                return Err(ApiError::consumer_overlapping_subject_filters());
            }
        }
        self.check_start_position()?;
        if !self.sample_frequency.is_empty() {
            let pct = self.sample_frequency.strip_suffix('%').unwrap_or(&self.sample_frequency);
            match pct.parse::<i64>() {
                Ok(v) if v >= 0 => {}
                Ok(_) => return Err(ApiError::consumer_invalid_sampling("<nil>")),
                Err(_) => {
                    return Err(ApiError::consumer_invalid_sampling(format!(
                        "strconv.Atoi: parsing {pct:?}: invalid syntax"
                    )))
                }
            }
        }
        if self.flow_control && self.heartbeat == 0 {
            return Err(ApiError::consumer_with_flow_control_needs_heartbeats());
        }
        if !self.durable.is_empty() && !self.name.is_empty() && self.name != self.durable {
            return Err(ApiError::consumer_create_durable_and_name_mismatch());
        }
        if metadata_len(&self.metadata) > MAX_METADATA_LEN {
            return Err(ApiError::consumer_metadata_length(format!("{}KB", MAX_METADATA_LEN / 1024)));
        }
        if self.priority_policy != PriorityPolicy::None {
            if !self.is_pull() {
                return Err(ApiError::consumer_push_with_priority_group());
            }
            if self.priority_groups.is_empty() {
                return Err(ApiError::consumer_priority_policy_without_group());
            }
            for group in &self.priority_groups {
                if group.is_empty() {
                    return Err(ApiError::consumer_empty_group_name());
                }
                if !is_valid_group_name(group) {
                    return Err(ApiError::consumer_invalid_group_name());
                }
            }
        } else {
            if !self.priority_groups.is_empty() {
                return Err(ApiError::consumer_priority_group_with_policy_none());
            }
            if self.pinned_ttl > 0 {
                return Err(ApiError::consumer_pinned_ttl_without_priority_policy_none());
            }
        }
        if stream.placement.as_ref().is_some_and(|p| !p.preferred.is_empty()) {
            return Err(ApiError::stream_invalid_config("preferred server not permitted in placement"));
        }
        Ok(())
    }

    fn check_start_position(&self) -> Result<(), ApiError> {
        let bad_start = |dp: &str, start: &str| {
            ApiError::consumer_invalid_policy(format!(
                "consumer delivery policy is deliver {dp}, but optional start {start} is also set"
            ))
        };
        let not_set = |dp: &str, what: &str| {
            ApiError::consumer_invalid_policy(format!(
                "consumer delivery policy is deliver {dp}, but optional {what} is not set"
            ))
        };
        let (seq, time) = (self.opt_start_seq > 0, self.opt_start_time.is_some());
        let plain = |dp: &str| {
            if seq {
                Err(bad_start(dp, "sequence"))
            } else if time {
                Err(bad_start(dp, "time"))
            } else {
                Ok(())
            }
        };
        match self.deliver_policy {
            DeliverPolicy::All => plain("all"),
            DeliverPolicy::Last => plain("last"),
            DeliverPolicy::New => plain("new"),
            DeliverPolicy::LastPerSubject => {
                plain("last per subject")?;
                if self.filter_subject.is_empty() && self.filter_subjects.is_empty() {
                    return Err(not_set("last per subject", "filter subject"));
                }
                Ok(())
            }
            DeliverPolicy::ByStartSequence => {
                if !seq {
                    return Err(not_set("by start sequence", "start sequence"));
                }
                if time {
                    return Err(bad_start("by start sequence", "time"));
                }
                Ok(())
            }
            DeliverPolicy::ByStartTime => {
                if !time {
                    return Err(not_set("by start time", "start time"));
                }
                if self.opt_start_seq != 0 {
                    return Err(bad_start("by start time", "start sequence"));
                }
                Ok(())
            }
        }
    }
}

/// A consumer and a stream sequence, with the time of last activity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    #[serde(rename = "consumer_seq")]
    pub consumer: u64,
    #[serde(rename = "stream_seq")]
    pub stream: u64,
    #[serde(rename = "last_active", skip_serializing_if = "Option::is_none")]
    pub last: Option<Timestamp>,
}

/// A consumer sequence and the stream sequence it delivered (nats-server `SequencePair`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SequencePair {
    #[serde(rename = "consumer_seq")]
    pub consumer: u64,
    #[serde(rename = "stream_seq")]
    pub stream: u64,
}

/// State of one priority group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    pub group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pinned_client_id: String,
    /// Always present (Go's `omitempty` does not apply to times).
    pub pinned_ts: Timestamp,
}

/// A consumer's config and progress (nats-server `ConsumerInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerInfo {
    /// Required when reading, so that a response holding only an error reads as no `ConsumerInfo`.
    #[serde(rename = "stream_name")]
    pub stream: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConsumerConfig>,
    #[serde(default)]
    pub delivered: SequenceInfo,
    #[serde(default)]
    pub ack_floor: SequenceInfo,
    #[serde(default)]
    pub num_ack_pending: i64,
    #[serde(default)]
    pub num_redelivered: i64,
    #[serde(default)]
    pub num_waiting: i64,
    /// Messages still to deliver; must be exact (KV watchers rely on it).
    #[serde(default)]
    pub num_pending: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub push_bound: bool,
    #[serde(default, skip_serializing_if = "is_default")]
    pub paused: bool,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "is_default")]
    pub pause_remaining: i64,
    /// When the info was gathered.
    #[serde(rename = "ts", default)]
    pub timestamp: Timestamp,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub priority_groups: Vec<PriorityGroupState>,
}

/// The JSON form of a pull request (nats-server `JSApiConsumerGetNextRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NextRequest {
    /// Nanoseconds; 0 = no expiry.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub expires: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub batch: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_bytes: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub no_wait: bool,
    /// Nanoseconds.
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub heartbeat: i64,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub group: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub min_pending: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub min_ack_pending: i64,
    /// Pin id presented by a pinned client.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub id: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub priority: i64,
}

/// Why a pull request payload was refused; the server answers `400 Bad Request - {this}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NextRequestError {
    #[error("{0}")]
    Json(String),
    #[error("heartbeat value too large")]
    HeartbeatTooLarge,
}

impl NextRequest {
    /// Reads a `CONSUMER.MSG.NEXT` payload as nats-server does: blank → batch 1; a JSON object → as
    /// given (its `idle_heartbeat` must be at most half of `expires`); a decimal integer → that batch;
    /// anything else → batch 1.
    pub fn parse(payload: &[u8]) -> Result<NextRequest, NextRequestError> {
        let trimmed = payload.trim_ascii();
        if trimmed.is_empty() {
            return Ok(NextRequest { batch: 1, ..Default::default() });
        }
        if trimmed[0] == b'{' {
            let req: NextRequest =
                serde_json::from_slice(trimmed).map_err(|e| NextRequestError::Json(e.to_string()))?;
            if req.heartbeat > 0 && req.heartbeat.saturating_mul(2) > req.expires {
                return Err(NextRequestError::HeartbeatTooLarge);
            }
            return Ok(req);
        }
        let batch = std::str::from_utf8(trimmed).ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(1);
        Ok(NextRequest { batch, ..Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stream() -> StreamConfig {
        serde_json::from_value::<StreamConfig>(json!({"name": "ORDERS", "subjects": ["orders.>"]}))
            .unwrap()
            .check(&JsLimitOpts::default())
            .unwrap()
    }

    fn consumer(v: serde_json::Value) -> ConsumerConfig {
        serde_json::from_value(v).unwrap()
    }

    fn checked(v: serde_json::Value) -> Result<ConsumerConfig, ApiError> {
        consumer(v).check(&stream(), &JsLimitOpts::default(), &AccountLimits::default())
    }

    #[test]
    fn durable_pull_gets_nats_server_defaults() {
        // nats-server 2.9.10 echoed this config for the request below (plus num_replicas 0).
        let c = checked(json!({"durable_name": "minimal", "ack_policy": "explicit"})).unwrap();
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            json!({
                "durable_name": "minimal", "deliver_policy": "all", "ack_policy": "explicit",
                "ack_wait": 30_000_000_000i64, "max_deliver": -1, "replay_policy": "instant",
                "max_waiting": 512, "max_ack_pending": 1000, "num_replicas": 0
            })
        );
    }

    #[test]
    fn backoff_overrides_ack_wait() {
        let c = checked(
            json!({"durable_name": "w", "ack_policy": "explicit", "backoff": [SEC, 5 * SEC], "max_deliver": 5}),
        )
        .unwrap();
        assert_eq!(c.ack_wait, SEC);
    }

    #[test]
    fn ephemerals_get_an_inactive_threshold() {
        let push = checked(json!({"deliver_subject": "_INBOX.push", "ack_policy": "none",
            "deliver_policy": "last_per_subject", "filter_subject": "orders.*", "flow_control": true,
            "idle_heartbeat": 5 * SEC, "mem_storage": true, "max_deliver": 1, "num_replicas": 1}))
        .unwrap();
        assert_eq!(push.inactive_threshold, DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD);
        assert_eq!((push.max_waiting, push.max_ack_pending, push.ack_wait), (0, 0, 0));
        let named = checked(json!({"name": "eph", "ack_policy": "explicit"})).unwrap();
        assert_eq!(named.inactive_threshold, DEFAULT_EPHEMERAL_INACTIVE_THRESHOLD);
        let durable = checked(json!({"durable_name": "d"})).unwrap();
        assert_eq!(durable.inactive_threshold, 0);
    }

    #[test]
    fn limits_cap_max_ack_pending_default() {
        let server = JsLimitOpts { max_ack_pending: 200, ..Default::default() };
        let account = AccountLimits { max_ack_pending: 100, ..AccountLimits::default() };
        let mut c = consumer(json!({"durable_name": "d", "ack_policy": "all"}));
        c.normalize(&stream(), &server, &AccountLimits::default());
        assert_eq!(c.max_ack_pending, 200);
        let mut c = consumer(json!({"durable_name": "d", "ack_policy": "all"}));
        c.normalize(&stream(), &server, &account);
        assert_eq!(c.max_ack_pending, 100);
        let mut s = stream();
        s.consumer_limits =
            super::super::stream::StreamConsumerLimits { inactive_threshold: 2 * SEC, max_ack_pending: 7 };
        let mut c = consumer(json!({"name": "e", "ack_policy": "explicit"}));
        c.normalize(&s, &JsLimitOpts::default(), &AccountLimits::default());
        assert_eq!((c.max_ack_pending, c.inactive_threshold), (7, 2 * SEC));
        let e = consumer(json!({"name": "e", "ack_policy": "explicit", "inactive_threshold": 3 * SEC}))
            .check(&s, &JsLimitOpts::default(), &AccountLimits::default())
            .unwrap_err();
        assert_eq!(e.description, "consumer inactive threshold exceeds system limit of 2s");
    }

    #[test]
    fn invalid_configs_get_nats_server_errors() {
        let cases: &[(serde_json::Value, u16, &str)] = &[
            (
                json!({"durable_name": "bad", "deliver_subject": "dlv", "max_waiting": 4}),
                10080,
                "consumer in push mode can not set max waiting",
            ),
            (
                json!({"durable_name": "bad2", "deliver_policy": "by_start_sequence"}),
                10094,
                "consumer delivery policy is deliver by start sequence, but optional start sequence is not set",
            ),
            (
                json!({"durable_name": "x", "opt_start_seq": 5}),
                10094,
                "consumer delivery policy is deliver all, but optional start sequence is also set",
            ),
            (
                json!({"durable_name": "x", "deliver_policy": "last_per_subject"}),
                10094,
                "consumer delivery policy is deliver last per subject, but optional filter subject is not set",
            ),
            (
                json!({"durable_name": "x", "filter_subject": "a", "filter_subjects": ["b"]}),
                10136,
                "consumer cannot have both FilterSubject and FilterSubjects specified",
            ),
            (
                json!({"durable_name": "x", "filter_subjects": ["a.*", "a.b"]}),
                10138,
                "consumer subject filters cannot overlap",
            ),
            (
                json!({"durable_name": "x", "filter_subjects": [""]}),
                10139,
                "consumer filter in FilterSubjects cannot be empty",
            ),
            (json!({"durable_name": "x", "filter_subject": "a..b"}), 10052, "invalid subject"),
            (json!({"durable_name": "a.b"}), 10052, "consumer durable name can not contain '.', '*', '>', '\\', '/'"),
            (json!({"name": "a*"}), 10052, "consumer name can not contain '.', '*', '>', '\\', '/'"),
            (
                json!({"durable_name": "x", "name": "y"}),
                10132,
                "Consumer Durable and Name have to be equal if both are provided",
            ),
            (
                json!({"durable_name": "x", "deliver_subject": "orders.x"}),
                10081,
                "consumer deliver subject forms a cycle",
            ),
            (json!({"durable_name": "x", "deliver_subject": "d.*"}), 10079, "consumer deliver subject has wildcards"),
            (
                json!({"durable_name": "x", "deliver_subject": "d", "idle_heartbeat": 50_000_000}),
                10083,
                "consumer idle heartbeat needs to be >= 100ms",
            ),
            (
                json!({"durable_name": "x", "deliver_subject": "d", "flow_control": true}),
                10108,
                "consumer with flow control also needs heartbeats",
            ),
            (
                json!({"durable_name": "x", "deliver_subject": "d", "max_ack_pending": 5}),
                10082,
                "consumer requires ack policy for max ack pending",
            ),
            (
                json!({"durable_name": "x", "idle_heartbeat": SEC}),
                10088,
                "consumer idle heartbeat requires a push based consumer",
            ),
            (
                json!({"durable_name": "x", "flow_control": true}),
                10089,
                "consumer flow control requires a push based consumer",
            ),
            (
                json!({"durable_name": "x", "rate_limit_bps": 8}),
                10086,
                "consumer in pull mode can not have rate limit set",
            ),
            (json!({"durable_name": "x", "max_expires": 10}), 10115, "consumer max request expires needs to be >= 1ms"),
            (
                json!({"durable_name": "x", "ack_policy": "explicit", "backoff": [SEC, SEC], "max_deliver": 1}),
                10116,
                "max deliver is required to be > length of backoff values",
            ),
            (json!({"durable_name": "x", "backoff": [-1]}), 10184, "consumer backoff needs to be positive"),
            (json!({"durable_name": "x", "ack_wait": -1}), 10183, "consumer ack wait needs to be positive"),
            (
                json!({"durable_name": "x", "num_replicas": 3}),
                10126,
                "consumer config replica count exceeds parent stream",
            ),
            (
                json!({"durable_name": "x", "sample_freq": "abc%"}),
                10095,
                "failed to parse consumer sampling configuration: strconv.Atoi: parsing \"abc\": invalid syntax",
            ),
            (
                json!({"durable_name": "x", "priority_policy": "overflow"}),
                10159,
                "Setting PriorityPolicy requires at least one PriorityGroup to be set",
            ),
            (
                json!({"durable_name": "x", "priority_groups": ["g"]}),
                10196,
                "consumer can not have priority groups when policy is none",
            ),
            (
                json!({"durable_name": "x", "priority_policy": "pinned_client", "priority_groups": ["bad group!"]}),
                10162,
                "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters",
            ),
            (
                json!({"durable_name": "x", "deliver_subject": "d", "priority_policy": "overflow", "priority_groups": ["g"]}),
                10178,
                "priority groups can not be used with push consumers",
            ),
            (
                json!({"durable_name": "x", "ack_policy": "flow_control"}),
                10218,
                "flow control ack policy requires a push based consumer",
            ),
            (json!({"durable_name": "x".repeat(256)}), 10102, "consumer name is too long, maximum allowed is 255"),
        ];
        for (v, err_code, desc) in cases {
            let e = checked(v.clone()).unwrap_err();
            assert_eq!((e.err_code, e.description.as_str()), (*err_code, *desc), "{v}");
        }
    }

    #[test]
    fn work_queue_streams_need_explicit_ack_and_deliver_all() {
        let mut wq = stream();
        wq.retention = RetentionPolicy::WorkQueue;
        let e = consumer(json!({"durable_name": "x", "ack_policy": "all"})).check_work_queue(&wq).unwrap_err();
        assert_eq!(e.err_code, 10098);
        let e = consumer(json!({"durable_name": "x", "ack_policy": "explicit", "deliver_policy": "new"}))
            .check_work_queue(&wq)
            .unwrap_err();
        assert_eq!(e.err_code, 10101);
        assert!(consumer(json!({"durable_name": "x", "ack_policy": "explicit"})).check_work_queue(&wq).is_ok());
        let e = consumer(json!({"durable_name": "x"}))
            .check(&wq, &JsLimitOpts::default(), &AccountLimits::default())
            .unwrap_err();
        assert_eq!(e.err_code, 10084);
    }

    #[test]
    fn missing_ack_policy_means_none_like_nats_server() {
        assert_eq!(consumer(json!({})).ack_policy, AckPolicy::None);
        assert_eq!(consumer(json!({"deliver_policy": "undefined"})).deliver_policy, DeliverPolicy::All);
    }

    #[test]
    fn pull_requests_accept_empty_integer_and_json() {
        assert_eq!(NextRequest::parse(b"").unwrap().batch, 1);
        assert_eq!(NextRequest::parse(b"  \r\n").unwrap().batch, 1);
        assert_eq!(NextRequest::parse(b"10").unwrap().batch, 10);
        assert_eq!(NextRequest::parse(b" 7 ").unwrap().batch, 7);
        assert_eq!(NextRequest::parse(b"junk").unwrap().batch, 1);
        let r = NextRequest::parse(br#"{"batch":5,"expires":1000000000,"no_wait":true,"max_bytes":100,"future":1}"#)
            .unwrap();
        assert_eq!((r.batch, r.expires, r.no_wait, r.max_bytes), (5, SEC, true, 100));
        let r = NextRequest::parse(
            br#"{"batch":1,"expires":10000000000,"idle_heartbeat":5000000000,"group":"g","min_pending":3}"#,
        )
        .unwrap();
        assert_eq!((r.heartbeat, r.group.as_str(), r.min_pending), (5 * SEC, "g", 3));
        assert_eq!(
            NextRequest::parse(br#"{"batch":1,"expires":1000000000,"idle_heartbeat":1000000000}"#),
            Err(NextRequestError::HeartbeatTooLarge)
        );
        assert!(matches!(NextRequest::parse(b"{bad"), Err(NextRequestError::Json(_))));
        assert_eq!(serde_json::to_string(&NextRequest { batch: 2, ..Default::default() }).unwrap(), r#"{"batch":2}"#);
    }

    #[test]
    fn consumer_action_uses_empty_string_for_create_or_update() {
        assert_eq!(serde_json::to_string(&ConsumerAction::CreateOrUpdate).unwrap(), "\"\"");
        assert_eq!(serde_json::from_str::<ConsumerAction>("\"update\"").unwrap(), ConsumerAction::Update);
        assert!(serde_json::from_str::<ConsumerAction>("\"other\"").is_err());
    }

    #[test]
    fn sequence_info_omits_missing_last_active() {
        let s = SequenceInfo { consumer: 0, stream: 0, last: None };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"consumer_seq":0,"stream_seq":0}"#);
    }
}
