//! The JetStream API over the console's NATS connection, typed with the shared request and response
//! types: streams (list, info, create, update, delete, purge, message get/delete), consumers (list,
//! info, create, delete, pause) and publishing with an acknowledgement.
//!
//! Every call is one `$JS.API.*` request; an `error` in the answer becomes [`JsError::Api`] with the
//! server's code and text, shown as such by the pages.

use serde::Serialize;
use switchyard_shared::api::consumer::{ConsumerConfig, ConsumerInfo};
use switchyard_shared::api::requests::{
    ConsumerCreateRequest, ConsumerPauseRequest, ConsumersRequest, MsgDeleteRequest, MsgGetRequest, StreamInfoRequest,
    StreamListRequest, StreamPurgeRequest,
};
use switchyard_shared::api::responses::{
    ConsumerCreateResponse, ConsumerDeleteResponse, ConsumerListResponse, ConsumerPauseResponse, MsgDeleteResponse,
    MsgGetResponse, StreamCreateResponse, StreamDeleteResponse, StreamInfoResponse, StreamListResponse,
    StreamPurgeResponse, StreamUpdateResponse,
};
use switchyard_shared::api::stream::{StoredMsg, StreamConfig, StreamInfo};
use switchyard_shared::api::{ApiError, JsApiResponse, PubAck, PubAckResponse};
use switchyard_shared::headers::HeaderMap;
use switchyard_shared::time::Timestamp;
use switchyard_web::core::ClientError;
use switchyard_web::jetstream::{is_valid_name, DEFAULT_TIMEOUT_MS};
use switchyard_web::wasm::Client;

const API: &str = "$JS.API";
/// "no message found" of `STREAM.MSG.GET`.
const NO_MESSAGE_FOUND: u16 = 10037;

/// Why a JetStream call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsError {
    /// The server answered with an API error.
    #[error("server error: {} (code {}, err_code {})", .0.description, .0.code, .0.err_code)]
    Api(ApiError),
    #[error("{}", request_text(.0))]
    Request(ClientError),
    #[error("unexpected answer: {0}")]
    Decode(String),
    #[error("invalid name {0:?}")]
    InvalidName(String),
}

fn request_text(e: &ClientError) -> String {
    match e {
        ClientError::NoResponders => {
            "no responders: JetStream is not enabled on the server, or not for this user".into()
        }
        ClientError::Timeout => "the server did not answer in time".into(),
        other => other.to_string(),
    }
}

impl From<ClientError> for JsError {
    fn from(e: ClientError) -> Self {
        JsError::Request(e)
    }
}

fn name(n: &str) -> Result<&str, JsError> {
    if is_valid_name(n) {
        Ok(n)
    } else {
        Err(JsError::InvalidName(n.into()))
    }
}

/// One API request: `body` as JSON (or empty), the answer decoded as `R` with its error taken out.
async fn call<R: JsApiResponse>(client: &Client, subject: &str, body: Option<&impl Serialize>) -> Result<R, JsError> {
    let payload = match body {
        Some(b) => serde_json::to_vec(b).map_err(|e| JsError::Decode(e.to_string()))?,
        None => Vec::new(),
    };
    let msg = client.request(subject, &payload, DEFAULT_TIMEOUT_MS).await?;
    let resp: R = serde_json::from_slice(&msg.payload).map_err(|e| JsError::Decode(e.to_string()))?;
    resp.into_result().map_err(JsError::Api)
}

const NO_BODY: Option<&()> = None;

/// Every stream, following the pages of `STREAM.LIST`.
pub async fn stream_list(client: &Client) -> Result<Vec<StreamInfo>, JsError> {
    let mut all = Vec::new();
    loop {
        let req = StreamListRequest { offset: all.len() as i64, ..Default::default() };
        let r: StreamListResponse = call(client, &format!("{API}.STREAM.LIST"), Some(&req)).await?;
        let got = r.streams.len();
        all.extend(r.streams);
        if got == 0 || all.len() as i64 >= r.paged.total {
            all.sort_by(|a, b| a.config.name.cmp(&b.config.name));
            return Ok(all);
        }
    }
}

pub async fn stream_info(client: &Client, stream: &str) -> Result<StreamInfo, JsError> {
    stream_info_with(client, stream, &StreamInfoRequest::default()).await
}

/// Stream info with per-subject counts for subjects matching `subjects_filter`.
pub async fn stream_info_with(client: &Client, stream: &str, req: &StreamInfoRequest) -> Result<StreamInfo, JsError> {
    let r: StreamInfoResponse = call(client, &format!("{API}.STREAM.INFO.{}", name(stream)?), Some(req)).await?;
    r.info.ok_or_else(|| JsError::Decode("stream info without info".into()))
}

pub async fn stream_create(client: &Client, config: &StreamConfig) -> Result<StreamInfo, JsError> {
    let subject = format!("{API}.STREAM.CREATE.{}", name(&config.name)?);
    let r: StreamCreateResponse = call(client, &subject, Some(config)).await?;
    r.info.ok_or_else(|| JsError::Decode("create answer without info".into()))
}

pub async fn stream_update(client: &Client, config: &StreamConfig) -> Result<StreamInfo, JsError> {
    let subject = format!("{API}.STREAM.UPDATE.{}", name(&config.name)?);
    let r: StreamUpdateResponse = call(client, &subject, Some(config)).await?;
    r.info.ok_or_else(|| JsError::Decode("update answer without info".into()))
}

pub async fn stream_delete(client: &Client, stream: &str) -> Result<(), JsError> {
    let _: StreamDeleteResponse = call(client, &format!("{API}.STREAM.DELETE.{}", name(stream)?), NO_BODY).await?;
    Ok(())
}

/// Purges; returns how many messages went.
pub async fn stream_purge(client: &Client, stream: &str, req: &StreamPurgeRequest) -> Result<u64, JsError> {
    let r: StreamPurgeResponse = call(client, &format!("{API}.STREAM.PURGE.{}", name(stream)?), Some(req)).await?;
    Ok(r.purged)
}

/// One stored message; `None` when there is none matching.
pub async fn msg_get(client: &Client, stream: &str, req: &MsgGetRequest) -> Result<Option<StoredMsg>, JsError> {
    let subject = format!("{API}.STREAM.MSG.GET.{}", name(stream)?);
    match call::<MsgGetResponse>(client, &subject, Some(req)).await {
        Ok(r) => Ok(r.message),
        Err(JsError::Api(e)) if e.err_code == NO_MESSAGE_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn msg_delete(client: &Client, stream: &str, seq: u64) -> Result<(), JsError> {
    let subject = format!("{API}.STREAM.MSG.DELETE.{}", name(stream)?);
    let _: MsgDeleteResponse = call(client, &subject, Some(&MsgDeleteRequest { seq, no_erase: false })).await?;
    Ok(())
}

/// Up to `count` messages from `start` on, matching `filter` (`>` for all), in sequence order.
pub async fn msg_page(
    client: &Client,
    stream: &str,
    start: u64,
    count: usize,
    filter: &str,
) -> Result<Vec<StoredMsg>, JsError> {
    let filter = if filter.trim().is_empty() { ">" } else { filter.trim() };
    let mut out = Vec::with_capacity(count);
    let mut seq = start.max(1);
    while out.len() < count {
        let req = MsgGetRequest { seq, next_for: filter.to_owned(), ..Default::default() };
        let Some(m) = msg_get(client, stream, &req).await? else { break };
        seq = m.sequence + 1;
        out.push(m);
    }
    Ok(out)
}

/// Every consumer of a stream, following the pages of `CONSUMER.LIST`.
pub async fn consumer_list(client: &Client, stream: &str) -> Result<Vec<ConsumerInfo>, JsError> {
    let mut all = Vec::new();
    loop {
        let req = ConsumersRequest { offset: all.len() as i64 };
        let r: ConsumerListResponse =
            call(client, &format!("{API}.CONSUMER.LIST.{}", name(stream)?), Some(&req)).await?;
        let got = r.consumers.len();
        all.extend(r.consumers);
        if got == 0 || all.len() as i64 >= r.paged.total {
            all.sort_by(|a, b| a.name.cmp(&b.name));
            return Ok(all);
        }
    }
}

/// Creates a consumer (named, durable or server-named ephemeral).
pub async fn consumer_create(client: &Client, stream: &str, config: &ConsumerConfig) -> Result<ConsumerInfo, JsError> {
    let consumer = if config.name.is_empty() { config.durable.as_str() } else { config.name.as_str() };
    let subject = if consumer.is_empty() {
        format!("{API}.CONSUMER.CREATE.{}", name(stream)?)
    } else {
        format!("{API}.CONSUMER.CREATE.{}.{}", name(stream)?, name(consumer)?)
    };
    let req = ConsumerCreateRequest { stream: stream.to_owned(), config: config.clone(), ..Default::default() };
    let r: ConsumerCreateResponse = call(client, &subject, Some(&req)).await?;
    r.info.ok_or_else(|| JsError::Decode("create answer without info".into()))
}

pub async fn consumer_delete(client: &Client, stream: &str, consumer: &str) -> Result<(), JsError> {
    let subject = format!("{API}.CONSUMER.DELETE.{}.{}", name(stream)?, name(consumer)?);
    let _: ConsumerDeleteResponse = call(client, &subject, NO_BODY).await?;
    Ok(())
}

/// Pauses until `until` (a zero or past time resumes); returns whether it is now paused.
pub async fn consumer_pause(client: &Client, stream: &str, consumer: &str, until: Timestamp) -> Result<bool, JsError> {
    let subject = format!("{API}.CONSUMER.PAUSE.{}.{}", name(stream)?, name(consumer)?);
    let r: ConsumerPauseResponse = call(client, &subject, Some(&ConsumerPauseRequest { pause_until: until })).await?;
    Ok(r.paused)
}

/// Publishes into a stream and waits for its acknowledgement.
pub async fn publish(
    client: &Client,
    subject: &str,
    headers: Option<&HeaderMap>,
    payload: &[u8],
) -> Result<PubAck, JsError> {
    let msg = client.request_with(subject, headers, payload, DEFAULT_TIMEOUT_MS).await?;
    let r: PubAckResponse = serde_json::from_slice(&msg.payload).map_err(|e| JsError::Decode(e.to_string()))?;
    match (r.error, r.ack) {
        (Some(e), _) => Err(JsError::Api(e)),
        (None, Some(ack)) => Ok(ack),
        (None, None) => Err(JsError::Decode("acknowledgement without a stream".into())),
    }
}
