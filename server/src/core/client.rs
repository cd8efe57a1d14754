//! What the routing core knows about a client: something that can receive a message.
//!
//! Every front-end (NATS over TCP or WebSocket, MQTT) and every internal service (the JetStream API,
//! streams, system requests) implements [`Subscriber`]. A [`Subscription`] ties a subject (and optional
//! queue group) to a subscriber plus that subscriber's own handle for it (the NATS `sid`). The core never
//! looks inside a subscriber: it calls [`Subscriber::deliver`] and, once per publish batch,
//! [`Subscriber::flush`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

/// Server-unique connection id (`cid` in monitoring, `client_id` in INFO).
pub type ClientId = u64;

/// Which front-end a connection came through; `kind`/`type` in `/connz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Client,
    WebSocket,
    Mqtt,
    /// Server-internal subscribers (JetStream, system services).
    Internal,
}

impl Kind {
    /// nats-server's `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Client | Kind::WebSocket | Kind::Mqtt => "Client",
            Kind::Internal => "Internal",
        }
    }

    /// nats-server's `type` string for client connections.
    pub fn type_str(self) -> &'static str {
        match self {
            Kind::Client => "nats",
            Kind::WebSocket => "websocket",
            Kind::Mqtt => "mqtt",
            Kind::Internal => "internal",
        }
    }
}

/// Why a connection ended; the strings are nats-server's, as shown in `/connz?state=closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseReason {
    ClientClosed,
    AuthenticationTimeout,
    AuthenticationViolation,
    TlsHandshakeError,
    SlowConsumerPendingBytes,
    SlowConsumerWriteDeadline,
    WriteError,
    ReadError,
    ParseError,
    StaleConnection,
    ProtocolViolation,
    BadClientProtocolVersion,
    MaxConnectionsExceeded,
    MaxPayloadExceeded,
    MaxControlLineExceeded,
    MaxSubscriptionsExceeded,
    ServerShutdown,
    NoRespondersRequiresHeaders,
    DuplicateClientId,
    Kicked,
}

impl CloseReason {
    /// Whether the server ended a connection whose client may still be sending (it broke a rule,
    /// was too slow, was kicked): worth a graceful close so that the client reads the `-ERR` before
    /// the socket goes away. Not when the client left, the socket failed, or the server stops.
    pub fn client_may_still_send(self) -> bool {
        !matches!(
            self,
            CloseReason::ClientClosed
                | CloseReason::ReadError
                | CloseReason::WriteError
                | CloseReason::SlowConsumerWriteDeadline
                | CloseReason::TlsHandshakeError
                | CloseReason::ServerShutdown
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ClientClosed => "Client Closed",
            CloseReason::AuthenticationTimeout => "Authentication Timeout",
            CloseReason::AuthenticationViolation => "Authentication Failure",
            CloseReason::TlsHandshakeError => "TLS Handshake Failure",
            CloseReason::SlowConsumerPendingBytes => "Slow Consumer (Pending Bytes)",
            CloseReason::SlowConsumerWriteDeadline => "Slow Consumer (Write Deadline)",
            CloseReason::WriteError => "Write Error",
            CloseReason::ReadError => "Read Error",
            CloseReason::ParseError => "Parse Error",
            CloseReason::StaleConnection => "Stale Connection",
            CloseReason::ProtocolViolation => "Protocol Violation",
            CloseReason::BadClientProtocolVersion => "Bad Client Protocol Version",
            CloseReason::MaxConnectionsExceeded => "Maximum Connections Exceeded",
            CloseReason::MaxPayloadExceeded => "Maximum Message Payload Exceeded",
            CloseReason::MaxControlLineExceeded => "Maximum Control Line Exceeded",
            CloseReason::MaxSubscriptionsExceeded => "Maximum Subscriptions Exceeded",
            CloseReason::ServerShutdown => "Server Shutdown",
            CloseReason::NoRespondersRequiresHeaders => "No Responders Requires Headers",
            CloseReason::DuplicateClientId => "Duplicate Client ID",
            CloseReason::Kicked => "Kicked",
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message as the core moves it. All parts are reference-counted slices: delivering to many
/// subscribers copies none of them.
#[derive(Debug, Clone, Copy)]
pub struct Msg<'a> {
    /// The subject the message carries (what a NATS subscriber sees in `MSG`).
    pub subject: &'a Bytes,
    pub reply: Option<&'a Bytes>,
    /// Encoded header block (`NATS/1.0…\r\n\r\n`), if any.
    pub headers: Option<&'a Bytes>,
    pub payload: &'a Bytes,
}

impl Msg<'_> {
    /// Header block plus payload length, the size counted against limits and in statistics.
    pub fn size(&self) -> usize {
        self.headers.map_or(0, |h| h.len()) + self.payload.len()
    }
}

/// Anything that can receive messages from the router.
pub trait Subscriber: Send + Sync {
    /// The connection (or internal client) id; used for `echo` and monitoring.
    fn id(&self) -> ClientId;

    /// Queues one message for `sub`. Must not block. Returns true when the subscriber now has data
    /// waiting that the caller should [`flush`](Subscriber::flush) at the end of its batch (returned
    /// once per batch, not once per message).
    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool;

    /// Makes queued data move (wakes a writer task). Called once per publish batch.
    fn flush(&self) {}

    /// `sub` reached its auto-unsubscribe limit and the router removed it; forget it.
    fn retired(&self, _sub: &Arc<Subscription>) {}

    /// What the publisher should wait for when this subscriber is behind: its outbound queue past
    /// the stall threshold (pause instead of pushing it into the slow-consumer limit), or a
    /// service's backlog past its limit (see `backlog`).
    fn stalled(&self) -> Option<super::backlog::Stall> {
        None
    }
}

/// One subscription in the sublist.
pub struct Subscription {
    pub subject: Bytes,
    pub queue: Option<Bytes>,
    /// The subscriber's handle for this subscription (NATS `sid`).
    pub sid: Bytes,
    pub client: Arc<dyn Subscriber>,
    /// Auto-unsubscribe after this many deliveries (0 = never).
    max: AtomicU64,
    delivered: AtomicU64,
    closed: AtomicBool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("subject", &self.subject)
            .field("queue", &self.queue)
            .field("sid", &self.sid)
            .field("client", &self.client.id())
            .finish()
    }
}

/// What [`Subscription::claim`] decided about one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Deliver it.
    Deliver,
    /// Deliver it; it is the last one before the auto-unsubscribe limit, so remove the subscription.
    DeliverLast,
    /// The limit was already reached (or the subscription closed): skip.
    Skip,
}

impl Subscription {
    pub fn new(client: Arc<dyn Subscriber>, subject: Bytes, queue: Option<Bytes>, sid: Bytes) -> Self {
        Subscription {
            subject,
            queue,
            sid,
            client,
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Sets the auto-unsubscribe limit (total deliveries, counting those already made). Returns true when
    /// the limit is already reached and the subscription should go now.
    pub fn set_max(&self, max: u64) -> bool {
        self.max.store(max, Ordering::Release);
        max != 0 && self.delivered.load(Ordering::Acquire) >= max
    }

    pub fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Counts one delivery against the auto-unsubscribe limit.
    #[inline]
    pub fn claim(&self) -> Claim {
        if self.closed.load(Ordering::Relaxed) {
            return Claim::Skip;
        }
        let max = self.max.load(Ordering::Acquire);
        let n = self.delivered.fetch_add(1, Ordering::AcqRel) + 1;
        if max == 0 || n < max {
            Claim::Deliver
        } else if n == max {
            Claim::DeliverLast
        } else {
            Claim::Skip
        }
    }

    /// Marks the subscription closed: no further deliveries even if a stale match result still holds it.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A recording subscriber for core tests.
    use super::*;
    use parking_lot::Mutex;

    #[derive(Default)]
    pub struct Recorder {
        pub id: ClientId,
        pub got: Mutex<Vec<(String, String, String)>>,
        pub flushes: AtomicU64,
        pub retired: AtomicU64,
    }

    impl Subscriber for Recorder {
        fn id(&self) -> ClientId {
            self.id
        }
        fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
            let s = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
            self.got.lock().push((s(&sub.sid), s(msg.subject), s(msg.payload)));
            true
        }
        fn flush(&self) {
            self.flushes.fetch_add(1, Ordering::Relaxed);
        }
        fn retired(&self, _sub: &Arc<Subscription>) {
            self.retired.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn sub(subject: &str, queue: Option<&str>) -> Arc<Subscription> {
        sub_for(Arc::new(Recorder::default()), subject, queue, "1")
    }

    pub fn sub_for(client: Arc<dyn Subscriber>, subject: &str, queue: Option<&str>, sid: &str) -> Arc<Subscription> {
        Arc::new(Subscription::new(
            client,
            Bytes::copy_from_slice(subject.as_bytes()),
            queue.map(|q| Bytes::copy_from_slice(q.as_bytes())),
            Bytes::copy_from_slice(sid.as_bytes()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::sub;
    use super::*;

    #[test]
    fn auto_unsubscribe_counts_deliveries() {
        let s = sub("a", None);
        assert!(!s.set_max(2));
        assert_eq!(s.claim(), Claim::Deliver);
        assert_eq!(s.claim(), Claim::DeliverLast);
        assert_eq!(s.claim(), Claim::Skip);
        let t = sub("a", None);
        t.claim();
        t.claim();
        assert!(t.set_max(2), "limit already reached");
    }

    #[test]
    fn closed_subscription_skips() {
        let s = sub("a", None);
        s.close();
        assert_eq!(s.claim(), Claim::Skip);
    }
}
