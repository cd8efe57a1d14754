//! `/healthz`: `{"status":"ok"}` with HTTP 200, or `unavailable`/`error` with 503 and the reasons
//! (nats-server `HealthStatus`).

use serde::{Deserialize, Serialize};

use crate::api::gojson::{is_default, nullable};

/// `/healthz` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthStatus {
    /// `ok`, `unavailable` or `error`.
    pub status: String,
    #[serde(skip_serializing_if = "is_default")]
    pub status_code: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// With `details=true`: one entry per failed check.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "nullable")]
    pub errors: Vec<HealthzError>,
}

impl HealthStatus {
    /// `{"status":"ok"}`.
    pub fn ok() -> Self {
        HealthStatus { status: "ok".to_owned(), ..Default::default() }
    }
}

/// What failed a health check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HealthzErrorType {
    #[default]
    #[serde(rename = "CONNECTION")]
    Connection,
    #[serde(rename = "BAD_REQUEST")]
    BadRequest,
    #[serde(rename = "JETSTREAM")]
    JetStream,
    #[serde(rename = "ACCOUNT")]
    Account,
    #[serde(rename = "STREAM")]
    Stream,
    #[serde(rename = "CONSUMER")]
    Consumer,
}

/// One failed health check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthzError {
    #[serde(rename = "type")]
    pub kind: HealthzErrorType,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub account: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stream: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consumer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_detailed_failures() {
        assert_eq!(serde_json::to_string(&HealthStatus::ok()).unwrap(), r#"{"status":"ok"}"#);
        let failed = HealthStatus {
            status: "unavailable".into(),
            status_code: 503,
            error: "JetStream stream 'A > S' is not current".into(),
            errors: vec![HealthzError {
                kind: HealthzErrorType::Stream,
                account: "A".into(),
                stream: "S".into(),
                error: "not current".into(),
                ..Default::default()
            }],
        };
        let v = serde_json::to_value(&failed).unwrap();
        assert_eq!(v["errors"][0]["type"], "STREAM");
        assert_eq!(serde_json::from_value::<HealthStatus>(v).unwrap(), failed);
    }
}
