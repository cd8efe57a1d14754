//! Client connect and disconnect events: the registry's [`ConnObserver`] turns each life-cycle event
//! into a [`ClientEvent`] and queues it for the system task, which publishes it on
//! `$SYS.ACCOUNT.<account>.CONNECT` / `DISCONNECT`.
//!
//! The observer runs on the connection's own task: it only copies a few fields and queues them with
//! `try_send` on a bounded channel (a full queue drops the event and counts it), so routing never waits
//! for events. As in nats-server, only connections that completed their handshake produce events, and
//! a disconnect only follows a connect.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tokio::sync::mpsc;

use switchyard_shared::api::monitor::{DataStats, MsgBytes};
use switchyard_shared::time::Timestamp;

use super::messages::ClientInfo;
use crate::core::conn::{now_nanos, ClosedConn, ConnObserver, Connection};
use crate::core::{ClientId, Kind};
use crate::monitor::connz::GLOBAL_ACCOUNT;

/// Events waiting for the system task; more are dropped.
pub const EVENT_QUEUE: usize = 4096;

/// One connection event, ready to publish.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    Connect {
        account: String,
        client: ClientInfo,
    },
    Disconnect {
        account: String,
        client: ClientInfo,
        /// What the client sent (its inbound counters).
        sent: DataStats,
        /// What the client received.
        received: DataStats,
        reason: String,
    },
}

/// The registry observer that feeds the system task.
pub struct EventObserver {
    tx: mpsc::Sender<ClientEvent>,
    announced: Mutex<HashSet<ClientId>>,
    dropped: AtomicU64,
}

impl EventObserver {
    pub fn new(tx: mpsc::Sender<ClientEvent>) -> Self {
        EventObserver { tx, announced: Mutex::new(HashSet::new()), dropped: AtomicU64::new(0) }
    }

    /// Events dropped because the system task fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn queue(&self, event: ClientEvent) {
        if self.tx.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn account_of(account: &str) -> String {
    if account.is_empty() {
        GLOBAL_ACCOUNT.to_owned()
    } else {
        account.to_owned()
    }
}

fn msg_bytes(msgs: u64, bytes: u64) -> DataStats {
    DataStats {
        total: MsgBytes {
            msgs: i64::try_from(msgs).unwrap_or(i64::MAX),
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        },
        ..Default::default()
    }
}

impl ConnObserver for EventObserver {
    fn connected(&self, conn: &Connection) {
        if conn.kind == Kind::Internal || !self.announced.lock().insert(conn.cid) {
            return;
        }
        let meta = conn.meta();
        let account = account_of(&meta.account);
        let client = ClientInfo {
            start: Some(Timestamp::from_unix_nanos(conn.start)),
            host: conn.addr.ip().to_string(),
            id: conn.cid,
            account: account.clone(),
            user: meta.user,
            name: meta.name,
            lang: meta.lang,
            version: meta.version,
            kind: conn.kind.as_str().to_owned(),
            client_type: conn.kind.type_str().to_owned(),
            mqtt_client: meta.mqtt_client,
            ..Default::default()
        };
        self.queue(ClientEvent::Connect { account, client });
    }

    fn closed(&self, c: &ClosedConn) {
        if !self.announced.lock().remove(&c.cid) {
            return;
        }
        let account = account_of(&c.meta.account);
        let client = ClientInfo {
            start: Some(Timestamp::from_unix_nanos(c.start)),
            stop: Some(Timestamp::from_unix_nanos(if c.stop > 0 { c.stop } else { now_nanos() })),
            host: c.addr.ip().to_string(),
            id: c.cid,
            account: account.clone(),
            user: c.meta.user.clone(),
            name: c.meta.name.clone(),
            lang: c.meta.lang.clone(),
            version: c.meta.version.clone(),
            rtt: c.rtt,
            kind: c.kind.as_str().to_owned(),
            client_type: c.kind.type_str().to_owned(),
            mqtt_client: c.meta.mqtt_client.clone(),
            ..Default::default()
        };
        self.queue(ClientEvent::Disconnect {
            account,
            client,
            sent: msg_bytes(c.in_msgs, c.in_bytes),
            received: msg_bytes(c.out_msgs, c.out_bytes),
            reason: c.reason.as_str().to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::conn::Registry;
    use crate::core::CloseReason;
    use std::sync::Arc;

    #[test]
    fn disconnect_follows_only_an_announced_connect() {
        let (tx, mut rx) = mpsc::channel(8);
        let reg = Registry::new(4);
        assert!(reg.set_observer(Arc::new(EventObserver::new(tx))));
        let addr = "127.0.0.1:5000".parse().unwrap();
        let silent = Arc::new(Connection::new(reg.next_cid(), Kind::Client, addr, 1024));
        reg.add(silent.clone());
        reg.remove(&silent, CloseReason::AuthenticationViolation);
        assert!(rx.try_recv().is_err(), "never connected: no events");

        let conn = Arc::new(Connection::new(reg.next_cid(), Kind::Client, addr, 1024));
        conn.update_meta(|meta| meta.name = "app".into());
        reg.add(conn.clone());
        reg.connected(&conn);
        conn.in_msgs.store(3, Ordering::Relaxed);
        reg.remove(&conn, CloseReason::ClientClosed);
        match rx.try_recv().unwrap() {
            ClientEvent::Connect { account, client } => {
                assert_eq!(account, "$G");
                assert_eq!((client.id, client.name.as_str(), client.kind.as_str()), (conn.cid, "app", "Client"));
            }
            other => panic!("{other:?}"),
        }
        match rx.try_recv().unwrap() {
            ClientEvent::Disconnect { reason, sent, client, .. } => {
                assert_eq!(reason, "Client Closed");
                assert_eq!(sent.total.msgs, 3);
                assert!(client.stop.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
