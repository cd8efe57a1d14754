//! Server configuration (interim: defaults only; the nats-server file format and flags replace this).

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct JetStreamConfig {
    pub store_dir: PathBuf,
    pub max_memory_store: i64,
    pub max_file_store: i64,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub server_name: String,
    pub host: String,
    pub port: u16,
    pub http_host: String,
    pub http_port: Option<u16>,
    pub max_payload: usize,
    pub max_control_line: usize,
    pub max_pending: usize,
    pub max_connections: usize,
    pub max_subscriptions: usize,
    pub ping_interval: Duration,
    pub ping_max: u32,
    pub write_deadline: Duration,
    pub auth_timeout: Duration,
    pub lame_duck_duration: Duration,
    pub lame_duck_grace_period: Duration,
    pub no_header_support: bool,
    pub auth_token: Option<String>,
    pub users: Vec<(String, String)>,
    pub jetstream: Option<JetStreamConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server_name: String::new(),
            host: "0.0.0.0".into(),
            port: 4222,
            http_host: "0.0.0.0".into(),
            http_port: Some(8222),
            max_payload: 1024 * 1024,
            max_control_line: 4096,
            max_pending: 64 * 1024 * 1024,
            max_connections: 65536,
            max_subscriptions: 0,
            ping_interval: Duration::from_secs(120),
            ping_max: 2,
            write_deadline: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(2),
            lame_duck_duration: Duration::from_secs(120),
            lame_duck_grace_period: Duration::from_secs(10),
            no_header_support: false,
            auth_token: None,
            users: Vec::new(),
            jetstream: None,
        }
    }
}
