//! The Rust API in headless Chromium (wasm-bindgen-test): connect failures always; when built with
//! `SWITCHYARD_TEST_WS_URL=ws://127.0.0.1:<port>` pointing at a server with a WebSocket listener and
//! JetStream, live pub/sub with headers, request/reply, queue groups, auto-unsubscribe, drain, and
//! the JetStream and key-value helpers.
#![cfg(target_arch = "wasm32")]

use switchyard_shared::headers::HeaderMap;
use switchyard_web::core::{ClientError, Options, State};
use switchyard_web::wasm::{Client, ClientEvent};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn options(url: &str) -> Options {
    Options { servers: vec![url.into()], connect_timeout_ms: 3_000, ..Options::default() }
}

#[wasm_bindgen_test]
async fn connect_to_a_closed_port_fails() {
    let err = Client::connect(options("ws://127.0.0.1:9")).await.unwrap_err();
    assert!(matches!(err, ClientError::ConnectFailed(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn connect_with_a_bad_scheme_fails_without_a_socket() {
    let err = Client::connect(options("ftp://127.0.0.1:9")).await.unwrap_err();
    assert!(matches!(err, ClientError::ConnectFailed(_)), "{err:?}");
}

#[wasm_bindgen_test]
async fn pub_sub_request_and_drain_against_a_live_server() {
    let Some(url) = option_env!("SWITCHYARD_TEST_WS_URL") else { return };
    let events = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = events.clone();
    let client = Client::connect(options(url)).await.expect("connect");
    client.on_event(move |e| seen.borrow_mut().push(e.clone()));
    assert_eq!(client.state(), State::Connected);
    assert!(client.server_info().is_some_and(|i| i.headers));

    let sub = client.subscribe("wasm.test", None).unwrap();
    let mut h = HeaderMap::new();
    h.insert("X-Test", "1");
    client.publish_with("wasm.test", None, Some(&h), b"hello").unwrap();
    let m = sub.next().await.expect("a message");
    assert_eq!(&m.payload[..], b"hello");
    assert_eq!(m.headers.unwrap().get("X-Test"), Some("1"));

    let responder = client.clone();
    let _svc = client
        .subscribe_with_callback("wasm.svc", None, move |m| {
            let reply = m.reply.clone().unwrap();
            responder.publish(&reply, &[m.payload.as_ref(), b"!"].concat()).unwrap();
        })
        .unwrap();
    let answer = client.request("wasm.svc", b"hi", 2_000).await.unwrap();
    assert_eq!(&answer.payload[..], b"hi!");
    assert_eq!(client.request("wasm.nobody", b"", 2_000).await.unwrap_err(), ClientError::NoResponders);

    client.flush().await.unwrap();
    client.drain().await.unwrap();
    assert_eq!(client.state(), State::Closed);
    assert!(sub.next().await.is_none());
    assert_eq!(events.borrow().last(), Some(&ClientEvent::Closed { error: None }));
}

#[wasm_bindgen_test]
async fn publishes_made_right_before_close_still_reach_the_server() {
    let Some(url) = option_env!("SWITCHYARD_TEST_WS_URL") else { return };
    let reader = Client::connect(options(url)).await.expect("connect the reader");
    let sub = reader.subscribe("wasm.close", None).unwrap();
    reader.flush().await.unwrap();

    let writer = Client::connect(options(url)).await.expect("connect the writer");
    for i in 0..3u8 {
        writer.publish("wasm.close", &[b'0' + i]).unwrap();
    }
    writer.close();
    for i in 0..3u8 {
        let m = sub.next().await.expect("a message");
        assert_eq!(&m.payload[..], &[b'0' + i]);
    }
    reader.close();
}

#[wasm_bindgen_test]
async fn queue_groups_share_messages_and_max_unsubscribes() {
    let Some(url) = option_env!("SWITCHYARD_TEST_WS_URL") else { return };
    let client = Client::connect(options(url)).await.expect("connect");
    let a = client.subscribe("wasm.q", Some("workers")).unwrap();
    let b = client.subscribe("wasm.q", Some("workers")).unwrap();
    let limited = client.subscribe("wasm.q", None).unwrap();
    limited.unsubscribe_after(2);
    client.flush().await.unwrap();
    for i in 0..20u8 {
        client.publish("wasm.q", &[i]).unwrap();
    }
    client.flush().await.unwrap();
    // Each message reaches exactly one member of the group.
    let (mut got_a, mut got_b) = (0, 0);
    while got_a + got_b < 20 {
        if a.pending().0 > 0 {
            a.next().await.expect("a message");
            got_a += 1;
        } else if b.pending().0 > 0 {
            b.next().await.expect("a message");
            got_b += 1;
        } else {
            client.flush().await.unwrap();
        }
    }
    client.flush().await.unwrap();
    assert_eq!(a.pending().0 + b.pending().0, 0, "no message went to both members");
    // The limited subscription ends after its second message.
    assert_eq!(&limited.next().await.expect("first").payload[..], &[0]);
    assert_eq!(&limited.next().await.expect("second").payload[..], &[1]);
    assert!(limited.next().await.is_none());
    client.close();
}

#[wasm_bindgen_test]
async fn jetstream_publish_fetch_ack_and_kv() {
    use serde_json::json;
    use switchyard_web::jetstream::{KvOperation, WatchFrom};
    use switchyard_web::wasm::{AckKind, FetchOptions};

    let Some(url) = option_env!("SWITCHYARD_TEST_WS_URL") else { return };
    let client = Client::connect(options(url)).await.expect("connect");
    if !client.server_info().is_some_and(|i| i.jetstream) {
        panic!("the test server must have JetStream enabled");
    }

    // A stream, publishes with PubAcks, and a pull consumer acknowledged message by message.
    let stream = format!("WASM{}", js_sys::Date::now() as u64);
    client
        .stream_create(&json!({ "name": stream, "subjects": [format!("{stream}.>")], "storage": "memory" }))
        .await
        .expect("stream created");
    for i in 1..=3u64 {
        let ack = client.js_publish(&format!("{stream}.a"), None, &[b'0' + i as u8], 2_000).await.expect("acked");
        assert_eq!((ack.stream.as_str(), ack.seq), (stream.as_str(), i));
    }
    let info = client.stream_info(&stream).await.expect("stream info");
    assert_eq!(info["state"]["messages"], 3);
    assert!(client.stream_list(None).await.unwrap().iter().any(|s| s["config"]["name"] == stream.as_str()));
    client
        .consumer_create(&stream, &json!({ "durable_name": "puller", "ack_policy": "explicit" }))
        .await
        .expect("consumer created");
    let msgs =
        client.fetch(&stream, "puller", FetchOptions { batch: 3, expires_ms: 2_000, no_wait: false }).await.unwrap();
    assert_eq!(msgs.iter().map(|m| m.payload[0]).collect::<Vec<_>>(), b"123");
    for m in &msgs[..2] {
        client.ack(m, AckKind::Ack).unwrap();
    }
    client.ack_sync(&msgs[2]).await.unwrap();
    let consumer: serde_json::Value =
        client.js_api(&format!("$JS.API.CONSUMER.INFO.{stream}.puller"), b"").await.expect("consumer info");
    assert_eq!(consumer["ack_floor"]["stream_seq"], 3);
    assert_eq!(consumer["num_ack_pending"], 0);

    // Key-value: put, get, watch live, delete.
    let bucket = format!("wasm{}", js_sys::Date::now() as u64);
    client.kv_create(&bucket, 5, 0).await.expect("bucket created");
    let rev = client.kv_put(&bucket, "color", b"red").await.unwrap();
    let entry = client.kv_get(&bucket, "color").await.unwrap().expect("a value");
    assert_eq!((&entry.value[..], entry.revision), (&b"red"[..], rev));
    let watcher = client.kv_watch(&bucket, ">", WatchFrom::LastPerKey).await.unwrap();
    let first = watcher.next().await.expect("the current value");
    assert_eq!((first.key.as_str(), &first.value[..]), ("color", &b"red"[..]));
    client.kv_put(&bucket, "color", b"blue").await.unwrap();
    let update = watcher.next().await.expect("the live update");
    assert_eq!(&update.value[..], b"blue");
    client.kv_delete(&bucket, "color", false).await.unwrap();
    assert_eq!(watcher.next().await.expect("the delete").operation, KvOperation::Delete);
    assert!(client.kv_get(&bucket, "color").await.unwrap().is_none());
    watcher.stop();
    client.close();
}
