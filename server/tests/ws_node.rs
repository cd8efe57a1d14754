//! The official JavaScript client (`wsconnect`) against switchyard, from Node and from headless
//! Chromium: runs `scripts/ws-check` under `node --test` with a server started here (WebSocket with
//! compression, plus its TCP port).
//!
//! Needs Node 20+, `npm ci` in `scripts/ws-check` and (for the browser part) Chromium, so it is
//! ignored by default:
//! `cargo test -p switchyard --test ws_node -- --ignored`.

mod ws_support;

use std::path::PathBuf;
use std::process::Command;

use ws_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs node and `npm ci` in scripts/ws-check"]
async fn official_js_client_passes_ws_check() {
    let running = start(|s| s.compression = true).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/ws-check");
    assert!(dir.join("node_modules").is_dir(), "run `npm ci` in {}", dir.display());
    let ws_url = format!("ws://{}", ws_addr(&running));
    let nats_url = format!("nats://{}", running.client_addr);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("--test")
            .current_dir(dir)
            .env("WS_URL", ws_url)
            .env("NATS_URL", nats_url)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "node --test failed");
    assert!(stdout.contains("# fail 0"));
}
