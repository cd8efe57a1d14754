//! Core NATS scenarios driven by the official Rust client (async-nats).
//!
//! Every test starts its own server through the harness (target chosen by
//! `SWITCHYARD_TARGET`) and kills it when the `Server` drops. Waits are bounded by
//! [`WAIT`]. async-nats' `flush()` only flushes the client's socket, so [`barrier`] is used
//! where a test needs the server to have processed everything sent before: it sends a message
//! to itself and waits for it, which cannot overtake earlier commands.

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use async_nats::{Client, ConnectOptions, Event, HeaderMap, Message, Subscriber};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use switchyard_tests::Server;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(2);

async fn start() -> Result<Server> {
    Server::start_default().await
}

fn options() -> ConnectOptions {
    ConnectOptions::new().connection_timeout(WAIT).reconnect_delay_callback(|_| Duration::from_millis(50))
}

async fn connect(server: &Server) -> Result<Client> {
    options().connect(server.url()).await.context("connecting")
}

/// Wait until the server has processed everything `client` sent before, and the client holds
/// everything the server queued for it before.
async fn barrier(client: &Client) -> Result<()> {
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(inbox.clone()).await?;
    client.publish(inbox, Bytes::new()).await?;
    timeout(WAIT, sub.next()).await?.context("barrier subscription ended")?;
    Ok(())
}

async fn next(sub: &mut Subscriber) -> Result<Message> {
    match timeout(WAIT, sub.next()).await {
        Ok(Some(msg)) => Ok(msg),
        Ok(None) => bail!("subscription ended"),
        Err(_) => bail!("no message within {WAIT:?}"),
    }
}

/// Messages already delivered to `sub`, without waiting for more. Runs outside tokio's
/// cooperative budget, which would otherwise report "nothing ready" after ~128 messages.
fn buffered(sub: &mut Subscriber) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(Some(msg)) = tokio::task::unconstrained(sub.next()).now_or_never() {
        out.push(msg);
    }
    out
}

fn payloads(msgs: &[Message]) -> Vec<String> {
    msgs.iter().map(|m| String::from_utf8_lossy(&m.payload).into_owned()).collect()
}

#[tokio::test]
async fn publish_reaches_subscriber_on_another_connection() -> Result<()> {
    let server = start().await?;
    let (subscriber, publisher) = (connect(&server).await?, connect(&server).await?);
    let mut sub = subscriber.subscribe("greet.joe").await?;
    barrier(&subscriber).await?;
    publisher.publish_with_reply("greet.joe", "answer.here", "hello".into()).await?;
    let msg = next(&mut sub).await?;
    assert_eq!(msg.subject.as_str(), "greet.joe");
    assert_eq!(msg.reply.as_deref(), Some("answer.here"));
    assert_eq!(msg.payload, "hello");
    Ok(())
}

#[tokio::test]
async fn wildcards_match_one_token_or_the_tail() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut star = nc.subscribe("orders.*.new").await?;
    let mut tail = nc.subscribe("orders.>").await?;
    for subject in ["orders.eu.new", "orders.eu.old", "orders.us.new.x", "orders", "orders.x"] {
        nc.publish(subject, subject.into()).await?;
    }
    barrier(&nc).await?;
    assert_eq!(payloads(&buffered(&mut star)), ["orders.eu.new"]);
    assert_eq!(payloads(&buffered(&mut tail)), ["orders.eu.new", "orders.eu.old", "orders.us.new.x", "orders.x"]);
    Ok(())
}

#[tokio::test]
async fn queue_group_delivers_each_message_to_exactly_one_member() -> Result<()> {
    let server = start().await?;
    let mut members = Vec::new();
    for _ in 0..3 {
        let nc = connect(&server).await?;
        let sub = nc.queue_subscribe("jobs", "workers".into()).await?;
        barrier(&nc).await?;
        members.push((nc, sub));
    }
    let watcher_nc = connect(&server).await?;
    let mut watcher = watcher_nc.subscribe("jobs").await?;
    barrier(&watcher_nc).await?;
    let publisher = connect(&server).await?;
    let count = 300;
    for n in 0..count {
        publisher.publish("jobs", n.to_string().into()).await?;
    }
    barrier(&publisher).await?;
    let mut delivered = Vec::new();
    let mut per_member = Vec::new();
    for (nc, sub) in &mut members {
        barrier(nc).await?;
        let got = payloads(&buffered(sub));
        per_member.push(got.len());
        delivered.extend(got.into_iter().map(|p| p.parse::<u32>().unwrap()));
    }
    delivered.sort_unstable();
    assert_eq!(delivered, (0..count).collect::<Vec<_>>());
    assert!(per_member.iter().all(|&n| n > 0), "per member: {per_member:?}");
    barrier(&watcher_nc).await?;
    assert_eq!(buffered(&mut watcher).len(), count as usize);
    Ok(())
}

#[tokio::test]
async fn request_gets_the_reply_of_a_responder() -> Result<()> {
    let server = start().await?;
    let responder = connect(&server).await?;
    let mut requests = responder.subscribe("svc.echo").await?;
    barrier(&responder).await?;
    let answering = tokio::spawn(async move {
        let msg = requests.next().await.expect("one request");
        let reply = msg.reply.expect("request has a reply subject");
        let body = [b"pong:".as_slice(), &msg.payload].concat();
        responder.publish(reply, body.into()).await.expect("reply published");
        responder.flush().await.expect("reply flushed");
    });
    let requester = connect(&server).await?;
    let reply = timeout(WAIT, requester.request("svc.echo", "ping".into())).await??;
    assert_eq!(reply.payload, "pong:ping");
    answering.await?;
    Ok(())
}

#[tokio::test]
async fn request_without_responders_fails_fast_with_no_responders() -> Result<()> {
    let server = start().await?;
    let nc = options().request_timeout(Some(Duration::from_secs(10))).connect(server.url()).await?;
    let started = Instant::now();
    let err = nc.request("svc.nobody", Bytes::new()).await.expect_err("nobody answers");
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders, "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "must not wait for the request timeout");
    Ok(())
}

#[tokio::test]
async fn headers_round_trip_with_repeated_keys() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("with.headers").await?;
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "abc-123");
    headers.append("Multi", "one");
    headers.append("Multi", "two");
    headers.insert("Spaced", "a b  c");
    nc.publish_with_headers("with.headers", headers, "body".into()).await?;
    let msg = next(&mut sub).await?;
    assert_eq!(msg.payload, "body");
    let got = msg.headers.context("message has headers")?;
    assert_eq!(got.get("Trace-Id").map(|v| v.as_str()), Some("abc-123"));
    let multi: Vec<&str> = got.get_all("Multi").map(|v| v.as_str()).collect();
    assert_eq!(multi, ["one", "two"]);
    assert_eq!(got.get("Spaced").map(|v| v.as_str()), Some("a b  c"));
    Ok(())
}

#[tokio::test]
async fn headers_with_empty_payload_round_trip() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("with.headers").await?;
    let mut headers = HeaderMap::new();
    headers.insert("Only", "header");
    nc.publish_with_headers("with.headers", headers, Bytes::new()).await?;
    let msg = next(&mut sub).await?;
    assert!(msg.payload.is_empty());
    assert_eq!(msg.headers.context("headers")?.get("Only").map(|v| v.as_str()), Some("header"));
    Ok(())
}

#[tokio::test]
async fn auto_unsubscribe_stops_after_max_messages() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("limited").await?;
    sub.unsubscribe_after(3).await?;
    for n in 0..5 {
        nc.publish("limited", n.to_string().into()).await?;
    }
    barrier(&nc).await?;
    let got: Vec<Message> = timeout(WAIT, (&mut sub).collect::<Vec<_>>()).await?;
    assert_eq!(payloads(&got), ["0", "1", "2"]);
    Ok(())
}

#[tokio::test]
async fn drain_delivers_buffered_messages_then_closes() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let publisher = connect(&server).await?;
    let mut sub = nc.subscribe("drained").await?;
    barrier(&nc).await?;
    for n in 0..200 {
        publisher.publish("drained", n.to_string().into()).await?;
    }
    barrier(&publisher).await?;
    barrier(&nc).await?;
    nc.drain().await?;
    let got: Vec<Message> = timeout(WAIT * 5, (&mut sub).collect::<Vec<_>>()).await?;
    assert_eq!(payloads(&got), (0..200).map(|n| n.to_string()).collect::<Vec<_>>());
    assert!(nc.subscribe("after.drain").await.is_err(), "a drained client accepts no commands");
    Ok(())
}

#[tokio::test]
async fn subscription_drain_stops_delivery_and_keeps_the_connection() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("drained").await?;
    nc.publish("drained", "before".into()).await?;
    barrier(&nc).await?;
    sub.drain().await?;
    let got: Vec<Message> = timeout(WAIT, (&mut sub).collect::<Vec<_>>()).await?;
    assert_eq!(payloads(&got), ["before"]);
    let mut other = nc.subscribe("drained").await?;
    nc.publish("drained", "after".into()).await?;
    assert_eq!(next(&mut other).await?.payload, "after");
    Ok(())
}

#[tokio::test]
async fn flush_completes_and_published_messages_arrive_in_order() -> Result<()> {
    let server = start().await?;
    let (publisher, subscriber) = (connect(&server).await?, connect(&server).await?);
    let mut sub = subscriber.subscribe("flushed").await?;
    barrier(&subscriber).await?;
    for n in 0..1000 {
        publisher.publish("flushed", n.to_string().into()).await?;
    }
    timeout(WAIT, publisher.flush()).await??;
    barrier(&publisher).await?;
    barrier(&subscriber).await?;
    assert_eq!(payloads(&buffered(&mut sub)), (0..1000).map(|n| n.to_string()).collect::<Vec<_>>());
    Ok(())
}

#[tokio::test]
async fn payload_of_exactly_max_payload_round_trips() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let max = nc.server_info().max_payload;
    assert_eq!(max, 1024 * 1024);
    let mut sub = nc.subscribe("big").await?;
    let payload: Bytes = (0..max).map(|i| (i % 251) as u8).collect();
    nc.publish("big", payload.clone()).await?;
    assert_eq!(next(&mut sub).await?.payload, payload);
    Ok(())
}

#[tokio::test]
async fn payload_over_max_payload_is_refused_by_the_client() -> Result<()> {
    // async-nats checks the size against the max_payload the server announced; the server's
    // own refusal of oversized payloads is checked byte for byte by the raw protocol tests.
    let server = start().await?;
    let nc = connect(&server).await?;
    let max = nc.server_info().max_payload;
    let err = nc.publish("big", vec![0u8; max + 1].into()).await.expect_err("over max_payload");
    assert_eq!(err.kind(), async_nats::client::PublishErrorKind::MaxPayloadExceeded);
    barrier(&nc).await?;
    Ok(())
}

#[tokio::test]
async fn ten_thousand_subscriptions_on_one_connection() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let count = 10_000;
    let mut subs = Vec::with_capacity(count);
    for n in 0..count {
        subs.push(nc.subscribe(format!("many.{n}")).await?);
    }
    for n in 0..count {
        nc.publish(format!("many.{n}"), Bytes::new()).await?;
    }
    barrier(&nc).await?;
    let counts: Vec<usize> = subs.iter_mut().map(|sub| buffered(sub).len()).collect();
    assert!(counts.iter().all(|&c| c == 1), "some subscription did not get exactly one message");
    Ok(())
}

#[tokio::test]
async fn messages_from_one_publisher_arrive_in_order() -> Result<()> {
    let server = start().await?;
    let subscriber = connect(&server).await?;
    let mut sub = subscriber.subscribe("ordered").await?;
    barrier(&subscriber).await?;
    let publishers = [connect(&server).await?, connect(&server).await?];
    let count = 1000;
    for n in 0..count {
        for (index, publisher) in publishers.iter().enumerate() {
            publisher.publish("ordered", format!("{index}:{n}").into()).await?;
        }
    }
    for publisher in &publishers {
        barrier(publisher).await?;
    }
    barrier(&subscriber).await?;
    let mut by_publisher = [Vec::new(), Vec::new()];
    for text in payloads(&buffered(&mut sub)) {
        let (index, seq) = text.split_once(':').context("index:seq")?;
        by_publisher[index.parse::<usize>()?].push(seq.parse::<u32>()?);
    }
    let expected: Vec<u32> = (0..count).collect();
    assert_eq!(by_publisher, [expected.clone(), expected]);
    Ok(())
}

async fn wait_for_event(events: &mut mpsc::UnboundedReceiver<String>, wanted: Event) -> Result<()> {
    let wanted = wanted.to_string();
    while let Some(event) = events.recv().await {
        if event == wanted {
            return Ok(());
        }
    }
    bail!("event stream ended before {wanted}")
}

#[tokio::test]
async fn client_reconnects_and_resubscribes_after_a_server_restart() -> Result<()> {
    let mut server = start().await?;
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let nc = options()
        .event_callback(move |event| {
            let events_tx = events_tx.clone();
            async move {
                // The receiver lives until the end of the test; later events are not needed.
                let _ = events_tx.send(event.to_string());
            }
        })
        .connect(server.url())
        .await?;
    let mut sub = nc.subscribe("survives").await?;
    nc.publish("survives", "before".into()).await?;
    assert_eq!(next(&mut sub).await?.payload, "before");

    server.restart().await?;
    timeout(WAIT * 5, wait_for_event(&mut events, Event::Disconnected)).await??;
    timeout(WAIT * 5, wait_for_event(&mut events, Event::Connected)).await??;

    barrier(&nc).await?;
    let other = connect(&server).await?;
    other.publish("survives", "after".into()).await?;
    assert_eq!(next(&mut sub).await?.payload, "after");
    Ok(())
}

#[tokio::test]
async fn no_echo_suppresses_own_messages_only() -> Result<()> {
    let server = start().await?;
    let quiet = options().no_echo().connect(server.url()).await?;
    let other = connect(&server).await?;
    let mut sub = quiet.subscribe("echo").await?;
    let mut marker = other.subscribe("echo.marker").await?;
    barrier(&other).await?;
    quiet.publish("echo", "self".into()).await?;
    // The marker travels behind "self" on the same connection: once it arrives, the server
    // has already routed "self".
    quiet.publish("echo.marker", Bytes::new()).await?;
    next(&mut marker).await?;
    other.publish("echo", "other".into()).await?;
    // Had the own message been echoed it would have arrived first.
    assert_eq!(next(&mut sub).await?.payload, "other");
    Ok(())
}

#[tokio::test]
async fn echo_is_on_by_default() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("echo").await?;
    nc.publish("echo", "self".into()).await?;
    assert_eq!(next(&mut sub).await?.payload, "self");
    Ok(())
}

#[tokio::test]
async fn server_info_reaches_the_client() -> Result<()> {
    let server = start().await?;
    let nc = connect(&server).await?;
    let info = nc.server_info();
    assert_eq!(info.proto, 1);
    assert!(info.headers);
    assert_eq!(info.port, server.port());
    assert!(!info.server_id.is_empty());
    assert!(nc.is_server_compatible(2, 9, 0), "version {}", info.version);
    Ok(())
}
