//! JetStream scenarios driven by the official Rust client (async-nats `jetstream`).
//!
//! Every test starts its own server with JetStream through the harness (target chosen by
//! `SWITCHYARD_TARGET`) and kills it when the `Server` drops. Scenarios use async-nats' own
//! JetStream API: the context for streams and publishing, stream handles for messages and Direct
//! Get, pull, push and ordered consumers, and the key-value store. Waits are bounded by [`WAIT`].
//! Scenarios nats-server 2.9.10 cannot run (2.10+ features) return early on it, saying why.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _, Result};
use async_nats::jetstream::consumer::{self, pull, push, AckPolicy, DeliverPolicy};
use async_nats::jetstream::context::{CreateStreamErrorKind, GetStreamErrorKind, PublishErrorKind};
use async_nats::jetstream::kv;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{self, DirectGetErrorKind, DiscardPolicy, RetentionPolicy};
use async_nats::jetstream::{self, AckKind, Context};
use async_nats::{Client, ConnectOptions};
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use switchyard_tests::{Server, Target};
use tokio::time::{sleep, timeout};

const WAIT: Duration = Duration::from_secs(2);

async fn start() -> Result<Server> {
    Server::start_default().await
}

async fn connect(server: &Server) -> Result<(Client, Context)> {
    let client = ConnectOptions::new()
        .connection_timeout(WAIT)
        .reconnect_delay_callback(|_| Duration::from_millis(50))
        .connect(server.url())
        .await
        .context("connecting")?;
    let mut js = jetstream::new(client.clone());
    js.set_timeout(WAIT);
    Ok((client, js))
}

/// True (and a note on stderr) when the target is nats-server 2.9.10, which lacks `feature`.
fn reference_lacks(server: &Server, feature: &str) -> bool {
    let lacks = server.target() == Target::NatsServer;
    if lacks {
        eprintln!("skipped: nats-server 2.9.10 lacks {feature}");
    }
    lacks
}

/// The JetStream `err_code` somewhere in an error's kind or source chain.
fn err_code(err: &(dyn StdError + 'static)) -> Option<u64> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(js) = e.downcast_ref::<jetstream::Error>() {
            return Some(js.error_code().0);
        }
        cur = e.source();
    }
    None
}

async fn stream_config(js: &Context, name: &str, subjects: &[&str]) -> Result<stream::Stream> {
    let config = stream::Config {
        name: name.to_string(),
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    Ok(js.create_stream(config).await?)
}

async fn publish_n(js: &Context, subject: &str, n: u64) -> Result<Vec<u64>> {
    let mut seqs = Vec::new();
    for i in 1..=n {
        let ack = js.publish(subject.to_string(), Bytes::from(format!("m{i}"))).await?.await?;
        seqs.push(ack.sequence);
    }
    Ok(seqs)
}

async fn durable(stream: &stream::Stream, name: &str, config: pull::Config) -> Result<consumer::PullConsumer> {
    let config = pull::Config { durable_name: Some(name.to_string()), ..config };
    Ok(stream.create_consumer(config).await?)
}

async fn fetch(consumer: &consumer::PullConsumer, n: usize) -> Result<Vec<jetstream::Message>> {
    let batch = consumer.fetch().max_messages(n).expires(Duration::from_millis(500)).messages().await?;
    let msgs: Vec<_> = timeout(WAIT * 2, batch.try_collect()).await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(msgs)
}

fn payload(msg: &jetstream::Message) -> String {
    String::from_utf8_lossy(&msg.payload).into_owned()
}

// ---- streams ------------------------------------------------------------------------------------

#[tokio::test]
async fn stream_lifecycle_and_error_codes() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let mut s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 5).await?;
    let info = s.info().await?.clone();
    assert_eq!((info.state.messages, info.state.first_sequence, info.state.last_sequence), (5, 1, 5));
    assert_eq!(info.config.max_messages, -1);
    assert_eq!(info.config.duplicate_window, Duration::from_secs(120));

    let updated = js.update_stream(stream::Config { max_messages: 2, ..info.config.clone() }).await?;
    assert_eq!((updated.config.max_messages, updated.state.messages), (2, 2));

    let err = js
        .create_stream(stream::Config { name: "S".into(), subjects: vec!["other".into()], ..Default::default() })
        .await
        .expect_err("a different config under the same name");
    match err.kind() {
        CreateStreamErrorKind::JetStream(e) => assert_eq!(e.error_code().0, 10058),
        other => bail!("unexpected error kind {other:?}"),
    }
    let err = js
        .create_stream(stream::Config { name: "T".into(), subjects: vec!["s.x".into()], ..Default::default() })
        .await
        .expect_err("overlapping subjects");
    match err.kind() {
        CreateStreamErrorKind::JetStream(e) => assert_eq!(e.error_code().0, 10065),
        other => bail!("unexpected error kind {other:?}"),
    }
    stream_config(&js, "T", &["t.*"]).await?;
    let names: Vec<String> = js.stream_names().try_collect().await?;
    assert_eq!(names.iter().map(String::as_str).collect::<std::collections::BTreeSet<_>>(), ["S", "T"].into());
    let infos: Vec<stream::Info> = js.streams().try_collect().await?;
    assert_eq!(infos.len(), 2);
    assert_eq!(js.stream_by_subject("t.q").await?, "T");
    assert!(js.delete_stream("T").await?.success);
    let err = js.get_stream("T").await.expect_err("deleted");
    match err.kind() {
        GetStreamErrorKind::JetStream(e) => assert_eq!(e.error_code().0, 10059),
        other => bail!("unexpected error kind {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn purge_by_filter_sequence_and_keep() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let mut s = stream_config(&js, "S", &["s.>"]).await?;
    for i in 1..=11 {
        js.publish(if i % 2 == 1 { "s.a" } else { "s.b" }, Bytes::new()).await?.await?;
    }
    assert_eq!(s.purge().filter("s.b").await?.purged, 5);
    assert_eq!(s.purge().sequence(5).await?.purged, 2);
    assert_eq!(s.purge().keep(1).await?.purged, 3);
    let st = s.info().await?.state.clone();
    assert_eq!((st.messages, st.first_sequence, st.last_sequence), (1, 11, 11));
    assert_eq!(s.purge().await?.purged, 1);
    let ack = js.publish("s.a", Bytes::new()).await?.await?;
    assert_eq!(ack.sequence, 12);
    Ok(())
}

// ---- messages -----------------------------------------------------------------------------------

#[tokio::test]
async fn raw_and_direct_message_gets() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let config =
        stream::Config { name: "S".into(), subjects: vec!["s.>".into()], allow_direct: true, ..Default::default() };
    let s = js.create_stream(config).await?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Key", "v1");
    js.publish_with_headers("s.a", headers, Bytes::from("one")).await?.await?;
    js.publish("s.b", Bytes::from("two")).await?.await?;
    js.publish("s.a", Bytes::from("three")).await?.await?;

    let raw = s.get_raw_message(1).await?;
    assert_eq!((raw.subject.as_str(), raw.sequence, &raw.payload[..]), ("s.a", 1, &b"one"[..]));
    assert_eq!(raw.headers.get("X-Key").map(|v| v.as_str()), Some("v1"));
    assert_eq!(s.get_last_raw_message_by_subject("s.a").await?.sequence, 3);
    assert_eq!(s.raw_message_builder().sequence(2).next_by_subject("s.a").send().await?.sequence, 3);
    assert!(s.get_raw_message(9).await.is_err());

    let direct = s.direct_get(2).await?;
    assert_eq!((direct.subject.as_str(), &direct.payload[..]), ("s.b", &b"two"[..]));
    assert_eq!(s.direct_get_last_for_subject("s.a").await?.sequence, 3);
    assert_eq!(s.direct_get_next_for_subject("s.a", Some(2)).await?.sequence, 3);
    let missing = s.direct_get(10).await.expect_err("no message 10");
    assert_eq!(missing.kind(), DirectGetErrorKind::NotFound);

    assert!(s.delete_message(2).await?);
    assert!(s.get_raw_message(2).await.is_err());
    let mut s = s;
    let st = s.info().await?.state.clone();
    assert_eq!((st.messages, st.deleted_count), (2, Some(1)));
    Ok(())
}

// ---- consumers ----------------------------------------------------------------------------------

#[tokio::test]
async fn pull_fetch_and_acks_keep_exact_counters() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 10).await?;
    let mut c = durable(&s, "d", pull::Config { ack_policy: AckPolicy::Explicit, ..Default::default() }).await?;
    let msgs = fetch(&c, 4).await?;
    assert_eq!(msgs.iter().map(payload).collect::<Vec<_>>(), ["m1", "m2", "m3", "m4"]);
    let meta = msgs[0].info().map_err(|e| anyhow::anyhow!("{e}"))?;
    assert_eq!((meta.stream, meta.consumer, meta.stream_sequence, meta.delivered, meta.pending), ("S", "d", 1, 1, 9));
    for m in &msgs[..3] {
        m.double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let info = c.info().await?;
    assert_eq!((info.delivered.stream_sequence, info.ack_floor.stream_sequence), (4, 3));
    assert_eq!((info.num_ack_pending, info.num_pending, info.num_redelivered), (1, 6, 0));

    // A fetch that finds nothing ends empty after its expiry.
    let empty = durable(
        &s,
        "new",
        pull::Config { ack_policy: AckPolicy::Explicit, deliver_policy: DeliverPolicy::New, ..Default::default() },
    )
    .await?;
    assert!(fetch(&empty, 3).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn pull_messages_stream_delivers_continuously() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    let c = durable(&s, "d", pull::Config { ack_policy: AckPolicy::Explicit, ..Default::default() }).await?;
    let mut messages = c.stream().max_messages_per_batch(7).heartbeat(Duration::from_millis(500)).messages().await?;
    publish_n(&js, "s.a", 20).await?;
    for i in 1..=20 {
        let m = timeout(WAIT, messages.next()).await?.context("stream ended")?.map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(payload(&m), format!("m{i}"));
        m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}

#[tokio::test]
async fn ack_kinds_nak_progress_term_and_next() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 4).await?;
    let c = durable(
        &s,
        "d",
        pull::Config { ack_policy: AckPolicy::Explicit, ack_wait: Duration::from_millis(500), ..Default::default() },
    )
    .await?;
    let msgs = fetch(&c, 3).await?;
    let ack = |m: &jetstream::Message, kind: AckKind| {
        let m = m.clone();
        async move { m.ack_with(kind).await.map_err(|e| anyhow::anyhow!("{e}")) }
    };
    let started = Instant::now();
    ack(&msgs[0], AckKind::Nak(Some(Duration::from_millis(300)))).await?;
    ack(&msgs[1], AckKind::Term).await?;
    ack(&msgs[2], AckKind::Progress).await?;
    // Message 4 comes first (new), then message 1 once its NAK delay is over, before 3 whose ack
    // wait restarted with the progress report.
    let mut next = Vec::new();
    while next.len() < 2 && started.elapsed() < WAIT * 2 {
        next.extend(fetch(&c, 2 - next.len()).await?);
    }
    let seqs: Vec<u64> = next.iter().map(|m| m.info().map(|i| i.stream_sequence).unwrap_or(0)).collect();
    assert_eq!(seqs, [4, 1]);
    ensure!(started.elapsed() >= Duration::from_millis(250), "NAK delay not honoured");
    for m in &next {
        m.double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    msgs[2].double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut c = c;
    let info = c.info().await?;
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_sequence), (0, 4));
    Ok(())
}

#[tokio::test]
async fn unacked_messages_come_back_until_max_deliver() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 1).await?;
    let mut c = durable(
        &s,
        "d",
        pull::Config {
            ack_policy: AckPolicy::Explicit,
            ack_wait: Duration::from_millis(200),
            max_deliver: 2,
            ..Default::default()
        },
    )
    .await?;
    let first = fetch(&c, 1).await?;
    assert_eq!(first[0].info().map(|i| i.delivered).unwrap_or(0), 1);
    sleep(Duration::from_millis(300)).await;
    let second = fetch(&c, 1).await?;
    assert_eq!(second[0].info().map(|i| i.delivered).unwrap_or(0), 2);
    sleep(Duration::from_millis(300)).await;
    assert!(fetch(&c, 1).await?.is_empty());
    let info = c.info().await?;
    assert_eq!((info.delivered.consumer_sequence, info.num_redelivered), (2, 1));
    Ok(())
}

#[tokio::test]
async fn push_consumer_and_deliver_group() -> Result<()> {
    let server = start().await?;
    let (client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 10).await?;
    let c: consumer::PushConsumer = s
        .create_consumer(push::Config {
            durable_name: Some("p".into()),
            deliver_subject: client.new_inbox(),
            deliver_group: Some("workers".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await?;
    let mut messages = c.messages().await?;
    let mut got = Vec::new();
    while got.len() < 10 {
        let m = timeout(WAIT, messages.next()).await?.context("ended")?.map_err(|e| anyhow::anyhow!("{e}"))?;
        got.push(payload(&m));
        m.double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    assert_eq!(got, (1..=10).map(|i| format!("m{i}")).collect::<Vec<_>>());
    let mut c = c;
    let info = c.info().await?;
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_sequence), (0, 10));
    assert_eq!(info.config.deliver_group.as_deref(), Some("workers"));
    Ok(())
}

#[tokio::test]
async fn ordered_pull_and_push_consumers_read_in_order() -> Result<()> {
    let server = start().await?;
    let (client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    publish_n(&js, "s.a", 40).await?;
    let ordered: consumer::Consumer<pull::OrderedConfig> =
        s.create_consumer(pull::OrderedConfig { filter_subject: "s.a".into(), ..Default::default() }).await?;
    let mut messages = ordered.messages().await?;
    for i in 1..=40 {
        let m = timeout(WAIT, messages.next()).await?.context("ended")?.map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(payload(&m), format!("m{i}"));
    }
    let pushed: consumer::Consumer<push::OrderedConfig> =
        s.create_consumer(push::OrderedConfig { deliver_subject: client.new_inbox(), ..Default::default() }).await?;
    let mut messages = pushed.messages().await?;
    for i in 1..=40 {
        let m = timeout(WAIT, messages.next()).await?.context("ended")?.map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(payload(&m), format!("m{i}"));
    }
    Ok(())
}

#[tokio::test]
async fn deliver_policies_start_where_asked() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    for subj in ["s.a", "s.b", "s.a", "s.c", "s.b"] {
        js.publish(subj, Bytes::new()).await?.await?;
    }
    let cases = [
        ("all", DeliverPolicy::All, "", vec![1, 2, 3, 4, 5]),
        ("last", DeliverPolicy::Last, "", vec![5]),
        ("new", DeliverPolicy::New, "", vec![]),
        ("seq", DeliverPolicy::ByStartSequence { start_sequence: 4 }, "", vec![4, 5]),
        ("lps", DeliverPolicy::LastPerSubject, "s.*", vec![3, 4, 5]),
    ];
    for (name, deliver_policy, filter, want) in cases {
        let c = durable(
            &s,
            name,
            pull::Config {
                deliver_policy,
                filter_subject: filter.to_string(),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await?;
        let got: Vec<u64> =
            fetch(&c, 10).await?.iter().map(|m| m.info().map(|i| i.stream_sequence).unwrap_or(0)).collect();
        assert_eq!(got, want, "deliver policy {name}");
    }
    Ok(())
}

#[tokio::test]
async fn consumer_with_several_filter_subjects() -> Result<()> {
    let server = start().await?;
    if reference_lacks(&server, "filter_subjects (2.10)") {
        return Ok(());
    }
    let (_client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    for subj in ["s.a", "s.b", "s.c", "s.a"] {
        js.publish(subj, Bytes::new()).await?.await?;
    }
    let mut c = durable(
        &s,
        "m",
        pull::Config {
            filter_subjects: vec!["s.a".into(), "s.c".into()],
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        },
    )
    .await?;
    assert_eq!(c.info().await?.num_pending, 3);
    let got: Vec<u64> = fetch(&c, 10).await?.iter().map(|m| m.info().map(|i| i.stream_sequence).unwrap_or(0)).collect();
    assert_eq!(got, [1, 3, 4]);
    Ok(())
}

// ---- publishing ---------------------------------------------------------------------------------

#[tokio::test]
async fn publish_dedupe_and_expectations() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    stream_config(&js, "S", &["s.>"]).await?;
    let send = |publish: PublishMessage| {
        let js = js.clone();
        async move { js.send_publish("s.a", publish).await?.await.map_err(anyhow::Error::from) }
    };
    let first = send(PublishMessage::build().message_id("a")).await?;
    let dup = send(PublishMessage::build().message_id("a")).await?;
    assert_eq!((first.sequence, first.duplicate, dup.sequence, dup.duplicate), (1, false, 1, true));
    send(PublishMessage::build().expected_last_sequence(1).expected_last_message_id("a")).await?;
    let err = js
        .send_publish("s.a", PublishMessage::build().expected_last_sequence(1))
        .await?
        .await
        .expect_err("wrong last sequence");
    assert_eq!(err.kind(), PublishErrorKind::WrongLastSequence);
    let err = js
        .send_publish("s.a", PublishMessage::build().expected_last_message_id("zzz"))
        .await?
        .await
        .expect_err("wrong last message id");
    assert_eq!(err.kind(), PublishErrorKind::WrongLastMessageId);
    let err = js
        .send_publish("s.b", PublishMessage::build().expected_last_subject_sequence(5))
        .await?
        .await
        .expect_err("subject has no messages");
    assert_eq!(err.kind(), PublishErrorKind::WrongLastSequence);
    Ok(())
}

#[tokio::test]
async fn discard_new_and_workqueue_retention() -> Result<()> {
    let server = start().await?;
    let (_client, js) = connect(&server).await?;
    js.create_stream(stream::Config {
        name: "N".into(),
        subjects: vec!["n.>".into()],
        max_messages: 2,
        discard: DiscardPolicy::New,
        ..Default::default()
    })
    .await?;
    publish_n(&js, "n.a", 2).await?;
    let err = js.publish("n.a", Bytes::new()).await?.await.expect_err("stream full");
    assert!(err.to_string().contains("maximum messages exceeded"), "{err}");

    let mut wq = js
        .create_stream(stream::Config {
            name: "W".into(),
            subjects: vec!["w.>".into()],
            retention: RetentionPolicy::WorkQueue,
            ..Default::default()
        })
        .await?;
    publish_n(&js, "w.a", 3).await?;
    let c = durable(&wq, "w", pull::Config { ack_policy: AckPolicy::Explicit, ..Default::default() }).await?;
    for m in fetch(&c, 2).await? {
        m.double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let st = wq.info().await?.state.clone();
    assert_eq!((st.messages, st.first_sequence), (1, 3));
    let err = wq
        .create_consumer(pull::Config {
            durable_name: Some("second".into()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect_err("a second unfiltered work-queue consumer");
    assert!(err.to_string().contains("10099") || err_code(&err) == Some(10099), "{err}");
    Ok(())
}

// ---- key-value ----------------------------------------------------------------------------------

#[tokio::test]
async fn kv_basics() -> Result<()> {
    let server = start().await?;
    // async-nats 0.46 cannot parse 2.9.10's reply when it creates a bucket.
    if reference_lacks(&server, "the bucket-creation reply async-nats 0.46 expects") {
        return Ok(());
    }
    let (_client, js) = connect(&server).await?;
    let kv = js.create_key_value(kv::Config { bucket: "cfg".into(), history: 5, ..Default::default() }).await?;
    let r1 = kv.put("color", Bytes::from("red")).await?;
    assert_eq!(kv.get("color").await?, Some(Bytes::from("red")));
    let err = kv.create("color", Bytes::from("blue")).await.expect_err("key exists");
    assert_eq!(err.kind(), kv::CreateErrorKind::AlreadyExists);
    let r2 = kv.update("color", Bytes::from("blue"), r1).await?;
    let err = kv.update("color", Bytes::from("green"), r1).await.expect_err("stale revision");
    assert_eq!(err.kind(), kv::UpdateErrorKind::WrongLastRevision);
    assert_eq!(kv.entry("color").await?.map(|e| e.revision), Some(r2));
    kv.create("size", Bytes::from("L")).await?;
    kv.delete("size").await?;
    assert_eq!(kv.get("size").await?, None);
    kv.create("size", Bytes::from("M")).await?;
    assert_eq!(kv.get("size").await?, Some(Bytes::from("M")));
    kv.purge("color").await?;
    assert_eq!(kv.get("color").await?, None);
    for v in ["1", "2", "3"] {
        kv.put("h", Bytes::from(v)).await?;
    }
    let history: Vec<kv::Entry> = kv.history("h").await?.try_collect().await?;
    assert_eq!(history.iter().map(|e| e.value.clone()).collect::<Vec<_>>(), ["1", "2", "3"]);
    let mut keys: Vec<String> = kv.keys().await?.try_collect().await?;
    keys.sort();
    assert_eq!(keys, ["h", "size"]);

    let mut watch = kv.watch_all().await?;
    kv.put("w", Bytes::from("x")).await?;
    kv.delete("w").await?;
    let put = timeout(WAIT, watch.next()).await?.context("watch ended")??;
    assert_eq!((put.key.as_str(), put.operation), ("w", kv::Operation::Put));
    let del = timeout(WAIT, watch.next()).await?.context("watch ended")??;
    assert_eq!((del.key.as_str(), del.operation), ("w", kv::Operation::Delete));
    Ok(())
}

// ---- restarts -----------------------------------------------------------------------------------

#[tokio::test]
async fn messages_and_durable_positions_survive_a_restart() -> Result<()> {
    let mut server = start().await?;
    let (client, js) = connect(&server).await?;
    let s = stream_config(&js, "S", &["s.>"]).await?;
    let seqs = publish_n(&js, "s.a", 30).await?;
    let c = durable(&s, "d", pull::Config { ack_policy: AckPolicy::Explicit, ..Default::default() }).await?;
    for m in fetch(&c, 12).await? {
        m.double_ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    drop((c, s, js));
    drop(client);
    sleep(Duration::from_millis(300)).await;
    server.restart().await?;

    let (_client, js) = connect(&server).await?;
    let mut s = js.get_stream("S").await?;
    for seq in seqs {
        assert_eq!(s.get_raw_message(seq).await?.payload, Bytes::from(format!("m{seq}")));
    }
    let st = s.info().await?.state.clone();
    assert_eq!((st.messages, st.last_sequence), (30, 30));
    let mut c: consumer::PullConsumer = s.get_consumer("d").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let info = c.info().await?;
    assert_eq!((info.ack_floor.stream_sequence, info.num_ack_pending, info.num_pending), (12, 0, 18));
    let next = fetch(&c, 1).await?;
    assert_eq!(next[0].info().map(|i| i.stream_sequence).unwrap_or(0), 13);
    Ok(())
}
