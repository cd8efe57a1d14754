//! `switchyard bench`: a load generator that drives any NATS server over its client protocol.
//!
//! [`run`] takes the words after `bench` (a scenario and options), runs the scenario against
//! `--url` and prints the result: messages/s and MB/s for publishers and subscribers, messages lost,
//! request/reply latency percentiles, JetStream publish and fetch rates, key-value put, get and
//! watch rates, object-store MB/s and server peak memory, or server memory per idle connection. With `--json` one machine-readable line goes to stdout. Lost or duplicated messages,
//! malformed frames and server errors are printed as a banner on stderr and make `run` fail.
//!
//! Layout: `conn` (raw blocking client connection), `scan` (server op scanner), `frames`
//! (pre-encoded `PUB` batches), `seen` (exactly-once bookkeeping), `report` (rates, latencies,
//! output), `procfs` (server RSS and CPU time) and one module per family of scenarios:
//! `throughput` (pub, pubsub, fanout, queue, wildcard), `reqrep`, `idle`, `jetstream`
//! (jspub, jsfetch, jsready), `kv` (kvput, kvrtt, kvget, kvwatch) and `object` (objput, objget);
//! `acked` (a publisher with a window of outstanding acks) and `ordered` (the clients' ordered
//! push consumer) serve the last two.
//!
//! The hot path uses no client library and no async runtime: one OS thread per simulated client,
//! large pipelined writes of pre-encoded frames with `PING`/`PONG` flow control, and a memchr-based
//! frame scanner. It does not speak TLS, authenticate, or reconnect.

mod acked;
mod conn;
mod frames;
mod idle;
mod jetstream;
mod kv;
mod object;
mod ordered;
mod procfs;
mod report;
mod reqrep;
mod scan;
mod seen;
mod throughput;
mod ws;

use std::time::Duration;

use anyhow::{bail, Result};
use clap::{error::ErrorKind, Parser, ValueEnum};

use report::Report;

/// Runs `switchyard bench <scenario> [options]`; `args` are the words after `bench`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let words = std::iter::once("switchyard bench".to_owned()).chain(args.iter().cloned());
    let args = match Args::try_parse_from(words) {
        Ok(args) => args,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            print!("{}", e.render());
            return Ok(());
        }
        Err(e) => {
            let text = e.render().to_string();
            bail!("{}", text.trim_start_matches("error: ").trim_end())
        }
    };
    execute(&args)?.finish(args.json)
}

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Publishers only, nobody subscribed.
    Pub,
    /// Publishers and subscribers on one subject (1:1 by default).
    Pubsub,
    /// One publisher, every subscriber gets every message (1:5 by default).
    Fanout,
    /// One publisher, subscribers in one queue group: each message delivered exactly once overall.
    Queue,
    /// Publishers over many subjects, subscribers on wildcard filters.
    Wildcard,
    /// Request/reply round trips against one responder.
    Reqrep,
    /// Idle connections with two subscriptions each; server memory per connection.
    Idle,
    /// JetStream publish with acks (bounded window of outstanding acks).
    Jspub,
    /// JetStream pull consumer fetching a pre-filled stream, acking every message.
    Jsfetch,
    /// Waits until the server answers a stream info request for `--stream` with `--msgs` messages
    /// (a server recovering its store); reports when that happened.
    Jsready,
    /// Key-value puts of distinct keys (bounded window of outstanding acks).
    Kvput,
    /// Sequential key-value put-then-get round trips on one key (direct get).
    Kvrtt,
    /// Pipelined key-value direct gets over pre-filled keys.
    Kvget,
    /// A key-value watcher: initial values of pre-filled keys, then live updates.
    Kvwatch,
    /// Object-store put of one large object in chunks.
    Objput,
    /// Object-store get of one large object (ordered consumer, digest checked).
    Objget,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Pub => "pub",
            Scenario::Pubsub => "pubsub",
            Scenario::Fanout => "fanout",
            Scenario::Queue => "queue",
            Scenario::Wildcard => "wildcard",
            Scenario::Reqrep => "reqrep",
            Scenario::Idle => "idle",
            Scenario::Jspub => "jspub",
            Scenario::Jsfetch => "jsfetch",
            Scenario::Jsready => "jsready",
            Scenario::Kvput => "kvput",
            Scenario::Kvrtt => "kvrtt",
            Scenario::Kvget => "kvget",
            Scenario::Kvwatch => "kvwatch",
            Scenario::Objput => "objput",
            Scenario::Objget => "objget",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Storage {
    File,
    Memory,
}

/// Options of `switchyard bench`.
#[derive(Debug, Parser)]
#[command(
    name = "switchyard bench",
    about = "Load generator for any NATS server (nats-server or switchyard)",
    after_help = "Defaults per scenario: --subs 1 (pubsub), 5 (fanout), 4 (queue), 3 (wildcard); \
                  --msgs 1000000 (throughput), 20000 (reqrep), 100000 (jspub, jsfetch, kvget), \
                  50000 (kvput), 5000 (kvrtt), --keys (kvwatch updates)."
)]
struct Args {
    /// Scenario to run.
    #[arg(value_enum)]
    scenario: Scenario,
    /// Server to drive.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    url: String,
    /// Messages to publish in total (split across publishers), or requests to make.
    #[arg(long, conflicts_with = "duration")]
    msgs: Option<u64>,
    /// Publish for this long instead of a fixed count (e.g. 5s, 500ms).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Payload size in bytes.
    #[arg(long, default_value_t = 128)]
    size: usize,
    /// Subscribers (queue members for `queue`).
    #[arg(long)]
    subs: Option<usize>,
    /// Publishers.
    #[arg(long, default_value_t = 1)]
    pubs: usize,
    /// Subject (prefix of the subjects for `wildcard`; stream subject for JetStream).
    #[arg(long, default_value = "bench.subj")]
    subject: String,
    /// Distinct subjects the `wildcard` publishers cycle through.
    #[arg(long, default_value_t = 1000)]
    subjects: usize,
    /// Stamp sequence numbers into payloads and check exactly-once delivery (always on for `queue`).
    #[arg(long)]
    verify: bool,
    /// Concurrent requesters for `reqrep`, each on its own connection, each sequential.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Connections to open for `idle`.
    #[arg(long, default_value_t = 1000)]
    conns: usize,
    /// How long `idle` keeps its connections open before measuring.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    wait: Duration,
    /// Server process id: report its CPU time, and its memory growth for `idle`.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Outstanding publish acks allowed for JetStream publishing.
    #[arg(long, default_value_t = 1000)]
    window: usize,
    /// Messages per pull request for `jsfetch`.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Stream name for JetStream scenarios (created fresh, deleted afterwards).
    #[arg(long, default_value = "BENCH")]
    stream: String,
    /// `jspub`: leave the stream and its messages in place at the end.
    #[arg(long)]
    keep_stream: bool,
    /// `jsready`: how long to keep trying before giving up.
    #[arg(long, value_parser = parse_duration, default_value = "120s")]
    ready_timeout: Duration,
    /// Key-value or object-store bucket (created fresh, deleted afterwards).
    #[arg(long, default_value = "BENCH")]
    bucket: String,
    /// Keys filled before `kvget` and `kvwatch` start.
    #[arg(long, default_value_t = 10_000)]
    keys: u64,
    /// Object size in MiB for `objput` and `objget`.
    #[arg(long, default_value_t = 100)]
    object_mib: u64,
    /// Object-store chunk size in bytes.
    #[arg(long, default_value_t = 128 * 1024)]
    chunk_size: usize,
    /// Stream storage for JetStream scenarios.
    #[arg(long, value_enum, default_value = "file")]
    storage: Storage,
    /// Bytes per publisher write.
    #[arg(long, default_value_t = 64 * 1024)]
    write_size: usize,
    /// Publishers send a PING after this many bytes.
    #[arg(long, default_value_t = 256 * 1024)]
    ping_every: usize,
    /// Publishers wait for PONGs when more PINGs than this are unanswered.
    #[arg(long, default_value_t = 4)]
    max_pings: u64,
    /// How long to wait for missing messages, replies or acks before declaring them lost.
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    drain_timeout: Duration,
    /// Print one JSON result line on stdout (the text report goes to stderr).
    #[arg(long)]
    json: bool,
}

/// How much a publisher sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Count(u64),
    For(Duration),
}

impl Args {
    fn limit(&self, default_count: u64) -> Limit {
        match (self.duration, self.msgs) {
            (Some(d), _) => Limit::For(d),
            (None, Some(n)) => Limit::Count(n),
            (None, None) => Limit::Count(default_count),
        }
    }

    fn check(&self) -> Result<()> {
        if self.pubs == 0 || self.concurrency == 0 || self.window == 0 || self.batch == 0 {
            bail!("--pubs, --concurrency, --window and --batch must be at least 1");
        }
        if self.subjects == 0 || self.write_size == 0 || self.ping_every == 0 || self.max_pings == 0 {
            bail!("--subjects, --write-size, --ping-every and --max-pings must be at least 1");
        }
        if self.msgs == Some(0) {
            bail!("--msgs must be at least 1");
        }
        Ok(())
    }
}

/// Runs the scenario and returns its report (not yet printed).
fn execute(args: &Args) -> Result<Report> {
    args.check()?;
    let addr = conn::server_addr(&args.url)?;
    let cpu_before = cpu_times(args.server_pid)?;
    let mut report = match args.scenario {
        Scenario::Pub | Scenario::Pubsub | Scenario::Fanout | Scenario::Queue | Scenario::Wildcard => {
            throughput::run(args, &addr)?
        }
        Scenario::Reqrep => reqrep::run(args, &addr)?,
        Scenario::Idle => idle::run(args, &addr)?,
        Scenario::Jspub => jetstream::run_publish(args, &addr)?,
        Scenario::Jsfetch => jetstream::run_fetch(args, &addr)?,
        Scenario::Jsready => jetstream::run_ready(args, &addr)?,
        Scenario::Kvput => kv::run_put(args, &addr)?,
        Scenario::Kvrtt => kv::run_rtt(args, &addr)?,
        Scenario::Kvget => kv::run_get(args, &addr)?,
        Scenario::Kvwatch => kv::run_watch(args, &addr)?,
        Scenario::Objput => object::run_put(args, &addr)?,
        Scenario::Objget => object::run_get(args, &addr)?,
    };
    report.field("url", args.url.clone());
    let cpu_after = cpu_times(args.server_pid)?;
    if let (Some((server0, own0)), Some((server1, own1))) = (cpu_before, cpu_after) {
        let server = server1.saturating_sub(server0).as_secs_f64();
        let own = own1.saturating_sub(own0).as_secs_f64();
        report.field("server_cpu_s", server);
        report.field("bench_cpu_s", own);
        report.line(format!("cpu    server {server:.2} s, load generator {own:.2} s"));
    }
    Ok(report)
}

/// CPU time of the server (when its pid is known) and of this process.
fn cpu_times(server_pid: Option<u32>) -> Result<Option<(Duration, Duration)>> {
    match server_pid {
        Some(pid) => Ok(Some((procfs::cpu_time(pid)?, procfs::cpu_time(std::process::id())?))),
        None => Ok(None),
    }
}

/// `5s`, `500ms`, `250us`, `2m`, or a bare number of seconds (`1.5`).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("invalid duration {text:?}"))?;
    let secs = match unit {
        "" | "s" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "ns" => value / 1e9,
        "m" => value * 60.0,
        _ => return Err(format!("invalid duration unit in {text:?} (use ns, us, ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("invalid duration {text:?}: {e}"))
}

#[cfg(test)]
mod tests;
