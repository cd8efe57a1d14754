//! Permissions over raw TCP: publish and subscribe allow/deny lists with wildcards and queue groups,
//! `allow_responses`, reserved reply subjects, and nats-server's violation texts (the connection stays
//! open after each).

mod auth_support;

use auth_support::{have_nats_server, login, user_pass, Target};

const CONF: &str = r#"authorization {
  users = [
    {user: a, password: a, permissions: {
      publish: { allow: ["updates.*", "_INBOX.>"], deny: "updates.secret" }
      subscribe: { allow: ["updates.*", "jobs.* workers", "foo.>", "_INBOX.>"], deny: ["foo.secret", "jobs.x workers"] }
    }}
    {user: r, password: r, permissions: { subscribe: "req.>", allow_responses: { max: 2 } }}
    {user: q, password: q, permissions: { subscribe: { allow: ">", deny: "foo.secret" } }}
    {user: s, password: s}
  ]
}
"#;

fn pub_violation(subject: &str) -> String {
    format!("-ERR 'Permissions Violation for Publish to \"{subject}\"'\r\n")
}

fn sub_violation(subject: &str) -> String {
    format!("-ERR 'Permissions Violation for Subscription to \"{subject}\"'\r\n")
}

fn queue_violation(subject: &str, queue: &str) -> String {
    format!("-ERR 'Permissions Violation for Subscription to \"{subject}\" using queue \"{queue}\"'\r\n")
}

async fn subscribe_rules(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    a.send(
        "SUB updates.* 1\r\nSUB updates.a.b 2\r\nSUB jobs.a 3\r\nSUB jobs.a workers 4\r\nSUB jobs.a other 5\r\n\
         SUB jobs.x workers 6\r\nSUB foo.* 7\r\nSUB foo.secret 8\r\nSUB foo..bar 9\r\nSUB * 10\r\nSUB updates.> 11\r\n",
    )
    .await;
    let expected = [
        sub_violation("updates.a.b"),
        sub_violation("jobs.a"),
        queue_violation("jobs.a", "other"),
        queue_violation("jobs.x", "workers"),
        sub_violation("foo.secret"),
        sub_violation("foo..bar"),
        sub_violation("*"),
    ]
    .concat();
    assert_eq!(a.sync().await, expected);
    // The allowed subscriptions work; `foo.*` never sees the denied `foo.secret`.
    let mut s = login(target, &user_pass("s", "s")).await;
    s.send("PUB updates.x 1\r\n1\r\nPUB jobs.a 1\r\n2\r\nPUB foo.secret 1\r\n3\r\nPUB foo.open 1\r\n4\r\n").await;
    s.sync().await;
    let got = a.sync().await;
    for line in ["MSG updates.x 1 1\r\n", "MSG updates.x 11 1\r\n", "MSG jobs.a 4 1\r\n", "MSG foo.open 7 1\r\n"] {
        assert!(got.contains(line), "missing {line:?} in {got:?}");
    }
    assert!(!got.contains("foo.secret"), "{got:?}");
}

async fn publish_rules(target: &Target) {
    let mut a = login(target, &user_pass("a", "a")).await;
    a.send("SUB updates.* 1\r\n").await;
    a.send(
        "PUB updates.a 1\r\nx\r\nPUB updates.a.b 1\r\nx\r\nPUB updates.secret 1\r\nx\r\nPUB other 1\r\nx\r\n\
         PUB updates.b _R_.abc 1\r\nx\r\nPUB updates.c $JS.ACK.x 1\r\nx\r\nPUB updates.d _INBOX.1 1\r\nx\r\n",
    )
    .await;
    let expected = [
        "MSG updates.a 1 1\r\nx\r\n".to_string(),
        pub_violation("updates.a.b"),
        pub_violation("updates.secret"),
        pub_violation("other"),
        "-ERR 'Permissions Violation for Publish with Reply of \"_R_.abc\"'\r\n".to_string(),
        "-ERR 'Permissions Violation for Publish with Reply of \"$JS.ACK.x\"'\r\n".to_string(),
        "MSG updates.d 1 _INBOX.1 1\r\nx\r\n".to_string(),
    ]
    .concat();
    assert_eq!(a.sync().await, expected);
}

async fn wildcard_subscriptions_skip_denied_subjects(target: &Target) {
    let mut q = login(target, &user_pass("q", "q")).await;
    q.send("SUB foo.* 1\r\nSUB > 2\r\nSUB foo.* grp 3\r\nSUB foo.secret 4\r\nSUB foo.secret grp 5\r\n").await;
    assert_eq!(q.sync().await, [sub_violation("foo.secret"), queue_violation("foo.secret", "grp")].concat());
    let mut s = login(target, &user_pass("s", "s")).await;
    s.send("PUB foo.secret 1\r\nx\r\nPUB foo.bar 1\r\ny\r\n").await;
    s.sync().await;
    let got = q.sync().await;
    assert!(!got.contains("foo.secret"), "{got:?}");
    assert_eq!(got.matches("MSG foo.bar").count(), 3, "{got:?}");
}

async fn allow_responses(target: &Target) {
    let mut s = login(target, &user_pass("s", "s")).await;
    let mut r = login(target, &user_pass("r", "r")).await;
    r.send("SUB req.> 1\r\n").await;
    r.sync().await;
    s.send("SUB rep.> 1\r\nPUB req.a rep.1 1\r\nq\r\nPUB req.b rep.2 1\r\nq\r\n").await;
    s.sync().await;
    assert_eq!(r.sync().await, "MSG req.a 1 rep.1 1\r\nq\r\nMSG req.b 1 rep.2 1\r\nq\r\n");
    r.send("PUB rep.1 2\r\nr1\r\nPUB rep.1 2\r\nr2\r\nPUB rep.1 2\r\nr3\r\nPUB rep.2 2\r\nr4\r\n").await;
    r.send("PUB rep.3 2\r\nr5\r\nPUB req.a 1\r\nx\r\n").await;
    let expected = [pub_violation("rep.1"), pub_violation("rep.3"), pub_violation("req.a")].concat();
    assert_eq!(r.sync().await, expected);
    assert_eq!(s.sync().await, "MSG rep.1 1 2\r\nr1\r\nMSG rep.1 1 2\r\nr2\r\nMSG rep.2 1 2\r\nr4\r\n");
}

#[tokio::test]
async fn subscribe_allow_and_deny_with_queue_groups() {
    subscribe_rules(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn publish_allow_deny_and_reserved_replies() {
    let target = Target::switchyard(CONF).await;
    publish_rules(&target).await;
    assert_eq!(target.permission_violations(), Some(5), "violations are counted");
}

#[tokio::test]
async fn wildcard_subscriptions_do_not_receive_denied_subjects() {
    wildcard_subscriptions_skip_denied_subjects(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn allow_responses_permits_max_replies_per_request() {
    allow_responses(&Target::switchyard(CONF).await).await;
}

#[tokio::test]
async fn a_user_without_permissions_may_do_anything_but_use_reserved_replies() {
    let target = Target::switchyard(CONF).await;
    let mut s = login(&target, &user_pass("s", "s")).await;
    s.send("SUB > 1\r\nPUB anything 1\r\nx\r\nPUB a _R_.x 1\r\ny\r\n").await;
    assert_eq!(
        s.sync().await,
        "MSG anything 1 1\r\nx\r\n-ERR 'Permissions Violation for Publish with Reply of \"_R_.x\"'\r\n"
    );
}

#[tokio::test]
#[ignore = "comparison run: needs Debian's nats-server on PATH"]
async fn permissions_match_nats_server() {
    assert!(have_nats_server(), "nats-server is not installed");
    subscribe_rules(&Target::nats_server(CONF).await).await;
    publish_rules(&Target::nats_server(CONF).await).await;
    wildcard_subscriptions_skip_denied_subjects(&Target::nats_server(CONF).await).await;
    allow_responses(&Target::nats_server(CONF).await).await;
}
