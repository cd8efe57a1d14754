//! A connection's outbound queue: bytes waiting to be written, bounded by `max_pending`.
//!
//! Producers (the router delivering messages, the connection's own session answering `PING`) append
//! encoded bytes under a short lock and never wait. Small pieces are copied into one growing buffer;
//! payloads of [`ZERO_COPY_MIN`] bytes or more are queued by reference, so a large message fanned out to
//! many subscribers exists once in memory. One writer task per connection takes everything queued in
//! one go ([`Outbound::next_batch`]) and writes it with vectored I/O.
//!
//! The connection's task can also be woken with nothing to write ([`Outbound::wake`]: its timers are
//! due): the writer then gets an empty batch.
//!
//! When a producer would push the queue past `max_pending`, the queue closes itself with
//! [`CloseReason::SlowConsumerPendingBytes`]: that connection is cut, nobody else waits for it.
//!
//! It does not know about sockets or framing: TCP writes the batch as is, WebSocket wraps it in frames.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;
use bytes::{BufMut, Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::sync::Notify;

use switchyard_shared::encode::write_msg_head;

use super::client::CloseReason;

/// Payloads at least this large are queued by reference instead of copied.
pub const ZERO_COPY_MIN: usize = 2048;

/// What happened to a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    /// Queued; `flush` is true when the caller should wake the writer at the end of its batch.
    Queued { flush: bool },
    /// The queue is closed (now or earlier); nothing was queued.
    Closed,
}

#[derive(Default)]
struct State {
    buf: BytesMut,
    chunks: Vec<Bytes>,
    /// Bytes queued or handed to the writer and not yet written.
    pending: usize,
    flush_requested: bool,
    /// [`Outbound::wake`] was called: the next batch is returned even when empty.
    woken: bool,
    closed: Option<CloseReason>,
    msgs: u64,
    bytes: u64,
}

/// Everything the writer should write next.
#[derive(Debug, Default)]
pub struct Batch {
    pub chunks: Vec<Bytes>,
    /// Set when the queue was closed: write `chunks` (best effort) and then close the connection.
    pub closed: Option<CloseReason>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.chunks.iter().map(Bytes::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Bytes::is_empty)
    }
}

/// Per-connection counters of what was queued for it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboundStats {
    pub msgs: u64,
    pub bytes: u64,
    pub pending: usize,
}

/// The outbound queue of one connection.
pub struct Outbound {
    state: Mutex<State>,
    /// The writer's waker while it waits for a batch (there is one writer per queue). A slot rather
    /// than a `Notify`: the waiting writer holds no waiter node in its future.
    writer: AtomicWaker,
    max_pending: usize,
    closed_flag: AtomicBool,
    /// `State::pending`, readable without the lock.
    pending_hint: AtomicUsize,
    /// Signalled when the writer brings `pending` under the stall threshold.
    drained: Notify,
}

/// A queue holding more than `max_pending / STALL_DIVISOR` bytes stalls its producers.
const STALL_DIVISOR: usize = 2;

impl Outbound {
    pub fn new(max_pending: usize) -> Self {
        Outbound {
            state: Mutex::new(State::default()),
            writer: AtomicWaker::new(),
            max_pending,
            closed_flag: AtomicBool::new(false),
            pending_hint: AtomicUsize::new(0),
            drained: Notify::new(),
        }
    }

    /// Queues one delivered message as `MSG`/`HMSG` for subscription `sid`.
    /// `headers` is dropped (sent as `MSG`) when `with_headers` is false.
    #[allow(clippy::too_many_arguments)]
    pub fn push_msg(
        &self,
        subject: &[u8],
        sid: &[u8],
        reply: Option<&[u8]>,
        headers: Option<&Bytes>,
        payload: &Bytes,
        with_headers: bool,
    ) -> Push {
        let headers = headers.filter(|_| with_headers);
        let hdr_len = headers.map(|h| h.len());
        // An upper bound of the encoded size, for the budget check.
        let size = subject.len() + sid.len() + reply.map_or(0, <[u8]>::len) + hdr_len.unwrap_or(0) + payload.len() + 48;
        let mut st = self.state.lock();
        if st.closed.is_some() {
            return Push::Closed;
        }
        if st.pending + size > self.max_pending {
            return self.overflow(st);
        }
        let start = st.buf.len();
        write_msg_head(&mut st.buf, subject, sid, reply, hdr_len, payload.len());
        if let Some(h) = headers {
            st.buf.put_slice(h);
        }
        let added = if payload.len() >= ZERO_COPY_MIN {
            let added = st.buf.len() - start + payload.len() + 2;
            let head = st.buf.split().freeze();
            st.chunks.push(head);
            st.chunks.push(payload.clone());
            st.buf.put_slice(b"\r\n");
            added
        } else {
            st.buf.put_slice(payload);
            st.buf.put_slice(b"\r\n");
            st.buf.len() - start
        };
        st.pending += added;
        self.pending_hint.store(st.pending, Ordering::Relaxed);
        st.msgs += 1;
        st.bytes += (hdr_len.unwrap_or(0) + payload.len()) as u64;
        Push::Queued { flush: !std::mem::replace(&mut st.flush_requested, true) }
    }

    /// Queues raw protocol bytes (`PONG`, `+OK`, `-ERR …`, `INFO …`, or a foreign protocol's frames).
    pub fn push_bytes(&self, bytes: &[u8]) -> Push {
        let mut st = self.state.lock();
        if st.closed.is_some() {
            return Push::Closed;
        }
        if st.pending + bytes.len() > self.max_pending {
            return self.overflow(st);
        }
        st.buf.put_slice(bytes);
        st.pending += bytes.len();
        self.pending_hint.store(st.pending, Ordering::Relaxed);
        Push::Queued { flush: !std::mem::replace(&mut st.flush_requested, true) }
    }

    /// Queues an already encoded message for a non-NATS protocol, counted as one delivered message of
    /// `msg_bytes` payload bytes; large chunks are queued by reference.
    pub fn push_frame(&self, head: &[u8], body: &Bytes, msg_bytes: usize) -> Push {
        let size = head.len() + body.len();
        let mut st = self.state.lock();
        if st.closed.is_some() {
            return Push::Closed;
        }
        if st.pending + size > self.max_pending {
            return self.overflow(st);
        }
        st.buf.put_slice(head);
        if body.len() >= ZERO_COPY_MIN {
            let head = st.buf.split().freeze();
            st.chunks.push(head);
            st.chunks.push(body.clone());
        } else {
            st.buf.put_slice(body);
        }
        st.pending += size;
        self.pending_hint.store(st.pending, Ordering::Relaxed);
        st.msgs += 1;
        st.bytes += msg_bytes as u64;
        Push::Queued { flush: !std::mem::replace(&mut st.flush_requested, true) }
    }

    fn overflow(&self, mut st: parking_lot::MutexGuard<'_, State>) -> Push {
        st.closed = Some(CloseReason::SlowConsumerPendingBytes);
        st.chunks.clear();
        st.buf.clear();
        drop(st);
        self.closed_flag.store(true, Ordering::Release);
        self.writer.wake();
        self.drained.notify_waiters();
        Push::Closed
    }

    /// Wakes the writer.
    pub fn flush(&self) {
        self.writer.wake();
    }

    /// Wakes the connection's task without anything to write: [`Outbound::next_batch`] returns (an
    /// empty batch when nothing is queued), so the task can look at its timers.
    pub fn wake(&self) {
        self.state.lock().woken = true;
        self.writer.wake();
    }

    /// Closes the queue: the writer writes what is queued and then ends the connection. The first
    /// reason given wins. Returns false when it was already closed.
    pub fn close(&self, reason: CloseReason) -> bool {
        let mut st = self.state.lock();
        if st.closed.is_some() {
            return false;
        }
        st.closed = Some(reason);
        drop(st);
        self.closed_flag.store(true, Ordering::Release);
        self.writer.wake();
        true
    }

    /// Why the queue closed, if it did.
    pub fn close_reason(&self) -> Option<CloseReason> {
        if !self.closed_flag.load(Ordering::Acquire) {
            return None;
        }
        self.state.lock().closed
    }

    pub fn is_closed(&self) -> bool {
        self.closed_flag.load(Ordering::Acquire)
    }

    /// Waits until there is something to write, the queue is closed or the task was woken
    /// ([`Outbound::wake`]), then takes all of it.
    pub async fn next_batch(&self) -> Batch {
        std::future::poll_fn(|cx| self.poll_next_batch(cx)).await
    }

    /// The poll form of [`Outbound::next_batch`], for a task that waits without holding a future: ready
    /// with everything queued, or pending with `cx`'s waker kept until a producer flushes, wakes or
    /// closes the queue. Only one task (the queue's writer) may poll it.
    pub fn poll_next_batch(&self, cx: &mut Context<'_>) -> Poll<Batch> {
        if let Some(batch) = self.take() {
            return Poll::Ready(batch);
        }
        // Registered before looking again: a flush between the two finds the waker.
        self.writer.register(cx.waker());
        match self.take() {
            Some(batch) => Poll::Ready(batch),
            None => Poll::Pending,
        }
    }

    /// Takes whatever is queued without waiting; `None` when there is nothing, the queue is open and
    /// nobody woke the task.
    pub fn take(&self) -> Option<Batch> {
        let mut st = self.state.lock();
        st.flush_requested = false;
        let woken = std::mem::take(&mut st.woken);
        if st.buf.is_empty() && st.chunks.is_empty() {
            return match st.closed {
                Some(c) => Some(Batch { chunks: Vec::new(), closed: Some(c) }),
                None => woken.then(Batch::default),
            };
        }
        let mut chunks = std::mem::take(&mut st.chunks);
        if !st.buf.is_empty() {
            let tail = st.buf.split().freeze();
            chunks.push(tail);
        }
        Some(Batch { chunks, closed: st.closed })
    }

    /// The writer reports bytes written, releasing them from the pending budget.
    pub fn written(&self, n: usize) {
        let mut st = self.state.lock();
        st.pending = st.pending.saturating_sub(n);
        self.pending_hint.store(st.pending, Ordering::Relaxed);
        let drained = st.pending <= self.max_pending / STALL_DIVISOR;
        drop(st);
        if drained {
            self.drained.notify_waiters();
        }
    }

    /// True when this connection's queue is past the stall threshold: producers should pause briefly
    /// (see [`Outbound::wait_drained`]) instead of pushing it into the slow-consumer limit.
    pub fn is_stalled(&self) -> bool {
        self.pending_hint.load(Ordering::Relaxed) > self.max_pending / STALL_DIVISOR
    }

    /// Waits until the queue drops below the stall threshold (or closes), at most `max`.
    pub async fn wait_drained(&self, max: std::time::Duration) {
        let wait = self.drained.notified();
        if !self.is_stalled() || self.is_closed() {
            return;
        }
        let _ = tokio::time::timeout(max, wait).await;
    }

    pub fn stats(&self) -> OutboundStats {
        let st = self.state.lock();
        OutboundStats { msgs: st.msgs, bytes: st.bytes, pending: st.pending }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concat(b: &Batch) -> Vec<u8> {
        b.chunks.iter().flat_map(|c| c.iter().copied()).collect()
    }

    #[test]
    fn messages_are_encoded_in_order() {
        let out = Outbound::new(1 << 20);
        let payload = Bytes::from_static(b"hello");
        assert_eq!(out.push_msg(b"a.b", b"1", None, None, &payload, true), Push::Queued { flush: true });
        assert_eq!(out.push_msg(b"a.b", b"2", Some(b"r"), None, &payload, true), Push::Queued { flush: false });
        let hdr = Bytes::from_static(b"NATS/1.0\r\n\r\n");
        out.push_msg(b"h", b"3", None, Some(&hdr), &payload, true);
        out.push_msg(b"h", b"4", None, Some(&hdr), &payload, false);
        let b = out.take().unwrap();
        assert_eq!(
            String::from_utf8(concat(&b)).unwrap(),
            "MSG a.b 1 5\r\nhello\r\nMSG a.b 2 r 5\r\nhello\r\nHMSG h 3 12 17\r\nNATS/1.0\r\n\r\nhello\r\nMSG h 4 5\r\nhello\r\n"
        );
        assert!(out.take().is_none());
        assert_eq!(out.push_bytes(b"PONG\r\n"), Push::Queued { flush: true }, "flush requested again after take");
    }

    #[test]
    fn large_payloads_are_queued_by_reference() {
        let out = Outbound::new(1 << 20);
        let big = Bytes::from(vec![7u8; ZERO_COPY_MIN]);
        out.push_msg(b"s", b"1", None, None, &big, true);
        let b = out.take().unwrap();
        assert_eq!(b.chunks.len(), 3);
        assert_eq!(b.chunks[1].as_ptr(), big.as_ptr(), "same allocation, not a copy");
        assert_eq!(b.len(), "MSG s 1 2048\r\n".len() + ZERO_COPY_MIN + 2);
    }

    #[test]
    fn overflow_closes_as_slow_consumer() {
        let out = Outbound::new(200);
        let p = Bytes::from(vec![0u8; 100]);
        assert!(matches!(out.push_msg(b"s", b"1", None, None, &p, true), Push::Queued { .. }));
        assert_eq!(out.push_msg(b"s", b"1", None, None, &p, true), Push::Closed);
        assert_eq!(out.close_reason(), Some(CloseReason::SlowConsumerPendingBytes));
        let b = out.take().unwrap();
        assert!(b.chunks.is_empty());
        assert_eq!(b.closed, Some(CloseReason::SlowConsumerPendingBytes));
    }

    #[test]
    fn written_bytes_release_budget() {
        let out = Outbound::new(100);
        let p = Bytes::from(vec![0u8; 50]);
        out.push_msg(b"s", b"1", None, None, &p, true);
        let b = out.take().unwrap();
        out.written(b.len());
        assert_eq!(out.stats().pending, 0);
        assert!(matches!(out.push_msg(b"s", b"1", None, None, &p, true), Push::Queued { .. }));
    }

    #[tokio::test]
    async fn next_batch_wakes_on_flush_and_close() {
        let out = std::sync::Arc::new(Outbound::new(1 << 20));
        let o = out.clone();
        let h = tokio::spawn(async move { o.next_batch().await });
        tokio::task::yield_now().await;
        out.push_bytes(b"PING\r\n");
        out.flush();
        let b = h.await.unwrap();
        assert_eq!(concat(&b), b"PING\r\n");
        out.close(CloseReason::ClientClosed);
        assert_eq!(out.next_batch().await.closed, Some(CloseReason::ClientClosed));
    }

    #[tokio::test]
    async fn a_wake_returns_an_empty_batch_once() {
        let out = std::sync::Arc::new(Outbound::new(1 << 20));
        let o = out.clone();
        let h = tokio::spawn(async move { o.next_batch().await });
        tokio::task::yield_now().await;
        out.wake();
        let b = h.await.unwrap();
        assert!(b.is_empty() && b.closed.is_none());
        assert!(out.take().is_none(), "one wake, one empty batch");
        out.wake();
        out.push_bytes(b"x");
        assert_eq!(concat(&out.take().unwrap()), b"x", "queued bytes are the batch");
        assert!(out.take().is_none());
    }
}
