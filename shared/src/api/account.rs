//! Account-level JetStream information (`$JS.API.INFO`) and the limits that shape stream and consumer
//! defaults: the account's [`AccountLimits`] and the server's [`JsLimitOpts`].
//!
//! Shapes follow nats-server's `JetStreamAccountStats`, `JetStreamTier`, `JetStreamAccountLimits`,
//! `JetStreamAPIStats` and `JSLimitOpts`. The same structs appear in `/varz` and `/jsz`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::gojson::{is_default, nullable};

/// Limits on one account (or tier); `-1` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    #[serde(rename = "max_memory")]
    pub max_memory: i64,
    #[serde(rename = "max_storage")]
    pub max_store: i64,
    pub max_streams: i64,
    pub max_consumers: i64,
    pub max_ack_pending: i64,
    pub memory_max_stream_bytes: i64,
    #[serde(rename = "storage_max_stream_bytes")]
    pub store_max_stream_bytes: i64,
    pub max_bytes_required: bool,
}

impl Default for AccountLimits {
    /// Unlimited, as nats-server reports an account without configured limits.
    fn default() -> Self {
        AccountLimits {
            max_memory: -1,
            max_store: -1,
            max_streams: -1,
            max_consumers: -1,
            max_ack_pending: -1,
            memory_max_stream_bytes: -1,
            store_max_stream_bytes: -1,
            max_bytes_required: false,
        }
    }
}

/// API usage counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    /// JetStream API level implemented (gates client features: 1 = 2.11 TTLs and markers).
    pub level: i64,
    pub total: u64,
    pub errors: u64,
    #[serde(skip_serializing_if = "is_default")]
    pub inflight: u64,
}

/// Usage and limits of one account or tier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JetStreamTier {
    pub memory: u64,
    #[serde(rename = "storage")]
    pub store: u64,
    pub reserved_memory: u64,
    #[serde(rename = "reserved_storage")]
    pub reserved_store: u64,
    pub streams: i64,
    pub consumers: i64,
    pub limits: AccountLimits,
}

/// Body of the `$JS.API.INFO` response (nats-server `JetStreamAccountStats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    #[serde(flatten)]
    pub usage: JetStreamTier,
    #[serde(default, skip_serializing_if = "String::is_empty", deserialize_with = "nullable")]
    pub domain: String,
    /// Required when reading, so that a response holding only an error reads as no `AccountInfo`.
    pub api: ApiStats,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "nullable")]
    pub tiers: BTreeMap<String, JetStreamTier>,
}

/// Server-wide JetStream limits (nats-server `JSLimitOpts`, config `jetstream { limits {} }`); 0 means
/// not set. Shown under `/varz` `jetstream.limits` and `/jsz` `limits`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JsLimitOpts {
    #[serde(skip_serializing_if = "is_default")]
    pub max_request_batch: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_ha_assets: i64,
    /// Nanoseconds.
    #[serde(rename = "max_duplicate_window", skip_serializing_if = "is_default")]
    pub duplicates: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_batch_inflight_per_stream: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_batch_inflight_total: i64,
    #[serde(skip_serializing_if = "is_default")]
    pub max_batch_size: i64,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "is_default")]
    pub max_batch_timeout: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn account_info_flattens_usage_like_nats_server() {
        let info = AccountInfo {
            usage: JetStreamTier { memory: 26, store: 994, streams: 4, consumers: 3, ..Default::default() },
            api: ApiStats { level: 1, total: 33, errors: 13, inflight: 0 },
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            json!({
                "memory": 26, "storage": 994, "reserved_memory": 0, "reserved_storage": 0,
                "streams": 4, "consumers": 3,
                "limits": {
                    "max_memory": -1, "max_storage": -1, "max_streams": -1, "max_consumers": -1,
                    "max_ack_pending": -1, "memory_max_stream_bytes": -1, "storage_max_stream_bytes": -1,
                    "max_bytes_required": false
                },
                "api": {"level": 1, "total": 33, "errors": 13}
            })
        );
    }

    #[test]
    fn empty_server_limits_serialize_as_empty_object() {
        assert_eq!(serde_json::to_string(&JsLimitOpts::default()).unwrap(), "{}");
    }
}
