//! `/jsz`: JetStream usage of the server and, on request, of accounts, streams and consumers
//! (nats-server `JSInfo`, `AccountDetail`, `StreamDetail`), plus the JetStream config and stats
//! blocks that `/varz` shares.

use serde::{Deserialize, Serialize};

use crate::api::account::{ApiStats, JsLimitOpts};
use crate::api::consumer::ConsumerInfo;
use crate::api::gojson::{is_default, nullable};
use crate::api::stream::{ClusterInfo, PeerInfo, StreamConfig, StreamSourceInfo, StreamState};
use crate::time::Timestamp;

/// The server's JetStream configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JetStreamConfig {
    pub max_memory: i64,
    #[serde(rename = "max_storage")]
    pub max_store: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub store_dir: String,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub sync_interval: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub sync_always: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    #[serde(skip_serializing_if = "is_default")]
    pub compress_ok: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unique_tag: String,
    #[serde(skip_serializing_if = "is_default")]
    pub strict: bool,
}

/// The server's JetStream usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JetStreamStats {
    pub memory: u64,
    #[serde(rename = "storage")]
    pub store: u64,
    pub reserved_memory: u64,
    #[serde(rename = "reserved_storage")]
    pub reserved_store: u64,
    pub accounts: i64,
    pub ha_assets: i64,
    pub api: ApiStats,
}

/// Meta-layer snapshot statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaSnapshotStats {
    pub pending_entries: u64,
    pub pending_size: u64,
    pub last_time: Timestamp,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub last_duration: i64,
}

/// The JetStream meta group (clustered servers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaClusterInfo {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub leader: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub peer: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub replicas: Vec<PeerInfo>,
    #[serde(rename = "cluster_size")]
    pub size: i64,
    pub quorum_needed: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub rescue: bool,
    pub pending: i64,
    pub pending_requests: i64,
    pub pending_infos: i64,
    pub snapshot: Option<MetaSnapshotStats>,
}

/// Raft group of one consumer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RaftGroupDetail {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub raft_group: String,
}

/// One stream in `/jsz?streams=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamDetail {
    pub name: String,
    pub created: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterInfo>,
    /// With `config=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<StreamConfig>,
    pub state: StreamState,
    /// With `consumers=true`.
    #[serde(rename = "consumer_detail", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub consumers: Vec<ConsumerInfo>,
    #[serde(rename = "direct_consumer_detail", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub direct_consumers: Vec<ConsumerInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSourceInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub sources: Vec<StreamSourceInfo>,
    #[serde(rename = "stream_raft_group", skip_serializing_if = "String::is_empty")]
    pub raft_group: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub consumer_raft_groups: Vec<RaftGroupDetail>,
}

/// One account in `/jsz?accounts=true`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountDetail {
    /// Name tag if the account has one, else its id.
    pub name: String,
    pub id: String,
    #[serde(flatten)]
    pub stats: JetStreamStats,
    #[serde(rename = "stream_detail", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub streams: Vec<StreamDetail>,
}

/// `/jsz` body (nats-server `JSInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JsInfo {
    #[serde(flatten)]
    pub stats: JetStreamStats,
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(skip_serializing_if = "is_default")]
    pub disabled: bool,
    pub config: JetStreamConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<JsLimitOpts>,
    pub streams: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub streams_leader: i64,
    pub consumers: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub consumers_leader: i64,
    pub messages: u64,
    pub bytes: u64,
    #[serde(rename = "meta_cluster", skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaClusterInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub account_details: Vec<AccountDetail>,
    /// Accounts with JetStream in total (for paging `account_details`).
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsz_flattens_stats_and_omits_details_by_default() {
        let info = JsInfo {
            stats: JetStreamStats { memory: 26, store: 994, accounts: 1, ..Default::default() },
            id: "N1".into(),
            streams: 4,
            ..Default::default()
        };
        let v = serde_json::to_value(&info).unwrap();
        assert_eq!(
            (v["memory"].clone(), v["storage"].clone(), v["accounts"].clone()),
            (26.into(), 994.into(), 1.into())
        );
        assert_eq!(v["config"], serde_json::json!({"max_memory": 0, "max_storage": 0}));
        for absent in ["disabled", "limits", "meta_cluster", "account_details", "streams_leader"] {
            assert!(v.get(absent).is_none(), "{absent}");
        }
        assert_eq!(v["total"], 0);
    }

    #[test]
    fn reserved_counters_keep_full_u64_range() {
        let detail: AccountDetail =
            serde_json::from_str(r#"{"name":"$G","id":"$G","reserved_memory":18446744073709551615}"#).unwrap();
        assert_eq!(detail.stats.reserved_memory, u64::MAX);
    }
}
