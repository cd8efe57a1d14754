//! NATS header blocks: `NATS/1.0[ <status>[ <description>]]\r\n` followed by `Name: value\r\n` lines and
//! a blank line.
//!
//! [`HeaderMap`] is the owned, ordered, multi-valued form used to build and inspect headers;
//! [`find`] and [`status_of`] read a single value straight out of an encoded block without allocating,
//! for server hot paths (e.g. reading `Nats-Msg-Id` on every stream publish). Names keep their case;
//! lookups try the exact name first and then ignore ASCII case, since clients differ in how they
//! canonicalise names.

use bytes::{BufMut, Bytes, BytesMut};

/// The version line every header block starts with.
pub const VERSION_LINE: &str = "NATS/1.0";

/// Why a header block could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    #[error("header block does not start with NATS/1.0")]
    MissingVersion,
    #[error("header block is not terminated by an empty line")]
    Unterminated,
    #[error("invalid header line: {0}")]
    InvalidLine(String),
    #[error("invalid status code")]
    InvalidStatus,
}

/// An ordered, multi-valued header map with an optional status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    /// Status code from the version line (`503`, `404`, `100`, …).
    pub status: Option<u16>,
    /// Text after the status code.
    pub description: Option<String>,
    entries: Vec<(String, String)>,
}

impl HeaderMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// A status-only block such as `NATS/1.0 503`.
    pub fn with_status(status: u16, description: Option<&str>) -> Self {
        HeaderMap { status: Some(status), description: description.map(str::to_owned), entries: Vec::new() }
    }

    /// Appends a value (existing values of the same name are kept).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.entries.push((name.into(), value.into()));
    }

    /// Replaces every value of `name` with one value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.remove(&name);
        self.entries.push((name, value.into()));
    }

    /// Removes every value of `name` (exact case or ASCII-case-insensitive).
    pub fn remove(&mut self, name: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .or_else(|| self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// All entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.status.is_none()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Parses an encoded header block (as carried by `HPUB`/`HMSG`).
    pub fn parse(block: &[u8]) -> Result<Self, HeaderError> {
        let text = String::from_utf8_lossy(block);
        let end = text.find("\r\n\r\n").ok_or(HeaderError::Unterminated)?;
        let text = &text[..end + 4];
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or_default();
        let rest = first.strip_prefix(VERSION_LINE).ok_or(HeaderError::MissingVersion)?;
        let mut map = HeaderMap::new();
        let rest = rest.trim_start();
        if !rest.is_empty() {
            let (code, desc) = match rest.split_once(' ') {
                Some((c, d)) => (c, Some(d.trim())),
                None => (rest, None),
            };
            if code.len() != 3 {
                return Err(HeaderError::InvalidStatus);
            }
            map.status = Some(code.parse().map_err(|_| HeaderError::InvalidStatus)?);
            map.description = desc.filter(|d| !d.is_empty()).map(str::to_owned);
        }
        let mut terminated = false;
        for line in lines {
            if line.is_empty() {
                terminated = true;
                break;
            }
            let (k, v) = line.split_once(':').ok_or_else(|| HeaderError::InvalidLine(line.to_owned()))?;
            if k.is_empty() || k.bytes().any(|c| c.is_ascii_whitespace()) {
                return Err(HeaderError::InvalidLine(line.to_owned()));
            }
            map.entries.push((k.to_owned(), v.trim_start().to_owned()));
        }
        if !terminated {
            return Err(HeaderError::Unterminated);
        }
        Ok(map)
    }

    /// Appends the encoded block (including the terminating blank line).
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_slice(VERSION_LINE.as_bytes());
        if let Some(s) = self.status {
            out.put_slice(format!(" {s:03}").as_bytes());
            if let Some(d) = &self.description {
                out.put_u8(b' ');
                out.put_slice(d.as_bytes());
            }
        }
        out.put_slice(b"\r\n");
        for (k, v) in &self.entries {
            out.put_slice(k.as_bytes());
            out.put_slice(b": ");
            out.put_slice(v.as_bytes());
            out.put_slice(b"\r\n");
        }
        out.put_slice(b"\r\n");
    }

    /// The encoded block as bytes.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(64);
        self.encode(&mut out);
        out.freeze()
    }
}

/// The first value of `name` in an encoded block, without allocating. Exact-case match preferred.
pub fn find<'a>(block: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let mut fallback = None;
    for line in block.split(|&c| c == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&c| c == b':') else { continue };
        let (k, v) = (&line[..colon], &line[colon + 1..]);
        let v = trim_ascii_start(v);
        if k == name.as_bytes() {
            return Some(v);
        }
        if fallback.is_none() && k.eq_ignore_ascii_case(name.as_bytes()) {
            fallback = Some(v);
        }
    }
    fallback
}

fn trim_ascii_start(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    v
}

/// The status code of an encoded block, if its version line carries one.
pub fn status_of(block: &[u8]) -> Option<u16> {
    let rest = block.strip_prefix(VERSION_LINE.as_bytes())?;
    let rest = trim_ascii_start(rest);
    if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(&rest[..3]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_multi_valued_headers() {
        let mut h = HeaderMap::new();
        h.append("X-A", "1");
        h.append("X-A", "2");
        h.append("Nats-Msg-Id", "abc");
        let wire = h.to_bytes();
        assert_eq!(&wire[..], b"NATS/1.0\r\nX-A: 1\r\nX-A: 2\r\nNats-Msg-Id: abc\r\n\r\n");
        let back = HeaderMap::parse(&wire).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.get_all("x-a").collect::<Vec<_>>(), ["1", "2"]);
    }

    #[test]
    fn parses_status_lines() {
        let h = HeaderMap::parse(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(h.status, Some(503));
        assert_eq!(h.description, None);
        let h = HeaderMap::parse(b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 3\r\n\r\n").unwrap();
        assert_eq!(h.status, Some(408));
        assert_eq!(h.description.as_deref(), Some("Request Timeout"));
        assert_eq!(h.get("Nats-Pending-Messages"), Some("3"));
        assert_eq!(
            HeaderMap::with_status(100, Some("Idle Heartbeat")).to_bytes(),
            "NATS/1.0 100 Idle Heartbeat\r\n\r\n"
        );
    }

    #[test]
    fn rejects_bad_blocks() {
        assert_eq!(HeaderMap::parse(b"HTTP/1.1\r\n\r\n"), Err(HeaderError::MissingVersion));
        assert_eq!(HeaderMap::parse(b"NATS/1.0\r\nA: b\r\n"), Err(HeaderError::Unterminated));
        assert!(matches!(HeaderMap::parse(b"NATS/1.0\r\nnocolon\r\n\r\n"), Err(HeaderError::InvalidLine(_))));
    }

    #[test]
    fn find_reads_values_without_parsing() {
        let block = b"NATS/1.0\r\nnats-msg-id: lower\r\nNats-Msg-Id:exact\r\nNats-Rollup: sub\r\n\r\n";
        assert_eq!(find(block, "Nats-Msg-Id"), Some(&b"exact"[..]));
        assert_eq!(find(block, "NATS-ROLLUP"), Some(&b"sub"[..]));
        assert_eq!(find(block, "Missing"), None);
        assert_eq!(status_of(b"NATS/1.0 404 No Messages\r\n\r\n"), Some(404));
        assert_eq!(status_of(b"NATS/1.0\r\n\r\n"), None);
    }
}
