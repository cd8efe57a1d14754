//! `max_connections` over raw TCP: a client over the limit gets nats-server's INFO and
//! `-ERR 'maximum connections exceeded'`, and a slot is free again as soon as its client is closed,
//! even while the server still lingers on that socket to let the client read why it was closed.

mod auth_support;

use std::time::Duration;

use auth_support::{have_nats_server, Client, Target};

const OVER_LIMIT: &str = "-ERR 'maximum connections exceeded'\r\n";

/// The one client the limit allows, once the server has let go of any earlier connection (a
/// readiness probe of the test harness, say).
async fn the_allowed_client(target: &Target) -> Client {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let mut c = target.client().await;
        let got = c.connect_and_ping("").await;
        if got.ends_with("PONG\r\n") {
            return c;
        }
        assert!(tokio::time::Instant::now() < deadline, "no client accepted: {got:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn refused_over_the_limit(target: &Target) {
    let _first = the_allowed_client(target).await;
    let mut second = target.client().await;
    let got = second.closed().await;
    assert!(got.ends_with(OVER_LIMIT), "the second client is refused: {got:?}");
}

async fn a_closed_clients_slot_is_free_at_once(target: &Target) {
    let mut first = the_allowed_client(target).await;
    // An oversized publish: the server refuses it and closes, while this client keeps its socket
    // open (a lingering close on the server's side).
    first.send("PUB big 2000000\r\n").await;
    first.expect("-ERR 'Maximum Payload Violation'\r\n").await;
    // The server still lingers on the refused socket (this client keeps it open) for up to a second;
    // the slot must be free well before that.
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    loop {
        let got = target.client().await.connect_and_ping("").await;
        if got.ends_with("PONG\r\n") {
            break;
        }
        assert!(got.contains(OVER_LIMIT), "refused for another reason: {got:?}");
        assert!(tokio::time::Instant::now() < deadline, "the refused client's slot is still taken");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(first);
}

#[tokio::test]
async fn switchyard_refuses_clients_over_max_connections() {
    refused_over_the_limit(&Target::switchyard("max_connections: 1\n").await).await;
}

#[tokio::test]
async fn switchyard_frees_a_slot_as_soon_as_its_client_is_closed() {
    a_closed_clients_slot_is_free_at_once(&Target::switchyard("max_connections: 1\n").await).await;
}

#[tokio::test]
async fn nats_server_agrees() {
    if !have_nats_server() {
        eprintln!("nats-server not installed; skipping the comparison");
        return;
    }
    refused_over_the_limit(&Target::nats_server("max_connections: 1\n").await).await;
    a_closed_clients_slot_is_free_at_once(&Target::nats_server("max_connections: 1\n").await).await;
}
