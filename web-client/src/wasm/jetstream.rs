//! Async JetStream and key-value calls on [`Client`]: publish with `PubAck`, stream info/list/create,
//! consumer create, pull fetch with acks, and KV create/get/put/delete/watch.
//!
//! Subjects, bodies and decoding come from [`crate::jetstream`]; this module only sends requests and
//! reads inboxes. Answers are returned as typed values where the client needs them (`PubAck`,
//! `KvEntry`) and as raw JSON (`serde_json::Value`) for the info documents a console displays.
//! Watchers do not recreate their consumer after a gap or a server restart (no ordered-consumer
//! recovery).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use serde_json::Value;
use switchyard_shared::headers::HeaderMap;

use super::client::{Client, Subscriber};
use super::driver::after;
use super::signal::{Signal, Wait};
use crate::core::{ClientError, Message};
use crate::jetstream::{
    self as js, ack, kv_entry_from_delivery, kv_entry_from_direct, kv_entry_from_msg_get, parse_response, status_of,
    JetStreamError, KvEntry, KvOperation, PubAck, PullRequest, Status, StreamListPage, WatchFrom, DEFAULT_TIMEOUT_MS,
};

/// Resolves after `ms` milliseconds.
fn sleep(ms: u64) -> Wait<()> {
    let signal = Signal::new();
    let s = signal.clone();
    after(ms, move || s.set(()));
    signal.wait()
}

/// `fut`, or `None` when `deadline_ms` passes first.
struct Deadline<F> {
    fut: Pin<Box<F>>,
    timer: Wait<()>,
}

impl<F: Future> Future for Deadline<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = self.fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        match Pin::new(&mut self.timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn with_deadline<F: Future>(fut: F, ms: u64) -> Deadline<F> {
    Deadline { fut: Box::pin(fut), timer: sleep(ms) }
}

/// Options of [`Client::fetch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// Most messages to return.
    pub batch: u64,
    /// How long the server may wait to fill the batch.
    pub expires_ms: u64,
    /// Return at once with what is available.
    pub no_wait: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions { batch: 1, expires_ms: 5_000, no_wait: false }
    }
}

/// The stream of changes of a KV watch. Dropping it stops the watch.
#[derive(Debug)]
pub struct KvWatcher {
    bucket: String,
    sub: Subscriber,
}

impl KvWatcher {
    /// The next change; `None` when the watch ended (stopped, connection closed).
    pub async fn next(&self) -> Option<KvEntry> {
        loop {
            let msg = self.sub.next().await?;
            match status_of(&msg) {
                Some(Status::FlowControl) => {
                    if let Some(reply) = &msg.reply {
                        let _ = self.sub.client().publish(reply, b"");
                    }
                }
                Some(_) => {}
                None => {
                    if let Some(entry) = kv_entry_from_delivery(&self.bucket, &msg) {
                        return Some(entry);
                    }
                }
            }
        }
    }

    pub fn stop(&self) {
        self.sub.unsubscribe();
    }
}

impl Client {
    /// A JetStream API request: JSON in, JSON (or the API error) out.
    pub async fn js_api<T: serde::de::DeserializeOwned>(
        &self,
        subject: &str,
        body: &[u8],
    ) -> Result<T, JetStreamError> {
        let msg = self.request(subject, body, DEFAULT_TIMEOUT_MS).await?;
        parse_response(&msg.payload)
    }

    /// Publishes into a stream and waits for its `PubAck`.
    pub async fn js_publish(
        &self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &[u8],
        timeout_ms: u64,
    ) -> Result<PubAck, JetStreamError> {
        let msg = self.request_with(subject, headers, payload, timeout_ms).await?;
        parse_response(&msg.payload)
    }

    pub async fn stream_info(&self, stream: &str) -> Result<Value, JetStreamError> {
        self.js_api(&js::stream_info_subject(js::API_PREFIX, stream)?, b"").await
    }

    /// Every stream's info, following the pages of `STREAM.LIST`.
    pub async fn stream_list(&self, subject_filter: Option<&str>) -> Result<Vec<Value>, JetStreamError> {
        let subject = js::stream_list_subject(js::API_PREFIX);
        let mut all = Vec::new();
        loop {
            let page: StreamListPage =
                self.js_api(&subject, &js::stream_list_request(all.len() as u64, subject_filter)).await?;
            let streams = page.streams.unwrap_or_default();
            let got = streams.len();
            all.extend(streams);
            if got == 0 || all.len() as u64 >= page.total {
                return Ok(all);
            }
        }
    }

    /// Creates a stream from a `StreamConfig` JSON object (with `name`).
    pub async fn stream_create(&self, config: &Value) -> Result<Value, JetStreamError> {
        let name = config.get("name").and_then(Value::as_str).unwrap_or_default();
        self.js_api(&js::stream_create_subject(js::API_PREFIX, name)?, config.to_string().as_bytes()).await
    }

    /// Creates (or updates) a consumer from a `ConsumerConfig`; named by `name` or `durable_name`,
    /// else the server names it.
    pub async fn consumer_create(&self, stream: &str, config: &Value) -> Result<Value, JetStreamError> {
        let name = config.get("name").or_else(|| config.get("durable_name")).and_then(Value::as_str);
        let base = js::consumer_create_subject(js::API_PREFIX, stream)?;
        let subject = match name {
            Some(n) if js::is_valid_name(n) => format!("{base}.{n}"),
            Some(n) => return Err(JetStreamError::InvalidName(n.into())),
            None => base,
        };
        let body = serde_json::json!({ "stream_name": stream, "config": config });
        self.js_api(&subject, body.to_string().as_bytes()).await
    }

    /// Pulls up to `batch` messages from a pull consumer. Acknowledge each with [`Client::ack`].
    pub async fn fetch(
        &self,
        stream: &str,
        consumer: &str,
        opts: FetchOptions,
    ) -> Result<Vec<Message>, JetStreamError> {
        let subject = js::next_subject(js::API_PREFIX, stream, consumer)?;
        let inbox = self.new_inbox();
        let sub = self.subscribe(&inbox, None)?;
        let req = PullRequest {
            batch: opts.batch,
            expires_ms: (!opts.no_wait).then_some(opts.expires_ms),
            no_wait: opts.no_wait,
            max_bytes: None,
        };
        self.publish_with(&subject, Some(&inbox), None, &req.to_json())?;
        let deadline = opts.expires_ms + 2_000;
        let mut out = Vec::new();
        while (out.len() as u64) < opts.batch.max(1) {
            let Some(Some(msg)) = with_deadline(sub.next(), deadline).await else { break };
            match status_of(&msg) {
                None => out.push(msg),
                Some(Status::Heartbeat) => {}
                Some(Status::FlowControl) => {
                    if let Some(r) = &msg.reply {
                        self.publish(r, b"")?;
                    }
                }
                Some(Status::RequestEnded { .. }) => break,
                Some(Status::Other { code, description }) => {
                    if out.is_empty() {
                        return Err(if code == 503 {
                            JetStreamError::Request(ClientError::NoResponders)
                        } else {
                            JetStreamError::Status { code, description }
                        });
                    }
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Acknowledges a JetStream message: `+ACK`, `-NAK` (optionally delayed), `+TERM` or `+WPI`.
    pub fn ack(&self, msg: &Message, kind: AckKind) -> Result<(), ClientError> {
        let Some(reply) = msg.reply.as_deref() else { return Ok(()) };
        let body = match kind {
            AckKind::Ack => ack::ACK.to_vec(),
            AckKind::Nak(None) => ack::NAK.to_vec(),
            AckKind::Nak(Some(ms)) => ack::nak_with_delay(ms),
            AckKind::Term => ack::TERM.to_vec(),
            AckKind::InProgress => ack::IN_PROGRESS.to_vec(),
        };
        self.publish(reply, &body)
    }

    /// Acknowledges and waits until the server confirms it has recorded the ack.
    pub async fn ack_sync(&self, msg: &Message) -> Result<(), ClientError> {
        let Some(reply) = msg.reply.as_deref() else { return Ok(()) };
        self.request(reply, ack::ACK, DEFAULT_TIMEOUT_MS).await.map(drop)
    }

    /// Creates a KV bucket (its `KV_<bucket>` stream) keeping `history` revisions per key.
    pub async fn kv_create(&self, bucket: &str, history: u32, ttl_ms: u64) -> Result<Value, JetStreamError> {
        let stream = js::kv_stream(bucket)?;
        let body = js::kv_stream_config(bucket, history, ttl_ms)?;
        self.js_api(&js::stream_create_subject(js::API_PREFIX, &stream)?, &body).await
    }

    /// The current value of a key; `None` when it has none or was deleted/purged.
    pub async fn kv_get(&self, bucket: &str, key: &str) -> Result<Option<KvEntry>, JetStreamError> {
        let direct = js::kv_direct_get_subject(js::API_PREFIX, bucket, key)?;
        let entry = match self.request(&direct, b"", DEFAULT_TIMEOUT_MS).await {
            Ok(msg) => kv_entry_from_direct(bucket, &msg)?,
            Err(ClientError::NoResponders) => {
                // The stream does not allow direct gets: ask the stream leader.
                let (subject, body) = js::kv_msg_get(js::API_PREFIX, bucket, key)?;
                let msg = self.request(&subject, &body, DEFAULT_TIMEOUT_MS).await?;
                kv_entry_from_msg_get(bucket, &msg.payload)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(entry.filter(|e| e.operation == KvOperation::Put))
    }

    /// Stores a value; returns its revision.
    pub async fn kv_put(&self, bucket: &str, key: &str, value: &[u8]) -> Result<u64, JetStreamError> {
        let subject = js::kv_subject(bucket, key)?;
        Ok(self.js_publish(&subject, None, value, DEFAULT_TIMEOUT_MS).await?.seq)
    }

    /// Deletes a key (a `DEL` marker; history is kept) or, with `purge`, drops its history too.
    pub async fn kv_delete(&self, bucket: &str, key: &str, purge: bool) -> Result<u64, JetStreamError> {
        let subject = js::kv_subject(bucket, key)?;
        let headers = js::kv_tombstone(purge);
        Ok(self.js_publish(&subject, Some(&headers), b"", DEFAULT_TIMEOUT_MS).await?.seq)
    }

    /// Watches keys matching `filter` (`>` for all) through an ephemeral push consumer.
    pub async fn kv_watch(&self, bucket: &str, filter: &str, from: WatchFrom) -> Result<KvWatcher, JetStreamError> {
        let inbox = self.new_inbox();
        let body = js::kv_watch_consumer(bucket, filter, &inbox, from)?;
        let sub = self.subscribe(&inbox, None)?;
        let subject = js::consumer_create_subject(js::API_PREFIX, &js::kv_stream(bucket)?)?;
        let _info: Value = self.js_api(&subject, &body).await?;
        Ok(KvWatcher { bucket: bucket.into(), sub })
    }
}

/// How to acknowledge a JetStream message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    Ack,
    /// Redeliver, optionally after a delay in ms.
    Nak(Option<u64>),
    Term,
    InProgress,
}
