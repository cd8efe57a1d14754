//! Service imports: requests published in the importing account are forwarded into the exporting
//! account, and the responses find their way back.
//!
//! A [`ServiceImport`] subscribes in the importer's router on the import's local subject (`to`) and
//! republishes each request into the exporter's router on the exported subject. A request's reply
//! subject only means something in the importer, so it is replaced by a private one, `_R_.<link>.<n>`,
//! remembered in the link's [`Responses`]. A [`ResponseRoute`] subscribed in the exporter on
//! `_R_.<link>.>` turns each response back into a message on the original reply subject in the
//! importer: once for a `singleton` export, any number of times within the response threshold for
//! `stream` and `chunked` exports. Clients cannot forge these replies: the session refuses `_R_.` reply
//! subjects from clients, as nats-server does.
//!
//! A request nobody in the exporter answers gets no reply (nats-server 2.9 behaves the same); a
//! subject that is not imported gets the importer's usual 503 no-responders.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::config::ResponseType;
use crate::core::mapping::Transform;
use crate::core::{ClientId, Msg, Subscriber, Subscription};

use super::forward::Forwarder;

/// How long a forwarded request waits for responses (nats-server's default response threshold).
pub const RESPONSE_THRESHOLD: Duration = Duration::from_secs(120);
/// Open requests kept before expired ones are pruned.
const PRUNE_SIZE: usize = 1024;
/// Expired requests are pruned at most this often.
const PRUNE_INTERVAL: Duration = Duration::from_secs(1);

/// The first token of private reply subjects.
pub const REPLY_PREFIX: &str = "_R_";

#[derive(Default)]
struct Pending {
    replies: HashMap<Bytes, (Bytes, Instant), ahash::RandomState>,
    last_prune: Option<Instant>,
}

/// The open requests of one service import: private reply subject → the requester's reply subject.
pub struct Responses {
    /// `_R_.<link>.`
    prefix: String,
    kind: ResponseType,
    threshold: Duration,
    next: AtomicU64,
    pending: Mutex<Pending>,
}

impl Responses {
    /// `link` is a token unique to the import (and hard to guess).
    pub fn new(link: &str, kind: ResponseType, threshold: Duration) -> Arc<Self> {
        Arc::new(Responses {
            prefix: format!("{REPLY_PREFIX}.{link}."),
            kind,
            threshold,
            next: AtomicU64::new(1),
            pending: Mutex::default(),
        })
    }

    /// The subject the exporter sees responses arrive on: `_R_.<link>.>`.
    pub fn filter(&self) -> String {
        format!("{}>", self.prefix)
    }

    /// Opens a request: returns the private reply subject standing in for `reply`.
    pub fn open(&self, reply: &Bytes, now: Instant) -> Bytes {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let private = Bytes::from(format!("{}{n:x}", self.prefix));
        let mut pending = self.pending.lock();
        pending.replies.insert(private.clone(), (reply.clone(), now));
        if pending.replies.len() > PRUNE_SIZE && pending.last_prune.is_none_or(|t| now - t > PRUNE_INTERVAL) {
            let threshold = self.threshold;
            pending.replies.retain(|_, (_, opened)| now.duration_since(*opened) <= threshold);
            pending.last_prune = Some(now);
        }
        private
    }

    /// Where a response to `private` goes, if the request is still open; a singleton request closes.
    pub fn route(&self, private: &[u8], now: Instant) -> Option<Bytes> {
        let mut pending = self.pending.lock();
        let (reply, opened) = pending.replies.get(private)?.clone();
        if now.duration_since(opened) > self.threshold {
            pending.replies.remove(private);
            return None;
        }
        if self.kind == ResponseType::Singleton {
            pending.replies.remove(private);
        }
        Some(reply)
    }

    /// Requests still waiting for a response.
    pub fn open_count(&self) -> usize {
        self.pending.lock().replies.len()
    }
}

/// The request side of one service import.
pub struct ServiceImport {
    id: ClientId,
    remote: Transform,
    into: Forwarder,
    responses: Arc<Responses>,
}

impl ServiceImport {
    pub fn new(id: ClientId, remote: Transform, into: Forwarder, responses: Arc<Responses>) -> Arc<Self> {
        Arc::new(ServiceImport { id, remote, into, responses })
    }
}

impl Subscriber for ServiceImport {
    fn id(&self) -> ClientId {
        self.id
    }

    fn deliver(&self, _sub: &Subscription, msg: &Msg<'_>) -> bool {
        // The router only hands over subjects that match the import's source.
        let subject = self.remote.apply(msg.subject).unwrap_or_else(|| Bytes::copy_from_slice(msg.subject));
        let reply = msg.reply.map(|r| self.responses.open(r, Instant::now()));
        let request = Msg { subject: &subject, reply: reply.as_ref(), headers: msg.headers, payload: msg.payload };
        self.into.publish(&subject, &request).0
    }

    fn flush(&self) {
        self.into.flush();
    }
}

/// The response side of one service import: subscribed in the exporter on `_R_.<link>.>`.
pub struct ResponseRoute {
    id: ClientId,
    responses: Arc<Responses>,
    back: Forwarder,
}

impl ResponseRoute {
    pub fn new(id: ClientId, responses: Arc<Responses>, back: Forwarder) -> Arc<Self> {
        Arc::new(ResponseRoute { id, responses, back })
    }
}

impl Subscriber for ResponseRoute {
    fn id(&self) -> ClientId {
        self.id
    }

    fn deliver(&self, _sub: &Subscription, msg: &Msg<'_>) -> bool {
        let Some(target) = self.responses.route(msg.subject, Instant::now()) else { return false };
        let response = Msg { subject: &target, reply: msg.reply, headers: msg.headers, payload: msg.payload };
        self.back.publish(&target, &response).0
    }

    fn flush(&self) {
        self.back.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singleton_requests_route_one_response() {
        let r = Responses::new("abc", ResponseType::Singleton, RESPONSE_THRESHOLD);
        let now = Instant::now();
        let private = r.open(&Bytes::from_static(b"_INBOX.1"), now);
        assert!(private.starts_with(b"_R_.abc."));
        assert_eq!(r.filter(), "_R_.abc.>");
        assert_eq!(r.route(&private, now).as_deref(), Some(&b"_INBOX.1"[..]));
        assert_eq!(r.route(&private, now), None);
        assert_eq!(r.open_count(), 0);
    }

    #[test]
    fn stream_requests_route_until_the_threshold() {
        let r = Responses::new("abc", ResponseType::Stream, Duration::from_secs(10));
        let now = Instant::now();
        let private = r.open(&Bytes::from_static(b"_INBOX.2"), now);
        let other = r.open(&Bytes::from_static(b"_INBOX.3"), now);
        assert_ne!(private, other, "every request gets its own reply subject");
        assert!(r.route(&private, now).is_some());
        assert!(r.route(&private, now + Duration::from_secs(5)).is_some());
        assert_eq!(r.route(&private, now + Duration::from_secs(11)), None);
    }

    #[test]
    fn expired_requests_are_pruned() {
        let r = Responses::new("p", ResponseType::Singleton, Duration::from_secs(1));
        let start = Instant::now();
        for _ in 0..PRUNE_SIZE {
            r.open(&Bytes::from_static(b"x"), start);
        }
        r.open(&Bytes::from_static(b"x"), start + Duration::from_secs(5));
        assert_eq!(r.open_count(), 1);
    }
}
