//! The monitoring view of the MQTT front-end: plain serializable structs returned by the
//! [`Mqtt`](super::Mqtt) service's methods (`status`, `clients`, `sessions`, `retained`), for the HTTP
//! monitoring endpoints and the console to render. Times are Unix nanoseconds like the rest of the
//! server's monitoring. Nothing here reads state by itself.

use serde::Serialize;

pub use super::retained::RetainedInfo;

/// Totals for the MQTT front-end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MqttStatus {
    /// `host:port` the listener is bound to, if it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    pub clients: usize,
    pub sessions: usize,
    pub persistent_sessions: usize,
    pub retained_topics: usize,
    pub retained_bytes: usize,
    /// QoS 1/2 messages dropped because a session's queue was full.
    pub dropped: u64,
    /// Messages not sent because they exceeded a client's Maximum Packet Size.
    pub too_large: u64,
    /// Where sessions and retained messages are kept (`memory` or `file`).
    pub persistence: &'static str,
}

/// One connected MQTT client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientInfo {
    pub client_id: String,
    /// The connection id (`cid` in `/connz`).
    pub cid: u64,
    pub ip: String,
    pub port: u16,
    pub protocol_level: u8,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    pub start: i64,
    pub last_activity: i64,
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub subscriptions: usize,
}

/// One subscription of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionInfo {
    /// The MQTT filter as subscribed (`$share/<group>/…` included).
    pub filter: String,
    /// Granted QoS.
    pub qos: u8,
    /// The NATS subjects it maps to (two for a filter ending in `/#`).
    pub subjects: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_group: Option<String>,
    pub no_local: bool,
    pub retain_as_published: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_identifier: Option<u32>,
}

/// One session, connected or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    pub client_id: String,
    pub connected: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cid: Option<u64>,
    pub protocol_level: u8,
    /// Survives its connection (clean session 0 in 3.1.1, Session Expiry Interval > 0 in 5.0).
    pub persistent: bool,
    /// Seconds; 4294967295 never expires.
    pub session_expiry_interval: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<i64>,
    pub subscriptions: Vec<SubscriptionInfo>,
    /// QoS 1/2 messages sent and not yet acknowledged (PUBREL waits included).
    pub inflight: usize,
    /// Messages waiting for room in the window or for the client to come back.
    pub queued: usize,
    /// Of those in flight or queued, how many are QoS 1 and QoS 2.
    pub pending_qos1: usize,
    pub pending_qos2: usize,
    /// Incoming QoS 2 messages waiting for the client's PUBREL.
    pub incoming_qos2: usize,
    pub dropped: u64,
    pub will_pending: bool,
}
