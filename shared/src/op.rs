//! The protocol operations: what a client sends ([`ClientOp`]) and what a server sends ([`ServerOp`]),
//! plus the JSON bodies of `INFO` ([`ServerInfo`]) and `CONNECT` ([`ConnectInfo`]).
//!
//! Payloads, subjects and header blocks are [`Bytes`] slices of the read buffer, so parsing copies
//! nothing and a payload can be handed to many subscribers by reference count.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// An operation sent by a client to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOp {
    /// `CONNECT {json}`; the JSON is kept raw so the server can report bad JSON its own way.
    Connect(Bytes),
    /// `PUB` (no `headers`) or `HPUB` (`headers` is the header block, including its blank line).
    Pub {
        subject: Bytes,
        reply: Option<Bytes>,
        headers: Option<Bytes>,
        payload: Bytes,
    },
    /// `SUB <subject> [queue] <sid>`.
    Sub {
        subject: Bytes,
        queue: Option<Bytes>,
        sid: Bytes,
    },
    /// `UNSUB <sid> [max]`.
    Unsub {
        sid: Bytes,
        max: Option<u64>,
    },
    Ping,
    Pong,
}

/// An operation sent by a server to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`; raw JSON, see [`ServerInfo`] to decode it.
    Info(Bytes),
    /// `MSG` (no `headers`) or `HMSG`.
    Msg {
        subject: Bytes,
        sid: Bytes,
        reply: Option<Bytes>,
        headers: Option<Bytes>,
        payload: Bytes,
    },
    Ok,
    /// `-ERR '<text>'`; the text without the quotes.
    Err(String),
    Ping,
    Pong,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The `INFO` document, with the fields official clients read. Unknown fields are ignored when decoding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub proto: i8,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub git_commit: String,
    pub go: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    pub max_payload: usize,
    #[serde(skip_serializing_if = "is_false")]
    pub auth_required: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub tls_available: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub jetstream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_ip: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ws_connect_urls: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub ldm: bool,
}

/// The `CONNECT` document. Unknown fields are ignored; `verbose` and `pedantic` default to true as in
/// nats-server (a bare `CONNECT {}` asks for `+OK` replies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectInfo {
    pub verbose: bool,
    pub pedantic: bool,
    pub tls_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub protocol: i32,
    pub echo: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    pub headers: bool,
    pub no_responders: bool,
}

impl Default for ConnectInfo {
    fn default() -> Self {
        ConnectInfo {
            verbose: true,
            pedantic: true,
            tls_required: false,
            auth_token: None,
            user: None,
            pass: None,
            name: None,
            lang: None,
            version: None,
            protocol: 0,
            echo: true,
            sig: None,
            jwt: None,
            nkey: None,
            headers: false,
            no_responders: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_connect_means_verbose_and_pedantic() {
        let c: ConnectInfo = serde_json::from_str("{}").unwrap();
        assert!(c.verbose && c.pedantic && c.echo);
        assert!(!c.headers);
    }

    #[test]
    fn connect_ignores_unknown_fields() {
        let c: ConnectInfo =
            serde_json::from_str(r#"{"verbose":false,"future_field":[1,2],"headers":true,"name":"x"}"#).unwrap();
        assert!(!c.verbose);
        assert!(c.headers);
        assert_eq!(c.name.as_deref(), Some("x"));
    }

    #[test]
    fn info_omits_false_flags() {
        let i = ServerInfo { version: "2.10.0".into(), proto: 1, ..Default::default() };
        let s = serde_json::to_string(&i).unwrap();
        assert!(!s.contains("auth_required"));
        assert!(!s.contains("client_id"));
        assert!(s.contains("\"proto\":1"));
    }
}
