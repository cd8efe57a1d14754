//! A consumer: a position in a stream and the rules for delivering from it.
//!
//! Each consumer runs one task. It reads its stream's store by sequence (messages wait on disk, not in
//! memory), delivers to its push subject or to waiting pull requests through the router, and tracks
//! what is outstanding in a [`ConsumerStore`] (delivered, ack floor, pending, redelivery counts), which
//! persists durable consumers across restarts; its records reach the state log once per batch (the
//! acks of one client read batch when that batch ends, the deliveries of one delivery round when the
//! round ends), so a crash may bring back the acks of the batch in flight as redeliveries, as with
//! nats-server's asynchronous consumer state writes. Its internal client receives acks
//! (`$JS.ACK.<stream>.<consumer>.>`), pull requests (`$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>`) and
//! flow-control replies (`$JS.FC.<stream>.<consumer>.>`).
//!
//! Timers (ack wait, request expiry, heartbeats, inactivity) are kept as deadlines and handled by the
//! same task; nothing here blocks a publisher or another consumer.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use switchyard_shared::api::consumer::{
    AckPolicy as ApiAckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, NextRequest, ReplayPolicy, SequenceInfo,
};
use switchyard_shared::api::error::ApiError;
use switchyard_shared::api::stream::{RetentionPolicy, StreamConfig};
use switchyard_shared::headers::HeaderMap;
use switchyard_shared::subject;
use switchyard_shared::time::Timestamp;

use super::ack::{ack_subject, parse_ack, parse_ack_seqs, AckKind};
use super::advisory::{Action, Advisory};
use super::store::{meta, AckPolicy, ConsumerStore, StoredMsg};
use super::stream::{send_status, Stream};
use super::JetStream;
use crate::core::conn::now_nanos;
use crate::core::internal::{InMsg, InternalClient, Outbox};
use crate::core::{ClientId, Msg, Subscriber, Subscription};

const SID_ACK: &str = "ack";
const SID_NEXT: &str = "next";
const SID_FC: &str = "fc";

/// Bytes delivered to a push consumer with flow control between two flow-control requests.
const FC_WINDOW: usize = 512 * 1024;
/// Bytes a push consumer with flow control may have delivered and not yet confirmed by a flow-control
/// reply; delivery pauses there, so a slow reader is held back instead of being cut off as a slow consumer.
const FC_MAX_IN_FLIGHT: usize = 4 * FC_WINDOW;
/// How long delivery stays paused on an unanswered flow-control request before it resumes anyway (a
/// reply lost with a reconnect must not stall the consumer for good). Idle heartbeats repeat the request
/// in `Nats-Consumer-Stalled` meanwhile.
const FC_STALL_TIMEOUT: i64 = 2_000_000_000;

/// Inbox budget for acks and pull requests.
const INBOX_BUDGET: usize = 64 << 20;

/// A waiting pull request.
#[derive(Debug)]
struct PullRequest {
    reply: Bytes,
    batch: i64,
    max_bytes: i64,
    expires_at: Option<i64>,
    no_wait: bool,
    heartbeat: i64,
    last_heartbeat: i64,
    delivered: i64,
    bytes: i64,
}

#[derive(Default)]
struct FlowControl {
    /// Bytes delivered since the last flow-control request was sent.
    since: usize,
    /// Bytes delivered and not yet confirmed by a flow-control reply.
    in_flight: usize,
    /// The outstanding request, if any.
    outstanding: Option<FcRequest>,
    /// When delivery paused on the outstanding request (Unix nanoseconds).
    stalled_since: Option<i64>,
    counter: u64,
}

/// A flow-control request waiting for its reply.
struct FcRequest {
    subject: Bytes,
    /// `in_flight` when it was sent: what its reply confirms.
    in_flight: usize,
}

impl FlowControl {
    /// Whether delivery must wait for a reply; resumes on its own after [`FC_STALL_TIMEOUT`].
    fn must_pause(&mut self, now: i64) -> bool {
        if self.in_flight < FC_MAX_IN_FLIGHT {
            self.stalled_since = None;
            return false;
        }
        let since = *self.stalled_since.get_or_insert(now);
        if now - since < FC_STALL_TIMEOUT {
            return true;
        }
        // No reply in time: assume it was lost and start counting afresh.
        self.outstanding = None;
        self.in_flight = 0;
        self.stalled_since = None;
        false
    }

    /// A reply to `subject` arrived: what was sent before that request is confirmed.
    fn answered(&mut self, subject: &[u8]) -> bool {
        let Some(req) = self.outstanding.take_if(|r| r.subject == subject) else { return false };
        self.in_flight = self.in_flight.saturating_sub(req.in_flight);
        self.stalled_since = None;
        true
    }
}

/// Whether a consumer with `filters` sees every message of a stream with `cfg`: the stream takes
/// messages only on its own subjects (no mirror, no sources) and each of them lies inside one of
/// the filters.
pub(super) fn filters_cover_stream(cfg: &StreamConfig, filters: &[String]) -> bool {
    cfg.mirror.is_none()
        && cfg.sources.is_empty()
        && !cfg.subjects.is_empty()
        && cfg.subjects.iter().all(|s| filters.iter().any(|f| subject::is_subset(s, f)))
}

struct State {
    store: ConsumerStore,
    /// Next stream sequence to look at for a first delivery.
    next_seq: u64,
    /// For `last_per_subject`: the sequences to deliver first, in order.
    initial: VecDeque<u64>,
    /// Pending messages due for redelivery now (NAK, ack wait expired).
    redeliver: BTreeSet<u64>,
    /// Ack deadlines: (deadline ns, stream seq).
    deadlines: BTreeSet<(i64, u64)>,
    deadline_of: HashMap<u64, i64>,
    waiting: VecDeque<PullRequest>,
    last_delivery: i64,
    /// When a push consumer last sent anything (message or heartbeat), for idle heartbeats.
    last_push: i64,
    last_active: i64,
    /// When an ack was last applied.
    last_ack: i64,
    /// Acks are buffered in the state log and an ack handler will write them at the end of its
    /// client's read batch.
    acks_to_write: bool,
    /// When the push subject (or pull traffic) was last seen; for the inactive threshold.
    last_interest: i64,
    fc: FlowControl,
    /// `replay_policy: original`: the stored time of the last first delivery and when it was sent;
    /// the next one waits as long after it as the messages were apart when stored.
    replay_last: Option<(i64, i64)>,
    /// When the next replayed message is due.
    replay_due: Option<i64>,
}

/// One consumer.
pub struct Consumer {
    pub name: String,
    pub stream_name: String,
    stream: Weak<Stream>,
    js: Weak<JetStream>,
    /// Unix nanoseconds.
    pub created: i64,
    config: RwLock<ConsumerConfig>,
    state: Mutex<State>,
    inbox: Arc<InternalClient>,
    subs: Mutex<Vec<Arc<Subscription>>>,
    wake: Notify,
    stop: CancellationToken,
    me: Weak<Consumer>,
}

/// Receives acks for one consumer and applies them in the acknowledging client's read path; only
/// what needs an answer is queued for the consumer task.
struct AckHandler {
    consumer: Weak<Consumer>,
    inbox: Arc<InternalClient>,
}

impl Subscriber for AckHandler {
    fn id(&self) -> ClientId {
        self.inbox.id()
    }

    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
        let Some(consumer) = self.consumer.upgrade() else { return false };
        let write_state = consumer.apply_ack(msg.subject, msg.payload);
        let queued = msg.reply.is_some() && self.inbox.deliver(sub, msg);
        write_state || queued
    }

    /// The end of the acknowledging client's read batch: its acks reach the state log in one write.
    fn flush(&self) {
        if let Some(consumer) = self.consumer.upgrade() {
            consumer.write_acks();
        }
        self.inbox.flush();
    }
}

fn store_ack_policy(p: ApiAckPolicy) -> AckPolicy {
    match p {
        ApiAckPolicy::None => AckPolicy::None,
        ApiAckPolicy::All => AckPolicy::All,
        _ => AckPolicy::Explicit,
    }
}

impl Consumer {
    /// Creates (or reopens, when `recovering`) a consumer on `stream` with a checked config.
    pub fn open(
        js: &Arc<JetStream>,
        stream: &Arc<Stream>,
        name: String,
        config: ConsumerConfig,
        recovering: bool,
    ) -> Result<Arc<Consumer>, ApiError> {
        let durable = config.is_durable();
        let persist = durable && !config.memory_storage && !stream.is_memory();
        let ack = store_ack_policy(config.ack_policy);
        let mut cstore = if persist {
            let dir = meta::consumer_dir(&js.store_dir, &stream.name, &name)
                .map_err(|e| ApiError::consumer_create(e.to_string()))?;
            ConsumerStore::open(dir, ack, config.max_deliver, js.sync)
                .map_err(|e| ApiError::consumer_create(e.to_string()))?
        } else {
            ConsumerStore::memory(ack, config.max_deliver)
        };
        let mut created = now_nanos();
        if persist {
            let stored = meta::read_consumer_meta(&js.store_dir, &stream.name, &name).ok().flatten();
            if let Some(ts) = stored.as_ref().and_then(|v| v.get("created")).and_then(|v| v.as_i64()) {
                created = ts;
            }
            let value = serde_json::json!({ "config": config, "created": created });
            meta::write_consumer_meta(&js.store_dir, &stream.name, &name, &value)
                .map_err(|e| ApiError::consumer_create(e.to_string()))?;
        }
        let filters: Vec<String> = config.filters().into_iter().map(str::to_owned).collect();
        let mut initial = VecDeque::new();
        // A recovered consumer goes on after what it delivered last; its starting point was recorded
        // as "delivered" when it was made, so even one that never delivered (say deliver-new on an
        // empty stream) does not skip what was stored in between.
        let next_seq = if recovering {
            cstore.state().delivered.stream_seq + 1
        } else {
            let start = stream.with_store(|s| {
                let st = s.state(false);
                let filter_last = |f: &str| s.load_last(f).ok().flatten().map(|m| m.seq);
                match config.deliver_policy {
                    DeliverPolicy::All => st.first_seq.max(1),
                    DeliverPolicy::Last => {
                        let last = if filters.is_empty() {
                            Some(st.last_seq).filter(|&l| l > 0)
                        } else {
                            filters.iter().filter_map(|f| filter_last(f)).max()
                        };
                        last.unwrap_or(st.last_seq + 1)
                    }
                    DeliverPolicy::New => st.last_seq + 1,
                    DeliverPolicy::ByStartSequence => config.opt_start_seq.max(1),
                    DeliverPolicy::ByStartTime => {
                        let at = config.opt_start_time.map_or(0, |t| t.0);
                        let mut seq = st.first_seq.max(1);
                        loop {
                            match s.load_next(seq, ">") {
                                Ok(Some(m)) if m.ts < at => seq = m.seq + 1,
                                Ok(Some(m)) => break m.seq,
                                _ => break st.last_seq + 1,
                            }
                        }
                    }
                    DeliverPolicy::LastPerSubject => {
                        let mut seqs: Vec<u64> = Vec::new();
                        let fs: Vec<&str> =
                            if filters.is_empty() { vec![">"] } else { filters.iter().map(String::as_str).collect() };
                        for f in fs {
                            for subj in s.subjects_state(f).keys() {
                                if let Some(seq) = s.last_seq_for_subject(subj) {
                                    seqs.push(seq);
                                }
                            }
                        }
                        seqs.sort_unstable();
                        initial.extend(seqs);
                        st.last_seq + 1
                    }
                }
            });
            let first = initial.front().copied().unwrap_or(start);
            let _ = cstore.set_starting(first.saturating_sub(1));
            if let Err(e) = cstore.flush() {
                return Err(ApiError::consumer_create(e.to_string()));
            }
            start
        };
        let now = now_nanos();
        let consumer = Arc::new_cyclic(|me| Consumer {
            name,
            stream_name: stream.name.clone(),
            stream: Arc::downgrade(stream),
            js: Arc::downgrade(js),
            created,
            config: RwLock::new(config),
            state: Mutex::new(State {
                store: cstore,
                next_seq,
                initial,
                redeliver: BTreeSet::new(),
                deadlines: BTreeSet::new(),
                deadline_of: HashMap::new(),
                waiting: VecDeque::new(),
                last_delivery: now,
                last_push: now,
                last_active: now,
                last_ack: 0,
                acks_to_write: false,
                last_interest: now,
                fc: FlowControl::default(),
                replay_last: None,
                replay_due: None,
            }),
            inbox: InternalClient::new(js.internal_id(), INBOX_BUDGET),
            subs: Mutex::new(Vec::new()),
            wake: Notify::new(),
            stop: CancellationToken::new(),
            me: me.clone(),
        });
        if recovering {
            // Everything that was outstanding is due again.
            let mut st = consumer.state.lock();
            let pending: Vec<u64> = st.store.state().pending.keys().copied().collect();
            st.redeliver.extend(pending);
        }
        consumer.subscribe(js);
        // Deliver what is already stored right away instead of at the first timer tick.
        consumer.wake();
        tokio::spawn(consumer.clone().run(js.clone()));
        Ok(consumer)
    }

    fn subscribe(&self, js: &JetStream) {
        let (s, c) = (&self.stream_name, &self.name);
        let mut subs = self.subs.lock();
        let acks: Arc<dyn Subscriber> = Arc::new(AckHandler { consumer: self.me.clone(), inbox: self.inbox.clone() });
        let ack_sub = Arc::new(Subscription::new(
            acks,
            Bytes::from(format!("$JS.ACK.{s}.{c}.>")),
            None,
            Bytes::from_static(SID_ACK.as_bytes()),
        ));
        js.router.subscribe(ack_sub.clone());
        subs.push(ack_sub);
        subs.push(self.inbox.subscribe(&js.router, &format!("$JS.API.CONSUMER.MSG.NEXT.{s}.{c}"), None, SID_NEXT));
        subs.push(self.inbox.subscribe(&js.router, &format!("$JS.FC.{s}.{c}.>"), None, SID_FC));
    }

    pub fn config(&self) -> ConsumerConfig {
        self.config.read().clone()
    }

    /// Applies an updated (checked) config, refusing changes nats-server does not allow.
    pub fn update_config(&self, config: ConsumerConfig) -> Result<(), ApiError> {
        let old = self.config();
        let bound =
            |subject: &str| self.js.upgrade().is_some_and(|js| js.router.sublist().has_interest(subject.as_bytes()));
        check_update(&old, &config, bound)?;
        if let Some(js) = self.js.upgrade() {
            let memory_stream = self.stream.upgrade().is_none_or(|s| s.is_memory());
            if config.is_durable() && !config.memory_storage && !memory_stream {
                let value = serde_json::json!({ "config": config, "created": self.created });
                let _ = meta::write_consumer_meta(&js.store_dir, &self.stream_name, &self.name, &value);
            }
        }
        *self.config.write() = config;
        self.wake();
        Ok(())
    }

    /// New messages or a state change: look for work.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Does this consumer want messages on `subject`?
    pub fn matches_subject(&self, subj: &str) -> bool {
        let cfg = self.config.read();
        let filters = cfg.filters();
        filters.is_empty() || filters.iter().any(|f| subject::matches(f, subj))
    }

    /// The stream sequence everything up to which is acknowledged.
    pub fn ack_floor(&self) -> u64 {
        self.state.lock().store.state().ack_floor.stream_seq
    }

    /// Has this consumer delivered and been acknowledged for `seq` (or does it not track acks)?
    pub fn has_acked(&self, seq: u64) -> bool {
        let st = self.state.lock();
        let s = st.store.state();
        if seq <= s.ack_floor.stream_seq {
            return true;
        }
        seq < st.next_seq && !s.pending.contains_key(&seq) && !st.redeliver.contains(&seq)
    }

    /// The stream removed these messages (limits, expiry, delete): those still waiting for an ack
    /// count as acknowledged, as nats-server treats them, and are never redelivered.
    pub fn stream_removed(&self, seqs: &[u64]) {
        let mut st = self.state.lock();
        let mut changed = false;
        for &seq in seqs {
            let Some(&(dseq, _)) = st.store.state().pending.get(&seq) else { continue };
            clear_timer(&mut st, seq);
            if let Err(e) = st.store.update_acks(dseq, seq) {
                debug!(stream = %self.stream_name, consumer = %self.name, error = %e, "cannot drop removed message");
            }
            changed = true;
        }
        write_state(&mut st, self);
        drop(st);
        if changed {
            self.wake();
        }
    }

    /// The stream was purged (or rolled up): forget pending messages that no longer exist and skip
    /// to the stream's new first message.
    pub fn stream_purged(&self, stream: &Stream) {
        let mut st = self.state.lock();
        let pending: Vec<u64> = st.store.state().pending.keys().copied().collect();
        let (first, gone) = stream.with_store(|s| {
            let gone: Vec<u64> = pending.into_iter().filter(|&seq| !matches!(s.load(seq), Ok(Some(_)))).collect();
            (s.state(false).first_seq, gone)
        });
        if st.next_seq < first {
            st.next_seq = first;
        }
        drop(st);
        self.stream_removed(&gone);
        self.wake();
    }

    pub fn stop(&self, delete: bool) {
        self.stop.cancel();
        if let Some(js) = self.js.upgrade() {
            for s in self.subs.lock().drain(..) {
                js.router.unsubscribe(&s);
            }
            if delete {
                let _ = meta::remove_consumer(&js.store_dir, &self.stream_name, &self.name);
                // Waiting pull requests learn at once that nothing more will come.
                let waiting = std::mem::take(&mut self.state.lock().waiting);
                let mut outbox = Outbox::new(js.router.clone(), self.inbox.id());
                for r in waiting {
                    send_status(&mut outbox, &r.reply, 409, "Consumer Deleted");
                }
                outbox.flush();
            }
        }
        if !delete {
            let _ = self.state.lock().store.sync();
        }
    }

    fn filters(&self) -> Vec<String> {
        self.config.read().filters().into_iter().map(str::to_owned).collect()
    }

    /// Messages not yet delivered.
    fn num_pending(&self, st: &State, stream: &Stream) -> u64 {
        let filters = self.filters();
        let from = st.next_seq;
        let initial = st.initial.len() as u64;
        // A filter covering the whole stream (a key-value watcher's `$KV.<bucket>.>`) counts as
        // none: the count is then a subtraction instead of a walk over every subject, which a
        // push consumer repeats for each delivery batch.
        let unfiltered = filters.is_empty() || stream.subjects_within(&filters);
        let rest = stream.with_store(|s| {
            if unfiltered {
                s.num_pending(from, ">", false)
            } else {
                filters.iter().map(|f| s.num_pending(from, f, false)).sum()
            }
        });
        initial + rest
    }

    pub fn info(&self) -> ConsumerInfo {
        let cfg = self.config();
        let mut st = self.state.lock();
        self.prune_waiting(&mut st);
        let s = st.store.state();
        let num_pending = self.stream.upgrade().map_or(0, |stream| self.num_pending(&st, &stream));
        let last_active = |ts: i64| (ts > 0).then_some(Timestamp(ts));
        let pause_remaining = cfg.pause_until.map_or(0, |t| (t.0 - now_nanos()).max(0));
        ConsumerInfo {
            stream: self.stream_name.clone(),
            name: self.name.clone(),
            created: Timestamp(self.created),
            delivered: SequenceInfo {
                consumer: s.delivered.consumer_seq,
                stream: s.delivered.stream_seq,
                last: last_active(if s.delivered.consumer_seq > 0 { st.last_delivery } else { 0 }),
            },
            ack_floor: SequenceInfo {
                consumer: s.ack_floor.consumer_seq,
                stream: s.ack_floor.stream_seq,
                last: last_active(st.last_ack),
            },
            num_ack_pending: s.pending.len() as i64,
            num_redelivered: s.redelivered.len() as i64,
            num_waiting: st.waiting.len() as i64,
            num_pending,
            cluster: Some(Default::default()),
            push_bound: !cfg.is_pull() && self.push_interest(),
            paused: pause_remaining > 0,
            pause_remaining,
            timestamp: Timestamp(now_nanos()),
            priority_groups: Vec::new(),
            config: Some(cfg),
        }
    }

    /// Forgets pull requests whose requester went away (no subscription on the reply subject):
    /// what they would get would be lost until the ack wait ends.
    fn prune_waiting(&self, st: &mut State) {
        let Some(js) = self.js.upgrade() else { return };
        st.waiting.retain(|r| js.router.sublist().has_interest(&r.reply));
    }

    fn push_interest(&self) -> bool {
        let cfg = self.config.read();
        if cfg.deliver_subject.is_empty() {
            return false;
        }
        self.js.upgrade().is_some_and(|js| js.router.sublist().has_interest(cfg.deliver_subject.as_bytes()))
    }

    // ---- the task --------------------------------------------------------------------------------

    async fn run(self: Arc<Self>, js: Arc<JetStream>) {
        let mut outbox = Outbox::new(js.router.clone(), self.inbox.id());
        // Deliver what is already there at once, then whenever something happens.
        loop {
            let now = now_nanos();
            if self.tick(now, &mut outbox) {
                outbox.flush();
                self.expire_inactive(&js);
                break;
            }
            self.deliver(now, &mut outbox);
            // The round's state records in one write, before its deliveries move.
            write_state(&mut self.state.lock(), &self);
            outbox.flush();
            let wait = self.next_timer(now_nanos());
            tokio::select! {
                _ = self.stop.cancelled() => break,
                batch = self.inbox.next_batch() => {
                    for m in batch {
                        self.handle_inbound(m, &mut outbox);
                    }
                }
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// How long until the next timer is due.
    fn next_timer(&self, now: i64) -> Duration {
        let waiting_for_interest = !self.config.read().is_pull() && !self.push_interest();
        let cfg = self.config.read();
        let st = self.state.lock();
        let mut next = now + 1_000_000_000;
        if waiting_for_interest {
            // The router does not announce new subscriptions: look again soon after interest was
            // last seen (a client subscribing right after creating the consumer), then less often.
            let since = (now - st.last_interest).max(0);
            next = next.min(now + (since / 8).clamp(5_000_000, 500_000_000));
        }
        if let Some(&(d, _)) = st.deadlines.first() {
            next = next.min(d);
        }
        for r in &st.waiting {
            if let Some(e) = r.expires_at {
                next = next.min(e);
            }
            if r.heartbeat > 0 {
                next = next.min(r.last_heartbeat + r.heartbeat);
            }
        }
        if cfg.heartbeat > 0 && !cfg.is_pull() {
            next = next.min(st.last_push + cfg.heartbeat);
        }
        if let Some(p) = cfg.pause_until {
            if p.0 > now {
                next = next.min(p.0);
            }
        }
        if let Some(due) = st.replay_due {
            next = next.min(due);
        }
        if let Some(since) = st.fc.stalled_since {
            next = next.min(since + FC_STALL_TIMEOUT);
        }
        Duration::from_nanos((next - now).clamp(1_000_000, 1_000_000_000) as u64)
    }

    fn handle_inbound(&self, m: InMsg, outbox: &mut Outbox) {
        match &m.sid[..] {
            b"ack" => self.respond_to_ack(&m, outbox),
            b"next" => {
                if let Some(reply) = m.reply.clone() {
                    self.handle_next(reply, &m.payload, outbox);
                }
            }
            b"fc" => {
                // Delivery resumes in the task's next round.
                self.state.lock().fc.answered(&m.subject);
            }
            _ => {}
        }
    }

    /// Applies an ack to the consumer state. Runs in the acknowledging client's own read path, as in
    /// nats-server, so a client that acks and then asks for consumer info sees its ack. Returns true
    /// when the caller must call [`Consumer::write_acks`] at the end of its batch (once per batch).
    fn apply_ack(&self, subject: &[u8], payload: &Bytes) -> bool {
        let Some(info) = parse_ack_seqs(subject) else { return false };
        let kind = parse_ack(payload);
        let now = now_nanos();
        // Taken before the state lock, which is never held while waiting for the config.
        let (ack_policy, max_ack_pending, progress_wait) = {
            let cfg = self.config.read();
            let progress_wait = matches!(kind, AckKind::Progress).then(|| ack_wait_for(&cfg, info.delivered));
            (cfg.ack_policy, cfg.max_ack_pending, progress_wait)
        };
        let mut acked: Vec<u64> = Vec::new();
        let write_due;
        let wake;
        // NAKs and terminations of pending messages are announced.
        let mut announce = false;
        {
            let mut st = self.state.lock();
            st.last_active = now;
            let sseq = info.stream_seq;
            let is_pending = st.store.state().pending.contains_key(&sseq);
            let at_limit = max_ack_pending > 0 && st.store.state().pending.len() as i64 >= max_ack_pending;
            // A plain ack only gives the task work when delivery waits for a free ack slot or a
            // request is waiting; anything else (NAK, TERM, NXT) always may.
            wake = at_limit || !st.waiting.is_empty() || !matches!(kind, AckKind::Ack | AckKind::Progress);
            match &kind {
                AckKind::Ack | AckKind::Term(_) | AckKind::Next(_) => {
                    st.last_ack = now;
                    announce = is_pending && matches!(kind, AckKind::Term(_));
                    if ack_policy == ApiAckPolicy::All {
                        let below: Vec<u64> = st.store.state().pending.range(..=sseq).map(|(&s, _)| s).collect();
                        if st.store.update_acks(info.consumer_seq, sseq).is_ok() {
                            for s in below {
                                clear_timer(&mut st, s);
                                acked.push(s);
                            }
                        }
                    } else if st.store.update_acks(info.consumer_seq, sseq).is_ok() {
                        clear_timer(&mut st, sseq);
                        acked.push(sseq);
                    }
                }
                AckKind::Nak(delay) => {
                    announce = is_pending;
                    if is_pending {
                        clear_timer(&mut st, sseq);
                        match delay {
                            Some(d) => set_timer(&mut st, sseq, now + d.as_nanos() as i64),
                            None => {
                                st.redeliver.insert(sseq);
                            }
                        }
                    }
                }
                AckKind::Progress => {
                    if is_pending {
                        clear_timer(&mut st, sseq);
                        set_timer(&mut st, sseq, now + progress_wait.unwrap_or(0));
                    }
                }
            }
            write_due = !st.acks_to_write && st.store.has_unwritten();
            st.acks_to_write |= write_due;
        }
        if announce {
            if let Some(js) = self.js.upgrade() {
                let (stream, consumer) = (self.stream_name.as_str(), self.name.as_str());
                let (consumer_seq, stream_seq, deliveries) = (info.consumer_seq, info.stream_seq, info.delivered);
                js.advise(match &kind {
                    AckKind::Term(reason) => Advisory::Terminated {
                        stream,
                        consumer,
                        consumer_seq,
                        stream_seq,
                        deliveries,
                        reason: reason.as_deref(),
                    },
                    _ => Advisory::Nak { stream, consumer, consumer_seq, stream_seq, deliveries },
                });
            }
        }
        if !acked.is_empty() {
            if let Some(stream) = self.stream.upgrade() {
                if stream.retention() != RetentionPolicy::Limits {
                    for seq in acked {
                        let subj = stream.with_store(|s| s.load(seq).ok().flatten().map(|m| m.subject.to_string()));
                        if let Some(subj) = subj {
                            stream.acked(seq, &subj);
                        }
                    }
                }
            }
        }
        if wake {
            self.wake();
        }
        write_due
    }

    /// Writes the acks buffered in the state log (end of an acknowledging client's read batch).
    fn write_acks(&self) {
        let mut st = self.state.lock();
        st.acks_to_write = false;
        write_state(&mut st, self);
    }

    /// The part of an ack that needs publishing: the double-ack reply or the `+NXT` pull request.
    fn respond_to_ack(&self, m: &InMsg, outbox: &mut Outbox) {
        let Some(reply) = &m.reply else { return };
        match parse_ack(&m.payload) {
            AckKind::Next(req) => self.handle_next(reply.clone(), &req, outbox),
            _ => {
                let empty = Bytes::new();
                outbox.publish(reply, None, None, &empty);
            }
        }
    }

    fn handle_next(&self, reply: Bytes, payload: &[u8], outbox: &mut Outbox) {
        let cfg = self.config();
        if !cfg.is_pull() {
            return send_status(outbox, &reply, 409, "Consumer is push based");
        }
        let req: NextRequest = match NextRequest::parse(payload) {
            Ok(r) => r,
            Err(e) => return send_status(outbox, &reply, 400, &format!("Bad Request - {e}")),
        };
        let batch = req.batch.max(1);
        if cfg.max_request_batch > 0 && batch > cfg.max_request_batch {
            return send_status(outbox, &reply, 409, &format!("Exceeded MaxRequestBatch of {}", cfg.max_request_batch));
        }
        if cfg.max_request_expires > 0 && req.expires > cfg.max_request_expires {
            let d = switchyard_shared::time::format_duration(cfg.max_request_expires);
            return send_status(outbox, &reply, 409, &format!("Exceeded MaxRequestExpires of {d}"));
        }
        if cfg.max_request_max_bytes > 0 && req.max_bytes > cfg.max_request_max_bytes {
            return send_status(
                outbox,
                &reply,
                409,
                &format!("Exceeded MaxRequestMaxBytes of {}", cfg.max_request_max_bytes),
            );
        }
        let now = now_nanos();
        let stream = self.stream.upgrade();
        let mut st = self.state.lock();
        st.last_active = now;
        st.last_interest = now;
        if cfg.max_waiting > 0 && st.waiting.len() as i64 >= cfg.max_waiting {
            self.prune_waiting(&mut st);
        }
        if cfg.max_waiting > 0 && st.waiting.len() as i64 >= cfg.max_waiting {
            drop(st);
            return send_status(outbox, &reply, 409, "Exceeded MaxWaiting");
        }
        if req.no_wait {
            let available = !st.redeliver.is_empty()
                || stream.as_ref().is_some_and(|s| self.num_pending(&st, s) > 0)
                    && (cfg.ack_policy == ApiAckPolicy::None
                        || cfg.max_ack_pending <= 0
                        || (st.store.state().pending.len() as i64) < cfg.max_ack_pending);
            if !available {
                drop(st);
                return send_status(outbox, &reply, 404, "No Messages");
            }
        }
        st.waiting.push_back(PullRequest {
            reply,
            batch,
            max_bytes: req.max_bytes,
            expires_at: (req.expires > 0).then_some(now + req.expires),
            no_wait: req.no_wait,
            heartbeat: req.heartbeat,
            last_heartbeat: now,
            delivered: 0,
            bytes: 0,
        });
    }

    /// Timers: ack deadlines, expired requests, heartbeats, inactivity. Returns true when the
    /// consumer should delete itself (inactive ephemeral).
    fn tick(&self, now: i64, outbox: &mut Outbox) -> bool {
        let cfg = self.config();
        let mut st = self.state.lock();
        while let Some(&(d, seq)) = st.deadlines.first() {
            if d > now {
                break;
            }
            st.deadlines.pop_first();
            st.deadline_of.remove(&seq);
            if st.store.state().pending.contains_key(&seq) {
                st.redeliver.insert(seq);
            }
        }
        let mut i = 0;
        while i < st.waiting.len() {
            let r = &mut st.waiting[i];
            if r.expires_at.is_some_and(|e| e <= now) {
                let r = st.waiting.remove(i).expect("index in range");
                let mut hdr = HeaderMap::with_status(408, Some("Request Timeout"));
                hdr.insert("Nats-Pending-Messages", (r.batch - r.delivered).max(0).to_string());
                hdr.insert(
                    "Nats-Pending-Bytes",
                    if r.max_bytes > 0 { (r.max_bytes - r.bytes).max(0) } else { 0 }.to_string(),
                );
                send_headers(outbox, &r.reply, hdr);
                continue;
            }
            if r.heartbeat > 0 && now - r.last_heartbeat >= r.heartbeat {
                r.last_heartbeat = now;
                let reply = r.reply.clone();
                send_status(outbox, &reply, 100, "Idle Heartbeat");
            }
            i += 1;
        }
        if cfg.heartbeat > 0 && !cfg.is_pull() && now - st.last_push >= cfg.heartbeat {
            st.last_push = now;
            let s = st.store.state();
            let mut hdr = HeaderMap::with_status(100, Some("Idle Heartbeat"));
            hdr.insert("Nats-Last-Consumer", s.delivered.consumer_seq.to_string());
            hdr.insert("Nats-Last-Stream", s.delivered.stream_seq.to_string());
            if let Some(fc) = &st.fc.outstanding {
                hdr.insert("Nats-Consumer-Stalled", String::from_utf8_lossy(&fc.subject).into_owned());
            }
            let to = Bytes::copy_from_slice(cfg.deliver_subject.as_bytes());
            send_headers(outbox, &to, hdr);
        }
        // Inactivity: ephemerals always (default threshold), durables only when configured.
        if cfg.inactive_threshold > 0 {
            let active = if cfg.is_pull() { !st.waiting.is_empty() } else { self.push_interest() };
            if active {
                st.last_interest = now;
            } else if now - st.last_interest.max(st.last_active) > cfg.inactive_threshold {
                return true;
            }
        }
        false
    }

    fn expire_inactive(self: &Arc<Self>, js: &Arc<JetStream>) {
        debug!(stream = %self.stream_name, consumer = %self.name, "consumer inactive, deleting");
        let removed = self.stream.upgrade().and_then(|stream| stream.remove_consumer(&self.name));
        self.stop(true);
        if removed.is_some() {
            js.advise(Advisory::Consumer { stream: &self.stream_name, consumer: &self.name, action: Action::Delete });
        }
    }

    /// Delivers whatever the targets (push interest, pull requests) and limits allow.
    fn deliver(&self, now: i64, outbox: &mut Outbox) {
        let Some(stream) = self.stream.upgrade() else { return };
        let cfg = self.config();
        if cfg.pause_until.is_some_and(|p| p.0 > now) {
            return;
        }
        let push = !cfg.is_pull();
        if push && !self.push_interest() {
            return;
        }
        let filters = self.filters();
        let domain = self.js.upgrade().and_then(|js| js.domain.clone());
        let deliver_subject = Bytes::copy_from_slice(cfg.deliver_subject.as_bytes());
        let mut st = self.state.lock();
        if push {
            st.last_interest = now;
        } else {
            self.prune_waiting(&mut st);
        }
        let mut pending_count: Option<u64> = None;
        let replay = cfg.replay_policy == ReplayPolicy::Original;
        st.replay_due = None;
        loop {
            if !push && st.waiting.is_empty() {
                break;
            }
            // Flow control: at most FC_MAX_IN_FLIGHT bytes ahead of the subscriber's replies.
            if push && cfg.flow_control && st.fc.must_pause(now) {
                break;
            }
            // Choose the message: a redelivery first, then the next new one.
            let mut redelivery = false;
            let msg: StoredMsg = if let Some(seq) = st.redeliver.pop_first() {
                match stream.with_store(|s| s.load(seq).ok().flatten()) {
                    Some(m) => {
                        redelivery = true;
                        m
                    }
                    None => {
                        // Gone from the stream (limits, purge, delete): it cannot be delivered again.
                        let dseq = st.store.state().pending.get(&seq).map(|p| p.0).unwrap_or(0);
                        let _ = st.store.update_acks(dseq, seq);
                        continue;
                    }
                }
            } else {
                let ack_pending = st.store.state().pending.len() as i64;
                if cfg.ack_policy != ApiAckPolicy::None && cfg.max_ack_pending > 0 && ack_pending >= cfg.max_ack_pending
                {
                    break;
                }
                let next = if let Some(seq) = st.initial.front().copied() {
                    match stream.with_store(|s| s.load(seq).ok().flatten()) {
                        Some(m) => Some(m),
                        None => {
                            st.initial.pop_front();
                            continue;
                        }
                    }
                } else {
                    let from = st.next_seq;
                    stream.with_store(|s| {
                        if filters.len() <= 1 {
                            s.load_next(from, filters.first().map_or(">", String::as_str)).ok().flatten()
                        } else {
                            filters.iter().filter_map(|f| s.load_next(from, f).ok().flatten()).min_by_key(|m| m.seq)
                        }
                    })
                };
                match next {
                    Some(m) => m,
                    None => break,
                }
            };
            let dc = if redelivery { st.store.state().redelivered.get(&msg.seq).copied().unwrap_or(0) + 2 } else { 1 };
            if redelivery && cfg.max_deliver > 0 && dc as i64 > cfg.max_deliver {
                let dseq = st.store.state().delivered.consumer_seq;
                let _ = st.store.update_delivered(dseq, msg.seq, dc, now);
                let advisory = Advisory::MaxDeliver {
                    stream: &self.stream_name,
                    consumer: &self.name,
                    stream_seq: msg.seq,
                    deliveries: dc - 1,
                };
                advisory.publish(outbox, domain.as_deref());
                continue;
            }
            let size = msg.hdr.len() + msg.data.len() + msg.subject.len();
            // Pull: the request's byte budget.
            let target = if push {
                deliver_subject.clone()
            } else {
                let r = st.waiting.front_mut().expect("waiting checked");
                if r.max_bytes > 0 && r.bytes + size as i64 > r.max_bytes {
                    let r = st.waiting.pop_front().expect("front exists");
                    if r.delivered == 0 {
                        send_status(outbox, &r.reply, 409, "Message Size Exceeds MaxBytes");
                    }
                    if redelivery {
                        st.redeliver.insert(msg.seq);
                    }
                    continue;
                }
                r.reply.clone()
            };
            // Replay at the original pace: hold a first delivery until its time has come.
            if replay && !redelivery {
                if let Some((last_ts, sent_at)) = st.replay_last {
                    let due = sent_at + (msg.ts - last_ts).max(0);
                    if due > now + 1_000_000 {
                        st.replay_due = Some(due);
                        break;
                    }
                }
                st.replay_last = Some((msg.ts, now));
            }
            // Consume the message from its source.
            if !redelivery {
                if st.initial.front() == Some(&msg.seq) {
                    st.initial.pop_front();
                } else {
                    st.next_seq = msg.seq + 1;
                }
            }
            let pending_after = if redelivery {
                *pending_count.get_or_insert_with(|| self.num_pending(&st, &stream))
            } else {
                let p = pending_count.get_or_insert_with(|| self.num_pending(&st, &stream) + 1);
                *p = p.saturating_sub(1);
                *p
            };
            let dseq = st.store.state().delivered.consumer_seq + 1;
            let reply = ack_subject(&self.stream_name, &self.name, dc, msg.seq, dseq, msg.ts, pending_after);
            let subject = Bytes::copy_from_slice(msg.subject.as_bytes());
            let (hdr, payload) = if cfg.headers_only {
                let mut h = BytesMut::new();
                if msg.hdr.len() > 12 {
                    h.extend_from_slice(&msg.hdr[..msg.hdr.len() - 2]);
                } else {
                    h.extend_from_slice(b"NATS/1.0\r\n");
                }
                h.extend_from_slice(format!("Nats-Msg-Size: {}\r\n\r\n", msg.data.len()).as_bytes());
                (Some(h.freeze()), Bytes::new())
            } else {
                ((!msg.hdr.is_empty()).then(|| msg.hdr.clone()), msg.data.clone())
            };
            outbox.deliver_to(
                &target,
                &Msg { subject: &subject, reply: Some(&reply), headers: hdr.as_ref(), payload: &payload },
            );
            if let Err(e) = st.store.update_delivered(dseq, msg.seq, dc, now) {
                warn!(stream = %self.stream_name, consumer = %self.name, error = %e, "cannot record delivery");
            }
            if cfg.ack_policy != ApiAckPolicy::None {
                set_timer(&mut st, msg.seq, now + ack_wait_for(&cfg, dc));
            }
            st.last_delivery = now;
            st.last_push = now;
            if push {
                if cfg.flow_control {
                    st.fc.since += size;
                    st.fc.in_flight += size;
                    if st.fc.outstanding.is_none() && st.fc.since >= FC_WINDOW {
                        st.fc.counter += 1;
                        let fc_subject =
                            Bytes::from(format!("$JS.FC.{}.{}.{}", self.stream_name, self.name, st.fc.counter));
                        st.fc.outstanding = Some(FcRequest { subject: fc_subject.clone(), in_flight: st.fc.in_flight });
                        st.fc.since = 0;
                        let hdr = HeaderMap::with_status(100, Some("FlowControl Request")).to_bytes();
                        let empty = Bytes::new();
                        outbox.deliver_to(
                            &deliver_subject,
                            &Msg {
                                subject: &deliver_subject,
                                reply: Some(&fc_subject),
                                headers: Some(&hdr),
                                payload: &empty,
                            },
                        );
                    }
                }
            } else {
                let r = st.waiting.front_mut().expect("waiting checked");
                r.delivered += 1;
                r.bytes += size as i64;
                r.last_heartbeat = now;
                if r.delivered >= r.batch {
                    st.waiting.pop_front();
                }
            }
        }
        // No-wait requests end as soon as nothing more is available.
        if !push {
            let mut i = 0;
            while i < st.waiting.len() {
                if st.waiting[i].no_wait {
                    let r = st.waiting.remove(i).expect("index in range");
                    if r.delivered == 0 {
                        send_status(outbox, &r.reply, 404, "No Messages");
                    } else {
                        let mut hdr = HeaderMap::with_status(408, Some("Request Timeout"));
                        hdr.insert("Nats-Pending-Messages", (r.batch - r.delivered).max(0).to_string());
                        hdr.insert("Nats-Pending-Bytes", "0");
                        send_headers(outbox, &r.reply, hdr);
                    }
                    continue;
                }
                i += 1;
            }
        }
    }
}

/// nats-server's `checkNewConsumerConfig`: the fields an update may not change. `bound` tells
/// whether a deliver subject has subscribers.
fn check_update(old: &ConsumerConfig, new: &ConsumerConfig, bound: impl Fn(&str) -> bool) -> Result<(), ApiError> {
    if old == new {
        return Ok(());
    }
    let refuse = |what: &str| Err(ApiError::consumer_create(what));
    if old.deliver_policy != new.deliver_policy {
        return refuse("deliver policy can not be updated");
    }
    if old.opt_start_seq != new.opt_start_seq {
        return refuse("start sequence can not be updated");
    }
    if old.opt_start_time != new.opt_start_time {
        return refuse("start time can not be updated");
    }
    if old.ack_policy != new.ack_policy {
        return refuse("ack policy can not be updated");
    }
    if old.replay_policy != new.replay_policy {
        return refuse("replay policy can not be updated");
    }
    if old.heartbeat != new.heartbeat {
        return refuse("heart beats can not be updated");
    }
    if old.flow_control != new.flow_control {
        return refuse("flow control can not be updated");
    }
    if old.max_waiting != new.max_waiting {
        return refuse("max waiting can not be updated");
    }
    if old.deliver_subject != new.deliver_subject {
        if old.deliver_subject.is_empty() {
            return refuse("can not update pull consumer to push based");
        }
        if new.deliver_subject.is_empty() {
            return refuse("can not update push consumer to pull based");
        }
        if bound(&old.deliver_subject) {
            return Err(ApiError::consumer_name_exist());
        }
    }
    let backoffs = new.backoff.len() as i64;
    if backoffs > 0 && new.max_deliver != -1 && new.max_deliver <= backoffs {
        return Err(ApiError::consumer_max_deliver_backoff());
    }
    Ok(())
}

fn ack_wait_for(cfg: &ConsumerConfig, delivery: u64) -> i64 {
    if !cfg.backoff.is_empty() {
        let i = (delivery.max(1) as usize - 1).min(cfg.backoff.len() - 1);
        return cfg.backoff[i];
    }
    if cfg.ack_wait > 0 {
        cfg.ack_wait
    } else {
        30_000_000_000
    }
}

/// Writes the state records buffered since the last write; a failure is logged (the store is then
/// poisoned and refuses later updates, which the callers log in turn).
fn write_state(st: &mut State, consumer: &Consumer) {
    if !st.store.has_unwritten() {
        return;
    }
    if let Err(e) = st.store.flush() {
        warn!(stream = %consumer.stream_name, consumer = %consumer.name, error = %e, "cannot write consumer state");
    }
}

fn set_timer(st: &mut State, seq: u64, at: i64) {
    clear_timer(st, seq);
    st.deadlines.insert((at, seq));
    st.deadline_of.insert(seq, at);
}

fn clear_timer(st: &mut State, seq: u64) {
    if let Some(at) = st.deadline_of.remove(&seq) {
        st.deadlines.remove(&(at, seq));
    }
    st.redeliver.remove(&seq);
}

fn send_headers(outbox: &mut Outbox, to: &Bytes, hdr: HeaderMap) {
    let hdr = hdr.to_bytes();
    let empty = Bytes::new();
    outbox.deliver_to(to, &Msg { subject: to, reply: None, headers: Some(&hdr), payload: &empty });
}

/// Consumers by name, for API listing in a stable order.
pub type ConsumerMap = BTreeMap<String, Arc<Consumer>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(fc: &mut FlowControl, bytes: usize) {
        fc.in_flight += bytes;
    }

    #[test]
    fn a_filter_covers_a_stream_only_when_every_stream_subject_lies_inside_it() {
        let kv = StreamConfig { subjects: vec!["$KV.b.>".into()], ..Default::default() };
        let f = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(filters_cover_stream(&kv, &f(&["$KV.b.>"])));
        assert!(filters_cover_stream(&kv, &f(&[">"])));
        assert!(!filters_cover_stream(&kv, &f(&["$KV.b.key.>"])));
        assert!(!filters_cover_stream(&kv, &f(&["$KV.b.*"])));
        let two = StreamConfig { subjects: vec!["a.*".into(), "b.c".into()], ..Default::default() };
        assert!(filters_cover_stream(&two, &f(&["a.>", "b.*"])));
        assert!(!filters_cover_stream(&two, &f(&["a.>"])));
        let sourced =
            StreamConfig { subjects: vec!["a.>".into()], sources: vec![Default::default()], ..Default::default() };
        assert!(!filters_cover_stream(&sourced, &f(&["a.>"])), "sourced messages keep their own subjects");
        assert!(!filters_cover_stream(&StreamConfig::default(), &f(&[">"])), "a mirror-like stream without subjects");
    }

    #[test]
    fn flow_control_pauses_at_the_in_flight_limit_until_the_reply() {
        let mut fc = FlowControl::default();
        sent(&mut fc, FC_WINDOW);
        fc.outstanding = Some(FcRequest { subject: Bytes::from_static(b"$JS.FC.S.C.1"), in_flight: FC_WINDOW });
        sent(&mut fc, FC_MAX_IN_FLIGHT - FC_WINDOW - 1);
        assert!(!fc.must_pause(0), "below the limit");
        sent(&mut fc, 1);
        assert!(fc.must_pause(0));
        assert!(fc.must_pause(FC_STALL_TIMEOUT - 1), "still waiting for the reply");
        assert!(!fc.answered(b"$JS.FC.S.C.9"), "a reply to another request changes nothing");
        assert!(fc.answered(b"$JS.FC.S.C.1"));
        assert_eq!(fc.in_flight, FC_MAX_IN_FLIGHT - FC_WINDOW, "what was sent after the request stays in flight");
        assert!(!fc.must_pause(FC_STALL_TIMEOUT));
    }

    #[test]
    fn flow_control_resumes_after_an_unanswered_request_times_out() {
        let mut fc = FlowControl {
            outstanding: Some(FcRequest { subject: Bytes::from_static(b"$JS.FC.S.C.1"), in_flight: FC_WINDOW }),
            ..Default::default()
        };
        sent(&mut fc, FC_MAX_IN_FLIGHT);
        assert!(fc.must_pause(1_000));
        assert!(fc.must_pause(1_000 + FC_STALL_TIMEOUT - 1));
        assert!(!fc.must_pause(1_000 + FC_STALL_TIMEOUT), "a lost reply does not stall the consumer for good");
        assert!(fc.outstanding.is_none() && fc.in_flight == 0);
    }

    fn pull() -> ConsumerConfig {
        ConsumerConfig { durable: "d".into(), ack_policy: ApiAckPolicy::Explicit, ..Default::default() }
    }

    #[test]
    fn update_may_change_ack_wait_but_not_ack_policy() {
        let old = pull();
        let new = ConsumerConfig { ack_wait: 7_000_000_000, description: "x".into(), ..pull() };
        assert!(check_update(&old, &new, |_| false).is_ok());
        let new = ConsumerConfig { ack_policy: ApiAckPolicy::All, ..pull() };
        let err = check_update(&old, &new, |_| false).unwrap_err();
        assert_eq!((err.code, err.err_code, err.description.as_str()), (500, 10012, "ack policy can not be updated"));
    }

    #[test]
    fn update_may_not_turn_pull_into_push_or_move_a_bound_push_consumer() {
        let push = ConsumerConfig { deliver_subject: "a".into(), ..pull() };
        let err = check_update(&pull(), &push, |_| false).unwrap_err();
        assert_eq!(err.description, "can not update pull consumer to push based");
        let moved = ConsumerConfig { deliver_subject: "b".into(), ..pull() };
        assert!(check_update(&push, &moved, |_| false).is_ok());
        assert_eq!(check_update(&push, &moved, |_| true).unwrap_err().err_code, 10013);
    }

    #[test]
    fn update_checks_max_deliver_against_backoff() {
        let new = ConsumerConfig { backoff: vec![1, 2], max_deliver: 2, ..pull() };
        assert_eq!(check_update(&pull(), &new, |_| false).unwrap_err().err_code, 10116);
    }
}
