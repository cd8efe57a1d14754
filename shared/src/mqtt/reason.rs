//! MQTT 5 reason codes, the MQTT 3.1.1 CONNACK return codes, and which codes each packet may carry.
//!
//! One [`ReasonCode`] enum serves every packet; the specification gives the value 0x00 three names
//! (Success, Normal disconnection, Granted QoS 0), which are associated constants here. The 3.1.1 CONNACK
//! only knows six return codes: [`ConnectReturnCode`] converts in both directions.
//!
//! This module does not decide which code a server should send in a given situation; that is the
//! session's job (see [`super::MqttError::reason_code`] for decoder failures).

use super::packet::PacketType;

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        /// A reason code as defined in MQTT 5.0 §2.4.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ReasonCode {
            $($(#[$doc])* $name = $value,)*
        }

        impl ReasonCode {
            /// Every defined reason code, in numeric order.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$name,)*];

            /// The reason code for a byte; `None` for values the specification does not define.
            pub fn from_u8(v: u8) -> Option<ReasonCode> {
                match v {
                    $($value => Some(ReasonCode::$name),)*
                    _ => None,
                }
            }
        }
    };
}

reason_codes! {
    /// Success; also Normal disconnection and Granted QoS 0.
    Success = 0x00,
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
}

use ReasonCode as R;

const CONNACK_CODES: &[ReasonCode] = &[
    R::Success,
    R::UnspecifiedError,
    R::MalformedPacket,
    R::ProtocolError,
    R::ImplementationSpecificError,
    R::UnsupportedProtocolVersion,
    R::ClientIdentifierNotValid,
    R::BadUserNameOrPassword,
    R::NotAuthorized,
    R::ServerUnavailable,
    R::ServerBusy,
    R::Banned,
    R::BadAuthenticationMethod,
    R::TopicNameInvalid,
    R::PacketTooLarge,
    R::QuotaExceeded,
    R::PayloadFormatInvalid,
    R::RetainNotSupported,
    R::QoSNotSupported,
    R::UseAnotherServer,
    R::ServerMoved,
    R::ConnectionRateExceeded,
];

const PUBACK_CODES: &[ReasonCode] = &[
    R::Success,
    R::NoMatchingSubscribers,
    R::UnspecifiedError,
    R::ImplementationSpecificError,
    R::NotAuthorized,
    R::TopicNameInvalid,
    R::PacketIdentifierInUse,
    R::QuotaExceeded,
    R::PayloadFormatInvalid,
];

const PUBREL_CODES: &[ReasonCode] = &[R::Success, R::PacketIdentifierNotFound];

const SUBACK_CODES: &[ReasonCode] = &[
    R::Success,
    R::GrantedQoS1,
    R::GrantedQoS2,
    R::UnspecifiedError,
    R::ImplementationSpecificError,
    R::NotAuthorized,
    R::TopicFilterInvalid,
    R::PacketIdentifierInUse,
    R::QuotaExceeded,
    R::SharedSubscriptionsNotSupported,
    R::SubscriptionIdentifiersNotSupported,
    R::WildcardSubscriptionsNotSupported,
];

const UNSUBACK_CODES: &[ReasonCode] = &[
    R::Success,
    R::NoSubscriptionExisted,
    R::UnspecifiedError,
    R::ImplementationSpecificError,
    R::NotAuthorized,
    R::TopicFilterInvalid,
    R::PacketIdentifierInUse,
];

const DISCONNECT_CODES: &[ReasonCode] = &[
    R::Success,
    R::DisconnectWithWillMessage,
    R::UnspecifiedError,
    R::MalformedPacket,
    R::ProtocolError,
    R::ImplementationSpecificError,
    R::NotAuthorized,
    R::ServerBusy,
    R::ServerShuttingDown,
    R::KeepAliveTimeout,
    R::SessionTakenOver,
    R::TopicFilterInvalid,
    R::TopicNameInvalid,
    R::ReceiveMaximumExceeded,
    R::TopicAliasInvalid,
    R::PacketTooLarge,
    R::MessageRateTooHigh,
    R::QuotaExceeded,
    R::AdministrativeAction,
    R::PayloadFormatInvalid,
    R::RetainNotSupported,
    R::QoSNotSupported,
    R::UseAnotherServer,
    R::ServerMoved,
    R::SharedSubscriptionsNotSupported,
    R::ConnectionRateExceeded,
    R::MaximumConnectTime,
    R::SubscriptionIdentifiersNotSupported,
    R::WildcardSubscriptionsNotSupported,
];

const AUTH_CODES: &[ReasonCode] = &[R::Success, R::ContinueAuthentication, R::ReAuthenticate];

impl ReasonCode {
    /// Normal disconnection (DISCONNECT), the same value as [`ReasonCode::Success`].
    pub const NORMAL_DISCONNECTION: ReasonCode = ReasonCode::Success;
    /// Granted QoS 0 (SUBACK), the same value as [`ReasonCode::Success`].
    pub const GRANTED_QOS_0: ReasonCode = ReasonCode::Success;

    /// The byte on the wire.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// Values below 0x80 report success, 0x80 and above failure.
    pub fn is_error(self) -> bool {
        self.as_u8() >= 0x80
    }

    /// The reason codes the specification lists for `packet` (MQTT 5.0 §2.4 table 2-6). Packets that carry
    /// no reason code get an empty list.
    pub fn allowed_in(packet: PacketType) -> &'static [ReasonCode] {
        match packet {
            PacketType::ConnAck => CONNACK_CODES,
            PacketType::PubAck | PacketType::PubRec => PUBACK_CODES,
            PacketType::PubRel | PacketType::PubComp => PUBREL_CODES,
            PacketType::SubAck => SUBACK_CODES,
            PacketType::UnsubAck => UNSUBACK_CODES,
            PacketType::Disconnect => DISCONNECT_CODES,
            PacketType::Auth => AUTH_CODES,
            _ => &[],
        }
    }

    /// Whether this code may appear in `packet`.
    pub fn is_allowed_in(self, packet: PacketType) -> bool {
        ReasonCode::allowed_in(packet).contains(&self)
    }
}

/// The MQTT 3.1.1 CONNACK return codes (§3.2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectReturnCode {
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
}

impl ConnectReturnCode {
    /// The return code for a byte; `None` for the reserved values 6 to 255.
    pub fn from_u8(v: u8) -> Option<ConnectReturnCode> {
        use ConnectReturnCode::*;
        Some(match v {
            0 => Accepted,
            1 => UnacceptableProtocolVersion,
            2 => IdentifierRejected,
            3 => ServerUnavailable,
            4 => BadUserNameOrPassword,
            5 => NotAuthorized,
            _ => return None,
        })
    }

    /// The byte on the wire.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The closest 3.1.1 return code for an MQTT 5 CONNACK reason: refusals of the client's identity or
    /// rights become "not authorized", bad credentials "bad user name or password", and every other
    /// failure "server unavailable".
    pub fn from_reason(reason: ReasonCode) -> ConnectReturnCode {
        match reason {
            R::Success => ConnectReturnCode::Accepted,
            R::UnsupportedProtocolVersion => ConnectReturnCode::UnacceptableProtocolVersion,
            R::ClientIdentifierNotValid => ConnectReturnCode::IdentifierRejected,
            R::BadUserNameOrPassword => ConnectReturnCode::BadUserNameOrPassword,
            R::NotAuthorized | R::Banned | R::BadAuthenticationMethod => ConnectReturnCode::NotAuthorized,
            _ => ConnectReturnCode::ServerUnavailable,
        }
    }

    /// The MQTT 5 reason code with the same meaning.
    pub fn to_reason(self) -> ReasonCode {
        match self {
            ConnectReturnCode::Accepted => R::Success,
            ConnectReturnCode::UnacceptableProtocolVersion => R::UnsupportedProtocolVersion,
            ConnectReturnCode::IdentifierRejected => R::ClientIdentifierNotValid,
            ConnectReturnCode::ServerUnavailable => R::ServerUnavailable,
            ConnectReturnCode::BadUserNameOrPassword => R::BadUserNameOrPassword,
            ConnectReturnCode::NotAuthorized => R::NotAuthorized,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code_round_trips_through_its_byte() {
        for &code in ReasonCode::ALL {
            assert_eq!(ReasonCode::from_u8(code.as_u8()), Some(code));
        }
        let defined = (0..=255u8).filter(|b| ReasonCode::from_u8(*b).is_some()).count();
        assert_eq!(defined, ReasonCode::ALL.len());
        assert_eq!(ReasonCode::ALL.len(), 43);
    }

    #[test]
    fn reason_code_values_match_the_specification() {
        assert_eq!(ReasonCode::MalformedPacket.as_u8(), 0x81);
        assert_eq!(ReasonCode::ProtocolError.as_u8(), 0x82);
        assert_eq!(ReasonCode::UnsupportedProtocolVersion.as_u8(), 0x84);
        assert_eq!(ReasonCode::TopicNameInvalid.as_u8(), 0x90);
        assert_eq!(ReasonCode::PacketTooLarge.as_u8(), 0x95);
        assert_eq!(ReasonCode::WildcardSubscriptionsNotSupported.as_u8(), 0xA2);
        assert_eq!(ReasonCode::NORMAL_DISCONNECTION.as_u8(), 0);
        assert!(ReasonCode::UnspecifiedError.is_error());
        assert!(!ReasonCode::GrantedQoS2.is_error());
    }

    #[test]
    fn per_packet_reason_code_lists_follow_the_specification() {
        assert!(ReasonCode::NoMatchingSubscribers.is_allowed_in(PacketType::PubAck));
        assert!(!ReasonCode::NoMatchingSubscribers.is_allowed_in(PacketType::PubRel));
        assert!(ReasonCode::PacketIdentifierNotFound.is_allowed_in(PacketType::PubComp));
        assert!(ReasonCode::GrantedQoS1.is_allowed_in(PacketType::SubAck));
        assert!(!ReasonCode::GrantedQoS1.is_allowed_in(PacketType::UnsubAck));
        assert!(ReasonCode::DisconnectWithWillMessage.is_allowed_in(PacketType::Disconnect));
        assert!(!ReasonCode::ContinueAuthentication.is_allowed_in(PacketType::Disconnect));
        assert!(ReasonCode::ReAuthenticate.is_allowed_in(PacketType::Auth));
        assert!(ReasonCode::allowed_in(PacketType::Publish).is_empty());
    }

    #[test]
    fn connect_return_codes_map_both_ways() {
        for v in 0..=5u8 {
            let rc = ConnectReturnCode::from_u8(v).unwrap();
            assert_eq!(ConnectReturnCode::from_reason(rc.to_reason()), rc);
        }
        assert_eq!(ConnectReturnCode::from_u8(6), None);
        assert_eq!(ConnectReturnCode::from_reason(ReasonCode::Banned), ConnectReturnCode::NotAuthorized);
        assert_eq!(ConnectReturnCode::from_reason(ReasonCode::ServerBusy), ConnectReturnCode::ServerUnavailable);
    }
}
