//! `/gatewayz`: super-cluster gateway connections (nats-server `Gatewayz`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::connz::{ConnInfo, SubDetail};
use crate::api::gojson::{is_default, nullable};
use crate::time::Timestamp;

/// `/gatewayz` body; without gateways both maps are empty objects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gatewayz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host: String,
    #[serde(skip_serializing_if = "is_default")]
    pub port: i64,
    #[serde(deserialize_with = "nullable")]
    pub outbound_gateways: BTreeMap<String, RemoteGatewayz>,
    #[serde(deserialize_with = "nullable")]
    pub inbound_gateways: BTreeMap<String, Vec<RemoteGatewayz>>,
}

/// One gateway connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoteGatewayz {
    #[serde(rename = "configured")]
    pub is_configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub accounts: Vec<AccountGatewayz>,
}

/// Interest mode of one account over a gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountGatewayz {
    pub name: String,
    pub interest_mode: String,
    #[serde(skip_serializing_if = "is_default")]
    pub no_interest_count: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub interest_only_threshold: i64,
    #[serde(rename = "num_subs", skip_serializing_if = "is_default")]
    pub total_subscriptions: i64,
    #[serde(rename = "num_queue_subs", skip_serializing_if = "is_default")]
    pub num_queue_subscriptions: i64,
    #[serde(rename = "subscriptions_list", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subs: Vec<String>,
    #[serde(
        rename = "subscriptions_list_detail",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub subs_detail: Vec<SubDetail>,
}
