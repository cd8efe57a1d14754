//! Shared by the `auth_*` integration tests: a server to talk to (switchyard in-process, or Debian's
//! `nats-server` with the same configuration for the comparison runs) and a raw-protocol client.
//!
//! Scenarios take a [`Target`] and assert the same texts whichever server is behind it, so a
//! comparison run against nats-server checks that the expectations are nats-server's.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long to wait for an expected reply.
const WAIT: Duration = Duration::from_secs(3);

/// A running server under test.
pub enum Target {
    Switchyard(switchyard::Running),
    NatsServer { child: Child, addr: SocketAddr, dir: PathBuf },
}

impl Target {
    /// Starts switchyard in-process with `conf` (nats-server syntax), on a free port, without the
    /// other front-ends.
    pub async fn switchyard(conf: &str) -> Target {
        let (mut config, _) =
            switchyard::config::parse_str(conf, std::path::Path::new("test.conf")).expect("valid configuration");
        config.port = 0;
        config.host = "127.0.0.1".into();
        config.http_port = None;
        config.websocket = None;
        config.mqtt = None;
        config.jetstream = None;
        Target::Switchyard(switchyard::Server::start(config).await.expect("server starts"))
    }

    /// Starts Debian's `nats-server` with `conf` on a free port.
    pub async fn nats_server(conf: &str) -> Target {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let dir = std::env::temp_dir().join(format!("switchyard-auth-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("nats.conf");
        std::fs::write(&file, format!("listen: 127.0.0.1:{port}\n{conf}")).expect("write config");
        let mut child = Command::new("nats-server")
            .arg("-c")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server on PATH");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        for _ in 0..100 {
            if TcpStream::connect(addr).await.is_ok() {
                return Target::NatsServer { child, addr, dir };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("nats-server did not start with:\n{conf}");
    }

    pub fn addr(&self) -> SocketAddr {
        match self {
            Target::Switchyard(running) => running.client_addr,
            Target::NatsServer { addr, .. } => *addr,
        }
    }

    pub fn is_switchyard(&self) -> bool {
        matches!(self, Target::Switchyard(_))
    }

    /// Permission violations counted by switchyard (`None` for nats-server).
    pub fn permission_violations(&self) -> Option<u64> {
        match self {
            Target::Switchyard(running) => Some(running.server.stats.snapshot().permission_violations),
            Target::NatsServer { .. } => None,
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect(self.addr()).await
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        match self {
            Target::Switchyard(running) => running.shutdown(),
            Target::NatsServer { child, dir, .. } => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
}

/// A raw NATS protocol client.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The INFO the server greeted with.
    pub info: serde_json::Value,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut client = Client { stream, buf: Vec::new(), info: serde_json::Value::Null };
        let line = client.expect("\r\n").await;
        let json = line.strip_prefix("INFO ").expect("INFO first").trim_end();
        client.info = serde_json::from_str(json).expect("INFO JSON");
        client
    }

    /// The nonce of this connection's INFO.
    pub fn nonce(&self) -> String {
        self.info["nonce"].as_str().unwrap_or_default().to_string()
    }

    pub async fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).await.expect("write");
    }

    /// Sends a CONNECT with `fields` (JSON members, without braces) added to a quiet default.
    pub async fn connect_with(&mut self, fields: &str) {
        let sep = if fields.is_empty() { "" } else { "," };
        let line = format!(
            "CONNECT {{\"verbose\":false,\"pedantic\":false,\"protocol\":1,\"headers\":true,\"no_responders\":true{sep}{fields}}}\r\n"
        );
        self.send(&line).await;
    }

    /// Reads until `needle` arrives; returns everything up to and including it (server PINGs removed).
    pub async fn expect(&mut self, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(pos) = find(&self.buf, needle.as_bytes()) {
                let rest = self.buf.split_off(pos + needle.len());
                let got = std::mem::replace(&mut self.buf, rest);
                return String::from_utf8_lossy(&got).replace("PING\r\n", "");
            }
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => panic!("connection closed before {needle:?}; got {:?}", self.text()),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => panic!("timed out waiting for {needle:?}; got {:?}", self.text()),
            }
        }
    }

    /// Sends PING and returns what arrived before the PONG.
    pub async fn sync(&mut self) -> String {
        self.send("PING\r\n").await;
        let got = self.expect("PONG\r\n").await;
        got.strip_suffix("PONG\r\n").unwrap_or(&got).to_string()
    }

    /// Sends a CONNECT with `fields` and a PING, and returns what arrived up to and including the
    /// PONG, or, when the server closes the connection first (a write may then fail), everything
    /// that arrived.
    pub async fn connect_and_ping(&mut self, fields: &str) -> String {
        let sep = if fields.is_empty() { "" } else { "," };
        let line = format!("CONNECT {{\"verbose\":false,\"protocol\":1{sep}{fields}}}\r\nPING\r\n");
        let _ = self.stream.write_all(line.as_bytes()).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while find(&self.buf, b"PONG\r\n").is_none() {
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => panic!("neither PONG nor a close; got {:?}", self.text()),
            }
        }
        String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned()
    }

    /// Reads until the server closes the connection; returns what arrived.
    pub async fn closed(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return self.text().replace("PING\r\n", ""),
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => panic!("connection still open; got {:?}", self.text()),
            }
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.buf).into_owned()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A connected client that logged in with `fields` and was accepted.
pub async fn login(target: &Target, fields: &str) -> Client {
    let mut c = target.client().await;
    c.connect_with(fields).await;
    let before = c.sync().await;
    assert_eq!(before, "", "login with {fields} refused");
    c
}

/// `"user":…,"pass":…` CONNECT fields.
pub fn user_pass(user: &str, pass: &str) -> String {
    format!("\"user\":{},\"pass\":{}", serde_json::json!(user), serde_json::json!(pass))
}

/// `"nkey":…,"sig":…` CONNECT fields: `key` signs `nonce`.
pub fn nkey_fields(key: &nkeys::KeyPair, nonce: &str) -> String {
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(nonce.as_bytes()).expect("sign"));
    format!("\"nkey\":\"{}\",\"sig\":\"{sig}\"", key.public_key())
}

/// Whether Debian's nats-server is installed here (comparison runs need it).
pub fn have_nats_server() -> bool {
    Command::new("nats-server").arg("--version").output().is_ok_and(|o| o.status.success())
}
