//! The Rust API in headless Chromium (wasm-bindgen-test): connect failures always; a live
//! round trip when built with `SWITCHYARD_TEST_WS_URL=ws://127.0.0.1:<port>` pointing at a server
//! with a WebSocket listener.
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
