//! Subject mappings from the `mappings { … }` config block, seen by the official Rust client
//! (async-nats): literal remaps, wildcard reordering, the token functions, weighted (canary) splits
//! checked statistically, mappings in front of JetStream, and invalid mappings refused at startup.
//!
//! Every test starts its own server with a config file through the harness (target chosen by
//! `SWITCHYARD_TARGET`); waits are bounded by [`WAIT`].

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use async_nats::{Client, Subscriber};
use bytes::Bytes;
use futures::StreamExt;
use switchyard_tests::{Server, ServerOptions, Target};
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

async fn start(mappings: &str) -> Result<Server> {
    let config = format!("mappings {{\n{mappings}\n}}\n");
    Server::start(ServerOptions { config: Some(config), ..Default::default() }).await
}

async fn connect(server: &Server) -> Result<Client> {
    async_nats::ConnectOptions::new().connection_timeout(WAIT).connect(server.url()).await.context("connecting")
}

/// Everything `client` sent before has been processed, and what the server queued for it arrived.
async fn barrier(client: &Client) -> Result<()> {
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(inbox.clone()).await?;
    client.publish(inbox, Bytes::new()).await?;
    timeout(WAIT, sub.next()).await?.context("barrier subscription ended")?;
    Ok(())
}

/// Subscribes to every subject; the barrier's own message, which such a subscription also sees, is
/// consumed before returning.
async fn subscribe_all(nc: &Client) -> Result<Subscriber> {
    let mut sub = nc.subscribe(">").await?;
    barrier(nc).await?;
    let first = subjects(&mut sub, 1).await?;
    assert!(first[0].starts_with("_INBOX."), "{first:?}");
    Ok(sub)
}

/// Subjects of the next `n` messages of `sub`.
async fn subjects(sub: &mut Subscriber, n: usize) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match timeout(WAIT, sub.next()).await {
            Ok(Some(m)) => out.push(m.subject.to_string()),
            Ok(None) => bail!("subscription ended"),
            Err(_) => bail!("only {} of {n} messages arrived", out.len()),
        }
    }
    Ok(out)
}

/// 32-bit FNV-1a, nats-server's partition hash.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[tokio::test]
async fn literal_remap_moves_messages_to_the_destination() -> Result<()> {
    let server = start(r#"  "orders.new": "orders.created""#).await?;
    let nc = connect(&server).await?;
    let mut dest = nc.subscribe("orders.created").await?;
    let mut src = nc.subscribe("orders.new").await?;
    barrier(&nc).await?;
    nc.publish("orders.new", "a".into()).await?;
    nc.publish("orders.other", "b".into()).await?;
    let m = timeout(WAIT, dest.next()).await?.context("ended")?;
    assert_eq!(m.subject.as_str(), "orders.created");
    assert_eq!(m.payload, "a");
    barrier(&nc).await?;
    assert!(timeout(Duration::from_millis(200), src.next()).await.is_err(), "the source subject got nothing");
    Ok(())
}

#[tokio::test]
async fn wildcard_tokens_are_reordered() -> Result<()> {
    let server = start(
        r#"  "in.*.*": "out.{{wildcard(2)}}.{{wildcard(1)}}"
  "legacy.*.>": "modern.$1.>""#,
    )
    .await?;
    let nc = connect(&server).await?;
    let mut out = nc.subscribe("out.>").await?;
    let mut modern = nc.subscribe("modern.>").await?;
    barrier(&nc).await?;
    nc.publish("in.a.b", "".into()).await?;
    nc.publish("legacy.x.y.z", "".into()).await?;
    assert_eq!(subjects(&mut out, 1).await?, ["out.b.a"]);
    assert_eq!(subjects(&mut modern, 1).await?, ["modern.x.y.z"]);
    Ok(())
}

#[tokio::test]
async fn token_functions_split_and_slice() -> Result<()> {
    let server = start(
        r#"  "sp.*": "sp.{{split(1,-)}}"
  "sl.*": "sl.{{slicefromleft(1,2)}}"
  "sr.*": "sr.{{splitfromright(1,3)}}""#,
    )
    .await?;
    let nc = connect(&server).await?;
    let mut sub = subscribe_all(&nc).await?;
    for s in ["sp.a-b--c", "sl.12345", "sr.abcdef"] {
        nc.publish(s, "".into()).await?;
    }
    let got = subjects(&mut sub, 3).await?;
    assert_eq!(got, ["sp.a.b.c", "sl.12.34.5", "sr.abc.def"]);
    Ok(())
}

#[tokio::test]
async fn token_functions_left_and_right() -> Result<()> {
    if Target::from_env()? == Target::NatsServer {
        // left() and right() are newer than the installed reference server (2.9).
        return Ok(());
    }
    let server = start(r#"  "lr.*": "lr.{{left(1,2)}}.{{right(1,2)}}""#).await?;
    let nc = connect(&server).await?;
    let mut sub = subscribe_all(&nc).await?;
    nc.publish("lr.abcdef", "".into()).await?;
    assert_eq!(subjects(&mut sub, 1).await?, ["lr.ab.ef"]);
    Ok(())
}

#[tokio::test]
async fn partition_is_a_stable_fnv_hash_of_the_chosen_tokens() -> Result<()> {
    let server = start(r#"  "part.*.*": "part.{{partition(5,1)}}.{{wildcard(1)}}.{{wildcard(2)}}""#).await?;
    let nc = connect(&server).await?;
    let mut sub = nc.subscribe("part.*.*.*").await?;
    barrier(&nc).await?;
    let keys: Vec<String> = (0..50).map(|i| format!("customer{i}")).collect();
    for key in &keys {
        nc.publish(format!("part.{key}.created"), "".into()).await?;
        nc.publish(format!("part.{key}.updated"), "".into()).await?;
    }
    let got = subjects(&mut sub, keys.len() * 2).await?;
    let mut used = BTreeMap::new();
    for (i, key) in keys.iter().enumerate() {
        let partition = fnv1a(key.as_bytes()) % 5;
        assert_eq!(got[2 * i], format!("part.{partition}.{key}.created"));
        assert_eq!(got[2 * i + 1], format!("part.{partition}.{key}.updated"), "same key, same partition");
        *used.entry(partition).or_insert(0) += 1;
    }
    assert_eq!(used.len(), 5, "50 keys spread over all 5 partitions: {used:?}");
    Ok(())
}

/// Publishes `n` messages to `subject` and counts where they arrived (subscribed to `>`).
async fn split_counts(nc: &Client, subject: &str, n: usize) -> Result<BTreeMap<String, usize>> {
    let mut sub = subscribe_all(nc).await?;
    for _ in 0..n {
        nc.publish(subject.to_string(), Bytes::new()).await?;
    }
    let mut counts = BTreeMap::new();
    for s in subjects(&mut sub, n).await? {
        *counts.entry(s).or_insert(0) += 1;
    }
    Ok(counts)
}

/// Pearson's chi-square statistic of observed counts against expected shares (percent).
fn chi_square(counts: &BTreeMap<String, usize>, expected: &[(&str, f64)], n: usize) -> f64 {
    expected
        .iter()
        .map(|(subject, pct)| {
            let e = n as f64 * pct / 100.0;
            let o = *counts.get(*subject).unwrap_or(&0) as f64;
            (o - e) * (o - e) / e
        })
        .sum()
}

#[tokio::test]
async fn weighted_canary_split_follows_the_weights() -> Result<()> {
    let server = start(
        r#"  "svc.orders": [
    { destination: "svc.orders.v1", weight: "80%" }
    { destination: "svc.orders.v2", weight: "20%" }
  ]"#,
    )
    .await?;
    let nc = connect(&server).await?;
    let n = 10_000;
    let counts = split_counts(&nc, "svc.orders", n).await?;
    assert_eq!(counts.keys().collect::<Vec<_>>(), ["svc.orders.v1", "svc.orders.v2"]);
    // Binomial: 2000 expected for v2, standard deviation 40; 5 sd either side.
    let v2 = counts["svc.orders.v2"];
    assert!((1_800..=2_200).contains(&v2), "v2 got {v2} of {n}");
    Ok(())
}

#[tokio::test]
async fn weights_below_100_keep_the_rest_on_the_original_subject() -> Result<()> {
    let server = start(
        r#"  "jobs": [
    { destination: "jobs.a", weight: 30 }
    { destination: "jobs.b", weight: 30 }
  ]"#,
    )
    .await?;
    let nc = connect(&server).await?;
    let n = 9_000;
    let counts = split_counts(&nc, "jobs", n).await?;
    let chi2 = chi_square(&counts, &[("jobs.a", 30.0), ("jobs.b", 30.0), ("jobs", 40.0)], n);
    // Two degrees of freedom: P(chi2 > 18.4) = 1e-4.
    assert!(chi2 < 18.4, "chi-square {chi2:.1} for {counts:?}");
    assert_eq!(counts.values().sum::<usize>(), n);
    Ok(())
}

#[tokio::test]
async fn mapped_publishes_are_stored_by_the_stream_on_the_destination() -> Result<()> {
    let server = start(r#"  "ingest.*": "events.{{wildcard(1)}}""#).await?;
    let nc = connect(&server).await?;
    let js = async_nats::jetstream::new(nc.clone());
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "EVENTS".into(),
        subjects: vec!["events.>".into()],
        ..Default::default()
    })
    .await?;
    let ack = js.publish("ingest.click", "x".into()).await?.await?;
    assert_eq!(ack.stream, "EVENTS");
    let stream = js.get_stream("EVENTS").await?;
    let msg = stream.get_last_raw_message_by_subject("events.click").await?;
    assert_eq!(msg.payload, "x");
    Ok(())
}

#[tokio::test]
async fn invalid_mapping_stops_startup_naming_the_line() -> Result<()> {
    let config = "mappings {\n  \"a.*\": \"b.{{wildcard(3)}}\"\n}\n".to_string();
    let started = Server::start(ServerOptions { config: Some(config), ..Default::default() }).await;
    let err = match started {
        Ok(_) => bail!("a mapping with an out-of-range wildcard was accepted"),
        Err(e) => format!("{e:#}"),
    };
    if Target::from_env()? == Target::Switchyard {
        assert!(err.contains("server.conf:2"), "{err}");
        assert!(err.contains("wildcard index out of range"), "{err}");
    }
    Ok(())
}
