//! Logging in over raw TCP: tokens, users with plain and bcrypt passwords, nkeys signing the INFO
//! nonce, `no_auth_user`, and the one answer every failure gets: `-ERR 'Authorization Violation'` and
//! a closed connection.

mod auth_support;

use auth_support::{have_nats_server, login, nkey_fields, user_pass, Target};

const VIOLATION: &str = "-ERR 'Authorization Violation'\r\n";

/// A login attempt with `fields` is refused with nats-server's text and the connection closes.
async fn refused(target: &Target, fields: &str) {
    let mut c = target.client().await;
    c.connect_with(fields).await;
    c.send("PING\r\n").await;
    assert_eq!(c.closed().await, VIOLATION, "login with {fields}");
}

fn token_conf() -> String {
    "authorization { token: s3cr3t }\n".to_string()
}

async fn token_matrix(target: &Target) {
    let c = target.client().await;
    assert_eq!(c.info["auth_required"], true);
    assert!(c.info.get("nonce").is_none(), "no nkey users, no nonce");
    login(target, "\"auth_token\":\"s3cr3t\"").await;
    refused(target, "\"auth_token\":\"wrong\"").await;
    refused(target, "").await;
    refused(target, &user_pass("s3cr3t", "s3cr3t")).await;
}

struct Users {
    hash: String,
    nkey: nkeys::KeyPair,
}

impl Users {
    fn new() -> Self {
        Users { hash: bcrypt::hash("bcrypt-pw", 4).expect("hash"), nkey: nkeys::KeyPair::new_user() }
    }

    fn conf(&self, no_auth_user: bool) -> String {
        let mut conf = format!(
            "authorization {{\n  users = [\n    {{user: alice, password: plain-pw}}\n    {{user: bob, password: \"{}\"}}\n    {{nkey: {}}}\n  ]\n}}\n",
            self.hash,
            self.nkey.public_key()
        );
        if no_auth_user {
            conf.push_str("no_auth_user: alice\n");
        }
        conf
    }
}

async fn users_matrix(target: &Target, users: &Users) {
    login(target, &user_pass("alice", "plain-pw")).await;
    login(target, &user_pass("bob", "bcrypt-pw")).await;
    refused(target, &user_pass("alice", "wrong")).await;
    refused(target, &user_pass("bob", "wrong")).await;
    refused(target, &user_pass("bob", &users.hash)).await;
    refused(target, &user_pass("carol", "plain-pw")).await;
    refused(target, "").await;

    // nkeys: each connection gets its own nonce, and only a signature over it counts.
    let mut c = target.client().await;
    let nonce = c.nonce();
    assert_eq!(nonce.len(), 15, "nonce in INFO: {}", c.info);
    assert_eq!(c.info["auth_required"], true);
    c.connect_with(&nkey_fields(&users.nkey, &nonce)).await;
    assert_eq!(c.sync().await, "");

    let other = target.client().await;
    assert_ne!(other.nonce(), nonce, "a fresh nonce per connection");
    let mut c = target.client().await;
    c.connect_with(&nkey_fields(&users.nkey, &other.nonce())).await;
    c.send("PING\r\n").await;
    assert_eq!(c.closed().await, VIOLATION, "signature over another connection's nonce");

    let mut c = target.client().await;
    let nonce = c.nonce();
    c.connect_with(&nkey_fields(&nkeys::KeyPair::new_user(), &nonce)).await;
    c.send("PING\r\n").await;
    assert_eq!(c.closed().await, VIOLATION, "unknown nkey");

    let mut c = target.client().await;
    c.connect_with(&format!("\"nkey\":\"{}\"", users.nkey.public_key())).await;
    c.send("PING\r\n").await;
    assert_eq!(c.closed().await, VIOLATION, "nkey without a signature");

    // Anything before CONNECT.
    let mut c = target.client().await;
    c.send("SUB foo 1\r\n").await;
    assert_eq!(c.closed().await, VIOLATION, "op before CONNECT");
}

async fn no_auth_user(target: &Target) {
    login(target, "").await;
    refused(target, &user_pass("alice", "wrong")).await;
    login(target, &user_pass("bob", "bcrypt-pw")).await;
}

async fn auth_timeout(target: &Target) {
    let mut c = target.client().await;
    assert_eq!(c.closed().await, "-ERR 'Authentication Timeout'\r\n");
}

#[tokio::test]
async fn token_logins() {
    token_matrix(&Target::switchyard(&token_conf()).await).await;
}

#[tokio::test]
async fn user_bcrypt_and_nkey_logins() {
    let users = Users::new();
    users_matrix(&Target::switchyard(&users.conf(false)).await, &users).await;
}

#[tokio::test]
async fn no_auth_user_logs_in_clients_without_credentials() {
    let users = Users::new();
    let target = Target::switchyard(&users.conf(true)).await;
    no_auth_user(&target).await;
    let anonymous = login(&target, "").await;
    let Target::Switchyard(running) = &target else { unreachable!() };
    let cid = anonymous.info["client_id"].as_u64().expect("client_id");
    let conn = running.server.registry.get(cid).expect("open connection");
    assert_eq!(conn.meta().user, "alice");
    assert_eq!(conn.meta().account, "$G");
}

#[tokio::test]
async fn silent_clients_time_out_with_the_authorization_timeout() {
    auth_timeout(&Target::switchyard("authorization { token: t, timeout: 0.3 }\n").await).await;
}

#[tokio::test]
async fn open_servers_send_no_nonce_and_need_no_credentials() {
    let target = Target::switchyard("").await;
    let c = target.client().await;
    assert!(c.info.get("auth_required").is_none_or(|v| v == false));
    assert!(c.info.get("nonce").is_none());
    login(&target, &user_pass("anyone", "anything")).await;
}

#[tokio::test]
#[ignore = "comparison run: needs Debian's nats-server on PATH"]
async fn logins_match_nats_server() {
    assert!(have_nats_server(), "nats-server is not installed");
    token_matrix(&Target::nats_server(&token_conf()).await).await;
    let users = Users::new();
    users_matrix(&Target::nats_server(&users.conf(false)).await, &users).await;
    no_auth_user(&Target::nats_server(&users.conf(true)).await).await;
    auth_timeout(&Target::nats_server("authorization { token: t, timeout: 0.3 }\n").await).await;
}
