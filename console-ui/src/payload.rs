//! How a message body is shown: as text, as pretty-printed JSON or as a hex dump, and which of those
//! suits a body best. Also the reverse for forms: header lines typed by the user into a
//! [`HeaderMap`].
//!
//! Pure functions over bytes; the payload component only picks the view and renders the string.

use switchyard_shared::headers::HeaderMap;

/// A way to display a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Text,
    Json,
    Hex,
}

impl View {
    pub const ALL: [View; 3] = [View::Text, View::Json, View::Hex];

    pub fn title(self) -> &'static str {
        match self {
            View::Text => "Text",
            View::Json => "JSON",
            View::Hex => "Hex",
        }
    }
}

/// JSON for objects and arrays, text for other valid UTF-8 without control characters, hex otherwise.
pub fn best_view(body: &[u8]) -> View {
    let Ok(text) = std::str::from_utf8(body) else { return View::Hex };
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('[')) && serde_json::from_str::<serde_json::Value>(text).is_ok()
    {
        return View::Json;
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        View::Hex
    } else {
        View::Text
    }
}

/// Renders `body` in `view`. JSON that does not parse is an error naming the parser's complaint.
pub fn render(body: &[u8], view: View) -> Result<String, String> {
    match view {
        View::Text => Ok(String::from_utf8_lossy(body).into_owned()),
        View::Json => {
            let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
        }
        View::Hex => Ok(hex_dump(body)),
    }
}

/// `00000000  68 65 6c 6c 6f                                    |hello|`, 16 bytes a line.
pub fn hex_dump(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len() * 4 + 16);
    for (i, chunk) in body.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}  ", i * 16));
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
            if j == 7 {
                out.push(' ');
            }
        }
        out.push_str(" |");
        out.extend(chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }));
        out.push_str("|\n");
    }
    out
}

/// The first `max` characters of a body for a one-line preview (lossy UTF-8, newlines flattened).
pub fn preview(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text.chars().take(max).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

/// Why header lines could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderLineError {
    #[error("line {0}: expected `Name: value`")]
    MissingColon(usize),
    #[error("line {0}: header names may not contain spaces, control characters or ':'")]
    BadName(usize),
    #[error("line {0}: header values may not contain line breaks")]
    BadValue(usize),
}

/// Reads `Name: value` lines (blank lines skipped; a name may repeat) into headers; `None` when there
/// are none.
pub fn parse_header_lines(text: &str) -> Result<Option<HeaderMap>, HeaderLineError> {
    let mut headers = HeaderMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(HeaderLineError::MissingColon(n))?;
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(HeaderLineError::BadName(n));
        }
        let value = value.trim();
        if value.chars().any(|c| c == '\r' || c == '\n') {
            return Err(HeaderLineError::BadValue(n));
        }
        headers.append(name, value);
    }
    Ok((!headers.is_empty()).then_some(headers))
}

/// Headers as `(name, value)` rows, the status line first when there is one.
pub fn header_rows(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    if let Some(code) = headers.status {
        let text = headers.description.as_deref().map(|d| format!("{code} {d}")).unwrap_or_else(|| code.to_string());
        rows.push(("Status".into(), text));
    }
    rows.extend(headers.iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_view_follows_the_content() {
        assert_eq!(best_view(br#"{"a":1}"#), View::Json);
        assert_eq!(best_view(b" [1,2]"), View::Json);
        assert_eq!(best_view(b"{not json"), View::Text);
        assert_eq!(best_view(b"hello\nworld"), View::Text);
        assert_eq!(best_view(&[0xff, 0x00, 0x10]), View::Hex);
        assert_eq!(best_view(b"a\x01b"), View::Hex);
        assert_eq!(best_view(b"42"), View::Text);
    }

    #[test]
    fn json_is_pretty_printed_and_bad_json_is_an_error() {
        assert_eq!(render(br#"{"a":[1]}"#, View::Json).unwrap(), "{\n  \"a\": [\n    1\n  ]\n}");
        assert!(render(b"nope", View::Json).unwrap_err().starts_with("not JSON"));
        assert_eq!(render(&[0x68, 0xff], View::Text).unwrap(), "h\u{fffd}");
    }

    #[test]
    fn hex_dump_shows_offsets_bytes_and_ascii() {
        let dump = hex_dump(b"hello, world! 0123");
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("00000000  68 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 20 30 31"), "{}", lines[0]);
        assert!(lines[0].ends_with("|hello, world! 01|"));
        assert!(lines[1].starts_with("00000010  32 33 "));
        assert!(lines[1].ends_with("|23|"));
        assert_eq!(hex_dump(b""), "");
    }

    #[test]
    fn previews_are_cut_and_flattened() {
        assert_eq!(preview(b"a\nb", 10), "a b");
        assert_eq!(preview(b"abcdef", 3), "abc…");
    }

    #[test]
    fn header_lines_become_headers() {
        let h = parse_header_lines("X-A: 1\n\nX-B:two words \nX-A: 3").unwrap().unwrap();
        assert_eq!(h.get_all("X-A").collect::<Vec<_>>(), vec!["1", "3"]);
        assert_eq!(h.get("X-B"), Some("two words"));
        assert_eq!(parse_header_lines("  \n").unwrap(), None);
        assert_eq!(parse_header_lines("novalue").unwrap_err(), HeaderLineError::MissingColon(1));
        assert_eq!(parse_header_lines("ok: 1\nbad name: x").unwrap_err(), HeaderLineError::BadName(2));
    }

    #[test]
    fn header_rows_put_the_status_first() {
        let mut h = HeaderMap::with_status(503, Some("No Responders"));
        h.append("X", "y");
        assert_eq!(header_rows(&h), vec![("Status".into(), "503 No Responders".into()), ("X".into(), "y".into())]);
    }
}
