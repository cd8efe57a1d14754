//! The `$JS.API.>` request handlers.
//!
//! One internal client subscribed to `$JS.API.>` (and `$JS.<domain>.API.>` when a domain is set)
//! receives every request; [`handle`] dispatches on the subject's tokens and returns the JSON
//! response, shaped and coded as nats-server's (`type`, `error{code,err_code,description}`). Pull
//! requests (`CONSUMER.MSG.NEXT`) and Direct Get are served by the consumer and stream themselves and
//! are ignored here; any other subject gets an error reply, never silence.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use tracing::{info, warn};

use switchyard_shared::api::account::{AccountInfo, ApiStats, JetStreamTier};
use switchyard_shared::api::consumer::{ConsumerAction, ConsumerConfig};
use switchyard_shared::api::error::ApiError;
use switchyard_shared::api::requests::{
    parse_request, ConsumerCreateRequest, ConsumerPauseRequest, ConsumersRequest, MsgDeleteRequest, MsgGetRequest,
    StreamInfoRequest, StreamNamesRequest, StreamPurgeRequest,
};
use switchyard_shared::api::responses::*;
use switchyard_shared::api::stream::{self as apistream, StorageType, StreamConfig};
use switchyard_shared::subject;
use switchyard_shared::time::Timestamp;

use super::advisory::{Action, Advisory};
use super::consumer::Consumer;
use super::store::PurgeRequest;
use super::stream::Stream;
use super::{JetStream, API_LEVEL};
use crate::core::conn::now_nanos;
use crate::core::internal::{InternalClient, Outbox};
use crate::server::Server;

/// Starts the API task.
pub fn start(js: &Arc<JetStream>, _server: &Arc<Server>) {
    let client = InternalClient::new(js.internal_id(), 64 << 20);
    client.subscribe(&js.router, "$JS.API.>", None, "api");
    if let Some(domain) = &js.domain {
        client.subscribe(&js.router, &format!("$JS.{domain}.API.>"), None, "api");
    }
    let js = js.clone();
    tokio::spawn(async move {
        let mut outbox = Outbox::new(js.router.clone(), client.id());
        loop {
            let batch = client.next_batch().await;
            for m in batch {
                let Some(reply) = m.reply else { continue };
                let subject = String::from_utf8_lossy(&m.subject).into_owned();
                let subject = match &js.domain {
                    Some(d) => subject.replacen(&format!("$JS.{d}.API."), "$JS.API.", 1),
                    None => subject,
                };
                if let Some(response) = handle(&js, &subject, &m.payload) {
                    js.api_total.fetch_add(1, Ordering::Relaxed);
                    if response.is_error {
                        js.api_errors.fetch_add(1, Ordering::Relaxed);
                    }
                    outbox.publish(&reply, None, None, &response.body);
                }
            }
            outbox.flush();
        }
    });
}

/// An API reply body and whether it reports an error.
pub struct ApiReply {
    pub body: Bytes,
    pub is_error: bool,
}

fn reply<T: JsApiResponse>(r: T) -> Option<ApiReply> {
    let is_error = r.error().is_some();
    Some(ApiReply { body: Bytes::from(serde_json::to_vec(&r).unwrap_or_default()), is_error })
}

fn result<T: JsApiResponse>(r: Result<T, ApiError>) -> Option<ApiReply> {
    match r {
        Ok(v) => reply(v),
        Err(e) => reply(T::from_error(e)),
    }
}

/// Dispatches one request; `None` for subjects answered elsewhere (pull requests, Direct Get).
pub fn handle(js: &Arc<JetStream>, subject: &str, payload: &[u8]) -> Option<ApiReply> {
    let toks: Vec<&str> = subject.split('.').collect();
    let rest = toks.get(2..).unwrap_or(&[]);
    match rest {
        ["INFO"] => result(account_info(js)),
        ["STREAM", "CREATE", name] => result(stream_create(js, name, payload)),
        ["STREAM", "UPDATE", name] => result(stream_update(js, name, payload)),
        ["STREAM", "INFO", name] => result(stream_info(js, name, payload)),
        ["STREAM", "NAMES"] => result(stream_names(js, payload)),
        ["STREAM", "LIST"] => result(stream_list(js, payload)),
        ["STREAM", "DELETE", name] => result(stream_delete(js, name)),
        ["STREAM", "PURGE", name] => result(stream_purge(js, name, payload)),
        ["STREAM", "MSG", "GET", name] => result(msg_get(js, name, payload)),
        ["STREAM", "MSG", "DELETE", name] => result(msg_delete(js, name, payload)),
        ["CONSUMER", "CREATE", stream] => result(consumer_create(js, stream, None, None, payload)),
        ["CONSUMER", "CREATE", stream, name] => result(consumer_create(js, stream, Some(name), None, payload)),
        ["CONSUMER", "CREATE", stream, name, filter @ ..] => {
            result(consumer_create(js, stream, Some(name), Some(filter.join(".")), payload))
        }
        ["CONSUMER", "DURABLE", "CREATE", stream, name] => result(durable_create(js, stream, name, payload)),
        ["CONSUMER", "INFO", stream, name] => result(consumer_info(js, stream, name)),
        ["CONSUMER", "NAMES", stream] => result(consumer_names(js, stream, payload)),
        ["CONSUMER", "LIST", stream] => result(consumer_list(js, stream, payload)),
        ["CONSUMER", "DELETE", stream, name] => result(consumer_delete(js, stream, name)),
        ["CONSUMER", "PAUSE", stream, name] => result(consumer_pause(js, stream, name, payload)),
        ["CONSUMER", "MSG", "NEXT", ..] | ["DIRECT", "GET", ..] => None,
        _ => reply(SystemResponse::from_error(ApiError::bad_request())),
    }
}

/// Decodes a request body as nats-server does: blank, or JSON `null` (which Go's decoder takes as
/// "nothing to set"), gives the defaults. async-nats sends `null` for requests without options.
fn parse<T: DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ApiError> {
    if payload.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    parse_request(payload)
}

fn lookup(js: &JetStream, name: &str) -> Result<Arc<Stream>, ApiError> {
    js.stream(name).ok_or_else(ApiError::stream_not_found)
}

fn account_info(js: &JetStream) -> Result<AccountInfoResponse, ApiError> {
    let (memory, store) = js.usage();
    let usage = JetStreamTier {
        memory,
        store,
        reserved_memory: 0,
        reserved_store: 0,
        streams: js.stream_names().len() as i64,
        consumers: js.consumer_count() as i64,
        limits: js.account_limits.clone(),
    };
    Ok(AccountInfoResponse {
        info: Some(AccountInfo {
            usage,
            domain: js.domain.clone().unwrap_or_default(),
            api: ApiStats {
                level: API_LEVEL,
                total: js.api_total.load(Ordering::Relaxed),
                errors: js.api_errors.load(Ordering::Relaxed),
                inflight: 0,
            },
            tiers: Default::default(),
        }),
        ..Default::default()
    })
}

/// Subjects must not overlap another stream's.
fn check_overlap(js: &JetStream, config: &StreamConfig) -> Result<(), ApiError> {
    for other in js.streams() {
        if other.name == config.name {
            continue;
        }
        let theirs = other.config().subjects;
        for mine in &config.subjects {
            if theirs.iter().any(|t| subject::filters_overlap(mine, t)) {
                return Err(ApiError::stream_subject_overlap());
            }
        }
    }
    Ok(())
}

/// File/memory budget for a stream's `max_bytes` reservation.
fn check_resources(js: &JetStream, config: &StreamConfig, except: Option<&str>) -> Result<(), ApiError> {
    if config.max_bytes <= 0 {
        return Ok(());
    }
    let mem = config.storage == StorageType::Memory;
    let reserved: i64 = js
        .streams()
        .iter()
        .filter(|s| Some(s.name.as_str()) != except && s.is_memory() == mem)
        .map(|s| s.config().max_bytes.max(0))
        .sum();
    let budget = if mem { js.max_memory } else { js.max_store };
    if budget >= 0 && reserved + config.max_bytes > budget {
        return Err(ApiError::insufficient_resources());
    }
    Ok(())
}

fn stream_create(js: &Arc<JetStream>, name: &str, payload: &[u8]) -> Result<StreamCreateResponse, ApiError> {
    let mut config: StreamConfig = parse(payload)?;
    if config.name.is_empty() {
        config.name = name.to_string();
    } else if config.name != name {
        return Err(ApiError::stream_mismatch());
    }
    let config = config.check(&js.limits)?;
    super::transform::check(&config)?;
    super::source::check(&config)?;
    if let Some(existing) = js.stream(name) {
        if existing.config() == config {
            return Ok(StreamCreateResponse { info: Some(existing.info(false, None)), ..Default::default() });
        }
        return Err(ApiError::stream_name_exist());
    }
    check_overlap(js, &config)?;
    check_resources(js, &config, None)?;
    let stream = Stream::open(js, config, None)?;
    js.insert_stream(stream.clone());
    info!(stream = %name, "stream created");
    js.advise(Advisory::Stream { stream: name, action: Action::Create });
    Ok(StreamCreateResponse { info: Some(stream.info(false, None)), did_create: true, ..Default::default() })
}

fn stream_update(js: &Arc<JetStream>, name: &str, payload: &[u8]) -> Result<StreamUpdateResponse, ApiError> {
    let mut config: StreamConfig = parse(payload)?;
    if config.name.is_empty() {
        config.name = name.to_string();
    } else if config.name != name {
        return Err(ApiError::stream_mismatch());
    }
    let stream = lookup(js, name)?;
    let config = config.check_update(&stream.config(), &js.limits)?;
    super::transform::check(&config)?;
    super::source::check(&config)?;
    check_overlap(js, &config)?;
    check_resources(js, &config, Some(name))?;
    stream.update(js, config)?;
    js.advise(Advisory::Stream { stream: name, action: Action::Modify });
    Ok(StreamUpdateResponse { info: Some(stream.info(false, None)), ..Default::default() })
}

fn stream_info(js: &JetStream, name: &str, payload: &[u8]) -> Result<StreamInfoResponse, ApiError> {
    let req: StreamInfoRequest = parse(payload)?;
    let stream = lookup(js, name)?;
    let filter = (!req.subjects_filter.is_empty()).then_some(req.subjects_filter.as_str());
    let mut info = stream.info(req.deleted_details, filter);
    let mut paged = ApiPaged::default();
    if filter.is_some() {
        let total = info.state.subjects.len() as i64;
        let offset = req.offset.clamp(0, total);
        let limit = MAX_SUBJECT_DETAILS;
        info.state.subjects =
            std::mem::take(&mut info.state.subjects).into_iter().skip(offset as usize).take(limit as usize).collect();
        paged = ApiPaged { total, offset, limit };
    }
    Ok(StreamInfoResponse { paged, info: Some(info), ..Default::default() })
}

fn matching_streams(js: &JetStream, filter: &str) -> Vec<Arc<Stream>> {
    js.streams()
        .into_iter()
        .filter(|s| filter.is_empty() || s.config().subjects.iter().any(|subj| subject::filters_overlap(subj, filter)))
        .collect()
}

fn stream_names(js: &JetStream, payload: &[u8]) -> Result<StreamNamesResponse, ApiError> {
    let req: StreamNamesRequest = parse(payload)?;
    let all = matching_streams(js, &req.subject);
    let total = all.len() as i64;
    let offset = req.offset.clamp(0, total);
    let streams = all.iter().skip(offset as usize).take(NAMES_LIMIT as usize).map(|s| s.name.clone()).collect();
    Ok(StreamNamesResponse { paged: ApiPaged { total, offset, limit: NAMES_LIMIT }, streams, ..Default::default() })
}

fn stream_list(js: &JetStream, payload: &[u8]) -> Result<StreamListResponse, ApiError> {
    let req: StreamNamesRequest = parse(payload)?;
    let all = matching_streams(js, &req.subject);
    let total = all.len() as i64;
    let offset = req.offset.clamp(0, total);
    let streams = all.iter().skip(offset as usize).take(LIST_LIMIT as usize).map(|s| s.info(false, None)).collect();
    Ok(StreamListResponse { paged: ApiPaged { total, offset, limit: LIST_LIMIT }, streams, ..Default::default() })
}

fn stream_delete(js: &JetStream, name: &str) -> Result<StreamDeleteResponse, ApiError> {
    let stream = js.remove_stream(name).ok_or_else(ApiError::stream_not_found)?;
    stream.stop(true);
    info!(stream = %name, "stream deleted");
    js.advise(Advisory::Stream { stream: name, action: Action::Delete });
    Ok(StreamDeleteResponse::ok())
}

fn stream_purge(js: &JetStream, name: &str, payload: &[u8]) -> Result<StreamPurgeResponse, ApiError> {
    let req: StreamPurgeRequest = parse(payload)?;
    let stream = lookup(js, name)?;
    let cfg = stream.config();
    if cfg.sealed {
        return Err(ApiError::stream_sealed());
    }
    if cfg.deny_purge {
        return Err(ApiError::stream_purge_failed("stream purge not permitted"));
    }
    if req.sequence > 0 && req.keep > 0 {
        return Err(ApiError::bad_request());
    }
    let purge = PurgeRequest {
        filter: (!req.subject.is_empty()).then_some(req.subject),
        seq: (req.sequence > 0).then_some(req.sequence),
        keep: (req.keep > 0).then_some(req.keep),
    };
    let purged = stream.purge(&purge)?;
    Ok(StreamPurgeResponse { success: true, purged, ..Default::default() })
}

fn msg_get(js: &JetStream, name: &str, payload: &[u8]) -> Result<MsgGetResponse, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Err(ApiError::bad_request());
    }
    let req: MsgGetRequest = parse(payload)?;
    let bad = (req.seq > 0 && !req.last_for.is_empty())
        || (req.seq == 0 && req.last_for.is_empty() && req.next_for.is_empty())
        || (!req.last_for.is_empty() && !req.next_for.is_empty());
    if bad {
        return Err(ApiError::bad_request());
    }
    let stream = lookup(js, name)?;
    let m = stream.get_msg(&req)?;
    Ok(MsgGetResponse {
        message: Some(apistream::StoredMsg {
            subject: m.subject.to_string(),
            sequence: m.seq,
            header: m.hdr.to_vec(),
            data: m.data.to_vec(),
            time: Timestamp(m.ts),
        }),
        ..Default::default()
    })
}

fn msg_delete(js: &JetStream, name: &str, payload: &[u8]) -> Result<MsgDeleteResponse, ApiError> {
    if payload.trim_ascii().is_empty() {
        return Err(ApiError::bad_request());
    }
    let req: MsgDeleteRequest = parse(payload)?;
    let stream = lookup(js, name)?;
    let cfg = stream.config();
    if cfg.sealed {
        return Err(ApiError::stream_sealed());
    }
    if cfg.deny_delete {
        return Err(ApiError::stream_msg_delete_failed("message delete not permitted"));
    }
    if stream.delete_msg(req.seq, !req.no_erase)? {
        Ok(MsgDeleteResponse::ok())
    } else {
        Err(ApiError::sequence_not_found(req.seq))
    }
}

// ---- consumers ---------------------------------------------------------------------------------

fn durable_create(
    js: &Arc<JetStream>,
    stream: &str,
    name: &str,
    payload: &[u8],
) -> Result<ConsumerCreateResponse, ApiError> {
    let mut req: ConsumerCreateRequest = parse(payload)?;
    if req.config.durable.is_empty() {
        req.config.durable = name.to_string();
    } else if req.config.durable != name {
        return Err(ApiError::consumer_durable_name_not_match_subject());
    }
    create_consumer(js, stream, req)
}

fn consumer_create(
    js: &Arc<JetStream>,
    stream: &str,
    name: Option<&str>,
    filter: Option<String>,
    payload: &[u8],
) -> Result<ConsumerCreateResponse, ApiError> {
    let req: ConsumerCreateRequest = parse(payload)?;
    if !req.stream.is_empty() && req.stream != stream {
        return Err(ApiError::stream_mismatch());
    }
    if let Some(name) = name {
        let cfg = &req.config;
        if !cfg.name.is_empty() && cfg.name != name {
            return Err(ApiError::consumer_create_durable_and_name_mismatch());
        }
        if !cfg.durable.is_empty() && cfg.durable != name {
            return Err(ApiError::consumer_create_durable_and_name_mismatch());
        }
        if let Some(f) = &filter {
            if cfg.filter_subject != *f {
                return Err(ApiError::consumer_create_filter_subject_mismatch());
            }
        }
    } else if !req.config.durable.is_empty() {
        return Err(ApiError::consumer_ephemeral_with_durable_name());
    }
    let mut req = req;
    if let Some(n) = name {
        if req.config.name.is_empty() {
            req.config.name = n.to_string();
        }
    }
    create_consumer(js, stream, req)
}

fn random_name() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..22).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

fn create_consumer(
    js: &Arc<JetStream>,
    stream_name: &str,
    req: ConsumerCreateRequest,
) -> Result<ConsumerCreateResponse, ApiError> {
    let stream = lookup(js, stream_name)?;
    let scfg = stream.config();
    let mut config = req.config.check(&scfg, &js.limits, &js.account_limits)?;
    let name = if config.is_durable() {
        config.durable.clone()
    } else if !config.name.is_empty() {
        config.name.clone()
    } else {
        random_name()
    };
    if config.name.is_empty() {
        config.name = name.clone();
    }
    if !config.deliver_subject.is_empty()
        && scfg.subjects.iter().any(|s| subject::filters_overlap(s, &config.deliver_subject))
    {
        return Err(ApiError::consumer_deliver_cycle());
    }
    if let Some(existing) = stream.consumer(&name) {
        if req.action == ConsumerAction::Create && existing.config() != config {
            return Err(ApiError::consumer_already_exists());
        }
        if existing.config() == config {
            return Ok(ConsumerCreateResponse { info: Some(existing.info()), ..Default::default() });
        }
        existing.update_config(config)?;
        return Ok(ConsumerCreateResponse { info: Some(existing.info()), ..Default::default() });
    }
    if req.action == ConsumerAction::Update {
        return Err(ApiError::consumer_does_not_exist());
    }
    if scfg.max_consumers > 0 && stream.consumer_count() as i64 >= scfg.max_consumers {
        return Err(ApiError::maximum_consumers_limit());
    }
    if scfg.retention == apistream::RetentionPolicy::WorkQueue {
        config.check_work_queue(&scfg)?;
        let others: Vec<ConsumerConfig> = stream.consumers().iter().map(|c| c.config()).collect();
        let mine = config.filters();
        for o in &others {
            let theirs = o.filters();
            let overlap = mine.is_empty()
                || theirs.is_empty()
                || mine.iter().any(|m| theirs.iter().any(|t| subject::filters_overlap(m, t)));
            if overlap {
                return Err(if mine.is_empty() || theirs.is_empty() {
                    ApiError::consumer_wq_multiple_unfiltered()
                } else {
                    ApiError::consumer_wq_consumer_not_unique()
                });
            }
        }
    }
    let consumer = Consumer::open(js, &stream, name, config, false)?;
    stream.insert_consumer(consumer.clone());
    js.advise(Advisory::Consumer { stream: stream_name, consumer: &consumer.name, action: Action::Create });
    Ok(ConsumerCreateResponse { info: Some(consumer.info()), ..Default::default() })
}

fn lookup_consumer(js: &JetStream, stream: &str, name: &str) -> Result<(Arc<Stream>, Arc<Consumer>), ApiError> {
    let stream = lookup(js, stream)?;
    let consumer = stream.consumer(name).ok_or_else(ApiError::consumer_not_found)?;
    Ok((stream, consumer))
}

fn consumer_info(js: &JetStream, stream: &str, name: &str) -> Result<ConsumerInfoResponse, ApiError> {
    let (_, c) = lookup_consumer(js, stream, name)?;
    Ok(ConsumerInfoResponse { info: Some(c.info()), ..Default::default() })
}

fn consumer_names(js: &JetStream, stream: &str, payload: &[u8]) -> Result<ConsumerNamesResponse, ApiError> {
    let req: ConsumersRequest = parse(payload)?;
    let stream = lookup(js, stream)?;
    let names = stream.consumer_names();
    let total = names.len() as i64;
    let offset = req.offset.clamp(0, total);
    let consumers = names.into_iter().skip(offset as usize).take(NAMES_LIMIT as usize).collect();
    Ok(ConsumerNamesResponse { paged: ApiPaged { total, offset, limit: NAMES_LIMIT }, consumers, ..Default::default() })
}

fn consumer_list(js: &JetStream, stream: &str, payload: &[u8]) -> Result<ConsumerListResponse, ApiError> {
    let req: ConsumersRequest = parse(payload)?;
    let stream = lookup(js, stream)?;
    let all = stream.consumers();
    let total = all.len() as i64;
    let offset = req.offset.clamp(0, total);
    let consumers = all.iter().skip(offset as usize).take(LIST_LIMIT as usize).map(|c| c.info()).collect();
    Ok(ConsumerListResponse { paged: ApiPaged { total, offset, limit: LIST_LIMIT }, consumers, ..Default::default() })
}

fn consumer_delete(js: &JetStream, stream: &str, name: &str) -> Result<ConsumerDeleteResponse, ApiError> {
    let stream = lookup(js, stream)?;
    let consumer = stream.remove_consumer(name).ok_or_else(ApiError::consumer_not_found)?;
    consumer.stop(true);
    js.advise(Advisory::Consumer { stream: &stream.name, consumer: name, action: Action::Delete });
    Ok(ConsumerDeleteResponse::ok())
}

fn consumer_pause(js: &JetStream, stream: &str, name: &str, payload: &[u8]) -> Result<ConsumerPauseResponse, ApiError> {
    let req: ConsumerPauseRequest = parse(payload)?;
    let (_, consumer) = lookup_consumer(js, stream, name)?;
    let mut cfg = consumer.config();
    let now = now_nanos();
    let paused = req.pause_until.0 > now;
    cfg.pause_until = paused.then_some(req.pause_until);
    consumer.update_config(cfg)?;
    if !paused {
        warn!(stream = %stream, consumer = %name, "consumer resumed");
    }
    Ok(ConsumerPauseResponse {
        paused,
        pause_until: req.pause_until,
        pause_remaining: if paused { req.pause_until.0 - now } else { 0 },
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_blank_requests_mean_defaults() {
        let from_null: StreamInfoRequest = parse(b" null ").unwrap();
        let from_blank: StreamInfoRequest = parse(b"").unwrap();
        assert_eq!(from_null, StreamInfoRequest::default());
        assert_eq!(from_blank, StreamInfoRequest::default());
        let given: StreamInfoRequest = parse(br#"{"deleted_details":true}"#).unwrap();
        assert!(given.deleted_details);
        assert_eq!(parse::<StreamInfoRequest>(b"{").unwrap_err().err_code, 10025);
    }
}
