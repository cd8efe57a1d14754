//! Unit strings as nats-server reads them: Go duration strings (`"2m"`, `"1h30m"`, `"500ms"`) and the
//! string form of JetStream storage sizes (`"10G"`).
//!
//! Input is the text of a config value or flag; output is a number or a message saying what is wrong.
//! Integer sizes with suffixes (`1k`, `2MB`) are handled by the parser, not here.

/// Nanoseconds in one unit of each Go duration suffix.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses a Go duration string (Go's `time.ParseDuration`): an optional sign, then one or more
/// `<decimal number><unit>` parts with units `ns us µs ms s m h`; `"0"` alone needs no unit. Returns
/// signed nanoseconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("invalid duration \"{text}\"");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let limit: u128 = 1 << 63;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_digits, after) = rest.split_at(int_len);
        let mut whole: u128 = 0;
        for d in int_digits.bytes() {
            whole = whole * 10 + u128::from(d - b'0');
            if whole > limit {
                return Err(invalid());
            }
        }
        rest = after;
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut frac_len = 0;
        if let Some(after_dot) = rest.strip_prefix('.') {
            frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for d in after_dot[..frac_len].bytes() {
                // Digits beyond what fits are ignored, as Go does.
                if overflow {
                    continue;
                }
                if fraction > (i64::MAX as u64) / 10 {
                    overflow = true;
                    continue;
                }
                fraction = fraction * 10 + u64::from(d - b'0');
                scale *= 10.0;
            }
            rest = &after_dot[frac_len..];
        } else if int_len == 0 {
            return Err(invalid());
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let unit_len =
            rest.char_indices().find(|&(_, c)| c == '.' || c.is_ascii_digit()).map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("missing unit in duration \"{text}\""));
        }
        let (unit_text, after_unit) = rest.split_at(unit_len);
        let Some(&(_, unit)) = UNITS.iter().find(|(name, _)| *name == unit_text) else {
            return Err(format!("unknown unit \"{unit_text}\" in duration \"{text}\""));
        };
        rest = after_unit;
        let mut part = whole.checked_mul(unit).ok_or_else(invalid)?;
        if fraction > 0 {
            // Go computes the fractional part in floating point; so do we, to agree to the nanosecond.
            part += (fraction as f64 * (unit as f64 / scale)) as u128;
        }
        total += part;
        if total > limit {
            return Err(invalid());
        }
    }
    if negative {
        return Ok(i64::try_from(total).map_or(i64::MIN, |t| -t));
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// Parses the string form of a JetStream storage size as nats-server does: digits followed by exactly
/// one of `K M G T` (powers of 1024, upper case only); the empty string is zero.
pub fn parse_storage_size(text: &str) -> Result<i64, String> {
    let Some(suffix) = text.chars().last() else {
        return Ok(0);
    };
    let digits = &text[..text.len() - suffix.len_utf8()];
    let shift = match suffix {
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => return Err(format!("size \"{text}\" must be a number or end in K, M, G or T")),
    };
    let n: i64 = digits.parse().map_err(|_| format!("size \"{text}\" must be a number followed by K, M, G or T"))?;
    n.checked_mul(1 << shift).ok_or_else(|| format!("size \"{text}\" is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn go_durations_parse_like_time_parse_duration() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("5.6s", 5 * S + 600_000_000),
            ("5.s", 5 * S),
            (".5s", S / 2),
            ("1.0s", S),
            ("1.004s", S + 4_000_000),
            ("100.00100s", 100 * S + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * S),
            ("15m", 15 * 60 * S),
            ("16h", 16 * 3600 * S),
            ("3h30m", (3 * 3600 + 30 * 60) * S),
            ("10.5s4m", 4 * 60 * S + 10 * S + S / 2),
            ("-2m3.4s", -(2 * 60 * S + 3 * S + 400_000_000)),
            ("1h2m3s4ms5us6ns", 3600 * S + 120 * S + 3 * S + 4_000_000 + 5_000 + 6),
            ("39h9m14.425s", (39 * 3600 + 9 * 60 + 14) * S + 425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 1_200_000_000_000),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(*want), "{text}");
        }
    }

    #[test]
    fn malformed_durations_are_rejected_with_a_reason() {
        for text in ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "3000000h", "9223372036854775808ns"] {
            assert!(parse_duration(text).is_err(), "{text} should fail");
        }
        assert!(parse_duration("10").expect_err("unit").contains("missing unit"));
        assert!(parse_duration("1d").expect_err("unit").contains("unknown unit \"d\""));
    }

    #[test]
    fn storage_size_strings_use_binary_upper_case_suffixes() {
        assert_eq!(parse_storage_size(""), Ok(0));
        assert_eq!(parse_storage_size("1K"), Ok(1024));
        assert_eq!(parse_storage_size("10G"), Ok(10 << 30));
        assert_eq!(parse_storage_size("2T"), Ok(2 << 40));
        assert!(parse_storage_size("1g").is_err());
        assert!(parse_storage_size("1GB").is_err());
        assert!(parse_storage_size("G").is_err());
    }
}
