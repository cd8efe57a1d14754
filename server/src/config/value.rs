//! The value tree a configuration file parses into.
//!
//! [`parse`](super::parse) produces a [`Map`] of [`Entry`]s whose values are [`Value`]s; every key and
//! every value carries the [`Pos`] (file and line) it came from, so the typed layer can name the line of a
//! bad or unknown setting. Nothing here knows what any key means.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// Where a key or value was written: file, 1-based line and 1-based column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    /// The file as it was named (the main config path, or an include path joined to its directory).
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column (in characters) of the first character of the item.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One parsed value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What was written.
    pub kind: Kind,
    /// Where it was written (for a `$variable`, where the variable was referenced).
    pub pos: Pos,
}

/// The shapes a value can take, as in nats-server's `conf` package.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A quoted, unquoted or `( … )` block string.
    String(String),
    /// An integer, with any size suffix (`1k`, `2MB`, …) already applied.
    Integer(i64),
    /// A decimal number such as `0.5`.
    Float(f64),
    /// `true/false/yes/no/on/off`, any case, unquoted.
    Bool(bool),
    /// An ISO 8601 Zulu timestamp such as `2016-05-04T18:53:41Z`, kept as written.
    Datetime(String),
    /// `[a, b]` or a newline-separated list.
    Array(Vec<Value>),
    /// `{ key: value … }`.
    Map(Map),
}

impl Kind {
    /// A short name for error messages ("string", "integer", …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::String(_) => "string",
            Kind::Integer(_) => "integer",
            Kind::Float(_) => "float",
            Kind::Bool(_) => "boolean",
            Kind::Datetime(_) => "datetime",
            Kind::Array(_) => "array",
            Kind::Map(_) => "map",
        }
    }
}

/// One `key: value` of a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key exactly as written (the typed layer compares keys case-insensitively, like nats-server).
    pub key: String,
    /// Where the key was written; errors about the entry point here, as nats-server's do.
    pub key_pos: Pos,
    /// The value.
    pub value: Value,
    /// Set when a later `$key` reference used this entry as a variable, so it is not an unknown setting.
    pub used_as_variable: bool,
}

/// An ordered map: entries in the order they were first written; a repeated key replaces the earlier
/// value in place (the last assignment wins, as in nats-server).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, consumed.
    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry with exactly this key.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// Mutable access to the entry with exactly this key.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// Sets `entry.key`, replacing an earlier entry with the same key.
    pub fn insert(&mut self, entry: Entry) {
        match self.get_mut(&entry.key) {
            Some(slot) => *slot = entry,
            None => self.entries.push(entry),
        }
    }
}
