//! The `authorization { … }` block, user lists, permissions, and the simple `authorization` blocks of
//! the WebSocket and MQTT listeners.
//!
//! Input: parsed blocks. Output: [`Authorization`], [`User`]s with [`Permissions`], [`SimpleAuth`].
//! Passwords are kept as written (plain or bcrypt `$2a$…`); checking credentials is the auth module's
//! job, not this one's. Unknown keys inside permissions are errors (a misspelt `publish` would otherwise
//! silently grant everything), as they are in nats-server.

use std::time::Duration;

use switchyard_shared::subject::is_valid_filter;

use super::report::{key_of, Field, Report};
use super::value::Kind;

/// nats-server's default for `allow_responses`: one response…
pub const DEFAULT_ALLOW_RESPONSES_MAX_MSGS: u64 = 1;
/// …within two minutes.
pub const DEFAULT_ALLOW_RESPONSES_EXPIRES: Duration = Duration::from_secs(120);

/// The top-level `authorization` block (its `timeout` becomes [`Config::auth_timeout`](super::Config)).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authorization {
    /// `user`: the single user name every client must present (with `password`).
    pub user: Option<String>,
    /// `password`: the single user's password (plain or bcrypt).
    pub password: Option<String>,
    /// `token`: the token every client must present.
    pub token: Option<String>,
    /// `users`: multiple users, each with optional permissions. Users listed under `accounts` are in
    /// [`AccountConfig::users`](super::AccountConfig) instead.
    pub users: Vec<User>,
    /// `default_permissions`: permissions of users that have none of their own (already applied to
    /// [`users`](Self::users)).
    pub default_permissions: Option<Permissions>,
}

impl Authorization {
    /// True when no credentials of any kind are configured here.
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.password.is_none() && self.token.is_none() && self.users.is_empty()
    }
}

/// One entry of a `users` list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    /// `user`: the user name (absent for nkey users).
    pub user: Option<String>,
    /// `password`: plain text or a bcrypt hash (`$2a$…`).
    pub password: Option<String>,
    /// `nkey`: the user's public nkey (`U…`); nkey users have no user name or password.
    pub nkey: Option<String>,
    /// `permissions`: what the user may publish and subscribe to; `None` allows everything.
    pub permissions: Option<Permissions>,
    /// The account the user belongs to: the enclosing `accounts` entry, or (a switchyard addition) an
    /// `account` key in a top-level `authorization` user; `None` is the global account.
    pub account: Option<String>,
    /// `allowed_connection_types`: the kinds of connection the user may use; `None` allows all.
    pub allowed_connection_types: Option<Vec<ConnectionType>>,
}

impl User {
    /// The name the user is known by: the user name, or the nkey.
    pub fn name(&self) -> &str {
        self.user.as_deref().or(self.nkey.as_deref()).unwrap_or("")
    }
}

/// Publish and subscribe permissions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permissions {
    /// `publish`: subjects the user may publish to.
    pub publish: Option<SubjectPermission>,
    /// `subscribe`: subjects (optionally `"subject queue"`) the user may subscribe to.
    pub subscribe: Option<SubjectPermission>,
    /// `allow_responses`: may publish to reply subjects of requests it received.
    pub allow_responses: Option<ResponsePermission>,
}

/// Allow and deny lists for one direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubjectPermission {
    /// `allow`: only these subjects; `None` allows everything not denied. `Some(vec![])` allows
    /// nothing (set when `allow_responses` is used without a publish allow list).
    pub allow: Option<Vec<String>>,
    /// `deny`: never these subjects.
    pub deny: Vec<String>,
}

/// How many responses, for how long, a user may send to the reply subjects of received requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponsePermission {
    /// `max`: responses per request; `None` is unlimited (a negative value in the file).
    pub max_msgs: Option<u64>,
    /// `expires`: how long the permission lasts; `None` is forever (a negative value in the file).
    pub expires: Option<Duration>,
}

impl Default for ResponsePermission {
    fn default() -> Self {
        ResponsePermission {
            max_msgs: Some(DEFAULT_ALLOW_RESPONSES_MAX_MSGS),
            expires: Some(DEFAULT_ALLOW_RESPONSES_EXPIRES),
        }
    }
}

/// A kind of client connection, for `allowed_connection_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionType {
    /// `STANDARD`: NATS over TCP.
    Standard,
    /// `WEBSOCKET`: NATS over WebSocket.
    Websocket,
    /// `LEAFNODE`: a leaf node connection.
    Leafnode,
    /// `LEAFNODE_WS`: a leaf node over WebSocket.
    LeafnodeWs,
    /// `MQTT`: MQTT over TCP.
    Mqtt,
    /// `MQTT_WS`: MQTT over WebSocket.
    MqttWs,
    /// `IN_PROCESS`: an in-process client.
    InProcess,
}

impl ConnectionType {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "STANDARD" => ConnectionType::Standard,
            "WEBSOCKET" => ConnectionType::Websocket,
            "LEAFNODE" => ConnectionType::Leafnode,
            "LEAFNODE_WS" => ConnectionType::LeafnodeWs,
            "MQTT" => ConnectionType::Mqtt,
            "MQTT_WS" => ConnectionType::MqttWs,
            "IN_PROCESS" => ConnectionType::InProcess,
            _ => return None,
        })
    }
}

/// The `authorization` block of the WebSocket or MQTT listener: one user/password or token for clients
/// of that listener that present no credentials of their own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleAuth {
    /// `user`.
    pub user: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `token`.
    pub token: Option<String>,
    /// `timeout`: authentication timeout for this listener; `None` uses the server's.
    pub timeout: Option<Duration>,
}

/// Decodes the top-level `authorization` block; also returns its `timeout`.
pub(crate) fn parse_authorization(f: Field<'_>, r: &mut Report) -> Option<(Authorization, Option<Duration>)> {
    let map = r.map(f)?;
    let mut auth = Authorization::default();
    let mut timeout = None;
    let mut users_present = false;
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "user" | "username" => auth.user = r.string(field),
            "pass" | "password" => auth.password = r.string(field),
            "token" => auth.token = r.string(field),
            "timeout" => {
                timeout = r.seconds(field);
                if let Some(t) = timeout.filter(|t| *t > Duration::from_secs(60)) {
                    r.warn(
                        field.pos,
                        format!(
                            "timeout of {t:?} is high, consider keeping it under 60 seconds \
                             (an unquoted 1m is the number 1000000; write '1m')"
                        ),
                    );
                }
            }
            "users" => {
                users_present = true;
                auth.users = parse_users(field, r, true);
            }
            "default_permission" | "default_permissions" | "permissions" => {
                auth.default_permissions = parse_permissions(field, r);
            }
            "auth_callout" | "auth_hook" | "proxy_required" => r.unsupported(entry, "authorization"),
            _ => r.unknown(entry, "authorization"),
        }
    }
    if (auth.user.is_some() || auth.password.is_some()) && auth.token.is_some() {
        r.error(f.pos, "authorization: cannot have a user/password and a token");
    }
    if users_present && auth.user.is_some() {
        r.error(f.pos, "authorization: cannot have a single user/password and a users array");
    }
    if users_present && auth.token.is_some() {
        r.error(f.pos, "authorization: cannot have a token and a users array");
    }
    apply_default_permissions(&mut auth.users, auth.default_permissions.as_ref());
    Some((auth, timeout))
}

/// Gives users without permissions of their own the block's default permissions.
pub(crate) fn apply_default_permissions(users: &mut [User], defaults: Option<&Permissions>) {
    if let Some(defaults) = defaults {
        for user in users.iter_mut().filter(|u| u.permissions.is_none()) {
            user.permissions = Some(defaults.clone());
        }
    }
}

/// Decodes a `users` array. `allow_account`: whether entries may name their account (top-level
/// `authorization` only).
pub(crate) fn parse_users(f: Field<'_>, r: &mut Report, allow_account: bool) -> Vec<User> {
    let Some(items) = r.array(f) else {
        return Vec::new();
    };
    let mut users = Vec::with_capacity(items.len());
    for item in items {
        let Kind::Map(map) = &item.kind else {
            r.error(&item.pos, format!("users: each user must be a map, found {}", item.kind.type_name()));
            continue;
        };
        let mut user = User::default();
        for entry in map.entries() {
            let field = Field::entry(entry);
            match key_of(entry).as_str() {
                "nkey" => user.nkey = r.string(field),
                "user" | "username" => user.user = r.string(field),
                "pass" | "password" => user.password = r.string(field),
                "permission" | "permissions" | "authorization" => user.permissions = parse_permissions(field, r),
                "allowed_connection_types" | "connection_types" | "clients" => {
                    user.allowed_connection_types = parse_connection_types(field, r);
                }
                "account" if allow_account => user.account = r.non_empty_string(field),
                "proxy_required" => r.unsupported(entry, "users"),
                _ => r.unknown(entry, "a user"),
            }
        }
        match (&user.nkey, &user.user) {
            (None, None) => r.error(&item.pos, "users: a user entry needs a user or an nkey"),
            (Some(nkey), _) if !is_public_nkey(nkey, b'U') => {
                r.error(&item.pos, format!("users: \"{nkey}\" is not a valid public user nkey"));
            }
            (Some(_), _) if user.user.is_some() || user.password.is_some() => {
                r.error(&item.pos, "users: nkey users do not take a user name or password");
            }
            _ => users.push(user),
        }
    }
    users
}

fn parse_connection_types(f: Field<'_>, r: &mut Report) -> Option<Vec<ConnectionType>> {
    let names = r.strings(f)?;
    let mut types = Vec::with_capacity(names.len());
    for name in names {
        match ConnectionType::from_name(&name) {
            Some(t) => types.push(t),
            None => r.error(
                f.pos,
                format!(
                    "{}: unknown connection type \"{name}\" (use STANDARD, WEBSOCKET, MQTT, MQTT_WS, LEAFNODE, \
                     LEAFNODE_WS or IN_PROCESS)",
                    f.name
                ),
            ),
        }
    }
    Some(types)
}

/// Decodes a `permissions` map.
pub(crate) fn parse_permissions(f: Field<'_>, r: &mut Report) -> Option<Permissions> {
    let map = r.map(f)?;
    let mut perms = Permissions::default();
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "pub" | "publish" | "import" => perms.publish = parse_subject_permission(field, r, false),
            "sub" | "subscribe" | "export" => perms.subscribe = parse_subject_permission(field, r, true),
            "publish_allow_responses" | "allow_responses" => perms.allow_responses = parse_allow_responses(field, r),
            _ if entry.used_as_variable => {}
            _ => r.error(
                &entry.key_pos,
                format!("unknown field \"{}\" in permissions (use publish, subscribe or allow_responses)", entry.key),
            ),
        }
    }
    if perms.allow_responses.is_some() {
        let publish = perms.publish.get_or_insert_with(SubjectPermission::default);
        if publish.allow.is_none() {
            publish.allow = Some(Vec::new());
        }
    }
    Some(perms)
}

/// `publish`/`subscribe`: `{ allow: …, deny: … }`, or a subject or list of subjects to allow.
fn parse_subject_permission(f: Field<'_>, r: &mut Report, queues: bool) -> Option<SubjectPermission> {
    match &f.value.kind {
        Kind::Map(map) => {
            if map.is_empty() {
                return None;
            }
            let mut perm = SubjectPermission::default();
            for entry in map.entries() {
                let field = Field::entry(entry);
                match key_of(entry).as_str() {
                    "allow" => perm.allow = permission_subjects(field, r, queues),
                    "deny" => perm.deny = permission_subjects(field, r, queues).unwrap_or_default(),
                    _ if entry.used_as_variable => {}
                    _ => r.error(
                        &entry.key_pos,
                        format!("unknown field \"{}\" in {}: only allow and deny are permitted", entry.key, f.name),
                    ),
                }
            }
            Some(perm)
        }
        _ => Some(SubjectPermission { allow: permission_subjects(f, r, queues), deny: Vec::new() }),
    }
}

fn permission_subjects(f: Field<'_>, r: &mut Report, queues: bool) -> Option<Vec<String>> {
    let subjects = r.strings(f)?;
    for s in &subjects {
        if let Err(message) = check_permission_subject(s, queues) {
            r.error(f.pos, format!("{}: {message}", f.name));
            return None;
        }
    }
    Some(subjects)
}

fn check_permission_subject(s: &str, queues: bool) -> Result<(), String> {
    if is_valid_filter(s) {
        return Ok(());
    }
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts.as_slice() {
        [subject, queue] if queues => {
            if !is_valid_filter(subject) {
                Err(format!("subject \"{subject}\" is not a valid subject"))
            } else if !is_valid_filter(queue) {
                Err(format!("queue \"{queue}\" is not a valid queue"))
            } else {
                Ok(())
            }
        }
        _ => Err(format!("subject \"{s}\" is not a valid subject")),
    }
}

fn parse_allow_responses(f: Field<'_>, r: &mut Report) -> Option<ResponsePermission> {
    let map = match &f.value.kind {
        Kind::Bool(true) => return Some(ResponsePermission::default()),
        Kind::Bool(false) => return None,
        Kind::Map(map) => map,
        other => {
            r.error(f.pos, format!("{}: expected a boolean or a map, found {}", f.name, other.type_name()));
            return None;
        }
    };
    let mut perm = ResponsePermission::default();
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "max" | "max_msgs" | "max_messages" | "max_responses" => match r.integer(field) {
                Some(0) | None => {}
                Some(n) => perm.max_msgs = u64::try_from(n).ok(),
            },
            "expires" | "expiration" | "ttl" => match &entry.value.kind {
                Kind::String(s) => match super::units::parse_duration(s) {
                    Ok(0) => {}
                    Ok(ns) => perm.expires = u64::try_from(ns).ok().map(Duration::from_nanos),
                    Err(e) => r.error(field.pos, format!("{}: {e}", entry.key)),
                },
                _ => r.error(field.pos, format!("{}: expected a duration string such as \"1m\"", entry.key)),
            },
            _ if entry.used_as_variable => {}
            _ => r.error(
                &entry.key_pos,
                format!("unknown field \"{}\" in allow_responses (use max or expires)", entry.key),
            ),
        }
    }
    Some(perm)
}

/// Decodes the `authorization` block of the WebSocket or MQTT listener.
pub(crate) fn parse_simple_auth(f: Field<'_>, r: &mut Report) -> Option<SimpleAuth> {
    let map = r.map(f)?;
    let mut auth = SimpleAuth::default();
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "user" | "username" => auth.user = r.string(field),
            "pass" | "password" => auth.password = r.string(field),
            "token" => auth.token = r.string(field),
            "timeout" => auth.timeout = r.seconds(field),
            _ => r.unknown(entry, f.name),
        }
    }
    if (auth.user.is_some() || auth.password.is_some()) && auth.token.is_some() {
        r.error(f.pos, format!("{}: cannot have a user/password and a token", f.name));
    }
    Some(auth)
}

/// Checks a public nkey: 56 base32 characters starting with `prefix` (`U` user, `A` account) and
/// ending in a valid CRC-16 checksum.
pub(crate) fn is_public_nkey(key: &str, prefix: u8) -> bool {
    let bytes = key.as_bytes();
    if bytes.len() != 56 || bytes[0] != prefix {
        return false;
    }
    let mut raw = Vec::with_capacity(35);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in bytes {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return false,
        };
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            raw.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    if raw.len() != 35 {
        return false;
    }
    let (body, sum) = raw.split_at(33);
    crc16(body) == u16::from_le_bytes([sum[0], sum[1]])
}

/// CRC-16/XMODEM, the checksum of nkeys.
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    const USER_NKEY: &str = "UC6NLCN7AS34YOJVCYD4PJ3QB7QGLYG5B5IMBT25VW5K4TNUJODM7BOX";

    fn decode<T>(text: &str, f: impl Fn(Field<'_>, &mut Report) -> T) -> (T, Report) {
        let map = parse_str(text, Path::new("auth.conf")).expect("parse");
        let mut r = Report::default();
        let out = f(Field::entry(&map.entries()[0]), &mut r);
        (out, r)
    }

    #[test]
    fn nkeys_are_checked_including_their_checksum() {
        assert!(is_public_nkey(USER_NKEY, b'U'));
        assert!(is_public_nkey("ADZ547B24WHPLWOK7TMLNBSA7FQFXR6UM2NZ4HHNIB7RDFVZQFOZ4GQQ", b'A'));
        assert!(!is_public_nkey(USER_NKEY, b'A'));
        let mut broken = USER_NKEY.to_string();
        broken.replace_range(10..11, "B");
        assert!(!is_public_nkey(&broken, b'U'));
        assert!(!is_public_nkey("UABC", b'U'));
    }

    #[test]
    fn users_with_permissions_in_both_styles() {
        let text = format!(
            "authorization {{\n  timeout: 1.5\n  default_permissions = {{ publish: \"_INBOX.>\" }}\n  users = [\n    \
             {{user: alice, password: pw, permissions: {{publish: {{allow: [\"a.>\"], deny: \"a.secret\"}}, subscribe: [\"b.*\", \"c q1\"]}}}}\n    \
             {{user: bob, password: \"$2a$11$xyz\", allowed_connection_types: [\"websocket\", MQTT]}}\n    \
             {{nkey: {USER_NKEY}, permissions: {{allow_responses: {{max: 5, expires: \"1m\"}}}}}}\n  ]\n}}"
        );
        let (out, r) = decode(&text, parse_authorization);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let (auth, timeout) = out.expect("auth");
        assert_eq!(timeout, Some(Duration::from_millis(1500)));
        assert_eq!(auth.users.len(), 3);
        let alice = &auth.users[0];
        let perms = alice.permissions.as_ref().expect("perms");
        let publish = perms.publish.as_ref().expect("publish");
        assert_eq!(publish.allow, Some(vec!["a.>".to_string()]));
        assert_eq!(publish.deny, vec!["a.secret".to_string()]);
        assert_eq!(perms.subscribe.as_ref().expect("sub").allow, Some(vec!["b.*".to_string(), "c q1".to_string()]));
        let bob = &auth.users[1];
        assert_eq!(bob.allowed_connection_types, Some(vec![ConnectionType::Websocket, ConnectionType::Mqtt]));
        // Bob had no permissions: the defaults apply.
        assert_eq!(
            bob.permissions.as_ref().expect("defaults").publish.as_ref().expect("pub").allow,
            Some(vec!["_INBOX.>".to_string()])
        );
        let nkey_user = &auth.users[2];
        assert_eq!(nkey_user.name(), USER_NKEY);
        let perms = nkey_user.permissions.as_ref().expect("perms");
        assert_eq!(
            perms.allow_responses,
            Some(ResponsePermission { max_msgs: Some(5), expires: Some(Duration::from_secs(60)) })
        );
        // allow_responses without a publish allow list turns off the blanket publish allow.
        assert_eq!(perms.publish.as_ref().expect("pub").allow, Some(vec![]));
    }

    #[test]
    fn allow_responses_true_uses_nats_defaults() {
        let (perms, r) = decode("p { allow_responses: true }", parse_permissions);
        assert!(r.errors.is_empty());
        assert_eq!(perms.expect("perms").allow_responses, Some(ResponsePermission::default()));
        let (perms, _) = decode("p { allow_responses: { max: -1, expires: \"-1s\" } }", parse_permissions);
        assert_eq!(perms.expect("perms").allow_responses, Some(ResponsePermission { max_msgs: None, expires: None }));
    }

    #[test]
    fn conflicting_credentials_are_errors() {
        let (_, r) = decode("authorization { user: a, password: b, token: t }", parse_authorization);
        assert!(r.errors[0].message.contains("user/password and a token"));
        let (_, r) = decode("authorization { user: a, users: [ {user: b} ] }", parse_authorization);
        assert!(r.errors[0].message.contains("single user/password and a users array"));
    }

    #[test]
    fn bad_users_and_subjects_are_errors_at_their_lines() {
        let text = "authorization {\n users = [\n  {password: x}\n  {nkey: UNOTVALID}\n  {user: c, permissions: {publish: \"a..b\"}}\n  {user: d, permissions: {publsh: \"a\"}}\n ]\n}";
        let (_, r) = decode(text, parse_authorization);
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("auth.conf:3: users: a user entry needs a user"));
        assert!(messages[1].starts_with("auth.conf:4: users: \"UNOTVALID\""));
        assert!(messages[2].starts_with("auth.conf:5: publish: subject \"a..b\""));
        assert!(messages[3].starts_with("auth.conf:6: unknown field \"publsh\" in permissions"));
    }

    #[test]
    fn subscribe_permissions_may_name_a_queue_but_publish_may_not() {
        assert!(check_permission_subject("foo.* workers", true).is_ok());
        assert!(check_permission_subject("foo.* workers", false).is_err());
        assert!(check_permission_subject("foo bar baz", true).is_err());
    }

    #[test]
    fn simple_auth_blocks_decode() {
        let (auth, r) = decode("authorization { user: ws, password: pw, timeout: \"3s\" }", parse_simple_auth);
        assert!(r.errors.is_empty());
        let auth = auth.expect("auth");
        assert_eq!(auth.user.as_deref(), Some("ws"));
        assert_eq!(auth.timeout, Some(Duration::from_secs(3)));
    }

    #[test]
    fn a_high_timeout_is_warned_about() {
        let (_, r) = decode("authorization { timeout: 1m }", parse_authorization);
        assert!(r.warnings[0].contains("is high"), "{:?}", r.warnings);
    }
}
