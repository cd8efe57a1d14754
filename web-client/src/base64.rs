//! Standard base64 (RFC 4648, `+/`, padded), as Go's `[]byte` fields appear in JetStream JSON.
//!
//! Only what the client reads: decoding `data`/`hdrs` of `STREAM.MSG.GET` answers. Encoding is not
//! needed by any request the client sends.

/// Why a base64 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Error {
    #[error("invalid base64 character at {0}")]
    InvalidChar(usize),
    #[error("invalid base64 length")]
    InvalidLength,
}

fn value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes padded or unpadded standard base64.
pub fn decode(input: &str) -> Result<Vec<u8>, Base64Error> {
    let bytes = input.trim_end_matches('=').as_bytes();
    if bytes.len() % 4 == 1 || input.len() - bytes.len() > 2 {
        return Err(Base64Error::InvalidLength);
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let v = value(c).ok_or(Base64Error::InvalidChar(i))?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_rfc4648_vectors() {
        for (enc, dec) in [
            ("", ""),
            ("Zg==", "f"),
            ("Zm8=", "fo"),
            ("Zm9v", "foo"),
            ("Zm9vYg==", "foob"),
            ("Zm9vYmE=", "fooba"),
            ("Zm9vYmFy", "foobar"),
            ("Zm9vYg", "foob"),
        ] {
            assert_eq!(decode(enc).unwrap(), dec.as_bytes(), "{enc}");
        }
    }

    #[test]
    fn decodes_binary_with_plus_and_slash() {
        assert_eq!(decode("+/8A").unwrap(), [0xfb, 0xff, 0x00]);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(decode("Zm9v!A"), Err(Base64Error::InvalidChar(4)));
        assert_eq!(decode("Z"), Err(Base64Error::InvalidLength));
        assert_eq!(decode("Zg==="), Err(Base64Error::InvalidLength));
    }
}
