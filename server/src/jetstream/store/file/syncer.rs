//! Background fsync for [`super::SyncPolicy::Interval`], and the poison flag shared with it.
//!
//! The store writes every record to the OS before a call returns; this thread makes those writes
//! durable every interval by `fdatasync`ing duplicated handles of the files written since the last
//! round. A failed fsync poisons the store: the data it covered may be lost, so later writes must
//! fail loudly instead of pretending.

use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// Set once a write or fsync failed; never cleared.
#[derive(Debug, Default)]
pub(crate) struct Poison {
    set: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Poison {
    pub fn set(&self, reason: String) {
        let mut r = self.reason.lock();
        if r.is_none() {
            tracing::error!(%reason, "file store poisoned; refusing further writes");
            *r = Some(reason);
        }
        self.set.store(true, Ordering::Release);
    }

    pub fn reason(&self) -> Option<String> {
        if self.set.load(Ordering::Acquire) {
            Some(self.reason.lock().clone().unwrap_or_default())
        } else {
            None
        }
    }
}

#[derive(Debug, Default)]
struct Pending {
    /// Files written since the last round, by block id.
    files: HashMap<u32, File>,
    stop: bool,
}

#[derive(Debug)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    poison: Arc<Poison>,
}

/// The interval syncer thread; stops (after a last round) when dropped.
#[derive(Debug)]
pub(crate) struct Syncer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    pub fn start(interval: Duration, poison: Arc<Poison>) -> std::io::Result<Syncer> {
        let shared = Arc::new(Shared { pending: Mutex::new(Pending::default()), wake: Condvar::new(), poison });
        let s = shared.clone();
        let thread = std::thread::Builder::new().name("store-sync".into()).spawn(move || loop {
            let (files, stop) = {
                let mut p = s.pending.lock();
                if !p.stop {
                    s.wake.wait_for(&mut p, interval);
                }
                (std::mem::take(&mut p.files), p.stop)
            };
            for (id, f) in files {
                if let Err(e) = f.sync_data() {
                    s.poison.set(format!("fsync of block {id} failed: {e}"));
                }
            }
            if stop {
                return;
            }
        })?;
        Ok(Syncer { shared, thread: Some(thread) })
    }

    /// Note that block `id` was written; `file` is the handle it was written through.
    pub fn dirty(&self, id: u32, file: &File) {
        let mut p = self.shared.pending.lock();
        if let std::collections::hash_map::Entry::Vacant(v) = p.files.entry(id) {
            match file.try_clone() {
                Ok(f) => {
                    v.insert(f);
                }
                Err(e) => self.shared.poison.set(format!("cannot duplicate block {id} handle: {e}")),
            }
        }
    }

    /// Forget a block (it was deleted or rewritten).
    pub fn forget(&self, id: u32) {
        self.shared.pending.lock().files.remove(&id);
    }
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.shared.pending.lock().stop = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
