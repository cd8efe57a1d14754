//! Publishing into another account's router from inside a delivery.
//!
//! Imports are subscribers in one account's router that publish, synchronously and in order, into
//! another's. A [`Forwarder`] does that publishing. It keeps a small pool of publish contexts instead
//! of one locked context, so no lock is held while the other router delivers: two links feeding each
//! other can never deadlock, and a thread that re-enters the same link simply takes a second context.
//! Deliveries queue on the receivers as for any publisher; the receivers are woken when the link's own
//! subscriber is flushed at the end of the original publisher's batch ([`Forwarder::flush`]).
//!
//! Startup rejects import cycles; as a second line of defence a thread-local depth limit drops a
//! message that has already crossed [`MAX_HOPS`] links.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;

use crate::core::{ClientId, Msg, PublishCtx, Router};

/// Links one message may cross in one publish.
pub const MAX_HOPS: u32 = 16;

thread_local! {
    static HOPS: Cell<u32> = const { Cell::new(0) };
}

/// Publishes into one router on behalf of a link.
pub struct Forwarder {
    router: Arc<Router>,
    id: ClientId,
    idle: Mutex<Vec<PublishCtx>>,
    /// Set when contexts hold deliveries that still need a flush.
    dirty: AtomicBool,
}

impl Forwarder {
    pub fn new(router: Arc<Router>, id: ClientId) -> Self {
        Forwarder { router, id, idle: Mutex::new(Vec::new()), dirty: AtomicBool::new(false) }
    }

    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// Publishes `msg` routed by `route`. Returns whether the caller must flush this link at the end of
    /// its batch (true once per batch, like a subscriber's `deliver`), and how many subscriptions got
    /// the message.
    pub fn publish(&self, route: &Bytes, msg: &Msg<'_>) -> (bool, usize) {
        let hops = HOPS.with(Cell::get);
        if hops >= MAX_HOPS {
            return (false, 0);
        }
        let mut ctx = self.idle.lock().pop().unwrap_or_else(|| PublishCtx::new(self.id, true));
        HOPS.with(|h| h.set(hops + 1));
        let delivered = self.router.publish(&mut ctx, route, msg);
        HOPS.with(|h| h.set(hops));
        self.idle.lock().push(ctx);
        // Mark after the context is back in the pool, so a flush that clears the mark sees it.
        (!self.dirty.swap(true, Ordering::AcqRel), delivered)
    }

    /// Wakes every receiver the pooled contexts delivered to.
    pub fn flush(&self) {
        self.dirty.store(false, Ordering::Release);
        let mut ctxs = std::mem::take(&mut *self.idle.lock());
        for ctx in &mut ctxs {
            self.router.finish(ctx);
        }
        self.idle.lock().append(&mut ctxs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::client::test_support::{sub_for, Recorder};

    #[test]
    fn forwarded_messages_wake_receivers_on_flush() {
        let router = Arc::new(Router::default());
        let rec = Arc::new(Recorder { id: 1, ..Default::default() });
        router.subscribe(sub_for(rec.clone(), "x.>", None, "1"));
        let fwd = Forwarder::new(router, 99);
        let (s, p) = (Bytes::from_static(b"x.a"), Bytes::from_static(b"hi"));
        let msg = Msg { subject: &s, reply: None, headers: None, payload: &p };
        assert_eq!(fwd.publish(&s, &msg), (true, 1));
        assert_eq!(fwd.publish(&s, &msg), (false, 1), "one flush request per batch");
        assert_eq!(rec.flushes.load(Ordering::Relaxed), 0, "queued, not yet woken");
        fwd.flush();
        assert!(rec.flushes.load(Ordering::Relaxed) > 0);
        assert!(fwd.publish(&s, &msg).0, "a new batch asks again");
        assert_eq!(rec.got.lock().len(), 3);
    }

    #[test]
    fn hop_limit_stops_runaway_forwarding() {
        let router = Arc::new(Router::default());
        let fwd = Forwarder::new(router, 99);
        let (s, p) = (Bytes::from_static(b"x"), Bytes::new());
        let msg = Msg { subject: &s, reply: None, headers: None, payload: &p };
        HOPS.with(|h| h.set(MAX_HOPS));
        assert_eq!(fwd.publish(&s, &msg), (false, 0));
        HOPS.with(|h| h.set(0));
    }
}
