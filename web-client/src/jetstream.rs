//! JetStream and key-value conventions, as plain data: API subjects, request bodies, responses
//! (`PubAck`, API errors), the metadata encoded in `$JS.ACK.…` reply subjects, pull-status messages,
//! and KV buckets, keys and entries.
//!
//! Inputs are strings and [`Message`]s; outputs are subjects, JSON bodies and typed results. The
//! async calls that send these over a connection live in the wasm layer; nothing here does I/O.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use switchyard_shared::headers::HeaderMap;

use crate::base64;
use crate::core::{ClientError, Message};

/// API prefix without a domain.
pub const API_PREFIX: &str = "$JS.API";

/// How long KV and stream-info requests wait by default (ms).
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// The `error` object of a JetStream API response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: u16,
    #[serde(default)]
    pub err_code: u16,
    #[serde(default)]
    pub description: String,
}

/// Why a JetStream call failed (besides connection errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JetStreamError {
    #[error("{} (code {}, err_code {})", .0.description, .0.code, .0.err_code)]
    Api(ApiError),
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    #[error("invalid name: {0:?}")]
    InvalidName(String),
    #[error("invalid key: {0:?}")]
    InvalidKey(String),
    #[error("status {code}: {description}")]
    Status { code: u16, description: String },
    /// The request itself failed (no responders = no such stream or JetStream disabled, timeout, …).
    #[error(transparent)]
    Request(#[from] ClientError),
}

/// The API prefix for a JetStream domain (`$JS.<domain>.API`), or the default one.
pub fn api_prefix(domain: Option<&str>) -> String {
    match domain {
        Some(d) if !d.is_empty() => format!("$JS.{d}.API"),
        _ => API_PREFIX.to_string(),
    }
}

/// Decodes an API response, turning an `error` member into [`JetStreamError::Api`].
pub fn parse_response<T: DeserializeOwned>(payload: &[u8]) -> Result<T, JetStreamError> {
    let v: Value = serde_json::from_slice(payload).map_err(|e| JetStreamError::InvalidResponse(e.to_string()))?;
    if let Some(err) = v.get("error") {
        let err: ApiError =
            serde_json::from_value(err.clone()).map_err(|e| JetStreamError::InvalidResponse(e.to_string()))?;
        return Err(JetStreamError::Api(err));
    }
    serde_json::from_value(v).map_err(|e| JetStreamError::InvalidResponse(e.to_string()))
}

/// The server's answer to a publish into a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubAck {
    pub stream: String,
    pub seq: u64,
    #[serde(default)]
    pub duplicate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// A stream or consumer name: non-empty, no `.`, `*`, `>`, `/`, `\` or whitespace, at most 255 bytes.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.bytes().any(|c| matches!(c, b'.' | b'*' | b'>' | b'/' | b'\\') || c.is_ascii_whitespace())
}

fn check_name(name: &str) -> Result<(), JetStreamError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(JetStreamError::InvalidName(name.into()))
    }
}

/// `<prefix>.STREAM.INFO.<stream>`.
pub fn stream_info_subject(prefix: &str, stream: &str) -> Result<String, JetStreamError> {
    check_name(stream)?;
    Ok(format!("{prefix}.STREAM.INFO.{stream}"))
}

/// `<prefix>.STREAM.LIST`.
pub fn stream_list_subject(prefix: &str) -> String {
    format!("{prefix}.STREAM.LIST")
}

/// `<prefix>.STREAM.CREATE.<stream>`.
pub fn stream_create_subject(prefix: &str, stream: &str) -> Result<String, JetStreamError> {
    check_name(stream)?;
    Ok(format!("{prefix}.STREAM.CREATE.{stream}"))
}

/// `<prefix>.CONSUMER.MSG.NEXT.<stream>.<consumer>`.
pub fn next_subject(prefix: &str, stream: &str, consumer: &str) -> Result<String, JetStreamError> {
    check_name(stream)?;
    check_name(consumer)?;
    Ok(format!("{prefix}.CONSUMER.MSG.NEXT.{stream}.{consumer}"))
}

/// `<prefix>.CONSUMER.CREATE.<stream>` (server-named ephemeral consumer; every server version).
pub fn consumer_create_subject(prefix: &str, stream: &str) -> Result<String, JetStreamError> {
    check_name(stream)?;
    Ok(format!("{prefix}.CONSUMER.CREATE.{stream}"))
}

/// One page of `STREAM.LIST`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StreamListPage {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub streams: Option<Vec<Value>>,
}

/// The body of a `STREAM.LIST` request for the page starting at `offset`.
pub fn stream_list_request(offset: u64, subject_filter: Option<&str>) -> Vec<u8> {
    let mut v = json!({ "offset": offset });
    if let Some(f) = subject_filter {
        v["subject"] = Value::String(f.into());
    }
    v.to_string().into_bytes()
}

/// A pull request for `CONSUMER.MSG.NEXT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullRequest {
    pub batch: u64,
    /// How long the server holds the request open, in ms; `None` lets it wait without limit.
    pub expires_ms: Option<u64>,
    /// Answer `404 No Messages` at once when nothing is available.
    pub no_wait: bool,
    pub max_bytes: Option<u64>,
}

impl PullRequest {
    /// The JSON body (`expires` in nanoseconds).
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = json!({ "batch": self.batch.max(1) });
        if let Some(ms) = self.expires_ms {
            v["expires"] = json!(ms.saturating_mul(1_000_000));
        }
        if self.no_wait {
            v["no_wait"] = json!(true);
        }
        if let Some(b) = self.max_bytes {
            v["max_bytes"] = json!(b);
        }
        v.to_string().into_bytes()
    }
}

/// What a status message on a pull or push inbox means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// `100 Idle Heartbeat`: ignore.
    Heartbeat,
    /// `100 FlowControl Request`: answer with an empty publish to the message's reply subject.
    FlowControl,
    /// `404`, `408`, `409 …`: the pull request is over (the text says why).
    RequestEnded { code: u16, description: String },
    /// Anything else carrying a status.
    Other { code: u16, description: String },
}

/// Classifies a status message; `None` for a data message.
pub fn status_of(msg: &Message) -> Option<Status> {
    let h = msg.headers.as_ref()?;
    let code = h.status?;
    if !msg.payload.is_empty() {
        return None;
    }
    let description = h.description.clone().unwrap_or_default();
    Some(match code {
        100 if description.to_ascii_lowercase().contains("flowcontrol") || msg.reply.is_some() => Status::FlowControl,
        100 => Status::Heartbeat,
        404 | 408 | 409 => Status::RequestEnded { code, description },
        _ => Status::Other { code, description },
    })
}

/// The metadata in a `$JS.ACK.…` reply subject (v1: 9 tokens; v2: 11 or 12 with domain and account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AckInfo {
    pub domain: Option<String>,
    pub stream: String,
    pub consumer: String,
    /// Delivery count, 1 the first time.
    pub delivered: u64,
    pub stream_seq: u64,
    pub consumer_seq: u64,
    pub timestamp_ns: u64,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

impl AckInfo {
    pub fn parse(reply: &str) -> Option<AckInfo> {
        let t: Vec<&str> = reply.split('.').collect();
        if t.len() < 9 || t[0] != "$JS" || t[1] != "ACK" {
            return None;
        }
        let (domain, rest) = match t.len() {
            9 => (None, &t[2..9]),
            11 | 12 => (Some(t[2]).filter(|d| *d != "_").map(str::to_owned), &t[4..11]),
            _ => return None,
        };
        let n = |i: usize| rest[i].parse::<u64>().ok();
        Some(AckInfo {
            domain,
            stream: rest[0].to_owned(),
            consumer: rest[1].to_owned(),
            delivered: n(2)?,
            stream_seq: n(3)?,
            consumer_seq: n(4)?,
            timestamp_ns: n(5)?,
            pending: n(6)?,
        })
    }
}

/// Ack payloads.
pub mod ack {
    pub const ACK: &[u8] = b"+ACK";
    pub const NAK: &[u8] = b"-NAK";
    pub const TERM: &[u8] = b"+TERM";
    pub const IN_PROGRESS: &[u8] = b"+WPI";

    /// `-NAK {"delay":ns}`: redeliver after `delay_ms`.
    pub fn nak_with_delay(delay_ms: u64) -> Vec<u8> {
        format!("-NAK {{\"delay\":{}}}", delay_ms.saturating_mul(1_000_000)).into_bytes()
    }
}

// ----- key-value -----

/// A bucket name: `[a-zA-Z0-9_-]+`.
pub fn is_valid_bucket(bucket: &str) -> bool {
    !bucket.is_empty() && bucket.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// A key: `[-/_=.a-zA-Z0-9]+`, not starting or ending with `.`, no empty token.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('.')
        && !key.ends_with('.')
        && !key.contains("..")
        && key.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'/' | b'_' | b'=' | b'.'))
}

/// A key filter for watching: a key whose tokens may also be `*` or a final `>`.
pub fn is_valid_key_filter(filter: &str) -> bool {
    let tokens: Vec<&str> = filter.split('.').collect();
    tokens
        .iter()
        .enumerate()
        .all(|(i, t)| *t == "*" || (*t == ">" && i == tokens.len() - 1) || (!t.is_empty() && is_valid_key(t)))
}

fn check_bucket(bucket: &str) -> Result<(), JetStreamError> {
    if is_valid_bucket(bucket) {
        Ok(())
    } else {
        Err(JetStreamError::InvalidName(bucket.into()))
    }
}

/// The stream behind a bucket: `KV_<bucket>`.
pub fn kv_stream(bucket: &str) -> Result<String, JetStreamError> {
    check_bucket(bucket)?;
    Ok(format!("KV_{bucket}"))
}

/// The subject of a key: `$KV.<bucket>.<key>`.
pub fn kv_subject(bucket: &str, key: &str) -> Result<String, JetStreamError> {
    check_bucket(bucket)?;
    if !is_valid_key(key) {
        return Err(JetStreamError::InvalidKey(key.into()));
    }
    Ok(format!("$KV.{bucket}.{key}"))
}

/// The subject filter for watching keys matching `filter` (`>` for all).
pub fn kv_watch_subject(bucket: &str, filter: &str) -> Result<String, JetStreamError> {
    check_bucket(bucket)?;
    if !is_valid_key_filter(filter) {
        return Err(JetStreamError::InvalidKey(filter.into()));
    }
    Ok(format!("$KV.{bucket}.{filter}"))
}

/// `<prefix>.DIRECT.GET.KV_<bucket>.$KV.<bucket>.<key>`: last value of a key, empty request body.
pub fn kv_direct_get_subject(prefix: &str, bucket: &str, key: &str) -> Result<String, JetStreamError> {
    Ok(format!("{prefix}.DIRECT.GET.{}.{}", kv_stream(bucket)?, kv_subject(bucket, key)?))
}

/// `<prefix>.STREAM.MSG.GET.KV_<bucket>` and its body, for streams without direct get.
pub fn kv_msg_get(prefix: &str, bucket: &str, key: &str) -> Result<(String, Vec<u8>), JetStreamError> {
    let subject = format!("{prefix}.STREAM.MSG.GET.{}", kv_stream(bucket)?);
    let body = json!({ "last_by_subj": kv_subject(bucket, key)? }).to_string().into_bytes();
    Ok((subject, body))
}

/// The stream configuration of a bucket, as other clients create it (ADR-8).
pub fn kv_stream_config(bucket: &str, history: u32, ttl_ms: u64) -> Result<Vec<u8>, JetStreamError> {
    let ttl_ns = ttl_ms.saturating_mul(1_000_000);
    let two_min_ns: u64 = 120_000_000_000;
    let dup = if ttl_ns > 0 { ttl_ns.min(two_min_ns) } else { two_min_ns };
    let cfg = json!({
        "name": kv_stream(bucket)?,
        "subjects": [format!("$KV.{bucket}.>")],
        "retention": "limits",
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_age": ttl_ns,
        "max_msgs_per_subject": history.clamp(1, 64),
        "max_msg_size": -1,
        "discard": "new",
        "storage": "file",
        "num_replicas": 1,
        "duplicate_window": dup,
        "allow_rollup_hdrs": true,
        "deny_delete": true,
        "allow_direct": true,
    });
    Ok(cfg.to_string().into_bytes())
}

/// What the watch position should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchFrom {
    /// The latest value of every matching key, then updates.
    LastPerKey,
    /// Only updates from now on.
    New,
    /// Every stored revision, then updates.
    All,
}

/// The `CONSUMER.CREATE` body of a watcher: an ephemeral ordered push consumer delivering to `inbox`.
pub fn kv_watch_consumer(bucket: &str, filter: &str, inbox: &str, from: WatchFrom) -> Result<Vec<u8>, JetStreamError> {
    let policy = match from {
        WatchFrom::LastPerKey => "last_per_subject",
        WatchFrom::New => "new",
        WatchFrom::All => "all",
    };
    let body = json!({
        "stream_name": kv_stream(bucket)?,
        "config": {
            "deliver_subject": inbox,
            "deliver_policy": policy,
            "ack_policy": "none",
            "max_deliver": 1,
            "replay_policy": "instant",
            "flow_control": true,
            "idle_heartbeat": 5_000_000_000u64,
            "mem_storage": true,
            "num_replicas": 1,
            "filter_subject": kv_watch_subject(bucket, filter)?,
        }
    });
    Ok(body.to_string().into_bytes())
}

/// What a stored KV message means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KvOperation {
    Put,
    Delete,
    Purge,
}

impl KvOperation {
    /// From `KV-Operation` (`DEL`, `PURGE`) or a server marker (`Nats-Marker-Reason`); `PUT` otherwise.
    pub fn from_headers(headers: Option<&HeaderMap>) -> KvOperation {
        let Some(h) = headers else { return KvOperation::Put };
        match h.get("KV-Operation") {
            Some("DEL") => return KvOperation::Delete,
            Some("PURGE") => return KvOperation::Purge,
            _ => {}
        }
        match h.get("Nats-Marker-Reason") {
            Some("MaxAge") | Some("Purge") => KvOperation::Purge,
            Some("Remove") => KvOperation::Delete,
            _ => KvOperation::Put,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KvOperation::Put => "PUT",
            KvOperation::Delete => "DEL",
            KvOperation::Purge => "PURGE",
        }
    }
}

/// One revision of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvEntry {
    pub bucket: String,
    pub key: String,
    pub value: Bytes,
    /// The stream sequence of this revision.
    pub revision: u64,
    pub operation: KvOperation,
    /// Newer revisions still to come on a watch (0 on the last of the initial values).
    pub delta: u64,
    /// Stored time (RFC 3339) when the server told it.
    pub created: Option<String>,
}

fn key_of(bucket: &str, subject: &str) -> Option<String> {
    subject.strip_prefix("$KV.")?.strip_prefix(bucket)?.strip_prefix('.').map(str::to_owned)
}

/// The entry in a direct-get answer; `Ok(None)` when the key has no value (404 or a delete marker
/// is reported by the caller from [`KvEntry::operation`]).
pub fn kv_entry_from_direct(bucket: &str, msg: &Message) -> Result<Option<KvEntry>, JetStreamError> {
    let h = msg.headers.as_ref();
    if let Some(code) = msg.status() {
        if code == 404 {
            return Ok(None);
        }
        let description = h.and_then(|h| h.description.clone()).unwrap_or_default();
        return Err(JetStreamError::Status { code, description });
    }
    let h = h.ok_or_else(|| JetStreamError::InvalidResponse("direct get answer without headers".into()))?;
    let subject = h.get("Nats-Subject").unwrap_or_default();
    let key = key_of(bucket, subject).ok_or_else(|| JetStreamError::InvalidResponse(format!("subject {subject}")))?;
    let revision = h.get("Nats-Sequence").and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Some(KvEntry {
        bucket: bucket.into(),
        key,
        value: msg.payload.clone(),
        revision,
        operation: KvOperation::from_headers(Some(h)),
        delta: 0,
        created: h.get("Nats-Time-Stamp").map(str::to_owned),
    }))
}

#[derive(Deserialize)]
struct StoredMsg {
    subject: String,
    seq: u64,
    #[serde(default)]
    hdrs: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    time: Option<String>,
}

#[derive(Deserialize)]
struct MsgGetResponse {
    message: StoredMsg,
}

/// The entry in a `STREAM.MSG.GET` answer; `Ok(None)` for "no message found" (10037).
pub fn kv_entry_from_msg_get(bucket: &str, payload: &[u8]) -> Result<Option<KvEntry>, JetStreamError> {
    let resp: MsgGetResponse = match parse_response(payload) {
        Ok(r) => r,
        Err(JetStreamError::Api(e)) if e.err_code == 10037 || e.code == 404 => return Ok(None),
        Err(e) => return Err(e),
    };
    let m = resp.message;
    let bad = |e: base64::Base64Error| JetStreamError::InvalidResponse(e.to_string());
    let headers = match m.hdrs.as_deref() {
        Some(h) if !h.is_empty() => {
            let raw = base64::decode(h).map_err(bad)?;
            Some(HeaderMap::parse(&raw).map_err(|e| JetStreamError::InvalidResponse(e.to_string()))?)
        }
        _ => None,
    };
    let value = match m.data.as_deref() {
        Some(d) => base64::decode(d).map_err(bad)?,
        None => Vec::new(),
    };
    let key = key_of(bucket, &m.subject).ok_or_else(|| JetStreamError::InvalidResponse(m.subject.clone()))?;
    Ok(Some(KvEntry {
        bucket: bucket.into(),
        key,
        value: value.into(),
        revision: m.seq,
        operation: KvOperation::from_headers(headers.as_ref()),
        delta: 0,
        created: m.time,
    }))
}

/// The entry carried by a watcher delivery (subject `$KV.<bucket>.<key>`, reply `$JS.ACK.…`).
pub fn kv_entry_from_delivery(bucket: &str, msg: &Message) -> Option<KvEntry> {
    let key = key_of(bucket, &msg.subject)?;
    let info = msg.reply.as_deref().and_then(AckInfo::parse);
    Some(KvEntry {
        bucket: bucket.into(),
        key,
        value: msg.payload.clone(),
        revision: info.as_ref().map_or(0, |i| i.stream_seq),
        operation: KvOperation::from_headers(msg.headers.as_ref()),
        delta: info.as_ref().map_or(0, |i| i.pending),
        created: None,
    })
}

/// Headers of a KV delete (`KV-Operation: DEL`) or purge (`KV-Operation: PURGE` + `Nats-Rollup: sub`).
pub fn kv_tombstone(purge: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    if purge {
        h.insert("KV-Operation", "PURGE");
        h.insert("Nats-Rollup", "sub");
    } else {
        h.insert("KV-Operation", "DEL");
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(subject: &str, reply: Option<&str>, headers: Option<HeaderMap>, payload: &str) -> Message {
        Message {
            subject: subject.into(),
            reply: reply.map(Into::into),
            headers,
            payload: Bytes::copy_from_slice(payload.as_bytes()),
            sid: 1,
        }
    }

    #[test]
    fn api_errors_become_typed_errors() {
        let err = parse_response::<PubAck>(
            br#"{"type":"io.nats.jetstream.api.v1.pub_ack","error":{"code":404,"err_code":10059,"description":"stream not found"},"stream":"","seq":0}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            JetStreamError::Api(ApiError { code: 404, err_code: 10059, description: "stream not found".into() })
        );
        assert_eq!(err.to_string(), "stream not found (code 404, err_code 10059)");
        let ack: PubAck = parse_response(br#"{"stream":"S","seq":7,"duplicate":true}"#).unwrap();
        assert_eq!(ack, PubAck { stream: "S".into(), seq: 7, duplicate: true, domain: None });
        assert!(matches!(parse_response::<PubAck>(b"nope"), Err(JetStreamError::InvalidResponse(_))));
    }

    #[test]
    fn subjects_use_the_domain_prefix_and_check_names() {
        assert_eq!(api_prefix(None), "$JS.API");
        assert_eq!(api_prefix(Some("hub")), "$JS.hub.API");
        assert_eq!(stream_info_subject("$JS.API", "ORDERS").unwrap(), "$JS.API.STREAM.INFO.ORDERS");
        assert_eq!(next_subject("$JS.API", "S", "c1").unwrap(), "$JS.API.CONSUMER.MSG.NEXT.S.c1");
        assert!(stream_info_subject("$JS.API", "a.b").is_err());
        assert!(next_subject("$JS.API", "S", "c>").is_err());
        assert!(!is_valid_name("has space"));
    }

    #[test]
    fn pull_request_json_uses_nanoseconds() {
        let r = PullRequest { batch: 10, expires_ms: Some(1500), no_wait: true, max_bytes: None };
        let v: Value = serde_json::from_slice(&r.to_json()).unwrap();
        assert_eq!(v, json!({"batch":10,"expires":1_500_000_000u64,"no_wait":true}));
        let r = PullRequest { batch: 0, expires_ms: None, no_wait: false, max_bytes: Some(9) };
        let v: Value = serde_json::from_slice(&r.to_json()).unwrap();
        assert_eq!(v, json!({"batch":1,"max_bytes":9}));
    }

    #[test]
    fn ack_subjects_parse_in_both_forms() {
        let v1 = AckInfo::parse("$JS.ACK.ORDERS.c1.2.41.40.1700000000000000000.5").unwrap();
        assert_eq!(
            v1,
            AckInfo {
                domain: None,
                stream: "ORDERS".into(),
                consumer: "c1".into(),
                delivered: 2,
                stream_seq: 41,
                consumer_seq: 40,
                timestamp_ns: 1_700_000_000_000_000_000,
                pending: 5
            }
        );
        let v2 = AckInfo::parse("$JS.ACK.hub.ACCHASH.ORDERS.c1.1.3.3.17.0.xyz").unwrap();
        assert_eq!(v2.domain.as_deref(), Some("hub"));
        assert_eq!((v2.stream.as_str(), v2.stream_seq, v2.pending), ("ORDERS", 3, 0));
        let v2_no_domain = AckInfo::parse("$JS.ACK._.ACCHASH.S.c.1.3.3.17.0").unwrap();
        assert_eq!(v2_no_domain.domain, None);
        assert_eq!(AckInfo::parse("_INBOX.abc"), None);
        assert_eq!(AckInfo::parse("$JS.ACK.S.c.x.1.1.1.1"), None);
    }

    #[test]
    fn status_messages_are_classified() {
        let hb = msg("_INBOX.x", None, Some(HeaderMap::with_status(100, Some("Idle Heartbeat"))), "");
        assert_eq!(status_of(&hb), Some(Status::Heartbeat));
        let fc =
            msg("_INBOX.x", Some("$JS.FC.a.b"), Some(HeaderMap::with_status(100, Some("FlowControl Request"))), "");
        assert_eq!(status_of(&fc), Some(Status::FlowControl));
        let timeout = msg("_INBOX.x", None, Some(HeaderMap::with_status(408, Some("Request Timeout"))), "");
        assert_eq!(
            status_of(&timeout),
            Some(Status::RequestEnded { code: 408, description: "Request Timeout".into() })
        );
        let data = msg("orders.1", None, None, "x");
        assert_eq!(status_of(&data), None);
    }

    #[test]
    fn kv_names_and_subjects() {
        assert!(is_valid_bucket("my-bucket_1"));
        assert!(!is_valid_bucket("a.b"));
        assert!(is_valid_key("a/b=c.d-e_f"));
        for bad in ["", ".a", "a.", "a..b", "a b", "a*"] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
        assert!(is_valid_key_filter(">"));
        assert!(is_valid_key_filter("users.*.name"));
        assert!(!is_valid_key_filter("a.>.b"));
        assert_eq!(kv_subject("b", "k.1").unwrap(), "$KV.b.k.1");
        assert_eq!(kv_direct_get_subject("$JS.API", "b", "k").unwrap(), "$JS.API.DIRECT.GET.KV_b.$KV.b.k");
        let (s, body) = kv_msg_get("$JS.API", "b", "k").unwrap();
        assert_eq!(s, "$JS.API.STREAM.MSG.GET.KV_b");
        assert_eq!(body, br#"{"last_by_subj":"$KV.b.k"}"#);
    }

    #[test]
    fn kv_stream_config_follows_the_kv_conventions() {
        let v: Value = serde_json::from_slice(&kv_stream_config("cfg", 5, 0).unwrap()).unwrap();
        assert_eq!(v["name"], "KV_cfg");
        assert_eq!(v["subjects"], json!(["$KV.cfg.>"]));
        assert_eq!(v["max_msgs_per_subject"], 5);
        assert_eq!(v["allow_rollup_hdrs"], true);
        assert_eq!(v["deny_delete"], true);
        assert_eq!(v["allow_direct"], true);
        assert_eq!(v["discard"], "new");
        assert_eq!(v["duplicate_window"], 120_000_000_000u64);
        let v: Value = serde_json::from_slice(&kv_stream_config("cfg", 100, 1000).unwrap()).unwrap();
        assert_eq!(v["max_msgs_per_subject"], 64);
        assert_eq!(v["duplicate_window"], 1_000_000_000u64);
        let w: Value =
            serde_json::from_slice(&kv_watch_consumer("cfg", ">", "_INBOX.w", WatchFrom::LastPerKey).unwrap()).unwrap();
        assert_eq!(w["config"]["deliver_policy"], "last_per_subject");
        assert_eq!(w["config"]["filter_subject"], "$KV.cfg.>");
        assert_eq!(w["config"]["deliver_subject"], "_INBOX.w");
    }

    #[test]
    fn kv_entries_from_direct_get() {
        let mut h = HeaderMap::new();
        h.insert("Nats-Stream", "KV_b");
        h.insert("Nats-Subject", "$KV.b.color");
        h.insert("Nats-Sequence", "12");
        h.insert("Nats-Time-Stamp", "2026-01-01T00:00:00Z");
        let e = kv_entry_from_direct("b", &msg("_INBOX.r", None, Some(h.clone()), "blue")).unwrap().unwrap();
        assert_eq!(
            (e.key.as_str(), &e.value[..], e.revision, e.operation),
            ("color", &b"blue"[..], 12, KvOperation::Put)
        );
        h.insert("KV-Operation", "DEL");
        let e = kv_entry_from_direct("b", &msg("_INBOX.r", None, Some(h), "")).unwrap().unwrap();
        assert_eq!(e.operation, KvOperation::Delete);
        let missing = msg("_INBOX.r", None, Some(HeaderMap::with_status(404, Some("Message Not Found"))), "");
        assert_eq!(kv_entry_from_direct("b", &missing), Ok(None));
    }

    #[test]
    fn kv_entries_from_msg_get() {
        // data "blue", hdrs "NATS/1.0\r\nKV-Operation: PURGE\r\n\r\n"
        let body = br#"{"message":{"subject":"$KV.b.color","seq":3,"data":"Ymx1ZQ==","hdrs":"TkFUUy8xLjANCktWLU9wZXJhdGlvbjogUFVSR0UNCg0K","time":"2026-01-01T00:00:00Z"}}"#;
        let e = kv_entry_from_msg_get("b", body).unwrap().unwrap();
        assert_eq!((e.key.as_str(), &e.value[..], e.revision), ("color", &b"blue"[..], 3));
        assert_eq!(e.operation, KvOperation::Purge);
        let missing = br#"{"error":{"code":404,"err_code":10037,"description":"no message found"}}"#;
        assert_eq!(kv_entry_from_msg_get("b", missing), Ok(None));
    }

    #[test]
    fn kv_entries_from_watch_deliveries() {
        let m = msg("$KV.b.users.1", Some("$JS.ACK.KV_b.w.1.9.4.1700000000000000000.2"), None, "ann");
        let e = kv_entry_from_delivery("b", &m).unwrap();
        assert_eq!((e.key.as_str(), e.revision, e.delta), ("users.1", 9, 2));
        assert_eq!(kv_entry_from_delivery("other", &m), None);
        let mut marker = HeaderMap::new();
        marker.insert("Nats-Marker-Reason", "MaxAge");
        assert_eq!(KvOperation::from_headers(Some(&marker)), KvOperation::Purge);
        assert_eq!(kv_tombstone(true).get("Nats-Rollup"), Some("sub"));
    }
}
