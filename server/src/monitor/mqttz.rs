//! `/mqttz`: the MQTT front-end seen from the monitoring port, and its administration.
//!
//! nats-server has no such endpoint (its MQTT state hides in JetStream streams); switchyard reports
//! what an MQTT operator asks first: connected clients, every session (connected or not) with its
//! subscriptions and pending QoS 1/2 messages, and the retained messages by topic.
//!
//! - `GET /mqttz` answers [`Mqttz`] (times in Unix nanoseconds, like the front-end's structs);
//!   `?client_id=<id>` keeps one client's entries, `?retained=false` leaves the retained list out.
//! - `POST /mqttz/clients/kick?client_id=<id>` disconnects a client (its session stays, its Will is
//!   published), `POST /mqttz/sessions/delete?client_id=<id>` drops a session (disconnecting its client),
//!   `POST /mqttz/retained/delete?topic=<topic>` clears a retained message. Each answers
//!   `200 {"ok":true}`, or `404 {"error":"…"}` when there is no such client, session or topic.
//!
//! Without a running MQTT front-end every path answers 404 with an error document. Who may call the
//! administrative `POST`s is decided by [`super::auth`]: they need credentials whenever monitoring or
//! the server is configured with any. The data comes from the [`MqttMonitor`] provider slot, so this
//! module does not depend on the front-end's internals.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use switchyard_shared::api::monitor::MqttOptsVarz;
use switchyard_shared::time::Timestamp;

use super::{json_response, AppState, Params};
use crate::core::conn::now_nanos;
use crate::frontend::mqtt::monitor::{ClientInfo, MqttStatus, RetainedInfo, SessionInfo};

/// What the MQTT front-end reports about itself, and the operations it offers to operators.
pub trait MqttMonitor: Send + Sync {
    /// The `mqtt` block of `/varz`.
    fn varz(&self) -> MqttOptsVarz;
    /// Totals.
    fn status(&self) -> MqttStatus;
    /// Connected clients.
    fn clients(&self) -> Vec<ClientInfo>;
    /// Every session, connected or not.
    fn sessions(&self) -> Vec<SessionInfo>;
    /// Retained messages, without payloads.
    fn retained(&self) -> Vec<RetainedInfo>;
    /// Carries out an administrative action; the error says what was not found.
    fn admin(&self, action: &MqttAdmin) -> Result<(), String>;
}

/// An administrative action on the MQTT front-end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MqttAdmin {
    /// Disconnect a client; its session stays.
    Kick { client_id: String },
    /// Drop a session, disconnecting its client.
    DeleteSession { client_id: String },
    /// Clear the retained message of a topic.
    ClearRetained { topic: String },
}

/// The `/mqttz` document.
#[derive(Debug, Serialize)]
pub struct Mqttz {
    pub server_id: String,
    pub now: Timestamp,
    pub status: MqttStatus,
    pub clients: Vec<ClientInfo>,
    pub sessions: Vec<SessionInfo>,
    pub retained: Vec<RetainedInfo>,
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    error: &'a str,
}

#[derive(Serialize)]
struct OkDoc {
    ok: bool,
}

fn not_available(params: &Params) -> Response {
    json_response(StatusCode::NOT_FOUND, &ErrorDoc { error: "the MQTT front-end is not running" }, params)
}

/// `GET /mqttz`.
pub(crate) async fn handle(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let params = Params::from(q);
    state.server.monitoring.count("/mqttz");
    let Some(mqtt) = state.server.monitoring.mqtt() else { return not_available(&params) };
    let only = params.get("client_id").filter(|c| !c.is_empty());
    let mut clients = mqtt.clients();
    let mut sessions = mqtt.sessions();
    if let Some(id) = only {
        clients.retain(|c| c.client_id == id);
        sessions.retain(|s| s.client_id == id);
    }
    clients.sort_by_key(|c| c.cid);
    let retained = if params.get("retained") == Some("false") { Vec::new() } else { mqtt.retained() };
    let doc = Mqttz {
        server_id: state.server.server_id.clone(),
        now: Timestamp(now_nanos()),
        status: mqtt.status(),
        clients,
        sessions,
        retained,
    };
    json_response(StatusCode::OK, &doc, &params)
}

/// `POST /mqttz/<what>/<verb>`: the administrative actions.
pub(crate) async fn handle_admin(
    State(state): State<AppState>,
    axum::extract::Path((what, verb)): axum::extract::Path<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    let params = Params::from(q);
    state.server.monitoring.count("/mqttz");
    let Some(mqtt) = state.server.monitoring.mqtt() else { return not_available(&params) };
    let action = match parse_admin(&what, &verb, &params) {
        Ok(action) => action,
        Err(text) => return json_response(StatusCode::BAD_REQUEST, &ErrorDoc { error: &text }, &params),
    };
    match mqtt.admin(&action) {
        Ok(()) => json_response(StatusCode::OK, &OkDoc { ok: true }, &params),
        Err(text) => json_response(StatusCode::NOT_FOUND, &ErrorDoc { error: &text }, &params),
    }
}

/// Reads an action from its path and query.
fn parse_admin(what: &str, verb: &str, params: &Params) -> Result<MqttAdmin, String> {
    let required = |name: &str| -> Result<String, String> {
        params
            .get(name)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| format!("missing query parameter {name:?}"))
    };
    match (what, verb) {
        ("clients", "kick") => Ok(MqttAdmin::Kick { client_id: required("client_id")? }),
        ("sessions", "delete") => Ok(MqttAdmin::DeleteSession { client_id: required("client_id")? }),
        ("retained", "delete") => Ok(MqttAdmin::ClearRetained { topic: required("topic")? }),
        _ => Err(format!("unknown action /mqttz/{what}/{verb}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>())
    }

    #[test]
    fn admin_actions_are_read_from_path_and_query() {
        assert_eq!(
            parse_admin("clients", "kick", &params(&[("client_id", "dev 1")])),
            Ok(MqttAdmin::Kick { client_id: "dev 1".into() })
        );
        assert_eq!(
            parse_admin("retained", "delete", &params(&[("topic", "a/b")])),
            Ok(MqttAdmin::ClearRetained { topic: "a/b".into() })
        );
        assert_eq!(
            parse_admin("sessions", "delete", &params(&[("client_id", "x")])),
            Ok(MqttAdmin::DeleteSession { client_id: "x".into() })
        );
    }

    #[test]
    fn admin_actions_need_their_target() {
        assert!(parse_admin("clients", "kick", &params(&[])).unwrap_err().contains("client_id"));
        assert!(parse_admin("retained", "delete", &params(&[("topic", "")])).unwrap_err().contains("topic"));
        assert!(parse_admin("clients", "explode", &params(&[("client_id", "x")])).unwrap_err().contains("unknown"));
    }
}
