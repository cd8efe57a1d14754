//! A stream: stores every message published on its subjects and answers with a PubAck.
//!
//! The stream is an internal client of the router, subscribed to its configured subjects (and, with
//! `allow_direct`, to its Direct Get subjects). One task per stream takes deliveries in batches, checks
//! the publish headers against the store under one lock, appends, and then sends every PubAck of the
//! batch and wakes its consumers once. Retention policies other than `limits` remove messages when
//! consumers acknowledge them ([`Stream::acked`]).
//!
//! The store is the single source of truth: a stream keeps no message in memory beyond the batch in
//! flight and the duplicate window's ids.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::{Mutex, RwLock};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use switchyard_shared::api::error::ApiError;
use switchyard_shared::api::requests::MsgGetRequest;
use switchyard_shared::api::responses::{PubAck, PubAckResponse};
use switchyard_shared::api::stream::{
    parse_msg_ttl, DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamInfo, StreamState as ApiState,
};
use switchyard_shared::headers::{self, HeaderMap};
use switchyard_shared::subject;
use switchyard_shared::time::Timestamp;

use super::consumer::{filters_cover_stream, Consumer};
use super::dedupe::DedupeWindow;
use super::marker::{self, Markers};
use super::republish::{self, Republished};
use super::source::{Sources, Watchers};
use super::store::{
    self, meta, Clock, Discard, FileStore, FileStoreConfig, Limits, MemoryStore, PurgeRequest, Store, StoreError,
    StoredMsg, SystemClock,
};
use super::transform::StreamTransforms;
use super::JetStream;
use crate::core::conn::now_nanos;
use crate::core::internal::{InMsg, InternalClient, Outbox};
use crate::core::{Msg, Subscription};

/// Inbox budget of a stream's ingest queue; beyond it publishes are refused (the publisher times out
/// or, with a reply subject, retries), memory stays bounded. Publishing connections are paced well
/// before that ([`INGEST_PACE`]); this only bounds what publishers that are not paced (internal
/// services, MQTT) can queue.
const INGEST_BUDGET: usize = 256 << 20;
/// Bytes queued for a stream, or in the batch it is storing, past which a publishing connection
/// stops reading its socket until the stream has caught up: the store sets the publisher's pace, as
/// nats-server's inline store does, and a fast publisher cannot make the server hold more than about
/// this much (a few 128 KiB object chunks, thousands of small messages).
const INGEST_PACE: usize = 4 << 20;

const SID_INGEST: &str = "in";
const SID_DIRECT: &str = "direct";

struct Inner {
    store: Box<dyn Store>,
    dedupe: DedupeWindow,
    last_msg_id: String,
    /// TTL index for subject delete markers (see `marker`); empty without a marker TTL.
    markers: Markers,
    /// Republish copies of what this batch stored, sent once the lock is released.
    republish: Vec<Republished>,
}

/// One stream.
pub struct Stream {
    pub name: String,
    js: Weak<JetStream>,
    /// Unix nanoseconds.
    pub created: i64,
    config: RwLock<StreamConfig>,
    inner: Mutex<Inner>,
    ingest: Arc<InternalClient>,
    subs: Mutex<Vec<Arc<Subscription>>>,
    consumers: RwLock<BTreeMap<String, Arc<Consumer>>>,
    /// Sequences the store removed by limits or expiry, waiting to be told to the consumers (the
    /// store's listener runs under the store lock, where consumers must not be called).
    removed: Arc<Mutex<Vec<u64>>>,
    stop: CancellationToken,
    transforms: RwLock<Arc<StreamTransforms>>,
    /// This stream's mirror or sources, while running.
    sources: Mutex<Option<Sources>>,
    /// Mirrors and sources of this stream waiting for new messages.
    watchers: Watchers,
}

fn limits_of(cfg: &StreamConfig) -> Limits {
    let pos = |v: i64| if v > 0 { v as u64 } else { 0 };
    Limits {
        max_msgs: pos(cfg.max_msgs),
        max_bytes: pos(cfg.max_bytes),
        max_age: Duration::from_nanos(pos(cfg.max_age)),
        max_msgs_per_subject: pos(cfg.max_msgs_per),
        discard: if cfg.discard == DiscardPolicy::New { Discard::New } else { Discard::Old },
        discard_new_per_subject: cfg.discard_new_per,
    }
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::MaxMsgs | StoreError::MaxBytes | StoreError::MaxMsgsPerSubject => {
            ApiError::stream_store_failed(e.to_string())
        }
        other => ApiError::stream_store_failed(other.to_string()),
    }
}

impl Stream {
    /// Creates (or, when `recovering`, reopens) the stream's store and starts its task.
    pub fn open(js: &Arc<JetStream>, config: StreamConfig, created: Option<i64>) -> Result<Arc<Stream>, ApiError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let limits = limits_of(&config);
        let store: Box<dyn Store> = match config.storage {
            StorageType::Memory => Box::new(MemoryStore::new(limits, clock)),
            StorageType::File => {
                let dir = meta::stream_msgs_dir(&js.store_dir, &config.name)
                    .map_err(|e| ApiError::stream_create(e.to_string()))?;
                let cfg = FileStoreConfig { sync: js.sync, ..Default::default() };
                Box::new(FileStore::open(dir, cfg, limits, clock).map_err(|e| ApiError::stream_create(e.to_string()))?)
            }
        };
        let mut store = store;
        let removed: Arc<Mutex<Vec<u64>>> = Arc::default();
        let sink = removed.clone();
        store.set_removal_listener(Some(Arc::new(move |_cause, seqs: &[u64]| sink.lock().extend_from_slice(seqs))));
        let recovering = created.is_some();
        let created = created.unwrap_or_else(now_nanos);
        if !recovering {
            write_meta(js, &config, created).map_err(|e| ApiError::stream_create(e.to_string()))?;
        }
        let mut dedupe = DedupeWindow::new(config.duplicates);
        let last_msg_id = String::new();
        // Rebuild the duplicate window from the stored messages still inside it; only messages with
        // headers can carry a Nats-Msg-Id, and the store finds those without reading the others.
        if recovering && config.duplicates > 0 {
            let since = now_nanos() - config.duplicates;
            let mut seq = store.state(false).first_seq.max(1);
            while let Ok(Some(m)) = store.load_next_with_headers(seq) {
                if m.ts >= since {
                    if let Some(id) = headers::find(&m.hdr, "Nats-Msg-Id") {
                        dedupe.insert(&String::from_utf8_lossy(id), m.seq, m.ts);
                    }
                }
                seq = m.seq + 1;
            }
        }
        let markers =
            if config.subject_delete_marker_ttl > 0 { Markers::rebuild(store.as_ref()) } else { Markers::default() };
        let stream = Arc::new(Stream {
            name: config.name.clone(),
            js: Arc::downgrade(js),
            created,
            ingest: InternalClient::paced(js.internal_id(), INGEST_BUDGET, INGEST_PACE),
            transforms: RwLock::new(Arc::new(StreamTransforms::compile(&config))),
            config: RwLock::new(config),
            inner: Mutex::new(Inner { store, dedupe, last_msg_id, markers, republish: Vec::new() }),
            subs: Mutex::new(Vec::new()),
            consumers: RwLock::new(BTreeMap::new()),
            removed,
            stop: CancellationToken::new(),
            sources: Mutex::new(None),
            watchers: Watchers::default(),
        });
        stream.subscribe_all(js);
        tokio::spawn(stream.clone().run(js.clone()));
        *stream.sources.lock() = Sources::start(js, &stream);
        Ok(stream)
    }

    fn subscribe_all(&self, js: &JetStream) {
        let cfg = self.config.read().clone();
        let mut subs = self.subs.lock();
        for s in subs.drain(..) {
            js.router.unsubscribe(&s);
        }
        for subj in &cfg.subjects {
            subs.push(self.ingest.subscribe(&js.router, subj, None, SID_INGEST));
        }
        if cfg.allow_direct {
            let base = format!("$JS.API.DIRECT.GET.{}", self.name);
            subs.push(self.ingest.subscribe(&js.router, &base, Some("_sys_"), SID_DIRECT));
            subs.push(self.ingest.subscribe(&js.router, &format!("{base}.>"), Some("_sys_"), SID_DIRECT));
        }
    }

    pub fn config(&self) -> StreamConfig {
        self.config.read().clone()
    }

    /// Whether `filters` cover every subject this stream takes messages on: it has no mirror and no
    /// sources, and each of its subjects lies inside one of the filters. A consumer with such
    /// filters can count its pending messages as an unfiltered one does (as nats-server treats a
    /// filter equal to the stream's only subject), without visiting every subject.
    pub fn subjects_within(&self, filters: &[String]) -> bool {
        filters_cover_stream(&self.config.read(), filters)
    }

    pub fn is_memory(&self) -> bool {
        self.config.read().storage == StorageType::Memory
    }

    pub fn retention(&self) -> RetentionPolicy {
        self.config.read().retention
    }

    /// Runs `f` with the store locked.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut dyn Store) -> R) -> R {
        let mut inner = self.inner.lock();
        f(inner.store.as_mut())
    }

    pub fn state(&self, with_deleted: bool) -> store::StreamState {
        self.inner.lock().store.state(with_deleted)
    }

    /// The stream state in API form.
    pub fn api_state(&self, with_deleted: bool, subjects_filter: Option<&str>) -> ApiState {
        let (st, subjects) = {
            let inner = self.inner.lock();
            let st = inner.store.state(with_deleted);
            let subjects = subjects_filter.map(|f| inner.store.subjects_state(f)).unwrap_or_default();
            (st, subjects)
        };
        ApiState {
            msgs: st.msgs,
            bytes: st.bytes,
            first_seq: st.first_seq,
            first_time: Timestamp(st.first_ts),
            last_seq: st.last_seq,
            last_time: Timestamp(st.last_ts),
            num_subjects: st.num_subjects as i64,
            subjects,
            num_deleted: st.num_deleted as i64,
            deleted: st.deleted.unwrap_or_default(),
            lost: None,
            consumers: self.consumer_count() as i64,
        }
    }

    pub fn info(&self, with_deleted: bool, subjects_filter: Option<&str>) -> StreamInfo {
        let domain = self.js.upgrade().and_then(|js| js.domain.clone()).unwrap_or_default();
        let (mirror, sources) = self.sources.lock().as_ref().map(Sources::info).unwrap_or_default();
        StreamInfo {
            mirror,
            sources,
            config: self.config(),
            created: Timestamp(self.created),
            state: self.api_state(with_deleted, subjects_filter),
            domain,
            cluster: Some(Default::default()),
            timestamp: Timestamp(now_nanos()),
            ..Default::default()
        }
    }

    /// Applies a new (validated) configuration.
    pub fn update(self: &Arc<Self>, js: &Arc<JetStream>, config: StreamConfig) -> Result<(), ApiError> {
        let old = self.config();
        let removed = {
            let mut inner = self.inner.lock();
            inner.dedupe.set_window(config.duplicates);
            inner.store.update_limits(limits_of(&config)).map_err(|e| ApiError::stream_update(e.to_string()))?
        };
        write_meta(js, &config, self.created).map_err(|e| ApiError::stream_update(e.to_string()))?;
        *self.transforms.write() = Arc::new(StreamTransforms::compile(&config));
        let relink = config.mirror != old.mirror || config.sources != old.sources;
        *self.config.write() = config;
        self.subscribe_all(js);
        if relink {
            let previous = self.sources.lock().take();
            if let Some(s) = previous {
                s.stop(true);
            }
            *self.sources.lock() = Sources::start(js, self);
        }
        if !removed.is_empty() {
            self.forward_removals();
            self.notify_consumers();
        }
        Ok(())
    }

    // ---- consumers -------------------------------------------------------------------------------

    pub fn consumer(&self, name: &str) -> Option<Arc<Consumer>> {
        self.consumers.read().get(name).cloned()
    }

    pub fn consumers(&self) -> Vec<Arc<Consumer>> {
        self.consumers.read().values().cloned().collect()
    }

    pub fn consumer_names(&self) -> Vec<String> {
        self.consumers.read().keys().cloned().collect()
    }

    pub fn consumer_count(&self) -> usize {
        self.consumers.read().len()
    }

    pub(crate) fn insert_consumer(&self, consumer: Arc<Consumer>) {
        self.consumers.write().insert(consumer.name.clone(), consumer);
    }

    /// Removes a consumer. Under interest retention the messages only it still needed go too.
    pub(crate) fn remove_consumer(&self, name: &str) -> Option<Arc<Consumer>> {
        let removed = self.consumers.write().remove(name)?;
        if self.retention() == RetentionPolicy::Interest {
            self.drop_unwanted_from(removed.ack_floor() + 1);
        }
        Some(removed)
    }

    /// Interest retention: removes every message from `start` on that no consumer still needs.
    fn drop_unwanted_from(&self, start: u64) {
        let mut seq = start.max(1);
        loop {
            let next = self.with_store(|s| s.load_next(seq, ">").ok().flatten());
            let Some(m) = next else { break };
            let wanted = self.consumers.read().values().any(|c| c.matches_subject(&m.subject) && !c.has_acked(m.seq));
            if !wanted {
                let _ = self.inner.lock().store.remove(m.seq, false);
            }
            seq = m.seq + 1;
        }
    }

    /// Wakes every consumer (new messages, purge, limits).
    pub fn notify_consumers(&self) {
        for c in self.consumers.read().values() {
            c.wake();
        }
        self.watchers.wake();
    }

    /// Wakes `notify` whenever this stream stores something (mirrors and sources of it).
    pub fn watch(&self, notify: &Arc<tokio::sync::Notify>) {
        self.watchers.add(notify);
    }

    /// The compiled subject transforms of the current config.
    pub fn transforms(&self) -> Arc<StreamTransforms> {
        self.transforms.read().clone()
    }

    /// Stores a message a source copied from its origin, through the checks of a publish.
    pub(crate) fn store_sourced(&self, m: &InMsg, outbox: &mut Outbox) -> Result<PubAck, ApiError> {
        let (result, copies) = {
            let cfg = self.config.read();
            let mut inner = self.inner.lock();
            let result = self.store_one(&cfg, &mut inner, m, true);
            (result, std::mem::take(&mut inner.republish))
        };
        republish::publish(outbox, copies);
        self.forward_removals();
        if result.is_ok() && m.headers.as_deref().is_some_and(|h| headers::find(h, "Nats-Rollup").is_some()) {
            for c in self.consumers() {
                c.stream_purged(self);
            }
        }
        if result.as_ref().is_ok_and(|a| !a.duplicate) {
            self.notify_consumers();
        }
        result
    }

    /// Tells the consumers which messages the store removed by limits or expiry, so that they stop
    /// waiting for acks of messages that are gone.
    pub(crate) fn forward_removals(&self) {
        let seqs = std::mem::take(&mut *self.removed.lock());
        if seqs.is_empty() {
            return;
        }
        for c in self.consumers() {
            c.stream_removed(&seqs);
        }
    }

    /// Reopens the consumers persisted in the store directory.
    pub fn recover_consumers(self: &Arc<Self>) {
        let Some(js) = self.js.upgrade() else { return };
        let names = meta::list_consumers(&js.store_dir, &self.name).unwrap_or_default();
        for name in names {
            match meta::read_consumer_meta(&js.store_dir, &self.name, &name) {
                Ok(Some(v)) => match serde_json::from_value(v.get("config").cloned().unwrap_or(v)) {
                    Ok(cfg) => match Consumer::open(&js, self, name.clone(), cfg, true) {
                        Ok(c) => self.insert_consumer(c),
                        Err(e) => warn!(stream = %self.name, consumer = %name, error = %e, "cannot recover consumer"),
                    },
                    Err(e) => warn!(stream = %self.name, consumer = %name, error = %e, "invalid consumer metadata"),
                },
                _ => warn!(stream = %self.name, consumer = %name, "consumer metadata missing"),
            }
        }
    }

    /// A consumer acknowledged `seq`: under interest or work-queue retention, remove it once no
    /// consumer that wants it still needs it.
    pub fn acked(&self, seq: u64, subject: &str) {
        let retention = self.retention();
        if retention == RetentionPolicy::Limits {
            return;
        }
        let keep = self.consumers.read().values().any(|c| c.matches_subject(subject) && !c.has_acked(seq));
        if !keep {
            let mut inner = self.inner.lock();
            let _ = inner.store.remove(seq, false);
        }
    }

    // ---- life cycle ------------------------------------------------------------------------------

    /// Stops the stream task and its consumers; with `delete` also removes everything on disk.
    pub fn stop(&self, delete: bool) {
        self.stop.cancel();
        self.ingest.close();
        if let Some(s) = self.sources.lock().take() {
            s.stop(!delete);
        }
        if let Some(js) = self.js.upgrade() {
            for s in self.subs.lock().drain(..) {
                js.router.unsubscribe(&s);
            }
        }
        for c in self.consumers.write().values() {
            c.stop(delete);
        }
        let mut inner = self.inner.lock();
        if delete {
            let _ = inner.store.purge(&PurgeRequest::default());
            if let Some(js) = self.js.upgrade() {
                let _ = meta::remove_stream(&js.store_dir, &self.name);
            }
        } else {
            let _ = inner.store.sync();
        }
    }

    async fn run(self: Arc<Self>, js: Arc<JetStream>) {
        /// Publishers waiting for this task to catch up stop waiting once it ends, however it ends.
        struct Closing(Arc<InternalClient>);
        impl Drop for Closing {
            fn drop(&mut self) {
                self.0.close();
            }
        }
        let _closing = Closing(self.ingest.clone());
        let mut outbox = Outbox::new(js.router.clone(), self.ingest.id());
        loop {
            let next_expiry = {
                let inner = self.inner.lock();
                inner.store.next_expiry()
            };
            let wait = match next_expiry {
                Some(at) => Duration::from_nanos((at - now_nanos()).clamp(1_000_000, 1_000_000_000) as u64),
                None => Duration::from_secs(1),
            };
            tokio::select! {
                _ = self.stop.cancelled() => break,
                batch = self.ingest.next_batch() => self.handle_batch(&js, batch, &mut outbox),
                _ = tokio::time::sleep(wait) => self.expire(&mut outbox),
            }
        }
        let mut inner = self.inner.lock();
        let _ = inner.store.sync();
    }

    fn expire(&self, outbox: &mut Outbox) {
        let cfg = self.config.read();
        let (removed, copies) = {
            let mut inner = self.inner.lock();
            let now = now_nanos();
            inner.dedupe.expire(now);
            let mut removed = Vec::new();
            if cfg.subject_delete_marker_ttl > 0 {
                // The last message of a subject leaving by age is replaced by a marker.
                let inner = &mut *inner;
                if let Ok(out) = inner.markers.expire(inner.store.as_mut(), cfg.max_age, now) {
                    // Explicit removals: the store's listener does not see them.
                    self.removed.lock().extend_from_slice(&out.removed);
                    removed = out.removed;
                    for subject in out.markers {
                        let m = marker::marker_msg(&subject, cfg.subject_delete_marker_ttl);
                        if let Err(e) = self.store_one(&cfg, inner, &m, true) {
                            warn!(stream = %self.name, subject = %subject, error = %e, "cannot store a subject delete marker");
                        }
                    }
                }
            }
            removed.extend(inner.store.expire(now).unwrap_or_default());
            (removed, std::mem::take(&mut inner.republish))
        };
        drop(cfg);
        republish::publish(outbox, copies);
        outbox.flush();
        if !removed.is_empty() {
            self.forward_removals();
            self.notify_consumers();
        }
    }

    fn handle_batch(&self, js: &JetStream, batch: Vec<InMsg>, outbox: &mut Outbox) {
        let over_budget = self.over_budget(js);
        let mut replies: Vec<(Bytes, Bytes)> = Vec::new();
        let mut directs = Vec::new();
        let mut stored_any = false;
        let mut rolled_up = false;
        let mut unwanted: Vec<u64> = Vec::new();
        let copies;
        {
            let cfg = self.config.read();
            let no_interest = cfg.retention == RetentionPolicy::Interest && self.consumers.read().is_empty();
            let mut inner = self.inner.lock();
            for m in batch {
                if &m.sid[..] == SID_DIRECT.as_bytes() {
                    directs.push(m);
                    continue;
                }
                let result = if let Some(e) = over_budget.clone() {
                    Err(e)
                } else {
                    self.store_one(&cfg, &mut inner, &m, false)
                };
                if let Ok(ack) = &result {
                    rolled_up |= m.headers.as_deref().is_some_and(|h| headers::find(h, "Nats-Rollup").is_some());
                    if !ack.duplicate {
                        stored_any = true;
                        if no_interest {
                            unwanted.push(ack.sequence);
                        }
                    }
                }
                if let (Some(reply), false) = (m.reply, cfg.no_ack) {
                    let resp = match result {
                        Ok(ack) => PubAckResponse::ok(ack),
                        Err(e) => PubAckResponse::failed(&self.name, e),
                    };
                    replies.push((reply, Bytes::from(serde_json::to_vec(&resp).unwrap_or_default())));
                }
            }
            for seq in unwanted {
                let _ = inner.store.remove(seq, false);
            }
            copies = std::mem::take(&mut inner.republish);
        }
        republish::publish(outbox, copies);
        self.forward_removals();
        if rolled_up {
            for c in self.consumers() {
                c.stream_purged(self);
            }
        }
        if stored_any {
            self.notify_consumers();
        }
        for (reply, payload) in &replies {
            outbox.publish(reply, None, None, payload);
        }
        for d in directs {
            self.direct_get(&d, outbox);
        }
        outbox.flush();
    }

    /// The account's storage budget, checked once per batch (never while holding this stream's lock,
    /// since it reads every stream).
    fn over_budget(&self, js: &JetStream) -> Option<ApiError> {
        let (mem, file) = js.usage();
        if self.is_memory() {
            (js.max_memory >= 0 && mem as i64 >= js.max_memory).then(ApiError::memory_resources_exceeded)
        } else {
            (js.max_store >= 0 && file as i64 >= js.max_store).then(ApiError::storage_resources_exceeded)
        }
    }

    /// Checks one publish against the headers and the config, stores it and builds its PubAck.
    /// `internal` messages (copied by a source, or subject delete markers) may roll up and carry a TTL
    /// whatever the config allows, as in nats-server.
    fn store_one(&self, cfg: &StreamConfig, inner: &mut Inner, m: &InMsg, internal: bool) -> Result<PubAck, ApiError> {
        if cfg.sealed {
            return Err(ApiError::stream_sealed());
        }
        let subject = std::str::from_utf8(&m.subject).map_err(|_| ApiError::bad_request())?;
        let transforms = self.transforms();
        let transformed = transforms.input(subject);
        let subject = transformed.as_deref().unwrap_or(subject);
        let hdr: &[u8] = m.headers.as_deref().unwrap_or(&[]);
        let size = hdr.len() + m.payload.len();
        if cfg.max_msg_size > 0 && size > cfg.max_msg_size as usize {
            return Err(ApiError::stream_message_exceeds_maximum());
        }
        let domain = self.js.upgrade().and_then(|js| js.domain.clone()).unwrap_or_default();
        let ack = |seq: u64, duplicate: bool| PubAck {
            stream: self.name.clone(),
            sequence: seq,
            domain: domain.clone(),
            duplicate,
            ..Default::default()
        };
        let mut ttl = None;
        let mut rollup = None;
        let mut msg_id = None;
        if !hdr.is_empty() {
            let get = |name: &str| headers::find(hdr, name).map(|v| String::from_utf8_lossy(v).into_owned());
            if let Some(expected) = get("Nats-Expected-Stream") {
                if expected != self.name {
                    return Err(ApiError::stream_not_match());
                }
            }
            if let Some(id) = get("Nats-Msg-Id").filter(|id| !id.is_empty()) {
                if let Some(seq) = inner.dedupe.get(&id) {
                    return Ok(ack(seq, true));
                }
                msg_id = Some(id);
            }
            if let Some(v) = get("Nats-Expected-Last-Sequence") {
                let want: u64 = v.trim().parse().map_err(|_| ApiError::bad_request())?;
                let last = inner.store.state(false).last_seq;
                if last != want {
                    return Err(ApiError::stream_wrong_last_sequence(last));
                }
            }
            if let Some(v) = get("Nats-Expected-Last-Subject-Sequence") {
                let want: u64 = v.trim().parse().map_err(|_| ApiError::bad_request())?;
                let on = get("Nats-Expected-Last-Subject-Sequence-Subject").unwrap_or_else(|| subject.to_string());
                let last = if subject::is_literal(&on) {
                    inner.store.last_seq_for_subject(&on).unwrap_or(0)
                } else {
                    inner.store.load_last(&on).ok().flatten().map_or(0, |m| m.seq)
                };
                if last != want {
                    return Err(ApiError::stream_wrong_last_sequence(last));
                }
            }
            if let Some(v) = get("Nats-Expected-Last-Msg-Id") {
                if v != inner.last_msg_id {
                    return Err(ApiError::stream_wrong_last_msg_id(inner.last_msg_id.clone()));
                }
            }
            if let Some(v) = get("Nats-Rollup") {
                if !internal && (!cfg.allow_rollup || cfg.deny_purge) {
                    return Err(ApiError::stream_rollup_failed("rollup not permitted"));
                }
                match v.trim() {
                    "sub" => rollup = Some(false),
                    "all" => rollup = Some(true),
                    other => return Err(ApiError::stream_rollup_failed(format!("rollup value invalid: {other}"))),
                }
            }
            if let Some(v) = get("Nats-TTL") {
                if !cfg.allow_msg_ttl && !internal {
                    return Err(ApiError::message_ttl_disabled());
                }
                let secs = parse_msg_ttl(v.trim())?;
                let ns = if secs < 0 { -1 } else { secs.saturating_mul(1_000_000_000) };
                ttl = Some(marker::effective_ttl(ns, cfg.subject_delete_marker_ttl, cfg.max_msgs_per));
            }
        }
        let republish_to = transforms.republish(subject);
        let previous = if republish_to.is_some() { inner.store.last_seq_for_subject(subject).unwrap_or(0) } else { 0 };
        let (seq, ts) = inner.store.store_msg(subject, hdr, &m.payload, ttl).map_err(store_error)?;
        if cfg.subject_delete_marker_ttl > 0 {
            inner.markers.track(seq, ts, ttl.unwrap_or(0));
        }
        if let Some((dest, headers_only)) = republish_to {
            let stored = republish::Stored {
                stream: &self.name,
                subject,
                seq,
                ts,
                last_seq: previous,
                headers: hdr,
                payload: &m.payload,
            };
            inner.republish.push(Republished::new(&dest, headers_only, &stored));
        }
        if let Some(id) = msg_id {
            inner.dedupe.insert(&id, seq, ts);
            inner.last_msg_id = id;
        }
        if let Some(all) = rollup {
            let filter = if all { None } else { Some(subject.to_string()) };
            let _ = inner.store.purge(&PurgeRequest { filter, seq: Some(seq), keep: None });
        }
        Ok(ack(seq, false))
    }

    // ---- messages --------------------------------------------------------------------------------

    /// `STREAM.MSG.GET`.
    pub fn get_msg(&self, req: &MsgGetRequest) -> Result<StoredMsg, ApiError> {
        let inner = self.inner.lock();
        let found = if req.seq > 0 && req.next_for.is_empty() {
            inner.store.load(req.seq)
        } else if !req.next_for.is_empty() {
            inner.store.load_next(req.seq.max(1), &req.next_for)
        } else {
            inner.store.load_last(&req.last_for)
        };
        found.ok().flatten().ok_or_else(ApiError::no_message_found)
    }

    /// `STREAM.MSG.DELETE`.
    pub fn delete_msg(&self, seq: u64, erase: bool) -> Result<bool, ApiError> {
        let removed = {
            let mut inner = self.inner.lock();
            inner.store.remove(seq, erase).map_err(|e| ApiError::stream_msg_delete_failed(e.to_string()))?
        };
        if removed {
            for c in self.consumers() {
                c.stream_removed(&[seq]);
            }
            self.notify_consumers();
        }
        Ok(removed)
    }

    /// `STREAM.PURGE`.
    pub fn purge(&self, req: &PurgeRequest) -> Result<u64, ApiError> {
        let n = {
            let mut inner = self.inner.lock();
            let n = inner.store.purge(req).map_err(|e| ApiError::stream_purge_failed(e.to_string()))?;
            if req.filter.is_none() && req.seq.is_none() && req.keep.is_none() {
                inner.dedupe.clear();
            }
            n
        };
        for c in self.consumers() {
            c.stream_purged(self);
        }
        Ok(n)
    }

    /// Answers a Direct Get request (ADR-31): the message itself with `Nats-*` headers, or a status.
    /// Replies are published on the reply subject itself (clients match responses by subject); the
    /// stored subject travels in `Nats-Subject`.
    fn direct_get(&self, m: &InMsg, outbox: &mut Outbox) {
        let Some(reply) = &m.reply else { return };
        let subject = String::from_utf8_lossy(&m.subject);
        let base = format!("$JS.API.DIRECT.GET.{}", self.name);
        let tail = subject.strip_prefix(&base).unwrap_or("");
        let req = if let Some(last_for) = tail.strip_prefix('.') {
            if !m.payload.is_empty() {
                return send_status(outbox, reply, 408, "Bad Request");
            }
            MsgGetRequest { last_for: last_for.to_string(), ..Default::default() }
        } else {
            match serde_json::from_slice::<MsgGetRequest>(&m.payload) {
                Ok(r) => r,
                Err(_) => return send_status(outbox, reply, 408, "Bad Request"),
            }
        };
        if req.seq == 0 && req.last_for.is_empty() && req.next_for.is_empty() && req.multi_last_for.is_empty() {
            return send_status(outbox, reply, 408, "Bad Request");
        }
        if !req.multi_last_for.is_empty() {
            return self.direct_multi_last(&req, reply, outbox);
        }
        if req.batch > 0 {
            return self.direct_batch(&req, reply, outbox);
        }
        match self.get_msg(&req) {
            Ok(msg) => {
                let hdr = direct_headers(&self.name, &msg, &[]);
                outbox.publish(reply, None, Some(&hdr), &msg.data);
            }
            Err(_) => send_status(outbox, reply, 404, "Message Not Found"),
        }
    }

    fn direct_batch(&self, req: &MsgGetRequest, reply: &Bytes, outbox: &mut Outbox) {
        let filter = if req.next_for.is_empty() { ">".to_string() } else { req.next_for.clone() };
        let mut seq = req.seq.max(1);
        if let Some(start) = req.start_time {
            let inner = self.inner.lock();
            let st = inner.store.state(false);
            let mut s = st.first_seq.max(1);
            while let Ok(Some(m)) = inner.store.load_next(s, ">") {
                if m.ts >= start.0 {
                    break;
                }
                s = m.seq + 1;
            }
            seq = seq.max(s);
        }
        let mut sent = 0i64;
        let mut bytes = 0i64;
        let mut last = 0;
        let msgs: Vec<StoredMsg> = {
            let inner = self.inner.lock();
            let mut out = Vec::new();
            while sent < req.batch {
                match inner.store.load_next(seq, &filter) {
                    Ok(Some(m)) => {
                        if req.up_to_seq > 0 && m.seq > req.up_to_seq {
                            break;
                        }
                        let size = (m.hdr.len() + m.data.len()) as i64;
                        if req.max_bytes > 0 && bytes + size > req.max_bytes && sent > 0 {
                            break;
                        }
                        bytes += size;
                        sent += 1;
                        seq = m.seq + 1;
                        out.push(m);
                    }
                    _ => break,
                }
            }
            out
        };
        if msgs.is_empty() {
            return send_status(outbox, reply, 404, "Message Not Found");
        }
        let pending_after = |s: u64| self.with_store(|st| st.num_pending(s + 1, &filter, false));
        for m in &msgs {
            last = m.seq;
            let pending = pending_after(m.seq);
            let extra = [("Nats-Num-Pending", pending.to_string()), ("Nats-Last-Sequence", last.to_string())];
            let hdr = direct_headers(&self.name, m, &extra);
            outbox.publish(reply, None, Some(&hdr), &m.data);
        }
        let mut eob = HeaderMap::with_status(204, Some("EOB"));
        eob.insert("Nats-Num-Pending", pending_after(last).to_string());
        eob.insert("Nats-Last-Sequence", last.to_string());
        let hdr = eob.to_bytes();
        let empty = Bytes::new();
        outbox.deliver_to(reply, &Msg { subject: reply, reply: None, headers: Some(&hdr), payload: &empty });
    }

    fn direct_multi_last(&self, req: &MsgGetRequest, reply: &Bytes, outbox: &mut Outbox) {
        let mut found: BTreeMap<u64, StoredMsg> = BTreeMap::new();
        {
            let inner = self.inner.lock();
            for filter in &req.multi_last_for {
                for subj in inner.store.subjects_state(filter).keys() {
                    if let Ok(Some(m)) = inner.store.load_last(subj) {
                        if req.up_to_seq == 0 || m.seq <= req.up_to_seq {
                            found.insert(m.seq, m);
                        }
                    }
                }
            }
        }
        if found.is_empty() {
            return send_status(outbox, reply, 404, "Message Not Found");
        }
        let total = found.len();
        let mut last = 0;
        for (i, m) in found.values().enumerate() {
            last = m.seq;
            let extra = [("Nats-Num-Pending", (total - i - 1).to_string()), ("Nats-Last-Sequence", m.seq.to_string())];
            let hdr = direct_headers(&self.name, m, &extra);
            outbox.publish(reply, None, Some(&hdr), &m.data);
        }
        let mut eob = HeaderMap::with_status(204, Some("EOB"));
        eob.insert("Nats-Num-Pending", "0");
        eob.insert("Nats-Last-Sequence", last.to_string());
        let hdr = eob.to_bytes();
        let empty = Bytes::new();
        outbox.deliver_to(reply, &Msg { subject: reply, reply: None, headers: Some(&hdr), payload: &empty });
    }
}

/// Persists a file stream's config and creation time. Memory streams are not persisted: like
/// nats-server's, they are gone after a restart.
fn write_meta(js: &JetStream, config: &StreamConfig, created: i64) -> store::Result<()> {
    if config.storage == StorageType::Memory {
        return Ok(());
    }
    let value = serde_json::json!({ "config": config, "created": created });
    meta::write_stream_meta(&js.store_dir, &config.name, &value)
}

/// Reads what [`write_meta`] wrote: the config and the creation time.
pub fn read_meta(value: serde_json::Value) -> Result<(StreamConfig, i64), serde_json::Error> {
    let created = value.get("created").and_then(|v| v.as_i64()).unwrap_or_else(now_nanos);
    let config = match value.get("config") {
        Some(c) => serde_json::from_value(c.clone())?,
        None => serde_json::from_value(value)?,
    };
    Ok((config, created))
}

/// The headers of a Direct Get reply: the stored headers plus `Nats-Stream`, `Nats-Subject`,
/// `Nats-Sequence`, `Nats-Time-Stamp` and any `extra`.
pub fn direct_headers(stream: &str, m: &StoredMsg, extra: &[(&str, String)]) -> Bytes {
    let mut out = BytesMut::with_capacity(m.hdr.len() + 160);
    if m.hdr.len() > 12 && m.hdr.starts_with(b"NATS/1.0") {
        // Keep the stored block without its terminating blank line, then append ours.
        let body = &m.hdr[..m.hdr.len() - 2];
        out.extend_from_slice(body);
    } else {
        out.extend_from_slice(b"NATS/1.0\r\n");
    }
    let mut put = |k: &str, v: &str| {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    put("Nats-Stream", stream);
    put("Nats-Subject", &m.subject);
    put("Nats-Sequence", &m.seq.to_string());
    put("Nats-Time-Stamp", &Timestamp(m.ts).to_rfc3339());
    for (k, v) in extra {
        put(k, v);
    }
    out.extend_from_slice(b"\r\n");
    out.freeze()
}

/// Sends a status-only message (`NATS/1.0 <code> <text>`) to `to`.
pub fn send_status(outbox: &mut Outbox, to: &Bytes, code: u16, text: &str) {
    let hdr = HeaderMap::with_status(code, Some(text)).to_bytes();
    let empty = Bytes::new();
    outbox.deliver_to(to, &Msg { subject: to, reply: None, headers: Some(&hdr), payload: &empty });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::jetstream::JetStreamConfig;
    use crate::config::Config;
    use memchr::memmem;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
    use tokio::net::TcpStream;

    const CHUNK: usize = 128 << 10;
    const ACK: &[u8] = b"MSG acks 1 ";
    const ANSWER: &[u8] = b"MSG answers 2 ";
    const DELIVERY: &[u8] = b"MSG flood 3 ";
    const ERROR: &[u8] = b"\"error\"";

    /// What the client connection received, counted as it streams by (payloads are not kept).
    #[derive(Default)]
    struct Seen {
        /// The last bytes of the previous read, shorter than any needle: an occurrence that
        /// straddles two reads is counted once, when its end arrives.
        tail: Vec<u8>,
        acks: usize,
        answers: usize,
        deliveries: usize,
        errors: usize,
    }

    impl Seen {
        fn feed(&mut self, data: &[u8]) {
            let mut window = std::mem::take(&mut self.tail);
            window.extend_from_slice(data);
            let count = |needle: &[u8]| memmem::find_iter(&window, needle).count();
            self.acks += count(ACK);
            self.answers += count(ANSWER);
            self.deliveries += count(DELIVERY);
            self.errors += count(ERROR);
            let keep = [ACK, ANSWER, DELIVERY, ERROR].iter().map(|n| n.len()).max().unwrap_or(1) - 1;
            self.tail = window[window.len().saturating_sub(keep)..].to_vec();
        }
    }

    /// A started server with stream `FLOOD` on subject `flood`, and a raw client connection that
    /// subscribed to `acks` (PubAcks) and `answers` (API replies).
    struct Flood {
        running: crate::server::Running,
        stream: Arc<Stream>,
        rd: OwnedReadHalf,
        wr: Option<OwnedWriteHalf>,
        seen: Seen,
        _dir: tempfile::TempDir,
    }

    impl Flood {
        async fn start() -> Flood {
            let dir = tempfile::tempdir().unwrap();
            let config = Config {
                jetstream: Some(JetStreamConfig { store_dir: dir.path().into(), ..JetStreamConfig::default() }),
                ..Config::loopback_nats_only()
            };
            let running = crate::server::Server::start(config).await.expect("server starts");
            let js = running.server.jetstream.get().expect("jetstream").clone();
            let (mut rd, mut wr) = TcpStream::connect(running.client_addr).await.unwrap().into_split();
            let create = r#"{"name":"FLOOD","subjects":["flood"],"storage":"file"}"#;
            let setup = format!(
                "CONNECT {{\"verbose\":false}}\r\nSUB acks 1\r\nSUB answers 2\r\nPUB $JS.API.STREAM.CREATE.FLOOD answers {}\r\n{create}\r\n",
                create.len()
            );
            wr.write_all(setup.as_bytes()).await.unwrap();
            let mut seen = Seen::default();
            read_until(&mut rd, &mut seen, |s| s.answers >= 1).await;
            let stream = js.stream("FLOOD").expect("stream created");
            Flood { running, stream, rd, wr: Some(wr), seen, _dir: dir }
        }

        async fn send(&mut self, text: &str) {
            self.wr.as_mut().expect("writer").write_all(text.as_bytes()).await.unwrap();
        }

        /// Publishes `chunks` messages of `CHUNK` bytes with reply `acks`, without waiting for a
        /// single ack, while the stream's store is held up for a while; returns once `done` says
        /// the connection has received enough.
        async fn flood_while_held(&mut self, chunks: usize, done: impl Fn(&Seen) -> bool) {
            let (held_tx, held_rx) = std::sync::mpsc::channel();
            let holder = {
                let stream = self.stream.clone();
                std::thread::spawn(move || {
                    stream.with_store(|_| {
                        held_tx.send(()).unwrap();
                        std::thread::sleep(Duration::from_millis(800));
                    })
                })
            };
            held_rx.recv().unwrap();
            let mut wr = self.wr.take().expect("writer");
            let publisher = tokio::spawn(async move {
                let payload = vec![b'x'; CHUNK];
                let head = format!("PUB flood acks {CHUNK}\r\n");
                for _ in 0..chunks {
                    wr.write_all(head.as_bytes()).await.unwrap();
                    wr.write_all(&payload).await.unwrap();
                    wr.write_all(b"\r\n").await.unwrap();
                }
                wr
            });
            read_until(&mut self.rd, &mut self.seen, done).await;
            holder.join().unwrap();
            self.wr = Some(publisher.await.unwrap());
        }

        /// The most bytes the stream's ingest held at once.
        fn peak(&self) -> usize {
            self.stream.ingest.backlog().expect("the ingest is paced").peak()
        }

        async fn stop(self) {
            assert_eq!(self.stream.ingest.backlog().expect("paced").held(), 0, "everything handled");
            self.running.shutdown();
            self.running.wait().await;
        }
    }

    /// Reads until `done` holds for what was received.
    async fn read_until(rd: &mut OwnedReadHalf, seen: &mut Seen, done: impl Fn(&Seen) -> bool) {
        let mut buf = vec![0u8; 64 << 10];
        while !done(seen) {
            let read = tokio::time::timeout(Duration::from_secs(30), rd.read(&mut buf))
                .await
                .expect("the server answers")
                .expect("read");
            assert!(read > 0, "connection closed");
            seen.feed(&buf[..read]);
        }
    }

    /// 64 MiB published in 128 KiB messages without waiting for a single ack, to a stream whose store
    /// is held up for a while: the server keeps at most about `INGEST_PACE` queued for the stream
    /// (the publisher is not read meanwhile), and once the store moves again every message is stored
    /// and acked on the same connection that was paused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_flooded_stream_paces_its_publisher_and_acks_everything() {
        const CHUNKS: usize = 512;
        let mut f = Flood::start().await;
        f.flood_while_held(CHUNKS, |s| s.acks >= CHUNKS).await;
        assert_eq!(f.seen.errors, 0, "no publish refused");
        assert_eq!(f.stream.state(false).msgs, CHUNKS as u64);
        let peak = f.peak();
        // One read's worth of messages may be routed before the stall is seen.
        assert!(peak <= INGEST_PACE + 4 * CHUNK, "queued for the stream at most {peak} bytes");
        assert!(peak > INGEST_PACE, "the store was held up long enough to fill the pace: {peak}");
        f.stop().await;
    }

    /// The paused connection is also the one a push consumer of the stream delivers to: deliveries
    /// and acks keep flowing to it while it is not read, and it gets every message twice over (as
    /// a PubAck and as a delivery).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_paced_publisher_still_receives_its_consumers_deliveries() {
        const CHUNKS: usize = 256;
        let mut f = Flood::start().await;
        f.send("SUB deliver 3\r\n").await;
        let consumer = r#"{"stream_name":"FLOOD","config":{"deliver_subject":"deliver","ack_policy":"none","deliver_policy":"all"}}"#;
        f.send(&format!("PUB $JS.API.CONSUMER.CREATE.FLOOD answers {}\r\n{consumer}\r\n", consumer.len())).await;
        read_until(&mut f.rd, &mut f.seen, |s| s.answers >= 2).await;
        assert_eq!(f.seen.errors, 0, "consumer created");
        f.flood_while_held(CHUNKS, |s| s.acks >= CHUNKS && s.deliveries >= CHUNKS).await;
        assert_eq!(f.seen.errors, 0, "no publish refused");
        assert_eq!((f.seen.acks, f.seen.deliveries), (CHUNKS, CHUNKS));
        assert!(f.peak() <= INGEST_PACE + 4 * CHUNK, "queued for the stream at most {} bytes", f.peak());
        f.stop().await;
    }
}
