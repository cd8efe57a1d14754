//! The routing core: subscribe, unsubscribe and publish over one [`Sublist`].
//!
//! Every front-end and internal service calls the same three methods. A publish looks the subject up
//! (through the caller's [`MatchCache`]), hands the message to every plain subscription and to one
//! random member of each queue group, and records which subscribers need a flush; the caller ends its
//! batch with [`Router::finish`], which wakes each touched subscriber once and retires subscriptions
//! that reached their auto-unsubscribe limit.
//!
//! Messages that clients publish first pass the subject mappings (`mappings { … }`, see `mapping`):
//! a mapped message is routed, and delivered, under its new subject. Internal services publish with
//! mapping off, as nats-server applies mappings to client publishes only. Without mappings this costs
//! one branch per message.
//!
//! The router never blocks on a subscriber and never copies a payload: subscribers queue what they are
//! given (see `outbound`) and decide themselves what to do when they cannot keep up.

use std::sync::Arc;

use super::backlog::Stall;
use super::client::{Claim, ClientId, Msg, Subscriber, Subscription};
use super::mapping::{MappingCache, Mappings};
use super::stats::Stats;
use super::sublist::{MatchCache, SubResult, Sublist};

/// Per-publisher state carried across the messages of one read batch.
pub struct PublishCtx {
    /// The publishing connection.
    pub origin: ClientId,
    /// Deliver to the publisher's own subscriptions (`echo` in CONNECT).
    pub echo: bool,
    /// Apply the subject mappings to what this publisher sends (clients yes, internal services no).
    pub map_subjects: bool,
    cache: MatchCache,
    mapping_cache: MappingCache,
    pending: Vec<Arc<dyn Subscriber>>,
    /// Subscribers behind after the last batch, each once.
    stalled: Vec<Stall>,
    retired: Vec<Arc<Subscription>>,
    out_msgs: u64,
    out_bytes: u64,
}

impl PublishCtx {
    /// Takes the receivers that were behind at the end of the last batch.
    pub fn take_stalled(&mut self) -> Vec<Stall> {
        std::mem::take(&mut self.stalled)
    }

    pub fn new(origin: ClientId, echo: bool) -> Self {
        PublishCtx {
            origin,
            echo,
            map_subjects: true,
            cache: MatchCache::default(),
            mapping_cache: MappingCache::default(),
            pending: Vec::new(),
            stalled: Vec::new(),
            retired: Vec::new(),
            out_msgs: 0,
            out_bytes: 0,
        }
    }
}

/// The router of one subject space.
#[derive(Default)]
pub struct Router {
    sublist: Sublist,
    stats: Arc<Stats>,
    mappings: Mappings,
}

impl Router {
    pub fn new(stats: Arc<Stats>) -> Self {
        Router { sublist: Sublist::new(), stats, mappings: Mappings::default() }
    }

    /// A router that applies `mappings` to client publishes.
    pub fn with_mappings(stats: Arc<Stats>, mappings: Mappings) -> Self {
        Router { sublist: Sublist::new(), stats, mappings }
    }

    pub fn mappings(&self) -> &Mappings {
        &self.mappings
    }

    pub fn sublist(&self) -> &Sublist {
        &self.sublist
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Adds a subscription (subject already validated by the front-end).
    pub fn subscribe(&self, sub: Arc<Subscription>) {
        self.sublist.insert(sub);
    }

    /// Removes a subscription; no delivery reaches it afterwards.
    pub fn unsubscribe(&self, sub: &Arc<Subscription>) -> bool {
        sub.close();
        self.sublist.remove(sub)
    }

    /// Removes all of a closing client's subscriptions under one lock.
    pub fn unsubscribe_all<'a>(&self, subs: impl IntoIterator<Item = &'a Arc<Subscription>>) -> usize {
        let subs: Vec<&Arc<Subscription>> = subs.into_iter().inspect(|s| s.close()).collect();
        self.sublist.remove_batch(subs)
    }

    /// Routes `msg` by `route` (normally `msg.subject`; JetStream deliveries route by the deliver
    /// subject while the message keeps its stream subject). Returns how many subscriptions got it.
    pub fn publish(&self, ctx: &mut PublishCtx, route: &[u8], msg: &Msg<'_>) -> usize {
        if ctx.map_subjects && !self.mappings.is_empty() {
            let key = bytes::Bytes::copy_from_slice(route);
            if let Some(mapped) = ctx.mapping_cache.apply(&self.mappings, &key) {
                let msg = Msg { subject: &mapped, ..*msg };
                let result = self.lookup(ctx, &mapped);
                return self.publish_to(ctx, &result, &msg);
            }
        }
        let result = self.lookup(ctx, route);
        self.publish_to(ctx, &result, msg)
    }

    /// The subscriptions a publish on `route` reaches, through the publisher's cache.
    #[inline]
    pub fn lookup(&self, ctx: &mut PublishCtx, route: &[u8]) -> Arc<SubResult> {
        ctx.cache.lookup(&self.sublist, route).clone()
    }

    /// Whether a publish on `route` would certainly reach nobody (no reference counting on the way).
    /// Subject mappings may send it elsewhere, so with mappings the answer is always "maybe".
    #[inline]
    pub fn has_no_interest(&self, ctx: &mut PublishCtx, route: &[u8]) -> bool {
        if ctx.map_subjects && !self.mappings.is_empty() {
            return false;
        }
        ctx.cache.lookup(&self.sublist, route).is_empty()
    }

    /// Delivers `msg` to an already looked-up set of subscriptions.
    pub fn publish_to(&self, ctx: &mut PublishCtx, result: &SubResult, msg: &Msg<'_>) -> usize {
        let mut delivered = 0;
        for sub in &result.psubs {
            if !ctx.echo && sub.client.id() == ctx.origin {
                continue;
            }
            if deliver(ctx, sub, msg) {
                delivered += 1;
            }
        }
        for group in &result.qsubs {
            let n = group.members.len();
            let start = if n > 1 { fastrand::usize(..n) } else { 0 };
            for i in 0..n {
                let sub = &group.members[(start + i) % n];
                if !ctx.echo && sub.client.id() == ctx.origin {
                    continue;
                }
                if deliver(ctx, sub, msg) {
                    delivered += 1;
                    break;
                }
            }
        }
        delivered
    }

    /// Ends a batch: flushes every subscriber touched since the last call, retires subscriptions
    /// that reached their limit, and adds the batch to the server counters.
    pub fn finish(&self, ctx: &mut PublishCtx) {
        for client in ctx.pending.drain(..) {
            client.flush();
            if let Some(stall) = client.stalled() {
                if !ctx.stalled.iter().any(|s| s.same(&stall)) {
                    ctx.stalled.push(stall);
                }
            }
        }
        for sub in ctx.retired.drain(..) {
            if self.sublist.remove(&sub) {
                sub.client.retired(&sub);
            }
        }
        self.stats.add_out(ctx.out_msgs, ctx.out_bytes);
        ctx.out_msgs = 0;
        ctx.out_bytes = 0;
    }
}

#[inline]
fn deliver(ctx: &mut PublishCtx, sub: &Arc<Subscription>, msg: &Msg<'_>) -> bool {
    let claim = sub.claim();
    if claim == Claim::Skip {
        return false;
    }
    if sub.client.deliver(sub, msg) {
        ctx.pending.push(sub.client.clone());
    }
    if claim == Claim::DeliverLast {
        sub.close();
        ctx.retired.push(sub.clone());
    }
    ctx.out_msgs += 1;
    ctx.out_bytes += msg.size() as u64;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::client::test_support::{sub_for, Recorder};
    use bytes::Bytes;

    fn msg<'a>(subject: &'a Bytes, payload: &'a Bytes) -> Msg<'a> {
        Msg { subject, reply: None, headers: None, payload }
    }

    #[test]
    fn queue_group_gets_each_message_once() {
        let router = Router::default();
        let members: Vec<Arc<Recorder>> = (1..=3).map(|id| Arc::new(Recorder { id, ..Default::default() })).collect();
        for m in &members {
            router.subscribe(sub_for(m.clone(), "work", Some("q"), "1"));
        }
        let plain = Arc::new(Recorder { id: 9, ..Default::default() });
        router.subscribe(sub_for(plain.clone(), "work", None, "1"));
        let mut ctx = PublishCtx::new(100, true);
        let (s, p) = (Bytes::from_static(b"work"), Bytes::from_static(b"x"));
        for _ in 0..300 {
            assert_eq!(router.publish(&mut ctx, &s, &msg(&s, &p)), 2);
        }
        router.finish(&mut ctx);
        let counts: Vec<usize> = members.iter().map(|m| m.got.lock().len()).collect();
        assert_eq!(counts.iter().sum::<usize>(), 300);
        assert!(counts.iter().all(|&c| c > 50), "random spread: {counts:?}");
        assert_eq!(plain.got.lock().len(), 300);
        assert_eq!(router.stats().snapshot().out_msgs, 600);
    }

    #[test]
    fn echo_off_skips_own_subscriptions() {
        let router = Router::default();
        let me = Arc::new(Recorder { id: 1, ..Default::default() });
        router.subscribe(sub_for(me.clone(), "a", None, "1"));
        let mut ctx = PublishCtx::new(1, false);
        let (s, p) = (Bytes::from_static(b"a"), Bytes::from_static(b""));
        assert_eq!(router.publish(&mut ctx, &s, &msg(&s, &p)), 0);
        ctx.echo = true;
        assert_eq!(router.publish(&mut ctx, &s, &msg(&s, &p)), 1);
    }

    #[test]
    fn auto_unsubscribe_retires_after_max() {
        let router = Router::default();
        let r = Arc::new(Recorder { id: 1, ..Default::default() });
        let sub = sub_for(r.clone(), "a", None, "7");
        sub.set_max(2);
        router.subscribe(sub);
        let mut ctx = PublishCtx::new(2, true);
        let (s, p) = (Bytes::from_static(b"a"), Bytes::from_static(b""));
        for _ in 0..5 {
            router.publish(&mut ctx, &s, &msg(&s, &p));
            router.finish(&mut ctx);
        }
        assert_eq!(r.got.lock().len(), 2);
        assert_eq!(r.retired.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(router.sublist().count(), 0);
    }

    #[test]
    fn client_publishes_are_mapped_and_internal_ones_are_not() {
        use crate::core::mapping::{Mapping, WeightedDest};
        let dest = [WeightedDest { subject: "new.$1", weight: 100, cluster_scoped: false }];
        let router = Router::with_mappings(Arc::default(), Mappings::new(vec![Mapping::new("old.*", &dest).unwrap()]));
        let r = Arc::new(Recorder { id: 1, ..Default::default() });
        router.subscribe(sub_for(r.clone(), "new.*", None, "n"));
        router.subscribe(sub_for(r.clone(), "old.*", None, "o"));
        let (s, p) = (Bytes::from_static(b"old.x"), Bytes::from_static(b"m"));
        let mut client = PublishCtx::new(2, true);
        assert_eq!(router.publish(&mut client, &s, &msg(&s, &p)), 1);
        let mut internal = PublishCtx::new(3, true);
        internal.map_subjects = false;
        assert_eq!(router.publish(&mut internal, &s, &msg(&s, &p)), 1);
        let got = r.got.lock().clone();
        let sids: Vec<(&str, &str)> = got.iter().map(|(sid, subj, _)| (sid.as_str(), subj.as_str())).collect();
        assert_eq!(sids, [("n", "new.x"), ("o", "old.x")]);
    }

    #[test]
    fn flush_is_called_once_per_batch() {
        let router = Router::default();
        let r = Arc::new(Recorder { id: 1, ..Default::default() });
        router.subscribe(sub_for(r.clone(), "a", None, "1"));
        let mut ctx = PublishCtx::new(2, true);
        let (s, p) = (Bytes::from_static(b"a"), Bytes::from_static(b""));
        router.publish(&mut ctx, &s, &msg(&s, &p));
        router.finish(&mut ctx);
        assert_eq!(r.flushes.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
}
