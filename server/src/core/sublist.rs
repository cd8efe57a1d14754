//! The subject trie: which subscriptions match a literal subject.
//!
//! One [`Sublist`] holds every subscription of a subject space. Each level of the trie maps a literal
//! token to a node, with separate slots for `*` and `>`; a node holds plain subscriptions and queue
//! subscriptions grouped by queue name. A match walks the trie once per token, collecting plain
//! subscriptions and merging queue groups of the same name from every matching node, so a queue group
//! spread over `foo.*` and `foo.bar` still delivers each message to one member only.
//!
//! Matches are cached per caller in a [`MatchCache`] keyed by subject and validated against the
//! sublist's generation number, which every insert and remove bumps: a publisher that sends to the same
//! subjects pays for the trie walk once, and no publisher contends on a shared cache.
//!
//! It does not deliver anything (that is the router) and it does not validate subjects (the front-ends
//! do, since what is valid differs between protocols).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

use super::client::Subscription;

type Map<K, V> = HashMap<K, V, ahash::RandomState>;

/// Subscriptions matching one subject.
#[derive(Default, Debug)]
pub struct SubResult {
    /// Plain subscriptions: every one gets the message.
    pub psubs: Vec<Arc<Subscription>>,
    /// Queue groups: one member of each gets the message.
    pub qsubs: Vec<QueueGroup>,
}

/// The members of one queue group that match a subject.
#[derive(Debug)]
pub struct QueueGroup {
    pub name: Bytes,
    pub members: Vec<Arc<Subscription>>,
}

impl SubResult {
    pub fn is_empty(&self) -> bool {
        self.psubs.is_empty() && self.qsubs.is_empty()
    }

    /// Number of subscriptions a message will reach (one per queue group).
    pub fn fanout(&self) -> usize {
        self.psubs.len() + self.qsubs.len()
    }

    fn add_node(&mut self, node: &Node) {
        self.psubs.extend(node.psubs.as_slice().iter().cloned());
        for (name, members) in node.groups() {
            match self.qsubs.iter_mut().find(|g| g.name == *name) {
                Some(g) => g.members.extend(members.iter().cloned()),
                None => self.qsubs.push(QueueGroup { name: name.clone(), members: members.clone() }),
            }
        }
    }
}

/// The plain subscriptions of a node. Most nodes hold one (a client's own topic), which then needs no
/// allocation of its own; the enum is as large as the vector.
enum Plain {
    One(Arc<Subscription>),
    Many(Vec<Arc<Subscription>>),
}

impl Default for Plain {
    fn default() -> Self {
        Plain::Many(Vec::new())
    }
}

impl Plain {
    fn as_slice(&self) -> &[Arc<Subscription>] {
        match self {
            Plain::One(sub) => std::slice::from_ref(sub),
            Plain::Many(subs) => subs,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    fn push(&mut self, sub: Arc<Subscription>) {
        *self = match std::mem::take(self) {
            Plain::Many(subs) if subs.is_empty() => Plain::One(sub),
            Plain::One(first) => Plain::Many(vec![first, sub]),
            Plain::Many(mut subs) => {
                subs.push(sub);
                Plain::Many(subs)
            }
        };
    }

    /// Removes `sub` (by identity); false when it is not here.
    fn remove(&mut self, sub: &Arc<Subscription>) -> bool {
        match self {
            Plain::One(only) if Arc::ptr_eq(only, sub) => {
                *self = Plain::default();
                true
            }
            Plain::One(_) => false,
            Plain::Many(subs) => match subs.iter().position(|s| Arc::ptr_eq(s, sub)) {
                Some(i) => {
                    subs.swap_remove(i);
                    true
                }
                None => false,
            },
        }
    }
}

/// Queue groups of one node by name, with their members.
type Groups = Vec<(Bytes, Vec<Arc<Subscription>>)>;

#[derive(Default)]
struct Node {
    next: Option<Box<Level>>,
    psubs: Plain,
    /// Boxed: few nodes hold queue subscriptions, and the nodes of a level sit inline in its hash table.
    #[allow(clippy::box_collection, reason = "one pointer instead of an empty vector inline in every node")]
    qsubs: Option<Box<Groups>>,
}

impl Node {
    fn groups(&self) -> &[(Bytes, Vec<Arc<Subscription>>)] {
        self.qsubs.as_deref().map_or(&[], Vec::as_slice)
    }

    fn is_empty(&self) -> bool {
        self.psubs.is_empty() && self.qsubs.is_none() && self.next.as_ref().is_none_or(|l| l.is_empty())
    }
}

#[derive(Default)]
struct Level {
    nodes: Map<Bytes, Node>,
    pwc: Option<Box<Node>>,
    fwc: Option<Box<Node>>,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.nodes.is_empty() && self.pwc.is_none() && self.fwc.is_none()
    }
}

/// Counters reported by `/subsz`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SublistStats {
    pub count: u64,
    pub inserts: u64,
    pub removes: u64,
    pub matches: u64,
    pub cache_hits: u64,
}

/// The subject trie with a generation counter for cache validation.
#[derive(Default)]
pub struct Sublist {
    root: RwLock<Level>,
    genid: AtomicU64,
    count: AtomicU64,
    inserts: AtomicU64,
    removes: AtomicU64,
    matches: AtomicU64,
    cache_hits: AtomicU64,
}

fn tokens(subject: &[u8]) -> impl Iterator<Item = &[u8]> {
    subject.split(|&c| c == b'.')
}

impl Sublist {
    pub fn new() -> Self {
        Self::default()
    }

    /// The generation number; changes whenever the set of subscriptions changes.
    pub fn genid(&self) -> u64 {
        self.genid.load(Ordering::Acquire)
    }

    /// Number of subscriptions.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> SublistStats {
        SublistStats {
            count: self.count(),
            inserts: self.inserts.load(Ordering::Relaxed),
            removes: self.removes.load(Ordering::Relaxed),
            matches: self.matches.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
        }
    }

    /// Adds a subscription under its subject (which the caller has validated).
    pub fn insert(&self, sub: Arc<Subscription>) {
        let mut root = self.root.write();
        let mut level: &mut Level = &mut root;
        let mut toks = tokens(&sub.subject).peekable();
        let node = loop {
            let tok = toks.next().expect("subject has at least one token");
            let node: &mut Node = match tok {
                b"*" => level.pwc.get_or_insert_with(Default::default),
                b">" => level.fwc.get_or_insert_with(Default::default),
                _ => level.nodes.entry(sub.subject.slice_ref(tok)).or_default(),
            };
            if toks.peek().is_none() {
                break node;
            }
            level = node.next.get_or_insert_with(Default::default);
        };
        match &sub.queue {
            None => node.psubs.push(sub.clone()),
            Some(q) => {
                let groups = node.qsubs.get_or_insert_with(Default::default);
                match groups.iter_mut().find(|(name, _)| name == q) {
                    Some((_, members)) => members.push(sub.clone()),
                    None => groups.push((q.clone(), vec![sub.clone()])),
                }
            }
        }
        self.genid.fetch_add(1, Ordering::AcqRel);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.inserts.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes this exact subscription (by identity). Returns false when it was not present, so
    /// removing twice (auto-unsubscribe racing an explicit UNSUB) is harmless.
    pub fn remove(&self, sub: &Arc<Subscription>) -> bool {
        let mut root = self.root.write();
        let toks: Vec<&[u8]> = tokens(&sub.subject).collect();
        let removed = remove_at(&mut root, &toks, sub);
        if removed {
            self.genid.fetch_add(1, Ordering::AcqRel);
            self.count.fetch_sub(1, Ordering::Relaxed);
            self.removes.fetch_add(1, Ordering::Relaxed);
        }
        removed
    }

    /// Removes many subscriptions under one lock (a closing connection).
    pub fn remove_batch<'a>(&self, subs: impl IntoIterator<Item = &'a Arc<Subscription>>) -> usize {
        let mut root = self.root.write();
        let mut n = 0;
        for sub in subs {
            let toks: Vec<&[u8]> = tokens(&sub.subject).collect();
            if remove_at(&mut root, &toks, sub) {
                n += 1;
            }
        }
        if n > 0 {
            self.genid.fetch_add(1, Ordering::AcqRel);
            self.count.fetch_sub(n as u64, Ordering::Relaxed);
            self.removes.fetch_add(n as u64, Ordering::Relaxed);
        }
        n
    }

    /// Every subscription matching the literal `subject`.
    pub fn matches(&self, subject: &[u8]) -> SubResult {
        self.matches.fetch_add(1, Ordering::Relaxed);
        let root = self.root.read();
        let toks: Vec<&[u8]> = tokens(subject).collect();
        let mut result = SubResult::default();
        match_level(&root, &toks, &mut result);
        result
    }

    /// Whether anything at all matches `subject` (cheaper than collecting the result).
    pub fn has_interest(&self, subject: &[u8]) -> bool {
        !self.matches(subject).is_empty()
    }

    /// Visits every subscription (for monitoring).
    pub fn for_each(&self, mut f: impl FnMut(&Arc<Subscription>)) {
        fn walk(level: &Level, f: &mut impl FnMut(&Arc<Subscription>)) {
            let nodes = level.nodes.values().chain(level.pwc.as_deref()).chain(level.fwc.as_deref());
            for node in nodes {
                node.psubs.as_slice().iter().for_each(&mut *f);
                node.groups().iter().flat_map(|(_, m)| m).for_each(&mut *f);
                if let Some(next) = &node.next {
                    walk(next, f);
                }
            }
        }
        walk(&self.root.read(), &mut f);
    }

    pub(crate) fn note_cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }
}

fn match_level(level: &Level, toks: &[&[u8]], out: &mut SubResult) {
    let Some((tok, rest)) = toks.split_first() else { return };
    if let Some(fwc) = &level.fwc {
        out.add_node(fwc);
    }
    if let Some(pwc) = &level.pwc {
        visit(pwc, rest, out);
    }
    if let Some(node) = level.nodes.get(*tok) {
        visit(node, rest, out);
    }
}

fn visit(node: &Node, rest: &[&[u8]], out: &mut SubResult) {
    if rest.is_empty() {
        out.add_node(node);
    } else if let Some(next) = &node.next {
        match_level(next, rest, out);
    }
}

fn remove_at(level: &mut Level, toks: &[&[u8]], sub: &Arc<Subscription>) -> bool {
    let Some((tok, rest)) = toks.split_first() else { return false };
    let removed;
    let prune;
    {
        let node: &mut Node = match *tok {
            b"*" => match level.pwc.as_deref_mut() {
                Some(n) => n,
                None => return false,
            },
            b">" => match level.fwc.as_deref_mut() {
                Some(n) => n,
                None => return false,
            },
            t => match level.nodes.get_mut(t) {
                Some(n) => n,
                None => return false,
            },
        };
        removed = if rest.is_empty() {
            remove_from_node(node, sub)
        } else {
            match node.next.as_deref_mut() {
                Some(next) => {
                    let r = remove_at(next, rest, sub);
                    if next.is_empty() {
                        node.next = None;
                    }
                    r
                }
                None => false,
            }
        };
        prune = node.is_empty();
    }
    if prune {
        match *tok {
            b"*" => level.pwc = None,
            b">" => level.fwc = None,
            t => {
                level.nodes.remove(t);
            }
        }
    }
    removed
}

fn remove_from_node(node: &mut Node, sub: &Arc<Subscription>) -> bool {
    match &sub.queue {
        None => node.psubs.remove(sub),
        Some(q) => {
            let Some(groups) = node.qsubs.as_deref_mut() else { return false };
            let Some(gi) = groups.iter().position(|(name, _)| name == q) else { return false };
            let members = &mut groups[gi].1;
            let Some(i) = members.iter().position(|s| Arc::ptr_eq(s, sub)) else { return false };
            members.swap_remove(i);
            if members.is_empty() {
                groups.swap_remove(gi);
                if groups.is_empty() {
                    node.qsubs = None;
                }
            }
            true
        }
    }
}

/// A per-publisher cache of match results, validated by the sublist generation.
pub struct MatchCache {
    genid: u64,
    entries: Map<Bytes, Arc<SubResult>>,
    capacity: usize,
    /// The last subject looked up: publishers often send many messages in a row to one subject.
    last: Option<(Bytes, Arc<SubResult>)>,
}

impl Default for MatchCache {
    fn default() -> Self {
        Self::with_capacity(256)
    }
}

impl MatchCache {
    pub fn with_capacity(capacity: usize) -> Self {
        MatchCache { genid: u64::MAX, entries: Map::default(), capacity, last: None }
    }

    /// The subscriptions matching `subject`, from the cache when still valid.
    #[inline]
    pub fn lookup(&mut self, sublist: &Sublist, subject: &[u8]) -> &Arc<SubResult> {
        let genid = sublist.genid();
        if genid != self.genid {
            self.entries.clear();
            self.last = None;
            self.genid = genid;
        }
        let hit = matches!(&self.last, Some((k, _)) if k[..] == *subject);
        if !hit {
            let result = match self.entries.get(subject) {
                Some(r) => {
                    sublist.note_cache_hit();
                    r.clone()
                }
                None => {
                    let result = Arc::new(sublist.matches(subject));
                    if self.entries.len() >= self.capacity {
                        self.entries.clear();
                    }
                    // A private copy of the key: a slice of a large read buffer would pin that buffer.
                    self.entries.insert(Bytes::copy_from_slice(subject), result.clone());
                    result
                }
            };
            self.last = Some((Bytes::copy_from_slice(subject), result));
        }
        &self.last.as_ref().expect("just set").1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::client::test_support::sub;

    fn subjects(r: &SubResult) -> Vec<String> {
        let mut v: Vec<String> = r.psubs.iter().map(|s| String::from_utf8_lossy(&s.subject).into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn matches_literals_and_wildcards() {
        let sl = Sublist::new();
        for s in ["foo.bar", "foo.*", "foo.>", ">", "*.bar", "foo.bar.baz", "foo"] {
            sl.insert(sub(s, None));
        }
        assert_eq!(subjects(&sl.matches(b"foo.bar")), ["*.bar", ">", "foo.*", "foo.>", "foo.bar"]);
        assert_eq!(subjects(&sl.matches(b"foo.bar.baz")), [">", "foo.>", "foo.bar.baz"]);
        assert_eq!(subjects(&sl.matches(b"foo")), [">", "foo"]);
        assert_eq!(subjects(&sl.matches(b"bar")), [">"]);
        assert_eq!(sl.count(), 7);
    }

    #[test]
    fn queue_groups_merge_across_nodes() {
        let sl = Sublist::new();
        sl.insert(sub("foo.*", Some("q")));
        sl.insert(sub("foo.bar", Some("q")));
        sl.insert(sub("foo.bar", Some("other")));
        let r = sl.matches(b"foo.bar");
        assert!(r.psubs.is_empty());
        assert_eq!(r.qsubs.len(), 2);
        let q = r.qsubs.iter().find(|g| &g.name[..] == b"q").unwrap();
        assert_eq!(q.members.len(), 2);
    }

    #[test]
    fn remove_is_by_identity_and_prunes() {
        let sl = Sublist::new();
        let a = sub("foo.bar", None);
        let b = sub("foo.bar", None);
        sl.insert(a.clone());
        sl.insert(b.clone());
        assert!(sl.remove(&a));
        assert!(!sl.remove(&a));
        assert_eq!(sl.matches(b"foo.bar").psubs.len(), 1);
        assert!(sl.remove(&b));
        assert!(sl.root.read().is_empty());
        assert_eq!(sl.count(), 0);
    }

    #[test]
    fn a_node_holds_one_plain_subscription_inline_and_more_in_a_vector() {
        assert_eq!(std::mem::size_of::<Plain>(), std::mem::size_of::<Vec<Arc<Subscription>>>());
        let sl = Sublist::new();
        let (a, b, c) = (sub("t.1", None), sub("t.1", None), sub("t.1", None));
        for s in [&a, &b, &c] {
            sl.insert(s.clone());
        }
        assert_eq!(sl.matches(b"t.1").psubs.len(), 3);
        assert!(sl.remove(&b));
        assert!(sl.remove(&a));
        assert!(!sl.remove(&a));
        let left = sl.matches(b"t.1").psubs;
        assert!(left.len() == 1 && Arc::ptr_eq(&left[0], &c));
        assert!(sl.remove(&c));
        assert!(sl.root.read().is_empty());
        sl.insert(a.clone());
        assert!(Arc::ptr_eq(&sl.matches(b"t.1").psubs[0], &a), "one again after emptying");
    }

    #[test]
    fn cache_is_invalidated_by_changes() {
        let sl = Sublist::new();
        let mut cache = MatchCache::default();
        assert!(cache.lookup(&sl, b"a.b").is_empty());
        sl.insert(sub("a.*", None));
        assert_eq!(cache.lookup(&sl, b"a.b").psubs.len(), 1);
        assert_eq!(cache.lookup(&sl, b"x.y").psubs.len(), 0);
        assert_eq!(cache.lookup(&sl, b"a.b").psubs.len(), 1, "from the map");
        assert_eq!(cache.lookup(&sl, b"a.b").psubs.len(), 1, "from the last-subject slot");
        assert_eq!(sl.stats().cache_hits, 1);
    }

    #[test]
    fn for_each_visits_everything() {
        let sl = Sublist::new();
        for s in ["a", "a.b", "a.*", "a.>", "b.c.d"] {
            sl.insert(sub(s, None));
        }
        sl.insert(sub("a", Some("q")));
        let mut n = 0;
        sl.for_each(|_| n += 1);
        assert_eq!(n, 6);
    }
}
