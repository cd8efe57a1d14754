//! The WebSocket upgrade as clients and proxies meet it: origin checks, path prefix, MQTT paths,
//! `X-Forwarded-For` from trusted proxies, cookies as credentials, the TLS requirement, timeouts.

mod ws_support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Error;

use switchyard::config::Config;
use switchyard::{Frontends, Server, StartError};
use ws_support::*;

fn status_of(result: Result<Ws, Error>) -> u16 {
    match result {
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => 101,
    }
}

async fn upgrade_status(running: &switchyard::Running, path: &str, headers: &[(&'static str, &str)]) -> u16 {
    let mut req = request(running, path);
    for (name, value) in headers {
        req.headers_mut().insert(*name, HeaderValue::from_str(value).unwrap());
    }
    status_of(connect_request(running, req).await)
}

#[tokio::test]
async fn allowed_origins_are_enforced_when_an_origin_is_sent() {
    let running = start(|s| s.allowed_origins = vec!["https://app.example".into()]).await;
    assert_eq!(upgrade_status(&running, "/", &[("Origin", "https://app.example")]).await, 101);
    assert_eq!(upgrade_status(&running, "/", &[("Origin", "https://evil.example")]).await, 403);
    assert_eq!(upgrade_status(&running, "/", &[("Origin", "http://app.example")]).await, 403);
    assert_eq!(upgrade_status(&running, "/", &[]).await, 101, "no Origin: not a browser, accepted");
}

#[tokio::test]
async fn same_origin_compares_with_the_host() {
    let running = start(|s| s.same_origin = true).await;
    let own = format!("http://{}", ws_addr(&running));
    assert_eq!(upgrade_status(&running, "/", &[("Origin", &own)]).await, 101);
    assert_eq!(upgrade_status(&running, "/", &[("Origin", "http://elsewhere:1234")]).await, 403);
}

#[tokio::test]
async fn path_prefix_restricts_upgrades() {
    let running = start(|s| s.path_prefix = Some("/nats".into())).await;
    assert_eq!(upgrade_status(&running, "/nats", &[]).await, 101);
    assert_eq!(upgrade_status(&running, "/nats/anything?x=1", &[]).await, 101);
    assert_eq!(upgrade_status(&running, "/", &[]).await, 404);
    assert_eq!(upgrade_status(&running, "/natsx", &[]).await, 404);
    let open = start(|_| {}).await;
    assert_eq!(upgrade_status(&open, "/any/path/at/all", &[]).await, 101);
}

#[tokio::test]
async fn mqtt_paths_are_refused_without_an_mqtt_front_end() {
    let running = start(|s| s.path_prefix = Some("/gw".into())).await;
    assert_eq!(upgrade_status(&running, "/gw/mqtt", &[]).await, 404);
    assert_eq!(running.server.registry.num_open(), 0);
}

async fn client_ip(running: &switchyard::Running, xff: &str) -> (String, std::net::IpAddr) {
    let mut req = request(running, "/");
    req.headers_mut().insert("X-Forwarded-For", HeaderValue::from_str(xff).unwrap());
    let mut ws = connect_request(running, req).await.unwrap();
    let info = ws_read_until(&mut ws, "\r\n").await;
    let info: serde_json::Value = serde_json::from_str(&info[5..info.len() - 2]).unwrap();
    let conn = running.server.registry.open().pop().expect("registered");
    (info["client_ip"].as_str().unwrap().to_string(), conn.addr.ip())
}

#[tokio::test]
async fn forwarded_for_sets_the_address_only_behind_a_trusted_proxy() {
    let trusted = start(|s| s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]).await;
    let (info_ip, addr) = client_ip(&trusted, "203.0.113.9, 10.0.0.1").await;
    assert_eq!(info_ip, "203.0.113.9");
    assert_eq!(addr.to_string(), "203.0.113.9");

    let untrusted = start(|s| s.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()]).await;
    let (info_ip, addr) = client_ip(&untrusted, "203.0.113.9").await;
    assert_eq!(info_ip, "127.0.0.1");
    assert_eq!(addr.to_string(), "127.0.0.1");
}

fn auth_config() -> Config {
    let user = |name: &str, pass: &str| switchyard::config::User {
        user: Some(name.into()),
        password: Some(pass.into()),
        ..Default::default()
    };
    let mut config = ws_support::config();
    config.authorization.users = vec![user("alice", "s3cret"), user("guest", "unused")];
    config
}

#[tokio::test]
async fn cookies_supply_missing_credentials() {
    let running = start_with(auth_config(), |s| {
        s.user_cookie = Some("nats_user".into());
        s.pass_cookie = Some("nats_pass".into());
    })
    .await;
    let mut req = request(&running, "/");
    req.headers_mut().insert("Cookie", HeaderValue::from_static("theme=dark; nats_user=alice; nats_pass=s3cret"));
    let mut ws = connect_request(&running, req).await.unwrap();
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    assert_eq!(ws_read_until(&mut ws, "\r\n").await, "PONG\r\n");
    assert_eq!(running.server.registry.open()[0].meta().user, "alice");

    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    assert_eq!(ws_read_until(&mut ws, "\r\n").await, "-ERR 'Authorization Violation'\r\n");
}

#[tokio::test]
async fn no_auth_user_admits_clients_without_credentials() {
    let running = start_with(auth_config(), |s| s.no_auth_user = Some("guest".into())).await;
    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    assert_eq!(ws_read_until(&mut ws, "\r\n").await, "PONG\r\n");
    assert_eq!(running.server.registry.open()[0].meta().user, "guest");

    let mut wrong = connect(&running).await;
    ws_read_until(&mut wrong, "INFO ").await;
    ws_send(&mut wrong, "CONNECT {\"user\":\"alice\",\"pass\":\"nope\"}\r\nPING\r\n").await;
    assert_eq!(ws_read_until(&mut wrong, "\r\n").await, "-ERR 'Authorization Violation'\r\n");
}

#[tokio::test]
async fn a_listener_without_no_tls_refuses_to_start() {
    let ws = switchyard::frontend::ws::WsSettings { no_tls: false, ..ws_settings() };
    let result =
        Server::start_with(ws_support::config(), Frontends { websocket: Some(ws), ..Frontends::default() }).await;
    assert!(matches!(result, Err(StartError::Config(_))), "TLS is required unless no_tls");
}

#[tokio::test]
async fn silent_clients_are_dropped_after_the_handshake_timeout() {
    let running = start(|s| s.handshake_timeout = Duration::from_millis(200)).await;
    let mut stream = TcpStream::connect(ws_addr(&running)).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("closed in time").unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
}

#[tokio::test]
async fn plain_http_requests_get_an_http_error() {
    let running = start(|_| {}).await;
    let mut stream = TcpStream::connect(ws_addr(&running)).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(WAIT, stream.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{answer}");
}
