//! Behaviour of the [`Store`] trait, run against both the file and the memory store.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::*;

const T0: i64 = 1_700_000_000_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Memory,
}

impl Kind {
    fn size(self, subject: &str, hdr: &[u8], data: &[u8]) -> u64 {
        match self {
            Kind::File => file_msg_size(subject.len(), hdr.len(), data.len()),
            Kind::Memory => memory_msg_size(subject.len(), hdr.len(), data.len()),
        }
    }
}

struct Harness {
    kind: Kind,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
}

impl Harness {
    fn open(&self, limits: Limits) -> Box<dyn Store> {
        match self.kind {
            Kind::Memory => Box::new(MemoryStore::new(limits, self.clock.clone())),
            Kind::File => {
                let cfg = FileStoreConfig { block_size: 4096, block_max_msgs: 16, sync: SyncPolicy::Always };
                Box::new(FileStore::open(self.dir.path().join("s"), cfg, limits, self.clock.clone()).unwrap())
            }
        }
    }
}

/// Run `f` once per store kind with a fresh harness.
fn each_store(f: impl Fn(&Harness)) {
    for kind in [Kind::Memory, Kind::File] {
        let h = Harness { kind, clock: ManualClock::new(T0), dir: tempfile::tempdir().unwrap() };
        f(&h);
    }
}

fn seqs(store: &dyn Store, filter: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut next = 0;
    while let Some(m) = store.load_next(next, filter).unwrap() {
        out.push(m.seq);
        next = m.seq + 1;
    }
    out
}

fn put(store: &mut dyn Store, subject: &str) -> u64 {
    store.store_msg(subject, b"", subject.as_bytes(), None).unwrap().0
}

#[test]
fn sequences_start_at_one_and_timestamps_come_from_the_clock() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        let st = s.state(false);
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 0, 0));
        assert_eq!(s.store_msg("a", b"", b"1", None).unwrap(), (1, T0));
        h.clock.advance(Duration::from_secs(1));
        assert_eq!(s.store_msg("a", b"hdr", b"2", None).unwrap(), (2, T0 + 1_000_000_000));
        let m = s.load(2).unwrap().unwrap();
        assert_eq!((&*m.subject, &m.hdr[..], &m.data[..], m.ts), ("a", &b"hdr"[..], &b"2"[..], T0 + 1_000_000_000));
        let st = s.state(false);
        assert_eq!((st.msgs, st.first_seq, st.last_seq, st.first_ts, st.last_ts), (2, 1, 2, T0, T0 + 1_000_000_000));
        assert_eq!(st.bytes, h.kind.size("a", b"", b"1") + h.kind.size("a", b"hdr", b"2"));
        assert_eq!(s.load(3).unwrap(), None);
    });
}

#[test]
fn bytes_follow_nats_server_formulas() {
    assert_eq!(file_msg_size(3, 0, 5), 22 + 3 + 5 + 8);
    assert_eq!(file_msg_size(3, 10, 5), 22 + 3 + 4 + 10 + 5 + 8);
    assert_eq!(memory_msg_size(3, 10, 5), 3 + 10 + 5 + 16);
}

#[test]
fn load_next_last_and_prev_honour_filters() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for subj in ["a.1", "b.1", "a.2", "b.2", "a.1"] {
            put(&mut *s, subj);
        }
        assert_eq!(seqs(&*s, "a.*"), vec![1, 3, 5]);
        assert_eq!(seqs(&*s, "a.1"), vec![1, 5]);
        assert_eq!(seqs(&*s, ">"), vec![1, 2, 3, 4, 5]);
        assert_eq!(seqs(&*s, ""), vec![1, 2, 3, 4, 5]);
        assert_eq!(seqs(&*s, "c.>"), Vec::<u64>::new());
        assert_eq!(s.load_next(2, "a.1").unwrap().unwrap().seq, 5);
        assert_eq!(s.load_last("b.*").unwrap().unwrap().seq, 4);
        assert_eq!(s.load_last("a.1").unwrap().unwrap().seq, 5);
        assert_eq!(s.load_last(">").unwrap().unwrap().seq, 5);
        assert_eq!(s.load_prev(4, "a.*").unwrap().unwrap().seq, 3);
        assert_eq!(s.load_prev(4, "a.1").unwrap().unwrap().seq, 1);
        assert_eq!(s.load_prev(0, ">").unwrap(), None);
        assert_eq!(s.last_seq_for_subject("b.1"), Some(2));
        assert_eq!(s.last_seq_for_subject("zz"), None);
    });
}

#[test]
fn removing_messages_updates_first_seq_and_deleted_details() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for _ in 0..5 {
            put(&mut *s, "x");
        }
        assert!(s.remove(3, false).unwrap());
        assert!(!s.remove(3, false).unwrap());
        assert!(!s.remove(99, false).unwrap());
        let st = s.state(true);
        assert_eq!((st.msgs, st.first_seq, st.num_deleted), (4, 1, 1));
        assert_eq!(st.deleted, Some(vec![3]));
        s.remove(1, false).unwrap();
        s.remove(2, true).unwrap();
        let st = s.state(true);
        assert_eq!((st.msgs, st.first_seq, st.last_seq, st.num_deleted), (2, 4, 5, 0));
        assert_eq!(st.deleted, Some(vec![]));
        s.remove(4, false).unwrap();
        s.remove(5, false).unwrap();
        let st = s.state(false);
        assert_eq!((st.msgs, st.bytes, st.first_seq, st.last_seq, st.first_ts), (0, 0, 6, 5, 0));
        assert_eq!(put(&mut *s, "x"), 6);
    });
}

#[test]
fn purge_all_keeps_the_last_sequence() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for _ in 0..10 {
            put(&mut *s, "x");
        }
        assert_eq!(s.purge(&PurgeRequest::default()).unwrap(), 10);
        let st = s.state(false);
        assert_eq!((st.msgs, st.bytes, st.first_seq, st.last_seq, st.num_subjects), (0, 0, 11, 10, 0));
        assert_eq!(put(&mut *s, "x"), 11);
    });
}

#[test]
fn filtered_purge_with_keep_and_sequence() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for subj in ["a", "b", "a", "b", "a", "b", "a"] {
            put(&mut *s, subj);
        }
        let keep2 = PurgeRequest { filter: Some("a".into()), keep: Some(2), ..Default::default() };
        assert_eq!(s.purge(&keep2).unwrap(), 2);
        assert_eq!(seqs(&*s, "a"), vec![5, 7]);
        let below = PurgeRequest { filter: Some("b".into()), seq: Some(4), ..Default::default() };
        assert_eq!(s.purge(&below).unwrap(), 1);
        assert_eq!(seqs(&*s, ">"), vec![4, 5, 6, 7]);
        let all_but_one = PurgeRequest { keep: Some(1), ..Default::default() };
        assert_eq!(s.purge(&all_but_one).unwrap(), 3);
        assert_eq!(seqs(&*s, ">"), vec![7]);
        let noop = PurgeRequest { seq: Some(1), ..Default::default() };
        assert_eq!(s.purge(&noop).unwrap(), 0);
        let wc = PurgeRequest { filter: Some("*".into()), ..Default::default() };
        assert_eq!(s.purge(&wc).unwrap(), 1);
        assert_eq!(s.state(false).first_seq, 8);
    });
}

#[test]
fn compact_removes_below_and_can_skip_ahead() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for _ in 0..10 {
            put(&mut *s, "x");
        }
        s.remove(6, false).unwrap();
        assert_eq!(s.compact(5).unwrap(), 4);
        assert_eq!(s.state(false).first_seq, 5);
        assert_eq!(s.compact(3).unwrap(), 0);
        assert_eq!(s.compact(7).unwrap(), 1);
        assert_eq!(s.state(false).first_seq, 7);
        let seq_purge = PurgeRequest { seq: Some(9), ..Default::default() };
        assert_eq!(s.purge(&seq_purge).unwrap(), 2);
        assert_eq!(s.compact(100).unwrap(), 2);
        let st = s.state(false);
        assert_eq!((st.msgs, st.first_seq, st.last_seq), (0, 100, 99));
        assert_eq!(put(&mut *s, "x"), 100);
    });
}

#[test]
fn max_msgs_and_max_bytes_drop_the_oldest() {
    each_store(|h| {
        let removed = Arc::new(Mutex::new(Vec::new()));
        let mut s = h.open(Limits { max_msgs: 3, ..Default::default() });
        let r = removed.clone();
        s.set_removal_listener(Some(Arc::new(move |cause, seqs: &[u64]| {
            assert_eq!(cause, RemovalCause::Limits);
            r.lock().extend_from_slice(seqs);
        })));
        for _ in 0..5 {
            put(&mut *s, "x");
        }
        assert_eq!(seqs(&*s, ">"), vec![3, 4, 5]);
        assert_eq!(*removed.lock(), vec![1, 2]);

        let one = h.kind.size("y", b"", b"y");
        let mut s = h.open(Limits { max_bytes: one * 2, ..Default::default() });
        s.purge(&PurgeRequest::default()).unwrap();
        for _ in 0..3 {
            put(&mut *s, "y");
        }
        let st = s.state(false);
        assert_eq!((st.msgs, st.bytes), (2, one * 2));
    });
}

#[test]
fn max_msgs_per_subject_drops_the_oldest_of_that_subject() {
    each_store(|h| {
        let mut s = h.open(Limits { max_msgs_per_subject: 2, ..Default::default() });
        for subj in ["k1", "k2", "k1", "k1", "k2", "k1"] {
            put(&mut *s, subj);
        }
        assert_eq!(seqs(&*s, "k1"), vec![4, 6]);
        assert_eq!(seqs(&*s, "k2"), vec![2, 5]);
        let st = s.state(false);
        assert_eq!((st.msgs, st.first_seq, st.num_subjects), (4, 2, 2));
        assert_eq!(s.subjects_state(">").into_iter().collect::<Vec<_>>(), vec![("k1".into(), 2), ("k2".into(), 2)]);
        s.update_limits(Limits { max_msgs_per_subject: 1, ..Default::default() }).unwrap();
        assert_eq!(seqs(&*s, ">"), vec![5, 6]);
    });
}

#[test]
fn discard_new_refuses_instead_of_dropping() {
    each_store(|h| {
        let mut s = h.open(Limits { max_msgs: 2, discard: Discard::New, ..Default::default() });
        put(&mut *s, "a");
        put(&mut *s, "b");
        assert!(matches!(s.store_msg("c", b"", b"", None), Err(StoreError::MaxMsgs)));
        let mut s = h.open(Limits { max_bytes: 100, discard: Discard::New, ..Default::default() });
        s.purge(&PurgeRequest::default()).unwrap();
        assert!(matches!(s.store_msg("c", b"", &[0; 100], None), Err(StoreError::MaxBytes)));
        let per = Limits {
            max_msgs_per_subject: 1,
            discard: Discard::New,
            discard_new_per_subject: true,
            ..Default::default()
        };
        let mut s = h.open(per);
        s.purge(&PurgeRequest::default()).unwrap();
        put(&mut *s, "k");
        assert!(matches!(s.store_msg("k", b"", b"", None), Err(StoreError::MaxMsgsPerSubject)));
        put(&mut *s, "other");
    });
}

#[test]
fn max_age_and_ttl_expire_messages() {
    each_store(|h| {
        let mut s = h.open(Limits { max_age: Duration::from_secs(10), ..Default::default() });
        put(&mut *s, "old");
        s.store_msg("forever", b"", b"", Some(-1)).unwrap();
        h.clock.advance(Duration::from_secs(5));
        s.store_msg("ttl", b"", b"", Some(2_000_000_000)).unwrap();
        put(&mut *s, "young");
        assert_eq!(s.next_expiry(), Some(T0 + 10_000_000_000.min(7_000_000_000)));
        assert_eq!(s.expire(T0 + 6_000_000_000).unwrap(), Vec::<u64>::new());
        assert_eq!(s.expire(T0 + 7_000_000_000).unwrap(), vec![3]);
        assert_eq!(s.expire(T0 + 10_000_000_000).unwrap(), vec![1]);
        assert_eq!(s.expire(T0 + 15_000_000_000).unwrap(), vec![4]);
        assert_eq!(seqs(&*s, ">"), vec![2]);
        assert_eq!(s.next_expiry(), None);
    });
}

#[test]
fn num_pending_counts_from_a_start_sequence() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        for subj in ["a.1", "b.1", "a.2", "a.1", "b.1", "a.1"] {
            put(&mut *s, subj);
        }
        s.remove(4, false).unwrap();
        assert_eq!(s.num_pending(1, ">", false), 5);
        assert_eq!(s.num_pending(3, ">", false), 3);
        assert_eq!(s.num_pending(2, "a.1", false), 1);
        assert_eq!(s.num_pending(1, "a.*", false), 3);
        assert_eq!(s.num_pending(3, "a.*", false), 2);
        assert_eq!(s.num_pending(1, ">", true), 3);
        assert_eq!(s.num_pending(4, ">", true), 2);
        assert_eq!(s.num_pending(4, "a.*", true), 1);
        assert_eq!(s.num_pending(7, ">", false), 0);
        assert_eq!(s.subjects_state("a.*").len(), 2);
    });
}

#[test]
fn store_raw_requires_the_next_sequence_and_keeps_the_given_time() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        assert_eq!(s.store_raw(1, 42, "m", b"", b"x", None).unwrap(), 1);
        assert!(matches!(
            s.store_raw(5, 43, "m", b"", b"x", None),
            Err(StoreError::SequenceMismatch { expected: 2, got: 5 })
        ));
        assert_eq!(s.store_raw(0, 44, "m", b"", b"x", None).unwrap(), 2);
        assert_eq!(s.load(2).unwrap().unwrap().ts, 44);
    });
}

#[test]
fn secure_erase_removes_the_message() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        s.store_msg("a", b"", b"top-secret", None).unwrap();
        put(&mut *s, "b");
        assert!(s.remove(1, true).unwrap());
        assert_eq!(s.load(1).unwrap(), None);
        assert_eq!(s.load(2).unwrap().unwrap().data, &b"b"[..]);
    });
}
