//! Response bodies of the `$JS.API.*` subjects and the publish acknowledgement.
//!
//! Each response mirrors a nats-server `JSApi*Response`: a constant `type`
//! (`io.nats.jetstream.api.v1.<name>`), an optional `error`, then the body fields — embedded Go
//! structs appear flattened. Where nats-server embeds a pointer (`*StreamInfo`, `*ConsumerInfo`) the
//! body is an `Option` that is absent in error responses; value-embedded parts (paging, `purged`)
//! are present even then, as in nats-server. One known difference: in an error response nats-server
//! writes empty name lists as `null`, these types as `[]`.
//!
//! [`JsApiResponse`] gives every response `from_error` and `into_result`, so handlers can answer any
//! request with an [`ApiError`] and readers can turn responses into `Result`s.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::account::AccountInfo;
use super::consumer::ConsumerInfo;
use super::error::ApiError;
use super::gojson::{is_default, nullable, response_type};
use super::stream::{StoredMsg, StreamConfig, StreamInfo, StreamState};
use crate::time::Timestamp;

/// Page size of `STREAM.NAMES` and `CONSUMER.NAMES`.
pub const NAMES_LIMIT: i64 = 1024;
/// Page size of `STREAM.LIST` and `CONSUMER.LIST`.
pub const LIST_LIMIT: i64 = 256;
/// Most per-subject entries one `STREAM.INFO` page carries.
pub const MAX_SUBJECT_DETAILS: i64 = 100_000;

/// What every JetStream API response can do.
pub trait JsApiResponse: Serialize + DeserializeOwned + Default {
    /// The `type` string, e.g. `io.nats.jetstream.api.v1.stream_info_response`.
    const TYPE: &'static str;
    /// The error, if the request failed.
    fn error(&self) -> Option<&ApiError>;
    /// A response carrying only `error` (and any always-present fields at zero).
    fn from_error(error: ApiError) -> Self;
    /// `Err` with the error if there is one, else the response.
    fn into_result(self) -> Result<Self, ApiError> {
        match self.error() {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }
}

macro_rules! js_response {
    ($resp:ident, $marker:ident) => {
        impl JsApiResponse for $resp {
            const TYPE: &'static str = $marker::TYPE;
            fn error(&self) -> Option<&ApiError> {
                self.error.as_ref()
            }
            fn from_error(error: ApiError) -> Self {
                $resp { error: Some(error), ..Default::default() }
            }
        }
    };
}

/// Paging fields of list-style responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiPaged {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

response_type!(/// `type` of [`SystemResponse`].
    SystemResponseType = "io.nats.jetstream.api.v1.system_response");
response_type!(/// `type` of [`AccountInfoResponse`].
    AccountInfoResponseType = "io.nats.jetstream.api.v1.account_info_response");
response_type!(/// `type` of [`StreamCreateResponse`].
    StreamCreateResponseType = "io.nats.jetstream.api.v1.stream_create_response");
response_type!(/// `type` of [`StreamUpdateResponse`].
    StreamUpdateResponseType = "io.nats.jetstream.api.v1.stream_update_response");
response_type!(/// `type` of [`StreamInfoResponse`].
    StreamInfoResponseType = "io.nats.jetstream.api.v1.stream_info_response");
response_type!(/// `type` of [`StreamDeleteResponse`].
    StreamDeleteResponseType = "io.nats.jetstream.api.v1.stream_delete_response");
response_type!(/// `type` of [`StreamNamesResponse`].
    StreamNamesResponseType = "io.nats.jetstream.api.v1.stream_names_response");
response_type!(/// `type` of [`StreamListResponse`].
    StreamListResponseType = "io.nats.jetstream.api.v1.stream_list_response");
response_type!(/// `type` of [`StreamPurgeResponse`].
    StreamPurgeResponseType = "io.nats.jetstream.api.v1.stream_purge_response");
response_type!(/// `type` of [`MsgDeleteResponse`].
    MsgDeleteResponseType = "io.nats.jetstream.api.v1.stream_msg_delete_response");
response_type!(/// `type` of [`MsgGetResponse`].
    MsgGetResponseType = "io.nats.jetstream.api.v1.stream_msg_get_response");
response_type!(/// `type` of [`StreamSnapshotResponse`].
    StreamSnapshotResponseType = "io.nats.jetstream.api.v1.stream_snapshot_response");
response_type!(/// `type` of [`StreamRestoreResponse`].
    StreamRestoreResponseType = "io.nats.jetstream.api.v1.stream_restore_response");
response_type!(/// `type` of [`StreamRemovePeerResponse`].
    StreamRemovePeerResponseType = "io.nats.jetstream.api.v1.stream_remove_peer_response");
response_type!(/// `type` of [`StreamLeaderStepDownResponse`].
    StreamLeaderStepDownResponseType = "io.nats.jetstream.api.v1.stream_leader_stepdown_response");
response_type!(/// `type` of [`ConsumerLeaderStepDownResponse`].
    ConsumerLeaderStepDownResponseType = "io.nats.jetstream.api.v1.consumer_leader_stepdown_response");
response_type!(/// `type` of [`MetaLeaderStepDownResponse`].
    MetaLeaderStepDownResponseType = "io.nats.jetstream.api.v1.meta_leader_stepdown_response");
response_type!(/// `type` of [`MetaServerRemoveResponse`].
    MetaServerRemoveResponseType = "io.nats.jetstream.api.v1.meta_server_remove_response");
response_type!(/// `type` of [`AccountPurgeResponse`].
    AccountPurgeResponseType = "io.nats.jetstream.api.v1.account_purge_response");
response_type!(/// `type` of [`ConsumerCreateResponse`].
    ConsumerCreateResponseType = "io.nats.jetstream.api.v1.consumer_create_response");
response_type!(/// `type` of [`ConsumerInfoResponse`].
    ConsumerInfoResponseType = "io.nats.jetstream.api.v1.consumer_info_response");
response_type!(/// `type` of [`ConsumerDeleteResponse`].
    ConsumerDeleteResponseType = "io.nats.jetstream.api.v1.consumer_delete_response");
response_type!(/// `type` of [`ConsumerNamesResponse`].
    ConsumerNamesResponseType = "io.nats.jetstream.api.v1.consumer_names_response");
response_type!(/// `type` of [`ConsumerListResponse`].
    ConsumerListResponseType = "io.nats.jetstream.api.v1.consumer_list_response");
response_type!(/// `type` of [`ConsumerPauseResponse`].
    ConsumerPauseResponseType = "io.nats.jetstream.api.v1.consumer_pause_response");
response_type!(/// `type` of [`ConsumerUnpinResponse`].
    ConsumerUnpinResponseType = "io.nats.jetstream.api.v1.consumer_unpin_response");
response_type!(/// `type` of [`ConsumerResetResponse`].
    ConsumerResetResponseType = "io.nats.jetstream.api.v1.consumer_reset_response");

/// Declares a response that is `type`, `error` and an optional `success` flag.
macro_rules! success_response {
    ($(#[$m:meta])* $resp:ident, $marker:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $resp {
            #[serde(rename = "type", default)]
            pub kind: $marker,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub error: Option<ApiError>,
            #[serde(default, skip_serializing_if = "is_default")]
            pub success: bool,
        }

        impl $resp {
            /// `{"type":…,"success":true}`.
            pub fn ok() -> Self {
                $resp { success: true, ..Default::default() }
            }
        }

        js_response!($resp, $marker);
    };
}

success_response!(/// `STREAM.DELETE` response.
    StreamDeleteResponse, StreamDeleteResponseType);
success_response!(/// `STREAM.MSG.DELETE` response.
    MsgDeleteResponse, MsgDeleteResponseType);
success_response!(/// `STREAM.PEER.REMOVE` response.
    StreamRemovePeerResponse, StreamRemovePeerResponseType);
success_response!(/// `STREAM.LEADER.STEPDOWN` response.
    StreamLeaderStepDownResponse, StreamLeaderStepDownResponseType);
success_response!(/// `CONSUMER.LEADER.STEPDOWN` response.
    ConsumerLeaderStepDownResponse, ConsumerLeaderStepDownResponseType);
success_response!(/// `META.LEADER.STEPDOWN` response.
    MetaLeaderStepDownResponse, MetaLeaderStepDownResponseType);
success_response!(/// `SERVER.REMOVE` response.
    MetaServerRemoveResponse, MetaServerRemoveResponseType);
success_response!(/// `CONSUMER.DELETE` response.
    ConsumerDeleteResponse, ConsumerDeleteResponseType);

/// Generic response (nats-server `ApiResponse` with the system type), e.g. for requests no handler
/// understands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemResponse {
    #[serde(rename = "type", default)]
    pub kind: SystemResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}
js_response!(SystemResponse, SystemResponseType);

/// `$JS.API.INFO` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfoResponse {
    #[serde(rename = "type", default)]
    pub kind: AccountInfoResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<AccountInfo>,
}
js_response!(AccountInfoResponse, AccountInfoResponseType);

/// `STREAM.CREATE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCreateResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamCreateResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
    /// True when this request created the stream (2.11).
    #[serde(default, skip_serializing_if = "is_default")]
    pub did_create: bool,
}
js_response!(StreamCreateResponse, StreamCreateResponseType);

/// `STREAM.UPDATE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamUpdateResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamUpdateResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
}
js_response!(StreamUpdateResponse, StreamUpdateResponseType);

/// `STREAM.INFO` response; paging refers to `state.subjects` when a subjects filter was given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfoResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamInfoResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub paged: ApiPaged,
    #[serde(flatten)]
    pub info: Option<StreamInfo>,
}
js_response!(StreamInfoResponse, StreamInfoResponseType);

/// `STREAM.NAMES` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamNamesResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamNamesResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub paged: ApiPaged,
    #[serde(default, deserialize_with = "nullable")]
    pub streams: Vec<String>,
}
js_response!(StreamNamesResponse, StreamNamesResponseType);

/// `STREAM.LIST` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamListResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamListResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub paged: ApiPaged,
    #[serde(default, deserialize_with = "nullable")]
    pub streams: Vec<StreamInfo>,
    /// Streams that could not be reached in time (clustered).
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub missing: Vec<String>,
    /// Streams that are offline, with the reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub offline: BTreeMap<String, String>,
}
js_response!(StreamListResponse, StreamListResponseType);

/// `STREAM.PURGE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamPurgeResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamPurgeResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub success: bool,
    #[serde(default)]
    pub purged: u64,
}
js_response!(StreamPurgeResponse, StreamPurgeResponseType);

/// `STREAM.MSG.GET` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgGetResponse {
    #[serde(rename = "type", default)]
    pub kind: MsgGetResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<StoredMsg>,
}
js_response!(MsgGetResponse, MsgGetResponseType);

/// `STREAM.SNAPSHOT` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSnapshotResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamSnapshotResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<StreamConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StreamState>,
}
js_response!(StreamSnapshotResponse, StreamSnapshotResponseType);

/// `STREAM.RESTORE` response: where to send the snapshot chunks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRestoreResponse {
    #[serde(rename = "type", default)]
    pub kind: StreamRestoreResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default)]
    pub deliver_subject: String,
}
js_response!(StreamRestoreResponse, StreamRestoreResponseType);

/// `ACCOUNT.PURGE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPurgeResponse {
    #[serde(rename = "type", default)]
    pub kind: AccountPurgeResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub initiated: bool,
}
js_response!(AccountPurgeResponse, AccountPurgeResponseType);

/// `CONSUMER.CREATE` / `CONSUMER.DURABLE.CREATE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerCreateResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerCreateResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
}
js_response!(ConsumerCreateResponse, ConsumerCreateResponseType);

/// `CONSUMER.INFO` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerInfoResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerInfoResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
}
js_response!(ConsumerInfoResponse, ConsumerInfoResponseType);

/// `CONSUMER.NAMES` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerNamesResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerNamesResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub paged: ApiPaged,
    #[serde(default, deserialize_with = "nullable")]
    pub consumers: Vec<String>,
}
js_response!(ConsumerNamesResponse, ConsumerNamesResponseType);

/// `CONSUMER.LIST` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerListResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerListResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub paged: ApiPaged,
    #[serde(default, deserialize_with = "nullable")]
    pub consumers: Vec<ConsumerInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub missing: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub offline: BTreeMap<String, String>,
}
js_response!(ConsumerListResponse, ConsumerListResponseType);

/// `CONSUMER.PAUSE` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerPauseResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerPauseResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(default)]
    pub paused: bool,
    #[serde(default)]
    pub pause_until: Timestamp,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "is_default")]
    pub pause_remaining: i64,
}
js_response!(ConsumerPauseResponse, ConsumerPauseResponseType);

/// `CONSUMER.UNPIN` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerUnpinResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerUnpinResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}
js_response!(ConsumerUnpinResponse, ConsumerUnpinResponseType);

/// `CONSUMER.RESET` response (2.14).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerResetResponse {
    #[serde(rename = "type", default)]
    pub kind: ConsumerResetResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub info: Option<ConsumerInfo>,
    #[serde(default)]
    pub reset_seq: u64,
}
js_response!(ConsumerResetResponse, ConsumerResetResponseType);

/// A successful store of a published message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubAck {
    /// Required when reading, so an ack without a stream reads as no ack.
    pub stream: String,
    #[serde(rename = "seq", default)]
    pub sequence: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// The message id was seen within the duplicate window; nothing was stored.
    #[serde(default, skip_serializing_if = "is_default")]
    pub duplicate: bool,
    /// Counter value after an increment (2.12).
    #[serde(rename = "val", default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(rename = "batch", default, skip_serializing_if = "String::is_empty")]
    pub batch_id: String,
    #[serde(rename = "count", default, skip_serializing_if = "is_default")]
    pub batch_size: u64,
}

/// The reply to a JetStream publish: `{"stream":"S","seq":5}` or
/// `{"error":{…},"stream":"S","seq":0}`. It has no `type`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubAckResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    #[serde(flatten)]
    pub ack: Option<PubAck>,
}

impl PubAckResponse {
    /// A success.
    pub fn ok(ack: PubAck) -> Self {
        PubAckResponse { error: None, ack: Some(ack) }
    }

    /// A refusal by `stream`, shaped as nats-server sends it (`stream` set, `seq` 0).
    pub fn failed(stream: &str, error: ApiError) -> Self {
        PubAckResponse { error: Some(error), ack: Some(PubAck { stream: stream.to_owned(), ..Default::default() }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_responses_carry_type_and_error_only() {
        let r = StreamCreateResponse::from_error(ApiError::stream_name_exist());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"type": "io.nats.jetstream.api.v1.stream_create_response",
                "error": {"code": 400, "err_code": 10058,
                    "description": "stream name already in use with a different configuration"}})
        );
        let r = StreamInfoResponse::from_error(ApiError::stream_not_found());
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"type": "io.nats.jetstream.api.v1.stream_info_response",
                "error": {"code": 404, "err_code": 10059, "description": "stream not found"},
                "total": 0, "offset": 0, "limit": 0})
        );
        let r = StreamPurgeResponse::from_error(ApiError::stream_purge_failed("stream purge not permitted"));
        assert_eq!(serde_json::to_value(&r).unwrap()["purged"], 0);
    }

    #[test]
    fn error_responses_read_back_without_a_body() {
        let text = r#"{"type":"io.nats.jetstream.api.v1.consumer_info_response","error":{"code":404,"err_code":10014,"description":"consumer not found"}}"#;
        let r: ConsumerInfoResponse = serde_json::from_str(text).unwrap();
        assert!(r.info.is_none());
        assert_eq!(r.into_result().unwrap_err(), ApiError::consumer_not_found());
        let r: AccountInfoResponse = serde_json::from_str(
            r#"{"type":"x","error":{"code":503,"err_code":10039,"description":"JetStream not enabled for account"}}"#,
        )
        .unwrap();
        assert!(r.info.is_none());
    }

    #[test]
    fn success_responses() {
        assert_eq!(
            serde_json::to_string(&StreamDeleteResponse::ok()).unwrap(),
            r#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","success":true}"#
        );
        assert_eq!(StreamDeleteResponse::TYPE, "io.nats.jetstream.api.v1.stream_delete_response");
    }

    #[test]
    fn pub_acks_match_nats_server() {
        let ok = PubAckResponse::ok(PubAck { stream: "ORDERS".into(), sequence: 1, ..Default::default() });
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"stream":"ORDERS","seq":1}"#);
        let dup =
            PubAckResponse::ok(PubAck { stream: "ORDERS".into(), sequence: 2, duplicate: true, ..Default::default() });
        assert_eq!(serde_json::to_string(&dup).unwrap(), r#"{"stream":"ORDERS","seq":2,"duplicate":true}"#);
        let err = PubAckResponse::failed("ORDERS", ApiError::stream_wrong_last_sequence(2));
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 2"},"stream":"ORDERS","seq":0}"#
        );
        let back: PubAckResponse =
            serde_json::from_str(r#"{"error":{"code":503,"err_code":10077,"description":"x"}}"#).unwrap();
        assert!(back.ack.is_none());
    }

    #[test]
    fn type_is_ignored_when_reading() {
        let r: StreamNamesResponse =
            serde_json::from_str(r#"{"type":"anything","total":1,"offset":0,"limit":1024,"streams":null}"#).unwrap();
        assert_eq!((r.paged.total, r.streams.len()), (1, 0));
    }
}
