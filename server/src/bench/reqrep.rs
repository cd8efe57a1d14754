//! The `reqrep` scenario: round-trip latency of request/reply through the server.
//!
//! One responder subscribes to the request subject and echoes every request's payload to its reply
//! subject (all replies to one read go out in one write). `--concurrency` requesters, each on its
//! own connection with its own inbox, send one request at a time and wait for the reply carrying
//! the same sequence number before the next. Latencies from all requesters are merged into
//! percentiles; a reply not seen within `--drain-timeout` counts as lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};
use serde_json::json;

use super::conn::{self, Conn};
use super::frames::Frames;
use super::report::{group, Latencies, Report};
use super::scan::ServerOp;
use super::{Args, Limit};

/// Default number of requests.
const DEFAULT_REQUESTS: u64 = 20_000;
/// A requester stops after this many requests in a row went unanswered.
const GIVE_UP_AFTER_LOST: u64 = 3;

/// What one requester measured.
#[derive(Default)]
struct Outcome {
    latencies: Latencies,
    sent: u64,
    lost: u64,
    stale: u64,
    gave_up: bool,
    elapsed: Duration,
}

pub(super) fn run(args: &Args, addr: &str) -> Result<Report> {
    let limit = args.limit(DEFAULT_REQUESTS);
    let token = inbox_token();
    let mut responder = Conn::connect(addr, "bench-responder")?;
    responder.subscribe(&args.subject, None, 1)?;
    responder.flush()?;
    let mut requesters = Vec::with_capacity(args.concurrency);
    for k in 0..args.concurrency {
        let mut c = Conn::connect(addr, &format!("bench-requester-{k}"))?;
        c.subscribe(&format!("_INBOX.{token}.{k}"), None, 1)?;
        c.flush()?;
        requesters.push(c);
    }
    let stop = AtomicBool::new(false);
    let responder_failed = AtomicBool::new(false);
    let (answered, outcomes) = thread::scope(|s| {
        let (stop, responder_failed) = (&stop, &responder_failed);
        let responder = s.spawn(move || {
            let answered = respond(responder, stop);
            responder_failed.store(answered.is_err(), Ordering::Relaxed);
            answered
        });
        let handles: Vec<_> = requesters
            .into_iter()
            .enumerate()
            .map(|(k, c)| {
                let limit = match limit {
                    Limit::Count(n) => {
                        let n_req = args.concurrency as u64;
                        Limit::Count(n / n_req + u64::from((k as u64) < n % n_req))
                    }
                    other => other,
                };
                let inbox = format!("_INBOX.{token}.{k}");
                s.spawn(move || request(c, &inbox, limit, args, responder_failed))
            })
            .collect();
        let outcomes: Vec<Result<Outcome>> =
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("requester panicked")))).collect();
        stop.store(true, Ordering::Relaxed);
        let answered = responder.join().unwrap_or_else(|_| Err(anyhow!("responder panicked")));
        (answered, outcomes)
    });
    let answered = answered?;
    let outcomes = outcomes.into_iter().collect::<Result<Vec<_>>>()?;
    Ok(summarize(args, answered, outcomes))
}

/// A random token for inbox subjects, so concurrent runs do not see each other's replies.
pub(super) fn inbox_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(16).collect()
}

/// Echoes every request until `stop`; returns how many it answered.
fn respond(mut c: Conn, stop: &AtomicBool) -> Result<u64> {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut answered = 0u64;
    while !stop.load(Ordering::Relaxed) {
        c.poll(|op, _| {
            if let ServerOp::Msg(m) = op {
                let Some(reply) = m.reply else { bail!("request without reply subject") };
                out.extend_from_slice(b"PUB ");
                out.extend_from_slice(reply);
                out.extend_from_slice(format!(" {}\r\n", m.payload.len()).as_bytes());
                out.extend_from_slice(m.payload);
                out.extend_from_slice(b"\r\n");
                answered += 1;
            }
            Ok(())
        })?;
        if !out.is_empty() {
            conn::send(&mut c.tx, &out)?;
            out.clear();
        }
    }
    Ok(answered)
}

/// Sequential requests on one connection; replies matched by the sequence number in the payload.
fn request(mut c: Conn, inbox: &str, limit: Limit, args: &Args, responder_failed: &AtomicBool) -> Result<Outcome> {
    let mut frames = Frames::new(std::slice::from_ref(&args.subject), Some(inbox), args.size, 1);
    let check_seq = args.size >= 8;
    let stamp = |i: u64| i;
    let mut out = Outcome::default();
    let mut lost_in_a_row = 0;
    let start = Instant::now();
    while lost_in_a_row < GIVE_UP_AFTER_LOST {
        match limit {
            Limit::Count(n) if out.sent >= n => break,
            Limit::For(d) if start.elapsed() >= d => break,
            _ => {}
        }
        let seq = out.sent;
        let sent_at = Instant::now();
        conn::send(&mut c.tx, frames.batch(seq, 1, Some(&stamp)))?;
        out.sent += 1;
        let mut answered = false;
        while !answered {
            let mut stale = 0;
            c.poll(|op, _| {
                if let ServerOp::Msg(m) = op {
                    let matches = !check_seq || m.payload.get(..8) == Some(&seq.to_le_bytes()[..]);
                    if matches && !answered {
                        answered = true;
                    } else {
                        stale += 1;
                    }
                }
                Ok(())
            })?;
            out.stale += stale;
            let waited = sent_at.elapsed();
            if answered {
                lost_in_a_row = 0;
                out.latencies.0.push(u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX));
            } else if responder_failed.load(Ordering::Relaxed) {
                bail!("the responder failed");
            } else if waited > args.drain_timeout {
                out.lost += 1;
                lost_in_a_row += 1;
                break;
            }
        }
    }
    out.gave_up = lost_in_a_row >= GIVE_UP_AFTER_LOST;
    out.elapsed = start.elapsed();
    Ok(out)
}

fn summarize(args: &Args, answered: u64, outcomes: Vec<Outcome>) -> Report {
    let sent: u64 = outcomes.iter().map(|o| o.sent).sum();
    let lost: u64 = outcomes.iter().map(|o| o.lost).sum();
    let stale: u64 = outcomes.iter().map(|o| o.stale).sum();
    let gave_up = outcomes.iter().filter(|o| o.gave_up).count();
    let elapsed = outcomes.iter().map(|o| o.elapsed).max().unwrap_or_default();
    let mut latencies = Latencies(outcomes.into_iter().flat_map(|o| o.latencies.0).collect());
    let replies = latencies.0.len() as u64;
    let headline = format!(
        "reqrep: {} requester{} x sequential requests of {} B, {} requests to {}",
        args.concurrency,
        if args.concurrency == 1 { "" } else { "s" },
        args.size,
        group(sent),
        args.url
    );
    let mut r = Report::new("reqrep", headline);
    let per_sec = if elapsed.is_zero() { 0.0 } else { replies as f64 / elapsed.as_secs_f64() };
    let (lat_json, lat_line) = latencies.summary();
    r.line(format!(
        "rate   {} req/s ({} replies in {:.1} ms)",
        group(per_sec.round() as u64),
        group(replies),
        elapsed.as_secs_f64() * 1e3
    ));
    r.line(lat_line);
    r.field("size", args.size);
    r.field("concurrency", args.concurrency);
    r.field("requests", sent);
    r.field("replies", replies);
    r.field("lost", lost);
    r.field("responder_answered", answered);
    r.field("req_per_sec", per_sec.round());
    r.field("latency", lat_json);
    r.field("stale", json!(stale));
    if lost > 0 {
        r.problem(format!(
            "LOSS: {} of {} requests got no reply within {:?}",
            group(lost),
            group(sent),
            args.drain_timeout
        ));
    }
    if gave_up > 0 {
        r.problem(format!(
            "{gave_up} requester(s) stopped early after {GIVE_UP_AFTER_LOST} unanswered requests in a row"
        ));
    }
    if stale > 0 {
        r.problem(format!("{} replies did not match the outstanding request", group(stale)));
    }
    r
}
