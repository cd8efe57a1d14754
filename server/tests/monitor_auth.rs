//! Monitoring credentials: open by default, token and basic users (plain and bcrypt) from
//! `monitor { http_auth }`, the read-only mode, and the server's own users with their publish
//! permissions on the bridge.

mod monitor_support;

use base64::Engine;
use switchyard::config::{HttpAuth, HttpUser, Permissions, SubjectPermission, User};

use monitor_support::*;

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
}

async fn status(ts: &TestServer, method: &str, path: &str, auth: Option<&str>) -> u16 {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
    http(ts.http, method, path, &headers, b"x").await.status
}

fn with_http_auth(read_only: bool) -> switchyard::config::Config {
    let mut config = test_config();
    config.monitor.http_auth = Some(HttpAuth {
        token: Some("t0ken".into()),
        users: vec![
            HttpUser { user: "ops".into(), password: "pw".into() },
            HttpUser { user: "hashed".into(), password: bcrypt::hash("s3cret", 4).unwrap() },
        ],
        read_only,
    });
    config
}

#[tokio::test]
async fn without_credentials_configured_everything_is_open() {
    let ts = TestServer::start(test_config()).await;
    assert_eq!(status(&ts, "GET", "/varz", None).await, 200);
    assert_eq!(status(&ts, "POST", "/pub/open", None).await, 200);
    assert_eq!(status(&ts, "GET", "/varz", Some("Bearer whatever")).await, 401, "wrong credentials are refused");
    ts.stop().await;
}

#[tokio::test]
async fn http_auth_protects_reads_and_the_bridge() {
    let ts = TestServer::start(with_http_auth(false)).await;
    let denied = http(ts.http, "GET", "/varz", &[], b"").await;
    assert_eq!(denied.status, 401);
    let challenges: Vec<&str> = denied.headers_named("www-authenticate").collect();
    assert_eq!(challenges, ["Basic realm=\"switchyard\"", "Bearer realm=\"switchyard\""]);
    assert_eq!(denied.header("access-control-allow-origin"), Some("*"), "the console can read the refusal");
    assert_eq!(status(&ts, "GET", "/varz", Some("Bearer t0ken")).await, 200);
    assert_eq!(status(&ts, "GET", "/connz", Some(&basic("ops", "pw"))).await, 200);
    assert_eq!(status(&ts, "GET", "/connz", Some(&basic("hashed", "s3cret"))).await, 200);
    assert_eq!(status(&ts, "GET", "/connz", Some(&basic("hashed", "s3cret"))).await, 200, "cached bcrypt result");
    assert_eq!(status(&ts, "GET", "/connz", Some(&basic("hashed", "nope"))).await, 401);
    assert_eq!(status(&ts, "GET", "/connz", Some(&basic("ops", "wrong"))).await, 401);
    assert_eq!(status(&ts, "GET", "/connz", Some("Bearer wrong")).await, 401);
    assert_eq!(status(&ts, "GET", "/healthz", None).await, 401);
    assert_eq!(status(&ts, "POST", "/pub/x", None).await, 401);
    assert_eq!(status(&ts, "POST", "/pub/x", Some("Bearer t0ken")).await, 200);
    ts.stop().await;
}

#[tokio::test]
async fn read_only_leaves_reads_open_and_guards_the_bridge() {
    let ts = TestServer::start(with_http_auth(true)).await;
    assert_eq!(status(&ts, "GET", "/varz", None).await, 200);
    assert_eq!(status(&ts, "GET", "/metrics", None).await, 200);
    assert_eq!(status(&ts, "GET", "/varz", Some("Bearer wrong")).await, 401);
    assert_eq!(status(&ts, "POST", "/pub/x", None).await, 401);
    assert_eq!(status(&ts, "POST", "/pub/x", Some(&basic("ops", "pw"))).await, 200);
    ts.stop().await;
}

#[tokio::test]
async fn server_users_use_the_bridge_within_their_permissions() {
    let mut config = test_config();
    config.authorization.users = vec![User {
        user: Some("svc".into()),
        password: Some("pw".into()),
        permissions: Some(Permissions {
            publish: Some(SubjectPermission { allow: Some(vec!["orders.>".into()]), deny: vec![] }),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let ts = TestServer::start(config).await;
    assert_eq!(status(&ts, "GET", "/varz", None).await, 200, "reads stay open as in nats-server");
    assert_eq!(status(&ts, "POST", "/pub/orders.new", None).await, 401, "the bridge is not a way around client auth");
    assert_eq!(status(&ts, "POST", "/pub/orders.new", Some(&basic("svc", "pw"))).await, 200);
    let forbidden = http(ts.http, "POST", "/pub/billing.x", &[("Authorization", &basic("svc", "pw"))], b"x").await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.json()["error"], "permissions violation for publish to \"billing.x\"");
    assert_eq!(status(&ts, "POST", "/req/billing.x", Some(&basic("svc", "pw"))).await, 403);
    assert_eq!(status(&ts, "POST", "/pub/orders.new", Some(&basic("svc", "bad"))).await, 401);
    ts.stop().await;
}
