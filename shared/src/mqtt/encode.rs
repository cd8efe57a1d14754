//! Encoding MQTT packets into a byte buffer (sans-IO).
//!
//! [`encode`] appends one packet in the format of the connection's protocol level. For MQTT 3.1.1 what
//! that version cannot carry is dropped: all properties, reason codes of PUBACK..PUBCOMP, UNSUBACK and
//! DISCONNECT, and subscription options other than QoS; a CONNACK reason becomes the nearest 3.1.1 return
//! code and a SUBACK failure becomes 0x80. For MQTT 5 the optional tails are left out when they say
//! nothing (success and no properties), as the specification allows.
//!
//! The packet is checked before anything is written, so a failed encode leaves `out` unchanged:
//! strings and binary fields must fit 65,535 bytes, the packet the variable-length limit, packet
//! identifiers must be non-zero where required, topic names valid, and reason codes and properties
//! allowed in the packet. [`encoded_len`] gives the exact size without encoding, so a server can honour
//! a client's Maximum Packet Size.

use bytes::{BufMut, BytesMut};

use super::decode::MAX_VARINT;
use super::error::MqttError;
use super::packet::{Connect, Packet, PacketType, ProtocolLevel, PubResponse, Publish, QoS, SubscribeOptions};
use super::property::{Properties, PropertyContext};
use super::reason::{ConnectReturnCode, ReasonCode};
use super::topic;

/// Appends `packet`, encoded for `level`, to `out`.
pub fn encode(packet: &Packet, level: ProtocolLevel, out: &mut BytesMut) -> Result<(), MqttError> {
    validate(packet, level)?;
    let body = body_len(packet, level);
    out.reserve(packet_len(body)?);
    out.put_u8(first_byte(packet));
    put_varint(out, body);
    write_body(packet, level, out);
    Ok(())
}

/// The number of bytes [`encode`] would append for `packet` at `level`.
pub fn encoded_len(packet: &Packet, level: ProtocolLevel) -> Result<usize, MqttError> {
    validate(packet, level)?;
    packet_len(body_len(packet, level))
}

fn packet_len(body: usize) -> Result<usize, MqttError> {
    let max = MAX_VARINT as usize;
    if body > max {
        return Err(MqttError::PacketTooLarge { size: 1 + 4 + body, max: 1 + 4 + max });
    }
    Ok(1 + varint_len(body) + body)
}

fn first_byte(packet: &Packet) -> u8 {
    let kind = packet.packet_type();
    let flags = match packet {
        Packet::Publish(p) => (u8::from(p.dup) << 3) | (p.qos.as_u8() << 1) | u8::from(p.retain),
        Packet::PubRel(_) | Packet::Subscribe(_) | Packet::Unsubscribe(_) => 0b0010,
        _ => 0,
    };
    ((kind as u8) << 4) | flags
}

// ---------------------------------------------------------------------------------------------------
// Validation: everything that can fail, so that sizing and writing cannot.

fn validate(packet: &Packet, level: ProtocolLevel) -> Result<(), MqttError> {
    let v5 = level == ProtocolLevel::V5;
    let props = |p: &Properties, ctx| if v5 { check_properties(p, ctx) } else { Ok(()) };
    match packet {
        Packet::Connect(c) => {
            if c.protocol_level != level {
                return Err(MqttError::NotInProtocolLevel { packet: PacketType::Connect, level: level.as_u8() });
            }
            check_len(c.client_id.len(), "client identifier")?;
            if let Some(w) = &c.will {
                check_topic_name(&w.topic)?;
                check_len(w.payload.len(), "will payload")?;
                props(&w.properties, PropertyContext::Will)?;
            }
            check_len(c.username.as_ref().map_or(0, String::len), "user name")?;
            check_len(c.password.as_ref().map_or(0, |p| p.len()), "password")?;
            if !v5 && c.password.is_some() && c.username.is_none() {
                return Err(MqttError::PasswordWithoutUsername);
            }
            props(&c.properties, PropertyContext::Connect)
        }
        Packet::ConnAck(c) => {
            check_reason(PacketType::ConnAck, c.reason)?;
            props(&c.properties, PropertyContext::ConnAck)
        }
        Packet::Publish(p) => {
            if p.qos != QoS::AtMostOnce && p.packet_id == 0 {
                return Err(MqttError::ZeroPacketId(PacketType::Publish));
            }
            if p.topic.is_empty() && v5 {
                if p.properties.topic_alias.is_none() {
                    return Err(MqttError::EmptyTopicWithoutAlias);
                }
            } else {
                check_topic_name(&p.topic)?;
            }
            props(&p.properties, PropertyContext::Publish)
        }
        Packet::PubAck(r) => check_pub_response(r, PacketType::PubAck, PropertyContext::PubAck, v5),
        Packet::PubRec(r) => check_pub_response(r, PacketType::PubRec, PropertyContext::PubRec, v5),
        Packet::PubRel(r) => check_pub_response(r, PacketType::PubRel, PropertyContext::PubRel, v5),
        Packet::PubComp(r) => check_pub_response(r, PacketType::PubComp, PropertyContext::PubComp, v5),
        Packet::Subscribe(s) => {
            check_packet_id(PacketType::Subscribe, s.packet_id)?;
            if s.filters.is_empty() {
                return Err(MqttError::NoTopicFilters(PacketType::Subscribe));
            }
            for f in &s.filters {
                check_len(f.filter.len(), "topic filter")?;
                if v5 && f.options.no_local && f.filter.starts_with(topic::SHARE_PREFIX) {
                    return Err(MqttError::NoLocalOnSharedSubscription(f.filter.clone()));
                }
            }
            props(&s.properties, PropertyContext::Subscribe)
        }
        Packet::SubAck(s) => {
            check_packet_id(PacketType::SubAck, s.packet_id)?;
            for &r in &s.reasons {
                check_reason(PacketType::SubAck, r)?;
            }
            props(&s.properties, PropertyContext::SubAck)
        }
        Packet::Unsubscribe(u) => {
            check_packet_id(PacketType::Unsubscribe, u.packet_id)?;
            if u.filters.is_empty() {
                return Err(MqttError::NoTopicFilters(PacketType::Unsubscribe));
            }
            for f in &u.filters {
                check_len(f.len(), "topic filter")?;
            }
            props(&u.properties, PropertyContext::Unsubscribe)
        }
        Packet::UnsubAck(u) => {
            check_packet_id(PacketType::UnsubAck, u.packet_id)?;
            for &r in &u.reasons {
                check_reason(PacketType::UnsubAck, r)?;
            }
            props(&u.properties, PropertyContext::UnsubAck)
        }
        Packet::PingReq | Packet::PingResp => Ok(()),
        Packet::Disconnect(d) => {
            check_reason(PacketType::Disconnect, d.reason)?;
            props(&d.properties, PropertyContext::Disconnect)
        }
        Packet::Auth(a) => {
            if !v5 {
                return Err(MqttError::NotInProtocolLevel { packet: PacketType::Auth, level: level.as_u8() });
            }
            check_reason(PacketType::Auth, a.reason)?;
            props(&a.properties, PropertyContext::Auth)
        }
    }
}

fn check_pub_response(r: &PubResponse, packet: PacketType, ctx: PropertyContext, v5: bool) -> Result<(), MqttError> {
    check_packet_id(packet, r.packet_id)?;
    check_reason(packet, r.reason)?;
    if v5 {
        check_properties(&r.properties, ctx)?;
    }
    Ok(())
}

fn check_packet_id(packet: PacketType, id: u16) -> Result<(), MqttError> {
    if id == 0 {
        Err(MqttError::ZeroPacketId(packet))
    } else {
        Ok(())
    }
}

fn check_reason(packet: PacketType, reason: ReasonCode) -> Result<(), MqttError> {
    if reason.is_allowed_in(packet) {
        Ok(())
    } else {
        Err(MqttError::InvalidReasonCode { packet, code: reason.as_u8() })
    }
}

fn check_topic_name(t: &str) -> Result<(), MqttError> {
    topic::validate_topic_name(t).map_err(|reason| MqttError::TopicNameInvalid { topic: t.to_owned(), reason })
}

fn check_len(len: usize, field: &'static str) -> Result<(), MqttError> {
    if len > usize::from(u16::MAX) {
        Err(MqttError::FieldTooLong(field))
    } else {
        Ok(())
    }
}

fn check_properties(p: &Properties, ctx: PropertyContext) -> Result<(), MqttError> {
    p.validate(ctx)?;
    let strings = [
        (&p.content_type, "content type"),
        (&p.response_topic, "response topic"),
        (&p.assigned_client_identifier, "assigned client identifier"),
        (&p.authentication_method, "authentication method"),
        (&p.response_information, "response information"),
        (&p.server_reference, "server reference"),
        (&p.reason_string, "reason string"),
    ];
    for (s, field) in strings {
        check_len(s.as_ref().map_or(0, String::len), field)?;
    }
    check_len(p.correlation_data.as_ref().map_or(0, |b| b.len()), "correlation data")?;
    check_len(p.authentication_data.as_ref().map_or(0, |b| b.len()), "authentication data")?;
    for (k, v) in &p.user_properties {
        check_len(k.len(), "user property")?;
        check_len(v.len(), "user property")?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// Sizing.

fn body_len(packet: &Packet, level: ProtocolLevel) -> usize {
    let v5 = level == ProtocolLevel::V5;
    let props = |p: &Properties| if v5 { properties_len(p) } else { 0 };
    match packet {
        Packet::Connect(c) => connect_len(c, v5),
        Packet::ConnAck(c) => 2 + props(&c.properties),
        Packet::Publish(p) => publish_len(p, v5),
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            2 + reason_tail_len(v5, r.reason, &r.properties)
        }
        Packet::Subscribe(s) => {
            2 + props(&s.properties) + s.filters.iter().map(|f| 2 + f.filter.len() + 1).sum::<usize>()
        }
        Packet::SubAck(s) => 2 + props(&s.properties) + s.reasons.len(),
        Packet::Unsubscribe(u) => 2 + props(&u.properties) + u.filters.iter().map(|f| 2 + f.len()).sum::<usize>(),
        Packet::UnsubAck(u) if v5 => 2 + props(&u.properties) + u.reasons.len(),
        Packet::UnsubAck(_) => 2,
        Packet::PingReq | Packet::PingResp => 0,
        Packet::Disconnect(d) => reason_tail_len(v5, d.reason, &d.properties),
        Packet::Auth(a) => reason_tail_len(v5, a.reason, &a.properties),
    }
}

fn connect_len(c: &Connect, v5: bool) -> usize {
    let props = |p: &Properties| if v5 { properties_len(p) } else { 0 };
    let mut len = 2 + 4 + 1 + 1 + 2 + props(&c.properties) + 2 + c.client_id.len();
    if let Some(w) = &c.will {
        len += props(&w.properties) + 2 + w.topic.len() + 2 + w.payload.len();
    }
    len += c.username.as_ref().map_or(0, |u| 2 + u.len());
    len += c.password.as_ref().map_or(0, |p| 2 + p.len());
    len
}

fn publish_len(p: &Publish, v5: bool) -> usize {
    let id = if p.qos == QoS::AtMostOnce { 0 } else { 2 };
    2 + p.topic.len() + id + if v5 { properties_len(&p.properties) } else { 0 } + p.payload.len()
}

/// The reason code and properties at the end of PUBACK..PUBCOMP, DISCONNECT and AUTH (MQTT 5 only).
fn reason_tail_len(v5: bool, reason: ReasonCode, props: &Properties) -> usize {
    match (v5, props.is_empty(), reason) {
        (false, _, _) => 0,
        (true, true, ReasonCode::Success) => 0,
        (true, true, _) => 1,
        (true, false, _) => 1 + properties_len(props),
    }
}

/// Length prefix plus content of a property block.
fn properties_len(p: &Properties) -> usize {
    let n = properties_content_len(p);
    varint_len(n) + n
}

fn properties_content_len(p: &Properties) -> usize {
    let string = |s: &Option<String>| s.as_ref().map_or(0, |s| 3 + s.len());
    let binary = |b: &Option<bytes::Bytes>| b.as_ref().map_or(0, |b| 3 + b.len());
    let fixed = |present: bool, size: usize| if present { 1 + size } else { 0 };
    fixed(p.payload_format.is_some(), 1)
        + fixed(p.message_expiry_interval.is_some(), 4)
        + string(&p.content_type)
        + string(&p.response_topic)
        + binary(&p.correlation_data)
        + p.subscription_identifiers.iter().map(|&id| 1 + varint_len(id as usize)).sum::<usize>()
        + fixed(p.session_expiry_interval.is_some(), 4)
        + string(&p.assigned_client_identifier)
        + fixed(p.server_keep_alive.is_some(), 2)
        + string(&p.authentication_method)
        + binary(&p.authentication_data)
        + fixed(p.request_problem_information.is_some(), 1)
        + fixed(p.will_delay_interval.is_some(), 4)
        + fixed(p.request_response_information.is_some(), 1)
        + string(&p.response_information)
        + string(&p.server_reference)
        + string(&p.reason_string)
        + fixed(p.receive_maximum.is_some(), 2)
        + fixed(p.topic_alias_maximum.is_some(), 2)
        + fixed(p.topic_alias.is_some(), 2)
        + fixed(p.maximum_qos.is_some(), 1)
        + fixed(p.retain_available.is_some(), 1)
        + p.user_properties.iter().map(|(k, v)| 1 + 2 + k.len() + 2 + v.len()).sum::<usize>()
        + fixed(p.maximum_packet_size.is_some(), 4)
        + fixed(p.wildcard_subscription_available.is_some(), 1)
        + fixed(p.subscription_identifier_available.is_some(), 1)
        + fixed(p.shared_subscription_available.is_some(), 1)
}

/// Bytes a variable byte integer takes (the value is at most [`MAX_VARINT`]).
fn varint_len(v: usize) -> usize {
    match v {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

// ---------------------------------------------------------------------------------------------------
// Writing: the packet has been validated, so every length fits its field.

fn write_body(packet: &Packet, level: ProtocolLevel, out: &mut BytesMut) {
    let v5 = level == ProtocolLevel::V5;
    let props = |out: &mut BytesMut, p: &Properties| {
        if v5 {
            put_properties(out, p);
        }
    };
    match packet {
        Packet::Connect(c) => write_connect(c, level, out),
        Packet::ConnAck(c) => {
            out.put_u8(u8::from(c.session_present));
            if v5 {
                out.put_u8(c.reason.as_u8());
            } else {
                out.put_u8(ConnectReturnCode::from_reason(c.reason).as_u8());
            }
            props(out, &c.properties);
        }
        Packet::Publish(p) => {
            put_str(out, &p.topic);
            if p.qos != QoS::AtMostOnce {
                out.put_u16(p.packet_id);
            }
            props(out, &p.properties);
            out.put_slice(&p.payload);
        }
        Packet::PubAck(r) | Packet::PubRec(r) | Packet::PubRel(r) | Packet::PubComp(r) => {
            out.put_u16(r.packet_id);
            put_reason_tail(out, v5, r.reason, &r.properties);
        }
        Packet::Subscribe(s) => {
            out.put_u16(s.packet_id);
            props(out, &s.properties);
            for f in &s.filters {
                put_str(out, &f.filter);
                out.put_u8(options_byte(&f.options, v5));
            }
        }
        Packet::SubAck(s) => {
            out.put_u16(s.packet_id);
            props(out, &s.properties);
            for r in &s.reasons {
                out.put_u8(if v5 || !r.is_error() { r.as_u8() } else { 0x80 });
            }
        }
        Packet::Unsubscribe(u) => {
            out.put_u16(u.packet_id);
            props(out, &u.properties);
            for f in &u.filters {
                put_str(out, f);
            }
        }
        Packet::UnsubAck(u) => {
            out.put_u16(u.packet_id);
            if v5 {
                put_properties(out, &u.properties);
                out.extend(u.reasons.iter().map(|r| r.as_u8()));
            }
        }
        Packet::PingReq | Packet::PingResp => {}
        Packet::Disconnect(d) => put_reason_tail(out, v5, d.reason, &d.properties),
        Packet::Auth(a) => put_reason_tail(out, v5, a.reason, &a.properties),
    }
}

fn write_connect(c: &Connect, level: ProtocolLevel, out: &mut BytesMut) {
    let v5 = level == ProtocolLevel::V5;
    put_str(out, "MQTT");
    out.put_u8(level.as_u8());
    let mut flags = u8::from(c.clean_start) << 1;
    if let Some(w) = &c.will {
        flags |= 0x04 | (w.qos.as_u8() << 3) | (u8::from(w.retain) << 5);
    }
    flags |= u8::from(c.password.is_some()) << 6;
    flags |= u8::from(c.username.is_some()) << 7;
    out.put_u8(flags);
    out.put_u16(c.keep_alive);
    if v5 {
        put_properties(out, &c.properties);
    }
    put_str(out, &c.client_id);
    if let Some(w) = &c.will {
        if v5 {
            put_properties(out, &w.properties);
        }
        put_str(out, &w.topic);
        put_binary(out, &w.payload);
    }
    if let Some(u) = &c.username {
        put_str(out, u);
    }
    if let Some(p) = &c.password {
        put_binary(out, p);
    }
}

fn options_byte(o: &SubscribeOptions, v5: bool) -> u8 {
    let mut b = o.qos.as_u8();
    if v5 {
        b |= u8::from(o.no_local) << 2;
        b |= u8::from(o.retain_as_published) << 3;
        b |= (o.retain_handling as u8) << 4;
    }
    b
}

fn put_reason_tail(out: &mut BytesMut, v5: bool, reason: ReasonCode, props: &Properties) {
    match reason_tail_len(v5, reason, props) {
        0 => {}
        1 => out.put_u8(reason.as_u8()),
        _ => {
            out.put_u8(reason.as_u8());
            put_properties(out, props);
        }
    }
}

fn put_varint(out: &mut BytesMut, mut v: usize) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.put_u8(byte);
            return;
        }
        out.put_u8(byte | 0x80);
    }
}

fn put_str(out: &mut BytesMut, s: &str) {
    put_binary(out, s.as_bytes());
}

fn put_binary(out: &mut BytesMut, b: &[u8]) {
    out.put_u16(b.len() as u16);
    out.put_slice(b);
}

fn put_properties(out: &mut BytesMut, p: &Properties) {
    use super::property::PropertyId as P;
    put_varint(out, properties_content_len(p));
    let id = |out: &mut BytesMut, id: P| out.put_u8(id.as_u8());
    if let Some(v) = p.payload_format {
        id(out, P::PayloadFormatIndicator);
        out.put_u8(v as u8);
    }
    if let Some(v) = p.message_expiry_interval {
        id(out, P::MessageExpiryInterval);
        out.put_u32(v);
    }
    if let Some(v) = &p.content_type {
        id(out, P::ContentType);
        put_str(out, v);
    }
    if let Some(v) = &p.response_topic {
        id(out, P::ResponseTopic);
        put_str(out, v);
    }
    if let Some(v) = &p.correlation_data {
        id(out, P::CorrelationData);
        put_binary(out, v);
    }
    for &v in &p.subscription_identifiers {
        id(out, P::SubscriptionIdentifier);
        put_varint(out, v as usize);
    }
    if let Some(v) = p.session_expiry_interval {
        id(out, P::SessionExpiryInterval);
        out.put_u32(v);
    }
    if let Some(v) = &p.assigned_client_identifier {
        id(out, P::AssignedClientIdentifier);
        put_str(out, v);
    }
    if let Some(v) = p.server_keep_alive {
        id(out, P::ServerKeepAlive);
        out.put_u16(v);
    }
    if let Some(v) = &p.authentication_method {
        id(out, P::AuthenticationMethod);
        put_str(out, v);
    }
    if let Some(v) = &p.authentication_data {
        id(out, P::AuthenticationData);
        put_binary(out, v);
    }
    if let Some(v) = p.request_problem_information {
        id(out, P::RequestProblemInformation);
        out.put_u8(u8::from(v));
    }
    if let Some(v) = p.will_delay_interval {
        id(out, P::WillDelayInterval);
        out.put_u32(v);
    }
    if let Some(v) = p.request_response_information {
        id(out, P::RequestResponseInformation);
        out.put_u8(u8::from(v));
    }
    if let Some(v) = &p.response_information {
        id(out, P::ResponseInformation);
        put_str(out, v);
    }
    if let Some(v) = &p.server_reference {
        id(out, P::ServerReference);
        put_str(out, v);
    }
    if let Some(v) = &p.reason_string {
        id(out, P::ReasonString);
        put_str(out, v);
    }
    if let Some(v) = p.receive_maximum {
        id(out, P::ReceiveMaximum);
        out.put_u16(v);
    }
    if let Some(v) = p.topic_alias_maximum {
        id(out, P::TopicAliasMaximum);
        out.put_u16(v);
    }
    if let Some(v) = p.topic_alias {
        id(out, P::TopicAlias);
        out.put_u16(v);
    }
    if let Some(v) = p.maximum_qos {
        id(out, P::MaximumQoS);
        out.put_u8(v.as_u8());
    }
    if let Some(v) = p.retain_available {
        id(out, P::RetainAvailable);
        out.put_u8(u8::from(v));
    }
    for (k, v) in &p.user_properties {
        id(out, P::UserProperty);
        put_str(out, k);
        put_str(out, v);
    }
    if let Some(v) = p.maximum_packet_size {
        id(out, P::MaximumPacketSize);
        out.put_u32(v);
    }
    if let Some(v) = p.wildcard_subscription_available {
        id(out, P::WildcardSubscriptionAvailable);
        out.put_u8(u8::from(v));
    }
    if let Some(v) = p.subscription_identifier_available {
        id(out, P::SubscriptionIdentifierAvailable);
        out.put_u8(u8::from(v));
    }
    if let Some(v) = p.shared_subscription_available {
        id(out, P::SharedSubscriptionAvailable);
        out.put_u8(u8::from(v));
    }
}
