//! Object-store scenarios: `objput` and `objget`, speaking the object-store conventions the
//! official clients follow (ADR-20).
//!
//! Both create bucket `--bucket` as the clients do: stream `OBJ_<bucket>` on `$O.<bucket>.C.>` and
//! `$O.<bucket>.M.>`, discard new, rollup headers and direct get allowed (any old stream of that
//! name is deleted first), and delete it at the end. The object (`--object-mib` MiB of seeded
//! pseudo-random bytes, named `blob`) is put like a client puts it: a direct get of its meta
//! subject to look for an older version, then chunks of `--chunk-size` bytes published to
//! `$O.<bucket>.C.<nuid>` with at most `--window` acks outstanding, then the meta message (JSON
//! with name, nuid, size, chunk count and `SHA-256=` digest) published with `Nats-Rollup: sub` to
//! `$O.<bucket>.M.<base64url name>`, and every ack awaited.
//!
//! - `objput`: MB/s of that put, from the meta lookup to the last ack (the digest is computed
//!   before the clock starts: it is the load generator's work, not the server's).
//! - `objget`: puts the object (untimed), then reads it back as clients do: a direct get of the meta
//!   message, then an ordered push consumer over the chunk subject ([`super::ordered`]); MB/s from
//!   the meta request to the last chunk, and the size, chunk count and digest must match.
//!
//! With `--server-pid` both report the server's peak resident memory: for `objput` over the
//! server's life (a fresh server sees only the put), for `objget` over the get alone (the peak is
//! reset through `/proc/<pid>/clear_refs` before it).

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::acked::Acked;
use super::jetstream::{storage_name, Api};
use super::ordered::Ordered;
use super::procfs;
use super::report::{group, millis, Rate, Report};
use super::Args;

/// The object's name.
const NAME: &str = "blob";
/// Seed of the object's bytes.
const SEED: u64 = 0x5eed;

fn stream_name(bucket: &str) -> String {
    format!("OBJ_{bucket}")
}

/// `$O.<bucket>.M.<name as padded base64url>`.
fn meta_subject(bucket: &str, name: &str) -> String {
    format!("$O.{bucket}.M.{}", URL_SAFE.encode(name))
}

/// `SHA-256=` and the padded base64url of the digest.
fn digest_text(digest: &[u8]) -> String {
    format!("SHA-256={}", URL_SAFE.encode(digest))
}

/// The stream configuration the clients send for a bucket without TTL or size limit.
fn bucket_config(args: &Args) -> Value {
    let bucket = &args.bucket;
    json!({
        "name": stream_name(bucket),
        "subjects": [format!("$O.{bucket}.C.>"), format!("$O.{bucket}.M.>")],
        "retention": "limits",
        "max_consumers": -1,
        "max_msgs": -1,
        "max_bytes": -1,
        "max_age": 0,
        "max_msg_size": -1,
        "storage": storage_name(args.storage),
        "discard": "new",
        "num_replicas": 1,
        "allow_rollup_hdrs": true,
        "allow_direct": true,
    })
}

fn object_bytes(args: &Args) -> Result<Vec<u8>> {
    let len = usize::try_from(args.object_mib.checked_mul(1 << 20).context("--object-mib too large")?)?;
    let mut data = vec![0; len];
    fastrand::Rng::with_seed(SEED).fill(&mut data);
    Ok(data)
}

/// What a put did.
struct Put {
    publisher: Acked,
    chunks: u64,
    elapsed: Duration,
}

/// Puts `data` as object [`NAME`] like a client: meta lookup, chunks, meta with rollup.
fn put_object(api: &mut Api, addr: &str, args: &Args, data: &[u8]) -> Result<Put> {
    let stream = stream_name(&args.bucket);
    let meta = meta_subject(&args.bucket, NAME);
    let nuid: String = std::iter::repeat_with(fastrand::alphanumeric).take(22).collect();
    let chunk_subject = format!("$O.{}.C.{nuid}", args.bucket);
    let mut p = Acked::connect(addr, "bench-objput", args.drain_timeout)?;
    let window = args.window as u64;

    // The digest is the load generator's own work, the same for every server: it is done before
    // the clock starts, so the measurement is of the server taking the chunks, not of the hashing.
    let digest = digest_text(&Sha256::digest(data));

    let start = Instant::now();
    let (status, _) = api.request_raw(&format!("$JS.API.DIRECT.GET.{stream}.{meta}"), b"")?;
    if status != Some(404) {
        bail!("the meta lookup of a new object answered {status:?}, not 404");
    }
    let mut chunks = 0u64;
    for chunk in data.chunks(args.chunk_size) {
        if !p.wait_window(window - 1)? {
            break;
        }
        let head = format!("PUB {chunk_subject} {} {}\r\n", p.inbox(), chunk.len());
        p.send_large(head.as_bytes(), chunk)?;
        chunks += 1;
    }
    let info = json!({
        "name": NAME,
        "description": "",
        "options": { "max_chunk_size": args.chunk_size },
        "bucket": args.bucket,
        "nuid": nuid,
        "size": data.len(),
        "chunks": chunks,
        "digest": digest,
    });
    p.publish_with_headers(&meta, "Nats-Rollup: sub\r\n", info.to_string().as_bytes());
    if p.send_windowed(window)? {
        p.wait_window(0)?;
    }
    let elapsed = p.last_ack.duration_since(start);
    Ok(Put { publisher: p, chunks, elapsed })
}

/// The server's peak resident memory in KiB, when its pid is known.
fn server_peak(args: &Args) -> Result<Option<u64>> {
    args.server_pid.map(procfs::peak_rss_kib).transpose()
}

fn memory_line(r: &mut Report, peak_kib: Option<u64>, over: &str) {
    if let Some(kib) = peak_kib {
        r.line(format!("memory server peak RSS {:.1} MiB ({over})", kib as f64 / 1024.0));
        r.field("server_peak_rss_kib", kib);
    }
}

fn headline(scenario: &str, args: &Args, data_len: usize) -> String {
    format!(
        "{scenario}: one object of {} MiB in {} KiB chunks, {} bucket {:?}, window {}, {}",
        data_len >> 20,
        args.chunk_size / 1024,
        storage_name(args.storage),
        args.bucket,
        args.window,
        args.url
    )
}

fn check_args(args: &Args) -> Result<()> {
    if args.chunk_size == 0 || args.object_mib == 0 {
        bail!("--chunk-size and --object-mib must be at least 1");
    }
    Ok(())
}

/// A fresh bucket with the object put into it: the API connection, the bucket's stream, the object
/// and how its put went.
fn bucket_with_object(args: &Args, addr: &str) -> Result<(Api, String, Vec<u8>, Put)> {
    check_args(args)?;
    let data = object_bytes(args)?;
    let stream = stream_name(&args.bucket);
    let mut api = Api::connect(addr)?;
    api.replace_stream(&stream, &bucket_config(args))?;
    let put = put_object(&mut api, addr, args, &data)?;
    Ok((api, stream, data, put))
}

pub(super) fn run_put(args: &Args, addr: &str) -> Result<Report> {
    let (mut api, stream, data, put) = bucket_with_object(args, addr)?;
    let peak = server_peak(args)?;
    let stored = api.stream_messages(&stream)?;
    api.delete_stream(&stream)?;

    let mut r = Report::new("objput", headline("objput", args, data.len()));
    let rate = Rate { msgs: put.chunks, bytes: data.len() as u64, elapsed: put.elapsed };
    r.line(rate.line("put"));
    r.line(format!("      {} chunks and the meta message acked, {} messages stored", group(put.chunks), group(stored)));
    memory_line(&mut r, peak, "its whole life, the put included");
    r.field("object_bytes", data.len());
    r.field("chunk_size", args.chunk_size);
    r.field("chunks", put.chunks);
    r.field("put", rate.to_json());
    put.publisher.problems("objput", &mut r);
    if stored != put.chunks + 1 {
        r.problem(format!("the bucket holds {stored} messages for {} chunks and one meta message", put.chunks));
    }
    Ok(r)
}

/// What the reader saw.
#[derive(Default)]
struct Got {
    chunks: u64,
    bytes: u64,
    digest: String,
    meta_chunks: u64,
    meta_size: u64,
    meta_digest: String,
}

pub(super) fn run_get(args: &Args, addr: &str) -> Result<Report> {
    let (mut api, stream, data, put) = bucket_with_object(args, addr)?;
    let mut r = Report::new("objget", headline("objget", args, data.len()));
    put.publisher.problems("putting the object", &mut r);
    drop(data);
    let peak_reset = match args.server_pid {
        Some(pid) => procfs::reset_peak_rss(pid).is_ok(),
        None => false,
    };

    let start = Instant::now();
    let (got, end, consumer) = get_object(&mut api, addr, args)?;
    let elapsed = end.duration_since(start);
    let peak = server_peak(args)?;
    api.delete_stream(&stream)?;

    let rate = Rate { msgs: got.chunks, bytes: got.bytes, elapsed };
    r.line(rate.line("get"));
    r.line(format!(
        "      {} chunks, {} bytes, digest {}; {} flow-control requests answered, read in {}",
        group(got.chunks),
        group(got.bytes),
        if got.digest == got.meta_digest { "verified" } else { "MISMATCH" },
        consumer.flow_controls,
        millis(elapsed)
    ));
    memory_line(&mut r, peak, if peak_reset { "during the get" } else { "its whole life, put and get" });
    r.field("object_bytes", got.meta_size);
    r.field("chunk_size", args.chunk_size);
    r.field("chunks", got.chunks);
    r.field("get", rate.to_json());
    r.field("consumer", consumer.fields());
    r.field("peak_is_get_only", peak_reset);
    if got.chunks != got.meta_chunks || got.chunks != put.chunks {
        r.problem(format!("read {} chunks; the meta says {}, {} were put", got.chunks, got.meta_chunks, put.chunks));
    }
    if got.bytes != got.meta_size {
        r.problem(format!("read {} bytes; the meta says {}", got.bytes, got.meta_size));
    }
    if got.digest != got.meta_digest {
        r.problem(format!("digest {} of the bytes read differs from the meta's {}", got.digest, got.meta_digest));
    }
    if consumer.gaps > 0 {
        r.problem(format!("{} gaps in the reader's consumer sequence", consumer.gaps));
    }
    Ok(r)
}

/// Reads object [`NAME`] back; returns what was read, when the last chunk arrived, and the consumer.
fn get_object(api: &mut Api, addr: &str, args: &Args) -> Result<(Got, Instant, Ordered)> {
    let stream = stream_name(&args.bucket);
    let meta = meta_subject(&args.bucket, NAME);
    let (status, body) = api.request_raw(&format!("$JS.API.DIRECT.GET.{stream}.{meta}"), b"")?;
    if let Some(status) = status {
        bail!("the meta lookup answered status {status}");
    }
    let info: Value = serde_json::from_slice(&body).context("object meta")?;
    let mut got = Got {
        meta_chunks: info["chunks"].as_u64().context("meta without chunks")?,
        meta_size: info["size"].as_u64().context("meta without size")?,
        meta_digest: info["digest"].as_str().context("meta without digest")?.to_owned(),
        ..Got::default()
    };
    let nuid = info["nuid"].as_str().context("meta without nuid")?;
    let mut hasher = Sha256::new();
    let mut end = Instant::now();
    let mut reader = Ordered::start(addr, api, &stream, &format!("$O.{}.C.{nuid}", args.bucket), "all")?;
    if got.meta_chunks > 0 {
        reader.run_until(args.drain_timeout, |d| {
            hasher.update(d.msg.payload);
            got.chunks += 1;
            got.bytes += d.msg.payload.len() as u64;
            end = Instant::now();
            Ok(d.meta.pending == 0)
        })?;
    }
    got.digest = digest_text(&hasher.finalize());
    Ok((got, end, reader))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_subjects_use_padded_base64url_names() {
        assert_eq!(meta_subject("b", "blob"), "$O.b.M.YmxvYg==");
        assert_eq!(meta_subject("b", "a?>"), "$O.b.M.YT8-");
    }

    #[test]
    fn digests_are_padded_base64url_sha256() {
        let digest = Sha256::digest(b"");
        assert_eq!(digest_text(&digest), "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
    }
}
