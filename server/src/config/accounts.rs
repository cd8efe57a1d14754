//! The `accounts { … }` block: named accounts with their users, exports, imports, JetStream limits and
//! subject mappings.
//!
//! Input: the parsed block. Output: [`AccountConfig`]s. Checks that names are not reserved, that imports
//! name defined accounts and that subjects are valid; wiring accounts together is the router's job.

use std::collections::HashSet;

use switchyard_shared::subject::is_valid_filter;

use super::auth::{apply_default_permissions, parse_permissions, parse_users, Permissions, User};
use super::mappings::{parse_mappings, Mapping};
use super::report::{key_of, Field, Report};
use super::value::{Kind, Map, Pos};

/// The name of the account clients land in when no accounts are configured.
pub const GLOBAL_ACCOUNT: &str = "$G";

/// One account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountConfig {
    /// The account name (the key in the `accounts` block).
    pub name: String,
    /// `users`: who logs into this account (each has `account` set to this name).
    pub users: Vec<User>,
    /// `exports`: streams and services other accounts may import.
    pub exports: Vec<Export>,
    /// `imports`: streams and services taken from other accounts.
    pub imports: Vec<Import>,
    /// `jetstream`: the account's JetStream limits; `None` when JetStream is not enabled for it.
    pub jetstream: Option<AccountJetStream>,
    /// `default_permissions`: permissions of this account's users that have none of their own (already
    /// applied to [`users`](Self::users)).
    pub default_permissions: Option<Permissions>,
    /// `mappings`: subject mappings inside this account.
    pub mappings: Vec<Mapping>,
}

/// Something an account offers to others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    /// `{stream: subject, accounts: [...]}`: messages on `subject` may be imported.
    Stream {
        /// The exported subject (wildcards allowed).
        subject: String,
        /// Accounts allowed to import it; empty means every account.
        accounts: Vec<String>,
    },
    /// `{service: subject, accounts: [...], response_type: ...}`: requests on `subject` may be imported.
    Service {
        /// The exported subject (wildcards allowed).
        subject: String,
        /// Accounts allowed to import it; empty means every account.
        accounts: Vec<String>,
        /// How many responses a request gets.
        response_type: ResponseType,
    },
}

/// How a service answers one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResponseType {
    /// `singleton` (default): one response.
    #[default]
    Singleton,
    /// `stream`: any number of responses.
    Stream,
    /// `chunked`: one response in several messages.
    Chunked,
}

/// Something an account takes from another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Import {
    /// `{stream: {account, subject}, prefix, to}`.
    Stream {
        /// The exporting account.
        account: String,
        /// The exported subject.
        subject: String,
        /// `prefix`: prepended to the subject inside this account.
        prefix: Option<String>,
        /// `to`: the subject the messages appear on in this account.
        to: Option<String>,
    },
    /// `{service: {account, subject}, to, share}`.
    Service {
        /// The exporting account.
        account: String,
        /// The exported subject.
        subject: String,
        /// `to`: the subject clients of this account send requests to (default: `subject`).
        to: String,
        /// `share`: share the requester's latency information with the exporter.
        share: bool,
    },
}

impl Import {
    /// The subject the import appears on in the importing account: for a stream `prefix.subject`, else
    /// `to`, else the exported subject; for a service `to`.
    pub fn local_subject(&self) -> String {
        match self {
            Import::Stream { subject, prefix: Some(prefix), .. } => format!("{prefix}.{subject}"),
            Import::Stream { to: Some(to), .. } => to.clone(),
            Import::Stream { subject, .. } => subject.clone(),
            Import::Service { to, .. } => to.clone(),
        }
    }
}

/// `jetstream` inside an account: enabled, with limits (`None` is unlimited).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountJetStream {
    /// `max_memory` (`max_mem`, `mem`, `memory`): bytes of memory storage.
    pub max_memory: Option<u64>,
    /// `max_store` (`max_file`, `max_disk`, `store`, `disk`): bytes of file storage.
    pub max_store: Option<u64>,
    /// `max_streams` (`streams`).
    pub max_streams: Option<usize>,
    /// `max_consumers` (`consumers`).
    pub max_consumers: Option<usize>,
    /// `max_ack_pending`: a ceiling for consumers' max ack pending.
    pub max_ack_pending: Option<usize>,
    /// `max_bytes_required`: streams must set a byte limit.
    pub max_bytes_required: bool,
    /// `mem_max_stream_bytes`: largest byte limit of one memory stream.
    pub memory_max_stream_bytes: Option<u64>,
    /// `disk_max_stream_bytes`: largest byte limit of one file stream.
    pub store_max_stream_bytes: Option<u64>,
}

/// Decodes the `accounts` block (a map of accounts, or an array of account names).
pub(crate) fn parse_accounts(f: Field<'_>, r: &mut Report) -> Vec<AccountConfig> {
    let mut accounts = Vec::new();
    // Accounts named by imports, checked once all accounts are known.
    let mut referenced: Vec<(String, Pos)> = Vec::new();
    match &f.value.kind {
        Kind::Array(items) => {
            let mut seen = HashSet::new();
            for item in items {
                let Some(name) = r.non_empty_string(Field::item("accounts", item)) else {
                    continue;
                };
                if name == GLOBAL_ACCOUNT {
                    r.error(&item.pos, format!("\"{name}\" is a reserved account"));
                } else if !seen.insert(name.clone()) {
                    r.error(&item.pos, format!("duplicate account \"{name}\""));
                } else {
                    accounts.push(AccountConfig { name, ..AccountConfig::default() });
                }
            }
        }
        Kind::Map(map) => {
            for entry in map.entries() {
                if entry.used_as_variable {
                    continue;
                }
                let Kind::Map(body) = &entry.value.kind else {
                    r.error(
                        &entry.key_pos,
                        format!("accounts: \"{}\" must be a map describing the account", entry.key),
                    );
                    continue;
                };
                if entry.key == GLOBAL_ACCOUNT {
                    r.error(&entry.key_pos, format!("\"{}\" is a reserved account", entry.key));
                    continue;
                }
                accounts.push(parse_account(&entry.key, body, r, &mut referenced));
            }
        }
        other => r.error(f.pos, format!("accounts: expected a map or an array, found {}", other.type_name())),
    }
    for (name, pos) in referenced {
        if !accounts.iter().any(|a| a.name == name) {
            r.error(&pos, format!("imports: account \"{name}\" is not defined"));
        }
    }
    accounts
}

fn parse_account(name: &str, body: &Map, r: &mut Report, referenced: &mut Vec<(String, Pos)>) -> AccountConfig {
    let mut account = AccountConfig { name: name.to_string(), ..AccountConfig::default() };
    for entry in body.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "users" => account.users = parse_users(field, r, false),
            "exports" => account.exports = parse_list(field, r, parse_export),
            "imports" => {
                account.imports = parse_list(field, r, |item, r| parse_import(item, r, referenced));
            }
            "jetstream" => account.jetstream = parse_account_jetstream(field, r),
            "default_permissions" => account.default_permissions = parse_permissions(field, r),
            "mappings" | "maps" => account.mappings = parse_mappings(field, r),
            "nkey" | "limits" | "msg_trace" | "trace_dest" => r.unsupported(entry, "accounts"),
            _ => r.unknown(entry, &format!("account \"{name}\"")),
        }
    }
    apply_default_permissions(&mut account.users, account.default_permissions.as_ref());
    for user in &mut account.users {
        user.account = Some(name.to_string());
    }
    account
}

fn parse_list<T>(f: Field<'_>, r: &mut Report, mut each: impl FnMut(Field<'_>, &mut Report) -> Option<T>) -> Vec<T> {
    let Some(items) = r.array(f) else {
        return Vec::new();
    };
    items.iter().filter_map(|item| each(Field::item(f.name, item), r)).collect()
}

fn subject(f: Field<'_>, r: &mut Report) -> Option<String> {
    let s = r.string(f)?;
    if is_valid_filter(&s) {
        Some(s)
    } else {
        r.error(f.pos, format!("{}: \"{s}\" is not a valid subject", f.name));
        None
    }
}

fn parse_export(f: Field<'_>, r: &mut Report) -> Option<Export> {
    let Kind::Map(map) = &f.value.kind else {
        r.error(f.pos, format!("exports: each export must be a map, found {}", f.value.kind.type_name()));
        return None;
    };
    let mut stream = None;
    let mut service = None;
    let mut accounts = Vec::new();
    let mut response_type = ResponseType::default();
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "stream" => stream = subject(field, r),
            "service" => service = subject(field, r),
            "accounts" => accounts = r.strings(field).unwrap_or_default(),
            "response" | "response_type" => {
                response_type = match r.string(field).map(|s| s.to_ascii_lowercase()).as_deref() {
                    Some("single" | "singleton") => ResponseType::Singleton,
                    Some("stream") => ResponseType::Stream,
                    Some("chunk" | "chunked") => ResponseType::Chunked,
                    Some(other) => {
                        r.error(
                            field.pos,
                            format!(
                                "{}: unknown response type \"{other}\" (use singleton, stream or chunked)",
                                entry.key
                            ),
                        );
                        ResponseType::Singleton
                    }
                    None => ResponseType::Singleton,
                }
            }
            "threshold"
            | "response_threshold"
            | "response_max_time"
            | "response_time"
            | "latency"
            | "account_token_position"
            | "allow_trace" => r.unsupported(entry, "exports"),
            _ => r.unknown(entry, "an export"),
        }
    }
    match (stream, service) {
        (Some(_), Some(_)) => {
            r.error(f.pos, "exports: an export is either a stream or a service, not both");
            None
        }
        (Some(subject), None) => {
            if response_type != ResponseType::Singleton {
                r.error(f.pos, "exports: a response type only applies to a service");
            }
            Some(Export::Stream { subject, accounts })
        }
        (None, Some(subject)) => Some(Export::Service { subject, accounts, response_type }),
        (None, None) => {
            r.error(f.pos, "exports: an export needs a stream or a service subject");
            None
        }
    }
}

/// `{account: A, subject: s}` inside an import.
fn import_source(f: Field<'_>, r: &mut Report, referenced: &mut Vec<(String, Pos)>) -> Option<(String, String)> {
    let map = r.map(f)?;
    let mut account = None;
    let mut subj = None;
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "account" => account = r.non_empty_string(field),
            "subject" => subj = subject(field, r),
            _ => r.unknown(entry, "an import"),
        }
    }
    match (account, subj) {
        (Some(account), Some(subj)) => {
            referenced.push((account.clone(), f.pos.clone()));
            Some((account, subj))
        }
        _ => {
            r.error(f.pos, format!("imports: {} needs an account and a subject", f.name));
            None
        }
    }
}

fn parse_import(f: Field<'_>, r: &mut Report, referenced: &mut Vec<(String, Pos)>) -> Option<Import> {
    let Kind::Map(map) = &f.value.kind else {
        r.error(f.pos, format!("imports: each import must be a map, found {}", f.value.kind.type_name()));
        return None;
    };
    let mut stream = None;
    let mut service = None;
    let mut prefix = None;
    let mut to = None;
    let mut share = false;
    let mut has_source = false;
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "stream" => {
                has_source = true;
                stream = import_source(field, r, referenced);
            }
            "service" => {
                has_source = true;
                service = import_source(field, r, referenced);
            }
            "prefix" => prefix = r.non_empty_string(field),
            "to" => to = r.non_empty_string(field),
            "share" => share = r.boolean(field).unwrap_or(false),
            "allow_trace" => r.unsupported(entry, "imports"),
            _ => r.unknown(entry, "an import"),
        }
    }
    match (stream, service) {
        (Some(_), Some(_)) => {
            r.error(f.pos, "imports: an import is either a stream or a service, not both");
            None
        }
        (Some((account, subject)), None) => {
            if prefix.is_some() && to.is_some() {
                r.error(f.pos, "imports: a stream import cannot have both a 'prefix' and a 'to'");
                return None;
            }
            Some(Import::Stream { account, subject, prefix, to })
        }
        (None, Some((account, subject))) => {
            Some(Import::Service { account, to: to.unwrap_or_else(|| subject.clone()), subject, share })
        }
        (None, None) => {
            if !has_source {
                r.error(f.pos, "imports: an import needs a stream or a service");
            }
            None
        }
    }
}

fn parse_account_jetstream(f: Field<'_>, r: &mut Report) -> Option<AccountJetStream> {
    let map = match &f.value.kind {
        Kind::Bool(true) => return Some(AccountJetStream::default()),
        Kind::Bool(false) => return None,
        Kind::String(s) => {
            return match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" => Some(AccountJetStream::default()),
                "disabled" | "disable" => None,
                _ => {
                    r.error(f.pos, format!("jetstream: expected 'enabled' or 'disabled', found \"{s}\""));
                    None
                }
            }
        }
        Kind::Map(map) => map,
        other => {
            r.error(f.pos, format!("jetstream: expected a map, a boolean or 'enabled', found {}", other.type_name()));
            return None;
        }
    };
    let mut js = AccountJetStream::default();
    // Negative numbers mean unlimited, as in nats-server.
    let limit = |r: &mut Report, field: Field<'_>| r.integer(field).and_then(|n| u64::try_from(n).ok());
    let count = |r: &mut Report, field: Field<'_>| limit(r, field).and_then(|n| usize::try_from(n).ok());
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "max_memory" | "max_mem" | "mem" | "memory" => js.max_memory = limit(r, field),
            "max_store" | "max_file" | "max_disk" | "store" | "disk" => js.max_store = limit(r, field),
            "max_streams" | "streams" => js.max_streams = count(r, field),
            "max_consumers" | "consumers" => js.max_consumers = count(r, field),
            "max_ack_pending" => js.max_ack_pending = count(r, field),
            "max_bytes_required" | "max_stream_bytes" | "max_bytes" => {
                js.max_bytes_required = r.boolean(field).unwrap_or(false);
            }
            "mem_max_stream_bytes" | "memory_max_stream_bytes" => js.memory_max_stream_bytes = limit(r, field),
            "disk_max_stream_bytes" | "store_max_stream_bytes" => js.store_max_stream_bytes = limit(r, field),
            "cluster_traffic" => r.unsupported(entry, "account jetstream"),
            _ => r.unknown(entry, "account jetstream"),
        }
    }
    Some(js)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn decode(text: &str) -> (Vec<AccountConfig>, Report) {
        let map = parse_str(text, Path::new("acc.conf")).expect("parse");
        let mut r = Report::default();
        let out = parse_accounts(Field::entry(&map.entries()[0]), &mut r);
        (out, r)
    }

    #[test]
    fn accounts_with_users_exports_imports_and_jetstream() {
        let text = r#"accounts {
  USERS_TEMPLATE = [ {user: shared} ]
  A {
    users = [ {user: a, password: a}, {user: a2, password: a2, permissions: {publish: "x"}} ]
    default_permissions { subscribe: ">" }
    exports = [
      {stream: "events.>"}
      {service: "help", accounts: [B], response_type: stream}
    ]
    jetstream: enabled
    mappings { "in": "out" }
  }
  B {
    users = [ {user: b, password: b} ]
    imports = [
      {stream: {account: A, subject: "events.>"}, prefix: "from_a"}
      {service: {account: A, subject: "help"}}
      {service: {account: A, subject: "help"}, to: "a.help", share: true}
    ]
    jetstream { max_mem: 1G, max_file: -1, max_streams: 10 }
  }
  C { users = $USERS_TEMPLATE }
}"#;
        let (accounts, r) = decode(text);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(accounts.len(), 3);
        assert_eq!(accounts[2].users[0].user.as_deref(), Some("shared"));
        let a = &accounts[0];
        assert_eq!(a.name, "A");
        assert_eq!(a.users[0].account.as_deref(), Some("A"));
        assert!(a.users[0].permissions.is_some(), "default permissions applied");
        assert_eq!(a.users[1].permissions.as_ref().and_then(|p| p.subscribe.as_ref()), None, "own permissions win");
        assert_eq!(
            a.exports,
            vec![
                Export::Stream { subject: "events.>".into(), accounts: vec![] },
                Export::Service {
                    subject: "help".into(),
                    accounts: vec!["B".into()],
                    response_type: ResponseType::Stream
                }
            ]
        );
        assert_eq!(a.jetstream, Some(AccountJetStream::default()));
        assert_eq!(a.mappings[0].source, "in");
        let b = &accounts[1];
        assert_eq!(
            b.imports,
            vec![
                Import::Stream {
                    account: "A".into(),
                    subject: "events.>".into(),
                    prefix: Some("from_a".into()),
                    to: None
                },
                Import::Service { account: "A".into(), subject: "help".into(), to: "help".into(), share: false },
                Import::Service { account: "A".into(), subject: "help".into(), to: "a.help".into(), share: true },
            ]
        );
        let js = b.jetstream.as_ref().expect("js");
        assert_eq!(js.max_memory, Some(1_000_000_000));
        assert_eq!(js.max_store, None);
        assert_eq!(js.max_streams, Some(10));
    }

    #[test]
    fn an_array_of_names_defines_empty_accounts() {
        let (accounts, r) = decode("accounts: [A, B, A, \"$G\"]");
        let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["A", "B"]);
        assert_eq!(r.errors.len(), 2);
    }

    #[test]
    fn imports_of_undefined_accounts_and_malformed_entries_are_errors() {
        let text = "accounts {\n  A {\n    imports = [\n      {stream: {account: NOPE, subject: x}}\n      {stream: {account: A}}\n    ]\n  }\n  C: 1\n}";
        let (_, r) = decode(text);
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("acc.conf:5: imports: stream needs an account")));
        assert!(messages.iter().any(|m| m.starts_with("acc.conf:8: accounts: \"C\"")));
        assert!(messages.iter().any(|m| m.starts_with("acc.conf:4: imports: account \"NOPE\" is not defined")));
    }
}
