//! Throughput scenarios: `pub`, `pubsub`, `fanout`, `queue` and `wildcard`.
//!
//! Every subscriber connects, subscribes and is confirmed by `PING`/`PONG` before any publisher
//! starts. Publishers (one thread and connection each, released together) write pre-encoded batches
//! and keep at most `--max-pings` unanswered `PING`s, one per `--ping-every` bytes, then flush. Once
//! they are done the exact number of messages each subscriber must receive is known (all of them,
//! those matching its filter, or — for a queue group — all of them across the group), and
//! subscribers stop when they have them or when nothing arrives for `--drain-timeout`. Anything
//! missing, extra, duplicated or of the wrong size is a problem in the report.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use serde_json::json;
use switchyard_shared::subject;

use super::conn::{self, Conn, FLUSH_TIMEOUT};
use super::frames::Frames;
use super::report::{self, group, Rate, Report, Span};
use super::scan::ServerOp;
use super::seen::{self, SeenSet};
use super::{Args, Limit, Scenario};

/// Default message count for throughput scenarios.
const DEFAULT_MSGS: u64 = 1_000_000;
/// Queue group name used by the `queue` scenario.
const QUEUE_GROUP: &str = "bench-q";
/// `expected` value meaning "publishers still running".
const UNKNOWN: u64 = u64::MAX;

/// Who publishes where and who listens how.
struct Plan {
    /// The subjects each publisher cycles through.
    subjects: Vec<String>,
    /// Subscription filter of each subscriber.
    filters: Vec<String>,
    /// Subscribers form one queue group (expectations are for the group, not each member).
    queue: bool,
    /// Stamp sequence numbers and check exactly-once delivery.
    stamp: bool,
}

impl Plan {
    fn new(args: &Args) -> Result<Plan> {
        let base = args.subject.clone();
        let subs = |default: usize| args.subs.unwrap_or(default);
        let stamp = args.verify || args.scenario == Scenario::Queue;
        if stamp && args.size < 8 {
            bail!("sequence checking needs --size of at least 8 bytes");
        }
        let plan = match args.scenario {
            Scenario::Pub => {
                if args.subs.is_some_and(|n| n > 0) {
                    bail!("the pub scenario has no subscribers; use pubsub");
                }
                Plan { subjects: vec![base], filters: Vec::new(), queue: false, stamp }
            }
            Scenario::Pubsub | Scenario::Fanout => {
                let n = subs(if args.scenario == Scenario::Pubsub { 1 } else { 5 });
                Plan { subjects: vec![base.clone()], filters: vec![base; n], queue: false, stamp }
            }
            Scenario::Queue => Plan { subjects: vec![base.clone()], filters: vec![base; subs(4)], queue: true, stamp },
            Scenario::Wildcard => {
                let subjects = (0..args.subjects).map(|j| format!("{base}.g{}.s{j}", j % 10)).collect();
                let filters = (0..subs(3))
                    .map(|k| match k % 3 {
                        0 => format!("{base}.>"),
                        1 => format!("{base}.*.*"),
                        _ => format!("{base}.g{}.*", k % 10),
                    })
                    .collect();
                Plan { subjects, filters, queue: false, stamp }
            }
            other => bail!("{} is not a throughput scenario", other.name()),
        };
        if plan.queue && plan.filters.is_empty() {
            bail!("a queue group needs at least one member");
        }
        Ok(plan)
    }

    /// Messages matching `filter` among the first `sent` of one publisher's cycle.
    fn matching(&self, filter: &str, sent: u64) -> u64 {
        let cycle = self.subjects.len() as u64;
        let hits: Vec<bool> = self.subjects.iter().map(|s| subject::matches(filter, s)).collect();
        let per_cycle = hits.iter().filter(|&&h| h).count() as u64;
        let rem = usize::try_from(sent % cycle).expect("remainder below cycle length");
        sent / cycle * per_cycle + hits[..rem].iter().filter(|&&h| h).count() as u64
    }
}

/// What one subscriber saw.
#[derive(Default)]
struct SubOutcome {
    msgs: u64,
    bytes: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    wrong_size: u64,
    seen: Option<SeenSet>,
    error: Option<String>,
}

/// When a subscriber may stop: its (or its group's) counter reaches `expected`.
struct Goal {
    counter: Arc<AtomicU64>,
    expected: Arc<AtomicU64>,
}

pub(super) fn run(args: &Args, addr: &str) -> Result<Report> {
    let plan = Plan::new(args)?;
    let limit = args.limit(DEFAULT_MSGS);
    let npubs = args.pubs;

    let mut sub_conns = Vec::with_capacity(plan.filters.len());
    for (k, filter) in plan.filters.iter().enumerate() {
        let mut c = Conn::connect(addr, &format!("bench-sub-{k}"))?;
        c.subscribe(filter, plan.queue.then_some(QUEUE_GROUP), 1)?;
        c.flush()?;
        sub_conns.push(c);
    }
    let pub_conns = (0..npubs).map(|k| Conn::connect(addr, &format!("bench-pub-{k}"))).collect::<Result<Vec<_>>>()?;

    let group_counter = Arc::new(AtomicU64::new(0));
    let group_expected = Arc::new(AtomicU64::new(UNKNOWN));
    let goals: Vec<Goal> = plan
        .filters
        .iter()
        .map(|_| {
            if plan.queue {
                Goal { counter: group_counter.clone(), expected: group_expected.clone() }
            } else {
                Goal { counter: Arc::new(AtomicU64::new(0)), expected: Arc::new(AtomicU64::new(UNKNOWN)) }
            }
        })
        .collect();
    let abort = AtomicBool::new(false);
    let start_line = Barrier::new(npubs);

    let (pub_results, sub_results) = thread::scope(|s| {
        let subs: Vec<_> = sub_conns
            .into_iter()
            .zip(&goals)
            .map(|(c, goal)| {
                let abort = &abort;
                s.spawn(move || subscriber(c, goal, args.size, plan.stamp, args.drain_timeout, abort))
            })
            .collect();
        let pubs: Vec<_> = pub_conns
            .into_iter()
            .enumerate()
            .map(|(k, c)| {
                let frames = Frames::new(&plan.subjects, None, args.size, args.write_size);
                let count = match limit {
                    Limit::Count(n) => Limit::Count(n / npubs as u64 + u64::from((k as u64) < n % npubs as u64)),
                    other => other,
                };
                let stamp = plan.stamp.then_some((k as u64, npubs as u64));
                let start_line = &start_line;
                s.spawn(move || publisher(c, frames, count, stamp, args, start_line))
            })
            .collect();
        let pub_results: Vec<Result<Span>> =
            pubs.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("publisher panicked")))).collect();
        if pub_results.iter().any(Result::is_err) {
            abort.store(true, Ordering::Relaxed);
        } else {
            let sent: Vec<u64> = pub_results.iter().flatten().map(|p| p.msgs).collect();
            if plan.queue {
                group_expected.store(sent.iter().sum(), Ordering::Release);
            } else {
                for (filter, goal) in plan.filters.iter().zip(&goals) {
                    let want = sent.iter().map(|&n| plan.matching(filter, n)).sum();
                    goal.expected.store(want, Ordering::Release);
                }
            }
        }
        let sub_results: Vec<SubOutcome> = subs
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| SubOutcome { error: Some("subscriber panicked".into()), ..Default::default() })
            })
            .collect();
        (pub_results, sub_results)
    });
    let pubs = pub_results.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(summarize(args, &plan, &pubs, &sub_results, &goals))
}

/// One publisher: waits at the start line, writes batches, keeps PING/PONG flow control, flushes.
fn publisher(
    mut c: Conn,
    mut frames: Frames,
    limit: Limit,
    stamp: Option<(u64, u64)>,
    args: &Args,
    start_line: &Barrier,
) -> Result<Span> {
    let stamp_fn = stamp.map(|(k, n)| move |i: u64| i * n + k);
    let stamp_ref = stamp_fn.as_ref().map(|f| f as &dyn Fn(u64) -> u64);
    let per_batch = frames.per_batch() as u64;
    let mut sent = 0u64;
    let mut since_ping = 0usize;
    let mut outstanding = 0u64;
    start_line.wait();
    let start = Instant::now();
    loop {
        let count = match limit {
            Limit::Count(n) => per_batch.min(n - sent),
            Limit::For(d) if start.elapsed() < d => per_batch,
            Limit::For(_) => 0,
        };
        if count == 0 {
            break;
        }
        let bytes = frames.batch(sent, count as usize, stamp_ref);
        conn::send(&mut c.tx, bytes)?;
        since_ping += bytes.len();
        sent += count;
        if since_ping >= args.ping_every {
            since_ping = 0;
            conn::send(&mut c.tx, b"PING\r\n")?;
            outstanding += 1;
            let mut waited_since = None;
            while outstanding > args.max_pings {
                let got = c.poll(|op, _| match op {
                    ServerOp::Pong => {
                        outstanding -= 1;
                        Ok(())
                    }
                    other => bail!("publisher got unexpected {other:?}"),
                })?;
                if !got && waited_since.get_or_insert_with(Instant::now).elapsed() > FLUSH_TIMEOUT {
                    bail!("server sent no PONG for {FLUSH_TIMEOUT:?} while publishing");
                }
            }
        }
    }
    conn::send(&mut c.tx, b"PING\r\n")?;
    c.wait_pongs(outstanding + 1)?;
    let end = Instant::now();
    Ok(Span { msgs: sent, bytes: sent * args.size as u64, start, end })
}

/// One subscriber: counts frames until its goal is met or the drain timeout passes.
fn subscriber(mut c: Conn, goal: &Goal, size: usize, stamp: bool, drain: Duration, abort: &AtomicBool) -> SubOutcome {
    let mut out = SubOutcome { seen: stamp.then(SeenSet::default), ..SubOutcome::default() };
    let mut known_at: Option<Instant> = None;
    loop {
        let (mut bytes, mut wrong_size) = (0u64, 0u64);
        let seen = &mut out.seen;
        let polled = c.scan(|payload| {
            bytes += payload.len() as u64;
            wrong_size += u64::from(payload.len() != size);
            if let (Some(seen), Some(seq)) = (seen.as_mut(), payload.get(..8)) {
                seen.insert(u64::from_le_bytes(seq.try_into().expect("8 bytes")));
            }
        });
        out.bytes += bytes;
        out.wrong_size += wrong_size;
        let now = Instant::now();
        match polled {
            Ok(n) if n > 0 => {
                out.msgs += n;
                out.first.get_or_insert(now);
                out.last = Some(now);
                goal.counter.fetch_add(n, Ordering::AcqRel);
            }
            Ok(_) => {}
            Err(e) => {
                out.error = Some(format!("{e:#}"));
                return out;
            }
        }
        let expected = goal.expected.load(Ordering::Acquire);
        if expected != UNKNOWN {
            if goal.counter.load(Ordering::Acquire) >= expected {
                return out;
            }
            let known = *known_at.get_or_insert(now);
            let quiet_since = out.last.map_or(known, |last| last.max(known));
            if now.duration_since(quiet_since) > drain {
                return out;
            }
        }
        if abort.load(Ordering::Relaxed) {
            return out;
        }
    }
}

fn summarize(args: &Args, plan: &Plan, pubs: &[Span], subs: &[SubOutcome], goals: &[Goal]) -> Report {
    let name = args.scenario.name();
    let sent: u64 = pubs.iter().map(|p| p.msgs).sum();
    let headline = format!(
        "{name}: {} pub, {} sub{}, {} msgs of {} B{} to {}",
        pubs.len(),
        subs.len(),
        if plan.queue { " (queue group)" } else { "" },
        group(sent),
        args.size,
        if plan.subjects.len() > 1 { format!(" over {} subjects", plan.subjects.len()) } else { String::new() },
        args.url
    );
    let mut r = Report::new(name, headline);
    r.field("size", args.size);
    r.field("pubs", pubs.len());
    r.field("subs", subs.len());
    r.field("sent", sent);

    if let Some(rate) = Rate::aggregate(pubs) {
        r.line(rate.line("pub"));
        r.field("pub", rate.to_json());
    }
    if let Some(line) = report::spread_line("pub", pubs) {
        r.line(line);
    }
    if subs.is_empty() {
        return r;
    }

    let sub_spans: Vec<Span> = subs
        .iter()
        .filter_map(|s| Some(Span { msgs: s.msgs, bytes: s.bytes, start: s.first?, end: s.last? }))
        .collect();
    let received: u64 = subs.iter().map(|s| s.msgs).sum();
    let expected: u64 = if plan.queue {
        goals.first().map_or(0, |g| g.expected.load(Ordering::Acquire))
    } else {
        goals.iter().map(|g| g.expected.load(Ordering::Acquire)).sum()
    };
    let rate = Rate::aggregate(&sub_spans).unwrap_or(Rate { msgs: 0, bytes: 0, elapsed: Duration::ZERO });
    r.line(rate.line("sub"));
    if let Some(line) = report::spread_line("sub", &sub_spans) {
        r.line(line);
    }
    let mut sub_json = rate.to_json();
    sub_json["expected"] = json!(expected);
    sub_json["received"] = json!(received);
    sub_json["lost"] = json!(expected.saturating_sub(received));
    sub_json["extra"] = json!(received.saturating_sub(expected));

    for (k, (s, g)) in subs.iter().zip(goals).enumerate() {
        if let Some(e) = &s.error {
            r.problem(format!("subscriber {k} failed after {} msgs: {e}", group(s.msgs)));
        }
        if s.wrong_size > 0 {
            r.problem(format!("subscriber {k} got {} frames whose size is not {} B", group(s.wrong_size), args.size));
        }
        if !plan.queue {
            let want = g.expected.load(Ordering::Acquire);
            if let Some(text) = report::loss_text(&format!("subscriber {k} ({})", plan.filters[k]), want, s.msgs) {
                r.problem(text);
            }
            if s.msgs > want {
                r.problem(format!("subscriber {k} got {} more messages than published", group(s.msgs - want)));
            }
        }
    }
    if plan.queue {
        let shares: Vec<String> = subs.iter().map(|s| group(s.msgs)).collect();
        r.line(format!("      queue shares: {}", shares.join(" / ")));
        if let Some(text) = report::loss_text("queue group", expected, received) {
            r.problem(text);
        }
    }
    if plan.stamp {
        let sets: Vec<&SeenSet> = subs.iter().filter_map(|s| s.seen.as_ref()).collect();
        let repeats: u64 = sets.iter().map(|s| s.repeats()).sum();
        let duplicates = if plan.queue {
            let distinct_sum: u64 = sets.iter().map(|s| s.distinct()).sum();
            let union = seen::union_count(&sets);
            if union < expected {
                r.problem(format!(
                    "sequence check: {} of {} messages never delivered",
                    group(expected - union),
                    group(expected)
                ));
            }
            repeats + distinct_sum - union
        } else {
            repeats
        };
        sub_json["duplicates"] = json!(duplicates);
        if duplicates > 0 {
            r.problem(format!("sequence check: {} duplicate deliveries", group(duplicates)));
        } else {
            r.line("      sequence check: every message delivered exactly once");
        }
    }
    r.line(format!(
        "      received {} of {} expected, {} lost",
        group(received),
        group(expected),
        group(expected.saturating_sub(received))
    ));
    r.field("sub", sub_json);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn plan(words: &str) -> Plan {
        let args = Args::try_parse_from(format!("bench {words}").split_whitespace()).unwrap();
        Plan::new(&args).unwrap()
    }

    #[test]
    fn scenarios_have_their_default_subscriber_counts() {
        assert_eq!(plan("pub").filters.len(), 0);
        assert_eq!(plan("pubsub").filters.len(), 1);
        assert_eq!(plan("fanout").filters.len(), 5);
        assert_eq!(plan("fanout --subs 2").filters.len(), 2);
        let q = plan("queue");
        assert_eq!(q.filters.len(), 4);
        assert!(q.queue && q.stamp);
    }

    #[test]
    fn wildcard_expectations_follow_filter_matches() {
        let p = plan("wildcard --subjects 20 --subs 3");
        assert_eq!(p.filters, ["bench.subj.>", "bench.subj.*.*", "bench.subj.g2.*"]);
        assert_eq!(p.matching("bench.subj.>", 45), 45);
        // Subjects j with j % 10 == 2 are g2: j = 2, 12 in each cycle of 20; 45 sent = 2 cycles + 5.
        assert_eq!(p.matching("bench.subj.g2.*", 45), 2 * 2 + 1);
        assert_eq!(p.matching("bench.subj.g2.*", 2), 0);
    }

    #[test]
    fn queue_without_room_for_a_sequence_is_refused() {
        let args = Args::try_parse_from(["bench", "queue", "--size", "4"]).unwrap();
        assert!(Plan::new(&args).is_err());
    }

    #[test]
    fn subscriber_stops_after_drain_timeout_when_messages_are_missing() {
        let Some(server) = super::super::tests::nats_server(false) else {
            return;
        };
        let addr = format!("127.0.0.1:{}", server.port);
        let mut sub = Conn::connect(&addr, "sub").unwrap();
        sub.subscribe("loss.test", None, 1).unwrap();
        sub.flush().unwrap();
        let mut publisher = Conn::connect(&addr, "pub").unwrap();
        conn::send(&mut publisher.tx, b"PUB loss.test 2\r\nhi\r\n".repeat(5).as_slice()).unwrap();
        publisher.flush().unwrap();
        // Told to expect 10 when only 5 were published, the subscriber gives up after the drain timeout.
        let goal = Goal { counter: Arc::new(AtomicU64::new(0)), expected: Arc::new(AtomicU64::new(10)) };
        let started = Instant::now();
        let out = subscriber(sub, &goal, 2, false, Duration::from_millis(300), &AtomicBool::new(false));
        assert_eq!((out.msgs, out.bytes, out.wrong_size, out.error), (5, 10, 0, None));
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
}
