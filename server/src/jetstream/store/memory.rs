//! The memory store: [`StreamStore`] over a backend that keeps each message in its index slot.
//!
//! Nothing is persisted; `bytes` uses nats-server's memory formula. Secure erase has nothing to
//! overwrite beyond dropping the message's buffers.

use std::sync::Arc;

use bytes::Bytes;

use super::index::{Entry, SeqIndex};
use super::stream::{Backend, NewMsg, RecoveredTtls, Removal, StreamStore};
use super::{memory_msg_size, Clock, Limits, Result, StoredMsg};

/// A stream store in memory.
pub type MemoryStore = StreamStore<MemoryBackend>;

/// A message held by the memory store.
#[derive(Debug, Clone)]
pub struct MemMsg {
    ts: i64,
    hdr: Bytes,
    data: Bytes,
}

/// The memory backend: messages live in the index.
#[derive(Debug, Default)]
pub struct MemoryBackend;

impl MemoryStore {
    /// An empty memory store with these limits.
    pub fn new(limits: Limits, clock: Arc<dyn Clock>) -> Self {
        StreamStore::from_parts(MemoryBackend, SeqIndex::default(), RecoveredTtls::default(), limits, clock)
            .expect("limits on an empty memory store cannot fail")
    }
}

impl Backend for MemoryBackend {
    type Loc = MemMsg;

    fn msg_size(subject_len: usize, hdr_len: usize, data_len: usize) -> u64 {
        memory_msg_size(subject_len, hdr_len, data_len)
    }

    fn check_writable(&self) -> Result<()> {
        Ok(())
    }

    fn append(&mut self, msg: &NewMsg<'_>) -> Result<MemMsg> {
        Ok(MemMsg { ts: msg.ts, hdr: Bytes::copy_from_slice(msg.hdr), data: Bytes::copy_from_slice(msg.data) })
    }

    fn read(&self, seq: u64, subject: &Arc<str>, loc: &MemMsg) -> Result<StoredMsg> {
        Ok(StoredMsg { subject: subject.clone(), seq, ts: loc.ts, hdr: loc.hdr.clone(), data: loc.data.clone() })
    }

    fn read_ts(&self, _seq: u64, loc: &MemMsg) -> Result<i64> {
        Ok(loc.ts)
    }

    fn on_remove(&mut self, _seq: u64, _entry: Entry<MemMsg>, _how: Removal) -> Result<()> {
        Ok(())
    }

    fn on_reset(&mut self, _next_seq: u64, _last_ts: i64) -> Result<()> {
        Ok(())
    }

    fn commit(&mut self, _index: &mut SeqIndex<MemMsg>) -> Result<()> {
        Ok(())
    }

    fn fill(&self, _index: &mut SeqIndex<MemMsg>) -> Result<()> {
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    fn close(self, _index: &SeqIndex<MemMsg>) -> Result<()> {
        Ok(())
    }

    fn destroy(self) -> Result<()> {
        Ok(())
    }
}
