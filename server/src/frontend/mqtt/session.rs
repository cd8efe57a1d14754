//! An MQTT session: the state that outlives a connection (subscriptions, QoS 1/2 messages in flight and
//! queued, incoming QoS 2 identifiers, a delayed Will) and the [`Subscriber`] through which the routing
//! core delivers to it.
//!
//! Each subscription of a session is a core [`Subscription`] on the mapped subject(s), whose sid is the
//! MQTT filter; the subscriptions stay in the sublist while the client is away, so QoS 1/2 messages
//! published meanwhile are queued (and persisted for persistent sessions) and delivered when it returns.
//! No JetStream consumer is involved: one session costs its subscriptions and its queue, nothing per
//! subscription beyond that.
//!
//! While a connection is attached ([`Link`]), deliveries are encoded straight into the connection's
//! outbound queue as PUBLISH frames: QoS 0 is sent or dropped, QoS 1/2 go through [`Outgoing`] (window,
//! packet identifiers, PUBACK/PUBREC/PUBCOMP). Subscriptions with No Local are held by a second
//! subscriber identity equal to the session's publishing origin, so the router's echo check skips them.
//!
//! Not here: reading packets and answering the client's own PUBLISH/SUBSCRIBE exchanges (`conn.rs`),
//! the session table, takeover and Will publication (`mod.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use tokio::time::{Duration, Instant};
use tracing::{debug, warn};

use switchyard_shared::mqtt::topic::{self, TopicError};
use switchyard_shared::mqtt::{
    self, Disconnect, Packet, Properties, ProtocolLevel, PubResponse, Publish, QoS, ReasonCode, SubscribeOptions, Will,
};

use super::message;
use super::monitor::{SessionInfo, SubscriptionInfo};
use super::persist::{Item, Persist, SessionRecord, SubRecord, WillRecord};
use super::qos::{Incoming, Offer, OutMsg, Outgoing, Phase, RecResult, StoreKey};
use super::retained::Retained;
use crate::core::conn::{now_nanos, Connection};
use crate::core::outbound::Push;
use crate::core::{ClientId, CloseReason, Msg, Router, SmallMap, Subscriber, Subscription};

/// What every session needs from the service, held without pointing back at it.
pub struct Shared {
    pub persist: Arc<dyn Persist>,
    /// Cap on QoS 1/2 messages in flight per session (`max_ack_pending`).
    pub max_ack_pending: usize,
    /// Cap on messages queued per session.
    pub max_queued: usize,
    /// QoS 1/2 messages dropped because a session's queue was full.
    pub dropped: AtomicU64,
    /// Messages not sent because they exceeded a client's Maximum Packet Size.
    pub too_large: AtomicU64,
}

/// The connection currently attached to a session.
pub struct Link {
    pub generation: u64,
    pub conn: Arc<Connection>,
    pub level: ProtocolLevel,
    /// The client's Maximum Packet Size.
    pub max_packet_size: usize,
    /// The client's Topic Alias Maximum: how many aliases we may assign towards it.
    pub topic_alias_max: u16,
    /// Topic aliases assigned towards the client (boxed: most clients allow none).
    #[allow(clippy::box_collection, reason = "one pointer instead of an empty map inline in every connection")]
    aliases: Option<Box<HashMap<String, u16>>>,
    /// The connection's Will, published if it ends without a normal DISCONNECT (boxed: most
    /// connections have none, and a Will with its properties is large).
    pub will: Option<Box<Will>>,
}

impl Link {
    pub fn new(
        generation: u64,
        conn: Arc<Connection>,
        level: ProtocolLevel,
        max_packet_size: usize,
        topic_alias_max: u16,
        will: Option<Will>,
    ) -> Self {
        let will = will.map(Box::new);
        Link { generation, conn, level, max_packet_size, topic_alias_max, aliases: None, will }
    }
}

/// One subscription of a session.
struct SubEntry {
    options: SubscribeOptions,
    sub_id: Option<u32>,
    /// The filter starts with a wildcard: it must not match `$` topics (MQTT-4.7.2-1).
    reserved: bool,
    /// Share name of a `$share/<group>/...` filter.
    group: Option<String>,
    /// The core subscriptions, each with its key in the connection's subscription map
    /// (`filter \0 subject`; the subscription's sid and subject are slices of it, one allocation).
    router: Vec<(Bytes, Arc<Subscription>)>,
}

/// A Will waiting for its delay to pass (MQTT 5 Will Delay Interval).
#[derive(Debug, Clone)]
pub struct PendingWill {
    pub will: Will,
    /// Unix nanoseconds.
    pub at: i64,
}

/// What a connection leaves behind when it detaches.
#[derive(Debug)]
pub struct Detached {
    pub will: Option<Box<Will>>,
    /// Session Expiry Interval in seconds (0: the session ends now).
    pub expiry: u32,
}

struct State {
    level: ProtocolLevel,
    /// Session Expiry Interval in seconds; 0 ends the session with its connection, `u32::MAX` never.
    expiry: u32,
    /// Subscriptions by filter (a [`SmallMap`]: most sessions hold one or a few).
    subs: SmallMap<String, SubEntry>,
    link: Option<Link>,
    out: Outgoing,
    incoming: Incoming,
    pending_will: Option<Box<PendingWill>>,
    disconnected_at: Option<i64>,
    generation: u64,
    /// Whether a record of this session is in the persistence layer.
    stored: bool,
    ended: bool,
}

/// One MQTT session, shared by the session table, its connection and its subscriptions.
pub struct Session {
    /// Shared with the session table's key.
    pub client_id: Arc<str>,
    shared: Arc<Shared>,
    /// Subscriber identity of subscriptions without No Local.
    plain_id: ClientId,
    /// Publishing origin of the session's connections, and subscriber identity of No Local ones.
    origin_id: ClientId,
    state: Mutex<State>,
}

/// The core's view of a session: a subscriber that queues PUBLISH frames.
struct SessionSubscriber {
    session: Arc<Session>,
    id: ClientId,
}

impl Subscriber for SessionSubscriber {
    fn id(&self) -> ClientId {
        self.id
    }

    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
        self.session.deliver(sub, msg)
    }

    fn flush(&self) {
        if let Some(conn) = self.session.state.lock().link.as_ref().map(|l| l.conn.clone()) {
            conn.outbound.flush();
        }
    }
}

/// The outcome of PUBREC for the connection to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubRecOutcome {
    /// PUBREL with success was queued.
    Released,
    /// No such QoS 2 message: PUBREL with "packet identifier not found" was queued.
    Unknown,
}

impl Session {
    pub fn new(
        client_id: Arc<str>,
        shared: Arc<Shared>,
        ids: (ClientId, ClientId),
        level: ProtocolLevel,
        expiry: u32,
    ) -> Arc<Self> {
        let out = Outgoing::new(shared.max_ack_pending, shared.max_queued);
        Arc::new(Session {
            client_id,
            plain_id: ids.0,
            origin_id: ids.1,
            state: Mutex::new(State {
                level,
                expiry,
                subs: SmallMap::new(),
                link: None,
                out,
                incoming: Incoming::default(),
                pending_will: None,
                disconnected_at: None,
                generation: 0,
                stored: false,
                ended: false,
            }),
            shared,
        })
    }

    /// The router origin for this session's publishes (No Local subscriptions skip it).
    pub fn origin_id(&self) -> ClientId {
        self.origin_id
    }

    pub fn is_persistent(&self) -> bool {
        self.state.lock().expiry > 0
    }

    pub fn is_connected(&self) -> bool {
        self.state.lock().link.is_some()
    }

    /// Session Expiry Interval in seconds.
    pub fn expiry(&self) -> u32 {
        self.state.lock().expiry
    }

    /// Whether the client is away and its Session Expiry Interval has passed at `now` (Unix
    /// nanoseconds).
    pub fn expired(&self, now: i64) -> bool {
        let st = self.state.lock();
        if st.link.is_some() || st.expiry == super::NEVER_EXPIRES || st.ended {
            return false;
        }
        st.disconnected_at.unwrap_or(now).saturating_add(i64::from(st.expiry) * 1_000_000_000) <= now
    }

    /// Sets protocol level and Session Expiry Interval for a new connection (and persists the record).
    pub fn configure(&self, level: ProtocolLevel, expiry: u32) {
        let mut st = self.state.lock();
        st.level = level;
        st.expiry = expiry;
        self.save(&mut st);
    }

    /// Changes the Session Expiry Interval (MQTT 5 DISCONNECT).
    pub fn set_expiry(&self, expiry: u32) {
        self.state.lock().expiry = expiry;
    }

    // ------------------------------------------------------------------------------------------
    // Connections coming and going.

    /// Attaches a connection (CONNACK must already be queued on it) and, under the same lock, so that no
    /// new delivery overtakes them, retransmits what the client has not acknowledged (PUBLISH with DUP
    /// in original order, PUBREL) and fills the window from the queue. Returns the connection's
    /// generation, what [`Session::detach`] takes. A connection still attached is replaced (the caller
    /// has normally taken it away with [`Session::kick`] already).
    pub fn attach(&self, mut link: Link, receive_maximum: u16) -> u64 {
        let mut st = self.state.lock();
        st.generation += 1;
        link.generation = st.generation;
        st.level = link.level;
        let window = usize::from(receive_maximum).min(self.shared.max_ack_pending);
        st.out.set_window(window);
        st.disconnected_at = None;
        if let Some(old) = st.link.replace(link) {
            old.conn.subs.lock().clear();
            st.out.detach();
            close_link(&old, ReasonCode::SessionTakenOver, CloseReason::DuplicateClientId);
        }
        if st.link.as_ref().is_some_and(|l| l.will.is_some()) {
            // The record keeps the connection's Will, to be published if the server stops under it.
            self.save(&mut st);
        }
        let State { subs, link, .. } = &mut *st;
        if let Some(link) = link {
            let mut conn_subs = link.conn.subs.lock();
            for e in subs.values() {
                register(&mut conn_subs, &e.router);
            }
        }
        let now = Instant::now();
        for pid in st.out.resend_all(now) {
            self.retransmit(&mut st, pid);
        }
        self.fill_window(&mut st);
        st.generation
    }

    /// Cancels a delayed Will (the client is back); returns whether there was one.
    pub fn cancel_pending_will(&self) -> bool {
        self.state.lock().pending_will.take().is_some()
    }

    /// Takes a delayed Will whose time has come at `now` (Unix nanoseconds).
    pub fn take_due_will(&self, now: i64) -> Option<Will> {
        let mut st = self.state.lock();
        if st.pending_will.as_ref().is_some_and(|w| w.at <= now) {
            let will = st.pending_will.take().map(|w| w.will);
            if st.stored {
                self.save(&mut st);
            }
            return will;
        }
        None
    }

    /// Sets a delayed Will, due at `at` (Unix nanoseconds), and persists it with the session.
    pub fn set_pending_will(&self, will: Will, at: i64) {
        let mut st = self.state.lock();
        st.pending_will = Some(Box::new(PendingWill { will, at }));
        self.save(&mut st);
    }

    /// Restores a persisted Will (server start): due at `at` (Unix nanoseconds), or at once if that
    /// has passed.
    pub fn restore_will(&self, will: Will, at: i64) {
        self.state.lock().pending_will = Some(Box::new(PendingWill { will, at }));
    }

    /// Drops the Will of the attached connection `generation` (normal DISCONNECT).
    pub fn clear_will(&self, generation: u64) {
        if let Some(link) = self.state.lock().link.as_mut().filter(|l| l.generation == generation) {
            link.will = None;
        }
    }

    /// Detaches the connection `generation` if it is still the attached one; `None` when it was taken
    /// over meanwhile (the new connection owns the session now).
    pub fn detach(&self, generation: u64) -> Option<Detached> {
        let mut st = self.state.lock();
        if st.link.as_ref().is_none_or(|l| l.generation != generation) {
            return None;
        }
        let link = st.link.take().expect("checked above");
        link.conn.subs.lock().clear();
        st.out.detach();
        st.disconnected_at = Some(now_nanos());
        if st.expiry > 0 {
            self.save(&mut st);
        }
        Some(Detached { will: link.will, expiry: st.expiry })
    }

    /// Takes the attached connection away (takeover or administrative close) and tells it why: MQTT 5
    /// clients get a DISCONNECT with `reason`. Returns the taken link.
    pub fn kick(&self, reason: ReasonCode, close: CloseReason) -> Option<Link> {
        let mut st = self.state.lock();
        let link = st.link.take()?;
        link.conn.subs.lock().clear();
        st.out.detach();
        st.disconnected_at = Some(now_nanos());
        drop(st);
        close_link(&link, reason, close);
        Some(link)
    }

    /// Ends the session: removes its subscriptions from the router, forgets every message and deletes
    /// its persisted state. Returns a delayed Will that must now be published.
    pub fn end(&self, router: &Router) -> Option<Will> {
        let mut st = self.state.lock();
        if st.ended {
            return None;
        }
        st.ended = true;
        let subs: Vec<Arc<Subscription>> =
            st.subs.take_values().into_iter().flat_map(|e| e.router.into_iter().map(|(_, s)| s)).collect();
        router.unsubscribe_all(subs.iter());
        if let Some(link) = &st.link {
            link.conn.subs.lock().clear();
        }
        st.out.clear();
        st.incoming.clear();
        if std::mem::take(&mut st.stored) {
            if let Err(e) = self.shared.persist.delete_session(&self.client_id) {
                warn!(client_id = %self.client_id, error = %e, "cannot delete persisted MQTT session");
            }
        }
        st.pending_will.take().map(|w| w.will)
    }

    // ------------------------------------------------------------------------------------------
    // Subscriptions.

    /// Adds or replaces the subscription for `filter` (as sent, `$share/...` included). Returns whether
    /// it existed before.
    pub fn subscribe(
        self: &Arc<Self>,
        router: &Router,
        filter: &str,
        options: SubscribeOptions,
        sub_id: Option<u32>,
    ) -> Result<bool, TopicError> {
        let (group, plain) = match topic::parse_shared(filter)? {
            Some(s) => (Some(s.group.to_owned()), s.filter),
            None => (None, filter),
        };
        let subjects = topic::filter_to_subjects(plain)?;
        let mut st = self.state.lock();
        if st.ended {
            return Ok(false);
        }
        if let Some(e) = st.subs.get_mut(filter) {
            let same_identity = e.options.no_local == options.no_local;
            e.options = options;
            e.sub_id = sub_id;
            if same_identity {
                self.save(&mut st);
                return Ok(true);
            }
        }
        let old = st.subs.remove(filter);
        let existed = old.is_some();
        let id = if options.no_local { self.origin_id } else { self.plain_id };
        let client: Arc<dyn Subscriber> = Arc::new(SessionSubscriber { session: self.clone(), id });
        let queue = group.as_ref().map(|g| Bytes::copy_from_slice(g.as_bytes()));
        let router_subs: Vec<(Bytes, Arc<Subscription>)> = subjects
            .iter()
            .map(|s| {
                let key = conn_key(filter.as_bytes(), s.as_bytes());
                let (sid, subject) = (key.slice(..filter.len()), key.slice(filter.len() + 1..));
                (key, Arc::new(Subscription::new(client.clone(), subject, queue.clone(), sid)))
            })
            .collect();
        for (_, s) in &router_subs {
            router.subscribe(s.clone());
        }
        if let Some(old) = old {
            router.unsubscribe_all(old.router.iter().map(|(_, s)| s));
        }
        if let Some(link) = &st.link {
            let mut conn_subs = link.conn.subs.lock();
            conn_subs.retain(|k, _| !is_key_of(k, filter));
            register(&mut conn_subs, &router_subs);
        }
        let reserved = plain.starts_with('+') || plain.starts_with('#');
        st.subs.insert(filter.to_owned(), SubEntry { options, sub_id, reserved, group, router: router_subs });
        self.save(&mut st);
        Ok(existed)
    }

    /// Removes the subscription for `filter`; false if there was none.
    pub fn unsubscribe(&self, router: &Router, filter: &str) -> bool {
        let mut st = self.state.lock();
        let Some(e) = st.subs.remove(filter) else {
            return false;
        };
        router.unsubscribe_all(e.router.iter().map(|(_, s)| s));
        if let Some(link) = &st.link {
            link.conn.subs.lock().retain(|k, _| !is_key_of(k, filter));
        }
        self.save(&mut st);
        true
    }

    /// Restores subscriptions from a persisted record (server start).
    pub fn restore_subs(self: &Arc<Self>, router: &Router, subs: &[SubRecord]) {
        for s in subs {
            let options = SubscribeOptions {
                qos: QoS::from_u8(s.qos).unwrap_or(QoS::AtMostOnce),
                no_local: s.no_local,
                retain_as_published: s.retain_as_published,
                ..SubscribeOptions::default()
            };
            if let Err(e) = self.subscribe(router, &s.filter, options, s.sub_id) {
                warn!(client_id = %self.client_id, filter = %s.filter, error = %e, "dropping invalid stored subscription");
            }
        }
    }

    /// Restores persisted items (server start). Items come in the order they were stored.
    pub fn restore_items(&self, items: Vec<(StoreKey, Item)>) {
        let mut st = self.state.lock();
        st.stored = true;
        for (key, item) in items {
            match item {
                Item::Msg { pid, mut msg } => {
                    msg.key = Some(key);
                    if pid != 0 && st.out.get(pid).is_none() {
                        st.out.restore_inflight(pid, *msg);
                    } else {
                        st.out.restore_queued(*msg);
                    }
                }
                Item::PubRel { pid } => st.out.restore_pubrel(pid, Some(key)),
                Item::Qos2In { pid } => st.incoming.insert(pid, Some(key)),
            }
        }
    }

    /// Marks the session as stored and sets when its client left (server start).
    pub fn restore_state(&self, disconnected_at: i64) {
        let mut st = self.state.lock();
        st.stored = true;
        st.disconnected_at = Some(disconnected_at);
    }

    // ------------------------------------------------------------------------------------------
    // Delivery.

    /// The router's delivery for subscription `sub` (sid = filter).
    fn deliver(&self, sub: &Subscription, msg: &Msg<'_>) -> bool {
        let Ok(filter) = std::str::from_utf8(&sub.sid) else {
            return false;
        };
        let Ok(subject) = std::str::from_utf8(msg.subject) else {
            return false;
        };
        let mut st = self.state.lock();
        let v5 = st.level == ProtocolLevel::V5;
        let Some(entry) = st.subs.get(filter) else {
            return false;
        };
        if entry.reserved && subject.starts_with('$') {
            return false;
        }
        let meta = message::from_nats(msg.headers, v5);
        // A message from a NATS client has no QoS of its own: it is delivered at the granted QoS.
        let qos = meta.qos.unwrap_or(QoS::ExactlyOnce).min(entry.options.qos);
        let retain = entry.options.retain_as_published && meta.retain;
        let mut props = meta.props;
        let expires_at = props.message_expiry_interval.take().map(|s| now_nanos() + i64::from(s) * 1_000_000_000);
        if v5 {
            if let Some(reply) = msg.reply.and_then(|r| std::str::from_utf8(r).ok()) {
                props.response_topic = Some(topic::subject_to_topic(reply));
            }
            props.subscription_identifiers.extend(entry.sub_id);
        }
        let out = OutMsg {
            topic: topic::subject_to_topic(subject),
            payload: msg.payload.clone(),
            qos,
            retain,
            props: (!props.is_empty()).then(|| Box::new(props)),
            expires_at,
            key: None,
        };
        self.offer(&mut st, out)
    }

    /// Delivers retained messages matching a new subscription of `filter`. Returns true when bytes were
    /// queued.
    pub fn deliver_retained(&self, filter: &str, msgs: &[Retained]) -> bool {
        let now = now_nanos();
        let mut st = self.state.lock();
        let Some(entry) = st.subs.get(filter) else {
            return false;
        };
        let (granted, sub_id) = (entry.options.qos, entry.sub_id);
        let v5 = st.level == ProtocolLevel::V5;
        let mut flush = false;
        for r in msgs {
            if r.expires_at.is_some_and(|at| at <= now) {
                continue;
            }
            let mut props = if v5 { r.props.clone() } else { Default::default() };
            if v5 {
                props.subscription_identifiers.extend(sub_id);
            }
            let out = OutMsg {
                topic: r.topic.clone(),
                payload: r.payload.clone(),
                qos: r.qos.min(granted),
                retain: true,
                props: (!props.is_empty()).then(|| Box::new(props)),
                expires_at: r.expires_at,
                key: None,
            };
            flush |= self.offer(&mut st, out);
        }
        flush
    }

    /// Sends or queues one message. Returns true when bytes were queued on the connection.
    fn offer(&self, st: &mut State, mut msg: OutMsg) -> bool {
        if st.ended {
            return false;
        }
        if msg.qos == QoS::AtMostOnce {
            let Some(link) = st.link.as_mut() else {
                return false;
            };
            return matches!(self.send_publish(link, 0, &msg, false), Sent::Queued(true));
        }
        let online = st.link.is_some();
        let now = Instant::now();
        let reserved = st.out.reserve(online);
        let pid = match reserved {
            Offer::Send(pid) => pid,
            Offer::Queued => 0,
            Offer::Dropped => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                debug!(client_id = %self.client_id, "MQTT session queue full, message dropped");
                return false;
            }
        };
        if st.expiry > 0 {
            self.ensure_stored(st);
            let item = Item::Msg { pid, msg: Box::new(msg) };
            let key = self.persist_item(&item);
            let Item::Msg { msg: m, .. } = item else { unreachable!("built above") };
            msg = *m;
            msg.key = key;
        }
        if pid == 0 {
            st.out.push_queued(msg);
            return false;
        }
        let sent = {
            let link = st.link.as_mut().expect("online");
            self.send_publish(link, pid, &msg, false)
        };
        match sent {
            Sent::TooLarge => {
                // Discarded as if delivered (MQTT-3.1.2-25).
                self.remove_key(msg.key);
                false
            }
            Sent::Queued(flush) => {
                st.out.insert_sent(pid, msg, now);
                flush
            }
            Sent::Closed => {
                st.out.insert_sent(pid, msg, now);
                false
            }
        }
    }

    /// Moves queued messages into the window while there is room and a connection.
    fn fill_window(&self, st: &mut State) -> bool {
        if st.link.is_none() {
            return false;
        }
        let mut flush = false;
        let mut expired = Vec::new();
        let now = Instant::now();
        while let Some(pid) = st.out.next_ready(now, now_nanos(), &mut expired) {
            let Some(Phase::AwaitAck(msg) | Phase::AwaitRec(msg)) = st.out.get(pid).map(|f| f.phase.clone()) else {
                continue;
            };
            if msg.qos == QoS::ExactlyOnce && st.expiry > 0 {
                // Re-store with its packet identifier, so a restart retransmits under the same one.
                let key = self.persist_item(&Item::Msg { pid, msg: Box::new(msg.clone()) });
                self.remove_key(msg.key);
                st.out.set_key(pid, key);
            }
            let link = st.link.as_mut().expect("checked above");
            match self.send_publish(link, pid, &msg, false) {
                Sent::Queued(f) => flush |= f,
                Sent::TooLarge => {
                    if let Some(Phase::AwaitAck(m) | Phase::AwaitRec(m)) = st.out.remove(pid).map(|f| f.phase) {
                        self.remove_key(m.key);
                    }
                }
                Sent::Closed => break,
            }
        }
        for m in expired {
            self.remove_key(m.key);
        }
        flush
    }

    /// Sends again what is in flight under `pid`: the PUBLISH with DUP, or the PUBREL.
    fn retransmit(&self, st: &mut State, pid: u16) -> bool {
        let phase = st.out.get(pid).map(|f| f.phase.clone());
        let Some(link) = st.link.as_mut() else {
            return false;
        };
        match phase {
            Some(Phase::AwaitAck(msg) | Phase::AwaitRec(msg)) => {
                matches!(self.send_publish(link, pid, &msg, true), Sent::Queued(true))
            }
            Some(Phase::AwaitComp { .. }) => send_packet(link, &Packet::PubRel(PubResponse::success(pid))),
            None => false,
        }
    }

    /// MQTT 3.1.1 redelivery: PUBLISH (DUP) and PUBREL not acknowledged within `ack_wait`.
    pub fn redeliver_due(&self, ack_wait: Duration) -> bool {
        let mut st = self.state.lock();
        if st.link.is_none() {
            return false;
        }
        let mut flush = false;
        for pid in st.out.due(Instant::now(), ack_wait) {
            flush |= self.retransmit(&mut st, pid);
        }
        flush
    }

    /// Whether messages sent to the client wait for its acknowledgement.
    pub fn has_in_flight(&self) -> bool {
        self.state.lock().out.inflight_len() > 0
    }

    /// PUBACK from the client.
    pub fn puback(&self, pid: u16) -> bool {
        let mut st = self.state.lock();
        match st.out.puback(pid) {
            Some(m) => {
                self.remove_key(m.key);
                self.fill_window(&mut st)
            }
            None => false,
        }
    }

    /// PUBREC from the client: the message is delivered; PUBREL is queued.
    pub fn pubrec(&self, pid: u16) -> PubRecOutcome {
        let mut st = self.state.lock();
        let outcome = match st.out.pubrec(pid, Instant::now()) {
            RecResult::Released(msg) => {
                if st.expiry > 0 {
                    let key = self.persist_item(&Item::PubRel { pid });
                    st.out.set_key(pid, key);
                }
                self.remove_key(msg.key);
                PubRecOutcome::Released
            }
            RecResult::AlreadyReleased => PubRecOutcome::Released,
            RecResult::Unknown => PubRecOutcome::Unknown,
        };
        if let Some(link) = st.link.as_mut() {
            let reason = match outcome {
                PubRecOutcome::Released => ReasonCode::Success,
                PubRecOutcome::Unknown => ReasonCode::PacketIdentifierNotFound,
            };
            let rel = PubResponse { packet_id: pid, reason, properties: Default::default() };
            send_packet(link, &Packet::PubRel(rel));
        }
        outcome
    }

    /// PUBREC with an error reason (MQTT 5): the client refused the QoS 2 message; no PUBREL follows.
    pub fn pubrec_refused(&self, pid: u16) -> bool {
        let mut st = self.state.lock();
        if !matches!(st.out.get(pid).map(|f| &f.phase), Some(Phase::AwaitRec(_))) {
            return false;
        }
        if let Some(Phase::AwaitRec(m)) = st.out.remove(pid).map(|f| f.phase) {
            self.remove_key(m.key);
        }
        self.fill_window(&mut st)
    }

    /// PUBCOMP from the client: the QoS 2 exchange is over.
    pub fn pubcomp(&self, pid: u16) -> bool {
        let mut st = self.state.lock();
        match st.out.pubcomp(pid) {
            Some(key) => {
                self.remove_key(key);
                self.fill_window(&mut st)
            }
            None => false,
        }
    }

    // ------------------------------------------------------------------------------------------
    // Incoming QoS 2.

    /// Whether an incoming QoS 2 PUBLISH with `pid` was already routed.
    pub fn incoming_seen(&self, pid: u16) -> bool {
        self.state.lock().incoming.contains(pid)
    }

    /// How many incoming QoS 2 exchanges wait for PUBREL.
    pub fn incoming_len(&self) -> usize {
        self.state.lock().incoming.len()
    }

    /// Records a routed incoming QoS 2 PUBLISH.
    pub fn incoming_insert(&self, pid: u16) {
        let mut st = self.state.lock();
        let key = if st.expiry > 0 {
            self.ensure_stored(&mut st);
            self.persist_item(&Item::Qos2In { pid })
        } else {
            None
        };
        st.incoming.insert(pid, key);
    }

    /// PUBREL: forgets `pid`; false when it was unknown.
    pub fn incoming_release(&self, pid: u16) -> bool {
        let mut st = self.state.lock();
        match st.incoming.release(pid) {
            Some(key) => {
                self.remove_key(key);
                true
            }
            None => false,
        }
    }

    // ------------------------------------------------------------------------------------------
    // Encoding.

    /// Encodes a PUBLISH for the attached connection and queues it.
    fn send_publish(&self, link: &mut Link, pid: u16, msg: &OutMsg, dup: bool) -> Sent {
        let now = now_nanos();
        let mut props = Default::default();
        if link.level == ProtocolLevel::V5 {
            props = msg.props.as_deref().cloned().unwrap_or_default();
            if let Some(at) = msg.expires_at {
                let left = (at - now).max(0) as u64;
                props.message_expiry_interval = Some(left.div_ceil(1_000_000_000).min(u64::from(u32::MAX)) as u32);
            }
        }
        let mut publish = Publish {
            dup: dup && msg.qos != QoS::AtMostOnce,
            qos: msg.qos,
            retain: msg.retain,
            topic: msg.topic.clone(),
            packet_id: pid,
            properties: props,
            payload: Bytes::new(),
        };
        let Ok(mut head) = publish_head(&publish, msg.payload.len(), link.level) else {
            debug!(client_id = %self.client_id, topic = %msg.topic, "message cannot be sent as MQTT");
            return Sent::TooLarge;
        };
        if head.len() + msg.payload.len() > link.max_packet_size {
            self.shared.too_large.fetch_add(1, Ordering::Relaxed);
            return Sent::TooLarge;
        }
        if link.topic_alias_max > 0 {
            let aliases = link.aliases.get_or_insert_with(Box::default);
            match aliases.get(&msg.topic) {
                Some(&alias) => {
                    publish.topic = String::new();
                    publish.properties.topic_alias = Some(alias);
                }
                None => {
                    let next = aliases.len() + 1;
                    if next <= usize::from(link.topic_alias_max) {
                        let alias = next as u16;
                        aliases.insert(msg.topic.clone(), alias);
                        publish.properties.topic_alias = Some(alias);
                    }
                }
            }
            if publish.properties.topic_alias.is_some() {
                match publish_head(&publish, msg.payload.len(), link.level) {
                    Ok(h) => head = h,
                    Err(_) => return Sent::TooLarge,
                }
            }
        }
        match link.conn.outbound.push_frame(&head, &msg.payload, msg.payload.len()) {
            Push::Queued { flush } => Sent::Queued(flush),
            Push::Closed => Sent::Closed,
        }
    }

    // ------------------------------------------------------------------------------------------
    // Persistence.

    fn persist_item(&self, item: &Item) -> Option<StoreKey> {
        match self.shared.persist.add_item(&self.client_id, item) {
            Ok(k) => Some(k),
            Err(e) => {
                warn!(client_id = %self.client_id, error = %e, "cannot persist MQTT session item");
                None
            }
        }
    }

    fn remove_key(&self, key: Option<StoreKey>) {
        if let Some(key) = key {
            if let Err(e) = self.shared.persist.remove_item(&self.client_id, key) {
                warn!(client_id = %self.client_id, error = %e, "cannot remove persisted MQTT session item");
            }
        }
    }

    fn ensure_stored(&self, st: &mut State) {
        if !st.stored {
            self.save(st);
        }
    }

    /// Writes the session record, for persistent sessions.
    fn save(&self, st: &mut State) {
        if st.expiry == 0 || st.ended {
            return;
        }
        let rec = record(&self.client_id, st);
        match self.shared.persist.save_session(&rec) {
            Ok(()) => st.stored = true,
            Err(e) => warn!(client_id = %self.client_id, error = %e, "cannot persist MQTT session"),
        }
    }

    // ------------------------------------------------------------------------------------------
    // Monitoring.

    pub fn info(&self) -> SessionInfo {
        let st = self.state.lock();
        let (pending_qos1, pending_qos2) = st.out.pending_by_qos();
        let mut subscriptions: Vec<SubscriptionInfo> = st
            .subs
            .iter()
            .map(|(filter, e)| SubscriptionInfo {
                filter: filter.clone(),
                qos: e.options.qos.as_u8(),
                subjects: e.router.iter().map(|(_, s)| String::from_utf8_lossy(&s.subject).into_owned()).collect(),
                queue_group: e.group.clone(),
                no_local: e.options.no_local,
                retain_as_published: e.options.retain_as_published,
                subscription_identifier: e.sub_id,
            })
            .collect();
        subscriptions.sort_by(|a, b| a.filter.cmp(&b.filter));
        SessionInfo {
            client_id: self.client_id.to_string(),
            connected: st.link.is_some(),
            cid: st.link.as_ref().map(|l| l.conn.cid),
            protocol_level: st.level.as_u8(),
            persistent: st.expiry > 0,
            session_expiry_interval: st.expiry,
            disconnected_at: st.disconnected_at,
            subscriptions,
            inflight: st.out.inflight_len(),
            queued: st.out.queued_len(),
            pending_qos1,
            pending_qos2,
            incoming_qos2: st.incoming.len(),
            dropped: st.out.dropped(),
            will_pending: st.pending_will.is_some(),
        }
    }
}

/// What happened to a PUBLISH handed to the connection.
enum Sent {
    /// Queued; true when the writer must be woken.
    Queued(bool),
    /// Larger than the client accepts (or not representable): not sent.
    TooLarge,
    /// The connection is closing.
    Closed,
}

/// The PUBLISH packet up to its payload, with the remaining length counting `payload_len` more bytes,
/// so the payload can be queued by reference.
fn publish_head(p: &Publish, payload_len: usize, level: ProtocolLevel) -> Result<BytesMut, mqtt::MqttError> {
    let mut tmp = BytesMut::with_capacity(16 + p.topic.len());
    mqtt::encode(&Packet::Publish(p.clone()), level, &mut tmp)?;
    if payload_len == 0 {
        return Ok(tmp);
    }
    let mut len = 0usize;
    let mut n = 0;
    while n < 4 {
        let b = tmp[1 + n];
        len |= usize::from(b & 0x7f) << (7 * n);
        n += 1;
        if b & 0x80 == 0 {
            break;
        }
    }
    let total = len + payload_len;
    if total > mqtt::decode::MAX_VARINT as usize {
        return Err(mqtt::MqttError::PacketTooLarge { size: total, max: mqtt::decode::MAX_VARINT as usize });
    }
    let mut head = BytesMut::with_capacity(tmp.len() + 4);
    head.extend_from_slice(&tmp[..1]);
    let mut v = total;
    loop {
        let mut b = (v & 0x7f) as u8;
        v >>= 7;
        if v > 0 {
            b |= 0x80;
        }
        head.extend_from_slice(&[b]);
        if v == 0 {
            break;
        }
    }
    head.extend_from_slice(&tmp[1 + n..]);
    Ok(head)
}

/// Encodes and queues a control packet on a link. Returns true when the writer must be woken.
pub fn send_packet(link: &Link, packet: &Packet) -> bool {
    send_to(&link.conn, link.level, packet)
}

/// Encodes and queues a control packet on a connection.
pub fn send_to(conn: &Connection, level: ProtocolLevel, packet: &Packet) -> bool {
    let mut buf = BytesMut::with_capacity(16);
    if let Err(e) = mqtt::encode(packet, level, &mut buf) {
        warn!(cid = conn.cid, error = %e, packet = %packet.packet_type(), "cannot encode MQTT packet");
        return false;
    }
    matches!(conn.outbound.push_bytes(&buf), Push::Queued { flush: true })
}

/// Tells a link's client it is being disconnected (MQTT 5 DISCONNECT with `reason`) and closes it.
pub fn close_link(link: &Link, reason: ReasonCode, close: CloseReason) {
    if link.level == ProtocolLevel::V5 {
        let why = match reason {
            ReasonCode::SessionTakenOver => "another connection took the session over",
            ReasonCode::AdministrativeAction => "disconnected by an administrator",
            _ => "disconnected by the server",
        };
        let properties = Properties { reason_string: Some(why.to_owned()), ..Properties::default() };
        send_packet(link, &Packet::Disconnect(Disconnect { reason, properties }));
    }
    link.conn.outbound.close(close);
}

fn record(client_id: &str, st: &State) -> SessionRecord {
    let will = match (st.link.as_ref().and_then(|l| l.will.as_ref()), &st.pending_will) {
        (Some(will), _) => Some(WillRecord::new(will, None)),
        (None, Some(p)) => Some(WillRecord::new(&p.will, Some(p.at))),
        (None, None) => None,
    };
    let will = will
        .and_then(|r| r.map_err(|e| warn!(client_id, error = %e, "cannot persist the Will of an MQTT session")).ok());
    let mut subs: Vec<SubRecord> = st
        .subs
        .iter()
        .map(|(filter, e)| SubRecord {
            filter: filter.clone(),
            qos: e.options.qos.as_u8(),
            no_local: e.options.no_local,
            retain_as_published: e.options.retain_as_published,
            sub_id: e.sub_id,
        })
        .collect();
    subs.sort_by(|a, b| a.filter.cmp(&b.filter));
    SessionRecord {
        client_id: client_id.to_owned(),
        level: st.level.as_u8(),
        expiry: st.expiry,
        subs,
        disconnected_at: if st.link.is_some() { None } else { st.disconnected_at },
        will,
    }
}

/// Registers router subscriptions in a connection's subscription map (for `/connz`), keyed by filter
/// and subject.
fn register(conn_subs: &mut SmallMap<Bytes, Arc<Subscription>>, subs: &[(Bytes, Arc<Subscription>)]) {
    for (key, s) in subs {
        conn_subs.insert(key.clone(), s.clone());
    }
}

/// `filter \0 subject`: a subscription's key in its connection's map, and the one allocation its sid
/// (the filter) and subject are sliced from.
fn conn_key(filter: &[u8], subject: &[u8]) -> Bytes {
    let mut k = Vec::with_capacity(filter.len() + subject.len() + 1);
    k.extend_from_slice(filter);
    k.push(0);
    k.extend_from_slice(subject);
    Bytes::from(k)
}

fn is_key_of(key: &[u8], filter: &str) -> bool {
    key.len() > filter.len() && key.starts_with(filter.as_bytes()) && key[filter.len()] == 0
}
