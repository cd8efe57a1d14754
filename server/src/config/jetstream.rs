//! The `jetstream` setting: `jetstream: enabled|disabled|true|false` or a `jetstream { … }` block.
//!
//! Input: the parsed value. Output: whether JetStream is on and its [`JetStreamConfig`]. Nothing is
//! created on disk here.

use std::path::PathBuf;
use std::time::Duration;

use super::report::{key_of, Field, Report};
use super::units::parse_storage_size;
use super::value::{Kind, Pos};

/// How often the file store flushes to disk when not told otherwise (nats-server's default).
pub const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(120);

/// The store directory used when none is configured: `<temp dir>/switchyard/jetstream`.
pub fn default_store_dir() -> PathBuf {
    std::env::temp_dir().join("switchyard").join("jetstream")
}

/// JetStream settings (present in [`Config::jetstream`](super::Config) only when JetStream is on).
#[derive(Debug, Clone, PartialEq)]
pub struct JetStreamConfig {
    /// `store_dir` (top level or in the block; `-sd`): the directory the file store writes into, used
    /// as is (unlike nats-server, no `jetstream` subdirectory is appended).
    pub store_dir: PathBuf,
    /// `max_memory_store` (`max_mem`): bytes of memory storage; `None` picks a default from the host.
    pub max_memory_store: Option<u64>,
    /// `max_file_store` (`max_file`): bytes of file storage; `None` picks a default from the disk.
    pub max_file_store: Option<u64>,
    /// `sync_interval` (`sync`): how often written data is flushed to disk, or `"always"`.
    pub sync_interval: SyncInterval,
    /// `domain`: the JetStream domain (`$JS.<domain>.API`).
    pub domain: Option<String>,
}

impl Default for JetStreamConfig {
    fn default() -> Self {
        JetStreamConfig {
            store_dir: default_store_dir(),
            max_memory_store: None,
            max_file_store: None,
            sync_interval: SyncInterval::Every(DEFAULT_SYNC_INTERVAL),
            domain: None,
        }
    }
}

/// When the file store flushes to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncInterval {
    /// `sync_interval: always`: after every write.
    Always,
    /// Periodically.
    Every(Duration),
}

/// What a `jetstream` setting said, beyond the fields it set on the config.
#[derive(Debug, Default)]
pub(crate) struct JetStreamSetting {
    /// `Some(false)` for `disabled`, `false` or `enabled: false`.
    pub enabled: Option<bool>,
    /// The `store_dir` inside the block, and where it was written (to report a duplicate).
    pub store_dir: Option<(PathBuf, Pos)>,
}

const UNSUPPORTED: &[&str] = &[
    "strict",
    "key",
    "ek",
    "encryption_key",
    "prev_key",
    "prev_ek",
    "prev_encryption_key",
    "cipher",
    "extension_hint",
    "limits",
    "tpm",
    "unique_tag",
    "max_outstanding_catchup",
    "max_buffered_size",
    "max_buffered_msgs",
    "request_queue_limit",
    "info_queue_limit",
    "meta_compact",
    "meta_compact_size",
    "meta_compact_sync",
    "max_concurrent_io",
];

/// Decodes a `jetstream` value, setting the fields it names on `js`.
pub(crate) fn parse_jetstream(f: Field<'_>, js: &mut JetStreamConfig, r: &mut Report) -> JetStreamSetting {
    let mut setting = JetStreamSetting::default();
    let map = match &f.value.kind {
        Kind::Bool(b) => {
            setting.enabled = Some(*b);
            return setting;
        }
        Kind::String(s) => {
            match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => setting.enabled = Some(true),
                "disabled" | "disable" => setting.enabled = Some(false),
                _ => r.error(f.pos, format!("jetstream: expected 'enabled' or 'disabled', found \"{s}\"")),
            }
            return setting;
        }
        Kind::Map(map) => map,
        other => {
            r.error(f.pos, format!("jetstream: expected a map, a boolean or 'enabled', found {}", other.type_name()));
            return setting;
        }
    };
    setting.enabled = Some(true);
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "store" | "store_dir" | "storedir" => {
                if let Some(dir) = r.non_empty_string(field) {
                    setting.store_dir = Some((PathBuf::from(dir), entry.key_pos.clone()));
                }
            }
            "sync" | "sync_interval" => {
                js.sync_interval = match &entry.value.kind {
                    Kind::String(s) if s.eq_ignore_ascii_case("always") => SyncInterval::Always,
                    _ => r.duration(field).map_or(SyncInterval::Every(DEFAULT_SYNC_INTERVAL), SyncInterval::Every),
                }
            }
            "max_memory_store" | "max_mem_store" | "max_mem" => js.max_memory_store = storage_size(field, r),
            "max_file_store" | "max_file" => js.max_file_store = storage_size(field, r),
            "domain" => {
                js.domain = r.string(field).filter(|d| {
                    let ok =
                        !d.is_empty() && !d.contains(|c: char| c == '.' || c == '*' || c == '>' || c.is_whitespace());
                    if !ok {
                        r.error(field.pos, format!("domain: \"{d}\" must be one subject token"));
                    }
                    ok
                })
            }
            "enable" | "enabled" => setting.enabled = r.boolean(field).or(Some(true)),
            k if UNSUPPORTED.contains(&k) => r.unsupported(entry, "jetstream"),
            _ => r.unknown(entry, "jetstream"),
        }
    }
    setting
}

/// A size as an integer (`1G` = 10^9, `1GB` = 2^30) or a string with a `K/M/G/T` suffix (powers of
/// 1024); a negative value means "pick a default".
fn storage_size(f: Field<'_>, r: &mut Report) -> Option<u64> {
    let n = match &f.value.kind {
        Kind::Integer(n) => *n,
        Kind::String(s) => match parse_storage_size(s) {
            Ok(n) => n,
            Err(e) => {
                r.error(f.pos, format!("{}: {e}", f.name));
                return None;
            }
        },
        other => {
            r.error(f.pos, format!("{}: expected a size, found {}", f.name, other.type_name()));
            return None;
        }
    };
    u64::try_from(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn decode(text: &str) -> (JetStreamConfig, JetStreamSetting, Report) {
        let map = parse_str(text, Path::new("js.conf")).expect("parse");
        let mut r = Report::default();
        let mut js = JetStreamConfig::default();
        let setting = parse_jetstream(Field::entry(&map.entries()[0]), &mut js, &mut r);
        (js, setting, r)
    }

    #[test]
    fn every_switch_form_is_understood() {
        for (text, want) in [
            ("jetstream: enabled", true),
            ("jetstream: true", true),
            ("jetstream: ENABLE", true),
            ("jetstream: disabled", false),
            ("jetstream: off", false),
            ("jetstream {}", true),
            ("jetstream { enabled: false }", false),
        ] {
            assert_eq!(decode(text).1.enabled, Some(want), "{text}");
        }
        let (_, setting, r) = decode("jetstream: maybe");
        assert_eq!(setting.enabled, None);
        assert_eq!(r.errors.len(), 1);
    }

    #[test]
    fn a_full_block_decodes() {
        let (js, setting, r) = decode(
            "jetstream {\n store_dir: \"/data/js\"\n max_memory_store: 1GB\n max_file_store: \"10G\"\n \
             sync_interval: \"30s\"\n domain: hub\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(setting.store_dir.map(|(d, _)| d), Some(PathBuf::from("/data/js")));
        assert_eq!(js.max_memory_store, Some(1 << 30));
        assert_eq!(js.max_file_store, Some(10 << 30));
        assert_eq!(js.sync_interval, SyncInterval::Every(Duration::from_secs(30)));
        assert_eq!(js.domain.as_deref(), Some("hub"));
        let (js, _, _) = decode("jetstream { sync: always, max_mem: -1 }");
        assert_eq!(js.sync_interval, SyncInterval::Always);
        assert_eq!(js.max_memory_store, None);
    }

    #[test]
    fn bad_values_and_unsupported_keys_are_reported() {
        let (_, _, r) = decode("jetstream {\n max_file: \"10g\"\n domain: \"a.b\"\n cipher: aes\n}");
        assert_eq!(r.errors.len(), 2);
        assert!(r.errors[0].to_string().starts_with("js.conf:2: max_file"));
        assert!(r.errors[1].to_string().starts_with("js.conf:3: domain"));
        assert!(r.warnings[0].starts_with("js.conf:4: \"cipher\" (in jetstream) is not supported"));
    }

    #[test]
    fn the_default_store_dir_is_under_the_temp_dir() {
        assert_eq!(default_store_dir(), std::env::temp_dir().join("switchyard/jetstream"));
    }
}
