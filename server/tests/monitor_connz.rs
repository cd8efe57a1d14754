//! `/connz` options over real connections (paging, sorting, state, cid, subscriptions, auth, type),
//! the closed ring with close reasons, and the time to answer with 10 000 connections.

mod monitor_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use bytes::Bytes;
use serde_json::Value;
use tower::ServiceExt;

use switchyard::core::conn::Connection;
use switchyard::core::{ClientId, Kind, Msg, Subscriber, Subscription};
use switchyard::monitor::connz::{connz, ConnState, ConnzOptions, SortOpt};
use switchyard::Server;

use monitor_support::*;

fn cids(v: &Value) -> Vec<u64> {
    v["connections"].as_array().unwrap().iter().map(|c| c["cid"].as_u64().unwrap()).collect()
}

async fn wait_closed(ts: &TestServer, n: u64) -> Value {
    for _ in 0..200 {
        let v = ts.get_json("/connz?state=closed").await;
        if v["total"].as_u64() == Some(n) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("closed connections did not reach {n}");
}

#[tokio::test]
async fn paging_sorting_state_and_cid() {
    let ts = TestServer::start(test_config()).await;
    let mut clients = Vec::new();
    for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
        let mut c = Nats::connect(ts.nats, name, "").await;
        for s in 0..=i {
            c.send(&format!("SUB s.{s} {s}\r\n")).await;
        }
        for _ in 0..(4 - i) {
            c.send("PUB nobody 3\r\nabc\r\n").await;
        }
        c.flush().await;
        clients.push(c);
    }
    let all = ts.get_json("/connz").await;
    let ids = cids(&all);
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "cid ascending by default");

    let page = ts.get_json("/connz?offset=1&limit=2").await;
    assert_eq!(cids(&page), ids[1..3]);
    assert_eq!((page["num_connections"].clone(), page["total"].clone()), (2.into(), 4.into()));
    let past = ts.get_json("/connz?offset=10").await;
    assert_eq!((past["num_connections"].clone(), past["connections"].clone()), (0.into(), Value::Array(vec![])));

    let by_subs = ts.get_json("/connz?sort=subs").await;
    assert_eq!(cids(&by_subs), ids.iter().rev().copied().collect::<Vec<_>>(), "most subscriptions first");
    let by_from = ts.get_json("/connz?sort=msgs_from").await;
    assert_eq!(cids(&by_from), ids, "most messages received from the client first");
    let by_bytes = ts.get_json("/connz?sort=bytes_from&limit=1").await;
    assert_eq!(cids(&by_bytes), [ids[0]]);
    for sort in ["start", "pending", "msgs_to", "bytes_to", "last", "idle", "uptime", "rtt"] {
        let r = ts.get(&format!("/connz?sort={sort}")).await;
        assert_eq!(r.status, 200, "{sort}");
        assert_eq!(r.json()["num_connections"], 4, "{sort}");
    }
    let stop_on_open = ts.get("/connz?sort=stop").await;
    assert_eq!(
        (stop_on_open.status, stop_on_open.text()),
        (400, "sort by stop only valid on closed connections".into())
    );
    let bad_state = ts.get("/connz?state=sleeping").await;
    assert_eq!((bad_state.status, bad_state.text()), (400, "Error decoding state for sleeping".into()));

    let one = ts.get_json(&format!("/connz?cid={}", ids[2])).await;
    assert_eq!(cids(&one), [ids[2]]);
    assert_eq!(one["limit"], 1);
    assert_eq!(one["total"], 4, "nats-server keeps the unfiltered total with cid");
    let none = ts.get_json("/connz?cid=999999").await;
    assert_eq!(none["num_connections"], 0);

    let closed_id = ids[1];
    drop(clients.remove(1));
    let closed = wait_closed(&ts, 1).await;
    assert_eq!(cids(&closed), [closed_id]);
    let open = ts.get_json("/connz").await;
    assert_eq!(open["total"], 3);
    let all = ts.get_json("/connz?state=all").await;
    assert_eq!(all["total"], 4);
    let any = ts.get_json("/connz?state=any&sort=cid").await;
    assert_eq!(cids(&any), ids);
    let closed_by_cid = ts.get_json(&format!("/connz?state=all&cid={closed_id}")).await;
    assert_eq!(closed_by_cid["connections"][0]["reason"], "Client Closed");
    let by_stop = ts.get("/connz?state=closed&sort=stop").await;
    assert_eq!(by_stop.status, 200);
    let by_reason = ts.get("/connz?state=closed&sort=reason&subs=1").await;
    assert_eq!(by_reason.json()["connections"][0]["subscriptions_list"], serde_json::json!(["s.0", "s.1"]));
    ts.stop().await;
}

#[tokio::test]
async fn auth_user_and_type_filters() {
    let mut config = test_config();
    config.authorization.users = vec![
        switchyard::config::User { user: Some("alice".into()), password: Some("pw".into()), ..Default::default() },
        switchyard::config::User { user: Some("bob".into()), password: Some("pw".into()), ..Default::default() },
    ];
    let ts = TestServer::start(config).await;
    let _a = Nats::connect(ts.nats, "a", r#","user":"alice","pass":"pw""#).await;
    let _b = Nats::connect(ts.nats, "b", r#","user":"bob","pass":"pw""#).await;
    let plain = ts.get_json("/connz").await;
    assert!(plain["connections"][0].get("authorized_user").is_none(), "only with auth=1");
    let auth = ts.get_json("/connz?auth=1").await;
    assert_eq!(auth["connections"][0]["authorized_user"], "alice");
    assert!(auth["connections"][0].get("account").is_none(), "the global account is not named");
    let bob = ts.get_json("/connz?auth=true&user=bob").await;
    assert_eq!(bob["num_connections"], 1);
    assert_eq!(bob["connections"][0]["authorized_user"], "bob");
    assert_eq!(ts.get_json("/connz?type=nats").await["num_connections"], 2);
    assert_eq!(ts.get_json("/connz?type=websocket").await["num_connections"], 0);
    assert_eq!(ts.get_json("/connz?acc=$G").await["num_connections"], 2);
    assert_eq!(ts.get_json("/connz?acc=OTHER").await["total"], 0);
    ts.stop().await;
}

#[tokio::test]
async fn closed_ring_keeps_reasons_for_slow_consumers_and_protocol_errors() {
    let mut config = test_config();
    config.max_pending = 64 * 1024;
    config.max_payload = 1024;
    let ts = TestServer::start(config).await;

    // A subscriber that never reads while a publisher floods it.
    let mut slow = Nats::connect(ts.nats, "slow", "").await;
    slow.send("SUB flood 1\r\n").await;
    slow.flush().await;
    let mut publisher = Nats::connect(ts.nats, "publisher", "").await;
    let payload = "x".repeat(1000);
    // 8 MB: more than the kernel's socket buffers can absorb for the idle reader.
    for _ in 0..8000 {
        publisher.send(&format!("PUB flood 1000\r\n{payload}\r\n")).await;
    }
    publisher.flush().await;

    // A client that breaks the protocol: too large a payload gets -ERR and a close.
    let mut rude = Nats::connect(ts.nats, "rude", "").await;
    rude.send("PUB big 4096\r\n").await;
    assert_eq!(rude.line().await, "-ERR 'Maximum Payload Violation'");

    let closed = wait_closed(&ts, 2).await;
    let reasons: Vec<(String, String)> = closed["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["reason"].as_str().unwrap().to_owned()))
        .collect();
    assert!(reasons.contains(&("slow".into(), "Slow Consumer (Pending Bytes)".into())), "{reasons:?}");
    assert!(reasons.contains(&("rude".into(), "Maximum Message Payload Exceeded".into())), "{reasons:?}");
    let varz = ts.get_json("/varz").await;
    assert_eq!(varz["slow_consumers"], 1);
    assert_eq!(varz["slow_consumer_stats"]["clients"], 1);
    ts.stop().await;
}

/// A subscriber that drops everything, for connections built without sockets.
struct Sink(ClientId);

impl Subscriber for Sink {
    fn id(&self) -> ClientId {
        self.0
    }
    fn deliver(&self, _sub: &Subscription, _msg: &Msg<'_>) -> bool {
        false
    }
}

fn populate(server: &Server, n: usize) {
    let addr = "127.0.0.1:40000".parse().unwrap();
    for i in 0..n {
        let cid = server.registry.next_cid();
        let conn = Arc::new(Connection::new(cid, Kind::Client, addr, 1 << 20));
        conn.update_meta(|meta| {
            meta.name = format!("client-{i}");
            meta.lang = "go".into();
            meta.version = "1.30.0".into();
        });
        conn.in_msgs.store((i * 7 % 1000) as u64, std::sync::atomic::Ordering::Relaxed);
        conn.in_bytes.store((i * 70 % 10000) as u64, std::sync::atomic::Ordering::Relaxed);
        let sink: Arc<dyn Subscriber> = Arc::new(Sink(cid));
        for s in 0..2 {
            let sid = Bytes::from(s.to_string());
            let sub = Arc::new(Subscription::new(sink.clone(), Bytes::from(format!("app.{i}.{s}")), None, sid.clone()));
            server.router.subscribe(sub.clone());
            conn.subs.lock().insert(sid, sub);
        }
        server.registry.add(conn);
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connz_with_10k_connections_answers_quickly() {
    let mut config = test_config();
    config.http_port = None;
    let server = Server::new(config).unwrap();
    populate(&server, 10_000);
    let app = switchyard::monitor::app(server.clone());

    // Warm up (page faults, allocator), then measure the typical polls.
    let _ = connz(&server, &ConnzOptions::default()).unwrap();
    let (page, default_page) = time(|| {
        let c = connz(&server, &ConnzOptions::default()).unwrap();
        serde_json::to_vec_pretty(&c).unwrap()
    });
    assert!(page.len() > 1000);
    let (all, sorted_all) = time(|| {
        let opts = ConnzOptions { limit: 10_000, sort: SortOpt::MsgsFrom, ..Default::default() };
        let c = connz(&server, &opts).unwrap();
        assert_eq!((c.num_conns, c.total), (10_000, 10_000));
        serde_json::to_vec_pretty(&c).unwrap()
    });
    assert!(all.len() > page.len());
    let (_, detailed) = time(|| {
        let opts = ConnzOptions { limit: 10_000, subs_detail: true, state: ConnState::All, ..Default::default() };
        serde_json::to_vec(&connz(&server, &opts).unwrap()).unwrap()
    });
    let start = Instant::now();
    let response =
        app.clone().oneshot(Request::get("/connz?limit=10000&sort=last").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    let over_http = start.elapsed();
    assert!(body.len() > 1_000_000);
    println!(
        "connz with 10k connections: default page {default_page:?}, all sorted {sorted_all:?}, \
         all with subscription detail {detailed:?}, all over HTTP {over_http:?}"
    );
    // Unoptimised test builds are several times slower than release builds; the bound is for release.
    let bound = if cfg!(debug_assertions) { Duration::from_millis(1000) } else { Duration::from_millis(100) };
    assert!(default_page < bound, "default page took {default_page:?}");
    assert!(sorted_all < bound, "all 10k sorted took {sorted_all:?}");
    assert!(over_http < bound, "all 10k over HTTP took {over_http:?}");
}

#[tokio::test]
async fn connz_measures_round_trip_times_of_real_clients() {
    let ts = TestServer::start(test_config()).await;
    let mut c = Nats::connect(ts.nats, "rtt", "").await;
    let first = ts.get_json("/connz").await;
    assert_eq!(first["connections"][0]["rtt"], "0s");
    // The helper answers the server's PING while waiting for its own PONG; the second round trip
    // makes sure that answer was processed.
    c.flush().await;
    c.flush().await;
    let second = ts.get_json("/connz").await;
    assert_ne!(second["connections"][0]["rtt"], "0s", "{second}");
    ts.stop().await;
}
