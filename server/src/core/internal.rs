//! Server-internal clients: services (the JetStream API, streams, system requests) that subscribe and
//! publish through the router like any connection.
//!
//! An [`InternalClient`] is a [`Subscriber`] whose deliveries go into an in-memory inbox instead of a
//! socket; the service's task takes them in batches with [`InternalClient::next_batch`]. The inbox is
//! bounded in bytes: when a service cannot keep up, further messages are refused (counted in
//! [`InternalClient::dropped`]) rather than letting memory grow without limit. A client made with
//! [`InternalClient::paced`] also keeps a [`Backlog`]: the bytes in its inbox and in the batch its
//! task is working on; past the backlog's limit the router reports it as stalled, and a publishing
//! connection stops reading until the service has caught up, so a fast publisher is paced by the
//! service instead of filling the inbox. Delivery itself never blocks. Publishing goes through
//! [`Outbox`], which keeps the service's own match cache.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::backlog::{Backlog, Stall};
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

impl InMsg {
    /// Subject, header and payload bytes: what the message counts against the inbox budget.
    fn size(&self) -> usize {
        self.subject.len() + self.headers.as_ref().map_or(0, Bytes::len) + self.payload.len()
    }
}

/// A paced client's batches hold about this fraction of its backlog limit (at least one message).
const PACED_BATCH_DIVISOR: usize = 4;

#[derive(Default)]
struct Inbox {
    msgs: VecDeque<InMsg>,
    bytes: usize,
    /// Bytes of the batch the task took last; released from the backlog when it asks for the next.
    in_flight: usize,
    notified: bool,
}

/// A subscriber that queues deliveries for a service task.
pub struct InternalClient {
    id: ClientId,
    inbox: Mutex<Inbox>,
    notify: Notify,
    max_bytes: usize,
    dropped: AtomicU64,
    backlog: Option<Arc<Backlog>>,
}

impl InternalClient {
    pub fn new(id: ClientId, max_bytes: usize) -> Arc<Self> {
        Self::build(id, max_bytes, None)
    }

    /// Like [`InternalClient::new`], and publishers wait while more than `pace_bytes` are queued or
    /// in the batch being handled (see the module doc).
    pub fn paced(id: ClientId, max_bytes: usize, pace_bytes: usize) -> Arc<Self> {
        Self::build(id, max_bytes, Some(Arc::new(Backlog::new(pace_bytes))))
    }

    fn build(id: ClientId, max_bytes: usize, backlog: Option<Arc<Backlog>>) -> Arc<Self> {
        Arc::new(InternalClient {
            id,
            inbox: Mutex::default(),
            notify: Notify::new(),
            max_bytes,
            dropped: AtomicU64::new(0),
            backlog,
        })
    }

    /// The backlog publishers are paced by, for a client made with [`InternalClient::paced`].
    pub fn backlog(&self) -> Option<&Arc<Backlog>> {
        self.backlog.as_ref()
    }

    /// The service stopped taking batches: publishers must no longer wait for it.
    pub fn close(&self) {
        if let Some(b) = &self.backlog {
            b.close();
        }
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

    /// Waits for messages and takes all that are queued. Asking for a batch means the previous one
    /// has been handled.
    pub async fn next_batch(&self) -> Vec<InMsg> {
        loop {
            {
                let mut inbox = self.inbox.lock();
                let done = std::mem::take(&mut inbox.in_flight);
                if let Some(b) = &self.backlog {
                    b.release(done);
                }
                inbox.notified = false;
                if inbox.msgs.is_empty() {
                    // Fall through to wait.
                } else if let Some(b) = &self.backlog {
                    // Batches of a fraction of the pace: the publisher is let go on once one of them
                    // is stored, while the rest keeps the service busy.
                    let cap = b.limit() / PACED_BATCH_DIVISOR;
                    let mut taken = 0;
                    let mut n = 0;
                    while n < inbox.msgs.len() && (n == 0 || taken < cap) {
                        taken += inbox.msgs[n].size();
                        n += 1;
                    }
                    // What is left is taken by the next call, which looks before it waits.
                    inbox.bytes -= taken;
                    inbox.in_flight = taken;
                    return inbox.msgs.drain(..n).collect();
                } else {
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
        // Behind: ask for the end-of-batch call, where the router collects what is stalled.
        let behind = self.backlog.as_ref().is_some_and(|b| b.add(size));
        !std::mem::replace(&mut inbox.notified, true) || behind
    }

    fn flush(&self) {
        self.notify.notify_one();
    }

    fn stalled(&self) -> Option<Stall> {
        self.backlog.as_ref().filter(|b| b.is_behind()).map(|b| Stall::Backlog(b.clone()))
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
        // Services never wait for their receivers (that is what keeps a connection's wait for a
        // stream free of cycles): forget what was stalled.
        drop(self.ctx.take_stalled());
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

    #[tokio::test]
    async fn a_paced_client_is_stalled_until_its_task_has_handled_the_backlog() {
        let router = Arc::new(Router::default());
        let svc = InternalClient::paced(1000, 1 << 20, 100);
        svc.subscribe(&router, "svc", None, "s1");
        // A client connection's publish context: it is told what is stalled.
        let mut ctx = PublishCtx::new(1, true);
        let subj = Bytes::from_static(b"svc");
        let payload = Bytes::from(vec![0u8; 60]);
        let msg = Msg { subject: &subj, reply: None, headers: None, payload: &payload };
        router.publish(&mut ctx, &subj, &msg);
        router.finish(&mut ctx);
        assert!(ctx.take_stalled().is_empty(), "63 bytes are within 100");
        router.publish(&mut ctx, &subj, &msg);
        router.publish(&mut ctx, &subj, &msg);
        router.finish(&mut ctx);
        let stalled = ctx.take_stalled();
        assert_eq!(stalled.len(), 1, "one stall for the client, however many messages");
        let backlog = svc.backlog().unwrap().clone();
        assert_eq!(backlog.held(), 189);
        let stall = stalled.into_iter().next().unwrap();
        let waiter = tokio::spawn(async move { stall.wait(std::time::Duration::ZERO).await });
        assert_eq!(svc.next_batch().await.len(), 1, "batches of a quarter of the pace, at least one message");
        assert_eq!(svc.next_batch().await.len(), 1, "the rest is taken without a new wake-up");
        assert!(backlog.is_behind(), "the batch being handled still counts");
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(svc.next_batch().await.len(), 1);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("asking for the next batch releases the handled one")
            .unwrap();
        assert_eq!(backlog.held(), 63);
    }
}
