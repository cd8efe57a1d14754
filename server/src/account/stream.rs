//! Stream imports: messages published in the exporting account on the imported subjects appear in the
//! importing account, on the local subject (`prefix` or `to`).
//!
//! A [`StreamImport`] subscribes in the exporter's router and republishes every message it gets into
//! the importer's router through a [`Forwarder`]. Reply subjects pass through unchanged, as in
//! nats-server. Nothing flows the other way.
//!
//! The link maps the subject a message carries. A JetStream delivery routed by its deliver subject but
//! carrying its stream subject therefore crosses on the stream subject, not the deliver subject.

use std::sync::Arc;

use bytes::Bytes;

use crate::core::mapping::Transform;
use crate::core::{ClientId, Msg, Subscriber, Subscription};

use super::forward::Forwarder;

/// The link of one stream import.
pub struct StreamImport {
    id: ClientId,
    local: Transform,
    into: Forwarder,
}

impl StreamImport {
    pub fn new(id: ClientId, local: Transform, into: Forwarder) -> Arc<Self> {
        Arc::new(StreamImport { id, local, into })
    }
}

impl Subscriber for StreamImport {
    fn id(&self) -> ClientId {
        self.id
    }

    fn deliver(&self, _sub: &Subscription, msg: &Msg<'_>) -> bool {
        // The router only hands over subjects that match the import's source.
        let subject = self.local.apply(msg.subject).unwrap_or_else(|| Bytes::copy_from_slice(msg.subject));
        let local = Msg { subject: &subject, ..*msg };
        self.into.publish(&subject, &local).0
    }

    fn flush(&self) {
        self.into.flush();
    }
}
