//! Subject permissions: what an authenticated user may publish and subscribe to.
//!
//! Input: a user's [`config::Permissions`](crate::config::Permissions). Output: compiled
//! [`Permissions`] (shared by every connection of that user), a per-connection [`ConnPermissions`]
//! (the user's rules plus the reply subjects this connection may answer, shared between the session
//! and its subscriber side) and a session-owned [`PublishGuard`] that caches publish decisions.
//!
//! Matching follows nats-server (`client.go` `canSubscribe`, `pubAllowedFullCheck`): the subject a
//! client publishes or subscribes to is matched token by token against the allow and deny patterns, a
//! wildcard in the client's subject counting as a literal token. So `updates.a.b` is not allowed by
//! `updates.*`, while a subscription to `updates.>` is (the pattern's `*` matches the token `>`), as in
//! nats-server. Deny wins over allow. A subscription pattern may name a queue group (`"jobs.* workers"`):
//! it then only admits queue subscriptions in a matching group (the group may itself be a wildcard
//! pattern). Subscriptions that are allowed but overlap a deny entry (`foo.*` against a deny of
//! `foo.secret`) have the denied subjects filtered out at delivery time.
//!
//! `allow_responses` lets a connection publish to the reply subject of a request it received, up to
//! `max` times within `expires`, even where its publish rules would not allow it.
//!
//! It does not send errors or count violations: the session does, with nats-server's texts.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;

use switchyard_shared::subject;

use crate::config::{self, ResponsePermission};

/// How many publish decisions a connection remembers before the cache starts over.
const PUBLISH_CACHE_SIZE: usize = 128;
/// Reply permits kept before expired and used-up ones are pruned (nats-server `replyPermLimit`).
const REPLY_PRUNE_SIZE: usize = 4096;
/// Reply permits are pruned at least this often (nats-server `replyPruneTime`).
const REPLY_PRUNE_INTERVAL: Duration = Duration::from_secs(1);

/// nats-server's sublist match: a subject with an empty token matches no pattern.
fn token_match(pattern: &str, subj: &str) -> bool {
    !subj.split('.').any(str::is_empty) && subject::matches(pattern, subj)
}

/// One allow or deny entry: a subject pattern, optionally restricted to a queue group pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    subject: String,
    queue: Option<String>,
}

impl Rule {
    /// Parses `"subject"` or `"subject queue"`.
    fn parse(text: &str) -> Self {
        let mut parts = text.split_whitespace();
        let subject = parts.next().unwrap_or_default().to_string();
        let queue = parts.next().map(str::to_string);
        Rule { subject, queue }
    }
}

/// Allow and deny lists for one direction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Rules {
    /// `None`: everything not denied is allowed. `Some(empty)`: nothing is.
    allow: Option<Vec<Rule>>,
    deny: Vec<Rule>,
}

impl Rules {
    fn from_config(p: &config::SubjectPermission) -> Self {
        Rules {
            allow: p.allow.as_ref().map(|list| list.iter().map(|s| Rule::parse(s)).collect()),
            deny: p.deny.iter().map(|s| Rule::parse(s)).collect(),
        }
    }

    /// The publish check: queue qualifiers play no part.
    fn admits_publish(&self, subj: &str) -> bool {
        let allowed = self.allow.as_ref().is_none_or(|allow| allow.iter().any(|r| token_match(&r.subject, subj)));
        allowed && !self.deny.iter().any(|r| token_match(&r.subject, subj))
    }

    /// nats-server's `canSubscribe`: a plain entry admits plain and queue subscriptions; an entry with a
    /// queue admits only queue subscriptions in a matching group. In the deny list an entry with a queue
    /// denies only that group.
    fn admits_subscription(&self, subj: &str, queue: Option<&str>) -> bool {
        if let Some(allow) = &self.allow {
            let matching: Vec<&Rule> = allow.iter().filter(|r| token_match(&r.subject, subj)).collect();
            let plain = matching.iter().any(|r| r.queue.is_none());
            let grouped: Vec<&str> = matching.iter().filter_map(|r| r.queue.as_deref()).collect();
            let allowed = match queue {
                Some(q) if !grouped.is_empty() => queue_matches(q, &grouped),
                _ => plain,
            };
            if !allowed {
                return false;
            }
        }
        !self.denies(subj, queue)
    }

    /// Whether the deny list covers `subj` (for `queue`, when given).
    fn denies(&self, subj: &str, queue: Option<&str>) -> bool {
        let matching: Vec<&Rule> = self.deny.iter().filter(|r| token_match(&r.subject, subj)).collect();
        if matching.iter().any(|r| r.queue.is_none()) {
            return true;
        }
        let grouped: Vec<&str> = matching.iter().filter_map(|r| r.queue.as_deref()).collect();
        match queue {
            Some(q) if !grouped.is_empty() => queue_matches(q, &grouped),
            _ => false,
        }
    }
}

/// A queue group name against the group patterns of matching entries: equal, or matched by a
/// wildcard pattern (queue names may contain `.`, `*` and `>`).
fn queue_matches(queue: &str, patterns: &[&str]) -> bool {
    patterns.iter().any(|p| *p == queue || (!subject::is_literal(p) && subject::is_subset(queue, p)))
}

/// A user's permissions, compiled once and shared by all of the user's connections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permissions {
    publish: Option<Rules>,
    subscribe: Option<Rules>,
    responses: Option<ResponsePermission>,
}

impl Permissions {
    pub fn from_config(p: &config::Permissions) -> Self {
        let mut publish = p.publish.as_ref().map(Rules::from_config);
        // As nats-server's `validateResponsePermissions`: response permissions turn off the blanket
        // publish allow (the config parser already does this; keep it true for hand-built configs).
        if p.allow_responses.is_some() {
            let rules = publish.get_or_insert_with(Rules::default);
            rules.allow.get_or_insert_with(Vec::new);
        }
        Permissions { publish, subscribe: p.subscribe.as_ref().map(Rules::from_config), responses: p.allow_responses }
    }

    /// The static publish rules (without reply permits).
    pub fn can_publish(&self, subj: &str) -> bool {
        self.publish.as_ref().is_none_or(|r| r.admits_publish(subj))
    }

    /// Whether a subscription to `subj` (in `queue`, if any) is allowed.
    pub fn can_subscribe(&self, subj: &str, queue: Option<&str>) -> bool {
        self.subscribe.as_ref().is_none_or(|r| r.admits_subscription(subj, queue))
    }

    /// Whether publishing is restricted at all (otherwise the publish check can be skipped).
    pub fn restricts_publish(&self) -> bool {
        self.publish.is_some()
    }

    /// Whether deliveries to a subscription on `filter` (in `queue`) must be checked against the deny
    /// list: it is a wildcard or queue subscription overlapping some deny entry.
    pub fn filters_delivery(&self, filter: &str, queue: Option<&str>) -> bool {
        let Some(rules) = &self.subscribe else { return false };
        (queue.is_some() || !subject::is_literal(filter))
            && rules.deny.iter().any(|r| subject::filters_overlap(&r.subject, filter))
    }

    /// Whether a message on `subj` must not reach a subscription in `queue` (delivery-time deny).
    pub fn delivery_denied(&self, subj: &str, queue: Option<&str>) -> bool {
        self.subscribe.as_ref().is_some_and(|r| r.denies(subj, queue))
    }
}

/// Reply subjects a connection was sent requests on, with how often it answered.
#[derive(Debug)]
struct ReplyPermits {
    limits: ResponsePermission,
    entries: HashMap<Bytes, (Instant, u64), ahash::RandomState>,
    since_prune: usize,
    last_prune: Instant,
}

impl ReplyPermits {
    fn new(limits: ResponsePermission, now: Instant) -> Self {
        ReplyPermits { limits, entries: HashMap::default(), since_prune: 0, last_prune: now }
    }

    /// A request with this reply subject was delivered.
    fn grant(&mut self, reply: &[u8], now: Instant) {
        self.entries.insert(Bytes::copy_from_slice(reply), (now, 0));
        self.since_prune += 1;
        if self.since_prune > REPLY_PRUNE_SIZE || now.duration_since(self.last_prune) > REPLY_PRUNE_INTERVAL {
            self.prune(now);
        }
    }

    fn expired(&self, granted: Instant, now: Instant) -> bool {
        self.limits.expires.is_some_and(|ttl| now.duration_since(granted) > ttl)
    }

    /// Uses one response to `subj`, if permitted.
    fn take(&mut self, subj: &[u8], now: Instant) -> bool {
        let Some((granted, used)) = self.entries.get_mut(subj) else { return false };
        *used += 1;
        let (granted, used) = (*granted, *used);
        let over = self.limits.max_msgs.is_some_and(|max| used > max);
        if over || self.expired(granted, now) {
            self.entries.remove(subj);
            return false;
        }
        true
    }

    fn prune(&mut self, now: Instant) {
        let limits = self.limits;
        self.entries.retain(|_, (granted, used)| {
            let used_up = limits.max_msgs.is_some_and(|max| *used >= max);
            let expired = limits.expires.is_some_and(|ttl| now.duration_since(*granted) > ttl);
            !used_up && !expired
        });
        self.since_prune = 0;
        self.last_prune = now;
    }
}

/// One connection's permissions: the user's rules and the replies it may send. Shared between the
/// session (publish and subscribe checks) and its subscriber side (delivery filtering, reply permits).
#[derive(Debug)]
pub struct ConnPermissions {
    rules: std::sync::Arc<Permissions>,
    replies: Option<Mutex<ReplyPermits>>,
}

impl ConnPermissions {
    pub fn new(rules: std::sync::Arc<Permissions>) -> Self {
        let replies = rules.responses.map(|limits| Mutex::new(ReplyPermits::new(limits, Instant::now())));
        ConnPermissions { rules, replies }
    }

    pub fn rules(&self) -> &Permissions {
        &self.rules
    }

    /// Whether a subscription to `subj` (in `queue`) is allowed.
    pub fn can_subscribe(&self, subj: &[u8], queue: Option<&[u8]>) -> bool {
        let Ok(subj) = std::str::from_utf8(subj) else { return false };
        let queue = match queue.map(std::str::from_utf8) {
            Some(Ok(q)) => Some(q),
            Some(Err(_)) => return false,
            None => None,
        };
        self.rules.can_subscribe(subj, queue)
    }

    /// Called as a message is delivered to this connection: a request whose reply subject the
    /// connection could not otherwise publish to grants a reply permit.
    pub fn on_delivery(&self, reply: Option<&Bytes>) {
        let (Some(replies), Some(reply)) = (&self.replies, reply) else { return };
        if std::str::from_utf8(reply).is_ok_and(|r| self.rules.can_publish(r)) {
            return;
        }
        replies.lock().grant(reply, Instant::now());
    }

    /// Whether a delivery of `subj` to a subscription on `filter` in `queue` must be dropped.
    pub fn delivery_denied(&self, filter: &[u8], queue: Option<&[u8]>, subj: &[u8]) -> bool {
        let (Ok(filter), Ok(subj)) = (std::str::from_utf8(filter), std::str::from_utf8(subj)) else { return false };
        let queue = queue.and_then(|q| std::str::from_utf8(q).ok());
        self.rules.filters_delivery(filter, queue) && self.rules.delivery_denied(subj, queue)
    }

    fn take_reply_permit(&self, subj: &[u8]) -> bool {
        self.replies.as_ref().is_some_and(|r| r.lock().take(subj, Instant::now()))
    }
}

/// The session's publish check: static decisions cached per subject, reply permits consulted when the
/// static rules say no.
#[derive(Debug)]
pub struct PublishGuard {
    conn: std::sync::Arc<ConnPermissions>,
    cache: HashMap<Bytes, bool, ahash::RandomState>,
}

impl PublishGuard {
    pub fn new(conn: std::sync::Arc<ConnPermissions>) -> Self {
        PublishGuard { conn, cache: HashMap::default() }
    }

    pub fn conn(&self) -> &std::sync::Arc<ConnPermissions> {
        &self.conn
    }

    /// Whether this connection may publish to `subj` now. Uses up a reply permit when that is what
    /// allows it.
    pub fn allows(&mut self, subj: &Bytes) -> bool {
        if !self.conn.rules.restricts_publish() {
            return true;
        }
        let allowed = match self.cache.get(subj) {
            Some(&allowed) => allowed,
            None => {
                let allowed = std::str::from_utf8(subj).is_ok_and(|s| self.conn.rules.can_publish(s));
                if self.cache.len() >= PUBLISH_CACHE_SIZE {
                    self.cache.clear();
                }
                self.cache.insert(Bytes::copy_from_slice(subj), allowed);
                allowed
            }
        };
        allowed || self.conn.take_reply_permit(subj)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::SubjectPermission;

    fn perm(allow: Option<&[&str]>, deny: &[&str]) -> Option<SubjectPermission> {
        Some(SubjectPermission {
            allow: allow.map(|a| a.iter().map(|s| s.to_string()).collect()),
            deny: deny.iter().map(|s| s.to_string()).collect(),
        })
    }

    fn compile(publish: Option<SubjectPermission>, subscribe: Option<SubjectPermission>) -> Permissions {
        Permissions::from_config(&config::Permissions { publish, subscribe, allow_responses: None })
    }

    #[test]
    fn publish_allow_matches_whole_tokens_and_deny_wins() {
        let p = compile(perm(Some(&["updates.*", "_INBOX.>"]), &["updates.secret"]), None);
        assert!(p.can_publish("updates.a"));
        assert!(!p.can_publish("updates.a.b"), "* matches exactly one token");
        assert!(!p.can_publish("updates.secret"), "deny wins");
        assert!(p.can_publish("_INBOX.x.y"));
        assert!(!p.can_publish("other"));
        assert!(p.can_publish("updates.*"), "a wildcard in a publish subject is a literal token");
    }

    #[test]
    fn deny_only_lists_allow_everything_else() {
        let p = compile(perm(None, &["secret.>"]), perm(None, &["secret.>"]));
        assert!(p.can_publish("public"));
        assert!(!p.can_publish("secret.x"));
        assert!(p.can_subscribe("public.*", None));
        assert!(!p.can_subscribe("secret.x", None));
    }

    #[test]
    fn subscribe_matching_follows_nats_server() {
        let p = compile(None, perm(Some(&["updates.*", "foo.>"]), &["foo.secret"]));
        assert!(p.can_subscribe("updates.a", None));
        assert!(p.can_subscribe("updates.*", None));
        assert!(!p.can_subscribe("updates.a.b", None));
        // nats-server matches the client's `>` as a literal token, which `*` matches.
        assert!(p.can_subscribe("updates.>", None));
        assert!(!p.can_subscribe(">", None));
        assert!(p.can_subscribe("foo.*", None));
        assert!(!p.can_subscribe("foo.secret", None));
        assert!(!p.can_subscribe("foo..bar", None), "invalid subjects match nothing");
    }

    #[test]
    fn queue_entries_admit_only_their_groups() {
        let p = compile(None, perm(Some(&["jobs.* workers", "tasks", "tasks.* v1.*"]), &["jobs.x workers"]));
        assert!(p.can_subscribe("jobs.a", Some("workers")));
        assert!(!p.can_subscribe("jobs.a", None), "a queue entry admits no plain subscription");
        assert!(!p.can_subscribe("jobs.a", Some("other")));
        assert!(!p.can_subscribe("jobs.x", Some("workers")), "queue deny");
        assert!(p.can_subscribe("tasks", None));
        assert!(p.can_subscribe("tasks", Some("any")), "a plain entry admits any group");
        assert!(p.can_subscribe("tasks.a", Some("v1.green")), "group patterns may be wildcards");
        assert!(p.can_subscribe("tasks.a", Some("v1.*")));
        assert!(!p.can_subscribe("tasks.a", Some("v2.green")));
    }

    #[test]
    fn queue_deny_leaves_other_groups_and_plain_subscriptions() {
        let p = compile(None, perm(None, &["jobs.* slow"]));
        assert!(!p.can_subscribe("jobs.a", Some("slow")));
        assert!(p.can_subscribe("jobs.a", Some("fast")));
        assert!(p.can_subscribe("jobs.a", None));
    }

    #[test]
    fn wildcard_subscriptions_overlapping_a_deny_are_filtered_at_delivery() {
        let p = Arc::new(compile(None, perm(None, &["foo.secret"])));
        let conn = ConnPermissions::new(p.clone());
        assert!(p.can_subscribe("foo.*", None));
        assert!(conn.delivery_denied(b"foo.*", None, b"foo.secret"));
        assert!(!conn.delivery_denied(b"foo.*", None, b"foo.public"));
        assert!(conn.delivery_denied(b">", Some(b"q"), b"foo.secret"));
        assert!(!conn.delivery_denied(b"bar.*", None, b"bar.secret"), "no overlap, no filter");
    }

    #[test]
    fn publish_decisions_are_cached_and_bounded() {
        let p = Arc::new(compile(perm(Some(&["a.*"]), &[]), None));
        let mut guard = PublishGuard::new(Arc::new(ConnPermissions::new(p)));
        for i in 0..(PUBLISH_CACHE_SIZE * 3) {
            let subj = Bytes::from(format!("a.{i}"));
            assert!(guard.allows(&subj));
            assert!(guard.allows(&subj), "cached answer is the same");
        }
        assert!(guard.cache.len() <= PUBLISH_CACHE_SIZE);
        assert!(!guard.allows(&Bytes::from_static(b"b")));
    }

    fn responses(max_msgs: Option<u64>, expires: Option<Duration>) -> Permissions {
        Permissions::from_config(&config::Permissions {
            publish: None,
            subscribe: None,
            allow_responses: Some(ResponsePermission { max_msgs, expires }),
        })
    }

    #[test]
    fn allow_responses_permits_max_replies_per_request() {
        let conn = Arc::new(ConnPermissions::new(Arc::new(responses(Some(2), None))));
        let mut guard = PublishGuard::new(conn.clone());
        let reply = Bytes::from_static(b"_INBOX.1");
        assert!(!guard.allows(&reply), "no request received yet");
        conn.on_delivery(Some(&reply));
        assert!(guard.allows(&reply));
        assert!(guard.allows(&reply));
        assert!(!guard.allows(&reply), "max 2");
        assert!(!guard.allows(&Bytes::from_static(b"elsewhere")), "blanket publish allow is off");
    }

    #[test]
    fn reply_permits_expire() {
        let now = Instant::now();
        let mut permits =
            ReplyPermits::new(ResponsePermission { max_msgs: None, expires: Some(Duration::from_secs(60)) }, now);
        permits.grant(b"r1", now);
        permits.grant(b"r2", now);
        assert!(permits.take(b"r1", now + Duration::from_secs(30)));
        assert!(permits.take(b"r1", now + Duration::from_secs(59)), "no max: any number of replies");
        assert!(!permits.take(b"r1", now + Duration::from_secs(61)));
        permits.prune(now + Duration::from_secs(61));
        assert!(permits.entries.is_empty(), "expired permits are pruned");
    }

    #[test]
    fn replies_the_rules_already_allow_grant_no_permit() {
        let perms = Permissions::from_config(&config::Permissions {
            publish: perm(Some(&["_INBOX.>"]), &[]),
            subscribe: None,
            allow_responses: Some(ResponsePermission::default()),
        });
        let conn = ConnPermissions::new(Arc::new(perms));
        conn.on_delivery(Some(&Bytes::from_static(b"_INBOX.a")));
        conn.on_delivery(Some(&Bytes::from_static(b"reply.b")));
        let permits = conn.replies.as_ref().expect("permits").lock();
        assert_eq!(permits.entries.len(), 1);
        assert!(permits.entries.contains_key(&b"reply.b"[..]));
    }
}
