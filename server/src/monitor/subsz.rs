//! `/subsz`: subscription routing statistics and, with `subs=1`, the subscriptions themselves, paged
//! (`offset`, `limit`) and optionally only those a message on `test=<subject>` would reach.
//!
//! Input: the global router's sublist. Output: a [`Subsz`]. Like nats-server 2.9/2.10 over HTTP, the
//! body is only the statistics when no subscription is listed.
//!
//! Switchyard keeps match caches per publisher rather than one per sublist, so `num_cache`,
//! `max_fanout` and `avg_fanout` (which nats-server derives from its shared cache) are 0;
//! `num_matches` counts every lookup and `cache_hit_rate` is the share answered from a cache.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use switchyard_shared::api::monitor::{SubDetail, SublistStats, Subsz};
use switchyard_shared::subject;
use switchyard_shared::time::Timestamp;

use super::connz::GLOBAL_ACCOUNT;
use super::{json_response, AppState, MonitorError, Params};
use crate::core::conn::now_nanos;
use crate::server::Server;

/// Subscriptions per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 1024;

/// `/subsz` options (nats-server `SubszOptions`, same JSON names).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SubszOptions {
    pub offset: i64,
    pub limit: i64,
    #[serde(rename = "subscriptions")]
    pub subs: bool,
    pub account: String,
    pub test: String,
}

impl SubszOptions {
    pub fn from_params(p: &Params) -> Result<Self, MonitorError> {
        Ok(SubszOptions {
            subs: p.bool("subs")?,
            offset: p.int("offset")?,
            limit: p.int("limit")?,
            account: p.string("acc"),
            test: p.string("test"),
        })
    }
}

/// The statistics of the global sublist.
pub fn sublist_stats(server: &Server) -> SublistStats {
    let s = server.router.sublist().stats();
    let lookups = s.matches + s.cache_hits;
    SublistStats {
        num_subs: u32::try_from(s.count).unwrap_or(u32::MAX),
        num_inserts: s.inserts,
        num_removes: s.removes,
        num_matches: lookups,
        cache_hit_rate: if lookups == 0 { 0.0 } else { s.cache_hits as f64 / lookups as f64 },
        ..Default::default()
    }
}

/// Builds `/subsz`.
pub fn subsz(server: &Server, opts: &SubszOptions) -> Result<Subsz, MonitorError> {
    let offset = opts.offset.max(0);
    let limit = if opts.limit <= 0 { DEFAULT_LIMIT } else { opts.limit };
    if !opts.test.is_empty() && !subject::is_valid_literal(&opts.test) {
        return Err(MonitorError::BadRequest(format!(
            "invalid test subject, must be valid publish subject: {}",
            opts.test
        )));
    }
    let mut sz = Subsz {
        id: server.server_id.clone(),
        now: Timestamp::from_unix_nanos(now_nanos()),
        offset,
        limit,
        ..Default::default()
    };
    if !opts.account.is_empty() && opts.account != GLOBAL_ACCOUNT {
        return Ok(sz);
    }
    sz.stats = sublist_stats(server);
    if opts.subs {
        let mut details = Vec::new();
        server.router.sublist().for_each(|sub| {
            let subj = String::from_utf8_lossy(&sub.subject);
            if !opts.test.is_empty() && !subject::matches(&subj, &opts.test) {
                return;
            }
            details.push(SubDetail {
                account: GLOBAL_ACCOUNT.to_owned(),
                subject: subj.into_owned(),
                queue: sub.queue.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()).unwrap_or_default(),
                sid: String::from_utf8_lossy(&sub.sid).into_owned(),
                msgs: i64::try_from(sub.delivered()).unwrap_or(i64::MAX),
                max: i64::try_from(sub.max()).unwrap_or(i64::MAX),
                cid: sub.client.id(),
                ..Default::default()
            });
        });
        details.sort_by(|a, b| (a.cid, &a.sid, &a.subject).cmp(&(b.cid, &b.sid, &b.subject)));
        sz.total = i64::try_from(details.len()).unwrap_or(i64::MAX);
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(details.len());
        let end = start.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX)).min(details.len());
        sz.subs = details.drain(start..end).collect();
    }
    Ok(sz)
}

/// `GET /subsz` (also `/subscriptionsz`).
pub(crate) async fn handle(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(query);
    state.server.monitoring.count("/subsz");
    let opts = SubszOptions::from_params(&params)?;
    let server = state.server.clone();
    tokio::task::spawn_blocking(move || {
        let sz = subsz(&server, &opts)?;
        Ok(if sz.subs.is_empty() {
            json_response(StatusCode::OK, &sz.stats, &params)
        } else {
            json_response(StatusCode::OK, &sz, &params)
        })
    })
    .await
    .map_err(|e| MonitorError::Internal(e.to_string()))?
}
