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
        assert_eq!(s.next_expiry(), Some(T0 + 7_000_000_000));
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
fn seq_from_time_finds_the_first_message_at_or_after_a_time() {
    each_store(|h| {
        let mut s = h.open(Limits::default());
        assert_eq!(s.seq_from_time(T0), 1);
        for _ in 0..50 {
            put(&mut *s, "x");
            h.clock.advance(Duration::from_secs(1));
        }
        for seq in (2..50).step_by(3) {
            s.remove(seq, false).unwrap();
        }
        assert_eq!(s.seq_from_time(0), 1);
        // Message n was stored at n - 1 seconds; 2, 5, 8, … are gone.
        assert_eq!(s.seq_from_time(T0 + 9_000_000_000), 10);
        assert_eq!(s.seq_from_time(T0 + 10_000_000_000), 12);
        assert_eq!(s.seq_from_time(T0 + 12_500_000_000), 15);
        assert_eq!(s.seq_from_time(T0 + 49_000_000_000), 50);
        assert_eq!(s.seq_from_time(T0 + 60_000_000_000), 51);
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

/// Random operation sequences applied to both stores and to a deliberately naive model.
mod model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    const SUBJECTS: [&str; 5] = ["a", "b", "c.x", "c.y", "d"];
    const FILTERS: [&str; 8] = ["a", "b", "c.*", "c.>", ">", "d", "*", "c.x"];

    #[derive(Debug, Clone)]
    enum Op {
        Store { subject: usize, len: usize, hdr: bool, ttl: Option<i64> },
        Remove { back: u64, erase: bool },
        Purge { filter: Option<usize>, seq_back: Option<u64>, keep: Option<u64> },
        Compact { back: i64 },
        Limits { max_msgs: u64, max_bytes: u64, per_subject: u64, max_age: u64, new: bool, new_per: bool },
        Advance { secs: u64 },
        Expire,
        Reopen,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0..SUBJECTS.len(), 0..40usize, any::<bool>(), prop_oneof![
                6 => Just(None), 1 => Just(Some(-1i64)), 1 => (1..5i64).prop_map(|s| Some(s * 1_000_000_000))
            ]).prop_map(|(subject, len, hdr, ttl)| Op::Store { subject, len, hdr, ttl }),
            3 => (0..12u64, any::<bool>()).prop_map(|(back, erase)| Op::Remove { back, erase }),
            1 => (proptest::option::of(0..FILTERS.len()), proptest::option::of(0..10u64), proptest::option::of(0..4u64))
                .prop_map(|(filter, seq_back, keep)| Op::Purge { filter, seq_back, keep }),
            1 => (-3..12i64).prop_map(|back| Op::Compact { back }),
            1 => (0..10u64, prop_oneof![Just(0u64), 200..800u64], 0..4u64, 0..6u64, any::<bool>(), any::<bool>())
                .prop_map(|(max_msgs, max_bytes, per_subject, max_age, new, new_per)| Op::Limits {
                    max_msgs, max_bytes, per_subject, max_age, new, new_per
                }),
            2 => (0..4u64).prop_map(|secs| Op::Advance { secs }),
            2 => Just(Op::Expire),
            1 => Just(Op::Reopen),
        ]
    }

    #[derive(Debug, Clone)]
    struct ModelMsg {
        subject: String,
        size: u64,
        ts: i64,
        ttl: Option<i64>,
        data: Vec<u8>,
        hdr: Vec<u8>,
    }

    /// The obvious implementation: a map, nats-server's store-then-trim order, linear scans.
    #[derive(Debug)]
    struct Model {
        kind: Kind,
        msgs: BTreeMap<u64, ModelMsg>,
        empty_first: u64,
        last: u64,
        last_ts: i64,
        limits: Limits,
    }

    impl Model {
        fn bytes(&self) -> u64 {
            self.msgs.values().map(|m| m.size).sum()
        }
        fn count(&self, subject: &str) -> u64 {
            self.msgs.values().filter(|m| m.subject == subject).count() as u64
        }
        fn first(&self) -> u64 {
            self.msgs.keys().next().copied().unwrap_or(self.empty_first)
        }
        fn remove(&mut self, seq: u64) -> bool {
            let hit = self.msgs.remove(&seq).is_some();
            if self.msgs.is_empty() && hit {
                self.empty_first = self.last + 1;
            }
            hit
        }
        fn remove_first(&mut self) {
            let first = *self.msgs.keys().next().unwrap();
            self.remove(first);
        }
        /// After a store: that subject's limit, then messages, then bytes. After a limits update
        /// (`subject` is `None`): messages, bytes, then every subject, as nats-server orders them.
        fn trim(&mut self, subject: Option<&str>) {
            if subject.is_some() {
                self.trim_subjects(subject);
                self.trim_totals();
            } else {
                self.trim_totals();
                self.trim_subjects(None);
            }
        }
        fn trim_subjects(&mut self, subject: Option<&str>) {
            let max = self.limits.max_msgs_per_subject;
            if max == 0 {
                return;
            }
            let subjects: Vec<String> = match subject {
                Some(s) => vec![s.to_string()],
                None => SUBJECTS.iter().map(|s| s.to_string()).collect(),
            };
            for s in subjects {
                while self.count(&s) > max {
                    let seq = *self.msgs.iter().find(|(_, m)| m.subject == s).unwrap().0;
                    self.remove(seq);
                }
            }
        }
        fn trim_totals(&mut self) {
            let l = self.limits.clone();
            if l.discard == Discard::Old {
                while l.max_msgs > 0 && self.msgs.len() as u64 > l.max_msgs {
                    self.remove_first();
                }
                while l.max_bytes > 0 && self.bytes() > l.max_bytes {
                    self.remove_first();
                }
            }
        }
        fn store(&mut self, subject: &str, hdr: &[u8], data: &[u8], ttl: Option<i64>, ts: i64) -> Result<u64, ()> {
            let size = self.kind.size(subject, hdr, data);
            let l = &self.limits;
            if l.discard == Discard::New {
                let at_subject = l.max_msgs_per_subject > 0 && self.count(subject) >= l.max_msgs_per_subject;
                if at_subject && l.discard_new_per_subject {
                    return Err(());
                }
                if l.max_msgs > 0 && self.msgs.len() as u64 >= l.max_msgs && !at_subject {
                    return Err(());
                }
                if l.max_bytes > 0 && self.bytes() + size > l.max_bytes {
                    let oldest = self.msgs.values().find(|m| m.subject == subject).map_or(0, |m| m.size);
                    if !at_subject || oldest < size {
                        return Err(());
                    }
                }
            }
            self.last += 1;
            self.last_ts = ts;
            let m = ModelMsg { subject: subject.into(), size, ts, ttl, data: data.into(), hdr: hdr.into() };
            self.msgs.insert(self.last, m);
            self.trim(Some(subject));
            Ok(self.last)
        }
        fn matching(&self, filter: &str) -> Vec<u64> {
            self.msgs
                .iter()
                .filter(|(_, m)| filter_is_all(filter) || switchyard_shared::subject::matches(filter, &m.subject))
                .map(|(&s, _)| s)
                .collect()
        }
        fn purge(&mut self, filter: Option<&str>, seq: Option<u64>, keep: Option<u64>) -> u64 {
            let f = filter.unwrap_or(">");
            let (seq, keep) = (seq.filter(|&s| s > 0), keep.filter(|&k| k > 0));
            if seq == Some(1) {
                return 0;
            }
            if filter_is_all(f) {
                if seq.is_none() && keep.is_none() {
                    let n = self.msgs.len() as u64;
                    self.msgs.clear();
                    self.empty_first = self.last + 1;
                    return n;
                }
                if let Some(s) = seq {
                    return self.compact(s);
                }
            }
            let matching = self.matching(f);
            let total = matching.len() as u64;
            let max = match keep {
                Some(k) if k >= total => return 0,
                Some(k) => total - k,
                None => u64::MAX,
            };
            let mut n = 0;
            for s in matching.into_iter().filter(|&s| seq.is_none_or(|b| s < b)) {
                if n == max {
                    break;
                }
                self.remove(s);
                n += 1;
            }
            n
        }
        fn compact(&mut self, seq: u64) -> u64 {
            if seq == 0 {
                return self.purge(None, None, None);
            }
            if self.first() > seq {
                return 0;
            }
            if seq > self.last {
                let n = self.msgs.len() as u64;
                self.msgs.clear();
                self.last = seq - 1;
                self.empty_first = seq;
                return n;
            }
            let below: Vec<u64> = self.msgs.range(..seq).map(|(&s, _)| s).collect();
            for &s in &below {
                self.remove(s);
            }
            below.len() as u64
        }
        fn expire(&mut self, now: i64) -> Vec<u64> {
            let max_age = self.limits.max_age.as_nanos() as i64;
            let mut out: Vec<u64> = self
                .msgs
                .iter()
                .filter(|(_, m)| {
                    let by_age = max_age > 0 && m.ttl.is_none_or(|t| t >= 0) && m.ts <= now - max_age;
                    let by_ttl = m.ttl.is_some_and(|t| t > 0 && m.ts + t <= now);
                    by_age || by_ttl
                })
                .map(|(&s, _)| s)
                .collect();
            out.sort_unstable();
            for &s in &out {
                self.remove(s);
            }
            out
        }
    }

    /// What must hold right after an open, answered from totals alone (no message read).
    fn check_totals(model: &Model, s: &dyn Store, what: &str) {
        let st = s.state(false);
        let first = model.first();
        let num_deleted = if model.msgs.is_empty() { 0 } else { model.last - first + 1 - model.msgs.len() as u64 };
        assert_eq!(
            (st.msgs, st.bytes, st.first_seq, st.last_seq, st.last_ts, st.num_deleted),
            (model.msgs.len() as u64, model.bytes(), first, model.last, model.last_ts, num_deleted),
            "{what}: state from totals"
        );
        assert_eq!(st.first_ts, model.msgs.values().next().map_or(0, |m| m.ts), "{what}: first_ts from totals");
        let mut subjects = BTreeMap::new();
        for m in model.msgs.values() {
            *subjects.entry(m.subject.clone()).or_insert(0u64) += 1;
        }
        assert_eq!(s.subjects_state(">"), subjects, "{what}: subjects from totals");
        assert_eq!(st.num_subjects, subjects.len() as u64, "{what}: num_subjects from totals");
        for subject in SUBJECTS {
            let last = model.msgs.iter().rev().find(|(_, m)| m.subject == subject).map(|(&q, _)| q);
            assert_eq!(s.last_seq_for_subject(subject), last, "{what}: last of {subject} from totals");
        }
        for f in FILTERS {
            let matching = model.matching(f);
            let mut lps = BTreeMap::new();
            for &q in &matching {
                lps.insert(model.msgs[&q].subject.clone(), q);
            }
            assert_eq!(s.num_pending(0, f, false), matching.len() as u64, "{what}: pending {f} from totals");
            assert_eq!(s.num_pending(0, f, true), lps.len() as u64, "{what}: last-per-subject {f} from totals");
        }
    }

    fn check(model: &Model, s: &dyn Store, what: &str) {
        let st = s.state(true);
        let first = model.first();
        let deleted: Vec<u64> = if model.msgs.is_empty() {
            vec![]
        } else {
            (first..=model.last).filter(|q| !model.msgs.contains_key(q)).collect()
        };
        assert_eq!(
            (st.msgs, st.bytes, st.first_seq, st.last_seq, st.last_ts),
            (model.msgs.len() as u64, model.bytes(), first, model.last, model.last_ts),
            "{what}: state"
        );
        assert_eq!(st.deleted.as_ref(), Some(&deleted), "{what}: deleted");
        assert_eq!(st.num_deleted, deleted.len() as u64, "{what}: num_deleted");
        assert_eq!(st.first_ts, model.msgs.values().next().map_or(0, |m| m.ts), "{what}: first_ts");
        let mut next = 0;
        let mut seen = Vec::new();
        while let Some(m) = s.load_next(next, ">").unwrap() {
            let want = &model.msgs[&m.seq];
            assert_eq!(
                (&*m.subject, m.ts, &m.hdr[..], &m.data[..]),
                (&*want.subject, want.ts, &want.hdr[..], &want.data[..])
            );
            seen.push(m.seq);
            next = m.seq + 1;
        }
        assert_eq!(seen, model.msgs.keys().copied().collect::<Vec<_>>(), "{what}: contents");
        let mut with_hdr = Vec::new();
        let mut next = 0;
        while let Some(m) = s.load_next_with_headers(next).unwrap() {
            with_hdr.push(m.seq);
            next = m.seq + 1;
        }
        let want: Vec<u64> = model.msgs.iter().filter(|(_, m)| !m.hdr.is_empty()).map(|(&q, _)| q).collect();
        assert_eq!(with_hdr, want, "{what}: messages with headers");
        let mut subjects = BTreeMap::new();
        for m in model.msgs.values() {
            *subjects.entry(m.subject.clone()).or_insert(0u64) += 1;
        }
        assert_eq!(s.subjects_state(">"), subjects, "{what}: subjects");
        assert_eq!(st.num_subjects, subjects.len() as u64);
        for f in FILTERS {
            let matching = model.matching(f);
            assert_eq!(s.load_last(f).unwrap().map(|m| m.seq), matching.last().copied(), "{what}: last {f}");
            for start in [0, first + 1, model.last.saturating_sub(2)] {
                let pending = matching.iter().filter(|&&q| q >= start).count() as u64;
                assert_eq!(s.num_pending(start, f, false), pending, "{what}: pending {f} from {start}");
                let mut lps = BTreeMap::new();
                for &q in &matching {
                    lps.insert(model.msgs[&q].subject.clone(), q);
                }
                let lps = lps.values().filter(|&&q| q >= start).count() as u64;
                assert_eq!(s.num_pending(start, f, true), lps, "{what}: last-per-subject {f} from {start}");
                let next = matching.iter().find(|&&q| q >= start).copied();
                assert_eq!(s.load_next(start, f).unwrap().map(|m| m.seq), next, "{what}: next {f} from {start}");
                let prev = matching.iter().rev().find(|&&q| q <= start).copied();
                assert_eq!(s.load_prev(start, f).unwrap().map(|m| m.seq), prev, "{what}: prev {f} from {start}");
            }
        }
        for subject in SUBJECTS {
            let last = model.msgs.iter().rev().find(|(_, m)| m.subject == subject).map(|(&q, _)| q);
            assert_eq!(s.last_seq_for_subject(subject), last);
        }
    }

    /// The summary path of the last block file in `dir`, when it has one.
    fn tail_summary(dir: &std::path::Path) -> Option<std::path::PathBuf> {
        let mut blocks: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "blk"))
            .collect();
        blocks.sort();
        Some(blocks.pop()?.with_extension("sum")).filter(|p| p.exists())
    }

    fn run(kind: Kind, ops: &[Op]) {
        let clock = ManualClock::new(T0);
        let dir = tempfile::tempdir().unwrap();
        let cfg =
            FileStoreConfig { block_size: 600, block_max_msgs: 5, sync: SyncPolicy::Interval(Duration::from_secs(60)) };
        let open = |limits: Limits| -> Box<dyn Store> {
            match kind {
                Kind::Memory => Box::new(MemoryStore::new(limits, clock.clone())),
                Kind::File => Box::new(FileStore::open(dir.path(), cfg.clone(), limits, clock.clone()).unwrap()),
            }
        };
        let mut store = open(Limits::default());
        let mut model =
            Model { kind, msgs: BTreeMap::new(), empty_first: 0, last: 0, last_ts: 0, limits: Limits::default() };
        // A checkpoint of the tail taken earlier and put back at a later reopen, as if the
        // newer ones had been lost: an older checkpoint of a block is still a true prefix of it.
        let mut stale: Option<(std::path::PathBuf, Vec<u8>)> = None;
        for (i, op) in ops.iter().enumerate() {
            let what = format!("{kind:?} op {i} {op:?}");
            if kind == Kind::File && i % 4 == 0 {
                if let Some(sum) = tail_summary(dir.path()) {
                    stale = std::fs::read(&sum).ok().map(|b| (sum, b));
                }
            }
            match op.clone() {
                Op::Store { subject, len, hdr, ttl } => {
                    let subject = SUBJECTS[subject];
                    let data: Vec<u8> = (0..len).map(|b| (b + i) as u8).collect();
                    let hdr: &[u8] = if hdr { b"NATS/1.0\r\nX: y\r\n\r\n" } else { b"" };
                    let got = store.store_msg(subject, hdr, &data, ttl).map(|(seq, _)| seq).map_err(|_| ());
                    assert_eq!(got, model.store(subject, hdr, &data, ttl, clock.now_ns()), "{what}");
                }
                Op::Remove { back, erase } => {
                    let seq = (model.last + 1).saturating_sub(back);
                    assert_eq!(store.remove(seq, erase).unwrap(), model.remove(seq), "{what}");
                }
                Op::Purge { filter, seq_back, keep } => {
                    let filter = filter.map(|f| FILTERS[f].to_string());
                    let seq = seq_back.map(|b| (model.last + 1).saturating_sub(b));
                    let req = PurgeRequest { filter: filter.clone(), seq, keep };
                    assert_eq!(store.purge(&req).unwrap(), model.purge(filter.as_deref(), seq, keep), "{what}");
                }
                Op::Compact { back } => {
                    let seq = (model.last as i64 + 1 - back).max(0) as u64;
                    assert_eq!(store.compact(seq).unwrap(), model.compact(seq), "{what}");
                }
                Op::Limits { max_msgs, max_bytes, per_subject, max_age, new, new_per } => {
                    let limits = Limits {
                        max_msgs,
                        max_bytes,
                        max_age: Duration::from_secs(max_age),
                        max_msgs_per_subject: per_subject,
                        discard: if new { Discard::New } else { Discard::Old },
                        discard_new_per_subject: new_per,
                    };
                    let mut got = store.update_limits(limits.clone()).unwrap();
                    got.sort_unstable();
                    let before: Vec<u64> = model.msgs.keys().copied().collect();
                    model.limits = limits;
                    model.trim(None);
                    model.expire(clock.now_ns());
                    let want: Vec<u64> = before.into_iter().filter(|q| !model.msgs.contains_key(q)).collect();
                    assert_eq!(got, want, "{what}");
                }
                Op::Advance { secs } => clock.advance(Duration::from_secs(secs)),
                Op::Expire => {
                    let now = clock.now_ns();
                    assert_eq!(store.expire(now).unwrap(), model.expire(now), "{what}");
                }
                Op::Reopen => {
                    if kind == Kind::File {
                        let limits = store.limits().clone();
                        if i % 2 == 0 {
                            store.close().unwrap();
                        } else {
                            drop(store);
                        }
                        if i % 3 == 1 {
                            if let Some((path, bytes)) = stale.take() {
                                if path.with_extension("blk").exists() {
                                    std::fs::write(path, bytes).unwrap();
                                }
                            }
                        }
                        if i % 3 == 0 {
                            // As a store written before block summaries, or one that crashed
                            // before writing them: every block is scanned.
                            for ent in std::fs::read_dir(dir.path()).unwrap() {
                                let path = ent.unwrap().path();
                                if path.extension().is_some_and(|e| e == "sum") {
                                    std::fs::remove_file(path).unwrap();
                                }
                            }
                        }
                        store = open(limits);
                        check_totals(&model, &*store, &what);
                        if i % 2 == 1 {
                            // The next operation meets a store whose sealed blocks are not read yet.
                            continue;
                        }
                    }
                }
            }
            check(&model, &*store, &what);
        }
    }

    proptest! {
        // PROPTEST_CASES raises the count for a longer soak.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
            ..ProptestConfig::default()
        })]

        #[test]
        fn both_stores_agree_with_the_model(ops in proptest::collection::vec(op(), 1..80)) {
            run(Kind::Memory, &ops);
            run(Kind::File, &ops);
        }
    }
}
