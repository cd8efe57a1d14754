//! Command-line flags, spelled and parsed as nats-server does (Go's `flag` package).
//!
//! Input: the arguments after the program name. Output: the [`Action`], the `-c` file, and the settings
//! to lay over the file's. Go flag syntax: `-p 4222`, `--port 4222`, `-port=4222` and `--port=4222` are
//! all the same; boolean flags take no separate value (`-js`, `-js=false`); multi-letter short names
//! exist (`-js`, `-sd`, `-ms`, `-DV`); parsing stops at `--` or the first argument that is not a flag,
//! after which only `help` or `version` may follow.
//!
//! Switchyard additions: `-ws`/`--websocket_port`, `--mqtt_port`, `--max_payload`, and `--no_http`,
//! `--no_websocket`, `--no_mqtt`, `--no_jetstream` to turn front-ends off. nats-server flags for features
//! switchyard lacks (clustering, syslog, profiling) are accepted with a warning; `-sl`/`--signal` and
//! `-t` are refused.

use std::path::PathBuf;

use super::file::{client_port, monitor_port};
use super::jetstream::JetStreamConfig;
use super::mqtt::MqttConfig;
use super::report::check_port;
use super::tls::{TlsConfig, DEFAULT_TLS_TIMEOUT};
use super::websocket::WebsocketConfig;
use super::{Action, Config, ConfigError};

/// One setting given on the command line, applied over the config file in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// `-p`, `--port`: client port (`-1` random, 0 default).
    Port(i64),
    /// `-a`, `--addr`, `--net`: client interface.
    Host(String),
    /// `-n`, `--name`, `--server_name`.
    ServerName(String),
    /// `--client_advertise`.
    ClientAdvertise(String),
    /// `-D`, `--debug`.
    Debug(bool),
    /// `-V`, `--trace`.
    Trace(bool),
    /// `-T`, `--logtime`.
    Logtime(bool),
    /// `-l`, `--log`.
    LogFile(PathBuf),
    /// `-P`, `--pid`.
    PidFile(PathBuf),
    /// `--user`.
    User(String),
    /// `--pass`.
    Pass(String),
    /// `--auth`: token.
    Auth(String),
    /// `-m`, `--http_port` (0 off, `-1` random).
    HttpPort(i64),
    /// `-ms`, `--https_port` (0 off, `-1` random).
    HttpsPort(i64),
    /// `-js`, `--jetstream`.
    JetStream(bool),
    /// `-sd`, `--store_dir`.
    StoreDir(PathBuf),
    /// `--tls`.
    Tls(bool),
    /// `--tlsverify`.
    TlsVerify(bool),
    /// `--tlscert`.
    TlsCert(PathBuf),
    /// `--tlskey`.
    TlsKey(PathBuf),
    /// `--tlscacert`.
    TlsCaCert(PathBuf),
    /// `-ws`, `--websocket_port` (0 off, `-1` random).
    WebsocketPort(i64),
    /// `--mqtt_port` (0 off, `-1` random).
    MqttPort(i64),
    /// `--no_http`.
    NoHttp(bool),
    /// `--no_websocket`.
    NoWebsocket(bool),
    /// `--no_mqtt`.
    NoMqtt(bool),
    /// `--no_jetstream`.
    NoJetStream(bool),
    /// `--max_payload`.
    MaxPayload(u64),
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandLine {
    /// What to do.
    pub action: Action,
    /// `-c`, `--config`.
    pub config_file: Option<PathBuf>,
    /// Settings, in command-line order.
    pub flags: Vec<Flag>,
    /// Accepted nats-server flags that switchyard ignores.
    pub warnings: Vec<String>,
}

#[derive(Clone, Copy)]
enum Arg {
    Bool,
    Int,
    Text,
}

/// Every flag name and the shape of its value.
fn lookup(name: &str) -> Option<Arg> {
    Some(match name {
        "h" | "help" | "v" | "version" | "D" | "debug" | "V" | "trace" | "VV" | "DV" | "DVV" | "T" | "logtime"
        | "js" | "jetstream" | "tls" | "tlsverify" | "no_http" | "no_websocket" | "no_mqtt" | "no_jetstream" | "s"
        | "syslog" | "logtime_utc" | "no_advertise" | "help_tls" | "t" => Arg::Bool,
        "p" | "port" | "m" | "http_port" | "ms" | "https_port" | "ws" | "websocket_port" | "mqtt_port"
        | "max_payload" | "log_size_limit" | "max_traced_msg_len" | "profile" | "connect_retries" => Arg::Int,
        "a" | "addr" | "net" | "n" | "name" | "server_name" | "client_advertise" | "c" | "config" | "P" | "pid"
        | "l" | "log" | "user" | "pass" | "auth" | "sd" | "store_dir" | "tlscert" | "tlskey" | "tlscacert" | "sl"
        | "signal" | "r" | "remote_syslog" | "ports_file_dir" | "routes" | "cluster" | "cluster_listen"
        | "cluster_advertise" | "cluster_name" => Arg::Text,
        _ => return None,
    })
}

enum Parsed {
    Bool(bool),
    Int(i64),
    Text(String),
}

/// Parses the arguments after the program name.
pub fn parse_args(args: &[String]) -> Result<CommandLine, ConfigError> {
    let mut line = CommandLine { action: Action::Run, config_file: None, flags: Vec::new(), warnings: Vec::new() };
    let mut help = false;
    let mut version = false;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg.len() < 2 || !arg.starts_with('-') {
            break;
        }
        let mut name = &arg[1..];
        if let Some(rest) = name.strip_prefix('-') {
            if rest.is_empty() {
                i += 1;
                break;
            }
            name = rest;
        }
        if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
            return Err(usage(format!("bad flag syntax: {arg}")));
        }
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let kind = lookup(name).ok_or_else(|| usage(format!("flag provided but not defined: -{name}")))?;
        i += 1;
        let value = match kind {
            Arg::Bool => Parsed::Bool(match inline {
                None => true,
                Some(v) => go_bool(v)
                    .ok_or_else(|| usage(format!("invalid boolean value \"{v}\" for -{name}: parse error")))?,
            }),
            Arg::Int | Arg::Text => {
                let text = match inline {
                    Some(v) => v.to_string(),
                    None => {
                        let v = args.get(i).ok_or_else(|| usage(format!("flag needs an argument: -{name}")))?;
                        i += 1;
                        v.clone()
                    }
                };
                if let Arg::Int = kind {
                    Parsed::Int(
                        go_int(&text)
                            .ok_or_else(|| usage(format!("invalid value \"{text}\" for flag -{name}: parse error")))?,
                    )
                } else {
                    Parsed::Text(text)
                }
            }
        };
        record(name, value, &mut line, &mut help, &mut version)?;
    }
    if version {
        line.action = Action::Version;
    } else if help {
        line.action = Action::Help(usage_text());
    } else if let Some(command) = args.get(i) {
        line.action = match command.to_ascii_lowercase().as_str() {
            "version" => Action::Version,
            "help" => Action::Help(usage_text()),
            _ => return Err(usage(format!("unrecognized command: \"{command}\""))),
        };
    }
    Ok(line)
}

fn usage(message: String) -> ConfigError {
    ConfigError::Usage(message)
}

fn record(
    name: &str,
    value: Parsed,
    line: &mut CommandLine,
    help: &mut bool,
    version: &mut bool,
) -> Result<(), ConfigError> {
    let flags = &mut line.flags;
    match (name, value) {
        ("h" | "help", Parsed::Bool(b)) => *help = b,
        ("v" | "version", Parsed::Bool(b)) => *version = b,
        ("c" | "config", Parsed::Text(path)) => line.config_file = Some(PathBuf::from(path)),
        ("D" | "debug", Parsed::Bool(b)) => flags.push(Flag::Debug(b)),
        ("V" | "trace" | "VV", Parsed::Bool(b)) => flags.push(Flag::Trace(b)),
        ("DV" | "DVV", Parsed::Bool(b)) => {
            flags.push(Flag::Debug(b));
            flags.push(Flag::Trace(b));
        }
        ("T" | "logtime", Parsed::Bool(b)) => flags.push(Flag::Logtime(b)),
        ("js" | "jetstream", Parsed::Bool(b)) => flags.push(Flag::JetStream(b)),
        ("tls", Parsed::Bool(b)) => flags.push(Flag::Tls(b)),
        ("tlsverify", Parsed::Bool(b)) => flags.push(Flag::TlsVerify(b)),
        ("no_http", Parsed::Bool(b)) => flags.push(Flag::NoHttp(b)),
        ("no_websocket", Parsed::Bool(b)) => flags.push(Flag::NoWebsocket(b)),
        ("no_mqtt", Parsed::Bool(b)) => flags.push(Flag::NoMqtt(b)),
        ("no_jetstream", Parsed::Bool(b)) => flags.push(Flag::NoJetStream(b)),
        ("p" | "port", Parsed::Int(n)) => flags.push(Flag::Port(port_arg(name, n)?)),
        ("m" | "http_port", Parsed::Int(n)) => flags.push(Flag::HttpPort(port_arg(name, n)?)),
        ("ms" | "https_port", Parsed::Int(n)) => flags.push(Flag::HttpsPort(port_arg(name, n)?)),
        ("ws" | "websocket_port", Parsed::Int(n)) => flags.push(Flag::WebsocketPort(port_arg(name, n)?)),
        ("mqtt_port", Parsed::Int(n)) => flags.push(Flag::MqttPort(port_arg(name, n)?)),
        ("max_payload", Parsed::Int(n)) => match u64::try_from(n) {
            Ok(n) if n > 0 => flags.push(Flag::MaxPayload(n)),
            _ => return Err(usage(format!("invalid value \"{n}\" for flag -{name}: must be positive"))),
        },
        ("a" | "addr" | "net", Parsed::Text(h)) => flags.push(Flag::Host(h)),
        ("n" | "name" | "server_name", Parsed::Text(s)) => flags.push(Flag::ServerName(s)),
        ("client_advertise", Parsed::Text(s)) => flags.push(Flag::ClientAdvertise(s)),
        ("P" | "pid", Parsed::Text(s)) => flags.push(Flag::PidFile(PathBuf::from(s))),
        ("l" | "log", Parsed::Text(s)) => flags.push(Flag::LogFile(PathBuf::from(s))),
        ("user", Parsed::Text(s)) => flags.push(Flag::User(s)),
        ("pass", Parsed::Text(s)) => flags.push(Flag::Pass(s)),
        ("auth", Parsed::Text(s)) => flags.push(Flag::Auth(s)),
        ("sd" | "store_dir", Parsed::Text(s)) => flags.push(Flag::StoreDir(PathBuf::from(s))),
        ("tlscert", Parsed::Text(s)) => flags.push(Flag::TlsCert(PathBuf::from(s))),
        ("tlskey", Parsed::Text(s)) => flags.push(Flag::TlsKey(PathBuf::from(s))),
        ("tlscacert", Parsed::Text(s)) => flags.push(Flag::TlsCaCert(PathBuf::from(s))),
        ("sl" | "signal", _) => {
            return Err(usage(format!(
                "-{name} is not supported by switchyard; stop the server with SIGTERM or SIGINT"
            )))
        }
        ("t", _) => return Err(usage("-t (test configuration) is not supported by switchyard".to_string())),
        (other, _) => line.warnings.push(format!("flag -{other} is not supported by switchyard; ignored")),
    }
    Ok(())
}

fn port_arg(name: &str, n: i64) -> Result<i64, ConfigError> {
    check_port(&format!("-{name}"), n).map_err(usage)
}

/// Go's `strconv.ParseBool`.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(text, 0, 64)`: optional sign, then decimal, `0x` hex, `0o`/leading-`0`
/// octal or `0b` binary.
fn go_int(text: &str) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from(u64::from_str_radix(digits, radix).ok()?);
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Lays the command-line settings over `config`, in order (so the last of two conflicting flags wins).
/// `-js` on a config without JetStream turns it on with default settings.
pub fn apply(flags: &[Flag], config: &mut Config) -> Result<(), ConfigError> {
    apply_over(flags, config, &JetStreamConfig::default())
}

/// [`apply`], where `-js` on a config without JetStream turns it on with `jetstream` (the settings of
/// a config file that turned JetStream off).
pub fn apply_over(flags: &[Flag], config: &mut Config, jetstream: &JetStreamConfig) -> Result<(), ConfigError> {
    let mut store_dir = None;
    let mut tls_flags = Vec::new();
    for flag in flags {
        match flag {
            Flag::Port(p) => config.port = client_port(*p),
            Flag::Host(h) => config.host.clone_from(h),
            Flag::ServerName(n) => {
                if n.contains(' ') {
                    return Err(usage("--server_name cannot contain spaces".to_string()));
                }
                config.server_name = Some(n.clone());
            }
            Flag::ClientAdvertise(a) => config.client_advertise = Some(a.clone()),
            Flag::Debug(b) => config.debug = *b,
            Flag::Trace(b) => config.trace = *b,
            Flag::Logtime(b) => config.logtime = *b,
            Flag::LogFile(p) => config.log_file = Some(p.clone()),
            Flag::PidFile(p) => config.pid_file = Some(p.clone()),
            Flag::User(u) => config.authorization.user = Some(u.clone()),
            Flag::Pass(p) => config.authorization.password = Some(p.clone()),
            Flag::Auth(t) => config.authorization.token = Some(t.clone()),
            Flag::HttpPort(p) => config.http_port = monitor_port(*p),
            Flag::HttpsPort(p) => config.https_port = monitor_port(*p),
            Flag::JetStream(true) => {
                config.jetstream.get_or_insert_with(|| jetstream.clone());
            }
            Flag::JetStream(false) | Flag::NoJetStream(true) => config.jetstream = None,
            Flag::StoreDir(dir) => store_dir = Some(dir.clone()),
            Flag::WebsocketPort(p) => match monitor_port(*p) {
                None => config.websocket = None,
                Some(port) => config.websocket.get_or_insert_with(WebsocketConfig::default).port = port,
            },
            Flag::MqttPort(p) => match monitor_port(*p) {
                None => config.mqtt = None,
                Some(port) => config.mqtt.get_or_insert_with(MqttConfig::default).port = port,
            },
            Flag::NoHttp(true) => {
                config.http_port = None;
                config.https_port = None;
            }
            Flag::NoWebsocket(true) => config.websocket = None,
            Flag::NoMqtt(true) => config.mqtt = None,
            Flag::NoHttp(false) | Flag::NoWebsocket(false) | Flag::NoMqtt(false) | Flag::NoJetStream(false) => {}
            Flag::MaxPayload(n) => {
                config.max_payload =
                    usize::try_from(*n).map_err(|_| usage(format!("--max_payload {n} is too large")))?;
            }
            Flag::Tls(_) | Flag::TlsVerify(_) | Flag::TlsCert(_) | Flag::TlsKey(_) | Flag::TlsCaCert(_) => {
                tls_flags.push(flag.clone());
            }
        }
    }
    if let (Some(dir), Some(js)) = (store_dir, config.jetstream.as_mut()) {
        js.store_dir = dir;
    }
    apply_tls(&tls_flags, config)
}

/// `--tls`, `--tlsverify`, `--tlscert`, `--tlskey`, `--tlscacert` replace the file's client TLS
/// settings; `--tls=false` turns TLS off.
fn apply_tls(flags: &[Flag], config: &mut Config) -> Result<(), ConfigError> {
    if flags.is_empty() {
        return Ok(());
    }
    let mut enabled = None;
    let mut verify = false;
    let mut cert = None;
    let mut key = None;
    let mut ca = None;
    for flag in flags {
        match flag {
            Flag::Tls(b) => enabled = Some(*b),
            Flag::TlsVerify(b) => verify = *b,
            Flag::TlsCert(p) => cert = Some(p.clone()),
            Flag::TlsKey(p) => key = Some(p.clone()),
            Flag::TlsCaCert(p) => ca = Some(p.clone()),
            _ => {}
        }
    }
    if enabled == Some(false) {
        config.tls = None;
        return Ok(());
    }
    let existing = config.tls.take();
    let cert = cert.or_else(|| existing.as_ref().map(|t| t.cert_file.clone()));
    let key = key.or_else(|| existing.as_ref().map(|t| t.key_file.clone()));
    let (Some(cert_file), Some(key_file)) = (cert, key) else {
        return Err(usage("TLS needs both --tlscert and --tlskey".to_string()));
    };
    let mut tls = existing.unwrap_or(TlsConfig {
        cert_file: PathBuf::new(),
        key_file: PathBuf::new(),
        ca_file: None,
        verify: false,
        verify_and_map: false,
        timeout: DEFAULT_TLS_TIMEOUT,
        handshake_first: false,
        handshake_first_fallback: None,
        min_version: None,
    });
    tls.cert_file = cert_file;
    tls.key_file = key_file;
    if ca.is_some() {
        tls.ca_file = ca;
    }
    tls.verify |= verify;
    config.tls = Some(tls);
    Ok(())
}

/// The `--help` text.
pub fn usage_text() -> String {
    "\
Usage: switchyard [options]

Server Options:
    -a, --addr, --net <host>         Bind to host address (default: 0.0.0.0)
    -p, --port <port>                Use port for clients (default: 4222, -1 for a random port)
    -n, --name
        --server_name <server_name>  Server name (default: auto)
    -P, --pid <file>                 File to store PID
    -m, --http_port <port>           Use port for http monitoring (default: 8222, 0 turns it off)
    -ms,--https_port <port>          Use port for https monitoring
    -c, --config <file>              Configuration file
        --client_advertise <string>  Client URL to advertise
        --max_payload <bytes>        Maximum message payload (default: 1048576)

Front-end Options:
    -ws,--websocket_port <port>      Use port for WebSocket clients (default: 8080, 0 turns it off)
        --mqtt_port <port>           Use port for MQTT clients (default: 1883, 0 turns it off)
        --no_http                    Turn off http and https monitoring
        --no_websocket               Turn off the WebSocket listener
        --no_mqtt                    Turn off the MQTT listener
        --no_jetstream               Turn off JetStream

Logging Options:
    -l, --log <file>                 File to redirect log output
    -T, --logtime                    Timestamp log entries (default: true)
    -D, --debug                      Enable debugging output
    -V, --trace                      Trace the raw protocol
    -DV                              Debug and trace

JetStream Options:
    -js, --jetstream                 Enable JetStream (default: on; -js=false turns it off)
    -sd, --store_dir <dir>           Set the storage directory

Authorization Options:
        --user <user>                User required for connections
        --pass <password>            Password required for connections
        --auth <token>               Authorization token required for connections

TLS Options:
        --tls                        Enable TLS, do not verify clients (default: false)
        --tlscert <file>             Server certificate file
        --tlskey <file>              Private key for server certificate
        --tlsverify                  Enable TLS, verify client certificates
        --tlscacert <file>           Client certificate CA for verification

Common Options:
    -h, --help                       Show this message
    -v, --version                    Show version

Flags use the same syntax as nats-server: -p 4222, --port 4222 and -port=4222 are equal, and
boolean flags are turned off with =false (-js=false). Flags override the configuration file.
"
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    fn flags(list: &[&str]) -> Vec<Flag> {
        parse_args(&args(list)).expect("parse").flags
    }

    fn error(list: &[&str]) -> String {
        parse_args(&args(list)).expect_err("should fail").to_string()
    }

    #[test]
    fn every_go_flag_spelling_means_the_same() {
        for form in [&["-p", "4333"][..], &["--port", "4333"], &["-port=4333"], &["--port=4333"], &["-p=4333"]] {
            assert_eq!(flags(form), vec![Flag::Port(4333)], "{form:?}");
        }
    }

    #[test]
    fn multi_letter_short_flags_and_booleans() {
        assert_eq!(
            flags(&["-js", "-sd", "/data", "-DV", "-ms", "8443", "-ws", "9090"]),
            vec![
                Flag::JetStream(true),
                Flag::StoreDir("/data".into()),
                Flag::Debug(true),
                Flag::Trace(true),
                Flag::HttpsPort(8443),
                Flag::WebsocketPort(9090),
            ]
        );
        assert_eq!(flags(&["-js=false", "--no_mqtt"]), vec![Flag::JetStream(false), Flag::NoMqtt(true)]);
        assert_eq!(flags(&["-T=0", "-D=t"]), vec![Flag::Logtime(false), Flag::Debug(true)]);
    }

    #[test]
    fn a_boolean_flag_does_not_take_the_next_argument() {
        // As in Go: `-D false` sets debug and stops at the non-flag `false`.
        assert!(error(&["-D", "false"]).contains("unrecognized command: \"false\""));
    }

    #[test]
    fn values_may_look_like_flags() {
        assert_eq!(flags(&["--pass", "-secret-"]), vec![Flag::Pass("-secret-".into())]);
        assert_eq!(flags(&["-p", "-1"]), vec![Flag::Port(-1)]);
    }

    #[test]
    fn integers_follow_go_base_prefixes() {
        assert_eq!(go_int("4222"), Some(4222));
        assert_eq!(go_int("0x10"), Some(16));
        assert_eq!(go_int("010"), Some(8));
        assert_eq!(go_int("-1"), Some(-1));
        assert_eq!(go_int("0"), Some(0));
        assert_eq!(go_int("12a"), None);
        assert_eq!(go_int("0x+1"), None);
    }

    #[test]
    fn config_help_and_version() {
        let line = parse_args(&args(&["-c", "nats.conf", "-D"])).expect("parse");
        assert_eq!(line.config_file, Some(PathBuf::from("nats.conf")));
        assert_eq!(line.action, Action::Run);
        assert!(matches!(parse_args(&args(&["-h"])).expect("h").action, Action::Help(_)));
        assert!(matches!(parse_args(&args(&["help"])).expect("help").action, Action::Help(_)));
        assert_eq!(parse_args(&args(&["--version"])).expect("v").action, Action::Version);
        assert_eq!(parse_args(&args(&["-p", "1", "version"])).expect("v").action, Action::Version);
        assert_eq!(parse_args(&args(&["-h", "-v"])).expect("v").action, Action::Version);
        match parse_args(&args(&["--help"])).expect("help").action {
            Action::Help(text) => assert!(text.contains("--no_websocket")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_command_lines_are_usage_errors() {
        assert_eq!(error(&["-bogus"]), "flag provided but not defined: -bogus");
        assert_eq!(error(&["-p"]), "flag needs an argument: -p");
        assert!(error(&["-p", "abc"]).contains("invalid value \"abc\" for flag -p"));
        assert!(error(&["-p", "70000"]).contains("out of range"));
        assert!(error(&["-js=maybe"]).contains("invalid boolean value"));
        assert!(error(&["---p"]).contains("bad flag syntax"));
        assert!(error(&["-sl", "stop"]).contains("not supported"));
        assert!(error(&["serve"]).contains("unrecognized command"));
    }

    #[test]
    fn double_dash_ends_flags() {
        let line = parse_args(&args(&["-D", "--", "version"])).expect("parse");
        assert_eq!(line.action, Action::Version);
        assert_eq!(line.flags, vec![Flag::Debug(true)]);
    }

    #[test]
    fn unsupported_nats_flags_warn() {
        let line = parse_args(&args(&["--routes", "nats://a:6222", "--cluster_name", "c", "-s"])).expect("parse");
        assert!(line.flags.is_empty());
        assert_eq!(line.warnings.len(), 3);
        assert!(line.warnings[0].contains("-routes is not supported"));
    }

    #[test]
    fn applying_flags_turns_front_ends_off_and_on() {
        let mut config = Config::default();
        apply(
            &[Flag::Port(-1), Flag::HttpPort(0), Flag::NoWebsocket(true), Flag::MqttPort(-1), Flag::NoJetStream(true)],
            &mut config,
        )
        .expect("apply");
        assert_eq!(config.port, 0);
        assert_eq!(config.http_port, None);
        assert!(config.websocket.is_none());
        assert_eq!(config.mqtt.as_ref().map(|m| m.port), Some(0));
        assert!(config.jetstream.is_none());
        apply(&[Flag::StoreDir("/sd".into()), Flag::JetStream(true), Flag::WebsocketPort(9001)], &mut config)
            .expect("apply");
        assert_eq!(config.jetstream.as_ref().map(|j| j.store_dir.clone()), Some(PathBuf::from("/sd")));
        assert_eq!(config.websocket.as_ref().map(|w| w.port), Some(9001));
    }

    #[test]
    fn tls_flags_build_a_tls_config() {
        let mut config = Config::default();
        apply(&[Flag::TlsVerify(true), Flag::TlsCert("c.pem".into()), Flag::TlsKey("k.pem".into())], &mut config)
            .expect("apply");
        let tls = config.tls.as_ref().expect("tls");
        assert!(tls.verify);
        assert_eq!(tls.cert_file, PathBuf::from("c.pem"));
        apply(&[Flag::Tls(false)], &mut config).expect("apply");
        assert!(config.tls.is_none());
        let err = apply(&[Flag::Tls(true)], &mut config).expect_err("no cert");
        assert!(err.to_string().contains("--tlscert"));
    }
}
