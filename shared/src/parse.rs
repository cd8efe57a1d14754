//! Incremental parsers for both directions of the client protocol.
//!
//! [`parse_client_op`] (used by the server) and [`parse_server_op`] (used by clients) take one complete
//! operation off the front of a buffer, or return `Ok(None)` and consume nothing when the buffer ends
//! inside an operation — wherever that is, so a frame split at any byte parses the same as a whole one.
//! Verbs are case-insensitive and arguments may be separated by any run of spaces or tabs; a line may end
//! in `\r\n` or a bare `\n`, as nats-server accepts. Limits (control line, payload) are enforced here,
//! before a payload is buffered, so an oversized publish is refused without reading it.
//!
//! No I/O and no clocks: the caller owns the buffer and decides what to do with errors.

use std::ops::Range;

use bytes::{Bytes, BytesMut};
use memchr::memchr;

use crate::op::{ClientOp, ServerOp};

/// Limits checked by the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted control line (verb and arguments, without the line end).
    pub max_control_line: usize,
    /// Largest accepted payload (for `HPUB`/`HMSG`: header block plus payload).
    pub max_payload: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_control_line: 4096, max_payload: 1024 * 1024 }
    }
}

impl Limits {
    /// No practical limits; what a client uses for what its server sends.
    pub const fn unlimited() -> Self {
        Limits { max_control_line: usize::MAX, max_payload: usize::MAX }
    }
}

/// Why a buffer cannot be parsed. After any of these the stream is out of sync and the connection
/// should be closed (the server decides which `-ERR`, if any, to send first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    #[error("unknown protocol operation")]
    UnknownOp,
    #[error("maximum control line exceeded")]
    ControlLineTooLong,
    #[error("maximum payload exceeded: {size} > {max}")]
    PayloadTooLarge { size: usize, max: usize },
    #[error("wrong number of arguments for {op}")]
    InvalidArgs { op: &'static str },
    #[error("invalid size in {op}")]
    InvalidSize { op: &'static str },
    #[error("header size larger than total size")]
    InvalidHeaderSize,
    #[error("payload not followed by CRLF")]
    MissingTerminator,
    #[error("invalid -ERR line")]
    InvalidErr,
}

/// Where the control line ends: `(line_len_without_eol, bytes_including_eol)`.
#[inline]
fn find_line(buf: &[u8], max: usize) -> Result<Option<(usize, usize)>, ProtoError> {
    match memchr(b'\n', buf) {
        Some(nl) => {
            let end = if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
            if end > max {
                return Err(ProtoError::ControlLineTooLong);
            }
            Ok(Some((end, nl + 1)))
        }
        None if buf.len() > max.saturating_add(1) => Err(ProtoError::ControlLineTooLong),
        None => Ok(None),
    }
}

/// Splits arguments on runs of spaces and tabs, returning byte ranges into the line.
#[inline]
fn split_args<const N: usize>(line: &[u8], start: usize, out: &mut [(usize, usize); N]) -> Option<usize> {
    let mut n = 0;
    let mut i = start;
    let len = line.len();
    loop {
        while i < len && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i >= len {
            return Some(n);
        }
        let s = i;
        while i < len && line[i] != b' ' && line[i] != b'\t' {
            i += 1;
        }
        if n == N {
            return None;
        }
        out[n] = (s, i);
        n += 1;
    }
}

#[inline]
fn parse_size(b: &[u8], op: &'static str) -> Result<usize, ProtoError> {
    if b.is_empty() || b.len() > 19 {
        return Err(ProtoError::InvalidSize { op });
    }
    let mut n: usize = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(ProtoError::InvalidSize { op });
        }
        n = n * 10 + (c - b'0') as usize;
    }
    Ok(n)
}

/// Length of the verb at the start of the line.
#[inline]
fn verb_len(line: &[u8]) -> usize {
    line.iter().position(|&c| c == b' ' || c == b'\t').unwrap_or(line.len())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Pub,
    Hpub,
    Sub,
    Unsub,
    Ping,
    Pong,
    Connect,
    Msg,
    Hmsg,
    Info,
    Ok,
    Err,
}

#[inline]
fn verb(v: &[u8]) -> Option<Verb> {
    let eq = |s: &[u8]| v.eq_ignore_ascii_case(s);
    let verb = match v.len() {
        3 if eq(b"PUB") => Verb::Pub,
        3 if eq(b"SUB") => Verb::Sub,
        3 if eq(b"MSG") => Verb::Msg,
        3 if eq(b"+OK") => Verb::Ok,
        4 if eq(b"HPUB") => Verb::Hpub,
        4 if eq(b"PING") => Verb::Ping,
        4 if eq(b"PONG") => Verb::Pong,
        4 if eq(b"HMSG") => Verb::Hmsg,
        4 if eq(b"INFO") => Verb::Info,
        4 if eq(b"-ERR") => Verb::Err,
        5 if eq(b"UNSUB") => Verb::Unsub,
        7 if eq(b"CONNECT") => Verb::Connect,
        _ => return None,
    };
    Some(verb)
}

/// A message frame (control line + payload) once its sizes are known: waits for the whole frame,
/// checks the terminator and hands back the frozen bytes.
#[inline]
fn take_frame(buf: &mut BytesMut, consumed: usize, total: usize) -> Result<Option<Bytes>, ProtoError> {
    let need = consumed + total + 2;
    if buf.len() < need {
        buf.reserve(need - buf.len());
        return Ok(None);
    }
    if &buf[consumed + total..need] != b"\r\n" {
        return Err(ProtoError::MissingTerminator);
    }
    Ok(Some(buf.split_to(need).freeze()))
}

/// Where the parts of a complete `PUB`/`HPUB` frame lie in the buffer, from [`peek_pub`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubFrame {
    pub subject: Range<usize>,
    pub reply: Option<Range<usize>>,
    pub headers: Option<Range<usize>>,
    pub payload: Range<usize>,
    /// Bytes the whole frame occupies, terminator included.
    pub len: usize,
}

impl PubFrame {
    /// Header block plus payload length.
    pub fn size(&self) -> usize {
        self.headers.as_ref().map_or(0, |h| h.len()) + self.payload.len()
    }
}

/// The layout of the PUB/HPUB frame whose control line is `buf[..line_len]`; `Ok(None)` while the
/// frame is incomplete (reserving room for the rest).
fn pub_layout(
    buf: &mut BytesMut,
    line_len: usize,
    consumed: usize,
    vlen: usize,
    hpub: bool,
    limits: &Limits,
) -> Result<Option<PubFrame>, ProtoError> {
    let line = &buf[..line_len];
    let op = if hpub { "HPUB" } else { "PUB" };
    let mut a = [(0usize, 0usize); 4];
    let n = split_args(line, vlen, &mut a).ok_or(ProtoError::InvalidArgs { op })?;
    let (subj, reply, hdr, total) = if hpub {
        let (subj, reply, hsz, tsz) = match n {
            3 => (a[0], None, a[1], a[2]),
            4 => (a[0], Some(a[1]), a[2], a[3]),
            _ => return Err(ProtoError::InvalidArgs { op }),
        };
        let hdr = parse_size(&line[hsz.0..hsz.1], op)?;
        let total = parse_size(&line[tsz.0..tsz.1], op)?;
        if hdr > total {
            return Err(ProtoError::InvalidHeaderSize);
        }
        (subj, reply, Some(hdr), total)
    } else {
        let (subj, reply, size) = match n {
            2 => (a[0], None, a[1]),
            3 => (a[0], Some(a[1]), a[2]),
            _ => return Err(ProtoError::InvalidArgs { op }),
        };
        (subj, reply, None, parse_size(&line[size.0..size.1], op)?)
    };
    if total > limits.max_payload {
        return Err(ProtoError::PayloadTooLarge { size: total, max: limits.max_payload });
    }
    let need = consumed + total + 2;
    if buf.len() < need {
        buf.reserve(need - buf.len());
        return Ok(None);
    }
    if &buf[consumed + total..need] != b"\r\n" {
        return Err(ProtoError::MissingTerminator);
    }
    let hdr_len = hdr.unwrap_or(0);
    Ok(Some(PubFrame {
        subject: subj.0..subj.1,
        reply: reply.map(|r| r.0..r.1),
        headers: hdr.map(|h| consumed..consumed + h),
        payload: consumed + hdr_len..consumed + total,
        len: need,
    }))
}

/// The layout of a complete `PUB`/`HPUB` at the front of `buf`, without consuming or splitting
/// anything; `Ok(None)` when the front op is something else or incomplete (use [`parse_client_op`]
/// then). Lets a server route a publish straight out of its read buffer and skip building owned
/// slices when nobody is interested.
pub fn peek_pub(buf: &mut BytesMut, limits: &Limits) -> Result<Option<PubFrame>, ProtoError> {
    let first = match buf.first() {
        Some(c) => c.to_ascii_uppercase(),
        None => return Ok(None),
    };
    if first != b'P' && first != b'H' {
        return Ok(None);
    }
    let Some((line_len, consumed)) = find_line(buf, limits.max_control_line)? else { return Ok(None) };
    let vlen = verb_len(&buf[..line_len]);
    match verb(&buf[..vlen]) {
        Some(Verb::Pub) => pub_layout(buf, line_len, consumed, vlen, false, limits),
        Some(Verb::Hpub) => pub_layout(buf, line_len, consumed, vlen, true, limits),
        _ => Ok(None),
    }
}

/// Takes one client operation off the front of `buf` (see the module docs).
pub fn parse_client_op(buf: &mut BytesMut, limits: &Limits) -> Result<Option<ClientOp>, ProtoError> {
    let Some((line_len, consumed)) = find_line(buf, limits.max_control_line)? else {
        // An incomplete line that already starts with garbage is refused now, not after 4 KiB.
        if let Some(&c) = buf.first() {
            if !matches!(c, b'P' | b'p' | b'S' | b's' | b'U' | b'u' | b'H' | b'h' | b'C' | b'c') {
                return Err(ProtoError::UnknownOp);
            }
        }
        return Ok(None);
    };
    let line = &buf[..line_len];
    let vlen = verb_len(line);
    let Some(v) = verb(&line[..vlen]) else {
        return Err(ProtoError::UnknownOp);
    };
    let mut a = [(0usize, 0usize); 4];
    match v {
        Verb::Pub | Verb::Hpub => {
            let Some(f) = pub_layout(buf, line_len, consumed, vlen, v == Verb::Hpub, limits)? else {
                return Ok(None);
            };
            let frame = buf.split_to(f.len).freeze();
            Ok(Some(ClientOp::Pub {
                subject: frame.slice(f.subject),
                reply: f.reply.map(|r| frame.slice(r)),
                headers: f.headers.map(|h| frame.slice(h)),
                payload: frame.slice(f.payload),
            }))
        }
        Verb::Sub => {
            let n = split_args(line, vlen, &mut a).ok_or(ProtoError::InvalidArgs { op: "SUB" })?;
            let (subj, queue, sid) = match n {
                2 => (a[0], None, a[1]),
                3 => (a[0], Some(a[1]), a[2]),
                _ => return Err(ProtoError::InvalidArgs { op: "SUB" }),
            };
            let line = buf.split_to(consumed).freeze();
            Ok(Some(ClientOp::Sub {
                subject: line.slice(subj.0..subj.1),
                queue: queue.map(|q| line.slice(q.0..q.1)),
                sid: line.slice(sid.0..sid.1),
            }))
        }
        Verb::Unsub => {
            let n = split_args(line, vlen, &mut a).ok_or(ProtoError::InvalidArgs { op: "UNSUB" })?;
            let (sid, max) = match n {
                1 => (a[0], None),
                2 => (a[0], Some(parse_size(&line[a[1].0..a[1].1], "UNSUB")? as u64)),
                _ => return Err(ProtoError::InvalidArgs { op: "UNSUB" }),
            };
            let line = buf.split_to(consumed).freeze();
            Ok(Some(ClientOp::Unsub { sid: line.slice(sid.0..sid.1), max }))
        }
        Verb::Ping | Verb::Pong => {
            // nats-server ignores anything after the verb here.
            let _ = buf.split_to(consumed);
            Ok(Some(if v == Verb::Ping { ClientOp::Ping } else { ClientOp::Pong }))
        }
        Verb::Connect => {
            let start = vlen + line[vlen..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
            let line = buf.split_to(consumed).freeze();
            Ok(Some(ClientOp::Connect(line.slice(start..line_len))))
        }
        _ => Err(ProtoError::UnknownOp),
    }
}

/// Takes one server operation off the front of `buf` (see the module docs).
pub fn parse_server_op(buf: &mut BytesMut, limits: &Limits) -> Result<Option<ServerOp>, ProtoError> {
    let Some((line_len, consumed)) = find_line(buf, limits.max_control_line)? else {
        return Ok(None);
    };
    let line = &buf[..line_len];
    let vlen = verb_len(line);
    let Some(v) = verb(&line[..vlen]) else {
        return Err(ProtoError::UnknownOp);
    };
    let mut a = [(0usize, 0usize); 5];
    match v {
        Verb::Msg => {
            let n = split_args(line, vlen, &mut a).ok_or(ProtoError::InvalidArgs { op: "MSG" })?;
            let (subj, sid, reply, size) = match n {
                3 => (a[0], a[1], None, a[2]),
                4 => (a[0], a[1], Some(a[2]), a[3]),
                _ => return Err(ProtoError::InvalidArgs { op: "MSG" }),
            };
            let size = parse_size(&line[size.0..size.1], "MSG")?;
            if size > limits.max_payload {
                return Err(ProtoError::PayloadTooLarge { size, max: limits.max_payload });
            }
            let Some(frame) = take_frame(buf, consumed, size)? else { return Ok(None) };
            Ok(Some(ServerOp::Msg {
                subject: frame.slice(subj.0..subj.1),
                sid: frame.slice(sid.0..sid.1),
                reply: reply.map(|r| frame.slice(r.0..r.1)),
                headers: None,
                payload: frame.slice(consumed..consumed + size),
            }))
        }
        Verb::Hmsg => {
            let n = split_args(line, vlen, &mut a).ok_or(ProtoError::InvalidArgs { op: "HMSG" })?;
            let (subj, sid, reply, hsz, tsz) = match n {
                4 => (a[0], a[1], None, a[2], a[3]),
                5 => (a[0], a[1], Some(a[2]), a[3], a[4]),
                _ => return Err(ProtoError::InvalidArgs { op: "HMSG" }),
            };
            let hdr = parse_size(&line[hsz.0..hsz.1], "HMSG")?;
            let total = parse_size(&line[tsz.0..tsz.1], "HMSG")?;
            if hdr > total {
                return Err(ProtoError::InvalidHeaderSize);
            }
            if total > limits.max_payload {
                return Err(ProtoError::PayloadTooLarge { size: total, max: limits.max_payload });
            }
            let Some(frame) = take_frame(buf, consumed, total)? else { return Ok(None) };
            Ok(Some(ServerOp::Msg {
                subject: frame.slice(subj.0..subj.1),
                sid: frame.slice(sid.0..sid.1),
                reply: reply.map(|r| frame.slice(r.0..r.1)),
                headers: Some(frame.slice(consumed..consumed + hdr)),
                payload: frame.slice(consumed + hdr..consumed + total),
            }))
        }
        Verb::Info => {
            let start = vlen + line[vlen..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
            let line = buf.split_to(consumed).freeze();
            Ok(Some(ServerOp::Info(line.slice(start..line_len))))
        }
        Verb::Ok => {
            let _ = buf.split_to(consumed);
            Ok(Some(ServerOp::Ok))
        }
        Verb::Err => {
            let rest = std::str::from_utf8(&line[vlen..]).map_err(|_| ProtoError::InvalidErr)?.trim();
            let text = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).unwrap_or(rest).to_string();
            let _ = buf.split_to(consumed);
            Ok(Some(ServerOp::Err(text)))
        }
        Verb::Ping => {
            let _ = buf.split_to(consumed);
            Ok(Some(ServerOp::Ping))
        }
        Verb::Pong => {
            let _ = buf.split_to(consumed);
            Ok(Some(ServerOp::Pong))
        }
        _ => Err(ProtoError::UnknownOp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(input: &[u8]) -> Result<Vec<ClientOp>, ProtoError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(op) = parse_client_op(&mut buf, &Limits::default())? {
            out.push(op);
        }
        assert!(buf.is_empty(), "left over: {:?}", buf);
        Ok(out)
    }

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn parses_every_client_op() {
        let ops = client(
            b"CONNECT {\"verbose\":false}\r\nPUB a.b 5\r\nhello\r\nPUB a.b r.1 0\r\n\r\n\
              HPUB h r 12 14\r\nNATS/1.0\r\n\r\nhi\r\nSUB foo q 1\r\nSUB bar 2\r\nUNSUB 1\r\nUNSUB 2 10\r\nPING\r\nPONG\r\n",
        )
        .unwrap();
        assert_eq!(ops[0], ClientOp::Connect(b("{\"verbose\":false}")));
        assert_eq!(ops[1], ClientOp::Pub { subject: b("a.b"), reply: None, headers: None, payload: b("hello") });
        assert_eq!(ops[2], ClientOp::Pub { subject: b("a.b"), reply: Some(b("r.1")), headers: None, payload: b("") });
        assert_eq!(
            ops[3],
            ClientOp::Pub {
                subject: b("h"),
                reply: Some(b("r")),
                headers: Some(b("NATS/1.0\r\n\r\n")),
                payload: b("hi")
            }
        );
        assert_eq!(ops[4], ClientOp::Sub { subject: b("foo"), queue: Some(b("q")), sid: b("1") });
        assert_eq!(ops[5], ClientOp::Sub { subject: b("bar"), queue: None, sid: b("2") });
        assert_eq!(ops[6], ClientOp::Unsub { sid: b("1"), max: None });
        assert_eq!(ops[7], ClientOp::Unsub { sid: b("2"), max: Some(10) });
        assert_eq!(ops[8], ClientOp::Ping);
        assert_eq!(ops[9], ClientOp::Pong);
    }

    #[test]
    fn verbs_are_case_insensitive_and_args_whitespace_tolerant() {
        let ops = client(b"pub\ta.b  \t 2\nhi\r\nsub  x\t 1\r\nping\r\nPiNg\r\n").unwrap();
        assert_eq!(ops.len(), 4);
        assert_eq!(ops[0], ClientOp::Pub { subject: b("a.b"), reply: None, headers: None, payload: b("hi") });
    }

    #[test]
    fn partial_input_consumes_nothing() {
        let full = b"PUB a.b 5\r\nhello\r\n";
        for cut in 0..full.len() {
            let mut buf = BytesMut::from(&full[..cut]);
            assert_eq!(parse_client_op(&mut buf, &Limits::default()), Ok(None), "cut {cut}");
            assert_eq!(&buf[..], &full[..cut]);
        }
    }

    #[test]
    fn errors_are_reported() {
        assert_eq!(client(b"FOO bar\r\n"), Err(ProtoError::UnknownOp));
        assert_eq!(client(b"xyz"), Err(ProtoError::UnknownOp));
        assert_eq!(client(b"PUB a 3\r\nhello\r\n"), Err(ProtoError::MissingTerminator));
        assert_eq!(client(b"PUB a x\r\n"), Err(ProtoError::InvalidSize { op: "PUB" }));
        assert_eq!(client(b"PUB a\r\n"), Err(ProtoError::InvalidArgs { op: "PUB" }));
        assert_eq!(client(b"HPUB a 5 3\r\n"), Err(ProtoError::InvalidHeaderSize));
        let big = format!("PUB a {}\r\n", 1024 * 1024 + 1);
        assert_eq!(
            client(big.as_bytes()),
            Err(ProtoError::PayloadTooLarge { size: 1024 * 1024 + 1, max: 1024 * 1024 })
        );
        let long = format!("PUB {} 1\r\n", "a".repeat(5000));
        assert_eq!(client(long.as_bytes()), Err(ProtoError::ControlLineTooLong));
        let unterminated = format!("PUB {}", "a".repeat(5000));
        assert_eq!(client(unterminated.as_bytes()), Err(ProtoError::ControlLineTooLong));
    }

    #[test]
    fn peek_pub_agrees_with_parse() {
        let wire = b"HPUB h r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n";
        let mut buf = BytesMut::from(&wire[..]);
        let f = peek_pub(&mut buf, &Limits::default()).unwrap().unwrap();
        assert_eq!(buf.len(), wire.len(), "peek consumes nothing");
        assert_eq!((&buf[f.subject.clone()], &buf[f.payload.clone()]), (&b"h"[..], &b"hi"[..]));
        assert_eq!(&buf[f.reply.clone().unwrap()], b"r");
        assert_eq!(f.len, wire.len());
        for cut in 0..wire.len() {
            let mut part = BytesMut::from(&wire[..cut]);
            assert_eq!(peek_pub(&mut part, &Limits::default()), Ok(None), "cut {cut}");
        }
        let mut other = BytesMut::from(&b"PING\r\n"[..]);
        assert_eq!(peek_pub(&mut other, &Limits::default()), Ok(None));
        let mut bad = BytesMut::from(&b"PUB a 3\r\nabcd\r\n"[..]);
        assert_eq!(peek_pub(&mut bad, &Limits::default()), Err(ProtoError::MissingTerminator));
    }

    #[test]
    fn payload_exactly_at_max_is_accepted() {
        let limits = Limits { max_control_line: 4096, max_payload: 4 };
        let mut buf = BytesMut::from(&b"PUB a 4\r\nabcd\r\nPUB a 5\r\n"[..]);
        assert!(parse_client_op(&mut buf, &limits).unwrap().is_some());
        assert_eq!(parse_client_op(&mut buf, &limits), Err(ProtoError::PayloadTooLarge { size: 5, max: 4 }));
    }

    #[test]
    fn parses_server_ops() {
        let mut buf = BytesMut::from(
            &b"INFO {\"a\":1}\r\nMSG a.b 1 5\r\nhello\r\nMSG a.b 2 r 0\r\n\r\nHMSG a 3 12 12\r\nNATS/1.0\r\n\r\n\r\n\
               +OK\r\n-ERR 'Unknown Protocol Operation'\r\nPING\r\nPONG\r\n"[..],
        );
        let l = Limits::unlimited();
        let mut ops = Vec::new();
        while let Some(op) = parse_server_op(&mut buf, &l).unwrap() {
            ops.push(op);
        }
        assert_eq!(ops.len(), 8);
        assert_eq!(ops[0], ServerOp::Info(b("{\"a\":1}")));
        assert_eq!(
            ops[2],
            ServerOp::Msg { subject: b("a.b"), sid: b("2"), reply: Some(b("r")), headers: None, payload: b("") }
        );
        assert_eq!(
            ops[3],
            ServerOp::Msg {
                subject: b("a"),
                sid: b("3"),
                reply: None,
                headers: Some(b("NATS/1.0\r\n\r\n")),
                payload: b("")
            }
        );
        assert_eq!(ops[5], ServerOp::Err("Unknown Protocol Operation".into()));
    }
}
