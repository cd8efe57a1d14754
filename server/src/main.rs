//! The `switchyard` binary: parse flags and configuration, install signal handlers, run the server.

use anyhow::Context;
use switchyard::config::{self, Action};
use tracing::{info, warn};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bench") {
        return switchyard::bench::run(&args[1..]);
    }
    let loaded = match config::load(&args) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("switchyard: {e}");
            std::process::exit(1);
        }
    };
    let config = match loaded.action {
        Action::Help(text) => {
            println!("{text}");
            return Ok(());
        }
        Action::Version => {
            println!(
                "switchyard {} (nats-server {} compatible)",
                env!("CARGO_PKG_VERSION"),
                switchyard::server::NATS_VERSION
            );
            return Ok(());
        }
        Action::Run => loaded.config,
    };
    init_logging(&config)?;
    for w in &loaded.warnings {
        warn!("{w}");
    }
    if let Some(pid_file) = &config.pid_file {
        std::fs::write(pid_file, std::process::id().to_string())
            .with_context(|| format!("writing {}", pid_file.display()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        let running = switchyard::Server::start(config).await.context("starting the server")?;
        let server = running.server.clone();
        tokio::spawn(signals(server));
        running.wait().await;
        Ok(())
    })
}

/// SIGINT/SIGTERM shut down gracefully; SIGUSR2 enters lame-duck mode, as with nats-server.
async fn signals(server: std::sync::Arc<switchyard::Server>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut usr2)) =
        (signal(SignalKind::terminate()), signal(SignalKind::interrupt()), signal(SignalKind::user_defined2()))
    else {
        warn!("cannot install signal handlers");
        return;
    };
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = usr2.recv() => server.enter_lame_duck(),
        }
    }
    info!("shutting down");
    server.shutdown.cancel();
}

fn init_logging(config: &config::Config) -> anyhow::Result<()> {
    let default = if config.trace {
        "trace"
    } else if config.debug {
        "debug"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match &config.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening log file {}", path.display()))?;
            builder.with_ansi(false).with_writer(std::sync::Mutex::new(file)).init();
        }
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}
