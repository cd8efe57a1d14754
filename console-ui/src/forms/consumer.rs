//! The consumer form: a [`ConsumerConfig`] as fields, for creating a consumer on a stream.
//!
//! [`ConsumerForm::check`] builds the config and validates it against the parent stream's config with
//! the shared crate's rules (the same nats-server texts), including the work-queue rules.

use switchyard_shared::api::account::{AccountLimits, JsLimitOpts};
use switchyard_shared::api::consumer::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};
use switchyard_shared::api::stream::StreamConfig;
use switchyard_shared::time::Timestamp;

use super::stream::FormError;
use super::{field, parse_age, parse_limit, parse_metadata, split_list, FieldErrors};

/// Pull or push delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    #[default]
    Pull,
    Push,
}

/// The consumer form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerForm {
    pub name: String,
    /// Durable (kept while idle) or ephemeral (removed after `inactive_threshold`).
    pub durable: bool,
    pub description: String,
    pub delivery: Delivery,
    pub deliver_subject: String,
    pub deliver_group: String,
    pub idle_heartbeat: String,
    pub flow_control: bool,
    pub deliver_policy: DeliverPolicy,
    pub opt_start_seq: String,
    /// RFC 3339.
    pub opt_start_time: String,
    pub ack_policy: AckPolicy,
    pub ack_wait: String,
    pub max_deliver: String,
    /// Redelivery delays, comma separated durations.
    pub backoff: String,
    /// Filter subjects, comma separated.
    pub filter_subjects: String,
    pub replay_policy: ReplayPolicy,
    pub max_ack_pending: String,
    pub max_waiting: String,
    pub max_batch: String,
    pub max_expires: String,
    pub inactive_threshold: String,
    pub headers_only: bool,
    pub mem_storage: bool,
    pub metadata: String,
}

impl Default for ConsumerForm {
    fn default() -> Self {
        ConsumerForm {
            name: String::new(),
            durable: true,
            description: String::new(),
            delivery: Delivery::Pull,
            deliver_subject: String::new(),
            deliver_group: String::new(),
            idle_heartbeat: String::new(),
            flow_control: false,
            deliver_policy: DeliverPolicy::All,
            opt_start_seq: String::new(),
            opt_start_time: String::new(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: "30s".into(),
            max_deliver: String::new(),
            backoff: String::new(),
            filter_subjects: String::new(),
            replay_policy: ReplayPolicy::Instant,
            max_ack_pending: "1000".into(),
            max_waiting: String::new(),
            max_batch: String::new(),
            max_expires: String::new(),
            inactive_threshold: String::new(),
            headers_only: false,
            mem_storage: false,
            metadata: String::new(),
        }
    }
}

fn optional_count(e: &mut FieldErrors, id: &'static str, text: &str) -> i64 {
    if text.trim().is_empty() {
        0
    } else {
        field(e, id, parse_limit(text))
    }
}

impl ConsumerForm {
    /// Builds the config; every unreadable field is reported.
    pub fn to_config(&self) -> Result<ConsumerConfig, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut c = ConsumerConfig::default();
        let name = self.name.trim().to_owned();
        if self.durable {
            if name.is_empty() {
                e.insert("name", "a durable consumer needs a name".into());
            }
            c.durable = name.clone();
        }
        c.name = name;
        c.description = self.description.trim().to_owned();
        if self.delivery == Delivery::Push {
            c.deliver_subject = self.deliver_subject.trim().to_owned();
            if c.deliver_subject.is_empty() {
                e.insert("deliver_subject", "a push consumer needs a deliver subject".into());
            }
            c.deliver_group = self.deliver_group.trim().to_owned();
            c.heartbeat = field(&mut e, "idle_heartbeat", parse_age(&self.idle_heartbeat));
            c.flow_control = self.flow_control;
        } else {
            c.max_waiting = optional_count(&mut e, "max_waiting", &self.max_waiting);
            c.max_request_batch = optional_count(&mut e, "max_batch", &self.max_batch);
            c.max_request_expires = field(&mut e, "max_expires", parse_age(&self.max_expires));
        }
        c.deliver_policy = self.deliver_policy;
        match self.deliver_policy {
            DeliverPolicy::ByStartSequence => {
                c.opt_start_seq = field(
                    &mut e,
                    "opt_start_seq",
                    self.opt_start_seq
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| "a start sequence ≥ 1".to_owned()),
                );
            }
            DeliverPolicy::ByStartTime => {
                let t = Timestamp::parse_rfc3339(self.opt_start_time.trim())
                    .map_err(|_| "an RFC 3339 time, e.g. 2026-01-31T12:00:00Z".to_owned());
                c.opt_start_time = Some(field(&mut e, "opt_start_time", t));
            }
            _ => {}
        }
        c.ack_policy = self.ack_policy;
        if self.ack_policy != AckPolicy::None {
            c.ack_wait = field(&mut e, "ack_wait", parse_age(&self.ack_wait));
            c.max_ack_pending = optional_count(&mut e, "max_ack_pending", &self.max_ack_pending);
        }
        c.max_deliver = optional_count(&mut e, "max_deliver", &self.max_deliver);
        let mut backoff = Vec::new();
        for item in split_list(&self.backoff) {
            match parse_age(&item) {
                Ok(n) => backoff.push(n),
                Err(msg) => {
                    e.insert("backoff", msg);
                }
            }
        }
        c.backoff = backoff;
        let filters = split_list(&self.filter_subjects);
        match filters.len() {
            0 => {}
            1 => c.filter_subject = filters[0].clone(),
            _ => c.filter_subjects = filters,
        }
        c.replay_policy = self.replay_policy;
        c.inactive_threshold = field(&mut e, "inactive_threshold", parse_age(&self.inactive_threshold));
        c.headers_only = self.headers_only;
        c.memory_storage = self.mem_storage;
        c.metadata = field(&mut e, "metadata", parse_metadata(&self.metadata));
        if e.is_empty() {
            Ok(c)
        } else {
            Err(e)
        }
    }

    /// [`to_config`](Self::to_config) and the server's validation against the stream's config.
    pub fn check(&self, stream: &StreamConfig) -> Result<ConsumerConfig, FormError> {
        let c = self.to_config().map_err(FormError::Fields)?;
        c.validate(stream, &JsLimitOpts::default(), &AccountLimits::default()).map_err(FormError::Invalid)?;
        c.check_work_queue(stream).map_err(FormError::Invalid)?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::api::stream::RetentionPolicy;

    fn stream() -> StreamConfig {
        StreamConfig { name: "S".into(), subjects: vec!["s.>".into()], ..Default::default() }
            .check(&JsLimitOpts::default())
            .unwrap()
    }

    #[test]
    fn a_durable_pull_consumer() {
        let f = ConsumerForm { name: "worker".into(), filter_subjects: "s.a".into(), ..Default::default() };
        let c = f.check(&stream()).unwrap();
        assert_eq!((c.durable.as_str(), c.name.as_str(), c.filter_subject.as_str()), ("worker", "worker", "s.a"));
        assert!(c.is_pull());
        assert_eq!(c.ack_policy, AckPolicy::Explicit);
        assert_eq!(c.ack_wait, 30_000_000_000);
    }

    #[test]
    fn push_consumers_need_a_deliver_subject() {
        let f = ConsumerForm { name: "p".into(), delivery: Delivery::Push, ..Default::default() };
        let FormError::Fields(e) = f.check(&stream()).unwrap_err() else { panic!() };
        assert!(e.contains_key("deliver_subject"));
        let f = ConsumerForm { deliver_subject: "out.p".into(), ..f };
        assert_eq!(f.check(&stream()).unwrap().deliver_subject, "out.p");
    }

    #[test]
    fn several_filters_use_filter_subjects() {
        let f = ConsumerForm { name: "m".into(), filter_subjects: "s.a, s.b".into(), ..Default::default() };
        let c = f.to_config().unwrap();
        assert_eq!(c.filter_subjects, vec!["s.a", "s.b"]);
        assert!(c.filter_subject.is_empty());
    }

    #[test]
    fn start_options_are_required_by_their_policy() {
        let f = ConsumerForm {
            name: "c".into(),
            deliver_policy: DeliverPolicy::ByStartSequence,
            opt_start_seq: "0".into(),
            ..Default::default()
        };
        let FormError::Fields(e) = f.check(&stream()).unwrap_err() else { panic!() };
        assert!(e.contains_key("opt_start_seq"));
        let f = ConsumerForm {
            deliver_policy: DeliverPolicy::ByStartTime,
            opt_start_time: "2026-01-01T00:00:00Z".into(),
            ..f
        };
        assert!(f.check(&stream()).unwrap().opt_start_time.is_some());
    }

    #[test]
    fn server_rules_apply() {
        let f =
            ConsumerForm { name: "c".into(), max_deliver: "1".into(), backoff: "1s, 2s".into(), ..Default::default() };
        let FormError::Invalid(e) = f.check(&stream()).unwrap_err() else { panic!("backoff longer than max_deliver") };
        assert!(e.description.contains("max deliver"), "{}", e.description);
        let mut wq = stream();
        wq.retention = RetentionPolicy::WorkQueue;
        let f = ConsumerForm { name: "c".into(), ack_policy: AckPolicy::None, ..Default::default() };
        let FormError::Invalid(e) = f.check(&wq).unwrap_err() else { panic!() };
        assert!(e.description.contains("explicit"), "{}", e.description);
    }

    #[test]
    fn ephemeral_consumers_may_be_unnamed() {
        let f = ConsumerForm { durable: false, ..Default::default() };
        let c = f.check(&stream()).unwrap();
        assert!(c.durable.is_empty() && c.name.is_empty());
    }
}
