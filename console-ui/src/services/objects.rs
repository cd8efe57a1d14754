//! Object store buckets over JetStream: list, create and delete buckets; list objects (the latest
//! meta of each); upload (chunks, then the meta with a roll-up, then the old version's chunks
//! purged); download with chunk, size and digest checks; delete (a tombstone meta, chunks purged).
//!
//! The conventions themselves (subjects, meta JSON, digest) are in [`crate::objstore`].

use switchyard_shared::api::consumer::{ConsumerConfig, DeliverPolicy};
use switchyard_shared::api::requests::{MsgGetRequest, StreamPurgeRequest};
use switchyard_shared::api::stream::StreamInfo;
use switchyard_shared::headers::HeaderMap;
use switchyard_shared::time::Timestamp;
use switchyard_web::wasm::Client;

use super::browser;
use super::jetstream::{self, JsError};
use super::watch::{with_timeout, PushWatch};
use crate::objstore::{
    all_meta_subject, chunk, chunk_subject, meta_subject, nuid, Assembler, BucketSettings, BucketStatus, ObjectError,
    ObjectInfo, DEFAULT_CHUNK_SIZE, STREAM_PREFIX,
};

/// Why an object store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjError {
    #[error(transparent)]
    Js(#[from] JsError),
    #[error(transparent)]
    Object(#[from] ObjectError),
    #[error("invalid meta of {0:?}: {1}")]
    Meta(String, String),
}

fn stream(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

pub async fn buckets(client: &Client) -> Result<Vec<BucketStatus>, JsError> {
    let streams = jetstream::stream_list(client).await?;
    Ok(streams.iter().filter_map(BucketStatus::from_stream).collect())
}

pub async fn create(client: &Client, settings: &BucketSettings) -> Result<StreamInfo, ObjError> {
    let config = settings.stream_config()?;
    Ok(jetstream::stream_create(client, &config).await?)
}

pub async fn delete_bucket(client: &Client, bucket: &str) -> Result<(), JsError> {
    jetstream::stream_delete(client, &stream(bucket)).await
}

/// An object's meta and when it was stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub info: ObjectInfo,
    pub stored: Timestamp,
}

/// The objects of a bucket (deleted ones left out), by name.
pub async fn list(client: &Client, bucket: &str) -> Result<Vec<Listed>, ObjError> {
    let config = ConsumerConfig {
        deliver_policy: DeliverPolicy::LastPerSubject,
        filter_subject: all_meta_subject(bucket),
        ..Default::default()
    };
    let watch = PushWatch::start(client, &stream(bucket), config).await?;
    let mut out = Vec::new();
    for d in watch.backlog(5_000).await? {
        let info: ObjectInfo =
            serde_json::from_slice(&d.msg.payload).map_err(|e| ObjError::Meta(d.msg.subject.clone(), e.to_string()))?;
        if !info.deleted {
            out.push(Listed { info, stored: d.time });
        }
    }
    out.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    Ok(out)
}

/// The current meta of an object, deleted or not; `None` when it never existed.
pub async fn meta(client: &Client, bucket: &str, name: &str) -> Result<Option<ObjectInfo>, ObjError> {
    let req = MsgGetRequest { last_for: meta_subject(bucket, name), ..Default::default() };
    let Some(m) = jetstream::msg_get(client, &stream(bucket), &req).await? else { return Ok(None) };
    let info = serde_json::from_slice(&m.data).map_err(|e| ObjError::Meta(name.to_owned(), e.to_string()))?;
    Ok(Some(info))
}

/// Stores `data` as object `name`, calling `progress(sent, total)` after each chunk; replaces an
/// existing object of that name.
pub async fn upload(
    client: &Client,
    bucket: &str,
    name: &str,
    data: &[u8],
    progress: impl Fn(u64, u64),
) -> Result<ObjectInfo, ObjError> {
    if name.trim().is_empty() {
        return Err(ObjectError::EmptyName.into());
    }
    let previous = meta(client, bucket, name).await?;
    let id = nuid(browser::random_u32);
    let info = ObjectInfo::for_upload(bucket, name, id.clone(), data, DEFAULT_CHUNK_SIZE, browser::now());
    let subject = chunk_subject(bucket, &id);
    for i in 0..info.chunks as usize {
        jetstream::publish(client, &subject, None, chunk(data, i, DEFAULT_CHUNK_SIZE)).await?;
        progress(i as u64 + 1, info.chunks);
    }
    publish_meta(client, bucket, &info).await?;
    if let Some(old) = previous.filter(|p| !p.nuid.is_empty() && p.nuid != id) {
        purge_chunks(client, bucket, &old.nuid).await?;
    }
    Ok(info)
}

async fn publish_meta(client: &Client, bucket: &str, info: &ObjectInfo) -> Result<(), ObjError> {
    let mut headers = HeaderMap::new();
    headers.insert("Nats-Rollup", "sub");
    let body = serde_json::to_vec(info).map_err(|e| ObjError::Meta(info.name.clone(), e.to_string()))?;
    jetstream::publish(client, &meta_subject(bucket, &info.name), Some(&headers), &body).await?;
    Ok(())
}

async fn purge_chunks(client: &Client, bucket: &str, id: &str) -> Result<(), JsError> {
    let req = StreamPurgeRequest { subject: chunk_subject(bucket, id), ..Default::default() };
    jetstream::stream_purge(client, &stream(bucket), &req).await.map(drop)
}

/// Fetches an object and checks it against its meta.
pub async fn download(client: &Client, bucket: &str, name: &str) -> Result<(ObjectInfo, Vec<u8>), ObjError> {
    let info = match meta(client, bucket, name).await? {
        Some(i) if !i.deleted => i,
        _ => return Err(ObjectError::NotFound(name.to_owned()).into()),
    };
    if info.is_link() {
        return Err(ObjectError::Link(name.to_owned()).into());
    }
    let mut assembler = Assembler::new(info.clone());
    if info.chunks > 0 {
        let config = ConsumerConfig {
            deliver_policy: DeliverPolicy::All,
            filter_subject: chunk_subject(bucket, &info.nuid),
            ..Default::default()
        };
        let watch = PushWatch::start(client, &stream(bucket), config).await?;
        while !assembler.is_complete() {
            match with_timeout(watch.next(), 10_000).await {
                Some(Some(d)) => assembler.push(&d.msg.payload),
                _ => break,
            }
        }
    }
    let data = assembler.finish()?;
    Ok((info, data))
}

/// Deletes an object: a tombstone meta, then its chunks purged.
pub async fn delete(client: &Client, bucket: &str, name: &str) -> Result<(), ObjError> {
    let info = match meta(client, bucket, name).await? {
        Some(i) if !i.deleted => i,
        _ => return Err(ObjectError::NotFound(name.to_owned()).into()),
    };
    publish_meta(client, bucket, &info.tombstone(browser::now())).await?;
    if !info.nuid.is_empty() {
        purge_chunks(client, bucket, &info.nuid).await?;
    }
    Ok(())
}
