//! Server configuration: nats-server's config file format and command-line flags, turned into one
//! validated, typed [`Config`].
//!
//! Layout:
//! - [`parse`] reads the file format into a [`value`] tree that remembers every key's file and line;
//! - `file` maps the top-level keys onto [`Config`], with one module per block ([`tls`], [`auth`],
//!   [`accounts`], [`jetstream`], [`websocket`], [`mqtt`], [`mappings`], [`monitor`]);
//! - [`cli`] parses nats-server-style flags (`-p 4222`, `--port=4222`, `-js`, `-DV`).
//!
//! Precedence: switchyard's defaults, then the config file, then flags (in the order given).
//! Switchyard's defaults differ from nats-server's: monitoring (8222), WebSocket (8080, no TLS), MQTT
//! (1883) and JetStream (store in `<temp dir>/switchyard/jetstream`) are all on. Each can be turned off in
//! the file (`http_port: 0`, `websocket: false` or `websocket { enabled: false }`, `mqtt: false`,
//! `jetstream: disabled`) or by a flag (`--no_http` or `-m 0`, `--no_websocket`, `--no_mqtt`,
//! `--no_jetstream`).
//!
//! Problems: syntax errors and wrong values are errors naming `file:line`; unknown keys, and nats-server
//! keys switchyard does not act on (`cluster`, `gateway`, `leafnodes`, `operator`, `resolver`, …), are
//! warnings naming `file:line`. This module opens no sockets and creates no directories.

pub mod accounts;
pub mod auth;
pub mod cli;
mod error;
mod file;
pub mod jetstream;
pub mod mappings;
pub mod monitor;
pub mod mqtt;
pub mod net;
pub mod parse;
mod report;
pub mod tls;
pub mod units;
pub mod value;
pub mod websocket;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use accounts::{AccountConfig, AccountJetStream, Export, Import, ResponseType};
pub use auth::{
    Authorization, ConnectionType, Permissions, ResponsePermission, SimpleAuth, SubjectPermission,
    User,
};
pub use error::{ConfigError, Located};
pub use jetstream::{JetStreamConfig, SyncInterval};
pub use mappings::{MapDest, Mapping};
pub use monitor::{HttpAuth, HttpUser, MonitorConfig};
pub use mqtt::MqttConfig;
pub use tls::{TlsConfig, TlsVersion};
pub use websocket::WebsocketConfig;

use report::Report;

/// Default client port.
pub const DEFAULT_PORT: u16 = 4222;
/// Default monitoring port.
pub const DEFAULT_HTTP_PORT: u16 = 8222;
/// Default interface for every listener.
pub const DEFAULT_HOST: &str = "0.0.0.0";
/// Default maximum message payload (1 MiB).
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;
/// Payloads above this draw a warning, as in nats-server (8 MiB).
pub const MAX_PAYLOAD_WARNING: usize = 8 * 1024 * 1024;
/// Default maximum protocol control line (4 KiB).
pub const DEFAULT_MAX_CONTROL_LINE: usize = 4096;
/// Default maximum bytes buffered for one slow client (64 MiB).
pub const DEFAULT_MAX_PENDING: usize = 64 * 1024 * 1024;
/// Default maximum number of client connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64 * 1024;
/// Default interval between server PINGs.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(120);
/// Default number of unanswered PINGs before a client is dropped.
pub const DEFAULT_PING_MAX: u32 = 2;
/// Default time a write to a client may block.
pub const DEFAULT_WRITE_DEADLINE: Duration = Duration::from_secs(10);
/// Default time a client has to send CONNECT with valid credentials.
pub const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(2);
/// Default time over which clients are disconnected in lame-duck mode.
pub const DEFAULT_LAME_DUCK_DURATION: Duration = Duration::from_secs(120);
/// Default wait before lame-duck mode starts disconnecting clients.
pub const DEFAULT_LAME_DUCK_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// The complete server configuration. Field names follow nats-server's config keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The config file this was loaded from (`-c`), if any.
    pub config_file: Option<PathBuf>,
    /// `server_name` (`-n`): the name in INFO and monitoring; `None` lets the server generate one.
    pub server_name: Option<String>,
    /// `host` / `net` / `listen` (`-a`): the interface the client port listens on.
    pub host: String,
    /// `port` / `listen` (`-p`): the client port; 0 picks a free port (`-1` in the file or on the
    /// command line; a 0 there means the default 4222, as in nats-server).
    pub port: u16,
    /// `client_advertise`: the `host:port` advertised to clients instead of the listen address.
    pub client_advertise: Option<String>,
    /// The interface of the monitoring listeners (from `http: host:port`); `None` uses [`host`](Self::host).
    pub http_host: Option<String>,
    /// `http_port` / `monitor_port` / `http` (`-m`): the monitoring HTTP port; `None` is off (0 in the
    /// file), `Some(0)` a free port (`-1`).
    pub http_port: Option<u16>,
    /// `https_port` / `https` (`-ms`): the monitoring HTTPS port (uses [`tls`](Self::tls)); `None` is off.
    pub https_port: Option<u16>,
    /// `http_base_path`: the path prefix of the monitoring endpoints (always starts with `/`).
    pub http_base_path: String,
    /// `monitor` (switchyard): access control of the monitoring endpoints.
    pub monitor: MonitorConfig,
    /// `max_payload`: the largest message payload accepted, in bytes.
    pub max_payload: usize,
    /// `max_control_line`: the longest protocol line accepted, in bytes.
    pub max_control_line: usize,
    /// `max_pending`: bytes buffered for one client before it is a slow consumer and is disconnected.
    pub max_pending: usize,
    /// `max_connections` (`max_conn`): client connections accepted at once (0 refuses all, as in
    /// nats-server).
    pub max_connections: usize,
    /// `max_subscriptions` (`max_subs`): subscriptions per connection; 0 is unlimited.
    pub max_subscriptions: usize,
    /// `ping_interval`: how often the server PINGs each client.
    pub ping_interval: Duration,
    /// `ping_max` (`max_pings_out`): unanswered PINGs before the client is disconnected.
    pub ping_max: u32,
    /// `write_deadline`: how long a write to a client may block before it is a slow consumer.
    pub write_deadline: Duration,
    /// `authorization { timeout }` (or top-level `auth_timeout`): time allowed to authenticate. Defaults
    /// to 2s, or the TLS timeout plus one second when the client port uses TLS (as in nats-server).
    pub auth_timeout: Duration,
    /// `lame_duck_duration`: how long lame-duck mode spreads client disconnections (at least 30s).
    pub lame_duck_duration: Duration,
    /// `lame_duck_grace_period`: wait before lame-duck mode starts disconnecting clients.
    pub lame_duck_grace_period: Duration,
    /// `debug` (`-D`): log debug messages.
    pub debug: bool,
    /// `trace` (`-V`): log protocol traffic.
    pub trace: bool,
    /// `logtime` (`-T`): timestamp log lines.
    pub logtime: bool,
    /// `log_file` / `logfile` (`-l`): log to this file instead of standard error.
    pub log_file: Option<PathBuf>,
    /// `pid_file` / `pidfile` (`-P`): write the process id here.
    pub pid_file: Option<PathBuf>,
    /// `no_header_support`: do not offer message headers to clients.
    pub no_header_support: bool,
    /// `tls` (`--tls*` flags): TLS for the client port (and the HTTPS monitoring port).
    pub tls: Option<TlsConfig>,
    /// `authorization` (`--user`, `--pass`, `--auth`): credentials of the global account.
    pub authorization: Authorization,
    /// `no_auth_user`: the user clients presenting no credentials are logged in as.
    pub no_auth_user: Option<String>,
    /// `accounts`: named accounts, their users, exports and imports.
    pub accounts: Vec<AccountConfig>,
    /// `system_account` (`system`): the account of the `$SYS` subjects.
    pub system_account: Option<String>,
    /// `jetstream` (`-js`, `-sd`, `--no_jetstream`): `None` when JetStream is off.
    pub jetstream: Option<JetStreamConfig>,
    /// `websocket` (`--websocket_port`, `--no_websocket`): `None` when the WebSocket listener is off.
    pub websocket: Option<WebsocketConfig>,
    /// `mqtt` (`--mqtt_port`, `--no_mqtt`): `None` when the MQTT listener is off.
    pub mqtt: Option<MqttConfig>,
    /// `mappings`: subject mappings of the global account.
    pub mappings: Vec<Mapping>,
}

impl Default for Config {
    /// Switchyard's defaults: every front-end on.
    fn default() -> Self {
        Config {
            config_file: None,
            server_name: None,
            host: DEFAULT_HOST.to_string(),
            port: DEFAULT_PORT,
            client_advertise: None,
            http_host: None,
            http_port: Some(DEFAULT_HTTP_PORT),
            https_port: None,
            http_base_path: "/".to_string(),
            monitor: MonitorConfig::default(),
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_control_line: DEFAULT_MAX_CONTROL_LINE,
            max_pending: DEFAULT_MAX_PENDING,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_subscriptions: 0,
            ping_interval: DEFAULT_PING_INTERVAL,
            ping_max: DEFAULT_PING_MAX,
            write_deadline: DEFAULT_WRITE_DEADLINE,
            auth_timeout: DEFAULT_AUTH_TIMEOUT,
            lame_duck_duration: DEFAULT_LAME_DUCK_DURATION,
            lame_duck_grace_period: DEFAULT_LAME_DUCK_GRACE_PERIOD,
            debug: false,
            trace: false,
            logtime: true,
            log_file: None,
            pid_file: None,
            no_header_support: false,
            tls: None,
            authorization: Authorization::default(),
            no_auth_user: None,
            accounts: Vec::new(),
            system_account: None,
            jetstream: Some(JetStreamConfig::default()),
            websocket: Some(WebsocketConfig::default()),
            mqtt: Some(MqttConfig::default()),
            mappings: Vec::new(),
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run the server with the loaded configuration.
    Run,
    /// Print this usage text and exit (`-h`, `--help`, `help`).
    Help(String),
    /// Print the version and exit (`-v`, `--version`, `version`).
    Version,
}

/// The outcome of [`load`].
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration (switchyard's defaults when the action is not [`Action::Run`]).
    pub config: Config,
    /// Problems that do not stop the server, each `file:line: message` when from a file.
    pub warnings: Vec<String>,
    /// What to do.
    pub action: Action,
}

/// Loads the configuration from command-line arguments (without the program name, i.e.
/// `std::env::args().skip(1)`): flags, then the `-c` config file if given, with flags overriding the
/// file.
pub fn load(args: &[String]) -> Result<Loaded, ConfigError> {
    let command_line = cli::parse_args(args)?;
    let mut warnings = command_line.warnings;
    if command_line.action != Action::Run {
        return Ok(Loaded {
            config: Config::default(),
            warnings,
            action: command_line.action,
        });
    }
    let mut config = Config::default();
    if let Some(path) = &command_line.config_file {
        let map = parse::parse_file(path)?;
        warnings.extend(apply_map(&map, path, &mut config)?);
        config.config_file = Some(path.clone());
    }
    cli::apply(&command_line.flags, &mut config)?;
    check(&config, &mut warnings)?;
    Ok(Loaded {
        config,
        warnings,
        action: Action::Run,
    })
}

/// Loads a configuration from config-file text, as if read from the file `origin` (which names the
/// file in messages and is the base of relative includes). Returns the config and the warnings.
pub fn parse_str(text: &str, origin: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let map = parse::parse_str(text, origin)?;
    let mut config = Config::default();
    let mut warnings = apply_map(&map, origin, &mut config)?;
    check(&config, &mut warnings)?;
    Ok((config, warnings))
}

fn apply_map(
    map: &value::Map,
    origin: &Path,
    config: &mut Config,
) -> Result<Vec<String>, ConfigError> {
    let mut report = Report::default();
    file::apply_file(map, origin, config, &mut report);
    if report.errors.is_empty() {
        Ok(report.warnings)
    } else {
        Err(ConfigError::Invalid(report.errors))
    }
}

/// Checks that need the final settings (file and flags combined).
fn check(config: &Config, warnings: &mut Vec<String>) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    if config.max_payload > config.max_pending {
        problems.push(format!(
            "max_payload ({}) cannot be higher than max_pending ({})",
            config.max_payload, config.max_pending
        ));
    }
    if config.max_payload > MAX_PAYLOAD_WARNING {
        warnings.push(format!(
            "max_payload of {} bytes is over 8 MiB; payloads this large are generally discouraged",
            config.max_payload
        ));
    }
    if config.https_port.is_some() && config.tls.is_none() {
        problems.push("https_port needs a tls { cert_file, key_file } block".to_string());
    }
    let ports = [
        ("client", Some(config.port)),
        ("monitoring", config.http_port),
        ("https monitoring", config.https_port),
        ("websocket", config.websocket.as_ref().map(|w| w.port)),
        ("mqtt", config.mqtt.as_ref().map(|m| m.port)),
    ];
    for (i, (name_a, port_a)) in ports.iter().enumerate() {
        for (name_b, port_b) in &ports[i + 1..] {
            if let (Some(a), Some(b)) = (port_a, port_b) {
                if a == b && *a != 0 {
                    problems.push(format!(
                        "port {a} is used by both the {name_a} and the {name_b} listener"
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Invalid(
            problems
                .into_iter()
                .map(|message| Located { pos: None, message })
                .collect(),
        ))
    }
}
