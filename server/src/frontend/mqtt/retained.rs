//! The retained-message index: the last retained message of each topic, found by topic filter.
//!
//! Topics are stored in a trie of topic levels, so a SUBSCRIBE finds the retained messages its filter
//! matches by walking only the branches the filter allows (`+` visits every child of one level, `#` a
//! whole subtree) instead of testing every retained topic. Matching follows MQTT §4.7, including the
//! rule that a filter starting with a wildcard does not match topics starting with `$`.
//!
//! Input: set / clear from PUBLISH with the RETAIN flag (an empty payload clears), restores from the
//! persistence layer, admin clears. Output: [`Retained`] messages for a filter. It keeps messages in
//! memory only; persisting them is the caller's job, and so is turning them into deliveries (retain
//! flag, QoS downgrade, expiry countdown).

use std::collections::HashMap;

use bytes::Bytes;
use serde::Serialize;

use switchyard_shared::mqtt::{Properties, QoS};

/// One retained message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retained {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    /// The MQTT 5 properties it was published with (without topic alias and expiry).
    pub props: Properties,
    /// Unix nanoseconds after which it is no longer sent (Message Expiry Interval), if any.
    pub expires_at: Option<i64>,
    /// When it was stored, Unix nanoseconds.
    pub stored_at: i64,
}

/// A retained topic as monitoring shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetainedInfo {
    pub topic: String,
    pub qos: u8,
    pub bytes: usize,
    /// RFC 3339 would need a date library; Unix nanoseconds are what the rest of monitoring uses.
    pub stored_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

#[derive(Debug, Default)]
struct Node {
    children: HashMap<String, Node>,
    msg: Option<Retained>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.msg.is_none() && self.children.is_empty()
    }
}

/// All retained messages, by topic.
#[derive(Debug, Default)]
pub struct RetainedIndex {
    root: Node,
    len: usize,
    bytes: usize,
}

impl RetainedIndex {
    pub fn new() -> Self {
        RetainedIndex::default()
    }

    /// Number of retained topics.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Payload bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Stores `msg` as the retained message of its topic, replacing the previous one.
    pub fn set(&mut self, msg: Retained) {
        let mut node = &mut self.root;
        for level in msg.topic.split('/') {
            node = node.children.entry(level.to_owned()).or_default();
        }
        self.bytes += msg.payload.len();
        match node.msg.replace(msg) {
            Some(old) => self.bytes -= old.payload.len(),
            None => self.len += 1,
        }
    }

    /// Removes the retained message of `topic`; returns it if there was one.
    pub fn remove(&mut self, topic: &str) -> Option<Retained> {
        let levels: Vec<&str> = topic.split('/').collect();
        let removed = remove_at(&mut self.root, &levels)?;
        self.len -= 1;
        self.bytes -= removed.payload.len();
        Some(removed)
    }

    /// The retained message of exactly `topic`.
    pub fn get(&self, topic: &str) -> Option<&Retained> {
        let mut node = &self.root;
        for level in topic.split('/') {
            node = node.children.get(level)?;
        }
        node.msg.as_ref()
    }

    /// Every retained message whose topic matches `filter` (an MQTT filter, already validated).
    pub fn matching(&self, filter: &str) -> Vec<&Retained> {
        let levels: Vec<&str> = filter.split('/').collect();
        let mut out = Vec::new();
        collect(&self.root, &levels, true, &mut out);
        out
    }

    /// Every retained message, in no particular order.
    pub fn all(&self) -> Vec<&Retained> {
        let mut out = Vec::new();
        collect_all(&self.root, true, &mut out);
        out
    }

    /// Drops messages expired at `now` (Unix nanoseconds); returns their topics.
    pub fn expire(&mut self, now: i64) -> Vec<String> {
        let topics: Vec<String> = self
            .all()
            .into_iter()
            .filter(|m| m.expires_at.is_some_and(|at| at <= now))
            .map(|m| m.topic.clone())
            .collect();
        for t in &topics {
            self.remove(t);
        }
        topics
    }
}

fn remove_at(node: &mut Node, levels: &[&str]) -> Option<Retained> {
    let Some((first, rest)) = levels.split_first() else {
        return node.msg.take();
    };
    let child = node.children.get_mut(*first)?;
    let removed = remove_at(child, rest);
    if child.is_empty() {
        node.children.remove(*first);
    }
    removed
}

/// Walks the trie along `filter`. `top` is true at the first level, where wildcards skip `$` topics.
fn collect<'a>(node: &'a Node, filter: &[&str], top: bool, out: &mut Vec<&'a Retained>) {
    let Some((first, rest)) = filter.split_first() else {
        out.extend(node.msg.as_ref());
        return;
    };
    match *first {
        "#" => {
            // `#` also matches the parent level itself (`a/#` matches `a`), except at the top.
            if !top {
                out.extend(node.msg.as_ref());
            }
            collect_all(node, top, out);
        }
        "+" => {
            for (name, child) in &node.children {
                if top && name.starts_with('$') {
                    continue;
                }
                collect(child, rest, false, out);
            }
        }
        literal => {
            if let Some(child) = node.children.get(literal) {
                collect(child, rest, false, out);
            }
        }
    }
}

/// Every message below `node` (not `node`'s own).
fn collect_all<'a>(node: &'a Node, top: bool, out: &mut Vec<&'a Retained>) {
    for (name, child) in &node.children {
        if top && name.starts_with('$') {
            continue;
        }
        out.extend(child.msg.as_ref());
        collect_all(child, false, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retained(topic: &str, payload: &str) -> Retained {
        Retained {
            topic: topic.into(),
            payload: Bytes::copy_from_slice(payload.as_bytes()),
            qos: QoS::AtLeastOnce,
            props: Properties::default(),
            expires_at: None,
            stored_at: 0,
        }
    }

    fn topics(idx: &RetainedIndex, filter: &str) -> Vec<String> {
        let mut t: Vec<String> = idx.matching(filter).into_iter().map(|m| m.topic.clone()).collect();
        t.sort();
        t
    }

    #[test]
    fn set_replaces_and_remove_clears() {
        let mut idx = RetainedIndex::new();
        idx.set(retained("a/b", "1"));
        idx.set(retained("a/b", "22"));
        assert_eq!(idx.len(), 1);
        assert_eq!(idx.bytes(), 2);
        assert_eq!(idx.get("a/b").unwrap().payload, "22");
        assert!(idx.remove("a/b").is_some());
        assert!(idx.remove("a/b").is_none());
        assert!(idx.is_empty());
        assert_eq!(idx.bytes(), 0);
        assert!(idx.root.children.is_empty(), "empty branches are pruned");
    }

    #[test]
    fn filters_match_as_the_specification_says() {
        let mut idx = RetainedIndex::new();
        for t in ["a", "a/b", "a/b/c", "a/c", "b/b", "/x", "a//c", "$SYS/up"] {
            idx.set(retained(t, t));
        }
        assert_eq!(topics(&idx, "a/#"), ["a", "a//c", "a/b", "a/b/c", "a/c"]);
        assert_eq!(topics(&idx, "a/+"), ["a/b", "a/c"]);
        assert_eq!(topics(&idx, "+/b"), ["a/b", "b/b"]);
        assert_eq!(topics(&idx, "a/+/c"), ["a//c", "a/b/c"]);
        assert_eq!(topics(&idx, "+/x"), ["/x"]);
        assert_eq!(topics(&idx, "a/b"), ["a/b"]);
        assert_eq!(topics(&idx, "#").len(), 7, "everything but $SYS");
        assert_eq!(topics(&idx, "+/up"), Vec::<String>::new());
        assert_eq!(topics(&idx, "$SYS/#"), ["$SYS/up"]);
        assert_eq!(topics(&idx, "$SYS/+"), ["$SYS/up"]);
    }

    #[test]
    fn expired_messages_are_dropped() {
        let mut idx = RetainedIndex::new();
        let mut m = retained("a", "x");
        m.expires_at = Some(10);
        idx.set(m);
        idx.set(retained("b", "y"));
        assert!(idx.expire(5).is_empty());
        assert_eq!(idx.expire(10), ["a"]);
        assert_eq!(topics(&idx, "#"), ["b"]);
    }
}
