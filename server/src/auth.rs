//! Client authentication: who may connect, decided from the `CONNECT` credentials.
//!
//! Every front-end asks the same [`Auth`]; a failure is reported to the client in that front-end's own
//! words (`-ERR 'Authorization Violation'`, MQTT CONNACK "bad user name or password").

use switchyard_shared::op::ConnectInfo;

use crate::config::Config;

/// Who a client authenticated as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// User name (empty for token or anonymous access).
    pub user: String,
}

/// The configured authentication methods.
#[derive(Debug, Default)]
pub struct Auth {
    token: Option<String>,
    users: Vec<(String, String)>,
}

/// Constant-time comparison of secrets.
fn secret_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Auth {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let a = &config.authorization;
        let mut users: Vec<(String, String)> = a
            .users
            .iter()
            .chain(config.accounts.iter().flat_map(|acc| acc.users.iter()))
            .filter_map(|u| Some((u.user.clone()?, u.password.clone().unwrap_or_default())))
            .collect();
        if let Some(user) = &a.user {
            users.push((user.clone(), a.password.clone().unwrap_or_default()));
        }
        if a.token.is_some() && !users.is_empty() {
            return Err("can not have a token and users at the same time".into());
        }
        Ok(Auth { token: a.token.clone(), users })
    }

    /// Whether clients must present credentials.
    pub fn required(&self) -> bool {
        self.token.is_some() || !self.users.is_empty()
    }

    /// Checks the credentials of a `CONNECT`.
    pub fn check(&self, connect: &ConnectInfo) -> Option<Identity> {
        if let Some(token) = &self.token {
            let given = connect.auth_token.as_deref().or(connect.pass.as_deref()).unwrap_or("");
            return secret_eq(given, token).then(Identity::default);
        }
        if !self.users.is_empty() {
            let user = connect.user.as_deref()?;
            let pass = connect.pass.as_deref().unwrap_or("");
            let (_, expected) = self.users.iter().find(|(u, _)| u == user)?;
            return secret_eq(pass, expected).then(|| Identity { user: user.to_string() });
        }
        Some(Identity::default())
    }

    /// The identity of a client that presented no credentials on a listener whose `no_auth_user` is
    /// `user`: that configured user, without its password. `None` if no such user is configured.
    pub fn no_auth_identity(&self, user: &str) -> Option<Identity> {
        if !self.required() {
            return Some(Identity::default());
        }
        self.users.iter().any(|(u, _)| u == user).then(|| Identity { user: user.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect(user: Option<&str>, pass: Option<&str>, token: Option<&str>) -> ConnectInfo {
        ConnectInfo {
            user: user.map(Into::into),
            pass: pass.map(Into::into),
            auth_token: token.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn token_auth() {
        let auth = Auth { token: Some("s3cr3t".into()), users: vec![] };
        assert!(auth.required());
        assert!(auth.check(&connect(None, None, Some("s3cr3t"))).is_some());
        assert!(auth.check(&connect(None, None, Some("wrong"))).is_none());
        assert!(auth.check(&connect(None, None, None)).is_none());
    }

    #[test]
    fn user_password_auth() {
        let auth = Auth { token: None, users: vec![("alice".into(), "pw".into())] };
        assert_eq!(auth.check(&connect(Some("alice"), Some("pw"), None)).unwrap().user, "alice");
        assert!(auth.check(&connect(Some("alice"), Some("nope"), None)).is_none());
        assert!(auth.check(&connect(Some("bob"), Some("pw"), None)).is_none());
        assert!(auth.check(&connect(None, None, None)).is_none());
    }

    #[test]
    fn no_auth_user_must_be_configured() {
        let auth = Auth { token: None, users: vec![("guest".into(), "pw".into())] };
        assert_eq!(auth.no_auth_identity("guest").unwrap().user, "guest");
        assert!(auth.no_auth_identity("nobody").is_none());
    }

    #[test]
    fn no_auth_accepts_everyone() {
        let auth = Auth::default();
        assert!(!auth.required());
        assert!(auth.check(&connect(None, None, None)).is_some());
    }
}
