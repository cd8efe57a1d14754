//! `/accountz` (account names, or one account in detail with `acc=`) and `/accstatz` (connections
//! and traffic per account).
//!
//! Input: the configured accounts, the registry and each account's router. Output: [`Accountz`] and
//! [`AccountStatz`]. An account's connections are counted from who logged in to it, its subscriptions
//! and sublist statistics come from its own router, and traffic per account sums its connections'
//! counters. The detail lists the account's exports, imports and subject mappings as configured, in
//! nats-server's `ExtExport` / `ExtImport` shapes.

use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use std::collections::BTreeMap;

use switchyard_shared::api::monitor::{
    AccountStat, AccountStatz, Accountz, AccountzDetail, DataStats, ExtExport, ExtImport, MapDest, MsgBytes,
};
use switchyard_shared::time::Timestamp;

use super::connz::GLOBAL_ACCOUNT;
use super::subsz::router_sublist_stats;
use super::varz::SYSTEM_ACCOUNT;
use super::{json_response, AppState, MonitorError, Params};
use crate::config::{Export, Import, Mapping, ResponseType};
use crate::core::conn::now_nanos;
use crate::server::Server;

fn system_account(server: &Server) -> String {
    server.config.system_account.clone().unwrap_or_else(|| SYSTEM_ACCOUNT.to_owned())
}

/// Every account the server knows: the global one, the system one and the configured ones.
pub fn account_names(server: &Server) -> Vec<String> {
    let mut names = vec![GLOBAL_ACCOUNT.to_owned(), system_account(server)];
    for acc in &server.config.accounts {
        if !names.contains(&acc.name) {
            names.push(acc.name.clone());
        }
    }
    names.sort();
    names
}

fn account_of(account: &str) -> &str {
    if account.is_empty() {
        GLOBAL_ACCOUNT
    } else {
        account
    }
}

/// Connections, subscriptions and traffic of one account.
fn account_stat(server: &Server, name: &str) -> AccountStat {
    let mut stat = AccountStat { account: name.to_owned(), name: name.to_owned(), ..Default::default() };
    let (mut sent, mut received) = (MsgBytes::default(), MsgBytes::default());
    for conn in server.registry.open() {
        if account_of(&conn.meta().account) != name {
            continue;
        }
        stat.conns += 1;
        stat.num_subs += u32::try_from(conn.num_subs()).unwrap_or(u32::MAX);
        let out = conn.outbound.stats();
        sent.msgs += i64::try_from(out.msgs).unwrap_or(i64::MAX);
        sent.bytes += i64::try_from(out.bytes).unwrap_or(i64::MAX);
        received.msgs += i64::try_from(conn.in_msgs.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        received.bytes += i64::try_from(conn.in_bytes.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
    }
    stat.total_conns = stat.conns;
    stat.sent = DataStats { total: sent, ..Default::default() };
    stat.received = DataStats { total: received, ..Default::default() };
    stat
}

/// Builds `/accountz`.
pub fn accountz(server: &Server, account: &str) -> Result<Accountz, MonitorError> {
    let mut a = Accountz {
        id: server.server_id.clone(),
        now: Timestamp::from_unix_nanos(now_nanos()),
        system_account: system_account(server),
        ..Default::default()
    };
    let names = account_names(server);
    if account.is_empty() {
        a.accounts = names;
        return Ok(a);
    }
    if !names.iter().any(|n| n == account) {
        return Err(MonitorError::BadRequest(format!("Account {account} does not exist")));
    }
    let stat = account_stat(server, account);
    let router = match server.accounts.get(account) {
        Some(acc) => acc.router.clone(),
        None if account == a.system_account => server.accounts.system().router.clone(),
        None => server.router.clone(),
    };
    let sublist = router_sublist_stats(&router);
    let configured = server.config.accounts.iter().find(|c| c.name == account);
    let mappings = if account == GLOBAL_ACCOUNT {
        &server.config.mappings
    } else {
        configured.map_or(&[][..], |c| &c.mappings[..])
    };
    a.account = Some(AccountzDetail {
        name: account.to_owned(),
        last_update: Timestamp::from_unix_nanos(server.start),
        is_system: account == a.system_account,
        complete: true,
        jetstream: server.monitoring.jetstream().is_some() && account != a.system_account,
        client_count: stat.conns,
        sub_count: sublist.num_subs,
        sublist: Some(sublist),
        exports: configured.map(|c| c.exports.iter().map(ext_export).collect()).unwrap_or_default(),
        imports: configured.map(|c| c.imports.iter().map(ext_import).collect()).unwrap_or_default(),
        mappings: ext_mappings(mappings),
        ..Default::default()
    });
    Ok(a)
}

/// An export as nats-server lists it.
fn ext_export(export: &Export) -> ExtExport {
    match export {
        Export::Stream { subject, accounts } => ExtExport {
            subject: subject.clone(),
            kind: "stream".into(),
            token_req: false,
            approved_accounts: accounts.clone(),
            ..Default::default()
        },
        Export::Service { subject, accounts, response_type } => ExtExport {
            subject: subject.clone(),
            kind: "service".into(),
            approved_accounts: accounts.clone(),
            response_type: match response_type {
                ResponseType::Singleton => "Singleton",
                ResponseType::Stream => "Stream",
                ResponseType::Chunked => "Chunked",
            }
            .into(),
            ..Default::default()
        },
    }
}

/// An import as nats-server lists it: `subject` is the exporter's, `local_subject` where it appears here.
fn ext_import(import: &Import) -> ExtImport {
    let local_subject = import.local_subject();
    match import {
        Import::Stream { account, subject, .. } => ExtImport {
            subject: subject.clone(),
            account: account.clone(),
            local_subject,
            kind: "stream".into(),
            ..Default::default()
        },
        Import::Service { account, subject, share, .. } => ExtImport {
            subject: subject.clone(),
            account: account.clone(),
            local_subject,
            kind: "service".into(),
            share: *share,
            ..Default::default()
        },
    }
}

fn ext_mappings(mappings: &[Mapping]) -> BTreeMap<String, Vec<MapDest>> {
    mappings
        .iter()
        .map(|m| {
            let dests = m
                .destinations
                .iter()
                .map(|d| MapDest {
                    subject: d.subject.clone(),
                    weight: d.weight,
                    cluster: d.cluster.clone().unwrap_or_default(),
                })
                .collect();
            (m.source.clone(), dests)
        })
        .collect()
}

/// Builds `/accstatz`: accounts with connections, or all of them with `unused`.
pub fn accstatz(server: &Server, include_unused: bool) -> AccountStatz {
    AccountStatz {
        id: server.server_id.clone(),
        now: Timestamp::from_unix_nanos(now_nanos()),
        accounts: account_names(server)
            .iter()
            .map(|name| account_stat(server, name))
            .filter(|s| include_unused || s.conns > 0)
            .collect(),
    }
}

/// `GET /accountz`.
pub(crate) async fn handle_accountz(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(q);
    state.server.monitoring.count("/accountz");
    let body = accountz(&state.server, params.get("acc").unwrap_or_default())?;
    Ok(json_response(StatusCode::OK, &body, &params))
}

/// `GET /accstatz`.
pub(crate) async fn handle_accstatz(
    State(state): State<AppState>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, MonitorError> {
    let params = Params::from(q);
    state.server.monitoring.count("/accstatz");
    let body = accstatz(&state.server, params.bool("unused")?);
    Ok(json_response(StatusCode::OK, &body, &params))
}
