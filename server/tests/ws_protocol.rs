//! NATS over WebSocket: the protocol inside frames, and WebSocket and TCP clients sharing one core.

mod ws_support;

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use switchyard::config::Config;
use switchyard::core::Kind;
use ws_support::*;

#[tokio::test]
async fn info_arrives_first_in_a_binary_frame() {
    let running = start(|_| {}).await;
    let mut ws = connect(&running).await;
    let first = String::from_utf8(next_data(&mut ws).await).unwrap();
    assert!(first.starts_with("INFO {") && first.ends_with("}\r\n"), "{first:?}");
    let info: serde_json::Value = serde_json::from_str(&first[5..first.len() - 2]).unwrap();
    assert!(info["client_id"].as_u64().unwrap() > 0);
    assert_eq!(info["client_ip"], "127.0.0.1");
    assert_eq!(info["headers"], true);
    let conns = running.server.registry.open();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].kind, Kind::WebSocket);
}

#[tokio::test]
async fn operations_split_across_tiny_frames_are_reassembled() {
    let running = start(|_| {}).await;
    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    for byte in "CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n".bytes() {
        ws.send(Message::binary(vec![byte])).await.unwrap();
    }
    assert_eq!(ws_read_until(&mut ws, "PONG\r\n").await, "PONG\r\n");
    // One message fragmented into a binary frame and continuation frames, split inside an operation.
    let pieces: [&[u8]; 3] = [b"SUB a 1\r\nPUB a 5\r\nhe", b"llo\r\nPI", b"NG\r\n"];
    for (i, piece) in pieces.iter().enumerate() {
        let opcode = if i == 0 { Data::Binary } else { Data::Continue };
        let frame = Frame::message(Bytes::copy_from_slice(piece), OpCode::Data(opcode), i == pieces.len() - 1);
        ws.send(Message::Frame(frame)).await.unwrap();
    }
    assert_eq!(ws_read_until(&mut ws, "PONG\r\n").await, "MSG a 1 5\r\nhello\r\nPONG\r\n");
}

#[tokio::test]
async fn operations_coalesced_in_one_frame_all_run() {
    let running = start(|_| {}).await;
    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(
        &mut ws,
        "CONNECT {\"verbose\":false,\"protocol\":1}\r\nSUB s 7\r\nPUB s 2\r\nhi\r\nPUB s 0\r\n\r\nPING\r\n",
    )
    .await;
    assert_eq!(ws_read_until(&mut ws, "PONG\r\n").await, "MSG s 7 2\r\nhi\r\nMSG s 7 0\r\n\r\nPONG\r\n");
}

#[tokio::test]
async fn text_frames_are_accepted() {
    let running = start(|_| {}).await;
    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws.send(Message::text("CONNECT {\"verbose\":true}\r\n")).await.unwrap();
    ws.send(Message::text("PING\r\n")).await.unwrap();
    assert_eq!(ws_read_until(&mut ws, "PONG\r\n").await, "+OK\r\nPONG\r\n");
}

#[tokio::test]
async fn websocket_ping_is_answered_and_close_is_echoed() {
    let running = start(|_| {}).await;
    let mut ws = ws_client(&running).await;
    ws.send(Message::Ping(Bytes::from_static(b"are you there"))).await.unwrap();
    let pong = loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap().unwrap().unwrap() {
            Message::Pong(p) => break p,
            Message::Binary(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(&pong[..], b"are you there");
    let close = CloseFrame { code: CloseCode::Away, reason: "leaving".into() };
    ws.send(Message::Close(Some(close.clone()))).await.unwrap();
    let echoed = loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(c))) => break c,
            Some(Ok(_)) => continue,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(echoed, Some(close));
    let deadline = tokio::time::Instant::now() + WAIT;
    while running.server.registry.num_open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed = running.server.registry.closed();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].reason.as_str(), "Client Closed");
}

#[tokio::test]
async fn protocol_errors_end_with_err_and_a_close_frame() {
    let running = start(|_| {}).await;
    let mut ws = connect(&running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "FOO\r\n").await;
    assert_eq!(ws_read_until(&mut ws, "\r\n").await, "-ERR 'Unknown Protocol Operation'\r\n");
    let close = loop {
        match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
            Some(Ok(Message::Close(c))) => break c.expect("close frame has a status"),
            Some(Ok(_)) => continue,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(close.code, CloseCode::Protocol);
    assert_eq!(close.reason.as_str(), "Parse Error");
}

/// A client still sending when the server refuses it reads the refusal and the Close frame, not
/// a connection reset: the server reads on until the client closes too.
#[tokio::test]
async fn a_refused_client_that_keeps_sending_still_reads_the_err_and_the_close() {
    let running = start(|_| {}).await;
    let ws = connect(&running).await;
    let (mut tx, mut rx) = ws.split();
    let info =
        String::from_utf8(tokio::time::timeout(WAIT, rx.next()).await.unwrap().unwrap().unwrap().into_data().to_vec())
            .unwrap();
    assert!(info.starts_with("INFO "));
    let sender = tokio::spawn(async move {
        let mut first = b"PUB big 2000000\r\n".to_vec();
        first.extend(std::iter::repeat_n(b'x', 256 * 1024));
        let _ = tx.send(Message::binary(first)).await;
        for _ in 0..32 {
            if tx.send(Message::binary(vec![b'x'; 256 * 1024])).await.is_err() {
                break;
            }
        }
    });
    let mut text = String::new();
    let close = loop {
        match tokio::time::timeout(WAIT, rx.next()).await.expect("in time") {
            Some(Ok(Message::Binary(b))) => text.push_str(&String::from_utf8_lossy(&b)),
            Some(Ok(Message::Close(c))) => break c.expect("close frame has a status"),
            Some(Ok(_)) => continue,
            other => panic!("expected the -ERR and a Close frame, got {other:?} after {text:?}"),
        }
    };
    assert_eq!(text, "-ERR 'Maximum Payload Violation'\r\n");
    assert_eq!(close.reason.as_str(), "Maximum Message Payload Exceeded");
    sender.abort();
}

#[tokio::test]
async fn keepalive_pings_flow_inside_frames() {
    let config = Config { ping_interval: Duration::from_millis(100), ..ws_support::config() };
    let running = start_with(config, |_| {}).await;
    let mut ws = ws_client(&running).await;
    ws_read_until(&mut ws, "PING\r\n").await;
    ws_send(&mut ws, "PONG\r\n").await;
    ws_read_until(&mut ws, "PING\r\n").await;
}

#[tokio::test]
async fn tcp_subscriber_receives_websocket_publish_with_headers() {
    let running = start(|_| {}).await;
    let mut tcp = Tcp::connect(&running).await;
    tcp.send("SUB from.ws.> 1\r\nPING\r\n").await;
    tcp.read_until("PONG\r\n").await;
    let mut ws = ws_client(&running).await;
    let hdr = "NATS/1.0\r\nX-Origin: browser\r\n\r\n";
    let msg = format!("HPUB from.ws.a reply.1 {} {}\r\n{hdr}hello\r\n", hdr.len(), hdr.len() + 5);
    ws_send(&mut ws, &msg).await;
    ws_send(&mut ws, "PUB from.ws.b 3\r\nabc\r\n").await;
    let got = tcp.read_until("abc\r\n").await;
    assert_eq!(
        got,
        format!(
            "HMSG from.ws.a 1 reply.1 {} {}\r\n{hdr}hello\r\nMSG from.ws.b 1 3\r\nabc\r\n",
            hdr.len(),
            hdr.len() + 5
        )
    );
}

#[tokio::test]
async fn websocket_subscriber_receives_tcp_publish_with_headers() {
    let running = start(|_| {}).await;
    let mut ws = ws_client(&running).await;
    ws_send(&mut ws, "SUB from.tcp.* q 9\r\nPING\r\n").await;
    ws_read_until(&mut ws, "PONG\r\n").await;
    let mut tcp = Tcp::connect(&running).await;
    let hdr = "NATS/1.0\r\nK: v\r\n\r\n";
    tcp.send(&format!("HPUB from.tcp.x {} {}\r\n{hdr}payload\r\nPING\r\n", hdr.len(), hdr.len() + 7)).await;
    tcp.read_until("PONG\r\n").await;
    let got = ws_read_until(&mut ws, "payload\r\n").await;
    assert_eq!(got, format!("HMSG from.tcp.x 9 {} {}\r\n{hdr}payload\r\n", hdr.len(), hdr.len() + 7));
}

#[tokio::test]
async fn request_reply_between_websocket_and_tcp() {
    let running = start(|_| {}).await;
    let mut responder = Tcp::connect(&running).await;
    responder.send("SUB svc.echo 1\r\nPING\r\n").await;
    responder.read_until("PONG\r\n").await;
    let mut ws = ws_client(&running).await;
    ws_send(&mut ws, "SUB _INBOX.x 1\r\nPUB svc.echo _INBOX.x 4\r\nping\r\n").await;
    let req = responder.read_until("ping\r\n").await;
    assert_eq!(req, "MSG svc.echo 1 _INBOX.x 4\r\nping\r\n");
    responder.send("PUB _INBOX.x 4\r\npong\r\n").await;
    assert_eq!(ws_read_until(&mut ws, "pong\r\n").await, "MSG _INBOX.x 1 4\r\npong\r\n");
}

#[tokio::test]
async fn large_messages_cross_in_both_directions() {
    let running = start(|_| {}).await;
    let mut ws = ws_client(&running).await;
    ws_send(&mut ws, "SUB big 1\r\nPING\r\n").await;
    ws_read_until(&mut ws, "PONG\r\n").await;
    let payload: String = (0..200_000).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    // The publisher is the WebSocket client itself: the message goes out and comes back.
    ws_send(&mut ws, &format!("PUB big {}\r\n{payload}\r\n", payload.len())).await;
    let got = ws_read_until(&mut ws, &format!("{}\r\n", &payload[payload.len() - 10..])).await;
    assert_eq!(got, format!("MSG big 1 {}\r\n{payload}\r\n", payload.len()));
}

#[tokio::test]
async fn browsers_get_frames_of_at_most_4_kib() {
    let running = start(|_| {}).await;
    let mut req = request(&running, "/");
    req.headers_mut().insert("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0".parse().unwrap());
    let mut ws = connect_request(&running, req).await.unwrap();
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "CONNECT {\"verbose\":false}\r\nSUB big 1\r\nPING\r\n").await;
    ws_read_until(&mut ws, "PONG\r\n").await;
    let payload = "b".repeat(20_000);
    ws_send(&mut ws, &format!("PUB big {}\r\n{payload}\r\nPING\r\n", payload.len())).await;
    let mut text = String::new();
    while !text.ends_with("PONG\r\n") {
        let frame = next_data(&mut ws).await;
        assert!(frame.len() <= 4096, "frame of {} bytes", frame.len());
        text.push_str(std::str::from_utf8(&frame).unwrap());
    }
    assert_eq!(text, format!("MSG big 1 {}\r\n{payload}\r\nPONG\r\n", payload.len()));
}
