//! JetStream API errors: the `{"code","err_code","description"}` object nats-server puts in the `error`
//! field of every API response and failed PubAck.
//!
//! [`codes`] holds the whole catalogue from nats-server's `errors.json` as [`ErrorDef`] constants;
//! [`ApiError`] has a named constructor for each error the server answers with, producing the exact
//! description text (placeholders such as `{err}` and `{seq}` filled in). Clients match on `err_code`,
//! so codes and texts must stay identical to nats-server's.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::gojson::{is_default, nullable};

pub mod codes;

/// One catalogue entry: HTTP-like `code`, JetStream `err_code` and a description template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorDef {
    /// nats-server's constant name (`JSStreamNotFoundErr`), for cross-reference.
    pub name: &'static str,
    pub code: u16,
    pub err_code: u16,
    /// Text, possibly with `{placeholder}`s.
    pub description: &'static str,
}

impl ErrorDef {
    /// The error with the description as is (for entries without placeholders).
    pub fn error(&self) -> ApiError {
        ApiError { code: self.code, err_code: self.err_code, description: self.description.to_owned() }
    }

    /// The error with each `{key}` placeholder replaced, in one pass (like Go's `strings.Replacer`,
    /// so substituted text is never rescanned). Keys are given with their braces: `("{seq}", &5)`.
    pub fn fill(&self, args: &[(&str, &dyn fmt::Display)]) -> ApiError {
        let template = self.description;
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        'scan: while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let tail = &rest[open..];
            for (key, value) in args {
                if let Some(after) = tail.strip_prefix(key) {
                    out.push_str(&value.to_string());
                    rest = after;
                    continue 'scan;
                }
            }
            out.push('{');
            rest = &tail[1..];
        }
        out.push_str(rest);
        ApiError { code: self.code, err_code: self.err_code, description: out }
    }

    /// Looks an entry up by `err_code`.
    pub fn by_err_code(err_code: u16) -> Option<&'static ErrorDef> {
        codes::ALL.iter().find(|d| d.err_code == err_code)
    }
}

/// The `error` object of a JetStream API response.
///
/// `err_code` and `description` are omitted when empty, as nats-server's `omitempty` does. `Display`
/// matches nats-server's `Error()`: `stream not found (10059)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize, thiserror::Error)]
#[error("{description} ({err_code})")]
#[serde(default)]
pub struct ApiError {
    pub code: u16,
    #[serde(skip_serializing_if = "is_default")]
    pub err_code: u16,
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub description: String,
}

impl ApiError {
    /// Is this the catalogue entry `def` (same `err_code`)?
    pub fn is(&self, def: &ErrorDef) -> bool {
        self.err_code == def.err_code
    }
}

/// Constructors for errors whose description has no placeholder.
macro_rules! plain {
    ($($(#[$m:meta])* $fn:ident => $def:ident;)*) => {
        impl ApiError {
            $(
                $(#[$m])*
                #[doc = concat!("`", stringify!($def), "`.")]
                pub fn $fn() -> ApiError {
                    codes::$def.error()
                }
            )*
        }

        /// Every plain constructor with its catalogue entry, for tests.
        #[cfg(test)]
        const PLAIN_CONSTRUCTORS: &[(&str, fn() -> ApiError, ErrorDef)] =
            &[$((stringify!($fn), ApiError::$fn, codes::$def)),*];
    };
}

/// Constructors for errors with one placeholder.
macro_rules! templated {
    ($($(#[$m:meta])* $fn:ident($arg:ident) => $def:ident, $key:literal;)*) => {
        impl ApiError {
            $(
                $(#[$m])*
                #[doc = concat!("`", stringify!($def), "` with `", $key, "` filled in.")]
                pub fn $fn($arg: impl fmt::Display) -> ApiError {
                    codes::$def.fill(&[($key, &$arg)])
                }
            )*
        }

        /// Every one-placeholder constructor (called with `"X"`) with its catalogue entry, for tests.
        #[cfg(test)]
        const TEMPLATED_CONSTRUCTORS: &[(&str, fn() -> ApiError, ErrorDef)] =
            &[$((stringify!($fn), || ApiError::$fn("X"), codes::$def)),*];
    };
}

plain! {
    bad_request => BAD_REQUEST;
    not_enabled => NOT_ENABLED;
    not_enabled_for_account => NOT_ENABLED_FOR_ACCOUNT;
    not_empty_request => NOT_EMPTY_REQUEST;
    no_account => NO_ACCOUNT;
    no_limits => NO_LIMITS;
    insufficient_resources => INSUFFICIENT_RESOURCES;
    account_resources_exceeded => ACCOUNT_RESOURCES_EXCEEDED;
    memory_resources_exceeded => MEMORY_RESOURCES_EXCEEDED;
    storage_resources_exceeded => STORAGE_RESOURCES_EXCEEDED;
    maximum_streams_limit => MAXIMUM_STREAMS_LIMIT;
    maximum_consumers_limit => MAXIMUM_CONSUMERS_LIMIT;
    required_api_level => REQUIRED_API_LEVEL;
    replicas_count_cannot_be_negative => REPLICAS_COUNT_CANNOT_BE_NEGATIVE;
    cluster_required => CLUSTER_REQUIRED;
    cluster_not_active => CLUSTER_NOT_ACTIVE;
    cluster_not_avail => CLUSTER_NOT_AVAIL;
    cluster_unsupported_feature => CLUSTER_UN_SUPPORT_FEATURE;
    no_message_found => NO_MESSAGE_FOUND;
    message_ttl_invalid => MESSAGE_TTL_INVALID;
    message_ttl_disabled => MESSAGE_TTL_DISABLED;

    stream_not_found => STREAM_NOT_FOUND;
    stream_name_exist => STREAM_NAME_EXIST;
    stream_subject_overlap => STREAM_SUBJECT_OVERLAP;
    /// Stream name in the request subject differs from the one in the body.
    stream_mismatch => STREAM_MISMATCH;
    /// `Nats-Expected-Stream` does not match.
    stream_not_match => STREAM_NOT_MATCH;
    stream_wrong_last_sequence_constant => STREAM_WRONG_LAST_SEQUENCE_CONSTANT;
    stream_message_exceeds_maximum => STREAM_MESSAGE_EXCEEDS_MAXIMUM;
    stream_header_exceeds_maximum => STREAM_HEADER_EXCEEDS_MAXIMUM;
    stream_sealed => STREAM_SEALED;
    stream_invalid => STREAM_INVALID;
    stream_max_bytes_required => STREAM_MAX_BYTES_REQUIRED;
    stream_max_stream_bytes_exceeded => STREAM_MAX_STREAM_BYTES_EXCEEDED;
    stream_replicas_not_supported => STREAM_REPLICAS_NOT_SUPPORTED;
    stream_replicas_not_updatable => STREAM_REPLICAS_NOT_UPDATABLE;
    stream_mirror_not_updatable => STREAM_MIRROR_NOT_UPDATABLE;
    stream_name_contains_path_separators => STREAM_NAME_CONTAINS_PATH_SEPARATORS;
    stream_info_max_subjects => STREAM_INFO_MAX_SUBJECTS;
    stream_too_many_requests => STREAM_TOO_MANY_REQUESTS;
    stream_duplicate_message_conflict => STREAM_DUPLICATE_MESSAGE_CONFLICT;
    stream_expected_last_seq_per_subject_not_ready => STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_NOT_READY;
    stream_expected_last_seq_per_subject_invalid => STREAM_EXPECTED_LAST_SEQ_PER_SUBJECT_INVALID;
    stream_offline => STREAM_OFFLINE;

    mirror_with_sources => MIRROR_WITH_SOURCES;
    mirror_with_subjects => MIRROR_WITH_SUBJECTS;
    mirror_with_first_seq => MIRROR_WITH_FIRST_SEQ;
    mirror_with_start_seq_and_time => MIRROR_WITH_START_SEQ_AND_TIME;
    mirror_with_counters => MIRROR_WITH_COUNTERS;
    mirror_with_atomic_publish => MIRROR_WITH_ATOMIC_PUBLISH;
    mirror_with_batch_publish => MIRROR_WITH_BATCH_PUBLISH;
    mirror_with_msg_schedules => MIRROR_WITH_MSG_SCHEDULES;
    mirror_invalid_stream_name => MIRROR_INVALID_STREAM_NAME;
    mirror_multiple_filters_not_allowed => MIRROR_MULTIPLE_FILTERS_NOT_ALLOWED;
    mirror_overlapping_subject_filters => MIRROR_OVERLAPPING_SUBJECT_FILTERS;
    mirror_max_message_size_too_big => MIRROR_MAX_MESSAGE_SIZE_TOO_BIG;
    mirror_durable_consumer_cfg_invalid => MIRROR_DURABLE_CONSUMER_CFG_INVALID;
    source_invalid_stream_name => SOURCE_INVALID_STREAM_NAME;
    source_duplicate_detected => SOURCE_DUPLICATE_DETECTED;
    source_multiple_filters_not_allowed => SOURCE_MULTIPLE_FILTERS_NOT_ALLOWED;
    source_overlapping_subject_filters => SOURCE_OVERLAPPING_SUBJECT_FILTERS;
    source_max_message_size_too_big => SOURCE_MAX_MESSAGE_SIZE_TOO_BIG;
    source_with_msg_schedules => SOURCE_WITH_MSG_SCHEDULES;
    source_durable_consumer_cfg_invalid => SOURCE_DURABLE_CONSUMER_CFG_INVALID;
    source_durable_consumer_duplicate_detected => SOURCE_DURABLE_CONSUMER_DUPLICATE_DETECTED;

    consumer_not_found => CONSUMER_NOT_FOUND;
    /// Legacy: a consumer with this name exists (and is not a push durable being rebound).
    consumer_name_exist => CONSUMER_NAME_EXIST;
    /// Action `create` on an existing consumer with a different config.
    consumer_already_exists => CONSUMER_ALREADY_EXISTS;
    /// Action `update` on a missing consumer.
    consumer_does_not_exist => CONSUMER_DOES_NOT_EXIST;
    consumer_existing_active => CONSUMER_EXISTING_ACTIVE;
    consumer_replacement_with_different_name => CONSUMER_REPLACEMENT_WITH_DIFFERENT_NAME;
    consumer_config_required => CONSUMER_CONFIG_REQUIRED;
    consumer_deliver_to_wildcards => CONSUMER_DELIVER_TO_WILDCARDS;
    consumer_push_max_waiting => CONSUMER_PUSH_MAX_WAITING;
    consumer_deliver_cycle => CONSUMER_DELIVER_CYCLE;
    consumer_max_pending_ack_policy_required => CONSUMER_MAX_PENDING_ACK_POLICY_REQUIRED;
    consumer_small_heartbeat => CONSUMER_SMALL_HEARTBEAT;
    consumer_pull_requires_ack => CONSUMER_PULL_REQUIRES_ACK;
    consumer_pull_with_rate_limit => CONSUMER_PULL_WITH_RATE_LIMIT;
    consumer_max_waiting_negative => CONSUMER_MAX_WAITING_NEGATIVE;
    consumer_hb_requires_push => CONSUMER_HB_REQUIRES_PUSH;
    consumer_fc_requires_push => CONSUMER_FC_REQUIRES_PUSH;
    consumer_direct_requires_push => CONSUMER_DIRECT_REQUIRES_PUSH;
    consumer_direct_requires_ephemeral => CONSUMER_DIRECT_REQUIRES_EPHEMERAL;
    consumer_filter_not_subset => CONSUMER_FILTER_NOT_SUBSET;
    consumer_wq_requires_explicit_ack => CONSUMER_WQ_REQUIRES_EXPLICIT_ACK;
    consumer_wq_multiple_unfiltered => CONSUMER_WQ_MULTIPLE_UNFILTERED;
    consumer_wq_consumer_not_unique => CONSUMER_WQ_CONSUMER_NOT_UNIQUE;
    consumer_wq_consumer_not_deliver_all => CONSUMER_WQ_CONSUMER_NOT_DELIVER_ALL;
    consumer_bad_durable_name => CONSUMER_BAD_DURABLE_NAME;
    consumer_with_flow_control_needs_heartbeats => CONSUMER_WITH_FLOW_CONTROL_NEEDS_HEARTBEATS;
    consumer_invalid_deliver_subject => CONSUMER_INVALID_DELIVER_SUBJECT;
    consumer_max_request_batch_negative => CONSUMER_MAX_REQUEST_BATCH_NEGATIVE;
    consumer_max_request_expires_too_small => CONSUMER_MAX_REQUEST_EXPIRES_TOO_SMALL;
    consumer_max_deliver_backoff => CONSUMER_MAX_DELIVER_BACKOFF;
    consumer_replicas_exceeds_stream => CONSUMER_REPLICAS_EXCEEDS_STREAM;
    consumer_replicas_should_match_stream => CONSUMER_REPLICAS_SHOULD_MATCH_STREAM;
    consumer_name_contains_path_separators => CONSUMER_NAME_CONTAINS_PATH_SEPARATORS;
    consumer_create_filter_subject_mismatch => CONSUMER_CREATE_FILTER_SUBJECT_MISMATCH;
    consumer_create_durable_and_name_mismatch => CONSUMER_CREATE_DURABLE_AND_NAME_MISMATCH;
    consumer_durable_name_not_in_subject => CONSUMER_DURABLE_NAME_NOT_IN_SUBJECT;
    consumer_durable_name_not_match_subject => CONSUMER_DURABLE_NAME_NOT_MATCH_SUBJECT;
    consumer_durable_name_not_set => CONSUMER_DURABLE_NAME_NOT_SET;
    consumer_ephemeral_with_durable_in_subject => CONSUMER_EPHEMERAL_WITH_DURABLE_IN_SUBJECT;
    consumer_ephemeral_with_durable_name => CONSUMER_EPHEMERAL_WITH_DURABLE_NAME;
    consumer_duplicate_filter_subjects => CONSUMER_DUPLICATE_FILTER_SUBJECTS;
    consumer_multiple_filters_not_allowed => CONSUMER_MULTIPLE_FILTERS_NOT_ALLOWED;
    consumer_overlapping_subject_filters => CONSUMER_OVERLAPPING_SUBJECT_FILTERS;
    consumer_empty_filter => CONSUMER_EMPTY_FILTER;
    consumer_ack_policy_invalid => CONSUMER_ACK_POLICY_INVALID;
    consumer_replay_policy_invalid => CONSUMER_REPLAY_POLICY_INVALID;
    consumer_ack_wait_negative => CONSUMER_ACK_WAIT_NEGATIVE;
    consumer_backoff_negative => CONSUMER_BACK_OFF_NEGATIVE;
    consumer_push_with_priority_group => CONSUMER_PUSH_WITH_PRIORITY_GROUP;
    consumer_priority_policy_without_group => CONSUMER_PRIORITY_POLICY_WITHOUT_GROUP;
    consumer_priority_group_with_policy_none => CONSUMER_PRIORITY_GROUP_WITH_POLICY_NONE;
    consumer_pinned_ttl_without_priority_policy_none => CONSUMER_PINNED_TTL_WITHOUT_PRIORITY_POLICY_NONE;
    consumer_empty_group_name => CONSUMER_EMPTY_GROUP_NAME;
    consumer_invalid_group_name => CONSUMER_INVALID_GROUP_NAME;
    consumer_invalid_priority_group => CONSUMER_INVALID_PRIORITY_GROUP;
    consumer_ack_fc_requires_push => CONSUMER_ACK_FC_REQUIRES_PUSH;
    consumer_ack_fc_requires_fc => CONSUMER_ACK_FC_REQUIRES_FC;
    consumer_ack_fc_requires_max_ack_pending => CONSUMER_ACK_FC_REQUIRES_MAX_ACK_PENDING;
    consumer_ack_fc_requires_no_ack_wait => CONSUMER_ACK_FC_REQUIRES_NO_ACK_WAIT;
    consumer_ack_fc_requires_no_max_deliver => CONSUMER_ACK_FC_REQUIRES_NO_MAX_DELIVER;
    consumer_offline => CONSUMER_OFFLINE;
}

templated! {
    /// Request body is not valid JSON (`invalid JSON: {err}`).
    invalid_json(err) => INVALID_JSON, "{err}";
    /// Pedantic-mode refusal (`pedantic mode: {err}`).
    pedantic(err) => PEDANTIC, "{err}";
    /// `STREAM.MSG.GET`/`DELETE` of a sequence that does not exist (`sequence {seq} not found`).
    sequence_not_found(seq) => SEQUENCE_NOT_FOUND, "{seq}";
    /// Invalid stream configuration; `err` is the specific reason, e.g. `max age needs to be >= 100ms`.
    stream_invalid_config(err) => STREAM_INVALID_CONFIG, "{err}";
    stream_create(err) => STREAM_CREATE, "{err}";
    stream_update(err) => STREAM_UPDATE, "{err}";
    stream_delete(err) => STREAM_DELETE, "{err}";
    stream_general(err) => STREAM_GENERAL, "{err}";
    stream_limits(err) => STREAM_LIMITS, "{err}";
    /// Store refused a message (`maximum messages exceeded`, `maximum bytes exceeded`,
    /// `maximum messages per subject exceeded`, `message too large` for discard-new limits).
    stream_store_failed(err) => STREAM_STORE_FAILED, "{err}";
    /// Purge refused (`stream purge not permitted` under `deny_purge`).
    stream_purge_failed(err) => STREAM_PURGE_FAILED, "{err}";
    /// Message delete refused (`message delete not permitted` under `deny_delete`).
    stream_msg_delete_failed(err) => STREAM_MSG_DELETE_FAILED, "{err}";
    /// `Nats-Rollup` refused (`rollup not permitted`, `rollup value invalid: "x"`).
    stream_rollup_failed(err) => STREAM_ROLLUP_FAILED, "{err}";
    stream_restore(err) => STREAM_RESTORE, "{err}";
    stream_snapshot(err) => STREAM_SNAPSHOT, "{err}";
    /// `wrong last sequence: {seq}` — the KV create/update conflict.
    stream_wrong_last_sequence(seq) => STREAM_WRONG_LAST_SEQUENCE, "{seq}";
    /// `wrong last msg ID: {id}` (the id currently last in the stream).
    stream_wrong_last_msg_id(id) => STREAM_WRONG_LAST_MSG_ID, "{id}";
    stream_transform_invalid_source(err) => STREAM_TRANSFORM_INVALID_SOURCE, "{err}";
    stream_transform_invalid_destination(err) => STREAM_TRANSFORM_INVALID_DESTINATION, "{err}";
    stream_invalid_external_delivery_subj(prefix) => STREAM_INVALID_EXTERNAL_DELIVERY_SUBJ, "{prefix}";
    stream_offline_reason(err) => STREAM_OFFLINE_REASON, "{err}";
    mirror_invalid_subject_filter(err) => MIRROR_INVALID_SUBJECT_FILTER, "{err}";
    mirror_invalid_transform_destination(err) => MIRROR_INVALID_TRANSFORM_DESTINATION, "{err}";
    source_invalid_subject_filter(err) => SOURCE_INVALID_SUBJECT_FILTER, "{err}";
    source_invalid_transform_destination(err) => SOURCE_INVALID_TRANSFORM_DESTINATION, "{err}";
    consumer_create(err) => CONSUMER_CREATE, "{err}";
    consumer_invalid_policy(err) => CONSUMER_INVALID_POLICY, "{err}";
    consumer_invalid_sampling(err) => CONSUMER_INVALID_SAMPLING, "{err}";
    consumer_store_failed(err) => CONSUMER_STORE_FAILED, "{err}";
    consumer_name_too_long(max) => CONSUMER_NAME_TOO_LONG, "{max}";
    consumer_description_too_long(max) => CONSUMER_DESCRIPTION_TOO_LONG, "{max}";
    consumer_max_pending_ack_excess(limit) => CONSUMER_MAX_PENDING_ACK_EXCESS, "{limit}";
    consumer_max_request_batch_exceeded(limit) => CONSUMER_MAX_REQUEST_BATCH_EXCEEDED, "{limit}";
    /// `limit` is a Go duration text, e.g. `5s`.
    consumer_inactive_threshold_excess(limit) => CONSUMER_INACTIVE_THRESHOLD_EXCESS, "{limit}";
    /// `limit` as nats-server words it, e.g. `128KB`.
    consumer_metadata_length(limit) => CONSUMER_METADATA_LENGTH, "{limit}";
    consumer_offline_reason(err) => CONSUMER_OFFLINE_REASON, "{err}";
    consumer_invalid_reset(err) => CONSUMER_INVALID_RESET, "{err}";
}

impl ApiError {
    /// `stream external api prefix {prefix} must not overlap with {subject}`.
    pub fn stream_external_api_overlap(prefix: &str, subject: &str) -> ApiError {
        codes::STREAM_EXTERNAL_API_OVERLAP.fill(&[("{prefix}", &prefix), ("{subject}", &subject)])
    }

    /// `stream external delivery prefix {prefix} overlaps with stream subject {subject}`.
    pub fn stream_external_del_prefix_overlaps(prefix: &str, subject: &str) -> ApiError {
        codes::STREAM_EXTERNAL_DEL_PREFIX_OVERLAPS.fill(&[("{prefix}", &prefix), ("{subject}", &subject)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(e: &ApiError) -> String {
        serde_json::to_string(e).unwrap()
    }

    #[test]
    fn serializes_as_code_err_code_description() {
        assert_eq!(
            json(&ApiError::stream_not_found()),
            r#"{"code":404,"err_code":10059,"description":"stream not found"}"#
        );
        assert_eq!(json(&ApiError { code: 503, ..Default::default() }), r#"{"code":503}"#);
    }

    #[test]
    fn display_matches_nats_server_error_string() {
        assert_eq!(ApiError::consumer_not_found().to_string(), "consumer not found (10014)");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            json(&ApiError::stream_wrong_last_sequence(2)),
            r#"{"code":400,"err_code":10071,"description":"wrong last sequence: 2"}"#
        );
        assert_eq!(ApiError::stream_wrong_last_msg_id("m2").description, "wrong last msg ID: m2");
        assert_eq!(ApiError::stream_rollup_failed("rollup not permitted").code, 500);
        assert_eq!(ApiError::stream_rollup_failed("rollup not permitted").err_code, 10111);
        assert_eq!(
            ApiError::stream_external_api_overlap("$JS.API", "$JS.API.>").description,
            "stream external api prefix $JS.API must not overlap with $JS.API.>"
        );
        // Substituted text is not rescanned for placeholders.
        assert_eq!(ApiError::consumer_create("{err}").description, "{err}");
        assert_eq!(ApiError::invalid_json("x").description, "invalid JSON: x");
    }

    #[test]
    fn catalogue_is_complete_and_unique() {
        assert_eq!(codes::ALL.len(), 226);
        let mut seen = std::collections::HashSet::new();
        for d in codes::ALL {
            assert!(seen.insert(d.err_code), "duplicate err_code {}", d.err_code);
            assert!(matches!(d.code, 400 | 404 | 409 | 412 | 429 | 500 | 503), "{}", d.name);
        }
        assert_eq!(ErrorDef::by_err_code(10037).map(|d| d.description), Some("no message found"));
        assert!(ErrorDef::by_err_code(1).is_none());
    }

    #[test]
    fn codes_clients_depend_on_are_unchanged() {
        let cases: &[(ApiError, u16, u16, &str)] = &[
            (ApiError::bad_request(), 400, 10003, "bad request"),
            (ApiError::consumer_create("boom"), 500, 10012, "boom"),
            (ApiError::consumer_name_exist(), 400, 10013, "consumer name already in use"),
            (ApiError::consumer_not_found(), 404, 10014, "consumer not found"),
            (ApiError::insufficient_resources(), 503, 10023, "insufficient resources"),
            (ApiError::maximum_consumers_limit(), 400, 10026, "maximum consumers limit reached"),
            (ApiError::no_message_found(), 404, 10037, "no message found"),
            (ApiError::not_enabled_for_account(), 503, 10039, "JetStream not enabled for account"),
            (ApiError::stream_message_exceeds_maximum(), 400, 10054, "message size exceeds maximum allowed"),
            (ApiError::stream_name_exist(), 400, 10058, "stream name already in use with a different configuration"),
            (ApiError::stream_not_found(), 404, 10059, "stream not found"),
            (ApiError::stream_not_match(), 400, 10060, "expected stream does not match"),
            (ApiError::stream_subject_overlap(), 400, 10065, "subjects overlap with an existing stream"),
            (ApiError::not_enabled(), 503, 10076, "JetStream not enabled"),
            (ApiError::stream_store_failed("maximum bytes exceeded"), 503, 10077, "maximum bytes exceeded"),
            (ApiError::consumer_existing_active(), 400, 10105, "consumer already exists and is still active"),
            (ApiError::stream_sealed(), 400, 10109, "invalid operation on sealed stream"),
            (ApiError::stream_purge_failed("stream purge not permitted"), 500, 10110, "stream purge not permitted"),
            (
                ApiError::consumer_duplicate_filter_subjects(),
                400,
                10136,
                "consumer cannot have both FilterSubject and FilterSubjects specified",
            ),
            (ApiError::consumer_overlapping_subject_filters(), 400, 10138, "consumer subject filters cannot overlap"),
            (ApiError::consumer_empty_filter(), 400, 10139, "consumer filter in FilterSubjects cannot be empty"),
            (ApiError::consumer_already_exists(), 400, 10148, "consumer already exists"),
            (ApiError::consumer_does_not_exist(), 400, 10149, "consumer does not exist"),
            (ApiError::stream_wrong_last_sequence_constant(), 400, 10164, "wrong last sequence"),
            (ApiError::message_ttl_invalid(), 400, 10165, "invalid per-message TTL"),
            (ApiError::message_ttl_disabled(), 400, 10166, "per-message TTL is disabled"),
            (ApiError::stream_too_many_requests(), 429, 10167, "too many requests"),
        ];
        for (e, code, err_code, desc) in cases {
            assert_eq!((e.code, e.err_code, e.description.as_str()), (*code, *err_code, *desc));
        }
    }

    #[test]
    fn every_constructor_yields_its_entry_with_no_placeholder_left() {
        for (name, make, def) in PLAIN_CONSTRUCTORS {
            let expected = serde_json::json!({
                "code": def.code, "err_code": def.err_code, "description": def.description,
            });
            assert_eq!(serde_json::to_value(make()).unwrap(), expected, "{name}");
            assert!(!def.description.contains('{'), "{name} needs an argument");
        }
        for (name, make, def) in TEMPLATED_CONSTRUCTORS {
            let (open, close) = (def.description.find('{').unwrap(), def.description.find('}').unwrap());
            let filled = format!("{}X{}", &def.description[..open], &def.description[close + 1..]);
            let expected = serde_json::json!({
                "code": def.code, "err_code": def.err_code, "description": filled,
            });
            assert_eq!(serde_json::to_value(make()).unwrap(), expected, "{name}");
        }
        let two = ApiError::stream_external_del_prefix_overlaps("p", "s");
        assert_eq!(two.description, "stream external delivery prefix p overlaps with stream subject s");
    }

    #[test]
    fn a_plain_constructor_is_its_catalogue_entry() {
        let e = ApiError::consumer_deliver_cycle();
        assert!(e.is(&codes::CONSUMER_DELIVER_CYCLE));
        assert_eq!(json(&e), r#"{"code":400,"err_code":10081,"description":"consumer deliver subject forms a cycle"}"#);
    }

    #[test]
    fn parses_leniently() {
        let e: ApiError = serde_json::from_str(r#"{"code":503,"description":null,"extra":1}"#).unwrap();
        assert_eq!(e, ApiError { code: 503, err_code: 0, description: String::new() });
    }
}
