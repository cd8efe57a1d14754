//! What of the MQTT front-end survives a restart, behind the [`Persist`] trait.
//!
//! Three kinds of state are kept: session records (client id, expiry, subscriptions, when the client
//! left, the Will: of the open connection, or one waiting for its delay), per-session items (QoS 1/2 messages not yet completed, QoS 2 exchanges waiting for PUBCOMP,
//! incoming QoS 2 packet identifiers waiting for PUBREL) and retained messages. Items are appended and
//! removed by key, so acknowledging one message never rewrites a session; session records are small and
//! rewritten whole when subscriptions change or the client comes and goes.
//!
//! Messages are stored as MQTT 5 PUBLISH packets encoded by the shared codec (every property kept), with
//! a small fixed prefix for what a PUBLISH does not carry (packet identifier in flight, absolute expiry,
//! store time); session records are JSON. [`MemoryPersist`] keeps those encoded records in memory, so
//! tests exercise the same encoding [`FilePersist`] (JetStream file stores, see [`file`]) writes.
//!
//! This module does not decide when to persist (the session does) and does not know about connections.

pub mod file;

pub use file::FilePersist;

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::{BufMut, Bytes, BytesMut};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use switchyard_shared::mqtt::{self, Packet, ProtocolLevel, Publish, QoS, Will};

use super::qos::{OutMsg, StoreKey};
use super::retained::Retained;

/// Why persisting or loading failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(String),
    #[error("record cannot be encoded: {0}")]
    Encode(String),
    #[error("storage error: {0}")]
    Store(String),
}

/// A session as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub client_id: String,
    /// Protocol level of the last connection (4 or 5).
    pub level: u8,
    /// Session Expiry Interval in seconds; `u32::MAX` never expires (MQTT 3.1.1 persistent sessions).
    pub expiry: u32,
    pub subs: Vec<SubRecord>,
    /// When the client disconnected (Unix nanoseconds); `None` while it is connected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<i64>,
    /// The Will of the connected client, or a Will waiting for its delay to pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub will: Option<WillRecord>,
}

/// A Will kept with its session, so that a restart neither loses nor forgets to publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WillRecord {
    /// The Will as an MQTT 5 PUBLISH (topic, payload, QoS, retain, properties but the delay), base64.
    pub publish: String,
    /// Will Delay Interval in seconds.
    #[serde(default)]
    pub delay: u32,
    /// When a Will waiting for its delay is due (Unix nanoseconds); `None`: its connection was open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<i64>,
}

impl WillRecord {
    /// The record of `will`; `due_at` as for [`WillRecord::due_at`].
    pub fn new(will: &Will, due_at: Option<i64>) -> Result<Self, PersistError> {
        let mut props = will.properties.clone();
        let delay = props.will_delay_interval.take().unwrap_or(0);
        let mut out = BytesMut::with_capacity(16 + will.topic.len() + will.payload.len());
        put_publish(&mut out, &will.topic, &will.payload, will.qos, will.retain, Some(&props))?;
        Ok(WillRecord { publish: BASE64.encode(&out), delay, due_at })
    }

    /// The Will again, its delay among its properties.
    pub fn will(&self) -> Result<Will, PersistError> {
        let data = BASE64.decode(&self.publish).map_err(|e| PersistError::Corrupt(format!("will: {e}")))?;
        let p = get_publish(&data)?;
        let mut properties = p.properties;
        properties.will_delay_interval = (self.delay > 0).then_some(self.delay);
        Ok(Will { topic: p.topic, payload: p.payload, qos: p.qos, retain: p.retain, properties })
    }
}

/// One subscription of a persisted session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubRecord {
    /// The filter as the client sent it, `$share/<group>/` included.
    pub filter: String,
    pub qos: u8,
    #[serde(default)]
    pub no_local: bool,
    #[serde(default)]
    pub retain_as_published: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id: Option<u32>,
}

/// A per-session item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A QoS 1/2 message for the client; `pid` is its packet identifier if it was sent (0 if not).
    Msg { pid: u16, msg: Box<OutMsg> },
    /// A QoS 2 message the client acknowledged with PUBREC: PUBREL sent, PUBCOMP awaited.
    PubRel { pid: u16 },
    /// An incoming QoS 2 PUBLISH that was routed; its PUBREL is awaited.
    Qos2In { pid: u16 },
}

/// One session as loaded: the record and its items in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedSession {
    pub record: SessionRecord,
    pub items: Vec<(StoreKey, Item)>,
}

/// Everything loaded at start.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sessions: Vec<LoadedSession>,
    pub retained: Vec<Retained>,
}

/// Where MQTT state is kept. Calls are synchronous and short; implementations serialise internally.
pub trait Persist: Send + Sync {
    /// Everything stored, for the start of the server.
    fn load(&self) -> Result<Loaded, PersistError>;
    /// Creates or replaces a session record.
    fn save_session(&self, rec: &SessionRecord) -> Result<(), PersistError>;
    /// Deletes a session record and all of its items.
    fn delete_session(&self, client_id: &str) -> Result<(), PersistError>;
    /// Appends an item to a session.
    fn add_item(&self, client_id: &str, item: &Item) -> Result<StoreKey, PersistError>;
    /// Removes one item.
    fn remove_item(&self, client_id: &str, key: StoreKey) -> Result<(), PersistError>;
    /// Creates or replaces the retained message of a topic.
    fn set_retained(&self, msg: &Retained) -> Result<(), PersistError>;
    /// Deletes the retained message of a topic.
    fn clear_retained(&self, topic: &str) -> Result<(), PersistError>;
    /// A short name for logs and monitoring (`memory`, `file`).
    fn kind(&self) -> &'static str;
    /// Flushes and releases what the implementation holds (files, locks); later calls fail.
    fn close(&self) {}
}

/// Encodes a session record.
pub fn encode_session(rec: &SessionRecord) -> Result<Vec<u8>, PersistError> {
    serde_json::to_vec(rec).map_err(|e| PersistError::Encode(e.to_string()))
}

/// Decodes a session record.
pub fn decode_session(data: &[u8]) -> Result<SessionRecord, PersistError> {
    serde_json::from_slice(data).map_err(|e| PersistError::Corrupt(format!("session record: {e}")))
}

const KIND_MSG: u8 = 1;
const KIND_PUBREL: u8 = 2;
const KIND_QOS2IN: u8 = 3;

/// Encodes an item: kind (1 byte), packet identifier (2), then for a message its expiry (8, 0 for none)
/// and the message as an MQTT 5 PUBLISH.
pub fn encode_item(item: &Item) -> Result<Bytes, PersistError> {
    let mut out = BytesMut::with_capacity(32);
    match item {
        Item::Msg { pid, msg } => {
            out.put_u8(KIND_MSG);
            out.put_u16(*pid);
            out.put_i64(msg.expires_at.unwrap_or(0));
            put_publish(&mut out, &msg.topic, &msg.payload, msg.qos, msg.retain, msg.props.as_deref())?;
        }
        Item::PubRel { pid } => {
            out.put_u8(KIND_PUBREL);
            out.put_u16(*pid);
        }
        Item::Qos2In { pid } => {
            out.put_u8(KIND_QOS2IN);
            out.put_u16(*pid);
        }
    }
    Ok(out.freeze())
}

/// Decodes an item written by [`encode_item`].
pub fn decode_item(data: &[u8]) -> Result<Item, PersistError> {
    let corrupt = |what: &str| PersistError::Corrupt(format!("item: {what}"));
    if data.len() < 3 {
        return Err(corrupt("too short"));
    }
    let pid = u16::from_be_bytes([data[1], data[2]]);
    match data[0] {
        KIND_MSG => {
            let at = data.get(3..11).ok_or_else(|| corrupt("no expiry"))?;
            let at = i64::from_be_bytes(at.try_into().map_err(|_| corrupt("expiry"))?);
            let p = get_publish(&data[11..])?;
            let msg = OutMsg {
                topic: p.topic,
                payload: p.payload,
                qos: p.qos,
                retain: p.retain,
                props: (!p.properties.is_empty()).then(|| Box::new(p.properties)),
                expires_at: (at != 0).then_some(at),
                key: None,
            };
            Ok(Item::Msg { pid, msg: Box::new(msg) })
        }
        KIND_PUBREL => Ok(Item::PubRel { pid }),
        KIND_QOS2IN => Ok(Item::Qos2In { pid }),
        k => Err(corrupt(&format!("unknown kind {k}"))),
    }
}

/// Encodes a retained message: store time (8), expiry (8, 0 for none), then an MQTT 5 PUBLISH.
pub fn encode_retained(msg: &Retained) -> Result<Bytes, PersistError> {
    let mut out = BytesMut::with_capacity(32 + msg.payload.len());
    out.put_i64(msg.stored_at);
    out.put_i64(msg.expires_at.unwrap_or(0));
    put_publish(&mut out, &msg.topic, &msg.payload, msg.qos, true, Some(&msg.props))?;
    Ok(out.freeze())
}

/// Decodes a retained message written by [`encode_retained`].
pub fn decode_retained(data: &[u8]) -> Result<Retained, PersistError> {
    if data.len() < 16 {
        return Err(PersistError::Corrupt("retained: too short".into()));
    }
    let stored_at = i64::from_be_bytes(data[0..8].try_into().expect("8 bytes"));
    let at = i64::from_be_bytes(data[8..16].try_into().expect("8 bytes"));
    let p = get_publish(&data[16..])?;
    Ok(Retained {
        topic: p.topic,
        payload: p.payload,
        qos: p.qos,
        props: p.properties,
        expires_at: (at != 0).then_some(at),
        stored_at,
    })
}

fn put_publish(
    out: &mut BytesMut,
    topic: &str,
    payload: &Bytes,
    qos: QoS,
    retain: bool,
    props: Option<&mqtt::Properties>,
) -> Result<(), PersistError> {
    let publish = Publish {
        dup: false,
        qos,
        retain,
        topic: topic.to_owned(),
        // The wire format wants an identifier for QoS > 0; the real one is kept beside it.
        packet_id: if qos == QoS::AtMostOnce { 0 } else { 1 },
        properties: props.cloned().unwrap_or_default(),
        payload: payload.clone(),
    };
    mqtt::encode(&Packet::Publish(publish), ProtocolLevel::V5, out).map_err(|e| PersistError::Encode(e.to_string()))
}

fn get_publish(data: &[u8]) -> Result<Publish, PersistError> {
    let mut buf = BytesMut::from(data);
    match mqtt::decode(&mut buf, Some(ProtocolLevel::V5), usize::MAX) {
        Ok(Some(Packet::Publish(p))) if buf.is_empty() => Ok(p),
        Ok(_) => Err(PersistError::Corrupt("stored message is not one PUBLISH".into())),
        Err(e) => Err(PersistError::Corrupt(format!("stored message: {e}"))),
    }
}

#[derive(Default)]
struct MemoryState {
    sessions: BTreeMap<String, Vec<u8>>,
    /// Items by key, with the client id they belong to.
    items: BTreeMap<StoreKey, (String, Bytes)>,
    retained: BTreeMap<String, Bytes>,
    next_key: StoreKey,
}

/// Keeps MQTT state in memory: sessions outlive connections but not the process. One instance can be
/// handed to successive servers in tests to simulate a restart.
#[derive(Default)]
pub struct MemoryPersist {
    state: Mutex<MemoryState>,
}

impl MemoryPersist {
    pub fn new() -> Arc<Self> {
        Arc::new(MemoryPersist::default())
    }

    /// How many items are stored, over all sessions.
    pub fn num_items(&self) -> usize {
        self.state.lock().items.len()
    }
}

impl Persist for MemoryPersist {
    fn load(&self) -> Result<Loaded, PersistError> {
        let st = self.state.lock();
        let mut sessions = Vec::with_capacity(st.sessions.len());
        for data in st.sessions.values() {
            let record = decode_session(data)?;
            let items = st
                .items
                .iter()
                .filter(|(_, (cid, _))| *cid == record.client_id)
                .map(|(&k, (_, data))| Ok((k, decode_item(data)?)))
                .collect::<Result<Vec<_>, PersistError>>()?;
            sessions.push(LoadedSession { record, items });
        }
        let retained = st.retained.values().map(|d| decode_retained(d)).collect::<Result<_, _>>()?;
        Ok(Loaded { sessions, retained })
    }

    fn save_session(&self, rec: &SessionRecord) -> Result<(), PersistError> {
        let data = encode_session(rec)?;
        self.state.lock().sessions.insert(rec.client_id.clone(), data);
        Ok(())
    }

    fn delete_session(&self, client_id: &str) -> Result<(), PersistError> {
        let mut st = self.state.lock();
        st.sessions.remove(client_id);
        st.items.retain(|_, (cid, _)| cid != client_id);
        Ok(())
    }

    fn add_item(&self, client_id: &str, item: &Item) -> Result<StoreKey, PersistError> {
        let data = encode_item(item)?;
        let mut st = self.state.lock();
        st.next_key += 1;
        let key = st.next_key;
        st.items.insert(key, (client_id.to_owned(), data));
        Ok(key)
    }

    fn remove_item(&self, _client_id: &str, key: StoreKey) -> Result<(), PersistError> {
        self.state.lock().items.remove(&key);
        Ok(())
    }

    fn set_retained(&self, msg: &Retained) -> Result<(), PersistError> {
        let data = encode_retained(msg)?;
        self.state.lock().retained.insert(msg.topic.clone(), data);
        Ok(())
    }

    fn clear_retained(&self, topic: &str) -> Result<(), PersistError> {
        self.state.lock().retained.remove(topic);
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::mqtt::{PayloadFormat, Properties};

    fn out_msg() -> OutMsg {
        OutMsg {
            topic: "a/b".into(),
            payload: Bytes::from_static(b"hello"),
            qos: QoS::ExactlyOnce,
            retain: true,
            props: Some(Box::new(Properties {
                payload_format: Some(PayloadFormat::Utf8),
                user_properties: vec![("k".into(), "v".into())],
                correlation_data: Some(Bytes::from_static(b"\x00\x01")),
                ..Properties::default()
            })),
            expires_at: Some(1_700_000_000_000_000_000),
            key: None,
        }
    }

    #[test]
    fn items_round_trip_through_their_encoding() {
        for item in [
            Item::Msg { pid: 7, msg: Box::new(out_msg()) },
            Item::Msg { pid: 0, msg: Box::new(OutMsg { qos: QoS::AtLeastOnce, expires_at: None, ..out_msg() }) },
            Item::PubRel { pid: 65535 },
            Item::Qos2In { pid: 1 },
        ] {
            assert_eq!(decode_item(&encode_item(&item).unwrap()).unwrap(), item);
        }
        assert!(decode_item(&[9, 0, 1]).is_err());
        assert!(decode_item(&[KIND_MSG, 0, 1, 0]).is_err());
    }

    #[test]
    fn wills_round_trip_through_their_record() {
        let will = Will {
            topic: "status/c1".into(),
            payload: Bytes::from_static(b"offline"),
            qos: QoS::AtLeastOnce,
            retain: true,
            properties: Properties {
                will_delay_interval: Some(30),
                message_expiry_interval: Some(600),
                content_type: Some("text/plain".into()),
                user_properties: vec![("k".into(), "v".into())],
                ..Properties::default()
            },
        };
        let rec = WillRecord::new(&will, Some(99)).unwrap();
        assert_eq!((rec.delay, rec.due_at), (30, Some(99)));
        assert_eq!(rec.will().unwrap(), will);
        let undelayed = Will { properties: Properties::default(), qos: QoS::AtMostOnce, ..will };
        assert_eq!(WillRecord::new(&undelayed, None).unwrap().will().unwrap(), undelayed);
        let text = encode_session(&SessionRecord {
            client_id: "c1".into(),
            level: 5,
            expiry: 60,
            subs: Vec::new(),
            disconnected_at: None,
            will: Some(rec.clone()),
        })
        .unwrap();
        assert_eq!(decode_session(&text).unwrap().will, Some(rec));
        let old = br#"{"client_id":"c2","level":4,"expiry":4294967295,"subs":[]}"#;
        assert_eq!(decode_session(old).unwrap().will, None, "records written before Wills were kept still load");
    }

    #[test]
    fn retained_messages_round_trip_through_their_encoding() {
        let r = Retained {
            topic: "x/y".into(),
            payload: Bytes::from_static(b"v"),
            qos: QoS::AtLeastOnce,
            props: Properties { content_type: Some("text/plain".into()), ..Properties::default() },
            expires_at: None,
            stored_at: 42,
        };
        assert_eq!(decode_retained(&encode_retained(&r).unwrap()).unwrap(), r);
    }

    #[test]
    fn memory_persist_loads_what_was_stored() {
        let p = MemoryPersist::new();
        let rec = SessionRecord {
            client_id: "c1".into(),
            level: 5,
            expiry: 3600,
            subs: vec![SubRecord {
                filter: "a/#".into(),
                qos: 2,
                no_local: false,
                retain_as_published: true,
                sub_id: Some(4),
            }],
            disconnected_at: Some(5),
            will: None,
        };
        p.save_session(&rec).unwrap();
        let k1 = p.add_item("c1", &Item::Msg { pid: 3, msg: Box::new(out_msg()) }).unwrap();
        let k2 = p.add_item("c1", &Item::Qos2In { pid: 9 }).unwrap();
        p.add_item("other", &Item::PubRel { pid: 1 }).unwrap();
        p.remove_item("c1", k2).unwrap();
        let loaded = p.load().unwrap();
        assert_eq!(loaded.sessions.len(), 1, "items without a session record are not a session");
        assert_eq!(loaded.sessions[0].record, rec);
        assert_eq!(loaded.sessions[0].items, [(k1, Item::Msg { pid: 3, msg: Box::new(out_msg()) })]);
        p.delete_session("c1").unwrap();
        assert!(p.load().unwrap().sessions.is_empty());
        assert_eq!(p.num_items(), 1);
    }
}
