//! Errors of the MQTT codec and the reason codes a server answers them with.
//!
//! Each decoding failure is its own variant so the session can answer precisely: MQTT 5 with the
//! [`MqttError::reason_code`] in CONNACK (before the connection is accepted) or DISCONNECT (after), MQTT
//! 3.1.1 with [`MqttError::connect_return_code`] if there is one, otherwise by closing the connection.
//! Encoding failures (fields too long for the wire, a property or reason code a packet cannot carry)
//! share the enum; they report a bug in the caller, not in the peer.
//!
//! Topic syntax and mapping errors are [`TopicError`]; this enum wraps one only for a PUBLISH or Will
//! topic name refused while decoding.

use super::packet::PacketType;
use super::property::{PropertyContext, PropertyId};
use super::reason::{ConnectReturnCode, ReasonCode};
use super::topic::TopicError;

/// A malformed or disallowed packet, or a packet that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MqttError {
    /// A variable byte integer (remaining length, property length, property identifier or
    /// subscription identifier) longer than four bytes.
    #[error("malformed variable byte integer")]
    MalformedVarInt,
    /// The packet, `size` bytes in total, exceeds the receiver's maximum; raised as soon as the
    /// remaining length is known, before the body is buffered.
    #[error("packet of {size} bytes exceeds the maximum packet size of {max}")]
    PacketTooLarge { size: usize, max: usize },
    /// Packet type 0, or 15 (AUTH) on an MQTT 3.1.1 connection.
    #[error("reserved packet type {0}")]
    ReservedPacketType(u8),
    /// The low nibble of the first byte is not what the packet type requires.
    #[error("invalid fixed header flags {flags:#x} for {packet}")]
    InvalidHeaderFlags { packet: PacketType, flags: u8 },
    /// A field runs past the end of the packet.
    #[error("{packet}: {field} runs past the end of the packet")]
    Truncated { packet: PacketType, field: &'static str },
    /// Bytes left over after the last field of a packet.
    #[error("{packet}: unexpected bytes after the last field")]
    TrailingBytes { packet: PacketType },
    /// QoS 3 in a PUBLISH header, a Will or subscription options.
    #[error("QoS 3 is not a valid QoS")]
    InvalidQoS,
    /// A UTF-8 string field that is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// A UTF-8 string field containing U+0000.
    #[error("{0} contains the null character U+0000")]
    NullCharacter(&'static str),

    /// The first packet of a connection is not CONNECT.
    #[error("expected CONNECT as the first packet, got {0}")]
    ExpectedConnect(PacketType),
    /// A second CONNECT on a connection.
    #[error("CONNECT received twice")]
    DuplicateConnect,
    /// MQTT 3.1 (protocol name `MQIsdp`): nats-server closes such connections without CONNACK.
    #[error("MQTT 3.1 (MQIsdp) is not supported")]
    Mqtt31,
    /// A protocol name other than `MQTT` (and `MQIsdp`).
    #[error("unknown protocol name {0:?}")]
    InvalidProtocolName(String),
    /// Protocol name `MQTT` with a level other than 4 or 5.
    #[error("unsupported protocol level {0}")]
    UnsupportedProtocolLevel(u8),
    /// Reserved bits set in the CONNECT flags, the CONNACK acknowledge flags or a SUBSCRIBE options
    /// byte.
    #[error("{packet}: reserved bits set in {value:#04x}")]
    ReservedBits { packet: PacketType, value: u8 },
    /// Will QoS or Will Retain set while the Will flag is 0.
    #[error("Will QoS or Will Retain set without the Will flag")]
    WillFlagsWithoutWill,
    /// MQTT 3.1.1 only: the password flag without the user name flag.
    #[error("password flag set without the user name flag")]
    PasswordWithoutUsername,

    /// A packet identifier of 0 where a non-zero one is required.
    #[error("{0}: packet identifier must not be 0")]
    ZeroPacketId(PacketType),
    /// A PUBLISH or Will topic name that is empty (when no topic alias stands in for it) or contains
    /// a wildcard.
    #[error("invalid topic name {topic:?}: {reason}")]
    TopicNameInvalid { topic: String, reason: TopicError },
    /// MQTT 5: an empty PUBLISH topic without a Topic Alias.
    #[error("PUBLISH with an empty topic name and no topic alias")]
    EmptyTopicWithoutAlias,
    /// MQTT 5: a Topic Alias of 0.
    #[error("topic alias 0 is not allowed")]
    TopicAliasZero,
    /// A SUBSCRIBE or UNSUBSCRIBE without any topic filter.
    #[error("{0} without topic filters")]
    NoTopicFilters(PacketType),
    /// MQTT 5: Retain Handling 3.
    #[error("retain handling 3 is not valid")]
    InvalidRetainHandling,
    /// MQTT 5: No Local on a shared subscription.
    #[error("no local set on shared subscription {0:?}")]
    NoLocalOnSharedSubscription(String),
    /// A reason code the packet may not carry (or, for a 3.1.1 CONNACK or SUBACK, an undefined return
    /// code).
    #[error("reason code {code:#04x} is not valid in {packet}")]
    InvalidReasonCode { packet: PacketType, code: u8 },

    /// A property identifier the specification does not define.
    #[error("unknown property identifier {0:#x}")]
    UnknownProperty(u32),
    /// A property placed in a packet that may not carry it.
    #[error("property {property} is not allowed in {context}")]
    PropertyNotAllowed { property: PropertyId, context: PropertyContext },
    /// A property other than User Property (or Subscription Identifier in PUBLISH) given twice.
    #[error("property {0} appears more than once")]
    DuplicateProperty(PropertyId),
    /// A property value out of its range (a boolean other than 0/1, a zero Receive Maximum or Maximum
    /// Packet Size, Maximum QoS 2, Subscription Identifier 0, a Response Topic with wildcards, ...).
    #[error("invalid value for property {0}")]
    InvalidPropertyValue(PropertyId),
    /// The property block's length disagrees with its content.
    #[error("{0}: property length does not match the properties")]
    PropertyLength(PropertyContext),

    /// Encoding: a string or binary field longer than 65,535 bytes.
    #[error("{0} is longer than 65535 bytes")]
    FieldTooLong(&'static str),
    /// Encoding: the packet cannot exist at this protocol level (AUTH on 3.1.1) or a CONNECT whose
    /// `protocol_level` differs from the level asked for.
    #[error("{packet} cannot be encoded for protocol level {level}")]
    NotInProtocolLevel { packet: PacketType, level: u8 },
}

impl MqttError {
    /// The MQTT 5 reason code to send in CONNACK or DISCONNECT for this error.
    pub fn reason_code(&self) -> ReasonCode {
        use MqttError::*;
        match self {
            MalformedVarInt
            | ReservedPacketType(_)
            | InvalidHeaderFlags { .. }
            | Truncated { .. }
            | TrailingBytes { .. }
            | InvalidQoS
            | InvalidUtf8(_)
            | NullCharacter(_)
            | ReservedBits { .. }
            | WillFlagsWithoutWill
            | InvalidReasonCode { .. }
            | UnknownProperty(_)
            | PropertyNotAllowed { .. }
            | PropertyLength(_) => ReasonCode::MalformedPacket,
            ExpectedConnect(_)
            | DuplicateConnect
            | PasswordWithoutUsername
            | ZeroPacketId(_)
            | EmptyTopicWithoutAlias
            | NoTopicFilters(_)
            | InvalidRetainHandling
            | NoLocalOnSharedSubscription(_)
            | DuplicateProperty(_)
            | InvalidPropertyValue(_) => ReasonCode::ProtocolError,
            Mqtt31 | InvalidProtocolName(_) | UnsupportedProtocolLevel(_) => ReasonCode::UnsupportedProtocolVersion,
            TopicNameInvalid { .. } => ReasonCode::TopicNameInvalid,
            TopicAliasZero => ReasonCode::TopicAliasInvalid,
            PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            FieldTooLong(_) | NotInProtocolLevel { .. } => ReasonCode::ImplementationSpecificError,
        }
    }

    /// The MQTT 3.1.1 CONNACK return code for this error while decoding CONNECT, if the specification
    /// asks for one: only an unsupported protocol level is answered (code 1); everything else closes the
    /// connection without CONNACK, as do MQTT 3.1 and unknown protocol names (as nats-server does).
    pub fn connect_return_code(&self) -> Option<ConnectReturnCode> {
        match self {
            MqttError::UnsupportedProtocolLevel(_) => Some(ConnectReturnCode::UnacceptableProtocolVersion),
            _ => None,
        }
    }

    /// True for errors after which no CONNACK may be sent at any level (MQTT 3.1, unknown protocol
    /// name): the connection is simply closed.
    pub fn closes_without_connack(&self) -> bool {
        matches!(self, MqttError::Mqtt31 | MqttError::InvalidProtocolName(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_reason_codes_of_the_specification() {
        let cases: &[(MqttError, u8)] = &[
            (MqttError::MalformedVarInt, 0x81),
            (MqttError::InvalidQoS, 0x81),
            (MqttError::DuplicateProperty(PropertyId::ContentType), 0x82),
            (MqttError::ExpectedConnect(PacketType::Publish), 0x82),
            (MqttError::UnsupportedProtocolLevel(6), 0x84),
            (MqttError::TopicNameInvalid { topic: "a/+".into(), reason: TopicError::WildcardInName }, 0x90),
            (MqttError::TopicAliasZero, 0x94),
            (MqttError::PacketTooLarge { size: 10, max: 5 }, 0x95),
        ];
        for (err, code) in cases {
            assert_eq!(err.reason_code().as_u8(), *code, "{err}");
        }
    }

    #[test]
    fn only_an_unsupported_level_gets_a_311_connack() {
        assert_eq!(
            MqttError::UnsupportedProtocolLevel(3).connect_return_code(),
            Some(ConnectReturnCode::UnacceptableProtocolVersion)
        );
        assert_eq!(MqttError::Mqtt31.connect_return_code(), None);
        assert!(MqttError::Mqtt31.closes_without_connack());
        assert!(!MqttError::UnsupportedProtocolLevel(3).closes_without_connack());
    }
}
