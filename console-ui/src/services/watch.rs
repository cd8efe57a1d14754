//! Ordered push consumers for reading a stream from the browser: KV key listings, histories and
//! live watches, object store listings and downloads.
//!
//! [`PushWatch::start`] subscribes to a fresh inbox, then creates an ephemeral push consumer
//! delivering there (no acks, flow control and heartbeats, in memory), and remembers how many
//! messages were pending at creation. [`PushWatch::next`] yields data messages with the metadata of
//! their `$JS.ACK` reply (stream sequence, stored time, messages still pending), answering flow
//! control on the way. Dropping the watch unsubscribes and deletes the consumer.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use switchyard_shared::api::consumer::{AckPolicy, ConsumerConfig, ReplayPolicy};
use switchyard_shared::time::Timestamp;
use switchyard_web::core::Message;
use switchyard_web::jetstream::{status_of, AckInfo, Status};
use switchyard_web::wasm::{Client, Subscriber};

use super::jetstream::{self, JsError};

const HEARTBEAT_NS: i64 = 5_000_000_000;

/// A delivered message and where it sits in the stream.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub msg: Message,
    pub stream_seq: u64,
    /// Messages left for the consumer after this one (0 on the last of a backlog).
    pub pending: u64,
    pub time: Timestamp,
}

/// An ephemeral ordered push consumer and its inbox.
pub struct PushWatch {
    client: Client,
    sub: Subscriber,
    stream: String,
    consumer: String,
    /// Messages pending when the consumer was created.
    pub initial_pending: u64,
}

impl std::fmt::Debug for PushWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushWatch").field("stream", &self.stream).field("consumer", &self.consumer).finish()
    }
}

/// `fut`, or `None` after `ms` milliseconds.
pub async fn with_timeout<F: Future>(fut: F, ms: u32) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut timer = pin!(gloo_timers::future::TimeoutFuture::new(ms));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

impl PushWatch {
    /// Starts delivering `stream` messages as `config` says (its deliver subject, ack and flow
    /// settings are filled in here).
    pub async fn start(client: &Client, stream: &str, mut config: ConsumerConfig) -> Result<PushWatch, JsError> {
        let inbox = client.new_inbox();
        let sub = client.subscribe(&inbox, None)?;
        config.deliver_subject = inbox;
        config.ack_policy = AckPolicy::None;
        config.max_deliver = 1;
        config.replay_policy = ReplayPolicy::Instant;
        config.flow_control = true;
        config.heartbeat = HEARTBEAT_NS;
        config.memory_storage = true;
        config.replicas = 1;
        config.durable.clear();
        config.name.clear();
        let info = jetstream::consumer_create(client, stream, &config).await?;
        Ok(PushWatch {
            client: client.clone(),
            sub,
            stream: stream.to_owned(),
            consumer: info.name,
            initial_pending: info.num_pending,
        })
    }

    /// Ends the subscription: a pending [`next`](Self::next) returns `None`.
    pub fn stop(&self) {
        self.sub.unsubscribe();
    }

    /// The next data message; `None` when the subscription ended.
    pub async fn next(&self) -> Option<Delivery> {
        loop {
            let msg = self.sub.next().await?;
            match status_of(&msg) {
                Some(Status::FlowControl) => {
                    if let Some(reply) = &msg.reply {
                        let _ = self.client.publish(reply, b"");
                    }
                }
                Some(_) => {}
                None => {
                    let info = msg.reply.as_deref().and_then(AckInfo::parse);
                    return Some(Delivery {
                        stream_seq: info.as_ref().map_or(0, |i| i.stream_seq),
                        pending: info.as_ref().map_or(0, |i| i.pending),
                        time: Timestamp::from_unix_nanos(info.as_ref().map_or(0, |i| i.timestamp_ns as i64)),
                        msg,
                    });
                }
            }
        }
    }

    /// The messages that were pending at creation (until one reports nothing pending), each waited
    /// for at most `timeout_ms`.
    pub async fn backlog(&self, timeout_ms: u32) -> Result<Vec<Delivery>, JsError> {
        let mut out = Vec::new();
        if self.initial_pending == 0 {
            return Ok(out);
        }
        loop {
            match with_timeout(self.next(), timeout_ms).await {
                Some(Some(d)) => {
                    let done = d.pending == 0;
                    out.push(d);
                    if done {
                        return Ok(out);
                    }
                }
                Some(None) => return Ok(out),
                None => return Err(JsError::Request(switchyard_web::core::ClientError::Timeout)),
            }
        }
    }
}

impl Drop for PushWatch {
    fn drop(&mut self) {
        self.sub.unsubscribe();
        let (client, stream, consumer) = (self.client.clone(), self.stream.clone(), self.consumer.clone());
        if consumer.is_empty() {
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            let _ = jetstream::consumer_delete(&client, &stream, &consumer).await;
        });
    }
}
