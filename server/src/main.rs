//! The `switchyard` binary: parse flags and configuration, install signal handlers, run the server.

use anyhow::Context;
use switchyard::config::Config;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = Config::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-p" | "--port" => config.port = it.next().context("-p needs a value")?.parse()?,
            "-a" | "--addr" => config.host = it.next().context("-a needs a value")?.clone(),
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        switchyard::run(config, shutdown).await.context("server failed")
    })
}
