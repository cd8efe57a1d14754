//! Accounts: isolated subject spaces, and the exports and imports that connect them.
//!
//! Each account has its own [`Router`]; a client publishes and subscribes only in its user's account.
//! The global account `$G` (users without an account, and every client when no accounts are
//! configured) uses the server's main router; the system account (`system_account`, `$SYS` by
//! default) always exists. Input: the `accounts` block of the configuration. Output: [`Accounts`], a
//! lookup from account name to [`Account`].
//!
//! Messages cross between accounts only where an export and a matching import exist, checked at
//! startup as nats-server checks them (the import's subject within the export's, the importer named in
//! the export's `accounts` if it has any, and no import cycles). Each import becomes a link, a
//! subscriber in one router that republishes into the other ([`stream`], [`service`]).
//!
//! It does not authenticate anyone (see `auth`) and does not serve `$SYS` requests.

pub mod forward;
pub mod service;
pub mod stream;

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use switchyard_shared::subject::{filters_overlap, is_subset};

use crate::config::accounts::GLOBAL_ACCOUNT;
use crate::config::{Config, Export, Import, ResponseType};
use crate::core::mapping::{MappingError, Transform};
use crate::core::{ClientId, Router, Stats, Subscriber, Subscription};

use forward::Forwarder;
use service::{ResponseRoute, Responses, ServiceImport, RESPONSE_THRESHOLD};
use stream::StreamImport;

/// The system account's name when the configuration names none.
pub const DEFAULT_SYSTEM_ACCOUNT: &str = "$SYS";

/// Client ids of links start here, far above connection ids.
const LINK_ID_BASE: ClientId = 1 << 48;

/// Problems with the accounts configuration found at startup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("Error adding stream import \"{subject}\": stream import not authorized")]
    StreamImportNotAuthorized { subject: String },
    #[error("Error adding service import \"{subject}\": service import not authorized")]
    ServiceImportNotAuthorized { subject: String },
    #[error("Error adding {kind} import \"{subject}\": import forms a cycle")]
    ImportFormsCycle { kind: &'static str, subject: String },
    #[error("Error adding {kind} import \"{subject}\": account \"{account}\" is not defined")]
    UnknownAccount { kind: &'static str, subject: String, account: String },
    #[error("Error adding {kind} import \"{subject}\": {source}")]
    Transform { kind: &'static str, subject: String, source: MappingError },
}

/// One account.
pub struct Account {
    pub name: String,
    /// The account's subject space.
    pub router: Arc<Router>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A directed flow between accounts, for the cycle check: messages on `from_subject` in `from`
/// appear on `to_subject` in `to`.
#[derive(Debug, Clone)]
struct Flow {
    from: String,
    from_subject: String,
    to: String,
    to_subject: String,
}

/// Whether adding `new` lets a message come back to where it started.
fn forms_cycle(flows: &[Flow], new: &Flow) -> bool {
    let mut stack = vec![(new.to.as_str(), new.to_subject.as_str())];
    let mut visited = vec![false; flows.len()];
    while let Some((account, subject)) = stack.pop() {
        if account == new.from && filters_overlap(subject, &new.from_subject) {
            return true;
        }
        for (i, f) in flows.iter().enumerate() {
            if !visited[i] && f.from == account && filters_overlap(&f.from_subject, subject) {
                visited[i] = true;
                stack.push((&f.to, &f.to_subject));
            }
        }
    }
    false
}

/// A random token for private reply subjects.
fn link_token() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..6).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

/// Every account of the server.
pub struct Accounts {
    accounts: HashMap<String, Arc<Account>>,
    global: Arc<Account>,
    system: Arc<Account>,
    /// Links' subscriptions, by importing account (kept for monitoring and shutdown).
    links: Vec<Arc<Subscription>>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.accounts.keys().collect();
        names.sort();
        f.debug_struct("Accounts").field("accounts", &names).field("links", &self.links.len()).finish()
    }
}

impl Accounts {
    /// Builds every configured account (plus `$G` on `global` and the system account) and wires the
    /// imports. Every router counts into `stats`.
    pub fn new(config: &Config, global: Arc<Router>, stats: &Arc<Stats>) -> Result<Self, AccountError> {
        let global = Arc::new(Account { name: GLOBAL_ACCOUNT.to_string(), router: global });
        let mut accounts: HashMap<String, Arc<Account>> = HashMap::new();
        accounts.insert(global.name.clone(), global.clone());
        for a in &config.accounts {
            let router = Arc::new(Router::new(stats.clone()));
            accounts.insert(a.name.clone(), Arc::new(Account { name: a.name.clone(), router }));
        }
        let system_name = config.system_account.clone().unwrap_or_else(|| DEFAULT_SYSTEM_ACCOUNT.to_string());
        let system = accounts
            .entry(system_name.clone())
            .or_insert_with(|| Arc::new(Account { name: system_name, router: Arc::new(Router::new(stats.clone())) }))
            .clone();
        let mut this = Accounts { accounts, global, system, links: Vec::new() };
        this.wire_imports(config)?;
        Ok(this)
    }

    fn wire_imports(&mut self, config: &Config) -> Result<(), AccountError> {
        let exports: HashMap<&str, &[Export]> =
            config.accounts.iter().map(|a| (a.name.as_str(), a.exports.as_slice())).collect();
        let mut flows: Vec<Flow> = Vec::new();
        let mut next_id = LINK_ID_BASE;
        let mut id = || {
            next_id += 1;
            next_id
        };
        for importer in &config.accounts {
            for import in &importer.imports {
                match import {
                    Import::Stream { account, subject, .. } => {
                        let err_unknown = || AccountError::UnknownAccount {
                            kind: "stream",
                            subject: subject.clone(),
                            account: account.clone(),
                        };
                        let exporter = self.get(account).cloned().ok_or_else(err_unknown)?;
                        let authorized = exports.get(account.as_str()).is_some_and(|list| {
                            list.iter().any(|e| match e {
                                Export::Stream { subject: exported, accounts } => {
                                    is_subset(subject, exported)
                                        && (accounts.is_empty() || accounts.contains(&importer.name))
                                }
                                Export::Service { .. } => false,
                            })
                        });
                        if !authorized {
                            return Err(AccountError::StreamImportNotAuthorized { subject: subject.clone() });
                        }
                        let dest = import.local_subject();
                        let local = Transform::for_import(subject, &dest).map_err(|source| {
                            AccountError::Transform { kind: "stream", subject: subject.clone(), source }
                        })?;
                        let flow = Flow {
                            from: account.clone(),
                            from_subject: subject.clone(),
                            to: importer.name.clone(),
                            to_subject: local.destination_pattern(),
                        };
                        if forms_cycle(&flows, &flow) {
                            return Err(AccountError::ImportFormsCycle { kind: "stream", subject: subject.clone() });
                        }
                        flows.push(flow);
                        let into = self.router_of(&importer.name);
                        let link = StreamImport::new(id(), local, Forwarder::new(into, id()));
                        self.link(&exporter.router, link, subject);
                    }
                    Import::Service { account, subject, to, .. } => {
                        let err_unknown = || AccountError::UnknownAccount {
                            kind: "service",
                            subject: subject.clone(),
                            account: account.clone(),
                        };
                        let exporter = self.get(account).cloned().ok_or_else(err_unknown)?;
                        let response_type = exports.get(account.as_str()).and_then(|list| {
                            list.iter().find_map(|e| match e {
                                Export::Service { subject: exported, accounts, response_type }
                                    if is_subset(subject, exported)
                                        && (accounts.is_empty() || accounts.contains(&importer.name)) =>
                                {
                                    Some(*response_type)
                                }
                                _ => None,
                            })
                        });
                        let Some(response_type) = response_type else {
                            return Err(AccountError::ServiceImportNotAuthorized { subject: subject.clone() });
                        };
                        let remote = Transform::for_import(to, subject).map_err(|source| AccountError::Transform {
                            kind: "service",
                            subject: subject.clone(),
                            source,
                        })?;
                        let flow = Flow {
                            from: importer.name.clone(),
                            from_subject: to.clone(),
                            to: account.clone(),
                            to_subject: remote.destination_pattern(),
                        };
                        if forms_cycle(&flows, &flow) {
                            return Err(AccountError::ImportFormsCycle { kind: "service", subject: subject.clone() });
                        }
                        flows.push(flow);
                        let local = self.router_of(&importer.name);
                        self.wire_service(id(), id(), (&local, to), &exporter.router, remote, response_type);
                    }
                }
            }
        }
        Ok(())
    }

    /// A service import: requests on `to` in `local` go to `exporter`; responses come back.
    fn wire_service(
        &mut self,
        request_id: ClientId,
        response_id: ClientId,
        (local, to): (&Arc<Router>, &str),
        exporter: &Arc<Router>,
        remote: Transform,
        response_type: ResponseType,
    ) {
        let responses = Responses::new(&link_token(), response_type, RESPONSE_THRESHOLD);
        let requests =
            ServiceImport::new(request_id, remote, Forwarder::new(exporter.clone(), request_id), responses.clone());
        self.link(local, requests, to);
        let filter = responses.filter();
        let route = ResponseRoute::new(response_id, responses, Forwarder::new(local.clone(), response_id));
        self.link(exporter, route, &filter);
    }

    fn link(&mut self, router: &Arc<Router>, link: Arc<dyn Subscriber>, subject: &str) {
        let sid = Bytes::from(format!("link{}", self.links.len() + 1));
        let sub = Arc::new(Subscription::new(link, Bytes::copy_from_slice(subject.as_bytes()), None, sid));
        router.subscribe(sub.clone());
        self.links.push(sub);
    }

    fn router_of(&self, name: &str) -> Arc<Router> {
        self.get(name).map_or_else(|| self.global.router.clone(), |a| a.router.clone())
    }

    /// The account called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Account>> {
        self.accounts.get(name)
    }

    /// The account called `name`, or the global account when there is none (a user whose account is
    /// not configured cannot exist: the configuration check refuses it).
    pub fn lookup(&self, name: &str) -> &Arc<Account> {
        self.accounts.get(name).unwrap_or(&self.global)
    }

    pub fn global(&self) -> &Arc<Account> {
        &self.global
    }

    pub fn system(&self) -> &Arc<Account> {
        &self.system
    }

    /// Account names, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.accounts.keys().cloned().collect();
        names.sort();
        names
    }

    /// How many links (import subscriptions) connect the accounts.
    pub fn num_links(&self) -> usize {
        self.links.len()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::core::client::test_support::{sub_for, Recorder};
    use crate::core::{Msg, PublishCtx};

    fn accounts(text: &str) -> Result<Accounts, AccountError> {
        let (config, _) = crate::config::parse_str(text, Path::new("acc.conf")).expect("config");
        let stats = Arc::new(Stats::default());
        Accounts::new(&config, Arc::new(Router::new(stats.clone())), &stats)
    }

    fn publish(router: &Router, subject: &str, reply: Option<&str>, payload: &str) -> usize {
        let mut ctx = PublishCtx::new(1, true);
        let (s, p) = (Bytes::copy_from_slice(subject.as_bytes()), Bytes::copy_from_slice(payload.as_bytes()));
        let r = reply.map(|r| Bytes::copy_from_slice(r.as_bytes()));
        let n = router.publish(&mut ctx, &s, &Msg { subject: &s, reply: r.as_ref(), headers: None, payload: &p });
        router.finish(&mut ctx);
        n
    }

    fn recorder(router: &Router, id: ClientId, subject: &str) -> Arc<Recorder> {
        let rec = Arc::new(Recorder { id, ..Default::default() });
        router.subscribe(sub_for(rec.clone(), subject, None, "1"));
        rec
    }

    fn subjects(rec: &Recorder) -> Vec<String> {
        rec.got.lock().iter().map(|(_, s, _)| s.clone()).collect()
    }

    const TWO: &str = "accounts {\n  A { exports = [ {stream: \"events.>\"}, {service: \"help.>\"} ] }\n  \
        B { imports = [ {stream: {account: A, subject: \"events.>\"}, prefix: from_a}, \
        {service: {account: A, subject: \"help.>\"}} ] }\n  C { }\n}";

    #[test]
    fn global_system_and_configured_accounts_exist() {
        let acc = accounts(TWO).expect("accounts");
        assert_eq!(acc.names(), ["$G", "$SYS", "A", "B", "C"]);
        assert_eq!(acc.system().name, "$SYS");
        assert_eq!(acc.lookup("nope").name, "$G");
        let custom = accounts("accounts { S { } }\nsystem_account: S").expect("accounts");
        assert_eq!(custom.system().name, "S");
    }

    #[test]
    fn accounts_are_isolated_except_for_imports() {
        let acc = accounts(TWO).expect("accounts");
        let (a, b, c) = (&acc.lookup("A").router, &acc.lookup("B").router, &acc.lookup("C").router);
        let in_b = recorder(b, 10, ">");
        let in_c = recorder(c, 11, ">");
        let in_a = recorder(a, 12, ">");
        assert_eq!(publish(a, "events.x", None, "1"), 2, "A's subscriber and the link");
        publish(a, "other", None, "2");
        publish(b, "events.back", None, "3");
        assert_eq!(subjects(&in_b), ["from_a.events.x", "events.back"]);
        assert!(in_c.got.lock().is_empty());
        assert_eq!(subjects(&in_a), ["events.x", "other"], "nothing flows back into A");
        assert!(in_b.flushes.load(Ordering::Relaxed) >= 1, "receivers across the link are woken");
    }

    #[test]
    fn service_requests_cross_and_responses_return_once() {
        let acc = accounts(TWO).expect("accounts");
        let (a, b) = (&acc.lookup("A").router, &acc.lookup("B").router);
        let service = recorder(a, 20, "help.>");
        let requester = recorder(b, 21, "_INBOX.>");
        assert_eq!(publish(b, "help.me", Some("_INBOX.1"), "req"), 1);
        let got = service.got.lock().clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, "help.me");
        // The recorder does not keep reply subjects: the first private reply is the response route's
        // prefix followed by 1.
        let prefix = {
            let mut found = None;
            a.sublist().for_each(|s| {
                if s.subject.starts_with(b"_R_.") {
                    found = Some(String::from_utf8_lossy(&s.subject[..s.subject.len() - 1]).into_owned());
                }
            });
            found.expect("response route subscribed")
        };
        let reply = format!("{prefix}1");
        publish(a, &reply, None, "answer");
        publish(a, &reply, None, "again");
        assert_eq!(requester.got.lock().clone(), [("1".into(), "_INBOX.1".into(), "answer".into())]);
    }

    #[test]
    fn imports_need_a_matching_export() {
        let unexported = "accounts {\n A { exports = [ {stream: \"events.>\", accounts: [C]} ] }\n \
            B { imports = [ {stream: {account: A, subject: \"events.>\"}} ] }\n C { }\n}";
        assert_eq!(
            accounts(unexported).err(),
            Some(AccountError::StreamImportNotAuthorized { subject: "events.>".into() })
        );
        let wider = "accounts {\n A { exports = [ {service: \"help.x\"} ] }\n \
            B { imports = [ {service: {account: A, subject: \"help.>\"}} ] }\n}";
        assert_eq!(accounts(wider).err(), Some(AccountError::ServiceImportNotAuthorized { subject: "help.>".into() }));
        let narrower = "accounts {\n A { exports = [ {stream: \"events.>\", accounts: [B]} ] }\n \
            B { imports = [ {stream: {account: A, subject: \"events.a\"}} ] }\n}";
        assert!(accounts(narrower).is_ok());
    }

    #[test]
    fn import_cycles_are_refused() {
        let cycle = "accounts {\n A { exports = [ {stream: \"x.>\"} ], imports = [ {stream: {account: B, subject: \"x.>\"}} ] }\n \
            B { exports = [ {stream: \"x.>\"} ], imports = [ {stream: {account: A, subject: \"x.>\"}} ] }\n}";
        assert_eq!(
            accounts(cycle).err(),
            Some(AccountError::ImportFormsCycle { kind: "stream", subject: "x.>".into() })
        );
        let disjoint = "accounts {\n A { exports = [ {stream: \"a.>\"} ], imports = [ {stream: {account: B, subject: \"b.>\"}} ] }\n \
            B { exports = [ {stream: \"b.>\"} ], imports = [ {stream: {account: A, subject: \"a.>\"}} ] }\n}";
        assert!(accounts(disjoint).is_ok());
    }

    #[test]
    fn service_import_to_renames_the_local_subject() {
        let text = "accounts {\n A { exports = [ {service: \"lonely\"} ] }\n \
            B { imports = [ {service: {account: A, subject: \"lonely\"}, to: \"alone\"} ] }\n}";
        let acc = accounts(text).expect("accounts");
        let service = recorder(&acc.lookup("A").router, 30, "lonely");
        assert_eq!(publish(&acc.lookup("B").router, "lonely", None, "x"), 0);
        assert_eq!(publish(&acc.lookup("B").router, "alone", None, "y"), 1);
        assert_eq!(subjects(&service), ["lonely"]);
    }
}
