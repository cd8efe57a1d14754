//! How an MQTT message travels through the NATS core: what an MQTT PUBLISH adds to the NATS message,
//! and what an MQTT subscriber reads back out of any NATS message.
//!
//! Like nats-server, every message published over MQTT carries the header `Nmqtt-Pub` with its QoS as
//! one digit (`Nmqtt-Pub:1`); a retained message adds the PUBLISH flags nibble as a hex digit, the way
//! nats-server marks its stored QoS 2 messages (`Nmqtt-Pub:13` for retained QoS 1). A NATS message
//! without that header came from a NATS client. MQTT 5 properties travel as headers too:
//!
//! | MQTT 5                   | NATS                                    |
//! |--------------------------|-----------------------------------------|
//! | user property `k`=`v`    | header `k: v` (names a header can carry) |
//! | content type             | `Content-Type`                          |
//! | response topic           | the reply subject (topic mapped)        |
//! | correlation data         | `Nmqtt-Corr` (hex)                      |
//! | payload format indicator | `Nmqtt-Format: 1`                       |
//! | message expiry interval  | `Nmqtt-Expiry` (seconds)                |
//!
//! This module builds and reads header blocks only; mapping topics to subjects is
//! `switchyard_shared::mqtt::topic`, and deciding delivery QoS is the session's.

use bytes::{BufMut, Bytes, BytesMut};

use switchyard_shared::headers::{self, HeaderMap};
use switchyard_shared::mqtt::{PayloadFormat, Properties, QoS};

/// The header that marks a message published over MQTT and carries its QoS (nats-server's name).
pub const PUB_HEADER: &str = "Nmqtt-Pub";
/// Correlation data, hex encoded.
pub const CORRELATION_HEADER: &str = "Nmqtt-Corr";
/// Payload format indicator (only the UTF-8 value 1 is sent).
pub const FORMAT_HEADER: &str = "Nmqtt-Format";
/// Message expiry interval in seconds, as published.
pub const EXPIRY_HEADER: &str = "Nmqtt-Expiry";
/// Content type.
pub const CONTENT_TYPE_HEADER: &str = "Content-Type";
/// Prefix of every header this front-end reserves.
const RESERVED_PREFIX: &str = "Nmqtt-";

/// The header block for an MQTT PUBLISH routed to NATS subjects. `props` is only read for MQTT 5.
pub fn nats_headers(qos: QoS, retain: bool, props: &Properties) -> Bytes {
    let plain = props.user_properties.is_empty()
        && props.content_type.is_none()
        && props.correlation_data.is_none()
        && props.payload_format != Some(PayloadFormat::Utf8)
        && props.message_expiry_interval.is_none();
    if plain {
        return Bytes::from_static(static_block(qos, retain));
    }
    let mut out = BytesMut::with_capacity(64);
    out.put_slice(b"NATS/1.0\r\n");
    put_pub(&mut out, qos, retain);
    if let Some(ct) = props.content_type.as_deref().filter(|v| header_value_ok(v)) {
        put_header(&mut out, CONTENT_TYPE_HEADER, ct);
    }
    if let Some(corr) = &props.correlation_data {
        put_header(&mut out, CORRELATION_HEADER, &hex(corr));
    }
    if props.payload_format == Some(PayloadFormat::Utf8) {
        put_header(&mut out, FORMAT_HEADER, "1");
    }
    if let Some(secs) = props.message_expiry_interval {
        put_header(&mut out, EXPIRY_HEADER, &secs.to_string());
    }
    for (k, v) in &props.user_properties {
        if user_property_ok(k, v) {
            put_header(&mut out, k, v);
        }
    }
    out.put_slice(b"\r\n");
    out.freeze()
}

fn static_block(qos: QoS, retain: bool) -> &'static [u8] {
    match (qos, retain) {
        (QoS::AtMostOnce, false) => b"NATS/1.0\r\nNmqtt-Pub:0\r\n\r\n",
        (QoS::AtLeastOnce, false) => b"NATS/1.0\r\nNmqtt-Pub:1\r\n\r\n",
        (QoS::ExactlyOnce, false) => b"NATS/1.0\r\nNmqtt-Pub:2\r\n\r\n",
        (QoS::AtMostOnce, true) => b"NATS/1.0\r\nNmqtt-Pub:01\r\n\r\n",
        (QoS::AtLeastOnce, true) => b"NATS/1.0\r\nNmqtt-Pub:13\r\n\r\n",
        (QoS::ExactlyOnce, true) => b"NATS/1.0\r\nNmqtt-Pub:25\r\n\r\n",
    }
}

fn put_pub(out: &mut BytesMut, qos: QoS, retain: bool) {
    out.put_slice(b"Nmqtt-Pub:");
    out.put_u8(b'0' + qos.as_u8());
    if retain {
        out.put_u8(b"0123456789abcdef"[usize::from((qos.as_u8() << 1) | 1)]);
    }
    out.put_slice(b"\r\n");
}

fn put_header(out: &mut BytesMut, name: &str, value: &str) {
    out.put_slice(name.as_bytes());
    out.put_slice(b": ");
    out.put_slice(value.as_bytes());
    out.put_slice(b"\r\n");
}

/// Whether a user property can travel as a NATS header: a name of visible ASCII without `:` that is
/// not one of ours, and a value without line breaks or leading blanks (which header parsing trims).
fn user_property_ok(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
        && !is_reserved(name)
        && !name.eq_ignore_ascii_case(CONTENT_TYPE_HEADER)
        && header_value_ok(value)
}

fn header_value_ok(value: &str) -> bool {
    !value.bytes().any(|b| b == b'\r' || b == b'\n') && !value.starts_with([' ', '\t'])
}

fn is_reserved(name: &str) -> bool {
    name.len() >= RESERVED_PREFIX.len() && name[..RESERVED_PREFIX.len()].eq_ignore_ascii_case(RESERVED_PREFIX)
}

/// What an MQTT subscriber learns from a NATS message's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromNats {
    /// The QoS it was published with over MQTT; `None` for a message from a NATS client.
    pub qos: Option<QoS>,
    pub retain: bool,
    /// MQTT 5 properties recovered from the headers (filled only when asked for).
    pub props: Properties,
}

/// Reads the MQTT view of a NATS header block. With `with_props` false only `Nmqtt-Pub` is looked at
/// (enough for an MQTT 3.1.1 subscriber, and allocation free).
pub fn from_nats(block: Option<&Bytes>, with_props: bool) -> FromNats {
    let Some(block) = block.filter(|b| !b.is_empty()) else {
        return FromNats::default();
    };
    let mut out = FromNats::default();
    if !with_props {
        if let Some(v) = headers::find(block, PUB_HEADER) {
            (out.qos, out.retain) = parse_pub(v);
        }
        return out;
    }
    let Ok(map) = HeaderMap::parse(block) else {
        return out;
    };
    for (name, value) in map.iter() {
        if name.eq_ignore_ascii_case(PUB_HEADER) {
            (out.qos, out.retain) = parse_pub(value.as_bytes());
        } else if name.eq_ignore_ascii_case(CONTENT_TYPE_HEADER) {
            out.props.content_type = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case(CORRELATION_HEADER) {
            out.props.correlation_data = unhex(value).map(Bytes::from);
        } else if name.eq_ignore_ascii_case(FORMAT_HEADER) {
            if value == "1" {
                out.props.payload_format = Some(PayloadFormat::Utf8);
            }
        } else if name.eq_ignore_ascii_case(EXPIRY_HEADER) {
            out.props.message_expiry_interval = value.parse().ok();
        } else if !is_reserved(name) {
            out.props.user_properties.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

/// `Nmqtt-Pub` value: a QoS digit, optionally followed by the PUBLISH flags nibble in hex.
fn parse_pub(v: &[u8]) -> (Option<QoS>, bool) {
    let qos = v.first().and_then(|b| b.checked_sub(b'0')).and_then(QoS::from_u8);
    let flags = match v.get(1) {
        Some(c @ b'0'..=b'9') => c - b'0',
        Some(c @ b'a'..=b'f') => c - b'a' + 10,
        _ => 0,
    };
    (qos, flags & 1 == 1)
}

fn hex(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(data.len() * 2);
    for b in data {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes().chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_publishes_carry_the_nats_server_header() {
        let h = nats_headers(QoS::AtLeastOnce, false, &Properties::default());
        assert_eq!(&h[..], b"NATS/1.0\r\nNmqtt-Pub:1\r\n\r\n");
        assert_eq!(from_nats(Some(&h), false), FromNats { qos: Some(QoS::AtLeastOnce), ..Default::default() });
        let r = nats_headers(QoS::ExactlyOnce, true, &Properties::default());
        let got = from_nats(Some(&r), true);
        assert_eq!((got.qos, got.retain), (Some(QoS::ExactlyOnce), true));
    }

    #[test]
    fn every_block_matches_its_static_form() {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            for retain in [false, true] {
                let mut built = BytesMut::new();
                built.put_slice(b"NATS/1.0\r\n");
                put_pub(&mut built, qos, retain);
                built.put_slice(b"\r\n");
                assert_eq!(&built[..], static_block(qos, retain));
            }
        }
    }

    #[test]
    fn mqtt5_properties_round_trip_through_headers() {
        let props = Properties {
            content_type: Some("application/json".into()),
            correlation_data: Some(Bytes::from_static(&[0, 1, 0xfe])),
            payload_format: Some(PayloadFormat::Utf8),
            message_expiry_interval: Some(60),
            user_properties: vec![("region".into(), "eu".into()), ("region".into(), "us".into())],
            ..Properties::default()
        };
        let h = nats_headers(QoS::AtMostOnce, false, &props);
        let map = HeaderMap::parse(&h).unwrap();
        assert_eq!(map.get("Content-Type"), Some("application/json"));
        assert_eq!(map.get_all("region").collect::<Vec<_>>(), ["eu", "us"]);
        let got = from_nats(Some(&h), true);
        assert_eq!(got.qos, Some(QoS::AtMostOnce));
        assert_eq!(got.props, props);
    }

    #[test]
    fn user_properties_that_no_header_can_carry_are_left_out() {
        let props = Properties {
            user_properties: vec![
                ("has space".into(), "x".into()),
                ("a:b".into(), "x".into()),
                ("Nmqtt-Pub".into(), "2".into()),
                ("ok".into(), "line\r\nbreak".into()),
                ("fine".into(), "yes".into()),
            ],
            ..Properties::default()
        };
        let got = from_nats(Some(&nats_headers(QoS::AtMostOnce, false, &props)), true);
        assert_eq!(got.qos, Some(QoS::AtMostOnce));
        assert_eq!(got.props.user_properties, [("fine".to_owned(), "yes".to_owned())]);
    }

    #[test]
    fn nats_headers_become_user_properties() {
        let mut map = HeaderMap::new();
        map.append("Trace-Id", "abc");
        let got = from_nats(Some(&map.to_bytes()), true);
        assert_eq!(got.qos, None, "published by a NATS client");
        assert_eq!(got.props.user_properties, [("Trace-Id".to_owned(), "abc".to_owned())]);
        assert_eq!(from_nats(None, true), FromNats::default());
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 0x7f, 0xff])).unwrap(), [0, 0x7f, 0xff]);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
