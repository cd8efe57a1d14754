//! `/leafz`: leaf node connections (nats-server `Leafz`, `LeafInfo`).

use serde::{Deserialize, Serialize};

use super::connz::ProxyInfo;
use crate::api::gojson::{is_default, nullable};
use crate::time::Timestamp;

/// `/leafz` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Leafz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(rename = "leafnodes")]
    pub num_leafs: i64,
    #[serde(deserialize_with = "nullable")]
    pub leafs: Vec<LeafInfo>,
}

/// One leaf node connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeafInfo {
    pub id: u64,
    pub name: String,
    pub is_spoke: bool,
    #[serde(skip_serializing_if = "is_default")]
    pub is_isolated: bool,
    pub account: String,
    pub ip: String,
    pub port: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rtt: String,
    pub in_msgs: i64,
    pub out_msgs: i64,
    pub in_bytes: i64,
    pub out_bytes: i64,
    #[serde(rename = "subscriptions")]
    pub num_subs: u32,
    #[serde(rename = "subscriptions_list", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subs: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compression: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyInfo>,
}
