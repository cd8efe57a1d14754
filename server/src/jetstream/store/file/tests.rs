//! File store specifics: persistence across reopen, crash recovery, space reclamation, erase.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::jetstream::store::{ManualClock, PurgeRequest, Store, StreamState, SystemClock};

const T0: i64 = 1_700_000_000_000_000_000;

fn small_cfg() -> FileStoreConfig {
    FileStoreConfig { block_size: 4096, block_max_msgs: 32, sync: SyncPolicy::Always }
}

fn open(dir: &Path, cfg: FileStoreConfig, limits: Limits) -> FileStore {
    FileStore::open(dir, cfg, limits, ManualClock::new(T0)).unwrap()
}

fn payload(seq: u64) -> Vec<u8> {
    format!("payload-{seq:08}-{}", "x".repeat((seq % 50) as usize)).into_bytes()
}

/// Everything observable: state with deletes, every message, per-subject counts.
type Snapshot = (StreamState, Vec<StoredMsg>, Vec<(String, u64)>);

fn snapshot(s: &dyn Store) -> Snapshot {
    let mut msgs = Vec::new();
    let mut next = 0;
    while let Some(m) = s.load_next(next, ">").unwrap() {
        next = m.seq + 1;
        msgs.push(m);
    }
    (s.state(true), msgs, s.subjects_state(">").into_iter().collect())
}

fn block_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "blk"))
        .collect();
    v.sort();
    v
}

/// A store with several blocks, tombstones in old and tail blocks, floors and TTLs.
fn busy_store(dir: &Path) -> FileStore {
    let mut s = open(dir, small_cfg(), Limits { max_msgs_per_subject: 20, ..Default::default() });
    for seq in 1..=300u64 {
        let subject = format!("orders.{}", seq % 7);
        let ttl = (seq % 25 == 0).then_some(3_600_000_000_000i64);
        let hdr: &[u8] = if seq % 3 == 0 { b"NATS/1.0\r\nk: v\r\n\r\n" } else { b"" };
        s.store_msg(&subject, hdr, &payload(seq), ttl).unwrap();
    }
    for seq in [150, 151, 200, 299, 160] {
        s.remove(seq, false).unwrap();
    }
    s.compact(120).unwrap();
    s
}

#[test]
fn reopen_after_clean_close_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let s = busy_store(dir.path());
    assert!(s.block_count() > 3, "test needs several blocks, got {}", s.block_count());
    let before = snapshot(&s);
    Box::new(s).close().unwrap();
    let s = open(dir.path(), small_cfg(), Limits { max_msgs_per_subject: 20, ..Default::default() });
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.recovery_report().truncated_bytes, 0);
    assert_eq!(s.next_expiry(), Some(T0 + 3_600_000_000_000));
}

#[test]
fn reopen_without_close_loses_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let s = busy_store(dir.path());
    let before = snapshot(&s);
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(snapshot(&s), before);
}

/// Large payloads (written from the caller's buffer) between small ones (buffered), with removals
/// before them in the same call: what a reopen without close reads back is exactly what was stored.
#[test]
fn large_payloads_written_past_the_buffer_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = FileStoreConfig { block_size: 128 << 10, block_max_msgs: 1000, sync: SyncPolicy::Always };
    let limits = Limits { max_msgs: 12, ..Default::default() };
    let mut s = open(dir.path(), cfg.clone(), limits.clone());
    for seq in 1..=40u64 {
        let data = if seq % 3 == 0 { vec![seq as u8; DIRECT_WRITE_MIN + seq as usize * 1000] } else { payload(seq) };
        let hdr: &[u8] = if seq % 2 == 0 { b"NATS/1.0\r\nA: b\r\n\r\n" } else { b"" };
        s.store_msg(&format!("obj.{}", seq % 4), hdr, &data, None).unwrap();
    }
    assert!(s.block_count() > 1, "test needs a block change, got {}", s.block_count());
    let before = snapshot(&s);
    assert_eq!(before.1.len(), 12);
    assert!(before.1.iter().any(|m| m.data.len() >= DIRECT_WRITE_MIN));
    drop(s);
    let s = open(dir.path(), cfg, limits);
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.recovery_report().truncated_bytes, 0);
}

#[test]
fn limits_removals_persist_through_floors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits { max_msgs: 10, ..Default::default() });
    for seq in 1..=100u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    // An explicit delete after the limit did its work must not let old messages reappear.
    s.remove(95, false).unwrap();
    let before = snapshot(&s);
    assert_eq!(before.0.msgs, 9);
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(snapshot(&s), before);
}

#[test]
fn emptied_blocks_are_deleted_and_the_tail_survives() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits { max_msgs: 40, ..Default::default() });
    for seq in 1..=2000u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    assert!(s.block_count() <= 4, "dead blocks kept: {}", s.block_count());
    assert_eq!(block_files(dir.path()).len(), s.block_count());
    for seq in 1961..=2000 {
        s.remove(seq, false).unwrap();
    }
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 2001, 2000));
    drop(s);
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 2001, 2000));
    assert_eq!(s.store_msg("x", b"", b"", None).unwrap().0, 2001);
}

#[test]
fn sparse_blocks_are_rewritten_smaller() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = FileStoreConfig {
        block_size: 1 << 20,
        block_max_msgs: 100_000,
        sync: SyncPolicy::Interval(Duration::from_secs(1)),
    };
    let mut s = open(dir.path(), cfg.clone(), Limits::default());
    let body = vec![7u8; 1000];
    for _ in 0..3000 {
        s.store_msg("x", b"", &body, None).unwrap();
    }
    let files = block_files(dir.path());
    assert!(files.len() >= 3);
    let before = fs::metadata(&files[1]).unwrap().len();
    let first_of_second = s.backend.blocks[1].header.base_seq;
    for seq in first_of_second..first_of_second + 900 {
        if seq % 10 != 0 {
            s.remove(seq, false).unwrap();
        }
    }
    let after = fs::metadata(&files[1]).unwrap().len();
    assert!(after < before / 2, "block not rewritten: {before} -> {after}");
    let snap = snapshot(&s);
    drop(s);
    let s = open(dir.path(), cfg, Limits::default());
    assert_eq!(snapshot(&s), snap);
}

#[test]
fn purge_and_compact_past_the_end_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    for seq in 1..=100u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    s.purge(&PurgeRequest::default()).unwrap();
    assert_eq!(block_files(dir.path()).len(), 1);
    drop(s);
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq, st.last_ts), (0, 101, 100, T0));
    s.compact(500).unwrap();
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 500, 499));
}

#[test]
fn secure_erase_leaves_no_trace_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    s.store_msg("a", b"X-Secret: hdr-canary\r\n", b"body-canary", None).unwrap();
    s.store_msg("b", b"", b"keep-me", None).unwrap();
    s.store_msg("c", b"", b"tail-canary", None).unwrap();
    s.remove(1, true).unwrap();
    s.remove(3, true).unwrap();
    let disk: Vec<u8> = block_files(dir.path()).iter().flat_map(|p| fs::read(p).unwrap()).collect();
    for canary in [&b"hdr-canary"[..], b"body-canary", b"tail-canary"] {
        assert!(!disk.windows(canary.len()).any(|w| w == canary), "{:?} still on disk", canary);
    }
    assert!(disk.windows(7).any(|w| w == b"keep-me"));
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(snapshot(&s).1.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![2]);
}

/// Write `n` messages into one block and return the record end offsets.
fn one_block_store(dir: &Path, n: u64) -> Vec<u64> {
    let cfg = FileStoreConfig { block_size: 1 << 30, block_max_msgs: 1_000_000, sync: SyncPolicy::Always };
    let mut s = open(dir, cfg, Limits::default());
    let mut ends = Vec::new();
    for seq in 1..=n {
        s.store_msg(&format!("s.{}", seq % 5), b"", &payload(seq), None).unwrap();
        ends.push(s.disk_bytes());
    }
    Box::new(s).close().unwrap();
    ends
}

#[test]
fn torn_tail_is_truncated_at_the_last_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    let ends = one_block_store(dir.path(), 200);
    let file = block_files(dir.path()).pop().unwrap();
    let pristine = fs::read(&file).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..40 {
        let cut = rng.u64(HEADER_LEN as u64..pristine.len() as u64);
        fs::write(&file, &pristine[..cut as usize]).unwrap();
        let s = open(dir.path(), FileStoreConfig::default(), Limits::default());
        let intact = ends.iter().filter(|&&e| e <= cut).count() as u64;
        let st = s.state(false);
        assert_eq!((st.msgs, st.last_seq), (intact, intact), "cut at {cut}");
        for seq in 1..=intact {
            assert_eq!(s.load(seq).unwrap().unwrap().data, payload(seq), "seq {seq} after cut {cut}");
        }
        let valid_len = if intact == 0 { HEADER_LEN as u64 } else { ends[intact as usize - 1] };
        assert_eq!(s.recovery_report().truncated_bytes, cut - valid_len);
        drop(s);
        assert_eq!(fs::metadata(&file).unwrap().len(), valid_len);
    }
}

#[test]
fn corrupt_bytes_cut_the_block_at_the_damaged_record() {
    let dir = tempfile::tempdir().unwrap();
    let ends = one_block_store(dir.path(), 200);
    let file = block_files(dir.path()).pop().unwrap();
    let pristine = fs::read(&file).unwrap();
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..40 {
        let at = rng.usize(HEADER_LEN..pristine.len());
        let mut bad = pristine.clone();
        bad[at] ^= 1 << rng.u8(0..8);
        fs::write(&file, &bad).unwrap();
        let mut s = open(dir.path(), FileStoreConfig::default(), Limits::default());
        let intact = ends.iter().filter(|&&e| e as usize <= at).count() as u64;
        assert_eq!(s.state(false).msgs, intact, "flip at {at}");
        for seq in 1..=intact {
            assert_eq!(s.load(seq).unwrap().unwrap().data, payload(seq));
        }
        // The store keeps working after repair.
        assert_eq!(s.store_msg("after", b"", b"ok", None).unwrap().0, intact + 1);
    }
}

#[test]
fn a_poisoned_store_refuses_writes_but_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    s.store_msg("a", b"", b"1", None).unwrap();
    s.backend.poison.set("simulated fsync failure".into());
    assert!(matches!(s.store_msg("a", b"", b"2", None), Err(StoreError::Poisoned(_))));
    assert!(matches!(s.remove(1, false), Err(StoreError::Poisoned(_))));
    assert!(matches!(s.purge(&PurgeRequest::default()), Err(StoreError::Poisoned(_))));
    assert_eq!(s.load(1).unwrap().unwrap().data, &b"1"[..]);
}

/// Needs root: mounts a 256 KiB tmpfs so that a real write fails with ENOSPC.
#[test]
#[ignore = "needs root to mount a tiny tmpfs"]
fn a_full_disk_poisons_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("mount").args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"]).arg(dir.path()).status().unwrap();
    assert!(ok.success(), "mount failed");
    let result = std::panic::catch_unwind(|| {
        let mut s = open(&dir.path().join("s"), small_cfg(), Limits::default());
        let body = vec![1u8; 1000];
        let err = (0..10_000).find_map(|_| s.store_msg("x", b"", &body, None).err()).expect("disk never filled");
        assert!(matches!(err, StoreError::Io(_)), "{err}");
        assert!(matches!(s.store_msg("x", b"", b"", None), Err(StoreError::Poisoned(_))));
    });
    Command::new("umount").arg(dir.path()).status().unwrap();
    result.unwrap();
}

const CHILD_ENV: &str = "SWITCHYARD_STORE_KILL_CHILD";

/// The child side of `kill_9_never_loses_an_acknowledged_message`: store until killed, printing
/// each acknowledged sequence.
fn run_writer_until_killed(dir: &str) -> ! {
    use std::io::Write;
    let cfg = FileStoreConfig {
        block_size: 256 << 10,
        sync: SyncPolicy::Interval(Duration::from_secs(60)),
        ..Default::default()
    };
    let limits = Limits { max_msgs_per_subject: 50, ..Default::default() };
    let mut s = FileStore::open(dir, cfg, limits, Arc::new(SystemClock)).unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let seq = s.store_msg(&format!("k.{}", i % 100), b"", &payload(i + 1), None).unwrap().0;
        writeln!(out, "acked {seq}").unwrap();
        out.flush().unwrap();
    }
    unreachable!("the writer loop only ends when the process is killed")
}

#[test]
fn kill_9_never_loses_an_acknowledged_message() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        run_writer_until_killed(&dir);
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "jetstream::store::file::tests::kill_9_never_loses_an_acknowledged_message",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.len() < 30_000 && Instant::now() < deadline {
        let line = lines.next().expect("child ended early").unwrap();
        if let Some(seq) = line.strip_prefix("acked ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }
    child.kill().unwrap(); // SIGKILL
    for line in lines {
        if let Some(seq) = line.unwrap().strip_prefix("acked ") {
            acked.push(seq.parse::<u64>().unwrap());
        }
    }
    child.wait().unwrap();
    assert!(acked.len() >= 30_000, "child too slow: {}", acked.len());
    let s = FileStore::open(dir.path(), FileStoreConfig::default(), Limits::default(), Arc::new(SystemClock)).unwrap();
    let last = *acked.last().unwrap();
    assert!(s.state(false).last_seq >= last);
    // Per-subject limit 50 over 100 subjects keeps the newest 5000 messages. The child may have
    // stored one more message than it printed, which pushed one more out.
    for &seq in acked.iter().filter(|&&q| q + 5000 > last + 1) {
        let m = s.load(seq).unwrap().unwrap_or_else(|| panic!("acked {seq} lost"));
        assert_eq!(m.data, payload(seq));
    }
}

#[test]
#[ignore = "timing: run with --ignored --nocapture to see the reopen time"]
fn reopen_one_million_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut s =
        FileStore::open(dir.path(), FileStoreConfig::default(), Limits::default(), Arc::new(SystemClock)).unwrap();
    let body = [5u8; 32];
    for i in 0..1_000_000u64 {
        s.store_msg(&format!("sensor.{}", i % 1000), b"", &body, None).unwrap();
    }
    for seq in (1..1_000_000).step_by(97) {
        s.remove(seq, false).unwrap();
    }
    let before = s.state(false);
    Box::new(s).close().unwrap();
    let t = Instant::now();
    let s = FileStore::open(dir.path(), FileStoreConfig::default(), Limits::default(), Arc::new(SystemClock)).unwrap();
    let took = t.elapsed();
    assert_eq!(s.state(false), before);
    println!("reopen of {} messages in {} blocks took {took:?}", before.msgs, s.block_count());
}

fn bench_writes(sync: SyncPolicy, n: u64) -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = FileStore::open(
        dir.path(),
        FileStoreConfig { sync, ..Default::default() },
        Limits::default(),
        Arc::new(SystemClock),
    )
    .unwrap();
    let body = [9u8; 128];
    let t = Instant::now();
    for _ in 0..n {
        s.store_msg("bench.orders", b"", &body, None).unwrap();
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    let per_msg = s.disk_bytes() as f64 / n as f64;
    if n > 10_000 {
        let t = Instant::now();
        let mut next = 0;
        while let Some(m) = s.load_next(next, "bench.*").unwrap() {
            next = m.seq + 1;
        }
        assert_eq!(next, n + 1);
        println!("sequential load_next: {:.0} msgs/s", n as f64 / t.elapsed().as_secs_f64());
    }
    (rate, per_msg)
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn bench_write_throughput_and_disk_bytes() {
    let (rate, per_msg) = bench_writes(SyncPolicy::Interval(Duration::from_secs(1)), 2_000_000);
    println!("interval sync: {rate:.0} msgs/s of 128 B, {per_msg:.1} disk bytes per message");
    let nats = crate::jetstream::store::file_msg_size("bench.orders".len(), 0, 128);
    println!("nats-server record for the same message: {nats} bytes");
    let (rate, _) = bench_writes(SyncPolicy::Always, 2_000);
    println!("always sync: {rate:.0} msgs/s of 128 B");
}

#[test]
fn a_tail_that_died_before_rotation_is_reclaimed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    for seq in 1..=20u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    let blocks = s.block_count();
    // Consume everything, as a work queue would, while it is all in the tail.
    let tail_first = s.backend.blocks.last().unwrap().header.base_seq;
    for seq in tail_first..=20 {
        s.remove(seq, false).unwrap();
    }
    for seq in 21..=200u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
        s.remove(seq, false).unwrap();
    }
    assert!(s.block_count() <= blocks, "dead blocks kept: {} > {blocks}", s.block_count());
    drop(s);
    // Blocks that died unnoticed before a crash are reclaimed at open.
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(s.state(false).msgs, 20 - (20 - tail_first + 1));
}

fn summary_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sum"))
        .collect();
    v.sort();
    v
}

/// Summaries of sealed blocks (not the tail's checkpoint).
fn sealed_summary_files(dir: &Path) -> Vec<PathBuf> {
    let tail = block_files(dir).pop().map(|p| p.with_extension("sum"));
    summary_files(dir).into_iter().filter(|p| Some(p) != tail.as_ref()).collect()
}

const BUSY_LIMITS: Limits = Limits {
    max_msgs: 0,
    max_bytes: 0,
    max_age: Duration::ZERO,
    max_msgs_per_subject: 20,
    discard: crate::jetstream::store::Discard::Old,
    discard_new_per_subject: false,
};

#[test]
fn sealed_blocks_are_recovered_from_their_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let s = busy_store(dir.path());
    let before = snapshot(&s);
    let blocks = s.block_count();
    drop(s);
    // Every block but the tail has a summary, written when it was sealed; the tail has a
    // checkpoint.
    assert_eq!(sealed_summary_files(dir.path()).len(), blocks - 1);
    assert_eq!(summary_files(dir.path()).len(), blocks);
    let s = open(dir.path(), small_cfg(), BUSY_LIMITS);
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.recovery_report().summarized_blocks, blocks);
    assert_eq!(s.next_expiry(), Some(T0 + 3_600_000_000_000));
}

#[test]
fn blocks_without_a_summary_are_scanned_and_summarised() {
    // A store written before summaries existed, or a crash between sealing a block and writing
    // its summary (a leftover temp file included).
    let dir = tempfile::tempdir().unwrap();
    let s = busy_store(dir.path());
    let before = snapshot(&s);
    let blocks = s.block_count();
    drop(s);
    let sums = summary_files(dir.path());
    fs::rename(&sums[1], sums[1].with_extension("sum.tmp")).unwrap();
    for p in &sums[2..] {
        fs::remove_file(p).unwrap();
    }
    let s = open(dir.path(), small_cfg(), BUSY_LIMITS);
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.recovery_report().summarized_blocks, 1);
    drop(s);
    // The scan wrote the missing summaries back.
    assert_eq!(summary_files(dir.path()).len(), blocks - 1);
    let s = open(dir.path(), small_cfg(), BUSY_LIMITS);
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.recovery_report().summarized_blocks, blocks - 1);
}

/// 200 messages on three subjects over several sealed blocks, no deletes; returns the first
/// sequence of each block.
fn plain_store(dir: &Path) -> Vec<u64> {
    let mut s = open(dir, small_cfg(), Limits::default());
    for seq in 1..=200u64 {
        s.store_msg(&format!("t.{}", seq % 3), b"", &payload(seq), None).unwrap();
    }
    s.backend.blocks.iter().map(|b| b.header.base_seq).collect()
}

/// Asserts that exactly the messages in `gone` are missing and everything else is intact.
fn assert_all_but(s: &FileStore, gone: &[u64]) {
    for seq in 1..=200u64 {
        match s.load(seq).unwrap() {
            Some(m) => {
                assert!(!gone.contains(&seq), "seq {seq} should be gone");
                assert_eq!(m.data, payload(seq), "seq {seq}");
                assert_eq!(&*m.subject, format!("t.{}", seq % 3));
            }
            None => assert!(gone.contains(&seq), "seq {seq} lost"),
        }
    }
    assert_eq!(s.state(false).msgs, 200 - gone.len() as u64);
    assert_eq!(s.subjects_state(">").values().sum::<u64>(), 200 - gone.len() as u64);
}

#[test]
fn a_summary_that_does_not_match_its_block_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let bases = plain_store(dir.path());
    let sums = summary_files(dir.path());
    assert!(sums.len() >= 4);
    // Another block's summary (wrong header), a damaged one, and a block whose summarised bytes
    // changed in the sampled range but not in length.
    fs::copy(&sums[3], &sums[2]).unwrap();
    let mut damaged = fs::read(&sums[1]).unwrap();
    damaged[60] ^= 1;
    fs::write(&sums[1], &damaged).unwrap();
    let (sum0, _, _) = summary::Summary::decode(fs::read(&sums[0]).unwrap()).unwrap();
    let blk = block_files(dir.path())[0].clone();
    let mut bytes = fs::read(&blk).unwrap();
    assert_eq!(bytes.len() as u64, sum0.len);
    bytes[sum0.len as usize - 1] ^= 0x40;
    fs::write(&blk, &bytes).unwrap();
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, sums.len() - 3);
    // The changed block was scanned and its damaged last record cut; nothing else changed.
    assert!(s.recovery_report().truncated_bytes > 0);
    assert_all_but(&s, &[bases[1] - 1]);
}

#[test]
fn a_block_truncated_below_its_summary_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let bases = plain_store(dir.path());
    let blk = block_files(dir.path())[1].clone();
    let len = fs::metadata(&blk).unwrap().len();
    OpenOptions::new().write(true).open(&blk).unwrap().set_len(len - 10).unwrap();
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, summary_files(dir.path()).len() - 1);
    // The last record of the second block is gone; everything else is intact.
    assert_all_but(&s, &[bases[2] - 1]);
}

#[test]
fn appended_tombstones_after_a_summary_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    for seq in 1..=200u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    // Interior deletes in sealed (summarised) blocks, and a secure erase that must drop a summary.
    for seq in [40, 41, 77, 150] {
        s.remove(seq, false).unwrap();
    }
    let sums = summary_files(dir.path()).len();
    s.remove(100, true).unwrap();
    assert_eq!(summary_files(dir.path()).len(), sums - 1);
    let before = snapshot(&s);
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(snapshot(&s), before);
    assert_eq!(s.state(true).deleted, Some(vec![40, 41, 77, 100, 150]));
}

#[test]
fn summaries_of_removed_blocks_do_not_outlive_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits { max_msgs: 40, ..Default::default() });
    for seq in 1..=2000u64 {
        s.store_msg("x", b"", &payload(seq), None).unwrap();
    }
    let blocks = s.block_count();
    assert!(sealed_summary_files(dir.path()).len() < blocks);
    drop(s);
    // A summary left by a crash right after its block was removed.
    fs::write(dir.path().join("00000001.sum"), b"stale").unwrap();
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert!(!dir.path().join("00000001.sum").exists());
    assert_eq!(s.state(false).msgs, 40);
    Box::new(s).delete().unwrap();
    assert!(!dir.path().exists() || fs::read_dir(dir.path()).unwrap().next().is_none());
}

#[test]
fn headers_are_found_after_recovery_without_reading_other_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    for seq in 1..=300u64 {
        let hdr: &[u8] = if seq % 50 == 0 { b"NATS/1.0\r\nNats-Msg-Id: m\r\n\r\n" } else { b"" };
        s.store_msg("x", hdr, &payload(seq), None).unwrap();
    }
    drop(s);
    let s = open(dir.path(), small_cfg(), Limits::default());
    let mut found = Vec::new();
    let mut next = 0;
    while let Some(m) = s.load_next_with_headers(next).unwrap() {
        found.push(m.seq);
        next = m.seq + 1;
    }
    assert_eq!(found, vec![50, 100, 150, 200, 250, 300]);
}

#[test]
fn sealed_blocks_are_counted_at_open_and_read_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    plain_store(dir.path());
    let sums = sealed_summary_files(dir.path()).len();
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!(s.unloaded_blocks(), sums);
    // Stream info, subject counts and last-per-subject answers come from the summaries alone.
    let st = s.state(false);
    assert_eq!((st.msgs, st.first_seq, st.last_seq, st.first_ts, st.last_ts), (200, 1, 200, T0, T0));
    assert_eq!((st.num_subjects, st.num_deleted), (3, 0));
    let want: u64 = (1..=200u64).map(|q| file_msg_size(3, 0, payload(q).len())).sum();
    assert_eq!(st.bytes, want);
    let subjects: Vec<(String, u64)> = s.subjects_state(">").into_iter().collect();
    assert_eq!(subjects, vec![("t.0".into(), 66), ("t.1".into(), 67), ("t.2".into(), 67)]);
    assert_eq!(s.last_seq_for_subject("t.1"), Some(199));
    assert_eq!(s.num_pending(0, "t.*", false), 200);
    assert_eq!(s.num_pending(50, ">", true), 3);
    assert_eq!(s.load_next_with_headers(0).unwrap(), None);
    assert_eq!(s.unloaded_blocks(), sums);
    // The first load reads the summaries' entries.
    assert_eq!(s.load(5).unwrap().unwrap().data, payload(5));
    assert_eq!(s.unloaded_blocks(), 0);
    assert_all_but(&s, &[]);
}

#[test]
fn a_lazy_reopen_answers_like_an_eager_one() {
    let dir = tempfile::tempdir().unwrap();
    let before = snapshot(&busy_store(dir.path()));
    let copy = tempfile::tempdir().unwrap();
    for ent in fs::read_dir(dir.path()).unwrap() {
        let p = ent.unwrap().path();
        fs::copy(&p, copy.path().join(p.file_name().unwrap())).unwrap();
    }
    let lazy = open(dir.path(), small_cfg(), BUSY_LIMITS);
    let eager = open(copy.path(), small_cfg(), BUSY_LIMITS);
    eager.load(eager.state(false).first_seq).unwrap();
    assert_eq!(eager.unloaded_blocks(), 0);
    assert!(lazy.unloaded_blocks() > 0, "clean sealed blocks stay unread");
    assert_eq!(lazy.state(false), eager.state(false));
    assert_eq!(lazy.subjects_state(">"), eager.subjects_state(">"));
    assert_eq!(lazy.next_expiry(), eager.next_expiry());
    assert_eq!(snapshot(&lazy), before);
    assert_eq!(snapshot(&eager), before);
    // Every mutation on a lazily opened store matches the same mutation on an eager one.
    let mut pair = [lazy, eager];
    for s in pair.iter_mut() {
        s.store_msg("orders.3", b"", b"new", None).unwrap();
        s.remove(130, false).unwrap();
        s.purge(&PurgeRequest { filter: Some("orders.5".into()), keep: Some(3), ..Default::default() }).unwrap();
        s.update_limits(Limits { max_msgs_per_subject: 4, ..Default::default() }).unwrap();
    }
    assert_eq!(snapshot(&pair[0]), snapshot(&pair[1]));
}

#[test]
fn a_summary_lost_after_open_is_replaced_by_reading_its_block() {
    let dir = tempfile::tempdir().unwrap();
    plain_store(dir.path());
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert!(s.unloaded_blocks() > 0);
    let sums = summary_files(dir.path());
    fs::remove_file(&sums[0]).unwrap();
    let mut damaged = fs::read(&sums[1]).unwrap();
    let n = damaged.len();
    damaged[n - 1] ^= 0xff; // in the entries, which open did not read
    fs::write(&sums[1], &damaged).unwrap();
    assert_all_but(&s, &[]);
    assert_eq!(s.unloaded_blocks(), 0);
}

#[test]
fn a_damaged_summary_entries_section_is_found_at_open_or_first_use() {
    // Open reads only a summary's head; the entries are checked when the block is first used, and
    // a block that no longer matches its count is reported as corrupt rather than half loaded.
    let dir = tempfile::tempdir().unwrap();
    plain_store(dir.path());
    let blk = block_files(dir.path())[0].clone();
    let s = open(dir.path(), small_cfg(), Limits::default());
    // The block loses records behind the summary's back (its sampled tail stays intact).
    let bytes = fs::read(&blk).unwrap();
    let header = BlockHeader::decode(&bytes).unwrap();
    let mut cut = header.encode().to_vec();
    let mut at = HEADER_LEN;
    let mut kept = 0;
    while let Decoded::Ok(_, len) = record::decode(&bytes[at..], &header) {
        if kept != 1 {
            cut.extend_from_slice(&bytes[at..at + len]);
        }
        kept += 1;
        at += len;
    }
    fs::write(&blk, &cut).unwrap();
    for p in summary_files(dir.path()).iter().take(1) {
        fs::remove_file(p).unwrap();
    }
    assert!(matches!(s.load(1), Err(StoreError::Corrupt(_))));
    // Stream info still answers from the totals.
    assert_eq!(s.state(false).msgs, 200);
}

#[test]
fn removals_in_sealed_blocks_before_a_crash_keep_subject_state_exact() {
    let dir = tempfile::tempdir().unwrap();
    let bases = plain_store(dir.path());
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    s.remove(bases[1] + 1, false).unwrap();
    s.remove(bases[2], false).unwrap();
    s.purge(&PurgeRequest { filter: Some("t.1".into()), keep: Some(10), ..Default::default() }).unwrap();
    let before = snapshot(&s);
    let totals = (s.state(false), s.subjects_state(">"));
    let lasts: Vec<Option<u64>> = ["t.0", "t.1", "t.2"].iter().map(|t| s.last_seq_for_subject(t)).collect();
    drop(s); // no close: as after kill -9
    let mut s = open(dir.path(), small_cfg(), Limits::default());
    assert_eq!((s.state(false), s.subjects_state(">")), totals);
    let got: Vec<Option<u64>> = ["t.0", "t.1", "t.2"].iter().map(|t| s.last_seq_for_subject(t)).collect();
    assert_eq!(got, lasts);
    assert_eq!(snapshot(&s), before);
    // A message whose record is torn by the crash is lost, and only that one.
    s.store_msg("t.9", b"", b"torn", None).unwrap();
    drop(s);
    let tail = block_files(dir.path()).pop().unwrap();
    let len = fs::metadata(&tail).unwrap().len();
    OpenOptions::new().write(true).open(&tail).unwrap().set_len(len - 3).unwrap();
    let s = open(dir.path(), small_cfg(), Limits::default());
    assert!(s.recovery_report().truncated_bytes > 0);
    assert_eq!(s.last_seq_for_subject("t.9"), None);
    assert_eq!(snapshot(&s), before);
}

#[test]
fn age_expiry_that_is_not_due_reads_no_block() {
    let dir = tempfile::tempdir().unwrap();
    plain_store(dir.path());
    let hour = Duration::from_secs(3600);
    let mut s = open(dir.path(), small_cfg(), Limits { max_age: hour, ..Default::default() });
    let unread = s.unloaded_blocks();
    assert!(unread > 0);
    assert_eq!(s.next_expiry(), Some(T0 + hour.as_nanos() as i64));
    assert_eq!(s.expire(T0 + 1).unwrap(), Vec::<u64>::new());
    assert_eq!(s.unloaded_blocks(), unread);
    assert_eq!(s.expire(T0 + 2 * hour.as_nanos() as i64).unwrap().len(), 200);
    assert_eq!(s.state(false).msgs, 0);
}

#[test]
fn recovery_reads_a_large_tail_in_pieces_and_cuts_it_at_the_torn_record() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = FileStoreConfig { block_size: 64 << 20, block_max_msgs: 1_000_000, sync: SyncPolicy::Always };
    let mut s = open(dir.path(), cfg.clone(), Limits::default());
    // Records of every size around the read piece, one larger than it.
    let big = vec![7u8; SCAN_CHUNK + 1000];
    let mut sizes = Vec::new();
    for seq in 1..=400u64 {
        let data = if seq == 123 { big.clone() } else { vec![seq as u8; (seq as usize * 37) % 9000] };
        sizes.push(data.len());
        s.store_msg("x", b"", &data, None).unwrap();
    }
    drop(s);
    let blk = block_files(dir.path()).pop().unwrap();
    let len = fs::metadata(&blk).unwrap().len();
    assert!(len > 2 * SCAN_CHUNK as u64);
    let s = open(dir.path(), cfg.clone(), Limits::default());
    assert_eq!(s.state(false).msgs, 400);
    assert_eq!(s.load(123).unwrap().unwrap().data.len(), big.len());
    assert_eq!(s.load(400).unwrap().unwrap().data.len(), sizes[399]);
    drop(s);
    OpenOptions::new().write(true).open(&blk).unwrap().set_len(len - 1).unwrap();
    let s = open(dir.path(), cfg, Limits::default());
    assert_eq!((s.state(false).msgs, s.state(false).last_seq), (399, 399));
    assert_eq!(s.recovery_report().truncated_bytes, len - 1 - fs::metadata(&blk).unwrap().len());
}

/// Blocks of 64 KiB (tail checkpoints every 8 KiB) that no test here fills.
fn tail_cfg() -> FileStoreConfig {
    FileStoreConfig {
        block_size: 64 << 10,
        block_max_msgs: 100_000,
        sync: SyncPolicy::Interval(Duration::from_secs(60)),
    }
}

/// 400 messages on three subjects in one tail block, with interior deletes, a filtered purge and
/// a compaction between them (tombstones and floors before and after checkpoints).
fn tail_store(dir: &Path) -> FileStore {
    let mut s = open(dir, tail_cfg(), Limits::default());
    for seq in 1..=200u64 {
        s.store_msg(&format!("t.{}", seq % 3), b"", &payload(seq), None).unwrap();
    }
    s.remove(50, false).unwrap();
    s.remove(120, false).unwrap();
    s.purge(&PurgeRequest { filter: Some("t.1".into()), keep: Some(30), ..Default::default() }).unwrap();
    s.compact(10).unwrap();
    for seq in 201..=400u64 {
        s.store_msg(&format!("t.{}", seq % 3), b"", &payload(seq), None).unwrap();
    }
    // Some kilobytes of records after the last checkpoint.
    let mut seq = 400;
    while s.disk_bytes() < checkpoint_len(dir) + 2000 {
        seq += 1;
        s.store_msg("t.x", b"", &payload(seq), None).unwrap();
    }
    s.remove(390, false).unwrap();
    assert_eq!(s.block_count(), 1);
    s
}

/// [`tail_store`] dropped without a close (as a crash leaves it): its contents before the drop, its
/// block file and that file's bytes.
fn crashed_tail(dir: &Path) -> (Snapshot, PathBuf, Vec<u8>) {
    let s = tail_store(dir);
    let before = snapshot(&s);
    drop(s);
    let blk = block_files(dir).pop().unwrap();
    let bytes = fs::read(&blk).unwrap();
    (before, blk, bytes)
}

/// The tail's checkpoint: the prefix it covers.
fn checkpoint_len(dir: &Path) -> u64 {
    let sums = summary_files(dir);
    assert_eq!(sums.len(), 1, "one checkpoint");
    summary::Summary::decode(fs::read(&sums[0]).unwrap()).unwrap().0.len
}

fn records_in(bytes: &[u8]) -> u64 {
    let header = BlockHeader::decode(bytes).unwrap();
    let mut at = HEADER_LEN;
    let mut n = 0;
    while let Decoded::Ok(_, len) = record::decode(&bytes[at..], &header) {
        n += 1;
        at += len;
    }
    n
}

#[test]
fn the_tail_is_recovered_from_its_checkpoint_and_the_bytes_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (before, _, bytes) = crashed_tail(dir.path());
    let covered = checkpoint_len(dir.path());
    assert!(covered > HEADER_LEN as u64 && covered < bytes.len() as u64);
    assert!(bytes.len() as u64 - covered <= tail_cfg().block_size / 8 + 1024);
    let s = open(dir.path(), tail_cfg(), Limits::default());
    assert_eq!(snapshot(&s), before);
    let report = s.recovery_report();
    assert_eq!(report.summarized_blocks, 1);
    // Only the records after the checkpoint were read.
    assert_eq!(report.records, records_in(&bytes) - records_in(&bytes[..covered as usize]));
    // Appending goes on where the recovered tail ended, and the next open agrees.
    let mut s = s;
    s.store_msg("t.0", b"", b"after", None).unwrap();
    s.remove(200, false).unwrap();
    let before = snapshot(&s);
    drop(s);
    assert_eq!(snapshot(&open(dir.path(), tail_cfg(), Limits::default())), before);
}

#[test]
fn a_torn_or_corrupt_tail_after_its_checkpoint_is_cut_at_the_first_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let (before, blk, pristine) = crashed_tail(dir.path());
    let covered = checkpoint_len(dir.path()) as usize;
    let sum = fs::read(&summary_files(dir.path())[0]).unwrap();
    let header = BlockHeader::decode(&pristine).unwrap();
    // Record boundaries after the checkpoint.
    let mut ends = vec![covered];
    while let Decoded::Ok(_, len) = record::decode(&pristine[*ends.last().unwrap()..], &header) {
        ends.push(ends.last().unwrap() + len);
    }
    assert_eq!(*ends.last().unwrap(), pristine.len());
    assert!(ends.len() > 10);
    for (cut, flip) in [(pristine.len() - 1, None), (ends[5] + 3, None), (pristine.len(), Some(ends[7] + 12))] {
        let mut bytes = pristine[..cut].to_vec();
        if let Some(at) = flip {
            bytes[at] ^= 0x20;
        }
        fs::write(&blk, &bytes).unwrap();
        fs::write(&summary_files(dir.path())[0], &sum).unwrap();
        let s = open(dir.path(), tail_cfg(), Limits::default());
        let valid = ends.iter().copied().filter(|&e| e <= cut && flip.is_none_or(|f| e <= f)).max().unwrap();
        assert_eq!(s.recovery_report().summarized_blocks, 1, "cut {cut} flip {flip:?}");
        assert_eq!(s.recovery_report().truncated_bytes, (cut - valid) as u64, "cut {cut} flip {flip:?}");
        // Everything in the checkpointed prefix and the valid records after it are intact.
        let (_, msgs, _) = snapshot(&s);
        let last = msgs.last().map_or(0, |m| m.seq);
        // (Message 390 comes back when its tombstone, the last record, is cut.)
        let got: Vec<_> = msgs.into_iter().filter(|m| m.seq != 390).collect();
        let want: Vec<_> = before.1.iter().filter(|m| m.seq <= last && m.seq != 390).cloned().collect();
        assert_eq!(got, want, "cut {cut} flip {flip:?}");
        assert!(last > 200, "cut {cut} flip {flip:?}");
        drop(s);
        assert_eq!(fs::metadata(&blk).unwrap().len(), valid as u64);
    }
}

#[test]
fn a_checkpoint_that_does_not_match_the_tail_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (before, blk, pristine) = crashed_tail(dir.path());
    let sum_path = summary_files(dir.path()).pop().unwrap();
    let sum = fs::read(&sum_path).unwrap();
    let covered = checkpoint_len(dir.path());
    let (decoded, header_bytes, sample) = summary::Summary::decode(sum.clone()).unwrap();
    // Damaged, written for another block (other header), longer than the tail, sample differs.
    let mut damaged = sum.clone();
    damaged[70] ^= 1;
    let mut other_header = BlockHeader::decode(&header_bytes).unwrap();
    other_header.base_ts += 1;
    let other = decoded.encode(&other_header.encode(), sample.crc);
    let mut longer = decoded.clone();
    longer.len = pristine.len() as u64 + 10;
    let longer = longer.encode(&header_bytes, sample.crc);
    let wrong_sample = decoded.encode(&header_bytes, sample.crc ^ 1);
    for (what, bad) in [("damaged", damaged), ("other", other), ("longer", longer), ("sample", wrong_sample)] {
        fs::write(&blk, &pristine).unwrap();
        fs::write(&sum_path, &bad).unwrap();
        let s = open(dir.path(), tail_cfg(), Limits::default());
        assert_eq!(s.recovery_report().summarized_blocks, 0, "{what}");
        assert_eq!(s.recovery_report().records, records_in(&pristine), "{what}: read whole");
        assert_eq!(snapshot(&s), before, "{what}");
        drop(s);
        assert!(!sum_path.exists(), "{what}: a checkpoint that does not match is deleted");
    }
    // A tail cut below its checkpoint: the checkpoint is ignored and the tail cut at a record.
    fs::write(&blk, &pristine[..covered as usize - 5]).unwrap();
    fs::write(&sum_path, &sum).unwrap();
    let s = open(dir.path(), tail_cfg(), Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, 0);
    let (_, msgs, _) = snapshot(&s);
    let last = msgs.last().unwrap().seq;
    assert_eq!(msgs, before.1.iter().filter(|m| m.seq <= last).cloned().collect::<Vec<_>>());
    assert!(!sum_path.exists());
}

#[test]
fn an_older_checkpoint_still_recovers_everything_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), tail_cfg(), Limits::default());
    let mut saved = None;
    for seq in 1..=400u64 {
        s.store_msg(&format!("t.{}", seq % 3), b"", &payload(seq), None).unwrap();
        if seq == 150 {
            saved = Some(fs::read(&summary_files(dir.path())[0]).unwrap());
            s.remove(20, false).unwrap();
        }
    }
    s.remove(300, false).unwrap();
    let before = snapshot(&s);
    drop(s);
    let sum_path = summary_files(dir.path()).pop().unwrap();
    let newest = checkpoint_len(dir.path());
    fs::write(&sum_path, saved.unwrap()).unwrap();
    assert!(checkpoint_len(dir.path()) < newest);
    let s = open(dir.path(), tail_cfg(), Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, 1);
    assert_eq!(snapshot(&s), before);
}

#[test]
fn a_secure_erase_in_the_tail_drops_its_checkpoint_and_survives_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tail_store(dir.path());
    let covered = checkpoint_len(dir.path());
    s.remove(15, true).unwrap();
    assert!(summary_files(dir.path()).is_empty(), "the checkpoint vouched for the erased bytes");
    let before = snapshot(&s);
    drop(s);
    let s = open(dir.path(), tail_cfg(), Limits::default());
    assert_eq!(snapshot(&s), before);
    assert!(s.load(15).unwrap().is_none());
    // The tail grows again and gets a new checkpoint.
    let mut s = s;
    for seq in 401..=600u64 {
        s.store_msg("t.9", b"", &payload(seq), None).unwrap();
    }
    assert!(checkpoint_len(dir.path()) > covered);
    let before = snapshot(&s);
    drop(s);
    assert_eq!(snapshot(&open(dir.path(), tail_cfg(), Limits::default())), before);
}

#[test]
fn version_2_summaries_are_still_trusted() {
    let dir = tempfile::tempdir().unwrap();
    // Blocks larger than a version 3 sample, smaller than a version 2 one.
    let cfg = FileStoreConfig { block_size: 12 << 10, block_max_msgs: 1000, ..small_cfg() };
    let mut s = open(dir.path(), cfg.clone(), Limits::default());
    for seq in 1..=400u64 {
        s.store_msg(&format!("t.{}", seq % 3), b"", &payload(seq), None).unwrap();
    }
    let before = snapshot(&s);
    let blocks = s.block_count();
    drop(s);
    let sums = sealed_summary_files(dir.path());
    let checkpoint = summary_files(dir.path()).len() - sums.len();
    assert_eq!(sums.len(), blocks - 1);
    for (p, blk) in sums.iter().zip(block_files(dir.path())) {
        let (s, header, sample) = summary::Summary::decode(fs::read(p).unwrap()).unwrap();
        assert_eq!(sample.len, summary::SAMPLE);
        let bytes = fs::read(&blk).unwrap();
        assert!(bytes.len() as u64 > summary::SAMPLE);
        let v2 = summary::Sample { crc: 0, len: 64 << 10 }.range(s.len);
        let crc = crc32fast::hash(&bytes[v2.start as usize..v2.end as usize]);
        fs::write(p, s.encode_as(&header, crc, 2)).unwrap();
    }
    let s = open(dir.path(), cfg.clone(), Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, blocks - 1 + checkpoint);
    assert_eq!(snapshot(&s), before);
    drop(s);
    // A version 2 sample covers the whole of these blocks: a change at the start is found.
    let blk = block_files(dir.path())[0].clone();
    let mut bytes = fs::read(&blk).unwrap();
    bytes[HEADER_LEN + 20] ^= 1;
    fs::write(&blk, &bytes).unwrap();
    let s = open(dir.path(), cfg, Limits::default());
    assert_eq!(s.recovery_report().summarized_blocks, blocks - 2 + checkpoint);
}
