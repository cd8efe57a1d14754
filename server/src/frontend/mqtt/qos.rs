//! QoS 1 and 2 bookkeeping of one MQTT session, in both directions, without I/O.
//!
//! Outgoing (server → client): [`Outgoing`] holds the in-flight window (messages sent and not yet
//! acknowledged, keyed by packet identifier), the queue of messages waiting for room in that window or
//! for the client to come back, and the packet identifier allocator. A QoS 1 message leaves the window
//! on PUBACK; a QoS 2 message moves to "awaiting PUBCOMP" on PUBREC and leaves on PUBCOMP, so a message
//! reaches the client's application exactly once however often the connection drops.
//!
//! Incoming (client → server): [`Incoming`] remembers the packet identifiers of QoS 2 PUBLISHes that were
//! routed and answered with PUBREC but not yet released, so a retransmitted PUBLISH is not routed twice.
//!
//! The session (`session.rs`) owns one of each under its lock, encodes the packets and persists what must
//! survive a restart; this module only decides what is in flight, what is due for redelivery and which
//! packet identifier comes next. Times are `tokio::time::Instant`s passed in by the caller.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;
use tokio::time::{Duration, Instant};

use switchyard_shared::mqtt::{Properties, QoS};

/// Where a stored item lives in the persistence layer, if it was persisted.
pub type StoreKey = u64;

/// A message on its way to one session's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutMsg {
    pub topic: String,
    pub payload: Bytes,
    /// The QoS it is delivered at: the minimum of the published and the granted QoS.
    pub qos: QoS,
    pub retain: bool,
    /// MQTT 5 PUBLISH properties to send (no topic alias, no expiry: those are computed per send);
    /// boxed because most messages have none.
    pub props: Option<Box<Properties>>,
    /// Unix nanoseconds after which the message is discarded instead of sent (Message Expiry Interval).
    pub expires_at: Option<i64>,
    /// The persisted copy, for persistent sessions.
    pub key: Option<StoreKey>,
}

impl OutMsg {
    /// Whether the message expired at `now` (Unix nanoseconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Where a QoS 1 or 2 message is in its acknowledgement exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// QoS 1 sent, waiting for PUBACK.
    AwaitAck(OutMsg),
    /// QoS 2 sent, waiting for PUBREC.
    AwaitRec(OutMsg),
    /// PUBREL sent, waiting for PUBCOMP; the message itself is delivered and gone.
    AwaitComp { key: Option<StoreKey> },
}

/// One packet identifier in use towards the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    pub phase: Phase,
    /// When the PUBLISH or PUBREL was last sent; `None` while the client is away.
    pub sent_at: Option<Instant>,
    /// Send order, so a reconnecting client gets retransmissions in the original order.
    order: u64,
}

/// What [`Outgoing::offer`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// Put in flight under this packet identifier: send it now.
    Send(u16),
    /// Queued until the window has room or the client is back.
    Queued,
    /// Refused: the queue is full.
    Dropped,
}

/// What a PUBREC did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecResult {
    /// The QoS 2 message is delivered; answer with PUBREL. The message's stored copy can go.
    Released(Box<OutMsg>),
    /// A repeated PUBREC for a message already released: answer with PUBREL again.
    AlreadyReleased,
    /// No QoS 2 message is in flight under this identifier.
    Unknown,
}

/// A window of `window` packet identifiers, within what 16-bit identifiers allow.
fn clamp_window(window: usize) -> u16 {
    u16::try_from(window.clamp(1, usize::from(u16::MAX))).unwrap_or(u16::MAX)
}

/// The messages of [`Outgoing`], allocated when the session is first given one.
#[derive(Debug, Default)]
struct Pending {
    /// By packet identifier.
    inflight: BTreeMap<u16, Inflight>,
    queue: VecDeque<OutMsg>,
}

/// What a session that was never given a message reads.
static NO_PENDING: Pending = Pending { inflight: BTreeMap::new(), queue: VecDeque::new() };

/// The server → client side of a session.
#[derive(Debug)]
pub struct Outgoing {
    /// Boxed until the first message: most sessions of an idle client never get one.
    pending: Option<Box<Pending>>,
    next_pid: u16,
    next_order: u64,
    /// How many packet identifiers may be in flight (the client's Receive Maximum, capped by
    /// `max_ack_pending`); at most 65,535, the number of packet identifiers.
    window: u16,
    /// How many messages may wait in `queue` (narrow: every session holds it).
    max_queued: u32,
    dropped: u64,
}

impl Outgoing {
    pub fn new(window: usize, max_queued: usize) -> Self {
        Outgoing {
            pending: None,
            next_pid: 1,
            next_order: 0,
            window: clamp_window(window),
            max_queued: u32::try_from(max_queued).unwrap_or(u32::MAX),
            dropped: 0,
        }
    }

    fn pending(&self) -> &Pending {
        self.pending.as_deref().unwrap_or(&NO_PENDING)
    }

    /// The messages, allocating them on first use.
    fn pending_mut(&mut self) -> &mut Pending {
        self.pending.get_or_insert_with(Box::default)
    }

    /// The in-flight messages for changes that add none.
    fn inflight_mut(&mut self) -> Option<&mut BTreeMap<u16, Inflight>> {
        self.pending.as_deref_mut().map(|p| &mut p.inflight)
    }

    /// Changes the window, for a new connection with its own Receive Maximum.
    pub fn set_window(&mut self, window: usize) {
        self.window = clamp_window(window);
    }

    pub fn inflight_len(&self) -> usize {
        self.pending().inflight.len()
    }

    pub fn queued_len(&self) -> usize {
        self.pending().queue.len()
    }

    /// Messages refused because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Counts of QoS 1 and QoS 2 messages not yet completed, in flight or queued.
    pub fn pending_by_qos(&self) -> (usize, usize) {
        let mut counts = (0, 0);
        let mut count = |qos: QoS| match qos {
            QoS::AtLeastOnce => counts.0 += 1,
            QoS::ExactlyOnce => counts.1 += 1,
            QoS::AtMostOnce => {}
        };
        for f in self.pending().inflight.values() {
            match &f.phase {
                Phase::AwaitAck(m) | Phase::AwaitRec(m) => count(m.qos),
                Phase::AwaitComp { .. } => count(QoS::ExactlyOnce),
            }
        }
        for m in &self.pending().queue {
            count(m.qos);
        }
        counts
    }

    fn has_room(&self) -> bool {
        self.pending().inflight.len() < usize::from(self.window)
    }

    /// The next free packet identifier (1..=65535, skipping those in flight). Only called with room in
    /// the window, which is at most 65,535, so one is always free.
    fn allocate(&mut self) -> u16 {
        loop {
            let pid = self.next_pid;
            self.next_pid = if pid == u16::MAX { 1 } else { pid + 1 };
            if !self.pending().inflight.contains_key(&pid) {
                return pid;
            }
        }
    }

    /// Offers a QoS 1 or 2 message. With `online` and room in the window it goes in flight at once;
    /// otherwise it waits in the queue (messages queued earlier keep their place ahead of it).
    pub fn offer(&mut self, msg: OutMsg, online: bool, now: Instant) -> Offer {
        let offer = self.reserve(online);
        match offer {
            Offer::Send(pid) => self.insert_sent(pid, msg, now),
            Offer::Queued => self.push_queued(msg),
            Offer::Dropped => {}
        }
        offer
    }

    /// Decides where the next message goes without taking it yet: a packet identifier to send it under
    /// now, the queue, or nowhere (counted as dropped). Follow with [`Outgoing::insert_sent`] or
    /// [`Outgoing::push_queued`].
    pub fn reserve(&mut self, online: bool) -> Offer {
        if online && self.pending().queue.is_empty() && self.has_room() {
            return Offer::Send(self.allocate());
        }
        if self.pending().queue.len() >= self.max_queued as usize {
            self.dropped += 1;
            return Offer::Dropped;
        }
        Offer::Queued
    }

    /// Puts a message in flight under a reserved packet identifier.
    pub fn insert_sent(&mut self, pid: u16, msg: OutMsg, now: Instant) {
        debug_assert!(msg.qos != QoS::AtMostOnce);
        self.insert(pid, msg, Some(now));
    }

    /// Queues a message after [`Outgoing::reserve`] said so.
    pub fn push_queued(&mut self, msg: OutMsg) {
        self.pending_mut().queue.push_back(msg);
    }

    /// Removes whatever is in flight under `pid` (a message that cannot be sent).
    pub fn remove(&mut self, pid: u16) -> Option<Inflight> {
        self.inflight_mut()?.remove(&pid)
    }

    fn insert(&mut self, pid: u16, msg: OutMsg, sent_at: Option<Instant>) {
        let phase = if msg.qos == QoS::ExactlyOnce { Phase::AwaitRec(msg) } else { Phase::AwaitAck(msg) };
        let order = self.next_order;
        self.next_order += 1;
        self.pending_mut().inflight.insert(pid, Inflight { phase, sent_at, order });
    }

    /// Restores a message that was in flight under `pid` before a restart.
    pub fn restore_inflight(&mut self, pid: u16, msg: OutMsg) {
        self.insert(pid, msg, None);
    }

    /// Restores a QoS 2 exchange that was waiting for PUBCOMP before a restart.
    pub fn restore_pubrel(&mut self, pid: u16, key: Option<StoreKey>) {
        let order = self.next_order;
        self.next_order += 1;
        self.pending_mut().inflight.insert(pid, Inflight { phase: Phase::AwaitComp { key }, sent_at: None, order });
    }

    /// Restores a queued message before a restart.
    pub fn restore_queued(&mut self, msg: OutMsg) {
        self.pending_mut().queue.push_back(msg);
    }

    /// Moves the next queued message into the window, if there is room: returns its new packet
    /// identifier. Expired messages are handed back in `expired` instead.
    pub fn next_ready(&mut self, now: Instant, now_ns: i64, expired: &mut Vec<OutMsg>) -> Option<u16> {
        while self.has_room() {
            let msg = self.pending.as_deref_mut()?.queue.pop_front()?;
            if msg.expired(now_ns) {
                expired.push(msg);
                continue;
            }
            let pid = self.allocate();
            self.insert(pid, msg, Some(now));
            return Some(pid);
        }
        None
    }

    /// The in-flight entry for `pid`.
    pub fn get(&self, pid: u16) -> Option<&Inflight> {
        self.pending().inflight.get(&pid)
    }

    /// Replaces the stored-copy key of the message in flight under `pid` (after re-persisting it
    /// with its packet identifier).
    pub fn set_key(&mut self, pid: u16, key: Option<StoreKey>) {
        if let Some(f) = self.inflight_mut().and_then(|m| m.get_mut(&pid)) {
            match &mut f.phase {
                Phase::AwaitAck(m) | Phase::AwaitRec(m) => m.key = key,
                Phase::AwaitComp { key: k } => *k = key,
            }
        }
    }

    /// PUBACK: completes a QoS 1 message. `None` when no QoS 1 message is in flight under `pid`.
    pub fn puback(&mut self, pid: u16) -> Option<OutMsg> {
        match self.pending().inflight.get(&pid).map(|f| &f.phase) {
            Some(Phase::AwaitAck(_)) => match self.inflight_mut().and_then(|m| m.remove(&pid)).map(|f| f.phase) {
                Some(Phase::AwaitAck(m)) => Some(m),
                _ => None,
            },
            _ => None,
        }
    }

    /// PUBREC: the client has the QoS 2 message; it now waits for PUBREL / PUBCOMP.
    pub fn pubrec(&mut self, pid: u16, now: Instant) -> RecResult {
        let Some(f) = self.inflight_mut().and_then(|m| m.get_mut(&pid)) else {
            return RecResult::Unknown;
        };
        match &f.phase {
            Phase::AwaitRec(_) => {
                let Phase::AwaitRec(msg) = std::mem::replace(&mut f.phase, Phase::AwaitComp { key: None }) else {
                    unreachable!("matched above")
                };
                f.sent_at = Some(now);
                RecResult::Released(Box::new(msg))
            }
            Phase::AwaitComp { .. } => RecResult::AlreadyReleased,
            Phase::AwaitAck(_) => RecResult::Unknown,
        }
    }

    /// PUBCOMP: ends a QoS 2 exchange; returns the stored key of its PUBREL record, `None` when no
    /// PUBREL was outstanding under `pid`.
    pub fn pubcomp(&mut self, pid: u16) -> Option<Option<StoreKey>> {
        match self.pending().inflight.get(&pid).map(|f| &f.phase) {
            Some(Phase::AwaitComp { .. }) => match self.inflight_mut().and_then(|m| m.remove(&pid)).map(|f| f.phase) {
                Some(Phase::AwaitComp { key }) => Some(key),
                _ => None,
            },
            _ => None,
        }
    }

    /// Packet identifiers whose PUBLISH or PUBREL was sent at least `ack_wait` ago, oldest first; their
    /// send time is reset to `now` (the caller retransmits them).
    pub fn due(&mut self, now: Instant, ack_wait: Duration) -> Vec<u16> {
        let mut due: Vec<(u64, u16)> = self
            .inflight_mut()
            .into_iter()
            .flat_map(|m| m.iter_mut())
            .filter_map(|(&pid, f)| {
                let sent = f.sent_at?;
                (now.saturating_duration_since(sent) >= ack_wait).then(|| {
                    f.sent_at = Some(now);
                    (f.order, pid)
                })
            })
            .collect();
        due.sort_unstable();
        due.into_iter().map(|(_, pid)| pid).collect()
    }

    /// Every packet identifier in flight, in original send order, marked as sent at `now`: what a
    /// reconnecting client must be sent again.
    pub fn resend_all(&mut self, now: Instant) -> Vec<u16> {
        let mut all: Vec<(u64, u16)> = self
            .inflight_mut()
            .into_iter()
            .flat_map(|m| m.iter_mut())
            .map(|(&pid, f)| {
                f.sent_at = Some(now);
                (f.order, pid)
            })
            .collect();
        all.sort_unstable();
        all.into_iter().map(|(_, pid)| pid).collect()
    }

    /// The client went away: nothing is being waited for on a connection any more.
    pub fn detach(&mut self) {
        for f in self.inflight_mut().into_iter().flat_map(|m| m.values_mut()) {
            f.sent_at = None;
        }
    }

    /// Empties everything, returning the stored keys to delete (session end).
    pub fn clear(&mut self) -> Vec<StoreKey> {
        let Some(pending) = self.pending.take() else {
            return Vec::new();
        };
        let Pending { inflight, queue } = *pending;
        let mut keys: Vec<StoreKey> = inflight
            .into_values()
            .filter_map(|f| match f.phase {
                Phase::AwaitAck(m) | Phase::AwaitRec(m) => m.key,
                Phase::AwaitComp { key } => key,
            })
            .collect();
        keys.extend(queue.into_iter().filter_map(|m| m.key));
        keys
    }
}

/// The client → server side: QoS 2 packet identifiers routed but not yet released by PUBREL.
#[derive(Debug, Default)]
pub struct Incoming {
    awaiting_rel: BTreeMap<u16, Option<StoreKey>>,
}

impl Incoming {
    /// Whether a QoS 2 PUBLISH with `pid` was already routed (a retransmission must not be routed again).
    pub fn contains(&self, pid: u16) -> bool {
        self.awaiting_rel.contains_key(&pid)
    }

    /// Records a routed QoS 2 PUBLISH.
    pub fn insert(&mut self, pid: u16, key: Option<StoreKey>) {
        self.awaiting_rel.insert(pid, key);
    }

    /// PUBREL: forgets `pid`; `None` if it was not known, else the stored key to delete.
    pub fn release(&mut self, pid: u16) -> Option<Option<StoreKey>> {
        self.awaiting_rel.remove(&pid)
    }

    pub fn len(&self) -> usize {
        self.awaiting_rel.len()
    }

    pub fn is_empty(&self) -> bool {
        self.awaiting_rel.is_empty()
    }

    /// Empties the set, returning the stored keys to delete.
    pub fn clear(&mut self) -> Vec<StoreKey> {
        std::mem::take(&mut self.awaiting_rel).into_values().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(qos: QoS, n: u8) -> OutMsg {
        OutMsg {
            topic: format!("t/{n}"),
            payload: Bytes::from(vec![n]),
            qos,
            retain: false,
            props: None,
            expires_at: None,
            key: None,
        }
    }

    #[test]
    fn messages_beyond_the_window_wait_and_move_up_on_ack() {
        let now = Instant::now();
        let mut out = Outgoing::new(2, 10);
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 1), true, now), Offer::Send(1));
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 2), true, now), Offer::Send(2));
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 3), true, now), Offer::Queued);
        assert_eq!(out.next_ready(now, 0, &mut Vec::new()), None, "window is full");
        assert_eq!(out.puback(1).unwrap().payload[..], [1]);
        assert_eq!(out.next_ready(now, 0, &mut Vec::new()), Some(3));
        assert_eq!(out.puback(1), None, "already acknowledged");
    }

    #[test]
    fn offline_messages_queue_and_a_full_queue_drops() {
        let now = Instant::now();
        let mut out = Outgoing::new(10, 2);
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 1), false, now), Offer::Queued);
        assert_eq!(out.offer(msg(QoS::ExactlyOnce, 2), false, now), Offer::Queued);
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 3), false, now), Offer::Dropped);
        assert_eq!(out.dropped(), 1);
        assert_eq!(out.pending_by_qos(), (1, 1));
        // Coming back online, the queue drains in order before new messages.
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 4), true, now), Offer::Dropped);
        assert_eq!(out.next_ready(now, 0, &mut Vec::new()), Some(1));
        assert_eq!(out.next_ready(now, 0, &mut Vec::new()), Some(2));
    }

    #[test]
    fn qos2_goes_through_rec_and_comp_once() {
        let now = Instant::now();
        let mut out = Outgoing::new(10, 10);
        assert_eq!(out.offer(msg(QoS::ExactlyOnce, 1), true, now), Offer::Send(1));
        assert_eq!(out.puback(1), None, "PUBACK does not complete QoS 2");
        assert!(matches!(out.pubrec(1, now), RecResult::Released(m) if m.payload[..] == [1]));
        assert_eq!(out.pubrec(1, now), RecResult::AlreadyReleased);
        assert_eq!(out.pubrec(7, now), RecResult::Unknown);
        assert_eq!(out.pubcomp(1), Some(None));
        assert_eq!(out.pubcomp(1), None);
        assert_eq!(out.inflight_len(), 0);
    }

    #[test]
    fn packet_identifiers_skip_those_in_flight_and_wrap() {
        let now = Instant::now();
        let mut out = Outgoing::new(usize::from(u16::MAX), 0);
        out.next_pid = u16::MAX;
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 1), true, now), Offer::Send(u16::MAX));
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 2), true, now), Offer::Send(1));
        out.next_pid = u16::MAX;
        assert_eq!(out.offer(msg(QoS::AtLeastOnce, 3), true, now), Offer::Send(2), "skips 65535 and 1");
    }

    #[test]
    fn redelivery_is_due_after_ack_wait_in_send_order() {
        let start = Instant::now();
        let mut out = Outgoing::new(10, 10);
        out.offer(msg(QoS::AtLeastOnce, 1), true, start);
        out.offer(msg(QoS::ExactlyOnce, 2), true, start + Duration::from_secs(1));
        let wait = Duration::from_secs(5);
        assert!(out.due(start + Duration::from_secs(4), wait).is_empty());
        assert_eq!(out.due(start + Duration::from_secs(6), wait), [1, 2]);
        assert!(out.due(start + Duration::from_secs(7), wait).is_empty(), "timer restarted");
        out.detach();
        assert!(out.due(start + Duration::from_secs(60), wait).is_empty(), "nothing is due while away");
        assert_eq!(out.resend_all(start), [1, 2]);
    }

    #[test]
    fn expired_queued_messages_are_not_sent() {
        let now = Instant::now();
        let mut out = Outgoing::new(10, 10);
        let mut old = msg(QoS::AtLeastOnce, 1);
        old.expires_at = Some(100);
        out.offer(old, false, now);
        out.offer(msg(QoS::AtLeastOnce, 2), false, now);
        let mut expired = Vec::new();
        assert_eq!(out.next_ready(now, 200, &mut expired), Some(1));
        assert_eq!(expired.len(), 1);
        assert_eq!(out.get(1).map(|f| &f.phase), Some(&Phase::AwaitAck(msg(QoS::AtLeastOnce, 2))));
    }

    #[test]
    fn incoming_qos2_identifiers_are_remembered_until_released() {
        let mut inc = Incoming::default();
        assert!(!inc.contains(5));
        inc.insert(5, Some(9));
        assert!(inc.contains(5));
        assert_eq!(inc.release(5), Some(Some(9)));
        assert_eq!(inc.release(5), None);
        assert!(inc.is_empty());
    }
}
