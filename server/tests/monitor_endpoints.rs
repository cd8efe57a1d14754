//! The monitoring endpoints over HTTP: each body decodes into the shared types and has the key set of
//! the nats-server 2.9.10 capture in `shared/tests/fixtures/monitor/` (plus fields newer nats-server
//! versions and switchyard add), and the HTTP behaviour (404, CORS, JSONP, gzip, base path, index).

mod monitor_support;

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};
use switchyard::monitor::{HealthCheck, HealthProblem, JetStreamMonitor, JszOptions};
use switchyard_shared::api::monitor::{
    Accountz, Connz, HealthStatus, JetStreamVarz, JsInfo, Routez, SublistStats, Subsz, Varz,
};

use monitor_support::*;

/// Fields nats-server 2.10+ writes that the 2.9.10 capture lacks, and switchyard's rate fields.
const NEWER: &[&str] = &[
    "in_client_msgs",
    "in_client_bytes",
    "out_client_msgs",
    "out_client_bytes",
    "stale_connections",
    "stalled_clients",
    "config_digest",
    "slow_consumer_stats",
    "stale_connection_stats",
    "disk_io_wait_stats",
    "server_name",
    "total",
    "level",
    "compression",
    "consumer_limits",
    "allow_msg_ttl",
    "ts",
    "name",
    "num_subscriptions",
    "in_msgs_rate",
    "out_msgs_rate",
    "in_bytes_rate",
    "out_bytes_rate",
];

async fn two_clients(ts: &TestServer) -> (Nats, Nats) {
    let mut capture = Nats::connect(ts.nats, "capture", "").await;
    let mut watcher = Nats::connect(ts.nats, "watcher", "").await;
    watcher.send("SUB events.* 1\r\nSUB _INBOX.cap.* 2\r\nSUB orders.> q1 3\r\n").await;
    watcher.flush().await;
    capture.send("SUB _INBOX.cap.* 1\r\n").await;
    for i in 0..5 {
        capture.send(&format!("PUB events.{i} _INBOX.cap.{i} 5\r\nhello\r\n")).await;
    }
    capture.flush().await;
    (capture, watcher)
}

#[tokio::test]
async fn varz_has_nats_server_fields_and_counts_traffic() {
    let ts = TestServer::start(test_config()).await;
    let (_capture, _watcher) = two_clients(&ts).await;
    ts.get("/varz").await;
    let v = ts.get_json("/varz").await;
    let varz: Varz = serde_json::from_value(v.clone()).expect("decodes as Varz");
    assert_eq!(varz.id, ts.server().server_id);
    assert_eq!(varz.version, "2.10.0");
    assert_eq!(varz.proto, 1);
    assert_eq!(varz.port, i64::from(ts.nats.port()));
    assert_eq!(varz.http_port, i64::from(ts.http.port()));
    assert_eq!(varz.connections, 2);
    assert_eq!(varz.total_connections, 2);
    assert_eq!(varz.in_msgs, 5);
    assert_eq!(varz.out_msgs, 5, "each publish reached the watcher's events.* subscription");
    assert_eq!(varz.in_bytes, 25);
    assert_eq!(varz.ping_interval, 120_000_000_000);
    assert_eq!(varz.write_deadline, 10_000_000_000);
    assert_eq!(varz.max_payload, 1 << 20);
    assert!(varz.subscriptions >= 4, "client subscriptions plus the server's own");
    assert!(varz.mem > 0);
    assert!(varz.http_req_stats["/varz"] >= 1, "{:?}", varz.http_req_stats);
    assert_eq!(v["jetstream"], json!({}), "JetStream off writes an empty block, as nats-server");
    assert_eq!(v["http_base_path"], "", "the default base path reads as nats-server's empty one");
    let diff = key_diff(&v, &fixture("varz.json"), NEWER, &["config", "stats"]);
    assert!(diff.is_empty(), "{diff:#?}");
    ts.stop().await;
}

#[tokio::test]
async fn varz_rates_appear_after_two_samples() {
    let ts = TestServer::start(test_config()).await;
    let mut c = Nats::connect(ts.nats, "rates", "").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    c.send("SUB r 1\r\n").await;
    for _ in 0..50 {
        c.send("PUB r 10\r\n0123456789\r\n").await;
    }
    c.flush().await;
    // The sampler runs every second and a connection needs two samples; allow for a busy machine.
    let mut connz = serde_json::Value::Null;
    for _ in 0..60 {
        connz = ts.get_json("/connz").await;
        if connz["connections"][0]["in_msgs_rate"].is_number() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(connz["connections"][0]["in_msgs_rate"].as_f64().is_some(), "{connz}");
    let v = ts.get_json("/varz").await;
    assert!(v["in_msgs_rate"].as_f64().is_some(), "{v}");
    ts.stop().await;
}

#[tokio::test]
async fn connz_shapes_match_nats_server() {
    let ts = TestServer::start(test_config()).await;
    let (capture, _watcher) = two_clients(&ts).await;
    let plain = ts.get_json("/connz").await;
    let connz: Connz = serde_json::from_value(plain.clone()).expect("decodes as Connz");
    assert_eq!((connz.num_conns, connz.total, connz.offset, connz.limit), (2, 2, 0, 1024));
    let c = &connz.conns[0];
    assert_eq!(
        (c.kind.as_str(), c.client_type.as_str(), c.name.as_str(), c.lang.as_str()),
        ("Client", "nats", "capture", "rust")
    );
    assert_eq!((c.in_msgs, c.in_bytes, c.num_subs), (5, 25, 1));
    assert_eq!(c.ip, "127.0.0.1");
    assert_eq!(connz.conns[1].out_msgs, 5);
    let diff = key_diff(&plain, &fixture("connz.json"), NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");

    let subs = ts.get_json("/connz?subs=1").await;
    assert_eq!(subs["connections"][0]["subscriptions_list"], json!(["_INBOX.cap.*"]));
    let diff = key_diff(&subs, &fixture("connz_subs.json"), NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");

    let detail = ts.get_json("/connz?subs=detail").await;
    let watcher = &detail["connections"][1]["subscriptions_list_detail"];
    assert_eq!(watcher.as_array().unwrap().len(), 3);
    let events = watcher.as_array().unwrap().iter().find(|s| s["subject"] == "events.*").unwrap();
    assert_eq!(events, &json!({"subject": "events.*", "sid": "1", "msgs": 5, "cid": connz.conns[1].cid}));
    let queue = watcher.as_array().unwrap().iter().find(|s| s["subject"] == "orders.>").unwrap();
    assert_eq!(queue["qgroup"], "q1");
    let diff = key_diff(&detail, &fixture("connz_subs_detail.json"), NEWER, &["qgroup"]);
    assert!(diff.is_empty(), "{diff:#?}");

    drop(capture);
    let mut closed = Value::Null;
    for _ in 0..100 {
        closed = ts.get_json("/connz?state=closed").await;
        if closed["num_connections"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(closed["connections"][0]["reason"], "Client Closed", "{closed}");
    assert!(closed["connections"][0]["stop"].is_string());
    let diff = key_diff(&closed, &fixture("connz_closed.json"), NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    ts.stop().await;
}

#[tokio::test]
async fn subsz_shapes_match_nats_server() {
    let ts = TestServer::start(test_config()).await;
    let (_capture, _watcher) = two_clients(&ts).await;
    let stats = ts.get_json("/subsz").await;
    let _: SublistStats = serde_json::from_value(stats.clone()).expect("decodes as SublistStats");
    assert!(stats.get("server_id").is_none(), "only the statistics without subs, as nats-server 2.9/2.10");
    let diff = key_diff(&stats, &fixture("subsz.json"), &[], &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    assert!(stats["num_subscriptions"].as_u64().unwrap() >= 4);

    let list = ts.get_json("/subsz?subs=1").await;
    let subsz: Subsz = serde_json::from_value(list.clone()).expect("decodes as Subsz");
    assert_eq!(subsz.total as usize, subsz.subs.len());
    let diff = key_diff(&list, &fixture("subsz_subs.json"), NEWER, &["qgroup"]);
    assert!(diff.is_empty(), "{diff:#?}");

    let tested = ts.get_json("/subsz?subs=1&test=orders.new").await;
    let subjects: Vec<&str> =
        tested["subscriptions_list"].as_array().unwrap().iter().map(|s| s["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["orders.>"]);
    assert_eq!(tested["subscriptions_list"][0]["account"], "$G");
    assert_eq!(tested["subscriptions_list"][0]["qgroup"], "q1");

    let paged = ts.get_json("/subsz?subs=1&offset=1&limit=2").await;
    assert_eq!(paged["subscriptions_list"].as_array().unwrap().len(), 2);
    assert_eq!((paged["offset"].clone(), paged["limit"].clone()), (json!(1), json!(2)));

    let bad = ts.get("/subsz?subs=1&test=orders.*").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.text(), "invalid test subject, must be valid publish subject: orders.*");
    ts.stop().await;
}

#[tokio::test]
async fn routez_accountz_and_friends_match_nats_server() {
    let ts = TestServer::start(test_config()).await;
    let routez = ts.get_json("/routez").await;
    let _: Routez = serde_json::from_value(routez.clone()).unwrap();
    assert_eq!((routez["num_routes"].clone(), routez["routes"].clone()), (json!(0), json!([])));
    assert!(key_diff(&routez, &fixture("routez.json"), NEWER, &[]).is_empty());

    let accountz = ts.get_json("/accountz").await;
    let _: Accountz = serde_json::from_value(accountz.clone()).unwrap();
    assert_eq!(accountz["accounts"], json!(["$G", "$SYS"]));
    assert_eq!(accountz["system_account"], "$SYS");
    assert!(key_diff(&accountz, &fixture("accountz.json"), &[], &[]).is_empty());

    let _c = Nats::connect(ts.nats, "acc", "").await;
    let detail = ts.get_json("/accountz?acc=$G").await;
    assert_eq!(detail["account_detail"]["client_connections"], 1);
    let diff = key_diff(&detail, &fixture("accountz_detail.json"), &[], &["imports"]);
    assert!(diff.is_empty(), "{diff:#?}");
    let missing = ts.get("/accountz?acc=nope").await;
    assert_eq!((missing.status, missing.text()), (400, "Account nope does not exist".to_owned()));

    let accstatz = ts.get_json("/accstatz").await;
    assert_eq!(accstatz["account_statz"][0]["acc"], "$G");
    assert_eq!(accstatz["account_statz"][0]["conns"], 1);
    let diff = key_diff(&accstatz, &fixture("accstatz.json"), NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    for (path, name) in [("/gatewayz", "gatewayz.json"), ("/leafz", "leafz.json")] {
        let ours = ts.get_json(path).await;
        let diff = key_diff(&ours, &fixture(name), &[], &[]);
        assert!(diff.is_empty(), "{path}: {diff:#?}");
    }
    ts.stop().await;
}

#[tokio::test]
async fn jsz_without_jetstream_reports_disabled_like_nats_server() {
    let ts = TestServer::start(test_config()).await;
    let v = ts.get_json("/jsz?accounts=true").await;
    let _: JsInfo = serde_json::from_value(v.clone()).unwrap();
    // Captured from nats-server 2.9.10 started without JetStream.
    let captured = json!({
        "server_id": "N", "now": "2026-11-29T08:36:15.426260465Z", "disabled": true,
        "config": {"max_memory": 0, "max_storage": 0},
        "memory": 0, "storage": 0, "reserved_memory": 0, "reserved_storage": 0, "accounts": 0,
        "ha_assets": 0, "api": {"total": 0, "errors": 0}, "streams": 0, "consumers": 0, "messages": 0, "bytes": 0
    });
    let diff = key_diff(&v, &captured, NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    assert_eq!(v["disabled"], true);
    let leader = ts.get("/jsz?leader-only=true").await;
    assert_eq!(leader.status, 400);
    ts.stop().await;
}

/// A JetStream stand-in that answers with the captured `/jsz` body.
struct CapturedJetStream {
    info: JsInfo,
    last_opts: parking_lot::Mutex<Option<JszOptions>>,
}

impl JetStreamMonitor for CapturedJetStream {
    fn jsz(&self, opts: &JszOptions) -> JsInfo {
        *self.last_opts.lock() = Some(opts.clone());
        self.info.clone()
    }
    fn varz(&self) -> JetStreamVarz {
        JetStreamVarz {
            stats: Some(self.info.stats.clone()),
            config: Some(self.info.config.clone()),
            ..Default::default()
        }
    }
    fn health(&self, _check: &HealthCheck) -> Vec<HealthProblem> {
        Vec::new()
    }
}

#[tokio::test]
async fn jsz_passes_the_provider_report_through_with_normalised_options() {
    let mut config = test_config();
    let store = tempfile::tempdir().unwrap();
    config.jetstream =
        Some(switchyard::config::jetstream::JetStreamConfig { store_dir: store.path().into(), ..Default::default() });
    let ts = TestServer::start(config).await;
    let captured = fixture("jsz_full.json");
    let provider = Arc::new(CapturedJetStream {
        info: serde_json::from_value(captured.clone()).unwrap(),
        last_opts: parking_lot::Mutex::new(None),
    });
    ts.server().monitoring.set_jetstream(provider.clone());
    let v = ts.get_json("/jsz?consumers=true&config=1").await;
    assert_eq!(v["server_id"], ts.server().server_id.as_str());
    let diff = key_diff(&v, &captured, NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    let opts = provider.last_opts.lock().clone().unwrap();
    assert!(opts.consumers && opts.streams && opts.accounts && opts.config, "{opts:?}");
    assert_eq!(opts.limit, 1024);
    let varz = ts.get_json("/varz").await;
    let diff = key_diff(&varz["jetstream"], &fixture("varz.json")["jetstream"], NEWER, &[]);
    assert!(diff.is_empty(), "{diff:#?}");
    let health = ts.get("/healthz").await;
    assert_eq!((health.status, health.text()), (200, r#"{"status":"ok"}"#.to_owned()));
    ts.stop().await;
}

#[tokio::test]
async fn http_behaviour_matches_nats_server() {
    let ts = TestServer::start(test_config()).await;
    let missing = ts.get("/nope").await;
    assert_eq!(missing.status, 404);
    let varz = ts.get("/varz").await;
    assert_eq!(varz.header("content-type"), Some("application/json"));
    let origin = http(ts.http, "GET", "/varz", &[("Origin", "http://console.example")], b"").await;
    assert_eq!(origin.header("access-control-allow-origin"), Some("*"));
    let jsonp = ts.get("/connz?callback=render").await;
    assert_eq!(jsonp.header("content-type"), Some("application/javascript"));
    assert!(jsonp.text().starts_with("render({") && jsonp.text().ends_with("})"), "{}", jsonp.text());
    let gz = http(ts.http, "GET", "/varz", &[("Accept-Encoding", "gzip")], b"").await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    let bad = ts.get("/connz?sort=foo").await;
    assert_eq!((bad.status, bad.text()), (400, "invalid sorting option: foo".to_owned()));
    let bad = ts.get("/connz?subs=maybe").await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().starts_with("Error decoding boolean for 'subs'"), "{}", bad.text());
    let health: HealthStatus = serde_json::from_value(ts.get("/healthz").await.json()).unwrap();
    assert_eq!(health.status, "ok");
    ts.stop().await;
}

#[tokio::test]
async fn root_serves_the_console_or_an_index() {
    let ts = TestServer::start(test_config()).await;
    let root = ts.get("/").await;
    assert_eq!(root.status, 200);
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/index.html");
    if bundle.exists() {
        assert_eq!(root.body, std::fs::read(bundle).unwrap());
    } else {
        assert!(root.header("content-type").unwrap().starts_with("text/html"));
        for path in ["varz", "connz", "subsz", "jsz", "healthz", "accountz", "routez", "metrics"] {
            assert!(root.text().contains(&format!("href=\"./{path}\"")), "{path}");
        }
        let browser = http(ts.http, "GET", "/connections", &[("Accept", "text/html")], b"").await;
        assert_eq!(browser.status, 404, "no console: no client-side routes either");
    }
    ts.stop().await;
}

#[tokio::test]
async fn base_path_prefixes_every_endpoint() {
    let mut config = test_config();
    config.http_base_path = "/mon/".into();
    let ts = TestServer::start(config).await;
    let v = ts.get_json("/mon/varz").await;
    assert_eq!(v["http_base_path"], "/mon/");
    assert_eq!(ts.get("/varz").await.status, 404);
    assert_eq!(ts.get("/mon/connz").await.status, 200);
    ts.stop().await;
}

#[tokio::test]
async fn accountz_detail_lists_exports_imports_and_mappings() {
    let conf = r#"
        accounts {
          A {
            users = [ {user: a, password: a} ]
            exports = [ {stream: "events.>", accounts: [B]}, {service: "svc.time", response_type: stream} ]
            mappings = { "old.*": "new.{{wildcard(1)}}" }
          }
          B {
            users = [ {user: b, password: b} ]
            imports = [ {stream: {account: A, subject: "events.>"}, prefix: "a"},
                        {service: {account: A, subject: "svc.time"}, to: "time"} ]
          }
        }
    "#;
    let (parsed, _) = switchyard::config::parse_str(conf, Path::new("accounts.conf")).unwrap();
    let base = test_config();
    let mut config = switchyard::config::Config { host: base.host, port: 0, http_port: Some(0), ..parsed };
    let store = tempfile::tempdir().unwrap();
    if let Some(js) = config.jetstream.as_mut() {
        js.store_dir = store.path().into();
    }
    let ts = TestServer::start(config).await;
    let names = ts.get_json("/accountz").await;
    assert_eq!(names["accounts"], json!(["$G", "$SYS", "A", "B"]));

    let a = ts.get_json("/accountz?acc=A").await;
    let _: Accountz = serde_json::from_value(a.clone()).unwrap();
    let detail = &a["account_detail"];
    assert_eq!(
        detail["exports"],
        json!([
            {"subject": "events.>", "type": "stream", "approved_accounts": ["B"]},
            {"subject": "svc.time", "type": "service", "response_type": "Stream"}
        ])
    );
    assert_eq!(detail["mappings"], json!({"old.*": [{"subject": "new.{{wildcard(1)}}", "weight": 100}]}));
    assert!(detail.get("imports").is_none());

    let _b = Nats::connect(ts.nats, "b", r#","user":"b","pass":"b""#).await;
    let b = ts.get_json("/accountz?acc=B").await;
    let detail = &b["account_detail"];
    assert_eq!(detail["client_connections"], 1);
    assert_eq!(
        detail["imports"],
        json!([
            {"subject": "events.>", "account": "A", "local_subject": "a.events.>", "type": "stream",
             "invalid": false, "share": false, "tracking": false},
            {"subject": "svc.time", "account": "A", "local_subject": "time", "type": "service",
             "invalid": false, "share": false, "tracking": false}
        ])
    );
    assert!(detail["sublist_stats"].is_object(), "every account has its own sublist");
    ts.stop().await;
}
