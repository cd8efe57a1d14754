//! Subject delete markers (nats-server 2.11 `subject_delete_marker_ttl`).
//!
//! When a stream has a marker TTL and the last message of a subject leaves by age (`max_age` or its
//! own `Nats-TTL`), the stream stores a marker in its place: an empty message on that subject with
//! `Nats-Marker-Reason: MaxAge`, `Nats-TTL: <marker TTL>` and `Nats-Rollup: sub`, so watchers (KV
//! clients read it as a purge) learn that the subject is gone, and the marker itself expires later.
//! Earlier messages of the subject, and expiring markers, are simply removed. nats-server 2.11 also
//! names the reasons `Purge` and `Remove` but emits neither, and neither does this.
//!
//! The store removes expired messages without saying which subjects they had, so for streams with
//! markers the stream asks [`Markers::expire`] first: it finds what is due (by age from the head of
//! the stream, by TTL from its own index of messages stored with one, rebuilt from the stored
//! `Nats-TTL` headers when the stream opens), removes it, and returns the subjects that need a marker;
//! the stream then stores a [`marker_msg`] for each through its publish path.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bytes::Bytes;

use switchyard_shared::api::stream::parse_msg_ttl;
use switchyard_shared::headers;

use super::store::{Store, StoreError};
use crate::core::internal::InMsg;

const NANOS: i64 = 1_000_000_000;

/// The index of messages stored with a TTL, for streams with subject delete markers.
#[derive(Debug, Default)]
pub struct Markers {
    /// `(expires at, seq)`.
    ttls: BTreeSet<(i64, u64)>,
}

/// The outcome of one expiry pass.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Expired {
    pub removed: Vec<u64>,
    /// Subjects whose last message left: each gets a marker.
    pub markers: Vec<Arc<str>>,
}

impl Markers {
    /// Rebuilds the TTL index from the stored messages' `Nats-TTL` headers.
    pub fn rebuild(store: &dyn Store) -> Markers {
        let mut m = Markers::default();
        let mut seq = store.state(false).first_seq.max(1);
        while let Ok(Some(msg)) = store.load_next_with_headers(seq) {
            if let Some(ttl) = ttl_of(&msg.hdr).filter(|&t| t > 0) {
                m.track(msg.seq, msg.ts, ttl);
            }
            seq = msg.seq + 1;
        }
        m
    }

    /// Records a message stored with a TTL (ns).
    pub fn track(&mut self, seq: u64, ts: i64, ttl: i64) {
        if ttl > 0 {
            self.ttls.insert((ts.saturating_add(ttl), seq));
        }
    }

    /// Removes what is due at `now` (nanoseconds) and says which subjects need a marker.
    pub fn expire(&mut self, store: &mut dyn Store, max_age: i64, now: i64) -> Result<Expired, StoreError> {
        let mut due: BTreeSet<u64> = BTreeSet::new();
        if max_age > 0 {
            let cutoff = now.saturating_sub(max_age);
            let mut seq = store.state(false).first_seq.max(1);
            while let Ok(Some(m)) = store.load_next(seq, ">") {
                if m.ts > cutoff {
                    break;
                }
                // A negative TTL exempts a message from the age limit.
                if ttl_of(&m.hdr).is_none_or(|t| t >= 0) {
                    due.insert(m.seq);
                }
                seq = m.seq + 1;
            }
        }
        while let Some(&(at, seq)) = self.ttls.first() {
            if at > now {
                break;
            }
            self.ttls.pop_first();
            due.insert(seq);
        }
        // Group by subject; a subject whose newest message is due loses its last message.
        let mut by_subject: BTreeMap<Arc<str>, Vec<(u64, bool)>> = BTreeMap::new();
        for &seq in &due {
            if let Ok(Some(m)) = store.load(seq) {
                let is_marker = is_marker(&m.hdr);
                by_subject.entry(m.subject.clone()).or_default().push((seq, is_marker));
            }
        }
        let mut out = Expired::default();
        for (subject, seqs) in by_subject {
            let last = store.last_seq_for_subject(&subject);
            for &(seq, marker) in &seqs {
                if store.remove(seq, false)? {
                    out.removed.push(seq);
                    if Some(seq) == last && !marker {
                        out.markers.push(subject.clone());
                    }
                }
            }
        }
        out.removed.sort_unstable();
        Ok(out)
    }
}

/// A message's `Nats-TTL` in nanoseconds (negative: never expires).
fn ttl_of(hdr: &[u8]) -> Option<i64> {
    let v = headers::find(hdr, "Nats-TTL")?;
    let secs = parse_msg_ttl(String::from_utf8_lossy(v).trim()).ok()?;
    Some(if secs < 0 { -1 } else { secs.saturating_mul(NANOS) })
}

/// Markers and KV purges are not followed by another marker when they expire.
fn is_marker(hdr: &[u8]) -> bool {
    headers::find(hdr, "Nats-Marker-Reason").is_some() || headers::find(hdr, "KV-Operation") == Some(&b"PURGE"[..])
}

/// The marker for `subject` in a stream whose marker TTL is `marker_ttl_ns`, to store like a publish.
pub fn marker_msg(subject: &str, marker_ttl_ns: i64) -> InMsg {
    InMsg {
        sid: Bytes::new(),
        subject: Bytes::copy_from_slice(subject.as_bytes()),
        reply: None,
        headers: Some(marker_headers(marker_ttl_ns / NANOS)),
        payload: Bytes::new(),
    }
}

/// The header block of a marker with a TTL of `ttl_secs`.
fn marker_headers(ttl_secs: i64) -> Bytes {
    Bytes::from(format!(
        "NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: {}\r\nNats-Rollup: sub\r\n\r\n",
        go_duration_secs(ttl_secs)
    ))
}

/// Whole seconds as Go prints a `time.Duration` (`1s`, `1m30s`, `2h0m0s`).
fn go_duration_secs(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// The TTL (ns) a message gets in a stream with markers: at least the marker TTL, so that a marker
/// cannot outlive the message it replaces, unless the stream keeps one message per subject.
pub fn effective_ttl(ttl: i64, marker_ttl_ns: i64, max_msgs_per_subject: i64) -> i64 {
    if ttl > 0 && marker_ttl_ns > 0 && max_msgs_per_subject != 1 {
        ttl.max(marker_ttl_ns / NANOS * NANOS)
    } else {
        ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::store::{Limits, MemoryStore, SystemClock};

    fn store() -> MemoryStore {
        MemoryStore::new(Limits::default(), Arc::new(SystemClock))
    }

    #[test]
    fn last_message_of_a_subject_leaving_by_ttl_gets_a_marker() {
        let mut s = store();
        let mut m = Markers::default();
        let ttl_hdr = b"NATS/1.0\r\nNats-TTL: 1s\r\n\r\n";
        let a1 = s.store_raw(0, 10, "a", ttl_hdr, b"1", None).unwrap();
        let a2 = s.store_raw(0, 20, "a", ttl_hdr, b"2", None).unwrap();
        let b1 = s.store_raw(0, 20, "b", ttl_hdr, b"3", None).unwrap();
        let keep = s.store_raw(0, 20, "b", b"", b"4", None).unwrap();
        for (seq, ts) in [(a1, 10), (a2, 20), (b1, 20)] {
            m.track(seq, ts, NANOS);
        }
        let out = m.expire(&mut s, 0, 20 + NANOS).unwrap();
        assert_eq!(out.removed, vec![a1, a2, b1]);
        assert_eq!(out.markers, vec![Arc::from("a")], "b still has a message");
        assert_eq!(s.state(false).msgs, 1);
        assert!(s.load(keep).unwrap().is_some());
    }

    #[test]
    fn age_limit_expiry_skips_exempt_messages_and_expiring_markers_get_no_marker() {
        let mut s = store();
        let mut m = Markers::default();
        s.store_raw(0, 1, "old", b"", b"x", None).unwrap();
        s.store_raw(0, 1, "never", b"NATS/1.0\r\nNats-TTL: never\r\n\r\n", b"y", None).unwrap();
        s.store_raw(0, 1, "gone", &marker_headers(5), b"", None).unwrap();
        s.store_raw(0, 100, "young", b"", b"z", None).unwrap();
        let out = m.expire(&mut s, 50, 60).unwrap();
        assert_eq!(out.removed, vec![1, 3]);
        assert_eq!(out.markers, vec![Arc::from("old")]);
    }

    #[test]
    fn rebuild_finds_ttls_in_headers() {
        let mut s = store();
        s.store_raw(0, 5, "a", b"NATS/1.0\r\nNats-TTL: 2\r\n\r\n", b"", None).unwrap();
        s.store_raw(0, 5, "b", b"", b"", None).unwrap();
        let m = Markers::rebuild(&s);
        assert_eq!(m.ttls.iter().copied().collect::<Vec<_>>(), vec![(5 + 2 * NANOS, 1)]);
    }

    #[test]
    fn marker_ttl_prints_as_a_go_duration_and_raises_short_ttls() {
        assert_eq!(go_duration_secs(1), "1s");
        assert_eq!(go_duration_secs(90), "1m30s");
        assert_eq!(go_duration_secs(7200), "2h0m0s");
        assert!(marker_headers(60).starts_with(b"NATS/1.0\r\nNats-Marker-Reason: MaxAge\r\nNats-TTL: 1m0s\r\n"));
        assert_eq!(effective_ttl(NANOS, 5 * NANOS, -1), 5 * NANOS);
        assert_eq!(effective_ttl(NANOS, 5 * NANOS, 1), NANOS);
        assert_eq!(effective_ttl(-1, 5 * NANOS, -1), -1);
    }
}
