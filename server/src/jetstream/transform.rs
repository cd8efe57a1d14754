//! The subject transforms of one stream, compiled from its config.
//!
//! - the input transform (`subject_transform`): what a published or sourced message is stored under;
//! - the republish transform (`republish`): where a copy of each stored message goes (see
//!   `republish`);
//! - [`SourceSubjects`]: which subjects a mirror or source takes from its origin (`filter_subject` or
//!   the `src` of `subject_transforms`) and what it stores them under.
//!
//! Transforms are compiled once per config ([`StreamTransforms::compile`], on create, update and
//! recovery) with the routing core's [`Transform`]; [`check`] turns a transform the core refuses into
//! nats-server's API error at create and update time. Nothing here stores or publishes.

use switchyard_shared::api::error::ApiError;
use switchyard_shared::api::stream::{StreamConfig, StreamSource};
use switchyard_shared::subject;

use crate::core::mapping::Transform;

/// A stream's compiled input and republish transforms.
#[derive(Debug, Default)]
pub struct StreamTransforms {
    input: Option<Transform>,
    republish: Option<Transform>,
    headers_only: bool,
}

impl StreamTransforms {
    /// Compiles the transforms of a config that passed [`check`]; one that does not compile is left
    /// out (a recovered config written by an older version, say) rather than failing the stream.
    pub fn compile(cfg: &StreamConfig) -> StreamTransforms {
        let input = cfg
            .subject_transform
            .as_ref()
            .filter(|t| !t.dest.is_empty())
            .and_then(|t| Transform::new(&t.src, &t.dest).ok());
        let republish = cfg.republish.as_ref().and_then(|r| Transform::new(&r.src, &r.dest).ok());
        StreamTransforms { input, republish, headers_only: cfg.republish.as_ref().is_some_and(|r| r.headers_only) }
    }

    /// The subject a message arriving on `subject` is stored under, when the input transform changes
    /// it (subjects outside its source are stored as they are).
    pub fn input(&self, subject: &str) -> Option<String> {
        self.input.as_ref().and_then(|t| t.apply_str(subject))
    }

    /// Where a stored message on `subject` is republished, if anywhere, and whether headers only.
    pub fn republish(&self, subject: &str) -> Option<(String, bool)> {
        let dest = self.republish.as_ref()?.apply_str(subject)?;
        subject::is_valid_literal(&dest).then_some((dest, self.headers_only))
    }

    pub fn has_republish(&self) -> bool {
        self.republish.is_some()
    }
}

/// What a mirror or source takes from its origin: `(filter, transform)` pairs, the first matching
/// filter deciding the stored subject.
#[derive(Debug, Clone)]
pub struct SourceSubjects {
    entries: Vec<(String, Option<Transform>)>,
}

impl SourceSubjects {
    /// From a checked mirror or source config.
    pub fn new(src: &StreamSource) -> Result<SourceSubjects, ApiError> {
        let mut entries = Vec::new();
        if src.subject_transforms.is_empty() {
            let filter = if src.filter_subject.is_empty() { ">".to_string() } else { src.filter_subject.clone() };
            entries.push((filter, None));
        }
        for t in &src.subject_transforms {
            let filter = if t.src.is_empty() { ">".to_string() } else { t.src.clone() };
            let transform = if t.dest.is_empty() {
                None
            } else {
                Some(
                    Transform::new(&filter, &t.dest)
                        .map_err(|e| ApiError::source_invalid_transform_destination(e.to_string()))?,
                )
            };
            entries.push((filter, transform));
        }
        Ok(SourceSubjects { entries })
    }

    /// The origin subjects to read.
    pub fn filters(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(f, _)| f.as_str())
    }

    /// Whether every origin subject is taken.
    pub fn takes_all(&self) -> bool {
        self.entries.iter().any(|(f, _)| f == ">")
    }

    /// The subject to store an origin message under, or `None` when no filter selects it.
    pub fn map(&self, subject_: &str) -> Option<String> {
        let (_, transform) = self.entries.iter().find(|(f, _)| subject::matches(f, subject_))?;
        Some(match transform {
            Some(t) => t.apply_str(subject_).unwrap_or_else(|| subject_.to_string()),
            None => subject_.to_string(),
        })
    }
}

/// Refuses transforms the stream could not apply, with nats-server's error codes.
pub fn check(cfg: &StreamConfig) -> Result<(), ApiError> {
    if let Some(t) = cfg.subject_transform.as_ref().filter(|t| !t.dest.is_empty()) {
        Transform::new(&t.src, &t.dest).map_err(|e| ApiError::stream_transform_invalid_destination(e.to_string()))?;
    }
    if let Some(r) = &cfg.republish {
        Transform::new(&r.src, &r.dest).map_err(|e| ApiError::stream_invalid_config(format!("republish: {e}")))?;
    }
    if let Some(m) = &cfg.mirror {
        for t in m.subject_transforms.iter().filter(|t| !t.dest.is_empty()) {
            Transform::new(&t.src, &t.dest)
                .map_err(|e| ApiError::mirror_invalid_transform_destination(e.to_string()))?;
        }
    }
    for s in &cfg.sources {
        SourceSubjects::new(s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_shared::api::stream::{RePublish, SubjectTransform};

    fn st(src: &str, dest: &str) -> SubjectTransform {
        SubjectTransform { src: src.into(), dest: dest.into() }
    }

    #[test]
    fn input_transform_rewrites_matching_subjects_only() {
        let cfg = StreamConfig { subject_transform: Some(st("in.*", "stored.$1")), ..Default::default() };
        let t = StreamTransforms::compile(&cfg);
        assert_eq!(t.input("in.a").as_deref(), Some("stored.a"));
        assert_eq!(t.input("other"), None);
    }

    #[test]
    fn republish_maps_source_to_destination() {
        let cfg = StreamConfig {
            republish: Some(RePublish { src: "orders.*".into(), dest: "rp.$1".into(), headers_only: true }),
            ..Default::default()
        };
        let t = StreamTransforms::compile(&cfg);
        assert_eq!(t.republish("orders.x"), Some(("rp.x".to_string(), true)));
        assert_eq!(t.republish("nope.x"), None);
    }

    #[test]
    fn source_subjects_filter_then_transform() {
        let src = StreamSource {
            name: "KV_a".into(),
            subject_transforms: vec![st("$KV.a.>", "$KV.b.>"), st("other.*", "")],
            ..Default::default()
        };
        let s = SourceSubjects::new(&src).unwrap();
        assert_eq!(s.map("$KV.a.k1").as_deref(), Some("$KV.b.k1"));
        assert_eq!(s.map("other.x").as_deref(), Some("other.x"));
        assert_eq!(s.map("unrelated"), None);
        assert!(!s.takes_all());
        let all = SourceSubjects::new(&StreamSource { name: "X".into(), ..Default::default() }).unwrap();
        assert!(all.takes_all());
        assert_eq!(all.map("a.b").as_deref(), Some("a.b"));
    }

    #[test]
    fn invalid_transforms_are_api_errors() {
        let cfg = StreamConfig { subject_transform: Some(st("a.*", "b.$2")), ..Default::default() };
        assert_eq!(check(&cfg).unwrap_err().err_code, 10156);
        let cfg = StreamConfig {
            sources: vec![StreamSource {
                name: "O".into(),
                subject_transforms: vec![st("a.>", "b")],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(check(&cfg).unwrap_err().err_code, 10146);
    }
}
