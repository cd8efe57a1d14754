//! Consumer state: what was delivered, what is acknowledged, what is pending, and its persistence.
//!
//! [`ConsumerStore`] applies delivery and ack updates with nats-server's rules (ack floors, AckAll
//! collapsing, redelivery counts, `max_deliver`) and, when file backed, records every update as a
//! small delta record for `<dir>/state.log`. Replaying the log through the same rules rebuilds the
//! state, so an update costs a few bytes however large the pending set is. When the log has grown
//! well past the size of the state it describes, it is replaced atomically (temp file, fsync,
//! rename) by a single full-state record. A torn tail is cut at the last whole record on open.
//!
//! Records are buffered and written with one `write` per [`ConsumerStore::flush`], which the caller
//! issues at the end of each batch of updates (a batch of acks read from one client, one delivery
//! round); the buffer is also written once it holds [`MAX_BUFFERED`] bytes, on [`ConsumerStore::sync`]
//! and when the store is dropped. With [`SyncPolicy::Always`] every update is written and fsynced
//! at once. Like nats-server, which writes consumer state asynchronously, a process crash may lose
//! the updates of the batch in flight: the state reopens as it was before them (acks not yet
//! written mean redeliveries, never lost stream messages).
//!
//! Record framing: `len` u32 · CRC-32 u32 of the rest · kind u8 · varint fields.
//!
//! It does not know about streams, delivery, timers or the consumer's configuration beyond the ack
//! policy and `max_deliver` (stored with the consumer's metadata, see [`super::meta`]).

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::varint::{put_varint, unzigzag, zigzag, Cursor};
use super::{Result, StoreError, SyncPolicy};

/// A consumer sequence and the stream sequence of the same message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequencePair {
    pub consumer_seq: u64,
    pub stream_seq: u64,
}

/// A consumer's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerState {
    /// Last delivered message.
    pub delivered: SequencePair,
    /// Everything at or below this is acknowledged.
    pub ack_floor: SequencePair,
    /// Delivered, unacknowledged: stream seq → (consumer seq of the first delivery, delivery time).
    pub pending: BTreeMap<u64, (u64, i64)>,
    /// Stream seq → times redelivered (delivery count − 1).
    pub redelivered: HashMap<u64, u64>,
}

/// How a consumer acknowledges (nats-server's `AckPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AckPolicy {
    None,
    All,
    #[default]
    Explicit,
}

const K_FULL: u8 = 1;
const K_DELIVERED: u8 = 2;
const K_ACK: u8 = 3;
const K_STARTING: u8 = 4;
const K_REDELIVERED_BELOW: u8 = 5;
const K_RESET: u8 = 6;

const LOG_NAME: &str = "state.log";
/// The log is compacted once it exceeds this and eight times its last full record.
const MIN_COMPACT: u64 = 1 << 20;
/// Buffered records are written once they reach this many bytes, even before a flush.
pub const MAX_BUFFERED: usize = 64 << 10;

#[derive(Debug)]
struct StateLog {
    dir: PathBuf,
    file: File,
    len: u64,
    full_len: u64,
    sync: SyncPolicy,
    last_sync: Instant,
    buf: Vec<u8>,
    poisoned: Option<String>,
}

/// A consumer's state, in memory or backed by a state log; see the module doc.
#[derive(Debug)]
pub struct ConsumerStore {
    state: ConsumerState,
    ack: AckPolicy,
    max_deliver: i64,
    log: Option<StateLog>,
}

fn frame(out: &mut Vec<u8>, kind: u8, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.extend_from_slice(&[0u8; 8]);
    out.push(kind);
    body(out);
    let len = (out.len() - start) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn encode_full(out: &mut Vec<u8>, s: &ConsumerState) {
    frame(out, K_FULL, |o| {
        for v in [s.delivered.consumer_seq, s.delivered.stream_seq, s.ack_floor.consumer_seq, s.ack_floor.stream_seq] {
            put_varint(o, v);
        }
        put_varint(o, s.pending.len() as u64);
        for (&sseq, &(dseq, ts)) in &s.pending {
            put_varint(o, sseq);
            put_varint(o, dseq);
            put_varint(o, zigzag(ts));
        }
        put_varint(o, s.redelivered.len() as u64);
        for (&sseq, &n) in &s.redelivered {
            put_varint(o, sseq);
            put_varint(o, n);
        }
    });
}

fn decode_full(c: &mut Cursor<'_>) -> Option<ConsumerState> {
    let mut s = ConsumerState {
        delivered: SequencePair { consumer_seq: c.varint()?, stream_seq: c.varint()? },
        ack_floor: SequencePair { consumer_seq: c.varint()?, stream_seq: c.varint()? },
        ..Default::default()
    };
    for _ in 0..c.varint()? {
        s.pending.insert(c.varint()?, (c.varint()?, unzigzag(c.varint()?)));
    }
    for _ in 0..c.varint()? {
        s.redelivered.insert(c.varint()?, c.varint()?);
    }
    Some(s)
}

impl ConsumerStore {
    /// A consumer whose state lives only in memory.
    pub fn memory(ack: AckPolicy, max_deliver: i64) -> Self {
        ConsumerStore { state: ConsumerState::default(), ack, max_deliver, log: None }
    }

    /// Open (or create) the state log in `dir` and replay it.
    pub fn open(dir: impl AsRef<Path>, ack: AckPolicy, max_deliver: i64, sync: SyncPolicy) -> Result<Self> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir)?;
        let path = dir.join(LOG_NAME);
        let _ = fs::remove_file(path.with_extension("tmp"));
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut store = ConsumerStore::memory(ack, max_deliver);
        let mut at = 0;
        let mut full_len = 0;
        while let Some((kind, body, len)) = Self::next_record(&bytes[at..]) {
            let mut c = Cursor::new(body, 0);
            if store.replay(kind, &mut c).is_none() {
                break;
            }
            if kind == K_FULL {
                full_len = len as u64;
            }
            at += len;
        }
        if at < bytes.len() {
            tracing::warn!(path = %path.display(), valid = at, len = bytes.len(), "truncating damaged consumer state log");
        }
        let log = if at == 0 {
            // New (or unreadable from the first byte): start with a full record.
            let mut buf = Vec::new();
            encode_full(&mut buf, &store.state);
            let file = replace_file(dir, &path, &buf)?;
            StateLog::new(dir, file, buf.len() as u64, buf.len() as u64, sync)
        } else {
            let mut file = OpenOptions::new().read(true).write(true).open(&path)?;
            if at < bytes.len() {
                file.set_len(at as u64)?;
                file.sync_all()?;
            }
            file.seek(SeekFrom::Start(at as u64))?;
            StateLog::new(dir, file, at as u64, full_len, sync)
        };
        store.log = Some(log);
        Ok(store)
    }

    fn next_record(buf: &[u8]) -> Option<(u8, &[u8], usize)> {
        let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
        if len < 9 || buf.len() < len {
            return None;
        }
        let rec = &buf[..len];
        (crc32fast::hash(&rec[8..]).to_le_bytes() == rec[4..8]).then(|| (rec[8], &rec[9..], len))
    }

    /// Apply one logged update; `None` when its body does not parse.
    fn replay(&mut self, kind: u8, c: &mut Cursor<'_>) -> Option<()> {
        match kind {
            K_FULL => self.state = decode_full(c)?,
            K_DELIVERED => {
                let (dseq, sseq, dc, ts) = (c.varint()?, c.varint()?, c.varint()?, unzigzag(c.varint()?));
                let _ = self.apply_delivered(dseq, sseq, dc, ts);
            }
            K_ACK => {
                let (dseq, sseq) = (c.varint()?, c.varint()?);
                let _ = self.apply_ack(dseq, sseq);
            }
            K_STARTING => self.apply_starting(c.varint()?),
            K_REDELIVERED_BELOW => self.apply_redelivered_below(c.varint()?),
            K_RESET => {
                self.state = ConsumerState::default();
                self.apply_starting(c.varint()?);
            }
            _ => return None,
        }
        c.is_done().then_some(())
    }

    pub fn state(&self) -> &ConsumerState {
        &self.state
    }

    pub fn ack_policy(&self) -> AckPolicy {
        self.ack
    }

    /// True once anything was delivered or a start was set.
    pub fn has_state(&self) -> bool {
        self.state.delivered.consumer_seq != 0 || self.state.delivered.stream_seq != 0
    }

    /// Change the ack policy or `max_deliver` (a consumer update); the log restarts from a full
    /// record so replay uses the new rules only for later updates.
    pub fn set_policy(&mut self, ack: AckPolicy, max_deliver: i64) -> Result<()> {
        self.ack = ack;
        self.max_deliver = max_deliver;
        self.compact_log()
    }

    fn apply_starting(&mut self, sseq: u64) {
        self.state.delivered.stream_seq = sseq;
        self.state.ack_floor.stream_seq = sseq;
    }

    fn apply_redelivered_below(&mut self, seq: u64) {
        self.state.redelivered.retain(|&s, _| s >= seq);
    }

    fn apply_delivered(&mut self, dseq: u64, sseq: u64, dc: u64, ts: i64) -> Result<()> {
        let s = &mut self.state;
        if dc != 1 && self.ack == AckPolicy::None {
            return Err(StoreError::NoAckPolicy);
        }
        if dseq <= s.ack_floor.consumer_seq {
            return Ok(());
        }
        if self.ack == AckPolicy::None {
            if dseq > s.delivered.consumer_seq {
                s.delivered.consumer_seq = dseq;
                s.ack_floor.consumer_seq = dseq;
            }
            if sseq > s.delivered.stream_seq {
                s.delivered.stream_seq = sseq;
                s.ack_floor.stream_seq = sseq;
            }
            return Ok(());
        }
        if sseq <= s.delivered.stream_seq {
            // A redelivery keeps the first delivery's consumer sequence.
            if let Some(p) = s.pending.get_mut(&sseq) {
                p.1 = ts;
            }
        } else {
            s.pending.insert(sseq, (dseq, ts));
        }
        s.delivered.consumer_seq = s.delivered.consumer_seq.max(dseq);
        s.delivered.stream_seq = s.delivered.stream_seq.max(sseq);
        if dc > 1 {
            if self.max_deliver > 0 && dc > self.max_deliver as u64 {
                s.pending.remove(&sseq);
            }
            let r = s.redelivered.entry(sseq).or_insert(0);
            *r = (*r).max(dc - 1);
        }
        Ok(())
    }

    fn apply_ack(&mut self, dseq: u64, sseq: u64) -> Result<()> {
        if self.ack == AckPolicy::None {
            return Err(StoreError::NoAckPolicy);
        }
        let s = &mut self.state;
        s.redelivered.remove(&sseq);
        if dseq <= s.ack_floor.consumer_seq {
            return Ok(());
        }
        if !s.pending.contains_key(&sseq) {
            return Err(StoreError::NotPending);
        }
        if self.ack == AckPolicy::All {
            s.ack_floor = SequencePair { consumer_seq: dseq, stream_seq: sseq };
            let rest = s.pending.split_off(&(sseq + 1));
            for seq in std::mem::replace(&mut s.pending, rest).into_keys() {
                s.redelivered.remove(&seq);
            }
            return Ok(());
        }
        let mut dseq = dseq;
        if let Some((orig, _)) = s.pending.remove(&sseq) {
            if dseq > orig && orig > 0 {
                dseq = orig;
            }
        }
        if s.pending.is_empty() {
            s.ack_floor = s.delivered;
        } else if dseq == s.ack_floor.consumer_seq + 1 {
            s.ack_floor = SequencePair { consumer_seq: dseq, stream_seq: sseq };
            if s.delivered.consumer_seq > dseq {
                if let Some((&next, &(pd, _))) = s.pending.range(sseq + 1..).next() {
                    if pd > 0 {
                        s.ack_floor = SequencePair { consumer_seq: pd - 1, stream_seq: next - 1 };
                    }
                }
            }
        }
        Ok(())
    }

    fn log(&mut self, kind: u8, fields: &[u64]) -> Result<()> {
        let Some(log) = &mut self.log else {
            return Ok(());
        };
        frame(&mut log.buf, kind, |o| fields.iter().for_each(|&v| put_varint(o, v)));
        if log.sync == SyncPolicy::Always || log.buf.len() >= MAX_BUFFERED {
            self.flush()?;
        }
        Ok(())
    }

    /// True when updates are buffered and not yet written to the OS.
    pub fn has_unwritten(&self) -> bool {
        self.log.as_ref().is_some_and(|l| !l.buf.is_empty())
    }

    /// Writes the buffered records with one `write` (and fsyncs when the sync policy says it is
    /// time); compacts the log when it has grown enough.
    pub fn flush(&mut self) -> Result<()> {
        self.check()?;
        let Some(log) = &mut self.log else {
            return Ok(());
        };
        if log.buf.is_empty() {
            return Ok(());
        }
        log.flush()?;
        if log.len > MIN_COMPACT.max(log.full_len * 8) {
            self.compact_log()?;
        }
        Ok(())
    }

    /// Set where delivery starts (stream sequence).
    pub fn set_starting(&mut self, sseq: u64) -> Result<()> {
        self.check()?;
        self.apply_starting(sseq);
        self.log(K_STARTING, &[sseq])
    }

    /// Forget everything and start again at `sseq`.
    pub fn reset(&mut self, sseq: u64) -> Result<()> {
        self.check()?;
        self.state = ConsumerState::default();
        self.apply_starting(sseq);
        self.log(K_RESET, &[sseq])
    }

    /// Message `sseq` was delivered as consumer sequence `dseq`, for the `dc`-th time, at `ts`.
    pub fn update_delivered(&mut self, dseq: u64, sseq: u64, dc: u64, ts: i64) -> Result<()> {
        self.check()?;
        self.apply_delivered(dseq, sseq, dc, ts)?;
        self.log(K_DELIVERED, &[dseq, sseq, dc, zigzag(ts)])
    }

    /// Message `sseq` (consumer sequence `dseq`) was acknowledged.
    pub fn update_acks(&mut self, dseq: u64, sseq: u64) -> Result<()> {
        self.check()?;
        self.apply_ack(dseq, sseq)?;
        self.log(K_ACK, &[dseq, sseq])
    }

    /// Drop redelivery counts below `seq`.
    pub fn remove_redelivered_below(&mut self, seq: u64) -> Result<()> {
        if seq == 0 {
            return Ok(());
        }
        self.check()?;
        self.apply_redelivered_below(seq);
        self.log(K_REDELIVERED_BELOW, &[seq])
    }

    /// Replace the whole state; unless `force`, an update behind the current one is refused.
    pub fn update(&mut self, state: ConsumerState, force: bool) -> Result<()> {
        self.check()?;
        if state.ack_floor.consumer_seq > state.delivered.consumer_seq {
            return Err(StoreError::InvalidState("ack floor above delivered (consumer)".into()));
        }
        if state.ack_floor.stream_seq > state.delivered.stream_seq {
            return Err(StoreError::InvalidState("ack floor above delivered (stream)".into()));
        }
        if let Some(&seq) =
            state.pending.keys().find(|&&s| s <= state.ack_floor.stream_seq || s > state.delivered.stream_seq)
        {
            return Err(StoreError::InvalidState(format!("pending sequence {seq} out of range")));
        }
        if !force
            && (state.delivered.consumer_seq < self.state.delivered.consumer_seq
                || state.ack_floor.stream_seq < self.state.ack_floor.stream_seq)
        {
            return Err(StoreError::OldUpdate);
        }
        self.state = state;
        self.compact_log()
    }

    fn check(&self) -> Result<()> {
        match self.log.as_ref().and_then(|l| l.poisoned.clone()) {
            Some(r) => Err(StoreError::Poisoned(r)),
            None => Ok(()),
        }
    }

    /// Rewrite the log as one full-state record.
    fn compact_log(&mut self) -> Result<()> {
        let Some(log) = &mut self.log else {
            return Ok(());
        };
        // Buffered deltas are part of the state written here.
        log.buf.clear();
        let mut buf = Vec::new();
        encode_full(&mut buf, &self.state);
        match replace_file(&log.dir, &log.dir.join(LOG_NAME), &buf) {
            Ok(f) => {
                log.file = f;
                log.len = buf.len() as u64;
                log.full_len = buf.len() as u64;
                log.last_sync = Instant::now();
                Ok(())
            }
            Err(e) => {
                log.poisoned = Some(format!("rewrite of consumer state failed: {e}"));
                Err(e.into())
            }
        }
    }

    /// Write what is buffered and fsync the state log.
    pub fn sync(&mut self) -> Result<()> {
        self.flush()?;
        match &mut self.log {
            Some(log) => log.sync_now(),
            None => Ok(()),
        }
    }

    /// Flush, fsync and close.
    pub fn close(mut self) -> Result<()> {
        self.sync()
    }

    /// Remove the state log (and its directory when empty).
    pub fn delete(mut self) -> Result<()> {
        if let Some(log) = self.log.take() {
            match fs::remove_file(log.dir.join(LOG_NAME)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
            let _ = fs::remove_dir(&log.dir);
        }
        Ok(())
    }
}

impl Drop for ConsumerStore {
    /// Buffered updates still reach the OS when the store goes away without a close.
    fn drop(&mut self) {
        if !self.has_unwritten() {
            return;
        }
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "cannot write buffered consumer state");
        }
    }
}

impl StateLog {
    fn new(dir: &Path, file: File, len: u64, full_len: u64, sync: SyncPolicy) -> Self {
        StateLog {
            dir: dir.to_path_buf(),
            file,
            len,
            full_len,
            sync,
            last_sync: Instant::now(),
            buf: Vec::with_capacity(64),
            poisoned: None,
        }
    }

    fn flush(&mut self) -> Result<()> {
        if let Err(e) = self.file.write_all(&self.buf) {
            self.poisoned = Some(format!("write of consumer state failed: {e}"));
            return Err(e.into());
        }
        self.len += self.buf.len() as u64;
        self.buf.clear();
        let due = match self.sync {
            SyncPolicy::Always => true,
            SyncPolicy::Interval(d) => self.last_sync.elapsed() >= d,
        };
        if due {
            self.sync_now()?;
        }
        Ok(())
    }

    fn sync_now(&mut self) -> Result<()> {
        if let Err(e) = self.file.sync_data() {
            self.poisoned = Some(format!("fsync of consumer state failed: {e}"));
            return Err(e.into());
        }
        self.last_sync = Instant::now();
        Ok(())
    }
}

/// Atomically replace `path` with `bytes`; returns the new file positioned at its end.
fn replace_file(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let tmp = path.with_extension("tmp");
    let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()?;
    f.seek(SeekFrom::End(0))?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn open(dir: &Path, ack: AckPolicy) -> ConsumerStore {
        ConsumerStore::open(dir, ack, 0, SyncPolicy::Interval(Duration::from_secs(1))).unwrap()
    }

    #[test]
    fn explicit_acks_move_the_floor_over_contiguous_acks_only() {
        let mut c = ConsumerStore::memory(AckPolicy::Explicit, 0);
        for i in 1..=5 {
            c.update_delivered(i, i + 10, 1, i as i64).unwrap();
        }
        c.update_acks(2, 12).unwrap();
        assert_eq!(c.state().ack_floor, SequencePair::default());
        c.update_acks(1, 11).unwrap();
        assert_eq!(c.state().ack_floor, SequencePair { consumer_seq: 2, stream_seq: 12 });
        assert_eq!(c.state().pending.keys().copied().collect::<Vec<_>>(), vec![13, 14, 15]);
        assert!(matches!(c.update_acks(9, 19), Err(StoreError::NotPending)));
        for i in 3..=5 {
            c.update_acks(i, i + 10).unwrap();
        }
        assert_eq!(c.state().ack_floor, c.state().delivered);
        assert!(c.state().pending.is_empty());
    }

    #[test]
    fn ack_all_acknowledges_everything_below() {
        let mut c = ConsumerStore::memory(AckPolicy::All, 0);
        for i in 1..=5 {
            c.update_delivered(i, i, 1, 0).unwrap();
        }
        c.update_delivered(6, 3, 2, 0).unwrap();
        c.update_acks(4, 4).unwrap();
        assert_eq!(c.state().ack_floor, SequencePair { consumer_seq: 4, stream_seq: 4 });
        assert_eq!(c.state().pending.keys().copied().collect::<Vec<_>>(), vec![5]);
        assert!(c.state().redelivered.is_empty());
    }

    #[test]
    fn redeliveries_count_and_max_deliver_drops_pending() {
        let mut c = ConsumerStore::memory(AckPolicy::Explicit, 2);
        c.update_delivered(1, 7, 1, 100).unwrap();
        c.update_delivered(2, 7, 2, 200).unwrap();
        assert_eq!(c.state().pending[&7], (1, 200));
        assert_eq!(c.state().redelivered[&7], 1);
        c.update_delivered(3, 7, 3, 300).unwrap();
        assert!(!c.state().pending.contains_key(&7));
        assert_eq!(c.state().redelivered[&7], 2);
    }

    #[test]
    fn ack_none_moves_the_floor_with_delivery() {
        let mut c = ConsumerStore::memory(AckPolicy::None, 0);
        c.update_delivered(1, 5, 1, 0).unwrap();
        assert_eq!(c.state().ack_floor, SequencePair { consumer_seq: 1, stream_seq: 5 });
        assert!(matches!(c.update_acks(1, 5), Err(StoreError::NoAckPolicy)));
        assert!(matches!(c.update_delivered(2, 5, 2, 0), Err(StoreError::NoAckPolicy)));
    }

    #[test]
    fn state_survives_reopen_through_the_delta_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        c.set_starting(100).unwrap();
        for i in 1..=50u64 {
            c.update_delivered(i, 100 + i, 1, i as i64 * 1000).unwrap();
        }
        c.update_delivered(51, 110, 2, 999_999).unwrap();
        for i in (1..=50u64).filter(|i| i % 3 != 0) {
            c.update_acks(i, 100 + i).unwrap();
        }
        c.remove_redelivered_below(105).unwrap();
        let want = c.state().clone();
        drop(c); // no close: dropping writes what is buffered
        let c = open(dir.path(), AckPolicy::Explicit);
        assert_eq!(c.state(), &want);
    }

    #[test]
    fn the_log_is_compacted_and_still_replays() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        for i in 1..=120_000u64 {
            c.update_delivered(i, i, 1, 0).unwrap();
            if i > 3 {
                c.update_acks(i - 3, i - 3).unwrap();
            }
        }
        let len = fs::metadata(dir.path().join(LOG_NAME)).unwrap().len();
        assert!(len <= MIN_COMPACT + 64, "log not compacted: {len}");
        let want = c.state().clone();
        c.close().unwrap();
        assert_eq!(open(dir.path(), AckPolicy::Explicit).state(), &want);
    }

    #[test]
    fn a_torn_log_tail_is_cut_and_the_rest_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        let mut states = vec![c.state().clone()];
        let mut ends = vec![fs::metadata(dir.path().join(LOG_NAME)).unwrap().len()];
        for i in 1..=20u64 {
            c.update_delivered(i, i, 1, 0).unwrap();
            c.flush().unwrap();
            states.push(c.state().clone());
            ends.push(fs::metadata(dir.path().join(LOG_NAME)).unwrap().len());
        }
        drop(c);
        let path = dir.path().join(LOG_NAME);
        let full = fs::read(&path).unwrap();
        for cut in ends[0]..full.len() as u64 {
            fs::write(&path, &full[..cut as usize]).unwrap();
            let c = open(dir.path(), AckPolicy::Explicit);
            let whole = ends.iter().filter(|&&e| e <= cut).count() - 1;
            assert_eq!(c.state(), &states[whole], "cut at {cut}");
        }
    }

    fn log_len(dir: &Path) -> u64 {
        fs::metadata(dir.join(LOG_NAME)).unwrap().len()
    }

    #[test]
    fn updates_are_buffered_until_flush_and_then_replay() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        let empty = log_len(dir.path());
        for i in 1..=100u64 {
            c.update_delivered(i, i, 1, 0).unwrap();
            c.update_acks(i, i).unwrap();
        }
        assert_eq!(log_len(dir.path()), empty, "nothing written before the flush");
        assert!(c.has_unwritten());
        c.flush().unwrap();
        assert!(!c.has_unwritten());
        assert!(log_len(dir.path()) > empty);
        let want = c.state().clone();
        std::mem::forget(c); // a crash: no drop, no close
        assert_eq!(open(dir.path(), AckPolicy::Explicit).state(), &want);
    }

    #[test]
    fn a_crash_loses_only_the_unwritten_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        for i in 1..=10u64 {
            c.update_delivered(i, i, 1, 0).unwrap();
        }
        c.update_acks(1, 1).unwrap();
        c.flush().unwrap();
        let written = c.state().clone();
        for i in 2..=10u64 {
            c.update_acks(i, i).unwrap();
        }
        std::mem::forget(c);
        let c = open(dir.path(), AckPolicy::Explicit);
        assert_eq!(c.state(), &written);
        assert_eq!(c.state().pending.len(), 9, "the unwritten acks are pending again");
    }

    #[test]
    fn a_full_buffer_is_written_without_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        let empty = log_len(dir.path());
        let mut i = 0u64;
        while log_len(dir.path()) == empty {
            i += 1;
            c.update_delivered(i, i, 1, 0).unwrap();
            assert!(i < MAX_BUFFERED as u64, "buffer never written");
        }
        assert!(log_len(dir.path()) - empty >= MAX_BUFFERED as u64);
    }

    #[test]
    fn sync_always_writes_every_update_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = ConsumerStore::open(dir.path(), AckPolicy::Explicit, 0, SyncPolicy::Always).unwrap();
        let before = log_len(dir.path());
        c.update_delivered(1, 1, 1, 0).unwrap();
        assert!(!c.has_unwritten());
        assert!(log_len(dir.path()) > before);
    }

    #[test]
    fn a_rewrite_with_buffered_updates_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = open(dir.path(), AckPolicy::Explicit);
        for i in 1..=5u64 {
            c.update_delivered(i, i, 1, 0).unwrap();
        }
        c.update_acks(2, 2).unwrap();
        c.set_policy(AckPolicy::Explicit, 3).unwrap();
        assert!(!c.has_unwritten());
        c.update_acks(1, 1).unwrap();
        let want = c.state().clone();
        drop(c);
        assert_eq!(open(dir.path(), AckPolicy::Explicit).state(), &want);
    }

    #[test]
    fn full_updates_are_checked_and_old_ones_refused() {
        let mut c = ConsumerStore::memory(AckPolicy::Explicit, 0);
        let mut s = ConsumerState {
            delivered: SequencePair { consumer_seq: 5, stream_seq: 5 },
            ack_floor: SequencePair { consumer_seq: 3, stream_seq: 3 },
            ..Default::default()
        };
        s.pending.insert(4, (4, 0));
        c.update(s.clone(), false).unwrap();
        let mut old = s.clone();
        old.delivered.consumer_seq = 4;
        old.pending.clear();
        assert!(matches!(c.update(old.clone(), false), Err(StoreError::OldUpdate)));
        c.update(old, true).unwrap();
        s.pending.insert(9, (9, 0));
        assert!(matches!(c.update(s, true), Err(StoreError::InvalidState(_))));
    }
}
