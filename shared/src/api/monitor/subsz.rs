//! `/subsz`: subscription routing statistics and, on request, the subscriptions themselves
//! (nats-server `Subsz`, `SublistStats`).

use serde::{Deserialize, Serialize};

use super::connz::SubDetail;
use crate::api::gojson::{go_float, nullable};
use crate::time::Timestamp;

/// Routing-table statistics of the server or one account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SublistStats {
    #[serde(rename = "num_subscriptions")]
    pub num_subs: u32,
    pub num_cache: u32,
    pub num_inserts: u64,
    pub num_removes: u64,
    pub num_matches: u64,
    #[serde(serialize_with = "go_float")]
    pub cache_hit_rate: f64,
    pub max_fanout: u32,
    #[serde(serialize_with = "go_float")]
    pub avg_fanout: f64,
}

/// `/subsz` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subsz {
    #[serde(rename = "server_id")]
    pub id: String,
    pub now: Timestamp,
    #[serde(flatten)]
    pub stats: SublistStats,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    #[serde(rename = "subscriptions_list", skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub subs: Vec<SubDetail>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_flattened_into_subsz() {
        let s = Subsz {
            stats: SublistStats { num_subs: 3, cache_hit_rate: 0.5, ..Default::default() },
            limit: 1024,
            ..Default::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["num_subscriptions"], 3);
        assert_eq!(v["cache_hit_rate"], 0.5);
        assert_eq!(v["avg_fanout"], 0);
        assert!(v.get("subscriptions_list").is_none());
        assert_eq!(serde_json::from_value::<Subsz>(v).unwrap(), s);
    }
}
