//! Server-wide message counters, read by monitoring (`/varz`) and updated by the router and the
//! front-ends. Publishers add once per read batch, not once per message, to keep the shared cache lines
//! quiet.

use std::sync::atomic::{AtomicU64, Ordering};

/// Totals since start.
#[derive(Debug, Default)]
pub struct Stats {
    pub in_msgs: AtomicU64,
    pub in_bytes: AtomicU64,
    pub out_msgs: AtomicU64,
    pub out_bytes: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub stale_connections: AtomicU64,
    pub total_connections: AtomicU64,
    /// Publishes and subscriptions refused by permissions (`-ERR 'Permissions Violation …'`).
    pub permission_violations: AtomicU64,
}

/// A copy of [`Stats`] at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub slow_consumers: u64,
    pub stale_connections: u64,
    pub total_connections: u64,
    pub permission_violations: u64,
}

impl Stats {
    pub fn add_in(&self, msgs: u64, bytes: u64) {
        if msgs > 0 {
            self.in_msgs.fetch_add(msgs, Ordering::Relaxed);
            self.in_bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    pub fn add_out(&self, msgs: u64, bytes: u64) {
        if msgs > 0 {
            self.out_msgs.fetch_add(msgs, Ordering::Relaxed);
            self.out_bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            in_msgs: l(&self.in_msgs),
            in_bytes: l(&self.in_bytes),
            out_msgs: l(&self.out_msgs),
            out_bytes: l(&self.out_bytes),
            slow_consumers: l(&self.slow_consumers),
            stale_connections: l(&self.stale_connections),
            total_connections: l(&self.total_connections),
            permission_violations: l(&self.permission_violations),
        }
    }
}
