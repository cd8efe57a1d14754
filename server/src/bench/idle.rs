//! The `idle` scenario: what an idle client costs the server in memory.
//!
//! Reads the server's resident memory (`--server-pid`), opens `--conns` connections that each
//! subscribe to two subjects and are confirmed by `PING`/`PONG`, waits `--wait`, reads the memory
//! again and reports the growth per connection. Without a pid it still opens and checks the
//! connections but reports no memory figure.

use std::io::Write;
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;

use super::conn::Conn;
use super::procfs;
use super::report::{group, Report};
use super::Args;

pub(super) fn run(args: &Args, addr: &str) -> Result<Report> {
    let rss_before = args.server_pid.map(procfs::rss_kib).transpose()?;
    let started = Instant::now();
    let mut conns = Vec::with_capacity(args.conns);
    for i in 0..args.conns {
        let mut c = Conn::connect(addr, &format!("bench-idle-{i}")).with_context(|| format!("connection {i}"))?;
        let subject = &args.subject;
        c.tx.write_all(format!("SUB {subject}.idle.{i}.a 1\r\nSUB {subject}.idle.{i}.b 2\r\n").as_bytes())?;
        conns.push(c);
    }
    for (i, c) in conns.iter_mut().enumerate() {
        c.flush().with_context(|| format!("connection {i}"))?;
    }
    let opened_in = started.elapsed();
    thread::sleep(args.wait);
    let rss_after = args.server_pid.map(procfs::rss_kib).transpose()?;
    // Every connection must still be alive after the wait.
    for (i, c) in conns.iter_mut().enumerate() {
        c.flush().with_context(|| format!("connection {i} after waiting"))?;
    }

    let headline = format!(
        "idle: {} connections with 2 subscriptions each, held {:?}, to {}",
        group(args.conns as u64),
        args.wait,
        args.url
    );
    let mut r = Report::new("idle", headline);
    r.field("conns", args.conns);
    r.field("open_secs", opened_in.as_secs_f64());
    r.line(format!("open   {} connections in {:.1} ms", group(args.conns as u64), opened_in.as_secs_f64() * 1e3));
    match (rss_before, rss_after) {
        (Some(before), Some(after)) => {
            let per_conn = (after as f64 - before as f64) * 1024.0 / args.conns.max(1) as f64;
            r.field("rss_before_kib", before);
            r.field("rss_after_kib", after);
            r.field("bytes_per_conn", json!(per_conn.round()));
            r.line(format!(
                "memory server RSS {} KiB -> {} KiB: {:.1} KB per connection",
                group(before),
                group(after),
                per_conn / 1000.0
            ));
        }
        _ => r.line("memory not measured (give --server-pid)"),
    }
    drop(conns);
    Ok(r)
}
