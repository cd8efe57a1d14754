//! `/routez`, `/gatewayz` and `/leafz`: switchyard runs as a single server, so these report no routes,
//! gateways or leaf nodes, in nats-server's shapes (tools poll them and expect valid JSON).
//!
//! Input: the server's identity. Output: empty [`Routez`], [`Gatewayz`] and [`Leafz`] bodies.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use switchyard_shared::api::monitor::{Gatewayz, Leafz, Routez};
use switchyard_shared::time::Timestamp;

use super::{json_response, AppState, Params};
use crate::core::conn::now_nanos;
use crate::server::Server;

/// Builds `/routez`: no routes until clustering exists.
pub fn routez(server: &Server) -> Routez {
    Routez {
        id: server.server_id.clone(),
        name: server.server_name.clone(),
        now: Timestamp::from_unix_nanos(now_nanos()),
        ..Default::default()
    }
}

/// Builds `/gatewayz`: no gateways.
pub fn gatewayz(server: &Server) -> Gatewayz {
    Gatewayz { id: server.server_id.clone(), now: Timestamp::from_unix_nanos(now_nanos()), ..Default::default() }
}

/// Builds `/leafz`: no leaf nodes.
pub fn leafz(server: &Server) -> Leafz {
    Leafz { id: server.server_id.clone(), now: Timestamp::from_unix_nanos(now_nanos()), ..Default::default() }
}

/// `GET /routez`.
pub(crate) async fn handle_routez(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    state.server.monitoring.count("/routez");
    json_response(StatusCode::OK, &routez(&state.server), &Params::from(q))
}

/// `GET /gatewayz`.
pub(crate) async fn handle_gatewayz(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    state.server.monitoring.count("/gatewayz");
    json_response(StatusCode::OK, &gatewayz(&state.server), &Params::from(q))
}

/// `GET /leafz`.
pub(crate) async fn handle_leafz(State(state): State<AppState>, Query(q): Query<Vec<(String, String)>>) -> Response {
    state.server.monitoring.count("/leafz");
    json_response(StatusCode::OK, &leafz(&state.server), &Params::from(q))
}
