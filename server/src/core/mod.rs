//! The routing core shared by every front-end: the subject trie, the router that delivers through it,
//! subject mappings applied to what clients publish, the interface a receiver implements,
//! per-connection outbound queues, the backlogs that pace publishers to slower receivers, the small ordered map a connection keeps its subscriptions in, and
//! server counters.
//!
//! Nothing in here knows about sockets, protocols or JetStream; front-ends and internal services call
//! into it, never the other way round.

pub mod backlog;
pub mod client;
pub mod conn;
pub mod internal;
pub mod mapping;
pub mod outbound;
pub mod router;
pub mod small_map;
pub mod stats;
pub mod sublist;

pub use backlog::{Backlog, Stall};
pub use client::{ClientId, CloseReason, Kind, Msg, Subscriber, Subscription};
pub use mapping::{Mappings, Transform};
pub use outbound::{Batch, Outbound, Push};
pub use router::{PublishCtx, Router};
pub use small_map::SmallMap;
pub use stats::Stats;
pub use sublist::{MatchCache, SubResult, Sublist};
