//! Pacing publishers to their receivers: what a publishing connection waits for, between two
//! reads from its socket, when a receiver of its last batch is behind.
//!
//! Two receivers can be behind. A connection's outbound queue past its stall threshold
//! ([`Stall::Outbound`]) is waited for briefly only: a subscriber that stays slow is cut by its own
//! pending limit, it never holds a publisher for long. A service's [`Backlog`] past its limit
//! ([`Stall::Backlog`], a stream's ingest queue) is waited for until the service has caught up:
//! the publisher stops reading its socket, TCP flow control slows the client down, and the bytes
//! waiting in the server stay within the limit whatever the client sends. The service never waits
//! for a publisher (it only appends to outbound queues), so the wait cannot close a cycle; a
//! service that stops closes its backlog, which ends every wait on it.
//!
//! Router and front-ends only see [`Stall`]; what a receiver counts stays inside it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::outbound::Outbound;

/// Bytes a service has accepted and not yet finished with, against a limit past which its
/// publishers wait.
#[derive(Debug)]
pub struct Backlog {
    held: AtomicUsize,
    limit: usize,
    /// Highest `held` seen, for tests and diagnostics.
    peak: AtomicUsize,
    closed: AtomicBool,
    caught_up: Notify,
}

impl Backlog {
    /// A backlog whose publishers wait while it holds more than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Backlog {
            held: AtomicUsize::new(0),
            limit,
            peak: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            caught_up: Notify::new(),
        }
    }

    /// Counts `n` more bytes held; true when the backlog is now past its limit.
    pub fn add(&self, n: usize) -> bool {
        let held = self.held.fetch_add(n, Ordering::AcqRel) + n;
        self.peak.fetch_max(held, Ordering::Relaxed);
        held > self.limit
    }

    /// The service is done with `n` bytes; wakes the waiting publishers once it is within its limit.
    pub fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let held = self.held.fetch_sub(n, Ordering::AcqRel) - n;
        if held <= self.limit {
            self.caught_up.notify_waiters();
        }
    }

    /// The service stopped: nobody will release what it holds, so nobody may wait for it.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.caught_up.notify_waiters();
    }

    /// Whether publishers should wait before sending more.
    pub fn is_behind(&self) -> bool {
        self.held.load(Ordering::Acquire) > self.limit && !self.closed.load(Ordering::Acquire)
    }

    /// Bytes past which publishers wait.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::Acquire)
    }

    /// The most bytes held at any one time.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Waits until the backlog is within its limit or closed.
    pub async fn caught_up(&self) {
        loop {
            // Registered before the check, so a release in between still wakes this wait.
            let wake = self.caught_up.notified();
            if !self.is_behind() {
                return;
            }
            wake.await;
        }
    }
}

/// A receiver that was behind at the end of a publisher's batch.
#[derive(Clone)]
pub enum Stall {
    /// A connection's outbound queue past its stall threshold.
    Outbound(Arc<Outbound>),
    /// A service's backlog past its limit.
    Backlog(Arc<Backlog>),
}

impl Stall {
    /// Waits for the receiver: an outbound queue at most `outbound_max`, a backlog until it has
    /// caught up.
    pub async fn wait(&self, outbound_max: Duration) {
        match self {
            Stall::Outbound(out) => out.wait_drained(outbound_max).await,
            Stall::Backlog(backlog) => backlog.caught_up().await,
        }
    }

    /// Whether both name the same receiver.
    pub fn same(&self, other: &Stall) -> bool {
        match (self, other) {
            (Stall::Outbound(a), Stall::Outbound(b)) => Arc::ptr_eq(a, b),
            (Stall::Backlog(a), Stall::Backlog(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_ends_when_the_backlog_is_back_within_its_limit() {
        let backlog = Arc::new(Backlog::new(100));
        assert!(!backlog.add(100), "at the limit is not behind");
        assert!(backlog.add(50));
        assert!(backlog.is_behind());
        let b = backlog.clone();
        let waiter = tokio::spawn(async move { b.caught_up().await });
        tokio::task::yield_now().await;
        backlog.release(20);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "130 bytes held is still behind");
        backlog.release(30);
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").unwrap();
        assert_eq!((backlog.held(), backlog.peak()), (100, 150));
    }

    #[tokio::test]
    async fn closing_ends_every_wait() {
        let backlog = Arc::new(Backlog::new(10));
        backlog.add(11);
        let b = backlog.clone();
        let waiter = tokio::spawn(async move { b.caught_up().await });
        tokio::task::yield_now().await;
        backlog.close();
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").unwrap();
        assert!(!backlog.is_behind());
    }

    #[test]
    fn stalls_on_the_same_receiver_are_the_same() {
        let a = Arc::new(Backlog::new(1));
        let (s1, s2) = (Stall::Backlog(a.clone()), Stall::Backlog(a));
        let other = Stall::Backlog(Arc::new(Backlog::new(1)));
        assert!(s1.same(&s2));
        assert!(!s1.same(&other));
        assert!(!s1.same(&Stall::Outbound(Arc::new(Outbound::new(1)))));
    }
}
