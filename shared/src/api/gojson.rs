//! How Go's `encoding/json` shapes nats-server's JSON, as serde adapters for the API types.
//!
//! * `omitempty` drops zero values (`0`, `false`, `""`, empty slices and maps, nil pointers) but never
//!   struct values; [`is_default`] is the matching `skip_serializing_if` predicate.
//! * Go leaves a field at its zero value when the JSON says `null`; [`nullable`] does the same so that
//!   a client sending `"subjects": null` is not refused.
//! * `[]byte` fields travel as standard, padded base64 ([`base64_bytes`]).
//! * Every JetStream API response carries a constant `type` string; [`response_type!`] makes a
//!   zero-sized marker that always serializes as that string and accepts any value when read.
//!
//! Deliberately not reproduced: Go's case-insensitive field matching and its `\u003c`/`\u003e`/`\u0026`
//! escaping of `<`, `>` and `&` in strings (the JSON values are identical either way).

use serde::{Deserialize, Deserializer};

/// `skip_serializing_if` predicate for Go's `omitempty` on scalars, strings, slices and maps.
pub(crate) fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Deserializes `null` as the type's default, like Go's decoder leaving the zero value in place.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Serializes an `f64` as Go's encoder writes it: integral values without a fraction (`2`, not
/// `2.0`). Use with `#[serde(serialize_with = "go_float")]`.
pub(crate) fn go_float<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.fract() == 0.0 && v.abs() < EXACT {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// [`go_float`] for optional values (only called when present).
pub(crate) fn go_float_opt<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(f) => go_float(f, s),
        None => s.serialize_none(),
    }
}

/// Defines a zero-sized marker for a JetStream response `type`: it serializes as the constant string
/// and deserializes from anything (responses are read leniently).
macro_rules! response_type {
    ($(#[$meta:meta])* $name:ident = $value:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl $name {
            /// The `type` string on the wire.
            pub const TYPE: &'static str = $value;
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                serde::de::IgnoredAny::deserialize(d)?;
                Ok($name)
            }
        }
    };
}
pub(crate) use response_type;

/// Standard base64 with padding, as Go encodes `[]byte` in JSON. Use with
/// `#[serde(with = "base64_bytes")]` on a `Vec<u8>`; `null` reads as empty.
pub(crate) mod base64_bytes {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub(crate) fn encode(data: &[u8]) -> String {
        let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
        for chunk in data.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn value(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }

    /// Strict padded standard base64 (what Go's `StdEncoding` accepts, minus its tolerance of
    /// embedded newlines).
    pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
        let b = text.as_bytes();
        if b.len() % 4 != 0 {
            return None;
        }
        let mut out = Vec::with_capacity(b.len() / 4 * 3);
        for (i, quad) in b.chunks(4).enumerate() {
            let last = i == b.len() / 4 - 1;
            let pad = quad.iter().rev().take_while(|c| **c == b'=').count();
            if pad > 2 || (pad > 0 && !last) {
                return None;
            }
            let mut n = 0u32;
            for &c in &quad[..4 - pad] {
                n = (n << 6) | value(c)?;
            }
            n <<= 6 * pad as u32;
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..3 - pad]);
        }
        Some(out)
    }

    pub(crate) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(data))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(Vec::new()),
            Some(text) => decode(&text).ok_or_else(|| D::Error::custom("illegal base64 data")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base64_bytes::{decode, encode};

    #[test]
    fn base64_matches_go_std_encoding() {
        for (raw, enc) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"five", "Zml2ZQ=="),
            (b"NATS/1.0\r\nA: b\r\n\r\n", "TkFUUy8xLjANCkE6IGINCg0K"),
            (&[0xff, 0xfe, 0x00][..], "//4A"),
        ] {
            assert_eq!(encode(raw), enc);
            assert_eq!(decode(enc).as_deref(), Some(raw));
        }
    }

    #[test]
    fn floats_are_written_like_go() {
        #[derive(serde::Serialize)]
        struct F(#[serde(serialize_with = "super::go_float")] f64);
        let j = |f| serde_json::to_string(&F(f)).unwrap();
        assert_eq!(j(2.0), "2");
        assert_eq!(j(0.0), "0");
        assert_eq!(j(-3.0), "-3");
        assert_eq!(j(0.5), "0.5");
        assert_eq!(j(0.12669683257918551), "0.12669683257918551");
    }

    #[test]
    fn malformed_base64_is_refused() {
        for bad in ["Zg", "Zg=", "Z===", "Zg==Zm9v", "Zm9v!A==", "Zm-v"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
