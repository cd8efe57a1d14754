//! JetStream advisories: the JSON events nats-server publishes under `$JS.EVENT.ADVISORY.>` when
//! streams and consumers are created, updated or deleted, and when a consumer gives up on a message
//! (max deliveries) or a client NAKs or terminates one.
//!
//! Callers build an [`Advisory`] and hand it to [`Advisory::publish`] with an [`Outbox`]; nothing is
//! encoded unless someone is subscribed to the subject. The shapes (`type`, `id`, `timestamp` and
//! the event's fields) are nats-server's. API audit events and metrics are not produced.

use bytes::Bytes;
use serde_json::{json, Value};

use switchyard_shared::time::Timestamp;

use crate::core::conn::now_nanos;
use crate::core::internal::Outbox;

/// What happened to a stream or consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Delete,
    Modify,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Delete => "delete",
            Action::Modify => "modify",
        }
    }

    fn subject_word(self) -> &'static str {
        match self {
            Action::Create => "CREATED",
            Action::Delete => "DELETED",
            Action::Modify => "UPDATED",
        }
    }
}

/// One advisory event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advisory<'a> {
    Stream {
        stream: &'a str,
        action: Action,
    },
    Consumer {
        stream: &'a str,
        consumer: &'a str,
        action: Action,
    },
    /// A message reached the consumer's `max_deliver` and will not be delivered again.
    MaxDeliver {
        stream: &'a str,
        consumer: &'a str,
        stream_seq: u64,
        deliveries: u64,
    },
    /// A client NAKed a delivery.
    Nak {
        stream: &'a str,
        consumer: &'a str,
        consumer_seq: u64,
        stream_seq: u64,
        deliveries: u64,
    },
    /// A client terminated a delivery (`+TERM`).
    Terminated {
        stream: &'a str,
        consumer: &'a str,
        consumer_seq: u64,
        stream_seq: u64,
        deliveries: u64,
        reason: Option<&'a str>,
    },
}

impl Advisory<'_> {
    /// The subject it is published on.
    pub fn subject(&self) -> String {
        match self {
            Advisory::Stream { stream, action } => {
                format!("$JS.EVENT.ADVISORY.STREAM.{}.{stream}", action.subject_word())
            }
            Advisory::Consumer { stream, consumer, action } => {
                format!("$JS.EVENT.ADVISORY.CONSUMER.{}.{stream}.{consumer}", action.subject_word())
            }
            Advisory::MaxDeliver { stream, consumer, .. } => {
                format!("$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.{consumer}")
            }
            Advisory::Nak { stream, consumer, .. } => {
                format!("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.{stream}.{consumer}")
            }
            Advisory::Terminated { stream, consumer, .. } => {
                format!("$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.{stream}.{consumer}")
            }
        }
    }

    /// The JSON body, with the event id and time given.
    pub fn body(&self, id: &str, now: i64, domain: Option<&str>) -> Value {
        let mut v = match self {
            Advisory::Stream { stream, action } => json!({
                "type": "io.nats.jetstream.advisory.v1.stream_action",
                "stream": stream,
                "action": action.as_str(),
            }),
            Advisory::Consumer { stream, consumer, action } => json!({
                "type": "io.nats.jetstream.advisory.v1.consumer_action",
                "stream": stream,
                "consumer": consumer,
                "action": action.as_str(),
            }),
            Advisory::MaxDeliver { stream, consumer, stream_seq, deliveries } => json!({
                "type": "io.nats.jetstream.advisory.v1.max_deliver",
                "stream": stream,
                "consumer": consumer,
                "stream_seq": stream_seq,
                "deliveries": deliveries,
            }),
            Advisory::Nak { stream, consumer, consumer_seq, stream_seq, deliveries } => json!({
                "type": "io.nats.jetstream.advisory.v1.nak",
                "stream": stream,
                "consumer": consumer,
                "consumer_seq": consumer_seq,
                "stream_seq": stream_seq,
                "deliveries": deliveries,
            }),
            Advisory::Terminated { stream, consumer, consumer_seq, stream_seq, deliveries, reason } => {
                let mut v = json!({
                    "type": "io.nats.jetstream.advisory.v1.terminated",
                    "stream": stream,
                    "consumer": consumer,
                    "consumer_seq": consumer_seq,
                    "stream_seq": stream_seq,
                    "deliveries": deliveries,
                });
                if let Some(r) = reason {
                    v["reason"] = json!(r);
                }
                v
            }
        };
        v["id"] = json!(id);
        v["timestamp"] = json!(Timestamp(now));
        if let Some(d) = domain.filter(|d| !d.is_empty()) {
            v["domain"] = json!(d);
        }
        v
    }

    /// Publishes it through `outbox` when anyone listens; the caller flushes the outbox.
    pub fn publish(&self, outbox: &mut Outbox, domain: Option<&str>) {
        let subject = Bytes::from(self.subject());
        if !outbox.router().sublist().has_interest(&subject) {
            return;
        }
        let body = self.body(&event_id(), now_nanos(), domain);
        let payload = Bytes::from(serde_json::to_vec(&body).unwrap_or_default());
        outbox.publish(&subject, None, None, &payload);
    }
}

/// A unique event id: 22 random alphanumerics, like a NUID.
fn event_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..22).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_and_consumer_actions_have_nats_server_subjects_and_shapes() {
        let a = Advisory::Stream { stream: "S", action: Action::Modify };
        assert_eq!(a.subject(), "$JS.EVENT.ADVISORY.STREAM.UPDATED.S");
        let body = a.body("id1", 1_700_000_000_000_000_000, None);
        assert_eq!(body["type"], "io.nats.jetstream.advisory.v1.stream_action");
        assert_eq!(body["action"], "modify");
        assert_eq!(body["timestamp"], "2023-11-14T22:13:20Z");
        assert!(body.get("domain").is_none());
        let c = Advisory::Consumer { stream: "S", consumer: "C", action: Action::Delete };
        assert_eq!(c.subject(), "$JS.EVENT.ADVISORY.CONSUMER.DELETED.S.C");
        assert_eq!(c.body("x", 0, Some("hub"))["domain"], "hub");
    }

    #[test]
    fn delivery_advisories_carry_sequences() {
        let t = Advisory::Terminated {
            stream: "S",
            consumer: "C",
            consumer_seq: 4,
            stream_seq: 9,
            deliveries: 2,
            reason: Some("bad"),
        };
        assert_eq!(t.subject(), "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.C");
        let body = t.body("x", 0, None);
        assert_eq!((body["stream_seq"].as_u64(), body["consumer_seq"].as_u64()), (Some(9), Some(4)));
        assert_eq!(body["reason"], "bad");
        let m = Advisory::MaxDeliver { stream: "S", consumer: "C", stream_seq: 3, deliveries: 5 };
        assert_eq!(m.subject(), "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.C");
        assert_eq!(m.body("x", 0, None)["type"], "io.nats.jetstream.advisory.v1.max_deliver");
        let n = Advisory::Nak { stream: "S", consumer: "C", consumer_seq: 1, stream_seq: 1, deliveries: 1 };
        assert_eq!(n.subject(), "$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.S.C");
    }
}
