//! Shared helpers of the WebSocket integration tests: start a server with a WebSocket listener on
//! port 0, connect WebSocket clients (tokio-tungstenite) and raw TCP NATS clients, read until a text
//! shows up.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

use switchyard::config::Config;
use switchyard::frontend::ws::WsSettings;
use switchyard::{Frontends, Running, Server};

pub const WAIT: Duration = Duration::from_secs(5);

pub type Ws = WebSocketStream<TcpStream>;

pub fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        http_port: None,
        jetstream: None,
        websocket: None,
        mqtt: None,
        ..Config::default()
    }
}

pub fn ws_settings() -> WsSettings {
    WsSettings { host: "127.0.0.1".into(), port: 0, no_tls: true, ..WsSettings::default() }
}

/// Starts a server whose WebSocket listener is adjusted by `f`.
pub async fn start(f: impl FnOnce(&mut WsSettings)) -> Running {
    start_with(config(), f).await
}

pub async fn start_with(config: Config, f: impl FnOnce(&mut WsSettings)) -> Running {
    let mut ws = ws_settings();
    f(&mut ws);
    Server::start_with(config, Frontends { websocket: Some(ws), ..Frontends::default() }).await.expect("server starts")
}

pub fn ws_addr(running: &Running) -> SocketAddr {
    running.ws_addr.expect("websocket listener bound")
}

/// An upgrade request for `path` on the server's WebSocket port.
pub fn request(running: &Running, path: &str) -> Request {
    format!("ws://{}{}", ws_addr(running), path).into_client_request().expect("valid url")
}

/// Opens a WebSocket connection with `request`.
pub async fn connect_request(running: &Running, request: Request) -> Result<Ws, tungstenite::Error> {
    let stream = TcpStream::connect(ws_addr(running)).await.expect("tcp connect");
    tokio::time::timeout(WAIT, tokio_tungstenite::client_async(request, stream))
        .await
        .expect("handshake in time")
        .map(|(ws, _)| ws)
}

pub async fn connect(running: &Running) -> Ws {
    connect_request(running, request(running, "/")).await.expect("upgrade accepted")
}

/// The next data message's bytes; control messages are skipped.
pub async fn next_data(ws: &mut Ws) -> Vec<u8> {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.expect("message in time").expect("open").expect("ok");
        match msg {
            Message::Binary(b) => return b.to_vec(),
            Message::Text(t) => panic!("server sent a text frame: {t}"),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            Message::Close(c) => panic!("closed: {c:?}"),
        }
    }
}

/// Reads data messages until the accumulated text contains `needle`; returns all of it.
pub async fn ws_read_until(ws: &mut Ws, needle: &str) -> String {
    let mut text = String::new();
    while !text.contains(needle) {
        text.push_str(&String::from_utf8(next_data(ws).await).expect("utf-8"));
    }
    text
}

pub async fn ws_send(ws: &mut Ws, text: &str) {
    ws.send(Message::binary(text.as_bytes().to_vec())).await.expect("send");
}

/// A WebSocket client past INFO, CONNECT and a PING/PONG round trip.
pub async fn ws_client(running: &Running) -> Ws {
    let mut ws = connect(running).await;
    ws_read_until(&mut ws, "INFO ").await;
    ws_send(&mut ws, "CONNECT {\"verbose\":false,\"headers\":true,\"protocol\":1}\r\nPING\r\n").await;
    ws_read_until(&mut ws, "PONG\r\n").await;
    ws
}

/// A raw NATS client over TCP.
pub struct Tcp {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Tcp {
    pub async fn connect(running: &Running) -> Tcp {
        let stream = TcpStream::connect(running.client_addr).await.expect("tcp connect");
        let mut tcp = Tcp { stream, buf: Vec::new() };
        tcp.read_until("INFO ").await;
        tcp.send("CONNECT {\"verbose\":false,\"headers\":true,\"protocol\":1}\r\nPING\r\n").await;
        tcp.read_until("PONG\r\n").await;
        tcp
    }

    pub async fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).await.expect("write");
    }

    /// Reads until the unread text contains `needle`; returns the text up to and including it.
    pub async fn read_until(&mut self, needle: &str) -> String {
        loop {
            if let Some(pos) = String::from_utf8_lossy(&self.buf).find(needle) {
                let end = pos + needle.len();
                let text = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.drain(..end);
                return text;
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
                .await
                .unwrap_or_else(|_| {
                    panic!("timed out waiting for {needle:?}; got {:?}", String::from_utf8_lossy(&self.buf))
                })
                .expect("read");
            assert!(n > 0, "connection closed waiting for {needle:?}");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}
