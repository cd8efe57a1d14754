//! The stream form: every field of a [`StreamConfig`] an operator sets by hand, as texts and flags.
//!
//! Editing starts from the stream's current config ([`StreamForm::from_config`]) and writes the form
//! back over a copy of it ([`StreamForm::to_config`]), so fields the form does not show survive an
//! update unchanged. [`StreamForm::check`] adds the shared crate's validation (create or update rules).

use switchyard_shared::api::account::JsLimitOpts;
use switchyard_shared::api::stream::{
    Compression, DiscardPolicy, Placement, RePublish, RetentionPolicy, StorageType, StreamConfig, StreamSource,
    SubjectTransform,
};
use switchyard_shared::api::ApiError;

use super::{
    age_text, field, limit_text, metadata_text, parse_age, parse_limit, parse_metadata, parse_size, size_text,
    split_list, FieldErrors,
};

/// The stream form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamForm {
    pub name: String,
    pub description: String,
    /// Subjects, separated by commas, spaces or lines.
    pub subjects: String,
    pub storage: StorageType,
    pub retention: RetentionPolicy,
    pub discard: DiscardPolicy,
    pub discard_new_per_subject: bool,
    pub max_msgs: String,
    pub max_bytes: String,
    pub max_age: String,
    pub max_msgs_per_subject: String,
    pub max_msg_size: String,
    pub max_consumers: String,
    pub replicas: String,
    pub duplicate_window: String,
    pub compression: Compression,
    pub first_seq: String,
    pub no_ack: bool,
    pub allow_direct: bool,
    pub allow_rollup: bool,
    pub deny_delete: bool,
    pub deny_purge: bool,
    pub sealed: bool,
    pub allow_msg_ttl: bool,
    pub subject_delete_marker_ttl: String,
    pub republish_src: String,
    pub republish_dest: String,
    pub republish_headers_only: bool,
    pub transform_src: String,
    pub transform_dest: String,
    pub mirror: String,
    pub mirror_filter: String,
    /// One source a line: `NAME` or `NAME filter`.
    pub sources: String,
    pub placement_cluster: String,
    pub placement_tags: String,
    pub consumer_inactive_threshold: String,
    pub consumer_max_ack_pending: String,
    /// `key=value` lines.
    pub metadata: String,
}

impl Default for StreamForm {
    fn default() -> Self {
        StreamForm::from_config(&StreamConfig {
            max_msgs: -1,
            max_bytes: -1,
            max_msgs_per: -1,
            max_msg_size: -1,
            max_consumers: -1,
            replicas: 1,
            allow_direct: true,
            ..Default::default()
        })
    }
}

impl StreamForm {
    /// The form showing `c`.
    pub fn from_config(c: &StreamConfig) -> StreamForm {
        let republish = c.republish.clone().unwrap_or_default();
        let transform = c.subject_transform.clone().unwrap_or_default();
        let placement = c.placement.clone().unwrap_or_default();
        StreamForm {
            name: c.name.clone(),
            description: c.description.clone(),
            subjects: c.subjects.join(", "),
            storage: c.storage,
            retention: c.retention,
            discard: c.discard,
            discard_new_per_subject: c.discard_new_per,
            max_msgs: limit_text(c.max_msgs),
            max_bytes: size_text(c.max_bytes),
            max_age: age_text(c.max_age),
            max_msgs_per_subject: limit_text(c.max_msgs_per),
            max_msg_size: size_text(i64::from(c.max_msg_size)),
            max_consumers: limit_text(c.max_consumers),
            replicas: c.replicas.max(1).to_string(),
            duplicate_window: age_text(c.duplicates),
            compression: c.compression,
            first_seq: if c.first_seq == 0 { String::new() } else { c.first_seq.to_string() },
            no_ack: c.no_ack,
            allow_direct: c.allow_direct,
            allow_rollup: c.allow_rollup,
            deny_delete: c.deny_delete,
            deny_purge: c.deny_purge,
            sealed: c.sealed,
            allow_msg_ttl: c.allow_msg_ttl,
            subject_delete_marker_ttl: age_text(c.subject_delete_marker_ttl),
            republish_src: republish.src,
            republish_dest: republish.dest,
            republish_headers_only: republish.headers_only,
            transform_src: transform.src,
            transform_dest: transform.dest,
            mirror: c.mirror.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
            mirror_filter: c.mirror.as_ref().map(|m| m.filter_subject.clone()).unwrap_or_default(),
            sources: c
                .sources
                .iter()
                .map(|s| {
                    if s.filter_subject.is_empty() {
                        s.name.clone()
                    } else {
                        format!("{} {}", s.name, s.filter_subject)
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            placement_cluster: placement.cluster,
            placement_tags: placement.tags.join(", "),
            consumer_inactive_threshold: age_text(c.consumer_limits.inactive_threshold),
            consumer_max_ack_pending: if c.consumer_limits.max_ack_pending == 0 {
                String::new()
            } else {
                c.consumer_limits.max_ack_pending.to_string()
            },
            metadata: metadata_text(&c.metadata),
        }
    }

    /// Writes the form over `base` (the current config when editing, `Default` when creating).
    pub fn to_config(&self, base: &StreamConfig) -> Result<StreamConfig, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut c = base.clone();
        c.name = self.name.trim().to_owned();
        c.description = self.description.trim().to_owned();
        c.subjects = split_list(&self.subjects);
        c.storage = self.storage;
        c.retention = self.retention;
        c.discard = self.discard;
        c.discard_new_per = self.discard_new_per_subject;
        c.max_msgs = field(&mut e, "max_msgs", parse_limit(&self.max_msgs));
        c.max_bytes = field(&mut e, "max_bytes", parse_size(&self.max_bytes));
        c.max_age = field(&mut e, "max_age", parse_age(&self.max_age));
        c.max_msgs_per = field(&mut e, "max_msgs_per_subject", parse_limit(&self.max_msgs_per_subject));
        let max_msg_size = field(&mut e, "max_msg_size", parse_size(&self.max_msg_size));
        c.max_msg_size = match i32::try_from(max_msg_size) {
            Ok(v) => v,
            Err(_) => {
                e.insert("max_msg_size", "at most 2 GiB".into());
                -1
            }
        };
        c.max_consumers = field(&mut e, "max_consumers", parse_limit(&self.max_consumers));
        c.replicas = field(
            &mut e,
            "replicas",
            self.replicas.trim().parse::<i64>().map_err(|_| "a number from 1 to 5".to_owned()),
        );
        c.duplicates = field(&mut e, "duplicate_window", parse_age(&self.duplicate_window));
        c.compression = self.compression;
        c.first_seq = if self.first_seq.trim().is_empty() {
            0
        } else {
            field(&mut e, "first_seq", self.first_seq.trim().parse::<u64>().map_err(|_| "a sequence number".to_owned()))
        };
        c.no_ack = self.no_ack;
        c.allow_direct = self.allow_direct;
        c.allow_rollup = self.allow_rollup;
        c.deny_delete = self.deny_delete;
        c.deny_purge = self.deny_purge;
        c.sealed = self.sealed;
        c.allow_msg_ttl = self.allow_msg_ttl;
        c.subject_delete_marker_ttl =
            field(&mut e, "subject_delete_marker_ttl", parse_age(&self.subject_delete_marker_ttl));
        c.republish = (!self.republish_dest.trim().is_empty()).then(|| RePublish {
            src: self.republish_src.trim().to_owned(),
            dest: self.republish_dest.trim().to_owned(),
            headers_only: self.republish_headers_only,
        });
        if c.republish.is_none() && !self.republish_src.trim().is_empty() {
            e.insert("republish_dest", "a republish needs a destination".into());
        }
        c.subject_transform =
            (!self.transform_src.trim().is_empty() || !self.transform_dest.trim().is_empty()).then(|| {
                SubjectTransform {
                    src: self.transform_src.trim().to_owned(),
                    dest: self.transform_dest.trim().to_owned(),
                }
            });
        c.mirror = if self.mirror.trim().is_empty() {
            None
        } else {
            let mut m = base.mirror.clone().unwrap_or_default();
            m.name = self.mirror.trim().to_owned();
            m.filter_subject = self.mirror_filter.trim().to_owned();
            Some(m)
        };
        c.sources = self
            .sources
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let mut parts = line.split_whitespace();
                let name = parts.next().unwrap_or_default().to_owned();
                let filter = parts.next().unwrap_or_default().to_owned();
                let mut s = base.sources.iter().find(|s| s.name == name).cloned().unwrap_or_default();
                s.name = name;
                s.filter_subject = filter;
                s
            })
            .collect::<Vec<StreamSource>>();
        let tags = split_list(&self.placement_tags);
        c.placement = (!self.placement_cluster.trim().is_empty() || !tags.is_empty()).then(|| Placement {
            cluster: self.placement_cluster.trim().to_owned(),
            tags,
            preferred: String::new(),
        });
        c.consumer_limits.inactive_threshold =
            field(&mut e, "consumer_inactive_threshold", parse_age(&self.consumer_inactive_threshold));
        c.consumer_limits.max_ack_pending = if self.consumer_max_ack_pending.trim().is_empty() {
            0
        } else {
            field(&mut e, "consumer_max_ack_pending", parse_limit(&self.consumer_max_ack_pending))
        };
        c.metadata = field(&mut e, "metadata", parse_metadata(&self.metadata));
        if e.is_empty() {
            Ok(c)
        } else {
            Err(e)
        }
    }

    /// [`to_config`](Self::to_config), then the server's own rules: creation rules when `old` is
    /// `None`, update rules (what may not change) against `old` otherwise.
    pub fn check(&self, old: Option<&StreamConfig>) -> Result<StreamConfig, FormError> {
        let base = old.cloned().unwrap_or_default();
        let config = self.to_config(&base).map_err(FormError::Fields)?;
        let limits = JsLimitOpts::default();
        let checked = match old {
            None => config.clone().check(&limits),
            Some(old) => config.clone().check_update(old, &limits),
        };
        checked.map_err(FormError::Invalid)?;
        Ok(config)
    }
}

/// Why a form cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// Fields that could not be read.
    Fields(FieldErrors),
    /// The config reads, but the server would refuse it (its error).
    Invalid(ApiError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, subjects: &str) -> StreamForm {
        StreamForm { name: name.into(), subjects: subjects.into(), ..Default::default() }
    }

    #[test]
    fn a_minimal_form_creates_a_valid_stream() {
        let c = form("ORDERS", "orders.>, returns.*").check(None).unwrap();
        assert_eq!(c.name, "ORDERS");
        assert_eq!(c.subjects, vec!["orders.>", "returns.*"]);
        assert_eq!((c.max_msgs, c.max_bytes, c.max_age, c.replicas), (-1, -1, 0, 1));
    }

    #[test]
    fn every_unreadable_field_is_reported() {
        let f = StreamForm { max_msgs: "many".into(), max_age: "soon".into(), ..form("S", "s") };
        let FormError::Fields(e) = f.check(None).unwrap_err() else { panic!("field errors expected") };
        assert_eq!(e.keys().copied().collect::<Vec<_>>(), vec!["max_age", "max_msgs"]);
    }

    #[test]
    fn configs_the_server_refuses_are_refused_with_its_text() {
        let FormError::Invalid(e) = form("bad.name", "x").check(None).unwrap_err() else { panic!() };
        assert_eq!(e.err_code, 10052);
        assert!(e.description.contains("stream name is required"), "{}", e.description);
        let f = StreamForm { max_age: "50ms".into(), ..form("S", "s") };
        let FormError::Invalid(e) = f.check(None).unwrap_err() else { panic!() };
        assert_eq!(e.description, "max age needs to be >= 100ms");
    }

    #[test]
    fn edits_keep_what_the_form_does_not_show_and_follow_update_rules() {
        let mut current = form("S", "s.>").check(None).unwrap().check(&JsLimitOpts::default()).unwrap();
        current.metadata.insert("owner".into(), "ops".into());
        current.sources = vec![StreamSource { name: "A".into(), opt_start_seq: 42, ..Default::default() }];
        let mut f = StreamForm::from_config(&current);
        f.max_msgs = "1000".into();
        let updated = f.check(Some(&current)).unwrap();
        assert_eq!(updated.max_msgs, 1000);
        assert_eq!(updated.metadata.get("owner").map(String::as_str), Some("ops"));
        assert_eq!(updated.sources[0].opt_start_seq, 42, "source details survive");
        f.storage = StorageType::Memory;
        let FormError::Invalid(e) = f.check(Some(&current)).unwrap_err() else { panic!() };
        assert_eq!(e.description, "stream configuration update can not change storage type");
    }

    #[test]
    fn the_form_round_trips_a_full_config() {
        let f = StreamForm {
            description: "all orders".into(),
            max_bytes: "1GiB".into(),
            max_age: "7d".into(),
            max_msgs_per_subject: "5".into(),
            duplicate_window: "1m".into(),
            republish_dest: "copy.>".into(),
            transform_src: "s.>".into(),
            transform_dest: "t.>".into(),
            sources: "A\nB b.>".into(),
            placement_tags: "ssd".into(),
            metadata: "team=core".into(),
            ..form("S", "s.>")
        };
        let c = f.to_config(&StreamConfig::default()).unwrap();
        assert_eq!(c.sources.len(), 2);
        assert_eq!(c.sources[1].filter_subject, "b.>");
        let back = StreamForm::from_config(&c);
        assert_eq!(back.to_config(&StreamConfig::default()).unwrap(), c);
        assert_eq!(back.max_bytes, "1GiB");
        assert_eq!(back.duplicate_window, "1m0s");
    }
}
