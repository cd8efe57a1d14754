//! MQTT topic names and filters: validation, shared subscriptions, and the mapping to NATS subjects.
//!
//! The mapping is nats-server's (2.10 and later, `server/mqtt.go`), so MQTT and NATS clients of either
//! server see the same subjects:
//!
//! * levels are joined with `.` instead of `/` (`a/b` → `a.b`);
//! * an empty level (leading, trailing or doubled `/`) becomes the token `/` (`/a` → `/.a`,
//!   `a/` → `a./`, `a//b` → `a./.b`, `/` → `/./`);
//! * a `.` inside a level is escaped as `//` (`a.b` → `a//b`);
//! * space, tab, CR, LF, form feed and DEL cannot be mapped and are refused;
//! * in filters `+` → `*` and `#` → `>`, and a filter ending in `/#` also needs the parent subject
//!   (`a/#` → `a.>` plus `a`), because MQTT's `#` matches the parent level too;
//! * `*` and `>` inside topics are passed through unescaped, as nats-server does.
//!
//! [`subject_to_topic`] reverses the mapping for delivery to MQTT subscribers. Validation follows the
//! MQTT specification (§4.7): topic names have no wildcards, filters have wildcards only as whole levels
//! and `#` only last. This module does not match topics against filters (the server's sublist does that
//! on the mapped subjects) and does not apply the `$`-topic exclusion of §4.7.2.

/// The prefix of a shared subscription filter, `$share/<group>/<filter>`.
pub const SHARE_PREFIX: &str = "$share/";

/// Why a topic name or filter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    #[error("topic is empty")]
    Empty,
    #[error("topic is longer than 65535 bytes")]
    TooLong,
    #[error("topic contains the null character")]
    NullCharacter,
    #[error("topic name contains a wildcard")]
    WildcardInName,
    #[error("wildcard is not a whole topic level")]
    WildcardNotWholeLevel,
    #[error("multi-level wildcard is not the last level")]
    MultiLevelWildcardNotLast,
    #[error("whitespace or DEL cannot be mapped to a NATS subject")]
    UnsupportedCharacter,
    #[error("shared subscription needs a non-empty share name without `/`, `+` or `#`, and a filter")]
    InvalidSharedSubscription,
}

/// Checks a topic name (PUBLISH, Will, Response Topic): non-empty, at most 65,535 bytes, no U+0000 and no
/// wildcard characters.
pub fn validate_topic_name(topic: &str) -> Result<(), TopicError> {
    check_common(topic)?;
    if topic.bytes().any(|b| b == b'+' || b == b'#') {
        return Err(TopicError::WildcardInName);
    }
    Ok(())
}

/// Checks a topic filter (SUBSCRIBE, UNSUBSCRIBE): non-empty, at most 65,535 bytes, no U+0000, `+` and
/// `#` only as whole levels and `#` only as the last level. A shared subscription must be split with
/// [`parse_shared`] first; its filter part is what this checks.
pub fn validate_topic_filter(filter: &str) -> Result<(), TopicError> {
    check_common(filter)?;
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        match level {
            "+" => {}
            "#" if levels.peek().is_some() => return Err(TopicError::MultiLevelWildcardNotLast),
            "#" => {}
            _ if level.bytes().any(|b| b == b'+' || b == b'#') => {
                return Err(TopicError::WildcardNotWholeLevel);
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_common(topic: &str) -> Result<(), TopicError> {
    if topic.is_empty() {
        return Err(TopicError::Empty);
    }
    if topic.len() > usize::from(u16::MAX) {
        return Err(TopicError::TooLong);
    }
    if memchr::memchr(0, topic.as_bytes()).is_some() {
        return Err(TopicError::NullCharacter);
    }
    Ok(())
}

/// A shared subscription `$share/<group>/<filter>` split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedSubscription<'a> {
    /// The share name; subscribers with the same one form a queue group.
    pub group: &'a str,
    /// The topic filter proper.
    pub filter: &'a str,
}

/// Splits a shared subscription filter. `Ok(None)` for an ordinary filter; an error when the filter starts
/// with `$share/` but the share name is empty or contains `+` or `#`, or the filter part is missing or
/// invalid.
pub fn parse_shared(filter: &str) -> Result<Option<SharedSubscription<'_>>, TopicError> {
    let Some(rest) = filter.strip_prefix(SHARE_PREFIX) else {
        return Ok(None);
    };
    let Some((group, filter)) = rest.split_once('/') else {
        return Err(TopicError::InvalidSharedSubscription);
    };
    if group.is_empty() || group.bytes().any(|b| b == b'+' || b == b'#') || filter.is_empty() {
        return Err(TopicError::InvalidSharedSubscription);
    }
    validate_topic_filter(filter)?;
    Ok(Some(SharedSubscription { group, filter }))
}

/// Maps a topic name to the NATS subject it is published on. Validates the name first, so wildcards and
/// empty names are refused along with the characters the mapping cannot carry.
pub fn topic_to_subject(topic: &str) -> Result<String, TopicError> {
    validate_topic_name(topic)?;
    map_levels(topic, false)
}

/// The NATS subscriptions for one MQTT topic filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSubjects {
    /// The filter mapped level by level (`a/+/#` → `a.*.>`).
    pub subject: String,
    /// For a filter ending in `/#`, the parent subject that `#` must also match (`a/#` → `a`).
    pub parent: Option<String>,
}

impl FilterSubjects {
    /// The one or two subjects to subscribe to, primary first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.subject.as_str()).chain(self.parent.as_deref())
    }
}

/// Maps a topic filter to the NATS subject(s) to subscribe to. Validates the filter first.
pub fn filter_to_subjects(filter: &str) -> Result<FilterSubjects, TopicError> {
    validate_topic_filter(filter)?;
    let subject = map_levels(filter, true)?;
    let parent = subject.strip_suffix(".>").filter(|p| !p.is_empty()).map(str::to_owned);
    Ok(FilterSubjects { subject, parent })
}

/// Maps a NATS subject back to an MQTT topic for delivery (nats-server's `natsSubjectToMQTTTopic`):
/// `.` → `/`, the token `/` → an empty level, `//` → `.`. A `/` that is neither (it can only come from a
/// NATS publisher) is dropped, as nats-server does. The result is not validated: a subject with `+` or
/// `#` gives a topic no MQTT client may receive, which the encoder refuses.
pub fn subject_to_topic(subject: &str) -> String {
    let bytes = subject.as_bytes();
    let mut topic = String::with_capacity(subject.len());
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                topic.push_str(&subject[run..i]);
                topic.push('/');
                i += 1;
                run = i;
            }
            b'/' => {
                topic.push_str(&subject[run..i]);
                match bytes.get(i + 1) {
                    Some(b'.') => {
                        topic.push('/');
                        i += 2;
                    }
                    Some(b'/') => {
                        topic.push('.');
                        i += 2;
                    }
                    _ => i += 1,
                }
                run = i;
            }
            _ => i += 1,
        }
    }
    topic.push_str(&subject[run..]);
    topic
}

/// Maps levels to tokens; `wildcards` turns the whole-level `+` and `#` into `*` and `>`.
fn map_levels(topic: &str, wildcards: bool) -> Result<String, TopicError> {
    let mut subject = String::with_capacity(topic.len() + 4);
    for (n, level) in topic.split('/').enumerate() {
        if n > 0 {
            subject.push('.');
        }
        match level {
            "" => subject.push('/'),
            "+" if wildcards => subject.push('*'),
            "#" if wildcards => subject.push('>'),
            _ => push_escaped(&mut subject, level)?,
        }
    }
    Ok(subject)
}

fn push_escaped(subject: &mut String, level: &str) -> Result<(), TopicError> {
    let mut run = 0;
    for (i, b) in level.bytes().enumerate() {
        match b {
            b'.' => {
                subject.push_str(&level[run..i]);
                subject.push_str("//");
                run = i + 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x7f => return Err(TopicError::UnsupportedCharacter),
            _ => {}
        }
    }
    subject.push_str(&level[run..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn topic_names_map_as_in_nats_server() {
        let cases = [
            ("foo", "foo"),
            ("foo/bar", "foo.bar"),
            ("/foo/bar", "/.foo.bar"),
            ("foo/bar/", "foo.bar./"),
            ("foo//bar", "foo./.bar"),
            ("/", "/./"),
            ("//", "/././"),
            ("a//", "a././"),
            ("foo.bar", "foo//bar"),
            ("foo/bar.baz", "foo.bar//baz"),
            (".", "//"),
            ("a/./", "a.//./"),
            ("a/*", "a.*"),
            ("a/>", "a.>"),
            ("$SYS/x", "$SYS.x"),
            ("héllo/wörld", "héllo.wörld"),
        ];
        for (topic, subject) in cases {
            assert_eq!(topic_to_subject(topic).as_deref(), Ok(subject), "{topic}");
            assert_eq!(subject_to_topic(subject), topic, "{subject}");
        }
    }

    #[test]
    fn whitespace_and_del_in_topics_are_refused() {
        for topic in ["foo bar", "a/b\tc", "a\n", "a\rb", "a\u{c}", "a\u{7f}"] {
            assert_eq!(topic_to_subject(topic), Err(TopicError::UnsupportedCharacter), "{topic:?}");
            assert_eq!(filter_to_subjects(topic), Err(TopicError::UnsupportedCharacter), "{topic:?}");
        }
    }

    #[test]
    fn topic_names_with_wildcards_or_nothing_are_refused() {
        assert_eq!(topic_to_subject(""), Err(TopicError::Empty));
        assert_eq!(topic_to_subject("a/+"), Err(TopicError::WildcardInName));
        assert_eq!(topic_to_subject("a/#"), Err(TopicError::WildcardInName));
        assert_eq!(topic_to_subject("a+b"), Err(TopicError::WildcardInName));
        assert_eq!(validate_topic_name("a\0b"), Err(TopicError::NullCharacter));
        assert_eq!(validate_topic_name(&"x".repeat(65_536)), Err(TopicError::TooLong));
        assert_eq!(validate_topic_name(&"x".repeat(65_535)), Ok(()));
    }

    #[test]
    fn filters_map_wildcards_and_add_the_parent_for_a_trailing_hash() {
        let cases: [(&str, &str, Option<&str>); 10] = [
            ("a/b", "a.b", None),
            ("+", "*", None),
            ("#", ">", None),
            ("a/#", "a.>", Some("a")),
            ("a/+/b", "a.*.b", None),
            ("+/#", "*.>", Some("*")),
            ("a/+/#", "a.*.>", Some("a.*")),
            ("/#", "/.>", Some("/")),
            ("a//#", "a./.>", Some("a./")),
            ("a.b/#", "a//b.>", Some("a//b")),
        ];
        for (filter, subject, parent) in cases {
            let subjects = filter_to_subjects(filter).unwrap();
            assert_eq!(subjects.subject, subject, "{filter}");
            assert_eq!(subjects.parent.as_deref(), parent, "{filter}");
            assert_eq!(subjects.iter().count(), 1 + usize::from(parent.is_some()));
        }
    }

    #[test]
    fn filter_wildcards_must_be_whole_levels_and_hash_last() {
        for ok in ["#", "+", "+/+", "a/+/c", "/+", "+/", "a/#", "sport/tennis/#", "$SYS/#"] {
            assert_eq!(validate_topic_filter(ok), Ok(()), "{ok}");
        }
        let bad = [
            ("", TopicError::Empty),
            ("a/#/b", TopicError::MultiLevelWildcardNotLast),
            ("#/", TopicError::MultiLevelWildcardNotLast),
            ("a#", TopicError::WildcardNotWholeLevel),
            ("a/b+", TopicError::WildcardNotWholeLevel),
            ("++", TopicError::WildcardNotWholeLevel),
            ("a\0", TopicError::NullCharacter),
        ];
        for (filter, err) in bad {
            assert_eq!(validate_topic_filter(filter), Err(err.clone()), "{filter:?}");
            assert_eq!(filter_to_subjects(filter), Err(err), "{filter:?}");
        }
    }

    #[test]
    fn shared_subscriptions_split_into_group_and_filter() {
        assert_eq!(parse_shared("a/b"), Ok(None));
        assert_eq!(parse_shared("$share/g/a/#"), Ok(Some(SharedSubscription { group: "g", filter: "a/#" })));
        assert_eq!(parse_shared("$share/g//"), Ok(Some(SharedSubscription { group: "g", filter: "/" })));
        for bad in ["$share/g", "$share//a", "$share/g/", "$share/g+/a", "$share/#/a"] {
            assert_eq!(parse_shared(bad), Err(TopicError::InvalidSharedSubscription), "{bad}");
        }
        assert_eq!(parse_shared("$share/g/a/#/b"), Err(TopicError::MultiLevelWildcardNotLast));
    }

    #[test]
    fn a_lone_slash_from_a_nats_publisher_is_dropped_on_delivery() {
        assert_eq!(subject_to_topic("a/b.c"), "ab/c");
        assert_eq!(subject_to_topic("a/"), "a");
    }

    proptest! {
        #[test]
        fn topic_names_round_trip_through_subjects(topic in "[ab./é*$]{1,12}") {
            let subject = topic_to_subject(&topic).unwrap();
            prop_assert!(crate::subject::is_valid_filter(&subject), "{} -> {}", topic, subject);
            prop_assert_eq!(subject_to_topic(&subject), topic);
        }

        #[test]
        fn filter_subjects_are_valid_nats_filters(filter in topic_filter("[a.]{0,2}")) {
            prop_assert!(validate_topic_filter(&filter).is_ok(), "{}", filter);
            let subjects = filter_to_subjects(&filter).unwrap();
            for s in subjects.iter() {
                prop_assert!(crate::subject::is_valid_filter(s), "{} -> {}", filter, s);
            }
        }

        #[test]
        fn a_filter_matches_the_subject_of_every_topic_it_matches_in_mqtt(
            filter in topic_filter("[ab]{0,2}"),
            topic in "[ab/]{1,8}",
        ) {
            prop_assert!(validate_topic_filter(&filter).is_ok(), "{}", filter);
            let subjects = filter_to_subjects(&filter).unwrap();
            let subject = topic_to_subject(&topic).unwrap();
            let nats = subjects.iter().any(|f| crate::subject::matches(f, &subject));
            prop_assert_eq!(nats, mqtt_matches(&filter, &topic), "{} vs {}", filter, topic);
        }
    }

    /// Valid MQTT topic filters, built level by level: each level is `+` or a name drawn from
    /// `level` (possibly empty), optionally followed by a final `#` level; `#` alone when that
    /// would leave the filter empty. Built valid rather than
    /// filtered, so no case is ever rejected.
    fn topic_filter(level: &'static str) -> impl Strategy<Value = String> {
        let levels = prop::collection::vec(prop_oneof![Just("+".to_owned()), level], 0..6);
        (levels, any::<bool>()).prop_map(|(levels, multi)| {
            let mut filter = levels.join("/");
            if filter.is_empty() && levels.len() <= 1 {
                // No levels, or one empty level: the filter is `#` alone (a filter is never empty).
                filter.push('#');
            } else if multi {
                filter.push_str("/#");
            }
            filter
        })
    }

    /// MQTT §4.7 matching on levels, as the reference the mapping must agree with.
    fn mqtt_matches(filter: &str, topic: &str) -> bool {
        let f: Vec<&str> = filter.split('/').collect();
        let t: Vec<&str> = topic.split('/').collect();
        for (i, level) in f.iter().enumerate() {
            match *level {
                "#" => return true,
                "+" if i < t.len() => {}
                l if i < t.len() && t[i] == l => {}
                _ => {
                    return false;
                }
            }
        }
        f.len() == t.len()
    }
}
