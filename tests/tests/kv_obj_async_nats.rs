//! Key-value and object store scenarios driven by the official Rust client (async-nats): its
//! `kv::Store` and `object_store::ObjectStore` APIs, unchanged, against the server under test.
//!
//! Every test starts its own server through the harness (target chosen by `SWITCHYARD_TARGET`);
//! waits are bounded by [`WAIT`]. Features that came with nats-server 2.11 (per-key TTL, limit
//! markers) are skipped against the installed reference server, which is older.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, kv, object_store, Context as Js};
use base64::Engine as _;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use sha2::Digest as _;
use switchyard_tests::{Server, Target};
use tokio::io::AsyncReadExt;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(5);

async fn start() -> Result<(Server, Js)> {
    let server = Server::start_default().await?;
    let nc = async_nats::ConnectOptions::new().connection_timeout(WAIT).connect(server.url()).await?;
    Ok((server, jetstream::new(nc)))
}

fn is_reference() -> Result<bool> {
    Ok(Target::from_env()? == Target::NatsServer)
}

async fn next_entry(watch: &mut kv::Watch) -> Result<kv::Entry> {
    match timeout(WAIT, watch.next()).await {
        Ok(Some(e)) => Ok(e?),
        Ok(None) => bail!("watch ended"),
        Err(_) => bail!("no watch entry within {WAIT:?}"),
    }
}

#[tokio::test]
async fn kv_put_get_create_update_delete_purge() -> Result<()> {
    if is_reference()? {
        return Ok(()); // async-nats 0.46 cannot create a bucket on the installed nats-server 2.9.
    }
    let (_server, js) = start().await?;
    let kv = js.create_key_value(kv::Config { bucket: "ops".into(), history: 5, ..Default::default() }).await?;
    assert_eq!(kv.put("a", "1".into()).await?, 1);
    assert_eq!(kv.put("a", "2".into()).await?, 2);
    assert_eq!(kv.get("a").await?, Some(Bytes::from("2")));
    assert_eq!(kv.entry_for_revision("a", 1).await?.map(|e| e.value), Some(Bytes::from("1")));
    assert_eq!(kv.get("missing").await?, None);

    let rev = kv.create("new", "x".into()).await?;
    let err = kv.create("new", "y".into()).await.expect_err("second create");
    assert_eq!(err.kind(), kv::CreateErrorKind::AlreadyExists);
    let rev2 = kv.update("new", "y".into(), rev).await?;
    assert!(kv.update("new", "z".into(), rev).await.is_err(), "stale revision");
    assert_eq!(kv.entry("new").await?.context("entry")?.revision, rev2);

    kv.delete("a").await?;
    assert_eq!(kv.get("a").await?, None);
    let history: Vec<kv::Entry> = kv.history("a").await?.try_collect().await?;
    let ops: Vec<kv::Operation> = history.iter().map(|e| e.operation).collect();
    assert_eq!(ops, [kv::Operation::Put, kv::Operation::Put, kv::Operation::Delete]);
    kv.purge("new").await?;
    let history: Vec<kv::Entry> = kv.history("new").await?.try_collect().await?;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].operation, kv::Operation::Purge);
    let keys: Vec<String> = kv.keys().await?.try_collect().await?;
    assert!(keys.is_empty(), "{keys:?}");

    let status = kv.status().await?;
    assert_eq!(status.bucket(), "ops");
    assert_eq!(status.history(), 5);
    Ok(())
}

#[tokio::test]
async fn kv_watch_sees_current_values_then_updates() -> Result<()> {
    if is_reference()? {
        return Ok(()); // async-nats 0.46 cannot create a bucket on the installed nats-server 2.9.
    }
    let (_server, js) = start().await?;
    let kv = js.create_key_value(kv::Config { bucket: "w".into(), ..Default::default() }).await?;
    kv.put("x", "1".into()).await?;
    kv.put("y", "2".into()).await?;
    kv.put("x", "1b".into()).await?;
    let mut watch = kv.watch_with_history(">").await?;
    let first = next_entry(&mut watch).await?;
    let second = next_entry(&mut watch).await?;
    assert_eq!((first.key.as_str(), second.key.as_str()), ("y", "x"), "the last value of each key, in order");
    assert_eq!(second.value, "1b");
    assert!(second.seen_current, "the last initial value marks the end of the initial values");
    let mut updates = kv.watch_all().await?;
    kv.put("z", "3".into()).await?;
    kv.delete("x").await?;
    for w in [&mut watch, &mut updates] {
        let live = next_entry(w).await?;
        assert_eq!((live.key.as_str(), live.operation), ("z", kv::Operation::Put));
        let del = next_entry(w).await?;
        assert_eq!((del.key.as_str(), del.operation), ("x", kv::Operation::Delete));
    }
    Ok(())
}

#[tokio::test]
async fn kv_per_key_ttl_with_limit_markers() -> Result<()> {
    if is_reference()? {
        return Ok(()); // Per-key TTL and markers came with nats-server 2.11.
    }
    let (_server, js) = start().await?;
    let kv = js
        .create_key_value(kv::Config {
            bucket: "ttl".into(),
            limit_markers: Some(Duration::from_secs(1)),
            ..Default::default()
        })
        .await?;
    let mut watch = kv.watch_all().await?;
    kv.create_with_ttl("short", "v".into(), Duration::from_secs(1)).await?;
    let created = next_entry(&mut watch).await?;
    assert_eq!(created.key, "short");
    let marker = timeout(Duration::from_secs(6), watch.next()).await?.context("watch ended")??;
    assert_eq!(marker.key, "short");
    assert_eq!(marker.operation, kv::Operation::Purge);
    assert_eq!(kv.get("short").await?, None);
    Ok(())
}

#[tokio::test]
async fn object_store_large_object_links_and_listing() -> Result<()> {
    let (_server, js) = start().await?;
    let bucket = js.create_object_store(object_store::Config { bucket: "files".into(), ..Default::default() }).await?;
    let data: Vec<u8> = (0..50 * 1024 * 1024 + 5).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let info = bucket.put("big.bin", &mut data.as_slice()).await?;
    assert_eq!(info.size, data.len());
    let digest = base64::engine::general_purpose::URL_SAFE.encode(sha2::Sha256::digest(&data));
    assert_eq!(info.digest.as_deref(), Some(format!("SHA-256={digest}").as_str()));
    let mut object = bucket.get("big.bin").await?;
    let mut read = Vec::with_capacity(data.len());
    object.read_to_end(&mut read).await?;
    assert!(read == data, "object content differs");

    bucket.put("small", &mut &b"tiny"[..]).await?;
    let small = bucket.info("small").await?;
    bucket.add_link("alias", &small).await?;
    let mut linked = Vec::new();
    bucket.get("alias").await?.read_to_end(&mut linked).await?;
    assert_eq!(linked, b"tiny");
    let other = js.create_object_store(object_store::Config { bucket: "other".into(), ..Default::default() }).await?;
    let link = other.add_bucket_link("to-files", "files").await?;
    let target = link.options.and_then(|o| o.link).context("bucket link")?;
    assert_eq!((target.bucket.as_str(), target.name), ("files", None));

    let mut names: Vec<String> = bucket.list().await?.map(|i| i.map(|i| i.name)).try_collect().await?;
    names.sort();
    assert_eq!(names, ["alias", "big.bin", "small"]);
    bucket.delete("big.bin").await?;
    assert!(bucket.get("big.bin").await.is_err());
    Ok(())
}
