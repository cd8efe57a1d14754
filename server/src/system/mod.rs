//! The system service: `$SYS` events and requests, for tools that discover and watch servers over
//! NATS (natscli `nats server ...`, NUI, nats-surveyor).
//!
//! - Requests: `$SYS.REQ.SERVER.PING` (statistics, the legacy form), `$SYS.REQ.SERVER.PING.<EP>` (all
//!   servers answer) and `$SYS.REQ.SERVER.<id>.<EP>` (this server) for `EP` in `IDZ`, `STATSZ`,
//!   `VARZ`, `CONNZ`, `SUBSZ`, `ROUTEZ`, `GATEWAYZ`, `LEAFZ`, `ACCOUNTZ`, `JSZ`, `HEALTHZ`, plus the
//!   account-scoped `$SYS.REQ.ACCOUNT.<account>.CONNZ` and `.SUBSZ`. The body may hold the endpoint's
//!   options as JSON (nats-server's names) and server filters; the reply is
//!   `{"server":{…},"data":{…}}` (or `"error"`), except `IDZ` (`{"name","host","id"}`) and `STATSZ`
//!   (`{"server":{…},"statsz":{…}}`).
//! - Events: `$SYS.ACCOUNT.<account>.CONNECT` / `DISCONNECT` when clients come and go (see
//!   [`events`]), and `$SYS.SERVER.<id>.STATSZ` periodically (after 250 ms, then doubling up to every
//!   10 s, as nats-server) while someone listens.
//!
//! One internal client answers requests and publishes events through its own [`Outbox`]. Until
//! accounts have subject spaces of their own, it subscribes on the global router; all subscriptions
//! are made in [`subscribe_requests`], which is what moves to the system account's router later.

pub mod events;
pub mod messages;
mod requests;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use switchyard_shared::api::monitor::{DataStats, MsgBytes};
use switchyard_shared::time::Timestamp;

use crate::core::conn::now_nanos;
use crate::core::internal::{InternalClient, Outbox};
use crate::core::{Router, Subscription};
use crate::server::{Server, NATS_VERSION};
use events::{ClientEvent, EventObserver, EVENT_QUEUE};
use messages::{
    ConnectEventMsg, DisconnectEventMsg, ServerInfo, ServerStats, ServerStatsMsg, TypedEvent, CONNECT_EVENT_TYPE,
    DISCONNECT_EVENT_TYPE, FLAG_JETSTREAM,
};

/// Longest interval between periodic `STATSZ` messages.
pub const STATSZ_INTERVAL: Duration = Duration::from_secs(10);
/// Delay of the first periodic `STATSZ`; the interval doubles from here up to [`STATSZ_INTERVAL`].
pub const STATSZ_FIRST: Duration = Duration::from_millis(250);
/// Bytes of requests the system service may have queued before it refuses more.
const INBOX_BYTES: usize = 16 << 20;

/// The endpoints answered on `$SYS.REQ.SERVER.PING.<EP>` and `$SYS.REQ.SERVER.<id>.<EP>`.
pub const SERVER_ENDPOINTS: &[&str] =
    &["IDZ", "STATSZ", "VARZ", "CONNZ", "SUBSZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "HEALTHZ"];
/// The endpoints answered on `$SYS.REQ.ACCOUNT.<account>.<EP>` (subscription id `ACC.<EP>`).
pub const ACCOUNT_ENDPOINTS: &[&str] = &["CONNZ", "SUBSZ"];

/// The subject of periodic statistics.
pub fn statsz_subject(server_id: &str) -> String {
    format!("$SYS.SERVER.{server_id}.STATSZ")
}

/// Subscribes `client` to every request subject; the subscription id names the endpoint.
pub fn subscribe_requests(client: &Arc<InternalClient>, router: &Router, server_id: &str) -> Vec<Arc<Subscription>> {
    let mut subs = vec![client.subscribe(router, "$SYS.REQ.SERVER.PING", None, "STATSZ")];
    for ep in SERVER_ENDPOINTS {
        subs.push(client.subscribe(router, &format!("$SYS.REQ.SERVER.PING.{ep}"), None, ep));
        subs.push(client.subscribe(router, &format!("$SYS.REQ.SERVER.{server_id}.{ep}"), None, ep));
    }
    for ep in ACCOUNT_ENDPOINTS {
        subs.push(client.subscribe(router, &format!("$SYS.REQ.ACCOUNT.*.{ep}"), None, &format!("ACC.{ep}")));
    }
    subs
}

/// Starts the system service: registers the connection-event observer and spawns the service task.
pub fn start(server: &Arc<Server>, tasks: &mut JoinSet<()>) {
    let (tx, rx) = mpsc::channel(EVENT_QUEUE);
    server.registry.set_observer(Arc::new(EventObserver::new(tx)));
    let id = server.registry.next_cid();
    let client = InternalClient::new(id, INBOX_BYTES);
    subscribe_requests(&client, &server.router, &server.server_id);
    let system = System { outbox: Outbox::new(server.router.clone(), id), server: server.clone(), seq: 0 };
    tasks.spawn(system.run(client, rx));
}

/// The service task's state.
struct System {
    server: Arc<Server>,
    outbox: Outbox,
    seq: u64,
}

fn data_stats(msgs: u64, bytes: u64) -> DataStats {
    DataStats {
        total: MsgBytes {
            msgs: i64::try_from(msgs).unwrap_or(i64::MAX),
            bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        },
        ..Default::default()
    }
}

impl System {
    async fn run(mut self, client: Arc<InternalClient>, mut events: mpsc::Receiver<ClientEvent>) {
        let shutdown = self.server.shutdown.clone();
        let mut statsz_delay = STATSZ_FIRST;
        let mut next_statsz = Instant::now() + statsz_delay;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                batch = client.next_batch() => {
                    for msg in batch {
                        self.handle_request(msg);
                    }
                }
                Some(event) = events.recv() => {
                    self.publish_event(event);
                    while let Ok(event) = events.try_recv() {
                        self.publish_event(event);
                    }
                }
                _ = tokio::time::sleep_until(next_statsz) => {
                    let subject = statsz_subject(&self.server.server_id);
                    if self.server.router.sublist().has_interest(subject.as_bytes()) {
                        self.send_statsz(&subject);
                    }
                    statsz_delay = (statsz_delay * 2).min(STATSZ_INTERVAL);
                    next_statsz = Instant::now() + statsz_delay;
                }
            }
            self.outbox.flush();
        }
    }

    /// This server's identity for the next message (each gets the next sequence number).
    fn server_info(&mut self) -> ServerInfo {
        self.seq += 1;
        let js = self.server.monitoring.jetstream().is_some();
        ServerInfo {
            name: self.server.server_name.clone(),
            host: self.server.config.host.clone(),
            id: self.server.server_id.clone(),
            domain: self.server.config.jetstream.as_ref().and_then(|j| j.domain.clone()).unwrap_or_default(),
            version: NATS_VERSION.to_owned(),
            jetstream: js,
            flags: if js { FLAG_JETSTREAM } else { 0 },
            seq: self.seq,
            time: Timestamp::from_unix_nanos(now_nanos()),
            ..Default::default()
        }
    }

    fn publish_json<T: serde::Serialize>(&mut self, subject: &str, body: &T) {
        let Ok(payload) = serde_json::to_vec(body) else { return };
        self.outbox.publish(&Bytes::copy_from_slice(subject.as_bytes()), None, None, &Bytes::from(payload));
    }

    fn publish_event(&mut self, event: ClientEvent) {
        let server = self.server_info();
        let id = random_id();
        let time = Timestamp::from_unix_nanos(now_nanos());
        match event {
            ClientEvent::Connect { account, client } => {
                let msg = ConnectEventMsg {
                    event: TypedEvent { kind: CONNECT_EVENT_TYPE.to_owned(), id, time },
                    server,
                    client: messages::ClientInfo { server: self.server.server_name.clone(), ..client },
                };
                self.publish_json(&format!("$SYS.ACCOUNT.{account}.CONNECT"), &msg);
            }
            ClientEvent::Disconnect { account, client, sent, received, reason } => {
                let msg = DisconnectEventMsg {
                    event: TypedEvent { kind: DISCONNECT_EVENT_TYPE.to_owned(), id, time },
                    server,
                    client: messages::ClientInfo { server: self.server.server_name.clone(), ..client },
                    sent,
                    received,
                    reason,
                };
                self.publish_json(&format!("$SYS.ACCOUNT.{account}.DISCONNECT"), &msg);
            }
        }
    }

    /// Current server statistics.
    fn statsz(&mut self) -> ServerStatsMsg {
        let server = &self.server;
        let varz = crate::monitor::varz::varz(server);
        let stats = server.stats.snapshot();
        let mut accounts: Vec<String> = server.registry.open().iter().map(|c| c.meta().account).collect();
        accounts.sort();
        accounts.dedup();
        let stats = ServerStats {
            start: Timestamp::from_unix_nanos(server.start),
            mem: varz.mem,
            cores: varz.cores,
            cpu: varz.cpu,
            connections: varz.connections,
            total_connections: varz.total_connections,
            active_accounts: i64::try_from(accounts.len()).unwrap_or(i64::MAX),
            subscriptions: varz.subscriptions,
            sent: data_stats(stats.out_msgs, stats.out_bytes),
            received: data_stats(stats.in_msgs, stats.in_bytes),
            slow_consumers: varz.slow_consumers,
            slow_consumer_stats: varz.slow_consumers_stats,
            stale_connections: varz.stale_connections,
            stale_connection_stats: varz.stale_connection_stats,
            active_servers: 1,
            jetstream: server.monitoring.jetstream().map(|js| js.varz()),
            max_procs: varz.max_procs,
        };
        ServerStatsMsg { server: self.server_info(), stats }
    }

    fn send_statsz(&mut self, subject: &str) {
        let msg = self.statsz();
        self.publish_json(subject, &msg);
    }
}

/// A 22-character random id, like the nuids nats-server gives events.
fn random_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..22).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}
