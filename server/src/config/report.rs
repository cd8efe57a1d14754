//! Decoding parsed values into typed settings while collecting problems.
//!
//! A [`Field`] is one setting to decode (its name, value and the position to blame). [`Report`] turns
//! fields into Rust values, recording an error for a wrong type or value and a warning for an unknown or
//! unsupported key, so every block's decoder can go on after a bad value and the user sees all problems
//! at once. Messages name nats-server's key; positions point at the key, as nats-server's do.

use std::time::Duration;

use super::error::Located;
use super::net::split_host_port;
use super::units::parse_duration;
use super::value::{Entry, Kind, Map, Pos, Value};

/// One setting to decode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    /// The key as written (or a description for array items).
    pub name: &'a str,
    /// The value.
    pub value: &'a Value,
    /// Where to point in messages.
    pub pos: &'a Pos,
}

impl<'a> Field<'a> {
    /// A map entry; problems point at its key.
    pub fn entry(entry: &'a Entry) -> Self {
        Field { name: &entry.key, value: &entry.value, pos: &entry.key_pos }
    }

    /// An array item; problems point at the item.
    pub fn item(name: &'a str, value: &'a Value) -> Self {
        Field { name, value, pos: &value.pos }
    }
}

/// The key of `entry` in lower case (nats-server matches keys case-insensitively).
pub(crate) fn key_of(entry: &Entry) -> String {
    entry.key.to_ascii_lowercase()
}

/// Errors and warnings found so far.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub errors: Vec<Located>,
    pub warnings: Vec<String>,
}

fn found(value: &Value) -> String {
    match &value.kind {
        Kind::String(s) => format!("string \"{s}\""),
        Kind::Integer(n) => format!("integer {n}"),
        Kind::Float(f) => format!("float {f}"),
        Kind::Bool(b) => format!("boolean {b}"),
        Kind::Datetime(d) => format!("datetime {d}"),
        other => other.type_name().to_string(),
    }
}

impl Report {
    /// Records an error at `pos`.
    pub fn error(&mut self, pos: &Pos, message: impl Into<String>) {
        self.errors.push(Located { pos: Some(pos.clone()), message: message.into() });
    }

    /// Records a warning at `pos`.
    pub fn warn(&mut self, pos: &Pos, message: impl std::fmt::Display) {
        self.warnings.push(format!("{pos}: {message}"));
    }

    /// Warns about a key no decoder knows, unless it is a variable definition used elsewhere.
    pub fn unknown(&mut self, entry: &Entry, block: &str) {
        if !entry.used_as_variable {
            let place = if block.is_empty() { String::new() } else { format!(" in {block}") };
            self.warn(&entry.key_pos, format!("unknown field \"{}\"{place}; ignored", entry.key));
        }
    }

    /// Warns about a nats-server key that switchyard accepts but does not act on.
    pub fn unsupported(&mut self, entry: &Entry, block: &str) {
        let place = if block.is_empty() { String::new() } else { format!(" (in {block})") };
        self.warn(&entry.key_pos, format!("\"{}\"{place} is not supported by switchyard; ignored", entry.key));
    }

    fn wrong(&mut self, f: Field<'_>, expected: &str) {
        self.error(f.pos, format!("{}: expected {expected}, found {}", f.name, found(f.value)));
    }

    /// A string.
    pub fn string(&mut self, f: Field<'_>) -> Option<String> {
        match &f.value.kind {
            Kind::String(s) => Some(s.clone()),
            _ => {
                self.wrong(f, "a string");
                None
            }
        }
    }

    /// A non-empty string.
    pub fn non_empty_string(&mut self, f: Field<'_>) -> Option<String> {
        let s = self.string(f)?;
        if s.is_empty() {
            self.error(f.pos, format!("{} must not be empty", f.name));
            return None;
        }
        Some(s)
    }

    /// A boolean (`true/false/yes/no/on/off`, unquoted).
    pub fn boolean(&mut self, f: Field<'_>) -> Option<bool> {
        match f.value.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                self.wrong(f, "a boolean");
                None
            }
        }
    }

    /// An integer.
    pub fn integer(&mut self, f: Field<'_>) -> Option<i64> {
        match f.value.kind {
            Kind::Integer(n) => Some(n),
            _ => {
                self.wrong(f, "an integer");
                None
            }
        }
    }

    /// A non-negative integer (a size in bytes or a count).
    pub fn size(&mut self, f: Field<'_>) -> Option<u64> {
        let n = self.integer(f)?;
        match u64::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(f.pos, format!("{} must not be negative, found {n}", f.name));
                None
            }
        }
    }

    /// A non-negative count that fits in `usize`.
    pub fn count(&mut self, f: Field<'_>) -> Option<usize> {
        let n = self.size(f)?;
        usize::try_from(n).ok().or_else(|| {
            self.error(f.pos, format!("{} is too large", f.name));
            None
        })
    }

    /// A port number as nats-server writes them: `-1` (random) or `0..=65535`.
    pub fn port(&mut self, f: Field<'_>) -> Option<i64> {
        let n = self.integer(f)?;
        check_port(f.name, n).map_err(|m| self.error(f.pos, m)).ok()
    }

    /// A `listen` value: a bare port (`4222`) or `"host:port"` (`"127.0.0.1:4222"`, `":4222"`).
    /// Returns the host, if one was written, and the port (`-1` for random).
    pub fn listen(&mut self, f: Field<'_>) -> Option<(Option<String>, i64)> {
        let (host, port) = match &f.value.kind {
            Kind::Integer(n) => (None, *n),
            Kind::String(s) => match split_host_port(s) {
                Ok((h, p)) => (Some(h), p),
                Err(e) => {
                    self.error(f.pos, format!("{}: {e}", f.name));
                    return None;
                }
            },
            _ => {
                self.wrong(f, "a port or \"host:port\"");
                return None;
            }
        };
        match check_port(f.name, port) {
            Ok(port) => Some((host, port)),
            Err(m) => {
                self.error(f.pos, m);
                None
            }
        }
    }

    /// A map.
    pub fn map<'v>(&mut self, f: Field<'v>) -> Option<&'v Map> {
        match &f.value.kind {
            Kind::Map(m) => Some(m),
            _ => {
                self.wrong(f, "a map");
                None
            }
        }
    }

    /// An array.
    pub fn array<'v>(&mut self, f: Field<'v>) -> Option<&'v [Value]> {
        match &f.value.kind {
            Kind::Array(items) => Some(items),
            _ => {
                self.wrong(f, "an array");
                None
            }
        }
    }

    /// A string, or an array of strings.
    pub fn strings(&mut self, f: Field<'_>) -> Option<Vec<String>> {
        match &f.value.kind {
            Kind::String(s) => Some(vec![s.clone()]),
            Kind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match &item.kind {
                        Kind::String(s) => out.push(s.clone()),
                        _ => {
                            ok = false;
                            self.error(
                                &item.pos,
                                format!("{}: expected strings in the array, found {}", f.name, found(item)),
                            );
                        }
                    }
                }
                ok.then_some(out)
            }
            _ => {
                self.wrong(f, "a string or an array of strings");
                None
            }
        }
    }

    /// A Go duration string such as `"2m"`; a bare integer is taken as seconds with a warning, as
    /// nats-server does. Negative durations are errors.
    pub fn duration(&mut self, f: Field<'_>) -> Option<Duration> {
        match &f.value.kind {
            Kind::String(s) => self.duration_text(f, s),
            Kind::Integer(n) => {
                self.warn(
                    f.pos,
                    format!(
                        "{} should be a duration string such as \"2m\"; the number {n} is taken as seconds \
                         (an unquoted 2m is the number 2000000)",
                        f.name
                    ),
                );
                self.non_negative_seconds(f, *n as f64)
            }
            _ => {
                self.wrong(f, "a duration string such as \"10s\"");
                None
            }
        }
    }

    /// A Go duration string only (nats-server accepts nothing else for these keys).
    pub fn duration_string(&mut self, f: Field<'_>) -> Option<Duration> {
        match &f.value.kind {
            Kind::String(s) => self.duration_text(f, s),
            _ => {
                self.wrong(f, "a duration string such as \"30s\"");
                None
            }
        }
    }

    /// Seconds as an integer or float, or a Go duration string (timeouts such as `auth_timeout`).
    pub fn seconds(&mut self, f: Field<'_>) -> Option<Duration> {
        match &f.value.kind {
            Kind::Integer(n) => self.non_negative_seconds(f, *n as f64),
            Kind::Float(x) => self.non_negative_seconds(f, *x),
            Kind::String(s) => self.duration_text(f, s),
            _ => {
                self.wrong(f, "seconds or a duration string");
                None
            }
        }
    }

    fn duration_text(&mut self, f: Field<'_>, text: &str) -> Option<Duration> {
        match parse_duration(text) {
            Ok(ns) => match u64::try_from(ns) {
                Ok(ns) => Some(Duration::from_nanos(ns)),
                Err(_) => {
                    self.error(f.pos, format!("{} must not be negative, found \"{text}\"", f.name));
                    None
                }
            },
            Err(e) => {
                self.error(f.pos, format!("{}: {e}", f.name));
                None
            }
        }
    }

    fn non_negative_seconds(&mut self, f: Field<'_>, secs: f64) -> Option<Duration> {
        match Duration::try_from_secs_f64(secs) {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(f.pos, format!("{}: {secs} is not a valid number of seconds", f.name));
                None
            }
        }
    }
}

/// Checks a port number: `-1` (random) or `0..=65535`.
pub(crate) fn check_port(name: &str, n: i64) -> Result<i64, String> {
    if (-1..=65535).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{name}: port {n} is out of range (use 0..65535, or -1 for a random port)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::sync::Arc;

    fn value(kind: Kind) -> Value {
        Value { kind, pos: Pos { file: Arc::from(Path::new("t.conf")), line: 7, column: 1 } }
    }

    #[test]
    fn wrong_types_are_errors_naming_key_line_and_found_value() {
        let mut r = Report::default();
        let v = value(Kind::String("abc".into()));
        assert_eq!(r.integer(Field::item("port", &v)), None);
        assert_eq!(r.errors[0].to_string(), "t.conf:7: port: expected an integer, found string \"abc\"");
    }

    #[test]
    fn integer_durations_are_seconds_with_a_warning() {
        let mut r = Report::default();
        let v = value(Kind::Integer(5));
        assert_eq!(r.duration(Field::item("write_deadline", &v)), Some(Duration::from_secs(5)));
        assert!(r.errors.is_empty());
        assert!(r.warnings[0].starts_with("t.conf:7: write_deadline should be a duration string"));
    }

    #[test]
    fn duration_strings_are_parsed_and_bad_ones_rejected() {
        let mut r = Report::default();
        let good = value(Kind::String("1h30m".into()));
        assert_eq!(r.duration(Field::item("d", &good)), Some(Duration::from_secs(5400)));
        let bad = value(Kind::String("10 seconds".into()));
        assert_eq!(r.duration(Field::item("d", &bad)), None);
        let negative = value(Kind::String("-1s".into()));
        assert_eq!(r.duration(Field::item("d", &negative)), None);
        assert_eq!(r.errors.len(), 2);
    }

    #[test]
    fn seconds_accept_floats_integers_and_durations() {
        let mut r = Report::default();
        assert_eq!(r.seconds(Field::item("t", &value(Kind::Float(0.5)))), Some(Duration::from_millis(500)));
        assert_eq!(r.seconds(Field::item("t", &value(Kind::Integer(3)))), Some(Duration::from_secs(3)));
        assert_eq!(r.seconds(Field::item("t", &value(Kind::String("250ms".into())))), Some(Duration::from_millis(250)));
        assert!(r.errors.is_empty() && r.warnings.is_empty());
    }

    #[test]
    fn ports_outside_the_range_are_errors() {
        let mut r = Report::default();
        assert_eq!(r.port(Field::item("port", &value(Kind::Integer(-1)))), Some(-1));
        assert_eq!(r.port(Field::item("port", &value(Kind::Integer(70000)))), None);
        assert!(r.errors[0].message.contains("out of range"));
    }
}
