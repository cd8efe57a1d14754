//! TLS on the NATS client port: the plain INFO before the handshake, official-client interop
//! (async-nats), server certificates clients must refuse, plain-text clients, the handshake timeout,
//! `handshake_first` and `min_version`.

mod tls_support;

use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use switchyard::config::TlsVersion;
use switchyard::core::CloseReason;
use tls_support::*;

#[tokio::test]
async fn info_is_sent_in_plain_text_and_requires_tls() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    let info = info_json(&read_line(&mut stream).await);
    assert_eq!(info["tls_required"], true);
    assert!(info.get("tls_verify").is_none(), "no client certificates asked for: {info}");
}

#[tokio::test]
async fn async_nats_connects_with_the_ca_and_exchanges_messages() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let client = nats_options(&pki).connect(url(&running)).await.expect("tls connect");
    let mut sub = client.subscribe("tls.greeting").await.expect("subscribe");
    client.publish("tls.greeting", "hello".into()).await.expect("publish");
    let msg = tokio::time::timeout(WAIT, sub.next()).await.expect("in time").expect("message");
    assert_eq!(&msg.payload[..], b"hello");
    let (version, cipher) = recorded_tls(&running);
    assert_eq!(version, "1.3");
    assert_eq!(cipher, "TLS_AES_128_GCM_SHA256", "Go's first choice, as nats-server reports it");
}

#[tokio::test]
async fn clients_refuse_an_expired_server_certificate() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server_expired))).await;
    let err = nats_options(&pki).connect(url(&running)).await.expect_err("expired certificate refused");
    let failed = tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls13())).await;
    let text = failed.expect_err("rustls refuses too").to_string();
    assert!(text.to_lowercase().contains("expired"), "{text} / {err}");
}

#[tokio::test]
async fn clients_refuse_a_server_certificate_from_an_unknown_ca() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server_wrong_ca))).await;
    nats_options(&pki).connect(url(&running)).await.expect_err("unknown issuer refused");
    let failed = tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls13())).await;
    let text = failed.expect_err("rustls refuses too").to_string();
    assert!(text.contains("UnknownIssuer"), "{text}");
}

#[tokio::test]
async fn plain_text_connect_on_a_tls_port_is_closed_without_a_reply() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    read_line(&mut stream).await;
    stream.write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n").await.expect("write");
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(WAIT, stream.read(&mut buf)).await.expect("closed in time");
    assert_eq!(read.expect("a clean close, not a reset"), 0, "no reply expected");
    wait_closed(&running, CloseReason::TlsHandshakeError).await;
}

#[tokio::test]
async fn a_silent_client_is_closed_when_the_handshake_timeout_expires() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.timeout = Duration::from_millis(300);
    let running = start(config(tls)).await;
    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    read_line(&mut stream).await;
    let started = tokio::time::Instant::now();
    read_to_close(&mut stream, WAIT).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(2), "closed after {waited:?}");
    wait_closed(&running, CloseReason::TlsHandshakeError).await;
}

#[tokio::test]
async fn raw_tls_client_gets_pong_after_connect() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let mut tls =
        tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls13())).await.expect("handshake");
    assert_eq!(connect_ping(&mut tls, VERBOSE_OFF).await, "PONG\r\n");
}

#[tokio::test]
async fn a_client_hanging_up_without_close_notify_is_client_closed() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let mut tls =
        tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls13())).await.expect("handshake");
    assert_eq!(connect_ping(&mut tls, VERBOSE_OFF).await, "PONG\r\n");
    let (tcp, _) = tls.into_inner();
    drop(tcp);
    wait_closed(&running, CloseReason::ClientClosed).await;
}

#[tokio::test]
async fn handshake_first_sends_info_over_tls_after_the_handshake() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.handshake_first = true;
    let running = start(config(tls)).await;

    let client = nats_options(&pki).tls_first().connect(url(&running)).await.expect("tls-first connect");
    client.flush().await.expect("flush");
    drop(client);

    let stream = TcpStream::connect(running.client_addr).await.expect("connect");
    let mut tls = handshake(stream, client_config(&pki.ca.pem_path, None, &tls13())).await.expect("handshake");
    let info = info_json(&read_line(&mut tls).await);
    assert_eq!(info["tls_required"], true);
    assert_eq!(connect_ping(&mut tls, VERBOSE_OFF).await, "PONG\r\n");
}

#[tokio::test]
async fn handshake_first_sends_nothing_to_a_client_waiting_for_info() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.handshake_first = true;
    tls.timeout = Duration::from_millis(300);
    let running = start(config(tls)).await;
    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    let sent = read_to_close(&mut stream, WAIT).await;
    assert!(sent.is_empty(), "nothing before the handshake, got {:?}", String::from_utf8_lossy(&sent));
}

#[tokio::test]
async fn handshake_first_auto_falls_back_to_info_for_a_silent_client() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.handshake_first = true;
    tls.handshake_first_fallback = Some(Duration::from_millis(50));
    let running = start(config(tls)).await;

    let mut stream = TcpStream::connect(running.client_addr).await.expect("connect");
    let info = info_json(&read_line(&mut stream).await);
    assert_eq!(info["tls_required"], true);
    let mut tls = handshake(stream, client_config(&pki.ca.pem_path, None, &tls13())).await.expect("handshake");
    assert_eq!(connect_ping(&mut tls, VERBOSE_OFF).await, "PONG\r\n");
    drop(tls);

    let client = nats_options(&pki).tls_first().connect(url(&running)).await.expect("tls-first still works");
    client.flush().await.expect("flush");
}

#[tokio::test]
async fn min_version_1_3_refuses_a_tls_1_2_client() {
    let pki = Pki::new();
    let running = start(config(min_version(pki.tls(&pki.server), TlsVersion::Tls13))).await;
    let refused = tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls12())).await;
    assert!(refused.is_err(), "TLS 1.2 must be refused");
    let mut ok = tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls13()))
        .await
        .expect("TLS 1.3 accepted");
    assert_eq!(connect_ping(&mut ok, VERBOSE_OFF).await, "PONG\r\n");
}

#[tokio::test]
async fn tls_1_2_is_accepted_by_default_and_recorded() {
    let pki = Pki::new();
    let running = start(config(pki.tls(&pki.server))).await;
    let mut tls = tls_after_info(running.client_addr, client_config(&pki.ca.pem_path, None, &tls12()))
        .await
        .expect("TLS 1.2 accepted");
    assert_eq!(connect_ping(&mut tls, VERBOSE_OFF).await, "PONG\r\n");
    let (version, cipher) = recorded_tls(&running);
    assert_eq!(version, "1.2");
    assert!(cipher.starts_with("TLS_ECDHE_"), "{cipher}");
}

#[tokio::test]
async fn a_missing_certificate_file_stops_the_server_from_starting() {
    let pki = Pki::new();
    let mut tls = pki.tls(&pki.server);
    tls.cert_file = pki.dir.path().join("absent.pem");
    let err = switchyard::Server::start(config(tls)).await.err().expect("start fails");
    assert!(err.to_string().contains("absent.pem"), "{err}");
}

/// Waits until the closed ring holds a connection closed for `reason`.
async fn wait_closed(running: &switchyard::Running, reason: CloseReason) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !running.server.registry.closed().iter().any(|c| c.reason == reason) {
        assert!(tokio::time::Instant::now() < deadline, "no connection closed for {reason}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
