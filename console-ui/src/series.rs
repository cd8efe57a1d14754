//! The overview's time series: one point per `/varz` poll, holding message and byte rates in and out,
//! connections, subscriptions and slow consumers, in a ring of the most recent points.
//!
//! Rates are the server's own (`in_msgs_rate` … when it reports them) or else derived from the counter
//! deltas between two polls over the server's clock (`now`). A counter that went down (a restarted
//! server) starts the derivation over instead of producing a negative rate.
//!
//! Input: [`Varz`] bodies. Output: [`Point`]s for the charts. It does no polling itself.

use std::collections::VecDeque;

use switchyard_shared::api::monitor::Varz;

/// One moment of the server's traffic.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Server time, Unix milliseconds.
    pub t_ms: f64,
    pub in_msgs: f64,
    pub out_msgs: f64,
    pub in_bytes: f64,
    pub out_bytes: f64,
    pub connections: f64,
    pub subscriptions: f64,
    pub slow_consumers: f64,
}

/// The counters of the previous poll, for deriving rates.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Counters {
    t_ns: i64,
    in_msgs: i64,
    out_msgs: i64,
    in_bytes: i64,
    out_bytes: i64,
}

/// A bounded history of [`Point`]s.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    capacity: usize,
    points: VecDeque<Point>,
    last: Option<Counters>,
}

impl Series {
    pub fn new(capacity: usize) -> Self {
        Series { capacity: capacity.max(2), points: VecDeque::new(), last: None }
    }

    /// Adds the point for one `/varz` poll. The first poll yields a point only when the server
    /// reports its rates; otherwise it only primes the counters.
    pub fn push(&mut self, v: &Varz) {
        let now = Counters {
            t_ns: v.now.unix_nanos(),
            in_msgs: v.in_msgs,
            out_msgs: v.out_msgs,
            in_bytes: v.in_bytes,
            out_bytes: v.out_bytes,
        };
        let reported = match (v.in_msgs_rate, v.out_msgs_rate, v.in_bytes_rate, v.out_bytes_rate) {
            (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
            _ => None,
        };
        let derived = self.last.and_then(|prev| derive(prev, now));
        self.last = Some(now);
        let Some([in_msgs, out_msgs, in_bytes, out_bytes]) = reported.or(derived) else { return };
        if self.points.back().is_some_and(|p| p.t_ms >= now.t_ns as f64 / 1e6) {
            // The same server instant polled twice: nothing new.
            return;
        }
        if self.points.len() == self.capacity {
            self.points.pop_front();
        }
        self.points.push_back(Point {
            t_ms: now.t_ns as f64 / 1e6,
            in_msgs,
            out_msgs,
            in_bytes,
            out_bytes,
            connections: v.connections as f64,
            subscriptions: f64::from(v.subscriptions),
            slow_consumers: v.slow_consumers as f64,
        });
    }

    pub fn points(&self) -> impl ExactSizeIterator<Item = &Point> + Clone {
        self.points.iter()
    }

    pub fn latest(&self) -> Option<&Point> {
        self.points.back()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// `(t_ms, value)` pairs of one field, for a chart line.
    pub fn line(&self, field: impl Fn(&Point) -> f64) -> Vec<(f64, f64)> {
        self.points.iter().map(|p| (p.t_ms, field(p))).collect()
    }
}

/// Rates between two polls; `None` when time did not advance or a counter went backwards.
fn derive(prev: Counters, now: Counters) -> Option<[f64; 4]> {
    let dt = (now.t_ns - prev.t_ns) as f64 / 1e9;
    if dt <= 0.0 {
        return None;
    }
    let pairs = [
        (prev.in_msgs, now.in_msgs),
        (prev.out_msgs, now.out_msgs),
        (prev.in_bytes, now.in_bytes),
        (prev.out_bytes, now.out_bytes),
    ];
    if pairs.iter().any(|(a, b)| b < a) {
        return None;
    }
    Some(pairs.map(|(a, b)| (b - a) as f64 / dt))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::time::Timestamp;

    fn varz(sec: i64, in_msgs: i64, in_bytes: i64) -> Varz {
        Varz {
            now: Timestamp::from_unix_nanos(1_700_000_000_000_000_000 + sec * 1_000_000_000),
            in_msgs,
            in_bytes,
            out_msgs: in_msgs * 2,
            out_bytes: in_bytes * 2,
            connections: 3,
            subscriptions: 7,
            ..Default::default()
        }
    }

    #[test]
    fn rates_are_derived_from_counter_deltas() {
        let mut s = Series::new(10);
        s.push(&varz(0, 100, 1000));
        assert!(s.is_empty(), "the first poll only primes the counters");
        s.push(&varz(2, 300, 5000));
        let p = s.latest().unwrap();
        assert_eq!((p.in_msgs, p.out_msgs, p.in_bytes, p.out_bytes), (100.0, 200.0, 2000.0, 4000.0));
        assert_eq!((p.connections, p.subscriptions), (3.0, 7.0));
    }

    #[test]
    fn server_reported_rates_win() {
        let mut s = Series::new(10);
        let mut v = varz(0, 100, 1000);
        v.in_msgs_rate = Some(5.0);
        v.out_msgs_rate = Some(6.0);
        v.in_bytes_rate = Some(7.0);
        v.out_bytes_rate = Some(8.0);
        s.push(&v);
        assert_eq!(s.latest().unwrap().in_msgs, 5.0);
    }

    #[test]
    fn a_restarted_server_does_not_give_negative_rates() {
        let mut s = Series::new(10);
        s.push(&varz(0, 1000, 1000));
        s.push(&varz(1, 10, 10));
        assert!(s.is_empty());
        s.push(&varz(2, 20, 20));
        assert_eq!(s.latest().unwrap().in_msgs, 10.0);
    }

    #[test]
    fn the_ring_keeps_only_the_newest_points() {
        let mut s = Series::new(3);
        for i in 0..10 {
            s.push(&varz(i, i * 10, i));
        }
        assert_eq!(s.len(), 3);
        let times: Vec<f64> = s.points().map(|p| p.t_ms).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(s.line(|p| p.in_msgs).len(), 3);
    }

    #[test]
    fn polling_the_same_instant_twice_adds_nothing() {
        let mut s = Series::new(10);
        s.push(&varz(0, 0, 0));
        s.push(&varz(1, 10, 10));
        s.push(&varz(1, 10, 10));
        assert_eq!(s.len(), 1);
    }
}
