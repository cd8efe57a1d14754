//! Scanning what a NATS server sends to a client, straight out of a read buffer.
//!
//! Two entry points: [`parse`] takes one complete server op (`MSG`, `HMSG`, `PING`, `PONG`, `+OK`,
//! `-ERR`, `INFO`) from the front of a buffer and borrows its parts; [`scan_msgs`] is the hot path of
//! the load generator's subscribers: it walks over consecutive `MSG`/`HMSG` frames reading only the
//! size at the end of each control line, checks that every payload is followed by `\r\n` (so a frame
//! whose byte count is wrong is caught), and hands each payload to a callback. Neither function owns
//! a socket or a buffer; an incomplete op at the end of the input is left for the next read.
//!
//! This is a client-side scanner for measuring servers, not the server's protocol parser: it trusts
//! the server to send well-formed control lines and only checks what a benchmark must not miss.

use memchr::memchr;

/// Longest control line accepted before the input is declared broken (an `INFO` line included).
const MAX_CONTROL_LINE: usize = 64 * 1024;

/// The input cannot be a NATS server stream.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanError {
    /// No line end within [`MAX_CONTROL_LINE`] bytes.
    #[error("control line longer than {MAX_CONTROL_LINE} bytes")]
    ControlLineTooLong,
    /// A control line that is not a known server op.
    #[error("unknown server op: {0:?}")]
    UnknownOp(String),
    /// A `MSG`/`HMSG` line with missing or non-numeric fields.
    #[error("malformed message line: {0:?}")]
    BadMsgLine(String),
    /// The bytes after the announced payload length are not `\r\n`.
    #[error("message frame of {size} bytes is not followed by CRLF")]
    FrameMismatch {
        /// The payload size the control line announced.
        size: usize,
    },
}

/// A message delivered to one of our subscriptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg<'a> {
    pub subject: &'a [u8],
    pub sid: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// The header block of an `HMSG` (starting with `NATS/1.0`), `None` for `MSG`.
    pub headers: Option<&'a [u8]>,
    pub payload: &'a [u8],
}

impl Msg<'_> {
    /// The status code of a header-only status message (`NATS/1.0 408 Request Timeout`).
    pub fn status(&self) -> Option<u16> {
        let h = self.headers?;
        let rest = h.strip_prefix(b"NATS/1.0")?;
        let rest = trim_start(rest);
        let code = rest.get(..3)?;
        std::str::from_utf8(code).ok()?.parse().ok()
    }

    /// The value of header `name` (case-insensitive name), if present.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        let h = self.headers?;
        h.split(|&b| b == b'\n').skip(1).find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = memchr(b':', line)?;
            line[..colon].eq_ignore_ascii_case(name.as_bytes()).then(|| trim_start(&line[colon + 1..]))
        })
    }
}

/// One op sent by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerOp<'a> {
    Msg(Msg<'a>),
    Ping,
    Pong,
    Ok,
    /// `-ERR` with its text, quotes kept.
    Err(&'a [u8]),
    /// `INFO` with its JSON.
    Info(&'a [u8]),
}

/// Takes one complete op from the front of `buf`, with the number of bytes it used.
/// `Ok(None)` means more bytes are needed.
pub fn parse(buf: &[u8]) -> Result<Option<(ServerOp<'_>, usize)>, ScanError> {
    let Some(nl) = memchr(b'\n', buf) else {
        return if buf.len() > MAX_CONTROL_LINE { Err(ScanError::ControlLineTooLong) } else { Ok(None) };
    };
    let line = strip_cr(&buf[..nl]);
    let body = nl + 1;
    let (verb, rest) = split_verb(line);
    let op = if verb.eq_ignore_ascii_case(b"MSG") {
        return parse_msg(line, rest, &buf[body..], false).map(|r| r.map(|(m, n)| (ServerOp::Msg(m), body + n)));
    } else if verb.eq_ignore_ascii_case(b"HMSG") {
        return parse_msg(line, rest, &buf[body..], true).map(|r| r.map(|(m, n)| (ServerOp::Msg(m), body + n)));
    } else if verb.eq_ignore_ascii_case(b"PING") {
        ServerOp::Ping
    } else if verb.eq_ignore_ascii_case(b"PONG") {
        ServerOp::Pong
    } else if verb.eq_ignore_ascii_case(b"+OK") {
        ServerOp::Ok
    } else if verb.eq_ignore_ascii_case(b"-ERR") {
        ServerOp::Err(rest)
    } else if verb.eq_ignore_ascii_case(b"INFO") {
        ServerOp::Info(rest)
    } else {
        return Err(ScanError::UnknownOp(String::from_utf8_lossy(line).into_owned()));
    };
    Ok(Some((op, body)))
}

fn parse_msg<'a>(
    line: &[u8],
    args: &'a [u8],
    body: &'a [u8],
    with_headers: bool,
) -> Result<Option<(Msg<'a>, usize)>, ScanError> {
    let bad = || ScanError::BadMsgLine(String::from_utf8_lossy(line).into_owned());
    let mut tokens: [&[u8]; 5] = [&[]; 5];
    let mut n = 0;
    for t in args.split(|&b| b == b' ' || b == b'\t').filter(|t| !t.is_empty()) {
        if n == tokens.len() {
            return Err(bad());
        }
        tokens[n] = t;
        n += 1;
    }
    let fixed = if with_headers { 4 } else { 3 };
    let reply = match n {
        _ if n == fixed => None,
        _ if n == fixed + 1 => Some(tokens[2]),
        _ => return Err(bad()),
    };
    let total = parse_size(tokens[n - 1]).ok_or_else(bad)?;
    let header_len = if with_headers {
        let h = parse_size(tokens[n - 2]).ok_or_else(bad)?;
        if h > total {
            return Err(bad());
        }
        Some(h)
    } else {
        None
    };
    if body.len() < total + 2 {
        return Ok(None);
    }
    if &body[total..total + 2] != b"\r\n" {
        return Err(ScanError::FrameMismatch { size: total });
    }
    let (headers, payload) = match header_len {
        Some(h) => (Some(&body[..h]), &body[h..total]),
        None => (None, &body[..total]),
    };
    let msg = Msg { subject: tokens[0], sid: tokens[1], reply, headers, payload };
    Ok(Some((msg, total + 2)))
}

/// What [`scan_msgs`] got through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scanned {
    /// Complete message frames seen.
    pub msgs: u64,
    /// Bytes of input consumed (whole frames only).
    pub consumed: usize,
    /// True when scanning stopped at a complete control line that is not `MSG`/`HMSG`; the caller
    /// should hand `&buf[consumed..]` to [`parse`].
    pub other_op: bool,
}

/// Walks over consecutive message frames at the front of `buf`, calling `on_payload` with each
/// frame's body (headers included for `HMSG`). Stops at an incomplete frame, or at any other op.
pub fn scan_msgs(buf: &[u8], mut on_payload: impl FnMut(&[u8])) -> Result<Scanned, ScanError> {
    let mut out = Scanned::default();
    loop {
        let rest = &buf[out.consumed..];
        let Some(&first) = rest.first() else {
            return Ok(out);
        };
        if first != b'M' && first != b'H' && first != b'm' && first != b'h' {
            out.other_op = memchr(b'\n', rest).is_some();
            return Ok(out);
        }
        let Some(nl) = memchr(b'\n', rest) else {
            if rest.len() > MAX_CONTROL_LINE {
                return Err(ScanError::ControlLineTooLong);
            }
            return Ok(out);
        };
        let line = strip_cr(&rest[..nl]);
        let size =
            trailing_size(line).ok_or_else(|| ScanError::BadMsgLine(String::from_utf8_lossy(line).into_owned()))?;
        let body = nl + 1;
        let end = body + size;
        if rest.len() < end + 2 {
            return Ok(out);
        }
        if &rest[end..end + 2] != b"\r\n" {
            return Err(ScanError::FrameMismatch { size });
        }
        on_payload(&rest[body..end]);
        out.msgs += 1;
        out.consumed += end + 2;
    }
}

/// The decimal number at the end of a control line (a message's total size).
#[inline]
fn trailing_size(line: &[u8]) -> Option<usize> {
    let mut value: usize = 0;
    let mut scale: usize = 1;
    let mut digits = 0;
    for &b in line.iter().rev() {
        match b {
            b'0'..=b'9' => {
                value = value.checked_add(usize::from(b - b'0').checked_mul(scale)?)?;
                scale = scale.checked_mul(10)?;
                digits += 1;
            }
            b' ' | b'\t' if digits > 0 => return Some(value),
            _ => return None,
        }
    }
    None
}

fn parse_size(token: &[u8]) -> Option<usize> {
    if token.is_empty() || token.len() > 12 {
        return None;
    }
    token.iter().try_fold(0usize, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + usize::from(b - b'0')))
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_start(s: &[u8]) -> &[u8] {
    let skip = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[skip..]
}

fn split_verb(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b' ' || b == b'\t') {
        Some(i) => (&line[..i], trim_start(&line[i..])),
        None => (line, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_takes_message_with_and_without_reply() {
        let buf = b"MSG foo.bar 7 5\r\nhello\r\nMSG a 1 r.1 0\r\n\r\n";
        let (op, n) = parse(buf).unwrap().unwrap();
        let ServerOp::Msg(m) = op else { panic!("{op:?}") };
        assert_eq!((m.subject, m.sid, m.reply, m.payload), (&b"foo.bar"[..], &b"7"[..], None, &b"hello"[..]));
        let (op, n2) = parse(&buf[n..]).unwrap().unwrap();
        let ServerOp::Msg(m) = op else { panic!("{op:?}") };
        assert_eq!((m.reply, m.payload), (Some(&b"r.1"[..]), &b""[..]));
        assert_eq!(n + n2, buf.len());
    }

    #[test]
    fn parse_splits_headers_and_reads_status() {
        let hdr = b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 42\r\n\r\n";
        let mut buf = format!("HMSG _INBOX.x 1 {} {}\r\n", hdr.len(), hdr.len()).into_bytes();
        buf.extend_from_slice(hdr);
        buf.extend_from_slice(b"\r\n");
        let (ServerOp::Msg(m), n) = parse(&buf).unwrap().unwrap() else { panic!() };
        assert_eq!(n, buf.len());
        assert_eq!(m.status(), Some(408));
        assert_eq!(m.header("nats-pending-messages"), Some(&b"42"[..]));
        assert!(m.payload.is_empty());
    }

    #[test]
    fn parse_waits_for_incomplete_input() {
        for cut in [3, 10, 17, 19] {
            assert_eq!(parse(&b"MSG foo 1 5\r\nhello\r\n"[..cut]).unwrap(), None, "cut {cut}");
        }
        assert_eq!(parse(b"PON").unwrap(), None);
    }

    #[test]
    fn parse_reads_control_ops() {
        assert_eq!(parse(b"PING\r\n").unwrap(), Some((ServerOp::Ping, 6)));
        assert_eq!(parse(b"pong\r\n").unwrap(), Some((ServerOp::Pong, 6)));
        assert_eq!(parse(b"+OK\r\n").unwrap(), Some((ServerOp::Ok, 5)));
        assert_eq!(parse(b"-ERR 'Slow Consumer'\r\n").unwrap(), Some((ServerOp::Err(b"'Slow Consumer'"), 22)));
        assert_eq!(parse(b"INFO {\"a\":1}\r\n").unwrap(), Some((ServerOp::Info(b"{\"a\":1}"), 14)));
        assert!(matches!(parse(b"WHAT\r\n"), Err(ScanError::UnknownOp(_))));
    }

    #[test]
    fn wrong_byte_count_is_a_frame_mismatch() {
        assert_eq!(parse(b"MSG foo 1 4\r\nhello\r\n"), Err(ScanError::FrameMismatch { size: 4 }));
        assert_eq!(scan_msgs(b"MSG foo 1 6\r\nhello\r\nxx", |_| {}), Err(ScanError::FrameMismatch { size: 6 }));
    }

    #[test]
    fn scan_counts_frames_and_stops_at_other_ops() {
        let buf = b"MSG a 1 3\r\nabc\r\nHMSG b 2 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPONG\r\nMSG a 1 3\r\nabc\r\n";
        let mut sizes = Vec::new();
        let s = scan_msgs(buf, |p| sizes.push(p.len())).unwrap();
        assert_eq!(s.msgs, 2);
        assert_eq!(sizes, [3, 14]);
        assert!(s.other_op);
        assert_eq!(&buf[s.consumed..s.consumed + 4], b"PONG");
    }

    #[test]
    fn scan_leaves_partial_frame_at_any_cut() {
        let one = b"MSG bench.subj 1 16\r\n0123456789abcdef\r\n";
        let buf: Vec<u8> = one.iter().chain(one.iter()).copied().collect();
        for cut in 0..buf.len() {
            let s = scan_msgs(&buf[..cut], |_| {}).unwrap();
            let whole = cut / one.len();
            assert_eq!(s.msgs as usize, whole, "cut {cut}");
            assert_eq!(s.consumed, whole * one.len());
            assert!(!s.other_op);
        }
    }

    #[test]
    fn scan_rejects_a_line_without_size() {
        assert!(matches!(scan_msgs(b"MSG foo 1 x\r\n", |_| {}), Err(ScanError::BadMsgLine(_))));
    }
}
