//! The hash-set baseline for the blacklist: every number in a
//! `hashbrown::HashSet<u64>` (foldhash), the way a dialer without dialcore
//! keeps its do-not-call list. One lookup is one hash and, usually, one
//! cache miss; the price is memory: 8 bytes a slot plus a control byte, at
//! most 7/8 full, the bucket count rounded up to a power of two, so 10.3 to
//! 20.6 bytes a number.

use hashbrown::HashSet;

/// A do-not-call set as a plain hash set of E.164 numbers.
#[derive(Debug, Clone, Default)]
pub struct HashSetBlacklist {
    set: HashSet<u64>,
}

impl HashSetBlacklist {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of `numbers` (sized once from the slice length).
    pub fn from_numbers(numbers: &[u64]) -> Self {
        HashSetBlacklist {
            set: numbers.iter().copied().collect(),
        }
    }

    /// Adds every number; returns how many were new.
    pub fn insert_many(&mut self, numbers: &[u64]) -> u64 {
        self.set.reserve(numbers.len());
        numbers.iter().map(|&n| u64::from(self.set.insert(n))).sum()
    }

    /// Whether `number` is on the list.
    #[inline]
    pub fn contains(&self, number: u64) -> bool {
        self.set.contains(&number)
    }

    /// Numbers on the list.
    pub fn len(&self) -> u64 {
        self.set.len() as u64
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Bytes of the table allocation (slots and control bytes).
    pub fn heap_bytes(&self) -> usize {
        self.set.allocation_size()
    }
}
