//! Request bodies of the `$JS.API.*` subjects (stream config and pull requests live in `stream` and
//! `consumer`). An empty payload reads as the `Default` of each type; see [`parse_request`].
//!
//! Shapes follow nats-server's `JSApi*Request` types. Unknown fields are ignored and `null` reads as
//! zero, because clients of every version send fields this server may not know.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::consumer::{ConsumerAction, ConsumerConfig};
use super::error::ApiError;
use super::gojson::{is_default, nullable};
use super::stream::{Placement, StreamConfig, StreamState};
use crate::time::Timestamp;

/// Decodes a request body: blank or `null` → `T::default()`, otherwise JSON; bad JSON is
/// [`ApiError::invalid_json`] with the parser's message.
pub fn parse_request<T: DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ApiError> {
    // A JSON `null` (async-nats sends it for "no options") reads as no options, as in nats-server.
    let payload = payload.trim_ascii();
    if payload.is_empty() || payload == b"null" {
        return Ok(T::default());
    }
    serde_json::from_slice(payload).map_err(ApiError::invalid_json)
}

/// `STREAM.INFO` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfoRequest {
    #[serde(deserialize_with = "nullable")]
    pub offset: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub deleted_details: bool,
    /// Include per-subject counts for subjects matching this filter.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub subjects_filter: String,
}

/// `STREAM.NAMES` and `STREAM.LIST` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamNamesRequest {
    #[serde(deserialize_with = "nullable")]
    pub offset: i64,
    /// Only streams whose subjects overlap this filter.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub subject: String,
}

/// `STREAM.LIST` takes the same options as `STREAM.NAMES`.
pub type StreamListRequest = StreamNamesRequest;

/// `STREAM.PURGE` options: everything, or by `filter`, below `seq`, or all but the newest `keep`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamPurgeRequest {
    /// Purge up to, not including, this sequence.
    #[serde(rename = "seq", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub sequence: u64,
    #[serde(rename = "filter", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub subject: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub keep: u64,
}

/// `STREAM.MSG.DELETE` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgDeleteRequest {
    #[serde(deserialize_with = "nullable")]
    pub seq: u64,
    /// Remove without overwriting the bytes.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub no_erase: bool,
}

/// `STREAM.MSG.GET` and `DIRECT.GET` body (nats-server `JSApiMsgGetRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgGetRequest {
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub seq: u64,
    #[serde(rename = "last_by_subj", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub last_for: String,
    #[serde(rename = "next_by_subj", skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub next_for: String,
    /// Direct get: messages per request.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub batch: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub max_bytes: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Timestamp>,
    /// Direct get: last message of each of these subjects.
    #[serde(rename = "multi_last", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub multi_last_for: Vec<String>,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub up_to_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_to_time: Option<Timestamp>,
    #[serde(rename = "no_hdr", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub no_headers: bool,
}

/// `CONSUMER.CREATE` / `CONSUMER.DURABLE.CREATE` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerCreateRequest {
    #[serde(rename = "stream_name", deserialize_with = "nullable")]
    pub stream: String,
    #[serde(deserialize_with = "nullable")]
    pub config: ConsumerConfig,
    #[serde(deserialize_with = "nullable")]
    pub action: ConsumerAction,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub pedantic: bool,
}

/// `CONSUMER.NAMES` and `CONSUMER.LIST` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumersRequest {
    #[serde(deserialize_with = "nullable")]
    pub offset: i64,
}

/// `CONSUMER.PAUSE` body; a zero or past time resumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseRequest {
    pub pause_until: Timestamp,
}

/// `CONSUMER.UNPIN` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerUnpinRequest {
    #[serde(deserialize_with = "nullable")]
    pub group: String,
}

/// `CONSUMER.RESET` body (2.14).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerResetRequest {
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub seq: u64,
}

/// `STREAM.SNAPSHOT` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSnapshotRequest {
    #[serde(deserialize_with = "nullable")]
    pub deliver_subject: String,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub no_consumers: bool,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub chunk_size: i64,
    #[serde(skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub window_size: i64,
    #[serde(rename = "jsck", skip_serializing_if = "is_default", deserialize_with = "nullable")]
    pub check_msgs: bool,
}

/// `STREAM.RESTORE` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamRestoreRequest {
    #[serde(deserialize_with = "nullable")]
    pub config: StreamConfig,
    #[serde(deserialize_with = "nullable")]
    pub state: StreamState,
}

/// `STREAM.PEER.REMOVE` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamRemovePeerRequest {
    #[serde(deserialize_with = "nullable")]
    pub peer: String,
}

/// `META.LEADER.STEPDOWN` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeaderStepdownRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_payload_is_the_default_request() {
        assert_eq!(parse_request::<StreamInfoRequest>(b"").unwrap(), StreamInfoRequest::default());
        assert_eq!(parse_request::<ConsumersRequest>(b" \r\n").unwrap(), ConsumersRequest::default());
        assert_eq!(parse_request::<StreamInfoRequest>(b"null").unwrap(), StreamInfoRequest::default());
    }

    #[test]
    fn requests_ignore_unknown_fields_and_nulls() {
        let r: StreamPurgeRequest =
            parse_request(br#"{"filter":"orders.paid","keep":null,"strict_future_field":[1,2]}"#).unwrap();
        assert_eq!(r, StreamPurgeRequest { subject: "orders.paid".into(), sequence: 0, keep: 0 });
        let r: MsgGetRequest = parse_request(br#"{"last_by_subj":"$KV.b.k","no_hdr":true}"#).unwrap();
        assert_eq!((r.last_for.as_str(), r.no_headers), ("$KV.b.k", true));
    }

    #[test]
    fn bad_json_is_invalid_json_error() {
        let e = parse_request::<StreamInfoRequest>(b"{not json").unwrap_err();
        assert_eq!(e.err_code, 10025);
        assert!(e.description.starts_with("invalid JSON: "), "{}", e.description);
    }

    #[test]
    fn consumer_create_request_round_trips() {
        let raw =
            br#"{"stream_name":"ORDERS","config":{"durable_name":"w","ack_policy":"explicit"},"action":"create"}"#;
        let r: ConsumerCreateRequest = parse_request(raw).unwrap();
        assert_eq!((r.stream.as_str(), r.action, r.config.durable.as_str()), ("ORDERS", ConsumerAction::Create, "w"));
        let back = serde_json::to_string(&r).unwrap();
        assert_eq!(
            back,
            r#"{"stream_name":"ORDERS","config":{"durable_name":"w","deliver_policy":"all","ack_policy":"explicit","replay_policy":"instant","num_replicas":0},"action":"create"}"#
        );
        let legacy: ConsumerCreateRequest = parse_request(br#"{"stream_name":"S","config":{}}"#).unwrap();
        assert_eq!(legacy.action, ConsumerAction::CreateOrUpdate);
    }

    #[test]
    fn pause_request_reads_go_zero_time_as_resume() {
        let r: ConsumerPauseRequest = parse_request(br#"{"pause_until":"0001-01-01T00:00:00Z"}"#).unwrap();
        assert!(r.pause_until.is_zero());
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"pause_until":"0001-01-01T00:00:00Z"}"#);
    }
}
