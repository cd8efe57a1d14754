//! `/routez`: cluster route connections (nats-server `Routez`, `RouteInfo`).

use serde::{Deserialize, Serialize};

use super::connz::SubDetail;
use crate::api::gojson::nullable;
use crate::time::Timestamp;

/// Allowed and denied subjects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectPermission {
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub allow: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub deny: Vec<String>,
}

/// `/routez` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Routez {
    #[serde(rename = "server_id")]
    pub id: String,
    #[serde(rename = "server_name")]
    pub name: String,
    pub now: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<SubjectPermission>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<SubjectPermission>,
    pub num_routes: i64,
    #[serde(deserialize_with = "nullable")]
    pub routes: Vec<RouteInfo>,
}

/// One route connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteInfo {
    pub rid: u64,
    pub remote_id: String,
    pub remote_name: String,
    pub did_solicit: bool,
    pub is_configured: bool,
    pub ip: String,
    pub port: i64,
    pub start: Timestamp,
    pub last_activity: Timestamp,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rtt: String,
    pub uptime: String,
    pub idle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<SubjectPermission>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<SubjectPermission>,
    #[serde(rename = "pending_size")]
    pub pending: i64,
    pub in_msgs: i64,
    pub out_msgs: i64,
    pub in_bytes: i64,
    pub out_bytes: i64,
    #[serde(rename = "subscriptions")]
    pub num_subs: u32,
    #[serde(rename = "subscriptions_list", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subs: Vec<String>,
    #[serde(
        rename = "subscriptions_list_detail",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub subs_detail: Vec<SubDetail>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compression: String,
}
