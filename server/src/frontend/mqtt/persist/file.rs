//! [`FilePersist`]: MQTT state in JetStream file stores, so sessions, unacknowledged QoS 1/2 messages
//! and retained messages survive restarts and crashes.
//!
//! Three streams-as-files live under one directory (normally `<jetstream store_dir>/$MQTT`), each a
//! [`FileStore`] of the JetStream storage engine, much like nats-server's `$MQTT_sess`, `$MQTT_msgs` and
//! `$MQTT_rmsgs` streams:
//!
//! | directory   | subject                    | content                              | per subject |
//! |-------------|----------------------------|--------------------------------------|-------------|
//! | `sess/`     | `sess.<hash of client id>` | session record (JSON)                | last only   |
//! | `msgs/`     | `msgs.<hash of client id>` | session items (see the parent module) | all        |
//! | `retained/` | `rmsgs.<hash of topic>`    | retained message                     | last only   |
//!
//! An item's [`StoreKey`] is its stream sequence, so acknowledging a message is one `remove`. Deleting a
//! session purges its subjects. Hashes are 64-bit FNV-1a in hex: subjects stay valid whatever the client
//! id or topic contains, and the record itself carries the real name.
//!
//! Writes reach the operating system before each call returns (a process crash loses nothing); fsync
//! follows the store's sync policy. The directory is locked against a second process.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;
use tracing::warn;

use super::{
    decode_item, decode_retained, decode_session, encode_item, encode_retained, encode_session, Item, Loaded,
    LoadedSession, Persist, PersistError, SessionRecord,
};
use crate::frontend::mqtt::qos::StoreKey;
use crate::frontend::mqtt::retained::Retained;
use crate::jetstream::store::{
    FileStore, FileStoreConfig, Limits, PurgeRequest, Store, StoreDirLock, StoreError, SyncPolicy, SystemClock,
};

impl From<StoreError> for PersistError {
    fn from(e: StoreError) -> Self {
        PersistError::Store(e.to_string())
    }
}

struct Stores {
    sessions: FileStore,
    items: FileStore,
    retained: FileStore,
    _lock: StoreDirLock,
}

/// MQTT state in file stores under one directory.
pub struct FilePersist {
    dir: PathBuf,
    stores: Mutex<Option<Stores>>,
}

impl FilePersist {
    /// Opens (creating if needed) the MQTT stores in `dir`.
    pub fn open(dir: impl AsRef<Path>, sync: SyncPolicy) -> Result<Arc<Self>, PersistError> {
        let dir = dir.as_ref().to_path_buf();
        let lock = StoreDirLock::acquire(&dir)?;
        let cfg = FileStoreConfig { sync, ..FileStoreConfig::default() };
        let last_only = Limits { max_msgs_per_subject: 1, ..Limits::default() };
        let clock = Arc::new(SystemClock);
        let open = |name: &str, limits: Limits| FileStore::open(dir.join(name), cfg.clone(), limits, clock.clone());
        let stores = Stores {
            sessions: open("sess", last_only.clone())?,
            items: open("msgs", Limits::default())?,
            retained: open("retained", last_only)?,
            _lock: lock,
        };
        Ok(Arc::new(FilePersist { dir, stores: Mutex::new(Some(stores)) }))
    }

    /// The directory the stores live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn with<T>(&self, f: impl FnOnce(&mut Stores) -> Result<T, PersistError>) -> Result<T, PersistError> {
        let mut guard = self.stores.lock();
        let stores = guard.as_mut().ok_or_else(|| PersistError::Store("MQTT store is closed".into()))?;
        f(stores)
    }
}

/// 64-bit FNV-1a, in hex: a stable subject token for any string.
fn hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn purge_subject(store: &mut FileStore, subject: &str) -> Result<u64, PersistError> {
    Ok(store.purge(&PurgeRequest { filter: Some(subject.to_owned()), ..PurgeRequest::default() })?)
}

impl Persist for FilePersist {
    fn load(&self) -> Result<Loaded, PersistError> {
        self.with(|st| {
            let mut sessions = Vec::new();
            let mut seq = 1;
            while let Some(m) = st.sessions.load_next(seq, ">")? {
                seq = m.seq + 1;
                match decode_session(&m.data) {
                    Ok(record) => sessions.push(LoadedSession { record, items: Vec::new() }),
                    Err(e) => warn!(seq = m.seq, error = %e, "skipping unreadable MQTT session record"),
                }
            }
            let by_hash: std::collections::HashMap<String, usize> =
                sessions.iter().enumerate().map(|(i, s)| (format!("msgs.{}", hash(&s.record.client_id)), i)).collect();
            let mut orphans = Vec::new();
            let mut seq = 1;
            while let Some(m) = st.items.load_next(seq, ">")? {
                seq = m.seq + 1;
                let Some(&i) = by_hash.get(&*m.subject) else {
                    orphans.push(m.seq);
                    continue;
                };
                match decode_item(&m.data) {
                    Ok(item) => sessions[i].items.push((m.seq, item)),
                    Err(e) => {
                        warn!(seq = m.seq, error = %e, "skipping unreadable MQTT session item");
                        orphans.push(m.seq);
                    }
                }
            }
            for seq in orphans {
                st.items.remove(seq, false)?;
            }
            let mut retained = Vec::new();
            let mut seq = 1;
            while let Some(m) = st.retained.load_next(seq, ">")? {
                seq = m.seq + 1;
                match decode_retained(&m.data) {
                    Ok(r) => retained.push(r),
                    Err(e) => warn!(seq = m.seq, error = %e, "skipping unreadable retained message"),
                }
            }
            Ok(Loaded { sessions, retained })
        })
    }

    fn save_session(&self, rec: &SessionRecord) -> Result<(), PersistError> {
        let data = encode_session(rec)?;
        let subject = format!("sess.{}", hash(&rec.client_id));
        self.with(|st| {
            st.sessions.store_msg(&subject, &[], &data, None)?;
            Ok(())
        })
    }

    fn delete_session(&self, client_id: &str) -> Result<(), PersistError> {
        let h = hash(client_id);
        self.with(|st| {
            purge_subject(&mut st.sessions, &format!("sess.{h}"))?;
            purge_subject(&mut st.items, &format!("msgs.{h}"))?;
            Ok(())
        })
    }

    fn add_item(&self, client_id: &str, item: &Item) -> Result<StoreKey, PersistError> {
        let data = encode_item(item)?;
        let subject = format!("msgs.{}", hash(client_id));
        self.with(|st| Ok(st.items.store_msg(&subject, &[], &data, None)?.0))
    }

    fn remove_item(&self, _client_id: &str, key: StoreKey) -> Result<(), PersistError> {
        self.with(|st| {
            st.items.remove(key, false)?;
            Ok(())
        })
    }

    fn set_retained(&self, msg: &Retained) -> Result<(), PersistError> {
        let data = encode_retained(msg)?;
        let subject = format!("rmsgs.{}", hash(&msg.topic));
        self.with(|st| {
            st.retained.store_msg(&subject, &[], &data, None)?;
            Ok(())
        })
    }

    fn clear_retained(&self, topic: &str) -> Result<(), PersistError> {
        let subject = format!("rmsgs.{}", hash(topic));
        self.with(|st| {
            purge_subject(&mut st.retained, &subject)?;
            Ok(())
        })
    }

    fn close(&self) {
        if let Some(stores) = self.stores.lock().take() {
            for (name, store) in [("sess", stores.sessions), ("msgs", stores.items), ("retained", stores.retained)] {
                if let Err(e) = Box::new(store).close() {
                    warn!(store = name, error = %e, "closing MQTT store failed");
                }
            }
        }
    }

    fn kind(&self) -> &'static str {
        "file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::mqtt::persist::SubRecord;
    use crate::frontend::mqtt::qos::OutMsg;
    use bytes::Bytes;
    use switchyard_shared::mqtt::{Properties, QoS};

    fn tmp() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("switchyard-mqtt-persist-{}-{}", std::process::id(), fastrand::u64(..)));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn record(id: &str) -> SessionRecord {
        SessionRecord {
            client_id: id.into(),
            level: 4,
            expiry: u32::MAX,
            subs: vec![SubRecord {
                filter: "a/+".into(),
                qos: 1,
                no_local: false,
                retain_as_published: false,
                sub_id: None,
            }],
            disconnected_at: Some(1),
            will: None,
        }
    }

    fn msg(payload: &'static str) -> Box<OutMsg> {
        Box::new(OutMsg {
            topic: "a/b".into(),
            payload: Bytes::from_static(payload.as_bytes()),
            qos: QoS::AtLeastOnce,
            retain: false,
            props: None,
            expires_at: None,
            key: None,
        })
    }

    #[test]
    fn state_survives_reopening_the_directory() {
        let dir = tmp();
        let p = FilePersist::open(&dir, SyncPolicy::Always).unwrap();
        p.save_session(&record("c1")).unwrap();
        let mut newer = record("c1");
        newer.subs.clear();
        p.save_session(&newer).unwrap();
        p.save_session(&record("c2")).unwrap();
        let k1 = p.add_item("c1", &Item::Msg { pid: 1, msg: msg("one") }).unwrap();
        let k2 = p.add_item("c1", &Item::Msg { pid: 0, msg: msg("two") }).unwrap();
        p.add_item("c2", &Item::Qos2In { pid: 4 }).unwrap();
        p.remove_item("c1", k1).unwrap();
        let retained = Retained {
            topic: "r/t".into(),
            payload: Bytes::from_static(b"v"),
            qos: QoS::AtMostOnce,
            props: Properties::default(),
            expires_at: None,
            stored_at: 7,
        };
        p.set_retained(&retained).unwrap();
        p.set_retained(&Retained { topic: "gone".into(), ..retained.clone() }).unwrap();
        p.clear_retained("gone").unwrap();
        p.delete_session("c2").unwrap();
        assert!(FilePersist::open(&dir, SyncPolicy::Always).is_err(), "the directory is locked while open");
        p.close();
        drop(p);

        let p = FilePersist::open(&dir, SyncPolicy::Always).unwrap();
        let loaded = p.load().unwrap();
        assert_eq!(loaded.sessions.len(), 1);
        assert_eq!(loaded.sessions[0].record, newer, "only the last record of a session counts");
        assert_eq!(loaded.sessions[0].items, [(k2, Item::Msg { pid: 0, msg: msg("two") })]);
        assert_eq!(loaded.retained, [retained]);
        p.close();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn items_of_unknown_sessions_are_dropped_on_load() {
        let dir = tmp();
        let p = FilePersist::open(&dir, SyncPolicy::Always).unwrap();
        p.add_item("ghost", &Item::PubRel { pid: 1 }).unwrap();
        assert!(p.load().unwrap().sessions.is_empty());
        p.save_session(&record("ghost")).unwrap();
        assert!(p.load().unwrap().sessions[0].items.is_empty(), "removed by the first load");
        p.close();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn subject_hashes_are_stable() {
        assert_eq!(hash(""), "cbf29ce484222325");
        assert_eq!(hash("a"), "af63dc4c8601ec8c");
        assert_ne!(hash("client.1"), hash("client.2"));
    }
}
