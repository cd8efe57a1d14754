//! Client authentication: who may connect, decided from the `CONNECT` credentials, and as whom.
//!
//! [`Auth`] is built once from the configuration: the token or single user of the `authorization`
//! block, the users of `authorization { users }` and of every account (by name, or by public nkey for
//! nkey users), `no_auth_user`, and the WebSocket and MQTT listeners' own `authorization` blocks. Every
//! front-end asks it the same question with [`Auth::check`]; MQTT passes its user name and password
//! (and the password again as the token, as nats-server does) in a [`ConnectInfo`]. The answer is an
//! [`Identity`]: user, account and compiled [`Permissions`]. A failure is reported to the client in that
//! front-end's own words (`-ERR 'Authorization Violation'`, an MQTT CONNACK code).
//!
//! The order of checks is nats-server's (`processClientOrLeafAuthentication`): nkeys, then users, then
//! the token or single user; `no_auth_user` stands in for a client that presents no credentials at all.
//!
//! It does not hold connections or accounts' subject spaces (see `account`), and it does not enforce
//! permissions (the session does, through [`permissions`]).

pub mod nkey;
pub mod permissions;
pub mod secret;

use std::collections::HashMap;
use std::sync::Arc;

use switchyard_shared::op::ConnectInfo;

use crate::config::accounts::GLOBAL_ACCOUNT;
use crate::config::{Config, ConnectionType, SimpleAuth, User};
use crate::core::Kind;

pub use permissions::{ConnPermissions, Permissions, PublishGuard};
pub use secret::Secret;

/// Who a client authenticated as.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// User name, or the public nkey of an nkey user; empty for token or anonymous access.
    pub user: String,
    /// The account whose subject space the client uses.
    pub account: String,
    /// What the user may publish and subscribe to; `None` allows everything.
    pub permissions: Option<Arc<Permissions>>,
}

impl Identity {
    fn anonymous() -> Self {
        Identity { user: String::new(), account: GLOBAL_ACCOUNT.to_string(), permissions: None }
    }
}

/// Configuration problems found while building [`Auth`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("can not have a token and users at the same time")]
    TokenAndUsers,
}

/// One configured user (password or nkey).
#[derive(Debug)]
struct Entry {
    name: String,
    password: Option<Secret>,
    account: String,
    permissions: Option<Arc<Permissions>>,
    allowed: Option<Vec<ConnectionType>>,
}

impl Entry {
    fn from_user(user: &User) -> Self {
        Entry {
            name: user.name().to_string(),
            password: user.password.as_deref().map(Secret::new),
            account: user.account.clone().unwrap_or_else(|| GLOBAL_ACCOUNT.to_string()),
            permissions: user.permissions.as_ref().map(|p| Arc::new(Permissions::from_config(p))),
            allowed: user.allowed_connection_types.clone(),
        }
    }

    fn allows_kind(&self, kind: Kind) -> bool {
        self.allowed.as_ref().is_none_or(|types| types.contains(&connection_type(kind)))
    }

    fn identity(&self) -> Identity {
        Identity { user: self.name.clone(), account: self.account.clone(), permissions: self.permissions.clone() }
    }
}

/// The `allowed_connection_types` name of a front-end.
fn connection_type(kind: Kind) -> ConnectionType {
    match kind {
        Kind::Client => ConnectionType::Standard,
        Kind::WebSocket => ConnectionType::Websocket,
        Kind::Mqtt => ConnectionType::Mqtt,
        Kind::Internal => ConnectionType::InProcess,
    }
}

/// The credentials that need no users list: one token, or one user name and password.
#[derive(Debug, Default)]
struct Simple {
    token: Option<Secret>,
    user: Option<(String, Secret)>,
    no_auth_user: Option<String>,
}

impl Simple {
    fn from_listener(auth: Option<&SimpleAuth>, no_auth_user: Option<&String>) -> Option<Self> {
        // As nats-server's `wsConfigAuth`/`mqttConfigAuth`: a listener user, token or no_auth_user
        // replaces the server's for that listener.
        let user = auth.and_then(|a| a.user.clone());
        let token = auth.and_then(|a| a.token.as_deref()).map(Secret::new);
        if user.is_none() && token.is_none() && no_auth_user.is_none() {
            return None;
        }
        let password = Secret::new(auth.and_then(|a| a.password.as_deref()).unwrap_or(""));
        Some(Simple { token, user: user.map(|u| (u, password)), no_auth_user: no_auth_user.cloned() })
    }
}

/// The configured authentication methods.
#[derive(Debug, Default)]
pub struct Auth {
    simple: Simple,
    users: HashMap<String, Entry>,
    nkeys: HashMap<String, Entry>,
    websocket: Option<Simple>,
    mqtt: Option<Simple>,
}

/// No credentials of any kind in CONNECT.
fn presents_nothing(c: &ConnectInfo) -> bool {
    let empty = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
    empty(&c.user) && empty(&c.pass) && empty(&c.auth_token) && empty(&c.nkey)
}

impl Auth {
    pub fn from_config(config: &Config) -> Result<Self, AuthError> {
        let a = &config.authorization;
        let mut users = HashMap::new();
        let mut nkeys = HashMap::new();
        for user in a.users.iter().chain(config.accounts.iter().flat_map(|acc| acc.users.iter())) {
            let entry = Entry::from_user(user);
            match &user.nkey {
                Some(key) => nkeys.insert(key.clone(), entry),
                None => users.insert(entry.name.clone(), entry),
            };
        }
        if a.token.is_some() && !(users.is_empty() && nkeys.is_empty()) {
            return Err(AuthError::TokenAndUsers);
        }
        let simple = Simple {
            token: a.token.as_deref().map(Secret::new),
            user: a.user.clone().map(|u| (u, Secret::new(a.password.as_deref().unwrap_or("")))),
            no_auth_user: config.no_auth_user.clone(),
        };
        let websocket = config
            .websocket
            .as_ref()
            .and_then(|w| Simple::from_listener(w.authorization.as_ref(), w.no_auth_user.as_ref()));
        let mqtt =
            config.mqtt.as_ref().and_then(|m| Simple::from_listener(m.authorization.as_ref(), m.no_auth_user.as_ref()));
        Ok(Auth { simple, users, nkeys, websocket, mqtt })
    }

    /// Whether NATS clients on the main port must present credentials.
    pub fn required(&self) -> bool {
        self.simple.token.is_some() || self.simple.user.is_some() || !self.users.is_empty() || !self.nkeys.is_empty()
    }

    /// Whether clients of this front-end must present credentials (a listener's own `authorization`
    /// block or `no_auth_user` makes it so even when the main port is open).
    pub fn required_for(&self, kind: Kind) -> bool {
        self.required() || self.listener(kind).is_some()
    }

    /// Whether INFO must carry a nonce for the nkey challenge.
    pub fn nonce_required(&self) -> bool {
        !self.nkeys.is_empty()
    }

    fn listener(&self, kind: Kind) -> Option<&Simple> {
        match kind {
            Kind::WebSocket => self.websocket.as_ref(),
            Kind::Mqtt => self.mqtt.as_ref(),
            Kind::Client | Kind::Internal => None,
        }
    }

    /// The identity of a configured user, for front-ends that log clients in by name (a WebSocket
    /// listener's `no_auth_user`).
    pub fn identity_of(&self, name: &str) -> Option<Identity> {
        if let Some(entry) = self.users.get(name).or_else(|| self.nkeys.get(name)) {
            return Some(entry.identity());
        }
        match &self.simple.user {
            Some((user, _)) if user == name => Some(Identity { user: user.clone(), ..Identity::anonymous() }),
            _ => None,
        }
    }

    /// Checks the credentials of a `CONNECT` from a `kind` connection that was sent `nonce` in its
    /// INFO. `None` means: refuse the client.
    pub fn check(&self, connect: &ConnectInfo, kind: Kind, nonce: Option<&str>) -> Option<Identity> {
        if !self.required_for(kind) {
            return Some(Identity::anonymous());
        }
        let simple = self.listener(kind).unwrap_or(&self.simple);
        let anonymous = presents_nothing(connect);
        let no_auth_user = simple.no_auth_user.as_deref().filter(|_| anonymous);

        if !self.nkeys.is_empty() {
            let key = no_auth_user.filter(|u| self.nkeys.contains_key(*u)).or(connect.nkey.as_deref());
            if let Some(key) = key.filter(|k| !k.is_empty()) {
                let entry = self.nkeys.get(key).filter(|e| e.allows_kind(kind))?;
                if no_auth_user != Some(key) {
                    let (Some(nonce), Some(sig)) = (nonce, connect.sig.as_deref()) else { return None };
                    if !nkey::verify(key, nonce, sig) {
                        return None;
                    }
                }
                return Some(entry.identity());
            }
        }
        if !self.users.is_empty() {
            if let Some(name) = no_auth_user.filter(|u| self.users.contains_key(*u)) {
                return self.users.get(name).filter(|e| e.allows_kind(kind)).map(Entry::identity);
            }
            if let Some(name) = connect.user.as_deref().filter(|u| !u.is_empty()) {
                let entry = self.users.get(name).filter(|e| e.allows_kind(kind))?;
                let given = connect.pass.as_deref().unwrap_or("");
                let ok = entry.password.as_ref().map_or(given.is_empty(), |p| p.matches(given));
                return ok.then(|| entry.identity());
            }
        }
        if let Some(token) = &simple.token {
            return token.matches(connect.auth_token.as_deref().unwrap_or("")).then(Identity::anonymous);
        }
        if let Some((user, password)) = &simple.user {
            let given_user = connect.user.as_deref().unwrap_or("");
            let ok = given_user == user && password.matches(connect.pass.as_deref().unwrap_or(""));
            return ok.then(|| Identity { user: user.clone(), ..Identity::anonymous() });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use base64::Engine;

    use super::*;

    fn auth(text: &str) -> Auth {
        let (config, _) = crate::config::parse_str(text, Path::new("auth.conf")).expect("config");
        Auth::from_config(&config).expect("auth")
    }

    fn connect(user: Option<&str>, pass: Option<&str>, token: Option<&str>) -> ConnectInfo {
        ConnectInfo {
            user: user.map(Into::into),
            pass: pass.map(Into::into),
            auth_token: token.map(Into::into),
            ..Default::default()
        }
    }

    fn nkey_connect(key: &nkeys::KeyPair, nonce: &str) -> ConnectInfo {
        let sig = key.sign(nonce.as_bytes()).expect("sign");
        ConnectInfo {
            nkey: Some(key.public_key()),
            sig: Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)),
            ..Default::default()
        }
    }

    #[test]
    fn token_auth() {
        let auth = auth("authorization { token: s3cr3t }");
        assert!(auth.required());
        assert!(!auth.nonce_required());
        assert!(auth.check(&connect(None, None, Some("s3cr3t")), Kind::Client, None).is_some());
        assert!(auth.check(&connect(None, None, Some("wrong")), Kind::Client, None).is_none());
        assert!(auth.check(&connect(None, None, None), Kind::Client, None).is_none());
        assert!(auth.check(&connect(None, Some("s3cr3t"), None), Kind::Client, None).is_none(), "not a token");
    }

    #[test]
    fn single_user_auth() {
        let auth = auth("authorization { user: alice, password: pw }");
        let id = auth.check(&connect(Some("alice"), Some("pw"), None), Kind::Client, None).expect("ok");
        assert_eq!((id.user.as_str(), id.account.as_str()), ("alice", "$G"));
        assert!(auth.check(&connect(Some("alice"), Some("nope"), None), Kind::Client, None).is_none());
        assert!(auth.check(&connect(Some("bob"), Some("pw"), None), Kind::Client, None).is_none());
    }

    #[test]
    fn users_with_plain_and_bcrypt_passwords() {
        let hash = bcrypt::hash("pw2", 4).expect("hash");
        let auth = auth(&format!(
            "authorization {{ users = [ {{user: a, password: pw}}, {{user: b, password: \"{hash}\"}} ] }}"
        ));
        assert!(auth.check(&connect(Some("a"), Some("pw"), None), Kind::Client, None).is_some());
        assert!(auth.check(&connect(Some("b"), Some("pw2"), None), Kind::Client, None).is_some());
        assert!(auth.check(&connect(Some("b"), Some(&hash), None), Kind::Client, None).is_none());
        assert!(auth.check(&connect(Some("a"), Some("pw2"), None), Kind::Client, None).is_none());
        assert!(auth.check(&connect(Some("c"), Some("pw"), None), Kind::Client, None).is_none());
        assert!(auth.check(&connect(None, None, None), Kind::Client, None).is_none());
    }

    #[test]
    fn nkey_users_sign_their_connection_nonce() {
        let key = nkeys::KeyPair::new_user();
        let auth = auth(&format!("authorization {{ users = [ {{nkey: {}}} ] }}", key.public_key()));
        assert!(auth.nonce_required());
        let nonce = nkey::new_nonce();
        let id = auth.check(&nkey_connect(&key, &nonce), Kind::Client, Some(&nonce)).expect("signed");
        assert_eq!(id.user, key.public_key());
        let other_nonce = nkey::new_nonce();
        assert!(auth.check(&nkey_connect(&key, &other_nonce), Kind::Client, Some(&nonce)).is_none());
        let stranger = nkeys::KeyPair::new_user();
        assert!(auth.check(&nkey_connect(&stranger, &nonce), Kind::Client, Some(&nonce)).is_none());
        let unsigned = ConnectInfo { nkey: Some(key.public_key()), ..Default::default() };
        assert!(auth.check(&unsigned, Kind::Client, Some(&nonce)).is_none());
    }

    #[test]
    fn no_auth_user_stands_in_only_for_clients_without_credentials() {
        let auth = auth(
            "accounts { A { users = [ {user: app, password: pw, permissions: {publish: \"x\"}} ] } }\n\
             no_auth_user: app",
        );
        let id = auth.check(&connect(None, None, None), Kind::Client, None).expect("no_auth_user");
        assert_eq!((id.user.as_str(), id.account.as_str()), ("app", "A"));
        assert!(id.permissions.expect("perms").can_publish("x"));
        assert!(auth.check(&connect(Some("app"), Some("bad"), None), Kind::Client, None).is_none());
    }

    #[test]
    fn no_auth_user_may_be_an_nkey_user() {
        let key = nkeys::KeyPair::new_user();
        let auth = auth(&format!(
            "authorization {{ users = [ {{nkey: {0}}}, {{user: u, password: p}} ] }}\nno_auth_user: {0}",
            key.public_key()
        ));
        let id = auth.check(&connect(None, None, None), Kind::Client, Some("nonce")).expect("anonymous");
        assert_eq!(id.user, key.public_key());
        assert!(auth.check(&connect(Some("u"), Some("p"), None), Kind::Client, None).is_some());
    }

    #[test]
    fn allowed_connection_types_restrict_front_ends() {
        let auth = auth(
            "authorization { users = [ {user: ws, password: p, allowed_connection_types: [WEBSOCKET]}, \
             {user: any, password: p} ] }",
        );
        let ws = connect(Some("ws"), Some("p"), None);
        assert!(auth.check(&ws, Kind::Client, None).is_none());
        assert!(auth.check(&ws, Kind::WebSocket, None).is_some());
        assert!(auth.check(&ws, Kind::Mqtt, None).is_none());
        assert!(auth.check(&connect(Some("any"), Some("p"), None), Kind::Mqtt, None).is_some());
    }

    #[test]
    fn users_land_in_their_account() {
        let auth = auth(
            "authorization { users = [ {user: g, password: p} ] }\n\
             accounts { A { users = [ {user: a, password: p} ] } }",
        );
        assert_eq!(auth.check(&connect(Some("g"), Some("p"), None), Kind::Client, None).expect("g").account, "$G");
        assert_eq!(auth.check(&connect(Some("a"), Some("p"), None), Kind::Client, None).expect("a").account, "A");
    }

    #[test]
    fn listener_blocks_override_the_server_credentials_for_their_front_end() {
        let auth =
            auth("mqtt { port: -1, authorization { user: m, password: mp } }\nwebsocket { port: -1, no_tls: true }");
        assert!(!auth.required());
        assert!(auth.required_for(Kind::Mqtt));
        assert!(!auth.required_for(Kind::WebSocket));
        assert!(auth.check(&connect(None, None, None), Kind::Client, None).is_some());
        assert!(auth.check(&connect(Some("m"), Some("mp"), None), Kind::Mqtt, None).is_some());
        assert!(auth.check(&connect(Some("m"), Some("no"), None), Kind::Mqtt, None).is_none());
        assert!(auth.check(&connect(None, None, None), Kind::Mqtt, None).is_none());
    }

    #[test]
    fn open_server_accepts_everyone_in_the_global_account() {
        let auth = Auth::default();
        assert!(!auth.required());
        let id = auth.check(&connect(Some("x"), Some("y"), None), Kind::Client, None).expect("open");
        assert_eq!(id, Identity::anonymous());
    }

    #[test]
    fn token_with_users_is_refused() {
        let mut config = Config::default();
        config.authorization.token = Some("t".into());
        config.authorization.users.push(User { user: Some("u".into()), ..Default::default() });
        assert_eq!(Auth::from_config(&config).err(), Some(AuthError::TokenAndUsers));
    }
}
