//! `/connz`: open and recently closed client connections (nats-server `Connz`), with paging
//! (`offset`, `limit`), sorting (`sort`), state (`open`, `closed`, `all`), a single connection (`cid`),
//! subscriptions (`subs=1`, `subs=detail`), credentials (`auth`) and filters (`user`, `acc`,
//! `mqtt_client`, and switchyard's `type`: `nats`, `websocket` or `mqtt`).
//!
//! Input: the registry (open connections and the closed ring) and the rate sampler. Output: a
//! [`Connz`]. It first takes a light [`Row`] per connection (ids and counters: atomics and two brief
//! locks), sorts and pages those, and only then builds the full [`ConnInfo`] of the rows on the page,
//! so a large server answers quickly and routing is never held up.
//!
//! Kept from nats-server: `total` counts the connections in the requested state (and account) before
//! the `cid`, `user` and `mqtt_client` filters; `num_connections` is the size of the page.

use std::cmp::Reverse;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use switchyard_shared::api::monitor::{ConnInfo, Connz, SubDetail};
use switchyard_shared::time::{format_duration, format_uptime, Timestamp};

use super::rates::TrafficRates;
use super::{json_response, AppState, MonitorError, Params};
use crate::core::conn::{now_nanos, ClosedConn, Connection};
use crate::core::{Kind, Subscription};
use crate::server::Server;

/// Connections per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: i64 = 1024;

/// The global account's name.
pub const GLOBAL_ACCOUNT: &str = "$G";

/// Sort orders (nats-server `SortOpt`); all but `cid`/`start`, `uptime` and `reason` sort descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOpt {
    #[default]
    Cid,
    Start,
    Subs,
    Pending,
    MsgsTo,
    MsgsFrom,
    BytesTo,
    BytesFrom,
    Last,
    Idle,
    Uptime,
    Stop,
    Reason,
    Rtt,
}

impl SortOpt {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" | "cid" => SortOpt::Cid,
            "start" => SortOpt::Start,
            "subs" => SortOpt::Subs,
            "pending" => SortOpt::Pending,
            "msgs_to" => SortOpt::MsgsTo,
            "msgs_from" => SortOpt::MsgsFrom,
            "bytes_to" => SortOpt::BytesTo,
            "bytes_from" => SortOpt::BytesFrom,
            "last" => SortOpt::Last,
            "idle" => SortOpt::Idle,
            "uptime" => SortOpt::Uptime,
            "stop" => SortOpt::Stop,
            "reason" => SortOpt::Reason,
            "rtt" => SortOpt::Rtt,
            _ => return None,
        })
    }
}

/// Which connections (nats-server `ConnState`: 0 open, 1 closed, 2 all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConnState {
    #[default]
    Open,
    Closed,
    All,
}

impl ConnState {
    fn parse(s: &str) -> Result<Self, MonitorError> {
        match s.to_ascii_lowercase().as_str() {
            "" | "open" => Ok(ConnState::Open),
            "closed" => Ok(ConnState::Closed),
            "any" | "all" => Ok(ConnState::All),
            _ => Err(MonitorError::BadRequest(format!("Error decoding state for {s}"))),
        }
    }
}

/// `/connz` options, from the query string or (for `$SYS` requests) nats-server's JSON names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConnzOptions {
    #[serde(deserialize_with = "de_sort")]
    pub sort: SortOpt,
    #[serde(rename = "auth")]
    pub username: bool,
    #[serde(rename = "subscriptions")]
    pub subs: bool,
    #[serde(rename = "subscriptions_detail")]
    pub subs_detail: bool,
    pub offset: i64,
    pub limit: i64,
    pub cid: u64,
    pub mqtt_client: String,
    #[serde(deserialize_with = "de_state")]
    pub state: ConnState,
    pub user: String,
    #[serde(rename = "acc")]
    pub account: String,
    /// Switchyard: only connections of this client type (`nats`, `websocket`, `mqtt`).
    #[serde(rename = "type")]
    pub client_type: String,
}

fn de_sort<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SortOpt, D::Error> {
    let s = String::deserialize(d)?;
    SortOpt::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("invalid sorting option: {s}")))
}

fn de_state<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ConnState, D::Error> {
    match i64::deserialize(d)? {
        0 => Ok(ConnState::Open),
        1 => Ok(ConnState::Closed),
        2 => Ok(ConnState::All),
        n => Err(serde::de::Error::custom(format!("invalid connection state {n}"))),
    }
}

impl ConnzOptions {
    /// Decodes the query string of `GET /connz`.
    pub fn from_params(p: &Params) -> Result<Self, MonitorError> {
        let sort_text = p.string("sort");
        let sort = SortOpt::parse(&sort_text)
            .ok_or_else(|| MonitorError::BadRequest(format!("invalid sorting option: {sort_text}")))?;
        let username = p.bool("auth")?;
        let detail = p.get("subs").is_some_and(|s| s.eq_ignore_ascii_case("detail"));
        let subs = if detail { false } else { p.bool("subs")? };
        Ok(ConnzOptions {
            sort,
            username,
            subs,
            subs_detail: detail,
            offset: p.int("offset")?,
            limit: p.int("limit")?,
            cid: p.uint("cid")?,
            state: ConnState::parse(p.get("state").unwrap_or_default())?,
            mqtt_client: p.string("mqtt_client"),
            user: p.string("user"),
            account: p.string("acc"),
            client_type: p.string("type"),
        })
    }
}

/// What sorting and filtering need of one connection, open or closed.
struct Row<'a> {
    source: Source<'a>,
    cid: u64,
    start: i64,
    last: i64,
    stop: i64,
    in_msgs: u64,
    in_bytes: u64,
    out_msgs: u64,
    out_bytes: u64,
    pending: usize,
    num_subs: usize,
    rtt: i64,
    reason: &'static str,
}

enum Source<'a> {
    Open(&'a Arc<Connection>),
    Closed(&'a ClosedConn),
}

fn open_row(conn: &Arc<Connection>) -> Row<'_> {
    let out = conn.outbound.stats();
    Row {
        cid: conn.cid,
        start: conn.start,
        last: conn.last_activity.load(Ordering::Relaxed),
        stop: 0,
        in_msgs: conn.in_msgs.load(Ordering::Relaxed),
        in_bytes: conn.in_bytes.load(Ordering::Relaxed),
        out_msgs: out.msgs,
        out_bytes: out.bytes,
        pending: out.pending,
        num_subs: conn.num_subs(),
        rtt: conn.rtt.load(Ordering::Relaxed),
        reason: "",
        source: Source::Open(conn),
    }
}

fn closed_row(c: &ClosedConn) -> Row<'_> {
    Row {
        cid: c.cid,
        start: c.start,
        last: c.last_activity,
        stop: c.stop,
        in_msgs: c.in_msgs,
        in_bytes: c.in_bytes,
        out_msgs: c.out_msgs,
        out_bytes: c.out_bytes,
        pending: 0,
        num_subs: c.subs.len(),
        rtt: c.rtt,
        reason: c.reason.as_str(),
        source: Source::Closed(c),
    }
}

fn account_of(account: &str) -> &str {
    if account.is_empty() {
        GLOBAL_ACCOUNT
    } else {
        account
    }
}

/// nats-server shows an RTT under a millisecond to the microsecond.
fn rtt_text(rtt: i64) -> String {
    let rtt = if rtt > 1_000 && rtt < 1_000_000 { rtt - rtt % 1_000 } else { rtt };
    format_duration(rtt.max(0))
}

fn sub_detail(sub: &Subscription, cid: u64) -> SubDetail {
    SubDetail {
        subject: String::from_utf8_lossy(&sub.subject).into_owned(),
        queue: sub.queue.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()).unwrap_or_default(),
        sid: String::from_utf8_lossy(&sub.sid).into_owned(),
        msgs: i64::try_from(sub.delivered()).unwrap_or(i64::MAX),
        max: i64::try_from(sub.max()).unwrap_or(i64::MAX),
        cid,
        ..Default::default()
    }
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Fills the full [`ConnInfo`] of one row.
fn conn_info(row: &Row<'_>, opts: &ConnzOptions, now: i64, rates: Option<TrafficRates>) -> ConnInfo {
    let (kind, addr, meta) = match row.source {
        Source::Open(c) => (c.kind, c.addr, c.meta()),
        Source::Closed(c) => (c.kind, c.addr, c.meta.clone()),
    };
    let end = if row.stop > 0 { row.stop } else { now };
    let mut ci = ConnInfo {
        cid: row.cid,
        kind: kind.as_str().to_owned(),
        client_type: kind.type_str().to_owned(),
        ip: addr.ip().to_string(),
        port: i64::from(addr.port()),
        start: Timestamp::from_unix_nanos(row.start),
        last_activity: Timestamp::from_unix_nanos(row.last),
        stop: (row.stop > 0).then(|| Timestamp::from_unix_nanos(row.stop)),
        reason: row.reason.to_owned(),
        rtt: rtt_text(row.rtt),
        uptime: format_uptime(end - row.start),
        idle: format_uptime(end - row.last),
        pending: i64::try_from(row.pending).unwrap_or(i64::MAX),
        in_msgs: to_i64(row.in_msgs),
        out_msgs: to_i64(row.out_msgs),
        in_bytes: to_i64(row.in_bytes),
        out_bytes: to_i64(row.out_bytes),
        num_subs: u32::try_from(row.num_subs).unwrap_or(u32::MAX),
        name: meta.name,
        lang: meta.lang,
        version: meta.version,
        tls_version: meta.tls_version,
        tls_cipher: meta.tls_cipher,
        mqtt_client: meta.mqtt_client,
        in_msgs_rate: rates.map(|r| r.in_msgs),
        out_msgs_rate: rates.map(|r| r.out_msgs),
        in_bytes_rate: rates.map(|r| r.in_bytes),
        out_bytes_rate: rates.map(|r| r.out_bytes),
        ..Default::default()
    };
    if opts.username {
        ci.authorized_user = meta.user;
        if !meta.account.is_empty() && meta.account != GLOBAL_ACCOUNT {
            ci.account = meta.account;
        }
    }
    if opts.subs || opts.subs_detail {
        let mut details: Vec<SubDetail> = match row.source {
            Source::Open(c) => c.subs.lock().values().map(|s| sub_detail(s, row.cid)).collect(),
            Source::Closed(c) => c
                .subs
                .iter()
                .map(|(subject, sid, queue, delivered, max)| SubDetail {
                    // nats-server names the account in the closed ring's subscription details only.
                    account: account_of(&c.meta.account).to_owned(),
                    subject: String::from_utf8_lossy(subject).into_owned(),
                    queue: queue.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()).unwrap_or_default(),
                    sid: String::from_utf8_lossy(sid).into_owned(),
                    msgs: to_i64(*delivered),
                    max: to_i64(*max),
                    cid: row.cid,
                    ..Default::default()
                })
                .collect(),
        };
        if opts.subs_detail {
            ci.subs_detail = details;
        } else {
            ci.subs = details.drain(..).map(|d| d.subject).collect();
        }
    }
    ci
}

/// Like nats-server, asks a NATS client that has no round-trip time yet for one: a `PING` whose
/// `PONG` the session times. Only for clients that named their language (real client libraries, not
/// a telnet session) and only one at a time.
fn measure_rtt(conn: &Connection, now: i64) {
    let nats = matches!(conn.kind, Kind::Client | Kind::WebSocket);
    if !nats || conn.rtt.load(Ordering::Relaxed) != 0 || conn.meta().lang.is_empty() {
        return;
    }
    if conn.ping_sent.compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
        conn.outbound.push_bytes(b"PING\r\n");
        conn.outbound.flush();
    }
}

fn sort_rows(rows: &mut [Row<'_>], sort: SortOpt, now: i64) {
    match sort {
        SortOpt::Cid | SortOpt::Start => rows.sort_by_key(|r| r.cid),
        SortOpt::Subs => rows.sort_by_key(|r| (Reverse(r.num_subs), r.cid)),
        SortOpt::Pending => rows.sort_by_key(|r| (Reverse(r.pending), r.cid)),
        SortOpt::MsgsTo => rows.sort_by_key(|r| (Reverse(r.out_msgs), r.cid)),
        SortOpt::MsgsFrom => rows.sort_by_key(|r| (Reverse(r.in_msgs), r.cid)),
        SortOpt::BytesTo => rows.sort_by_key(|r| (Reverse(r.out_bytes), r.cid)),
        SortOpt::BytesFrom => rows.sort_by_key(|r| (Reverse(r.in_bytes), r.cid)),
        SortOpt::Last => rows.sort_by_key(|r| (Reverse(r.last), r.cid)),
        SortOpt::Idle => rows.sort_by_key(|r| (Reverse(now - r.last), r.cid)),
        SortOpt::Uptime => rows.sort_by_key(|r| (if r.stop > 0 { r.stop } else { now } - r.start, r.cid)),
        SortOpt::Stop => rows.sort_by_key(|r| (Reverse(r.stop), r.cid)),
        SortOpt::Reason => rows.sort_by_key(|r| (r.reason, r.cid)),
        SortOpt::Rtt => rows.sort_by_key(|r| (Reverse(r.rtt), r.cid)),
    }
}

/// Builds `/connz`.
pub fn connz(server: &Server, opts: &ConnzOptions) -> Result<Connz, MonitorError> {
    let mut opts = opts.clone();
    if matches!(opts.sort, SortOpt::Stop | SortOpt::Reason) && opts.state != ConnState::Closed {
        let what = if opts.sort == SortOpt::Stop { "stop" } else { "reason" };
        return Err(MonitorError::BadRequest(format!("sort by {what} only valid on closed connections")));
    }
    let offset = opts.offset.max(0);
    let mut limit = if opts.limit <= 0 { DEFAULT_LIMIT } else { opts.limit };
    if opts.cid > 0 {
        limit = 1;
    }
    opts.offset = offset;
    let now = now_nanos();
    let open: Vec<Arc<Connection>> = match opts.state {
        ConnState::Open | ConnState::All => {
            server.registry.open().into_iter().filter(|c| c.kind != Kind::Internal).collect()
        }
        ConnState::Closed => Vec::new(),
    };
    let closed: Vec<ClosedConn> = match opts.state {
        ConnState::Closed | ConnState::All => server.registry.closed(),
        ConnState::Open => Vec::new(),
    };
    let by_account = |account: &str| opts.account.is_empty() || account_of(account) == opts.account;
    let mut rows: Vec<Row<'_>> = Vec::with_capacity(open.len() + closed.len());
    rows.extend(open.iter().filter(|c| opts.account.is_empty() || by_account(&c.meta().account)).map(open_row));
    rows.extend(closed.iter().filter(|c| by_account(&c.meta.account)).map(closed_row));
    let total = rows.len();
    let wanted = |row: &Row<'_>| {
        if opts.cid > 0 && row.cid != opts.cid {
            return false;
        }
        let kind = match row.source {
            Source::Open(c) => c.kind,
            Source::Closed(c) => c.kind,
        };
        if !opts.client_type.is_empty() && !kind.type_str().eq_ignore_ascii_case(&opts.client_type) {
            return false;
        }
        if opts.user.is_empty() && opts.mqtt_client.is_empty() {
            return true;
        }
        let (user, mqtt_client) = match row.source {
            Source::Open(c) => {
                let meta = c.meta();
                (meta.user, meta.mqtt_client)
            }
            Source::Closed(c) => (c.meta.user.clone(), c.meta.mqtt_client.clone()),
        };
        (opts.user.is_empty() || user == opts.user) && (opts.mqtt_client.is_empty() || mqtt_client == opts.mqtt_client)
    };
    rows.retain(wanted);
    if opts.cid > 0 {
        // An open connection wins over a closed one with the same id (as in nats-server).
        if let Some(i) = rows.iter().position(|r| matches!(r.source, Source::Open(_))) {
            rows.swap(0, i);
        }
        rows.truncate(1);
    }
    sort_rows(&mut rows, opts.sort, now);
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(rows.len());
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX)).min(rows.len());
    let page = &rows[start..end];
    let rates = server.monitoring.rates.conns(page.iter().map(|r| match r.source {
        Source::Open(_) => r.cid,
        Source::Closed(_) => 0,
    }));
    let conns: Vec<ConnInfo> = page.iter().zip(rates).map(|(row, rates)| conn_info(row, &opts, now, rates)).collect();
    for row in page {
        if let Source::Open(conn) = row.source {
            measure_rtt(conn, now);
        }
    }
    Ok(Connz {
        id: server.server_id.clone(),
        now: Timestamp::from_unix_nanos(now),
        num_conns: i64::try_from(conns.len()).unwrap_or(i64::MAX),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        offset,
        limit,
        conns,
    })
}

/// `GET /connz`.
pub(crate) async fn handle(
    State(state): State<AppState>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(query);
    state.server.monitoring.count("/connz");
    let opts = ConnzOptions::from_params(&params)?;
    // Tens of thousands of connections take milliseconds to gather and encode: do it off the runtime's
    // worker threads so that connection tasks sharing them are not delayed.
    let server = state.server.clone();
    tokio::task::spawn_blocking(move || {
        let connz = connz(&server, &opts)?;
        Ok(json_response(StatusCode::OK, &connz, &params))
    })
    .await
    .map_err(|e| MonitorError::Internal(e.to_string()))?
}
