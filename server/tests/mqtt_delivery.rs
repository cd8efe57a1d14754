//! MQTT delivery rules on a real socket: QoS 0/1/2 both ways, redelivery, persistent sessions,
//! retained messages, Wills, shared subscriptions, MQTT 5 properties, bridging with NATS clients,
//! restarts, monitoring and administration.

mod mqtt_support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mqtt_support::*;
use switchyard::frontend::mqtt::{MemoryPersist, MqttSettings, Persistence};
use switchyard_shared::headers::HeaderMap;
use switchyard_shared::mqtt::{
    Disconnect, Packet, PayloadFormat, Properties, ProtocolLevel, PubResponse, QoS, ReasonCode, RetainHandling,
    SubscribeOptions,
};

const SHORT: Duration = Duration::from_millis(200);

fn opts(qos: QoS) -> SubscribeOptions {
    SubscribeOptions { qos, ..SubscribeOptions::default() }
}

#[tokio::test]
async fn messages_are_delivered_at_the_lower_of_published_and_granted_qos() {
    let s = TestServer::start(settings()).await;
    let mut sub = Client::v311(s.mqtt_addr, "sub").await;
    sub.subscribe("q/0", QoS::AtMostOnce).await;
    sub.subscribe("q/1", QoS::AtLeastOnce).await;
    sub.subscribe("q/2", QoS::ExactlyOnce).await;
    let mut publ = Client::v311(s.mqtt_addr, "pub").await;
    for (topic, pub_qos, want) in [
        ("q/0", QoS::ExactlyOnce, QoS::AtMostOnce),
        ("q/1", QoS::ExactlyOnce, QoS::AtLeastOnce),
        ("q/2", QoS::AtLeastOnce, QoS::AtLeastOnce),
        ("q/2", QoS::ExactlyOnce, QoS::ExactlyOnce),
        ("q/2", QoS::AtMostOnce, QoS::AtMostOnce),
    ] {
        publ.publish(topic, "m", pub_qos, false).await;
        let p = sub.recv_and_ack().await;
        assert_eq!((p.topic.as_str(), p.qos), (topic, want));
        assert!(!p.dup && !p.retain);
    }
    sub.expect_nothing(SHORT).await;
    s.stop().await;
}

#[tokio::test]
async fn qos1_is_redelivered_with_dup_until_acknowledged_on_311() {
    let s = TestServer::start(settings()).await;
    let mut sub = Client::v311(s.mqtt_addr, "slow").await;
    sub.subscribe("r", QoS::AtLeastOnce).await;
    let mut publ = Client::v311(s.mqtt_addr, "p").await;
    publ.publish("r", "once", QoS::AtLeastOnce, false).await;
    let first = sub.recv_publish().await;
    assert!(!first.dup);
    let again = sub.recv_publish().await;
    assert!(again.dup, "redelivered after ack_wait with DUP");
    assert_eq!((again.packet_id, &again.payload[..]), (first.packet_id, &b"once"[..]));
    sub.ack(&again).await;
    sub.expect_nothing(Duration::from_millis(700)).await;
    s.stop().await;
}

#[tokio::test]
async fn mqtt5_is_not_redelivered_on_a_live_connection_but_on_reconnect() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "v5s", true);
    connect.properties.session_expiry_interval = Some(60);
    let (mut sub, _) = Client::connect_with(s.mqtt_addr, connect.clone()).await;
    sub.subscribe("r5", QoS::AtLeastOnce).await;
    let mut publ = Client::v5(s.mqtt_addr, "p5").await;
    publ.publish("r5", "x", QoS::AtLeastOnce, false).await;
    let first = sub.recv_publish().await;
    sub.expect_nothing(Duration::from_millis(800)).await;
    drop(sub);
    connect.clean_start = false;
    let (mut sub, ack) = Client::connect_with(s.mqtt_addr, connect).await;
    assert!(ack.session_present);
    let again = sub.recv_publish().await;
    assert!(again.dup);
    assert_eq!(again.packet_id, first.packet_id, "resent under its original packet identifier");
    s.stop().await;
}

#[tokio::test]
async fn qos2_reaches_the_subscriber_exactly_once_across_a_forced_disconnect() {
    let s = TestServer::start(settings()).await;
    let (mut sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2sub", false).await;
    sub.subscribe("x", QoS::ExactlyOnce).await;
    let mut publ = Client::v311(s.mqtt_addr, "q2pub").await;
    publ.publish("x", "exactly", QoS::ExactlyOnce, false).await;
    let p = sub.recv_publish().await;
    assert_eq!(p.qos, QoS::ExactlyOnce);
    sub.send(&Packet::PubRec(PubResponse::success(p.packet_id))).await;
    match sub.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, p.packet_id),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    // The connection drops before PUBCOMP: the server must resend PUBREL, never the PUBLISH.
    drop(sub);
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2sub", false).await;
    assert!(ack.session_present);
    match sub.recv().await {
        Packet::PubRel(r) => assert_eq!(r.packet_id, p.packet_id),
        other => panic!("expected PUBREL, got {other:?}"),
    }
    sub.send(&Packet::PubComp(PubResponse::success(p.packet_id))).await;
    sub.expect_nothing(Duration::from_millis(800)).await;
    assert_eq!(s.mqtt().session_info("q2sub").unwrap().inflight, 0);
    s.stop().await;
}

#[tokio::test]
async fn a_retransmitted_qos2_publish_is_routed_once() {
    let s = TestServer::start(settings()).await;
    let mut sub = Client::v311(s.mqtt_addr, "watch").await;
    sub.subscribe("once", QoS::AtMostOnce).await;
    let (mut publ, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2in", false).await;
    publ.send(&Packet::Publish(publish("once", "m", QoS::ExactlyOnce, 5))).await;
    assert!(matches!(publ.recv().await, Packet::PubRec(r) if r.packet_id == 5));
    // PUBREC lost: the client reconnects and sends the PUBLISH again with DUP.
    drop(publ);
    let (mut publ, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2in", false).await;
    assert!(ack.session_present);
    let mut again = publish("once", "m", QoS::ExactlyOnce, 5);
    again.dup = true;
    publ.send(&Packet::Publish(again)).await;
    assert!(matches!(publ.recv().await, Packet::PubRec(r) if r.packet_id == 5));
    publ.send(&Packet::PubRel(PubResponse::success(5))).await;
    assert!(matches!(publ.recv().await, Packet::PubComp(r) if r.packet_id == 5 && r.reason == ReasonCode::Success));
    assert_eq!(sub.recv_publish().await.payload, "m");
    sub.expect_nothing(SHORT).await;
    s.stop().await;
}

#[tokio::test]
async fn persistent_sessions_keep_subscriptions_and_queue_while_offline() {
    let s = TestServer::start(settings()).await;
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "keep", false).await;
    assert!(!ack.session_present);
    sub.subscribe("off/+", QoS::ExactlyOnce).await;
    sub.disconnect().await;
    let mut publ = Client::v311(s.mqtt_addr, "src").await;
    publ.publish("off/1", "a", QoS::AtLeastOnce, false).await;
    publ.publish("off/2", "b", QoS::ExactlyOnce, false).await;
    publ.publish("off/3", "c", QoS::AtMostOnce, false).await;
    eventually(|| s.mqtt().session_info("keep").is_some_and(|i| i.queued == 2)).await;
    let info = s.mqtt().session_info("keep").unwrap();
    assert_eq!((info.pending_qos1, info.pending_qos2, info.connected), (1, 1, false));
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "keep", false).await;
    assert!(ack.session_present);
    let a = sub.recv_and_ack().await;
    let b = sub.recv_and_ack().await;
    assert_eq!(
        (&a.payload[..], a.qos, &b.payload[..], b.qos),
        (&b"a"[..], QoS::AtLeastOnce, &b"b"[..], QoS::ExactlyOnce)
    );
    sub.expect_nothing(SHORT).await;
    // Clean session discards it.
    drop(sub);
    let (_sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "keep", true).await;
    assert!(!ack.session_present);
    s.stop().await;
}

#[tokio::test]
async fn mqtt5_sessions_expire_after_their_interval() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "brief", true);
    connect.properties.session_expiry_interval = Some(1);
    let (sub, _) = Client::connect_with(s.mqtt_addr, connect.clone()).await;
    sub.disconnect().await;
    eventually(|| s.mqtt().session_info("brief").is_some_and(|i| !i.connected)).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(s.mqtt().session_info("brief").is_none(), "expired");
    connect.clean_start = false;
    let (_c, ack) = Client::connect_with(s.mqtt_addr, connect).await;
    assert!(!ack.session_present);
    // Expiry 0 (the default) ends the session with the connection.
    let c = Client::v5(s.mqtt_addr, "zero").await;
    c.disconnect().await;
    eventually(|| s.mqtt().session_info("zero").is_none()).await;
    s.stop().await;
}

#[tokio::test]
async fn retained_messages_are_set_replaced_cleared_and_sent_on_subscribe() {
    let s = TestServer::start(settings()).await;
    let mut publ = Client::v311(s.mqtt_addr, "ret-pub").await;
    publ.publish("home/temp", "20", QoS::AtLeastOnce, true).await;
    publ.publish("home/temp", "21", QoS::AtLeastOnce, true).await;
    publ.publish("home/hum", "40", QoS::AtMostOnce, true).await;
    publ.publish("home/gone", "x", QoS::AtMostOnce, true).await;
    publ.publish("home/gone", "", QoS::AtMostOnce, true).await;
    let mut sub = Client::v311(s.mqtt_addr, "ret-sub").await;
    sub.subscribe("home/#", QoS::AtLeastOnce).await;
    let mut got = [sub.recv_and_ack().await, sub.recv_and_ack().await];
    got.sort_by(|a, b| a.topic.cmp(&b.topic));
    assert_eq!(got[0].topic, "home/hum");
    assert_eq!((got[0].qos, got[0].retain), (QoS::AtMostOnce, true));
    assert_eq!((&got[1].payload[..], got[1].qos, got[1].retain), (&b"21"[..], QoS::AtLeastOnce, true));
    sub.expect_nothing(SHORT).await;
    // Live delivery of a retained publish clears the flag (3.1.1 and MQTT 5 without retain-as-published).
    publ.publish("home/temp", "22", QoS::AtMostOnce, true).await;
    assert!(!sub.recv_publish().await.retain);
    assert_eq!(s.mqtt().retained().len(), 2);
    s.mqtt().clear_retained("home/hum").unwrap();
    assert!(s.mqtt().clear_retained("home/hum").is_err());
    assert_eq!(s.mqtt().retained().iter().map(|r| r.topic.as_str()).collect::<Vec<_>>(), ["home/temp"]);
    s.stop().await;
}

#[tokio::test]
async fn retain_handling_and_retain_as_published_follow_mqtt5() {
    let s = TestServer::start(settings()).await;
    let mut publ = Client::v5(s.mqtt_addr, "rh-pub").await;
    publ.publish("rh", "kept", QoS::AtMostOnce, true).await;
    let mut sub = Client::v5(s.mqtt_addr, "rh-sub").await;
    let never = SubscribeOptions { retain_handling: RetainHandling::DoNotSend, ..opts(QoS::AtMostOnce) };
    sub.subscribe_opts(&[("rh", never)], Properties::default()).await;
    sub.expect_nothing(SHORT).await;
    let if_new = SubscribeOptions { retain_handling: RetainHandling::SendAtSubscribeIfNew, ..opts(QoS::AtMostOnce) };
    sub.subscribe_opts(&[("rh", if_new)], Properties::default()).await;
    sub.expect_nothing(SHORT).await;
    sub.subscribe_opts(&[("rh/#", if_new)], Properties::default()).await;
    assert!(sub.recv_publish().await.retain, "new subscription gets the retained message");
    let rap = SubscribeOptions { retain_as_published: true, ..opts(QoS::AtMostOnce) };
    let mut sub2 = Client::v5(s.mqtt_addr, "rap").await;
    sub2.subscribe_opts(&[("rh", rap)], Properties::default()).await;
    assert!(sub2.recv_publish().await.retain);
    publ.publish("rh", "live", QoS::AtMostOnce, true).await;
    let live = sub2.recv_publish().await;
    assert!(live.retain, "retain as published keeps the flag on live delivery");
    s.stop().await;
}

#[tokio::test]
async fn shared_subscriptions_split_messages_and_skip_retained() {
    let s = TestServer::start(settings()).await;
    let mut publ = Client::v5(s.mqtt_addr, "sh-pub").await;
    publ.publish("jobs/a", "retained", QoS::AtMostOnce, true).await;
    let mut a = Client::v5(s.mqtt_addr, "sh-a").await;
    let mut b = Client::v311(s.mqtt_addr, "sh-b").await;
    a.subscribe("$share/workers/jobs/#", QoS::AtLeastOnce).await;
    b.subscribe("$share/workers/jobs/#", QoS::AtLeastOnce).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.queue_sub("jobs.>", "workers", 1).await;
    for i in 0..60 {
        publ.publish("jobs/a", &i.to_string(), QoS::AtMostOnce, false).await;
    }
    publ.sync().await;
    let (mut na, mut nb, mut nn) = (0, 0, 0);
    while let Some(p) = a.try_recv(SHORT).await {
        assert!(!matches!(&p, Packet::Publish(m) if m.retain));
        na += 1;
    }
    while b.try_recv(SHORT).await.is_some() {
        nb += 1;
    }
    while nats.try_next_msg(SHORT).await.is_some() {
        nn += 1;
    }
    assert_eq!(na + nb + nn, 60, "{na} + {nb} + {nn}");
    assert!(na > 0 && nb > 0 && nn > 0, "{na} + {nb} + {nn}");
    s.stop().await;
}

#[tokio::test]
async fn no_local_skips_the_publishers_own_subscription() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v5(s.mqtt_addr, "nl").await;
    let nl = SubscribeOptions { no_local: true, ..opts(QoS::AtMostOnce) };
    c.subscribe_opts(&[("mine", nl)], Properties::default()).await;
    c.subscribe("also", QoS::AtMostOnce).await;
    c.publish("mine", "x", QoS::AtMostOnce, false).await;
    c.publish("also", "y", QoS::AtMostOnce, false).await;
    assert_eq!(c.recv_publish().await.topic, "also");
    let mut other = Client::v5(s.mqtt_addr, "nl2").await;
    other.publish("mine", "z", QoS::AtMostOnce, false).await;
    assert_eq!(c.recv_publish().await.payload, "z");
    s.stop().await;
}

#[tokio::test]
async fn wills_are_published_on_abnormal_close_only() {
    let s = TestServer::start(settings()).await;
    let mut watcher = Client::v311(s.mqtt_addr, "watcher").await;
    watcher.subscribe("status/#", QoS::AtLeastOnce).await;
    let mut c = connect_packet(ProtocolLevel::V311, "dies", true);
    c.will = Some(will("status/dies", "gone", QoS::AtLeastOnce, true));
    let (client, _) = Client::connect_with(s.mqtt_addr, c.clone()).await;
    drop(client);
    let w = watcher.recv_and_ack().await;
    assert_eq!((w.topic.as_str(), &w.payload[..], w.qos), ("status/dies", &b"gone"[..], QoS::AtLeastOnce));
    assert_eq!(s.mqtt().retained().len(), 1, "a retained Will is retained");
    // A normal DISCONNECT discards it.
    let (client, _) = Client::connect_with(s.mqtt_addr, c.clone()).await;
    client.disconnect().await;
    watcher.expect_nothing(SHORT).await;
    // MQTT 5: DISCONNECT with reason 0x04 publishes it.
    let mut c5 = connect_packet(ProtocolLevel::V5, "dies5", true);
    c5.will = Some(will("status/dies5", "bye", QoS::AtMostOnce, false));
    let (mut client, _) = Client::connect_with(s.mqtt_addr, c5).await;
    client
        .send(&Packet::Disconnect(Disconnect {
            reason: ReasonCode::DisconnectWithWillMessage,
            properties: Properties::default(),
        }))
        .await;
    assert_eq!(watcher.recv_publish().await.payload, "bye");
    s.stop().await;
}

#[tokio::test]
async fn a_delayed_will_waits_and_is_cancelled_by_reconnecting() {
    let s = TestServer::start(settings()).await;
    let mut watcher = Client::v311(s.mqtt_addr, "w").await;
    watcher.subscribe("lwt", QoS::AtMostOnce).await;
    let mut c = connect_packet(ProtocolLevel::V5, "delay", true);
    c.properties.session_expiry_interval = Some(60);
    let mut w = will("lwt", "late", QoS::AtMostOnce, false);
    w.properties.will_delay_interval = Some(1);
    c.will = Some(w);
    let (client, _) = Client::connect_with(s.mqtt_addr, c.clone()).await;
    drop(client);
    watcher.expect_nothing(Duration::from_millis(600)).await;
    assert_eq!(watcher.recv_publish().await.payload, "late");
    // Coming back within the delay cancels it.
    let (client, _) = Client::connect_with(s.mqtt_addr, c.clone()).await;
    drop(client);
    let mut back = c.clone();
    back.clean_start = false;
    back.will = None;
    let (_client, ack) = Client::connect_with(s.mqtt_addr, back).await;
    assert!(ack.session_present);
    watcher.expect_nothing(Duration::from_millis(1500)).await;
    s.stop().await;
}

#[tokio::test]
async fn mqtt5_properties_travel_between_mqtt_clients() {
    let s = TestServer::start(settings()).await;
    let mut sub = Client::v5(s.mqtt_addr, "props-sub").await;
    let sp = Properties { subscription_identifiers: vec![42], ..Properties::default() };
    sub.subscribe_opts(&[("p/#", opts(QoS::AtLeastOnce))], sp).await;
    let mut publ = Client::v5(s.mqtt_addr, "props-pub").await;
    let mut p = publish("p/x", "{}", QoS::AtLeastOnce, 1);
    p.properties = Properties {
        content_type: Some("application/json".into()),
        response_topic: Some("reply/here".into()),
        correlation_data: Some(Bytes::from_static(b"\x01\x02")),
        payload_format: Some(PayloadFormat::Utf8),
        message_expiry_interval: Some(30),
        user_properties: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
        ..Properties::default()
    };
    publ.publish_packet(p).await;
    let got = sub.recv_and_ack().await;
    let gp = &got.properties;
    assert_eq!(gp.content_type.as_deref(), Some("application/json"));
    assert_eq!(gp.response_topic.as_deref(), Some("reply/here"));
    assert_eq!(gp.correlation_data.as_deref(), Some(&b"\x01\x02"[..]));
    assert_eq!(gp.payload_format, Some(PayloadFormat::Utf8));
    assert!(gp.message_expiry_interval.is_some_and(|e| (29..=30).contains(&e)));
    assert_eq!(gp.user_properties, [("a".to_owned(), "1".to_owned()), ("a".to_owned(), "2".to_owned())]);
    assert_eq!(gp.subscription_identifiers, [42]);
    s.stop().await;
}

#[tokio::test]
async fn queued_messages_past_their_expiry_are_not_delivered() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "exp-sub", true);
    connect.properties.session_expiry_interval = Some(60);
    let (mut sub, _) = Client::connect_with(s.mqtt_addr, connect.clone()).await;
    sub.subscribe("e", QoS::AtLeastOnce).await;
    drop(sub);
    eventually(|| s.mqtt().session_info("exp-sub").is_some_and(|i| !i.connected)).await;
    let mut publ = Client::v5(s.mqtt_addr, "exp-pub").await;
    let mut short = publish("e", "short", QoS::AtLeastOnce, 1);
    short.properties.message_expiry_interval = Some(1);
    publ.publish_packet(short).await;
    publ.publish("e", "long", QoS::AtLeastOnce, false).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    connect.clean_start = false;
    let (mut sub, _) = Client::connect_with(s.mqtt_addr, connect).await;
    assert_eq!(sub.recv_and_ack().await.payload, "long");
    sub.expect_nothing(SHORT).await;
    s.stop().await;
}

#[tokio::test]
async fn the_client_receive_maximum_bounds_messages_in_flight() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "rm", true);
    connect.properties.receive_maximum = Some(2);
    let (mut sub, _) = Client::connect_with(s.mqtt_addr, connect).await;
    sub.subscribe("w", QoS::AtLeastOnce).await;
    let mut publ = Client::v5(s.mqtt_addr, "rm-pub").await;
    for i in 0..4 {
        publ.publish("w", &i.to_string(), QoS::AtLeastOnce, false).await;
    }
    let a = sub.recv_publish().await;
    let b = sub.recv_publish().await;
    sub.expect_nothing(SHORT).await;
    sub.ack(&a).await;
    let c = sub.recv_publish().await;
    sub.ack(&b).await;
    sub.ack(&c).await;
    let d = sub.recv_and_ack().await;
    let order: Vec<&[u8]> = vec![&a.payload, &b.payload, &c.payload, &d.payload];
    assert_eq!(order, [b"0", b"1", b"2", b"3"]);
    s.stop().await;
}

#[tokio::test]
async fn messages_above_the_client_maximum_packet_size_are_not_sent() {
    let s = TestServer::start(settings()).await;
    let mut connect = connect_packet(ProtocolLevel::V5, "tiny", true);
    connect.properties.maximum_packet_size = Some(64);
    let (mut sub, _) = Client::connect_with(s.mqtt_addr, connect).await;
    sub.subscribe("m", QoS::AtLeastOnce).await;
    let mut publ = Client::v5(s.mqtt_addr, "big-pub").await;
    publ.publish("m", &"x".repeat(100), QoS::AtLeastOnce, false).await;
    publ.publish("m", "small", QoS::AtLeastOnce, false).await;
    assert_eq!(sub.recv_and_ack().await.payload, "small");
    sub.sync().await;
    assert_eq!(s.mqtt().status().too_large, 1);
    assert_eq!(s.mqtt().session_info("tiny").unwrap().inflight, 0);
    s.stop().await;
}

#[tokio::test]
async fn wildcards_at_the_first_level_do_not_match_dollar_topics() {
    let s = TestServer::start(settings()).await;
    let mut sub = Client::v311(s.mqtt_addr, "dollar").await;
    sub.subscribe("#", QoS::AtMostOnce).await;
    sub.subscribe("+/info", QoS::AtMostOnce).await;
    let mut sys = Client::v311(s.mqtt_addr, "sys").await;
    sys.subscribe("$SYS/#", QoS::AtMostOnce).await;
    let mut publ = Client::v311(s.mqtt_addr, "dp").await;
    publ.publish("$SYS/info", "hidden", QoS::AtMostOnce, false).await;
    publ.publish("a/info", "seen", QoS::AtMostOnce, false).await;
    assert_eq!(sys.recv_publish().await.payload, "hidden");
    let mut got = vec![sub.recv_publish().await.payload, sub.recv_publish().await.payload];
    got.sort();
    assert_eq!(got, ["seen", "seen"], "a/info matches both filters, $SYS/info neither");
    sub.expect_nothing(SHORT).await;
    s.stop().await;
}

// -------------------------------------------------------------------------------------------------
// Bridging with NATS clients.

#[tokio::test]
async fn nats_subscribers_see_mqtt_publishes_on_mapped_subjects_with_the_mqtt_header() {
    let s = TestServer::start(settings()).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.sub("sensors.*.temp", 1).await;
    let mut c = Client::v311(s.mqtt_addr, "k1").await;
    c.publish("sensors/k1/temp", "21.5", QoS::AtLeastOnce, false).await;
    let m = nats.next_msg().await;
    assert_eq!(m.subject, "sensors.k1.temp");
    assert_eq!(m.payload, "21.5");
    let h = HeaderMap::parse(m.headers.as_ref().unwrap()).unwrap();
    assert_eq!(h.get("Nmqtt-Pub"), Some("1"));
    s.stop().await;
}

#[tokio::test]
async fn mqtt_subscribers_see_nats_publishes_with_the_parent_level() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v311(s.mqtt_addr, "cmd").await;
    c.subscribe("cmd/#", QoS::AtMostOnce).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.publish("cmd.x.y", "go").await;
    nats.publish("cmd", "parent").await;
    nats.publish("other", "no").await;
    let a = c.recv_publish().await;
    assert_eq!((a.topic.as_str(), &a.payload[..]), ("cmd/x/y", &b"go"[..]));
    let b = c.recv_publish().await;
    assert_eq!((b.topic.as_str(), &b.payload[..]), ("cmd", &b"parent"[..]));
    c.expect_nothing(SHORT).await;
    s.stop().await;
}

#[tokio::test]
async fn nats_publishes_reach_qos1_subscribers_reliably() {
    let s = TestServer::start(settings()).await;
    let mut c = Client::v311(s.mqtt_addr, "rel").await;
    c.subscribe("orders/#", QoS::AtLeastOnce).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.publish("orders.1", "o1").await;
    let first = c.recv_publish().await;
    assert_eq!(first.qos, QoS::AtLeastOnce, "delivered at the granted QoS, not QoS 0");
    let again = c.recv_publish().await;
    assert!(again.dup && again.packet_id == first.packet_id, "redelivered until PUBACK");
    c.ack(&again).await;
    c.expect_nothing(Duration::from_millis(700)).await;
    s.stop().await;
}

#[tokio::test]
async fn nats_headers_and_replies_become_mqtt5_properties_and_back() {
    let s = TestServer::start(settings()).await;
    let mut responder = Client::v5(s.mqtt_addr, "responder").await;
    responder.subscribe("svc/echo", QoS::AtMostOnce).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.sub("_INBOX.r1", 7).await;
    nats.hpublish("svc.echo", "Trace: t-1\r\nContent-Type: text/plain\r\n", "ping").await;
    let req = responder.recv_publish().await;
    assert_eq!(req.properties.user_properties, [("Trace".to_owned(), "t-1".to_owned())]);
    assert_eq!(req.properties.content_type.as_deref(), Some("text/plain"));
    nats.publish_reply("svc.echo", "_INBOX.r1", "ping").await;
    let req = responder.recv_publish().await;
    let reply_topic = req.properties.response_topic.clone().expect("reply subject as response topic");
    assert_eq!(reply_topic, "_INBOX/r1");
    let mut answer = publish(&reply_topic, "pong", QoS::AtMostOnce, 0);
    answer.properties.user_properties = vec![("status".into(), "ok".into())];
    responder.publish_packet(answer).await;
    let m = nats.next_msg().await;
    assert_eq!((m.subject.as_str(), &m.payload[..]), ("_INBOX.r1", &b"pong"[..]));
    let h = HeaderMap::parse(m.headers.as_ref().unwrap()).unwrap();
    assert_eq!(h.get("status"), Some("ok"));
    // MQTT 5 requester, NATS responder: the response topic is the reply subject.
    let mut requester = Client::v5(s.mqtt_addr, "requester").await;
    requester.subscribe("replies/me", QoS::AtMostOnce).await;
    nats.sub("svc.time", 8).await;
    let mut q = publish("svc/time", "now?", QoS::AtMostOnce, 0);
    q.properties.response_topic = Some("replies/me".into());
    requester.publish_packet(q).await;
    let m = nats.next_msg().await;
    assert_eq!(m.reply.as_deref(), Some("replies.me"));
    nats.publish("replies.me", "12:00").await;
    assert_eq!(requester.recv_publish().await.payload, "12:00");
    s.stop().await;
}

#[tokio::test]
async fn dots_and_empty_levels_map_as_in_nats_server() {
    let s = TestServer::start(settings()).await;
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.sub(">", 1).await;
    let mut c = Client::v311(s.mqtt_addr, "map").await;
    c.subscribe("#", QoS::AtMostOnce).await;
    for (topic, subject) in [("/a", "/.a"), ("a/", "a./"), ("a.b/c", "a//b.c")] {
        c.publish(topic, "x", QoS::AtMostOnce, false).await;
        assert_eq!(nats.next_msg().await.subject, subject);
        assert_eq!(c.recv_publish().await.topic, topic, "maps back");
    }
    s.stop().await;
}

// -------------------------------------------------------------------------------------------------
// Restart, monitoring and administration.

#[tokio::test]
async fn sessions_unacknowledged_messages_and_retained_messages_survive_a_restart() {
    let persist = MemoryPersist::new();
    let settings = || MqttSettings { persistence: Persistence::Custom(persist.clone()), ..settings() };
    let s = TestServer::start(settings()).await;
    let (mut sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "durable", false).await;
    sub.subscribe("d/#", QoS::ExactlyOnce).await;
    let mut publ = Client::v311(s.mqtt_addr, "dp").await;
    publ.publish("d/1", "in-flight", QoS::ExactlyOnce, false).await;
    let inflight = sub.recv_publish().await;
    drop(sub);
    publ.publish("d/2", "queued", QoS::AtLeastOnce, false).await;
    publ.publish("d/r", "retained", QoS::AtLeastOnce, true).await;
    let (mut sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "durable", false).await;
    // Complete nothing: take the retransmission and the queued messages, ack none of them.
    for _ in 0..3 {
        sub.recv_publish().await;
    }
    drop(sub);
    s.stop().await;

    let s = TestServer::start(settings()).await;
    let info = s.mqtt().session_info("durable").expect("restored session");
    assert_eq!(info.subscriptions.len(), 1);
    assert_eq!(info.pending_qos2 + info.pending_qos1, 3);
    // Published while the client is still away after the restart: queued too.
    let mut publ = Client::v311(s.mqtt_addr, "dp").await;
    publ.publish("d/3", "after", QoS::AtLeastOnce, false).await;
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "durable", false).await;
    assert!(ack.session_present);
    let mut msgs = Vec::new();
    for _ in 0..4 {
        msgs.push(sub.recv_publish().await);
    }
    sub.ack_all(&msgs).await;
    let mut got = Vec::new();
    for p in msgs {
        if p.payload == "in-flight" {
            assert!(p.dup);
            assert_eq!(p.packet_id, inflight.packet_id, "QoS 2 keeps its packet identifier across the restart");
        }
        got.push(String::from_utf8(p.payload.to_vec()).unwrap());
    }
    assert_eq!(got, ["in-flight", "queued", "retained", "after"]);
    sub.expect_nothing(SHORT).await;
    assert_eq!(s.mqtt().retained().len(), 1);
    eventually(|| persist.num_items() == 0).await;
    let mut fresh = Client::v311(s.mqtt_addr, "late").await;
    fresh.subscribe("d/r", QoS::AtMostOnce).await;
    assert!(fresh.recv_publish().await.retain);
    s.stop().await;
}

#[tokio::test]
async fn incoming_qos2_state_survives_a_restart() {
    let persist = MemoryPersist::new();
    let settings = || MqttSettings { persistence: Persistence::Custom(persist.clone()), ..settings() };
    let s = TestServer::start(settings()).await;
    let (mut publ, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2r", false).await;
    publ.send(&Packet::Publish(publish("nowhere", "m", QoS::ExactlyOnce, 9))).await;
    assert!(matches!(publ.recv().await, Packet::PubRec(_)));
    drop(publ);
    s.stop().await;
    let s = TestServer::start(settings()).await;
    let mut watch = Client::v311(s.mqtt_addr, "watch").await;
    watch.subscribe("nowhere", QoS::AtMostOnce).await;
    let (mut publ, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "q2r", false).await;
    let mut again = publish("nowhere", "m", QoS::ExactlyOnce, 9);
    again.dup = true;
    publ.send(&Packet::Publish(again)).await;
    assert!(matches!(publ.recv().await, Packet::PubRec(r) if r.packet_id == 9));
    publ.send(&Packet::PubRel(PubResponse::success(9))).await;
    assert!(matches!(publ.recv().await, Packet::PubComp(r) if r.reason == ReasonCode::Success));
    watch.expect_nothing(SHORT).await;
    s.stop().await;
}

#[tokio::test]
async fn monitoring_lists_clients_sessions_and_retained_topics() {
    let s = TestServer::start(settings()).await;
    let (mut a, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "mon-a", false).await;
    a.subscribe("m/#", QoS::AtLeastOnce).await;
    a.subscribe("$share/g/n", QoS::AtMostOnce).await;
    a.publish("m/r", "v", QoS::AtMostOnce, true).await;
    a.recv_publish().await;
    let status = s.mqtt().status();
    assert_eq!((status.clients, status.sessions, status.persistent_sessions, status.retained_topics), (1, 1, 1, 1));
    assert_eq!(status.persistence, "memory");
    let clients = s.mqtt().clients();
    assert_eq!(clients[0].client_id, "mon-a");
    assert_eq!(clients[0].protocol_level, 4);
    let sessions = s.mqtt().sessions();
    let subs = &sessions[0].subscriptions;
    assert_eq!(subs[0].filter, "$share/g/n");
    assert_eq!(subs[0].queue_group.as_deref(), Some("g"));
    assert_eq!(subs[1].subjects, ["m.>", "m"]);
    let json = serde_json::to_value(&sessions).unwrap();
    assert_eq!(json[0]["client_id"], "mon-a");
    assert_eq!(json[0]["subscriptions"][1]["qos"], 1);
    assert_eq!(serde_json::to_value(s.mqtt().retained()).unwrap()[0]["topic"], "m/r");
    let varz = s.running.server.monitoring.mqtt().expect("MQTT reports to /varz").varz();
    assert_eq!((varz.port, varz.max_ack_pending), (i64::from(s.mqtt_addr.port()), 1024));
    s.stop().await;
}

#[tokio::test]
async fn admin_can_kick_clients_and_delete_sessions() {
    let s = TestServer::start(settings()).await;
    let mut watcher = Client::v311(s.mqtt_addr, "adm-watch").await;
    watcher.subscribe("lwt/#", QoS::AtMostOnce).await;
    let mut c = connect_packet(ProtocolLevel::V5, "victim", false);
    c.properties.session_expiry_interval = Some(300);
    c.will = Some(will("lwt/victim", "kicked", QoS::AtMostOnce, false));
    let (mut victim, _) = Client::connect_with(s.mqtt_addr, c).await;
    victim.subscribe("x", QoS::AtLeastOnce).await;
    s.mqtt().kick("victim").unwrap();
    let got = victim.expect_closed().await;
    assert!(matches!(&got[..], [Packet::Disconnect(d)] if d.reason == ReasonCode::AdministrativeAction), "{got:?}");
    assert_eq!(watcher.recv_publish().await.payload, "kicked");
    assert!(s.mqtt().session_info("victim").is_some_and(|i| !i.connected), "the session stays");
    assert!(s.mqtt().kick("victim").is_err());
    s.mqtt().delete_session("victim").unwrap();
    assert!(s.mqtt().session_info("victim").is_none());
    assert!(s.mqtt().delete_session("victim").is_err());
    let mut nats = Nats::connect(s.nats_addr).await;
    nats.publish("x", "nobody").await;
    nats.sync().await;
    let left = s.running.server.router.sublist().matches(b"x");
    assert!(left.psubs.is_empty() && left.qsubs.is_empty(), "the session's subscriptions are gone");
    s.stop().await;
}

#[tokio::test]
async fn full_session_queues_drop_and_count() {
    let s = TestServer::start(MqttSettings { max_queued_messages: 2, ..settings() }).await;
    let (sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "full", false).await;
    let mut sub = sub;
    sub.subscribe("f", QoS::AtLeastOnce).await;
    drop(sub);
    eventually(|| s.mqtt().session_info("full").is_some_and(|i| !i.connected)).await;
    let mut publ = Client::v311(s.mqtt_addr, "fp").await;
    for i in 0..5 {
        publ.publish("f", &i.to_string(), QoS::AtLeastOnce, false).await;
    }
    assert_eq!(s.mqtt().status().dropped, 3);
    let (mut sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "full", false).await;
    assert_eq!(sub.recv_and_ack().await.payload, "0");
    assert_eq!(sub.recv_and_ack().await.payload, "1");
    sub.expect_nothing(SHORT).await;
    let _ = Arc::strong_count(&s.running.server);
    s.stop().await;
}

#[tokio::test]
async fn state_in_the_jetstream_store_directory_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("switchyard-mqtt-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let settings = || MqttSettings { persistence: Persistence::Directory(dir.clone()), ..settings() };
    let s = TestServer::start(settings()).await;
    assert_eq!(s.mqtt().status().persistence, "file");
    let (mut sub, _) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "disk", false).await;
    sub.subscribe("disk/#", QoS::AtLeastOnce).await;
    sub.disconnect().await;
    let mut publ = Client::v311(s.mqtt_addr, "disk-pub").await;
    publ.publish("disk/1", "queued", QoS::AtLeastOnce, false).await;
    publ.publish("disk/r", "retained", QoS::AtLeastOnce, true).await;
    eventually(|| s.mqtt().session_info("disk").is_some_and(|i| i.queued == 2)).await;
    s.stop().await;

    let s = TestServer::start(settings()).await;
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "disk", false).await;
    assert!(ack.session_present);
    let a = sub.recv_and_ack().await;
    let b = sub.recv_and_ack().await;
    assert_eq!((&a.payload[..], &b.payload[..]), (&b"queued"[..], &b"retained"[..]));
    sub.sync().await;
    let mut late = Client::v311(s.mqtt_addr, "disk-late").await;
    late.subscribe("disk/r", QoS::AtMostOnce).await;
    assert_eq!(late.recv_publish().await.payload, "retained");
    sub.disconnect().await;
    eventually(|| s.mqtt().session_info("disk").is_some_and(|i| !i.connected)).await;
    s.stop().await;

    // Nothing acknowledged comes back a third time.
    let s = TestServer::start(settings()).await;
    let (mut sub, ack) = Client::connect(s.mqtt_addr, ProtocolLevel::V311, "disk", false).await;
    assert!(ack.session_present);
    sub.expect_nothing(SHORT).await;
    s.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
