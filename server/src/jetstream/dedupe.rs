//! The duplicate window: which `Nats-Msg-Id`s a stream has stored recently.
//!
//! Ids are kept with the sequence they were stored at and their time; ids older than the window are
//! dropped lazily in arrival order, so a lookup and an insert are both O(1). The window is rebuilt from
//! the store on recovery by the stream, which replays the headers of its recent messages.

use std::collections::{HashMap, VecDeque};

/// Recent message ids of one stream.
#[derive(Debug, Default)]
pub struct DedupeWindow {
    window_ns: i64,
    ids: HashMap<String, u64>,
    order: VecDeque<(i64, String)>,
}

impl DedupeWindow {
    pub fn new(window_ns: i64) -> Self {
        DedupeWindow { window_ns, ..Default::default() }
    }

    /// Changes the window (stream update); shrinking takes effect at the next `expire`.
    pub fn set_window(&mut self, window_ns: i64) {
        self.window_ns = window_ns;
    }

    /// The sequence a recent message with this id was stored at.
    pub fn get(&self, id: &str) -> Option<u64> {
        self.ids.get(id).copied()
    }

    /// Records an id stored at `seq` at time `ts` (Unix ns).
    pub fn insert(&mut self, id: &str, seq: u64, ts: i64) {
        if self.window_ns <= 0 {
            return;
        }
        if self.ids.insert(id.to_string(), seq).is_none() {
            self.order.push_back((ts, id.to_string()));
        }
    }

    /// Forgets ids older than the window as of `now` (Unix ns).
    pub fn expire(&mut self, now: i64) {
        while let Some((ts, _)) = self.order.front() {
            if now - *ts < self.window_ns {
                break;
            }
            let (_, id) = self.order.pop_front().expect("front exists");
            self.ids.remove(&id);
        }
    }

    /// Forgets everything (stream purge).
    pub fn clear(&mut self) {
        self.ids.clear();
        self.order.clear();
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_expire_after_the_window() {
        let mut w = DedupeWindow::new(100);
        w.insert("a", 1, 1000);
        w.insert("b", 2, 1050);
        assert_eq!(w.get("a"), Some(1));
        w.expire(1099);
        assert_eq!(w.get("a"), Some(1));
        w.expire(1100);
        assert_eq!(w.get("a"), None);
        assert_eq!(w.get("b"), Some(2));
        w.expire(1200);
        assert!(w.is_empty());
    }

    #[test]
    fn zero_window_keeps_nothing() {
        let mut w = DedupeWindow::new(0);
        w.insert("a", 1, 1);
        assert_eq!(w.get("a"), None);
    }
}
