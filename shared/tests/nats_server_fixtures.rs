//! Round-trips JSON captured from nats-server 2.9.10 (`tests/fixtures/`) through the shared API types.
//!
//! Each fixture is read into its type and written back; the result must hold every field the
//! fixture has, with the same value, and nothing else except fields newer nats-server versions
//! add (listed in `NEWER_FIELDS`). Go writes nil slices and maps as `null`; an empty `[]`/`{}` counts
//! as the same. The fixtures' `*.request.json` files are the bodies that were sent, so the configs
//! nats-server echoed can be compared with what `check()` produces from them.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use switchyard_shared::api::monitor::{
    AccountStatz, Accountz, Connz, Gatewayz, HealthStatus, JsInfo, Leafz, Routez, SublistStats, Subsz, Varz,
};
use switchyard_shared::api::requests::ConsumerCreateRequest;
use switchyard_shared::api::responses::*;
use switchyard_shared::api::{AccountLimits, ApiError, JsApiResponse, JsLimitOpts, StreamConfig};

/// Fields current nats-server writes that 2.9.10 did not (or wrote only when non-empty).
const NEWER_FIELDS: &[&str] = &[
    // StreamConfig (2.10: compression, consumer_limits; 2.11: allow_msg_ttl)
    "compression",
    "consumer_limits",
    "allow_msg_ttl",
    // StreamInfo / ConsumerInfo gather time (2.10)
    "ts",
    // API level (2.11)
    "level",
    // Tier reservations in $JS.API.INFO (2.10)
    "reserved_memory",
    "reserved_storage",
    // /varz counters and blocks added since
    "in_client_msgs",
    "in_client_bytes",
    "out_client_msgs",
    "out_client_bytes",
    "stale_connections",
    "stalled_clients",
    "config_digest",
    "slow_consumer_stats",
    "disk_io_wait_stats",
    // /routez (2.10), /jsz (2.10)
    "server_name",
    "total",
    // /accstatz (2.10)
    "name",
    "num_subscriptions",
];

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", root.display());
    files
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn load_named(dir: &str, name: &str) -> Value {
    load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir).join(name))
}

fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) -> Value {
    let typed: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("decode: {e}"));
    serde_json::to_value(&typed).unwrap()
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Collects differences between the captured JSON and ours.
fn compare(fixture: &Value, ours: &Value, path: &str, diffs: &mut Vec<String>) {
    match (fixture, ours) {
        (Value::Object(f), Value::Object(o)) => {
            for (k, fv) in f {
                match o.get(k) {
                    Some(ov) => compare(fv, ov, &format!("{path}.{k}"), diffs),
                    None if is_empty(fv) => {}
                    None => diffs.push(format!("missing {path}.{k}")),
                }
            }
            for (k, ov) in o {
                if !f.contains_key(k) && !NEWER_FIELDS.contains(&k.as_str()) {
                    diffs.push(format!("extra {path}.{k} = {ov}"));
                }
            }
        }
        (Value::Array(f), Value::Array(o)) if f.len() == o.len() => {
            for (i, (fv, ov)) in f.iter().zip(o).enumerate() {
                compare(fv, ov, &format!("{path}[{i}]"), diffs);
            }
        }
        (f, o) if is_empty(f) && is_empty(o) => {}
        (f, o) if f == o => {}
        (f, o) => diffs.push(format!("{path}: captured {f}, ours {o}")),
    }
}

fn check_file(path: &Path, ours: impl Fn(&Value) -> Value) -> Vec<String> {
    let fixture = load(path);
    let mut diffs = Vec::new();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    compare(&fixture, &ours(&fixture), &name, &mut diffs);
    diffs
}

fn jetstream_round_trip(name: &str, v: &Value) -> Value {
    let prefix = |p: &str| name.starts_with(p);
    if prefix("account_info") {
        round_trip::<AccountInfoResponse>(v)
    } else if prefix("stream_create") {
        round_trip::<StreamCreateResponse>(v)
    } else if prefix("stream_update") {
        round_trip::<StreamUpdateResponse>(v)
    } else if prefix("stream_info") {
        round_trip::<StreamInfoResponse>(v)
    } else if prefix("stream_names") {
        round_trip::<StreamNamesResponse>(v)
    } else if prefix("stream_list") {
        round_trip::<StreamListResponse>(v)
    } else if prefix("stream_purge") {
        round_trip::<StreamPurgeResponse>(v)
    } else if prefix("stream_delete") {
        round_trip::<StreamDeleteResponse>(v)
    } else if prefix("msg_get") {
        round_trip::<MsgGetResponse>(v)
    } else if prefix("msg_delete") {
        round_trip::<MsgDeleteResponse>(v)
    } else if prefix("consumer_create") {
        round_trip::<ConsumerCreateResponse>(v)
    } else if prefix("consumer_info") {
        round_trip::<ConsumerInfoResponse>(v)
    } else if prefix("consumer_names") {
        round_trip::<ConsumerNamesResponse>(v)
    } else if prefix("consumer_list") {
        round_trip::<ConsumerListResponse>(v)
    } else if prefix("consumer_delete") {
        round_trip::<ConsumerDeleteResponse>(v)
    } else if prefix("pub_ack") {
        round_trip::<PubAckResponse>(v)
    } else {
        panic!("no type for fixture {name}")
    }
}

fn monitor_round_trip(name: &str, v: &Value) -> Value {
    let prefix = |p: &str| name.starts_with(p);
    if name == "subsz.json" {
        // 2.9.10 answered a plain /subsz with the bare statistics; current servers send a full Subsz.
        round_trip::<SublistStats>(v)
    } else if prefix("varz") {
        round_trip::<Varz>(v)
    } else if prefix("connz") {
        round_trip::<Connz>(v)
    } else if prefix("subsz") {
        round_trip::<Subsz>(v)
    } else if prefix("routez") {
        round_trip::<Routez>(v)
    } else if prefix("accountz") {
        round_trip::<Accountz>(v)
    } else if prefix("accstatz") {
        round_trip::<AccountStatz>(v)
    } else if prefix("jsz") {
        round_trip::<JsInfo>(v)
    } else if prefix("healthz") {
        round_trip::<HealthStatus>(v)
    } else if prefix("leafz") {
        round_trip::<Leafz>(v)
    } else if prefix("gatewayz") {
        round_trip::<Gatewayz>(v)
    } else {
        panic!("no type for fixture {name}")
    }
}

#[test]
fn jetstream_fixtures_round_trip_with_the_same_fields() {
    let mut diffs = Vec::new();
    for path in fixtures("jetstream") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".request.json") {
            continue; // Client input, used by the defaults tests below.
        }
        diffs.extend(check_file(&path, |v| jetstream_round_trip(&name, v)));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn monitor_fixtures_round_trip_with_the_same_fields() {
    let mut diffs = Vec::new();
    for path in fixtures("monitor") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        diffs.extend(check_file(&path, |v| monitor_round_trip(&name, v)));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn error_fixtures_read_as_errors_without_a_body() {
    for path in fixtures("jetstream") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.contains("_error_") || name.starts_with("pub_ack") {
            continue;
        }
        let v = load(&path);
        let has_error = |e: Option<&ApiError>| e.is_some_and(|e| e.err_code != 0);
        if name.starts_with("stream_create") {
            let r: StreamCreateResponse = serde_json::from_value(v).unwrap();
            assert!(has_error(r.error()) && r.info.is_none(), "{name}");
        } else if name.starts_with("consumer_") {
            let r: ConsumerInfoResponse = serde_json::from_value(v).unwrap();
            assert!(has_error(r.error()) && r.info.is_none(), "{name}");
        } else if name.starts_with("stream_info") {
            let r: StreamInfoResponse = serde_json::from_value(v).unwrap();
            assert!(has_error(r.error()) && r.info.is_none(), "{name}");
        } else {
            let r: SystemResponse = serde_json::from_value(v).unwrap();
            assert!(has_error(r.error()), "{name}");
        }
    }
}

/// Errors whose code and text did not change between 2.9.10 and current nats-server.
#[test]
fn our_errors_match_captured_errors() {
    let cases: &[(&str, ApiError)] = &[
        ("consumer_create_error_deliver_max_waiting.json", ApiError::consumer_push_max_waiting()),
        (
            "consumer_create_error_policy.json",
            ApiError::consumer_invalid_policy(
                "consumer delivery policy is deliver by start sequence, but optional start sequence is not set",
            ),
        ),
        ("consumer_create_error_stream_not_found.json", ApiError::stream_not_found()),
        ("consumer_info_error_not_found.json", ApiError::consumer_not_found()),
        ("msg_delete_error_deny.json", ApiError::stream_msg_delete_failed("message delete not permitted")),
        ("msg_get_error_not_found.json", ApiError::no_message_found()),
        ("stream_create_error_max_age.json", ApiError::stream_invalid_config("max age needs to be >= 100ms")),
        ("stream_create_error_mismatch.json", ApiError::stream_mismatch()),
        ("stream_create_error_name_exists.json", ApiError::stream_name_exist()),
        ("stream_create_error_overlap.json", ApiError::stream_subject_overlap()),
        ("stream_delete_error_not_found.json", ApiError::stream_not_found()),
        ("stream_info_error_not_found.json", ApiError::stream_not_found()),
        ("stream_purge_error_deny.json", ApiError::stream_purge_failed("stream purge not permitted")),
        ("pub_ack_error_expected_stream.json", ApiError::stream_not_match()),
        ("pub_ack_error_msg_size.json", ApiError::stream_message_exceeds_maximum()),
        ("pub_ack_error_rollup.json", ApiError::stream_rollup_failed("rollup not permitted")),
        ("pub_ack_error_wrong_last_msg_id.json", ApiError::stream_wrong_last_msg_id("m2")),
        ("pub_ack_error_wrong_last_sequence.json", ApiError::stream_wrong_last_sequence(2)),
        ("pub_ack_error_wrong_last_subject_sequence.json", ApiError::stream_wrong_last_sequence(1)),
    ];
    for (file, ours) in cases {
        let captured = load_named("jetstream", file);
        assert_eq!(captured["error"], serde_json::to_value(ours).unwrap(), "{file}");
    }
}

/// The error responses as a whole, built by `from_error`, equal the captured ones.
#[test]
fn error_responses_are_shaped_like_captured_ones() {
    let same = |file: &str, ours: Value| assert_eq!(load_named("jetstream", file), ours, "{file}");
    same(
        "stream_info_error_not_found.json",
        serde_json::to_value(StreamInfoResponse::from_error(ApiError::stream_not_found())).unwrap(),
    );
    same(
        "stream_purge_error_deny.json",
        serde_json::to_value(StreamPurgeResponse::from_error(ApiError::stream_purge_failed(
            "stream purge not permitted",
        )))
        .unwrap(),
    );
    same(
        "consumer_info_error_not_found.json",
        serde_json::to_value(ConsumerInfoResponse::from_error(ApiError::consumer_not_found())).unwrap(),
    );
    same(
        "pub_ack_error_wrong_last_sequence.json",
        serde_json::to_value(PubAckResponse::failed("ORDERS", ApiError::stream_wrong_last_sequence(2))).unwrap(),
    );
}

/// `StreamConfig::check` turns each captured request into the config nats-server echoed.
#[test]
fn stream_defaults_match_what_nats_server_echoed() {
    for base in ["stream_create", "stream_create_minimal", "stream_create_kv", "stream_create_nopurge"] {
        let request = load_named("jetstream", &format!("{base}.request.json"));
        let echoed = load_named("jetstream", &format!("{base}.json"))["config"].clone();
        let cfg: StreamConfig = serde_json::from_value(request).unwrap();
        let ours = serde_json::to_value(cfg.check(&JsLimitOpts::default()).unwrap()).unwrap();
        let mut diffs = Vec::new();
        // 2.9.10 did not know `metadata`; it dropped it from the echo.
        let mut ours_cmp = ours.clone();
        ours_cmp.as_object_mut().unwrap().remove("metadata");
        compare(&echoed, &ours_cmp, base, &mut diffs);
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    }
}

/// `ConsumerConfig::check` turns each captured request into the config nats-server echoed.
#[test]
fn consumer_defaults_match_what_nats_server_echoed() {
    let stream: StreamConfig = serde_json::from_value(load_named("jetstream", "stream_create.request.json")).unwrap();
    let stream = stream.check(&JsLimitOpts::default()).unwrap();
    for base in ["consumer_create_durable_pull", "consumer_create_minimal_pull", "consumer_create_push_ephemeral"] {
        let request: ConsumerCreateRequest =
            serde_json::from_value(load_named("jetstream", &format!("{base}.request.json"))).unwrap();
        let echoed = load_named("jetstream", &format!("{base}.json"))["config"].clone();
        let mut ours = request.config.check(&stream, &JsLimitOpts::default(), &AccountLimits::default()).unwrap();
        // nats-server fills `name` from the durable name; the ephemeral's generated name is not ours to make.
        if ours.name.is_empty() {
            ours.name = ours.durable.clone();
        }
        let mut ours = serde_json::to_value(ours).unwrap();
        ours.as_object_mut().unwrap().remove("metadata");
        let mut diffs = Vec::new();
        compare(&echoed, &ours, base, &mut diffs);
        assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    }
}
