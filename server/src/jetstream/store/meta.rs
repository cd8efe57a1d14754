//! Where streams and consumers live in a JetStream store directory, and their metadata files.
//!
//! ```text
//! <store_dir>/LOCK                                  (see StoreDirLock)
//! <store_dir>/streams/<stream>/meta.json            stream config, opaque JSON
//! <store_dir>/streams/<stream>/msgs/                FileStore blocks
//! <store_dir>/streams/<stream>/consumers/<consumer>/meta.json
//! <store_dir>/streams/<stream>/consumers/<consumer>/state.log   (ConsumerStore)
//! ```
//!
//! Metadata is written atomically (temp file, fsync, rename, fsync of the directory), so a reader
//! sees the old or the new document, never a mix. A stream or consumer directory without a readable
//! `meta.json` is not listed (its creation did not finish). The JSON is opaque here: the JetStream
//! layer owns its schema. Names are checked only for what would escape the directory; NATS naming
//! rules belong to the API layer.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::{Result, StoreError};

const META: &str = "meta.json";

fn check_name(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name.len() > 255
        || name.starts_with('.')
        || name.chars().any(|c| matches!(c, '/' | '\\' | '\0'));
    if bad {
        return Err(StoreError::Meta(format!("name {name:?} cannot be used as a directory")));
    }
    Ok(())
}

/// Directory of a stream.
pub fn stream_dir(store_dir: &Path, stream: &str) -> Result<PathBuf> {
    check_name(stream)?;
    Ok(store_dir.join("streams").join(stream))
}

/// Directory of a stream's message blocks (give it to [`super::FileStore::open`]).
pub fn stream_msgs_dir(store_dir: &Path, stream: &str) -> Result<PathBuf> {
    Ok(stream_dir(store_dir, stream)?.join("msgs"))
}

/// Directory of a consumer (give it to [`super::ConsumerStore::open`]).
pub fn consumer_dir(store_dir: &Path, stream: &str, consumer: &str) -> Result<PathBuf> {
    check_name(consumer)?;
    Ok(stream_dir(store_dir, stream)?.join("consumers").join(consumer))
}

fn write_json(dir: &Path, value: &serde_json::Value) -> Result<()> {
    fs::create_dir_all(dir)?;
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Meta(e.to_string()))?;
    let tmp = dir.join("meta.json.tmp");
    let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
    f.write_all(&bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, dir.join(META))?;
    File::open(dir)?.sync_all()?;
    Ok(())
}

fn read_json(dir: &Path) -> Result<Option<serde_json::Value>> {
    match fs::read(dir.join(META)) {
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| StoreError::Meta(format!("{}: {e}", dir.display()))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Names of the subdirectories of `dir` that hold a `meta.json`, sorted.
fn list(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for ent in entries {
        let ent = ent?;
        if ent.file_type()?.is_dir() && ent.path().join(META).is_file() {
            if let Some(name) = ent.file_name().to_str() {
                out.push(name.to_string());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Save a stream's config.
pub fn write_stream_meta(store_dir: &Path, stream: &str, config: &serde_json::Value) -> Result<()> {
    write_json(&stream_dir(store_dir, stream)?, config)
}

/// A stream's saved config, if any.
pub fn read_stream_meta(store_dir: &Path, stream: &str) -> Result<Option<serde_json::Value>> {
    read_json(&stream_dir(store_dir, stream)?)
}

/// Save a consumer's config.
pub fn write_consumer_meta(store_dir: &Path, stream: &str, consumer: &str, config: &serde_json::Value) -> Result<()> {
    write_json(&consumer_dir(store_dir, stream, consumer)?, config)
}

/// A consumer's saved config, if any.
pub fn read_consumer_meta(store_dir: &Path, stream: &str, consumer: &str) -> Result<Option<serde_json::Value>> {
    read_json(&consumer_dir(store_dir, stream, consumer)?)
}

/// Streams found in the store directory.
pub fn list_streams(store_dir: &Path) -> Result<Vec<String>> {
    list(&store_dir.join("streams"))
}

/// Consumers of a stream found in the store directory.
pub fn list_consumers(store_dir: &Path, stream: &str) -> Result<Vec<String>> {
    list(&stream_dir(store_dir, stream)?.join("consumers"))
}

/// Remove a stream with its messages and consumers. The metadata goes first, so an interrupted
/// removal leaves a directory that is no longer listed.
pub fn remove_stream(store_dir: &Path, stream: &str) -> Result<()> {
    remove_dir(&stream_dir(store_dir, stream)?)
}

/// Remove a consumer's directory.
pub fn remove_consumer(store_dir: &Path, stream: &str, consumer: &str) -> Result<()> {
    remove_dir(&consumer_dir(store_dir, stream, consumer)?)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_file(dir.join(META)) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn streams_and_consumers_are_rediscovered_with_their_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write_stream_meta(root, "ORDERS", &json!({"name": "ORDERS", "subjects": ["orders.>"]})).unwrap();
        write_stream_meta(root, "KV_cfg", &json!({"name": "KV_cfg"})).unwrap();
        write_consumer_meta(root, "ORDERS", "worker", &json!({"durable_name": "worker"})).unwrap();
        // A stream whose creation never wrote its metadata is not listed.
        fs::create_dir_all(stream_msgs_dir(root, "HALF").unwrap()).unwrap();

        assert_eq!(list_streams(root).unwrap(), vec!["KV_cfg", "ORDERS"]);
        assert_eq!(list_consumers(root, "ORDERS").unwrap(), vec!["worker"]);
        assert_eq!(list_consumers(root, "KV_cfg").unwrap(), Vec::<String>::new());
        assert_eq!(read_stream_meta(root, "ORDERS").unwrap().unwrap()["subjects"][0], "orders.>");
        assert_eq!(read_consumer_meta(root, "ORDERS", "worker").unwrap().unwrap()["durable_name"], "worker");
        assert_eq!(read_stream_meta(root, "NOPE").unwrap(), None);

        write_stream_meta(root, "ORDERS", &json!({"name": "ORDERS", "max_msgs": 5})).unwrap();
        assert_eq!(read_stream_meta(root, "ORDERS").unwrap().unwrap()["max_msgs"], 5);

        remove_consumer(root, "ORDERS", "worker").unwrap();
        assert!(list_consumers(root, "ORDERS").unwrap().is_empty());
        remove_stream(root, "ORDERS").unwrap();
        assert_eq!(list_streams(root).unwrap(), vec!["KV_cfg"]);
    }

    #[test]
    fn names_that_escape_the_directory_are_refused() {
        let root = Path::new("/tmp/unused");
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "nul\0"] {
            assert!(matches!(stream_dir(root, bad), Err(StoreError::Meta(_))), "{bad:?}");
        }
        assert!(consumer_dir(root, "S", "../x").is_err());
    }

    #[test]
    fn unreadable_metadata_is_an_error_not_a_missing_stream() {
        let dir = tempfile::tempdir().unwrap();
        let sd = stream_dir(dir.path(), "S").unwrap();
        fs::create_dir_all(&sd).unwrap();
        fs::write(sd.join(META), b"{not json").unwrap();
        assert!(matches!(read_stream_meta(dir.path(), "S"), Err(StoreError::Meta(_))));
    }
}
