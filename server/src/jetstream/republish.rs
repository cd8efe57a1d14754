//! Republish: a copy of every stored message matching the stream's `republish.src`, sent to the
//! transformed `republish.dest` subject as a plain core message (nats-server `RePublish`).
//!
//! The stream decides under its lock what to republish ([`Republished::new`], right after storing,
//! with the subject's previous sequence read before the store) and queues it; the copies go out through
//! the router once the lock is released ([`publish`]). The copy carries the stored headers plus
//! `Nats-Stream`, `Nats-Subject`, `Nats-Sequence`, `Nats-Time-Stamp` and `Nats-Last-Sequence` (the
//! previous sequence on that subject, 0 if none, so lightweight clients can detect gaps); with
//! `headers_only` the payload is left out and `Nats-Msg-Size` tells its size.
//!
//! Republished messages are not stored anywhere and are not mapped; nobody listening is not an error.

use bytes::{Bytes, BytesMut};

use switchyard_shared::time::Timestamp;

use crate::core::internal::Outbox;

/// One copy waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Republished {
    pub subject: Bytes,
    pub headers: Bytes,
    pub payload: Bytes,
}

/// What was stored, as republish needs it.
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    pub stream: &'a str,
    pub subject: &'a str,
    pub seq: u64,
    pub ts: i64,
    /// The previous sequence on `subject`, 0 if none.
    pub last_seq: u64,
    pub headers: &'a [u8],
    pub payload: &'a Bytes,
}

impl Republished {
    /// The copy of `m` for `dest`.
    pub fn new(dest: &str, headers_only: bool, m: &Stored<'_>) -> Republished {
        let mut out = BytesMut::with_capacity(m.headers.len() + 200);
        if m.headers.len() >= 12 && m.headers.starts_with(b"NATS/1.0") && m.headers.ends_with(b"\r\n\r\n") {
            out.extend_from_slice(&m.headers[..m.headers.len() - 2]);
        } else {
            out.extend_from_slice(b"NATS/1.0\r\n");
        }
        let mut put = |k: &str, v: &str| {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        };
        put("Nats-Stream", m.stream);
        put("Nats-Subject", m.subject);
        put("Nats-Sequence", &m.seq.to_string());
        put("Nats-Time-Stamp", &Timestamp(m.ts).to_rfc3339());
        put("Nats-Last-Sequence", &m.last_seq.to_string());
        if headers_only {
            put("Nats-Msg-Size", &m.payload.len().to_string());
        }
        out.extend_from_slice(b"\r\n");
        Republished {
            subject: Bytes::copy_from_slice(dest.as_bytes()),
            headers: out.freeze(),
            payload: if headers_only { Bytes::new() } else { m.payload.clone() },
        }
    }
}

/// Sends queued copies; the caller flushes the outbox at the end of its batch.
pub fn publish(outbox: &mut Outbox, copies: Vec<Republished>) {
    for c in copies {
        outbox.publish(&c.subject, None, Some(&c.headers), &c.payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::headers;

    fn stored<'a>(hdr: &'a [u8], payload: &'a Bytes) -> Stored<'a> {
        Stored { stream: "S", subject: "orders.1", seq: 7, ts: 1_000_000_000, last_seq: 3, headers: hdr, payload }
    }

    #[test]
    fn copy_carries_stream_position_and_original_headers() {
        let payload = Bytes::from_static(b"body");
        let r = Republished::new("rp.1", false, &stored(b"NATS/1.0\r\nX-Mine: yes\r\n\r\n", &payload));
        assert_eq!(&r.subject[..], b"rp.1");
        assert_eq!(r.payload, payload);
        let h = &r.headers[..];
        assert!(h.starts_with(b"NATS/1.0\r\nX-Mine: yes\r\nNats-Stream: S\r\n"), "{:?}", String::from_utf8_lossy(h));
        assert!(h.ends_with(b"\r\n\r\n"));
        assert_eq!(headers::find(h, "Nats-Subject"), Some(&b"orders.1"[..]));
        assert_eq!(headers::find(h, "Nats-Sequence"), Some(&b"7"[..]));
        assert_eq!(headers::find(h, "Nats-Last-Sequence"), Some(&b"3"[..]));
        assert_eq!(headers::find(h, "Nats-Time-Stamp"), Some(&b"1970-01-01T00:00:01Z"[..]));
        assert_eq!(headers::find(h, "Nats-Msg-Size"), None);
    }

    #[test]
    fn headers_only_copy_has_the_size_instead_of_the_payload() {
        let payload = Bytes::from_static(b"12345");
        let r = Republished::new("rp", true, &stored(b"", &payload));
        assert!(r.payload.is_empty());
        assert!(r.headers.starts_with(b"NATS/1.0\r\nNats-Stream: S\r\n"));
        assert_eq!(headers::find(&r.headers, "Nats-Msg-Size"), Some(&b"5"[..]));
    }
}
