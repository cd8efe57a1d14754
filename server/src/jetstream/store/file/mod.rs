//! The file store: a stream's messages in append-only block files under one directory.
//!
//! # Layout
//! `<dir>/NNNNNNNN.blk`, numbered in write order; each holds a header and records (see
//! [`record`]). Blocks cover increasing, disjoint sequence ranges; the last one (the *tail*) takes
//! new messages and is closed at `block_size` bytes or `block_max_msgs` messages.
//!
//! # Deletes
//! - Removing the first live message (limits, acks in order, compaction, expiry) writes nothing per
//!   message: a *floor* ("everything below N is gone") rides inside the next message record, or goes
//!   into one small floor record at the end of the call.
//! - Removing any other message appends a tombstone to the block that holds it, so a block's
//!   deletes live with it and a block can be dropped or rewritten on its own.
//! - A block with no live message is unlinked (after the current floor is durable in the tail); a
//!   block with less than half of its bytes live is rewritten (copy live records verbatim to a temp
//!   file, fsync, rename) and summarised again.
//! - Secure erase rewrites the message's record in place with zeroed header and data, after
//!   deleting the block's summary (which vouches for those bytes).
//!
//! # Durability
//! Every call writes its records to the OS before it returns (one `write` for the tail; a payload of
//! 16 KiB or more goes from the caller's buffer in a vectored write behind the buffered bytes), so a
//! process crash (`kill -9`) never loses an acknowledged message. [`SyncPolicy`] decides power-loss
//! safety: `Always` fsyncs before returning (an acknowledged message survives power loss; each
//! write costs a device flush), `Interval(d)` fsyncs from a background thread every `d` (up to `d`
//! of acknowledged messages may be lost on power loss or kernel crash, never on a process crash).
//! A failed write or fsync poisons the store: every later write fails with
//! [`StoreError::Poisoned`].
//!
//! # Recovery
//! When a block is sealed (the tail closes) its [`summary`] is written beside it as `NNNNNNNN.sum`:
//! every message record's sequence, offset, subject, size and header/TTL flags, the tombstones and
//! floors. `open` trusts a summary that still matches its block (same header, at least as long, same
//! checksum over the last bytes it covers) and reads only what was appended after it (tombstones);
//! any other block (one whose summary is missing, stale or damaged) is read whole with every
//! record's checksum verified, a torn or corrupt tail is truncated at its last valid record, and a
//! sealed block gets its summary (re)written.
//!
//! The tail has a summary too: a *checkpoint*, written the same way (temp file and rename, checked
//! the same way at open) each time the tail has grown by [`CHECKPOINT_EVERY`] bytes after a commit
//! has written its records to the OS, and replaced by the final summary when the tail is sealed.
//! Recovery reads the checkpoint's entries and verifies only the tail's bytes after it, so a torn
//! tail is still cut at its first bad record. A checkpoint that is longer than the tail (the tail
//! was cut below it) or whose sample or header differs is ignored and deleted, and the tail is read
//! whole as before. Leftover temp files and summaries
//! without a block are deleted, and the index is rebuilt. A damaged record inside a summarised prefix
//! is found when it is read, not at open.
//!
//! A sealed block with a matching summary, no tombstone and no floor cutting into it is not indexed
//! message by message at open: only its summary's head (totals and per-subject counts, first and
//! last sequences) is read, and the block becomes a pending span of the index (exact totals, no
//! per-message slots). The first call that needs single messages fills every pending span from the
//! summaries' entries (checked then), or from the block itself when a summary has gone or is damaged
//! by then. Only the subject, sizes, offsets and a header bit are kept
//! in memory; message bodies are read from disk on demand through a small read-ahead window.
//!
//! It does not: compress, encrypt, snapshot the whole stream state, or lock the directory (see
//! [`super::StoreDirLock`]).

pub(crate) mod record;
mod summary;
mod syncer;

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, IoSlice, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;

use super::index::{Entry, PendingSpan, SeqIndex, SubjectId};
use super::stream::{Backend, NewMsg, RecoveredTtls, Removal, StreamStore};
use super::{file_msg_size, Clock, Limits, Result, StoreError, StoredMsg};
use record::{BlockHeader, Decoded, Record, HEADER_LEN};
use summary::Summary;
use syncer::{Poison, Syncer};

/// A stream store on disk.
pub type FileStore = StreamStore<FileBackend>;

/// When written data is fsynced; see the module doc for the trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// fsync before every mutating call returns.
    Always,
    /// fsync in the background at this interval.
    Interval(Duration),
}

/// File store tuning.
#[derive(Debug, Clone)]
pub struct FileStoreConfig {
    /// A block is closed once it holds this many bytes (at most 1 GiB).
    pub block_size: u64,
    /// A block is closed once it holds this many messages.
    pub block_max_msgs: u32,
    pub sync: SyncPolicy,
}

impl Default for FileStoreConfig {
    fn default() -> Self {
        FileStoreConfig {
            block_size: 8 << 20,
            block_max_msgs: 100_000,
            sync: SyncPolicy::Interval(Duration::from_secs(1)),
        }
    }
}

/// What `open` found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub blocks: usize,
    /// Records read (messages, tombstones, floors).
    pub records: u64,
    /// Bytes cut from torn or corrupt block tails.
    pub truncated_bytes: u64,
    /// Blocks recovered from their summary (only bytes after it were read).
    pub summarized_blocks: usize,
    /// Block files that were unreadable and set aside as `.bad`.
    pub bad_blocks: Vec<String>,
}

const READ_WINDOW: usize = 64 << 10;
const MAX_OPEN_READERS: usize = 64;
const MAX_OPEN_WRITERS: usize = 16;
/// Blocks smaller than this are not worth rewriting.
const MIN_REWRITE: u64 = 256 << 10;
/// Payloads at least this large are written from the caller's buffer (one vectored write behind
/// the buffered bytes) instead of being copied into the write buffer first.
const DIRECT_WRITE_MIN: usize = 16 << 10;
/// The tail's summary is written again (a checkpoint) each time the tail has grown by this many
/// bytes (an eighth of the block size when that is less), so that recovery reads and verifies at
/// most about this much of it.
const CHECKPOINT_EVERY: u64 = 1 << 20;

/// In-memory state of one block file.
#[derive(Debug)]
struct Block {
    id: u32,
    header: BlockHeader,
    /// Bytes in the file (for the tail, including bytes buffered in this call).
    len: u64,
    live: u32,
    /// Sum of the accounted sizes of live messages.
    live_size: u64,
    /// Message records ever written to this block instance.
    records: u32,
}

#[derive(Debug, Default)]
struct Reader {
    files: HashMap<u32, Arc<File>>,
    /// `(block id, file offset, bytes)`.
    window: Option<(u32, u64, Vec<u8>)>,
}

/// The file backend of [`FileStore`].
#[derive(Debug)]
pub struct FileBackend {
    dir: PathBuf,
    cfg: FileStoreConfig,
    /// Ordered by `base_seq`; the last is the tail.
    blocks: Vec<Block>,
    tail: File,
    /// Tail bytes of the current call, written at commit (or with the next large payload).
    buf: Vec<u8>,
    /// A large payload was written to the tail in this call, straight from the caller's buffer.
    tail_written: bool,
    /// Tombstones for non-tail blocks, written at commit.
    tombstones: HashMap<u32, Vec<u8>>,
    writers: HashMap<u32, File>,
    /// A removal below the first sequence is not yet covered by a persisted floor.
    floor_dirty: bool,
    /// Highest floor persisted in the current tail.
    tail_floor: u64,
    /// What the tail holds so far, written beside it when it is sealed and, as a checkpoint,
    /// every [`CHECKPOINT_EVERY`] bytes while it grows.
    tail_summary: Summary,
    /// Tail bytes covered by its last checkpoint (or by the summary it was recovered from).
    checkpoint_len: u64,
    /// Blocks that lost live messages in this call.
    touched: Vec<u32>,
    next_id: u32,
    reader: Mutex<Reader>,
    poison: Arc<Poison>,
    syncer: Option<Syncer>,
    report: RecoveryReport,
}

/// Writes `a` then `b` to `f`, gathering them in as few system calls as it takes.
fn write_all_two(f: &mut File, a: &[u8], b: &[u8]) -> std::io::Result<()> {
    let mut parts = [IoSlice::new(a), IoSlice::new(b)];
    let mut rest = &mut parts[..];
    while !rest.is_empty() {
        match f.write_vectored(rest) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn block_path(dir: &Path, id: u32) -> PathBuf {
    dir.join(format!("{id:08}.blk"))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Write `bytes` as a new file at `path` atomically: temp file, fsync, rename, fsync the directory.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<File> {
    let tmp = path.with_extension("tmp");
    let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    sync_dir(dir)?;
    f.seek(SeekFrom::End(0))?;
    Ok(f)
}

fn read_full(file: &File, at: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], at + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl FileStore {
    /// Open (or create) the store in `dir`, recovering whatever a previous run left.
    pub fn open(dir: impl AsRef<Path>, cfg: FileStoreConfig, limits: Limits, clock: Arc<dyn Clock>) -> Result<Self> {
        let (backend, index, ttls) = FileBackend::open(dir.as_ref(), cfg)?;
        StreamStore::from_parts(backend, index, ttls, limits, clock)
    }

    /// What the last `open` found and repaired.
    pub fn recovery_report(&self) -> &RecoveryReport {
        &self.backend.report
    }

    /// Number of block files.
    pub fn block_count(&self) -> usize {
        self.backend.blocks.len()
    }

    /// Bytes on disk over all block files.
    pub fn disk_bytes(&self) -> u64 {
        self.backend.blocks.iter().map(|b| b.len).sum()
    }

    /// Sealed blocks counted at open whose messages are not yet in the index (they are read on
    /// first use).
    pub fn unloaded_blocks(&self) -> usize {
        self.index.lock().pending().len()
    }
}

/// One block as recovery found it.
struct Recovered {
    id: u32,
    header: BlockHeader,
    /// Everything the block holds (its bytes after repair).
    summary: Summary,
    /// Bytes covered by the summary file it was recovered from (0 without one).
    summarized: u64,
}

fn summary_path(dir: &Path, id: u32) -> PathBuf {
    dir.join(format!("{id:08}.sum"))
}

/// Remove block `id`'s summary; true when there was one.
fn remove_summary(dir: &Path, id: u32) -> std::io::Result<bool> {
    match fs::remove_file(summary_path(dir, id)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Write block `id`'s summary (temp file and rename; not fsynced: a lost or torn summary only means
/// the block is scanned again).
fn write_summary(dir: &Path, id: u32, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{id:08}.sum.tmp"));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, summary_path(dir, id))
}

/// The first bytes of a summary file read at open; a longer head takes a second read.
const HEAD_READ: usize = 4 << 10;

/// Block `id`'s summary if it still describes the block (see [`summary`]). With `entries` the
/// whole file is read and checked; without, only its head (totals, subjects, tombstones, TTLs).
fn load_summary(dir: &Path, id: u32, file: &File, header: &[u8], file_len: u64, entries: bool) -> Option<Summary> {
    let (s, sample) = if entries {
        let (s, sum_header, sample) = read_summary_file(dir, id)?;
        (sum_header[..] == header[..HEADER_LEN]).then_some((s, sample))?
    } else {
        let mut f = File::open(summary_path(dir, id)).ok()?;
        let mut buf = vec![0u8; HEAD_READ];
        let n = read_full(&f, 0, &mut buf).ok()?;
        buf.truncate(n);
        let head_len = Summary::head_len(&buf)?;
        if head_len > buf.len() {
            buf.resize(head_len, 0);
            f.seek(SeekFrom::Start(n as u64)).ok()?;
            std::io::Read::read_exact(&mut f, &mut buf[n..]).ok()?;
        }
        let head = Summary::decode_head(&buf)?;
        let file_size = f.metadata().ok()?.len();
        if head.header[..] != header[..HEADER_LEN] || file_size != head.file_len as u64 {
            return None;
        }
        (head.summary, head.sample)
    };
    if s.len > file_len {
        return None;
    }
    let range = sample.range(s.len);
    let mut bytes = vec![0u8; (range.end - range.start) as usize];
    if read_full(file, range.start, &mut bytes).ok()? != bytes.len() || crc32fast::hash(&bytes) != sample.crc {
        return None;
    }
    Some(s)
}

/// Block `id`'s whole summary file, decoded; `None` when it is missing or damaged.
fn read_summary_file(dir: &Path, id: u32) -> Option<(Summary, [u8; HEADER_LEN], summary::Sample)> {
    Summary::decode(fs::read(summary_path(dir, id)).ok()?)
}

/// Everything block `id` holds, read from the block itself (every record checked).
fn scan_block(dir: &Path, id: u32, header: &BlockHeader) -> Result<Summary> {
    let bytes = fs::read(block_path(dir, id))?;
    let mut s = Summary::default();
    if bytes.len() > HEADER_LEN {
        s.scan(header, &bytes[HEADER_LEN..], HEADER_LEN as u64);
    }
    Ok(s)
}

/// Bytes of a block read at a time by recovery (one buffer, reused: reading a whole tail block
/// into fresh memory costs more in page faults than in copying).
const SCAN_CHUNK: usize = 1 << 20;

/// Scan `file` from offset `from` to `file_len` into `summary` in [`SCAN_CHUNK`] pieces; stops at
/// the first torn or corrupt record. Returns the offset after the last valid record and how many
/// records were read.
fn scan_from(file: &File, header: &BlockHeader, summary: &mut Summary, from: u64, file_len: u64) -> Result<(u64, u64)> {
    let mut buf = vec![0u8; SCAN_CHUNK.min((file_len - from) as usize)];
    // `buf[..filled]` holds the file's bytes from offset `pos`.
    let (mut pos, mut filled, mut records) = (from, 0usize, 0u64);
    summary.len = from;
    loop {
        let n = read_full(file, pos + filled as u64, &mut buf[filled..])?;
        filled += n;
        let eof = filled < buf.len() || pos + filled as u64 >= file_len;
        let (end, read) = summary.scan(header, &buf[..filled], pos);
        records += read;
        let used = (end - pos) as usize;
        if eof {
            return Ok((end, records));
        }
        if used == 0 {
            // No whole record in a full buffer: a record longer than it, or damage.
            match record::peek_len(&buf[..filled]) {
                Some(len) if len > buf.len() && pos + len as u64 <= file_len => buf.resize(len, 0),
                _ => return Ok((end, records)),
            }
            continue;
        }
        buf.copy_within(used..filled, 0);
        filled -= used;
        pos = end;
    }
}

impl FileBackend {
    /// Recover block `id`: from its summary plus a scan of what follows it, or by a full scan; cuts
    /// a torn or corrupt tail. `None` when the block was unusable (removed or set aside). A sealed
    /// block with nothing after its summary is returned with the summary's head only (no entries).
    fn recover_block(dir: &Path, id: u32, is_last: bool, report: &mut RecoveryReport) -> Result<Option<Recovered>> {
        let path = block_path(dir, id);
        let file = File::open(&path)?;
        let file_len = file.metadata()?.len();
        let mut head = [0u8; HEADER_LEN];
        let n = read_full(&file, 0, &mut head)?;
        let Some(header) = BlockHeader::decode(&head[..n]) else {
            drop(file);
            if is_last && file_len <= HEADER_LEN as u64 {
                // A tail whose creation was cut short: it never held a record.
                fs::remove_file(&path)?;
            } else {
                tracing::warn!(path = %path.display(), "unreadable block header; setting the block aside");
                fs::rename(&path, path.with_extension("bad"))?;
                report.bad_blocks.push(path.display().to_string());
            }
            remove_summary(dir, id)?;
            return Ok(None);
        };
        let mut loaded = load_summary(dir, id, &file, &head, file_len, is_last);
        if loaded.as_ref().is_some_and(|s| !s.has_entries() && s.len < file_len) {
            // Records follow the summary: they are appended to it, which needs its entries.
            loaded = load_summary(dir, id, &file, &head, file_len, true);
        }
        let from_file = loaded.is_some();
        let mut summary = loaded.unwrap_or_default();
        let from = if from_file { summary.len } else { HEADER_LEN as u64 };
        let summarized = if from_file { from } else { 0 };
        let (end, read) = scan_from(&file, &header, &mut summary, from, file_len)?;
        report.records += read;
        if from_file {
            report.summarized_blocks += 1;
        }
        if end < file_len {
            tracing::warn!(path = %path.display(), valid = end, len = file_len, "truncating damaged block tail");
            report.truncated_bytes += file_len - end;
            let f = OpenOptions::new().write(true).open(&path)?;
            f.set_len(end)?;
            f.sync_all()?;
        }
        if !from_file {
            // A summary that did not match is stale for good.
            remove_summary(dir, id)?;
        }
        if !from_file && !is_last && end > HEADER_LEN as u64 {
            // Summarise a sealed block that had none (a crash before its summary was written, or a
            // store written before summaries existed) so the next open need not read it.
            let range = summary::sample_range(end);
            let mut sample = vec![0u8; (range.end - range.start) as usize];
            read_full(&file, range.start, &mut sample)?;
            let sample_crc = crc32fast::hash(&sample);
            if let Err(e) = write_summary(dir, id, &summary.encode(&head, sample_crc)) {
                tracing::warn!(block = id, error = %e, "cannot write block summary");
            }
        }
        Ok(Some(Recovered { id, header, summary, summarized }))
    }

    fn open(dir: &Path, cfg: FileStoreConfig) -> Result<(FileBackend, SeqIndex<u32>, RecoveredTtls)> {
        fs::create_dir_all(dir)?;
        let mut ids = Vec::new();
        let mut summaries = Vec::new();
        for ent in fs::read_dir(dir)? {
            let path = ent?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if name.ends_with(".tmp") {
                fs::remove_file(&path)?;
            } else if let Some(id) = name.strip_suffix(".blk").and_then(|s| s.parse::<u32>().ok()) {
                ids.push(id);
            } else if let Some(id) = name.strip_suffix(".sum").and_then(|s| s.parse::<u32>().ok()) {
                summaries.push(id);
            }
        }
        ids.sort_unstable();
        // A summary whose block is gone (removed just before a crash) must not outlive it.
        for id in summaries {
            if ids.binary_search(&id).is_err() {
                remove_summary(dir, id)?;
            }
        }
        let mut report = RecoveryReport::default();
        let mut recovered = Vec::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            if let Some(rec) = Self::recover_block(dir, id, i + 1 == ids.len(), &mut report)? {
                recovered.push(rec);
            }
        }
        // Everything below the highest floor is gone, whichever block says so.
        let floor = recovered.iter().map(|r| r.header.floor.max(r.summary.floor)).max().unwrap_or(0);
        let tail_floor = recovered.last().map_or(0, |r| r.header.floor.max(r.summary.floor));
        let mut blocks: Vec<Block> = Vec::new();
        let mut index = SeqIndex::default();
        let mut ttls = RecoveredTtls::default();
        let mut tail_summary = Summary::default();
        let mut checkpoint_len = HEADER_LEN as u64;
        let mut last = (0u64, 0i64);
        let count = recovered.len();
        for (i, rec) in recovered.into_iter().enumerate() {
            let Recovered { id, header, mut summary, summarized } = rec;
            if header.base_seq > 0 && header.base_seq - 1 > last.0 {
                last = (header.base_seq - 1, header.base_ts);
            }
            if summary.records > 0 && summary.last.0 >= last.0 {
                last = summary.last;
            }
            let above = index.last_seq() == 0 || summary.first.0 > index.last_seq();
            let clean = summary.dead.is_empty() && summary.records > 0 && floor <= summary.first.0 && above;
            if !summary.has_entries() && clean && i + 1 < count {
                // Counted from the summary's head; its messages are placed on first use.
                let span = PendingSpan {
                    block: id,
                    first: summary.first.0,
                    last: summary.last.0,
                    first_ts: summary.first.1,
                    msgs: summary.records as u64,
                    hdrs: summary.hdrs,
                };
                let subjects = (0..summary.subject_count() as u32).map(|i| {
                    let st = summary.subject_stats(i);
                    (summary.subject(i), st.msgs as u64, st.first, st.last)
                });
                index.add_pending(span, summary.bytes, subjects);
                ttls.ttls.extend_from_slice(&summary.ttls);
                let (live, live_size) = (summary.records, summary.bytes);
                blocks.push(Block { id, header, len: summary.len, live, live_size, records: summary.records });
                continue;
            }
            if !summary.has_entries() {
                let len = summary.len;
                summary = match read_summary_file(dir, id).filter(|(s, h, _)| *h == header.encode() && s.len == len) {
                    Some((s, ..)) => s,
                    None => scan_block(dir, id, &header)?,
                };
            }
            blocks.push(Block { id, header, len: summary.len, live: 0, live_size: 0, records: summary.records });
            let block = blocks.last_mut().expect("just pushed");
            let dead: HashSet<u64> = summary.dead.iter().copied().collect();
            // Subject ids of this block's subjects, resolved on their first live message.
            let mut ids_of: Vec<Option<SubjectId>> = vec![None; summary.subject_count()];
            summary.for_each_msg(|m| {
                // Messages below the floor are gone; only blocks straddling it can still hold some.
                let gone = m.seq < floor || (!dead.is_empty() && dead.contains(&m.seq));
                if gone || (index.msgs() > 0 && m.seq <= index.last_seq()) {
                    return;
                }
                match ids_of[m.subject as usize] {
                    Some(sid) => index.insert_id(m.seq, sid, m.size, m.hdr, m.offset),
                    None => {
                        let sid = index.insert(m.seq, 0, summary.subject(m.subject), m.size, m.hdr, m.offset);
                        ids_of[m.subject as usize] = Some(sid);
                    }
                }
                block.live += 1;
                block.live_size += m.size as u64;
                if m.ttl {
                    if let Some((ts, ttl)) = summary.ttl_of(m.seq) {
                        ttls.ttls.push((m.seq, ts, ttl));
                    }
                }
            });
            tail_summary = summary;
            checkpoint_len = summarized.max(HEADER_LEN as u64);
        }
        report.blocks = blocks.len();
        ttls.ttls.retain(|t| t.0 >= floor);
        if index.msgs() == 0 {
            let (last_seq, last_ts) = last;
            let first = if last_seq == 0 && floor == 0 { 0 } else { floor.max(last_seq + 1) };
            index.set_bounds(first, first.saturating_sub(1).max(last_seq), last_ts);
        } else {
            index.recover_last(last.0, last.1);
        }

        let poison = Arc::new(Poison::default());
        let syncer = match cfg.sync {
            SyncPolicy::Interval(d) => Some(Syncer::start(d, poison.clone())?),
            SyncPolicy::Always => None,
        };
        let next_id = ids.last().map_or(1, |l| l + 1);
        let tail = match blocks.last() {
            Some(b) => {
                let mut f = OpenOptions::new().read(true).write(true).open(block_path(dir, b.id))?;
                f.seek(SeekFrom::Start(b.len))?;
                f
            }
            None => {
                // A new store: an empty tail whose next message is 1 (floor 0 marks "never used").
                let header = BlockHeader { base_seq: index.last_seq() + 1, base_ts: index.last_ts(), floor: 0 };
                let f = write_atomically(dir, &block_path(dir, next_id), &header.encode())?;
                blocks.push(Block { id: next_id, header, len: HEADER_LEN as u64, live: 0, live_size: 0, records: 0 });
                f
            }
        };
        let next_id = blocks.last().map_or(next_id, |b| b.id + 1);
        // The first commit (at open) reclaims blocks that died before the last shutdown.
        let touched = blocks.iter().rev().skip(1).map(|b| b.id).collect();
        let backend = FileBackend {
            dir: dir.to_path_buf(),
            cfg,
            blocks,
            tail,
            buf: Vec::with_capacity(64 << 10),
            tail_written: false,
            tombstones: HashMap::new(),
            writers: HashMap::new(),
            floor_dirty: false,
            tail_floor,
            tail_summary,
            checkpoint_len,
            touched,
            next_id,
            reader: Mutex::new(Reader::default()),
            poison,
            syncer,
            report,
        };
        Ok((backend, index, ttls))
    }

    fn fail<T>(&self, e: std::io::Error, what: &str) -> Result<T> {
        self.poison.set(format!("{what}: {e}"));
        Err(StoreError::Io(e))
    }

    fn block_pos(&self, seq: u64) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.header.base_seq <= seq);
        i.checked_sub(1)
    }

    fn tail_block(&self) -> &Block {
        self.blocks.last().expect("a tail block always exists")
    }

    /// Write the tail buffer to the OS.
    fn flush_tail(&mut self) -> Result<bool> {
        if self.buf.is_empty() {
            return Ok(false);
        }
        if let Err(e) = self.tail.write_all(&self.buf) {
            return self.fail(e, "write to tail block");
        }
        self.buf.clear();
        Ok(true)
    }

    /// Flush and fsync the tail regardless of policy.
    fn sync_tail_now(&mut self) -> Result<()> {
        self.flush_tail()?;
        if let Err(e) = self.tail.sync_data() {
            return self.fail(e, "fsync of tail block");
        }
        Ok(())
    }

    /// Start a new tail whose first sequence is `base_seq`.
    fn new_tail(&mut self, base_seq: u64, base_ts: i64, floor: u64) -> Result<()> {
        let id = self.next_id;
        let header = BlockHeader { base_seq, base_ts, floor };
        if let Err(e) = remove_summary(&self.dir, id) {
            return self.fail(e, "remove stale block summary");
        }
        let tail = match write_atomically(&self.dir, &block_path(&self.dir, id), &header.encode()) {
            Ok(f) => f,
            Err(e) => return self.fail(e, "create block"),
        };
        self.next_id += 1;
        self.tail = tail;
        self.tail_floor = floor;
        self.tail_summary = Summary::default();
        self.checkpoint_len = HEADER_LEN as u64;
        self.blocks.push(Block { id, header, len: HEADER_LEN as u64, live: 0, live_size: 0, records: 0 });
        Ok(())
    }

    /// Write the summary of the tail, which is being sealed or checkpointed (its bytes are all
    /// written to the OS).
    fn summarize_tail(&mut self) {
        let t = self.tail_block();
        let (id, len, header) = (t.id, t.len, t.header);
        self.tail_summary.len = len;
        self.checkpoint_len = len;
        let range = summary::sample_range(len);
        let mut sample = vec![0u8; (range.end - range.start) as usize];
        let res = read_full(&self.tail, range.start, &mut sample).and_then(|n| {
            if n != sample.len() {
                return Err(std::io::Error::new(ErrorKind::UnexpectedEof, "block shorter than written"));
            }
            let bytes = self.tail_summary.encode(&header.encode(), crc32fast::hash(&sample));
            // The previous checkpoint goes first: renaming over an existing file makes the file
            // system start writing the new one back at once, on the publishing thread. Until the
            // rename the tail has no checkpoint, which only makes it slower to recover.
            remove_summary(&self.dir, id)?;
            write_summary(&self.dir, id, &bytes)
        });
        // Without a summary the block is only slower to recover.
        if let Err(e) = res {
            tracing::warn!(block = id, error = %e, "cannot write block summary");
        }
    }

    fn drop_block_handles(&mut self, id: u32) {
        let mut r = self.reader.lock();
        r.files.remove(&id);
        if r.window.as_ref().is_some_and(|w| w.0 == id) {
            r.window = None;
        }
        drop(r);
        self.writers.remove(&id);
        self.tombstones.remove(&id);
        if let Some(s) = &self.syncer {
            s.forget(id);
        }
    }

    /// Make sure the current floor is durable in the tail before a block that may carry it goes.
    fn persist_floor(&mut self, floor: u64) -> Result<()> {
        if self.tail_floor < floor {
            let n = record::encode_floor(&mut self.buf, floor);
            self.blocks.last_mut().expect("tail").len += n as u64;
            self.tail_floor = floor;
            self.tail_summary.floor = self.tail_summary.floor.max(floor);
        }
        self.sync_tail_now()
    }

    fn writer(&mut self, id: u32) -> Result<&File> {
        if !self.writers.contains_key(&id) {
            if self.writers.len() >= MAX_OPEN_WRITERS {
                self.writers.clear();
            }
            match OpenOptions::new().read(true).write(true).open(block_path(&self.dir, id)) {
                Ok(f) => {
                    self.writers.insert(id, f);
                }
                Err(e) => return self.fail(e, "open block for writing"),
            }
        }
        Ok(&self.writers[&id])
    }

    /// Write buffered tombstones of non-tail blocks.
    fn flush_tombstones(&mut self) -> Result<()> {
        if self.tombstones.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.tombstones);
        for (id, bytes) in pending {
            let Some(pos) = self.blocks.iter().position(|b| b.id == id) else {
                continue;
            };
            let at = self.blocks[pos].len;
            let always = self.cfg.sync == SyncPolicy::Always;
            let f = self.writer(id)?;
            let res = f.write_all_at(&bytes, at).and_then(|_| if always { f.sync_data() } else { Ok(()) });
            if let Err(e) = res {
                return self.fail(e, "write tombstones");
            }
            if let Some(s) = &self.syncer {
                s.dirty(id, &self.writers[&id]);
            }
            self.blocks[pos].len += bytes.len() as u64;
        }
        Ok(())
    }

    /// Read the raw record at `offset` of block `id` through the read window.
    fn with_record<T>(&self, id: u32, offset: u32, f: impl FnOnce(&[u8]) -> Result<T>) -> Result<T> {
        let mut r = self.reader.lock();
        let off = offset as u64;
        let hit = |w: &(u32, u64, Vec<u8>)| -> Option<(usize, usize)> {
            if w.0 != id || off < w.1 {
                return None;
            }
            let start = (off - w.1) as usize;
            let len = record::peek_len(w.2.get(start..)?)?;
            (start + len <= w.2.len()).then_some((start, len))
        };
        if let Some((start, len)) = r.window.as_ref().and_then(hit) {
            let w = r.window.as_ref().expect("window");
            return f(&w.2[start..start + len]);
        }
        let file = match r.files.get(&id) {
            Some(f) => f.clone(),
            None => {
                if r.files.len() >= MAX_OPEN_READERS {
                    r.files.clear();
                }
                let f = Arc::new(File::open(block_path(&self.dir, id))?);
                r.files.insert(id, f.clone());
                f
            }
        };
        let mut data = std::mem::take(&mut r.window).map(|w| w.2).unwrap_or_default();
        data.resize(READ_WINDOW, 0);
        let n = read_full(&file, off, &mut data)?;
        data.truncate(n);
        let len = record::peek_len(&data)
            .ok_or_else(|| StoreError::Corrupt(format!("bad record length at block {id} offset {off}")))?;
        if len > data.len() {
            data.resize(len, 0);
            let n = read_full(&file, off, &mut data)?;
            if n < len {
                return Err(StoreError::Corrupt(format!("short record at block {id} offset {off}")));
            }
        }
        r.window = Some((id, off, data));
        let w = r.window.as_ref().expect("window");
        f(&w.2[..len])
    }

    fn decode_msg<'a>(&self, rec: &'a [u8], header: &BlockHeader, seq: u64) -> Result<record::MsgRecord<'a>> {
        match record::decode(rec, header) {
            Decoded::Ok(Record::Msg(m), _) if m.seq == seq => Ok(m),
            _ => Err(StoreError::Corrupt(format!("record of message {seq} is damaged"))),
        }
    }

    fn erase(&mut self, pos: usize, seq: u64, offset: u32) -> Result<()> {
        self.flush_tail()?;
        let (id, header) = (self.blocks[pos].id, self.blocks[pos].header);
        // The summary vouches for these bytes; it goes (durably) before they change.
        match remove_summary(&self.dir, id) {
            Ok(true) => {
                if let Err(e) = sync_dir(&self.dir) {
                    return self.fail(e, "remove block summary");
                }
            }
            Ok(false) => {}
            Err(e) => return self.fail(e, "remove block summary"),
        }
        let mut rec = self.with_record(id, offset, |r| Ok(r.to_vec()))?;
        let payload_at = self.decode_msg(&rec, &header, seq)?.payload_at;
        record::erase_in_place(&mut rec, payload_at);
        let is_tail = pos + 1 == self.blocks.len();
        let res = if is_tail {
            self.tail.write_all_at(&rec, offset as u64).and_then(|_| self.tail.sync_data())
        } else {
            let f = self.writer(id)?;
            f.write_all_at(&rec, offset as u64).and_then(|_| f.sync_data())
        };
        if let Err(e) = res {
            return self.fail(e, "secure erase");
        }
        let mut r = self.reader.lock();
        if r.window.as_ref().is_some_and(|w| w.0 == id) {
            r.window = None;
        }
        Ok(())
    }

    /// Place the messages of one pending span (a sealed block counted from its summary's head):
    /// from the summary's entries, or from the block itself when the summary is no longer usable.
    fn fill_span(&self, index: &mut SeqIndex<u32>, span: &PendingSpan) -> Result<()> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("block {}: {what}", span.block));
        let b = self.blocks.iter().find(|b| b.id == span.block).ok_or_else(|| corrupt("no such block"))?;
        let header = b.header;
        let summary = match read_summary_file(&self.dir, b.id).filter(|(_, h, _)| *h == header.encode()) {
            Some((s, ..)) => s,
            None => {
                tracing::warn!(block = b.id, "block summary unusable; reading the block");
                scan_block(&self.dir, b.id, &header)?
            }
        };
        let dead: HashSet<u64> = summary.dead.iter().copied().collect();
        let (mut n, mut outside) = (0u64, false);
        summary.for_each_msg(|m| {
            if !dead.contains(&m.seq) {
                n += 1;
                outside |= m.seq < span.first || m.seq > span.last;
            }
        });
        if n != span.msgs || outside {
            return Err(corrupt("messages differ from its summary"));
        }
        let mut ids: Vec<Option<SubjectId>> = vec![None; summary.subject_count()];
        let mut missing = false;
        summary.for_each_msg(|m| {
            if dead.contains(&m.seq) {
                return;
            }
            let id = match ids[m.subject as usize] {
                Some(id) => id,
                None => match index.subject_id(summary.subject(m.subject)) {
                    Some(id) => *ids[m.subject as usize].insert(id),
                    None => {
                        missing = true;
                        return;
                    }
                },
            };
            index.place(m.seq, id, m.size, m.hdr, m.offset);
        });
        if missing {
            return Err(corrupt("a subject of its summary is not counted"));
        }
        Ok(())
    }

    /// Remove block at `pos` (no live messages) from disk.
    fn remove_block(&mut self, pos: usize, floor: u64) -> Result<()> {
        self.persist_floor(floor)?;
        let id = self.blocks[pos].id;
        self.drop_block_handles(id);
        if let Err(e) = fs::remove_file(block_path(&self.dir, id)) {
            if e.kind() != ErrorKind::NotFound {
                return self.fail(e, "remove block");
            }
        }
        if let Err(e) = remove_summary(&self.dir, id) {
            return self.fail(e, "remove block summary");
        }
        self.blocks.remove(pos);
        Ok(())
    }

    /// Rewrite block at `pos` with only its live records.
    fn rewrite_block(&mut self, pos: usize, index: &mut SeqIndex<u32>) -> Result<()> {
        let floor = index.first_seq();
        self.persist_floor(floor)?;
        self.flush_tombstones()?;
        let id = self.blocks[pos].id;
        let hi = self.blocks.get(pos + 1).map_or(u64::MAX, |b| b.header.base_seq - 1);
        let mut header = self.blocks[pos].header;
        header.floor = header.floor.max(floor);
        let old = match fs::read(block_path(&self.dir, id)) {
            Ok(b) => b,
            Err(e) => return self.fail(e, "read block for rewrite"),
        };
        let mut out = header.encode().to_vec();
        let mut moved = Vec::new();
        let mut bad = None;
        index.for_each_live_mut(header.base_seq, hi, |seq, e| {
            let at = e.loc as usize;
            match old.get(at..).and_then(record::peek_len) {
                Some(len) if at + len <= old.len() => {
                    moved.push(out.len() as u32);
                    out.extend_from_slice(&old[at..at + len]);
                }
                _ => bad = Some(seq),
            }
        });
        if let Some(seq) = bad {
            return Err(StoreError::Corrupt(format!("record of message {seq} missing during rewrite")));
        }
        self.drop_block_handles(id);
        // The old summary goes first; the directory fsync of the rewrite makes that durable.
        if let Err(e) = remove_summary(&self.dir, id) {
            return self.fail(e, "remove block summary");
        }
        if let Err(e) = write_atomically(&self.dir, &block_path(&self.dir, id), &out) {
            return self.fail(e, "rewrite block");
        }
        let mut summary = Summary::default();
        summary.scan(&header, &out[HEADER_LEN..], HEADER_LEN as u64);
        let range = summary::sample_range(summary.len);
        let sample_crc = crc32fast::hash(&out[range.start as usize..range.end as usize]);
        if let Err(e) = write_summary(&self.dir, id, &summary.encode(&out[..HEADER_LEN], sample_crc)) {
            tracing::warn!(block = id, error = %e, "cannot write block summary");
        }
        let mut it = moved.into_iter();
        index.for_each_live_mut(header.base_seq, hi, |_, e| e.loc = it.next().expect("same live set"));
        let b = &mut self.blocks[pos];
        b.header = header;
        b.len = out.len() as u64;
        b.records = b.live;
        Ok(())
    }
}

impl Backend for FileBackend {
    type Loc = u32;

    fn msg_size(subject_len: usize, hdr_len: usize, data_len: usize) -> u64 {
        file_msg_size(subject_len, hdr_len, data_len)
    }

    fn check_writable(&self) -> Result<()> {
        match self.poison.reason() {
            Some(r) => Err(StoreError::Poisoned(r)),
            None => Ok(()),
        }
    }

    fn append(&mut self, m: &NewMsg<'_>) -> Result<u32> {
        let approx = 64 + m.subject.len() + m.hdr.len() + m.data.len();
        if approx > record::MAX_RECORD {
            return Err(StoreError::MsgTooLarge);
        }
        let t = self.tail_block();
        let full = t.records > 0
            && (t.len + approx as u64 > self.cfg.block_size.min(1 << 30) || t.records >= self.cfg.block_max_msgs);
        if full {
            // Hand the old tail to the sync policy before the next block starts, and let the next
            // commit reclaim it if it is already (mostly) dead.
            self.flush_tail()?;
            let old = self.tail_block().id;
            self.touched.push(old);
            match (&self.cfg.sync, &self.syncer) {
                (SyncPolicy::Always, _) => self.sync_tail_now()?,
                (_, Some(s)) => s.dirty(self.tail_block().id, &self.tail),
                _ => {}
            }
            self.summarize_tail();
            let floor = m.floor.max(self.tail_floor);
            self.new_tail(m.seq, m.ts, floor)?;
        }
        // A floor above what the tail holds rides in the record; anything removed below the first
        // sequence is then covered.
        let embed_floor = m.floor > self.tail_floor;
        let t = self.blocks.last_mut().expect("tail");
        let offset = t.len;
        if m.data.len() >= DIRECT_WRITE_MIN {
            // The payload goes from the caller's buffer to the file, behind what is buffered.
            t.len += record::encode_msg_head(&mut self.buf, &t.header, m, embed_floor) as u64;
            if let Err(e) = write_all_two(&mut self.tail, &self.buf, m.data) {
                return self.fail(e, "write to tail block");
            }
            self.buf.clear();
            self.tail_written = true;
        } else {
            t.len += record::encode_msg(&mut self.buf, &t.header, m, embed_floor) as u64;
        }
        let t = self.blocks.last_mut().expect("tail");
        t.live += 1;
        t.records += 1;
        let size = file_msg_size(m.subject.len(), m.hdr.len(), m.data.len());
        t.live_size += size;
        self.tail_summary.add_msg(m.seq, m.ts, m.subject, size as u32, offset as u32, !m.hdr.is_empty(), m.ttl);
        if embed_floor {
            self.tail_floor = m.floor;
            self.tail_summary.floor = self.tail_summary.floor.max(m.floor);
        }
        self.floor_dirty = false;
        Ok(offset as u32)
    }

    fn read(&self, seq: u64, subject: &Arc<str>, loc: &u32) -> Result<StoredMsg> {
        let pos = self.block_pos(seq).ok_or_else(|| StoreError::Corrupt(format!("no block for {seq}")))?;
        let b = &self.blocks[pos];
        self.with_record(b.id, *loc, |rec| {
            let m = self.decode_msg(rec, &b.header, seq)?;
            let mut buf = BytesMut::with_capacity(m.hdr.len() + m.data.len());
            buf.extend_from_slice(m.hdr);
            buf.extend_from_slice(m.data);
            let mut data = buf.freeze();
            let hdr: Bytes = data.split_to(m.hdr.len());
            Ok(StoredMsg { subject: subject.clone(), seq, ts: m.ts, hdr, data })
        })
    }

    fn read_ts(&self, seq: u64, loc: &u32) -> Result<i64> {
        let pos = self.block_pos(seq).ok_or_else(|| StoreError::Corrupt(format!("no block for {seq}")))?;
        let b = &self.blocks[pos];
        self.with_record(b.id, *loc, |rec| Ok(self.decode_msg(rec, &b.header, seq)?.ts))
    }

    fn on_remove(&mut self, seq: u64, entry: Entry<u32>, how: Removal) -> Result<()> {
        let Some(pos) = self.block_pos(seq) else {
            return Ok(());
        };
        if how.erase {
            self.erase(pos, seq, entry.loc)?;
        }
        let is_tail = pos + 1 == self.blocks.len();
        let b = &mut self.blocks[pos];
        b.live -= 1;
        b.live_size -= entry.size as u64;
        let id = b.id;
        if how.below_first {
            self.floor_dirty = true;
        } else if is_tail {
            let n = record::encode_tombstone(&mut self.buf, &b.header, seq);
            b.len += n as u64;
            self.tail_summary.dead.push(seq);
        } else {
            let header = b.header;
            record::encode_tombstone(self.tombstones.entry(id).or_default(), &header, seq);
        }
        if !is_tail && self.touched.last() != Some(&id) {
            self.touched.push(id);
        }
        Ok(())
    }

    fn on_reset(&mut self, next_seq: u64, last_ts: i64) -> Result<()> {
        self.buf.clear();
        self.tombstones.clear();
        self.touched.clear();
        self.floor_dirty = false;
        let old: Vec<u32> = self.blocks.iter().map(|b| b.id).collect();
        self.new_tail(next_seq, last_ts, next_seq)?;
        for id in old {
            self.drop_block_handles(id);
            if let Err(e) = fs::remove_file(block_path(&self.dir, id)) {
                if e.kind() != ErrorKind::NotFound {
                    return self.fail(e, "remove block");
                }
            }
            if let Err(e) = remove_summary(&self.dir, id) {
                return self.fail(e, "remove block summary");
            }
        }
        let n = self.blocks.len();
        self.blocks.drain(..n - 1);
        Ok(())
    }

    fn commit(&mut self, index: &mut SeqIndex<u32>) -> Result<()> {
        if self.floor_dirty {
            let floor = index.first_seq();
            let n = record::encode_floor(&mut self.buf, floor);
            self.blocks.last_mut().expect("tail").len += n as u64;
            self.tail_floor = self.tail_floor.max(floor);
            self.tail_summary.floor = self.tail_summary.floor.max(floor);
            self.floor_dirty = false;
        }
        self.flush_tombstones()?;
        let direct = std::mem::take(&mut self.tail_written);
        if self.flush_tail()? | direct {
            match (&self.cfg.sync, &self.syncer) {
                (SyncPolicy::Always, _) => {
                    if let Err(e) = self.tail.sync_data() {
                        return self.fail(e, "fsync of tail block");
                    }
                }
                (_, Some(s)) => s.dirty(self.tail_block().id, &self.tail),
                _ => {}
            }
            let every = (self.cfg.block_size / 8).clamp(1, CHECKPOINT_EVERY);
            if self.tail_block().len >= self.checkpoint_len + every {
                self.summarize_tail();
            }
        }
        if self.touched.is_empty() {
            return Ok(());
        }
        let touched = std::mem::take(&mut self.touched);
        for id in touched {
            let Some(pos) = self.blocks.iter().position(|b| b.id == id) else {
                continue;
            };
            if pos + 1 == self.blocks.len() {
                continue;
            }
            let b = &self.blocks[pos];
            // The first block mostly empties from the front and will go whole; rewrite it only
            // when something keeps it nearly empty.
            let sparse = if pos == 0 { b.live_size * 8 < b.len } else { b.live_size * 2 < b.len };
            if b.live == 0 {
                self.remove_block(pos, index.first_seq())?;
            } else if b.len >= MIN_REWRITE.min(self.cfg.block_size / 2) && sparse && !index.is_partial() {
                self.rewrite_block(pos, index)?;
            }
        }
        Ok(())
    }

    fn fill(&self, index: &mut SeqIndex<u32>) -> Result<()> {
        let mut spans = index.take_pending().into_iter();
        while let Some(span) = spans.next() {
            if let Err(e) = self.fill_span(index, &span) {
                index.restore_pending(std::iter::once(span).chain(spans).collect());
                return Err(e);
            }
        }
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.check_writable()?;
        self.sync_tail_now()?;
        for (id, f) in &self.writers {
            if let Err(e) = f.sync_data() {
                let msg = format!("fsync of block {id}: {e}");
                self.poison.set(msg);
                return Err(StoreError::Io(e));
            }
        }
        Ok(())
    }

    fn close(mut self, _index: &SeqIndex<u32>) -> Result<()> {
        self.sync()?;
        self.syncer.take();
        Ok(())
    }

    fn destroy(mut self) -> Result<()> {
        self.syncer.take();
        let ids: Vec<u32> = self.blocks.iter().map(|b| b.id).collect();
        for id in ids {
            self.drop_block_handles(id);
            match fs::remove_file(block_path(&self.dir, id)) {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        for ent in fs::read_dir(&self.dir)? {
            let path = ent?.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("tmp" | "bad" | "sum")) {
                fs::remove_file(path)?;
            }
        }
        match fs::remove_dir(&self.dir) {
            Err(e) if e.kind() != ErrorKind::NotFound && e.kind() != ErrorKind::DirectoryNotEmpty => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
