//! Time values in the shapes nats-server puts on the wire.
//!
//! * [`Timestamp`]: an instant as Unix nanoseconds, serialized like Go's `time.Time` in JSON — RFC 3339
//!   in UTC with up to nine fractional digits, trailing zeros trimmed (`2026-11-29T08:01:02.1234Z`,
//!   `2026-11-29T08:01:02Z`). Go's zero time (`0001-01-01T00:00:00Z`) is what empty streams report as
//!   `first_ts`; it maps to `Timestamp(0)`, so the Unix epoch itself cannot be told apart from "unset".
//! * Durations are plain `i64` nanoseconds in JetStream JSON. For text forms there are
//!   [`format_duration`] (Go's `time.Duration.String()`, used for `rtt`), [`format_uptime`]
//!   (nats-server's own form for `uptime` and `idle`: `3d4h5m6s`), [`parse_duration`] (Go's
//!   `time.ParseDuration`, for header values such as `-NAK 5s` or `Nats-TTL: 1h`) and [`parse_uptime`];
//!   [`GoDuration`] wraps the Go text form as `Display`/`FromStr`.
//!
//! Nothing here reads a clock: callers pass the current time in (the crate also builds for wasm32).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const NANOS_PER_SEC: i64 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Seconds from 0001-01-01T00:00:00Z (Go's zero time) to the Unix epoch.
const GO_ZERO_UNIX_SECS: i64 = -62_135_596_800;

/// Errors from parsing RFC 3339 timestamps and Go duration strings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    #[error("invalid RFC 3339 timestamp {0:?}")]
    InvalidTimestamp(String),
    #[error("time: invalid duration {0:?}")]
    InvalidDuration(String),
    #[error("time: missing unit in duration {0:?}")]
    MissingUnit(String),
    #[error("time: unknown unit {unit:?} in duration {input:?}")]
    UnknownUnit { unit: String, input: String },
    #[error("time: invalid duration {0:?}: out of range")]
    DurationOverflow(String),
}

/// An instant in Unix nanoseconds (UTC). `Timestamp(0)` stands for Go's zero `time.Time`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Go's zero time, `0001-01-01T00:00:00Z` on the wire.
    pub const ZERO: Timestamp = Timestamp(0);

    /// From Unix nanoseconds.
    pub const fn from_unix_nanos(nanos: i64) -> Self {
        Timestamp(nanos)
    }

    /// Unix nanoseconds (0 for the zero time).
    pub const fn unix_nanos(self) -> i64 {
        self.0
    }

    /// Is this Go's zero time (an unset `time.Time`)?
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + nanos`, saturating at the ends of the representable range.
    pub const fn saturating_add_nanos(self, nanos: i64) -> Self {
        Timestamp(self.0.saturating_add(nanos))
    }

    /// Nanoseconds from `earlier` to `self` (negative if `earlier` is later), saturating.
    pub const fn nanos_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Go's `time.Time.MarshalJSON` text without the quotes, always in UTC.
    pub fn to_rfc3339(self) -> String {
        self.to_string()
    }

    /// Parses RFC 3339 with any offset (`Z`, `+02:00`, `-05:30`) and up to nine significant
    /// fractional digits (more are truncated, as Go does). Go's zero time parses to [`Timestamp::ZERO`];
    /// instants outside the `i64` nanosecond range (years before 1677 or after 2262) saturate.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        parse_rfc3339(s).ok_or_else(|| TimeError::InvalidTimestamp(s.to_owned()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, nanos) = if self.is_zero() {
            (GO_ZERO_UNIX_SECS, 0)
        } else {
            (self.0.div_euclid(NANOS_PER_SEC), self.0.rem_euclid(NANOS_PER_SEC))
        };
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, (sod / 60) % 60, sod % 60)?;
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse_rfc3339(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Accepts an RFC 3339 string, or `null` (Go leaves the zero time in place).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TsVisitor;
        impl<'de> Visitor<'de> for TsVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(v).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Timestamp, E> {
                Ok(Timestamp::ZERO)
            }
            fn visit_none<E: de::Error>(self) -> Result<Timestamp, E> {
                Ok(Timestamp::ZERO)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Timestamp, D::Error> {
                d.deserialize_any(TsVisitor)
            }
        }
        deserializer.deserialize_any(TsVisitor)
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) → days since 1970-01-01, proleptic Gregorian.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0')))
}

fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = u32::try_from(digits(&b[5..7])?).ok()?;
    let day = u32::try_from(digits(&b[8..10])?).ok()?;
    let hour = digits(&b[11..13])?;
    let min = digits(&b[14..16])?;
    let sec = digits(&b[17..19])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let kept = &frac[..n.min(9)];
        nanos = digits(kept)? * 10i64.pow(9 - kept.len() as u32);
        rest = &frac[n..];
    }
    let offset_secs = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2])?;
            let om = digits(&[*m1, *m2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * SECS_PER_DAY + hour * 3600 + min * 60 + sec - offset_secs;
    if secs == GO_ZERO_UNIX_SECS && nanos == 0 {
        return Some(Timestamp::ZERO);
    }
    let total = i128::from(secs) * i128::from(NANOS_PER_SEC) + i128::from(nanos);
    let clamped = total.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    Some(Timestamp(clamped as i64))
}

/// A duration in nanoseconds whose text form is Go's: `Display` is [`format_duration`], `FromStr` is
/// [`parse_duration`]. JSON fields stay plain `i64` nanoseconds; this is for header values and display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub i64);

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_duration(self.0))
    }
}

impl FromStr for GoDuration {
    type Err = TimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(GoDuration)
    }
}

/// Go's `time.Duration.String()`: `0s`, `750ns`, `1.5µs`, `1.5ms`, `2.25s`, `1m0s`, `1h2m3.5s`,
/// `-1m30s`. Hours are not folded into days.
pub fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_owned();
    }
    let neg = nanos < 0;
    let u = nanos.unsigned_abs();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if u < 1_000_000_000 {
        if u < 1_000 {
            out.push_str(&format!("{u}ns"));
        } else if u < 1_000_000 {
            push_fraction(&mut out, u, 3);
            out.push_str("µs");
        } else {
            push_fraction(&mut out, u, 6);
            out.push_str("ms");
        }
        return out;
    }
    let secs = u / 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    push_fraction(&mut out, s * 1_000_000_000 + u % 1_000_000_000, 9);
    out.push('s');
    out
}

/// Writes `v / 10^prec` with the fractional part's trailing zeros (and a bare dot) removed.
fn push_fraction(out: &mut String, v: u64, prec: u32) {
    let scale = 10u64.pow(prec);
    out.push_str(&(v / scale).to_string());
    let frac = v % scale;
    if frac != 0 {
        let digits = format!("{frac:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// nats-server's `uptime`/`idle` text: whole seconds broken into years (365 days), days, hours,
/// minutes and seconds, leading zero units dropped: `0s`, `59s`, `1m0s`, `2h0m5s`, `3d4h5m6s`,
/// `1y2d3h4m5s`. Negative input counts as zero.
pub fn format_uptime(nanos: i64) -> String {
    let secs = nanos.max(0) / NANOS_PER_SEC;
    let (mins, hrs) = (secs / 60, secs / 3600);
    let days = hrs / 24;
    let yrs = days / 365;
    if yrs > 0 {
        format!("{yrs}y{}d{}h{}m{}s", days % 365, hrs % 24, mins % 60, secs % 60)
    } else if days > 0 {
        format!("{days}d{}h{}m{}s", hrs % 24, mins % 60, secs % 60)
    } else if hrs > 0 {
        format!("{hrs}h{}m{}s", mins % 60, secs % 60)
    } else if mins > 0 {
        format!("{mins}m{}s", secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// Parses what [`format_uptime`] writes (units `y` = 365 days, `d`, `h`, `m`, `s`) into nanoseconds.
pub fn parse_uptime(s: &str) -> Result<i64, TimeError> {
    let invalid = || TimeError::InvalidDuration(s.to_owned());
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        let value: i64 = rest[..n].parse().map_err(|_| invalid())?;
        let unit = match rest.as_bytes().get(n) {
            Some(b'y') => 365 * SECS_PER_DAY,
            Some(b'd') => SECS_PER_DAY,
            Some(b'h') => 3600,
            Some(b'm') => 60,
            Some(b's') => 1,
            _ => return Err(TimeError::MissingUnit(s.to_owned())),
        };
        total = value
            .checked_mul(unit * NANOS_PER_SEC)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| TimeError::DurationOverflow(s.to_owned()))?;
        rest = &rest[n + 1..];
    }
    Ok(total)
}

/// Go's `time.ParseDuration`: a signed sequence of decimal numbers with optional fraction and a unit
/// each (`300ms`, `-1.5h`, `2h45m`, `1.5s`); units `ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`. A bare
/// `0` is allowed; any other number needs a unit.
pub fn parse_duration(s: &str) -> Result<i64, TimeError> {
    let orig = s;
    let invalid = || TimeError::InvalidDuration(orig.to_owned());
    let overflow = || TimeError::DurationOverflow(orig.to_owned());
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let first = rest.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part.
        let n_int = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut v: u64 = 0;
        for c in rest[..n_int].bytes() {
            v = v
                .checked_mul(10)
                .and_then(|x| x.checked_add(u64::from(c - b'0')))
                .filter(|x| *x <= LIMIT)
                .ok_or_else(overflow)?;
        }
        rest = &rest[n_int..];
        // Fraction: digits beyond what fits are ignored, as Go does.
        let (mut f, mut scale, mut n_frac) = (0u64, 1f64, 0usize);
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
            let mut overflowed = false;
            for c in rest.bytes().take_while(u8::is_ascii_digit) {
                n_frac += 1;
                if overflowed {
                    continue;
                }
                match f.checked_mul(10).and_then(|x| x.checked_add(u64::from(c - b'0'))) {
                    Some(x) if x <= LIMIT => {
                        f = x;
                        scale *= 10.0;
                    }
                    _ => overflowed = true,
                }
            }
            rest = &rest[n_frac..];
        }
        if n_int == 0 && n_frac == 0 {
            return Err(invalid());
        }
        let n_unit = rest.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(rest.len());
        if n_unit == 0 {
            return Err(TimeError::MissingUnit(orig.to_owned()));
        }
        let unit_str = &rest[..n_unit];
        let unit: u64 = match unit_str {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60 * 1_000_000_000,
            "h" => 3600 * 1_000_000_000,
            _ => {
                return Err(TimeError::UnknownUnit { unit: unit_str.to_owned(), input: orig.to_owned() });
            }
        };
        rest = &rest[n_unit..];
        if v > LIMIT / unit {
            return Err(overflow());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(overflow());
            }
        }
        total = total.checked_add(v).filter(|t| *t <= LIMIT).ok_or_else(overflow)?;
    }
    if neg {
        return Ok((total as i128).wrapping_neg() as i64);
    }
    i64::try_from(total).map_err(|_| overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    #[test]
    fn timestamps_format_like_go_rfc3339_nano() {
        let base = Timestamp::parse_rfc3339("2026-11-29T08:01:02Z").unwrap();
        assert_eq!(base.to_string(), "2026-11-29T08:01:02Z");
        assert_eq!(base.saturating_add_nanos(123_456_789).to_string(), "2026-11-29T08:01:02.123456789Z");
        assert_eq!(base.saturating_add_nanos(120_000_000).to_string(), "2026-11-29T08:01:02.12Z");
        assert_eq!(base.saturating_add_nanos(1).to_string(), "2026-11-29T08:01:02.000000001Z");
        assert_eq!(Timestamp(1).to_string(), "1970-01-01T00:00:00.000000001Z");
        assert_eq!(Timestamp(1_700_000_000 * SEC).to_string(), "2023-11-14T22:13:20Z");
        assert_eq!(Timestamp(-SEC).to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(Timestamp(951_782_400 * SEC).to_string(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn zero_time_is_go_zero_both_ways() {
        assert_eq!(Timestamp::ZERO.to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(Timestamp::parse_rfc3339("0001-01-01T00:00:00Z").unwrap(), Timestamp::ZERO);
        assert_eq!(serde_json::to_string(&Timestamp::default()).unwrap(), "\"0001-01-01T00:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>("null").unwrap(), Timestamp::ZERO);
    }

    #[test]
    fn parsing_accepts_offsets_and_fractions() {
        let utc = Timestamp::parse_rfc3339("2026-11-29T08:01:02.5Z").unwrap();
        assert_eq!(Timestamp::parse_rfc3339("2026-11-29T10:01:02.5+02:00").unwrap(), utc);
        assert_eq!(Timestamp::parse_rfc3339("2026-11-29T02:31:02.500-05:30").unwrap(), utc);
        assert_eq!(Timestamp::parse_rfc3339("2026-11-29t08:01:02.5z").unwrap(), utc);
        let long = Timestamp::parse_rfc3339("2026-11-29T08:01:02.1234567891234Z").unwrap();
        assert_eq!(long.to_string(), "2026-11-29T08:01:02.123456789Z");
        let captured = "2026-11-29T08:05:58.075076939Z";
        assert_eq!(Timestamp::parse_rfc3339(captured).unwrap().to_string(), captured);
    }

    #[test]
    fn parsing_rejects_malformed_timestamps() {
        for bad in [
            "",
            "2026-11-29",
            "2026-11-29 08:01:02Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T08:01:60Z",
            "2026-11-29T08:01:02",
            "2026-11-29T08:01:02.Z",
            "2026-11-29T08:01:02+0200",
            "2026-11-29T08:01:02+25:00",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn out_of_range_instants_saturate() {
        assert_eq!(Timestamp::parse_rfc3339("9999-12-31T23:59:59Z").unwrap(), Timestamp(i64::MAX));
        assert_eq!(Timestamp::parse_rfc3339("1000-01-01T00:00:00Z").unwrap(), Timestamp(i64::MIN));
    }

    #[test]
    fn serde_round_trips_as_a_string() {
        let t = Timestamp(1_764_403_262 * SEC + 123_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2025-11-29T08:01:02.000123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
    }

    #[test]
    fn durations_format_like_go() {
        // Outputs documented for Go's time.Duration.String.
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1_100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (1_500_000, "1.5ms"),
            (3_300_000_000, "3.3s"),
            (60 * SEC, "1m0s"),
            (4 * 60 * SEC + 5 * SEC, "4m5s"),
            (4 * 60 * SEC + 5 * SEC + 1_000_000, "4m5.001s"),
            (5 * 3600 * SEC + 6 * 60 * SEC + 7 * SEC + 1_000_000, "5h6m7.001s"),
            (8 * 60 * SEC + 1, "8m0.000000001s"),
            (3600 * SEC + 2 * 60 * SEC + 3 * SEC + SEC / 2, "1h2m3.5s"),
            (72 * 3600 * SEC, "72h0m0s"),
            (-(90 * SEC), "-1m30s"),
            (-1, "-1ns"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_duration(*d), *want, "{d}");
        }
    }

    #[test]
    fn durations_parse_like_go() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * SEC),
            ("30s", 30 * SEC),
            ("1478s", 1478 * SEC),
            ("-5s", -5 * SEC),
            ("+5s", 5 * SEC),
            ("-0", 0),
            ("5.0s", 5 * SEC),
            ("5.6s", 5 * SEC + 600_000_000),
            ("5.s", 5 * SEC),
            (".5s", SEC / 2),
            ("1.0s", SEC),
            ("1.004s", SEC + 4_000_000),
            ("100.00100s", 100 * SEC + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * SEC),
            ("15m", 15 * 60 * SEC),
            ("16h", 16 * 3600 * SEC),
            ("3h30m", (3 * 3600 + 30 * 60) * SEC),
            ("10.5s4m", 4 * 60 * SEC + 10 * SEC + SEC / 2),
            ("-2m3.4s", -(2 * 60 * SEC + 3 * SEC + 400_000_000)),
            ("1h2m3s4ms5us6ns", 3600 * SEC + 2 * 60 * SEC + 3 * SEC + 4_000_000 + 5_000 + 6),
            ("39h9m14.425s", (39 * 3600 + 9 * 60 + 14) * SEC + 425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * 60 * SEC),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036.854775807s", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("0.100000000000000000000h", 6 * 60 * SEC),
            ("0.830103483285477580700h", 49 * 60 * SEC + 48 * SEC + 372_539_827),
        ];
        for (s, want) in cases {
            assert_eq!(parse_duration(s), Ok(*want), "{s}");
        }
    }

    #[test]
    fn bad_durations_are_rejected_like_go() {
        for bad in ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "x1s", "1s ", "9223372036854775808ns"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(parse_duration("3"), Err(TimeError::MissingUnit(_))));
        assert!(matches!(parse_duration("1d"), Err(TimeError::UnknownUnit { .. })));
        assert!(matches!(parse_duration("9223372036854775810ns"), Err(TimeError::DurationOverflow(_))));
        assert!(matches!(parse_duration("9223372036854775808ns"), Err(TimeError::DurationOverflow(_))));
    }

    #[test]
    fn duration_text_round_trips() {
        for d in [1, 999, 1_500, 2_000_000, 3 * SEC, 61 * SEC + 7, 3600 * SEC * 100 + 5, -(42 * SEC)] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{d}");
        }
    }

    #[test]
    fn go_duration_wraps_the_text_forms() {
        assert_eq!(GoDuration(5 * SEC).to_string(), "5s");
        assert_eq!("1h30m".parse::<GoDuration>(), Ok(GoDuration(5400 * SEC)));
        assert!("5".parse::<GoDuration>().is_err());
    }

    #[test]
    fn uptime_uses_nats_server_units() {
        assert_eq!(format_uptime(0), "0s");
        assert_eq!(format_uptime(SEC / 2), "0s");
        assert_eq!(format_uptime(59 * SEC), "59s");
        assert_eq!(format_uptime(60 * SEC), "1m0s");
        assert_eq!(format_uptime(2 * 3600 * SEC + 5 * SEC), "2h0m5s");
        assert_eq!(format_uptime((3 * 86_400 + 4 * 3600 + 5 * 60 + 6) * SEC), "3d4h5m6s");
        assert_eq!(format_uptime((366 * 86_400 + 1) * SEC), "1y1d0h0m1s");
        assert_eq!(format_uptime(-SEC), "0s");
        for s in ["0s", "59s", "1m0s", "2h0m5s", "3d4h5m6s", "1y1d0h0m1s"] {
            assert_eq!(format_uptime(parse_uptime(s).unwrap()), s);
        }
        assert!(parse_uptime("").is_err());
        assert!(parse_uptime("5").is_err());
        assert!(parse_uptime("5x").is_err());
    }
}
