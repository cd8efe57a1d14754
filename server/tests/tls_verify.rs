//! Client certificates on the client port: `verify` (a certificate signed by `ca_file` is required)
//! and `verify_and_map` (the certificate names the user, whose permissions then apply).

mod tls_support;

use std::path::Path;

use rcgen::DnType;
use tokio::net::TcpStream;

use switchyard::config::{Config, TlsConfig};
use tls_support::*;

const USERS: &str = r#"
authorization {
  users = [
    { user: "alice@example.com", permissions: { publish: "alice.>", subscribe: "alice.>" } }
    { user: "CN=bob,O=Acme" }
    { user: "carol", password: "s3cret" }
  ]
}
"#;

fn verify(mut tls: TlsConfig, map: bool) -> TlsConfig {
    tls.verify = true;
    tls.verify_and_map = map;
    tls
}

/// A server with the users above and `tls`.
fn config_with_users(tls: TlsConfig) -> Config {
    let (parsed, _) = switchyard::config::parse_str(USERS, Path::new("users.conf")).expect("config");
    Config { authorization: parsed.authorization, ..config(tls) }
}

fn alice(pki: &Pki) -> Issued {
    pki.client("alice", client_params(&[(DnType::CommonName, "Alice")], vec![email("alice@example.com")]))
}

fn bob(pki: &Pki) -> Issued {
    pki.client("bob", client_params(&[(DnType::OrganizationName, "Acme"), (DnType::CommonName, "bob")], vec![]))
}

/// Opens a TLS connection presenting `cert` and sends CONNECT `connect` + PING; returns the stream and
/// the first answer line.
async fn login(
    running: &switchyard::Running,
    pki: &Pki,
    cert: Option<&Issued>,
    connect: &str,
) -> (tokio_rustls::client::TlsStream<TcpStream>, String) {
    let mut tls =
        tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, cert, &tls13())).await.expect("handshake");
    let answer = connect_ping(&mut tls, connect).await;
    (tls, answer)
}

fn open_user(running: &switchyard::Running) -> String {
    let open = running.server.registry.open();
    assert_eq!(open.len(), 1, "one open connection");
    open[0].meta().user
}

#[tokio::test]
async fn info_announces_tls_verify() {
    let pki = Pki::new();
    let running = start(config(verify(pki.tls(&pki.server), false))).await;
    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    let info = info_json(&read_line(&mut stream).await);
    assert_eq!(info["tls_required"], true);
    assert_eq!(info["tls_verify"], true);
}

#[tokio::test]
async fn verify_accepts_only_certificates_signed_by_the_ca() {
    let pki = Pki::new();
    let running = start(config(verify(pki.tls(&pki.server), false))).await;
    let good = pki.client("good", client_params(&[(DnType::CommonName, "good")], vec![]));
    let client = nats_options(&pki)
        .add_client_certificate(good.cert.clone(), good.key.clone())
        .connect(url(&running))
        .await
        .expect("certificate from the CA");
    client.flush().await.expect("flush");
    drop(client);

    nats_options(&pki).connect(url(&running)).await.expect_err("no client certificate");

    let stranger = pki.wrong_ca.issue(pki.dir.path(), "stranger", client_params(&[(DnType::CommonName, "x")], vec![]));
    nats_options(&pki)
        .add_client_certificate(stranger.cert.clone(), stranger.key.clone())
        .connect(url(&running))
        .await
        .expect_err("certificate from another CA");

    let mut params = client_params(&[(DnType::CommonName, "old")], vec![]);
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let expired = pki.client("expired", params);
    nats_options(&pki)
        .add_client_certificate(expired.cert.clone(), expired.key.clone())
        .connect(url(&running))
        .await
        .expect_err("expired certificate");
}

#[tokio::test]
async fn verify_without_map_still_authenticates_by_password() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), false))).await;
    let cert = alice(&pki);
    let (_tls, answer) =
        login(&running, &pki, Some(&cert), r#"{"verbose":false,"user":"carol","pass":"s3cret"}"#).await;
    assert_eq!(answer, "PONG\r\n");
    assert_eq!(open_user(&running), "carol");
}

#[tokio::test]
async fn verify_and_map_logs_in_as_the_email_user_with_its_permissions() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), true))).await;
    let cert = alice(&pki);
    let (mut tls, answer) = login(&running, &pki, Some(&cert), VERBOSE_OFF).await;
    assert_eq!(answer, "PONG\r\n");
    assert_eq!(open_user(&running), "alice@example.com");

    use tokio::io::AsyncWriteExt;
    tls.write_all(b"PUB bob.x 2\r\nhi\r\nPING\r\n").await.expect("write");
    assert_eq!(read_line(&mut tls).await, "-ERR 'Permissions Violation for Publish to \"bob.x\"'\r\n");
    assert_eq!(read_line(&mut tls).await, "PONG\r\n");
    tls.write_all(b"SUB alice.in 1\r\nPUB alice.in 2\r\nok\r\n").await.expect("write");
    assert_eq!(read_line(&mut tls).await, "MSG alice.in 1 2\r\n");
}

#[tokio::test]
async fn verify_and_map_matches_the_subject_dn() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), true))).await;
    let cert = bob(&pki);
    let (_tls, answer) = login(&running, &pki, Some(&cert), VERBOSE_OFF).await;
    assert_eq!(answer, "PONG\r\n");
    assert_eq!(open_user(&running), "CN=bob,O=Acme");
}

#[tokio::test]
async fn verify_and_map_refuses_a_certificate_that_names_no_user() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), true))).await;
    let cert = pki.client("mallory", client_params(&[(DnType::CommonName, "mallory")], vec![]));
    let (_tls, answer) = login(&running, &pki, Some(&cert), VERBOSE_OFF).await;
    assert_eq!(answer, "-ERR 'Authorization Violation'\r\n");
}

#[tokio::test]
async fn verify_and_map_replaces_the_user_named_in_connect() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), true))).await;
    let cert = alice(&pki);
    let (_tls, answer) = login(&running, &pki, Some(&cert), r#"{"verbose":false,"user":"carol"}"#).await;
    assert_eq!(answer, "PONG\r\n");
    assert_eq!(open_user(&running), "alice@example.com");
}

#[tokio::test]
async fn verify_and_map_works_with_async_nats() {
    let pki = Pki::new();
    let running = start(config_with_users(verify(pki.tls(&pki.server), true))).await;
    let cert = bob(&pki);
    let client = nats_options(&pki)
        .add_client_certificate(cert.cert.clone(), cert.key.clone())
        .connect(url(&running))
        .await
        .expect("mapped login");
    client.flush().await.expect("flush");
    assert_eq!(open_user(&running), "CN=bob,O=Acme");
}
