//! Which sequence numbers a subscriber received, to prove exactly-once delivery.
//!
//! Publishers stamp each payload with a sequence number (see `frames`); a subscriber records each one
//! in a [`SeenSet`] (a growable bitset) and counts repeats. [`union_count`] merges the sets of queue
//! members, where every message must reach exactly one of them.

/// A set of sequence numbers with a count of numbers seen more than once.
#[derive(Debug, Default, Clone)]
pub struct SeenSet {
    words: Vec<u64>,
    distinct: u64,
    repeats: u64,
}

impl SeenSet {
    pub fn insert(&mut self, seq: u64) {
        let word = usize::try_from(seq / 64).expect("sequence fits memory");
        if word >= self.words.len() {
            self.words.resize((word + 1).next_power_of_two(), 0);
        }
        let bit = 1u64 << (seq % 64);
        if self.words[word] & bit == 0 {
            self.words[word] |= bit;
            self.distinct += 1;
        } else {
            self.repeats += 1;
        }
    }

    /// Different sequence numbers seen.
    pub fn distinct(&self) -> u64 {
        self.distinct
    }

    /// Receipts of a number already seen by this set.
    pub fn repeats(&self) -> u64 {
        self.repeats
    }
}

/// Different sequence numbers seen by any of `sets`.
pub fn union_count(sets: &[&SeenSet]) -> u64 {
    let len = sets.iter().map(|s| s.words.len()).max().unwrap_or(0);
    (0..len)
        .map(|i| sets.iter().fold(0u64, |acc, s| acc | s.words.get(i).copied().unwrap_or(0)).count_ones() as u64)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_counted_once_per_extra_receipt() {
        let mut s = SeenSet::default();
        for seq in [0, 1, 1, 64, 1000, 1000, 1000] {
            s.insert(seq);
        }
        assert_eq!((s.distinct(), s.repeats()), (4, 3));
    }

    #[test]
    fn union_counts_numbers_seen_by_several_sets_once() {
        let mut a = SeenSet::default();
        let mut b = SeenSet::default();
        (0..100).for_each(|i| a.insert(i));
        (50..300).for_each(|i| b.insert(i));
        assert_eq!(union_count(&[&a, &b]), 300);
        assert_eq!(a.distinct() + b.distinct() - union_count(&[&a, &b]), 50);
        assert_eq!(union_count(&[]), 0);
    }
}
