//! MQTT throughput with raw pipelining clients (no client library in the way): one publisher, one
//! subscriber, 128-byte payloads, QoS 0 and QoS 1 (the subscriber acknowledges every message).
//! Ignored by default; run with
//! `cargo test --release -p switchyard --test mqtt_throughput -- --ignored --nocapture`
//! (with `MQTT_BENCH_ADDR=127.0.0.1:1883` the same clients measure another server instead).

mod mqtt_support;

use std::time::Instant;

use bytes::BytesMut;
use mqtt_support::*;
use switchyard::frontend::mqtt::{MqttSettings, Persistence};
use switchyard_shared::mqtt::{self, Packet, ProtocolLevel, PubResponse, QoS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const COUNT: usize = 500_000;

async fn run(qos: QoS, persistent: bool) -> f64 {
    let dir = std::env::temp_dir().join(format!("switchyard-mqtt-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let persistence = if persistent { Persistence::Directory(dir.clone()) } else { Persistence::Memory };
    // MQTT_BENCH_ADDR points the same clients at another server (mosquitto, nats-server) to compare.
    let external: Option<std::net::SocketAddr> = std::env::var("MQTT_BENCH_ADDR").ok().map(|a| a.parse().unwrap());
    let s = match external {
        Some(_) => None,
        None => Some(TestServer::start(MqttSettings { max_ack_pending: u16::MAX, persistence, ..settings() }).await),
    };
    let addr = external.unwrap_or_else(|| s.as_ref().unwrap().mqtt_addr);
    let (mut sub, _) = Client::connect(addr, ProtocolLevel::V311, "bench-sub", !persistent).await;
    sub.subscribe("bench", qos).await;
    let mut publ = Client::v311(addr, "bench-pub").await;
    let payload = "x".repeat(128);
    let start = Instant::now();
    let receiver = tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(1 << 20);
        let mut acks = BytesMut::new();
        let mut got = 0;
        while got < COUNT {
            while let Some(p) = mqtt::decode(&mut buf, Some(ProtocolLevel::V311), usize::MAX).unwrap() {
                if let Packet::Publish(p) = p {
                    got += 1;
                    if p.qos == QoS::AtLeastOnce {
                        mqtt::encode(
                            &Packet::PubAck(PubResponse::success(p.packet_id)),
                            ProtocolLevel::V311,
                            &mut acks,
                        )
                        .unwrap();
                    }
                }
            }
            if !acks.is_empty() {
                sub.stream.write_all(&acks.split()).await.unwrap();
            }
            if got < COUNT && sub.stream.read_buf(&mut buf).await.unwrap() == 0 {
                panic!("subscriber closed after {got}");
            }
        }
    });
    let (mut rd, mut wr) = publ.stream.split();
    let drain = async {
        // PUBACKs for the publisher: read and discard.
        let mut sink = vec![0u8; 1 << 16];
        if qos != QoS::AtMostOnce {
            let mut left = COUNT * 4;
            while left > 0 {
                let n = rd.read(&mut sink).await.unwrap();
                assert!(n > 0);
                left = left.saturating_sub(n);
            }
        }
    };
    let send = async {
        let mut out = BytesMut::with_capacity(1 << 20);
        for i in 0..COUNT {
            let pid = (i % 65_535) as u16 + 1;
            let p = publish("bench", &payload, qos, pid);
            mqtt::encode(&Packet::Publish(p), ProtocolLevel::V311, &mut out).unwrap();
            if out.len() > 64 * 1024 {
                wr.write_all(&out.split()).await.unwrap();
            }
        }
        wr.write_all(&out).await.unwrap();
    };
    tokio::join!(send, drain);
    receiver.await.unwrap();
    let rate = COUNT as f64 / start.elapsed().as_secs_f64();
    if let Some(s) = s {
        s.stop().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    rate
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn throughput_one_publisher_one_subscriber() {
    for (qos, persistent) in [(QoS::AtMostOnce, false), (QoS::AtLeastOnce, false), (QoS::AtLeastOnce, true)] {
        let rate = run(qos, persistent).await;
        let kind = if persistent { "persistent, file store" } else { "clean" };
        println!("QoS {} ({kind} subscriber): {:>10.0} msgs/s", qos.as_u8(), rate);
    }
}
