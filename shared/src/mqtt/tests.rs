//! Codec tests across decode and encode: property-based round trips of every packet type at both
//! levels, streams split at every byte, the validation table, and bytes captured from real clients.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

use super::decode::MAX_VARINT;
use super::topic::TopicError;
use super::*;

const V311: ProtocolLevel = ProtocolLevel::V311;
const V5: ProtocolLevel = ProtocolLevel::V5;

fn hex(s: &str) -> BytesMut {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    let bytes =
        digits.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect::<Vec<u8>>();
    BytesMut::from(&bytes[..])
}

fn encoded(p: &Packet, level: ProtocolLevel) -> BytesMut {
    let mut out = BytesMut::new();
    encode(p, level, &mut out).unwrap();
    out
}

/// Decodes everything complete in `buf`, tracking the level as CONNECT sets it.
fn drain(buf: &mut BytesMut, level: &mut Option<ProtocolLevel>, out: &mut Vec<Packet>) {
    while let Some(p) = decode(buf, *level, usize::MAX).unwrap() {
        if let Packet::Connect(c) = &p {
            *level = Some(c.protocol_level);
        }
        out.push(p);
    }
}

// ---------------------------------------------------------------------------------------------------
// Strategies.

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 é/_-]{0,10}"
}

fn topic_name() -> impl Strategy<Value = String> {
    "[a-z0-9é/.]{1,12}"
}

fn filter() -> impl Strategy<Value = String> {
    "[a-z/+#]{1,10}"
}

fn data() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..24).prop_map(Bytes::from)
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce), Just(QoS::ExactlyOnce)]
}

fn packet_id() -> impl Strategy<Value = u16> {
    1..=u16::MAX
}

/// Any valid set of properties for `ctx` (none at all for MQTT 3.1.1).
fn properties(level: ProtocolLevel, ctx: PropertyContext) -> BoxedStrategy<Properties> {
    if level == V311 {
        return Just(Properties::default()).boxed();
    }
    let ids: Vec<PropertyId> = PropertyId::ALL.iter().copied().filter(|id| id.allowed_in(ctx)).collect();
    let entry = (prop::sample::select(ids), any::<u32>(), topic_name(), text(), data());
    prop::collection::vec(entry, 0..6)
        .prop_map(move |entries| {
            let mut p = Properties::default();
            for (id, n, name, s, b) in entries {
                set_property(&mut p, ctx, id, n, name, s, b);
            }
            p
        })
        .boxed()
}

fn set_property(p: &mut Properties, ctx: PropertyContext, id: PropertyId, n: u32, name: String, s: String, b: Bytes) {
    use PropertyId as P;
    let flag = n % 2 == 1;
    match id {
        P::PayloadFormatIndicator => {
            p.payload_format = Some(if flag { PayloadFormat::Utf8 } else { PayloadFormat::Unspecified })
        }
        P::MessageExpiryInterval => p.message_expiry_interval = Some(n),
        P::ContentType => p.content_type = Some(s),
        P::ResponseTopic => p.response_topic = Some(name),
        P::CorrelationData => p.correlation_data = Some(b),
        P::SubscriptionIdentifier => {
            let id = n % MAX_VARINT + 1;
            if ctx == PropertyContext::Publish {
                p.subscription_identifiers.push(id);
            } else {
                p.subscription_identifiers = vec![id];
            }
        }
        P::SessionExpiryInterval => p.session_expiry_interval = Some(n),
        P::AssignedClientIdentifier => p.assigned_client_identifier = Some(s),
        P::ServerKeepAlive => p.server_keep_alive = Some(n as u16),
        P::AuthenticationMethod => p.authentication_method = Some(s),
        P::AuthenticationData => {
            p.authentication_data = Some(b);
            p.authentication_method.get_or_insert(name);
        }
        P::RequestProblemInformation => p.request_problem_information = Some(flag),
        P::WillDelayInterval => p.will_delay_interval = Some(n),
        P::RequestResponseInformation => p.request_response_information = Some(flag),
        P::ResponseInformation => p.response_information = Some(s),
        P::ServerReference => p.server_reference = Some(s),
        P::ReasonString => p.reason_string = Some(s),
        P::ReceiveMaximum => p.receive_maximum = Some((n % 65_535) as u16 + 1),
        P::TopicAliasMaximum => p.topic_alias_maximum = Some(n as u16),
        P::TopicAlias => p.topic_alias = Some((n % 65_535) as u16 + 1),
        P::MaximumQoS => p.maximum_qos = Some(if flag { QoS::AtLeastOnce } else { QoS::AtMostOnce }),
        P::RetainAvailable => p.retain_available = Some(flag),
        P::UserProperty => p.user_properties.push((s, name)),
        P::MaximumPacketSize => p.maximum_packet_size = Some(n.max(1)),
        P::WildcardSubscriptionAvailable => p.wildcard_subscription_available = Some(flag),
        P::SubscriptionIdentifierAvailable => p.subscription_identifier_available = Some(flag),
        P::SharedSubscriptionAvailable => p.shared_subscription_available = Some(flag),
    }
}

/// A reason code `packet` may carry at `level` (3.1.1 can only express some of them).
fn reason(level: ProtocolLevel, packet: PacketType) -> BoxedStrategy<ReasonCode> {
    let codes: Vec<ReasonCode> = match (level, packet) {
        (ProtocolLevel::V5, _) => ReasonCode::allowed_in(packet).to_vec(),
        (_, PacketType::ConnAck) => (0..=5).map(|v| ConnectReturnCode::from_u8(v).unwrap().to_reason()).collect(),
        (_, PacketType::SubAck) => vec![
            ReasonCode::GRANTED_QOS_0,
            ReasonCode::GrantedQoS1,
            ReasonCode::GrantedQoS2,
            ReasonCode::UnspecifiedError,
        ],
        _ => vec![ReasonCode::Success],
    };
    prop::sample::select(codes).boxed()
}

fn connect(level: ProtocolLevel) -> impl Strategy<Value = Packet> {
    let will = (topic_name(), data(), qos(), any::<bool>(), properties(level, PropertyContext::Will))
        .prop_map(|(topic, payload, qos, retain, properties)| Will { topic, payload, qos, retain, properties });
    (
        any::<bool>(),
        any::<u16>(),
        text(),
        prop::option::of(will),
        prop::option::of(text()),
        prop::option::of(data()),
        properties(level, PropertyContext::Connect),
    )
        .prop_map(move |(clean_start, keep_alive, client_id, will, mut username, password, properties)| {
            if level == V311 && password.is_some() && username.is_none() {
                username = Some("user".into());
            }
            Packet::Connect(Box::new(Connect {
                protocol_level: level,
                clean_start,
                keep_alive,
                client_id,
                will,
                username,
                password,
                properties,
            }))
        })
}

fn publish(level: ProtocolLevel) -> impl Strategy<Value = Packet> {
    (
        any::<bool>(),
        qos(),
        any::<bool>(),
        topic_name(),
        packet_id(),
        properties(level, PropertyContext::Publish),
        data(),
        any::<bool>(),
    )
        .prop_map(move |(dup, qos, retain, topic, id, properties, payload, alias_only)| {
            let topic = if alias_only && properties.topic_alias.is_some() { String::new() } else { topic };
            let packet_id = if qos == QoS::AtMostOnce { 0 } else { id };
            Packet::Publish(Publish { dup, qos, retain, topic, packet_id, properties, payload })
        })
}

fn pub_response(level: ProtocolLevel, packet: PacketType, ctx: PropertyContext) -> impl Strategy<Value = PubResponse> {
    (packet_id(), reason(level, packet), properties(level, ctx))
        .prop_map(|(packet_id, reason, properties)| PubResponse { packet_id, reason, properties })
}

fn subscribe_options(level: ProtocolLevel) -> impl Strategy<Value = SubscribeOptions> {
    let handling = prop_oneof![
        Just(RetainHandling::SendAtSubscribe),
        Just(RetainHandling::SendAtSubscribeIfNew),
        Just(RetainHandling::DoNotSend),
    ];
    (qos(), any::<bool>(), any::<bool>(), handling).prop_map(move |(qos, no_local, retain_as_published, rh)| {
        if level == V311 {
            SubscribeOptions { qos, ..SubscribeOptions::default() }
        } else {
            SubscribeOptions { qos, no_local, retain_as_published, retain_handling: rh }
        }
    })
}

fn packet(level: ProtocolLevel) -> BoxedStrategy<Packet> {
    let mut arms: Vec<BoxedStrategy<Packet>> = vec![
        connect(level).boxed(),
        (any::<bool>(), reason(level, PacketType::ConnAck), properties(level, PropertyContext::ConnAck))
            .prop_map(|(session_present, reason, properties)| {
                Packet::ConnAck(ConnAck { session_present, reason, properties })
            })
            .boxed(),
        publish(level).boxed(),
        pub_response(level, PacketType::PubAck, PropertyContext::PubAck).prop_map(Packet::PubAck).boxed(),
        pub_response(level, PacketType::PubRec, PropertyContext::PubRec).prop_map(Packet::PubRec).boxed(),
        pub_response(level, PacketType::PubRel, PropertyContext::PubRel).prop_map(Packet::PubRel).boxed(),
        pub_response(level, PacketType::PubComp, PropertyContext::PubComp).prop_map(Packet::PubComp).boxed(),
        (
            packet_id(),
            prop::collection::vec((filter(), subscribe_options(level)), 1..4),
            properties(level, PropertyContext::Subscribe),
        )
            .prop_map(|(packet_id, filters, properties)| {
                let filters =
                    filters.into_iter().map(|(filter, options)| SubscribeFilter { filter, options }).collect();
                Packet::Subscribe(Subscribe { packet_id, filters, properties })
            })
            .boxed(),
        (
            packet_id(),
            prop::collection::vec(reason(level, PacketType::SubAck), 0..4),
            properties(level, PropertyContext::SubAck),
        )
            .prop_map(|(packet_id, reasons, properties)| Packet::SubAck(SubAck { packet_id, reasons, properties }))
            .boxed(),
        (packet_id(), prop::collection::vec(filter(), 1..4), properties(level, PropertyContext::Unsubscribe))
            .prop_map(|(packet_id, filters, properties)| {
                Packet::Unsubscribe(Unsubscribe { packet_id, filters, properties })
            })
            .boxed(),
        (
            packet_id(),
            prop::collection::vec(reason(level, PacketType::UnsubAck), 0..4),
            properties(level, PropertyContext::UnsubAck),
        )
            .prop_map(move |(packet_id, reasons, properties)| {
                let reasons = if level == V311 { Vec::new() } else { reasons };
                Packet::UnsubAck(UnsubAck { packet_id, reasons, properties })
            })
            .boxed(),
        Just(Packet::PingReq).boxed(),
        Just(Packet::PingResp).boxed(),
        (reason(level, PacketType::Disconnect), properties(level, PropertyContext::Disconnect))
            .prop_map(|(reason, properties)| Packet::Disconnect(Disconnect { reason, properties }))
            .boxed(),
    ];
    if level == V5 {
        arms.push(
            (reason(level, PacketType::Auth), properties(level, PropertyContext::Auth))
                .prop_map(|(reason, properties)| Packet::Auth(Auth { reason, properties }))
                .boxed(),
        );
    }
    Union::new(arms).boxed()
}

/// A CONNECT followed by other packets: what one connection's byte stream looks like.
fn session(level: ProtocolLevel) -> impl Strategy<Value = Vec<Packet>> {
    let rest = packet(level).prop_filter("one CONNECT per stream", |p| !matches!(p, Packet::Connect(_)));
    (connect(level), prop::collection::vec(rest, 0..6)).prop_map(|(c, mut rest)| {
        rest.insert(0, c);
        rest
    })
}

// ---------------------------------------------------------------------------------------------------
// Round trips and split streams.

fn assert_round_trip(p: &Packet, level: ProtocolLevel) -> Result<(), TestCaseError> {
    let mut buf = encoded(p, level);
    prop_assert_eq!(encoded_len(p, level).unwrap(), buf.len());
    let decode_level = if matches!(p, Packet::Connect(_)) { None } else { Some(level) };
    let got = decode(&mut buf, decode_level, usize::MAX).unwrap();
    prop_assert_eq!(got.as_ref(), Some(p));
    prop_assert!(buf.is_empty());
    Ok(())
}

fn assert_splits_decode_the_same(packets: &[Packet], level: ProtocolLevel) -> Result<(), TestCaseError> {
    let mut stream = BytesMut::new();
    for p in packets {
        encode(p, level, &mut stream).unwrap();
    }
    for split in 0..=stream.len() {
        let (mut level, mut got) = (None, Vec::new());
        let mut buf = BytesMut::from(&stream[..split]);
        drain(&mut buf, &mut level, &mut got);
        buf.extend_from_slice(&stream[split..]);
        drain(&mut buf, &mut level, &mut got);
        prop_assert_eq!(&got[..], packets, "split at {}", split);
        prop_assert!(buf.is_empty());
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_packet_round_trips_in_mqtt_311(p in packet(V311)) {
        assert_round_trip(&p, V311)?;
    }

    #[test]
    fn every_packet_round_trips_in_mqtt_5(p in packet(V5)) {
        assert_round_trip(&p, V5)?;
    }

    #[test]
    fn a_311_stream_split_anywhere_decodes_to_the_same_packets(packets in session(V311)) {
        assert_splits_decode_the_same(&packets, V311)?;
    }

    #[test]
    fn a_5_stream_split_anywhere_decodes_to_the_same_packets(packets in session(V5)) {
        assert_splits_decode_the_same(&packets, V5)?;
    }

    #[test]
    fn truncating_a_packet_never_yields_a_packet_or_consumes_bytes(p in packet(V5)) {
        let whole = encoded(&p, V5);
        let level = if matches!(p, Packet::Connect(_)) { None } else { Some(V5) };
        for end in 0..whole.len() {
            let mut buf = BytesMut::from(&whole[..end]);
            prop_assert_eq!(decode(&mut buf, level, usize::MAX), Ok(None));
            prop_assert_eq!(buf.len(), end);
        }
    }

    #[test]
    fn garbage_never_panics_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..64), v5 in any::<bool>()) {
        let level = if v5 { V5 } else { V311 };
        for l in [None, Some(level)] {
            let mut buf = BytesMut::from(&bytes[..]);
            let before = buf.len();
            match decode(&mut buf, l, 1 << 20) {
                Err(_) | Ok(None) => prop_assert_eq!(buf.len(), before),
                Ok(Some(_)) => prop_assert!(buf.len() < before),
            }
        }
    }
}

#[test]
fn one_byte_at_a_time_gives_every_packet_once() {
    let packets = [
        Packet::Connect(Box::new(Connect {
            protocol_level: V5,
            clean_start: true,
            keep_alive: 30,
            client_id: "c".into(),
            will: None,
            username: None,
            password: None,
            properties: Properties { receive_maximum: Some(5), ..Properties::default() },
        })),
        Packet::Publish(Publish {
            dup: false,
            qos: QoS::AtLeastOnce,
            retain: true,
            topic: "a/b".into(),
            packet_id: 7,
            properties: Properties { subscription_identifiers: vec![1, 300], ..Properties::default() },
            payload: Bytes::from(vec![0u8; 200]),
        }),
        Packet::PingReq,
        Packet::Disconnect(Disconnect::default()),
    ];
    let mut stream = BytesMut::new();
    for p in &packets {
        encode(p, V5, &mut stream).unwrap();
    }
    let (mut buf, mut level, mut got) = (BytesMut::new(), None, Vec::new());
    for b in stream.iter() {
        buf.extend_from_slice(&[*b]);
        drain(&mut buf, &mut level, &mut got);
    }
    assert_eq!(got, packets);
}

#[test]
fn a_decoded_payload_shares_the_received_buffer() {
    let mut buf = hex("30 0a 00 03 612f62 68656c6c6f");
    let start = buf.as_ptr() as usize;
    let Some(Packet::Publish(p)) = decode(&mut buf, Some(V311), usize::MAX).unwrap() else { panic!() };
    assert_eq!(&p.payload[..], b"hello");
    assert_eq!(p.payload.as_ptr() as usize, start + 7);
}

// ---------------------------------------------------------------------------------------------------
// Framing edge cases.

#[test]
fn an_oversize_packet_is_refused_from_its_header_alone() {
    let mut buf = hex("30 ff ff 03");
    let err = decode(&mut buf, Some(V311), 1024).unwrap_err();
    assert_eq!(err, MqttError::PacketTooLarge { size: 4 + 65_535, max: 1024 });
    assert_eq!(err.reason_code(), ReasonCode::PacketTooLarge);
    assert_eq!(buf.len(), 4);
}

#[test]
fn the_size_limit_counts_the_fixed_header() {
    let mut buf = hex("c0 00");
    assert_eq!(decode(&mut buf, Some(V311), 2), Ok(Some(Packet::PingReq)));
    let mut buf = hex("c0 00");
    assert_eq!(decode(&mut buf, Some(V311), 1), Err(MqttError::PacketTooLarge { size: 2, max: 1 }));
}

#[test]
fn a_partial_remaining_length_waits_for_more_bytes() {
    for partial in ["30", "30 80", "30 80 80", "30 80 80 80"] {
        let mut buf = hex(partial);
        assert_eq!(decode(&mut buf, Some(V311), usize::MAX), Ok(None), "{partial}");
    }
    let mut buf = hex("30 80 80 80 80");
    assert_eq!(decode(&mut buf, Some(V311), usize::MAX), Err(MqttError::MalformedVarInt));
}

#[test]
fn a_failed_decode_leaves_the_buffer_as_it_was() {
    let bytes = hex("10 0d 00 04 4d515454 06 02 003c 0001 61 c000");
    let mut buf = bytes.clone();
    assert_eq!(decode(&mut buf, None, usize::MAX), Err(MqttError::UnsupportedProtocolLevel(6)));
    assert_eq!(buf, bytes);
    assert_eq!(connect_protocol_level(&buf), Some(6));
}

#[test]
fn connect_protocol_level_peeks_without_a_whole_packet() {
    assert_eq!(connect_protocol_level(&hex("10 30 00 04 4d515454 05")), Some(5));
    assert_eq!(connect_protocol_level(&hex("10 30 00 04 4d5154")), None);
    assert_eq!(connect_protocol_level(&hex("30 02 00 00")), None);
}

#[test]
fn mqtt_5_acks_omit_a_success_reason_and_empty_properties() {
    let ack = Packet::PubAck(PubResponse::success(9));
    assert_eq!(encoded(&ack, V5), hex("40 02 0009"));
    let nomatch = PubResponse { reason: ReasonCode::NoMatchingSubscribers, ..PubResponse::success(9) };
    assert_eq!(encoded(&Packet::PubAck(nomatch.clone()), V5), hex("40 03 0009 10"));
    assert_eq!(encoded(&Packet::PubAck(nomatch), V311), hex("40 02 0009"));
    assert_eq!(encoded(&Packet::Disconnect(Disconnect::default()), V5), hex("e0 00"));
    let mut buf = hex("40 04 0009 10 00");
    let Some(Packet::PubAck(r)) = decode(&mut buf, Some(V5), usize::MAX).unwrap() else { panic!() };
    assert_eq!(r.reason, ReasonCode::NoMatchingSubscribers);
}

#[test]
fn mqtt_311_encoding_drops_what_the_version_cannot_carry() {
    let suback = Packet::SubAck(SubAck {
        packet_id: 1,
        reasons: vec![ReasonCode::GrantedQoS2, ReasonCode::NotAuthorized, ReasonCode::TopicFilterInvalid],
        properties: Properties { reason_string: Some("no".into()), ..Properties::default() },
    });
    assert_eq!(encoded(&suback, V311), hex("90 05 0001 02 80 80"));
    let connack = Packet::ConnAck(ConnAck {
        session_present: false,
        reason: ReasonCode::Banned,
        properties: Properties::default(),
    });
    assert_eq!(encoded(&connack, V311), hex("20 02 00 05"));
    let unsuback = Packet::UnsubAck(UnsubAck {
        packet_id: 3,
        reasons: vec![ReasonCode::NoSubscriptionExisted],
        properties: Properties::default(),
    });
    assert_eq!(encoded(&unsuback, V311), hex("b0 02 0003"));
    let auth = Packet::Auth(Auth { reason: ReasonCode::Success, properties: Properties::default() });
    assert_eq!(
        encode(&auth, V311, &mut BytesMut::new()),
        Err(MqttError::NotInProtocolLevel { packet: PacketType::Auth, level: 4 })
    );
}

#[test]
fn encoding_refuses_packets_a_peer_would_reject_and_writes_nothing() {
    let publish = |topic: &str, qos, packet_id| {
        Packet::Publish(Publish {
            dup: false,
            qos,
            retain: false,
            topic: topic.into(),
            packet_id,
            properties: Properties::default(),
            payload: Bytes::new(),
        })
    };
    let cases = [
        (publish("a/+", QoS::AtMostOnce, 0), V5, ReasonCode::TopicNameInvalid),
        (publish("a", QoS::AtLeastOnce, 0), V5, ReasonCode::ProtocolError),
        (publish("", QoS::AtMostOnce, 0), V5, ReasonCode::ProtocolError),
        (publish(&"x".repeat(70_000), QoS::AtMostOnce, 0), V311, ReasonCode::TopicNameInvalid),
        (
            Packet::PubRel(PubResponse { reason: ReasonCode::NoMatchingSubscribers, ..PubResponse::success(1) }),
            V5,
            ReasonCode::MalformedPacket,
        ),
        (
            Packet::PubAck(PubResponse {
                properties: Properties { topic_alias: Some(1), ..Properties::default() },
                ..PubResponse::success(1)
            }),
            V5,
            ReasonCode::MalformedPacket,
        ),
    ];
    for (packet, level, code) in cases {
        let mut out = BytesMut::from(&b"xy"[..]);
        let err = encode(&packet, level, &mut out).unwrap_err();
        assert_eq!(err.reason_code(), code, "{err}");
        assert_eq!(&out[..], b"xy");
    }
}

#[test]
fn encoded_len_lets_a_server_honour_maximum_packet_size() {
    let p = Packet::Publish(Publish {
        dup: false,
        qos: QoS::AtMostOnce,
        retain: false,
        topic: "t".into(),
        packet_id: 0,
        properties: Properties::default(),
        payload: Bytes::from(vec![7u8; 300]),
    });
    assert_eq!(encoded_len(&p, V311), Ok(1 + 2 + 3 + 300));
    assert_eq!(encoded_len(&p, V5), Ok(1 + 2 + 3 + 1 + 300));
}

// ---------------------------------------------------------------------------------------------------
// Validation: each error, from real bytes.

#[test]
fn each_validation_error_is_reported_with_its_reason_code() {
    use MqttError as E;
    use PacketType as T;
    let v311 = Some(V311);
    let v5 = Some(V5);
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<ProtocolLevel>, &str, MqttError, u8)> = vec![
        ("reserved packet type 0", v311, "00 00", E::ReservedPacketType(0), 0x81),
        ("AUTH on 3.1.1", v311, "f0 00", E::ReservedPacketType(15), 0x81),
        ("PUBLISH before CONNECT", None, "30 02 00 00", E::ExpectedConnect(T::Publish), 0x82),
        ("second CONNECT", v5, "10 00", E::DuplicateConnect, 0x82),
        ("PUBREL flags 0", v311, "60 02 0001", E::InvalidHeaderFlags { packet: T::PubRel, flags: 0 }, 0x81),
        ("SUBSCRIBE flags 0", v311, "80 06 0001 0001 61 00",
            E::InvalidHeaderFlags { packet: T::Subscribe, flags: 0 }, 0x81),
        ("PINGREQ flags 1", v311, "c1 00", E::InvalidHeaderFlags { packet: T::PingReq, flags: 1 }, 0x81),
        ("5-byte remaining length", v311, "30 ff ff ff ff 01", E::MalformedVarInt, 0x81),
        ("PUBLISH QoS 3", v311, "36 05 0001 61 0001", E::InvalidQoS, 0x81),
        ("PUBLISH topic with #", v311, "30 05 0003 612f23",
            E::TopicNameInvalid { topic: "a/#".into(), reason: TopicError::WildcardInName }, 0x90),
        ("PUBLISH topic with +", v5, "30 04 0001 2b 00",
            E::TopicNameInvalid { topic: "+".into(), reason: TopicError::WildcardInName }, 0x90),
        ("PUBLISH empty topic on 3.1.1", v311, "30 02 0000",
            E::TopicNameInvalid { topic: String::new(), reason: TopicError::Empty }, 0x90),
        ("PUBLISH empty topic without alias", v5, "30 03 0000 00", E::EmptyTopicWithoutAlias, 0x82),
        ("PUBLISH topic alias 0", v5, "30 06 0000 03 23 0000", E::TopicAliasZero, 0x94),
        ("PUBLISH QoS 1 packet id 0", v311, "32 05 0001 61 0000", E::ZeroPacketId(T::Publish), 0x82),
        ("PUBLISH topic not UTF-8", v311, "30 04 0002 c328", E::InvalidUtf8("topic name"), 0x81),
        ("PUBLISH topic with U+0000", v311, "30 04 0002 6100", E::NullCharacter("topic name"), 0x81),
        ("PUBLISH topic with a surrogate", v311, "30 05 0003 eda080", E::InvalidUtf8("topic name"), 0x81),
        ("PUBLISH topic past the end", v311, "30 03 0005 61",
            E::Truncated { packet: T::Publish, field: "topic name" }, 0x81),
        ("PUBACK packet id 0", v311, "40 02 0000", E::ZeroPacketId(T::PubAck), 0x82),
        ("PUBACK extra byte on 3.1.1", v311, "40 03 0001 00", E::TrailingBytes { packet: T::PubAck }, 0x81),
        ("PUBACK reason 0x01", v5, "40 03 0001 01", E::InvalidReasonCode { packet: T::PubAck, code: 1 }, 0x81),
        ("PUBREL reason 0x10", v5, "62 03 0001 10", E::InvalidReasonCode { packet: T::PubRel, code: 0x10 }, 0x81),
        ("SUBSCRIBE without filters", v311, "82 02 0001", E::NoTopicFilters(T::Subscribe), 0x82),
        ("SUBSCRIBE reserved option bits on 3.1.1", v311, "82 06 0001 0001 61 04",
            E::ReservedBits { packet: T::Subscribe, value: 4 }, 0x81),
        ("SUBSCRIBE reserved option bits on 5", v5, "82 07 0001 00 0001 61 40",
            E::ReservedBits { packet: T::Subscribe, value: 0x40 }, 0x81),
        ("SUBSCRIBE QoS 3", v311, "82 06 0001 0001 61 03", E::InvalidQoS, 0x81),
        ("SUBSCRIBE retain handling 3", v5, "82 07 0001 00 0001 61 30", E::InvalidRetainHandling, 0x82),
        ("SUBSCRIBE no local on a shared subscription", v5, "82 10 0001 00 000a 2473686172652f672f61 04",
            E::NoLocalOnSharedSubscription("$share/g/a".into()), 0x82),
        ("SUBSCRIBE two subscription identifiers", v5, "82 0b 0001 04 0b01 0b02 0001 61 00",
            E::DuplicateProperty(PropertyId::SubscriptionIdentifier), 0x82),
        ("SUBSCRIBE subscription identifier 0", v5, "82 09 0001 02 0b00 0001 61 00",
            E::InvalidPropertyValue(PropertyId::SubscriptionIdentifier), 0x82),
        ("UNSUBSCRIBE without filters", v5, "a2 03 0001 00", E::NoTopicFilters(T::Unsubscribe), 0x82),
        ("SUBACK return code 3 on 3.1.1", v311, "90 03 0001 03",
            E::InvalidReasonCode { packet: T::SubAck, code: 3 }, 0x81),
        ("CONNACK return code 6 on 3.1.1", v311, "20 02 00 06",
            E::InvalidReasonCode { packet: T::ConnAck, code: 6 }, 0x81),
        ("CONNACK reserved flag", v311, "20 02 02 00", E::ReservedBits { packet: T::ConnAck, value: 2 }, 0x81),
        ("CONNACK maximum QoS 2", v5, "20 05 00 00 02 2402", E::InvalidPropertyValue(PropertyId::MaximumQoS), 0x82),
        ("PUBLISH with a CONNECT-only property", v5, "30 09 0001 61 05 110000003c",
            E::PropertyNotAllowed {
                property: PropertyId::SessionExpiryInterval,
                context: PropertyContext::Publish,
            }, 0x81),
        ("PUBLISH content type twice", v5, "30 0c 0001 61 08 03000178 03000179",
            E::DuplicateProperty(PropertyId::ContentType), 0x82),
        ("PUBLISH unknown property 0x04", v5, "30 06 0001 61 02 0400", E::UnknownProperty(4), 0x81),
        ("PUBLISH payload format 2", v5, "30 06 0001 61 02 0102",
            E::InvalidPropertyValue(PropertyId::PayloadFormatIndicator), 0x82),
        ("PUBLISH response topic with a wildcard", v5, "30 08 0001 61 04 0800012b",
            E::InvalidPropertyValue(PropertyId::ResponseTopic), 0x82),
        ("PUBLISH property length past the end", v5, "30 05 0001 61 05 01",
            E::PropertyLength(PropertyContext::Publish), 0x81),
        ("AUTH data without a method", v5, "f0 06 18 04 16 0001 00",
            E::InvalidPropertyValue(PropertyId::AuthenticationData), 0x82),
        ("DISCONNECT body on 3.1.1", v311, "e0 01 00", E::TrailingBytes { packet: T::Disconnect }, 0x81),
        ("DISCONNECT reason 0x18", v5, "e0 01 18", E::InvalidReasonCode { packet: T::Disconnect, code: 0x18 }, 0x81),
        ("PINGREQ with a body", v311, "c0 01 00", E::TrailingBytes { packet: T::PingReq }, 0x81),
        // CONNECT: name, level, flags, keep alive, then payload.
        ("MQTT 3.1", None, "10 0f 0006 4d5149736470 03 02 003c 0001 61", E::Mqtt31, 0x84),
        ("level 3 with name MQTT", None, "10 0d 0004 4d515454 03 02 003c 0001 61",
            E::UnsupportedProtocolLevel(3), 0x84),
        ("level 6", None, "10 0d 0004 4d515454 06 02 003c 0001 61", E::UnsupportedProtocolLevel(6), 0x84),
        ("unknown protocol name", None, "10 0d 0004 4d515458 04 02 003c 0001 61",
            E::InvalidProtocolName("MQTX".into()), 0x84),
        ("CONNECT reserved flag", None, "10 0d 0004 4d515454 04 03 003c 0001 61",
            E::ReservedBits { packet: T::Connect, value: 3 }, 0x81),
        ("Will QoS without Will", None, "10 0d 0004 4d515454 04 0a 003c 0001 61", E::WillFlagsWithoutWill, 0x81),
        ("Will Retain without Will", None, "10 0d 0004 4d515454 04 22 003c 0001 61", E::WillFlagsWithoutWill, 0x81),
        ("Will QoS 3", None, "10 0d 0004 4d515454 04 1e 003c 0001 61", E::InvalidQoS, 0x81),
        ("password without user name on 3.1.1", None, "10 10 0004 4d515454 04 42 003c 0001 61 0001 70",
            E::PasswordWithoutUsername, 0x82),
        ("Will topic with a wildcard", None, "10 13 0004 4d515454 04 06 003c 0001 61 0001 23 0001 78",
            E::TopicNameInvalid { topic: "#".into(), reason: TopicError::WildcardInName }, 0x90),
        ("CONNECT with a byte too many", None, "10 0e 0004 4d515454 04 02 003c 0001 61 00",
            E::TrailingBytes { packet: T::Connect }, 0x81),
        ("CONNECT cut inside the protocol name", None, "10 05 0004 4d5154",
            E::Truncated { packet: T::Connect, field: "protocol name" }, 0x81),
        ("CONNECT receive maximum 0", None, "10 11 0004 4d515454 05 02 003c 03 210000 0001 61",
            E::InvalidPropertyValue(PropertyId::ReceiveMaximum), 0x82),
        ("CONNECT with Will Delay outside the Will", None, "10 13 0004 4d515454 05 02 003c 05 1800000001 0001 61",
            E::PropertyNotAllowed { property: PropertyId::WillDelayInterval, context: PropertyContext::Connect }, 0x81),
        ("CONNECT request problem information 2", None, "10 10 0004 4d515454 05 02 003c 02 1702 0001 61",
            E::InvalidPropertyValue(PropertyId::RequestProblemInformation), 0x82),
        ("CONNECT property identifier of 5 bytes", None, "10 14 0004 4d515454 05 02 003c 06 ffffffff01 00 0001 61",
            E::MalformedVarInt, 0x81),
    ];
    for (name, level, bytes, want, code) in cases {
        let mut buf = hex(bytes);
        let got = decode(&mut buf, level, usize::MAX);
        assert_eq!(got, Err(want), "{name}");
        assert_eq!(got.unwrap_err().reason_code().as_u8(), code, "{name}");
        assert_eq!(buf, hex(bytes), "{name}: buffer must be left untouched");
    }
}

#[test]
fn what_the_specification_allows_is_accepted() {
    // MQTT 5 lets a password come without a user name.
    let mut buf = hex("10 11 0004 4d515454 05 42 003c 00 0001 61 0001 70");
    let Some(Packet::Connect(c)) = decode(&mut buf, None, usize::MAX).unwrap() else { panic!() };
    assert_eq!((c.username, c.password.as_deref()), (None, Some(&b"p"[..])));
    // Several subscription identifiers in one PUBLISH.
    let mut buf = hex("30 08 0001 61 04 0b01 0b02");
    let Some(Packet::Publish(p)) = decode(&mut buf, Some(V5), usize::MAX).unwrap() else { panic!() };
    assert_eq!(p.properties.subscription_identifiers, [1, 2]);
    // An empty topic stands for the topic alias.
    let mut buf = hex("30 06 0000 03 230005");
    let Some(Packet::Publish(p)) = decode(&mut buf, Some(V5), usize::MAX).unwrap() else { panic!() };
    assert_eq!((p.topic.as_str(), p.properties.topic_alias), ("", Some(5)));
    // A bad filter is the server's to refuse in SUBACK, not a decoding error.
    let mut buf = hex("82 08 0001 0003 612b23 00");
    let Some(Packet::Subscribe(s)) = decode(&mut buf, Some(V311), usize::MAX).unwrap() else { panic!() };
    assert_eq!(s.filters[0].filter, "a+#");
    // Whitespace is legal in MQTT topics; only the NATS mapping refuses it.
    let mut buf = hex("30 05 0003 612062");
    assert!(matches!(decode(&mut buf, Some(V311), usize::MAX), Ok(Some(Packet::Publish(_)))));
}

// ---------------------------------------------------------------------------------------------------
// Bytes from real clients: mosquitto_pub / mosquitto_sub 2.0 captured on a local listener, and the
// CONNECT example of the MQTT 3.1.1 specification (§3.1.2.10).

fn decode_stream(bytes: &str) -> Vec<Packet> {
    let (mut buf, mut level, mut got) = (hex(bytes), None, Vec::new());
    drain(&mut buf, &mut level, &mut got);
    assert!(buf.is_empty(), "left over: {buf:?}");
    got
}

fn assert_reencodes_identically(packets: &[Packet], bytes: &str) {
    let level = match &packets[0] {
        Packet::Connect(c) => c.protocol_level,
        other => panic!("stream starts with {other:?}"),
    };
    let mut out = BytesMut::new();
    for p in packets {
        encode(p, level, &mut out).unwrap();
    }
    assert_eq!(out, hex(bytes));
}

#[test]
fn mosquitto_pub_311_session_decodes() {
    // mosquitto_pub -V 311 -i pub311 -t test/topic -m hello
    let bytes = "101200044d5154540402003c0006707562333131 \
                 3011000a746573742f746f70696368656c6c6f e000";
    let packets = decode_stream(bytes);
    let [Packet::Connect(c), Packet::Publish(p), Packet::Disconnect(d)] = &packets[..] else { panic!("{packets:?}") };
    assert_eq!(c.protocol_level, V311);
    assert!(c.clean_start);
    assert_eq!((c.keep_alive, c.client_id.as_str()), (60, "pub311"));
    assert_eq!((p.topic.as_str(), &p.payload[..], p.qos), ("test/topic", &b"hello"[..], QoS::AtMostOnce));
    assert_eq!(d.reason, ReasonCode::NORMAL_DISCONNECTION);
    assert_reencodes_identically(&packets, bytes);
}

#[test]
fn mosquitto_pub_5_session_decodes() {
    // mosquitto_pub -V 5 -i pub5 -t test/topic -m hello -q 1
    //   -D connect session-expiry-interval 60 -D publish user-property k v
    let bytes = "101900044d5154540502003c08110000003c210014000470756235 \
                 321b000a746573742f746f7069630001072600016b00017668656c6c6f";
    let packets = decode_stream(bytes);
    let [Packet::Connect(c), Packet::Publish(p)] = &packets[..] else { panic!("{packets:?}") };
    assert_eq!(c.protocol_level, V5);
    assert_eq!(c.properties.session_expiry_interval, Some(60));
    assert_eq!(c.properties.receive_maximum, Some(20));
    assert_eq!((p.qos, p.packet_id), (QoS::AtLeastOnce, 1));
    assert_eq!(p.properties.user_properties, [("k".to_string(), "v".to_string())]);
    assert_eq!(&p.payload[..], b"hello");
    assert_reencodes_identically(&packets, bytes);
}

#[test]
fn mosquitto_sub_5_with_will_and_credentials_decodes() {
    // mosquitto_sub -V 5 -i sub5 -u user -P pass -t 'a/+/#' -q 2 --will-topic w/t --will-payload bye -c
    let bytes = "103000044d51545405c4003c0811ffffffff210014000473756235000003772f740003627965\
                 000475736572000470617373 820b0001000005612f2b2f2302";
    let packets = decode_stream(bytes);
    let [Packet::Connect(c), Packet::Subscribe(s)] = &packets[..] else { panic!("{packets:?}") };
    assert!(!c.clean_start);
    assert_eq!(c.properties.session_expiry_interval, Some(u32::MAX));
    let will = c.will.as_ref().unwrap();
    assert_eq!((will.topic.as_str(), &will.payload[..], will.qos), ("w/t", &b"bye"[..], QoS::AtMostOnce));
    assert_eq!((c.username.as_deref(), c.password.as_deref()), (Some("user"), Some(&b"pass"[..])));
    assert_eq!(s.filters.len(), 1);
    assert_eq!(s.filters[0].filter, "a/+/#");
    assert_eq!(s.filters[0].options, SubscribeOptions { qos: QoS::ExactlyOnce, ..SubscribeOptions::default() });
    assert_reencodes_identically(&packets, bytes);
}

#[test]
fn mosquitto_sub_311_with_two_filters_decodes() {
    // mosquitto_sub -V 311 -i sub311 -t 'a/#' -t b -q 1
    let bytes = "101200044d5154540402003c0006737562333131 820c00010003612f230100016201";
    let packets = decode_stream(bytes);
    let [Packet::Connect(_), Packet::Subscribe(s)] = &packets[..] else { panic!("{packets:?}") };
    let filters: Vec<_> = s.filters.iter().map(|f| (f.filter.as_str(), f.options.qos)).collect();
    assert_eq!(filters, [("a/#", QoS::AtLeastOnce), ("b", QoS::AtLeastOnce)]);
    assert_reencodes_identically(&packets, bytes);
}

#[test]
fn the_311_specification_connect_example_decodes() {
    // Variable header of §3.1.2.10 (flags 0xCE: user name, password, Will QoS 1, Will, clean session,
    // keep alive 10), with a payload added.
    let bytes = "10 1a 0004 4d515454 04 ce 000a 0001 63 0001 77 0002 6869 0001 75 0001 70";
    let packets = decode_stream(bytes);
    let [Packet::Connect(c)] = &packets[..] else { panic!("{packets:?}") };
    assert_eq!(c.keep_alive, 10);
    let will = c.will.as_ref().unwrap();
    assert_eq!((will.qos, will.retain, &will.payload[..]), (QoS::AtLeastOnce, false, &b"hi"[..]));
    assert_reencodes_identically(&packets, bytes);
}

#[test]
fn connack_and_suback_as_a_311_server_sends_them() {
    let bytes = "20 02 00 00";
    let mut buf = hex(bytes);
    let got = decode(&mut buf, Some(V311), usize::MAX).unwrap().unwrap();
    let want = Packet::ConnAck(ConnAck {
        session_present: false,
        reason: ReasonCode::Success,
        properties: Properties::default(),
    });
    assert_eq!(got, want);
    assert_eq!(encoded(&want, V311), hex(bytes));
    let mut buf = hex("90 04 0001 01 80");
    let Some(Packet::SubAck(s)) = decode(&mut buf, Some(V311), usize::MAX).unwrap() else { panic!() };
    assert_eq!(s.reasons, [ReasonCode::GrantedQoS1, ReasonCode::UnspecifiedError]);
}
