//! Mirrors and sources: streams that copy messages from other streams of the same server.
//!
//! Each mirror or source of a stream is a [`Link`] served by one task. The task reads its origin
//! stream's store by sequence, like a consumer would (messages wait in the origin's store, not in
//! memory), takes the subjects its `filter_subject` or `subject_transforms` select, and writes them
//! into the stream:
//!
//! - a mirror stores each message verbatim under the origin's sequence and timestamp (sequences that
//!   did not pass the filter, or were deleted at the origin, become deleted sequences in the mirror);
//! - a source stores each message like a publish (duplicate window, rollups, TTLs, republish), under
//!   its transformed subject, with nats-server's `Nats-Stream-Source` header
//!   (`<origin> <seq> <filters> <destinations> <original subject>`) in place of the origin's own and
//!   without the origin's `Nats-Expected-*` headers.
//!
//! Tasks wake when their origin stores something ([`Watchers`]) and otherwise look again every second
//! (an origin that does not exist yet is looked up again until it does). Progress survives restarts:
//! a mirror continues after its own last sequence; a source continues after the origin sequence last
//! copied, kept in `sources.json` beside the stream's metadata and cross-checked against the
//! `Nats-Stream-Source` headers of the newest stored messages. `lag`, `active` and the last error are
//! reported in the stream info's `mirror` / `sources`.
//!
//! Only streams of this server and account can be origins: `external` mirrors and sources (another
//! domain or account) are refused when the stream is created.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use switchyard_shared::api::error::ApiError;
use switchyard_shared::api::stream::{parse_msg_ttl, StreamConfig, StreamSource, StreamSourceInfo};
use switchyard_shared::headers;

use super::republish::{self, Republished, Stored};
use super::store::{meta, Store, StoreError, StoredMsg};
use super::stream::Stream;
use super::transform::SourceSubjects;
use super::JetStream;
use crate::core::conn::now_nanos;
use crate::core::internal::{InMsg, Outbox};

/// Most messages copied per pass before the task yields.
const BATCH: usize = 256;
/// How often an idle link looks at its origin anyway.
const IDLE: Duration = Duration::from_secs(1);
/// How often a link whose origin does not exist looks for it.
const MISSING_RETRY: Duration = Duration::from_millis(250);
/// How many of the newest stored messages are searched for `Nats-Stream-Source` headers on start.
const HEADER_SCAN: usize = 10_000;
/// File, in the stream's directory, holding each source's last copied origin sequence.
const PROGRESS_FILE: &str = "sources.json";
/// Least time between two writes of the progress file while a source is busy (it is also written
/// when the source goes idle and when the stream stops; the header scan covers what a crash loses).
const SAVE_EVERY: Duration = Duration::from_millis(250);

/// Refuses mirrors and sources this server cannot serve.
pub fn check(cfg: &StreamConfig) -> Result<(), ApiError> {
    for (kind, s) in cfg.mirror.iter().map(|m| ("mirror", m)).chain(cfg.sources.iter().map(|s| ("source", s))) {
        if s.external.as_ref().is_some_and(|e| !e.api_prefix.is_empty() && e.api_prefix != "$JS.API") {
            return Err(ApiError::stream_invalid_config(format!(
                "{kind} \"{}\": external streams (other domains or accounts) are not supported",
                s.name
            )));
        }
        if s.name == cfg.name {
            return Err(ApiError::stream_invalid_config(format!("{kind} \"{}\" is the stream itself", s.name)));
        }
    }
    Ok(())
}

/// Tasks waiting for a stream to store something (mirrors and sources of it).
#[derive(Default)]
pub struct Watchers(Mutex<Vec<Weak<Notify>>>);

impl Watchers {
    pub fn add(&self, notify: &Arc<Notify>) {
        let mut list = self.0.lock();
        list.retain(|w| w.strong_count() > 0);
        list.push(Arc::downgrade(notify));
    }

    /// Wakes every live watcher.
    pub fn wake(&self) {
        let list = self.0.lock();
        for w in list.iter() {
            if let Some(n) = w.upgrade() {
                n.notify_one();
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mirror,
    Source,
}

#[derive(Debug, Default)]
struct Progress {
    /// Next origin sequence to look at.
    next: u64,
    lag: u64,
    /// Unix ns of the last pass that reached the origin; 0 before the first.
    last_contact: i64,
    error: Option<ApiError>,
}

/// One mirror or source of a stream.
struct Link {
    kind: Kind,
    cfg: StreamSource,
    subjects: SourceSubjects,
    /// `<filters> <destinations>`, as in the `Nats-Stream-Source` header and `sources.json`.
    ident: String,
    progress: Mutex<Progress>,
    wake: Arc<Notify>,
}

impl Link {
    fn new(kind: Kind, cfg: StreamSource) -> Result<Link, ApiError> {
        let subjects = SourceSubjects::new(&cfg)?;
        let or_all = |s: &str| if s.is_empty() { ">".to_string() } else { s.to_string() };
        let (filters, dests) = if cfg.subject_transforms.is_empty() {
            (or_all(&cfg.filter_subject), ">".to_string())
        } else {
            let f: Vec<String> = cfg.subject_transforms.iter().map(|t| or_all(&t.src)).collect();
            let d: Vec<String> = cfg.subject_transforms.iter().map(|t| or_all(&t.dest)).collect();
            (f.join("\x0c"), d.join("\x0c"))
        };
        Ok(Link {
            kind,
            ident: format!("{filters} {dests}"),
            cfg,
            subjects,
            progress: Mutex::new(Progress::default()),
            wake: Arc::new(Notify::new()),
        })
    }

    /// The key of this source in `sources.json`.
    fn key(&self) -> String {
        format!("{} {}", self.cfg.name, self.ident)
    }

    fn info(&self) -> StreamSourceInfo {
        let p = self.progress.lock();
        StreamSourceInfo {
            name: self.cfg.name.clone(),
            external: self.cfg.external.clone(),
            lag: p.lag,
            active: if p.last_contact > 0 { (now_nanos() - p.last_contact).max(0) } else { -1 },
            error: p.error.clone(),
            filter_subject: self.cfg.filter_subject.clone(),
            subject_transforms: self.cfg.subject_transforms.clone(),
        }
    }
}

/// The running mirror or sources of one stream.
pub struct Sources {
    links: Vec<Arc<Link>>,
    stop: CancellationToken,
    /// `sources.json` of a file stream.
    progress_file: Option<Arc<ProgressFile>>,
}

impl Sources {
    /// Starts a task per mirror or source of `stream`'s config; `None` when it has none.
    pub fn start(js: &Arc<JetStream>, stream: &Arc<Stream>) -> Option<Sources> {
        let cfg = stream.config();
        let mut links = Vec::new();
        let specs = cfg.mirror.iter().map(|m| (Kind::Mirror, m)).chain(cfg.sources.iter().map(|s| (Kind::Source, s)));
        for (kind, spec) in specs {
            match Link::new(kind, spec.clone()) {
                Ok(l) => links.push(Arc::new(l)),
                Err(e) => warn!(stream = %stream.name, origin = %spec.name, error = %e, "cannot set up source"),
            }
        }
        if links.is_empty() {
            return None;
        }
        let stop = CancellationToken::new();
        let progress_file = meta::stream_dir(&js.store_dir, &stream.name)
            .ok()
            .filter(|_| !stream.is_memory())
            .map(|d| Arc::new(ProgressFile { path: d.join(PROGRESS_FILE), writing: Mutex::new(()) }));
        let saved = progress_file.as_ref().map(|f| read_progress(&f.path)).unwrap_or_default();
        for link in &links {
            let start = match link.kind {
                Kind::Mirror => mirror_start(stream),
                Kind::Source => source_start(stream, link, saved.get(&link.key()).copied()),
            };
            link.progress.lock().next = start.unwrap_or(0);
            let task = LinkTask {
                js: Arc::downgrade(js),
                stream: Arc::downgrade(stream),
                link: link.clone(),
                stop: stop.clone(),
                progress_file: progress_file.clone(),
                all_links: links.clone(),
            };
            tokio::spawn(task.run());
        }
        Some(Sources { links, stop, progress_file })
    }

    /// Stops every task (stream deleted, stopped or reconfigured); with `save` also writes the
    /// sources' progress, so that a restart or a new configuration continues exactly where these left.
    pub fn stop(&self, save: bool) {
        self.stop.cancel();
        if let Some(file) = self.progress_file.as_ref().filter(|_| save) {
            file.save(&self.links);
        }
    }

    /// `(mirror, sources)` for the stream info.
    pub fn info(&self) -> (Option<StreamSourceInfo>, Vec<StreamSourceInfo>) {
        let mut mirror = None;
        let mut sources = Vec::new();
        for l in &self.links {
            match l.kind {
                Kind::Mirror => mirror = Some(l.info()),
                Kind::Source => sources.push(l.info()),
            }
        }
        (mirror, sources)
    }
}

impl Drop for Sources {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A mirror continues after its own last sequence; `None` when it is empty (start from the config).
fn mirror_start(stream: &Stream) -> Option<u64> {
    let last = stream.state(false).last_seq;
    (last > 0).then_some(last + 1)
}

/// A source continues after the later of its saved progress and the newest message it stored.
fn source_start(stream: &Stream, link: &Link, saved: Option<u64>) -> Option<u64> {
    let from_headers = stream.with_store(|s| {
        let mut seq = s.state(false).last_seq;
        for _ in 0..HEADER_SCAN {
            let Ok(Some(m)) = s.load_prev(seq, ">") else { break };
            if let Some((name, origin_seq, ident)) =
                headers::find(&m.hdr, "Nats-Stream-Source").and_then(parse_source_header)
            {
                if name == link.cfg.name && ident == link.ident {
                    return Some(origin_seq);
                }
            }
            if m.seq <= 1 {
                break;
            }
            seq = m.seq - 1;
        }
        None
    });
    saved.max(from_headers).map(|s| s + 1)
}

/// `<stream> <seq> <filters> <destinations> <subject>` → `(stream, seq, "<filters> <destinations>")`.
fn parse_source_header(v: &[u8]) -> Option<(String, u64, String)> {
    let text = std::str::from_utf8(v).ok()?;
    let fields: Vec<&str> = text.split(' ').collect();
    if fields.len() < 4 {
        return None;
    }
    let seq = fields[1].parse().ok()?;
    Some((fields[0].to_string(), seq, format!("{} {}", fields[2], fields[3])))
}

fn read_progress(path: &std::path::Path) -> BTreeMap<String, u64> {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// A stream's `sources.json`, written by its link tasks and when it stops.
struct ProgressFile {
    path: PathBuf,
    /// Held while writing: the writers share one temporary file.
    writing: Mutex<()>,
}

impl ProgressFile {
    /// Writes the progress of every source among `links`, keeping the entries of others.
    fn save(&self, links: &[Arc<Link>]) {
        let _writing = self.writing.lock();
        let mut all = read_progress(&self.path);
        for l in links.iter().filter(|l| l.kind == Kind::Source) {
            let next = l.progress.lock().next;
            if next > 1 {
                all.insert(l.key(), next - 1);
            }
        }
        match write_progress(&self.path, &all) {
            // The stream is being deleted.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => warn!(path = %self.path.display(), error = %e, "cannot save source progress"),
            Ok(()) => {}
        }
    }
}

fn write_progress(path: &std::path::Path, progress: &BTreeMap<String, u64>) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(progress).unwrap_or_default())?;
    std::fs::rename(&tmp, path)
}

struct LinkTask {
    js: Weak<JetStream>,
    stream: Weak<Stream>,
    link: Arc<Link>,
    stop: CancellationToken,
    progress_file: Option<Arc<ProgressFile>>,
    /// Every link of the stream, to save all of their progress in one file.
    all_links: Vec<Arc<Link>>,
}

impl LinkTask {
    async fn run(self) {
        let mut origin_seen: Option<Weak<Stream>> = None;
        let mut outbox = None;
        let mut unsaved = false;
        let mut last_save = tokio::time::Instant::now();
        loop {
            if self.stop.is_cancelled() {
                return;
            }
            let (Some(js), Some(stream)) = (self.js.upgrade(), self.stream.upgrade()) else { return };
            let outbox = outbox.get_or_insert_with(|| Outbox::new(js.router.clone(), js.internal_id()));
            let wait = match js.stream(&self.link.cfg.name) {
                None => {
                    self.link.progress.lock().error = Some(ApiError::stream_not_found());
                    origin_seen = None;
                    MISSING_RETRY
                }
                Some(origin) => {
                    if !origin_seen.as_ref().is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(&origin))) {
                        origin.watch(&self.link.wake);
                        origin_seen = Some(Arc::downgrade(&origin));
                    }
                    match self.pass(&stream, &origin, outbox) {
                        Ok((more, advanced)) => {
                            unsaved |= advanced;
                            if more {
                                Duration::ZERO
                            } else {
                                IDLE
                            }
                        }
                        Err(e) => {
                            debug!(stream = %stream.name, origin = %origin.name, error = %e, "source pass failed");
                            self.link.progress.lock().error = Some(e);
                            IDLE
                        }
                    }
                }
            };
            drop(stream);
            drop(js);
            if unsaved && !self.stop.is_cancelled() && (!wait.is_zero() || last_save.elapsed() >= SAVE_EVERY) {
                if let Some(file) = self.progress_file.as_ref().filter(|_| self.link.kind == Kind::Source) {
                    file.save(&self.all_links);
                }
                unsaved = false;
                last_save = tokio::time::Instant::now();
            }
            if wait.is_zero() {
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                _ = self.stop.cancelled() => return,
                _ = self.link.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Copies up to [`BATCH`] messages; says whether there may be more right away and whether the
    /// link moved on.
    fn pass(&self, stream: &Stream, origin: &Stream, outbox: &mut Outbox) -> Result<(bool, bool), ApiError> {
        let start = {
            let mut p = self.link.progress.lock();
            if p.next == 0 {
                p.next = self.initial_seq(origin);
            }
            p.next
        };
        let filters: Vec<&str> = self.link.subjects.filters().collect();
        let takes_all = self.link.subjects.takes_all();
        let batch: Vec<StoredMsg> = origin.with_store(|s| {
            let mut out = Vec::new();
            let mut seq = start;
            while out.len() < BATCH {
                let next = if takes_all {
                    s.load_next(seq, ">").ok().flatten()
                } else {
                    filters.iter().filter_map(|f| s.load_next(seq, f).ok().flatten()).min_by_key(|m| m.seq)
                };
                match next {
                    Some(m) => {
                        seq = m.seq + 1;
                        out.push(m);
                    }
                    None => break,
                }
            }
            out
        });
        let full = batch.len() == BATCH;
        let mut next = start;
        let mut result = Ok(());
        for m in &batch {
            let Some(subject) = self.link.subjects.map(&m.subject) else {
                next = m.seq + 1;
                continue;
            };
            let stored = match self.link.kind {
                Kind::Mirror => store_mirrored(stream, m, &subject, outbox),
                Kind::Source => self.store_sourced(stream, m, &subject, outbox),
            };
            if let Err(e) = stored {
                result = Err(e);
                break;
            }
            next = m.seq + 1;
        }
        outbox.flush();
        let lag = origin.with_store(|s| {
            if takes_all {
                s.num_pending(next, ">", false)
            } else {
                filters.iter().map(|f| s.num_pending(next, f, false)).sum()
            }
        });
        {
            let mut p = self.link.progress.lock();
            p.next = next;
            p.lag = lag;
            p.last_contact = now_nanos();
            if result.is_ok() {
                p.error = None;
            }
        }
        result.map(|()| (full, next != start))
    }

    /// Where a link without progress starts: `opt_start_seq`, `opt_start_time`, else the beginning.
    fn initial_seq(&self, origin: &Stream) -> u64 {
        let cfg = &self.link.cfg;
        if cfg.opt_start_seq > 0 {
            return cfg.opt_start_seq;
        }
        if let Some(t) = cfg.opt_start_time {
            return origin.with_store(|s| s.seq_from_time(t.0)).max(1);
        }
        origin.state(false).first_seq.max(1)
    }

    fn store_sourced(
        &self,
        stream: &Stream,
        m: &StoredMsg,
        subject: &str,
        outbox: &mut Outbox,
    ) -> Result<(), ApiError> {
        let header = format!("{} {} {} {}", self.link.cfg.name, m.seq, self.link.ident, m.subject);
        let hdr = source_headers(&m.hdr, &header);
        let msg = InMsg {
            sid: Bytes::new(),
            subject: Bytes::copy_from_slice(subject.as_bytes()),
            reply: None,
            headers: Some(hdr),
            payload: m.data.clone(),
        };
        // A refusal (a full stream with discard new, say) is retried from this message on the next pass.
        stream.store_sourced(&msg, outbox).map(|_| ())
    }
}

/// The origin's headers without `Nats-Stream-Source`, `Nats-Expected-*` and `Nats-Batch-*`, plus our
/// `Nats-Stream-Source`.
fn source_headers(hdr: &[u8], source: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(hdr.len() + source.len() + 40);
    let mut lines = hdr.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    match lines.next() {
        Some(first) if first.starts_with(b"NATS/1.0") => out.extend_from_slice(first),
        _ => out.extend_from_slice(b"NATS/1.0"),
    }
    out.extend_from_slice(b"\r\n");
    for line in lines {
        if line.is_empty() {
            break;
        }
        let name = line.split(|&b| b == b':').next().unwrap_or(b"");
        let drop = name.eq_ignore_ascii_case(b"Nats-Stream-Source")
            || name.starts_with(b"Nats-Expected-")
            || name.starts_with(b"Nats-Batch-");
        if !drop {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"Nats-Stream-Source: ");
    out.extend_from_slice(source.as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.freeze()
}

/// Stores an origin message in a mirror under the origin's sequence and time.
fn store_mirrored(stream: &Stream, m: &StoredMsg, subject: &str, outbox: &mut Outbox) -> Result<(), ApiError> {
    let ttl = headers::find(&m.hdr, "Nats-TTL")
        .and_then(|v| parse_msg_ttl(String::from_utf8_lossy(v).trim()).ok())
        .map(|secs| if secs < 0 { -1 } else { secs.saturating_mul(1_000_000_000) });
    let stored = stream.with_store(|s| -> Result<Option<u64>, StoreError> {
        let last = s.state(false).last_seq;
        if m.seq <= last {
            // Already mirrored (or the origin went back in time): nothing to do.
            return Ok(None);
        }
        skip_to(s, m.seq, m.ts)?;
        let previous = s.last_seq_for_subject(subject).unwrap_or(0);
        s.store_raw(m.seq, m.ts, subject, &m.hdr, &m.data, ttl)?;
        Ok(Some(previous))
    });
    let previous = match stored {
        Ok(Some(p)) => p,
        Ok(None) => return Ok(()),
        Err(e) => return Err(ApiError::stream_store_failed(e.to_string())),
    };
    if let Some((dest, headers_only)) = stream.transforms().republish(subject) {
        let copy = Republished::new(
            &dest,
            headers_only,
            &Stored {
                stream: &stream.name,
                subject,
                seq: m.seq,
                ts: m.ts,
                last_seq: previous,
                headers: &m.hdr,
                payload: &m.data,
            },
        );
        republish::publish(outbox, vec![copy]);
    }
    stream.forward_removals();
    stream.notify_consumers();
    Ok(())
}

/// Makes `seq` the next sequence of the store: an empty store jumps there, otherwise the sequences in
/// between become deleted ones.
fn skip_to(s: &mut dyn Store, seq: u64, ts: i64) -> Result<(), StoreError> {
    let st = s.state(false);
    if seq <= st.last_seq + 1 {
        return Ok(());
    }
    if st.msgs == 0 {
        s.compact(seq)?;
        return Ok(());
    }
    for skipped in st.last_seq + 1..seq {
        s.store_raw(skipped, ts, "$JS.MIRROR.SKIPPED", &[], &[], None)?;
        s.remove(skipped, false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::store::{Limits, MemoryStore, SystemClock};
    use switchyard_shared::api::stream::{ExternalStream, SubjectTransform};

    #[test]
    fn source_header_replaces_the_origins_own_and_drops_expectations() {
        let hdr =
            b"NATS/1.0\r\nA: 1\r\nNats-Expected-Last-Sequence: 4\r\nNats-Stream-Source: X 1 > > a\r\nB: 2\r\n\r\n";
        let out = source_headers(hdr, "O 7 > > orders.1");
        assert_eq!(&out[..], &b"NATS/1.0\r\nA: 1\r\nB: 2\r\nNats-Stream-Source: O 7 > > orders.1\r\n\r\n"[..]);
        let bare = source_headers(b"", "O 1 > > s");
        assert_eq!(&bare[..], &b"NATS/1.0\r\nNats-Stream-Source: O 1 > > s\r\n\r\n"[..]);
    }

    #[test]
    fn source_header_round_trips_to_origin_sequence_and_identity() {
        let link = Link::new(
            Kind::Source,
            StreamSource {
                name: "KV_a".into(),
                subject_transforms: vec![SubjectTransform { src: "$KV.a.>".into(), dest: "$KV.b.>".into() }],
                ..Default::default()
            },
        )
        .unwrap();
        let header = format!("KV_a 42 {} $KV.a.k", link.ident);
        assert_eq!(parse_source_header(header.as_bytes()), Some(("KV_a".to_string(), 42, link.ident.clone())));
        assert_eq!(link.ident, "$KV.a.> $KV.b.>");
    }

    #[test]
    fn progress_file_records_last_copied_sequence_of_sources_and_keeps_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        let file = ProgressFile { path: dir.path().join(PROGRESS_FILE), writing: Mutex::new(()) };
        write_progress(&file.path, &BTreeMap::from([("OLD > >".to_string(), 3)])).unwrap();
        let source =
            Arc::new(Link::new(Kind::Source, StreamSource { name: "A".into(), ..Default::default() }).unwrap());
        let mirror =
            Arc::new(Link::new(Kind::Mirror, StreamSource { name: "M".into(), ..Default::default() }).unwrap());
        source.progress.lock().next = 8;
        mirror.progress.lock().next = 5;
        file.save(&[source, mirror]);
        let saved = read_progress(&file.path);
        assert_eq!(saved, BTreeMap::from([("A > >".to_string(), 7), ("OLD > >".to_string(), 3)]));
    }

    #[test]
    fn skipping_keeps_mirror_sequences_equal_to_the_origins() {
        let mut s = MemoryStore::new(Limits::default(), Arc::new(SystemClock));
        skip_to(&mut s, 5, 1).unwrap();
        s.store_raw(5, 1, "a", &[], b"x", None).unwrap();
        skip_to(&mut s, 9, 2).unwrap();
        s.store_raw(9, 2, "a", &[], b"y", None).unwrap();
        let st = s.state(true);
        assert_eq!((st.first_seq, st.last_seq, st.msgs), (5, 9, 2));
        assert_eq!(st.deleted, Some(vec![6, 7, 8]));
        assert_eq!(s.subjects_state(">").keys().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn external_origins_and_self_references_are_refused() {
        let cfg = StreamConfig {
            name: "S".into(),
            sources: vec![StreamSource {
                name: "O".into(),
                external: Some(ExternalStream { api_prefix: "$JS.hub.API".into(), deliver_prefix: String::new() }),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(check(&cfg).unwrap_err().description.contains("external"));
        let cfg = StreamConfig {
            name: "S".into(),
            mirror: Some(StreamSource { name: "S".into(), ..Default::default() }),
            ..Default::default()
        };
        assert!(check(&cfg).is_err());
    }
}
