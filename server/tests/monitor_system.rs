//! `$SYS` over NATS: monitoring requests answered with the `{"server","data"}` envelope, server
//! filters, connect/disconnect events and periodic statistics.

mod monitor_support;

use std::time::Duration;

use serde_json::Value;
use switchyard_shared::api::monitor::{Connz, HealthStatus, Varz};

use monitor_support::*;

async fn request(c: &mut Nats, subject: &str, body: &str) -> Value {
    c.send(&format!("PUB {subject} _INBOX.t.1 {}\r\n{body}\r\n", body.len())).await;
    let (s, _, _, payload) = c.msg().await;
    assert_eq!(s, "_INBOX.t.1");
    serde_json::from_slice(&payload).unwrap()
}

fn check_server(v: &Value, id: &str) {
    let server = &v["server"];
    assert_eq!(server["id"], id);
    assert_eq!(server["ver"], "2.10.0");
    assert!(server["seq"].as_u64().unwrap() > 0);
    assert!(server["time"].is_string());
    assert_eq!(server["jetstream"], false);
    assert_eq!(server["flags"], 0);
}

#[tokio::test]
async fn ping_requests_are_answered_with_the_envelope() {
    let ts = TestServer::start(test_config()).await;
    let id = ts.server().server_id.clone();
    let mut c = Nats::connect(ts.nats, "tool", "").await;
    c.send("SUB _INBOX.t.* 99\r\n").await;
    c.flush().await;

    let varz = request(&mut c, "$SYS.REQ.SERVER.PING.VARZ", "").await;
    check_server(&varz, &id);
    let data: Varz = serde_json::from_value(varz["data"].clone()).unwrap();
    assert_eq!((data.id.as_str(), data.connections), (id.as_str(), 1));
    assert!(varz.get("error").is_none());

    let connz = request(&mut c, &format!("$SYS.REQ.SERVER.{id}.CONNZ"), r#"{"subscriptions":true}"#).await;
    let data: Connz = serde_json::from_value(connz["data"].clone()).unwrap();
    assert_eq!(data.conns[0].subs, ["_INBOX.t.*"]);

    let health = request(&mut c, "$SYS.REQ.SERVER.PING.HEALTHZ", "").await;
    let data: HealthStatus = serde_json::from_value(health["data"].clone()).unwrap();
    assert_eq!((data.status.as_str(), data.status_code), ("ok", 200), "status_code is kept over NATS");

    let idz = request(&mut c, "$SYS.REQ.SERVER.PING.IDZ", "").await;
    assert_eq!(idz, serde_json::json!({"name": ts.server().server_name, "host": "127.0.0.1", "id": id}));

    let statsz = request(&mut c, "$SYS.REQ.SERVER.PING", "").await;
    check_server(&statsz, &id);
    assert_eq!(statsz["statsz"]["connections"], 1);
    assert!(statsz["statsz"]["mem"].as_i64().unwrap() > 0);
    assert!(statsz["statsz"]["sent"]["msgs"].is_i64());

    for ep in ["SUBSZ", "ROUTEZ", "GATEWAYZ", "LEAFZ", "ACCOUNTZ", "JSZ", "STATSZ"] {
        let v = request(&mut c, &format!("$SYS.REQ.SERVER.PING.{ep}"), "").await;
        assert!(v["data"].is_object() || v["statsz"].is_object(), "{ep}: {v}");
    }
    let jsz = request(&mut c, &format!("$SYS.REQ.SERVER.{id}.JSZ"), "").await;
    assert_eq!(jsz["data"]["disabled"], true);

    let account = request(&mut c, "$SYS.REQ.ACCOUNT.$G.CONNZ", "").await;
    assert_eq!(account["data"]["num_connections"], 1);
    let subs = request(&mut c, "$SYS.REQ.ACCOUNT.$G.SUBSZ", "").await;
    assert!(subs["data"]["subscriptions_list"].as_array().is_some_and(|l| !l.is_empty()), "{subs}");

    let bad = request(&mut c, "$SYS.REQ.SERVER.PING.CONNZ", "{not json").await;
    assert_eq!(bad["error"]["code"], 400);
    assert!(bad.get("data").is_none());
    let bad_sort = request(&mut c, "$SYS.REQ.SERVER.PING.CONNZ", r#"{"sort":"stop"}"#).await;
    assert_eq!(bad_sort["error"]["code"], 500);
    assert_eq!(bad_sort["error"]["description"], "sort by stop only valid on closed connections");
    ts.stop().await;
}

#[tokio::test]
async fn server_filters_select_who_answers() {
    let mut config = test_config();
    config.server_name = Some("east-1".into());
    let ts = TestServer::start(config).await;
    let mut c = Nats::connect(ts.nats, "tool", "").await;
    c.send("SUB _INBOX.t.* 99\r\n").await;
    c.flush().await;
    let v = request(&mut c, "$SYS.REQ.SERVER.PING.VARZ", r#"{"server_name":"east"}"#).await;
    assert_eq!(v["server"]["name"], "east-1", "substring match");
    let exact = r#"{"server_name":"east","exact_match":true}"#;
    c.send(&format!("PUB $SYS.REQ.SERVER.PING.VARZ _INBOX.t.2 {}\r\n{exact}\r\n", exact.len())).await;
    c.send("PUB $SYS.REQ.SERVER.PING.IDZ _INBOX.t.3 0\r\n\r\n").await;
    let (subject, _, _, _) = c.msg().await;
    assert_eq!(subject, "_INBOX.t.3", "the exact-match request was not answered");
    ts.stop().await;
}

#[tokio::test]
async fn connect_and_disconnect_events_are_published() {
    let ts = TestServer::start(test_config()).await;
    let mut watcher = Nats::connect(ts.nats, "watcher", "").await;
    watcher.send("SUB $SYS.ACCOUNT.*.CONNECT 1\r\nSUB $SYS.ACCOUNT.*.DISCONNECT 2\r\n").await;
    watcher.flush().await;
    let app = Nats::connect(ts.nats, "app", "").await;
    let (subject, _, _, payload) = watcher.msg().await;
    assert_eq!(subject, "$SYS.ACCOUNT.$G.CONNECT");
    let ev: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(ev["type"], "io.nats.server.advisory.v1.client_connect");
    assert_eq!(ev["id"].as_str().unwrap().len(), 22);
    assert_eq!(ev["client"]["name"], "app");
    assert_eq!(ev["client"]["acc"], "$G");
    assert_eq!(ev["client"]["lang"], "rust");
    assert_eq!(ev["client"]["kind"], "Client");
    assert_eq!(ev["client"]["client_type"], "nats");
    assert_eq!(ev["server"]["id"], ts.server().server_id.as_str());
    drop(app);
    let (subject, _, _, payload) = watcher.msg().await;
    assert_eq!(subject, "$SYS.ACCOUNT.$G.DISCONNECT");
    let ev: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(ev["type"], "io.nats.server.advisory.v1.client_disconnect");
    assert_eq!(ev["reason"], "Client Closed");
    assert_eq!(ev["client"]["name"], "app");
    assert!(ev["client"]["stop"].is_string());
    assert_eq!(ev["sent"], serde_json::json!({"msgs": 0, "bytes": 0}));
    ts.stop().await;
}

#[tokio::test]
async fn statsz_is_published_periodically_while_someone_listens() {
    let ts = TestServer::start(test_config()).await;
    let mut c = Nats::connect(ts.nats, "stats", "").await;
    c.send("SUB $SYS.SERVER.*.STATSZ 1\r\n").await;
    c.flush().await;
    let (subject, _, _, payload) = tokio::time::timeout(Duration::from_secs(12), c.msg()).await.expect("a STATSZ soon");
    assert_eq!(subject, format!("$SYS.SERVER.{}.STATSZ", ts.server().server_id));
    let v: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(v["statsz"]["connections"], 1);
    assert_eq!(v["statsz"]["active_servers"], 1);
    ts.stop().await;
}
