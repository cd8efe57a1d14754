//! The `mqtt { … }` block.
//!
//! Input: the parsed value. Output: an [`MqttConfig`], or `None` when the listener is turned off.
//! Switchyard runs MQTT on port 1883 by default (nats-server only with a block); `enabled: false`,
//! `mqtt: false` or `port: 0` turn it off.

use std::time::Duration;

use super::auth::{parse_simple_auth, SimpleAuth};
use super::report::{key_of, Field, Report};
use super::tls::{parse_tls, TlsConfig};
use super::value::Kind;

/// Switchyard's default MQTT port.
pub const DEFAULT_MQTT_PORT: u16 = 1883;
/// How long a QoS 1/2 message waits for its acknowledgement before redelivery (nats-server's default).
pub const DEFAULT_ACK_WAIT: Duration = Duration::from_secs(30);
/// Unacknowledged QoS 1/2 messages per subscription (nats-server's default).
pub const DEFAULT_MAX_ACK_PENDING: u16 = 1024;
/// Timeout of the JetStream API calls the MQTT layer makes (nats-server's default).
pub const DEFAULT_JS_API_TIMEOUT: Duration = Duration::from_secs(5);

/// The MQTT listener.
#[derive(Debug, Clone, PartialEq)]
pub struct MqttConfig {
    /// `host` (`net`): the interface to listen on.
    pub host: String,
    /// `port`: the port; 0 picks a free one (`-1` in the file).
    pub port: u16,
    /// `tls`: TLS for this listener.
    pub tls: Option<TlsConfig>,
    /// `no_auth_user`: the user MQTT clients without credentials are logged in as.
    pub no_auth_user: Option<String>,
    /// `authorization`: credentials required of MQTT clients that present none of their own.
    pub authorization: Option<SimpleAuth>,
    /// `ack_wait`: redelivery delay of unacknowledged QoS 1/2 messages.
    pub ack_wait: Duration,
    /// `max_ack_pending` (`max_inflight`): unacknowledged messages per subscription (1..=65535).
    pub max_ack_pending: u16,
    /// `js_domain`: the JetStream domain MQTT state is kept in.
    pub js_domain: Option<String>,
    /// `stream_replicas`: replicas of the MQTT streams; 0 uses the default.
    pub stream_replicas: usize,
    /// `consumer_replicas`: replicas of MQTT consumers; 0 uses the default.
    pub consumer_replicas: usize,
    /// `consumer_memory_storage`: keep MQTT consumers' state in memory.
    pub consumer_memory_storage: bool,
    /// `consumer_inactive_threshold`: delete consumers of sessions gone this long; `None`: never.
    pub consumer_inactive_threshold: Option<Duration>,
    /// `js_api_timeout`: timeout of the JetStream requests made for MQTT.
    pub js_api_timeout: Duration,
    /// `reject_qos2_publish`: disconnect clients that publish with QoS 2.
    pub reject_qos2_publish: bool,
    /// `downgrade_qos2_subscribe`: grant QoS 1 to QoS 2 subscriptions.
    pub downgrade_qos2_subscribe: bool,
}

impl Default for MqttConfig {
    fn default() -> Self {
        MqttConfig {
            host: "0.0.0.0".to_string(),
            port: DEFAULT_MQTT_PORT,
            tls: None,
            no_auth_user: None,
            authorization: None,
            ack_wait: DEFAULT_ACK_WAIT,
            max_ack_pending: DEFAULT_MAX_ACK_PENDING,
            js_domain: None,
            stream_replicas: 0,
            consumer_replicas: 0,
            consumer_memory_storage: false,
            consumer_inactive_threshold: None,
            js_api_timeout: DEFAULT_JS_API_TIMEOUT,
            reject_qos2_publish: false,
            downgrade_qos2_subscribe: false,
        }
    }
}

/// Decodes the `mqtt` value; `None` means the listener is off.
pub(crate) fn parse_mqtt(f: Field<'_>, r: &mut Report) -> Option<MqttConfig> {
    let map = match &f.value.kind {
        Kind::Bool(b) => return b.then(MqttConfig::default),
        Kind::String(s) => {
            return match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => Some(MqttConfig::default()),
                "disabled" | "disable" => None,
                _ => {
                    r.error(f.pos, format!("mqtt: expected a map, a boolean or 'disabled', found \"{s}\""));
                    Some(MqttConfig::default())
                }
            }
        }
        _ => r.map(f)?,
    };
    let mut mqtt = MqttConfig::default();
    let mut enabled = true;
    let mut port = i64::from(DEFAULT_MQTT_PORT);
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "enabled" | "enable" => enabled = r.boolean(field).unwrap_or(true),
            "listen" => {
                if let Some((host, p)) = r.listen(field) {
                    if let Some(h) = host.filter(|h| !h.is_empty()) {
                        mqtt.host = h;
                    }
                    port = p;
                }
            }
            "port" => port = r.port(field).unwrap_or(port),
            "host" | "net" => mqtt.host = r.non_empty_string(field).unwrap_or(mqtt.host),
            "tls" => mqtt.tls = parse_tls(field, r),
            "authorization" | "authentication" => mqtt.authorization = parse_simple_auth(field, r),
            "no_auth_user" => mqtt.no_auth_user = r.string(field),
            "ack_wait" | "ackwait" => mqtt.ack_wait = r.duration(field).unwrap_or(DEFAULT_ACK_WAIT),
            "js_api_timeout" | "api_timeout" => {
                mqtt.js_api_timeout = r.duration(field).unwrap_or(DEFAULT_JS_API_TIMEOUT);
            }
            "max_ack_pending" | "max_pending" | "max_inflight" => {
                if let Some(n) = r.integer(field) {
                    match u16::try_from(n) {
                        Ok(0) => mqtt.max_ack_pending = DEFAULT_MAX_ACK_PENDING,
                        Ok(n) => mqtt.max_ack_pending = n,
                        Err(_) => r.error(
                            field.pos,
                            format!("{}: invalid value {n}, should be in the 0..65535 range", entry.key),
                        ),
                    }
                }
            }
            "js_domain" => mqtt.js_domain = r.string(field),
            "stream_replicas" => mqtt.stream_replicas = r.count(field).unwrap_or(0),
            "consumer_replicas" => mqtt.consumer_replicas = r.count(field).unwrap_or(0),
            "consumer_memory_storage" => mqtt.consumer_memory_storage = r.boolean(field).unwrap_or(false),
            "consumer_inactive_threshold" | "consumer_auto_cleanup" => {
                mqtt.consumer_inactive_threshold = r.duration(field);
            }
            "reject_qos2_publish" => mqtt.reject_qos2_publish = r.boolean(field).unwrap_or(false),
            "downgrade_qos2_subscribe" => mqtt.downgrade_qos2_subscribe = r.boolean(field).unwrap_or(false),
            _ => r.unknown(entry, "mqtt"),
        }
    }
    if !enabled || port == 0 {
        return None;
    }
    mqtt.port = u16::try_from(port).unwrap_or(0);
    Some(mqtt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn decode(text: &str) -> (Option<MqttConfig>, Report) {
        let map = parse_str(text, Path::new("mqtt.conf")).expect("parse");
        let mut r = Report::default();
        let out = parse_mqtt(Field::entry(&map.entries()[0]), &mut r);
        (out, r)
    }

    #[test]
    fn a_full_block_decodes() {
        let (mqtt, r) = decode(
            "mqtt {\n host: 127.0.0.1\n port: 1884\n no_auth_user: guest\n authorization { user: u, password: p }\n \
             ack_wait: \"1m\"\n max_ack_pending: 100\n js_domain: leaf\n stream_replicas: 1\n consumer_replicas: 1\n \
             js_api_timeout: \"10s\"\n consumer_inactive_threshold: \"1h\"\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let m = mqtt.expect("enabled");
        assert_eq!((m.host.as_str(), m.port), ("127.0.0.1", 1884));
        assert_eq!(m.no_auth_user.as_deref(), Some("guest"));
        assert_eq!(m.authorization.and_then(|a| a.user).as_deref(), Some("u"));
        assert_eq!(m.ack_wait, Duration::from_secs(60));
        assert_eq!(m.max_ack_pending, 100);
        assert_eq!(m.js_domain.as_deref(), Some("leaf"));
        assert_eq!((m.stream_replicas, m.consumer_replicas), (1, 1));
        assert_eq!(m.js_api_timeout, Duration::from_secs(10));
        assert_eq!(m.consumer_inactive_threshold, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn the_listener_can_be_turned_off() {
        assert!(decode("mqtt: off").0.is_none());
        assert!(decode("mqtt { enabled: false }").0.is_none());
        assert!(decode("mqtt { port: 0 }").0.is_none());
        assert_eq!(decode("mqtt { listen: \"0.0.0.0:-1\" }").0.map(|m| m.port), Some(0));
    }

    #[test]
    fn a_tls_block_is_read_as_nats_server_spells_it() {
        let (mqtt, r) = decode(
            "mqtt {\n port: 8883\n tls {\n cert_file: \"/c/server.pem\"\n key_file: \"/c/server-key.pem\"\n \
             ca_file: \"/c/ca.pem\"\n verify: true\n timeout: 3\n }\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let tls = mqtt.and_then(|m| m.tls).expect("tls");
        assert_eq!(tls.cert_file, std::path::PathBuf::from("/c/server.pem"));
        assert_eq!(tls.key_file, std::path::PathBuf::from("/c/server-key.pem"));
        assert_eq!(tls.ca_file.as_deref(), Some(Path::new("/c/ca.pem")));
        assert!(tls.verify);
        assert_eq!(tls.timeout, Duration::from_secs(3));
    }

    #[test]
    fn max_ack_pending_must_fit_sixteen_bits() {
        let (_, r) = decode("mqtt {\n max_ack_pending: 70000\n}");
        assert!(r.errors[0].to_string().starts_with("mqtt.conf:2: max_ack_pending: invalid value 70000"));
    }
}
