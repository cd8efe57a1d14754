//! Traffic rates for the console: a sampler task reads the server and connection counters once per
//! second and keeps the last rates (messages and bytes per second, in and out) plus the process CPU
//! percentage, for the `*_rate` fields of `/varz` and `/connz` and for `cpu` in `/varz`.
//!
//! Input: [`Stats`](crate::core::Stats), the registry's open connections, `/proc`. Output: the last
//! computed [`TrafficRates`], read by monitoring without waiting for the sampler. It keeps one
//! previous sample per open connection (in one vector sorted by client id: 80 bytes a connection,
//! which matters with tens of thousands of idle MQTT devices) and forgets closed ones at the next tick.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::process;
use crate::core::ClientId;
use crate::server::Server;

/// How often the sampler runs.
pub const SAMPLE_INTERVAL: Duration = Duration::from_secs(1);

/// Messages and bytes per second, in (from clients) and out (to clients).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrafficRates {
    pub in_msgs: f64,
    pub in_bytes: f64,
    pub out_msgs: f64,
    pub out_bytes: f64,
}

/// Counter values at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
}

impl Counters {
    fn rates_since(&self, prev: &Counters, secs: f64) -> TrafficRates {
        let per_sec = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
        TrafficRates {
            in_msgs: per_sec(self.in_msgs, prev.in_msgs),
            in_bytes: per_sec(self.in_bytes, prev.in_bytes),
            out_msgs: per_sec(self.out_msgs, prev.out_msgs),
            out_bytes: per_sec(self.out_bytes, prev.out_bytes),
        }
    }
}

/// One open connection at the last tick: its counters, and its rates once it was sampled twice.
#[derive(Debug, Clone, Copy)]
struct ConnSample {
    cid: ClientId,
    counters: Counters,
    rates: Option<TrafficRates>,
}

#[derive(Default)]
struct State {
    at: Option<Instant>,
    server_prev: Counters,
    server: Option<TrafficRates>,
    /// Sorted by `cid`.
    conns: Vec<ConnSample>,
    cpu_prev: Option<u64>,
    cpu: f64,
}

impl State {
    fn conn(&self, cid: ClientId) -> Option<&ConnSample> {
        self.conns.binary_search_by_key(&cid, |s| s.cid).ok().map(|i| &self.conns[i])
    }
}

/// The last computed rates.
#[derive(Default)]
pub struct Rates {
    state: Mutex<State>,
}

impl Rates {
    /// Server-wide rates, once two samples exist.
    pub fn server(&self) -> Option<TrafficRates> {
        self.state.lock().server
    }

    /// Rates of one open connection, once it has been sampled twice.
    pub fn conn(&self, cid: ClientId) -> Option<TrafficRates> {
        self.state.lock().conn(cid).and_then(|s| s.rates)
    }

    /// Rates of many connections under one lock.
    pub fn conns(&self, cids: impl IntoIterator<Item = ClientId>) -> Vec<Option<TrafficRates>> {
        let st = self.state.lock();
        cids.into_iter().map(|cid| st.conn(cid).and_then(|s| s.rates)).collect()
    }

    /// Process CPU use over the last interval, in percent of one core (as nats-server reports it).
    pub fn cpu(&self) -> f64 {
        self.state.lock().cpu
    }

    /// Records one sample taken at `now`.
    pub fn record(
        &self,
        now: Instant,
        server: Counters,
        conns: impl IntoIterator<Item = (ClientId, Counters)>,
        cpu_ticks: Option<u64>,
    ) {
        let mut st = self.state.lock();
        let elapsed = st.at.map(|at| now.saturating_duration_since(at).as_secs_f64()).filter(|s| *s > 0.0);
        let mut next: Vec<ConnSample> =
            conns.into_iter().map(|(cid, counters)| ConnSample { cid, counters, rates: None }).collect();
        next.sort_unstable_by_key(|s| s.cid);
        if let Some(secs) = elapsed {
            for sample in &mut next {
                if let Some(prev) = st.conn(sample.cid) {
                    sample.rates = Some(sample.counters.rates_since(&prev.counters, secs));
                }
            }
            st.server = Some(server.rates_since(&st.server_prev, secs));
            if let (Some(now_ticks), Some(prev_ticks)) = (cpu_ticks, st.cpu_prev) {
                let used = now_ticks.saturating_sub(prev_ticks) as f64 / process::TICKS_PER_SECOND;
                st.cpu = (used / secs * 1000.0).round() / 10.0;
            }
        }
        st.at = Some(now);
        st.server_prev = server;
        st.conns = next;
        st.cpu_prev = cpu_ticks;
    }
}

/// Takes one sample of `server`.
pub fn sample(server: &Server, now: Instant) {
    let s = server.stats.snapshot();
    let totals = Counters { in_msgs: s.in_msgs, in_bytes: s.in_bytes, out_msgs: s.out_msgs, out_bytes: s.out_bytes };
    let conns = server.registry.open();
    let per_conn = conns.iter().map(|c| {
        let out = c.outbound.stats();
        (
            c.cid,
            Counters {
                in_msgs: c.in_msgs.load(Ordering::Relaxed),
                in_bytes: c.in_bytes.load(Ordering::Relaxed),
                out_msgs: out.msgs,
                out_bytes: out.bytes,
            },
        )
    });
    server.monitoring.rates.record(now, totals, per_conn, process::cpu_ticks());
}

/// Samples every [`SAMPLE_INTERVAL`] until the server shuts down.
pub async fn run(server: Arc<Server>) {
    let mut tick = tokio::time::interval(SAMPLE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = server.shutdown.cancelled() => return,
            _ = tick.tick() => sample(&server, Instant::now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counters(n: u64) -> Counters {
        Counters { in_msgs: n, in_bytes: n * 10, out_msgs: n * 2, out_bytes: n * 20 }
    }

    #[test]
    fn rates_are_deltas_per_second_and_closed_connections_are_forgotten() {
        let rates = Rates::default();
        let t0 = Instant::now();
        rates.record(t0, counters(0), [(1, counters(0)), (2, counters(5))], Some(100));
        assert_eq!(rates.server(), None, "one sample gives no rate");
        rates.record(t0 + Duration::from_secs(2), counters(100), [(1, counters(50)), (3, counters(7))], Some(150));
        let s = rates.server().unwrap();
        assert_eq!((s.in_msgs, s.in_bytes, s.out_msgs, s.out_bytes), (50.0, 500.0, 100.0, 1000.0));
        assert_eq!(rates.conn(1).unwrap().in_msgs, 25.0);
        assert_eq!(rates.conn(2), None, "closed connection dropped");
        assert_eq!(rates.conn(3), None, "new connection needs two samples");
        assert_eq!(rates.cpu(), 25.0, "50 ticks over 2 s is a quarter of a core");
    }

    #[test]
    fn connections_listed_in_any_order_get_their_own_rates() {
        let rates = Rates::default();
        let t0 = Instant::now();
        rates.record(t0, counters(0), (1..=100).rev().map(|cid| (cid, counters(cid))), None);
        let later = (1..=100).map(|cid| (cid, counters(cid * 3)));
        rates.record(t0 + Duration::from_secs(1), counters(0), later, None);
        let got = rates.conns([100, 7, 1, 101]);
        let in_msgs: Vec<_> = got.iter().map(|r| r.map(|r| r.in_msgs)).collect();
        assert_eq!(in_msgs, vec![Some(200.0), Some(14.0), Some(2.0), None]);
    }
}
