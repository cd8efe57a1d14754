//! Test support for the MQTT integration tests: an in-process server with MQTT on a free port, a raw
//! MQTT client built on the shared codec, and a raw NATS client for bridging tests.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use switchyard::config::Config;
use switchyard::frontend::mqtt::{Mqtt, MqttSettings};
use switchyard::{Frontends, Running, Server};
use switchyard_shared::mqtt::{
    self, ConnAck, Connect, Packet, Properties, ProtocolLevel, PubResponse, Publish, QoS, ReasonCode, SubAck,
    Subscribe, SubscribeFilter, SubscribeOptions, Will,
};
use switchyard_shared::op::ServerOp;
use switchyard_shared::parse::{parse_server_op, Limits};

pub const WAIT: Duration = Duration::from_secs(5);

/// MQTT settings for tests: loopback, a free port, short ack wait.
pub fn settings() -> MqttSettings {
    MqttSettings { host: "127.0.0.1".into(), port: 0, ack_wait: Duration::from_millis(300), ..MqttSettings::default() }
}

pub fn config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        http_port: None,
        websocket: None,
        mqtt: None,
        jetstream: None,
        ..Config::default()
    }
}

/// A started server with MQTT.
pub struct TestServer {
    pub running: Running,
    pub mqtt_addr: SocketAddr,
    pub nats_addr: SocketAddr,
}

impl TestServer {
    pub async fn start(settings: MqttSettings) -> TestServer {
        Self::start_with(config(), settings).await
    }

    pub async fn start_with(config: Config, settings: MqttSettings) -> TestServer {
        let frontends = Frontends { mqtt: Some(settings), ..Frontends::default() };
        let running = Server::start_with(config, frontends).await.expect("server starts");
        let mqtt_addr = running.mqtt_addr.expect("mqtt listener");
        let nats_addr = running.client_addr;
        TestServer { running, mqtt_addr, nats_addr }
    }

    pub fn mqtt(&self) -> &std::sync::Arc<Mqtt> {
        self.running.server.mqtt.get().expect("mqtt service")
    }

    pub async fn stop(self) {
        self.running.shutdown();
        self.running.wait().await;
    }
}

/// A raw MQTT client over TCP.
pub struct Client {
    pub stream: TcpStream,
    buf: BytesMut,
    pub level: ProtocolLevel,
    next_pid: u16,
}

pub fn connect_packet(level: ProtocolLevel, client_id: &str, clean: bool) -> Connect {
    Connect {
        protocol_level: level,
        clean_start: clean,
        keep_alive: 60,
        client_id: client_id.into(),
        will: None,
        username: None,
        password: None,
        properties: Properties::default(),
    }
}

pub fn will(topic: &str, payload: &str, qos: QoS, retain: bool) -> Will {
    Will {
        topic: topic.into(),
        payload: Bytes::copy_from_slice(payload.as_bytes()),
        qos,
        retain,
        properties: Properties::default(),
    }
}

pub fn publish(topic: &str, payload: &str, qos: QoS, pid: u16) -> Publish {
    Publish {
        dup: false,
        qos,
        retain: false,
        topic: topic.into(),
        packet_id: if qos == QoS::AtMostOnce { 0 } else { pid },
        properties: Properties::default(),
        payload: Bytes::copy_from_slice(payload.as_bytes()),
    }
}

impl Client {
    pub async fn raw(addr: SocketAddr, level: ProtocolLevel) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connects");
        stream.set_nodelay(true).unwrap();
        Client { stream, buf: BytesMut::new(), level, next_pid: 1 }
    }

    /// Connects and expects a successful CONNACK.
    pub async fn connect(addr: SocketAddr, level: ProtocolLevel, client_id: &str, clean: bool) -> (Client, ConnAck) {
        Self::connect_with(addr, connect_packet(level, client_id, clean)).await
    }

    pub async fn connect_with(addr: SocketAddr, c: Connect) -> (Client, ConnAck) {
        let mut client = Client::raw(addr, c.protocol_level).await;
        client.send(&Packet::Connect(Box::new(c))).await;
        match client.recv().await {
            Packet::ConnAck(ack) => {
                assert_eq!(ack.reason, ReasonCode::Success, "CONNACK {ack:?}");
                (client, ack)
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }

    pub async fn v311(addr: SocketAddr, client_id: &str) -> Client {
        Self::connect(addr, ProtocolLevel::V311, client_id, true).await.0
    }

    pub async fn v5(addr: SocketAddr, client_id: &str) -> Client {
        Self::connect(addr, ProtocolLevel::V5, client_id, true).await.0
    }

    pub fn pid(&mut self) -> u16 {
        let p = self.next_pid;
        self.next_pid = self.next_pid.wrapping_add(1).max(1);
        p
    }

    pub async fn send(&mut self, packet: &Packet) {
        let mut out = BytesMut::new();
        mqtt::encode(packet, self.level, &mut out).expect("encodes");
        self.stream.write_all(&out).await.expect("writes");
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("writes");
    }

    /// The next packet, or `None` if nothing arrives within `wait`. Panics when the connection closes.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Packet> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(p) = mqtt::decode(&mut self.buf, Some(self.level), usize::MAX).expect("server sent valid MQTT")
            {
                return Some(p);
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => return None,
                Ok(Ok(0)) => panic!("connection closed while waiting for a packet"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => panic!("read error: {e}"),
            }
        }
    }

    pub async fn recv(&mut self) -> Packet {
        self.try_recv(WAIT).await.expect("a packet within 5 s")
    }

    /// Expects the server to close the connection; returns the packets received before.
    pub async fn expect_closed(&mut self) -> Vec<Packet> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            while let Ok(Some(p)) = mqtt::decode(&mut self.buf, Some(self.level), usize::MAX) {
                got.push(p);
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => panic!("connection not closed; got {got:?}"),
                Ok(Ok(0)) | Ok(Err(_)) => return got,
                Ok(Ok(_)) => {}
            }
        }
    }

    /// Raw bytes until close (for answers a codec cannot decode at this level).
    pub async fn read_until_closed(&mut self) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => panic!("connection not closed"),
                Ok(Ok(0)) | Ok(Err(_)) => return self.buf.to_vec(),
                Ok(Ok(_)) => {}
            }
        }
    }

    pub async fn subscribe_opts(&mut self, filters: &[(&str, SubscribeOptions)], properties: Properties) -> SubAck {
        let packet_id = self.pid();
        let filters = filters.iter().map(|(f, o)| SubscribeFilter { filter: (*f).into(), options: *o }).collect();
        self.send(&Packet::Subscribe(Subscribe { packet_id, filters, properties })).await;
        loop {
            match self.recv().await {
                Packet::SubAck(a) if a.packet_id == packet_id => return a,
                Packet::Publish(_) => continue,
                other => panic!("expected SUBACK, got {other:?}"),
            }
        }
    }

    pub async fn subscribe(&mut self, filter: &str, qos: QoS) -> SubAck {
        let opts = SubscribeOptions { qos, ..SubscribeOptions::default() };
        self.subscribe_opts(&[(filter, opts)], Properties::default()).await
    }

    /// Publishes and completes the QoS exchange.
    pub async fn publish(&mut self, topic: &str, payload: &str, qos: QoS, retain: bool) {
        let pid = self.pid();
        let mut p = publish(topic, payload, qos, pid);
        p.retain = retain;
        self.publish_packet(p).await;
    }

    pub async fn publish_packet(&mut self, p: Publish) {
        let (qos, pid) = (p.qos, p.packet_id);
        self.send(&Packet::Publish(p)).await;
        match qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => match self.recv_skipping_publishes().await {
                Packet::PubAck(a) => assert_eq!(a.packet_id, pid),
                other => panic!("expected PUBACK, got {other:?}"),
            },
            QoS::ExactlyOnce => {
                match self.recv_skipping_publishes().await {
                    Packet::PubRec(a) => assert_eq!(a.packet_id, pid),
                    other => panic!("expected PUBREC, got {other:?}"),
                }
                self.send(&Packet::PubRel(PubResponse::success(pid))).await;
                match self.recv_skipping_publishes().await {
                    Packet::PubComp(a) => assert_eq!(a.packet_id, pid),
                    other => panic!("expected PUBCOMP, got {other:?}"),
                }
            }
        }
    }

    async fn recv_skipping_publishes(&mut self) -> Packet {
        loop {
            match self.recv().await {
                Packet::Publish(_) => continue,
                p => return p,
            }
        }
    }

    /// The next PUBLISH (other packets are a test failure).
    pub async fn recv_publish(&mut self) -> Publish {
        match self.recv().await {
            Packet::Publish(p) => p,
            other => panic!("expected PUBLISH, got {other:?}"),
        }
    }

    /// Receives a PUBLISH and acknowledges it as its QoS asks.
    pub async fn recv_and_ack(&mut self) -> Publish {
        let p = self.recv_publish().await;
        self.ack(&p).await;
        p
    }

    pub async fn ack(&mut self, p: &Publish) {
        match p.qos {
            QoS::AtMostOnce => {}
            QoS::AtLeastOnce => self.send(&Packet::PubAck(PubResponse::success(p.packet_id))).await,
            QoS::ExactlyOnce => {
                self.send(&Packet::PubRec(PubResponse::success(p.packet_id))).await;
                match self.recv().await {
                    Packet::PubRel(r) => assert_eq!(r.packet_id, p.packet_id),
                    other => panic!("expected PUBREL, got {other:?}"),
                }
                self.send(&Packet::PubComp(PubResponse::success(p.packet_id))).await;
            }
        }
    }

    /// Acknowledges several received PUBLISHes, answering the PUBRELs of the QoS 2 ones.
    pub async fn ack_all(&mut self, msgs: &[Publish]) {
        let mut rels = 0;
        for p in msgs {
            match p.qos {
                QoS::AtMostOnce => {}
                QoS::AtLeastOnce => self.send(&Packet::PubAck(PubResponse::success(p.packet_id))).await,
                QoS::ExactlyOnce => {
                    self.send(&Packet::PubRec(PubResponse::success(p.packet_id))).await;
                    rels += 1;
                }
            }
        }
        for _ in 0..rels {
            match self.recv().await {
                Packet::PubRel(r) => self.send(&Packet::PubComp(PubResponse::success(r.packet_id))).await,
                other => panic!("expected PUBREL, got {other:?}"),
            }
        }
    }

    pub async fn expect_nothing(&mut self, wait: Duration) {
        if let Some(p) = self.try_recv(wait).await {
            panic!("expected nothing, got {p:?}");
        }
    }

    pub async fn disconnect(mut self) {
        self.send(&Packet::Disconnect(Default::default())).await;
        let _ = self.stream.shutdown().await;
    }

    /// Round trip: a PINGREQ answered means everything sent before was processed.
    pub async fn sync(&mut self) {
        self.send(&Packet::PingReq).await;
        match self.recv().await {
            Packet::PingResp => {}
            other => panic!("expected PINGRESP, got {other:?}"),
        }
    }
}

/// A raw NATS client.
pub struct Nats {
    stream: TcpStream,
    buf: BytesMut,
}

/// A message as a NATS subscriber sees it.
#[derive(Debug, Clone)]
pub struct NatsMsg {
    pub subject: String,
    pub reply: Option<String>,
    pub headers: Option<Bytes>,
    pub payload: Bytes,
}

impl Nats {
    pub async fn connect(addr: SocketAddr) -> Nats {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let mut n = Nats { stream, buf: BytesMut::new() };
        n.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"protocol\":1}\r\n").await;
        n.sync().await;
        n
    }

    pub async fn send(&mut self, s: &str) {
        self.stream.write_all(s.as_bytes()).await.expect("writes");
    }

    async fn op(&mut self) -> ServerOp {
        let limits = Limits { max_control_line: 4096, max_payload: 64 << 20 };
        loop {
            if let Some(op) = parse_server_op(&mut self.buf, &limits).expect("valid NATS") {
                return op;
            }
            match tokio::time::timeout(WAIT, self.stream.read_buf(&mut self.buf)).await {
                Ok(Ok(n)) if n > 0 => {}
                other => panic!("NATS read failed: {other:?}"),
            }
        }
    }

    /// PING/PONG round trip.
    pub async fn sync(&mut self) {
        self.send("PING\r\n").await;
        loop {
            match self.op().await {
                ServerOp::Pong => return,
                ServerOp::Info(_) | ServerOp::Ok => {}
                ServerOp::Ping => self.send("PONG\r\n").await,
                other => panic!("expected PONG, got {other:?}"),
            }
        }
    }

    pub async fn sub(&mut self, subject: &str, sid: u32) {
        self.send(&format!("SUB {subject} {sid}\r\n")).await;
        self.sync().await;
    }

    pub async fn queue_sub(&mut self, subject: &str, queue: &str, sid: u32) {
        self.send(&format!("SUB {subject} {queue} {sid}\r\n")).await;
        self.sync().await;
    }

    pub async fn publish(&mut self, subject: &str, payload: &str) {
        self.send(&format!("PUB {subject} {}\r\n{payload}\r\n", payload.len())).await;
    }

    pub async fn publish_reply(&mut self, subject: &str, reply: &str, payload: &str) {
        self.send(&format!("PUB {subject} {reply} {}\r\n{payload}\r\n", payload.len())).await;
    }

    pub async fn hpublish(&mut self, subject: &str, headers: &str, payload: &str) {
        let h = format!("NATS/1.0\r\n{headers}\r\n");
        self.send(&format!("HPUB {subject} {} {}\r\n{h}{payload}\r\n", h.len(), h.len() + payload.len())).await;
    }

    pub async fn next_msg(&mut self) -> NatsMsg {
        loop {
            match self.op().await {
                ServerOp::Msg { subject, reply, headers, payload, .. } => {
                    let s = |b: Bytes| String::from_utf8(b.to_vec()).unwrap();
                    return NatsMsg { subject: s(subject), reply: reply.map(s), headers, payload };
                }
                ServerOp::Ping => self.send("PONG\r\n").await,
                _ => {}
            }
        }
    }

    /// Whether a message arrives within `wait`.
    pub async fn try_next_msg(&mut self, wait: Duration) -> Option<NatsMsg> {
        tokio::time::timeout(wait, self.next_msg()).await.ok()
    }
}

/// Waits until `f` holds, polling.
pub async fn eventually(mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "condition not reached in time");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
