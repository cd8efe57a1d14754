//! The nkey challenge: a fresh random nonce in each connection's INFO, signed by the client's ed25519
//! key.
//!
//! Input: a user's public nkey (`U…`, base32 with a CRC-16 checksum, decoded by the `nkeys` crate), the
//! nonce this connection was sent and the `sig` from CONNECT. Output: whether the signature is valid.
//! The nonce is 11 random bytes from the operating system, base64url-encoded without padding (15
//! characters), as nats-server makes it; the client signs the nonce's text.

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Random bytes in a nonce (nats-server `nonceRawLen`).
const NONCE_RAW_LEN: usize = 11;

/// A fresh nonce for one connection's INFO.
pub fn new_nonce() -> String {
    let mut raw = [0u8; NONCE_RAW_LEN];
    if getrandom::fill(&mut raw).is_err() {
        // The operating system's generator is unavailable: fall back to the process generator rather
        // than refusing every connection. The nonce only has to be unpredictable per connection.
        raw.iter_mut().for_each(|b| *b = fastrand::u8(..));
    }
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a CONNECT `sig`: base64url without padding, as clients send it; padded base64url and
/// standard base64 are accepted too.
fn decode_signature(sig: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(sig).or_else(|_| URL_SAFE.decode(sig)).or_else(|_| STANDARD.decode(sig)).ok()
}

/// Whether `sig` is `public_key`'s signature of `nonce`.
pub fn verify(public_key: &str, nonce: &str, sig: &str) -> bool {
    let Some(sig) = decode_signature(sig) else { return false };
    let Ok(key) = nkeys::KeyPair::from_public_key(public_key) else { return false };
    key.verify(nonce.as_bytes(), &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_base64url_of_eleven_bytes() {
        let a = new_nonce();
        let b = new_nonce();
        assert_eq!(a.len(), 15);
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).expect("base64url").len(), NONCE_RAW_LEN);
    }

    #[test]
    fn a_signature_of_the_nonce_verifies_in_every_encoding() {
        let user = nkeys::KeyPair::new_user();
        let nonce = new_nonce();
        let sig = user.sign(nonce.as_bytes()).expect("sign");
        for encoded in [URL_SAFE_NO_PAD.encode(&sig), URL_SAFE.encode(&sig), STANDARD.encode(&sig)] {
            assert!(verify(&user.public_key(), &nonce, &encoded), "{encoded}");
        }
    }

    #[test]
    fn wrong_nonce_key_or_garbage_fails() {
        let user = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let nonce = new_nonce();
        let sig = URL_SAFE_NO_PAD.encode(user.sign(nonce.as_bytes()).expect("sign"));
        assert!(!verify(&user.public_key(), &new_nonce(), &sig), "signature over another nonce");
        assert!(!verify(&other.public_key(), &nonce, &sig), "another key");
        assert!(!verify(&user.public_key(), &nonce, "not base64!"));
        assert!(!verify("UNOTAKEY", &nonce, &sig));
        assert!(!verify(&user.public_key(), &nonce, ""));
    }
}
