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
pub use auth::{Authorization, ConnectionType, Permissions, ResponsePermission, SimpleAuth, SubjectPermission, User};
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
        return Ok(Loaded { config: Config::default(), warnings, action: command_line.action });
    }
    let mut config = Config::default();
    let mut file_jetstream = JetStreamConfig::default();
    if let Some(path) = &command_line.config_file {
        let map = parse::parse_file(path)?;
        let (file_warnings, js) = apply_map(&map, path, &mut config)?;
        warnings.extend(file_warnings);
        file_jetstream = js;
        config.config_file = Some(path.clone());
    }
    cli::apply_over(&command_line.flags, &mut config, &file_jetstream)?;
    check(&config, &mut warnings)?;
    Ok(Loaded { config, warnings, action: Action::Run })
}

/// Loads a configuration from config-file text, as if read from the file `origin` (which names the
/// file in messages and is the base of relative includes). Returns the config and the warnings.
pub fn parse_str(text: &str, origin: &Path) -> Result<(Config, Vec<String>), ConfigError> {
    let map = parse::parse_str(text, origin)?;
    let mut config = Config::default();
    let (mut warnings, _) = apply_map(&map, origin, &mut config)?;
    check(&config, &mut warnings)?;
    Ok((config, warnings))
}

/// Applies a parsed file; returns its warnings and its JetStream settings (see `file::apply_file`).
fn apply_map(
    map: &value::Map,
    origin: &Path,
    config: &mut Config,
) -> Result<(Vec<String>, JetStreamConfig), ConfigError> {
    let mut report = Report::default();
    let jetstream = file::apply_file(map, origin, config, &mut report);
    if report.errors.is_empty() {
        Ok((report.warnings, jetstream))
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
                    problems.push(format!("port {a} is used by both the {name_a} and the {name_b} listener"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Invalid(problems.into_iter().map(|message| Located { pos: None, message }).collect()))
    }
}

#[cfg(test)]
impl Config {
    /// The NATS listener alone, on a free loopback port: what an in-process test starts and then
    /// adds to.
    pub(crate) fn loopback_nats_only() -> Config {
        Config {
            host: "127.0.0.1".into(),
            port: 0,
            http_port: None,
            websocket: None,
            mqtt: None,
            jetstream: None,
            ..Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration in the style of the nats-server documentation. Debian's nats-server 2.9.10
    /// accepts this exact file with `nats-server -c nats-server.conf -t` (with the include beside it).
    const FULL: &str = r#"# A configuration in the style of the nats-server documentation.
server_name: "sy-1"
listen: 127.0.0.1:4333
client_advertise: "nats.example.com:4222"
http: 127.0.0.1:8333
http_base_path: /monitor

# Limits
max_payload: 2MB
max_control_line: 4KB
max_pending: 64MB
max_connections: 1k
max_subscriptions: 1000
ping_interval: "1m"
ping_max: 3
write_deadline: "5s"
lame_duck_duration: "1m"
lame_duck_grace_period: "5s"
no_header_support: false

// Logging
debug: false
trace: false
logtime: true
log_file: "/tmp/nsconf/nats.log"
pid_file: "/tmp/nsconf/nats.pid"

tls {
  cert_file: "./certs/server.pem"
  key_file = "./certs/key.pem"
  ca_file "./certs/ca.pem"
  verify: true
  timeout: 2
}

TOKEN_PASS: "s3cr3t"

accounts {
  APP {
    users = [
      {user: app, password: $TOKEN_PASS, permissions: {
        publish: { allow: ["orders.>", "_INBOX.>"], deny: "orders.secret" }
        subscribe: ["orders.*", "events.>"]
        allow_responses: { max: 1, expires: "1m" }
      }}
      {user: worker, password: "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG", permissions: {
        subscribe: { allow: ["jobs.* workers"] }
      }}
    ]
    exports = [
      {stream: "events.>"}
      {service: "help.>", response_type: singleton}
    ]
    jetstream: enabled
    mappings = {
      "orders.new": "orders.created"
    }
  }
  OPS {
    users = [ {user: ops, password: ops} ]
    imports = [
      {stream: {account: APP, subject: "events.>"}, prefix: "app"}
      {service: {account: APP, subject: "help.>"}}
    ]
  }
  SYS {
    users = [ {user: sys, password: sys} ]
  }
}
system_account: SYS
no_auth_user: app

jetstream {
  store_dir: "/tmp/nsconf/js"
  max_memory_store: 1G
  max_file_store: "10G"
  domain: hub
}

websocket {
  port: 8443
  no_tls: true
  compression: true
  same_origin: false
  allowed_origins: ["https://app.example.com"]
  handshake_timeout: "3s"
  jwt_cookie: "nats_jwt"
}

mqtt {
  listen: 127.0.0.1:1884
  ack_wait: "45s"
  max_ack_pending: 200
  stream_replicas: 1
}

mappings {
  "legacy.>": "modern.>"
  "canary.orders": [
    {destination: "orders.v1", weight: "90%"}
    {destination: "orders.v2", weight: 10}
  ]
}

include ./conf.d/extra.conf
"#;

    struct TempConfig {
        dir: PathBuf,
    }

    impl TempConfig {
        fn new(tag: &str, main: &str, extra: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("switchyard-config-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("conf.d")).expect("mkdir");
            std::fs::write(dir.join("nats-server.conf"), main).expect("write");
            std::fs::write(dir.join("conf.d/extra.conf"), extra).expect("write");
            TempConfig { dir }
        }

        fn main(&self) -> String {
            self.dir.join("nats-server.conf").display().to_string()
        }
    }

    impl Drop for TempConfig {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    fn config(text: &str) -> (Config, Vec<String>) {
        match parse_str(text, Path::new("test.conf")) {
            Ok(loaded) => loaded,
            Err(e) => panic!("{e}"),
        }
    }

    fn problems(text: &str) -> Vec<String> {
        match parse_str(text, Path::new("test.conf")) {
            Ok(_) => panic!("expected errors"),
            Err(ConfigError::Invalid(list)) => list.iter().map(ToString::to_string).collect(),
            Err(other) => vec![other.to_string()],
        }
    }

    #[test]
    fn defaults_turn_every_front_end_on() {
        let c = Config::default();
        assert_eq!((c.host.as_str(), c.port), ("0.0.0.0", 4222));
        assert_eq!(c.http_port, Some(8222));
        assert_eq!(c.websocket.as_ref().map(|w| (w.port, w.tls.is_none())), Some((8080, true)));
        assert_eq!(c.mqtt.as_ref().map(|m| m.port), Some(1883));
        assert_eq!(
            c.jetstream.as_ref().map(|j| j.store_dir.clone()),
            Some(std::env::temp_dir().join("switchyard").join("jetstream"))
        );
        assert_eq!(c.max_payload, 1 << 20);
        assert_eq!(c.max_control_line, 4096);
        assert_eq!(c.max_pending, 64 << 20);
        assert_eq!(c.max_connections, 65536);
        assert_eq!(c.ping_interval, Duration::from_secs(120));
        assert_eq!(c.ping_max, 2);
        assert_eq!(c.write_deadline, Duration::from_secs(10));
        assert_eq!(c.auth_timeout, Duration::from_secs(2));
        assert_eq!(c.lame_duck_duration, Duration::from_secs(120));
        assert_eq!(c.lame_duck_grace_period, Duration::from_secs(10));
        assert!(c.logtime && !c.debug && !c.trace);
    }

    #[test]
    fn a_realistic_nats_server_conf_loads() {
        let files = TempConfig::new("full", FULL, "# Included, relative to the main file.\nwrite_deadline = \"6s\"\n");
        let loaded = load(&args(&["-c", &files.main()])).expect("load");
        assert_eq!(loaded.action, Action::Run);
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let c = loaded.config;
        assert_eq!(c.config_file.as_deref(), Some(Path::new(&files.main())));
        assert_eq!(c.server_name.as_deref(), Some("sy-1"));
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 4333));
        assert_eq!(c.client_advertise.as_deref(), Some("nats.example.com:4222"));
        assert_eq!((c.http_host.as_deref(), c.http_port), (Some("127.0.0.1"), Some(8333)));
        assert_eq!(c.http_base_path, "/monitor");
        assert_eq!(c.max_payload, 2 << 20);
        assert_eq!(c.max_control_line, 4096);
        assert_eq!(c.max_pending, 64 << 20);
        assert_eq!(c.max_connections, 1000);
        assert_eq!(c.max_subscriptions, 1000);
        assert_eq!(c.ping_interval, Duration::from_secs(60));
        assert_eq!(c.ping_max, 3);
        assert_eq!(c.write_deadline, Duration::from_secs(6), "the include comes last and wins");
        assert_eq!(c.lame_duck_duration, Duration::from_secs(60));
        assert_eq!(c.lame_duck_grace_period, Duration::from_secs(5));
        assert_eq!(c.log_file, Some(PathBuf::from("/tmp/nsconf/nats.log")));
        assert_eq!(c.pid_file, Some(PathBuf::from("/tmp/nsconf/nats.pid")));
        let tls = c.tls.as_ref().expect("tls");
        assert!(tls.verify);
        assert_eq!(tls.timeout, Duration::from_secs(2));
        assert_eq!(c.auth_timeout, Duration::from_secs(3), "TLS timeout + 1s, as nats-server");
        let names: Vec<&str> = c.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["APP", "OPS", "SYS"]);
        let app = &c.accounts[0];
        assert_eq!(app.users[0].password.as_deref(), Some("s3cr3t"));
        assert_eq!(app.users[0].account.as_deref(), Some("APP"));
        assert!(app.users[1].password.as_deref().is_some_and(|p| p.starts_with("$2a$11$")));
        assert_eq!(app.exports.len(), 2);
        assert!(app.jetstream.is_some());
        assert_eq!(app.mappings.len(), 1);
        assert_eq!(c.accounts[1].imports.len(), 2);
        assert_eq!(c.system_account.as_deref(), Some("SYS"));
        assert_eq!(c.no_auth_user.as_deref(), Some("app"));
        let js = c.jetstream.as_ref().expect("js");
        assert_eq!(js.store_dir, PathBuf::from("/tmp/nsconf/js"));
        assert_eq!(js.max_memory_store, Some(1_000_000_000));
        assert_eq!(js.max_file_store, Some(10 << 30));
        assert_eq!(js.domain.as_deref(), Some("hub"));
        let ws = c.websocket.as_ref().expect("ws");
        assert_eq!(ws.port, 8443);
        assert!(ws.tls.is_none() && ws.compression);
        assert_eq!(ws.handshake_timeout, Duration::from_secs(3));
        let mqtt = c.mqtt.as_ref().expect("mqtt");
        assert_eq!((mqtt.host.as_str(), mqtt.port), ("127.0.0.1", 1884));
        assert_eq!(mqtt.ack_wait, Duration::from_secs(45));
        assert_eq!(mqtt.max_ack_pending, 200);
        assert_eq!(c.mappings.len(), 2);
        assert_eq!(c.mappings[1].destinations[0].weight, 90);
    }

    #[test]
    fn flags_override_the_file_in_command_line_order() {
        let files = TempConfig::new("override", FULL, "");
        let loaded = load(&args(&[
            "-c",
            &files.main(),
            "-p",
            "5222",
            "-a=0.0.0.0",
            "--server_name",
            "flagged",
            "-DV",
            "-m",
            "0",
            "--no_websocket",
            "--mqtt_port=-1",
            "-sd",
            "/tmp/other-js",
            "--user",
            "u",
            "--pass",
            "p",
        ]))
        .expect("load");
        let c = loaded.config;
        assert_eq!((c.host.as_str(), c.port), ("0.0.0.0", 5222));
        assert_eq!(c.server_name.as_deref(), Some("flagged"));
        assert!(c.debug && c.trace);
        assert_eq!(c.http_port, None);
        assert!(c.websocket.is_none());
        assert_eq!(c.mqtt.as_ref().map(|m| m.port), Some(0));
        assert_eq!(c.jetstream.map(|j| j.store_dir), Some(PathBuf::from("/tmp/other-js")));
        assert_eq!(c.authorization.user.as_deref(), Some("u"));
        let off_in_file = TempConfig::new("js-off", "store_dir: /tmp/kept-js\njetstream: disabled\n", "");
        let loaded = load(&args(&["-c", &off_in_file.main(), "-js"])).expect("load");
        assert_eq!(
            loaded.config.jetstream.map(|j| j.store_dir),
            Some(PathBuf::from("/tmp/kept-js")),
            "-js turns JetStream back on with the file's settings"
        );
        let later_wins = load(&args(&["--no_jetstream", "-js"])).expect("load");
        assert!(later_wins.config.jetstream.is_some());
        let later_wins = load(&args(&["-js", "--no_jetstream"])).expect("load");
        assert!(later_wins.config.jetstream.is_none());
    }

    #[test]
    fn help_and_version_do_not_read_the_config_file() {
        let loaded = load(&args(&["-c", "/nonexistent.conf", "--help"])).expect("help");
        assert!(matches!(loaded.action, Action::Help(ref text) if text.starts_with("Usage: switchyard")));
        assert_eq!(load(&args(&["version"])).expect("version").action, Action::Version);
        assert!(matches!(
            load(&args(&["-c", "/nonexistent.conf"])),
            Err(ConfigError::Parse(parse::ParseError::Read { .. }))
        ));
    }

    #[test]
    fn front_ends_can_be_turned_off_in_the_file() {
        let (c, warnings) = config("http_port: 0\nwebsocket: false\nmqtt { enabled: false }\njetstream: disabled\n");
        assert!(warnings.is_empty());
        assert_eq!(c.http_port, None);
        assert!(c.websocket.is_none() && c.mqtt.is_none() && c.jetstream.is_none());
        let (c, _) = config("port: -1\nhttp_port: -1\nmonitor_port: 8999\n");
        assert_eq!((c.port, c.http_port), (0, Some(8999)));
        let (c, _) = config("port: 0\nnet: 127.0.0.1\n");
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 4222));
    }

    #[test]
    fn value_errors_are_all_reported_with_their_lines() {
        let list = problems(
            "port: 70000\nmax_payload: \"big\"\nping_interval: \"soon\"\nlame_duck_duration: \"10s\"\n\
             debug: \"yes\"\nserver_name: \"has space\"\n",
        );
        assert_eq!(list.len(), 6, "{list:?}");
        assert!(list[0].starts_with("test.conf:1: port: port 70000 is out of range"));
        assert!(list[1].starts_with("test.conf:2: max_payload: expected an integer, found string \"big\""));
        assert!(list[2].starts_with("test.conf:3: ping_interval: invalid duration \"soon\""));
        assert!(list[3].starts_with("test.conf:4: invalid lame_duck_duration of 10s, minimum is 30 seconds"));
        assert!(list[4].starts_with("test.conf:5: debug: expected a boolean"));
        assert!(list[5].starts_with("test.conf:6: server_name cannot contain spaces"));
    }

    #[test]
    fn unknown_and_unsupported_keys_warn_with_their_lines() {
        let (_, warnings) = config(
            "port: 4222\nbogus: 1\ncluster {\n  port: 6222\n  routes: [nats://a:6222]\n}\nleafnodes { port: 7422 }\n\
             gateway { name: x }\noperator: \"./op.jwt\"\nresolver: MEMORY\nsyslog: true\n",
        );
        assert_eq!(
            warnings,
            vec![
                "test.conf:2: unknown field \"bogus\"; ignored",
                "test.conf:3: \"cluster\" is not supported by switchyard; ignored",
                "test.conf:7: \"leafnodes\" is not supported by switchyard; ignored",
                "test.conf:8: \"gateway\" is not supported by switchyard; ignored",
                "test.conf:9: \"operator\" is not supported by switchyard; ignored",
                "test.conf:10: \"resolver\" is not supported by switchyard; ignored",
                "test.conf:11: \"syslog\" is not supported by switchyard; ignored",
            ]
        );
    }

    #[test]
    fn keys_match_case_insensitively_and_used_variables_are_not_unknown() {
        let (c, warnings) = config("PORT_NUMBER = 4555\nPort: $PORT_NUMBER\nDEBUG: true\n");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(c.port, 4555);
        assert!(c.debug);
    }

    #[test]
    fn a_syntax_error_names_its_file_and_line() {
        let err =
            parse_str("port: 4222\nauthorization {\n  user: \"open\n", Path::new("bad.conf")).expect_err("syntax");
        assert_eq!(err.to_string(), "bad.conf:3: unterminated string");
    }

    #[test]
    fn cross_block_checks() {
        let list = problems("store_dir: /a\njetstream { store_dir: /b }\n");
        assert!(list[0].contains("duplicate 'store_dir'"), "{list:?}");
        let list = problems("authorization { users: [ {user: a, password: b} ] }\nno_auth_user: nobody\n");
        assert!(list[0].starts_with("test.conf:2: no_auth_user: \"nobody\" not present"), "{list:?}");
        let list = problems(
            "authorization { users: [ {user: a, password: b} ] }\naccounts { A { users: [ {user: a, password: c} ] } }\n",
        );
        assert!(list[0].starts_with("test.conf:2: duplicate user \"a\""), "{list:?}");
        let list = problems("authorization { user: a, password: b }\naccounts { A { users: [ {user: c} ] } }\n");
        assert!(list[0].contains("single user/password"), "{list:?}");
        let list = problems("authorization { users: [ {user: a, account: NOPE} ] }\n");
        assert!(list[0].contains("account \"NOPE\", which is not defined"), "{list:?}");
        let list = problems("websocket { port: 8080, no_auth_user: ghost }\n");
        assert!(list[0].starts_with("test.conf:1: websocket no_auth_user: \"ghost\""), "{list:?}");
    }

    #[test]
    fn combined_settings_are_checked() {
        let list = problems("max_payload: 100MB\nmax_pending: 10MB\n");
        assert_eq!(list, vec!["max_payload (104857600) cannot be higher than max_pending (10485760)"]);
        let list = problems("https_port: 8443\n");
        assert!(list[0].contains("https_port needs a tls"));
        let list = problems("port: 8080\n");
        assert_eq!(list, vec!["port 8080 is used by both the client and the websocket listener"]);
        let (_, warnings) = config("max_payload: 16MB\n");
        assert!(warnings[0].contains("over 8 MiB"));
    }

    #[test]
    fn authorization_timeout_and_top_level_auth_timeout() {
        let (c, _) = config("authorization { token: abc, timeout: 0.5 }\n");
        assert_eq!(c.authorization.token.as_deref(), Some("abc"));
        assert_eq!(c.auth_timeout, Duration::from_millis(500));
        let (c, _) = config("auth_timeout: \"4s\"\n");
        assert_eq!(c.auth_timeout, Duration::from_secs(4));
    }

    #[test]
    fn environment_variables_reach_typed_settings() {
        let name = "SWITCHYARD_CONFIG_MOD_TEST_PORT";
        std::env::set_var(name, "4777");
        let result = parse_str(&format!("port: ${name}\n"), Path::new("env.conf"));
        std::env::remove_var(name);
        assert_eq!(result.expect("parse").0.port, 4777);
    }
}
