//! JetStream scenarios: `jspub` (publish with acks), `jsfetch` (pull consumer with explicit acks)
//! and `jsready` (how soon a restarted server serves a stored stream).
//!
//! `jspub` and `jsfetch` create a fresh stream through `$JS.API.STREAM.CREATE.<stream>` (deleting
//! any old one first) and delete it at the end (`jspub --keep-stream` leaves it). `jspub` publishes pre-encoded frames whose reply subject is one inbox
//! subscription, counts the PubAcks (an ack carrying `"error"` is a failure) and never has more than
//! `--window` acks outstanding. `jsfetch` fills the stream the same way (untimed), creates a durable
//! pull consumer with explicit acks (`$JS.API.CONSUMER.CREATE.<stream>.<consumer>`, the form current
//! clients use), keeps up to two `$JS.API.CONSUMER.MSG.NEXT` requests of
//! `--batch` messages in flight, and acks every message with `+ACK` to its reply subject; at the end
//! it checks the consumer's ack floor. `jsready` connects (retrying while the server is not up) and
//! asks `$JS.API.STREAM.INFO.<stream>` until the stream holds `--msgs` messages.

use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use memchr::memmem;
use serde_json::{json, Value};

use super::conn::{self, Conn, FLUSH_TIMEOUT};
use super::frames::Frames;
use super::report::{self, group, millis, Rate, Report};
use super::reqrep::inbox_token;
use super::scan::ServerOp;
use super::{Args, Limit, Storage};

/// Default message count for JetStream scenarios.
const DEFAULT_MSGS: u64 = 100_000;
/// Durable name of the `jsfetch` consumer.
const CONSUMER: &str = "BENCH_PULL";
/// How long a pull request may wait on the server.
const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// A connection for `$JS.API` requests, with one inbox subscription.
pub(super) struct Api {
    conn: Conn,
    inbox: String,
    next: u64,
}

impl Api {
    pub(super) fn connect(addr: &str) -> Result<Api> {
        let mut conn = Conn::connect(addr, "bench-jsapi")?;
        let inbox = format!("_INBOX.{}", inbox_token());
        conn.subscribe(&format!("{inbox}.*"), None, 1)?;
        conn.flush()?;
        Ok(Api { conn, inbox, next: 0 })
    }

    /// Sends a request and returns the JSON response.
    pub(super) fn request(&mut self, subject: &str, body: &Value) -> Result<Value> {
        let payload = if body.is_null() { String::new() } else { body.to_string() };
        let (status, response) = self.request_raw(subject, payload.as_bytes())?;
        if status == Some(503) {
            bail!("no responders for {subject}: is JetStream enabled on the server?");
        }
        serde_json::from_slice(&response).with_context(|| format!("response to {subject}"))
    }

    /// Sends `payload` to `subject` and returns the response's status code (for a status message)
    /// and payload.
    pub(super) fn request_raw(&mut self, subject: &str, payload: &[u8]) -> Result<(Option<u16>, Vec<u8>)> {
        self.next += 1;
        let reply = format!("{}.{}", self.inbox, self.next);
        let head = format!("PUB {subject} {reply} {}\r\n", payload.len());
        conn::send(&mut self.conn.tx, &[head.as_bytes(), payload, b"\r\n"].concat())?;
        let deadline = Instant::now() + FLUSH_TIMEOUT;
        let mut response: Option<(Option<u16>, Vec<u8>)> = None;
        while response.is_none() {
            self.conn.poll(|op, _| {
                if let ServerOp::Msg(m) = op {
                    if m.subject == reply.as_bytes() {
                        response = Some((m.status(), m.payload.to_vec()));
                    }
                }
                Ok(())
            })?;
            if response.is_none() && Instant::now() > deadline {
                bail!("no response to {subject} within {FLUSH_TIMEOUT:?}");
            }
        }
        Ok(response.expect("loop ends with a response"))
    }

    /// A request whose response must not carry an `error`.
    pub(super) fn call(&mut self, subject: &str, body: &Value) -> Result<Value> {
        let response = self.request(subject, body)?;
        if let Some(e) = response.get("error") {
            bail!("{subject} failed: {e}");
        }
        Ok(response)
    }

    /// Deletes the stream if it exists, then creates it.
    fn create_stream(&mut self, args: &Args) -> Result<()> {
        let name = &args.stream;
        let config = json!({
            "name": name,
            "subjects": [args.subject],
            "retention": "limits",
            "storage": storage_name(args.storage),
            "discard": "old",
            "max_consumers": -1,
            "max_msgs": -1,
            "max_bytes": -1,
            "max_age": 0,
            "max_msg_size": -1,
            "num_replicas": 1,
        });
        self.replace_stream(name, &config)
    }

    /// Deletes stream `name` if it exists, then creates it with `config`.
    pub(super) fn replace_stream(&mut self, name: &str, config: &Value) -> Result<()> {
        self.request(&format!("$JS.API.STREAM.DELETE.{name}"), &Value::Null)?;
        self.call(&format!("$JS.API.STREAM.CREATE.{name}"), config).map(drop)
    }

    pub(super) fn delete_stream(&mut self, name: &str) -> Result<()> {
        self.call(&format!("$JS.API.STREAM.DELETE.{name}"), &Value::Null).map(drop)
    }

    pub(super) fn stream_messages(&mut self, name: &str) -> Result<u64> {
        let info = self.call(&format!("$JS.API.STREAM.INFO.{name}"), &Value::Null)?;
        info["state"]["messages"].as_u64().context("stream info without state.messages")
    }
}

/// What an acked publishing run did.
struct Published {
    sent: u64,
    acked: u64,
    failed: u64,
    first_failure: Option<String>,
    /// Acks still missing after the drain timeout.
    unacked: u64,
    start: Instant,
    end: Instant,
}

/// Publishes with a reply inbox, keeping at most `window` acks outstanding.
fn publish_acked(addr: &str, args: &Args, limit: Limit) -> Result<Published> {
    let mut c = Conn::connect(addr, "bench-jspub")?;
    let inbox = format!("_INBOX.{}.ack", inbox_token());
    c.subscribe(&inbox, None, 1)?;
    c.flush()?;
    let mut frames = Frames::new(std::slice::from_ref(&args.subject), Some(&inbox), args.size, args.write_size);
    let per_batch = frames.per_batch() as u64;
    let window = args.window as u64;
    let refill = (window / 8).max(1);
    let mut out = Published {
        sent: 0,
        acked: 0,
        failed: 0,
        first_failure: None,
        unacked: 0,
        start: Instant::now(),
        end: Instant::now(),
    };
    let mut last_progress = out.start;
    loop {
        let in_flight = out.sent - out.acked;
        let wanted = match limit {
            Limit::Count(n) => n - out.sent,
            Limit::For(d) if out.start.elapsed() < d => u64::MAX,
            Limit::For(_) => 0,
        };
        let count = wanted.min(window - in_flight).min(per_batch);
        if count > 0 && (count >= refill || in_flight == 0 || count == wanted) {
            conn::send(&mut c.tx, frames.batch(out.sent, count as usize, None))?;
            out.sent += count;
            continue;
        }
        if wanted == 0 && in_flight == 0 {
            break;
        }
        let before = out.acked;
        c.poll(|op, _| {
            if let ServerOp::Msg(m) = op {
                out.acked += 1;
                let failed = m.status().is_some() || memmem::find(m.payload, b"\"error\"").is_some();
                if failed {
                    out.failed += 1;
                    if out.first_failure.is_none() {
                        let text = String::from_utf8_lossy(m.payload);
                        let status = m.headers.map(String::from_utf8_lossy).unwrap_or_default();
                        out.first_failure = Some(format!("{} {}", status.trim(), text).trim().to_owned());
                    }
                }
            }
            Ok(())
        })?;
        let now = Instant::now();
        if out.acked > before {
            last_progress = now;
            out.end = now;
        } else if now.duration_since(last_progress) > args.drain_timeout {
            out.unacked = out.sent - out.acked;
            break;
        }
    }
    Ok(out)
}

pub(super) fn run_publish(args: &Args, addr: &str) -> Result<Report> {
    let mut api = Api::connect(addr)?;
    api.create_stream(args)?;
    let p = publish_acked(addr, args, args.limit(DEFAULT_MSGS))?;
    let stored = api.stream_messages(&args.stream)?;
    if !args.keep_stream {
        api.delete_stream(&args.stream)?;
    }

    let headline = format!(
        "jspub: {} msgs of {} B to {} stream {:?}, window {}, {}",
        group(p.sent),
        args.size,
        storage_name(args.storage),
        args.stream,
        args.window,
        args.url
    );
    let mut r = Report::new("jspub", headline);
    let rate = Rate { msgs: p.acked, bytes: p.acked * args.size as u64, elapsed: p.end.duration_since(p.start) };
    r.line(rate.line("pub"));
    r.line(format!("      acked {} of {} sent, {} stored in the stream", group(p.acked), group(p.sent), group(stored)));
    r.field("size", args.size);
    r.field("window", args.window);
    r.field("sent", p.sent);
    r.field("acked", p.acked);
    r.field("failed", p.failed);
    r.field("stored", stored);
    r.field("pub", rate.to_json());
    publish_problems(&mut r, &p, stored);
    Ok(r)
}

fn publish_problems(r: &mut Report, p: &Published, stored: u64) {
    if p.unacked > 0 {
        r.problem(format!("LOSS: {} of {} publishes never acked", group(p.unacked), group(p.sent)));
    }
    if p.failed > 0 {
        r.problem(format!(
            "{} publishes failed; first: {}",
            group(p.failed),
            p.first_failure.as_deref().unwrap_or("?")
        ));
    }
    let good = p.acked - p.failed;
    if stored != good {
        r.problem(format!("stream holds {} messages but {} were acked", group(stored), group(good)));
    }
}

pub(super) fn storage_name(storage: Storage) -> &'static str {
    match storage {
        Storage::File => "file",
        Storage::Memory => "memory",
    }
}

/// Polls until the stream info shows the expected message count (connection refused, no
/// responders and short counts are retried); reports the time since this process started looking
/// and the Unix time of the answer, so a script can measure from the server's start.
pub(super) fn run_ready(args: &Args, addr: &str) -> Result<Report> {
    let Limit::Count(want) = args.limit(DEFAULT_MSGS) else {
        bail!("jsready waits for a message count: use --msgs, not --duration");
    };
    let start = Instant::now();
    let mut attempts = 0u64;
    let mut last_error = String::from("no attempt");
    let mut api: Option<Api> = None;
    let found = loop {
        if start.elapsed() > args.ready_timeout {
            bail!("stream {:?} not ready within {:?}: {last_error}", args.stream, args.ready_timeout);
        }
        attempts += 1;
        let connected = match api.take() {
            Some(a) => Ok(a),
            None => Api::connect(addr),
        };
        match connected.and_then(|mut a| a.stream_messages(&args.stream).map(|n| (a, n))) {
            Ok((_, n)) if n >= want => break n,
            Ok((a, n)) => {
                last_error = format!("{n} messages");
                api = Some(a);
            }
            Err(e) => last_error = format!("{e:#}"),
        }
        thread::sleep(Duration::from_millis(2));
    };
    let elapsed = start.elapsed();
    let unix_ns = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos() as u64;
    let mut r = Report::new("jsready", format!("jsready: stream {:?} on {}", args.stream, args.url));
    r.line(format!("      {} messages after {} ({attempts} attempts)", group(found), millis(elapsed)));
    r.field("messages", found);
    r.field("attempts", attempts);
    r.field("ready_ms", elapsed.as_secs_f64() * 1e3);
    r.field("ready_unix_ns", unix_ns);
    Ok(r)
}

/// What the pull loop saw.
#[derive(Default)]
struct Fetched {
    received: u64,
    bytes: u64,
    redelivered: u64,
    statuses: u64,
    elapsed: Duration,
}

pub(super) fn run_fetch(args: &Args, addr: &str) -> Result<Report> {
    let Limit::Count(total) = args.limit(DEFAULT_MSGS) else {
        bail!("jsfetch pre-fills a fixed number of messages: use --msgs, not --duration");
    };
    let mut api = Api::connect(addr)?;
    api.create_stream(args)?;
    let filled = publish_acked(addr, args, Limit::Count(total))?;
    if filled.unacked > 0 || filled.failed > 0 {
        let mut r = Report::new("jsfetch", "jsfetch: filling the stream failed".into());
        let stored = api.stream_messages(&args.stream)?;
        publish_problems(&mut r, &filled, stored);
        api.delete_stream(&args.stream)?;
        return Ok(r);
    }
    let consumer = json!({
        "stream_name": args.stream,
        "config": {
            "name": CONSUMER,
            "durable_name": CONSUMER,
            "deliver_policy": "all",
            "ack_policy": "explicit",
            "ack_wait": 30_000_000_000u64,
            "max_deliver": -1,
            "max_waiting": 512,
            "max_ack_pending": (args.batch as u64 * 4).max(1000),
            "replay_policy": "instant",
        }
    });
    api.call(&format!("$JS.API.CONSUMER.CREATE.{}.{CONSUMER}", args.stream), &consumer)?;

    let fetched = fetch(addr, args, total)?;
    let (ack_floor, ack_pending) = settled_acks(&mut api, &args.stream, total)?;
    api.delete_stream(&args.stream)?;

    let headline = format!(
        "jsfetch: {} msgs of {} B from {} stream {:?}, batch {}, {}",
        group(total),
        args.size,
        storage_name(args.storage),
        args.stream,
        args.batch,
        args.url
    );
    let mut r = Report::new("jsfetch", headline);
    let fill_rate = Rate {
        msgs: filled.acked,
        bytes: filled.acked * args.size as u64,
        elapsed: filled.end.duration_since(filled.start),
    };
    let rate = Rate { msgs: fetched.received, bytes: fetched.bytes, elapsed: fetched.elapsed };
    r.line(fill_rate.line("fill"));
    r.line(rate.line("fetch"));
    r.line(format!(
        "      received {} of {}, ack floor {}, {} acks pending, fetched in {}",
        group(fetched.received),
        group(total),
        group(ack_floor),
        group(ack_pending),
        millis(fetched.elapsed)
    ));
    r.field("size", args.size);
    r.field("batch", args.batch);
    r.field("msgs", total);
    r.field("fill", fill_rate.to_json());
    let mut sub = rate.to_json();
    sub["expected"] = json!(total);
    sub["received"] = json!(fetched.received);
    sub["lost"] = json!(total.saturating_sub(fetched.received));
    sub["redelivered"] = json!(fetched.redelivered);
    r.field("sub", sub);
    r.field("ack_floor", ack_floor);
    r.field("ack_pending", ack_pending);
    r.field("pull_statuses", fetched.statuses);
    if let Some(text) = report::loss_text("pull consumer", total, fetched.received) {
        r.problem(text);
    }
    if fetched.received > total {
        r.problem(format!("pull consumer got {} more messages than stored", group(fetched.received - total)));
    }
    if fetched.redelivered > 0 {
        r.problem(format!("{} messages were redelivered", group(fetched.redelivered)));
    }
    if ack_floor != total || ack_pending != 0 {
        r.problem(format!("acks not all applied: ack floor {ack_floor} of {total}, {ack_pending} pending"));
    }
    Ok(r)
}

/// The pull loop: keeps two requests of `--batch` in flight, acks each message as it arrives.
fn fetch(addr: &str, args: &Args, total: u64) -> Result<Fetched> {
    let mut c = Conn::connect(addr, "bench-jsfetch")?;
    let inbox = format!("_INBOX.{}.pull", inbox_token());
    c.subscribe(&inbox, None, 1)?;
    c.flush()?;
    let next_subject = format!("$JS.API.CONSUMER.MSG.NEXT.{}.{CONSUMER}", args.stream);
    let batch = args.batch as u64;
    let expires = u64::try_from(PULL_EXPIRES.as_nanos()).expect("expiry fits u64");
    let mut out = Fetched::default();
    let mut requested = 0u64;
    let mut acks = Vec::with_capacity(64 * 1024);
    let start = Instant::now();
    let mut last_progress = start;
    while out.received < total {
        let mut pulls = Vec::new();
        while requested < total && requested - out.received.min(requested) < 2 * batch {
            let n = batch.min(total - requested);
            let body = format!("{{\"batch\":{n},\"expires\":{expires}}}");
            pulls.extend_from_slice(format!("PUB {next_subject} {inbox} {}\r\n{body}\r\n", body.len()).as_bytes());
            requested += n;
        }
        if !pulls.is_empty() {
            conn::send(&mut c.tx, &pulls)?;
        }
        let before = out.received;
        c.poll(|op, _| {
            let ServerOp::Msg(m) = op else { return Ok(()) };
            if let Some(status) = m.status() {
                out.statuses += 1;
                if matches!(status, 404 | 408 | 409) {
                    // The request ended unfilled: ask again for what it did not deliver.
                    let unfilled = m
                        .header("Nats-Pending-Messages")
                        .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok())
                        .unwrap_or(batch);
                    requested = requested.saturating_sub(unfilled).max(out.received);
                }
                return Ok(());
            }
            let Some(reply) = m.reply else { bail!("pulled message without an ack subject") };
            out.received += 1;
            out.bytes += m.payload.len() as u64;
            if delivery_count(reply) > Some(1) {
                out.redelivered += 1;
            }
            acks.extend_from_slice(b"PUB ");
            acks.extend_from_slice(reply);
            acks.extend_from_slice(b" 4\r\n+ACK\r\n");
            Ok(())
        })?;
        if !acks.is_empty() {
            conn::send(&mut c.tx, &acks)?;
            acks.clear();
        }
        let now = Instant::now();
        if out.received > before {
            last_progress = now;
        } else if now.duration_since(last_progress) > args.drain_timeout.max(PULL_EXPIRES + Duration::from_secs(1)) {
            break;
        }
    }
    // Make sure the server has read every ack before the caller inspects the consumer.
    conn::send(&mut c.tx, b"PING\r\n")?;
    let mut ponged = false;
    let deadline = Instant::now() + FLUSH_TIMEOUT;
    while !ponged && Instant::now() < deadline {
        c.poll(|op, _| {
            ponged |= op == ServerOp::Pong;
            Ok(())
        })?;
    }
    out.elapsed = start.elapsed();
    Ok(out)
}

/// The delivery count in a `$JS.ACK` reply subject (v1 and v2 token layouts).
fn delivery_count(reply: &[u8]) -> Option<u64> {
    let tokens: Vec<&[u8]> = reply.split(|&b| b == b'.').collect();
    let index = match tokens.len() {
        9 => 4,
        n if n >= 11 => 6,
        _ => return None,
    };
    std::str::from_utf8(tokens[index]).ok()?.parse().ok()
}

/// Waits (up to the flush timeout) for the consumer's ack floor to reach `total`;
/// returns the ack floor's stream sequence and the acks still pending.
fn settled_acks(api: &mut Api, stream: &str, total: u64) -> Result<(u64, u64)> {
    let deadline = Instant::now() + FLUSH_TIMEOUT;
    loop {
        let info = api.call(&format!("$JS.API.CONSUMER.INFO.{stream}.{CONSUMER}"), &Value::Null)?;
        let floor = info["ack_floor"]["stream_seq"].as_u64().unwrap_or(0);
        let pending = info["num_ack_pending"].as_u64().unwrap_or(0);
        if (floor >= total && pending == 0) || Instant::now() > deadline {
            return Ok((floor, pending));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_count_is_read_from_both_ack_layouts() {
        assert_eq!(delivery_count(b"$JS.ACK.S.C.1.5.5.1700000000000000000.0"), Some(1));
        assert_eq!(delivery_count(b"$JS.ACK.S.C.3.5.7.1700000000000000000.2"), Some(3));
        assert_eq!(delivery_count(b"$JS.ACK._.ACC.S.C.2.5.5.1700000000000000000.0.rnd"), Some(2));
        assert_eq!(delivery_count(b"_INBOX.x"), None);
    }
}
