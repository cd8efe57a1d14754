//! Key-value scenarios: `kvput`, `kvrtt`, `kvget` and `kvwatch`, speaking the key-value
//! conventions the official clients follow (ADR-8).
//!
//! Every scenario creates bucket `--bucket` the way the clients do: stream `KV_<bucket>` on
//! `$KV.<bucket>.>` with `max_msgs_per_subject` 1 (history), rollup headers allowed, deletes
//! denied, direct get allowed, discard new, a two-minute duplicate window (any old stream of that
//! name is deleted first), and deletes it at the end.
//!
//! - `kvput`: `--msgs` puts of distinct keys (`PUB $KV.<bucket>.key.<i>` with a reply inbox), at
//!   most `--window` acks outstanding; puts per second from the first put to the last ack.
//! - `kvrtt`: `--msgs` sequential round trips on one key, each a put (waiting for its ack) then a
//!   direct get of the key's last value (`$JS.API.DIRECT.GET.KV_<bucket>.$KV.<bucket>.<key>`, empty
//!   payload, as clients do when the bucket allows direct get), whose value must be the one just
//!   written; pairs per second and the latency of each pair.
//! - `kvget`: `--keys` keys filled (untimed), then `--msgs` direct gets cycling over them with up to
//!   `--window` in flight; gets per second, every answer must carry a value of `--size` bytes.
//! - `kvwatch`: `--keys` keys filled (untimed); a watcher (an ordered push consumer over
//!   `$KV.<bucket>.>` with deliver policy last-per-subject, see [`super::ordered`]) receives the
//!   initial values, timed from the create request to the value whose pending count is zero; then a
//!   second connection updates `--msgs` keys (window `--window`) and the watcher's rate of live
//!   updates is timed from the first update sent to the last one seen.

use std::ops::Range;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};

use super::acked::Acked;
use super::conn::{self, Conn};
use super::jetstream::{storage_name, Api};
use super::ordered::Ordered;
use super::report::{group, millis, Latencies, Rate, Report};
use super::reqrep::inbox_token;
use super::scan::{Msg, ServerOp};
use super::{Args, Limit};

/// Default puts for `kvput`.
const DEFAULT_PUTS: u64 = 50_000;
/// Default round trips for `kvrtt`.
const DEFAULT_ROUND_TRIPS: u64 = 5_000;
/// Default gets for `kvget`.
const DEFAULT_GETS: u64 = 100_000;
/// Frames encoded per write while filling or putting.
const PUT_BATCH: u64 = 64;
/// Duplicate window the clients give a bucket without a TTL: two minutes.
const DUPLICATE_WINDOW_NS: u64 = 120_000_000_000;

fn stream_name(bucket: &str) -> String {
    format!("KV_{bucket}")
}

fn key_subject(bucket: &str, i: u64) -> String {
    format!("$KV.{bucket}.key.{i}")
}

fn direct_get_subject(bucket: &str, key_subject: &str) -> String {
    format!("$JS.API.DIRECT.GET.{}.{key_subject}", stream_name(bucket))
}

/// The stream configuration the clients send for a bucket with history 1 and no TTL.
fn bucket_config(args: &Args) -> Value {
    let bucket = &args.bucket;
    json!({
        "name": stream_name(bucket),
        "subjects": [format!("$KV.{bucket}.>")],
        "retention": "limits",
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_age": 0,
        "max_msgs_per_subject": 1,
        "max_msg_size": -1,
        "storage": storage_name(args.storage),
        "discard": "new",
        "num_replicas": 1,
        "duplicate_window": DUPLICATE_WINDOW_NS,
        "allow_rollup_hdrs": true,
        "deny_delete": true,
        "deny_purge": false,
        "allow_direct": true,
        "mirror_direct": false,
    })
}

fn fixed_count(args: &Args, default: u64, scenario: &str) -> Result<u64> {
    match args.limit(default) {
        Limit::Count(n) => Ok(n),
        Limit::For(_) => bail!("{scenario} runs a fixed number of operations: use --msgs, not --duration"),
    }
}

fn value_of(args: &Args) -> Vec<u8> {
    vec![b'v'; args.size]
}

/// Puts one value to each key in `keys` with at most `window` acks outstanding; waits for the
/// last ack. False when acks stopped coming.
fn put_keys(p: &mut Acked, bucket: &str, keys: Range<u64>, value: &[u8], window: u64) -> Result<bool> {
    let batch = PUT_BATCH.min(window);
    for i in keys {
        p.publish(&key_subject(bucket, i), value);
        if p.queued() >= batch && !p.send_windowed(window)? {
            return Ok(false);
        }
    }
    Ok(p.send_windowed(window)? && p.wait_window(0)?)
}

pub(super) fn run_put(args: &Args, addr: &str) -> Result<Report> {
    let n = fixed_count(args, DEFAULT_PUTS, "kvput")?;
    let stream = stream_name(&args.bucket);
    let mut api = Api::connect(addr)?;
    api.replace_stream(&stream, &bucket_config(args))?;
    let mut p = Acked::connect(addr, "bench-kvput", args.drain_timeout)?;
    let start = Instant::now();
    put_keys(&mut p, &args.bucket, 0..n, &value_of(args), args.window as u64)?;
    let rate = Rate { msgs: p.acked, bytes: p.acked * args.size as u64, elapsed: p.last_ack.duration_since(start) };
    let stored = api.stream_messages(&stream)?;
    api.delete_stream(&stream)?;

    let headline = format!(
        "kvput: {} puts of distinct keys, {} B values, {} bucket {:?}, window {}, {}",
        group(n),
        args.size,
        storage_name(args.storage),
        args.bucket,
        args.window,
        args.url
    );
    let mut r = Report::new("kvput", headline);
    r.line(rate.line("put"));
    r.line(format!("      acked {} of {}, {} keys stored", group(p.acked), group(p.sent), group(stored)));
    r.field("size", args.size);
    r.field("window", args.window);
    r.field("acked", p.acked);
    r.field("stored", stored);
    r.field("put", rate.to_json());
    p.problems("kvput", &mut r);
    if stored != n {
        r.problem(format!("the bucket holds {} keys after {} puts", group(stored), group(n)));
    }
    Ok(r)
}

/// One connection for both halves of a round trip, with one wildcard inbox subscription as the
/// clients' request multiplexer has: acks arrive on `<inbox>.p`, get answers on `<inbox>.g`.
struct RoundTrips {
    conn: Conn,
    inbox: String,
}

impl RoundTrips {
    fn connect(addr: &str) -> Result<RoundTrips> {
        let mut conn = Conn::connect(addr, "bench-kvrtt")?;
        let inbox = format!("_INBOX.{}", inbox_token());
        conn.subscribe(&format!("{inbox}.*"), None, 1)?;
        conn.flush()?;
        Ok(RoundTrips { conn, inbox })
    }

    /// Sends `frame` and waits for the message to `<inbox>.<suffix>`; `check` looks at it.
    fn exchange(
        &mut self,
        frame: &[u8],
        suffix: &str,
        timeout: Duration,
        check: impl Fn(&Msg<'_>) -> Result<()>,
    ) -> Result<()> {
        conn::send(&mut self.conn.tx, frame)?;
        let want = format!("{}.{suffix}", self.inbox);
        let deadline = Instant::now() + timeout;
        let mut answered = false;
        while !answered {
            self.conn.poll(|op, _| {
                if let ServerOp::Msg(m) = op {
                    if m.subject != want.as_bytes() {
                        bail!("unexpected message on {}", String::from_utf8_lossy(m.subject));
                    }
                    check(&m)?;
                    answered = true;
                }
                Ok(())
            })?;
            if !answered && Instant::now() > deadline {
                bail!("no answer on {want} within {timeout:?}");
            }
        }
        Ok(())
    }
}

/// Fails unless `m` is a direct-get answer carrying `value`.
fn check_value(m: &Msg<'_>, value: &[u8]) -> Result<()> {
    if let Some(status) = m.status() {
        bail!("direct get answered with status {status}: {}", String::from_utf8_lossy(m.headers.unwrap_or(b"")));
    }
    if m.payload != value {
        bail!("direct get returned {} bytes that differ from the value just put", m.payload.len());
    }
    Ok(())
}

pub(super) fn run_rtt(args: &Args, addr: &str) -> Result<Report> {
    if args.size < 8 {
        bail!("kvrtt stamps a sequence number into each value: use --size of at least 8");
    }
    let n = fixed_count(args, DEFAULT_ROUND_TRIPS, "kvrtt")?;
    let stream = stream_name(&args.bucket);
    let mut api = Api::connect(addr)?;
    api.replace_stream(&stream, &bucket_config(args))?;
    let mut c = RoundTrips::connect(addr)?;
    let subject = format!("$KV.{}.rtt", args.bucket);
    let get = format!("PUB {} {}.g 0\r\n\r\n", direct_get_subject(&args.bucket, &subject), c.inbox).into_bytes();
    let head = format!("PUB {subject} {}.p {}\r\n", c.inbox, args.size);
    let mut put = head.into_bytes();
    let value_at = put.len();
    put.extend_from_slice(&value_of(args));
    put.extend_from_slice(b"\r\n");
    let mut latencies = Latencies::default();
    let start = Instant::now();
    for i in 0..n {
        put[value_at..value_at + 8].copy_from_slice(&i.to_le_bytes());
        let value = put[value_at..value_at + args.size].to_vec();
        let began = Instant::now();
        c.exchange(&put, "p", args.drain_timeout, |m| {
            if m.status().is_some() || memchr::memmem::find(m.payload, b"\"error\"").is_some() {
                bail!("put failed: {}", String::from_utf8_lossy(m.payload));
            }
            Ok(())
        })
        .with_context(|| format!("put {i}"))?;
        c.exchange(&get, "g", args.drain_timeout, |m| check_value(m, &value)).with_context(|| format!("get {i}"))?;
        latencies.0.push(u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX));
    }
    let elapsed = start.elapsed();
    api.delete_stream(&stream)?;

    let headline = format!(
        "kvrtt: {} sequential put+get round trips on one key, {} B values, {} bucket {:?}, {}",
        group(n),
        args.size,
        storage_name(args.storage),
        args.bucket,
        args.url
    );
    let mut r = Report::new("kvrtt", headline);
    let per_sec = n as f64 / elapsed.as_secs_f64();
    let (lat_json, lat_line) = latencies.summary();
    r.line(format!("rate   {} round trips/s ({} in {})", group(per_sec.round() as u64), group(n), millis(elapsed)));
    r.line(lat_line);
    r.field("size", args.size);
    r.field("round_trips", n);
    r.field("rtt_per_sec", per_sec.round());
    r.field("latency", lat_json);
    Ok(r)
}

/// Creates the bucket and puts one value to each of `--keys` keys (untimed).
fn fill(api: &mut Api, addr: &str, args: &Args) -> Result<Acked> {
    api.replace_stream(&stream_name(&args.bucket), &bucket_config(args))?;
    let mut p = Acked::connect(addr, "bench-kvfill", args.drain_timeout)?;
    put_keys(&mut p, &args.bucket, 0..args.keys, &value_of(args), args.window as u64)?;
    if p.unacked() > 0 || p.failed > 0 {
        let mut r = Report::new("kv", String::new());
        p.problems("filling the bucket", &mut r);
        bail!("filling the bucket failed: {}", r.json()["problems"]);
    }
    Ok(p)
}

pub(super) fn run_get(args: &Args, addr: &str) -> Result<Report> {
    let n = fixed_count(args, DEFAULT_GETS, "kvget")?;
    if args.keys == 0 {
        bail!("kvget needs --keys of at least 1");
    }
    let stream = stream_name(&args.bucket);
    let mut api = Api::connect(addr)?;
    drop(fill(&mut api, addr, args)?);
    let mut c = Conn::connect(addr, "bench-kvget")?;
    let inbox = format!("_INBOX.{}.g", inbox_token());
    c.subscribe(&inbox, None, 1)?;
    c.flush()?;
    let window = args.window as u64;
    let batch = PUT_BATCH.min(window);
    let (mut sent, mut answered, mut wrong) = (0u64, 0u64, 0u64);
    let mut first_wrong: Option<String> = None;
    let mut out = Vec::with_capacity(64 * 1024);
    let start = Instant::now();
    let mut last_progress = start;
    while answered < n {
        while sent < n && sent - answered + batch <= window.max(batch) && out.len() < 64 * 1024 {
            let key = key_subject(&args.bucket, sent % args.keys);
            out.extend_from_slice(
                format!("PUB {} {inbox} 0\r\n\r\n", direct_get_subject(&args.bucket, &key)).as_bytes(),
            );
            sent += 1;
        }
        if !out.is_empty() {
            conn::send(&mut c.tx, &out)?;
            out.clear();
        }
        let before = answered;
        c.poll(|op, _| {
            if let ServerOp::Msg(m) = op {
                answered += 1;
                if m.status().is_some() || m.payload.len() != args.size {
                    wrong += 1;
                    if first_wrong.is_none() {
                        let headers = String::from_utf8_lossy(m.headers.unwrap_or(b""));
                        first_wrong = Some(format!("{} ({} B)", headers.trim(), m.payload.len()));
                    }
                }
            }
            Ok(())
        })?;
        let now = Instant::now();
        if answered > before {
            last_progress = now;
        } else if now.duration_since(last_progress) > args.drain_timeout {
            break;
        }
    }
    let elapsed = start.elapsed();
    api.delete_stream(&stream)?;

    let headline = format!(
        "kvget: {} direct gets over {} keys, {} B values, {} bucket {:?}, window {}, {}",
        group(n),
        group(args.keys),
        args.size,
        storage_name(args.storage),
        args.bucket,
        args.window,
        args.url
    );
    let mut r = Report::new("kvget", headline);
    let rate = Rate { msgs: answered, bytes: answered * args.size as u64, elapsed };
    r.line(rate.line("get"));
    r.field("size", args.size);
    r.field("keys", args.keys);
    r.field("window", args.window);
    r.field("answered", answered);
    r.field("get", rate.to_json());
    if answered < n {
        r.problem(format!("LOSS: {} of {} gets never answered", group(n - answered), group(n)));
    }
    if wrong > 0 {
        r.problem(format!(
            "{} gets answered without the value; first: {}",
            group(wrong),
            first_wrong.unwrap_or_default()
        ));
    }
    Ok(r)
}

pub(super) fn run_watch(args: &Args, addr: &str) -> Result<Report> {
    if args.keys == 0 {
        bail!("kvwatch needs --keys of at least 1");
    }
    let updates = fixed_count(args, args.keys, "kvwatch")?;
    let stream = stream_name(&args.bucket);
    let mut api = Api::connect(addr)?;
    drop(fill(&mut api, addr, args)?);
    let old_size = args.size;
    let new_value = vec![b'u'; args.size + 1];
    let new_value = &new_value;

    // Initial values: from the create request to the value with nothing pending after it.
    let start = Instant::now();
    let mut watcher = Ordered::start(addr, &mut api, &stream, &format!("$KV.{}.>", args.bucket), "last_per_subject")?;
    let (mut initial, mut initial_done, mut wrong_initial) = (0u64, None, 0u64);
    watcher.run_until(args.drain_timeout, |d| {
        initial += 1;
        wrong_initial += u64::from(d.msg.payload.len() != old_size);
        if d.meta.pending == 0 {
            initial_done = Some(Instant::now());
        }
        Ok(initial_done.is_some())
    })?;
    let initial_elapsed = initial_done.map(|t| t.duration_since(start));

    // Live updates from a second connection while the watcher keeps reading.
    let mut writer = Acked::connect(addr, "bench-kvwatch-writer", args.drain_timeout)?;
    let (live, live_end, writer) = thread::scope(|s| {
        let write_start = Instant::now();
        let writing = s.spawn(move || -> Result<Acked> {
            let keys = args.keys;
            let window = args.window as u64;
            let batch = PUT_BATCH.min(window);
            for i in 0..updates {
                writer.publish(&key_subject(&args.bucket, i % keys), new_value);
                if writer.queued() >= batch && !writer.send_windowed(window)? {
                    break;
                }
            }
            if writer.send_windowed(window)? {
                writer.wait_window(0)?;
            }
            Ok(writer)
        });
        let mut live = 0u64;
        let mut live_end = None;
        let read = watcher.run_until(args.drain_timeout, |d| {
            if d.msg.payload.len() == old_size + 1 {
                live += 1;
                live_end = Some(Instant::now());
            }
            Ok(live >= updates)
        });
        let writer = writing.join().unwrap_or_else(|_| Err(anyhow!("the writer panicked")));
        (read.map(|_| live), live_end.map(|t| t.duration_since(write_start)), writer)
    });
    let live = live?;
    let writer = writer?;
    api.delete_stream(&stream)?;

    let headline = format!(
        "kvwatch: watch over {} keys of {} B, then {} updates from another connection (window {}), {} bucket {:?}, {}",
        group(args.keys),
        args.size,
        group(updates),
        args.window,
        storage_name(args.storage),
        args.bucket,
        args.url
    );
    let mut r = Report::new("kvwatch", headline);
    let initial_rate =
        Rate { msgs: initial, bytes: initial * old_size as u64, elapsed: initial_elapsed.unwrap_or_default() };
    let live_rate = Rate { msgs: live, bytes: live * new_value.len() as u64, elapsed: live_end.unwrap_or_default() };
    r.line(initial_rate.line("initial"));
    r.line(live_rate.line("live"));
    r.line(format!(
        "      {} flow-control requests answered, {} heartbeats, {} sequence gaps",
        watcher.flow_controls, watcher.heartbeats, watcher.gaps
    ));
    r.field("size", args.size);
    r.field("keys", args.keys);
    r.field("updates", updates);
    r.field("window", args.window);
    r.field("initial", initial_rate.to_json());
    r.field("live", live_rate.to_json());
    r.field("consumer", watcher.fields());
    if initial_elapsed.is_none() || initial != args.keys {
        r.problem(format!("the watcher got {} initial values for {} keys", group(initial), group(args.keys)));
    }
    if watcher.initial_pending != args.keys {
        r.problem(format!(
            "the new watcher's consumer reported {} pending for {} keys",
            watcher.initial_pending, args.keys
        ));
    }
    if wrong_initial > 0 {
        r.problem(format!("{} initial values had the wrong size", group(wrong_initial)));
    }
    if let Some(text) = super::report::loss_text("watcher (live updates)", updates, live) {
        r.problem(text);
    }
    if watcher.gaps > 0 {
        r.problem(format!("{} gaps in the watcher's consumer sequence", watcher.gaps));
    }
    writer.problems("kvwatch updates", &mut r);
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_bucket_subjects_and_direct_get_subjects() {
        assert_eq!(key_subject("b", 7), "$KV.b.key.7");
        assert_eq!(direct_get_subject("b", "$KV.b.key.7"), "$JS.API.DIRECT.GET.KV_b.$KV.b.key.7");
    }
}
