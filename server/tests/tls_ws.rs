//! WebSocket over TLS (`wss`): the handshake before the upgrade, INFO that tells browser clients the
//! listener is secure, `verify_and_map` on the WebSocket listener, and certificate identities that may
//! not log in by name on a listener that does not map certificates.

mod tls_support;

use std::path::Path;

use futures_util::{SinkExt, StreamExt};
use rcgen::DnType;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use switchyard::config::{Config, TlsConfig};
use switchyard::frontend::ws::WsSettings;
use switchyard::{Frontends, Running, Server};
use tls_support::*;

type Wss = WebSocketStream<TlsStream<TcpStream>>;

fn ws_settings(tls: Option<TlsConfig>) -> WsSettings {
    WsSettings { host: "127.0.0.1".into(), port: 0, no_tls: tls.is_none(), tls, ..WsSettings::default() }
}

/// A server whose client port uses `client_tls` (if any) and whose WebSocket listener uses `ws_tls`.
async fn start_ws(mut config: Config, client_tls: Option<TlsConfig>, ws_tls: Option<TlsConfig>) -> Running {
    config.tls = client_tls;
    Server::start_with(config, Frontends { websocket: Some(ws_settings(ws_tls)), ..Frontends::default() })
        .await
        .expect("server starts")
}

fn users_config() -> Config {
    let text = r#"authorization { users = [ { user: "CN=bob,O=Acme" }, { user: carol, password: s3cret } ] }"#;
    let (parsed, _) = switchyard::config::parse_str(text, Path::new("users.conf")).expect("config");
    Config { authorization: parsed.authorization, ..base_config() }
}

async fn wss_connect(running: &Running, pki: &Pki, cert: Option<&Issued>) -> Wss {
    let addr = running.ws_addr.expect("ws listener");
    let stream = TcpStream::connect(addr).await.expect("connect");
    let tls = handshake(stream, client_config(&pki.ca.pem_path, cert, &tls13())).await.expect("tls handshake");
    let url = format!("wss://localhost:{}/", addr.port());
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::client_async(url, tls))
        .await
        .expect("upgrade in time")
        .expect("upgrade");
    ws
}

/// Text of the next data message.
async fn next_text<S>(ws: &mut WebSocketStream<S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match tokio::time::timeout(WAIT, ws.next()).await.expect("message in time").expect("open").expect("ok") {
            Message::Binary(b) => return String::from_utf8(b.to_vec()).expect("utf8"),
            Message::Text(t) => return t.to_string(),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => continue,
        }
    }
}

async fn send<S>(ws: &mut WebSocketStream<S>, text: &str)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    ws.send(Message::binary(text.as_bytes().to_vec())).await.expect("send");
}

#[tokio::test]
async fn wss_serves_nats_after_the_tls_handshake() {
    let pki = Pki::new();
    let running = start_ws(base_config(), None, Some(pki.tls(&pki.server))).await;
    let mut ws = wss_connect(&running, &pki, None).await;
    let info = info_json(&next_text(&mut ws).await);
    assert_eq!(info["tls_required"], true);
    assert_eq!(info["tls_available"], true);
    send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    assert_eq!(next_text(&mut ws).await, "PONG\r\n");
    let (version, cipher) = recorded_tls(&running);
    assert_eq!(version, "1.3");
    assert!(cipher.starts_with("TLS_"), "{cipher}");
}

#[tokio::test]
async fn plain_ws_upgrade_on_a_wss_port_is_closed_without_an_answer() {
    let pki = Pki::new();
    let running = start_ws(base_config(), None, Some(pki.tls(&pki.server))).await;
    let addr = running.ws_addr.expect("ws listener");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    use tokio::io::AsyncWriteExt;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let answer = read_to_close(&mut stream, WAIT).await;
    assert!(answer.is_empty(), "got {:?}", String::from_utf8_lossy(&answer));
}

#[tokio::test]
async fn plain_ws_info_does_not_claim_tls_even_when_the_client_port_has_it() {
    let pki = Pki::new();
    let running = start_ws(base_config(), Some(pki.tls(&pki.server)), None).await;
    let url = format!("ws://{}/", running.ws_addr.expect("ws"));
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("ws upgrade");
    let info = info_json(&next_text(&mut ws).await);
    assert!(info.get("tls_required").is_none(), "{info}");
}

#[tokio::test]
async fn wss_verify_and_map_names_the_user() {
    let pki = Pki::new();
    let mut ws_tls = pki.tls(&pki.server);
    ws_tls.verify = true;
    ws_tls.verify_and_map = true;
    let running = start_ws(users_config(), None, Some(ws_tls)).await;
    let bob =
        pki.client("bob", client_params(&[(DnType::OrganizationName, "Acme"), (DnType::CommonName, "bob")], vec![]));
    let mut ws = wss_connect(&running, &pki, Some(&bob)).await;
    next_text(&mut ws).await;
    send(&mut ws, "CONNECT {\"verbose\":false}\r\nPING\r\n").await;
    assert_eq!(next_text(&mut ws).await, "PONG\r\n");
    let open = running.server.registry.open();
    assert_eq!(open[0].meta().user, "CN=bob,O=Acme");
}

#[tokio::test]
async fn a_certificate_identity_cannot_log_in_by_name_on_a_listener_that_does_not_map() {
    let pki = Pki::new();
    let mut client_tls = pki.tls(&pki.server);
    client_tls.verify = true;
    client_tls.verify_and_map = true;
    let running = start_ws(users_config(), Some(client_tls), None).await;
    let url = format!("ws://{}/", running.ws_addr.expect("ws"));

    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("ws upgrade");
    next_text(&mut ws).await;
    send(&mut ws, "CONNECT {\"verbose\":false,\"user\":\"CN=bob,O=Acme\"}\r\nPING\r\n").await;
    assert_eq!(next_text(&mut ws).await, "-ERR 'Authorization Violation'\r\n");

    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.expect("ws upgrade");
    next_text(&mut ws).await;
    send(&mut ws, "CONNECT {\"verbose\":false,\"user\":\"carol\",\"pass\":\"s3cret\"}\r\nPING\r\n").await;
    assert_eq!(next_text(&mut ws).await, "PONG\r\n", "password users are not affected");
}
