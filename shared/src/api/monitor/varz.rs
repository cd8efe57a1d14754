//! `/varz`: server identity, configuration and counters (nats-server `Varz` and its nested
//! `*OptsVarz` blocks).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::jsz::{JetStreamConfig, JetStreamStats, MetaClusterInfo};
use crate::api::account::JsLimitOpts;
use crate::api::gojson::{go_float, go_float_opt, is_default, nullable};
use crate::time::Timestamp;

/// `/varz` body. Struct-valued blocks (`cluster`, `gateway`, `leaf`, `mqtt`, `websocket`,
/// `jetstream`) are always written, as `{}` when unused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Varz {
    #[serde(rename = "server_id")]
    pub id: String,
    #[serde(rename = "server_name")]
    pub name: String,
    pub version: String,
    pub proto: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub git_commit: String,
    #[serde(rename = "go")]
    pub go_version: String,
    pub host: String,
    pub port: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub auth_required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_ocsp_peer_verify: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip: String,
    #[serde(rename = "connect_urls", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub client_connect_urls: Vec<String>,
    #[serde(rename = "ws_connect_urls", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub ws_connect_urls: Vec<String>,
    #[serde(rename = "max_connections")]
    pub max_conn: i64,
    #[serde(rename = "max_subscriptions", skip_serializing_if = "is_default")]
    pub max_subs: i64,
    /// Nanoseconds.
    pub ping_interval: i64,
    #[serde(rename = "ping_max")]
    pub max_pings_out: i64,
    pub http_host: String,
    pub http_port: i64,
    pub http_base_path: String,
    pub https_port: i64,
    /// Seconds.
    #[serde(serialize_with = "go_float")]
    pub auth_timeout: f64,
    pub max_control_line: i32,
    pub max_payload: i64,
    pub max_pending: i64,
    pub cluster: ClusterOptsVarz,
    pub gateway: GatewayOptsVarz,
    #[serde(rename = "leaf")]
    pub leaf_node: LeafNodeOptsVarz,
    pub mqtt: MqttOptsVarz,
    pub websocket: WebsocketOptsVarz,
    pub jetstream: JetStreamVarz,
    /// Seconds.
    #[serde(serialize_with = "go_float")]
    pub tls_timeout: f64,
    /// Nanoseconds.
    pub write_deadline: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub write_timeout: String,
    pub start: Timestamp,
    pub now: Timestamp,
    /// nats-server uptime text, e.g. `3d4h5m6s`.
    pub uptime: String,
    /// Resident memory in bytes.
    pub mem: i64,
    pub cores: i64,
    #[serde(rename = "gomaxprocs")]
    pub max_procs: i64,
    #[serde(rename = "gomemlimit", skip_serializing_if = "is_default")]
    pub mem_limit: i64,
    /// Percent.
    #[serde(serialize_with = "go_float")]
    pub cpu: f64,
    pub connections: i64,
    pub total_connections: u64,
    pub routes: i64,
    pub remotes: i64,
    #[serde(rename = "leafnodes")]
    pub leafs: i64,
    pub in_msgs: i64,
    pub in_bytes: i64,
    pub in_client_msgs: i64,
    pub in_client_bytes: i64,
    pub out_msgs: i64,
    pub out_bytes: i64,
    pub out_client_msgs: i64,
    pub out_client_bytes: i64,
    pub slow_consumers: i64,
    pub stale_connections: i64,
    pub stalled_clients: i64,
    pub subscriptions: u32,
    /// Requests per monitoring path.
    #[serde(deserialize_with = "nullable")]
    pub http_req_stats: BTreeMap<String, u64>,
    pub config_load_time: Timestamp,
    pub config_digest: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub feature_flags: BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub trusted_operators_jwt: Vec<String>,
    /// Decoded operator JWT claims, kept as raw JSON.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub trusted_operators_claim: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub system_account: String,
    #[serde(rename = "pinned_account_fails", skip_serializing_if = "is_default")]
    pub pinned_account_fail: u64,
    #[serde(rename = "ocsp_peer_cache", skip_serializing_if = "Option::is_none")]
    pub ocsp_response_cache: Option<OcspResponseCacheVarz>,
    /// Written as `null` when absent, as nats-server does.
    #[serde(rename = "slow_consumer_stats")]
    pub slow_consumers_stats: Option<SlowConsumersStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale_connection_stats: Option<StaleConnectionStats>,
    /// Written as `null` when absent, as nats-server does.
    pub disk_io_wait_stats: Option<DiskIoWaitStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxies: Option<ProxiesOptsVarz>,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
    /// Switchyard addition: messages per second received, all connections.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub in_msgs_rate: Option<f64>,
    /// Switchyard addition: messages per second sent, all connections.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub out_msgs_rate: Option<f64>,
    /// Switchyard addition: bytes per second received, all connections.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub in_bytes_rate: Option<f64>,
    /// Switchyard addition: bytes per second sent, all connections.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub out_bytes_rate: Option<f64>,
}

/// JetStream block of `/varz`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JetStreamVarz {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<JetStreamConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<JetStreamStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaClusterInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<JsLimitOpts>,
}

/// Cluster listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(rename = "addr", skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(rename = "cluster_port", skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub auth_timeout: f64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub pool_size: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub write_deadline: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub write_timeout: String,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
}

/// A configured remote gateway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteGatewayOptsVarz {
    pub name: String,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub urls: Vec<String>,
}

/// Gateway listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GatewayOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub auth_timeout: f64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub advertise: String,
    #[serde(skip_serializing_if = "is_default")]
    pub connect_retries: i64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub gateways: Vec<RemoteGatewayOptsVarz>,
    #[serde(skip_serializing_if = "is_default")]
    pub reject_unknown: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub write_deadline: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub write_timeout: String,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
}

/// Imports and exports a leaf remote may not use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DenyRules {
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub exports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub imports: Vec<String>,
}

/// A configured leaf remote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteLeafOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub local_account: String,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<DenyRules>,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_ocsp_peer_verify: bool,
}

/// Leaf node listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeafNodeOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub auth_timeout: f64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_required: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_verify: bool,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub remotes: Vec<RemoteLeafOptsVarz>,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_ocsp_peer_verify: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub write_deadline: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub write_timeout: String,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
}

/// MQTT listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MqttOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub no_auth_user: String,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub auth_timeout: f64,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_map: bool,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub tls_timeout: f64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tls_pinned_certs: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub js_domain: String,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub ack_wait: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_ack_pending: u16,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_ocsp_peer_verify: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
}

/// WebSocket listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebsocketOptsVarz {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub advertise: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub no_auth_user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub jwt_cookie: String,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub handshake_timeout: i64,
    #[serde(skip_serializing_if = "is_default", serialize_with = "go_float")]
    pub auth_timeout: f64,
    #[serde(skip_serializing_if = "is_default")]
    pub no_tls: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_map: bool,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tls_pinned_certs: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub same_origin: bool,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub allowed_origins: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub compression: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_ocsp_peer_verify: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_cert_not_after: Timestamp,
}

/// OCSP peer response cache counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OcspResponseCacheVarz {
    #[serde(rename = "cache_type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(rename = "cache_hits", skip_serializing_if = "is_default")]
    pub hits: i64,
    #[serde(rename = "cache_misses", skip_serializing_if = "is_default")]
    pub misses: i64,
    #[serde(rename = "cached_responses", skip_serializing_if = "is_default")]
    pub responses: i64,
    #[serde(rename = "cached_revoked_responses", skip_serializing_if = "is_default")]
    pub revokes: i64,
    #[serde(rename = "cached_good_responses", skip_serializing_if = "is_default")]
    pub goods: i64,
    #[serde(rename = "cached_unknown_responses", skip_serializing_if = "is_default")]
    pub unknowns: i64,
}

/// Trusted proxies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProxiesOptsVarz {
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub trusted: Vec<ProxyOptsVarz>,
}

/// One trusted proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProxyOptsVarz {
    pub key: String,
}

/// Slow consumers detected, by connection kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlowConsumersStats {
    pub clients: u64,
    pub routes: u64,
    pub gateways: u64,
    pub leafs: u64,
}

/// Stale connections detected, by connection kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaleConnectionStats {
    pub clients: u64,
    pub routes: u64,
    pub gateways: u64,
    pub leafs: u64,
}

/// Contention on the disk I/O semaphore.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskIoWaitStats {
    pub waiters: i64,
    pub waits: u64,
    /// Nanoseconds.
    pub wait_time: u64,
    /// Nanoseconds.
    pub max_wait_time: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unused_blocks_are_written_as_empty_objects() {
        let v = serde_json::to_value(Varz::default()).unwrap();
        for block in ["cluster", "gateway", "leaf", "mqtt", "websocket", "jetstream"] {
            assert_eq!(v[block], json!({}), "{block}");
        }
        assert_eq!(v["slow_consumer_stats"], json!(null));
        assert_eq!(v["disk_io_wait_stats"], json!(null));
        assert_eq!(v["http_req_stats"], json!({}));
        for absent in ["git_commit", "tls_required", "connect_urls", "tls_cert_not_after", "in_msgs_rate"] {
            assert!(v.get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn durations_are_nanoseconds_and_floats_go_style() {
        let v = Varz {
            ping_interval: 120_000_000_000,
            write_deadline: 10_000_000_000,
            auth_timeout: 2.0,
            tls_timeout: 2.0,
            cpu: 12.5,
            uptime: crate::time::format_uptime(90_061_000_000_000),
            in_msgs_rate: Some(1500.0),
            ..Default::default()
        };
        let text = serde_json::to_string(&v).unwrap();
        for part in [
            r#""ping_interval":120000000000"#,
            r#""write_deadline":10000000000"#,
            r#""auth_timeout":2,"#,
            r#""cpu":12.5"#,
            r#""uptime":"1d1h1m1s""#,
            r#""in_msgs_rate":1500"#,
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }

    #[test]
    fn jetstream_block_nests_config_and_stats() {
        let v = JetStreamVarz {
            config: Some(JetStreamConfig { max_memory: 1, max_store: 2, ..Default::default() }),
            stats: Some(JetStreamStats::default()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            json!({
                "config": {"max_memory": 1, "max_storage": 2},
                "stats": {"memory": 0, "storage": 0, "reserved_memory": 0, "reserved_storage": 0,
                    "accounts": 0, "ha_assets": 0, "api": {"level": 0, "total": 0, "errors": 0}}
            })
        );
    }
}
