//! [`SmallMap`]: an ordered map sized for the common case of a handful of entries, such as the
//! subscriptions of one connection.
//!
//! Up to [`FEW`] entries live in one sorted vector that grows one slot at a time at first (a connection
//! with one subscription pays for one entry, where a `BTreeMap` node holds room for eleven and a
//! `HashMap` for three or more); past that the entries move to a `BTreeMap`, so a connection with many
//! subscriptions keeps logarithmic inserts and removals. Iteration is in key order either way.
//!
//! It does not know what it holds; locking is the owner's.

use std::borrow::Borrow;
use std::collections::BTreeMap;

/// Entries kept in the sorted vector before moving to a `BTreeMap`.
pub const FEW: usize = 8;

/// An ordered map: a sorted vector for up to [`FEW`] entries, a `BTreeMap` beyond.
#[derive(Debug, Clone)]
pub enum SmallMap<K, V> {
    Few(Vec<(K, V)>),
    Many(BTreeMap<K, V>),
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::Few(Vec::new())
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    /// An empty map; it allocates nothing until the first insert.
    pub const fn new() -> Self {
        SmallMap::Few(Vec::new())
    }

    pub fn len(&self) -> usize {
        match self {
            SmallMap::Few(v) => v.len(),
            SmallMap::Many(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self {
            SmallMap::Few(v) => position(v, key).ok().map(|i| &v[i].1),
            SmallMap::Many(m) => m.get(key),
        }
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self {
            SmallMap::Few(v) => position(v, key).ok().map(|i| &mut v[i].1),
            SmallMap::Many(m) => m.get_mut(key),
        }
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Inserts `value` under `key`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let v = match self {
            SmallMap::Many(m) => return m.insert(key, value),
            SmallMap::Few(v) => v,
        };
        match position(v, &key) {
            Ok(i) => Some(std::mem::replace(&mut v[i].1, value)),
            Err(i) if v.len() < FEW => {
                if v.len() == v.capacity() {
                    // 1, 2, 4, 8 slots: a vector would start at four.
                    v.reserve_exact(v.len().max(1));
                }
                v.insert(i, (key, value));
                None
            }
            Err(_) => {
                let mut m: BTreeMap<K, V> = std::mem::take(v).into_iter().collect();
                m.insert(key, value);
                *self = SmallMap::Many(m);
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let removed = match self {
            SmallMap::Few(v) => position(v, key).ok().map(|i| v.remove(i).1),
            SmallMap::Many(m) => m.remove(key),
        };
        if self.is_empty() {
            self.clear();
        }
        removed
    }

    /// Removes every entry and releases the memory they took.
    pub fn clear(&mut self) {
        *self = SmallMap::Few(Vec::new());
    }

    /// Keeps the entries for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        match self {
            SmallMap::Few(v) => v.retain_mut(|(k, val)| keep(k, val)),
            SmallMap::Many(m) => m.retain(|k, val| keep(k, val)),
        }
        if self.is_empty() {
            self.clear();
        }
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        let (few, many) = match self {
            SmallMap::Few(v) => (Some(v.iter().map(|(k, val)| (k, val))), None),
            SmallMap::Many(m) => (None, Some(m.iter())),
        };
        few.into_iter().flatten().chain(many.into_iter().flatten())
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, val)| val)
    }

    /// Takes every value out, in key order, leaving the map empty.
    pub fn take_values(&mut self) -> Vec<V> {
        match std::mem::take(self) {
            SmallMap::Few(v) => v.into_iter().map(|(_, val)| val).collect(),
            SmallMap::Many(m) => m.into_values().collect(),
        }
    }
}

fn position<K: Borrow<Q>, Q: Ord + ?Sized, V>(v: &[(K, V)], key: &Q) -> Result<usize, usize> {
    v.binary_search_by(|(k, _)| k.borrow().cmp(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_takes_one_slot() {
        let mut m = SmallMap::new();
        m.insert("a".to_string(), 1);
        let SmallMap::Few(v) = &m else { panic!("few entries stay in the vector") };
        assert_eq!(v.capacity(), 1);
    }

    #[test]
    fn entries_stay_ordered_across_the_switch_to_a_tree() {
        let mut m = SmallMap::new();
        let keys: Vec<u32> = (0..3 * FEW as u32).map(|i| (i * 7919) % 101).collect();
        for (n, k) in keys.iter().enumerate() {
            assert_eq!(m.insert(*k, n), None);
            assert!(matches!(m, SmallMap::Few(_)) == (n < FEW), "switches after {FEW} entries");
        }
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(m.iter().map(|(k, _)| *k).collect::<Vec<_>>(), sorted);
        assert_eq!(m.len(), keys.len());
        assert_eq!(m.insert(keys[0], 99), Some(0), "replaces and returns the old value");
        assert_eq!(m.get(&keys[0]), Some(&99));
    }

    #[test]
    fn lookups_and_removals_agree_with_a_btree_map() {
        for n in [3usize, FEW, 40] {
            let mut small = SmallMap::new();
            let mut reference = BTreeMap::new();
            for i in 0..n as u64 {
                small.insert(i * 3, i);
                reference.insert(i * 3, i);
            }
            for k in 0..(n as u64 * 3) {
                assert_eq!(small.get(&k), reference.get(&k));
                assert_eq!(small.contains_key(&k), reference.contains_key(&k));
            }
            for k in (0..n as u64 * 3).step_by(2) {
                assert_eq!(small.remove(&k), reference.remove(&k));
            }
            small.retain(|k, _| k % 4 != 0);
            reference.retain(|k, _| k % 4 != 0);
            assert_eq!(small.values().copied().collect::<Vec<_>>(), reference.values().copied().collect::<Vec<_>>());
            if let Some(v) = small.get_mut(&3) {
                *v = 1000;
            }
            assert_eq!(small.take_values().contains(&1000), reference.contains_key(&3));
            assert!(small.is_empty());
        }
    }

    #[test]
    fn emptied_maps_release_their_memory() {
        let mut m = SmallMap::new();
        for i in 0..2 * FEW {
            m.insert(i, i);
        }
        for i in 0..2 * FEW {
            m.remove(&i);
        }
        assert!(matches!(&m, SmallMap::Few(v) if v.capacity() == 0));
        m.insert(1, 1);
        m.retain(|_, _| false);
        assert!(matches!(&m, SmallMap::Few(v) if v.capacity() == 0));
    }
}
