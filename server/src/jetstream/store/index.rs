//! The in-memory index shared by both stores: sequence → entry, and subject → counts.
//!
//! Sequences map to slots in fixed-size chunks (1024 sequences each) held in a deque, so lookups are
//! two array indexes, removing the oldest messages frees whole chunks, and a long run of deleted
//! sequences costs one empty chunk slot per 1024. Each live slot holds the message's subject id, its
//! accounted size and a backend-specific location `V` (a file offset, or the message itself).
//!
//! Subjects are interned to small ids; per subject the index keeps the message count and the exact
//! first and last sequence, so literal filters, `last_seq_for_subject` and per-subject limits never
//! scan more than that subject's span. Wildcard filters are matched once per subject id and the
//! answer cached, so a scan costs one byte lookup per slot.
//!
//! A file store may open with *pending spans*: sealed blocks whose messages are counted in the totals
//! and the subject table (from the blocks' summaries) but not yet placed in the slots. The owner fills
//! them ([`SeqIndex::place`], [`SeqIndex::take_pending`]) before anything that walks slots; the walking
//! methods check this in debug builds.
//!
//! The index knows nothing of disks, limits or clocks.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;

use parking_lot::Mutex;
use switchyard_shared::subject::{is_literal, matches};

use super::filter_is_all;

const CHUNK_BITS: u32 = 10;
const CHUNK: u64 = 1 << CHUNK_BITS;
const MAX_CACHED_FILTERS: usize = 8;

/// Interned subject id (1-based so `Option<Entry>` stays small).
pub(crate) type SubjectId = NonZeroU32;

/// One live message in the index.
#[derive(Debug, Clone)]
pub(crate) struct Entry<V> {
    pub subject: SubjectId,
    /// Accounted size (nats-server formula for the store type).
    pub size: u32,
    pub loc: V,
}

#[derive(Debug)]
struct Chunk<V> {
    live: u32,
    slots: Box<[Option<Entry<V>>]>,
    /// One bit per slot: the message has headers.
    hdr: [u64; (CHUNK / 64) as usize],
}

impl<V> Chunk<V> {
    fn new() -> Self {
        Chunk { live: 0, slots: (0..CHUNK).map(|_| None).collect(), hdr: [0; (CHUNK / 64) as usize] }
    }
}

/// Per-subject totals.
#[derive(Debug, Clone)]
pub(crate) struct SubjectInfo {
    pub name: Arc<str>,
    pub msgs: u64,
    pub first: u64,
    pub last: u64,
}

#[derive(Debug, Default)]
struct SubjectTable {
    ids: HashMap<Arc<str>, SubjectId>,
    /// Indexed by `id - 1`; `None` when the id is free.
    infos: Vec<Option<SubjectInfo>>,
    free: Vec<SubjectId>,
}

#[derive(Debug)]
struct CachedFilter {
    filter: String,
    /// Indexed by `id - 1`: 0 unknown, 1 no match, 2 match.
    verdicts: Vec<u8>,
}

/// Answers "does subject id X match the filter" with a per-id cache.
pub(crate) struct Matcher<'a> {
    kind: MatchKind,
    cache: parking_lot::MutexGuard<'a, Vec<CachedFilter>>,
    slot: usize,
    infos: &'a [Option<SubjectInfo>],
}

enum MatchKind {
    All,
    Nothing,
    Literal(SubjectId),
    Wildcard,
}

impl Matcher<'_> {
    pub fn matches(&mut self, id: SubjectId) -> bool {
        match self.kind {
            MatchKind::All => true,
            MatchKind::Nothing => false,
            MatchKind::Literal(want) => want == id,
            MatchKind::Wildcard => {
                let i = id.get() as usize - 1;
                let cf = &mut self.cache[self.slot];
                if cf.verdicts.len() <= i {
                    cf.verdicts.resize(self.infos.len().max(i + 1), 0);
                }
                match cf.verdicts[i] {
                    2 => true,
                    1 => false,
                    _ => {
                        let hit = self.infos[i].as_ref().is_some_and(|s| matches(&cf.filter, &s.name));
                        cf.verdicts[i] = if hit { 2 } else { 1 };
                        hit
                    }
                }
            }
        }
    }
}

/// One block's messages, counted but not placed in the slots; see the module doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingSpan {
    /// Block id (the backend's handle for filling it).
    pub block: u32,
    /// First and last message sequence; every message in between that the block holds is live.
    pub first: u64,
    pub last: u64,
    /// Time of the first message.
    pub first_ts: i64,
    pub msgs: u64,
    /// Messages with headers.
    pub hdrs: u32,
}

/// Sequence and subject index; see the module doc.
#[derive(Debug)]
pub(crate) struct SeqIndex<V> {
    chunks: VecDeque<Option<Chunk<V>>>,
    /// Chunk number (`seq >> CHUNK_BITS`) of `chunks[0]`.
    base_chunk: u64,
    first_seq: u64,
    last_seq: u64,
    last_ts: i64,
    msgs: u64,
    bytes: u64,
    subjects: SubjectTable,
    filters: Mutex<Vec<CachedFilter>>,
    /// Counted but not placed, in sequence order.
    pending: Vec<PendingSpan>,
}

impl<V> Default for SeqIndex<V> {
    fn default() -> Self {
        SeqIndex {
            chunks: VecDeque::new(),
            base_chunk: 0,
            first_seq: 0,
            last_seq: 0,
            last_ts: 0,
            msgs: 0,
            bytes: 0,
            subjects: SubjectTable::default(),
            filters: Mutex::new(Vec::new()),
            pending: Vec::new(),
        }
    }
}

impl<V> SeqIndex<V> {
    pub fn msgs(&self) -> u64 {
        self.msgs
    }
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
    pub fn first_seq(&self) -> u64 {
        self.first_seq
    }
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
    pub fn last_ts(&self) -> i64 {
        self.last_ts
    }
    pub fn num_subjects(&self) -> u64 {
        self.subjects.ids.len() as u64
    }

    /// Set the sequence bounds of an empty index: the next message gets `next_seq`.
    pub fn reset(&mut self, next_seq: u64, last_ts: i64) {
        self.chunks.clear();
        self.pending.clear();
        self.subjects = SubjectTable::default();
        self.filters.lock().clear();
        self.msgs = 0;
        self.bytes = 0;
        self.last_seq = next_seq.saturating_sub(1).max(self.last_seq);
        self.first_seq = self.last_seq + 1;
        self.last_ts = last_ts;
    }

    /// Recovery: an empty index whose last sequence (and its time) are known.
    pub fn set_bounds(&mut self, first_seq: u64, last_seq: u64, last_ts: i64) {
        debug_assert_eq!(self.msgs, 0);
        self.first_seq = first_seq;
        self.last_seq = last_seq;
        self.last_ts = last_ts;
    }

    /// True while some counted messages are not placed in the slots.
    pub fn is_partial(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn pending(&self) -> &[PendingSpan] {
        &self.pending
    }

    /// Recovery: count a block's messages without placing them. The span must lie above
    /// `last_seq`; `subjects` gives, per subject, its message count and first and last sequence.
    pub fn add_pending<'s>(
        &mut self,
        span: PendingSpan,
        bytes: u64,
        subjects: impl IntoIterator<Item = (&'s str, u64, u64, u64)>,
    ) {
        debug_assert!(span.first > self.last_seq || self.last_seq == 0);
        debug_assert!(span.msgs > 0 && span.first <= span.last);
        if self.msgs == 0 {
            self.chunks.clear();
            self.first_seq = span.first;
        }
        for (name, msgs, first, last) in subjects {
            let id = match self.subjects.ids.get(name) {
                Some(&id) => id,
                None => self.new_subject(name, first),
            };
            let info = self.info_mut(id);
            info.msgs += msgs;
            info.last = info.last.max(last);
        }
        self.msgs += span.msgs;
        self.bytes += bytes;
        self.last_seq = span.last;
        self.pending.push(span);
    }

    /// The spans not yet placed; the caller places their messages with [`SeqIndex::place`].
    pub fn take_pending(&mut self) -> Vec<PendingSpan> {
        std::mem::take(&mut self.pending)
    }

    /// Put spans back that could not be placed.
    pub fn restore_pending(&mut self, spans: Vec<PendingSpan>) {
        self.pending.extend(spans);
        self.pending.sort_by_key(|s| s.first);
    }

    /// Place a message of a pending span in its slot (it is already counted).
    pub fn place(&mut self, seq: u64, id: SubjectId, size: u32, hdr: bool, loc: V) {
        let cn = seq >> CHUNK_BITS;
        if self.chunks.is_empty() {
            self.base_chunk = cn;
        }
        while cn < self.base_chunk {
            self.chunks.push_front(None);
            self.base_chunk -= 1;
        }
        while self.base_chunk + (self.chunks.len() as u64) <= cn {
            self.chunks.push_back(None);
        }
        let chunk = self.chunks[(cn - self.base_chunk) as usize].get_or_insert_with(Chunk::new);
        let slot = (seq & (CHUNK - 1)) as usize;
        if chunk.slots[slot].is_none() {
            chunk.live += 1;
        }
        chunk.slots[slot] = Some(Entry { subject: id, size, loc });
        if hdr {
            chunk.hdr[slot / 64] |= 1 << (slot % 64);
        }
    }

    /// The time of the first message when it is the first of a pending span (not placed yet).
    pub fn pending_first_ts(&self) -> Option<i64> {
        self.pending.iter().find(|p| p.first == self.first_seq).map(|p| p.first_ts)
    }

    fn slot(&self, seq: u64) -> Option<&Option<Entry<V>>> {
        let c = (seq >> CHUNK_BITS).checked_sub(self.base_chunk)?;
        let chunk = self.chunks.get(c as usize)?.as_ref()?;
        Some(&chunk.slots[(seq & (CHUNK - 1)) as usize])
    }

    pub fn get(&self, seq: u64) -> Option<&Entry<V>> {
        self.slot(seq)?.as_ref()
    }

    pub fn subject(&self, id: SubjectId) -> &Arc<str> {
        &self.info(id).name
    }

    fn info(&self, id: SubjectId) -> &SubjectInfo {
        self.subjects.infos[id.get() as usize - 1].as_ref().expect("live subject id")
    }

    fn info_mut(&mut self, id: SubjectId) -> &mut SubjectInfo {
        self.subjects.infos[id.get() as usize - 1].as_mut().expect("live subject id")
    }

    pub fn subject_info(&self, subject: &str) -> Option<&SubjectInfo> {
        self.subjects.ids.get(subject).map(|&id| self.info(id))
    }

    pub fn subject_id(&self, subject: &str) -> Option<SubjectId> {
        self.subjects.ids.get(subject).copied()
    }

    /// Add a message; `seq` must be above `last_seq`. Returns the subject's id, which stays valid for
    /// [`SeqIndex::insert_id`] until a message of that subject is removed.
    pub fn insert(&mut self, seq: u64, ts: i64, subject: &str, size: u32, hdr: bool, loc: V) -> SubjectId {
        let id = match self.subjects.ids.get(subject) {
            Some(&id) => id,
            None => self.new_subject(subject, seq),
        };
        self.insert_id(seq, id, size, hdr, loc);
        self.last_ts = ts;
        id
    }

    /// Add a message of a subject that already has messages (`id` from [`SeqIndex::insert`]);
    /// `last_ts` is left as it was.
    pub fn insert_id(&mut self, seq: u64, id: SubjectId, size: u32, hdr: bool, loc: V) {
        debug_assert!(seq > self.last_seq || (seq == self.last_seq && self.msgs == 0 && seq == 0));
        if self.msgs == 0 {
            self.chunks.clear();
            self.first_seq = seq;
        }
        let cn = seq >> CHUNK_BITS;
        if self.chunks.is_empty() {
            self.base_chunk = cn;
        }
        while self.base_chunk + (self.chunks.len() as u64) <= cn {
            self.chunks.push_back(None);
        }
        let info = self.info_mut(id);
        info.msgs += 1;
        info.last = seq;
        let chunk = self.chunks[(cn - self.base_chunk) as usize].get_or_insert_with(Chunk::new);
        let slot = (seq & (CHUNK - 1)) as usize;
        chunk.slots[slot] = Some(Entry { subject: id, size, loc });
        if hdr {
            chunk.hdr[slot / 64] |= 1 << (slot % 64);
        }
        chunk.live += 1;
        self.msgs += 1;
        self.bytes += size as u64;
        self.last_seq = seq;
    }

    /// A new subject table entry with no messages yet; its first message is `seq`.
    fn new_subject(&mut self, subject: &str, seq: u64) -> SubjectId {
        let name: Arc<str> = Arc::from(subject);
        let info = SubjectInfo { name: name.clone(), msgs: 0, first: seq, last: seq };
        let id = match self.subjects.free.pop() {
            Some(id) => {
                self.subjects.infos[id.get() as usize - 1] = Some(info);
                // A reused id may have a stale cached verdict.
                for cf in self.filters.get_mut().iter_mut() {
                    if let Some(v) = cf.verdicts.get_mut(id.get() as usize - 1) {
                        *v = 0;
                    }
                }
                id
            }
            None => {
                self.subjects.infos.push(Some(info));
                NonZeroU32::new(self.subjects.infos.len() as u32).expect("non-zero")
            }
        };
        self.subjects.ids.insert(name, id);
        id
    }

    /// Remove a message; returns its entry when it was live.
    pub fn remove(&mut self, seq: u64) -> Option<Entry<V>> {
        debug_assert!(!self.is_partial(), "remove on a partial index");
        let c = (seq >> CHUNK_BITS).checked_sub(self.base_chunk)? as usize;
        let chunk = self.chunks.get_mut(c)?.as_mut()?;
        let slot = (seq & (CHUNK - 1)) as usize;
        let entry = chunk.slots[slot].take()?;
        chunk.hdr[slot / 64] &= !(1 << (slot % 64));
        chunk.live -= 1;
        if chunk.live == 0 {
            self.chunks[c] = None;
        }
        self.msgs -= 1;
        self.bytes -= entry.size as u64;
        self.unlink_subject(entry.subject, seq);
        if seq == self.first_seq {
            self.first_seq = self.next_live(seq + 1).unwrap_or(self.last_seq + 1);
        }
        while matches!(self.chunks.front(), Some(None)) {
            self.chunks.pop_front();
            self.base_chunk += 1;
        }
        Some(entry)
    }

    fn unlink_subject(&mut self, id: SubjectId, seq: u64) {
        let info = self.info_mut(id);
        info.msgs -= 1;
        if info.msgs == 0 {
            let name = info.name.clone();
            self.subjects.ids.remove(&name);
            self.subjects.infos[id.get() as usize - 1] = None;
            self.subjects.free.push(id);
            return;
        }
        let (first, last) = (info.first, info.last);
        if seq == first {
            let next = self.scan_forward(seq + 1, last, |_, e| e.subject == id);
            self.info_mut(id).first = next.expect("subject has a later message");
        } else if seq == last {
            let prev = self.scan_backward(seq - 1, first, |_, e| e.subject == id);
            self.info_mut(id).last = prev.expect("subject has an earlier message");
        }
    }

    /// First live sequence at or after `from`.
    pub fn next_live(&self, from: u64) -> Option<u64> {
        self.scan_forward(from, self.last_seq, |_, _| true)
    }

    /// First `seq` in `from..=to` whose entry satisfies `pred`.
    pub fn scan_forward(&self, from: u64, to: u64, mut pred: impl FnMut(u64, &Entry<V>) -> bool) -> Option<u64> {
        debug_assert!(!self.is_partial(), "scan on a partial index");
        let from = from.max(self.base_chunk << CHUNK_BITS);
        if from > to || self.chunks.is_empty() {
            return None;
        }
        let mut cn = from >> CHUNK_BITS;
        let last_cn = (to >> CHUNK_BITS).min(self.base_chunk + self.chunks.len() as u64 - 1);
        while cn <= last_cn {
            if let Some(chunk) = &self.chunks[(cn - self.base_chunk) as usize] {
                let lo = if cn == from >> CHUNK_BITS { (from & (CHUNK - 1)) as usize } else { 0 };
                let hi = if cn == to >> CHUNK_BITS { (to & (CHUNK - 1)) as usize } else { CHUNK as usize - 1 };
                for (i, slot) in chunk.slots[lo..=hi].iter().enumerate() {
                    if let Some(e) = slot {
                        let seq = (cn << CHUNK_BITS) + (lo + i) as u64;
                        if pred(seq, e) {
                            return Some(seq);
                        }
                    }
                }
            }
            cn += 1;
        }
        None
    }

    /// Last `seq` in `to..=from` (walking down from `from`) whose entry satisfies `pred`.
    pub fn scan_backward(&self, from: u64, to: u64, mut pred: impl FnMut(u64, &Entry<V>) -> bool) -> Option<u64> {
        debug_assert!(!self.is_partial(), "scan on a partial index");
        if self.chunks.is_empty() {
            return None;
        }
        let top = ((self.base_chunk + self.chunks.len() as u64) << CHUNK_BITS) - 1;
        let from = from.min(top);
        if from < to || from >> CHUNK_BITS < self.base_chunk {
            return None;
        }
        let mut cn = from >> CHUNK_BITS;
        let low_cn = (to >> CHUNK_BITS).max(self.base_chunk);
        loop {
            if let Some(chunk) = &self.chunks[(cn - self.base_chunk) as usize] {
                let hi = if cn == from >> CHUNK_BITS { (from & (CHUNK - 1)) as usize } else { CHUNK as usize - 1 };
                let lo = if cn == to >> CHUNK_BITS { (to & (CHUNK - 1)) as usize } else { 0 };
                for i in (lo..=hi).rev() {
                    if let Some(e) = &chunk.slots[i] {
                        let seq = (cn << CHUNK_BITS) + i as u64;
                        if pred(seq, e) {
                            return Some(seq);
                        }
                    }
                }
            }
            if cn == low_cn {
                return None;
            }
            cn -= 1;
        }
    }

    /// Live entries in `from..=to`, in order, mutable (for relocating them).
    pub fn for_each_live_mut(&mut self, from: u64, to: u64, mut f: impl FnMut(u64, &mut Entry<V>)) {
        debug_assert!(!self.is_partial(), "scan on a partial index");
        if self.chunks.is_empty() || from > to {
            return;
        }
        let from = from.max(self.base_chunk << CHUNK_BITS);
        let base = self.base_chunk;
        for (ci, chunk) in self.chunks.iter_mut().enumerate() {
            let Some(chunk) = chunk else { continue };
            let cn = base + ci as u64;
            for (i, slot) in chunk.slots.iter_mut().enumerate() {
                let seq = (cn << CHUNK_BITS) + i as u64;
                if seq < from {
                    continue;
                }
                if seq > to {
                    return;
                }
                if let Some(e) = slot {
                    f(seq, e);
                }
            }
        }
    }

    /// First live sequence at or after `from` of a message with headers (placed messages only:
    /// the caller fills pending spans that have any).
    pub fn next_with_headers(&self, from: u64) -> Option<u64> {
        let from = from.max(self.base_chunk << CHUNK_BITS);
        let mut cn = from >> CHUNK_BITS;
        let end = self.base_chunk + self.chunks.len() as u64;
        while cn < end {
            if let Some(chunk) = &self.chunks[(cn - self.base_chunk) as usize] {
                let lo = if cn == from >> CHUNK_BITS { (from & (CHUNK - 1)) as usize } else { 0 };
                for w in lo / 64..chunk.hdr.len() {
                    let mut bits = chunk.hdr[w];
                    if w == lo / 64 {
                        bits &= u64::MAX << (lo % 64);
                    }
                    if bits != 0 {
                        return Some((cn << CHUNK_BITS) + (w * 64) as u64 + bits.trailing_zeros() as u64);
                    }
                }
            }
            cn += 1;
        }
        None
    }

    /// Recovery: the highest sequence ever stored (live or not) and its time.
    pub fn recover_last(&mut self, seq: u64, ts: i64) {
        if seq >= self.last_seq {
            self.last_seq = seq;
            self.last_ts = ts;
            if self.msgs == 0 {
                self.first_seq = seq + 1;
            }
        }
    }

    /// Live messages with `seq < below`.
    fn live_below(&self, below: u64) -> u64 {
        debug_assert!(!self.is_partial(), "scan on a partial index");
        let mut n = 0u64;
        let bc = below >> CHUNK_BITS;
        for (ci, chunk) in self.chunks.iter().enumerate() {
            let cn = self.base_chunk + ci as u64;
            if cn > bc {
                break;
            }
            let Some(chunk) = chunk else { continue };
            if cn < bc {
                n += chunk.live as u64;
            } else {
                let upto = (below & (CHUNK - 1)) as usize;
                n += chunk.slots[..upto].iter().filter(|s| s.is_some()).count() as u64;
            }
        }
        n
    }

    /// A matcher for `filter` (cached per filter for wildcards).
    pub fn matcher(&self, filter: &str) -> Matcher<'_> {
        let kind = if filter_is_all(filter) {
            MatchKind::All
        } else if is_literal(filter) {
            match self.subject_id(filter) {
                Some(id) => MatchKind::Literal(id),
                None => MatchKind::Nothing,
            }
        } else {
            MatchKind::Wildcard
        };
        let mut cache = self.filters.lock();
        let slot = if matches!(kind, MatchKind::Wildcard) {
            match cache.iter().position(|c| c.filter == filter) {
                Some(i) => i,
                None => {
                    if cache.len() >= MAX_CACHED_FILTERS {
                        cache.remove(0);
                    }
                    cache.push(CachedFilter { filter: filter.to_string(), verdicts: Vec::new() });
                    cache.len() - 1
                }
            }
        } else {
            0
        };
        Matcher { kind, cache, slot, infos: &self.subjects.infos }
    }

    /// Subjects matching `filter` (visits each live subject once).
    pub fn for_each_subject(&self, filter: &str, mut f: impl FnMut(&SubjectInfo)) {
        if filter_is_all(filter) {
            self.subjects.infos.iter().flatten().for_each(f);
        } else if is_literal(filter) {
            if let Some(info) = self.subject_info(filter) {
                f(info);
            }
        } else {
            for info in self.subjects.infos.iter().flatten() {
                if matches(filter, &info.name) {
                    f(info);
                }
            }
        }
    }

    /// First live sequence `>= start` on a subject matching `filter`.
    pub fn find_next(&self, start: u64, filter: &str) -> Option<u64> {
        let start = start.max(self.first_seq);
        if self.msgs == 0 || start > self.last_seq {
            return None;
        }
        if filter_is_all(filter) {
            return self.next_live(start);
        }
        let (mut lo, mut hi) = (start, self.last_seq);
        if is_literal(filter) {
            let info = self.subject_info(filter)?;
            if start > info.last {
                return None;
            }
            lo = lo.max(info.first);
            hi = info.last;
        } else if self.num_subjects() < (hi - lo) / 16 {
            // Few subjects for the span: narrow it with the subjects' own bounds.
            let (mut bl, mut bh, mut any) = (u64::MAX, 0, false);
            self.for_each_subject(filter, |i| {
                if i.last >= start {
                    any = true;
                    bl = bl.min(i.first.max(start));
                    bh = bh.max(i.last);
                }
            });
            if !any {
                return None;
            }
            (lo, hi) = (bl, bh);
        }
        let mut m = self.matcher(filter);
        self.scan_forward(lo, hi, |_, e| m.matches(e.subject))
    }

    /// Last live sequence `<= start` on a subject matching `filter`.
    pub fn find_prev(&self, start: u64, filter: &str) -> Option<u64> {
        if self.msgs == 0 || start < self.first_seq {
            return None;
        }
        let start = start.min(self.last_seq);
        let mut lo = self.first_seq;
        if is_literal(filter) && !filter_is_all(filter) {
            let info = self.subject_info(filter)?;
            if info.first > start {
                return None;
            }
            if info.last <= start {
                return Some(info.last);
            }
            lo = info.first;
        }
        let mut m = self.matcher(filter);
        self.scan_backward(start, lo, |_, e| m.matches(e.subject))
    }

    /// Last live sequence on a subject matching `filter`.
    pub fn find_last(&self, filter: &str) -> Option<u64> {
        if self.msgs == 0 {
            return None;
        }
        if !filter_is_all(filter) && is_literal(filter) {
            return self.subject_info(filter).map(|i| i.last);
        }
        self.find_prev(self.last_seq, filter)
    }

    /// [`SeqIndex::num_pending`] when the totals and the subject table answer it without walking
    /// slots; `None` when they do not.
    pub fn num_pending_by_totals(&self, start: u64, filter: &str, last_per_subject: bool) -> Option<u64> {
        let start = start.max(self.first_seq);
        if self.msgs == 0 || start > self.last_seq {
            return Some(0);
        }
        if last_per_subject {
            let mut n = 0;
            self.for_each_subject(filter, |i| n += (i.last >= start) as u64);
            return Some(n);
        }
        if filter_is_all(filter) {
            return (start == self.first_seq).then_some(self.msgs);
        }
        let (mut n, mut whole) = (0, true);
        self.for_each_subject(filter, |i| {
            if i.first >= start {
                n += i.msgs;
            } else if i.last >= start {
                whole = false;
            }
        });
        whole.then_some(n)
    }

    /// See [`super::Store::num_pending`].
    pub fn num_pending(&self, start: u64, filter: &str, last_per_subject: bool) -> u64 {
        let start = start.max(self.first_seq);
        if self.msgs == 0 || start > self.last_seq {
            return 0;
        }
        if last_per_subject {
            let mut n = 0;
            self.for_each_subject(filter, |i| n += (i.last >= start) as u64);
            return n;
        }
        if filter_is_all(filter) {
            return self.msgs - self.live_below(start);
        }
        let mut total = 0u64;
        let mut partial: Vec<(SubjectId, u64, u64)> = Vec::new();
        let mut too_many = false;
        let wildcard = !is_literal(filter);
        self.for_each_subject(filter, |i| {
            if i.first >= start {
                total += i.msgs;
            } else if i.last >= start {
                if partial.len() >= 8 {
                    too_many = true;
                } else {
                    let id = self.subject_id(&i.name).expect("interned");
                    partial.push((id, start, i.last));
                }
            }
        });
        if too_many && wildcard {
            // Scan the whole tail once instead of many overlapping subject spans.
            let mut m = self.matcher(filter);
            let mut n = 0;
            self.scan_forward(start, self.last_seq, |_, e| {
                n += m.matches(e.subject) as u64;
                false
            });
            return n;
        }
        for (id, lo, hi) in partial {
            self.scan_forward(lo, hi, |_, e| {
                total += (e.subject == id) as u64;
                false
            });
        }
        total
    }

    /// Deleted sequences between `first_seq` and `last_seq`.
    pub fn deleted(&self) -> Vec<u64> {
        let mut out = Vec::new();
        if self.msgs == 0 {
            return out;
        }
        let mut expect = self.first_seq;
        self.scan_forward(self.first_seq, self.last_seq, |seq, _| {
            out.extend(expect..seq);
            expect = seq + 1;
            false
        });
        out.extend(expect..=self.last_seq);
        out
    }

    pub fn num_deleted(&self) -> u64 {
        if self.msgs == 0 {
            0
        } else {
            (self.last_seq - self.first_seq + 1) - self.msgs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_with(subjects: &[&str]) -> SeqIndex<()> {
        let mut ix = SeqIndex::default();
        for (i, s) in subjects.iter().enumerate() {
            ix.insert(i as u64 + 1, i as i64, s, 10, false, ());
        }
        ix
    }

    #[test]
    fn removing_the_first_advances_first_seq_past_holes() {
        let mut ix = index_with(&["a", "b", "c", "d"]);
        ix.remove(2);
        ix.remove(1);
        assert_eq!(ix.first_seq(), 3);
        ix.remove(3);
        ix.remove(4);
        assert_eq!((ix.msgs(), ix.first_seq(), ix.last_seq()), (0, 5, 4));
    }

    #[test]
    fn subject_first_and_last_follow_removals() {
        let mut ix = index_with(&["a", "b", "a", "b", "a"]);
        ix.remove(1);
        let a = ix.subject_info("a").unwrap();
        assert_eq!((a.msgs, a.first, a.last), (2, 3, 5));
        ix.remove(5);
        let a = ix.subject_info("a").unwrap();
        assert_eq!((a.msgs, a.first, a.last), (1, 3, 3));
        ix.remove(3);
        assert!(ix.subject_info("a").is_none());
        assert_eq!(ix.num_subjects(), 1);
    }

    #[test]
    fn whole_chunks_are_freed_from_the_front() {
        let mut ix = SeqIndex::default();
        for seq in 1..=5000u64 {
            ix.insert(seq, 0, "x", 1, false, ());
        }
        for seq in 1..=4500u64 {
            ix.remove(seq);
        }
        assert!(ix.chunks.len() <= 2, "{}", ix.chunks.len());
        assert_eq!(ix.first_seq(), 4501);
        assert_eq!(ix.find_next(0, "x"), Some(4501));
    }

    #[test]
    fn wildcard_cache_forgets_reused_subject_ids() {
        let mut ix = index_with(&["a.1", "b.1"]);
        assert_eq!(ix.find_next(1, "a.*"), Some(1));
        ix.remove(1); // frees the id of "a.1"
        ix.insert(3, 0, "c.1", 1, false, ()); // reuses it
        assert_eq!(ix.find_next(1, "a.*"), None);
        assert_eq!(ix.find_next(1, "c.*"), Some(3));
    }

    #[test]
    fn scans_work_across_chunk_boundaries() {
        let mut ix = SeqIndex::default();
        for seq in 1..=3000u64 {
            ix.insert(seq, 0, if seq % 700 == 0 { "rare" } else { "common" }, 1, false, ());
        }
        assert_eq!(ix.find_next(1, "rare"), Some(700));
        assert_eq!(ix.find_next(2101, "rare"), Some(2800));
        assert_eq!(ix.find_prev(2799, "rare"), Some(2100));
        assert_eq!(ix.find_prev(3000, "ra*"), None);
        assert_eq!(ix.find_last("*"), Some(3000));
        assert_eq!(ix.num_pending(1000, "rare", false), 3);
        assert_eq!(ix.num_pending(1000, ">", false), 2001);
        assert_eq!(ix.num_pending(1000, ">", true), 2);
    }

    #[test]
    fn header_bits_find_only_live_messages_with_headers() {
        let mut ix = SeqIndex::default();
        for seq in 1..=3000u64 {
            ix.insert(seq, 0, "x", 1, seq % 1000 == 7 || seq == 64, ());
        }
        assert_eq!(ix.next_with_headers(0), Some(7));
        assert_eq!(ix.next_with_headers(8), Some(64));
        assert_eq!(ix.next_with_headers(65), Some(1007));
        ix.remove(1007);
        assert_eq!(ix.next_with_headers(65), Some(2007));
        assert_eq!(ix.next_with_headers(2008), None);
        // A slot reused after its chunk was freed does not inherit the bit.
        let mut ix = SeqIndex::default();
        ix.insert(1, 0, "x", 1, true, ());
        ix.remove(1);
        ix.insert(2, 0, "x", 1, false, ());
        assert_eq!(ix.next_with_headers(0), None);
    }

    #[test]
    fn deleted_lists_interior_holes() {
        let mut ix = index_with(&["a", "a", "a", "a", "a"]);
        ix.remove(2);
        ix.remove(4);
        assert_eq!(ix.deleted(), vec![2, 4]);
        assert_eq!(ix.num_deleted(), 2);
    }
}
