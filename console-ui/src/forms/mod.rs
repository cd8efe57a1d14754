//! Form models: what the user typed (strings and checkboxes) turned into JetStream configs and back.
//!
//! Each form is a plain struct of field texts with `from_config` (to edit an existing thing) and
//! `to_config` (to send). `to_config` reports every unreadable field at once as [`FieldErrors`]
//! (field id → message, shown under the inputs); the config it builds is then validated with the
//! shared crate's own checks (`StreamConfig::check`, `ConsumerConfig::validate`), so the browser
//! rejects what the server would, with the same texts. What only the server can know (subject
//! overlaps with other streams, limits of the account) comes back from the server and is shown as a
//! server error.
//!
//! Layout: field parsers here; [`stream`], [`consumer`], [`bucket`] (KV and object store buckets).

pub mod bucket;
pub mod consumer;
pub mod stream;

use std::collections::BTreeMap;

use switchyard_shared::time::{format_duration, parse_duration};

/// Messages for the fields that could not be read, by field id.
pub type FieldErrors = BTreeMap<&'static str, String>;

const NANOS_PER_SEC: i64 = 1_000_000_000;
const DAY: i64 = 86_400 * NANOS_PER_SEC;

/// A count limit: blank, `-1` or `unlimited` → -1; otherwise a non-negative integer (`_` and `,`
/// allowed as separators).
pub fn parse_limit(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() || t == "-1" || t.eq_ignore_ascii_case("unlimited") {
        return Ok(-1);
    }
    let digits: String = t.chars().filter(|c| !matches!(c, '_' | ',')).collect();
    digits.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| format!("{t:?} is not a whole number"))
}

/// A count as the form shows it: blank for unlimited.
pub fn limit_text(n: i64) -> String {
    if n < 0 {
        String::new()
    } else {
        n.to_string()
    }
}

/// A size limit: like [`parse_limit`], with optional units `K`/`KB`/`KiB`, `M…`, `G…`, `T…`
/// (all powers of 1024, as the nats CLI reads them) and `B`.
pub fn parse_size(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() || t == "-1" || t.eq_ignore_ascii_case("unlimited") {
        return Ok(-1);
    }
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: i64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("unknown size unit {unit:?} (use B, KiB, MiB, GiB or TiB)")),
    };
    let value: f64 = num.trim().replace(['_', ','], "").parse().map_err(|_| format!("{t:?} is not a size"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("{t:?} is not a size"));
    }
    let bytes = value * mult as f64;
    if bytes > i64::MAX as f64 {
        return Err(format!("{t:?} is too large"));
    }
    Ok(bytes.round() as i64)
}

/// A size as the form shows it: blank for unlimited, the largest exact binary unit otherwise.
pub fn size_text(n: i64) -> String {
    if n < 0 {
        return String::new();
    }
    for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if n > 0 && n % (1i64 << shift) == 0 {
            return format!("{}{unit}", n >> shift);
        }
    }
    n.to_string()
}

/// A duration: blank → 0; Go syntax (`90s`, `1h30m`, `250ms`) or a whole number of days, weeks or
/// years (`7d`, `2w`, `1y`), as the nats CLI accepts.
pub fn parse_age(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() || t == "0" {
        return Ok(0);
    }
    for (suffix, unit) in [("d", DAY), ("w", 7 * DAY), ("y", 365 * DAY)] {
        if let Some(n) = t.strip_suffix(suffix).and_then(|n| n.parse::<i64>().ok()) {
            return n.checked_mul(unit).filter(|v| *v >= 0).ok_or_else(|| format!("{t:?} is out of range"));
        }
    }
    let nanos = parse_duration(t).map_err(|_| format!("{t:?} is not a duration (e.g. 30s, 1h30m, 7d)"))?;
    if nanos < 0 {
        return Err(format!("{t:?} is negative"));
    }
    Ok(nanos)
}

/// A duration as the form shows it: blank for 0, whole days as `Nd`, Go text otherwise.
pub fn age_text(nanos: i64) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % DAY == 0 {
        format!("{}d", nanos / DAY)
    } else {
        format_duration(nanos)
    }
}

/// Items separated by commas, spaces or new lines.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// `key=value` (or `key: value`) lines into metadata.
pub fn parse_metadata(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .or_else(|| line.split_once(':'))
            .ok_or_else(|| format!("line {}: expected key=value", i + 1))?;
        let k = k.trim();
        if k.is_empty() {
            return Err(format!("line {}: empty key", i + 1));
        }
        out.insert(k.to_owned(), v.trim().to_owned());
    }
    Ok(out)
}

/// Metadata as `key=value` lines.
pub fn metadata_text(m: &BTreeMap<String, String>) -> String {
    m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("\n")
}

/// Records the outcome of parsing one field: its value, or its message under `field`.
pub fn field<T: Default>(errors: &mut FieldErrors, field: &'static str, r: Result<T, String>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => {
            errors.insert(field, e);
            T::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_accept_blank_and_unlimited() {
        assert_eq!(parse_limit(""), Ok(-1));
        assert_eq!(parse_limit("unlimited"), Ok(-1));
        assert_eq!(parse_limit("1_000"), Ok(1000));
        assert_eq!(parse_limit("1,000,000"), Ok(1_000_000));
        assert!(parse_limit("-5").is_err());
        assert!(parse_limit("ten").is_err());
        assert_eq!(limit_text(-1), "");
        assert_eq!(limit_text(7), "7");
    }

    #[test]
    fn sizes_take_binary_units_and_round_trip() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("1.5 MB"), Ok(1_572_864));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("3 parsecs").is_err());
        assert!(parse_size("-3").is_err());
        for n in [-1, 0, 1, 1000, 1024, 3 << 20, 5 << 30] {
            assert_eq!(parse_size(&size_text(n)), Ok(n), "{n}");
        }
        assert_eq!(size_text(1 << 30), "1GiB");
    }

    #[test]
    fn ages_take_go_durations_and_days() {
        assert_eq!(parse_age(""), Ok(0));
        assert_eq!(parse_age("90s"), Ok(90 * NANOS_PER_SEC));
        assert_eq!(parse_age("1h30m"), Ok(5400 * NANOS_PER_SEC));
        assert_eq!(parse_age("7d"), Ok(7 * DAY));
        assert_eq!(parse_age("1w"), Ok(7 * DAY));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("-1s").is_err());
        for n in [0, NANOS_PER_SEC / 4, 90 * NANOS_PER_SEC, 3 * DAY] {
            assert_eq!(parse_age(&age_text(n)), Ok(n), "{n}");
        }
    }

    #[test]
    fn lists_and_metadata() {
        assert_eq!(split_list("a.>, b.*\n c"), vec!["a.>", "b.*", "c"]);
        let m = parse_metadata("owner=ops\n\nteam: core").unwrap();
        assert_eq!(m.get("owner").map(String::as_str), Some("ops"));
        assert_eq!(m.get("team").map(String::as_str), Some("core"));
        assert!(parse_metadata("novalue").is_err());
        assert_eq!(parse_metadata(&metadata_text(&m)).unwrap(), m);
    }
}
