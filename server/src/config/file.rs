//! The top level of a config file: which key sets which [`Config`] field, and the checks that span
//! blocks (duplicate users, `no_auth_user` naming a real user, one `store_dir`).
//!
//! Input: the parsed top-level map. Output: changes to a [`Config`] that starts from the defaults, plus
//! errors and warnings in a [`Report`]. Each block's own keys are decoded by its module.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::accounts::parse_accounts;
use super::auth::parse_authorization;
use super::jetstream::{parse_jetstream, JetStreamConfig};
use super::mappings::parse_mappings;
use super::monitor::parse_monitor;
use super::mqtt::parse_mqtt;
use super::report::{key_of, Field, Report};
use super::tls::parse_tls;
use super::value::{Map, Pos};
use super::websocket::parse_websocket;
use super::{Config, DEFAULT_PORT};

/// Blocks of nats-server that switchyard parses but does not implement.
const UNSUPPORTED_BLOCKS: &[&str] = &[
    "cluster",
    "gateway",
    "leaf",
    "leafnodes",
    "operator",
    "operators",
    "roots",
    "root",
    "root_operators",
    "root_operator",
    "resolver",
    "resolver_tls",
    "resolver_preload",
    "resolver_pinned_accounts",
    "trusted",
    "trusted_keys",
];

/// Other nats-server top-level keys that switchyard accepts and ignores.
const UNSUPPORTED_KEYS: &[&str] = &[
    "trace_headers",
    "logtime_utc",
    "disable_sublist_cache",
    "no_sublist_cache",
    "default_sentinel",
    "logfile_size_limit",
    "log_size_limit",
    "logfile_max_num",
    "log_max_num",
    "syslog",
    "remote_syslog",
    "ports_file_dir",
    "prof_port",
    "prof_block_rate",
    "proxy_protocol",
    "max_traced_msg_len",
    "max_sub_tokens",
    "max_subscription_tokens",
    "ocsp",
    "ocsp_cache",
    "allow_non_tls",
    "write_timeout",
    "no_system_account",
    "no_system",
    "no_sys_acc",
    "connect_error_reports",
    "reconnect_error_reports",
    "server_tags",
    "server_metadata",
    "feature_flags",
    "default_js_domain",
    "no_fast_producer_stall",
    "max_closed_clients",
    "proxies",
];

/// The largest `max_payload`/`max_control_line` nats-server accepts (it keeps them in 32 bits).
const MAX_INT32: u64 = (1 << 31) - 1;

/// Positions of settings needed by the checks that span blocks.
#[derive(Default)]
struct Seen {
    authorization: Option<Pos>,
    accounts: Option<Pos>,
    no_auth_user: Option<Pos>,
    websocket: Option<Pos>,
    mqtt: Option<Pos>,
    store_dir: Option<(PathBuf, Pos)>,
    auth_timeout: bool,
}

/// Applies the top-level keys of `map` (read from `origin`) to `config`. Returns the file's JetStream
/// settings even when the file turns JetStream off, so that `-js` can turn it back on with them.
pub(crate) fn apply_file(map: &Map, origin: &Path, config: &mut Config, r: &mut Report) -> JetStreamConfig {
    if map.is_empty() {
        let pos = Pos { file: Arc::from(origin), line: 1, column: 1 };
        r.warn(&pos, "config has no values or is empty");
    }
    let mut seen = Seen::default();
    let mut js = config.jetstream.clone().unwrap_or_default();
    let mut js_enabled = config.jetstream.is_some();
    let mut js_store_dir: Option<(PathBuf, Pos)> = None;
    for entry in map.entries() {
        let f = Field::entry(entry);
        match key_of(entry).as_str() {
            "listen" => {
                if let Some((host, port)) = r.listen(f) {
                    if let Some(h) = host.filter(|h| !h.is_empty()) {
                        config.host = h;
                    }
                    config.port = client_port(port);
                }
            }
            "port" => {
                if let Some(port) = r.port(f) {
                    config.port = client_port(port);
                }
            }
            "host" | "net" => {
                if let Some(host) = r.non_empty_string(f) {
                    config.host = host;
                }
            }
            "client_advertise" => config.client_advertise = r.string(f),
            "server_name" => {
                if let Some(name) = r.non_empty_string(f) {
                    if name.contains(' ') {
                        r.error(f.pos, "server_name cannot contain spaces");
                    } else {
                        config.server_name = Some(name);
                    }
                }
            }
            "http" | "https" => {
                if let Some((host, port)) = r.listen(f) {
                    config.http_host = host.filter(|h| !h.is_empty());
                    if key_of(entry) == "http" {
                        config.http_port = monitor_port(port);
                    } else {
                        config.https_port = monitor_port(port);
                    }
                }
            }
            "http_port" | "monitor_port" => {
                if let Some(port) = r.port(f) {
                    config.http_port = monitor_port(port);
                }
            }
            "https_port" => {
                if let Some(port) = r.port(f) {
                    config.https_port = monitor_port(port);
                }
            }
            "http_base_path" => {
                if let Some(path) = r.string(f) {
                    config.http_base_path = base_path(&path);
                }
            }
            "monitor" => config.monitor = parse_monitor(f, r),
            "max_payload" => config.max_payload = bounded_size(f, r).unwrap_or(config.max_payload),
            "max_control_line" => {
                config.max_control_line = bounded_size(f, r).unwrap_or(config.max_control_line);
            }
            "max_pending" => config.max_pending = r.count(f).unwrap_or(config.max_pending),
            "max_connections" | "max_conn" => {
                if let Some(n) = r.integer(f) {
                    config.max_connections = usize::try_from(n).unwrap_or(0);
                }
            }
            "max_subscriptions" | "max_subs" => {
                if let Some(n) = r.integer(f) {
                    config.max_subscriptions = usize::try_from(n).unwrap_or(0);
                }
            }
            "ping_interval" => config.ping_interval = r.duration(f).unwrap_or(config.ping_interval),
            "ping_max" | "max_pings_out" => {
                if let Some(n) = r.count(f) {
                    config.ping_max = u32::try_from(n).unwrap_or(u32::MAX);
                }
            }
            "write_deadline" => config.write_deadline = r.duration(f).unwrap_or(config.write_deadline),
            "auth_timeout" => {
                if let Some(t) = r.seconds(f) {
                    config.auth_timeout = t;
                    seen.auth_timeout = true;
                }
            }
            "lame_duck_duration" => {
                if let Some(d) = r.duration_string(f) {
                    if d.as_secs() < 30 {
                        r.error(f.pos, format!("invalid lame_duck_duration of {d:?}, minimum is 30 seconds"));
                    } else {
                        config.lame_duck_duration = d;
                    }
                }
            }
            "lame_duck_grace_period" => {
                config.lame_duck_grace_period = r.duration_string(f).unwrap_or(config.lame_duck_grace_period);
            }
            "debug" => config.debug = r.boolean(f).unwrap_or(config.debug),
            "trace" | "trace_verbose" => config.trace = r.boolean(f).unwrap_or(config.trace),
            "logtime" => config.logtime = r.boolean(f).unwrap_or(config.logtime),
            "log_file" | "logfile" => config.log_file = r.non_empty_string(f).map(PathBuf::from),
            "pid_file" | "pidfile" => config.pid_file = r.non_empty_string(f).map(PathBuf::from),
            "no_header_support" => config.no_header_support = r.boolean(f).unwrap_or(false),
            "tls" => config.tls = parse_tls(f, r),
            "authorization" => {
                seen.authorization = Some(entry.key_pos.clone());
                if let Some((auth, timeout)) = parse_authorization(f, r) {
                    config.authorization = auth;
                    if let Some(t) = timeout {
                        config.auth_timeout = t;
                        seen.auth_timeout = true;
                    }
                }
            }
            "no_auth_user" => {
                seen.no_auth_user = Some(entry.key_pos.clone());
                config.no_auth_user = r.non_empty_string(f);
            }
            "accounts" => {
                seen.accounts = Some(entry.key_pos.clone());
                config.accounts = parse_accounts(f, r);
            }
            "system_account" | "system" => config.system_account = r.non_empty_string(f),
            "jetstream" => {
                let setting = parse_jetstream(f, &mut js, r);
                js_enabled = setting.enabled.unwrap_or(js_enabled);
                if setting.store_dir.is_some() {
                    js_store_dir = setting.store_dir;
                }
            }
            "store_dir" | "storedir" => {
                if let Some(dir) = r.non_empty_string(f) {
                    seen.store_dir = Some((PathBuf::from(dir), entry.key_pos.clone()));
                }
            }
            "websocket" | "ws" => {
                seen.websocket = Some(entry.key_pos.clone());
                config.websocket = parse_websocket(f, r);
            }
            "mqtt" => {
                seen.mqtt = Some(entry.key_pos.clone());
                config.mqtt = parse_mqtt(f, r);
            }
            "mappings" | "maps" => config.mappings = parse_mappings(f, r),
            k if UNSUPPORTED_BLOCKS.contains(&k) || UNSUPPORTED_KEYS.contains(&k) => r.unsupported(entry, ""),
            _ => r.unknown(entry, ""),
        }
    }

    match (js_store_dir, seen.store_dir.take()) {
        (Some(_), Some((_, pos))) => r.error(&pos, "duplicate 'store_dir' configuration (also set in jetstream)"),
        (Some((dir, _)), None) | (None, Some((dir, _))) => js.store_dir = dir,
        (None, None) => {}
    }
    config.jetstream = js_enabled.then(|| js.clone());
    if !seen.auth_timeout {
        if let Some(tls) = &config.tls {
            config.auth_timeout = tls.timeout + std::time::Duration::from_secs(1);
        }
    }
    check_users(config, &seen, r);
    js
}

/// nats-server's client port: `-1` picks a free port (0 here), 0 means the default.
pub(crate) fn client_port(port: i64) -> u16 {
    match port {
        -1 => 0,
        0 => DEFAULT_PORT,
        p => u16::try_from(p).unwrap_or(DEFAULT_PORT),
    }
}

/// A secondary listener's port: 0 is off, `-1` picks a free port (0 here).
pub(crate) fn monitor_port(port: i64) -> Option<u16> {
    match port {
        0 => None,
        -1 => Some(0),
        p => u16::try_from(p).ok(),
    }
}

/// Normalises `http_base_path`: a leading `/`, no trailing one (except for `/` itself).
pub(crate) fn base_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}")
    }
}

fn bounded_size(f: Field<'_>, r: &mut Report) -> Option<usize> {
    let n = r.size(f)?;
    if n > MAX_INT32 {
        r.error(f.pos, format!("{} value is too big", f.name));
        return None;
    }
    if n == 0 {
        r.error(f.pos, format!("{} must be greater than 0", f.name));
        return None;
    }
    usize::try_from(n).ok()
}

/// Checks across `authorization`, `accounts` and `no_auth_user`.
fn check_users(config: &Config, seen: &Seen, r: &mut Report) {
    let account_users: Vec<_> = config.accounts.iter().flat_map(|a| a.users.iter()).collect();
    if config.authorization.user.is_some() && !account_users.is_empty() {
        if let Some(pos) = &seen.accounts {
            r.error(pos, "cannot have a single user/password in authorization and users in accounts");
        }
    }
    let mut names = HashSet::new();
    for user in config.authorization.users.iter().chain(account_users.iter().copied()) {
        if !names.insert(user.name()) {
            let pos = if user.account.is_some() && !account_users.is_empty() {
                seen.accounts.as_ref().or(seen.authorization.as_ref())
            } else {
                seen.authorization.as_ref()
            };
            if let Some(pos) = pos {
                r.error(pos, format!("duplicate user \"{}\"", user.name()));
            }
        }
    }
    for user in &config.authorization.users {
        if let Some(account) = &user.account {
            if !config.accounts.iter().any(|a| &a.name == account) {
                if let Some(pos) = &seen.authorization {
                    r.error(pos, format!("user \"{}\" names account \"{account}\", which is not defined", user.name()));
                }
            }
        }
    }
    let known = |name: &str| names.contains(name);
    if let (Some(user), Some(pos)) = (&config.no_auth_user, &seen.no_auth_user) {
        if !known(user) {
            r.error(
                pos,
                format!("no_auth_user: \"{user}\" not present as user or nkey in authorization block or account configuration"),
            );
        }
    }
    let listener_users = [
        ("websocket", &seen.websocket, config.websocket.as_ref().and_then(|w| w.no_auth_user.as_ref())),
        ("mqtt", &seen.mqtt, config.mqtt.as_ref().and_then(|m| m.no_auth_user.as_ref())),
    ];
    for (listener, pos, user) in listener_users {
        if let (Some(user), Some(pos)) = (user, pos) {
            if !known(user) {
                r.error(
                    pos,
                    format!(
                        "{listener} no_auth_user: \"{user}\" not present as user or nkey in authorization block or account configuration"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_conventions_follow_nats_server() {
        assert_eq!(client_port(-1), 0);
        assert_eq!(client_port(0), DEFAULT_PORT);
        assert_eq!(client_port(4333), 4333);
        assert_eq!(monitor_port(0), None);
        assert_eq!(monitor_port(-1), Some(0));
        assert_eq!(monitor_port(8222), Some(8222));
    }

    #[test]
    fn base_paths_are_normalised() {
        assert_eq!(base_path(""), "/");
        assert_eq!(base_path("/"), "/");
        assert_eq!(base_path("nats"), "/nats");
        assert_eq!(base_path("/nats/"), "/nats");
    }
}
