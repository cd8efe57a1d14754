//! `/healthz` variants: JetStream off, configured but not running, healthy and failing providers,
//! targeted checks, bad requests and readiness (lame duck).

mod monitor_support;

use std::sync::Arc;

use serde_json::json;
use switchyard::monitor::{HealthCheck, HealthProblem, JetStreamMonitor, JszOptions};
use switchyard_shared::api::monitor::{HealthzError, HealthzErrorType, JetStreamVarz, JsInfo};

use monitor_support::*;

/// A JetStream stand-in with one account `A` holding stream `S`, which failed to recover.
struct BrokenStream;

impl JetStreamMonitor for BrokenStream {
    fn jsz(&self, _opts: &JszOptions) -> JsInfo {
        JsInfo::default()
    }
    fn varz(&self) -> JetStreamVarz {
        JetStreamVarz::default()
    }
    fn health(&self, check: &HealthCheck) -> Vec<HealthProblem> {
        if !check.account.is_empty() && check.account != "A" {
            return vec![HealthProblem {
                status: 404,
                error: HealthzError {
                    kind: HealthzErrorType::Account,
                    account: check.account.clone(),
                    error: format!("JetStream account {:?} not found", check.account),
                    ..Default::default()
                },
            }];
        }
        vec![HealthProblem {
            status: 503,
            error: HealthzError {
                kind: HealthzErrorType::Stream,
                account: "A".into(),
                stream: "S".into(),
                error: "JetStream stream 'A > S' could not be recovered".into(),
                ..Default::default()
            },
        }]
    }
}

async fn status(ts: &TestServer, path: &str) -> (u16, serde_json::Value) {
    let r = ts.get(path).await;
    (r.status, r.json())
}

#[tokio::test]
async fn without_jetstream_configured_every_variant_is_ok() {
    let ts = TestServer::start(test_config()).await;
    let plain = ts.get("/healthz").await;
    assert_eq!((plain.status, plain.text()), (200, r#"{"status":"ok"}"#.to_owned()), "nats-server writes it compactly");
    for q in ["?js-enabled-only=true", "?js-server-only=true", "?js-enabled=1", "?details=true"] {
        assert_eq!(status(&ts, &format!("/healthz{q}")).await, (200, json!({"status": "ok"})), "{q}");
    }
    ts.stop().await;
}

#[tokio::test]
async fn running_jetstream_is_healthy_and_reports_missing_streams() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config();
    config.jetstream =
        Some(switchyard::config::JetStreamConfig { store_dir: dir.path().to_path_buf(), ..Default::default() });
    let ts = TestServer::start(config).await;
    assert_eq!(status(&ts, "/healthz").await, (200, json!({"status": "ok"})));
    assert_eq!(status(&ts, "/healthz?js-enabled-only=true").await, (200, json!({"status": "ok"})));
    assert_eq!(status(&ts, "/healthz?js-server-only=true").await, (200, json!({"status": "ok"})));
    let (code, body) = status(&ts, "/healthz?account=$G&stream=NOPE").await;
    assert_eq!(code, 404, "{body}");
    ts.stop().await;
}

#[tokio::test]
async fn provider_problems_fail_the_check_unless_only_enablement_is_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config();
    config.jetstream =
        Some(switchyard::config::JetStreamConfig { store_dir: dir.path().to_path_buf(), ..Default::default() });
    let ts = TestServer::start(config).await;
    ts.server().monitoring.set_jetstream(Arc::new(BrokenStream));
    assert_eq!(
        status(&ts, "/healthz").await,
        (503, json!({"status": "unavailable", "error": "JetStream stream 'A > S' could not be recovered"}))
    );
    assert_eq!(status(&ts, "/healthz?js-enabled-only=true").await, (200, json!({"status": "ok"})));
    assert_eq!(
        status(&ts, "/healthz?details=1").await,
        (
            503,
            json!({"status": "error", "errors": [{"type": "STREAM", "account": "A", "stream": "S",
                "error": "JetStream stream 'A > S' could not be recovered"}]})
        )
    );
    let (code, body) = status(&ts, "/healthz?account=B").await;
    assert_eq!((code, body["error"].clone()), (404, json!("JetStream account \"B\" not found")));
    let (code, body) = status(&ts, "/healthz?stream=S").await;
    assert_eq!(code, 400);
    assert_eq!(body, json!({"status": "error", "error": "\"account\" must not be empty when checking stream health"}));
    let (code, body) = status(&ts, "/healthz?account=A&consumer=C").await;
    assert_eq!(
        (code, body["error"].clone()),
        (400, json!("\"stream\" must not be empty when checking consumer health"))
    );
    let bad = ts.get("/healthz?details=perhaps").await;
    assert_eq!(bad.status, 400);
    ts.stop().await;
}

#[tokio::test]
async fn lame_duck_is_not_ready() {
    let ts = TestServer::start(test_config()).await;
    assert_eq!(ts.get("/healthz").await.status, 200);
    ts.server().enter_lame_duck();
    let (code, body) = status(&ts, "/healthz").await;
    assert_eq!(code, 500);
    assert_eq!(body["status"], "error");
    assert!(body["error"].as_str().unwrap().starts_with("failed to be ready for connections"), "{body}");
    ts.stop().await;
}
