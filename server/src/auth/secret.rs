//! Configured passwords and tokens, plain or bcrypt-hashed, and how a presented one is compared.
//!
//! A configured secret starting with `$2a$`, `$2b$`, `$2x$` or `$2y$` (nats-server's
//! `validBcryptPrefix`) is a bcrypt hash: the presented secret must hash to it, so presenting the hash
//! itself fails. Anything else is compared in constant time.

/// A configured password or token.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Plain(String),
    Bcrypt(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Secret::Plain(_) => "Secret::Plain(..)",
            Secret::Bcrypt(_) => "Secret::Bcrypt(..)",
        })
    }
}

fn is_bcrypt(s: &str) -> bool {
    ["$2a$", "$2b$", "$2x$", "$2y$"].iter().any(|p| s.starts_with(p))
}

impl Secret {
    pub fn new(configured: &str) -> Self {
        if is_bcrypt(configured) {
            Secret::Bcrypt(configured.to_string())
        } else {
            Secret::Plain(configured.to_string())
        }
    }

    /// Whether `given` is this secret.
    pub fn matches(&self, given: &str) -> bool {
        match self {
            Secret::Plain(expected) => constant_time_eq(expected.as_bytes(), given.as_bytes()),
            Secret::Bcrypt(hash) => bcrypt::verify(given, hash).unwrap_or(false),
        }
    }
}

/// Compares without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_secrets_compare_exactly() {
        let s = Secret::new("s3cr3t");
        assert!(s.matches("s3cr3t"));
        assert!(!s.matches("s3cr3"));
        assert!(!s.matches("s3cr3t "));
        assert!(!s.matches(""));
    }

    #[test]
    fn bcrypt_hashes_need_the_password_not_the_hash() {
        let hash = bcrypt::hash("pw", 4).expect("hash");
        let s = Secret::new(&hash);
        assert!(matches!(s, Secret::Bcrypt(_)));
        assert!(s.matches("pw"));
        assert!(!s.matches("nope"));
        assert!(!s.matches(&hash), "sending the hash itself must fail");
    }

    #[test]
    fn every_bcrypt_prefix_is_recognised() {
        for prefix in ["$2a$", "$2b$", "$2x$", "$2y$"] {
            assert!(matches!(Secret::new(&format!("{prefix}04$abc")), Secret::Bcrypt(_)), "{prefix}");
        }
        assert!(matches!(Secret::new("$1$abc"), Secret::Plain(_)));
    }
}
