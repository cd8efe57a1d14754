//! MQTT protocol rules on a real socket: CONNECT/CONNACK, keep-alive, bad input and the reason codes it
//! gets, SUBSCRIBE/UNSUBSCRIBE answers, topic aliases, takeover, and the byte-stream entry point.

mod mqtt_support;

use std::time::Duration;

use bytes::Bytes;
use mqtt_support::*;
use switchyard::config::{Config, MqttConfig, SimpleAuth};
use switchyard::core::Kind;
use switchyard::frontend::mqtt::MqttSettings;

/// A server whose `mqtt {}` block has its own user.
async fn with_mqtt_user() -> TestServer {
    let block = MqttConfig {
        authorization: Some(SimpleAuth {
            user: Some("alice".into()),
            password: Some("pw".into()),
            ..SimpleAuth::default()
        }),
        ..MqttConfig::default()
    };
    TestServer::start_with(Config { mqtt: Some(block), ..config() }, settings()).await
}
use switchyard_shared::mqtt::{
    ConnectReturnCode, Disconnect, Packet, Properties, ProtocolLevel, PubResponse, QoS, ReasonCode, SubscribeOptions,
    Unsubscribe,
};

fn disconnect_reason(packets: &[Packet]) -> Option<ReasonCode> {
    packets.iter().find_map(|p| match p {
        Packet::Disconnect(d) => Some(d.reason),
        _ => None,
    })
}

#[tokio::test]
async fn v311_connect_gets_connack_and_ping_gets_pingresp() {
    let s = TestServer::start(settings()).await;
    let (mut c, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "c1", true).await;
    assert!(!ack.session_present);
    c.sync().await;
    c.disconnect().await;
    s.stop().await;
}

#[tokio::test]
async fn v5_connack_announces_limits_and_assigns_a_client_id() {
    let s = TestServer::start(MqttSettings { receive_maximum: 100, ..settings() }).await;
    let (_c, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V5, "", true).await;
    let p = &ack.properties;
    assert!(p.assigned_client_identifier.as_deref().is_some_and(|id| id.starts_with("auto-")));
    assert_eq!(p.receive_maximum, Some(100));
    assert_eq!(p.topic_alias_maximum, Some(64));
    assert_eq!(p.maximum_packet_size, Some(1024 * 1024 + 64 * 1024));
    s.stop().await;
}

#[tokio::test]
async fn v311_empty_client_id_without_clean_session_is_rejected() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V311).await;
    c.send(&Packet::Connect(Box::new(connect_packet(ProtocolLevel::V311, "", false)))).await;
    let got = c.expect_closed().await;
    assert!(
        matches!(&got[..], [Packet::ConnAck(a)] if ConnectReturnCode::from_reason(a.reason) == ConnectReturnCode::IdentifierRejected),
        "{got:?}"
    );
    // With clean session the server makes one up.
    Client::connect(s.mqtt_addr, ProtocolLevel::V311, "", true).await;
    s.stop().await;
}

/// A CONNECT for protocol `name` at `level` with an empty client id and clean session.
fn raw_connect(name: &[u8], level: u8) -> Vec<u8> {
    let mut body = vec![0, name.len() as u8];
    body.extend_from_slice(name);
    body.extend_from_slice(&[level, 0x02, 0, 60, 0, 0]);
    let mut out = vec![0x10, body.len() as u8];
    out.extend(body);
    out
}

#[tokio::test]
async fn unsupported_protocol_levels_get_return_code_1() {
    let s = TestServer::start(settings()).await;
    for level in [3u8, 6] {
        let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V311).await;
        c.send_raw(&raw_connect(b"MQTT", level)).await;
        assert_eq!(c.read_until_closed().await, [0x20, 2, 0, 1], "level {level}");
    }
    s.stop().await;
}

#[tokio::test]
async fn mqtt31_and_unknown_protocol_names_are_closed_without_connack() {
    let s = TestServer::start(settings()).await;
    for (name, level) in [(&b"MQIsdp"[..], 3u8), (&b"HTTP"[..], 4)] {
        let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V311).await;
        c.send_raw(&raw_connect(name, level)).await;
        assert!(c.read_until_closed().await.is_empty());
    }
    s.stop().await;
}

#[tokio::test]
async fn a_first_packet_other_than_connect_closes_the_connection() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V311).await;
    c.send_raw(&[0xC0, 0]).await; // PINGREQ
    assert!(c.read_until_closed().await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn a_second_connect_is_a_protocol_error() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "twice").await;
    c.send_raw(&raw_connect(b"MQTT", 5)).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::ProtocolError));
    let mut c = Client::v311(s.mqtt_addr, "twice311").await;
    c.send_raw(&raw_connect(b"MQTT", 4)).await;
    assert!(c.expect_closed().await.is_empty(), "3.1.1 has no DISCONNECT from the server");
    s.stop().await;
}

#[tokio::test]
async fn malformed_packets_get_malformed_packet_disconnect() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "bad").await;
    // PUBLISH with QoS 3.
    c.send_raw(&[0x36, 5, 0, 1, b'a', 0, 1]).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::MalformedPacket));
    s.stop().await;
}

#[tokio::test]
async fn oversize_packets_get_packet_too_large() {
    let s = TestServer::start(MqttSettings { max_packet_size: Some(100), ..settings() }).await;
    let mut c = Client::v5(s.mqtt_addr, "big").await;
    c.publish("a", &"x".repeat(50), QoS::AtMostOnce, false).await;
    c.sync().await;
    c.send(&Packet::Publish(publish("a", &"x".repeat(200), QoS::AtMostOnce, 0))).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::PacketTooLarge));
    // An oversize CONNECT is refused in CONNACK.
    let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V5).await;
    let mut connect = connect_packet(ProtocolLevel::V5, &"c".repeat(150), true);
    connect.keep_alive = 10;
    c.send(&Packet::Connect(Box::new(connect))).await;
    let got = c.expect_closed().await;
    assert!(matches!(&got[..], [Packet::ConnAck(a)] if a.reason == ReasonCode::PacketTooLarge), "{got:?}");
    s.stop().await;
}

#[tokio::test]
async fn bad_credentials_are_refused_with_the_right_code() {
    let s = with_mqtt_user().await;
    let creds = |level, user: Option<&str>, pass: Option<&str>| {
        let mut c = connect_packet(level, "auth", true);
        c.username = user.map(Into::into);
        c.password = pass.map(|p| Bytes::copy_from_slice(p.as_bytes()));
        c
    };
    let addr = s.mqtt_addr;
    let refused = |c| async move {
        let mut client = Client::raw(addr, ProtocolLevel::V5).await;
        let level = match &c {
            Packet::Connect(c) => c.protocol_level,
            _ => unreachable!(),
        };
        client.level = level;
        client.send(&c).await;
        match &client.expect_closed().await[..] {
            [Packet::ConnAck(a)] => a.reason,
            other => panic!("expected one CONNACK, got {other:?}"),
        }
    };
    let wrong = |l| Packet::Connect(Box::new(creds(l, Some("alice"), Some("nope"))));
    let none = |l| Packet::Connect(Box::new(creds(l, None, None)));
    // 3.1.1 gets return code 5 (not authorized), as from nats-server.
    let r = refused(wrong(ProtocolLevel::V311)).await;
    assert_eq!(ConnectReturnCode::from_reason(r), ConnectReturnCode::NotAuthorized);
    assert_eq!(refused(wrong(ProtocolLevel::V5)).await, ReasonCode::BadUserNameOrPassword);
    assert_eq!(refused(none(ProtocolLevel::V5)).await, ReasonCode::NotAuthorized);
    Client::connect_with(s.mqtt_addr, creds(ProtocolLevel::V5, Some("alice"), Some("pw"))).await;
    s.stop().await;
}

#[tokio::test]
async fn no_auth_user_admits_anonymous_clients_as_that_user() {
    // As in nats-server, no_auth_user names one of the server's users.
    let mut config = config();
    config.authorization.users = vec![switchyard::config::User {
        user: Some("alice".into()),
        password: Some("pw".into()),
        ..Default::default()
    }];
    config.mqtt = Some(MqttConfig { no_auth_user: Some("alice".into()), ..MqttConfig::default() });
    let s = TestServer::start_with(config, settings()).await;
    let _c = Client::v311(s.mqtt_addr, "anon").await;
    let clients = s.mqtt().clients();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].user, "alice");
    s.stop().await;
}

#[tokio::test]
async fn keep_alive_is_enforced_at_one_and_a_half_times_the_interval() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "sleepy", true);
    connect.keep_alive = 1;
    let (mut c, _) = Client::connect_with(s.mqtt_addr, connect).await;
    let start = tokio::time::Instant::now();
    // Pings keep it alive.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        c.sync().await;
    }
    let quiet = tokio::time::Instant::now();
    let got = c.expect_closed().await;
    assert_eq!(disconnect_reason(&got), Some(ReasonCode::KeepAliveTimeout));
    let waited = quiet.elapsed();
    assert!(waited >= Duration::from_millis(1400) && waited < Duration::from_millis(2500), "{waited:?}");
    assert!(start.elapsed() > Duration::from_secs(2));
    s.stop().await;
}

/// Keep-alive is enforced for every connection by one sweep, not a timer per connection: with many
/// silent clients each still goes at 1.5 × its keep-alive (within the sweep's period), while a client
/// that keeps pinging stays.
#[tokio::test]
async fn many_silent_clients_are_each_closed_after_one_and_a_half_keep_alives() {
    let s = TestServer::start(MqttSettings { ack_wait: Duration::from_secs(30), ..settings() }).await;
    let mut busy = {
        let mut connect = connect_packet(ProtocolLevel::V311, "busy", true);
        connect.keep_alive = 1;
        Client::connect_with(s.mqtt_addr, connect).await.0
    };
    let mut silent = Vec::new();
    for i in 0..200 {
        let level = if i % 2 == 0 { ProtocolLevel::V311 } else { ProtocolLevel::V5 };
        let mut connect = connect_packet(level, &format!("silent-{i}"), true);
        connect.keep_alive = if i < 100 { 1 } else { 2 };
        let (c, _) = Client::connect_with(s.mqtt_addr, connect).await;
        let quiet = tokio::time::Instant::now();
        silent.push((c, level, quiet, Duration::from_millis(if i < 100 { 1500 } else { 3000 })));
    }
    let pinger = tokio::spawn(async move {
        for _ in 0..6 {
            tokio::time::sleep(Duration::from_millis(600)).await;
            busy.sync().await;
        }
        busy
    });
    let closes = silent.into_iter().map(|(mut c, level, quiet, after)| async move {
        let got = c.expect_closed().await;
        let waited = quiet.elapsed();
        if level == ProtocolLevel::V5 {
            assert_eq!(disconnect_reason(&got), Some(ReasonCode::KeepAliveTimeout));
        }
        // Silent since just before CONNACK arrived; late by at most the sweep's period (250 ms) plus
        // scheduling on a busy machine.
        let early = Duration::from_millis(50);
        assert!(waited + early >= after && waited < after + Duration::from_millis(1000), "{after:?}: {waited:?}");
    });
    futures_util::future::join_all(closes).await;
    let mut busy = pinger.await.expect("pinger");
    busy.sync().await;
    s.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_no_connect_is_closed_after_the_connect_timeout() {
    let s = TestServer::start(MqttSettings { connect_timeout: Duration::from_millis(500), ..settings() }).await;
    let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V311).await;
    let start = tokio::time::Instant::now();
    assert!(c.expect_closed().await.is_empty());
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(450) && waited < Duration::from_millis(1500), "{waited:?}");
    s.stop().await;
}

#[tokio::test]
async fn shutdown_tells_idle_mqtt5_clients_and_closes_them() {
    let s = TestServer::start(settings()).await;
    let mut v5 = Client::v5(s.mqtt_addr, "idle5").await;
    let mut v311 = Client::v311(s.mqtt_addr, "idle311").await;
    let server = s.running.server.clone();
    let start = tokio::time::Instant::now();
    let stopped = tokio::spawn(s.stop());
    assert_eq!(disconnect_reason(&v5.expect_closed().await), Some(ReasonCode::ServerShuttingDown));
    assert!(v311.expect_closed().await.is_empty());
    stopped.await.expect("server stops");
    assert_eq!(server.registry.num_open(), 0);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[tokio::test]
async fn invalid_filters_are_refused_one_by_one_in_suback() {
    let s = TestServer::start(settings()).await;
    let q1 = SubscribeOptions { qos: QoS::AtLeastOnce, ..SubscribeOptions::default() };
    let q2 = SubscribeOptions { qos: QoS::ExactlyOnce, ..SubscribeOptions::default() };
    let q0 = SubscribeOptions::default();
    let filters = [("a/#/b", q1), ("ok/+", q2), ("bad filter", q1), ("x", q0), ("$share//x", q0)];
    let mut c = Client::v5(s.mqtt_addr, "f5").await;
    let ack = c.subscribe_opts(&filters, Properties::default()).await;
    use ReasonCode as R;
    assert_eq!(
        ack.reasons,
        [R::TopicFilterInvalid, R::GrantedQoS2, R::TopicFilterInvalid, R::GRANTED_QOS_0, R::TopicFilterInvalid]
    );
    let mut c = Client::v311(s.mqtt_addr, "f4").await;
    let ack = c.subscribe_opts(&filters, Properties::default()).await;
    // 3.1.1 only has 0x80 for failure; the codec reads it back as unspecified error.
    assert_eq!(
        ack.reasons,
        [R::UnspecifiedError, R::GrantedQoS2, R::UnspecifiedError, R::GRANTED_QOS_0, R::UnspecifiedError]
    );
    s.stop().await;
}

#[tokio::test]
async fn unsubscribe_stops_delivery_and_reports_unknown_filters() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "u").await;
    c.subscribe("a/b", QoS::AtMostOnce).await;
    c.publish("a/b", "1", QoS::AtMostOnce, false).await;
    assert_eq!(c.recv_publish().await.payload, "1");
    c.send(&Packet::Unsubscribe(Unsubscribe {
        packet_id: 9,
        filters: vec!["a/b".into(), "nope".into()],
        properties: Properties::default(),
    }))
    .await;
    match c.recv().await {
        Packet::UnsubAck(a) => {
            assert_eq!(a.packet_id, 9);
            assert_eq!(a.reasons, [ReasonCode::Success, ReasonCode::NoSubscriptionExisted]);
        }
        other => panic!("expected UNSUBACK, got {other:?}"),
    }
    c.publish("a/b", "2", QoS::AtMostOnce, false).await;
    c.expect_nothing(Duration::from_millis(200)).await;
    s.stop().await;
}

#[tokio::test]
async fn publishing_to_an_unmappable_topic_closes_the_connection() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "ws5").await;
    c.send(&Packet::Publish(publish("has space", "x", QoS::AtMostOnce, 0))).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::TopicNameInvalid));
    let mut c = Client::v311(s.mqtt_addr, "ws4").await;
    c.send(&Packet::Publish(publish("has space", "x", QoS::AtMostOnce, 0))).await;
    assert!(c.expect_closed().await.is_empty());
    s.stop().await;
}

#[tokio::test]
async fn topic_aliases_from_the_client_are_resolved_and_bounded() {
    let s = TestServer::start(MqttSettings { topic_alias_maximum: 2, ..settings() }).await;
    let mut sub = Client::v311(s.mqtt_addr, "alias-sub").await;
    sub.subscribe("long/topic/name", QoS::AtMostOnce).await;
    let mut c = Client::v5(s.mqtt_addr, "alias-pub").await;
    let mut first = publish("long/topic/name", "1", QoS::AtMostOnce, 0);
    first.properties.topic_alias = Some(2);
    c.send(&Packet::Publish(first)).await;
    let mut second = publish("", "2", QoS::AtMostOnce, 0);
    second.properties.topic_alias = Some(2);
    c.send(&Packet::Publish(second)).await;
    for want in ["1", "2"] {
        let p = sub.recv_publish().await;
        assert_eq!((p.topic.as_str(), &p.payload[..]), ("long/topic/name", want.as_bytes()));
    }
    let mut bad = publish("t", "3", QoS::AtMostOnce, 0);
    bad.properties.topic_alias = Some(3);
    c.send(&Packet::Publish(bad)).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::TopicAliasInvalid));
    s.stop().await;
}

#[tokio::test]
async fn topic_aliases_towards_the_client_replace_repeated_topics() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "alias-out", true);
    connect.properties.topic_alias_maximum = Some(1);
    let (mut c, _) = Client::connect_with(s.mqtt_addr, connect).await;
    c.subscribe("t/#", QoS::AtMostOnce).await;
    let mut p = Client::v311(s.mqtt_addr, "alias-src").await;
    for t in ["t/a", "t/a", "t/b"] {
        p.publish(t, "x", QoS::AtMostOnce, false).await;
    }
    let got: Vec<(String, Option<u16>)> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            let m = c.recv_publish().await;
            v.push((m.topic, m.properties.topic_alias));
        }
        v
    };
    assert_eq!(got, [("t/a".into(), Some(1)), (String::new(), Some(1)), ("t/b".into(), None)]);
    s.stop().await;
}

#[tokio::test]
async fn a_reused_client_id_takes_the_session_over() {
    let s = TestServer::start(settings()).await;
    let mut old = Client::v5(s.mqtt_addr, "dup").await;
    let mut old311 = Client::v311(s.mqtt_addr, "dup311").await;
    let mut new = Client::v5(s.mqtt_addr, "dup").await;
    let _new311 = Client::v311(s.mqtt_addr, "dup311").await;
    let got = old.expect_closed().await;
    assert_eq!(disconnect_reason(&got), Some(ReasonCode::SessionTakenOver));
    let why = got.iter().find_map(|p| match p {
        Packet::Disconnect(d) => d.properties.reason_string.clone(),
        _ => None,
    });
    assert_eq!(why.as_deref(), Some("another connection took the session over"), "MQTT 5 gets a reason string");
    assert!(old311.expect_closed().await.is_empty());
    new.sync().await;
    let closed = s.running.server.registry.closed();
    assert_eq!(closed.iter().filter(|c| c.reason.as_str() == "Duplicate Client ID").count(), 2);
    s.stop().await;
}

#[tokio::test]
async fn mqtt_connections_appear_in_the_registry() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "seen").await;
    c.subscribe("a/#", QoS::AtLeastOnce).await;
    let open = s.running.server.registry.open();
    let conn = open.iter().find(|c| c.kind == Kind::Mqtt).expect("an MQTT connection");
    assert_eq!(conn.meta().mqtt_client, "seen");
    assert_eq!(conn.num_subs(), 2, "a/# is two NATS subscriptions");
    c.disconnect().await;
    eventually(|| s.running.server.registry.num_open() == 0).await;
    let closed = s.running.server.registry.closed();
    assert_eq!(closed.last().unwrap().meta.mqtt_client, "seen");
    s.stop().await;
}

#[tokio::test]
async fn server_packets_from_a_client_are_a_protocol_error() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "confused").await;
    c.send(&Packet::PingResp).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::ProtocolError));
    s.stop().await;
}

#[tokio::test]
async fn pubrel_for_an_unknown_identifier_gets_not_found() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "rel").await;
    c.send(&Packet::PubRel(PubResponse::success(77))).await;
    match c.recv().await {
        Packet::PubComp(r) => assert_eq!((r.packet_id, r.reason), (77, ReasonCode::PacketIdentifierNotFound)),
        other => panic!("expected PUBCOMP, got {other:?}"),
    }
    s.stop().await;
}

#[tokio::test]
async fn disconnect_may_not_raise_a_zero_session_expiry() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "exp").await;
    let mut d = Disconnect::default();
    d.properties.session_expiry_interval = Some(60);
    c.send(&Packet::Disconnect(d)).await;
    assert_eq!(disconnect_reason(&c.expect_closed().await), Some(ReasonCode::ProtocolError));
    s.stop().await;
}

#[tokio::test]
async fn enhanced_authentication_is_refused() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "scram", true);
    connect.properties.authentication_method = Some("SCRAM-SHA-1".into());
    let mut c = Client::raw(s.mqtt_addr, ProtocolLevel::V5).await;
    c.send(&Packet::Connect(Box::new(connect))).await;
    let got = c.expect_closed().await;
    assert!(matches!(&got[..], [Packet::ConnAck(a)] if a.reason == ReasonCode::BadAuthenticationMethod), "{got:?}");
    s.stop().await;
}

#[tokio::test]
async fn any_byte_stream_can_carry_mqtt() {
    let s = TestServer::start(settings()).await;
    let (server_end, client_end) = tokio::io::duplex(64 * 1024);
    let mqtt = s.mqtt().clone();
    let addr = "127.0.0.1:9".parse().unwrap();
    tokio::spawn(async move { mqtt.serve_stream(server_end, addr).await });
    let mut tcp = Client::v311(s.mqtt_addr, "tcp-side").await;
    tcp.subscribe("over/stream", QoS::AtLeastOnce).await;
    // Speak MQTT over the in-memory stream with the codec by hand.
    use switchyard_shared::mqtt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut rd, mut wr) = tokio::io::split(client_end);
    let mut out = bytes::BytesMut::new();
    mqtt::encode(
        &Packet::Connect(Box::new(connect_packet(ProtocolLevel::V5, "stream-side", true))),
        ProtocolLevel::V5,
        &mut out,
    )
    .unwrap();
    mqtt::encode(&Packet::Publish(publish("over/stream", "hi", QoS::AtLeastOnce, 1)), ProtocolLevel::V5, &mut out)
        .unwrap();
    wr.write_all(&out).await.unwrap();
    let mut buf = bytes::BytesMut::new();
    let mut got = Vec::new();
    while got.len() < 2 {
        if let Some(p) = mqtt::decode(&mut buf, Some(ProtocolLevel::V5), usize::MAX).unwrap() {
            got.push(p);
            continue;
        }
        tokio::time::timeout(WAIT, rd.read_buf(&mut buf)).await.unwrap().unwrap();
    }
    assert!(matches!(&got[0], Packet::ConnAck(a) if a.reason == ReasonCode::Success));
    assert!(matches!(&got[1], Packet::PubAck(a) if a.packet_id == 1));
    let p = tcp.recv_and_ack().await;
    assert_eq!((p.topic.as_str(), &p.payload[..], p.qos), ("over/stream", &b"hi"[..], QoS::AtLeastOnce));
    assert!(s.mqtt().clients().iter().any(|c| c.client_id == "stream-side"));
    s.stop().await;
}

#[tokio::test]
async fn mqtt_over_websocket_uses_the_mqtt_path_and_subprotocol() {
    use futures_util::{SinkExt, StreamExt};
    use switchyard::frontend::ws::WsSettings;
    use switchyard::{Frontends, Server};
    use switchyard_shared::mqtt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let ws = WsSettings { host: "127.0.0.1".into(), port: 0, no_tls: true, ..WsSettings::default() };
    let frontends = Frontends { websocket: Some(ws), mqtt: Some(settings()) };
    let running = Server::start_with(config(), frontends).await.unwrap();
    let mqtt_addr = running.mqtt_addr.unwrap();
    let mut request = format!("ws://{}/mqtt", running.ws_addr.unwrap()).into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "mqtt".parse().unwrap());
    let (mut wsc, response) = tokio_tungstenite::connect_async(request).await.expect("upgrade");
    assert_eq!(response.headers().get("Sec-WebSocket-Protocol").unwrap(), "mqtt");

    let encode = |p: &Packet| {
        let mut out = bytes::BytesMut::new();
        mqtt::encode(p, ProtocolLevel::V5, &mut out).unwrap();
        out.freeze()
    };
    // CONNECT split over two frames, then SUBSCRIBE.
    let connect = encode(&Packet::Connect(Box::new(connect_packet(ProtocolLevel::V5, "over-ws", true))));
    wsc.send(Message::binary(connect.slice(..5))).await.unwrap();
    wsc.send(Message::binary(connect.slice(5..))).await.unwrap();
    let sub = switchyard_shared::mqtt::Subscribe {
        packet_id: 1,
        filters: vec![switchyard_shared::mqtt::SubscribeFilter {
            filter: "ws/#".into(),
            options: SubscribeOptions { qos: QoS::AtLeastOnce, ..SubscribeOptions::default() },
        }],
        properties: Properties::default(),
    };
    wsc.send(Message::binary(encode(&Packet::Subscribe(sub)))).await.unwrap();
    let mut buf = bytes::BytesMut::new();
    let mut next = async || loop {
        if let Some(p) = mqtt::decode(&mut buf, Some(ProtocolLevel::V5), usize::MAX).unwrap() {
            return p;
        }
        match tokio::time::timeout(WAIT, wsc.next()).await.unwrap().unwrap().unwrap() {
            Message::Binary(b) => buf.extend_from_slice(&b),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(matches!(next().await, Packet::ConnAck(a) if a.reason == ReasonCode::Success));
    assert!(matches!(next().await, Packet::SubAck(a) if a.reasons == [ReasonCode::GrantedQoS1]));
    let mut tcp = Client::v311(mqtt_addr, "tcp-pub").await;
    tcp.publish("ws/x", "hello ws", QoS::AtLeastOnce, false).await;
    match next().await {
        Packet::Publish(p) => {
            assert_eq!((p.topic.as_str(), &p.payload[..], p.qos), ("ws/x", &b"hello ws"[..], QoS::AtLeastOnce))
        }
        other => panic!("expected PUBLISH, got {other:?}"),
    }
    let clients = running.server.mqtt.get().unwrap().clients();
    assert!(clients.iter().any(|c| c.client_id == "over-ws"));
    running.shutdown();
    running.wait().await;
}

#[tokio::test]
async fn user_permissions_apply_to_the_mapped_subjects() {
    use switchyard::config::{Permissions, SubjectPermission, User};
    let perms = Permissions {
        publish: Some(SubjectPermission { allow: Some(vec!["allowed.>".into()]), deny: vec![] }),
        subscribe: Some(SubjectPermission { allow: None, deny: vec!["secret.>".into()] }),
        allow_responses: None,
    };
    let mut config = config();
    config.authorization.users = vec![User {
        user: Some("bob".into()),
        password: Some("pw".into()),
        permissions: Some(perms),
        ..User::default()
    }];
    let s = TestServer::start_with(config, settings()).await;
    let mut c = connect_packet(ProtocolLevel::V5, "bob", true);
    c.username = Some("bob".into());
    c.password = Some(Bytes::from_static(b"pw"));
    let (mut bob, _) = Client::connect_with(s.mqtt_addr, c).await;
    let q0 = SubscribeOptions::default();
    let ack = bob.subscribe_opts(&[("allowed/#", q0), ("secret/x", q0), ("secret/#", q0)], Properties::default()).await;
    assert_eq!(ack.reasons, [ReasonCode::GRANTED_QOS_0, ReasonCode::NotAuthorized, ReasonCode::NotAuthorized]);
    bob.send(&Packet::Publish(publish("denied/topic", "x", QoS::AtLeastOnce, 3))).await;
    match bob.recv().await {
        Packet::PubAck(a) => assert_eq!((a.packet_id, a.reason), (3, ReasonCode::NotAuthorized)),
        other => panic!("expected PUBACK, got {other:?}"),
    }
    bob.publish("allowed/topic", "ok", QoS::AtMostOnce, false).await;
    let got = bob.recv_publish().await;
    assert_eq!((got.topic.as_str(), &got.payload[..]), ("allowed/topic", &b"ok"[..]));
    s.stop().await;
}
