//! Helpers for the monitoring tests: start a server on free ports, speak HTTP/1.1 and the NATS
//! protocol over raw sockets, and compare JSON key sets with the nats-server fixtures.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use switchyard::config::Config;
use switchyard::{Running, Server};

/// A configuration for tests: loopback, free ports, only the NATS and monitoring listeners.
pub fn test_config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        http_port: Some(0),
        jetstream: None,
        websocket: None,
        mqtt: None,
        ..Config::default()
    }
}

pub struct TestServer {
    pub running: Running,
    pub nats: SocketAddr,
    pub http: SocketAddr,
}

impl TestServer {
    pub async fn start(config: Config) -> TestServer {
        let running = Server::start(config).await.expect("server starts");
        let nats = running.client_addr;
        let http = running.server.monitoring.http_addr().expect("monitoring listens");
        TestServer { running, nats, http }
    }

    pub fn server(&self) -> &std::sync::Arc<Server> {
        &self.running.server
    }

    pub async fn get(&self, path: &str) -> Response {
        http(self.http, "GET", path, &[], b"").await
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", r.text()))
    }

    pub async fn stop(self) {
        self.running.shutdown();
        tokio::time::timeout(Duration::from_secs(10), self.running.wait()).await.expect("server stops");
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub async fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect to monitoring");
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Response { status, headers, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

/// A raw NATS client.
pub struct Nats {
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
}

impl Nats {
    /// Connects and sends `CONNECT` with `extra` fields merged in, then waits for the `PONG`.
    pub async fn connect(addr: SocketAddr, name: &str, extra: &str) -> Nats {
        let stream = TcpStream::connect(addr).await.expect("connect to nats");
        let (rd, wr) = stream.into_split();
        let mut nats = Nats { reader: BufReader::new(rd), writer: wr };
        let info = nats.line().await;
        assert!(info.starts_with("INFO "), "{info}");
        let connect = format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"name\":\"{name}\",\"lang\":\"rust\",\"version\":\"0.0.1\",\"headers\":true,\"no_responders\":true{extra}}}\r\nPING\r\n"
        );
        nats.send(&connect).await;
        let pong = nats.line().await;
        assert_eq!(pong, "PONG", "handshake");
        nats
    }

    pub async fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).await.unwrap();
    }

    /// Round trip: everything sent before is processed when this returns.
    pub async fn flush(&mut self) {
        self.send("PING\r\n").await;
        loop {
            if self.line().await == "PONG" {
                return;
            }
        }
    }

    /// The next protocol line (without CRLF); skips server PINGs by answering them.
    pub async fn line(&mut self) -> String {
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.reader.read_line(&mut line))
                .await
                .expect("line in time")
                .unwrap();
            assert!(n > 0, "connection closed");
            let line = line.trim_end().to_owned();
            if line == "PING" {
                self.send("PONG\r\n").await;
                continue;
            }
            return line;
        }
    }

    /// The next `MSG`/`HMSG`: (subject, reply, headers, payload).
    pub async fn msg(&mut self) -> (String, Option<String>, Option<String>, Vec<u8>) {
        let line = self.line().await;
        let parts: Vec<&str> = line.split(' ').collect();
        let (subject, reply, hdr_len, total) = match parts[0] {
            "MSG" if parts.len() == 4 => (parts[1], None, 0, parts[3]),
            "MSG" => (parts[1], Some(parts[3]), 0, parts[4]),
            "HMSG" if parts.len() == 5 => (parts[1], None, parts[3].parse().unwrap(), parts[4]),
            "HMSG" => (parts[1], Some(parts[3]), parts[4].parse().unwrap(), parts[5]),
            _ => panic!("expected a message, got {line}"),
        };
        let total: usize = total.parse().unwrap();
        let mut buf = vec![0u8; total + 2];
        self.reader.read_exact(&mut buf).await.unwrap();
        buf.truncate(total);
        let payload = buf.split_off(hdr_len);
        let headers = (hdr_len > 0).then(|| String::from_utf8_lossy(&buf).into_owned());
        (subject.to_owned(), reply.map(str::to_owned), headers, payload)
    }
}

/// Reads a nats-server 2.9.10 capture from the shared crate's fixtures.
pub fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tests/fixtures/monitor").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// Compares object key sets recursively (arrays by their first elements). Keys only in `ours` must be
/// listed in `extra`; keys only in `theirs` must be listed in `missing` (fields nats-server omits or
/// fills depending on state). Returns the mismatches as paths.
pub fn key_diff(ours: &Value, theirs: &Value, extra: &[&str], missing: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", ours, theirs, extra, missing, &mut out);
    out
}

fn diff_at(path: &str, ours: &Value, theirs: &Value, extra: &[&str], missing: &[&str], out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for k in keys(ours).difference(&keys(theirs)) {
                if !extra.contains(&k.as_str()) {
                    out.push(format!("{path}.{k} (only ours)"));
                }
            }
            for k in keys(theirs).difference(&keys(ours)) {
                if !missing.contains(&k.as_str()) {
                    out.push(format!("{path}.{k} (only nats-server)"));
                }
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    diff_at(&format!("{path}.{k}"), v, w, extra, missing, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                diff_at(&format!("{path}[0]"), x, y, extra, missing, out);
            }
        }
        _ => {
            let kind = |v: &Value| match v {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if kind(ours) != kind(theirs) && !theirs.is_null() && !ours.is_null() {
                out.push(format!("{path}: {} vs {}", kind(ours), kind(theirs)));
            }
        }
    }
}
