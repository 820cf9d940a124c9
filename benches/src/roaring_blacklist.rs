//! The roaring baseline for the blacklist: every number in a
//! `roaring::RoaringTreemap`, as dialcore's `Blacklist` held them before it
//! got its own blocked array. The high 32 bits of a number pick a 32-bit
//! roaring bitmap, which splits the low 32 bits into 65 536-value containers
//! (sorted `u16` arrays, bitsets or runs): about 2 bytes a number, but a
//! lookup binary searches an array of up to 4096 `u16` (8 KB), about six
//! cache lines.

use roaring::RoaringTreemap;

/// Numbers sorted and merged at a time by [`RoaringBlacklist::insert_many`].
const BATCH: usize = 1 << 24;

/// A do-not-call set as a roaring treemap, with its length cached (a treemap
/// recounts its containers on every `len()`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoaringBlacklist {
    set: RoaringTreemap,
    len: u64,
}

impl RoaringBlacklist {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// A set of `numbers` (any order, duplicates allowed).
    pub fn from_numbers(numbers: &[u64]) -> Self {
        let mut list = Self::new();
        list.insert_many(numbers);
        list
    }

    /// Adds every number; returns how many were new. Sorts and deduplicates
    /// batches of up to 16M numbers, appends a batch wholly above the set
    /// and unions any other one container-wise.
    pub fn insert_many(&mut self, numbers: &[u64]) -> u64 {
        let before = self.len;
        let mut batch = Vec::with_capacity(numbers.len().min(BATCH));
        for chunk in numbers.chunks(BATCH) {
            batch.clear();
            batch.extend_from_slice(chunk);
            batch.sort_unstable();
            batch.dedup();
            let Some(&lowest) = batch.first() else {
                continue;
            };
            if self.set.max().is_none_or(|max| max < lowest)
                && self.set.append(batch.iter().copied()).is_ok()
            {
                self.len += batch.len() as u64;
                continue;
            }
            match RoaringTreemap::from_sorted_iter(batch.iter().copied()) {
                Ok(run) => self.set |= run,
                Err(_) => self.set.extend(batch.iter().copied()),
            }
            self.len = self.set.len();
        }
        self.len - before
    }

    /// Whether `number` is on the list.
    #[inline]
    pub fn contains(&self, number: u64) -> bool {
        self.set.contains(number)
    }

    /// Numbers on the list.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Its serialized size: 2 bytes a number in array containers, 8 KiB a
    /// bitset, plus a container header. The live structure also holds a
    /// container descriptor and a heap block a container, so resident memory
    /// is somewhat higher.
    pub fn heap_bytes(&self) -> usize {
        self.set.serialized_size()
    }
}
