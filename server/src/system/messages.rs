//! The JSON of `$SYS` events and replies, with nats-server's names (`events.go`): the server identity
//! every message carries ([`ServerInfo`]), client connect/disconnect advisories, periodic server
//! statistics, the `{"server":…,"data":…}` reply envelope and the options every request may carry to
//! pick servers ([`EventFilterOptions`]).
//!
//! Monitoring bodies inside `data` are the shared `api::monitor` types.

use serde::{Deserialize, Serialize};

use switchyard_shared::api::monitor::{DataStats, JetStreamVarz, SlowConsumersStats, StaleConnectionStats};
use switchyard_shared::api::ApiError;
use switchyard_shared::time::Timestamp;

/// `ConnectEventMsg.type`.
pub const CONNECT_EVENT_TYPE: &str = "io.nats.server.advisory.v1.client_connect";
/// `DisconnectEventMsg.type`.
pub const DISCONNECT_EVENT_TYPE: &str = "io.nats.server.advisory.v1.client_disconnect";
/// `ServerInfo.flags` bit: JetStream is enabled.
pub const FLAG_JETSTREAM: u64 = 1;

fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// The sending server, in every event and reply (nats-server events `ServerInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub name: String,
    pub host: String,
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(rename = "ver")]
    pub version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub jetstream: bool,
    pub flags: u64,
    /// Increases with every message this server sends.
    pub seq: u64,
    pub time: Timestamp,
}

/// A client as events describe it (nats-server `ClientInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub id: u64,
    #[serde(rename = "acc", skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(rename = "svc", skip_serializing_if = "String::is_empty")]
    pub service: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    #[serde(rename = "ver", skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_zero")]
    pub rtt: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Timestamp>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_type: String,
    /// MQTT client id.
    #[serde(rename = "client_id", skip_serializing_if = "String::is_empty")]
    pub mqtt_client: String,
}

/// The type, id and time of an advisory (nats-server `TypedEvent`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypedEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    #[serde(rename = "timestamp")]
    pub time: Timestamp,
}

/// `$SYS.ACCOUNT.<account>.CONNECT`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectEventMsg {
    #[serde(flatten)]
    pub event: TypedEvent,
    pub server: ServerInfo,
    pub client: ClientInfo,
}

/// `$SYS.ACCOUNT.<account>.DISCONNECT`. `sent` is what the client sent (its inbound counters), as in
/// nats-server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisconnectEventMsg {
    #[serde(flatten)]
    pub event: TypedEvent,
    pub server: ServerInfo,
    pub client: ClientInfo,
    pub sent: DataStats,
    pub received: DataStats,
    pub reason: String,
}

/// Server statistics (nats-server `ServerStats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerStats {
    pub start: Timestamp,
    pub mem: i64,
    pub cores: i64,
    pub cpu: f64,
    pub connections: i64,
    pub total_connections: u64,
    pub active_accounts: i64,
    pub subscriptions: u32,
    pub sent: DataStats,
    pub received: DataStats,
    pub slow_consumers: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow_consumer_stats: Option<SlowConsumersStats>,
    #[serde(skip_serializing_if = "is_zero")]
    pub stale_connections: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_connection_stats: Option<StaleConnectionStats>,
    #[serde(skip_serializing_if = "is_zero")]
    pub active_servers: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jetstream: Option<JetStreamVarz>,
    #[serde(rename = "gomaxprocs", skip_serializing_if = "is_zero")]
    pub max_procs: i64,
}

/// `$SYS.SERVER.<id>.STATSZ` and the reply to `STATSZ` requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerStatsMsg {
    pub server: ServerInfo,
    #[serde(rename = "statsz")]
    pub stats: ServerStats,
}

/// The reply to `IDZ` requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerId {
    pub name: String,
    pub host: String,
    pub id: String,
}

/// The reply envelope of monitoring requests (nats-server `ServerAPIResponse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerApiResponse<T> {
    pub server: ServerInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// Which servers should answer a request (nats-server `EventFilterOptions`); the name, host and
/// cluster match as substrings unless `exact_match`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct EventFilterOptions {
    #[serde(rename = "server_name")]
    pub name: String,
    pub cluster: String,
    pub host: String,
    pub exact_match: bool,
    pub tags: Vec<String>,
    pub domain: String,
}

impl EventFilterOptions {
    /// True when a server with this identity should ignore the request.
    pub fn excludes(&self, name: &str, host: &str, cluster: &str, domain: &str) -> bool {
        let differs = |want: &str, have: &str| {
            !want.is_empty() && if self.exact_match { want != have } else { !have.contains(want) }
        };
        differs(&self.name, name)
            || differs(&self.host, host)
            || differs(&self.cluster, cluster)
            || !self.tags.is_empty()
            || (!self.domain.is_empty() && self.domain != domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connect_event_has_nats_server_names() {
        let ev = ConnectEventMsg {
            event: TypedEvent {
                kind: CONNECT_EVENT_TYPE.into(),
                id: "abc".into(),
                time: Timestamp::from_unix_nanos(1_000_000_000),
            },
            server: ServerInfo {
                name: "n1".into(),
                id: "NID".into(),
                version: "2.10.0".into(),
                seq: 3,
                ..Default::default()
            },
            client: ClientInfo {
                id: 7,
                account: "$G".into(),
                lang: "go".into(),
                kind: "Client".into(),
                ..Default::default()
            },
        };
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["type"], CONNECT_EVENT_TYPE);
        assert_eq!(v["timestamp"], "1970-01-01T00:00:01Z");
        assert_eq!(v["server"]["ver"], "2.10.0");
        assert_eq!(v["server"]["seq"], 3);
        assert_eq!(v["client"], json!({"id": 7, "acc": "$G", "lang": "go", "kind": "Client"}));
    }

    #[test]
    fn filters_match_substrings_or_exactly() {
        let f = EventFilterOptions { name: "n".into(), ..Default::default() };
        assert!(!f.excludes("n1", "h", "", ""));
        let exact = EventFilterOptions { name: "n".into(), exact_match: true, ..Default::default() };
        assert!(exact.excludes("n1", "h", "", ""));
        assert!(!EventFilterOptions::default().excludes("n1", "h", "", ""));
        let tagged = EventFilterOptions { tags: vec!["eu".into()], ..Default::default() };
        assert!(tagged.excludes("n1", "h", "", ""), "this server has no tags");
    }
}
