//! Decoding MQTT packets from a byte buffer (sans-IO).
//!
//! [`decode`] takes one complete packet off the front of the buffer, or returns `Ok(None)` and consumes
//! nothing when the buffer holds less than a full packet, whatever the split point. The size limit is
//! checked as soon as the remaining length is known, so an oversize packet is refused before it is
//! buffered. On error the buffer is also left untouched; the connection is expected to be closed, and
//! [`connect_protocol_level`] can still read the level of a bad CONNECT to pick the CONNACK format.
//!
//! Validation is what the specification makes the receiver's duty for a single packet: fixed-header
//! flags, QoS 3, UTF-8 strings without U+0000, topic names without wildcards, non-zero packet
//! identifiers, at least one filter, properties allowed in the packet and not duplicated, reason codes
//! the packet may carry. It does not check session state (topic alias ranges, packet identifiers in
//! use, which side may send which packet) and it leaves topic *filter* syntax to [`super::topic`], so a
//! SUBSCRIBE with one bad filter can be answered per filter in SUBACK.

use bytes::{Bytes, BytesMut};

use super::error::MqttError;
use super::packet::{
    Auth, ConnAck, Connect, Disconnect, Packet, PacketType, ProtocolLevel, PubResponse, Publish, QoS, RetainHandling,
    SubAck, Subscribe, SubscribeFilter, SubscribeOptions, UnsubAck, Unsubscribe, Will,
};
use super::property::{PayloadFormat, Properties, PropertyContext, PropertyId};
use super::reason::{ConnectReturnCode, ReasonCode};
use super::topic;

/// Takes one packet off the front of `buf`.
///
/// `level` is `None` until CONNECT has been decoded (the only packet then accepted; it decides the
/// level) and the connection's level afterwards. `max_packet_size` bounds the whole packet, fixed header
/// included, as MQTT 5's Maximum Packet Size does.
pub fn decode(
    buf: &mut BytesMut,
    level: Option<ProtocolLevel>,
    max_packet_size: usize,
) -> Result<Option<Packet>, MqttError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let packet = check_packet_type(first, level)?;
    check_header_flags(packet, first & 0x0F)?;
    let Some((remaining, len_bytes)) = read_remaining_length(&buf[1..])? else {
        return Ok(None);
    };
    let total = 1 + len_bytes + remaining;
    if total > max_packet_size {
        return Err(MqttError::PacketTooLarge { size: total, max: max_packet_size });
    }
    if buf.len() < total {
        // No reserve here: a header alone must not make the receiver allocate up to the size limit.
        return Ok(None);
    }
    let frame = buf.split_to(total).freeze();
    let mut reader = Reader { frame: &frame, pos: 1 + len_bytes, end: total, packet };
    match parse(&mut reader, first & 0x0F, level) {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            restore(buf, frame);
            Err(e)
        }
    }
}

/// The protocol level byte of a CONNECT at the start of `buf`, if that much has arrived. Lets a server
/// answer a CONNECT that failed to decode in the client's own version.
pub fn connect_protocol_level(buf: &[u8]) -> Option<u8> {
    if buf.first()? >> 4 != PacketType::Connect as u8 {
        return None;
    }
    let (_, len_bytes) = read_remaining_length(&buf[1..]).ok()??;
    let name_at = 1 + len_bytes;
    let name_len = usize::from(u16::from_be_bytes([*buf.get(name_at)?, *buf.get(name_at + 1)?]));
    buf.get(name_at + 2 + name_len).copied()
}

/// The largest value a variable byte integer can hold.
pub const MAX_VARINT: u32 = 268_435_455;

fn check_packet_type(first: u8, level: Option<ProtocolLevel>) -> Result<PacketType, MqttError> {
    let packet = PacketType::from_u8(first >> 4).ok_or(MqttError::ReservedPacketType(first >> 4))?;
    match (level, packet) {
        (None, PacketType::Connect) => Ok(packet),
        (None, _) => Err(MqttError::ExpectedConnect(packet)),
        (Some(_), PacketType::Connect) => Err(MqttError::DuplicateConnect),
        (Some(ProtocolLevel::V311), PacketType::Auth) => Err(MqttError::ReservedPacketType(15)),
        _ => Ok(packet),
    }
}

fn check_header_flags(packet: PacketType, flags: u8) -> Result<(), MqttError> {
    let expected = match packet {
        PacketType::Publish => return Ok(()),
        PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => 0b0010,
        _ => 0,
    };
    if flags == expected {
        Ok(())
    } else {
        Err(MqttError::InvalidHeaderFlags { packet, flags })
    }
}

/// Reads the remaining length: `Ok(None)` if more bytes are needed, else the value and its size.
fn read_remaining_length(buf: &[u8]) -> Result<Option<(usize, usize)>, MqttError> {
    let mut value = 0usize;
    for (i, &b) in buf.iter().take(4).enumerate() {
        value |= usize::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(Some((value, i + 1)));
        }
    }
    if buf.len() >= 4 {
        Err(MqttError::MalformedVarInt)
    } else {
        Ok(None)
    }
}

/// Puts a frame that failed to decode back in front of the buffer.
fn restore(buf: &mut BytesMut, frame: Bytes) {
    let mut whole = frame.try_into_mut().unwrap_or_else(|shared| BytesMut::from(&shared[..]));
    whole.unsplit(buf.split());
    *buf = whole;
}

fn parse(r: &mut Reader<'_>, flags: u8, level: Option<ProtocolLevel>) -> Result<Packet, MqttError> {
    // `check_packet_type` has made sure CONNECT comes first and only then.
    let v5 = level == Some(ProtocolLevel::V5);
    let packet = match r.packet {
        PacketType::Connect => Packet::Connect(Box::new(parse_connect(r)?)),
        PacketType::ConnAck => Packet::ConnAck(parse_connack(r, v5)?),
        PacketType::Publish => Packet::Publish(parse_publish(r, flags, v5)?),
        PacketType::PubAck => Packet::PubAck(parse_pub_response(r, v5, PropertyContext::PubAck)?),
        PacketType::PubRec => Packet::PubRec(parse_pub_response(r, v5, PropertyContext::PubRec)?),
        PacketType::PubRel => Packet::PubRel(parse_pub_response(r, v5, PropertyContext::PubRel)?),
        PacketType::PubComp => Packet::PubComp(parse_pub_response(r, v5, PropertyContext::PubComp)?),
        PacketType::Subscribe => Packet::Subscribe(parse_subscribe(r, v5)?),
        PacketType::SubAck => Packet::SubAck(parse_suback(r, v5)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(parse_unsubscribe(r, v5)?),
        PacketType::UnsubAck => Packet::UnsubAck(parse_unsuback(r, v5)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => {
            let (reason, properties) = parse_reason_and_properties(r, v5, PropertyContext::Disconnect)?;
            Packet::Disconnect(Disconnect { reason, properties })
        }
        PacketType::Auth => {
            let (reason, properties) = parse_reason_and_properties(r, v5, PropertyContext::Auth)?;
            Packet::Auth(Auth { reason, properties })
        }
    };
    r.finish()?;
    Ok(packet)
}

fn parse_connect(r: &mut Reader<'_>) -> Result<Connect, MqttError> {
    let name = r.binary("protocol name")?;
    let level_byte = r.u8("protocol level")?;
    match &name[..] {
        b"MQTT" => {}
        b"MQIsdp" => return Err(MqttError::Mqtt31),
        other => return Err(MqttError::InvalidProtocolName(String::from_utf8_lossy(other).into_owned())),
    }
    let level = match level_byte {
        4 => ProtocolLevel::V311,
        5 => ProtocolLevel::V5,
        other => return Err(MqttError::UnsupportedProtocolLevel(other)),
    };
    let v5 = level == ProtocolLevel::V5;
    let flags = r.u8("connect flags")?;
    if flags & 0x01 != 0 {
        return Err(MqttError::ReservedBits { packet: PacketType::Connect, value: flags });
    }
    let has_will = flags & 0x04 != 0;
    let will_qos = (flags >> 3) & 0x03;
    let will_retain = flags & 0x20 != 0;
    let has_password = flags & 0x40 != 0;
    let has_username = flags & 0x80 != 0;
    if !has_will && (will_qos != 0 || will_retain) {
        return Err(MqttError::WillFlagsWithoutWill);
    }
    let will_qos = QoS::from_u8(will_qos).ok_or(MqttError::InvalidQoS)?;
    if !v5 && has_password && !has_username {
        return Err(MqttError::PasswordWithoutUsername);
    }
    let keep_alive = r.u16("keep alive")?;
    let properties = if v5 { r.properties(PropertyContext::Connect)? } else { Properties::default() };
    let client_id = r.string("client identifier")?;
    let will = if has_will {
        let properties = if v5 { r.properties(PropertyContext::Will)? } else { Properties::default() };
        let topic = r.string("will topic")?;
        check_topic_name(&topic)?;
        let payload = r.binary("will payload")?;
        Some(Will { topic, payload, qos: will_qos, retain: will_retain, properties })
    } else {
        None
    };
    let username = if has_username { Some(r.string("user name")?) } else { None };
    let password = if has_password { Some(r.binary("password")?) } else { None };
    Ok(Connect {
        protocol_level: level,
        clean_start: flags & 0x02 != 0,
        keep_alive,
        client_id,
        will,
        username,
        password,
        properties,
    })
}

fn parse_connack(r: &mut Reader<'_>, v5: bool) -> Result<ConnAck, MqttError> {
    let flags = r.u8("acknowledge flags")?;
    if flags & 0xFE != 0 {
        return Err(MqttError::ReservedBits { packet: PacketType::ConnAck, value: flags });
    }
    let code = r.u8("reason code")?;
    let invalid = MqttError::InvalidReasonCode { packet: PacketType::ConnAck, code };
    let (reason, properties) = if v5 {
        let reason = reason_for(PacketType::ConnAck, code)?;
        (reason, r.properties(PropertyContext::ConnAck)?)
    } else {
        let rc = ConnectReturnCode::from_u8(code).ok_or(invalid)?;
        (rc.to_reason(), Properties::default())
    };
    Ok(ConnAck { session_present: flags & 0x01 != 0, reason, properties })
}

fn parse_publish(r: &mut Reader<'_>, flags: u8, v5: bool) -> Result<Publish, MqttError> {
    let qos = QoS::from_u8((flags >> 1) & 0x03).ok_or(MqttError::InvalidQoS)?;
    let topic = r.string("topic name")?;
    let packet_id = if qos == QoS::AtMostOnce { 0 } else { r.packet_id()? };
    let properties = if v5 { r.properties(PropertyContext::Publish)? } else { Properties::default() };
    if topic.is_empty() && v5 {
        if properties.topic_alias.is_none() {
            return Err(MqttError::EmptyTopicWithoutAlias);
        }
    } else {
        check_topic_name(&topic)?;
    }
    Ok(Publish {
        dup: flags & 0x08 != 0,
        qos,
        retain: flags & 0x01 != 0,
        topic,
        packet_id,
        properties,
        payload: r.rest(),
    })
}

fn parse_pub_response(r: &mut Reader<'_>, v5: bool, ctx: PropertyContext) -> Result<PubResponse, MqttError> {
    let packet_id = r.packet_id()?;
    let (reason, properties) = parse_reason_and_properties(r, v5, ctx)?;
    Ok(PubResponse { packet_id, reason, properties })
}

/// The optional reason code and properties that end PUBACK..PUBCOMP, DISCONNECT and AUTH in MQTT 5:
/// both may be left out when the reason is success (0x00) and there are no properties.
fn parse_reason_and_properties(
    r: &mut Reader<'_>,
    v5: bool,
    ctx: PropertyContext,
) -> Result<(ReasonCode, Properties), MqttError> {
    if !v5 || r.is_empty() {
        return Ok((ReasonCode::Success, Properties::default()));
    }
    let reason = reason_for(r.packet, r.u8("reason code")?)?;
    let properties = if r.is_empty() { Properties::default() } else { r.properties(ctx)? };
    Ok((reason, properties))
}

fn parse_subscribe(r: &mut Reader<'_>, v5: bool) -> Result<Subscribe, MqttError> {
    let packet_id = r.packet_id()?;
    let properties = if v5 { r.properties(PropertyContext::Subscribe)? } else { Properties::default() };
    let mut filters = Vec::new();
    while !r.is_empty() {
        let filter = r.string("topic filter")?;
        let byte = r.u8("subscription options")?;
        let reserved = if v5 { 0xC0 } else { 0xFC };
        if byte & reserved != 0 {
            return Err(MqttError::ReservedBits { packet: PacketType::Subscribe, value: byte });
        }
        let options = SubscribeOptions {
            qos: QoS::from_u8(byte & 0x03).ok_or(MqttError::InvalidQoS)?,
            no_local: byte & 0x04 != 0,
            retain_as_published: byte & 0x08 != 0,
            retain_handling: match (byte >> 4) & 0x03 {
                0 => RetainHandling::SendAtSubscribe,
                1 => RetainHandling::SendAtSubscribeIfNew,
                2 => RetainHandling::DoNotSend,
                _ => return Err(MqttError::InvalidRetainHandling),
            },
        };
        if options.no_local && filter.starts_with(topic::SHARE_PREFIX) {
            return Err(MqttError::NoLocalOnSharedSubscription(filter));
        }
        filters.push(SubscribeFilter { filter, options });
    }
    if filters.is_empty() {
        return Err(MqttError::NoTopicFilters(PacketType::Subscribe));
    }
    Ok(Subscribe { packet_id, filters, properties })
}

fn parse_suback(r: &mut Reader<'_>, v5: bool) -> Result<SubAck, MqttError> {
    let packet_id = r.packet_id()?;
    let properties = if v5 { r.properties(PropertyContext::SubAck)? } else { Properties::default() };
    let mut reasons = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        let code = r.u8("reason code")?;
        let reason = if v5 {
            reason_for(PacketType::SubAck, code)?
        } else {
            match code {
                0 => ReasonCode::GRANTED_QOS_0,
                1 => ReasonCode::GrantedQoS1,
                2 => ReasonCode::GrantedQoS2,
                0x80 => ReasonCode::UnspecifiedError,
                _ => return Err(MqttError::InvalidReasonCode { packet: PacketType::SubAck, code }),
            }
        };
        reasons.push(reason);
    }
    Ok(SubAck { packet_id, reasons, properties })
}

fn parse_unsubscribe(r: &mut Reader<'_>, v5: bool) -> Result<Unsubscribe, MqttError> {
    let packet_id = r.packet_id()?;
    let properties = if v5 { r.properties(PropertyContext::Unsubscribe)? } else { Properties::default() };
    let mut filters = Vec::new();
    while !r.is_empty() {
        filters.push(r.string("topic filter")?);
    }
    if filters.is_empty() {
        return Err(MqttError::NoTopicFilters(PacketType::Unsubscribe));
    }
    Ok(Unsubscribe { packet_id, filters, properties })
}

fn parse_unsuback(r: &mut Reader<'_>, v5: bool) -> Result<UnsubAck, MqttError> {
    let packet_id = r.packet_id()?;
    if !v5 {
        return Ok(UnsubAck { packet_id, reasons: Vec::new(), properties: Properties::default() });
    }
    let properties = r.properties(PropertyContext::UnsubAck)?;
    let mut reasons = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        reasons.push(reason_for(PacketType::UnsubAck, r.u8("reason code")?)?);
    }
    Ok(UnsubAck { packet_id, reasons, properties })
}

fn reason_for(packet: PacketType, code: u8) -> Result<ReasonCode, MqttError> {
    ReasonCode::from_u8(code).filter(|r| r.is_allowed_in(packet)).ok_or(MqttError::InvalidReasonCode { packet, code })
}

fn check_topic_name(topic: &str) -> Result<(), MqttError> {
    topic::validate_topic_name(topic).map_err(|reason| MqttError::TopicNameInvalid { topic: topic.to_owned(), reason })
}

/// A cursor over one complete frame; every read is bounded by `end`.
struct Reader<'a> {
    frame: &'a Bytes,
    pos: usize,
    end: usize,
    packet: PacketType,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    fn finish(&self) -> Result<(), MqttError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(MqttError::TrailingBytes { packet: self.packet })
        }
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&[u8], MqttError> {
        if self.remaining() < n {
            return Err(MqttError::Truncated { packet: self.packet, field });
        }
        let start = self.pos;
        self.pos += n;
        Ok(&self.frame[start..self.pos])
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, MqttError> {
        Ok(self.take(1, field)?[0])
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, MqttError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, MqttError> {
        let b = self.take(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn varint(&mut self, field: &'static str) -> Result<u32, MqttError> {
        let mut value = 0u32;
        for i in 0..4 {
            let b = self.u8(field)?;
            value |= u32::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(MqttError::MalformedVarInt)
    }

    fn packet_id(&mut self) -> Result<u16, MqttError> {
        match self.u16("packet identifier")? {
            0 => Err(MqttError::ZeroPacketId(self.packet)),
            id => Ok(id),
        }
    }

    /// Binary data: a two-byte length and that many bytes, sliced from the frame without copying.
    fn binary(&mut self, field: &'static str) -> Result<Bytes, MqttError> {
        let len = usize::from(self.u16(field)?);
        self.take(len, field)?;
        Ok(self.frame.slice(self.pos - len..self.pos))
    }

    /// A UTF-8 encoded string: valid UTF-8 without U+0000.
    fn string(&mut self, field: &'static str) -> Result<String, MqttError> {
        let len = usize::from(self.u16(field)?);
        let bytes = self.take(len, field)?;
        let s = std::str::from_utf8(bytes).map_err(|_| MqttError::InvalidUtf8(field))?;
        if memchr::memchr(0, bytes).is_some() {
            return Err(MqttError::NullCharacter(field));
        }
        Ok(s.to_owned())
    }

    fn rest(&mut self) -> Bytes {
        let start = self.pos;
        self.pos = self.end;
        self.frame.slice(start..self.end)
    }

    fn bool(&mut self, id: PropertyId) -> Result<bool, MqttError> {
        match self.u8(id.name())? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(MqttError::InvalidPropertyValue(id)),
        }
    }

    /// A property block: its length, then properties until that length is used up.
    fn properties(&mut self, ctx: PropertyContext) -> Result<Properties, MqttError> {
        let len = self.varint("property length")? as usize;
        if len > self.remaining() {
            return Err(MqttError::PropertyLength(ctx));
        }
        let outer_end = self.end;
        self.end = self.pos + len;
        let mut props = Properties::default();
        let mut seen = 0u64;
        while !self.is_empty() {
            let raw = self.varint("property identifier")?;
            let id = PropertyId::from_u32(raw).ok_or(MqttError::UnknownProperty(raw))?;
            if !id.allowed_in(ctx) {
                return Err(MqttError::PropertyNotAllowed { property: id, context: ctx });
            }
            let bit = 1u64 << id.as_u8();
            if seen & bit != 0 && !id.repeatable_in(ctx) {
                return Err(MqttError::DuplicateProperty(id));
            }
            seen |= bit;
            self.property_value(id, &mut props)?;
        }
        self.end = outer_end;
        props.validate(ctx)?;
        Ok(props)
    }

    fn property_value(&mut self, id: PropertyId, p: &mut Properties) -> Result<(), MqttError> {
        use PropertyId as P;
        let name = id.name();
        match id {
            P::PayloadFormatIndicator => {
                p.payload_format = Some(match self.u8(name)? {
                    0 => PayloadFormat::Unspecified,
                    1 => PayloadFormat::Utf8,
                    _ => return Err(MqttError::InvalidPropertyValue(id)),
                });
            }
            P::MessageExpiryInterval => p.message_expiry_interval = Some(self.u32(name)?),
            P::ContentType => p.content_type = Some(self.string(name)?),
            P::ResponseTopic => p.response_topic = Some(self.string(name)?),
            P::CorrelationData => p.correlation_data = Some(self.binary(name)?),
            P::SubscriptionIdentifier => p.subscription_identifiers.push(self.varint(name)?),
            P::SessionExpiryInterval => p.session_expiry_interval = Some(self.u32(name)?),
            P::AssignedClientIdentifier => p.assigned_client_identifier = Some(self.string(name)?),
            P::ServerKeepAlive => p.server_keep_alive = Some(self.u16(name)?),
            P::AuthenticationMethod => p.authentication_method = Some(self.string(name)?),
            P::AuthenticationData => p.authentication_data = Some(self.binary(name)?),
            P::RequestProblemInformation => p.request_problem_information = Some(self.bool(id)?),
            P::WillDelayInterval => p.will_delay_interval = Some(self.u32(name)?),
            P::RequestResponseInformation => p.request_response_information = Some(self.bool(id)?),
            P::ResponseInformation => p.response_information = Some(self.string(name)?),
            P::ServerReference => p.server_reference = Some(self.string(name)?),
            P::ReasonString => p.reason_string = Some(self.string(name)?),
            P::ReceiveMaximum => p.receive_maximum = Some(self.u16(name)?),
            P::TopicAliasMaximum => p.topic_alias_maximum = Some(self.u16(name)?),
            P::TopicAlias => p.topic_alias = Some(self.u16(name)?),
            P::MaximumQoS => {
                p.maximum_qos = Some(match self.u8(name)? {
                    0 => QoS::AtMostOnce,
                    1 => QoS::AtLeastOnce,
                    _ => return Err(MqttError::InvalidPropertyValue(id)),
                });
            }
            P::RetainAvailable => p.retain_available = Some(self.bool(id)?),
            P::UserProperty => {
                let key = self.string(name)?;
                let value = self.string(name)?;
                p.user_properties.push((key, value));
            }
            P::MaximumPacketSize => p.maximum_packet_size = Some(self.u32(name)?),
            P::WildcardSubscriptionAvailable => p.wildcard_subscription_available = Some(self.bool(id)?),
            P::SubscriptionIdentifierAvailable => p.subscription_identifier_available = Some(self.bool(id)?),
            P::SharedSubscriptionAvailable => p.shared_subscription_available = Some(self.bool(id)?),
        }
        Ok(())
    }
}
