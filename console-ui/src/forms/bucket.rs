//! The create forms of KV buckets and object store buckets: fields in, bucket settings (and so
//! stream configs, see [`crate::kv`] and [`crate::objstore`]) out.

use switchyard_shared::api::stream::StorageType;

use super::{field, parse_age, parse_size, FieldErrors};
use crate::{kv, objstore};

/// Fields shared by both bucket kinds, plus the KV-only ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketForm {
    pub bucket: String,
    pub description: String,
    /// KV only: revisions per key.
    pub history: String,
    pub ttl: String,
    /// KV only.
    pub max_value_size: String,
    pub max_bytes: String,
    pub storage: StorageType,
    pub replicas: String,
    pub compression: bool,
}

impl Default for BucketForm {
    fn default() -> Self {
        BucketForm {
            bucket: String::new(),
            description: String::new(),
            history: "1".into(),
            ttl: String::new(),
            max_value_size: String::new(),
            max_bytes: String::new(),
            storage: StorageType::File,
            replicas: "1".into(),
            compression: false,
        }
    }
}

impl BucketForm {
    fn common(&self, e: &mut FieldErrors) -> (i64, i64, i64) {
        if self.bucket.trim().is_empty() {
            e.insert("bucket", "a bucket needs a name".into());
        }
        let ttl = field(e, "ttl", parse_age(&self.ttl));
        let max_bytes = field(e, "max_bytes", parse_size(&self.max_bytes));
        let replicas = field(
            e,
            "replicas",
            self.replicas.trim().parse::<i64>().ok().filter(|r| (1..=5).contains(r)).ok_or("1 to 5".to_owned()),
        );
        (ttl, max_bytes, replicas)
    }

    /// Settings of a KV bucket.
    pub fn kv(&self) -> Result<kv::BucketSettings, FieldErrors> {
        let mut e = FieldErrors::new();
        let (ttl, max_bytes, replicas) = self.common(&mut e);
        let history = field(
            &mut e,
            "history",
            self.history
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=kv::MAX_HISTORY).contains(h))
                .ok_or(format!("1 to {}", kv::MAX_HISTORY)),
        );
        let max_value_size = field(&mut e, "max_value_size", parse_size(&self.max_value_size));
        let max_value_size = i32::try_from(max_value_size).unwrap_or_else(|_| {
            e.insert("max_value_size", "at most 2 GiB".into());
            -1
        });
        if !e.is_empty() {
            return Err(e);
        }
        let settings = kv::BucketSettings {
            bucket: self.bucket.trim().to_owned(),
            description: self.description.trim().to_owned(),
            history,
            ttl,
            max_value_size,
            max_bytes,
            storage: self.storage,
            replicas,
            compression: self.compression,
        };
        settings.stream_config().map_err(|err| FieldErrors::from([("bucket", err.to_string())]))?;
        Ok(settings)
    }

    /// Settings of an object store bucket.
    pub fn objects(&self) -> Result<objstore::BucketSettings, FieldErrors> {
        let mut e = FieldErrors::new();
        let (ttl, max_bytes, replicas) = self.common(&mut e);
        if !e.is_empty() {
            return Err(e);
        }
        let settings = objstore::BucketSettings {
            bucket: self.bucket.trim().to_owned(),
            description: self.description.trim().to_owned(),
            ttl,
            max_bytes,
            storage: self.storage,
            replicas,
            compression: self.compression,
        };
        settings.stream_config().map_err(|err| FieldErrors::from([("bucket", err.to_string())]))?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_forms_become_bucket_settings() {
        let f = BucketForm { bucket: "cfg".into(), history: "5".into(), ttl: "1h".into(), ..Default::default() };
        let s = f.kv().unwrap();
        assert_eq!((s.history, s.ttl), (5, 3_600_000_000_000));
        let bad = BucketForm { bucket: "a b".into(), history: "99".into(), ..Default::default() };
        let e = bad.kv().unwrap_err();
        assert!(e.contains_key("history"));
        let e = BucketForm { bucket: "a b".into(), ..Default::default() }.kv().unwrap_err();
        assert!(e["bucket"].contains("letters"), "{e:?}");
    }

    #[test]
    fn object_forms_become_bucket_settings() {
        let f = BucketForm { bucket: "files".into(), max_bytes: "1GiB".into(), ..Default::default() };
        assert_eq!(f.objects().unwrap().max_bytes, 1 << 30);
        assert!(BucketForm::default().objects().unwrap_err().contains_key("bucket"));
    }
}
