//! Test harness: starts the server under test as a child process on loopback ports of its own.
//!
//! The target comes from the environment ([`Target::from_env`]): `SWITCHYARD_TARGET=nats-server`
//! runs the reference `nats-server` from `PATH`; anything else runs switchyard from
//! `SWITCHYARD_BIN`, else `$CARGO_TARGET_DIR/release/switchyard`, else
//! `<workspace>/target/release/switchyard`. The harness never builds the binary: run
//! `cargo build --release -p switchyard` first (`scripts/test.sh` does).
//!
//! A [`Server`] owns free client and monitoring ports, a temporary work directory (JetStream
//! store, config file, log), and the process. [`Server::start`] returns once both ports accept
//! connections; [`Server::restart`] kills the process and starts a new one on the same ports and
//! store; dropping the `Server` kills the process and removes the directory. The harness speaks
//! no NATS itself: tests bring their own client.

use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio::net::TcpStream;
use tokio::time::{sleep, Instant};

/// Loopback address every server under test listens on.
pub const HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;

const READY_TIMEOUT: Duration = Duration::from_secs(10);
const START_ATTEMPTS: usize = 3;

/// Which server implementation the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The switchyard binary of this workspace.
    Switchyard,
    /// The reference `nats-server`, which defines expected behaviour.
    NatsServer,
}

impl Target {
    /// Read `SWITCHYARD_TARGET`: unset, empty or `switchyard` selects switchyard;
    /// `nats-server` selects the reference server; anything else is an error.
    pub fn from_env() -> Result<Self> {
        match std::env::var("SWITCHYARD_TARGET").unwrap_or_default().as_str() {
            "" | "switchyard" => Ok(Self::Switchyard),
            "nats-server" => Ok(Self::NatsServer),
            other => {
                bail!("SWITCHYARD_TARGET must be 'switchyard' or 'nats-server', not {other:?}")
            }
        }
    }

    /// Path of the executable for this target.
    pub fn binary(self) -> Result<PathBuf> {
        let path = match self {
            Self::NatsServer => {
                find_in_path("nats-server").context("nats-server is not installed (run scripts/install-deps.sh)")?
            }
            Self::Switchyard => switchyard_binary(),
        };
        if !is_executable(&path) {
            bail!(
                "server binary not found at {}: run `cargo build --release -p switchyard`, \
                 or set SWITCHYARD_BIN (or SWITCHYARD_TARGET=nats-server)",
                path.display()
            );
        }
        Ok(path)
    }
}

fn switchyard_binary() -> PathBuf {
    if let Some(explicit) = std::env::var_os("SWITCHYARD_BIN").filter(|v| !v.is_empty()) {
        return PathBuf::from(explicit);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf();
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target_dir.join("release").join("switchyard")
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((HOST, 0)).context("binding a probe port")?;
    Ok(listener.local_addr()?.port())
}

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Pass `-js -sd <workdir>/store`.
    pub jetstream: bool,
    /// Contents of a config file passed with `-c` (nats-server syntax).
    pub config: Option<String>,
    /// Extra command-line arguments, appended last.
    pub args: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self { jetstream: true, config: None, args: Vec::new() }
    }
}

/// One running server under test; killed when dropped.
#[derive(Debug)]
pub struct Server {
    target: Target,
    options: ServerOptions,
    port: u16,
    http_port: u16,
    workdir: tempfile::TempDir,
    child: Option<Child>,
}

impl Server {
    /// Start the target selected by the environment on fresh free ports and wait until it
    /// accepts connections on its client and monitoring ports.
    pub async fn start(options: ServerOptions) -> Result<Self> {
        let workdir = tempfile::Builder::new()
            .prefix("switchyard-test-")
            .tempdir()
            .context("creating the server work directory")?;
        let mut server = Self { target: Target::from_env()?, options, port: 0, http_port: 0, workdir, child: None };
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            server.port = free_port()?;
            server.http_port = free_port()?;
            while server.http_port == server.port {
                server.http_port = free_port()?;
            }
            match server.spawn().await {
                Ok(()) => return Ok(server),
                Err(err) => last_error = Some(err),
            }
        }
        Err(last_error.expect("at least one attempt was made"))
            .with_context(|| format!("server did not start after {START_ATTEMPTS} attempts"))
    }

    /// Start with [`ServerOptions::default`].
    pub async fn start_default() -> Result<Self> {
        Self::start(ServerOptions::default()).await
    }

    /// Kill the process (SIGKILL) and start a new one on the same ports and store directory.
    pub async fn restart(&mut self) -> Result<()> {
        self.kill();
        self.spawn().await
    }

    /// Kill the process (SIGKILL) and reap it; the work directory stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Both fail only when the process is already gone, which is the goal.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The target this server runs.
    pub fn target(&self) -> Target {
        self.target
    }

    /// `nats://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("nats://{HOST}:{}", self.port)
    }

    /// `http://127.0.0.1:<http_port>`, the monitoring endpoint.
    pub fn monitor_url(&self) -> String {
        format!("http://{HOST}:{}", self.http_port)
    }

    /// Client port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Monitoring (HTTP) port.
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// Client address, for raw sockets.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((HOST, self.port))
    }

    /// JetStream store directory passed with `-sd`.
    pub fn store_dir(&self) -> PathBuf {
        self.workdir.path().join("store")
    }

    /// Everything the server wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.workdir.path().join("server.log")
    }

    fn command(&self) -> Result<Command> {
        let mut cmd = Command::new(self.target.binary()?);
        cmd.args(["-a", &HOST.to_string(), "-p", &self.port.to_string()]).args(["-m", &self.http_port.to_string()]);
        if self.options.jetstream {
            cmd.args(["-js", "-sd"]).arg(self.store_dir());
        }
        if let Some(config) = &self.options.config {
            let path = self.workdir.path().join("server.conf");
            fs::write(&path, config).context("writing the server config")?;
            cmd.arg("-c").arg(path);
        }
        if self.target == Target::Switchyard {
            cmd.args(["--no_websocket", "--no_mqtt"]);
        }
        cmd.args(&self.options.args);
        Ok(cmd)
    }

    async fn spawn(&mut self) -> Result<()> {
        let log = File::options().create(true).append(true).open(self.log_path())?;
        let child = self
            .command()?
            .current_dir(self.workdir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("spawning the server")?;
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        for port in [self.port, self.http_port] {
            loop {
                if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().transpose()) {
                    self.child = None;
                    bail!("server exited with {}:\n{}", status?, self.log_tail());
                }
                if Instant::now() > deadline {
                    self.kill();
                    bail!("server not ready within {READY_TIMEOUT:?}:\n{}", self.log_tail());
                }
                if TcpStream::connect((HOST, port)).await.is_ok() {
                    break;
                }
                sleep(Duration::from_millis(10)).await;
            }
        }
        Ok(())
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let start = log.len().saturating_sub(2000);
        let start = (start..log.len()).find(|&i| log.is_char_boundary(i)).unwrap_or(log.len());
        log[start..].to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_port_returns_a_bindable_port() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((HOST, port)).unwrap();
    }

    #[test]
    fn default_options_enable_jetstream() {
        let options = ServerOptions::default();
        assert!(options.jetstream);
        assert!(options.config.is_none() && options.args.is_empty());
    }
}
