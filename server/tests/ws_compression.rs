//! permessage-deflate (RFC 7692) end to end, with a hand-rolled client: the negotiation, compressed
//! frames from the client, compressed frames back, and the fallbacks when either side does not want it.

mod ws_support;

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::{Decompress, FlushDecompress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use ws_support::*;

const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// A minimal WebSocket client that speaks frames directly.
struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RawClient {
    /// Upgrades with the given extra header lines; returns the client and the response head.
    async fn connect(running: &switchyard::Running, extra: &str) -> (RawClient, String) {
        let mut stream = TcpStream::connect(ws_addr(running)).await.unwrap();
        let req = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n",
            ws_addr(running)
        );
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut client = RawClient { stream, buf: Vec::new() };
        let head = loop {
            if let Some(pos) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(client.buf[..pos + 4].to_vec()).unwrap();
                client.buf.drain(..pos + 4);
                break head;
            }
            client.fill().await;
        };
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        (client, head)
    }

    async fn fill(&mut self) {
        let mut chunk = [0u8; 16384];
        let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk)).await.expect("data in time").unwrap();
        assert!(n > 0, "closed");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    /// Sends one masked binary frame; `compressed` sets RSV1.
    async fn send_frame(&mut self, payload: &[u8], compressed: bool) {
        let key = [0xa1, 0xb2, 0xc3, 0xd4];
        let mut frame = vec![if compressed { 0xc2 } else { 0x82 }];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.stream.write_all(&frame).await.unwrap();
    }

    /// Reads one server frame: (first byte, payload).
    async fn read_frame(&mut self) -> (u8, Vec<u8>) {
        loop {
            if self.buf.len() >= 2 {
                assert_eq!(self.buf[1] & 0x80, 0, "server frames are unmasked");
                let (len, start) = match self.buf[1] & 0x7f {
                    126 if self.buf.len() >= 4 => (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4),
                    127 if self.buf.len() >= 10 => {
                        (u64::from_be_bytes(self.buf[2..10].try_into().unwrap()) as usize, 10)
                    }
                    126 | 127 => (usize::MAX, 0),
                    n => (n as usize, 2),
                };
                if len != usize::MAX && self.buf.len() >= start + len {
                    let first = self.buf[0];
                    let payload = self.buf[start..start + len].to_vec();
                    self.buf.drain(..start + len);
                    return (first, payload);
                }
            }
            self.fill().await;
        }
    }

    /// Reads frames, inflating compressed ones, until the text contains `needle`. Returns the text
    /// and how many compressed frames carried it.
    async fn read_until(&mut self, needle: &str) -> (String, usize) {
        let mut text = Vec::new();
        let mut compressed = 0;
        while !String::from_utf8_lossy(&text).contains(needle) {
            let (first, payload) = self.read_frame().await;
            assert_eq!(first & 0x0f, 2, "binary frames only");
            assert_eq!(first & 0x80, 0x80, "server messages are not fragmented");
            if first & 0x40 != 0 {
                compressed += 1;
                text.extend(inflate(&payload));
            } else {
                text.extend(payload);
            }
        }
        (String::from_utf8(text).unwrap(), compressed)
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    let mut out = enc.flush_finish().unwrap();
    assert!(out.ends_with(&TAIL));
    out.truncate(out.len() - TAIL.len());
    out
}

/// Inflates one message with a fresh window (the server negotiated no context takeover).
fn inflate(payload: &[u8]) -> Vec<u8> {
    let mut input = payload.to_vec();
    input.extend_from_slice(&TAIL);
    let mut z = Decompress::new(false);
    let mut out = Vec::with_capacity(payload.len() * 20 + 1024);
    loop {
        let (in_before, out_before) = (z.total_in(), z.total_out());
        let status = z.decompress_vec(&input[z.total_in() as usize..], &mut out, FlushDecompress::Sync);
        let status = status.unwrap_or_else(|e| panic!("inflate failed: {e} after {} of {}", z.total_in(), input.len()));
        if out.len() < out.capacity() && (z.total_in() as usize == input.len() || status == flate2::Status::StreamEnd) {
            return out;
        }
        if out.len() == out.capacity() {
            out.reserve(out.capacity());
        } else if z.total_in() == in_before && z.total_out() == out_before {
            panic!("inflate stuck at {} of {} bytes ({status:?})", z.total_in(), input.len());
        }
    }
}

const OFFER: &str = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

#[tokio::test]
async fn compressed_messages_round_trip() {
    let running = start(|s| s.compression = true).await;
    let (mut ws, head) = RawClient::connect(&running, OFFER).await;
    assert!(head.contains(
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n"
    ));
    let (info, _) = ws.read_until("\r\n").await;
    assert!(info.starts_with("INFO "));

    let payload = "switchyard websocket compression ".repeat(4000);
    let ops = format!(
        "CONNECT {{\"verbose\":false,\"protocol\":1}}\r\nSUB zip 1\r\nPUB zip {}\r\n{payload}\r\nPING\r\n",
        payload.len()
    );
    let compressed = deflate(ops.as_bytes());
    assert!(compressed.len() < ops.len() / 20);
    ws.send_frame(&compressed, true).await;
    let (text, frames) = ws.read_until("PONG\r\n").await;
    assert_eq!(text, format!("MSG zip 1 {}\r\n{payload}\r\nPONG\r\n", payload.len()));
    assert!(frames >= 1, "the large delivery came back compressed");

    // An uncompressed message on the same connection still works, and a second compressed one does
    // not depend on the first (no context takeover).
    ws.send_frame(b"PUB zip 2\r\nok\r\n", false).await;
    ws.send_frame(&deflate(b"PING\r\n"), true).await;
    let (text, _) = ws.read_until("PONG\r\n").await;
    assert_eq!(text, "MSG zip 1 2\r\nok\r\nPONG\r\n");
}

#[tokio::test]
async fn no_compression_unless_the_server_enables_it() {
    let running = start(|_| {}).await;
    let (mut ws, head) = RawClient::connect(&running, OFFER).await;
    assert!(!head.contains("Sec-WebSocket-Extensions"), "{head}");
    ws.read_until("INFO ").await;
    let payload = "x".repeat(10_000);
    ws.send_frame(
        format!("CONNECT {{}}\r\nSUB a 1\r\nPUB a {}\r\n{payload}\r\nPING\r\n", payload.len()).as_bytes(),
        false,
    )
    .await;
    let (_, compressed) = ws.read_until("PONG\r\n").await;
    assert_eq!(compressed, 0);
}

#[tokio::test]
async fn no_compression_unless_the_client_offers_it() {
    let running = start(|s| s.compression = true).await;
    let (mut ws, head) = RawClient::connect(&running, "").await;
    assert!(!head.contains("Sec-WebSocket-Extensions"), "{head}");
    ws.read_until("INFO ").await;
    // A compressed frame without the extension negotiated is a protocol error.
    ws.send_frame(&deflate(b"CONNECT {}\r\n"), true).await;
    let (first, payload) = ws.read_frame().await;
    assert_eq!(first, 0x88, "close frame");
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1002);
}

#[tokio::test]
async fn frames_sent_with_the_upgrade_request_are_not_lost() {
    let running = start(|_| {}).await;
    let mut stream = TcpStream::connect(ws_addr(&running)).await.unwrap();
    let mut bytes = String::from(
        "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nNats-No-Masking: true\r\n\r\n",
    )
    .into_bytes();
    // Unmasked frames, allowed by Nats-No-Masking, pipelined behind the request.
    let ops = b"CONNECT {}\r\nPING\r\n";
    bytes.extend_from_slice(&[0x82, ops.len() as u8]);
    bytes.extend_from_slice(ops);
    stream.write_all(&bytes).await.unwrap();
    let mut client = RawClient { stream, buf: Vec::new() };
    let head = loop {
        if let Some(pos) = client.buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8(client.buf[..pos + 4].to_vec()).unwrap();
            client.buf.drain(..pos + 4);
            break head;
        }
        client.fill().await;
    };
    assert!(head.contains("Nats-No-Masking: true\r\n"));
    let (text, _) = client.read_until("PONG\r\n").await;
    assert!(text.starts_with("INFO ") && text.ends_with("PONG\r\n"), "{text}");
}
