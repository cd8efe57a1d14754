//! Accounts over raw TCP: isolated subject spaces, a stream import with a prefix, a service import
//! with request/reply across accounts, and 503 for a service that is not imported.

mod auth_support;

use auth_support::{have_nats_server, login, user_pass, Target};

const CONF: &str = r#"accounts {
  A {
    users = [ {user: a, password: a} ]
    exports = [
      {stream: "events.>"}
      {service: "help.>"}
      {service: "lonely"}
      {service: "many", response_type: stream}
    ]
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {stream: {account: A, subject: "events.>"}, prefix: "from_a"}
      {service: {account: A, subject: "help.>"}}
      {service: {account: A, subject: "lonely"}, to: "alone"}
      {service: {account: A, subject: "many"}}
    ]
  }
  C {
    users = [ {user: c, password: c} ]
  }
}
"#;

async fn isolation(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    let mut b = login(target, &user_pass("b", "b")).await;
    let mut c = login(target, &user_pass("c", "c")).await;
    for client in [&mut a, &mut b, &mut c] {
        client.send("SUB > 1\r\n").await;
        client.sync().await;
    }
    a.send("PUB events.x 1\r\nx\r\nPUB other 1\r\ny\r\n").await;
    assert_eq!(a.sync().await, "MSG events.x 1 1\r\nx\r\nMSG other 1 1\r\ny\r\n");
    assert_eq!(b.sync().await, "MSG from_a.events.x 1 1\r\nx\r\n", "B sees only its import, prefixed");
    b.send("PUB events.back 1\r\nz\r\n").await;
    assert_eq!(b.sync().await, "MSG events.back 1 1\r\nz\r\n");
    assert_eq!(a.sync().await, "", "nothing flows back");
    assert_eq!(c.sync().await, "", "C imports nothing");
}

async fn service_request_reply(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    let mut b = login(target, &user_pass("b", "b")).await;
    a.send("SUB help.> 1\r\n").await;
    a.sync().await;
    b.send("SUB _INBOX.> 9\r\nPUB help.me _INBOX.b1 3\r\nreq\r\n").await;
    b.sync().await;
    let request = a.sync().await;
    // The service sees the request on its own subject with a private reply subject (nats-server also
    // adds a Nats-Request-Info header, as HMSG).
    assert!(request.starts_with("MSG help.me 1 _R_.") || request.starts_with("HMSG help.me 1 _R_."), "{request:?}");
    assert!(request.ends_with("req\r\n"), "{request:?}");
    let private = request.split(' ').nth(3).expect("reply subject").to_string();
    a.send(&format!("PUB {private} 3\r\nre1\r\nPUB {private} 3\r\nre2\r\n")).await;
    a.sync().await;
    assert_eq!(b.sync().await, "MSG _INBOX.b1 9 3\r\nre1\r\n", "one response to a singleton request");
}

async fn streamed_responses(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    let mut b = login(target, &user_pass("b", "b")).await;
    a.send("SUB many 1\r\n").await;
    a.sync().await;
    b.send("SUB _INBOX.> 9\r\nPUB many _INBOX.m 1\r\nq\r\n").await;
    b.sync().await;
    let request = a.sync().await;
    let private = request.split(' ').nth(3).expect("reply subject").to_string();
    a.send(&format!("PUB {private} 1\r\n1\r\nPUB {private} 1\r\n2\r\nPUB {private} 1\r\n3\r\n")).await;
    a.sync().await;
    assert_eq!(b.sync().await, "MSG _INBOX.m 9 1\r\n1\r\nMSG _INBOX.m 9 1\r\n2\r\nMSG _INBOX.m 9 1\r\n3\r\n");
}

async fn unimported_services_get_no_responders(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    a.send("SUB lonely 1\r\nSUB nothere 2\r\n").await;
    a.sync().await;
    let mut b = login(target, &user_pass("b", "b")).await;
    b.send("SUB _INBOX.> 1\r\nPUB lonely _INBOX.b3 1\r\nx\r\nPUB nothere _INBOX.b4 1\r\nx\r\n").await;
    let got = b.sync().await;
    // The 503 status line is the same on both servers; newer servers add a Nats-Subject header.
    for reply in ["_INBOX.b3", "_INBOX.b4"] {
        assert!(got.contains(&format!("HMSG {reply} 1 ")), "no 503 for {reply}: {got:?}");
    }
    assert_eq!(got.matches("NATS/1.0 503\r\n").count(), 2, "{got:?}");
    // The import's own name reaches the service.
    b.send("PUB alone _INBOX.b5 1\r\ny\r\n").await;
    b.sync().await;
    let got = a.sync().await;
    assert!(got.contains("lonely 1 _R_."), "{got:?}");
    assert!(!got.contains("nothere"), "{got:?}");
}

#[tokio::test]
async fn accounts_are_isolated_except_for_their_imports() {
    isolation(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn service_import_request_and_single_reply() {
    service_request_reply(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn stream_response_services_answer_many_times() {
    streamed_responses(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn services_not_imported_answer_503() {
    unimported_services_get_no_responders(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn clients_are_recorded_with_their_account() {
    let target = Target::switchyard(CONF).await;
    let b = login(&target, &user_pass("b", "b")).await;
    let Target::Switchyard(running) = &target else { unreachable!() };
    let cid = b.info["client_id"].as_u64().expect("client_id");
    let conn = running.server.registry.get(cid).expect("open");
    let meta = conn.meta();
    assert_eq!((meta.user.as_str(), meta.account.as_str()), ("b", "B"));
}

#[tokio::test]
async fn unauthorized_imports_stop_the_server_from_starting() {
    let conf = "accounts {\n A { exports = [ {stream: \"events.>\", accounts: [C]} ] }\n \
                B { imports = [ {stream: {account: A, subject: \"events.>\"}} ] }\n C { }\n}\n";
    let (mut config, _) = switchyard::config::parse_str(conf, std::path::Path::new("t.conf")).expect("parses");
    config.port = 0;
    let err = switchyard::Server::start(config).await.err().expect("refused");
    assert_eq!(
        err.to_string(),
        "invalid configuration: Error adding stream import \"events.>\": stream import not authorized"
    );
}

#[tokio::test]
#[ignore = "comparison run: needs Debian's nats-server on PATH"]
async fn accounts_match_nats_server() {
    assert!(have_nats_server(), "nats-server is not installed");
    isolation(&Target::nats_server(CONF).await).await;
    service_request_reply(&Target::nats_server(CONF).await).await;
    streamed_responses(&Target::nats_server(CONF).await).await;
    unimported_services_get_no_responders(&Target::nats_server(CONF).await).await;
}
