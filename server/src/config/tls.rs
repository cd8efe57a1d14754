//! The `tls { … }` block (client port, WebSocket and MQTT listeners share its shape).
//!
//! Input: the parsed block. Output: a [`TlsConfig`] naming certificate files; no file is opened here
//! (the listener that uses the config loads and checks them).

use std::path::PathBuf;
use std::time::Duration;

use super::report::{key_of, Field, Report};
use super::value::Kind;

/// nats-server's default TLS handshake timeout.
pub const DEFAULT_TLS_TIMEOUT: Duration = Duration::from_secs(2);

/// Delay before falling back to a plain-text INFO when `handshake_first: auto` (nats-server's value).
pub const DEFAULT_HANDSHAKE_FIRST_FALLBACK: Duration = Duration::from_millis(50);

/// TLS settings of one listener.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsConfig {
    /// `cert_file`: the server certificate chain (PEM).
    pub cert_file: PathBuf,
    /// `key_file`: the private key of `cert_file` (PEM).
    pub key_file: PathBuf,
    /// `ca_file`: CAs trusted to sign client certificates (PEM); `None` uses the system roots.
    pub ca_file: Option<PathBuf>,
    /// `verify`: require and verify a client certificate.
    pub verify: bool,
    /// `verify_and_map`: verify the client certificate and use its subject as the user name (implies
    /// `verify`).
    pub verify_and_map: bool,
    /// `timeout`: how long the TLS handshake may take (seconds, float or duration string; default 2s).
    pub timeout: Duration,
    /// `handshake_first`: start TLS before the server sends INFO (clients must opt in).
    pub handshake_first: bool,
    /// With `handshake_first: auto` or a duration: how long to wait for a TLS client hello before
    /// falling back to the normal INFO-first flow.
    pub handshake_first_fallback: Option<Duration>,
    /// `min_version`: the lowest TLS version accepted (`"1.2"` or `"1.3"`); `None` is TLS 1.2.
    pub min_version: Option<TlsVersion>,
}

/// A TLS protocol version switchyard can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// nats-server TLS keys switchyard accepts but ignores.
const UNSUPPORTED: &[&str] = &[
    "insecure",
    "cipher_suites",
    "curve_preferences",
    "pinned_certs",
    "cert_store",
    "cert_match_by",
    "cert_match",
    "ca_certs_match",
    "cert_match_skip_invalid",
    "ocsp_peer",
    "connection_rate_limit",
    "verify_cert_and_check_known_urls",
    "allow_insecure_cipher_suites",
];

/// Decodes a `tls { … }` block. Both `cert_file` and `key_file` are required.
pub(crate) fn parse_tls(f: Field<'_>, r: &mut Report) -> Option<TlsConfig> {
    let map = r.map(f)?;
    let mut cert_file = None;
    let mut key_file = None;
    let mut tls = TlsConfig {
        cert_file: PathBuf::new(),
        key_file: PathBuf::new(),
        ca_file: None,
        verify: false,
        verify_and_map: false,
        timeout: DEFAULT_TLS_TIMEOUT,
        handshake_first: false,
        handshake_first_fallback: None,
        min_version: None,
    };
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "cert_file" => cert_file = r.non_empty_string(field).map(PathBuf::from),
            "key_file" => key_file = r.non_empty_string(field).map(PathBuf::from),
            "ca_file" => tls.ca_file = r.non_empty_string(field).map(PathBuf::from),
            "verify" => tls.verify = r.boolean(field).unwrap_or(false),
            "verify_and_map" => {
                tls.verify_and_map = r.boolean(field).unwrap_or(false);
                tls.verify |= tls.verify_and_map;
            }
            "timeout" => tls.timeout = r.seconds(field).unwrap_or(DEFAULT_TLS_TIMEOUT),
            "handshake_first" | "first" | "immediate" => handshake_first(field, &mut tls, r),
            "min_version" => {
                tls.min_version = match r.string(field).as_deref() {
                    Some("1.2") => Some(TlsVersion::Tls12),
                    Some("1.3") => Some(TlsVersion::Tls13),
                    Some(other) => {
                        r.error(
                            field.pos,
                            format!("min_version: unsupported TLS version \"{other}\" (use \"1.2\" or \"1.3\")"),
                        );
                        None
                    }
                    None => None,
                }
            }
            k if UNSUPPORTED.contains(&k) => r.unsupported(entry, "tls"),
            _ => r.unknown(entry, "tls"),
        }
    }
    match (cert_file, key_file) {
        (Some(cert), Some(key)) => {
            tls.cert_file = cert;
            tls.key_file = key;
            Some(tls)
        }
        (None, _) => {
            r.error(f.pos, format!("{}: missing 'cert_file'", f.name));
            None
        }
        (_, None) => {
            r.error(f.pos, format!("{}: missing 'key_file'", f.name));
            None
        }
    }
}

fn handshake_first(f: Field<'_>, tls: &mut TlsConfig, r: &mut Report) {
    match &f.value.kind {
        Kind::Bool(b) => tls.handshake_first = *b,
        Kind::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "on" => tls.handshake_first = true,
            "false" | "off" => tls.handshake_first = false,
            "auto" | "auto_fallback" => {
                tls.handshake_first = true;
                tls.handshake_first_fallback = Some(DEFAULT_HANDSHAKE_FIRST_FALLBACK);
            }
            _ => match super::units::parse_duration(s) {
                Ok(ns) if ns >= 0 => {
                    tls.handshake_first = true;
                    tls.handshake_first_fallback = Some(Duration::from_nanos(ns.unsigned_abs()));
                }
                _ => r.error(f.pos, format!("{}: \"{s}\" is not a boolean, \"auto\" or a duration", f.name)),
            },
        },
        other => r.error(f.pos, format!("{}: expected a boolean or a string, found {}", f.name, other.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn tls(text: &str) -> (Option<TlsConfig>, Report) {
        let map = parse_str(text, Path::new("tls.conf")).expect("parse");
        let mut r = Report::default();
        let entry = &map.entries()[0];
        (parse_tls(Field::entry(entry), &mut r), r)
    }

    #[test]
    fn a_full_tls_block_decodes() {
        let (cfg, r) = tls(
            "tls {\n cert_file: \"./server.pem\"\n key_file: './key.pem'\n ca_file: ca.pem\n verify_and_map: true\n \
             timeout: 0.75\n handshake_first: auto\n min_version: \"1.3\"\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let cfg = cfg.expect("tls");
        assert_eq!(cfg.cert_file, PathBuf::from("./server.pem"));
        assert_eq!(cfg.key_file, PathBuf::from("./key.pem"));
        assert_eq!(cfg.ca_file, Some(PathBuf::from("ca.pem")));
        assert!(cfg.verify && cfg.verify_and_map);
        assert_eq!(cfg.timeout, Duration::from_millis(750));
        assert!(cfg.handshake_first);
        assert_eq!(cfg.handshake_first_fallback, Some(DEFAULT_HANDSHAKE_FIRST_FALLBACK));
        assert_eq!(cfg.min_version, Some(TlsVersion::Tls13));
    }

    #[test]
    fn missing_key_file_is_an_error_at_the_block() {
        let (cfg, r) = tls("tls {\n cert_file: a.pem\n}");
        assert!(cfg.is_none());
        assert_eq!(r.errors[0].to_string(), "tls.conf:1: tls: missing 'key_file'");
    }

    #[test]
    fn old_tls_versions_and_unknown_keys_are_reported() {
        let (_, r) =
            tls("tls {\n cert_file: a\n key_file: b\n min_version: \"1.0\"\n cipher_suites: [x]\n bogus: 1\n}");
        assert_eq!(r.errors.len(), 1);
        assert!(r.errors[0].to_string().starts_with("tls.conf:4: min_version"));
        assert!(r.warnings[0].starts_with("tls.conf:5: \"cipher_suites\" (in tls) is not supported"));
        assert!(r.warnings[1].starts_with("tls.conf:6: unknown field \"bogus\" in tls"));
    }
}
