//! The result of one benchmark run: human-readable lines, one JSON object, and problems.
//!
//! Scenarios fill a [`Report`] with [`Rate`]s (messages and payload bytes over a time span) and
//! [`Latencies`]; [`Report::finish`] prints it (text on stdout, or on stderr with the JSON line on
//! stdout when `--json` is given) and turns recorded problems (lost messages, duplicates, wrong
//! frame sizes, server errors) into a loud banner on stderr and an error for the exit status.
//!
//! Rates count payload bytes only (not protocol framing); MB is 10^6 bytes.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Map, Value};

/// What one client moved, and when its first and last message went or came.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub msgs: u64,
    pub bytes: u64,
    pub start: Instant,
    pub end: Instant,
}

/// Messages and bytes over a duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub msgs: u64,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl Rate {
    /// All clients together, from the earliest start to the latest end. `None` without spans.
    pub fn aggregate(spans: &[Span]) -> Option<Rate> {
        let start = spans.iter().map(|s| s.start).min()?;
        let end = spans.iter().map(|s| s.end).max()?;
        Some(Rate {
            msgs: spans.iter().map(|s| s.msgs).sum(),
            bytes: spans.iter().map(|s| s.bytes).sum(),
            elapsed: end.saturating_duration_since(start),
        })
    }

    pub fn of(span: &Span) -> Rate {
        Rate { msgs: span.msgs, bytes: span.bytes, elapsed: span.end.saturating_duration_since(span.start) }
    }

    pub fn msgs_per_sec(&self) -> f64 {
        per_sec(self.msgs as f64, self.elapsed)
    }

    pub fn mb_per_sec(&self) -> f64 {
        per_sec(self.bytes as f64 / 1e6, self.elapsed)
    }

    pub fn to_json(self) -> Value {
        json!({
            "msgs": self.msgs,
            "bytes": self.bytes,
            "secs": self.elapsed.as_secs_f64(),
            "msgs_per_sec": self.msgs_per_sec().round(),
            "mb_per_sec": (self.mb_per_sec() * 100.0).round() / 100.0,
        })
    }

    /// `label  4,102,334 msgs/s   65.64 MB/s   (1,000,000 msgs in 243.8 ms)`
    pub fn line(&self, label: &str) -> String {
        format!(
            "{label:<6}{:>14} msgs/s {:>10.2} MB/s   ({} msgs in {})",
            group(self.msgs_per_sec().round() as u64),
            self.mb_per_sec(),
            group(self.msgs),
            millis(self.elapsed)
        )
    }
}

fn per_sec(amount: f64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        amount / secs
    } else {
        0.0
    }
}

/// Min / mean / max of per-client message rates, for runs with several clients of one kind.
pub fn spread_line(label: &str, spans: &[Span]) -> Option<String> {
    if spans.len() < 2 {
        return None;
    }
    let rates: Vec<f64> = spans.iter().map(|s| Rate::of(s).msgs_per_sec()).collect();
    let min = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let max = rates.iter().copied().fold(0.0, f64::max);
    let mean = rates.iter().sum::<f64>() / rates.len() as f64;
    Some(format!(
        "      per {label}: min {} / avg {} / max {} msgs/s",
        group(min.round() as u64),
        group(mean.round() as u64),
        group(max.round() as u64)
    ))
}

/// Round-trip times in nanoseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies(pub Vec<u64>);

impl Latencies {
    /// The `q` quantile (0 < q ≤ 1) by the nearest-rank method; `None` when empty.
    pub fn quantile(&mut self, q: f64) -> Option<u64> {
        if self.0.is_empty() {
            return None;
        }
        self.0.sort_unstable();
        let rank = (q * self.0.len() as f64).ceil() as usize;
        Some(self.0[rank.clamp(1, self.0.len()) - 1])
    }

    pub fn mean(&self) -> Option<f64> {
        (!self.0.is_empty()).then(|| self.0.iter().map(|&n| n as f64).sum::<f64>() / self.0.len() as f64)
    }

    /// `{"p50_us":..,"p90_us":..,"p99_us":..,"p999_us":..,"max_us":..,"mean_us":..}` and a text line.
    pub fn summary(&mut self) -> (Value, String) {
        let us = |ns: Option<u64>| ns.map_or(f64::NAN, |n| n as f64 / 1000.0);
        let p = [0.5, 0.9, 0.99, 0.999, 1.0].map(|q| us(self.quantile(q)));
        let mean = self.mean().map_or(f64::NAN, |n| n / 1000.0);
        let round = |v: f64| (v * 10.0).round() / 10.0;
        let value = json!({
            "p50_us": round(p[0]), "p90_us": round(p[1]), "p99_us": round(p[2]),
            "p999_us": round(p[3]), "max_us": round(p[4]), "mean_us": round(mean),
        });
        let line = format!(
            "latency  p50 {:.1} µs  p90 {:.1} µs  p99 {:.1} µs  p99.9 {:.1} µs  max {:.1} µs  mean {:.1} µs",
            p[0], p[1], p[2], p[3], p[4], mean
        );
        (value, line)
    }
}

/// Everything one run reports.
#[derive(Debug)]
pub struct Report {
    json: Map<String, Value>,
    lines: Vec<String>,
    problems: Vec<String>,
}

impl Report {
    pub fn new(scenario: &str, headline: String) -> Report {
        let mut json = Map::new();
        json.insert("scenario".into(), scenario.into());
        Report { json, lines: vec![headline], problems: Vec::new() }
    }

    pub fn field(&mut self, key: &str, value: impl Into<Value>) {
        self.json.insert(key.to_owned(), value.into());
    }

    pub fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    /// Something that makes the numbers untrustworthy: printed loudly, fails the run.
    pub fn problem(&mut self, text: impl Into<String>) {
        self.problems.push(text.into());
    }

    /// The JSON object as it will be printed.
    pub fn json(&self) -> Value {
        let mut map = self.json.clone();
        map.insert("problems".into(), json!(self.problems));
        Value::Object(map)
    }

    /// Prints the report; an error if any problem was recorded.
    pub fn finish(self, as_json: bool) -> Result<()> {
        let text = self.lines.join("\n");
        if as_json {
            eprintln!("{text}");
            println!("{}", self.json());
        } else {
            println!("{text}");
        }
        if self.problems.is_empty() {
            return Ok(());
        }
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        for p in &self.problems {
            eprintln!("!!! {p}");
        }
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        bail!("{}", self.problems.join("; "))
    }
}

/// `1234567` → `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration as milliseconds with one decimal.
pub fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// "N of M expected" loss text, or `None` when nothing is missing.
pub fn loss_text(what: &str, expected: u64, received: u64) -> Option<String> {
    (received < expected).then(|| {
        let lost = expected - received;
        format!(
            "LOSS: {what}: {} of {} expected messages not received ({:.3}%)",
            group(lost),
            group(expected),
            lost as f64 * 100.0 / expected as f64
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(4102334), "4,102,334");
    }

    #[test]
    fn aggregate_spans_from_first_start_to_last_end() {
        let t = Instant::now();
        let spans = [
            Span { msgs: 100, bytes: 1600, start: t, end: t + Duration::from_millis(500) },
            Span {
                msgs: 100,
                bytes: 1600,
                start: t + Duration::from_millis(100),
                end: t + Duration::from_millis(1000),
            },
        ];
        let r = Rate::aggregate(&spans).unwrap();
        assert_eq!(r.msgs, 200);
        assert_eq!(r.elapsed, Duration::from_secs(1));
        assert!((r.msgs_per_sec() - 200.0).abs() < 1e-9);
        assert!((r.mb_per_sec() - 0.0032).abs() < 1e-12);
        assert!(Rate::aggregate(&[]).is_none());
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let mut l = Latencies((1..=1000).rev().collect());
        assert_eq!(l.quantile(0.5), Some(500));
        assert_eq!(l.quantile(0.99), Some(990));
        assert_eq!(l.quantile(0.999), Some(999));
        assert_eq!(l.quantile(1.0), Some(1000));
        assert_eq!(Latencies::default().quantile(0.5), None);
    }

    #[test]
    fn loss_is_reported_only_when_messages_are_missing() {
        assert_eq!(loss_text("sub", 10, 10), None);
        assert_eq!(loss_text("sub", 10, 11), None);
        let text = loss_text("sub", 1000, 990).unwrap();
        assert!(text.contains("10 of 1,000") && text.contains("1.000%"), "{text}");
    }

    #[test]
    fn problems_fail_the_run_and_appear_in_json() {
        let mut r = Report::new("pub", "pub".into());
        r.problem("LOSS: 1 of 2");
        assert_eq!(r.json()["problems"][0], "LOSS: 1 of 2");
        assert!(r.finish(false).is_err());
        assert!(Report::new("pub", "pub".into()).finish(false).is_ok());
    }
}
