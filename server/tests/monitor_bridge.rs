//! The HTTP bridge against real NATS clients: publish with headers, request/reply with headers back,
//! no responders, timeouts and refused input.

mod monitor_support;

use std::time::Duration;

use serde_json::json;

use monitor_support::*;

#[tokio::test]
async fn pub_delivers_body_and_prefixed_headers() {
    let ts = TestServer::start(test_config()).await;
    let mut sub = Nats::connect(ts.nats, "sub", "").await;
    sub.send("SUB hook.> 1\r\n").await;
    sub.flush().await;

    let r = http(
        ts.http,
        "POST",
        "/pub/hook.github",
        &[("Nats-Hdr-Trace-Id", "7"), ("Content-Type", "text/plain")],
        b"payload",
    )
    .await;
    assert_eq!((r.status, r.json()), (200, json!({"ok": true})));
    let (subject, reply, headers, payload) = sub.msg().await;
    assert_eq!((subject.as_str(), reply, payload.as_slice()), ("hook.github", None, &b"payload"[..]));
    assert_eq!(headers.as_deref(), Some("NATS/1.0\r\nTrace-Id: 7\r\n\r\n"));

    let r = http(ts.http, "POST", "/pub/hook.cron?reply=answers.here", &[], b"").await;
    assert_eq!(r.status, 200);
    let (subject, reply, headers, payload) = sub.msg().await;
    assert_eq!(
        (subject.as_str(), reply.as_deref(), headers, payload.len()),
        ("hook.cron", Some("answers.here"), None, 0)
    );

    let varz = ts.get_json("/varz").await;
    assert_eq!(varz["in_msgs"], 2, "bridge publishes count as inbound messages");
    ts.stop().await;
}

#[tokio::test]
async fn req_returns_the_reply_with_its_headers() {
    let ts = TestServer::start(test_config()).await;
    let mut svc = Nats::connect(ts.nats, "svc", "").await;
    svc.send("SUB svc.echo 1\r\n").await;
    svc.flush().await;
    let http_addr = ts.http;
    let call = tokio::spawn(async move {
        http(http_addr, "POST", "/req/svc.echo?timeout=2s", &[("Nats-Hdr-Caller", "curl")], b"ping").await
    });
    let (subject, reply, headers, payload) = svc.msg().await;
    assert_eq!((subject.as_str(), payload.as_slice()), ("svc.echo", &b"ping"[..]));
    assert_eq!(headers.as_deref(), Some("NATS/1.0\r\nCaller: curl\r\n\r\n"));
    let reply = reply.expect("a reply subject");
    assert!(reply.starts_with("_INBOX."), "{reply}");
    let hdr = "NATS/1.0\r\nContent-Type: application/json\r\nX-Served-By: svc\r\n\r\n";
    let body = r#"{"pong":true}"#;
    svc.send(&format!("HPUB {reply} {} {}\r\n{hdr}{body}\r\n", hdr.len(), hdr.len() + body.len())).await;
    svc.flush().await;
    let r = call.await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), body);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("nats-hdr-x-served-by"), Some("svc"));
    ts.stop().await;
}

#[tokio::test]
async fn req_without_responders_is_503_and_without_reply_504() {
    let ts = TestServer::start(test_config()).await;
    let r = http(ts.http, "POST", "/req/nobody.home", &[], b"?").await;
    assert_eq!((r.status, r.json()), (503, json!({"error": "no responders"})));

    let mut mute = Nats::connect(ts.nats, "mute", "").await;
    mute.send("SUB slow 1\r\n").await;
    mute.flush().await;
    let start = std::time::Instant::now();
    let r = http(ts.http, "POST", "/req/slow?timeout=200ms", &[], b"?").await;
    assert_eq!((r.status, r.json()), (504, json!({"error": "timeout"})));
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert!(start.elapsed() < Duration::from_secs(3));
    let _ = mute.msg().await;
    ts.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused() {
    let mut config = test_config();
    config.max_payload = 1024;
    let ts = TestServer::start(config).await;
    for path in ["/pub/bad..subject", "/pub/wild.*", "/pub/x?reply=a.>", "/req/x?timeout=soon", "/req/x?timeout=-1s"] {
        let r = http(ts.http, "POST", path, &[], b"").await;
        assert_eq!(r.status, 400, "{path}: {}", r.text());
    }
    let big = vec![b'x'; 4096];
    assert_eq!(http(ts.http, "POST", "/pub/big", &[], &big).await.status, 413);
    assert_eq!(http(ts.http, "GET", "/pub/x", &[], b"").await.status, 405, "the bridge takes POST only");
    ts.stop().await;
}
