//! `/metrics`: valid Prometheus text format (parsed here line by line), exporter-style names and the
//! values of the JSON endpoints.

mod monitor_support;

use std::collections::{BTreeMap, HashSet};

use monitor_support::*;

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses the text exposition format, failing on anything malformed: every sample's metric has a
/// `# TYPE` before it, label syntax and values are valid, and no series repeats.
fn parse(text: &str) -> Vec<Sample> {
    let mut typed = HashSet::new();
    let mut series = HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, arg) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
            assert!(is_name(name), "bad name in {line}");
            if kind == "TYPE" {
                assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&arg), "{line}");
                assert!(typed.insert(name.to_owned()), "TYPE twice: {line}");
            } else {
                assert_eq!(kind, "HELP", "{line}");
            }
            continue;
        }
        let (series_part, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series_part.split_once('{') {
            None => (series_part, BTreeMap::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line}"));
                let mut labels = BTreeMap::new();
                for pair in body.split(',').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("bad label: {line}"));
                    assert!(is_name(k), "bad label name: {line}");
                    let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or_else(|| panic!("{line}"));
                    labels.insert(k.to_owned(), v.to_owned());
                }
                (name, labels)
            }
        };
        assert!(is_name(name), "bad metric name: {line}");
        assert!(typed.contains(name), "sample before its TYPE: {line}");
        assert!(series.insert(series_part.to_owned()), "series twice: {line}");
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

fn value(samples: &[Sample], name: &str) -> f64 {
    samples.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("no {name}")).2
}

#[tokio::test]
async fn metrics_are_valid_prometheus_text_with_exporter_names() {
    let ts = TestServer::start(test_config()).await;
    let mut c = Nats::connect(ts.nats, "m", "").await;
    c.send("SUB m 1\r\nPUB m 2\r\nhi\r\nPUB m 2\r\nhi\r\n").await;
    c.flush().await;
    let r = ts.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let samples = parse(&r.text());
    let id = ts.server().server_id.clone();
    assert!(samples.iter().all(|(_, labels, _)| labels.get("server_id") == Some(&id)));
    assert_eq!(value(&samples, "gnatsd_varz_connections"), 1.0);
    assert_eq!(value(&samples, "gnatsd_varz_in_msgs"), 2.0);
    assert_eq!(value(&samples, "gnatsd_varz_out_msgs"), 2.0);
    assert_eq!(value(&samples, "gnatsd_varz_max_payload"), 1048576.0);
    assert!(value(&samples, "gnatsd_varz_mem") > 0.0);
    assert!(value(&samples, "gnatsd_subsz_num_subscriptions") >= 1.0);
    assert_eq!(value(&samples, "gnatsd_connz_num_connections"), 1.0);
    assert_eq!(value(&samples, "gnatsd_healthz_status"), 0.0);
    assert_eq!(value(&samples, "switchyard_jetstream_enabled"), 0.0);
    assert_eq!(value(&samples, "gnatsd_jsz_streams"), 0.0);
    let by_type: BTreeMap<String, f64> = samples
        .iter()
        .filter(|(n, _, _)| n == "switchyard_connections")
        .map(|(_, labels, v)| (labels["type"].clone(), *v))
        .collect();
    assert_eq!(by_type, BTreeMap::from([("mqtt".into(), 0.0), ("nats".into(), 1.0), ("websocket".into(), 0.0)]));
    ts.stop().await;
}

#[test]
fn the_parser_rejects_malformed_text() {
    let bad = [
        "gnatsd_x{server_id=\"a\"} 1\n",
        "# TYPE x gauge\nx{server_id=a} 1\n",
        "# TYPE x gauge\nx 1\nx 2\n",
        "# TYPE x gauge\nx one\n",
    ];
    for text in bad {
        assert!(std::panic::catch_unwind(|| parse(text)).is_err(), "{text:?}");
    }
    assert_eq!(parse("# HELP x y\n# TYPE x gauge\nx{a=\"b\"} 1.5\n").len(), 1);
}
