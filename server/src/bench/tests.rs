//! Tests of the command line and of every scenario run briefly against a real `nats-server`
//! (skipped, with a note, when `nats-server` is not on PATH).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use std::time::Instant;

use serde_json::Value;

use super::*;

/// A `nats-server` child process on a free loopback port, killed on drop.
pub(super) struct NatsServer {
    child: Child,
    pub(super) port: u16,
    store: Option<PathBuf>,
    log: PathBuf,
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("nats-server log tail:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
        let _ = std::fs::remove_file(&self.log);
        if let Some(dir) = &self.store {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Starts `nats-server` (with JetStream when asked), or `None` with a note when it is not installed.
pub(super) fn nats_server(jetstream: bool) -> Option<NatsServer> {
    let Some(bin) = find_on_path("nats-server") else {
        eprintln!("note: nats-server is not on PATH; skipping this test");
        return None;
    };
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name =
        format!("switchyard-bench-{}-{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let log = std::env::temp_dir().join(format!("{name}.log"));
    let mut cmd = Command::new(bin);
    // `-p -1`: the server picks a free port itself and logs it.
    cmd.args(["-a", "127.0.0.1", "-p", "-1", "-l"]).arg(&log).stdout(Stdio::null()).stderr(Stdio::null());
    let store = jetstream.then(|| std::env::temp_dir().join(&name));
    if let Some(dir) = &store {
        cmd.arg("-js").arg("-sd").arg(dir);
    }
    let mut server = NatsServer { child: cmd.spawn().expect("start nats-server"), port: 0, store, log };
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.port == 0 {
        assert!(Instant::now() < deadline, "nats-server did not report its port");
        std::thread::sleep(Duration::from_millis(20));
        let text = std::fs::read_to_string(&server.log).unwrap_or_default();
        server.port = text
            .lines()
            .find_map(|l| l.split_once("Listening for client connections on 127.0.0.1:"))
            .and_then(|(_, port)| port.trim().parse().ok())
            .unwrap_or(0);
    }
    while TcpStream::connect(("127.0.0.1", server.port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not open port {}", server.port);
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(server)
}

/// Runs `switchyard bench <words>` against `server` and returns the report's JSON, asserting that
/// no problem was found.
fn bench(server: &NatsServer, words: &str) -> Value {
    let line =
        format!("switchyard-bench {words} --url nats://127.0.0.1:{} --server-pid {}", server.port, server.child.id());
    let args = Args::try_parse_from(line.split_whitespace()).unwrap();
    let report = execute(&args).unwrap_or_else(|e| panic!("{words}: {e:#}"));
    let json = report.json();
    assert_eq!(json["problems"], serde_json::json!([]), "{words}: {json}");
    json
}

#[test]
fn durations_accept_units_and_bare_seconds() {
    assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
    assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
    assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert_eq!(parse_duration("10us"), Ok(Duration::from_micros(10)));
    assert!(parse_duration("5 parsecs").is_err());
    assert!(parse_duration("").is_err());
}

#[test]
fn command_line_rejects_unknown_scenarios_and_conflicting_limits() {
    assert!(run(&["teleport".to_owned()]).is_err());
    let words = ["pub", "--msgs", "5", "--duration", "1s"].map(String::from);
    assert!(run(&words).is_err());
    assert!(run(&["--help".to_owned()]).is_ok());
    let args = Args::try_parse_from(["b", "pub", "--pubs", "0"]).unwrap();
    assert!(execute(&args).is_err());
}

#[test]
fn pub_scenario_sends_the_requested_count() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "pub --msgs 50000 --size 16 --pubs 2");
    assert_eq!(json["pub"]["msgs"], 50000);
    assert!(json["pub"]["msgs_per_sec"].as_f64().unwrap() > 0.0);
    assert!(json["server_cpu_s"].is_number());
}

#[test]
fn pubsub_scenario_receives_every_message_in_sequence_check() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "pubsub --msgs 50000 --size 16 --verify");
    assert_eq!(json["sub"]["received"], 50000);
    assert_eq!(json["sub"]["lost"], 0);
    assert_eq!(json["sub"]["duplicates"], 0);
}

#[test]
fn duration_mode_expects_what_was_actually_sent() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "pubsub --duration 200ms --size 1024");
    assert!(json["sent"].as_u64().unwrap() > 0);
    assert_eq!(json["sub"]["received"], json["sent"]);
}

#[test]
fn fanout_scenario_delivers_to_every_subscriber() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "fanout --msgs 20000 --subs 3 --size 64");
    assert_eq!(json["sub"]["expected"], 60000);
    assert_eq!(json["sub"]["received"], 60000);
}

#[test]
fn queue_scenario_delivers_each_message_once_across_the_group() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "queue --msgs 30000 --subs 3 --pubs 2");
    assert_eq!(json["sub"]["received"], 30000);
    assert_eq!(json["sub"]["duplicates"], 0);
}

#[test]
fn wildcard_scenario_expects_only_matching_subjects() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "wildcard --msgs 10000 --subjects 50 --subs 3");
    // `>` and `*.*` match everything; `g2.*` matches one subject in ten.
    assert_eq!(json["sub"]["expected"], 21000);
    assert_eq!(json["sub"]["received"], 21000);
}

#[test]
fn reqrep_scenario_measures_every_round_trip() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "reqrep --msgs 600 --concurrency 2");
    assert_eq!(json["replies"], 600);
    assert_eq!(json["responder_answered"], 600);
    let p50 = json["latency"]["p50_us"].as_f64().unwrap();
    let p99 = json["latency"]["p99_us"].as_f64().unwrap();
    assert!(p50 > 0.0 && p99 >= p50, "{json}");
}

#[test]
fn idle_scenario_reports_server_memory_per_connection() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let json = bench(&server, "idle --conns 200 --wait 200ms");
    assert_eq!(json["conns"], 200);
    assert!(json["rss_after_kib"].as_u64().unwrap() > json["rss_before_kib"].as_u64().unwrap(), "{json}");
}

#[test]
fn jspub_scenario_gets_an_ack_for_every_message() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "jspub --msgs 5000 --window 256");
    assert_eq!(json["acked"], 5000);
    assert_eq!(json["stored"], 5000);
}

#[test]
fn jsfetch_scenario_pulls_and_acks_the_whole_stream() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "jsfetch --msgs 3000 --batch 64 --storage memory");
    assert_eq!(json["sub"]["received"], 3000);
    assert_eq!(json["ack_floor"], 3000);
    assert_eq!(json["ack_pending"], 0);
}

#[test]
fn jetstream_scenarios_fail_clearly_without_jetstream() {
    let Some(server) = nats_server(false) else {
        return;
    };
    let line = format!("b jspub --msgs 10 --url nats://127.0.0.1:{}", server.port);
    let err = execute(&Args::try_parse_from(line.split_whitespace()).unwrap()).unwrap_err();
    assert!(format!("{err:#}").contains("JetStream"), "{err:#}");
}

#[test]
fn kvput_scenario_stores_every_key() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "kvput --msgs 3000 --window 64 --size 32");
    assert_eq!(json["acked"], 3000);
    assert_eq!(json["stored"], 3000);
    assert!(json["put"]["msgs_per_sec"].as_f64().unwrap() > 0.0, "{json}");
}

#[test]
fn kvrtt_scenario_reads_back_each_value_it_wrote() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "kvrtt --msgs 200 --storage memory");
    assert_eq!(json["round_trips"], 200);
    let p50 = json["latency"]["p50_us"].as_f64().unwrap();
    assert!(p50 > 0.0 && json["rtt_per_sec"].as_f64().unwrap() > 0.0, "{json}");
}

#[test]
fn kvget_scenario_gets_a_value_for_every_request() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "kvget --keys 100 --msgs 5000 --window 128 --size 16");
    assert_eq!(json["answered"], 5000);
    assert_eq!(json["get"]["bytes"], 5000 * 16);
}

#[test]
fn kvwatch_scenario_sees_initial_values_then_every_update() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "kvwatch --keys 2000 --msgs 3000 --window 128");
    assert_eq!(json["initial"]["msgs"], 2000);
    assert_eq!(json["live"]["msgs"], 3000);
    assert_eq!(json["consumer"]["gaps"], 0);
}

#[test]
fn objput_scenario_stores_all_chunks_and_the_meta() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "objput --object-mib 3 --chunk-size 65536 --window 16");
    assert_eq!(json["chunks"], 48);
    assert_eq!(json["put"]["bytes"], 3 << 20);
    assert!(json["server_peak_rss_kib"].as_u64().unwrap() > 0, "{json}");
}

#[test]
fn objget_scenario_reads_the_object_back_with_its_digest() {
    let Some(server) = nats_server(true) else {
        return;
    };
    let json = bench(&server, "objget --object-mib 4");
    assert_eq!(json["chunks"], 32);
    assert_eq!(json["object_bytes"], 4 << 20);
    assert_eq!(json["consumer"]["gaps"], 0);
    assert_eq!(json["peak_is_get_only"], true);
}
