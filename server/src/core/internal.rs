//! Server-internal clients: services (the JetStream API, streams, system requests) that subscribe and
//! publish through the router like any connection.
//!
//! An [`InternalClient`] is a [`Subscriber`] whose deliveries go into an in-memory inbox instead of a
//! socket; the service's task takes them in batches with [`InternalClient::next_batch`]. The inbox is
//! bounded in bytes: when a service cannot keep up, further messages are refused (counted in
//! [`InternalClient::dropped`]) rather than letting memory grow without limit, and the publisher is
//! never blocked. Publishing goes through [`Outbox`], which keeps the service's own match cache.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::client::{ClientId, Msg, Subscriber, Subscription};
use super::router::{PublishCtx, Router};

/// One message delivered to an internal client.
#[derive(Debug, Clone)]
pub struct InMsg {
    /// The subscription's sid, which services use to tell their subscriptions apart.
    pub sid: Bytes,
    pub subject: Bytes,
    pub reply: Option<Bytes>,
    pub headers: Option<Bytes>,
    pub payload: Bytes,
}

#[derive(Default)]
struct Inbox {
    msgs: VecDeque<InMsg>,
    bytes: usize,
    notified: bool,
}

/// A subscriber that queues deliveries for a service task.
pub struct InternalClient {
    id: ClientId,
    inbox: Mutex<Inbox>,
    notify: Notify,
    max_bytes: usize,
    dropped: AtomicU64,
}

impl InternalClient {
    pub fn new(id: ClientId, max_bytes: usize) -> Arc<Self> {
        Arc::new(InternalClient {
            id,
            inbox: Mutex::default(),
            notify: Notify::new(),
            max_bytes,
            dropped: AtomicU64::new(0),
        })
    }

    /// This client's id (the `cid` its messages carry as origin).
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// Subscribes this client to `subject` (optionally in a queue group) under `sid`.
    pub fn subscribe(
        self: &Arc<Self>,
        router: &Router,
        subject: &str,
        queue: Option<&str>,
        sid: &str,
    ) -> Arc<Subscription> {
        let me: Arc<dyn Subscriber> = self.clone();
        let sub = Arc::new(Subscription::new(
            me,
            Bytes::copy_from_slice(subject.as_bytes()),
            queue.map(|q| Bytes::copy_from_slice(q.as_bytes())),
            Bytes::copy_from_slice(sid.as_bytes()),
        ));
        router.subscribe(sub.clone());
        sub
    }

    /// Waits for messages and takes all that are queued.
    pub async fn next_batch(&self) -> Vec<InMsg> {
        loop {
            {
                let mut inbox = self.inbox.lock();
                inbox.notified = false;
                if !inbox.msgs.is_empty() {
                    inbox.bytes = 0;
                    return inbox.msgs.drain(..).collect();
                }
            }
            self.notify.notified().await;
        }
    }

    /// Messages refused because the inbox was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Subscriber for InternalClient {
    fn id(&self) -> ClientId {
        self.id
    }

    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
        let size = msg.size() + msg.subject.len();
        let mut inbox = self.inbox.lock();
        if inbox.bytes + size > self.max_bytes {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        inbox.bytes += size;
        inbox.msgs.push_back(InMsg {
            sid: sub.sid.clone(),
            subject: msg.subject.clone(),
            reply: msg.reply.cloned(),
            headers: msg.headers.cloned(),
            payload: msg.payload.clone(),
        });
        !std::mem::replace(&mut inbox.notified, true)
    }

    fn flush(&self) {
        self.notify.notify_one();
    }
}

/// How a service publishes: its own publish context over the shared router.
pub struct Outbox {
    router: Arc<Router>,
    ctx: PublishCtx,
}

impl Outbox {
    pub fn new(router: Arc<Router>, id: ClientId) -> Self {
        let mut ctx = PublishCtx::new(id, true);
        ctx.map_subjects = false;
        Outbox { router, ctx }
    }

    /// Publishes one message; returns how many subscriptions got it. Call [`Outbox::flush`] after a batch.
    pub fn publish(
        &mut self,
        subject: &Bytes,
        reply: Option<&Bytes>,
        headers: Option<&Bytes>,
        payload: &Bytes,
    ) -> usize {
        let msg = Msg { subject, reply, headers, payload };
        self.router.publish(&mut self.ctx, subject, &msg)
    }

    /// Publishes a message routed by `route` but carrying `msg.subject` (JetStream deliveries).
    pub fn deliver_to(&mut self, route: &Bytes, msg: &Msg<'_>) -> usize {
        self.router.publish(&mut self.ctx, route, msg)
    }

    /// Ends a batch: wakes the receivers.
    pub fn flush(&mut self) {
        self.router.finish(&mut self.ctx);
    }

    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn internal_client_receives_and_refuses_when_full() {
        let router = Arc::new(Router::default());
        let svc = InternalClient::new(1000, 64);
        svc.subscribe(&router, "svc.>", None, "s1");
        let mut out = Outbox::new(router.clone(), 1);
        let subj = Bytes::from_static(b"svc.a");
        let payload = Bytes::from(vec![0u8; 20]);
        assert_eq!(out.publish(&subj, None, None, &payload), 1);
        assert_eq!(out.publish(&subj, None, None, &payload), 1);
        out.publish(&subj, None, None, &payload);
        out.flush();
        let batch = svc.next_batch().await;
        assert_eq!(batch.len(), 2);
        assert_eq!(&batch[0].sid[..], b"s1");
        assert_eq!(svc.dropped(), 1);
    }
}
