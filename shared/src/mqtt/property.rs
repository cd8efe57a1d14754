//! MQTT 5 properties: the typed [`Properties`] struct, property identifiers, and which property may
//! appear in which packet.
//!
//! Every property of MQTT 5.0 §2.2.2.2 is a field; absent properties are `None` (or an empty `Vec`).
//! The two properties that may repeat keep their wire order: user properties (everywhere) and
//! subscription identifiers (several only in PUBLISH). The wire format lives in [`super::decode`](mod@super::decode) and
//! [`super::encode`](mod@super::encode); MQTT 3.1.1 has no properties and the encoder ignores this struct at that level.

use bytes::Bytes;

use super::decode::MAX_VARINT;
use super::error::MqttError;
use super::packet::QoS;
use super::topic;

/// The payload format indicator property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    /// 0: unspecified bytes.
    Unspecified = 0,
    /// 1: UTF-8 encoded character data.
    Utf8 = 1,
}

/// All MQTT 5 properties. `Default` is "no properties".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Properties {
    /// 0x01, PUBLISH and Will.
    pub payload_format: Option<PayloadFormat>,
    /// 0x02, seconds, PUBLISH and Will.
    pub message_expiry_interval: Option<u32>,
    /// 0x03, PUBLISH and Will.
    pub content_type: Option<String>,
    /// 0x08, a topic name, PUBLISH and Will.
    pub response_topic: Option<String>,
    /// 0x09, PUBLISH and Will.
    pub correlation_data: Option<Bytes>,
    /// 0x0B, 1 to 268,435,455; several in PUBLISH (server to client), at most one in SUBSCRIBE.
    pub subscription_identifiers: Vec<u32>,
    /// 0x11, seconds, CONNECT, CONNACK and DISCONNECT.
    pub session_expiry_interval: Option<u32>,
    /// 0x12, CONNACK.
    pub assigned_client_identifier: Option<String>,
    /// 0x13, seconds, CONNACK.
    pub server_keep_alive: Option<u16>,
    /// 0x15, CONNECT, CONNACK and AUTH.
    pub authentication_method: Option<String>,
    /// 0x16, CONNECT, CONNACK and AUTH.
    pub authentication_data: Option<Bytes>,
    /// 0x17, CONNECT.
    pub request_problem_information: Option<bool>,
    /// 0x18, seconds, Will.
    pub will_delay_interval: Option<u32>,
    /// 0x19, CONNECT.
    pub request_response_information: Option<bool>,
    /// 0x1A, CONNACK.
    pub response_information: Option<String>,
    /// 0x1C, CONNACK and DISCONNECT.
    pub server_reference: Option<String>,
    /// 0x1F, every acknowledgement, DISCONNECT and AUTH.
    pub reason_string: Option<String>,
    /// 0x21, non-zero, CONNECT and CONNACK.
    pub receive_maximum: Option<u16>,
    /// 0x22, CONNECT and CONNACK.
    pub topic_alias_maximum: Option<u16>,
    /// 0x23, non-zero, PUBLISH.
    pub topic_alias: Option<u16>,
    /// 0x24, QoS 0 or 1 only (absent means 2), CONNACK.
    pub maximum_qos: Option<QoS>,
    /// 0x25, CONNACK.
    pub retain_available: Option<bool>,
    /// 0x26, every packet that has properties; order preserved, names may repeat.
    pub user_properties: Vec<(String, String)>,
    /// 0x27, non-zero, CONNECT and CONNACK.
    pub maximum_packet_size: Option<u32>,
    /// 0x28, CONNACK.
    pub wildcard_subscription_available: Option<bool>,
    /// 0x29, CONNACK.
    pub subscription_identifier_available: Option<bool>,
    /// 0x2A, CONNACK.
    pub shared_subscription_available: Option<bool>,
}

impl Properties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        *self == Properties::default()
    }

    /// The identifiers of the properties that are set, in identifier order (repeated entries once).
    pub fn present(&self) -> impl Iterator<Item = PropertyId> + '_ {
        PropertyId::ALL.iter().copied().filter(|id| self.has(*id))
    }

    /// Checks what the specification requires of a property block in `ctx`: every property set is
    /// allowed there, only PUBLISH has several subscription identifiers, and values are in range (non-zero
    /// Receive Maximum, Maximum Packet Size, Topic Alias and Subscription Identifier; Maximum QoS 0 or 1;
    /// a Response Topic that is a valid topic name; no Authentication Data without a method).
    pub fn validate(&self, ctx: PropertyContext) -> Result<(), MqttError> {
        if let Some(property) = self.present().find(|id| !id.allowed_in(ctx)) {
            return Err(MqttError::PropertyNotAllowed { property, context: ctx });
        }
        let sub_id = PropertyId::SubscriptionIdentifier;
        if self.subscription_identifiers.len() > 1 && !sub_id.repeatable_in(ctx) {
            return Err(MqttError::DuplicateProperty(sub_id));
        }
        if self.subscription_identifiers.iter().any(|&id| id == 0 || id > MAX_VARINT) {
            return Err(MqttError::InvalidPropertyValue(sub_id));
        }
        if self.receive_maximum == Some(0) {
            return Err(MqttError::InvalidPropertyValue(PropertyId::ReceiveMaximum));
        }
        if self.maximum_packet_size == Some(0) {
            return Err(MqttError::InvalidPropertyValue(PropertyId::MaximumPacketSize));
        }
        if self.topic_alias == Some(0) {
            return Err(MqttError::TopicAliasZero);
        }
        if self.maximum_qos == Some(QoS::ExactlyOnce) {
            return Err(MqttError::InvalidPropertyValue(PropertyId::MaximumQoS));
        }
        if let Some(t) = &self.response_topic {
            topic::validate_topic_name(t).map_err(|_| MqttError::InvalidPropertyValue(PropertyId::ResponseTopic))?;
        }
        if self.authentication_data.is_some() && self.authentication_method.is_none() {
            return Err(MqttError::InvalidPropertyValue(PropertyId::AuthenticationData));
        }
        Ok(())
    }

    /// Whether the property `id` is set.
    pub fn has(&self, id: PropertyId) -> bool {
        use PropertyId as P;
        match id {
            P::PayloadFormatIndicator => self.payload_format.is_some(),
            P::MessageExpiryInterval => self.message_expiry_interval.is_some(),
            P::ContentType => self.content_type.is_some(),
            P::ResponseTopic => self.response_topic.is_some(),
            P::CorrelationData => self.correlation_data.is_some(),
            P::SubscriptionIdentifier => !self.subscription_identifiers.is_empty(),
            P::SessionExpiryInterval => self.session_expiry_interval.is_some(),
            P::AssignedClientIdentifier => self.assigned_client_identifier.is_some(),
            P::ServerKeepAlive => self.server_keep_alive.is_some(),
            P::AuthenticationMethod => self.authentication_method.is_some(),
            P::AuthenticationData => self.authentication_data.is_some(),
            P::RequestProblemInformation => self.request_problem_information.is_some(),
            P::WillDelayInterval => self.will_delay_interval.is_some(),
            P::RequestResponseInformation => self.request_response_information.is_some(),
            P::ResponseInformation => self.response_information.is_some(),
            P::ServerReference => self.server_reference.is_some(),
            P::ReasonString => self.reason_string.is_some(),
            P::ReceiveMaximum => self.receive_maximum.is_some(),
            P::TopicAliasMaximum => self.topic_alias_maximum.is_some(),
            P::TopicAlias => self.topic_alias.is_some(),
            P::MaximumQoS => self.maximum_qos.is_some(),
            P::RetainAvailable => self.retain_available.is_some(),
            P::UserProperty => !self.user_properties.is_empty(),
            P::MaximumPacketSize => self.maximum_packet_size.is_some(),
            P::WildcardSubscriptionAvailable => self.wildcard_subscription_available.is_some(),
            P::SubscriptionIdentifierAvailable => self.subscription_identifier_available.is_some(),
            P::SharedSubscriptionAvailable => self.shared_subscription_available.is_some(),
        }
    }
}

/// Where a property block sits: a packet type, or the Will properties inside CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyContext {
    Connect,
    Will,
    ConnAck,
    Publish,
    PubAck,
    PubRec,
    PubRel,
    PubComp,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

impl PropertyContext {
    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        use PropertyContext::*;
        match self {
            Connect => "CONNECT",
            Will => "Will properties",
            ConnAck => "CONNACK",
            Publish => "PUBLISH",
            PubAck => "PUBACK",
            PubRec => "PUBREC",
            PubRel => "PUBREL",
            PubComp => "PUBCOMP",
            Subscribe => "SUBSCRIBE",
            SubAck => "SUBACK",
            Unsubscribe => "UNSUBSCRIBE",
            UnsubAck => "UNSUBACK",
            Disconnect => "DISCONNECT",
            Auth => "AUTH",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl std::fmt::Display for PropertyContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! property_ids {
    ($($name:ident = $value:literal, $text:literal, [$($ctx:ident),*];)*) => {
        /// A property identifier (MQTT 5.0 §2.2.2.2, table 2-4).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum PropertyId {
            $(#[doc = $text] $name = $value,)*
        }

        impl PropertyId {
            /// Every property, in identifier order.
            pub const ALL: &'static [PropertyId] = &[$(PropertyId::$name,)*];

            /// The property for an identifier; `None` for identifiers the specification does not define.
            pub fn from_u32(v: u32) -> Option<PropertyId> {
                match v {
                    $($value => Some(PropertyId::$name),)*
                    _ => None,
                }
            }

            /// The specification's name for this property.
            pub fn name(self) -> &'static str {
                match self {
                    $(PropertyId::$name => $text,)*
                }
            }

            /// Whether this property may appear in `ctx`.
            pub fn allowed_in(self, ctx: PropertyContext) -> bool {
                let mask = match self {
                    $(PropertyId::$name => 0 $(| PropertyContext::$ctx.bit())*,)*
                };
                mask & ctx.bit() != 0
            }
        }
    };
}

property_ids! {
    PayloadFormatIndicator = 0x01, "Payload Format Indicator", [Publish, Will];
    MessageExpiryInterval = 0x02, "Message Expiry Interval", [Publish, Will];
    ContentType = 0x03, "Content Type", [Publish, Will];
    ResponseTopic = 0x08, "Response Topic", [Publish, Will];
    CorrelationData = 0x09, "Correlation Data", [Publish, Will];
    SubscriptionIdentifier = 0x0B, "Subscription Identifier", [Publish, Subscribe];
    SessionExpiryInterval = 0x11, "Session Expiry Interval", [Connect, ConnAck, Disconnect];
    AssignedClientIdentifier = 0x12, "Assigned Client Identifier", [ConnAck];
    ServerKeepAlive = 0x13, "Server Keep Alive", [ConnAck];
    AuthenticationMethod = 0x15, "Authentication Method", [Connect, ConnAck, Auth];
    AuthenticationData = 0x16, "Authentication Data", [Connect, ConnAck, Auth];
    RequestProblemInformation = 0x17, "Request Problem Information", [Connect];
    WillDelayInterval = 0x18, "Will Delay Interval", [Will];
    RequestResponseInformation = 0x19, "Request Response Information", [Connect];
    ResponseInformation = 0x1A, "Response Information", [ConnAck];
    ServerReference = 0x1C, "Server Reference", [ConnAck, Disconnect];
    ReasonString = 0x1F, "Reason String",
        [ConnAck, PubAck, PubRec, PubRel, PubComp, SubAck, UnsubAck, Disconnect, Auth];
    ReceiveMaximum = 0x21, "Receive Maximum", [Connect, ConnAck];
    TopicAliasMaximum = 0x22, "Topic Alias Maximum", [Connect, ConnAck];
    TopicAlias = 0x23, "Topic Alias", [Publish];
    MaximumQoS = 0x24, "Maximum QoS", [ConnAck];
    RetainAvailable = 0x25, "Retain Available", [ConnAck];
    UserProperty = 0x26, "User Property",
        [Connect, Will, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck, Unsubscribe,
         UnsubAck, Disconnect, Auth];
    MaximumPacketSize = 0x27, "Maximum Packet Size", [Connect, ConnAck];
    WildcardSubscriptionAvailable = 0x28, "Wildcard Subscription Available", [ConnAck];
    SubscriptionIdentifierAvailable = 0x29, "Subscription Identifier Available", [ConnAck];
    SharedSubscriptionAvailable = 0x2A, "Shared Subscription Available", [ConnAck];
}

impl PropertyId {
    /// The identifier byte.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// Whether the property may appear more than once in `ctx`: user properties anywhere, subscription
    /// identifiers only in PUBLISH.
    pub fn repeatable_in(self, ctx: PropertyContext) -> bool {
        match self {
            PropertyId::UserProperty => true,
            PropertyId::SubscriptionIdentifier => ctx == PropertyContext::Publish,
            _ => false,
        }
    }
}

impl std::fmt::Display for PropertyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:#04x})", self.name(), self.as_u8())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_twenty_seven_properties_are_defined_with_their_identifiers() {
        assert_eq!(PropertyId::ALL.len(), 27);
        for &id in PropertyId::ALL {
            assert_eq!(PropertyId::from_u32(u32::from(id.as_u8())), Some(id));
        }
        assert_eq!(PropertyId::from_u32(0x04), None);
        assert_eq!(PropertyId::from_u32(0x2B), None);
    }

    #[test]
    fn property_placement_follows_the_specification() {
        use PropertyContext as C;
        assert!(PropertyId::WillDelayInterval.allowed_in(C::Will));
        assert!(!PropertyId::WillDelayInterval.allowed_in(C::Connect));
        assert!(PropertyId::TopicAlias.allowed_in(C::Publish));
        assert!(!PropertyId::TopicAlias.allowed_in(C::Will));
        assert!(PropertyId::ReasonString.allowed_in(C::PubComp));
        assert!(!PropertyId::ReasonString.allowed_in(C::Publish));
        assert!(PropertyId::UserProperty.allowed_in(C::Unsubscribe));
        assert!(!PropertyId::SessionExpiryInterval.allowed_in(C::Will));
        assert!(PropertyId::SubscriptionIdentifier.repeatable_in(C::Publish));
        assert!(!PropertyId::SubscriptionIdentifier.repeatable_in(C::Subscribe));
    }

    #[test]
    fn present_lists_set_properties_in_identifier_order() {
        let props = Properties {
            topic_alias: Some(3),
            payload_format: Some(PayloadFormat::Utf8),
            user_properties: vec![("a".into(), "b".into()), ("a".into(), "c".into())],
            ..Properties::default()
        };
        let ids: Vec<_> = props.present().collect();
        assert_eq!(ids, [PropertyId::PayloadFormatIndicator, PropertyId::TopicAlias, PropertyId::UserProperty]);
        assert!(!props.is_empty());
        assert!(Properties::default().is_empty());
    }
}
