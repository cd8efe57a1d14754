//! `/accountz` (accounts, and one account in detail) and `/accstatz` (per-account traffic)
//! (nats-server `Accountz`, `AccountInfo`, `ExtImport`, `ExtExport`, `AccountStatz`).
//!
//! JWT-specific parts that switchyard does not produce (`decoded_jwt`, the `m1` latency sample)
//! are kept as raw JSON so that a console reading a real nats-server loses nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::subsz::SublistStats;
use crate::api::gojson::{is_default, nullable};
use crate::time::Timestamp;

/// `/accountz` body: account names, or one account with `?acc=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Accountz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub system_account: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub accounts: Vec<String>,
    #[serde(rename = "account_detail", skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountzDetail>,
}

/// One weighted destination of a subject mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MapDest {
    pub subject: String,
    pub weight: u8,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
}

/// Service latency tracking: `sampling` is `"headers"` or a percentage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceLatency {
    pub sampling: serde_json::Value,
    pub results: String,
}

/// An import of the account (nats-server `ExtImport`, flattening the JWT `Import`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtImport {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub local_subject: String,
    /// `stream` or `service`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "is_default")]
    pub allow_trace: bool,
    pub invalid: bool,
    pub share: bool,
    pub tracking: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub tracking_header: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<ServiceLatency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m1: Option<serde_json::Value>,
}

/// An export of the account (nats-server `ExtExport`, flattening the JWT `Export`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtExport {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// `stream` or `service`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "is_default")]
    pub token_req: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub revocations: BTreeMap<String, i64>,
    /// `Singleton`, `Stream` or `Chunked`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub response_type: String,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub response_threshold: i64,
    #[serde(rename = "service_latency", skip_serializing_if = "Option::is_none")]
    pub latency: Option<ServiceLatency>,
    #[serde(skip_serializing_if = "is_default")]
    pub account_token_position: u64,
    #[serde(skip_serializing_if = "is_default")]
    pub advertise: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub allow_trace: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub info_url: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub approved_accounts: Vec<String>,
    #[serde(rename = "revoked_activations", skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub revoked_act: BTreeMap<String, Timestamp>,
}

/// A JWT validation finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtVrIssues {
    pub description: String,
    pub blocking: bool,
    #[serde(rename = "time_check")]
    pub time: bool,
}

/// One account in detail (nats-server monitoring `AccountInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountzDetail {
    #[serde(rename = "account_name")]
    pub name: String,
    #[serde(rename = "update_time")]
    pub last_update: Timestamp,
    #[serde(skip_serializing_if = "is_default")]
    pub is_system: bool,
    pub expired: bool,
    pub complete: bool,
    #[serde(rename = "jetstream_enabled")]
    pub jetstream: bool,
    #[serde(rename = "leafnode_connections")]
    pub leaf_count: i64,
    #[serde(rename = "client_connections")]
    pub client_count: i64,
    #[serde(rename = "subscriptions")]
    pub sub_count: u32,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub mappings: BTreeMap<String, Vec<MapDest>>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub exports: Vec<ExtExport>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub imports: Vec<ExtImport>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub jwt: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name_tag: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    #[serde(rename = "decoded_jwt", skip_serializing_if = "Option::is_none")]
    pub claim: Option<serde_json::Value>,
    #[serde(rename = "validation_result_jwt", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub validation: Vec<ExtVrIssues>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub revoked_user: BTreeMap<String, Timestamp>,
    #[serde(rename = "sublist_stats", skip_serializing_if = "Option::is_none")]
    pub sublist: Option<SublistStats>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub responses: BTreeMap<String, ExtImport>,
}

/// Message and byte counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MsgBytes {
    pub msgs: i64,
    pub bytes: i64,
}

/// Traffic in one direction, with the route/gateway/leaf share when known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStats {
    #[serde(flatten)]
    pub total: MsgBytes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateways: Option<MsgBytes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<MsgBytes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leafs: Option<MsgBytes>,
}

/// One account's connections and traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountStat {
    #[serde(rename = "acc")]
    pub account: String,
    pub name: String,
    pub conns: i64,
    #[serde(rename = "leafnodes")]
    pub leaf_nodes: i64,
    pub total_conns: i64,
    #[serde(rename = "num_subscriptions")]
    pub num_subs: u32,
    pub sent: DataStats,
    pub received: DataStats,
    pub slow_consumers: i64,
}

/// `/accstatz` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountStatz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(rename = "account_statz", deserialize_with = "nullable")]
    pub accounts: Vec<AccountStat>,
}
