//! Object store conventions (ADR-20, as nats.go and nats-py implement them), on the browser side:
//! bucket stream configs, the meta document ([`ObjectInfo`]) and its subject, chunking, the SHA-256
//! digest, and reassembling a download with its checks.
//!
//! A bucket `b` is the stream `OBJ_b` over `$O.b.C.>` (chunks, one subject per object version, named
//! by a random nuid) and `$O.b.M.>` (the latest meta per object, under the base64url of its name,
//! kept alone by `Nats-Rollup: sub`). Nothing here does I/O: the services publish and fetch.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchyard_shared::api::stream::{Compression, DiscardPolicy, StorageType, StreamConfig, StreamInfo};
use switchyard_shared::time::Timestamp;
use switchyard_web::jetstream::is_valid_bucket;

/// Streams of object buckets are named `OBJ_<bucket>`.
pub const STREAM_PREFIX: &str = "OBJ_";
/// Chunk size of uploads, as other clients use.
pub const DEFAULT_CHUNK_SIZE: usize = 128 * 1024;
const DIGEST_PREFIX: &str = "SHA-256=";

/// The bucket a stream holds, if it is an object store stream.
pub fn bucket_of_stream(stream: &str) -> Option<&str> {
    stream.strip_prefix(STREAM_PREFIX).filter(|b| is_valid_bucket(b))
}

/// `$O.<bucket>.M.<base64url(name)>` (padded, as Go's `URLEncoding`).
pub fn meta_subject(bucket: &str, name: &str) -> String {
    format!("$O.{bucket}.M.{}", URL_SAFE.encode(name.as_bytes()))
}

/// `$O.<bucket>.M.>`: every object's meta.
pub fn all_meta_subject(bucket: &str) -> String {
    format!("$O.{bucket}.M.>")
}

/// `$O.<bucket>.C.<nuid>`: one object version's chunks.
pub fn chunk_subject(bucket: &str, nuid: &str) -> String {
    format!("$O.{bucket}.C.{nuid}")
}

/// `SHA-256=<base64url(sha256(data))>`.
pub fn digest(data: &[u8]) -> String {
    format!("{DIGEST_PREFIX}{}", URL_SAFE.encode(Sha256::digest(data)))
}

/// A 22-character random identifier from `[0-9A-Za-z]`, like a NATS nuid, from a source of random
/// 32-bit values.
pub fn nuid(mut random: impl FnMut() -> u32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    (0..22).map(|_| ALPHABET[(random() % ALPHABET.len() as u32) as usize] as char).collect()
}

/// A link to another object or bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectLink {
    pub bucket: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// Options of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<ObjectLink>,
    #[serde(skip_serializing_if = "crate::objstore::is_zero")]
    pub max_chunk_size: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The meta document of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectInfo {
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<ObjectOptions>,
    pub bucket: String,
    pub nuid: String,
    pub size: u64,
    /// RFC 3339, when the writer stored it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mtime: String,
    pub chunks: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ObjectInfo {
    /// The meta of a new object version holding `data`.
    pub fn for_upload(bucket: &str, name: &str, nuid: String, data: &[u8], chunk_size: usize, now: Timestamp) -> Self {
        ObjectInfo {
            name: name.to_owned(),
            bucket: bucket.to_owned(),
            nuid,
            size: data.len() as u64,
            mtime: now.to_rfc3339(),
            chunks: data.len().div_ceil(chunk_size.max(1)) as u64,
            digest: digest(data),
            options: Some(ObjectOptions { link: None, max_chunk_size: chunk_size as u64 }),
            ..Default::default()
        }
    }

    /// The meta that marks this object deleted (its chunks are purged separately).
    pub fn tombstone(&self, now: Timestamp) -> Self {
        ObjectInfo { size: 0, chunks: 0, digest: String::new(), deleted: true, mtime: now.to_rfc3339(), ..self.clone() }
    }

    pub fn is_link(&self) -> bool {
        self.options.as_ref().is_some_and(|o| o.link.is_some())
    }
}

/// Why a download does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectError {
    #[error("object {0:?} not found")]
    NotFound(String),
    #[error("object {0:?} is a link; open the linked object instead")]
    Link(String),
    #[error("expected {expected} chunks, got {got}")]
    ChunkCount { expected: u64, got: u64 },
    #[error("expected {expected} bytes, got {got}")]
    Size { expected: u64, got: u64 },
    #[error("digest mismatch: the object says {expected}, the data is {got}")]
    Digest { expected: String, got: String },
    #[error("invalid bucket name")]
    InvalidBucket,
    #[error("object names may not be empty")]
    EmptyName,
}

/// Collects a download's chunks and checks them against the meta.
#[derive(Debug, Clone)]
pub struct Assembler {
    info: ObjectInfo,
    data: Vec<u8>,
    chunks: u64,
}

impl Assembler {
    pub fn new(info: ObjectInfo) -> Self {
        Assembler { data: Vec::with_capacity(info.size as usize), info, chunks: 0 }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.data.extend_from_slice(chunk);
        self.chunks += 1;
    }

    /// Whether every chunk has arrived.
    pub fn is_complete(&self) -> bool {
        self.chunks >= self.info.chunks
    }

    /// The object's bytes, when count, size and digest match the meta.
    pub fn finish(self) -> Result<Vec<u8>, ObjectError> {
        if self.chunks != self.info.chunks {
            return Err(ObjectError::ChunkCount { expected: self.info.chunks, got: self.chunks });
        }
        if self.data.len() as u64 != self.info.size {
            return Err(ObjectError::Size { expected: self.info.size, got: self.data.len() as u64 });
        }
        if !self.info.digest.is_empty() {
            let got = digest(&self.data);
            // Other clients accept the prefix in either case.
            let expected = self.info.digest.replacen("sha-256=", DIGEST_PREFIX, 1);
            if got != expected {
                return Err(ObjectError::Digest { expected: self.info.digest, got });
            }
        }
        Ok(self.data)
    }
}

/// What a new object bucket is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSettings {
    pub bucket: String,
    pub description: String,
    /// Nanoseconds; 0 keeps objects forever.
    pub ttl: i64,
    /// -1 for no limit.
    pub max_bytes: i64,
    pub storage: StorageType,
    pub replicas: i64,
    pub compression: bool,
}

impl Default for BucketSettings {
    fn default() -> Self {
        BucketSettings {
            bucket: String::new(),
            description: String::new(),
            ttl: 0,
            max_bytes: -1,
            storage: StorageType::File,
            replicas: 1,
            compression: false,
        }
    }
}

impl BucketSettings {
    /// The stream config of the bucket, as nats.go and nats-py create it.
    pub fn stream_config(&self) -> Result<StreamConfig, ObjectError> {
        if !is_valid_bucket(&self.bucket) {
            return Err(ObjectError::InvalidBucket);
        }
        Ok(StreamConfig {
            name: format!("{STREAM_PREFIX}{}", self.bucket),
            description: self.description.clone(),
            subjects: vec![format!("$O.{}.C.>", self.bucket), all_meta_subject(&self.bucket)],
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: self.max_bytes,
            max_age: self.ttl,
            max_msgs_per: -1,
            max_msg_size: -1,
            discard: DiscardPolicy::New,
            storage: self.storage,
            replicas: self.replicas.max(1),
            allow_rollup: true,
            allow_direct: true,
            compression: if self.compression { Compression::S2 } else { Compression::None },
            ..Default::default()
        })
    }
}

/// An object bucket's status, from its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketStatus {
    pub bucket: String,
    pub description: String,
    pub ttl: i64,
    pub bytes: u64,
    pub storage: StorageType,
    pub replicas: i64,
    pub created: Timestamp,
    pub sealed: bool,
}

impl BucketStatus {
    pub fn from_stream(info: &StreamInfo) -> Option<BucketStatus> {
        let bucket = bucket_of_stream(&info.config.name)?;
        Some(BucketStatus {
            bucket: bucket.to_owned(),
            description: info.config.description.clone(),
            ttl: info.config.max_age,
            bytes: info.state.bytes,
            storage: info.config.storage,
            replicas: info.config.replicas,
            created: info.created,
            sealed: info.config.sealed,
        })
    }
}

/// The `i`-th chunk of `data`.
pub fn chunk(data: &[u8], i: usize, chunk_size: usize) -> &[u8] {
    let start = (i * chunk_size).min(data.len());
    let end = (start + chunk_size).min(data.len());
    &data[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_conventions() {
        assert_eq!(meta_subject("files", "a"), "$O.files.M.YQ==");
        assert_eq!(meta_subject("files", "report.pdf"), "$O.files.M.cmVwb3J0LnBkZg==");
        assert_eq!(chunk_subject("files", "N1"), "$O.files.C.N1");
        assert_eq!(bucket_of_stream("OBJ_files"), Some("files"));
        assert_eq!(bucket_of_stream("KV_files"), None);
    }

    #[test]
    fn digest_is_sha256_in_padded_base64url() {
        // sha256("") = e3b0c442…b855
        assert_eq!(digest(b""), "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    #[test]
    fn nuids_are_22_alphanumerics() {
        let mut n = 0u32;
        let id = nuid(|| {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12345);
            n
        });
        assert_eq!(id.len(), 22);
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn uploads_are_chunked_and_downloads_reassembled_and_checked() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let info = ObjectInfo::for_upload("b", "big.bin", "NUID".into(), &data, DEFAULT_CHUNK_SIZE, Timestamp::ZERO);
        assert_eq!(info.chunks, 3);
        let mut a = Assembler::new(info.clone());
        for i in 0..3 {
            assert!(!a.is_complete());
            a.push(chunk(&data, i, DEFAULT_CHUNK_SIZE));
        }
        assert!(a.is_complete());
        assert_eq!(a.finish().unwrap(), data);

        let mut short = Assembler::new(info.clone());
        short.push(chunk(&data, 0, DEFAULT_CHUNK_SIZE));
        assert_eq!(short.finish().unwrap_err(), ObjectError::ChunkCount { expected: 3, got: 1 });

        let mut bad = Assembler::new(ObjectInfo { chunks: 1, size: 3, ..info });
        bad.push(b"xyz");
        assert!(matches!(bad.finish().unwrap_err(), ObjectError::Digest { .. }));
    }

    #[test]
    fn an_empty_object_has_no_chunks() {
        let info = ObjectInfo::for_upload("b", "empty", "N".into(), b"", DEFAULT_CHUNK_SIZE, Timestamp::ZERO);
        assert_eq!((info.chunks, info.size), (0, 0));
        let a = Assembler::new(info);
        assert!(a.is_complete());
        assert_eq!(a.finish().unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn meta_json_reads_what_other_clients_write_and_tombstones_clear_the_digest() {
        let raw = r#"{"name":"x","bucket":"b","nuid":"N","size":5,"mtime":"2026-01-01T00:00:00Z","chunks":1,
            "digest":"SHA-256=abc=","options":{"max_chunk_size":131072},"unknown":1}"#;
        let info: ObjectInfo = serde_json::from_str(raw).unwrap();
        assert_eq!((info.size, info.chunks, info.deleted), (5, 1, false));
        let gone = info.tombstone(Timestamp::ZERO);
        let v = serde_json::to_value(&gone).unwrap();
        assert_eq!(v["deleted"], true);
        assert!(v.get("digest").is_none());
        assert_eq!(v["name"], "x");
    }

    #[test]
    fn bucket_configs_are_valid_streams() {
        let c = BucketSettings { bucket: "files".into(), ..Default::default() }.stream_config().unwrap();
        assert_eq!(c.subjects, vec!["$O.files.C.>", "$O.files.M.>"]);
        assert!(c.allow_rollup && c.allow_direct);
        assert!(c.check(&Default::default()).is_ok());
        assert_eq!(
            BucketSettings { bucket: "no good".into(), ..Default::default() }.stream_config(),
            Err(ObjectError::InvalidBucket)
        );
    }
}
