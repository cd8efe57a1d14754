//! JetStream: persistent streams and consumers layered on the core router.
//!
//! - [`store`]: the storage engine (file and memory message stores, consumer state, metadata);
//! - [`stream`]: a stream — an internal subscriber on its subjects that stores what it receives and
//!   answers publishers with a PubAck, enforcing the publish headers (`Nats-Msg-Id`, expectations,
//!   rollups, TTLs) and the retention policy;
//! - [`consumer`]: a consumer — reads its stream's store by sequence and delivers to a push subject or
//!   to pull requests, tracking acks, redeliveries and its persisted position;
//! - [`api`]: the `$JS.API.>` request handlers;
//! - [`source`]: mirrors and sources, copying from other streams of this server;
//! - [`transform`], [`republish`], [`marker`]: stream subject transforms, republished copies of stored
//!   messages, and subject delete markers;
//! - [`ack`], [`dedupe`]: ack subjects/payloads and the duplicate window;
//! - [`advisory`]: the `$JS.EVENT.ADVISORY.>` events.
//!
//! Every piece talks to clients only through the router, as internal clients: the store never sees a
//! client, and no front-end knows JetStream exists.

pub mod ack;
pub mod advisory;
pub mod api;
pub mod consumer;
pub mod dedupe;
pub mod marker;
pub mod monitor;
pub mod republish;
pub mod source;
pub mod store;
pub mod stream;
pub mod transform;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;
use tracing::{info, warn};

use switchyard_shared::api::account::{AccountLimits, JsLimitOpts};
use switchyard_shared::api::stream::StorageType;

use crate::config::{JetStreamConfig, SyncInterval};
use crate::core::internal::Outbox;
use crate::core::Router;
use crate::server::Server;
use store::{StoreDirLock, SyncPolicy};
use stream::Stream;

/// The JetStream API level implemented: 1 = nats-server 2.11 features (per-message TTL, markers).
pub const API_LEVEL: i64 = 1;

/// Why JetStream could not start.
#[derive(Debug, thiserror::Error)]
pub enum JetStreamError {
    #[error("cannot use store directory {dir}: {source}")]
    StoreDir { dir: String, source: store::StoreError },
}

/// JetStream of the server's global account.
pub struct JetStream {
    pub router: Arc<Router>,
    pub store_dir: PathBuf,
    pub sync: SyncPolicy,
    pub domain: Option<String>,
    pub limits: JsLimitOpts,
    pub account_limits: AccountLimits,
    pub max_memory: i64,
    pub max_store: i64,
    streams: RwLock<BTreeMap<String, Arc<Stream>>>,
    pub api_total: AtomicU64,
    pub api_errors: AtomicU64,
    next_internal_id: AtomicU64,
    /// The client id advisories are published as.
    advisory_id: u64,
    _lock: StoreDirLock,
}

impl JetStream {
    /// Opens the store directory, recovers every stream and consumer in it and starts the API.
    pub fn start(server: &Arc<Server>, config: &JetStreamConfig) -> Result<Arc<JetStream>, JetStreamError> {
        let dir = config.store_dir.clone();
        let err = |source| JetStreamError::StoreDir { dir: dir.display().to_string(), source };
        std::fs::create_dir_all(&dir).map_err(|e| err(store::StoreError::Io(e)))?;
        let lock = StoreDirLock::acquire(&dir).map_err(err)?;
        let sync = match config.sync_interval {
            SyncInterval::Always => SyncPolicy::Always,
            SyncInterval::Every(d) => SyncPolicy::Interval(d),
        };
        let max_memory = config.max_memory_store.map_or(default_max_memory(), |m| m as i64);
        let max_store = config.max_file_store.map_or(default_max_store(&dir), |m| m as i64);
        let js = Arc::new(JetStream {
            router: server.router.clone(),
            store_dir: dir.clone(),
            sync,
            domain: config.domain.clone(),
            limits: JsLimitOpts::default(),
            account_limits: AccountLimits::default(),
            max_memory,
            max_store,
            streams: RwLock::new(BTreeMap::new()),
            api_total: AtomicU64::new(0),
            api_errors: AtomicU64::new(0),
            next_internal_id: AtomicU64::new((1 << 48) + 1),
            advisory_id: 1 << 48,
            _lock: lock,
        });
        js.recover();
        api::start(&js, server);
        info!(store_dir = %dir.display(), streams = js.streams.read().len(), "JetStream started");
        Ok(js)
    }

    /// A fresh id for an internal client.
    pub fn internal_id(&self) -> u64 {
        self.next_internal_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Publishes an advisory (only encoded when someone listens).
    pub fn advise(&self, advisory: advisory::Advisory<'_>) {
        let mut outbox = Outbox::new(self.router.clone(), self.advisory_id);
        advisory.publish(&mut outbox, self.domain.as_deref());
        outbox.flush();
    }

    pub fn stream(&self, name: &str) -> Option<Arc<Stream>> {
        self.streams.read().get(name).cloned()
    }

    pub fn streams(&self) -> Vec<Arc<Stream>> {
        self.streams.read().values().cloned().collect()
    }

    pub fn stream_names(&self) -> Vec<String> {
        self.streams.read().keys().cloned().collect()
    }

    pub(crate) fn insert_stream(&self, stream: Arc<Stream>) {
        self.streams.write().insert(stream.name.clone(), stream);
    }

    pub(crate) fn remove_stream(&self, name: &str) -> Option<Arc<Stream>> {
        self.streams.write().remove(name)
    }

    /// Bytes used by memory and file streams.
    pub fn usage(&self) -> (u64, u64) {
        let (mut mem, mut file) = (0, 0);
        for s in self.streams() {
            let bytes = s.state(false).bytes;
            if s.is_memory() {
                mem += bytes;
            } else {
                file += bytes;
            }
        }
        (mem, file)
    }

    /// Number of consumers over all streams.
    pub fn consumer_count(&self) -> usize {
        self.streams().iter().map(|s| s.consumer_count()).sum()
    }

    /// Recovers the streams (and their consumers) found in the store directory.
    fn recover(self: &Arc<Self>) {
        let names = match store::meta::list_streams(&self.store_dir) {
            Ok(n) => n,
            Err(e) => {
                warn!(error = %e, "cannot list streams in the store directory");
                return;
            }
        };
        for name in names {
            let meta = match store::meta::read_stream_meta(&self.store_dir, &name) {
                Ok(Some(v)) => stream::read_meta(v),
                Ok(None) => continue,
                Err(e) => {
                    warn!(stream = %name, error = %e, "cannot read stream metadata");
                    continue;
                }
            };
            let (config, created) = match meta {
                Ok(m) => m,
                Err(e) => {
                    warn!(stream = %name, error = %e, "invalid stream metadata");
                    continue;
                }
            };
            if config.storage == StorageType::Memory {
                // Written by an older version; memory streams do not outlive the server.
                let _ = store::meta::remove_stream(&self.store_dir, &name);
                continue;
            }
            match Stream::open(self, config, Some(created)) {
                Ok(stream) => {
                    stream.recover_consumers();
                    self.insert_stream(stream);
                }
                Err(e) => warn!(stream = %name, error = %e, "cannot recover stream"),
            }
        }
    }

    /// Flushes and closes every stream (server shutdown).
    pub fn shutdown(&self) {
        for s in self.streams() {
            s.stop(false);
        }
    }
}

/// Default memory budget: three quarters of the machine's memory, as nats-server picks.
fn default_max_memory() -> i64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().find(|l| l.starts_with("MemTotal:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<i64>().ok()))
        .map(|kb| kb * 1024)
        .unwrap_or(4 << 30);
    total / 4 * 3
}

/// Default file budget: 1 TiB, or the free space when less (as nats-server does).
fn default_max_store(dir: &std::path::Path) -> i64 {
    let tb = 1i64 << 40;
    match rustix::fs::statvfs(dir) {
        Ok(st) => ((st.f_bavail as i64).saturating_mul(st.f_frsize as i64)).min(tb).max(0),
        Err(_) => tb,
    }
}
