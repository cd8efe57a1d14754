//! Human-readable numbers, sizes, rates, durations and times for the tables and cards.
//!
//! Pure functions of their inputs (the current time is passed in), so the same value always renders
//! the same way. Sizes use binary units (KiB, MiB) as the nats CLI does; counts use `k`/`M`/`G`.

use switchyard_shared::time::{format_duration, Timestamp};

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// `0 B`, `512 B`, `1.5 KiB`, `20 MiB`, `3.2 GiB`.
pub fn bytes(n: f64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if !n.is_finite() || n < 0.0 {
        return "-".into();
    }
    let mut v = n;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 && v.fract() == 0.0 {
        format!("{} B", v as u64)
    } else if unit == 0 {
        format!("{} B", short_decimal(v))
    } else {
        format!("{} {}", short_decimal(v), UNITS[unit])
    }
}

/// Like [`bytes`] for integers, with `-1` (unlimited in JetStream configs) as `unlimited`.
pub fn limit_bytes(n: i64) -> String {
    if n < 0 {
        "unlimited".into()
    } else {
        bytes(n as f64)
    }
}

/// `-1` as `unlimited`, else the number with thousands separators.
pub fn limit_count(n: i64) -> String {
    if n < 0 {
        "unlimited".into()
    } else {
        count(n as u64)
    }
}

/// `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `950`, `1.2k`, `34M`, for axis labels and compact cells.
pub fn compact(n: f64) -> String {
    if !n.is_finite() {
        return "-".into();
    }
    let a = n.abs();
    let (v, suffix) = if a >= 1e12 {
        (n / 1e12, "T")
    } else if a >= 1e9 {
        (n / 1e9, "G")
    } else if a >= 1e6 {
        (n / 1e6, "M")
    } else if a >= 1e3 {
        (n / 1e3, "k")
    } else {
        (n, "")
    };
    format!("{}{suffix}", short_decimal(v))
}

/// One decimal below 10, none above: `1.5`, `12`, `0.3`, `0`.
fn short_decimal(v: f64) -> String {
    if v.abs() >= 10.0 || v.fract().abs() < 0.05 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// A message rate: `0/s`, `1.2k/s`.
pub fn rate(per_sec: f64) -> String {
    format!("{}/s", compact(per_sec))
}

/// A byte rate: `1.5 KiB/s`.
pub fn byte_rate(per_sec: f64) -> String {
    format!("{}/s", bytes(per_sec))
}

/// A duration in nanoseconds, Go style (`1m30s`, `250ms`); `0` as `-` when `zero_dash`.
pub fn duration(nanos: i64, zero_dash: bool) -> String {
    if nanos == 0 && zero_dash {
        "-".into()
    } else {
        format_duration(nanos)
    }
}

/// A limit-style duration: `unlimited` for 0, whole days as `7d`, Go text otherwise (`1h30m0s`).
pub fn span(nanos: i64) -> String {
    const DAY: i64 = 86_400 * NANOS_PER_SEC;
    if nanos == 0 {
        "unlimited".into()
    } else if nanos % DAY == 0 {
        format!("{}d", nanos / DAY)
    } else {
        format_duration(nanos)
    }
}

/// A compact age: `5s`, `3m`, `2h`, `4d`.
pub fn age(nanos: i64) -> String {
    let s = nanos.max(0) / NANOS_PER_SEC;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else if s < 86_400 {
        format!("{}h", s / 3600)
    } else {
        format!("{}d", s / 86_400)
    }
}

/// A time as `2026-11-29 08:52:24` (UTC), `-` for Go's zero time.
pub fn time(t: Timestamp) -> String {
    if t.is_zero() {
        return "-".into();
    }
    let text = t.to_rfc3339();
    let (date, rest) = text.split_once('T').unwrap_or((&text, ""));
    let clock: String = rest.chars().take(8).collect();
    format!("{date} {clock}")
}

/// A time with how long ago it was: `2026-11-29 08:52:24 (3m ago)`.
pub fn time_ago(t: Timestamp, now: Timestamp) -> String {
    if t.is_zero() {
        return "-".into();
    }
    format!("{} ({} ago)", time(t), age(now.nanos_since(t)))
}

/// An RFC 3339 string (as in KV entries) shown like [`time`]; unparsable text is shown as is.
pub fn rfc3339(text: &str) -> String {
    match Timestamp::parse_rfc3339(text) {
        Ok(t) => time(t),
        Err(_) => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(1023.0), "1023 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(20.0 * 1024.0 * 1024.0), "20 MiB");
        assert_eq!(limit_bytes(-1), "unlimited");
        assert_eq!(bytes(-3.0), "-");
        assert_eq!(bytes(0.5), "0.5 B");
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(limit_count(-1), "unlimited");
    }

    #[test]
    fn compact_numbers_and_rates() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1200.0), "1.2k");
        assert_eq!(compact(34_000_000.0), "34M");
        assert_eq!(compact(0.26), "0.3");
        assert_eq!(rate(1500.0), "1.5k/s");
        assert_eq!(byte_rate(2048.0), "2 KiB/s");
    }

    #[test]
    fn times_render_in_utc_without_fraction() {
        let t = Timestamp::parse_rfc3339("2026-11-29T08:52:24.123456Z").unwrap();
        assert_eq!(time(t), "2026-11-29 08:52:24");
        assert_eq!(time(Timestamp::ZERO), "-");
        let later = t.saturating_add_nanos(190 * NANOS_PER_SEC);
        assert_eq!(time_ago(t, later), "2026-11-29 08:52:24 (3m ago)");
        assert_eq!(rfc3339("not a time"), "not a time");
    }

    #[test]
    fn ages_pick_the_largest_unit() {
        assert_eq!(age(5 * NANOS_PER_SEC), "5s");
        assert_eq!(age(125 * NANOS_PER_SEC), "2m");
        assert_eq!(age(7200 * NANOS_PER_SEC), "2h");
        assert_eq!(age(-1), "0s");
        assert_eq!(duration(0, true), "-");
        assert_eq!(duration(90 * NANOS_PER_SEC, true), "1m30s");
        assert_eq!(span(0), "unlimited");
        assert_eq!(span(7 * 86_400 * NANOS_PER_SEC), "7d");
        assert_eq!(span(5400 * NANOS_PER_SEC), "1h30m0s");
    }
}
