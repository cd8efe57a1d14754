//! A connection that publishes JetStream messages and counts their acks, with a bounded window of
//! acks outstanding: what the official clients' async publish does, on a raw socket.
//!
//! The owner encodes frames whose reply subject is [`Acked::inbox`] into [`Acked::out`] (or writes
//! one frame with [`Acked::publish`]), sends them with [`Acked::send`], and calls
//! [`Acked::wait_window`] to read acks until at most `n` are outstanding. An ack carrying a status
//! header or an `"error"` member counts as a failure; the first one's text is kept for the report.
//! A run without progress for the drain timeout stops waiting and leaves the missing acks counted
//! in [`Acked::unacked`].

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use memchr::memmem;

use super::conn::{self, Conn};
use super::report::{group, Report};
use super::reqrep::inbox_token;
use super::scan::ServerOp;

/// A publishing connection with its ack inbox and counters.
pub struct Acked {
    conn: Conn,
    inbox: String,
    /// Frames encoded by the owner, written by [`Acked::send`].
    pub out: Vec<u8>,
    queued: u64,
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    pub first_failure: Option<String>,
    /// When the last ack arrived.
    pub last_ack: Instant,
    drain_timeout: Duration,
}

impl Acked {
    pub fn connect(addr: &str, name: &str, drain_timeout: Duration) -> Result<Acked> {
        let mut conn = Conn::connect(addr, name)?;
        let inbox = format!("_INBOX.{}.ack", inbox_token());
        conn.subscribe(&inbox, None, 1)?;
        conn.flush()?;
        Ok(Acked {
            conn,
            inbox,
            out: Vec::with_capacity(64 * 1024),
            queued: 0,
            sent: 0,
            acked: 0,
            failed: 0,
            first_failure: None,
            last_ack: Instant::now(),
            drain_timeout,
        })
    }

    /// The reply subject every frame must carry.
    pub fn inbox(&self) -> &str {
        &self.inbox
    }

    /// Appends `PUB subject inbox len` with `payload` to [`Acked::out`].
    pub fn publish(&mut self, subject: &str, payload: &[u8]) {
        let head = format!("PUB {subject} {} {}\r\n", self.inbox, payload.len());
        self.out.extend_from_slice(head.as_bytes());
        self.out.extend_from_slice(payload);
        self.out.extend_from_slice(b"\r\n");
        self.queued += 1;
    }

    /// Appends `HPUB subject inbox` with one header block and `payload` to [`Acked::out`]; the
    /// header block is the lines after `NATS/1.0` (each ending in CRLF).
    pub fn publish_with_headers(&mut self, subject: &str, header_lines: &str, payload: &[u8]) {
        let headers = format!("NATS/1.0\r\n{header_lines}\r\n");
        let total = headers.len() + payload.len();
        let head = format!("HPUB {subject} {} {} {total}\r\n", self.inbox, headers.len());
        self.out.extend_from_slice(head.as_bytes());
        self.out.extend_from_slice(headers.as_bytes());
        self.out.extend_from_slice(payload);
        self.out.extend_from_slice(b"\r\n");
        self.queued += 1;
    }

    /// Waits until the frames queued in [`Acked::out`] fit in a window of `window` outstanding
    /// acks, then writes them; false when acks stopped coming (nothing is written then).
    pub fn send_windowed(&mut self, window: u64) -> Result<bool> {
        if !self.wait_window(window.saturating_sub(self.queued))? {
            return Ok(false);
        }
        self.send()?;
        Ok(true)
    }

    /// Frames in [`Acked::out`] not yet written.
    pub fn queued(&self) -> u64 {
        self.queued
    }

    /// Writes what is in [`Acked::out`].
    pub fn send(&mut self) -> Result<()> {
        if !self.out.is_empty() {
            self.conn.tx.write_all(&self.out).context("write to server")?;
            self.out.clear();
        }
        self.sent += self.queued;
        self.queued = 0;
        Ok(())
    }

    /// Writes one frame `head`, `body`, CRLF without copying `body` into [`Acked::out`] (large
    /// payloads); [`Acked::out`] must be empty.
    pub fn send_large(&mut self, head: &[u8], body: &[u8]) -> Result<()> {
        debug_assert!(self.out.is_empty(), "frames queued before a large one");
        conn::send(&mut self.conn.tx, head)?;
        conn::send(&mut self.conn.tx, body)?;
        conn::send(&mut self.conn.tx, b"\r\n")?;
        self.sent += 1;
        Ok(())
    }

    pub fn in_flight(&self) -> u64 {
        self.sent - self.acked
    }

    /// Reads acks until at most `n` are outstanding; gives up (returning false) when none arrived
    /// for the drain timeout.
    pub fn wait_window(&mut self, n: u64) -> Result<bool> {
        let mut last_progress = Instant::now();
        while self.in_flight() > n {
            let before = self.acked;
            self.poll()?;
            let now = Instant::now();
            if self.acked > before {
                last_progress = now;
            } else if now.duration_since(last_progress) > self.drain_timeout {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads once, counting acks.
    fn poll(&mut self) -> Result<()> {
        let Acked { conn, acked, failed, first_failure, last_ack, .. } = self;
        conn.poll(|op, _| {
            if let ServerOp::Msg(m) = op {
                *acked += 1;
                *last_ack = Instant::now();
                if m.status().is_some() || memmem::find(m.payload, b"\"error\"").is_some() {
                    *failed += 1;
                    if first_failure.is_none() {
                        let status = m.headers.map(String::from_utf8_lossy).unwrap_or_default();
                        let text = format!("{} {}", status.trim(), String::from_utf8_lossy(m.payload));
                        *first_failure = Some(text.trim().to_owned());
                    }
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Acks never received.
    pub fn unacked(&self) -> u64 {
        self.in_flight()
    }

    /// Records lost and failed publishes as problems of `r`.
    pub fn problems(&self, what: &str, r: &mut Report) {
        if self.unacked() > 0 {
            r.problem(format!("LOSS: {what}: {} of {} publishes never acked", group(self.unacked()), group(self.sent)));
        }
        if self.failed > 0 {
            r.problem(format!(
                "{what}: {} publishes failed; first: {}",
                group(self.failed),
                self.first_failure.as_deref().unwrap_or("?")
            ));
        }
    }
}
