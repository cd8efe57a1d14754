//! `/connz`: client connections (nats-server `Connz`, `ConnInfo`, `SubDetail`).

use serde::{Deserialize, Serialize};

use crate::api::gojson::{go_float_opt, is_default, nullable};
use crate::time::Timestamp;

/// One page of connections. `num_connections` is the size of this page, `total` the overall count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Connz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(rename = "num_connections")]
    pub num_conns: i64,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    #[serde(rename = "connections", deserialize_with = "nullable")]
    pub conns: Vec<ConnInfo>,
}

/// A connection behind a trusted proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProxyInfo {
    pub key: String,
}

/// A TLS peer certificate summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TlsPeerCert {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(rename = "spki_sha256", skip_serializing_if = "String::is_empty")]
    pub subject_pki_sha256: String,
    #[serde(rename = "cert_sha256", skip_serializing_if = "String::is_empty")]
    pub cert_sha256: String,
}

/// One subscription in detail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubDetail {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account_tag: String,
    pub subject: String,
    #[serde(rename = "qgroup", skip_serializing_if = "String::is_empty")]
    pub queue: String,
    pub sid: String,
    pub msgs: i64,
    /// Auto-unsubscribe limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max: i64,
    pub cid: u64,
}

/// One connection (nats-server `ConnInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnInfo {
    pub cid: u64,
    /// `Client`, `Router`, `Gateway`, `Leafnode`, `JetStream`, `Account`, `System`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Client type: `nats`, `websocket`, `mqtt`, …
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub client_type: String,
    pub ip: String,
    pub port: i64,
    pub start: Timestamp,
    pub last_activity: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Timestamp>,
    /// Close reason, e.g. `Client Closed`, `Slow Consumer (Pending Bytes)`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Go duration text, e.g. `623µs`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rtt: String,
    /// nats-server uptime text, e.g. `1h2m3s`.
    pub uptime: String,
    pub idle: String,
    #[serde(rename = "pending_bytes")]
    pub pending: i64,
    pub in_msgs: i64,
    pub out_msgs: i64,
    pub in_bytes: i64,
    pub out_bytes: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub stalls: i64,
    #[serde(rename = "subscriptions")]
    pub num_subs: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lang: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tls_version: String,
    #[serde(rename = "tls_cipher_suite", skip_serializing_if = "String::is_empty")]
    pub tls_cipher: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tls_peer_certs: Vec<TlsPeerCert>,
    #[serde(skip_serializing_if = "is_default")]
    pub tls_first: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub authorized_user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(rename = "subscriptions_list", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subs: Vec<String>,
    #[serde(
        rename = "subscriptions_list_detail",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub subs_detail: Vec<SubDetail>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub jwt: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_tag: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    /// MQTT client id.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mqtt_client: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyInfo>,
    /// Switchyard addition: messages per second received from this connection.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub in_msgs_rate: Option<f64>,
    /// Switchyard addition: messages per second sent to this connection.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub out_msgs_rate: Option<f64>,
    /// Switchyard addition: bytes per second received from this connection.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub in_bytes_rate: Option<f64>,
    /// Switchyard addition: bytes per second sent to this connection.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "go_float_opt")]
    pub out_bytes_rate: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conn_info_writes_nats_server_fields_and_omits_empty_ones() {
        let c = ConnInfo {
            cid: 4,
            kind: "Client".into(),
            client_type: "nats".into(),
            ip: "127.0.0.1".into(),
            port: 40550,
            rtt: crate::time::format_duration(623_000),
            uptime: "0s".into(),
            idle: "0s".into(),
            num_subs: 1,
            subs_detail: vec![SubDetail {
                subject: "a.*".into(),
                sid: "1".into(),
                msgs: 3,
                cid: 4,
                ..Default::default()
            }],
            ..Default::default()
        };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["type"], "nats");
        assert_eq!(v["rtt"], "623µs");
        assert_eq!(v["subscriptions"], 1);
        assert_eq!(v["pending_bytes"], 0);
        assert_eq!(v["subscriptions_list_detail"], json!([{"subject": "a.*", "sid": "1", "msgs": 3, "cid": 4}]));
        for absent in ["stop", "reason", "name", "tls_version", "subscriptions_list", "stalls", "out_msgs_rate"] {
            assert!(v.get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn rates_are_optional_additions() {
        let c = ConnInfo { in_msgs_rate: Some(2.5), out_bytes_rate: Some(100.0), ..Default::default() };
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!((v["in_msgs_rate"].clone(), v["out_bytes_rate"].clone()), (json!(2.5), json!(100)));
        let back: ConnInfo = serde_json::from_value(v).unwrap();
        assert_eq!(back.in_msgs_rate, Some(2.5));
    }
}
