//! Answers `$SYS.REQ.SERVER.*` and `$SYS.REQ.ACCOUNT.*` monitoring requests.
//!
//! Input: a request delivered to the system client; its subscription id names the endpoint, its body
//! (optional) holds the endpoint's options plus server filters as JSON. Output: one reply on the
//! request's reply subject: the `{"server","data"}` envelope, `{"server","error"}` when the options do
//! not decode (400) or the endpoint fails (500), nothing when the filters exclude this server.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use switchyard_shared::api::ApiError;

use super::messages::{EventFilterOptions, ServerApiResponse, ServerId};
use super::{statsz_subject, System};
use crate::core::internal::InMsg;
use crate::monitor::connz::{connz, ConnzOptions};
use crate::monitor::healthz::{healthz, HealthzOptions};
use crate::monitor::jsz::{jsz, JszOptions};
use crate::monitor::subsz::{subsz, SubszOptions};
use crate::monitor::MonitorError;

/// An endpoint's options with the server filters beside them (Go's embedded structs).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WithFilter<T: Default> {
    #[serde(flatten)]
    opts: T,
    #[serde(flatten)]
    filter: EventFilterOptions,
}

/// `ACCOUNTZ` options.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AccountzOptions {
    account: String,
}

/// Endpoints without options.
#[derive(Debug, Default, Deserialize)]
struct NoOptions {}

/// What an endpoint produced.
enum Outcome {
    Data(serde_json::Value),
    Failed(u16, String),
    Skip,
}

fn data<T: Serialize>(body: &T) -> Outcome {
    match serde_json::to_value(body) {
        Ok(v) => Outcome::Data(v),
        Err(e) => Outcome::Failed(500, e.to_string()),
    }
}

fn from_result<T: Serialize>(result: Result<T, MonitorError>) -> Outcome {
    match result {
        Ok(body) => data(&body),
        Err(e) => Outcome::Failed(500, e.to_string()),
    }
}

impl System {
    fn excluded(&self, filter: &EventFilterOptions) -> bool {
        let s = &self.server;
        let domain = s.config.jetstream.as_ref().and_then(|j| j.domain.clone()).unwrap_or_default();
        filter.excludes(&s.server_name, &s.config.host, "", &domain)
    }

    /// Decodes the options of a request; `Err` carries the decode error for the reply.
    fn options<T: DeserializeOwned + Default>(&self, body: &[u8]) -> Result<Option<T>, String> {
        if body.is_empty() {
            return Ok(Some(T::default()));
        }
        let parsed: WithFilter<T> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        Ok((!self.excluded(&parsed.filter)).then_some(parsed.opts))
    }

    /// Handles one request.
    pub(super) fn handle_request(&mut self, msg: InMsg) {
        let endpoint = String::from_utf8_lossy(&msg.sid).into_owned();
        let reply = msg.reply.as_ref().map(|r| String::from_utf8_lossy(r).into_owned());
        if endpoint == "STATSZ" {
            return self.statsz_request(reply, &msg.payload);
        }
        let Some(reply) = reply else { return };
        if endpoint == "IDZ" {
            let id = ServerId {
                name: self.server.server_name.clone(),
                host: self.server.config.host.clone(),
                id: self.server.server_id.clone(),
            };
            return self.publish_json(&reply, &id);
        }
        let outcome = self.run_endpoint(&endpoint, &msg);
        let (data, error) = match outcome {
            Outcome::Skip => return,
            Outcome::Data(v) => (Some(v), None),
            Outcome::Failed(code, description) => (None, Some(ApiError { code, err_code: 0, description })),
        };
        let response = ServerApiResponse { server: self.server_info(), data, error };
        self.publish_json(&reply, &response);
    }

    fn run_endpoint(&mut self, endpoint: &str, msg: &InMsg) -> Outcome {
        let body = &msg.payload[..];
        let server = self.server.clone();
        macro_rules! with_options {
            ($ty:ty, |$opts:ident| $build:expr) => {
                match self.options::<$ty>(body) {
                    Err(e) => Outcome::Failed(400, e),
                    Ok(None) => Outcome::Skip,
                    Ok(Some($opts)) => $build,
                }
            };
        }
        let account = || {
            let subject = String::from_utf8_lossy(&msg.subject).into_owned();
            subject.split('.').nth(3).unwrap_or_default().to_owned()
        };
        match endpoint {
            "VARZ" => with_options!(NoOptions, |_o| data(&crate::monitor::varz::varz(&server))),
            "CONNZ" => with_options!(ConnzOptions, |o| from_result(connz(&server, &o))),
            "SUBSZ" => with_options!(SubszOptions, |o| from_result(subsz(&server, &o))),
            "ROUTEZ" => with_options!(NoOptions, |_o| data(&crate::monitor::routez::routez(&server))),
            "GATEWAYZ" => with_options!(NoOptions, |_o| data(&crate::monitor::routez::gatewayz(&server))),
            "LEAFZ" => with_options!(NoOptions, |_o| data(&crate::monitor::routez::leafz(&server))),
            "ACCOUNTZ" => {
                with_options!(AccountzOptions, |o| from_result(crate::monitor::accountz::accountz(&server, &o.account)))
            }
            "JSZ" => with_options!(JszOptions, |o| match jsz(&server, &o) {
                Err(_) if o.leader_only => Outcome::Skip,
                result => from_result(result),
            }),
            "HEALTHZ" => with_options!(HealthzOptions, |o| data(&healthz(&server, &o))),
            "ACC.CONNZ" => with_options!(ConnzOptions, |o| {
                let opts = ConnzOptions { account: account(), ..o };
                from_result(connz(&server, &opts))
            }),
            "ACC.SUBSZ" => with_options!(SubszOptions, |o| {
                let opts = SubszOptions { account: account(), subs: true, ..o };
                from_result(subsz(&server, &opts))
            }),
            _ => Outcome::Skip,
        }
    }

    /// `STATSZ`: a reply to the requester, or (no reply subject) the periodic broadcast subject.
    fn statsz_request(&mut self, reply: Option<String>, body: &[u8]) {
        match self.options::<NoOptions>(body) {
            Ok(None) => {}
            Ok(Some(_)) => {
                let subject = reply.unwrap_or_else(|| statsz_subject(&self.server.server_id));
                self.send_statsz(&subject);
            }
            Err(e) => {
                if let Some(reply) = reply {
                    let response = ServerApiResponse::<()> {
                        server: Default::default(),
                        data: None,
                        error: Some(ApiError { code: 400, err_code: 0, description: e }),
                    };
                    self.publish_json(&reply, &response);
                }
            }
        }
    }
}
