//! The running server: shared state every front-end and service holds an `Arc` of, and its life cycle
//! (start listeners, lame duck, shutdown).
//!
//! [`Server::start`] binds every configured listener before it returns, so callers (the binary, tests)
//! learn the real ports even when they asked for port 0. Shutdown is a [`CancellationToken`]: listeners
//! stop accepting, every connection closes with "Server Shutdown" after its queued bytes are written, and
//! [`Running::wait`] returns once all of that is done.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use switchyard_shared::op::ServerInfo;

use crate::account::Accounts;
use crate::auth::Auth;
use crate::config::Config;
use crate::core::conn::{now_nanos, Registry};
use crate::core::{Mappings, Router, Stats};
use crate::frontend;
use crate::frontend::mqtt::{Mqtt, MqttSettings};
use crate::frontend::ws::{WsListener, WsSettings};

/// The NATS server version whose client-visible feature set switchyard implements. Clients gate
/// features on it, so it must not claim more than is there.
pub const NATS_VERSION: &str = "2.10.0";

/// How many closed connections `/connz?state=closed` remembers.
const CLOSED_RING: usize = 10_000;

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("tls: {0}")]
    Tls(#[from] crate::tls::TlsError),
}

/// Front-end listeners configured beside [`Config`]; the configuration file maps onto these.
#[derive(Debug, Clone, Default)]
pub struct Frontends {
    /// The `websocket { … }` block: NATS over WebSocket on its own port.
    pub websocket: Option<WsSettings>,
    /// The `mqtt { … }` block: MQTT on its own port.
    pub mqtt: Option<MqttSettings>,
}

/// State shared by everything in the server.
pub struct Server {
    pub config: Config,
    pub server_id: String,
    pub server_name: String,
    /// Unix nanoseconds.
    pub start: i64,
    /// The global account's router (`$G`).
    pub router: Arc<Router>,
    /// Every account, `$G` (on `router`) included; clients use their user's account.
    pub accounts: Accounts,
    pub stats: Arc<Stats>,
    pub registry: Registry,
    pub auth: Auth,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Cancelled when the server enters lame-duck mode (listeners stop accepting).
    pub lame_duck: CancellationToken,
    in_lame_duck: AtomicBool,
    pub conn_limit: Arc<Semaphore>,
    /// Addresses actually bound, filled in by `start`.
    pub client_addr: parking_lot::Mutex<Option<SocketAddr>>,
    /// The MQTT listener's settings; `None` when MQTT is off.
    pub mqtt_settings: Option<MqttSettings>,
    /// The MQTT service, once started (monitoring and admin reach it here).
    pub mqtt: std::sync::OnceLock<Arc<Mqtt>>,
    /// JetStream, when enabled; set once during `start`.
    pub jetstream: std::sync::OnceLock<Arc<crate::jetstream::JetStream>>,
    /// WebSocket listener settings, when one is configured.
    pub websocket: Option<WsSettings>,
    /// Bound address of the WebSocket listener, filled in by `start`.
    pub ws_addr: parking_lot::Mutex<Option<SocketAddr>>,
    /// Monitoring state: JetStream and MQTT provider slots, traffic rates, the HTTP address.
    pub monitoring: crate::monitor::Monitoring,
    /// TLS of the client port (the top-level `tls` block), loaded at start.
    pub tls: Option<Arc<crate::tls::Tls>>,
}

/// Random server id in nats-server's shape: `N` followed by 55 base32 characters.
fn new_server_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut id = String::with_capacity(56);
    id.push('N');
    for _ in 0..55 {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

impl Server {
    pub fn new(config: Config) -> Result<Arc<Self>, StartError> {
        Self::with_frontends(config, Frontends::default())
    }

    /// A server with front-end listeners beyond the NATS TCP port.
    pub fn with_frontends(config: Config, frontends: Frontends) -> Result<Arc<Self>, StartError> {
        let server_id = new_server_id();
        let server_name = config.server_name.clone().unwrap_or_else(|| server_id.clone());
        let stats = Arc::new(Stats::default());
        let auth = Auth::from_config(&config).map_err(|e| StartError::Config(e.to_string()))?;
        let mappings = config
            .mappings
            .iter()
            .map(|m| m.compile().map_err(|e| StartError::Config(format!("mappings: \"{}\": {e}", m.source))))
            .collect::<Result<Vec<_>, _>>()?;
        let router = Arc::new(Router::with_mappings(stats.clone(), Mappings::new(mappings)));
        let accounts = Accounts::new(&config, router.clone(), &stats).map_err(|e| StartError::Config(e.to_string()))?;
        let conn_limit = Arc::new(Semaphore::new(config.max_connections.min(Semaphore::MAX_PERMITS)));
        let tls = config.tls.as_ref().map(crate::tls::Tls::new).transpose()?.map(Arc::new);
        Ok(Arc::new(Server {
            server_id,
            server_name,
            start: now_nanos(),
            router,
            accounts,
            stats,
            registry: Registry::new(CLOSED_RING),
            auth,
            shutdown: CancellationToken::new(),
            lame_duck: CancellationToken::new(),
            in_lame_duck: AtomicBool::new(false),
            conn_limit,
            client_addr: parking_lot::Mutex::new(None),
            mqtt_settings: frontends
                .mqtt
                .or_else(|| config.mqtt.as_ref().map(|m| MqttSettings::from_config(m, config.jetstream.as_ref()))),
            mqtt: std::sync::OnceLock::new(),
            jetstream: std::sync::OnceLock::new(),
            websocket: frontends.websocket.or_else(|| config.websocket.as_ref().map(WsSettings::from)),
            ws_addr: parking_lot::Mutex::new(None),
            monitoring: crate::monitor::Monitoring::default(),
            tls,
            config,
        }))
    }

    /// The INFO document without the per-connection fields.
    pub fn info(&self) -> ServerInfo {
        let port = self.client_addr.lock().map(|a| a.port()).unwrap_or(self.config.port);
        ServerInfo {
            server_id: self.server_id.clone(),
            server_name: self.server_name.clone(),
            version: NATS_VERSION.to_string(),
            proto: 1,
            git_commit: String::new(),
            go: concat!("switchyard ", env!("CARGO_PKG_VERSION")).to_string(),
            host: self.config.host.clone(),
            port,
            headers: !self.config.no_header_support,
            max_payload: self.config.max_payload,
            auth_required: self.auth.required(),
            tls_required: self.config.tls.is_some(),
            tls_verify: self.config.tls.as_ref().is_some_and(|t| t.verify),
            jetstream: self.config.jetstream.is_some(),
            ldm: self.in_lame_duck(),
            ..Default::default()
        }
    }

    pub fn in_lame_duck(&self) -> bool {
        self.in_lame_duck.load(Ordering::Acquire)
    }

    /// Enters lame-duck mode: stop accepting, tell clients (INFO with `ldm`), then close them spread
    /// over the lame-duck duration, then shut down.
    pub fn enter_lame_duck(self: &Arc<Self>) {
        if self.in_lame_duck.swap(true, Ordering::AcqRel) {
            return;
        }
        info!("entering lame duck mode");
        self.lame_duck.cancel();
        let server = self.clone();
        tokio::spawn(async move {
            let mut info = server.info();
            info.ldm = true;
            let line = format!("INFO {}\r\n", serde_json::to_string(&info).unwrap_or_default());
            for conn in server.registry.open() {
                if conn.kind != crate::core::Kind::Mqtt {
                    conn.outbound.push_bytes(line.as_bytes());
                    conn.outbound.flush();
                }
            }
            tokio::time::sleep(server.config.lame_duck_grace_period).await;
            let conns = server.registry.open();
            let span = server.config.lame_duck_duration.saturating_sub(server.config.lame_duck_grace_period);
            let step = if conns.is_empty() { Duration::ZERO } else { span / conns.len() as u32 };
            for conn in conns {
                conn.outbound.close(crate::core::CloseReason::ServerShutdown);
                if !step.is_zero() {
                    tokio::time::sleep(step.min(Duration::from_secs(1))).await;
                }
            }
            server.shutdown.cancel();
        });
    }
}

/// A started server.
pub struct Running {
    pub server: Arc<Server>,
    tasks: JoinSet<()>,
    /// Bound address of the client (NATS TCP) listener.
    pub client_addr: SocketAddr,
    /// Bound address of the WebSocket listener, if configured.
    pub ws_addr: Option<SocketAddr>,
    /// Bound address of the MQTT listener, if configured.
    pub mqtt_addr: Option<SocketAddr>,
}

async fn bind(host: &str, port: u16) -> Result<TcpListener, StartError> {
    let addr = format!("{host}:{port}");
    TcpListener::bind(&addr).await.map_err(|source| StartError::Bind { addr, source })
}

impl Server {
    /// Binds every listener and starts serving.
    pub async fn start(config: Config) -> Result<Running, StartError> {
        Self::start_with(config, Frontends::default()).await
    }

    /// Binds every listener, including the front-ends in `frontends`, and starts serving.
    pub async fn start_with(config: Config, frontends: Frontends) -> Result<Running, StartError> {
        let server = Server::with_frontends(config, frontends)?;
        let mut tasks = JoinSet::new();
        if let Some(js_config) = server.config.jetstream.clone() {
            let js = crate::jetstream::JetStream::start(&server, &js_config)
                .map_err(|e| StartError::Config(e.to_string()))?;
            crate::jetstream::monitor::install(&server, &js);
            let _ = server.jetstream.set(js);
        }
        let listener = bind(&server.config.host, server.config.port).await?;
        let client_addr = listener.local_addr().map_err(|source| StartError::Bind { addr: "client".into(), source })?;
        let ws = match &server.websocket {
            Some(settings) => Some(WsListener::bind(settings).await?),
            None => None,
        };
        *server.client_addr.lock() = Some(client_addr);
        info!(%client_addr, version = NATS_VERSION, server_id = %server.server_id, "listening for client connections");
        tasks.spawn(frontend::tcp::accept_loop(server.clone(), listener));
        let mut ws_addr = None;
        if let Some(ws) = ws {
            ws_addr = Some(ws.local_addr().map_err(|source| StartError::Bind { addr: "websocket".into(), source })?);
            *server.ws_addr.lock() = ws_addr;
            tasks.spawn(frontend::ws::accept_loop(server.clone(), ws));
        }
        let mut mqtt_addr = None;
        if let Some(settings) = server.mqtt_settings.clone() {
            let mqtt = Mqtt::new(&server, settings)?;
            let listener = mqtt.bind().await?;
            mqtt_addr = mqtt.local_addr();
            let _ = server.mqtt.set(mqtt.clone());
            server.monitoring.set_mqtt(mqtt.clone());
            tasks.spawn(mqtt.clone().accept_loop(server.clone(), listener));
            tasks.spawn(mqtt.run_timers(server.clone()));
        }
        if let Some(http) = crate::monitor::bind(&server).await? {
            tasks.spawn(crate::monitor::serve(server.clone(), http));
        }
        if let Some(https) = crate::monitor::bind_https(&server).await? {
            tasks.spawn(crate::monitor::serve(server.clone(), https));
        }
        tasks.spawn(crate::monitor::rates::run(server.clone()));
        crate::system::start(&server, &mut tasks);
        Ok(Running { server, tasks, client_addr, ws_addr, mqtt_addr })
    }
}

impl Running {
    /// Starts a graceful shutdown.
    pub fn shutdown(&self) {
        self.server.shutdown.cancel();
    }

    /// Waits until the server has shut down and every connection is closed.
    pub async fn wait(mut self) {
        self.server.shutdown.cancelled().await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.server.registry.num_open() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if self.server.registry.num_open() > 0 {
            warn!(open = self.server.registry.num_open(), "connections still open at shutdown");
        }
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        if let Some(mqtt) = self.server.mqtt.get() {
            mqtt.close();
        }
        if let Some(js) = self.server.jetstream.get() {
            js.shutdown();
        }
        info!("server stopped");
    }
}
