//! The store core shared by [`super::FileStore`] and [`super::MemoryStore`]: one implementation of
//! [`Store`] over a [`Backend`] that only persists and reads records.
//!
//! The core owns the [`SeqIndex`], the limits, the TTL queue and the clock; it decides which
//! sequences go and tells the backend how each removal must be recorded: a removal below the new
//! `first_seq` is covered by a *floor* (everything below the first live sequence is gone), anything
//! else needs a *tombstone*. Every mutating call ends with [`Backend::commit`], where the file backend
//! writes what the call buffered, applies its sync policy and reclaims dead blocks.
//!
//! A file store may open with a partial index (see [`SeqIndex`]'s pending spans): the totals and the
//! subject table are exact, so stream info, subject counts and last-per-subject lookups answer at
//! once, and the first call that needs single messages (a load, a scan, a removal) has the backend
//! fill the index first ([`Backend::fill`]).
//!
//! Limits are enforced before the new record is written (per-subject, then `max_msgs`, then
//! `max_bytes`), which leaves the same messages as nats-server's store-then-trim order and lets the
//! new record carry the floor those removals produced.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use super::index::{Entry, SeqIndex};
use super::{
    filter_is_all, Clock, Discard, Limits, PurgeRequest, RemovalCause, RemovalListener, Result, Store, StoreError,
    StoredMsg, StreamState,
};

/// A message about to be persisted.
#[derive(Debug)]
pub(crate) struct NewMsg<'a> {
    pub seq: u64,
    pub ts: i64,
    pub subject: &'a str,
    pub hdr: &'a [u8],
    pub data: &'a [u8],
    pub ttl: Option<i64>,
    /// The first live sequence once this message is stored: everything below is gone.
    pub floor: u64,
}

/// How a removal must be made durable.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Removal {
    /// The sequence is below the new first sequence, so a floor covers it.
    pub below_first: bool,
    /// Overwrite the stored bytes.
    pub erase: bool,
}

/// What the core needs from a place to keep messages.
pub(crate) trait Backend: Send + Sync + Sized + 'static {
    /// Where a message is (a file offset, or the message itself).
    type Loc: Send + Sync;

    /// The nats-server size formula of this storage type.
    fn msg_size(subject_len: usize, hdr_len: usize, data_len: usize) -> u64;

    /// Fail when an earlier write failure poisoned the backend.
    fn check_writable(&self) -> Result<()>;

    fn append(&mut self, msg: &NewMsg<'_>) -> Result<Self::Loc>;

    fn read(&self, seq: u64, subject: &Arc<str>, loc: &Self::Loc) -> Result<StoredMsg>;

    fn read_ts(&self, seq: u64, loc: &Self::Loc) -> Result<i64>;

    /// The index already dropped `entry`.
    fn on_remove(&mut self, seq: u64, entry: Entry<Self::Loc>, how: Removal) -> Result<()>;

    /// Everything is gone; the next message gets `next_seq`. `last_ts` is the time of the last
    /// message ever stored.
    fn on_reset(&mut self, next_seq: u64, last_ts: i64) -> Result<()>;

    /// End of a mutating call: persist what was buffered, reclaim space (possibly moving entries).
    fn commit(&mut self, index: &mut SeqIndex<Self::Loc>) -> Result<()>;

    /// Place the messages of the index's pending spans (already counted) in its slots.
    fn fill(&self, index: &mut SeqIndex<Self::Loc>) -> Result<()>;

    fn sync(&mut self) -> Result<()>;

    fn close(self, index: &SeqIndex<Self::Loc>) -> Result<()>;

    fn destroy(self) -> Result<()>;
}

/// Messages recovered by a backend at open, with their TTLs.
#[derive(Debug, Default)]
pub(crate) struct RecoveredTtls {
    /// `(seq, ts, ttl)` of live messages stored with a TTL.
    pub ttls: Vec<(u64, i64, i64)>,
}

/// [`Store`] over a [`Backend`]; see the module doc. Backends are internal: the only instances are
/// [`super::FileStore`] and [`super::MemoryStore`].
#[allow(private_bounds)]
pub struct StreamStore<B: Backend> {
    /// Locked only by `&self` calls that may have to fill it; `&mut self` calls use `get_mut`.
    pub(crate) index: Mutex<SeqIndex<B::Loc>>,
    pub(crate) backend: B,
    limits: Limits,
    clock: Arc<dyn Clock>,
    /// `(expires_at, seq)` of messages with a positive TTL.
    ttl_queue: BTreeSet<(i64, u64)>,
    ttl_of: HashMap<u64, i64>,
    /// Messages with a negative TTL: never removed by `max_age`.
    exempt: BTreeSet<u64>,
    listener: Option<RemovalListener>,
}

impl<B: Backend> std::fmt::Debug for StreamStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ix = self.index.lock();
        f.debug_struct("StreamStore")
            .field("msgs", &ix.msgs())
            .field("first_seq", &ix.first_seq())
            .field("last_seq", &ix.last_seq())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

#[allow(private_bounds)]
impl<B: Backend> StreamStore<B> {
    /// Assemble a store from a recovered (or new) backend and index, enforcing `limits` at once.
    pub(crate) fn from_parts(
        backend: B,
        index: SeqIndex<B::Loc>,
        recovered: RecoveredTtls,
        limits: Limits,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let mut store = StreamStore {
            index: Mutex::new(index),
            backend,
            limits: Limits::default(),
            clock,
            ttl_queue: BTreeSet::new(),
            ttl_of: HashMap::new(),
            exempt: BTreeSet::new(),
            listener: None,
        };
        for (seq, ts, ttl) in recovered.ttls {
            store.track_ttl(seq, ts, Some(ttl));
        }
        // Limits are enforced at once (they may have changed while the store was closed); expiry
        // is left to the caller's next `expire`.
        store.limits = limits;
        let mut removed = Vec::new();
        store.enforce_limits(&mut removed)?;
        store.backend.commit(store.index.get_mut())?;
        Ok(store)
    }

    /// The index with every message placed (filling pending spans first).
    fn full(&self) -> Result<MutexGuard<'_, SeqIndex<B::Loc>>> {
        let mut ix = self.index.lock();
        if ix.is_partial() {
            self.backend.fill(&mut ix)?;
        }
        Ok(ix)
    }

    /// [`StreamStore::full`] for `&mut self` calls.
    fn full_mut(&mut self) -> Result<&mut SeqIndex<B::Loc>> {
        let ix = self.index.get_mut();
        if ix.is_partial() {
            self.backend.fill(ix)?;
        }
        Ok(ix)
    }

    /// The index as it is (totals exact, possibly partial).
    fn ix(&mut self) -> &mut SeqIndex<B::Loc> {
        self.index.get_mut()
    }

    fn track_ttl(&mut self, seq: u64, ts: i64, ttl: Option<i64>) {
        match ttl {
            Some(t) if t > 0 => {
                let at = ts.saturating_add(t);
                self.ttl_queue.insert((at, seq));
                self.ttl_of.insert(seq, at);
            }
            Some(t) if t < 0 => {
                self.exempt.insert(seq);
            }
            _ => {}
        }
    }

    fn untrack_ttl(&mut self, seq: u64) {
        if let Some(at) = self.ttl_of.remove(&seq) {
            self.ttl_queue.remove(&(at, seq));
        }
        self.exempt.remove(&seq);
    }

    /// Drop one message from the index and tell the backend.
    fn drop_seq(&mut self, seq: u64, erase: bool) -> Result<bool> {
        let Some(entry) = self.full_mut()?.remove(seq) else {
            return Ok(false);
        };
        if !self.ttl_of.is_empty() || !self.exempt.is_empty() {
            self.untrack_ttl(seq);
        }
        let below_first = seq < self.ix().first_seq();
        self.backend.on_remove(seq, entry, Removal { below_first, erase })?;
        Ok(true)
    }

    fn drop_first(&mut self, removed: &mut Vec<u64>) -> Result<()> {
        let seq = self.ix().first_seq();
        if self.drop_seq(seq, false)? {
            removed.push(seq);
        }
        Ok(())
    }

    fn reset(&mut self, next_seq: u64) -> Result<u64> {
        let purged = self.ix().msgs();
        let last_ts = self.ix().last_ts();
        self.ix().reset(next_seq, last_ts);
        self.ttl_queue.clear();
        self.ttl_of.clear();
        self.exempt.clear();
        let next = self.ix().last_seq() + 1;
        self.backend.on_reset(next, last_ts)?;
        self.backend.commit(self.index.get_mut())?;
        Ok(purged)
    }

    fn notify(&self, cause: RemovalCause, removed: &[u64]) {
        if let (Some(l), false) = (&self.listener, removed.is_empty()) {
            l(cause, removed);
        }
    }

    fn load_entry(&self, ix: &SeqIndex<B::Loc>, seq: u64) -> Result<Option<StoredMsg>> {
        match ix.get(seq) {
            Some(e) => self.backend.read(seq, ix.subject(e.subject), &e.loc).map(Some),
            None => Ok(None),
        }
    }

    /// Per-subject, message and byte limits before storing `size` more bytes on `subject`.
    fn make_room(&mut self, subject: &str, size: u64, removed: &mut Vec<u64>) -> Result<()> {
        let max_per = self.limits.max_msgs_per_subject;
        if max_per > 0 {
            while let Some(info) = self.ix().subject_info(subject) {
                if info.msgs < max_per {
                    break;
                }
                let seq = info.first;
                self.drop_seq(seq, false)?;
                removed.push(seq);
            }
        }
        if self.limits.discard == Discard::Old {
            let max_msgs = self.limits.max_msgs;
            while max_msgs > 0 && self.ix().msgs() >= max_msgs && self.ix().msgs() > 0 {
                self.drop_first(removed)?;
            }
            let max_bytes = self.limits.max_bytes;
            while max_bytes > 0 && self.ix().bytes() + size > max_bytes && self.ix().msgs() > 0 {
                self.drop_first(removed)?;
            }
        }
        Ok(())
    }

    fn check_discard_new(&mut self, subject: &str, size: u64) -> Result<()> {
        let l = self.limits.clone();
        let at_subject_limit = l.max_msgs_per_subject > 0
            && self.ix().subject_info(subject).is_some_and(|i| i.msgs >= l.max_msgs_per_subject);
        if at_subject_limit && l.discard_new_per_subject {
            return Err(StoreError::MaxMsgsPerSubject);
        }
        if l.max_msgs > 0 && self.ix().msgs() >= l.max_msgs && !at_subject_limit {
            return Err(StoreError::MaxMsgs);
        }
        if l.max_bytes > 0 && self.ix().bytes() + size > l.max_bytes {
            if !at_subject_limit {
                return Err(StoreError::MaxBytes);
            }
            // Replacing the subject's oldest message must free enough room.
            let ix = self.full_mut()?;
            let first = ix.subject_info(subject).map(|i| i.first).unwrap_or(0);
            let freed = ix.get(first).map(|e| e.size as u64).unwrap_or(0);
            if freed < size {
                return Err(StoreError::MaxBytes);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn store_inner(
        &mut self,
        want_seq: u64,
        ts: Option<i64>,
        subject: &str,
        hdr: &[u8],
        data: &[u8],
        ttl: Option<i64>,
        discard_new_check: bool,
    ) -> Result<(u64, i64)> {
        self.backend.check_writable()?;
        let size = B::msg_size(subject.len(), hdr.len(), data.len());
        if size > u32::MAX as u64 || subject.len() > u32::MAX as usize {
            return Err(StoreError::MsgTooLarge);
        }
        let expected = self.ix().last_seq() + 1;
        if want_seq != 0 && want_seq != expected {
            return Err(StoreError::SequenceMismatch { expected, got: want_seq });
        }
        if discard_new_check && self.limits.discard == Discard::New {
            self.check_discard_new(subject, size)?;
        }
        let seq = expected;
        let ts = ts.unwrap_or_else(|| self.clock.now_ns());
        let mut removed = Vec::new();
        self.make_room(subject, size, &mut removed)?;
        let floor = if self.ix().msgs() == 0 { seq } else { self.ix().first_seq() };
        let msg = NewMsg { seq, ts, subject, hdr, data, ttl, floor };
        let loc = self.backend.append(&msg)?;
        self.ix().insert(seq, ts, subject, size as u32, !hdr.is_empty(), loc);
        self.track_ttl(seq, ts, ttl);
        // A message larger than max_bytes on its own does not survive (as in nats-server).
        let max_bytes = self.limits.max_bytes;
        while self.limits.discard == Discard::Old && max_bytes > 0 && self.ix().bytes() > max_bytes {
            self.drop_first(&mut removed)?;
        }
        self.backend.commit(self.index.get_mut())?;
        self.notify(RemovalCause::Limits, &removed);
        Ok((seq, ts))
    }

    fn enforce_limits(&mut self, removed: &mut Vec<u64>) -> Result<()> {
        let l = self.limits.clone();
        if l.discard == Discard::Old {
            while l.max_msgs > 0 && self.ix().msgs() > l.max_msgs {
                self.drop_first(removed)?;
            }
            while l.max_bytes > 0 && self.ix().bytes() > l.max_bytes && self.ix().msgs() > 0 {
                self.drop_first(removed)?;
            }
        }
        if l.max_msgs_per_subject > 0 {
            let mut over = Vec::new();
            self.ix().for_each_subject(">", |i| {
                if i.msgs > l.max_msgs_per_subject {
                    over.push(i.name.clone());
                }
            });
            for subject in over {
                while let Some(info) = self.ix().subject_info(&subject) {
                    if info.msgs <= l.max_msgs_per_subject {
                        break;
                    }
                    let seq = info.first;
                    self.drop_seq(seq, false)?;
                    removed.push(seq);
                }
            }
        }
        Ok(())
    }

    fn expire_inner(&mut self, now_ns: i64, removed: &mut Vec<u64>) -> Result<()> {
        let max_age = self.limits.max_age.as_nanos() as i64;
        let cutoff = now_ns.saturating_sub(max_age);
        // Timestamps grow with sequences: a first message that is not due means none is.
        let first = self.ix().first_seq();
        let not_due = self.ix().pending_first_ts().is_some_and(|ts| ts > cutoff && !self.exempt.contains(&first));
        if max_age > 0 && self.ix().msgs() > 0 && !not_due {
            let mut cur = self.full_mut()?.first_seq();
            while let Some(seq) = self.ix().next_live(cur) {
                cur = seq + 1;
                if self.exempt.contains(&seq) {
                    continue;
                }
                let e = self.index.get_mut().get(seq).expect("live");
                if self.backend.read_ts(seq, &e.loc)? > cutoff {
                    break;
                }
                self.drop_seq(seq, false)?;
                removed.push(seq);
            }
        }
        while let Some(&(at, seq)) = self.ttl_queue.first() {
            if at > now_ns {
                break;
            }
            self.ttl_queue.pop_first();
            self.ttl_of.remove(&seq);
            if self.drop_seq(seq, false)? {
                removed.push(seq);
            }
        }
        removed.sort_unstable();
        Ok(())
    }
}

impl<B: Backend> Store for StreamStore<B> {
    fn store_msg(&mut self, subject: &str, hdr: &[u8], msg: &[u8], ttl: Option<i64>) -> Result<(u64, i64)> {
        self.store_inner(0, None, subject, hdr, msg, ttl, true)
    }

    fn store_raw(&mut self, seq: u64, ts: i64, subject: &str, hdr: &[u8], msg: &[u8], ttl: Option<i64>) -> Result<u64> {
        self.store_inner(seq, Some(ts), subject, hdr, msg, ttl, false).map(|(s, _)| s)
    }

    fn load(&self, seq: u64) -> Result<Option<StoredMsg>> {
        let ix = self.full()?;
        self.load_entry(&ix, seq)
    }

    fn load_next(&self, start: u64, filter: &str) -> Result<Option<StoredMsg>> {
        let ix = self.full()?;
        match ix.find_next(start, filter) {
            Some(seq) => self.load_entry(&ix, seq),
            None => Ok(None),
        }
    }

    fn load_next_with_headers(&self, start: u64) -> Result<Option<StoredMsg>> {
        let mut ix = self.index.lock();
        // Spans without messages with headers need not be placed to answer this.
        if ix.pending().iter().any(|p| p.hdrs > 0 && p.last >= start) {
            self.backend.fill(&mut ix)?;
        }
        match ix.next_with_headers(start) {
            Some(seq) => self.load_entry(&ix, seq),
            None => Ok(None),
        }
    }

    fn load_last(&self, filter: &str) -> Result<Option<StoredMsg>> {
        let ix = self.full()?;
        match ix.find_last(filter) {
            Some(seq) => self.load_entry(&ix, seq),
            None => Ok(None),
        }
    }

    fn load_prev(&self, start: u64, filter: &str) -> Result<Option<StoredMsg>> {
        let ix = self.full()?;
        match ix.find_prev(start, filter) {
            Some(seq) => self.load_entry(&ix, seq),
            None => Ok(None),
        }
    }

    fn seq_from_time(&self, ts_ns: i64) -> u64 {
        let ix = match self.full() {
            Ok(ix) => ix,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the stream's index");
                return self.index.lock().last_seq() + 1;
            }
        };
        let ts_of = |seq: u64| {
            let e = ix.get(seq).expect("live");
            self.backend.read_ts(seq, &e.loc).unwrap_or(i64::MAX)
        };
        // Binary search over the sequence range, probing the next live message at each midpoint.
        let (mut lo, mut hi) = (ix.first_seq(), ix.last_seq() + 1);
        let mut best = ix.last_seq() + 1;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match ix.next_live(mid).filter(|&s| s < hi) {
                Some(s) if ts_of(s) >= ts_ns => {
                    best = s;
                    hi = mid;
                }
                Some(s) => lo = s + 1,
                None => hi = mid,
            }
        }
        best
    }

    fn remove(&mut self, seq: u64, secure_erase: bool) -> Result<bool> {
        self.backend.check_writable()?;
        let removed = self.drop_seq(seq, secure_erase)?;
        if removed {
            self.backend.commit(self.index.get_mut())?;
        }
        Ok(removed)
    }

    fn purge(&mut self, req: &PurgeRequest) -> Result<u64> {
        self.backend.check_writable()?;
        let filter = req.filter.as_deref().unwrap_or(">");
        let below = req.seq.filter(|&s| s > 0);
        let keep = req.keep.filter(|&k| k > 0);
        if below == Some(1) {
            return Ok(0);
        }
        if filter_is_all(filter) {
            match (below, keep) {
                (None, None) => {
                    let next = self.ix().last_seq() + 1;
                    return self.reset(next);
                }
                (Some(s), _) => return self.compact(s),
                (None, Some(_)) => {}
            }
        }
        let total = self.full_mut()?.num_pending(0, filter, false);
        if total == 0 {
            return Ok(0);
        }
        let max_purge = match keep {
            Some(k) if k >= total => return Ok(0),
            Some(k) => total - k,
            None => u64::MAX,
        };
        let last = match below {
            Some(s) => s - 1,
            None => self.ix().last_seq(),
        };
        let mut purged = 0;
        let mut cur = 0;
        while purged < max_purge {
            let Some(seq) = self.ix().find_next(cur, filter) else {
                break;
            };
            if seq > last {
                break;
            }
            self.drop_seq(seq, false)?;
            purged += 1;
            cur = seq + 1;
        }
        self.backend.commit(self.index.get_mut())?;
        Ok(purged)
    }

    fn compact(&mut self, seq: u64) -> Result<u64> {
        self.backend.check_writable()?;
        if seq == 0 {
            let next = self.ix().last_seq() + 1;
            return self.reset(next);
        }
        if self.ix().first_seq() > seq {
            return Ok(0);
        }
        if seq > self.ix().last_seq() {
            return self.reset(seq);
        }
        let mut purged = 0;
        while self.ix().msgs() > 0 && self.ix().first_seq() < seq {
            let first = self.ix().first_seq();
            self.drop_seq(first, false)?;
            purged += 1;
        }
        self.backend.commit(self.index.get_mut())?;
        Ok(purged)
    }

    fn state(&self, with_deleted: bool) -> StreamState {
        let ix = match with_deleted {
            true => match self.full() {
                Ok(ix) => ix,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the stream's index");
                    self.index.lock()
                }
            },
            false => self.index.lock(),
        };
        let first_ts = match ix.get(ix.first_seq()) {
            Some(e) => self.backend.read_ts(ix.first_seq(), &e.loc).unwrap_or(0),
            None => ix.pending_first_ts().unwrap_or(0),
        };
        StreamState {
            msgs: ix.msgs(),
            bytes: ix.bytes(),
            first_seq: ix.first_seq(),
            first_ts,
            last_seq: ix.last_seq(),
            last_ts: ix.last_ts(),
            num_subjects: ix.num_subjects(),
            num_deleted: ix.num_deleted(),
            deleted: (with_deleted && !ix.is_partial()).then(|| ix.deleted()),
            consumer_count: 0,
        }
    }

    fn subjects_state(&self, filter: &str) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        self.index.lock().for_each_subject(filter, |i| {
            out.insert(i.name.to_string(), i.msgs);
        });
        out
    }

    fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        if let Some(n) = self.index.lock().num_pending_by_totals(start, filter, last_per_subject) {
            return n;
        }
        match self.full() {
            Ok(ix) => ix.num_pending(start, filter, last_per_subject),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the stream's index");
                0
            }
        }
    }

    fn last_seq_for_subject(&self, subject: &str) -> Option<u64> {
        self.index.lock().subject_info(subject).map(|i| i.last)
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    fn update_limits(&mut self, limits: Limits) -> Result<Vec<u64>> {
        self.backend.check_writable()?;
        self.limits = limits;
        let mut removed = Vec::new();
        self.enforce_limits(&mut removed)?;
        removed.sort_unstable();
        let mut expired = Vec::new();
        self.expire_inner(self.clock.now_ns(), &mut expired)?;
        self.backend.commit(self.index.get_mut())?;
        self.notify(RemovalCause::Limits, &removed);
        self.notify(RemovalCause::Expired, &expired);
        removed.extend(expired);
        removed.sort_unstable();
        Ok(removed)
    }

    fn expire(&mut self, now_ns: i64) -> Result<Vec<u64>> {
        self.backend.check_writable()?;
        let mut removed = Vec::new();
        self.expire_inner(now_ns, &mut removed)?;
        if !removed.is_empty() {
            self.backend.commit(self.index.get_mut())?;
        }
        self.notify(RemovalCause::Expired, &removed);
        Ok(removed)
    }

    fn next_expiry(&self) -> Option<i64> {
        let by_ttl = self.ttl_queue.first().map(|&(at, _)| at);
        let max_age = self.limits.max_age.as_nanos() as i64;
        let mut by_age = None;
        let mut ix = self.index.lock();
        let first = ix.first_seq();
        let first_pending = ix.pending_first_ts().filter(|_| !self.exempt.contains(&first));
        if max_age > 0 && ix.msgs() > 0 && first_pending.is_some() {
            by_age = first_pending.map(|ts| ts.saturating_add(max_age));
        } else if max_age > 0 && ix.msgs() > 0 {
            if ix.is_partial() {
                if let Err(e) = self.backend.fill(&mut ix) {
                    tracing::warn!(error = %e, "cannot read the stream's index");
                    return by_ttl;
                }
            }
            let mut cur = ix.first_seq();
            while let Some(seq) = ix.next_live(cur) {
                if !self.exempt.contains(&seq) {
                    let e = ix.get(seq).expect("live");
                    by_age = self.backend.read_ts(seq, &e.loc).ok().map(|ts| ts.saturating_add(max_age));
                    break;
                }
                cur = seq + 1;
            }
        }
        match (by_ttl, by_age) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn set_removal_listener(&mut self, listener: Option<RemovalListener>) {
        self.listener = listener;
    }

    fn sync(&mut self) -> Result<()> {
        self.backend.sync()
    }

    fn close(self: Box<Self>) -> Result<()> {
        let this = *self;
        this.backend.close(&this.index.into_inner())
    }

    fn delete(self: Box<Self>) -> Result<()> {
        self.backend.destroy()
    }
}
