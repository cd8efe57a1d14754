//! The HTTP upgrade that opens a WebSocket connection (RFC 6455 §4.2), without I/O.
//!
//! [`Request::parse`] reads the client's upgrade request from a buffer; [`negotiate`] checks it against
//! the listener's [`Policy`] (method, upgrade headers, origin, path prefix) and either answers with a
//! [`Rejection`] (an HTTP error response) or an [`Upgrade`]: the `101 Switching Protocols` response plus
//! what the request tells about the client — whether to compress, whether its frames are masked, its
//! real address behind a trusted proxy, credentials from cookies, whether it is a browser, and whether it
//! asked for NATS or MQTT.
//!
//! It does not read sockets or run the connection; see the parent module.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use tungstenite::handshake::derive_accept_key;

use super::WsSettings;
use crate::frontend::session::ConnectDefaults;

/// Largest upgrade request accepted (headers included; cookies can carry a JWT).
pub const MAX_REQUEST: usize = 32 * 1024;

/// Most headers read from one request.
const MAX_HEADERS: usize = 64;

/// Header that lets a non-browser client send unmasked frames (nats-server's extension).
const NO_MASKING: &str = "Nats-No-Masking";

/// The part of an upgrade request the server looks at.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent, query included.
    pub target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// Parses a complete request head from the start of `buf`: the request and its length, or `None`
    /// when more bytes are needed.
    pub fn parse(buf: &[u8]) -> Result<Option<(Request, usize)>, Rejection> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        let len = match req.parse(buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(Rejection::new(431, "too many headers in request"));
            }
            Err(e) => return Err(Rejection::new(400, format!("malformed request: {e}"))),
        };
        let headers = req
            .headers
            .iter()
            .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).trim().to_string()))
            .collect();
        let request = Request {
            method: req.method.unwrap_or_default().to_string(),
            target: req.path.unwrap_or_default().to_string(),
            headers,
        };
        Ok(Some((request, len)))
    }

    /// Values of every header called `name` (case-insensitive), in order.
    pub fn headers<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first value of header `name`, if present and not empty.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers(name).next().filter(|v| !v.is_empty())
    }

    /// Whether any `name` header holds `token` in its comma-separated list (case-insensitive).
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers(name).flat_map(|v| v.split(',')).any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// The path of the request target, without the query.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("")
    }

    /// The value of cookie `name`, from any `Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers("Cookie").flat_map(|v| v.split(';')).find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k.trim() == name).then(|| v.trim().trim_matches('"').to_string())
        })
    }
}

/// An HTTP error answering a request that cannot be upgraded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("websocket handshake error: {reason} ({status})")]
pub struct Rejection {
    pub status: u16,
    /// Why, for the log; the client only sees the status.
    pub reason: String,
}

impl Rejection {
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Rejection { status, reason: reason.into() }
    }

    /// The complete HTTP response.
    pub fn response(&self) -> Vec<u8> {
        let text = match self.status {
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Internal Server Error",
        };
        format!(
            "HTTP/1.1 {} {text}\r\nContent-Type: text/plain; charset=utf-8\r\nSec-Websocket-Version: 13\r\n\
             X-Content-Type-Options: nosniff\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{text}\n",
            self.status,
            text.len() + 1
        )
        .into_bytes()
    }
}

/// Which protocol the client wants over the WebSocket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Nats,
    /// The path ends in `/mqtt`: MQTT over WebSocket (subprotocol `mqtt`).
    Mqtt,
}

/// An accepted upgrade.
#[derive(Debug, Clone)]
pub struct Upgrade {
    pub target: Target,
    accept: String,
    /// permessage-deflate was offered and is enabled.
    pub compress: bool,
    /// The client asked to send unmasked frames (`Nats-No-Masking: true`).
    pub no_masking: bool,
    /// The `User-Agent` is a browser's.
    pub browser: bool,
    /// The client's address as reported by a trusted proxy (`X-Forwarded-For`).
    pub forwarded_ip: Option<IpAddr>,
    /// Credentials from cookies and the listener's `no_auth_user`, for the session.
    pub defaults: ConnectDefaults,
}

impl Upgrade {
    /// The `101 Switching Protocols` response; `subprotocol` is echoed in `Sec-WebSocket-Protocol`.
    pub fn response(&self, subprotocol: Option<&str>) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n",
            self.accept
        );
        if self.compress {
            out.push_str(
                "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n",
            );
        }
        if self.no_masking {
            out.push_str("Nats-No-Masking: true\r\n");
        }
        if let Some(proto) = subprotocol {
            out.push_str(&format!("Sec-WebSocket-Protocol: {proto}\r\n"));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }
}

/// A scheme, host and port, as an `Origin` header or an `allowed_origins` entry gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: String,
}

impl Origin {
    fn parse(s: &str) -> Option<Origin> {
        let (scheme, rest) = s.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = split_host_port(authority, scheme == "https")?;
        Some(Origin { scheme, host, port })
    }
}

/// Splits `host[:port]` (IPv6 in brackets), lower-casing the host; the port defaults by scheme.
fn split_host_port(hostport: &str, tls: bool) -> Option<(String, String)> {
    let default = if tls { "443" } else { "80" };
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => default,
            p => p.strip_prefix(':')?,
        };
        (host, port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) if !p.contains(':') => (h, p),
            Some(_) => return None,
            None => (hostport, default),
        }
    };
    if host.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port = if port.is_empty() { default } else { port };
    Some((host.to_ascii_lowercase(), port.to_string()))
}

/// The listener's settings, checked and parsed once when it starts.
#[derive(Debug, Clone)]
pub struct Policy {
    same_origin: bool,
    allowed_origins: Vec<Origin>,
    /// Without trailing slash; `None` accepts every path.
    path_prefix: Option<String>,
    trusted_proxies: Vec<IpNet>,
    compression: bool,
    /// Whether connections are TLS (the default port of `Host` depends on it).
    tls: bool,
    jwt_cookie: Option<String>,
    user_cookie: Option<String>,
    pass_cookie: Option<String>,
    token_cookie: Option<String>,
    no_auth_user: Option<String>,
}

impl Policy {
    /// Checks `settings`; the error names the offending setting.
    pub fn new(settings: &WsSettings) -> Result<Self, String> {
        let allowed_origins = settings
            .allowed_origins
            .iter()
            .map(|o| Origin::parse(o).ok_or_else(|| format!("unable to parse allowed origin: {o:?}")))
            .collect::<Result<_, _>>()?;
        let path_prefix = match settings.path_prefix.as_deref().map(|p| p.trim_end_matches('/')) {
            None | Some("") => None,
            Some(p) if p.starts_with('/') => Some(p.to_string()),
            Some(p) => Some(format!("/{p}")),
        };
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        Ok(Policy {
            same_origin: settings.same_origin,
            allowed_origins,
            path_prefix,
            trusted_proxies: settings.trusted_proxies.clone(),
            compression: settings.compression,
            tls: false,
            jwt_cookie: nonempty(&settings.jwt_cookie),
            user_cookie: nonempty(&settings.user_cookie),
            pass_cookie: nonempty(&settings.pass_cookie),
            token_cookie: nonempty(&settings.token_cookie),
            no_auth_user: nonempty(&settings.no_auth_user),
        })
    }

    /// Origin checks run only when configured and only when the request carries an origin (a client
    /// that is not a browser can claim any origin, so a missing one is no evidence).
    fn check_origin(&self, req: &Request) -> Result<(), String> {
        if !self.same_origin && self.allowed_origins.is_empty() {
            return Ok(());
        }
        let Some(raw) = req.header("Origin").or_else(|| req.header("Sec-WebSocket-Origin")) else {
            return Ok(());
        };
        let origin = Origin::parse(raw).ok_or_else(|| format!("invalid origin {raw:?}"))?;
        if self.same_origin {
            let host = req.header("Host").unwrap_or("");
            let (host, port) = split_host_port(host, self.tls).ok_or("invalid host")?;
            if origin.host != host || origin.port != port {
                return Err("not same origin".into());
            }
        }
        if !self.allowed_origins.is_empty() && !self.allowed_origins.contains(&origin) {
            return Err("not in the allowed list".into());
        }
        Ok(())
    }

    /// The path below the prefix, or `None` when the request is not under it.
    fn strip_prefix<'a>(&self, path: &'a str) -> Option<&'a str> {
        match &self.path_prefix {
            None => Some(path),
            Some(prefix) => match path.strip_prefix(prefix.as_str())? {
                "" => Some("/"),
                rest if rest.starts_with('/') => Some(rest),
                _ => None,
            },
        }
    }

    /// The first `X-Forwarded-For` address, believed only from a trusted proxy.
    fn forwarded_ip(&self, req: &Request, peer: IpAddr) -> Option<IpAddr> {
        let peer = peer.to_canonical();
        if !self.trusted_proxies.iter().any(|net| net.contains(&peer)) {
            return None;
        }
        let first = req.header("X-Forwarded-For")?.split(',').next()?.trim();
        first.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
    }

    /// Whether the request offers permessage-deflate in a form the server accepts: its window must not
    /// be restricted below the default, since the server compresses with the full window.
    fn accepts_compression(&self, req: &Request) -> bool {
        self.compression
            && req.headers("Sec-WebSocket-Extensions").flat_map(|v| v.split(',')).any(|offer| {
                let mut params = offer.split(';').map(str::trim);
                params.next().is_some_and(|name| name.eq_ignore_ascii_case("permessage-deflate"))
                    && params.all(|p| {
                        let (key, value) = p.split_once('=').map_or((p, None), |(k, v)| (k.trim(), Some(v.trim())));
                        !key.eq_ignore_ascii_case("server_max_window_bits")
                            || value.is_some_and(|v| v.trim_matches('"') == "15")
                    })
            })
    }

    fn connect_defaults(&self, req: &Request) -> ConnectDefaults {
        let cookie = |name: &Option<String>| name.as_deref().and_then(|n| req.cookie(n)).filter(|v| !v.is_empty());
        ConnectDefaults {
            jwt: cookie(&self.jwt_cookie),
            user: cookie(&self.user_cookie),
            pass: cookie(&self.pass_cookie),
            token: cookie(&self.token_cookie),
            no_auth_user: self.no_auth_user.clone(),
        }
    }
}

/// Decides an upgrade request from `peer`.
pub fn negotiate(req: &Request, policy: &Policy, peer: SocketAddr) -> Result<Upgrade, Rejection> {
    if req.method != "GET" {
        return Err(Rejection::new(405, "request method must be GET"));
    }
    if req.header("Host").is_none() {
        return Err(Rejection::new(400, "'Host' missing in request"));
    }
    if !req.has_token("Upgrade", "websocket") {
        return Err(Rejection::new(400, "invalid value for header 'Upgrade'"));
    }
    if !req.has_token("Connection", "Upgrade") {
        return Err(Rejection::new(400, "invalid value for header 'Connection'"));
    }
    let Some(key) = req.header("Sec-WebSocket-Key") else {
        return Err(Rejection::new(400, "key missing"));
    };
    if !req.has_token("Sec-WebSocket-Version", "13") {
        return Err(Rejection::new(400, "invalid version"));
    }
    policy.check_origin(req).map_err(|e| Rejection::new(403, format!("origin not allowed: {e}")))?;
    let Some(path) = policy.strip_prefix(req.path()) else {
        return Err(Rejection::new(404, format!("path {:?} is not under the configured prefix", req.path())));
    };
    let target = if path.ends_with("/mqtt") { Target::Mqtt } else { Target::Nats };
    Ok(Upgrade {
        target,
        accept: derive_accept_key(key.as_bytes()),
        compress: policy.accepts_compression(req),
        no_masking: req.header(NO_MASKING).is_some_and(|v| v.eq_ignore_ascii_case("true")),
        browser: req.header("User-Agent").is_some_and(|ua| ua.starts_with("Mozilla/")),
        forwarded_ip: policy.forwarded_ip(req, peer.ip()),
        defaults: policy.connect_defaults(req),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &str = "10.1.2.3:5555";

    fn request(extra: &str) -> String {
        format!(
            "GET /nats HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        )
    }

    fn parse(raw: &str) -> Request {
        let (req, len) = Request::parse(raw.as_bytes()).unwrap().unwrap();
        assert_eq!(len, raw.len());
        req
    }

    fn policy(f: impl FnOnce(&mut WsSettings)) -> Policy {
        let mut settings = WsSettings::default();
        f(&mut settings);
        Policy::new(&settings).unwrap()
    }

    fn decide(extra: &str, policy: &Policy) -> Result<Upgrade, Rejection> {
        negotiate(&parse(&request(extra)), policy, PEER.parse().unwrap())
    }

    #[test]
    fn partial_requests_need_more_bytes() {
        let raw = request("");
        assert!(Request::parse(&raw.as_bytes()[..raw.len() - 1]).unwrap().is_none());
        let mut pipelined = raw.clone().into_bytes();
        pipelined.extend_from_slice(&[0x81, 0x80]);
        assert_eq!(Request::parse(&pipelined).unwrap().unwrap().1, raw.len(), "frames after the head stay");
    }

    #[test]
    fn accepts_a_plain_upgrade_with_the_rfc_accept_key() {
        let up = decide("", &policy(|_| {})).unwrap();
        assert_eq!(up.target, Target::Nats);
        assert!(!up.compress && !up.no_masking && !up.browser);
        let resp = String::from_utf8(up.response(None)).unwrap();
        assert!(resp.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        // The example of RFC 6455 §1.3.
        assert!(resp.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(resp.ends_with("\r\n\r\n"));
    }

    #[test]
    fn malformed_upgrades_are_refused_like_nats_server() {
        let p = policy(|_| {});
        let peer = PEER.parse().unwrap();
        let post = request("").replacen("GET", "POST", 1);
        assert_eq!(negotiate(&parse(&post), &p, peer).unwrap_err().status, 405);
        let no_upgrade = request("").replace("Upgrade: websocket\r\n", "");
        assert_eq!(negotiate(&parse(&no_upgrade), &p, peer).unwrap_err().status, 400);
        let old = request("").replace("Version: 13", "Version: 8");
        assert_eq!(negotiate(&parse(&old), &p, peer).unwrap_err().status, 400);
        let response = String::from_utf8(Rejection::new(403, "x").response()).unwrap();
        assert!(response.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(response.ends_with("\r\n\r\nForbidden\n"));
    }

    #[test]
    fn compression_only_when_enabled_and_offered() {
        let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
        assert!(!decide(offer, &policy(|_| {})).unwrap().compress);
        let on = policy(|s| s.compression = true);
        assert!(!decide("", &on).unwrap().compress);
        let up = decide(offer, &on).unwrap();
        assert!(up.compress);
        let resp = String::from_utf8(up.response(None)).unwrap();
        assert!(resp.contains(
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
        ));
        let narrow = "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n";
        assert!(!decide(narrow, &on).unwrap().compress, "a narrower server window is declined");
        let second = "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10, permessage-deflate\r\n";
        assert!(decide(second, &on).unwrap().compress, "a later acceptable offer is taken");
    }

    #[test]
    fn origin_is_checked_only_when_present_and_configured() {
        let open = policy(|_| {});
        assert!(decide("Origin: http://evil.example\r\n", &open).is_ok());
        let same = policy(|s| s.same_origin = true);
        assert!(decide("", &same).is_ok(), "no Origin header: accepted");
        assert!(decide("Origin: http://example.com:8080\r\n", &same).is_ok());
        assert!(decide("Origin: http://EXAMPLE.com:8080/page\r\n", &same).is_ok());
        assert_eq!(decide("Origin: http://example.com\r\n", &same).unwrap_err().status, 403);
        assert_eq!(decide("Origin: null\r\n", &same).unwrap_err().status, 403);
        let listed = policy(|s| s.allowed_origins = vec!["https://app.example".into(), "http://localhost:3000".into()]);
        assert!(decide("Origin: https://app.example\r\n", &listed).is_ok());
        assert!(decide("Origin: https://app.example:443\r\n", &listed).is_ok());
        assert!(decide("Origin: http://localhost:3000\r\n", &listed).is_ok());
        assert_eq!(decide("Origin: http://app.example\r\n", &listed).unwrap_err().status, 403, "scheme differs");
        assert_eq!(decide("Origin: http://localhost:3001\r\n", &listed).unwrap_err().status, 403);
    }

    #[test]
    fn invalid_allowed_origins_fail_the_policy() {
        let settings = WsSettings { allowed_origins: vec!["not a url".into()], ..WsSettings::default() };
        assert!(Policy::new(&settings).is_err());
    }

    #[test]
    fn path_prefix_limits_the_accepted_paths() {
        let any = policy(|_| {});
        let peer = PEER.parse().unwrap();
        let at = |path: &str, p: &Policy| negotiate(&parse(&request("").replacen("/nats", path, 1)), p, peer);
        assert!(at("/anything/at/all?x=1", &any).is_ok());
        let prefixed = policy(|s| s.path_prefix = Some("/ws/".into()));
        assert!(at("/ws", &prefixed).is_ok());
        assert!(at("/ws/", &prefixed).is_ok());
        assert!(at("/ws/nats?jwt=1", &prefixed).is_ok());
        assert_eq!(at("/wsx", &prefixed).unwrap_err().status, 404);
        assert_eq!(at("/", &prefixed).unwrap_err().status, 404);
        assert_eq!(at("/ws/mqtt", &prefixed).unwrap().target, Target::Mqtt);
        assert_eq!(at("/mqtt", &any).unwrap().target, Target::Mqtt);
        assert_eq!(at("/mqtt", &prefixed).unwrap_err().status, 404);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let xff = "X-Forwarded-For: 203.0.113.7, 10.1.2.3\r\n";
        assert_eq!(decide(xff, &policy(|_| {})).unwrap().forwarded_ip, None);
        let trusted = policy(|s| s.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(decide(xff, &trusted).unwrap().forwarded_ip, Some("203.0.113.7".parse().unwrap()));
        assert_eq!(decide("X-Forwarded-For: garbage\r\n", &trusted).unwrap().forwarded_ip, None);
        let other = policy(|s| s.trusted_proxies = vec!["192.168.0.0/16".parse().unwrap()]);
        assert_eq!(decide(xff, &other).unwrap().forwarded_ip, None);
    }

    #[test]
    fn cookies_become_connect_defaults() {
        let p = policy(|s| {
            s.user_cookie = Some("u".into());
            s.pass_cookie = Some("p".into());
            s.token_cookie = Some("t".into());
            s.no_auth_user = Some("guest".into());
        });
        let up = decide("Cookie: a=1; u=alice; p=\"s3cret\"\r\nCookie: t=tok\r\n", &p).unwrap();
        assert_eq!(up.defaults.user.as_deref(), Some("alice"));
        assert_eq!(up.defaults.pass.as_deref(), Some("s3cret"));
        assert_eq!(up.defaults.token.as_deref(), Some("tok"));
        assert_eq!(up.defaults.jwt, None);
        assert_eq!(up.defaults.no_auth_user.as_deref(), Some("guest"));
    }

    #[test]
    fn browsers_and_no_masking_are_recognised() {
        let up =
            decide("User-Agent: Mozilla/5.0 (X11) Chrome/120\r\nNats-No-Masking: TRUE\r\n", &policy(|_| {})).unwrap();
        assert!(up.browser && up.no_masking);
        assert!(String::from_utf8(up.response(None)).unwrap().contains("Nats-No-Masking: true\r\n"));
        assert!(String::from_utf8(up.response(Some("mqtt"))).unwrap().contains("Sec-WebSocket-Protocol: mqtt\r\n"));
    }
}
