//! The ordered push consumer that key-value watchers and object-store readers use, on a raw
//! connection.
//!
//! [`Ordered::start`] subscribes to a fresh deliver inbox and creates an ephemeral push consumer on
//! it through `$JS.API.CONSUMER.CREATE.<stream>` with the configuration the official clients send
//! for an ordered consumer: `ack_policy` none, `max_deliver` 1, `flow_control`, a 5 s
//! `idle_heartbeat`, memory storage, one replica, a filter subject and a deliver policy chosen by
//! the caller. [`Ordered::poll`] reads once, answers flow-control requests (and the flow-control
//! subject a stalled-consumer heartbeat names) with an empty publish, skips heartbeats, and passes
//! every data message to the caller with the sequences and pending count read from its reply
//! subject. A gap in the consumer sequence is counted, not repaired: a client would recreate the
//! consumer, a benchmark reports the run as broken.
//!
//! It does not ack (the consumer acks nothing) and does not delete the consumer (the scenarios
//! delete the whole stream).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::conn::Conn;
use super::jetstream::Api;
use super::reqrep::inbox_token;
use super::scan::{Msg, ServerOp};

/// Heartbeat interval the clients ask ordered consumers for.
const HEARTBEAT: Duration = Duration::from_secs(5);
/// Subscription id of the deliver inbox.
const SID: u32 = 1;

/// What the reply subject of a delivered JetStream message says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckMeta {
    pub delivered: u64,
    pub stream_seq: u64,
    pub consumer_seq: u64,
    /// Messages left for the consumer after this one.
    pub pending: u64,
}

/// Reads a `$JS.ACK` reply subject in either token layout (v1: 9 tokens; v2: 11 or 12).
pub fn ack_meta(reply: &[u8]) -> Option<AckMeta> {
    let tokens: Vec<&[u8]> = reply.split(|&b| b == b'.').collect();
    let first = match tokens.len() {
        9 => 4,
        11 | 12 => 6,
        _ => return None,
    };
    if tokens[0] != b"$JS" || tokens[1] != b"ACK" {
        return None;
    }
    let number = |i: usize| -> Option<u64> { std::str::from_utf8(tokens[first + i]).ok()?.parse().ok() };
    Some(AckMeta { delivered: number(0)?, stream_seq: number(1)?, consumer_seq: number(2)?, pending: number(4)? })
}

/// A data message handed to the caller of [`Ordered::poll`].
pub struct Delivery<'a> {
    pub msg: Msg<'a>,
    pub meta: AckMeta,
}

/// One ordered push consumer and the connection it delivers to.
pub struct Ordered {
    conn: Conn,
    /// Messages pending right after the consumer was created (from the create response).
    pub initial_pending: u64,
    last_consumer_seq: u64,
    /// Consumer sequence gaps seen.
    pub gaps: u64,
    /// Flow-control requests answered.
    pub flow_controls: u64,
    /// Idle heartbeats seen.
    pub heartbeats: u64,
    answers: Vec<u8>,
}

impl Ordered {
    /// Connects, subscribes a new inbox and creates the consumer over `filter` in `stream` with
    /// `deliver_policy` (`"all"`, `"last_per_subject"`, `"new"`), headers and payloads included.
    pub fn start(addr: &str, api: &mut Api, stream: &str, filter: &str, deliver_policy: &str) -> Result<Ordered> {
        let mut conn = Conn::connect(addr, "bench-ordered")?;
        let inbox = format!("_INBOX.{}", inbox_token());
        conn.subscribe(&inbox, None, SID)?;
        conn.flush()?;
        let request = json!({
            "stream_name": stream,
            "config": {
                "deliver_subject": inbox,
                "deliver_policy": deliver_policy,
                "ack_policy": "none",
                "max_deliver": 1,
                "filter_subject": filter,
                "replay_policy": "instant",
                "flow_control": true,
                "idle_heartbeat": u64::try_from(HEARTBEAT.as_nanos()).expect("heartbeat fits u64"),
                "mem_storage": true,
                "num_replicas": 1,
            }
        });
        let info = api.call(&format!("$JS.API.CONSUMER.CREATE.{stream}"), &request)?;
        let initial_pending = info["num_pending"].as_u64().unwrap_or(0);
        Ok(Ordered {
            conn,
            initial_pending,
            last_consumer_seq: 0,
            gaps: 0,
            flow_controls: 0,
            heartbeats: 0,
            answers: Vec::new(),
        })
    }

    /// Reads once (waiting at most the connection's poll interval); returns false when nothing
    /// arrived. Data messages go to `on_msg`.
    pub fn poll(&mut self, mut on_msg: impl FnMut(Delivery<'_>) -> Result<()>) -> Result<bool> {
        let Ordered { conn, answers, last_consumer_seq, gaps, flow_controls, heartbeats, .. } = self;
        let got = conn.poll(|op, _| {
            let ServerOp::Msg(msg) = op else { return Ok(()) };
            if msg.status() == Some(100) {
                if let Some(reply) = msg.reply {
                    // A flow-control request: answered with an empty message to its reply subject.
                    *flow_controls += 1;
                    push_empty_pub(answers, reply);
                } else {
                    *heartbeats += 1;
                    if let Some(stalled) = msg.header("Nats-Consumer-Stalled") {
                        push_empty_pub(answers, stalled);
                    }
                }
                return Ok(());
            }
            if let Some(status) = msg.status() {
                bail!("ordered consumer got status {status}: {}", String::from_utf8_lossy(msg.headers.unwrap_or(b"")));
            }
            let reply = msg.reply.context("pushed message without a reply subject")?;
            let meta =
                ack_meta(reply).with_context(|| format!("odd ack subject {}", String::from_utf8_lossy(reply)))?;
            if meta.consumer_seq != *last_consumer_seq + 1 {
                *gaps += 1;
            }
            *last_consumer_seq = meta.consumer_seq;
            on_msg(Delivery { msg, meta })
        })?;
        if !answers.is_empty() {
            conn.tx.write_all(answers).context("answer flow control")?;
            answers.clear();
        }
        Ok(got)
    }

    /// Polls until `on_msg` returns true for a message (then true) or until nothing arrived for
    /// `idle_timeout` (then false). Messages that came in the same read as the last one still go to
    /// `on_msg`.
    pub fn run_until(
        &mut self,
        idle_timeout: Duration,
        mut on_msg: impl FnMut(Delivery<'_>) -> Result<bool>,
    ) -> Result<bool> {
        let mut last_progress = Instant::now();
        let mut done = false;
        while !done {
            let mut any = false;
            self.poll(|d| {
                any = true;
                done |= on_msg(d)?;
                Ok(())
            })?;
            if any {
                last_progress = Instant::now();
            } else if last_progress.elapsed() > idle_timeout {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The report fields every ordered-consumer scenario shares.
    pub fn fields(&self) -> Value {
        json!({ "gaps": self.gaps, "flow_controls": self.flow_controls, "heartbeats": self.heartbeats })
    }
}

fn push_empty_pub(out: &mut Vec<u8>, subject: &[u8]) {
    out.extend_from_slice(b"PUB ");
    out.extend_from_slice(subject);
    out.extend_from_slice(b" 0\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_give_sequences_and_pending_in_both_layouts() {
        let v1 = ack_meta(b"$JS.ACK.KV_b.c1.1.42.7.1700000000000000000.3").unwrap();
        assert_eq!(v1, AckMeta { delivered: 1, stream_seq: 42, consumer_seq: 7, pending: 3 });
        let v2 = ack_meta(b"$JS.ACK._.ACCHASH.KV_b.c1.2.43.8.1700000000000000000.0.rnd").unwrap();
        assert_eq!(v2, AckMeta { delivered: 2, stream_seq: 43, consumer_seq: 8, pending: 0 });
        assert_eq!(ack_meta(b"_INBOX.a.b.c.d.e.f.g.h"), None);
        assert_eq!(ack_meta(b"$JS.ACK.s.c.x.1.1.1.0"), None);
    }

    #[test]
    fn empty_publishes_answer_flow_control() {
        let mut out = Vec::new();
        push_empty_pub(&mut out, b"$JS.FC.S.x.1");
        assert_eq!(out, b"PUB $JS.FC.S.x.1 0\r\n\r\n");
    }
}
