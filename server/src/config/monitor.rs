//! The switchyard-only `monitor { … }` block: access control for the monitoring HTTP endpoints.
//!
//! nats-server has no such block (its monitoring port is open to anyone who can reach it). Input: the
//! parsed block. Output: a [`MonitorConfig`]. The port itself is the nats-server key `http_port`.

use super::report::{key_of, Field, Report};
use super::value::Kind;

/// Monitoring endpoint settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitorConfig {
    /// `http_auth`: credentials required by the monitoring endpoints; `None` leaves them open, as
    /// nats-server does.
    pub http_auth: Option<HttpAuth>,
}

/// `http_auth { token, users, read_only }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpAuth {
    /// `token`: accepted as `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// `users`: accepted as HTTP basic authentication.
    pub users: Vec<HttpUser>,
    /// `read_only`: when true, reading endpoints (GET) stay open and only requests that change state
    /// need credentials.
    pub read_only: bool,
}

/// One basic-authentication user of the monitoring endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUser {
    /// `user`.
    pub user: String,
    /// `password` (plain or bcrypt).
    pub password: String,
}

/// Decodes the `monitor` block.
pub(crate) fn parse_monitor(f: Field<'_>, r: &mut Report) -> MonitorConfig {
    let mut monitor = MonitorConfig::default();
    let Some(map) = r.map(f) else {
        return monitor;
    };
    for entry in map.entries() {
        match key_of(entry).as_str() {
            "http_auth" => monitor.http_auth = parse_http_auth(Field::entry(entry), r),
            _ => r.unknown(entry, "monitor"),
        }
    }
    monitor
}

fn parse_http_auth(f: Field<'_>, r: &mut Report) -> Option<HttpAuth> {
    let map = r.map(f)?;
    let mut auth = HttpAuth::default();
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "token" => auth.token = r.non_empty_string(field),
            "read_only" => auth.read_only = r.boolean(field).unwrap_or(false),
            "users" => {
                for item in r.array(field).unwrap_or_default() {
                    let Kind::Map(user_map) = &item.kind else {
                        r.error(&item.pos, "http_auth users: each user must be a map");
                        continue;
                    };
                    let mut user = None;
                    let mut password = None;
                    for e in user_map.entries() {
                        match key_of(e).as_str() {
                            "user" | "username" => user = r.non_empty_string(Field::entry(e)),
                            "pass" | "password" => password = r.string(Field::entry(e)),
                            _ => r.unknown(e, "http_auth users"),
                        }
                    }
                    match (user, password) {
                        (Some(user), Some(password)) => auth.users.push(HttpUser { user, password }),
                        _ => r.error(&item.pos, "http_auth users: each user needs a user and a password"),
                    }
                }
            }
            _ => r.unknown(entry, "http_auth"),
        }
    }
    if auth.token.is_none() && auth.users.is_empty() {
        r.error(f.pos, "http_auth: needs a token or users");
        return None;
    }
    Some(auth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    #[test]
    fn http_auth_decodes_and_needs_credentials() {
        let map = parse_str(
            "monitor { http_auth { token: s3cret, users: [ {user: ops, password: pw} ], read_only: true } }\nm2 { http_auth {} }",
            Path::new("mon.conf"),
        )
        .expect("parse");
        let mut r = Report::default();
        let m = parse_monitor(Field::entry(&map.entries()[0]), &mut r);
        assert!(r.errors.is_empty());
        let auth = m.http_auth.expect("auth");
        assert_eq!(auth.token.as_deref(), Some("s3cret"));
        assert_eq!(auth.users[0].user, "ops");
        assert!(auth.read_only);
        let m2 = parse_monitor(Field::entry(&map.entries()[1]), &mut r);
        assert!(m2.http_auth.is_none());
        assert!(r.errors[0].message.contains("needs a token or users"));
    }
}
