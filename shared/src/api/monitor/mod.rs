//! Monitoring JSON: the bodies of nats-server's HTTP endpoints (`/varz`, `/connz`, `/subsz`, `/routez`,
//! `/gatewayz`, `/leafz`, `/accountz`, `/accstatz`, `/jsz`, `/healthz`), which are also the `data` of
//! the `$SYS.REQ.SERVER.*` replies.
//!
//! Go tools (nats-top, prometheus-nats-exporter, NUI) decode these into nats-server's own structs, so
//! names and types follow them exactly: `time.Duration` fields are integer nanoseconds
//! (`ping_interval`, `write_deadline`), `uptime`/`idle` use nats-server's `1d2h3m4s` text
//! ([`format_uptime`](crate::time::format_uptime)), `rtt` is Go duration text
//! ([`format_duration`](crate::time::format_duration)), times are RFC 3339. Go writes struct-valued
//! fields even when tagged `omitempty` (`"cluster": {}`), and so do these types.
//!
//! Switchyard additions: fields named `*_rate` (messages or bytes per second, computed by the
//! server) on [`Varz`] and [`ConnInfo`]. They are optional, omitted when unset, and unknown to Go
//! tools, which ignore them.

mod accountz;
mod connz;
mod gatewayz;
mod healthz;
mod jsz;
mod leafz;
mod routez;
mod subsz;
mod varz;

pub use accountz::{
    AccountStat, AccountStatz, Accountz, AccountzDetail, DataStats, ExtExport, ExtImport, ExtVrIssues, MapDest,
    MsgBytes, ServiceLatency,
};
pub use connz::{ConnInfo, Connz, ProxyInfo, SubDetail, TlsPeerCert};
pub use gatewayz::{AccountGatewayz, Gatewayz, RemoteGatewayz};
pub use healthz::{HealthStatus, HealthzError, HealthzErrorType};
pub use jsz::{
    AccountDetail, JetStreamConfig, JetStreamStats, JsInfo, MetaClusterInfo, MetaSnapshotStats, RaftGroupDetail,
    StreamDetail,
};
pub use leafz::{LeafInfo, Leafz};
pub use routez::{RouteInfo, Routez, SubjectPermission};
pub use subsz::{SublistStats, Subsz};
pub use varz::{
    ClusterOptsVarz, DenyRules, DiskIoWaitStats, GatewayOptsVarz, JetStreamVarz, LeafNodeOptsVarz, MqttOptsVarz,
    OcspResponseCacheVarz, ProxiesOptsVarz, ProxyOptsVarz, RemoteGatewayOptsVarz, RemoteLeafOptsVarz,
    SlowConsumersStats, StaleConnectionStats, Varz, WebsocketOptsVarz,
};
