//! KV buckets over JetStream: list, create and delete buckets; get, put, delete and purge keys; a
//! live key listing (headers only, last value per key, then every change); a key's history (every
//! revision with its value); and a live watch of values.
//!
//! Buckets are `KV_<bucket>` streams ([`crate::kv`]); values go through the web client's KV calls.

use switchyard_shared::api::consumer::{ConsumerConfig, DeliverPolicy};
use switchyard_shared::api::requests::MsgGetRequest;
use switchyard_shared::api::stream::StreamInfo;
use switchyard_shared::headers::HeaderMap;
use switchyard_web::jetstream::{kv_stream, kv_subject, KvEntry, KvOperation};
use switchyard_web::wasm::Client;

use super::jetstream::{self, JsError};
use super::watch::{Delivery, PushWatch};
use crate::kv::{BucketSettings, BucketStatus};

fn js(e: switchyard_web::jetstream::JetStreamError) -> JsError {
    use switchyard_web::jetstream::JetStreamError as E;
    match e {
        E::Api(a) => JsError::Api(switchyard_shared::api::ApiError {
            code: a.code,
            err_code: a.err_code,
            description: a.description,
        }),
        E::Request(r) => JsError::Request(r),
        E::InvalidName(n) | E::InvalidKey(n) => JsError::InvalidName(n),
        other => JsError::Decode(other.to_string()),
    }
}

/// Every KV bucket.
pub async fn buckets(client: &Client) -> Result<Vec<BucketStatus>, JsError> {
    let streams = jetstream::stream_list(client).await?;
    Ok(streams.iter().filter_map(BucketStatus::from_stream).collect())
}

pub async fn create(client: &Client, settings: &BucketSettings) -> Result<StreamInfo, JsError> {
    let config = settings.stream_config().map_err(|e| JsError::InvalidName(e.to_string()))?;
    jetstream::stream_create(client, &config).await
}

pub async fn delete(client: &Client, bucket: &str) -> Result<(), JsError> {
    jetstream::stream_delete(client, &kv_stream(bucket).map_err(js)?).await
}

/// The latest entry of a key (a put, or the delete/purge marker that ended it); `None` when the
/// key never existed. Read with `STREAM.MSG.GET`, which every stream answers (Direct Get needs
/// `allow_direct` and is meant for applications).
pub async fn get(client: &Client, bucket: &str, key: &str) -> Result<Option<KvEntry>, JsError> {
    let stream = kv_stream(bucket).map_err(js)?;
    let subject = kv_subject(bucket, key).map_err(js)?;
    let req = MsgGetRequest { last_for: subject, ..Default::default() };
    let Some(m) = jetstream::msg_get(client, &stream, &req).await? else { return Ok(None) };
    let headers = if m.header.is_empty() { None } else { HeaderMap::parse(&m.header).ok() };
    Ok(Some(KvEntry {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        value: m.data.into(),
        revision: m.sequence,
        operation: KvOperation::from_headers(headers.as_ref()),
        delta: 0,
        created: Some(m.time.to_rfc3339()),
    }))
}

pub async fn put(client: &Client, bucket: &str, key: &str, value: &[u8]) -> Result<u64, JsError> {
    client.kv_put(bucket, key, value).await.map_err(js)
}

/// Deletes a key (keeping history) or, with `purge`, drops its history too.
pub async fn delete_key(client: &Client, bucket: &str, key: &str, purge: bool) -> Result<u64, JsError> {
    client.kv_delete(bucket, key, purge).await.map_err(js)
}

/// A KV change from a watch, with the value's size when the watch is headers-only.
#[derive(Debug, Clone)]
pub struct Change {
    pub entry: KvEntry,
    pub size: Option<u64>,
    /// Still part of the initial backlog (more are pending).
    pub pending: u64,
}

fn change(bucket: &str, d: Delivery) -> Option<Change> {
    let key = d.msg.subject.strip_prefix(&format!("$KV.{bucket}."))?.to_owned();
    let size = d.msg.headers.as_ref().and_then(|h| h.get("Nats-Msg-Size")).and_then(|s| s.parse().ok());
    Some(Change {
        entry: KvEntry {
            bucket: bucket.to_owned(),
            key,
            value: d.msg.payload.clone(),
            revision: d.stream_seq,
            operation: KvOperation::from_headers(d.msg.headers.as_ref()),
            delta: d.pending,
            created: (!d.time.is_zero()).then(|| d.time.to_rfc3339()),
        },
        size,
        pending: d.pending,
    })
}

/// A running watch of a bucket.
#[derive(Debug)]
pub struct Watch {
    bucket: String,
    inner: PushWatch,
}

impl Watch {
    /// Watches keys matching `filter` (`>` for all): `from` says where to start; `headers_only`
    /// leaves the values out (for listings).
    pub async fn start(
        client: &Client,
        bucket: &str,
        filter: &str,
        from: DeliverPolicy,
        headers_only: bool,
    ) -> Result<Watch, JsError> {
        let filter = if filter.trim().is_empty() { ">" } else { filter.trim() };
        let config = ConsumerConfig {
            deliver_policy: from,
            filter_subject: format!("$KV.{bucket}.{filter}"),
            headers_only,
            ..Default::default()
        };
        let inner = PushWatch::start(client, &kv_stream(bucket).map_err(js)?, config).await?;
        Ok(Watch { bucket: bucket.to_owned(), inner })
    }

    /// Entries pending when the watch started.
    pub fn initial_pending(&self) -> u64 {
        self.inner.initial_pending
    }

    /// Ends the watch: a pending [`next`](Self::next) returns `None`.
    pub fn stop(&self) {
        self.inner.stop();
    }

    /// The next change; `None` when the watch ended.
    pub async fn next(&self) -> Option<Change> {
        loop {
            let d = self.inner.next().await?;
            if let Some(c) = change(&self.bucket, d) {
                return Some(c);
            }
        }
    }
}

/// Every stored revision of a key, oldest first.
pub async fn history(client: &Client, bucket: &str, key: &str) -> Result<Vec<KvEntry>, JsError> {
    let w = Watch::start(client, bucket, key, DeliverPolicy::All, false).await?;
    let backlog = w.inner.backlog(5_000).await?;
    Ok(backlog.into_iter().filter_map(|d| change(bucket, d)).map(|c| c.entry).collect())
}
