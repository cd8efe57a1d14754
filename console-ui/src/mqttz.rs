//! The MQTT monitoring document the console reads, and the admin calls it makes.
//!
//! `GET /mqttz` answers with [`Mqttz`]: totals, connected clients, every session (with its
//! subscriptions and pending QoS 1/2 messages) and the retained messages. Field names are those of
//! the MQTT front-end's monitoring structs (`MqttStatus`, `ClientInfo`, `SessionInfo`,
//! `SubscriptionInfo`, `RetainedInfo`); times are Unix nanoseconds. Admin actions are
//! `POST`s with the target in the query, answered `200 {"ok":true}` or an error status with
//! `{"error":"…"}`:
//!
//! - `POST /mqttz/clients/kick?client_id=<id>` — disconnect a client (its session stays);
//! - `POST /mqttz/sessions/delete?client_id=<id>` — drop a session (and disconnect its client);
//! - `POST /mqttz/retained/delete?topic=<topic>` — clear a retained message.
//!
//! Reading is lenient (missing fields take zero values) so that a server adding fields does not
//! break the page. Nothing here does I/O.

use serde::{Deserialize, Serialize};
use switchyard_shared::time::Timestamp;

/// Totals for the MQTT front-end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MqttStatus {
    pub listen: Option<String>,
    pub clients: u64,
    pub sessions: u64,
    pub persistent_sessions: u64,
    pub retained_topics: u64,
    pub retained_bytes: u64,
    pub dropped: u64,
    pub too_large: u64,
    pub persistence: String,
}

/// One connected MQTT client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientInfo {
    pub client_id: String,
    pub cid: u64,
    pub ip: String,
    pub port: u16,
    pub protocol_level: u8,
    pub user: String,
    pub start: i64,
    pub last_activity: i64,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub subscriptions: u64,
}

/// One subscription of a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubscriptionInfo {
    pub filter: String,
    pub qos: u8,
    pub subjects: Vec<String>,
    pub queue_group: Option<String>,
    pub no_local: bool,
    pub retain_as_published: bool,
    pub subscription_identifier: Option<u32>,
}

/// One session, connected or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionInfo {
    pub client_id: String,
    pub connected: bool,
    pub cid: Option<u64>,
    pub protocol_level: u8,
    pub persistent: bool,
    /// Seconds; 4294967295 never expires.
    pub session_expiry_interval: u32,
    pub disconnected_at: Option<i64>,
    pub subscriptions: Vec<SubscriptionInfo>,
    pub inflight: u64,
    pub queued: u64,
    pub pending_qos1: u64,
    pub pending_qos2: u64,
    pub incoming_qos2: u64,
    pub dropped: u64,
    pub will_pending: bool,
}

/// One retained message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetainedInfo {
    pub topic: String,
    pub qos: u8,
    pub bytes: u64,
    pub stored_at: i64,
    pub expires_at: Option<i64>,
}

/// `GET /mqttz`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mqttz {
    pub server_id: String,
    pub now: Timestamp,
    pub status: MqttStatus,
    pub clients: Vec<ClientInfo>,
    pub sessions: Vec<SessionInfo>,
    pub retained: Vec<RetainedInfo>,
}

/// An admin action on the MQTT front-end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admin {
    Kick { client_id: String },
    DeleteSession { client_id: String },
    ClearRetained { topic: String },
}

impl Admin {
    /// The request path with its query, relative to the monitoring root.
    pub fn path(&self) -> String {
        match self {
            Admin::Kick { client_id } => format!("mqttz/clients/kick?client_id={}", query_escape(client_id)),
            Admin::DeleteSession { client_id } => {
                format!("mqttz/sessions/delete?client_id={}", query_escape(client_id))
            }
            Admin::ClearRetained { topic } => format!("mqttz/retained/delete?topic={}", query_escape(topic)),
        }
    }

    /// What the confirmation dialog asks.
    pub fn question(&self) -> String {
        match self {
            Admin::Kick { client_id } => format!("Disconnect MQTT client {client_id:?}? Its session stays."),
            Admin::DeleteSession { client_id } => {
                format!("Delete the session of {client_id:?}, with its subscriptions and pending messages?")
            }
            Admin::ClearRetained { topic } => format!("Clear the retained message of topic {topic:?}?"),
        }
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Never` for the "never expires" interval, else seconds as a duration.
pub fn expiry_text(secs: u32) -> String {
    if secs == u32::MAX {
        "never".into()
    } else if secs == 0 {
        "at disconnect".into()
    } else {
        switchyard_shared::time::format_duration(i64::from(secs) * 1_000_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_front_ends_monitoring_structs() {
        let raw = r#"{
            "server_id": "S", "now": "2026-01-01T00:00:00Z",
            "status": {"listen": "0.0.0.0:1883", "clients": 1, "sessions": 2, "persistent_sessions": 1,
                       "retained_topics": 1, "retained_bytes": 5, "dropped": 0, "too_large": 0, "persistence": "file"},
            "clients": [{"client_id": "dev-1", "cid": 7, "ip": "127.0.0.1", "port": 5000, "protocol_level": 5,
                         "start": 1, "last_activity": 2, "in_msgs": 3, "in_bytes": 4, "out_msgs": 5, "out_bytes": 6,
                         "subscriptions": 2}],
            "sessions": [{"client_id": "dev-1", "connected": true, "cid": 7, "protocol_level": 5, "persistent": true,
                          "session_expiry_interval": 4294967295,
                          "subscriptions": [{"filter": "a/#", "qos": 1, "subjects": ["a", "a.>"], "no_local": false,
                                             "retain_as_published": false}],
                          "inflight": 1, "queued": 2, "pending_qos1": 2, "pending_qos2": 1, "incoming_qos2": 0,
                          "dropped": 0, "will_pending": false}],
            "retained": [{"topic": "a/b", "qos": 1, "bytes": 5, "stored_at": 9}]
        }"#;
        let m: Mqttz = serde_json::from_str(raw).unwrap();
        assert_eq!(m.status.persistence, "file");
        assert_eq!(m.clients[0].cid, 7);
        assert_eq!(m.sessions[0].subscriptions[0].subjects, vec!["a", "a.>"]);
        assert_eq!(expiry_text(m.sessions[0].session_expiry_interval), "never");
        assert_eq!(m.retained[0].expires_at, None);
    }

    #[test]
    fn admin_paths_escape_their_targets() {
        assert_eq!(Admin::Kick { client_id: "dev 1".into() }.path(), "mqttz/clients/kick?client_id=dev%201");
        assert_eq!(Admin::ClearRetained { topic: "a/b/#".into() }.path(), "mqttz/retained/delete?topic=a%2Fb%2F%23");
        assert_eq!(Admin::DeleteSession { client_id: "x".into() }.path(), "mqttz/sessions/delete?client_id=x");
    }

    #[test]
    fn expiry_intervals_read_naturally() {
        assert_eq!(expiry_text(0), "at disconnect");
        assert_eq!(expiry_text(90), "1m30s");
    }
}
