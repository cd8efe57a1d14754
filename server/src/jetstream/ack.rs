//! Acknowledgement subjects and payloads.
//!
//! Every JetStream delivery carries a reply subject that encodes where it came from:
//! `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<timestamp ns>.<pending>`
//! (the v1 form; the v2 form inserts `<domain>.<account hash>` after `$JS.ACK` and may append a random
//! token). Clients read the metadata out of it; acks are published to it. This module builds and parses
//! those subjects and the ack payloads (`+ACK`, `-NAK`, `+WPI`, `+NXT`, `+TERM`).

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};

use switchyard_shared::encode::put_usize;

/// The metadata carried by an ack subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckInfo {
    pub stream: String,
    pub consumer: String,
    /// Delivery count of this message (1 the first time).
    pub delivered: u64,
    pub stream_seq: u64,
    pub consumer_seq: u64,
    /// Stored time, Unix nanoseconds.
    pub timestamp: i64,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

/// Builds the v1 ack subject.
pub fn ack_subject(stream: &str, consumer: &str, delivered: u64, sseq: u64, cseq: u64, ts: i64, pending: u64) -> Bytes {
    let mut b = BytesMut::with_capacity(32 + stream.len() + consumer.len() + 60);
    b.put_slice(b"$JS.ACK.");
    b.put_slice(stream.as_bytes());
    b.put_u8(b'.');
    b.put_slice(consumer.as_bytes());
    for n in [delivered, sseq, cseq] {
        b.put_u8(b'.');
        put_usize(&mut b, n as usize);
    }
    b.put_u8(b'.');
    put_usize(&mut b, ts.max(0) as usize);
    b.put_u8(b'.');
    put_usize(&mut b, pending as usize);
    b.freeze()
}

/// Parses an ack subject in either form.
pub fn parse_ack_subject(subject: &str) -> Option<AckInfo> {
    let toks: Vec<&str> = subject.split('.').collect();
    if toks.len() < 9 || toks[0] != "$JS" || toks[1] != "ACK" {
        return None;
    }
    let base = match toks.len() {
        9 => 2,
        11 | 12 => 4,
        _ => return None,
    };
    let num = |i: usize| toks.get(base + i)?.parse::<u64>().ok();
    Some(AckInfo {
        stream: toks[base].to_string(),
        consumer: toks[base + 1].to_string(),
        delivered: num(2)?,
        stream_seq: num(3)?,
        consumer_seq: num(4)?,
        timestamp: toks.get(base + 5)?.parse().ok()?,
        pending: num(6)?,
    })
}

/// The numbers of an ack subject that applying an ack needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckSeqs {
    /// Delivery count of this message (1 the first time).
    pub delivered: u64,
    pub stream_seq: u64,
    pub consumer_seq: u64,
}

/// Reads the delivery count and sequences of an ack subject in either form, without allocating
/// (the ack path runs once per acknowledged message).
pub fn parse_ack_seqs(subject: &[u8]) -> Option<AckSeqs> {
    let mut toks: [&[u8]; 12] = [&[]; 12];
    let mut n = 0;
    for t in subject.split(|&b| b == b'.') {
        *toks.get_mut(n)? = t;
        n += 1;
    }
    if n < 9 || toks[0] != b"$JS" || toks[1] != b"ACK" {
        return None;
    }
    let base = match n {
        9 => 2,
        11 | 12 => 4,
        _ => return None,
    };
    let num = |i: usize| std::str::from_utf8(toks[base + i]).ok()?.parse::<u64>().ok();
    Some(AckSeqs { delivered: num(2)?, stream_seq: num(3)?, consumer_seq: num(4)? })
}

/// What an ack payload asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckKind {
    /// `+ACK` (or empty, or the legacy `+OK`).
    Ack,
    /// `-NAK`, optionally redeliver only after a delay.
    Nak(Option<Duration>),
    /// `+WPI`: still working, restart the ack timer.
    Progress,
    /// `+NXT`: ack and ask for more; the rest of the payload is a pull request (possibly empty).
    Next(Bytes),
    /// `+TERM`: never redeliver; an optional reason follows.
    Term(Option<String>),
}

/// Parses an ack payload; unknown payloads are treated as acks, as nats-server does.
pub fn parse_ack(payload: &Bytes) -> AckKind {
    let p = &payload[..];
    let starts = |pfx: &[u8]| p.len() >= pfx.len() && p[..pfx.len()].eq_ignore_ascii_case(pfx);
    if starts(b"-NAK") {
        let rest = std::str::from_utf8(&p[4..]).unwrap_or("").trim();
        return AckKind::Nak(parse_nak_delay(rest));
    }
    if starts(b"+WPI") {
        return AckKind::Progress;
    }
    if starts(b"+NXT") {
        let rest = payload.slice(4..);
        let start = rest.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(rest.len());
        return AckKind::Next(rest.slice(start..));
    }
    if starts(b"+TERM") {
        let reason = std::str::from_utf8(&p[5..]).unwrap_or("").trim();
        return AckKind::Term((!reason.is_empty()).then(|| reason.to_string()));
    }
    AckKind::Ack
}

/// `-NAK` delay forms: `{"delay": <ns>}` or a Go duration such as `5s`.
fn parse_nak_delay(rest: &str) -> Option<Duration> {
    if rest.is_empty() {
        return None;
    }
    if rest.starts_with('{') {
        #[derive(serde::Deserialize)]
        struct Delay {
            #[serde(default)]
            delay: i64,
        }
        let d: Delay = serde_json::from_str(rest).ok()?;
        return (d.delay > 0).then(|| Duration::from_nanos(d.delay as u64));
    }
    let ns = switchyard_shared::time::parse_duration(rest).ok()?;
    (ns > 0).then(|| Duration::from_nanos(ns as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_round_trip() {
        let s = ack_subject("ORDERS", "c1", 2, 10, 7, 1_700_000_000_000_000_000, 3);
        assert_eq!(&s[..], b"$JS.ACK.ORDERS.c1.2.10.7.1700000000000000000.3");
        let info = parse_ack_subject(std::str::from_utf8(&s).unwrap()).unwrap();
        assert_eq!(
            info,
            AckInfo {
                stream: "ORDERS".into(),
                consumer: "c1".into(),
                delivered: 2,
                stream_seq: 10,
                consumer_seq: 7,
                timestamp: 1_700_000_000_000_000_000,
                pending: 3
            }
        );
    }

    #[test]
    fn v2_ack_subjects_parse() {
        let info = parse_ack_subject("$JS.ACK._.ACCHASH.S.C.1.5.5.123.0.rand").unwrap();
        assert_eq!((info.stream.as_str(), info.consumer.as_str(), info.stream_seq), ("S", "C", 5));
        assert!(parse_ack_subject("$JS.ACK.S.C.1.2").is_none());
        assert!(parse_ack_subject("$JS.ACK.S.C.x.2.3.4.5").is_none());
    }

    #[test]
    fn ack_seqs_agree_with_the_full_parse() {
        let subjects = [
            "$JS.ACK.ORDERS.c1.2.10.7.1700000000000000000.3",
            "$JS.ACK._.ACCHASH.S.C.1.5.6.123.0.rand",
            "$JS.ACK._.ACCHASH.S.C.1.5.6.123.0",
        ];
        for s in subjects {
            let full = parse_ack_subject(s).unwrap();
            let seqs = parse_ack_seqs(s.as_bytes()).unwrap();
            assert_eq!(
                (seqs.delivered, seqs.stream_seq, seqs.consumer_seq),
                (full.delivered, full.stream_seq, full.consumer_seq),
                "{s}"
            );
        }
        for bad in
            ["$JS.ACK.S.C.1.2", "$JS.ACK.S.C.x.2.3.4.5", "$JS.NAK.S.C.1.2.3.4.5", "$JS.ACK.a.b.c.d.1.2.3.4.5.6.7"]
        {
            assert_eq!(parse_ack_seqs(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn ack_payloads() {
        let b = |s: &'static str| Bytes::from_static(s.as_bytes());
        assert_eq!(parse_ack(&b("")), AckKind::Ack);
        assert_eq!(parse_ack(&b("+ACK")), AckKind::Ack);
        assert_eq!(parse_ack(&b("-NAK")), AckKind::Nak(None));
        assert_eq!(parse_ack(&b("-NAK {\"delay\": 2000000000}")), AckKind::Nak(Some(Duration::from_secs(2))));
        assert_eq!(parse_ack(&b("-NAK 1.5s")), AckKind::Nak(Some(Duration::from_millis(1500))));
        assert_eq!(parse_ack(&b("+WPI")), AckKind::Progress);
        assert_eq!(parse_ack(&b("+NXT {\"batch\":2}")), AckKind::Next(b("{\"batch\":2}")));
        assert_eq!(parse_ack(&b("+TERM")), AckKind::Term(None));
        assert_eq!(parse_ack(&b("+TERM bad data")), AckKind::Term(Some("bad data".into())));
    }
}
