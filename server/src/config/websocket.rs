//! The `websocket { … }` block (alias `ws`).
//!
//! Input: the parsed value. Output: a [`WebsocketConfig`], or `None` when the listener is turned off.
//! Unlike nats-server, switchyard runs WebSocket on port 8080 without TLS by default; a `tls { … }`
//! block turns TLS on, `no_tls: true` forces it off, and `enabled: false`, `websocket: false` or
//! `port: 0` turn the listener off. Two switchyard additions: `path_prefix` and `trusted_proxies`.

use std::time::Duration;

use super::auth::{parse_simple_auth, SimpleAuth};
use super::net::IpNet;
use super::report::{key_of, Field, Report};
use super::tls::{parse_tls, TlsConfig};
use super::value::Kind;

/// Switchyard's default WebSocket port.
pub const DEFAULT_WEBSOCKET_PORT: u16 = 8080;

/// Default time allowed for the HTTP upgrade handshake (nats-server sets no limit unless configured).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// The WebSocket listener (NATS protocol over WebSocket).
#[derive(Debug, Clone, PartialEq)]
pub struct WebsocketConfig {
    /// `host` (`net`): the interface to listen on.
    pub host: String,
    /// `port`: the port; 0 picks a free one (`-1` in the file).
    pub port: u16,
    /// `advertise`: the `host:port` announced to clients in place of the listen address.
    pub advertise: Option<String>,
    /// `tls`: TLS for this listener; `None` is plain WebSocket (`ws://`).
    pub tls: Option<TlsConfig>,
    /// `compression`: offer permessage-deflate.
    pub compression: bool,
    /// `same_origin`: only accept upgrades whose `Origin` matches the request host.
    pub same_origin: bool,
    /// `allowed_origins`: only accept upgrades from these origins (empty: any).
    pub allowed_origins: Vec<String>,
    /// `handshake_timeout`: time allowed for the upgrade (seconds or a duration string).
    pub handshake_timeout: Duration,
    /// `jwt_cookie`: name of a cookie holding the client's JWT.
    pub jwt_cookie: Option<String>,
    /// `user_cookie`: name of a cookie holding the user name.
    pub user_cookie: Option<String>,
    /// `pass_cookie`: name of a cookie holding the password.
    pub pass_cookie: Option<String>,
    /// `token_cookie`: name of a cookie holding the token.
    pub token_cookie: Option<String>,
    /// `no_auth_user`: the user WebSocket clients without credentials are logged in as.
    pub no_auth_user: Option<String>,
    /// `authorization`: credentials required of WebSocket clients that present none of their own.
    pub authorization: Option<SimpleAuth>,
    /// `headers`: extra HTTP headers sent in the upgrade response, in file order.
    pub headers: Vec<(String, String)>,
    /// `ping_interval`: server PING interval for WebSocket clients; `None` uses the server's.
    pub ping_interval: Option<Duration>,
    /// `path_prefix` (switchyard): upgrades are accepted on paths starting with this (default `/`:
    /// any path, as nats-server does).
    pub path_prefix: String,
    /// `trusted_proxies` (switchyard): IPs or CIDR networks whose `X-Forwarded-For` header is believed
    /// when recording a client's address. Empty: the header is never believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for WebsocketConfig {
    fn default() -> Self {
        WebsocketConfig {
            host: "0.0.0.0".to_string(),
            port: DEFAULT_WEBSOCKET_PORT,
            advertise: None,
            tls: None,
            compression: false,
            same_origin: false,
            allowed_origins: Vec::new(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            jwt_cookie: None,
            user_cookie: None,
            pass_cookie: None,
            token_cookie: None,
            no_auth_user: None,
            authorization: None,
            headers: Vec::new(),
            ping_interval: None,
            path_prefix: "/".to_string(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Decodes the `websocket` value; `None` means the listener is off.
pub(crate) fn parse_websocket(f: Field<'_>, r: &mut Report) -> Option<WebsocketConfig> {
    let map = match &f.value.kind {
        Kind::Bool(b) => return b.then(WebsocketConfig::default),
        Kind::String(s) => {
            return match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => Some(WebsocketConfig::default()),
                "disabled" | "disable" => None,
                _ => {
                    r.error(f.pos, format!("{}: expected a map, a boolean or 'disabled', found \"{s}\"", f.name));
                    Some(WebsocketConfig::default())
                }
            }
        }
        _ => r.map(f)?,
    };
    let mut ws = WebsocketConfig::default();
    let mut enabled = true;
    let mut port = i64::from(DEFAULT_WEBSOCKET_PORT);
    let mut no_tls = false;
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "enabled" | "enable" => enabled = r.boolean(field).unwrap_or(true),
            "listen" => {
                if let Some((host, p)) = r.listen(field) {
                    if let Some(h) = host.filter(|h| !h.is_empty()) {
                        ws.host = h;
                    }
                    port = p;
                }
            }
            "port" => port = r.port(field).unwrap_or(port),
            "host" | "net" => ws.host = r.non_empty_string(field).unwrap_or(ws.host),
            "advertise" => ws.advertise = r.string(field),
            "no_tls" => no_tls = r.boolean(field).unwrap_or(false),
            "tls" => ws.tls = parse_tls(field, r),
            "same_origin" => ws.same_origin = r.boolean(field).unwrap_or(false),
            "allowed_origins" | "allowed_origin" | "allow_origins" | "allow_origin" | "origins" | "origin" => {
                ws.allowed_origins = r.strings(field).unwrap_or_default();
            }
            "handshake_timeout" => ws.handshake_timeout = r.seconds(field).unwrap_or(DEFAULT_HANDSHAKE_TIMEOUT),
            "compress" | "compression" => ws.compression = r.boolean(field).unwrap_or(false),
            "authorization" | "authentication" => ws.authorization = parse_simple_auth(field, r),
            "jwt_cookie" => ws.jwt_cookie = r.string(field),
            "user_cookie" => ws.user_cookie = r.string(field),
            "pass_cookie" => ws.pass_cookie = r.string(field),
            "token_cookie" => ws.token_cookie = r.string(field),
            "no_auth_user" => ws.no_auth_user = r.string(field),
            "headers" => ws.headers = parse_headers(field, r),
            "ping_interval" => ws.ping_interval = r.duration(field),
            "path_prefix" => {
                if let Some(prefix) = r.string(field) {
                    if prefix.starts_with('/') {
                        ws.path_prefix = prefix;
                    } else {
                        r.error(field.pos, format!("path_prefix: \"{prefix}\" must start with '/'"));
                    }
                }
            }
            "trusted_proxies" => ws.trusted_proxies = parse_networks(field, r),
            _ => r.unknown(entry, "websocket"),
        }
    }
    if no_tls && ws.tls.is_some() {
        r.warn(f.pos, "websocket: no_tls is set, so the tls block is ignored");
        ws.tls = None;
    }
    if !enabled || port == 0 {
        return None;
    }
    ws.port = u16::try_from(port).unwrap_or(0);
    Some(ws)
}

fn parse_headers(f: Field<'_>, r: &mut Report) -> Vec<(String, String)> {
    let Some(map) = r.map(f) else {
        return Vec::new();
    };
    map.entries()
        .iter()
        .filter_map(|entry| {
            let value = r.string(Field::entry(entry))?;
            Some((entry.key.clone(), value))
        })
        .collect()
}

fn parse_networks(f: Field<'_>, r: &mut Report) -> Vec<IpNet> {
    let Some(list) = r.strings(f) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| match s.parse::<IpNet>() {
            Ok(net) => Some(net),
            Err(e) => {
                r.error(f.pos, format!("{}: {e}", f.name));
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn decode(text: &str) -> (Option<WebsocketConfig>, Report) {
        let map = parse_str(text, Path::new("ws.conf")).expect("parse");
        let mut r = Report::default();
        let out = parse_websocket(Field::entry(&map.entries()[0]), &mut r);
        (out, r)
    }

    #[test]
    fn a_full_block_decodes() {
        let (ws, r) = decode(
            "websocket {\n listen: \"127.0.0.1:9443\"\n advertise: \"ws.example.com:443\"\n compression: true\n \
             same_origin: true\n allowed_origins: [\"https://a.example\"]\n handshake_timeout: \"5s\"\n \
             jwt_cookie: jwt\n no_auth_user: guest\n authorization { token: t }\n headers { X-A: \"1\" }\n \
             ping_interval: \"30s\"\n path_prefix: \"/nats\"\n trusted_proxies: [\"10.0.0.0/8\", \"::1\"]\n \
             tls { cert_file: c.pem, key_file: k.pem }\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let ws = ws.expect("enabled");
        assert_eq!((ws.host.as_str(), ws.port), ("127.0.0.1", 9443));
        assert_eq!(ws.advertise.as_deref(), Some("ws.example.com:443"));
        assert!(ws.compression && ws.same_origin);
        assert_eq!(ws.allowed_origins, vec!["https://a.example".to_string()]);
        assert_eq!(ws.handshake_timeout, Duration::from_secs(5));
        assert_eq!(ws.jwt_cookie.as_deref(), Some("jwt"));
        assert_eq!(ws.no_auth_user.as_deref(), Some("guest"));
        assert_eq!(ws.authorization.and_then(|a| a.token).as_deref(), Some("t"));
        assert_eq!(ws.headers, vec![("X-A".to_string(), "1".to_string())]);
        assert_eq!(ws.ping_interval, Some(Duration::from_secs(30)));
        assert_eq!(ws.path_prefix, "/nats");
        assert_eq!(ws.trusted_proxies.len(), 2);
        assert!(ws.tls.is_some());
    }

    #[test]
    fn a_nats_server_style_block_runs_without_tls() {
        let (ws, r) = decode("websocket { port: 8443, no_tls: true }");
        assert!(r.errors.is_empty());
        let ws = ws.expect("enabled");
        assert_eq!(ws.port, 8443);
        assert!(ws.tls.is_none());
    }

    #[test]
    fn the_listener_can_be_turned_off_or_put_on_a_random_port() {
        assert!(decode("websocket: false").0.is_none());
        assert!(decode("ws: disabled").0.is_none());
        assert!(decode("websocket { enabled: false }").0.is_none());
        assert!(decode("websocket { port: 0 }").0.is_none());
        assert_eq!(decode("websocket { port: -1 }").0.map(|w| w.port), Some(0));
        assert_eq!(decode("websocket {}").0.map(|w| w.port), Some(DEFAULT_WEBSOCKET_PORT));
    }

    #[test]
    fn bad_values_are_errors_at_their_lines() {
        let (_, r) = decode("websocket {\n port: 99999\n trusted_proxies: [\"nope\"]\n path_prefix: nats\n}");
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("ws.conf:2: port: port 99999 is out of range"));
        assert!(messages[1].starts_with("ws.conf:3: trusted_proxies"));
        assert!(messages[2].starts_with("ws.conf:4: path_prefix"));
    }
}
