//! Monitoring over HTTPS (`https_port` with the top-level `tls` block).

mod tls_support;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use rcgen::DnType;
use switchyard::config::TlsConfig;
use switchyard::Running;
use tls_support::*;

async fn start_https(tls: TlsConfig) -> Running {
    let mut config = config(tls);
    config.https_port = Some(0);
    start(config).await
}

fn https_addr(running: &Running) -> std::net::SocketAddr {
    running.server.monitoring.https_addr().expect("https listener bound")
}

/// Sends `GET path` and returns the whole response (the server closes after it).
async fn get<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    String::from_utf8(read_to_close(stream, WAIT).await).expect("utf8")
}

#[tokio::test]
async fn varz_is_served_over_https() {
    let pki = Pki::new();
    let running = start_https(pki.tls(&pki.server)).await;
    let stream = TcpStream::connect(https_addr(&running)).await.expect("connect");
    let mut tls = handshake(stream, client_config(&pki.ca.pem_path, None, &tls13())).await.expect("handshake");
    let response = get(&mut tls, "/varz").await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let body = &response[response.find("\r\n\r\n").expect("head end") + 4..];
    let varz: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(varz["server_id"], running.server.server_id.as_str());
    assert_eq!(varz["tls_required"], true);
}

#[tokio::test]
async fn plain_http_on_the_https_port_gets_no_answer() {
    let pki = Pki::new();
    let running = start_https(pki.tls(&pki.server)).await;
    let mut stream = TcpStream::connect(https_addr(&running)).await.expect("connect");
    let response = get(&mut stream, "/varz").await;
    assert!(response.is_empty(), "{response}");
}

#[tokio::test]
async fn https_with_verify_requires_a_client_certificate() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.verify = true;
    let running = start_https(tls).await;

    let cert = pki.client("monitor", client_params(&[(DnType::CommonName, "monitor")], vec![]));
    let stream = TcpStream::connect(https_addr(&running)).await.expect("connect");
    let mut ok = handshake(stream, client_config(&pki.ca.pem_path, Some(&cert), &tls13())).await.expect("handshake");
    assert!(get(&mut ok, "/healthz").await.starts_with("HTTP/1.1 200"));

    // TLS 1.3 clients learn of the refusal on their first read, after the handshake.
    let stream = TcpStream::connect(https_addr(&running)).await.expect("connect");
    match handshake(stream, client_config(&pki.ca.pem_path, None, &tls13())).await {
        Err(_) => {}
        Ok(mut refused) => assert_eq!(get(&mut refused, "/healthz").await, "", "no answer without a certificate"),
    }
}
