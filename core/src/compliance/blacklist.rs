//! The do-not-call number set.
//!
//! A campaign must never dial a number on a national do-not-call registry,
//! and those are big: the US registry lists over 250 million numbers. The
//! [`Blacklist`] holds E.164 numbers (the `u64` of [`crate::phone`]) in a
//! blocked sorted array, two bytes a number:
//!
//! - **Blocks.** A number's high 48 bits (`number >> 16`) are its block key,
//!   its low 16 bits its place in the block. The directory is a sorted
//!   `Vec` of the distinct keys, each with the offset of its block in
//!   `lows`, one `Vec<u16>` of every block's low parts, ascending, end to
//!   end. A block is as long as it has numbers (no container, no heap block
//!   of its own); the directory costs 16 bytes a block, 0.008 bytes a number
//!   at 250M US numbers (~2000 a block).
//! - **Finding the block.** The directory is sparse: only occupied blocks
//!   exist, so any mix of countries and number lengths (7–15 digits, up to
//!   `u64::MAX`) costs by blocks, never by the 2^50 number space. A radix
//!   table over the key span, with about one bucket a block, gives the slice
//!   of the directory to binary search: for a national registry, whose
//!   blocks are dense over the span, that is one or two entries; for a mix
//!   of countries far apart it degrades to a binary search over the whole
//!   directory (a few hundred KB, hot in cache), never worse.
//! - **Within a block**, numbers are near-uniform (the low 16 bits of
//!   subscriber numbers), so an interpolation search's first guess
//!   (`low × len / 65536`) lands within a cache line or two of the number;
//!   a few more interpolation steps on the values it read narrow the range,
//!   then a binary search finishes, so a skewed block is still O(log n).
//!   A binary search over 2000 `u16` (what roaring does) touches about six
//!   cache lines, each a likely miss.
//!
//! Measured on the dev VM (2-core AMD EPYC, shared) by
//! `benches/benches/blacklist.rs`, same run for all three; bytes a number,
//! ns a lookup in bulk (hit/miss, independent lookups) and chained (each
//! query depends on the previous answer: the latency of one dial-time
//! check), registry load of a 10M-line file:
//!
//! | 250M US numbers | bytes | bulk ns | chained ns | load MB/s |
//! |-----------------|-------|---------|------------|-----------|
//! | this set        | 2.02  | 308/376 | 820        | 196       |
//! | roaring treemap | 2.00 (2.13 resident) | 898/911 | 2114 | 182 |
//! | hashbrown set   | 19.6  | 77/50   | 207        | 129       |
//!
//! At 10M: 2.22 bytes (the directory is ~0.2 bytes a number when blocks
//! hold ~80), 130/129 ns bulk, 495 chained; roaring 2.10 (3.73 resident),
//! 364/289, 831; the hash set 15.1, 38/17, 161. Loading the 250M-line file
//! takes 19 s in random order (143 MB/s, sorting the batches dominates) and
//! 8 s sorted (348 MB/s), with a peak of 626 MB above the start.
//! Chained, a lookup here is a chain of dependent loads (radix table,
//! directory, two or three in the block), each a miss at 250M, against one
//! or two for the hash set.
//!
//! **Changes.** A single [`Blacklist::insert`] or [`Blacklist::remove`] goes
//! to a delta: a hash set of numbers added (not in the base arrays) and one
//! of numbers removed (in them). [`Blacklist::contains`] consults the delta
//! only when it is not empty, so a loaded registry without changes pays
//! nothing for it. When the delta grows past `max(65 536, len / 32)` it is
//! merged into the arrays in one linear pass (removals compact forwards,
//! additions merge backwards into the grown array, in place). Every change
//! bumps [`Blacklist::version`], so a caller that checked a number (the
//! engine's emission gate, for a Dial its guards just cleared) can tell
//! that the answer still holds without looking it up again. The bulk
//! operations — [`Blacklist::insert_many`], [`Blacklist::remove_many`],
//! [`Blacklist::load_registry`] — merge the delta first, then sort and
//! deduplicate batches of up to [`BATCH`] numbers (128 MB) and merge each the
//! same way, so a 250M-line registry never needs more than the set plus one
//! batch in memory. `Campaign::blacklist_numbers` (what C and Python call
//! for a registry or a batch of numbers) is one `insert_many`: one sort and
//! merge per batch of [`BATCH`] numbers, never a delta merge every
//! `len / 32` inserts. [`Blacklist::len`] is O(1): base length plus added
//! minus removed.
//!
//! **Snapshot format** ([`Blacklist::write_to`], [`Blacklist::read_from`]),
//! all integers little-endian:
//!
//! | bytes          | field                                              |
//! |----------------|----------------------------------------------------|
//! | 4              | magic `DCBL`                                       |
//! | 4              | version, `u32`, 1                                  |
//! | 8              | `blocks`, `u64`                                    |
//! | 8              | `numbers`, `u64`                                   |
//! | 12 × `blocks`  | per block, ascending: key `u64` (`number >> 16`, < 2^48), count `u32` (1–65 536) |
//! | 2 × `numbers`  | the low 16 bits of every number, block after block, strictly ascending in a block |
//!
//! The counts add up to `numbers`. Reading checks all of this and returns an
//! `InvalidData` error (a truncated stream too), never panics, and allocates
//! only as the data arrives, so a corrupt header cannot claim gigabytes. A
//! checksum is left to the journal that stores snapshots.

use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::iter::Peekable;

use hashbrown::HashSet;

use crate::phone::{self, PhoneError, PhoneRules};

mod filter;
pub use filter::NumberFilter;

/// Numbers sorted and merged at a time by the bulk operations and the
/// registry loader: 16M numbers, 128 MB.
pub const BATCH: usize = 1 << 24;

/// Below this many numbers the bulk operations insert or remove one by one.
const SMALL: usize = 64;

/// Most invalid lines listed in a [`RegistryReport`].
pub const MAX_REPORTED_INVALID: usize = 100;

/// The delta is merged into the arrays once it holds more than this many
/// numbers, or more than a 32nd of the set if that is more.
const DELTA_MIN: usize = 1 << 16;

/// Interpolation steps in a block before the binary search finishes.
const INTERPOLATION_STEPS: usize = 3;

/// A block range this short is binary searched at once.
const SHORT_RANGE: usize = 16;

/// Snapshot magic and version.
const MAGIC: [u8; 4] = *b"DCBL";
const VERSION: u32 = 1;

/// One directory entry: a block key and where its low parts start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    /// `number >> 16` of the block's numbers.
    key: u64,
    /// Offset of the block's first low part in `lows`.
    start: usize,
}

/// The do-not-call set of E.164 numbers.
#[derive(Clone)]
pub struct Blacklist {
    /// The blocks, ascending by key, none empty.
    dir: Vec<Block>,
    /// The low 16 bits of the base numbers, block after block, ascending.
    lows: Vec<u16>,
    /// Radix table: bucket `b` (of `(key - min_key) >> shift`) holds
    /// `dir[index[b]..index[b + 1]]`. Empty when `dir` is (or when `dir`
    /// outgrows `u32` indices: then the whole directory is searched).
    index: Vec<u32>,
    min_key: u64,
    shift: u32,
    /// Numbers added and not in the base.
    added: HashSet<u64>,
    /// Numbers of the base removed.
    removed: HashSet<u64>,
    /// Least delta size that triggers a merge ([`DELTA_MIN`]; tests use
    /// smaller ones).
    merge_min: usize,
    /// Bumped by every operation that may change the membership (see
    /// [`Blacklist::version`]).
    version: u64,
}

/// What [`Blacklist::load_registry`] read.
///
/// `lines` counts every line, blank and comment lines included; those are
/// `lines - added - already_present - invalid`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryReport {
    /// Lines read (a last line without a newline counts).
    pub lines: u64,
    /// Valid numbers that were not on the list before.
    pub added: u64,
    /// Valid numbers that were on the list already, or earlier in the file.
    pub already_present: u64,
    /// Lines that are not a valid number (and not blank or a comment).
    pub invalid: u64,
    /// The first invalid lines: 1-based line number and why, at most
    /// [`MAX_REPORTED_INVALID`] of them.
    pub first_invalid: Vec<(u64, PhoneError)>,
}

impl Default for Blacklist {
    fn default() -> Self {
        Blacklist {
            dir: Vec::new(),
            lows: Vec::new(),
            index: Vec::new(),
            min_key: 0,
            shift: 0,
            added: HashSet::new(),
            removed: HashSet::new(),
            merge_min: DELTA_MIN,
            version: 0,
        }
    }
}

impl fmt::Debug for Blacklist {
    /// A summary, not the (possibly 250M) numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blacklist")
            .field("len", &self.len())
            .field("blocks", &self.dir.len())
            .field("delta_added", &self.added.len())
            .field("delta_removed", &self.removed.len())
            .finish()
    }
}

impl PartialEq for Blacklist {
    /// The same numbers (however they are split between arrays and delta).
    fn eq(&self, other: &Self) -> bool {
        if !self.has_delta() && !other.has_delta() {
            return self.dir == other.dir && self.lows == other.lows;
        }
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Blacklist {}

impl Blacklist {
    /// An empty blacklist.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty blacklist that merges its delta past `merge_min` numbers.
    #[cfg(test)]
    fn with_merge_min(merge_min: usize) -> Self {
        Blacklist {
            merge_min,
            ..Self::default()
        }
    }

    /// A counter that changes whenever the membership may have changed
    /// (every insert, remove, bulk add or remove, registry load; never a
    /// lookup, a delta merge or `shrink_to_fit`). An answer of
    /// [`Blacklist::contains`] holds while the version it was read at is
    /// unchanged, so a caller that checked a number a moment ago need not
    /// look it up again. A list read from a snapshot starts at 0.
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether `number` (E.164 digits) is blacklisted.
    #[inline]
    pub fn contains(&self, number: u64) -> bool {
        if self.has_delta() {
            return self.contains_with_delta(number);
        }
        self.base_contains(number)
    }

    /// [`Blacklist::contains`] when the delta is not empty.
    fn contains_with_delta(&self, number: u64) -> bool {
        if self.added.contains(&number) {
            return true;
        }
        if self.removed.contains(&number) {
            return false;
        }
        self.base_contains(number)
    }

    /// Whether the delta holds anything.
    #[inline]
    fn has_delta(&self) -> bool {
        !(self.added.is_empty() && self.removed.is_empty())
    }

    /// Whether the base arrays hold `number`.
    #[inline]
    fn base_contains(&self, number: u64) -> bool {
        match self.find_block(number >> 16) {
            Some(i) => search_block(&self.lows[self.block_range(i)], number as u16),
            None => false,
        }
    }

    /// The directory index of the block `key`, if it exists.
    #[inline]
    fn find_block(&self, key: u64) -> Option<usize> {
        let (lo, hi) = if self.index.is_empty() {
            (0, self.dir.len())
        } else {
            let rel = key.checked_sub(self.min_key)?;
            let bucket = usize::try_from(rel.checked_shr(self.shift).unwrap_or(0)).ok()?;
            let lo = *self.index.get(bucket)? as usize;
            let hi = *self.index.get(bucket + 1)? as usize;
            (lo, hi)
        };
        let blocks = self.dir.get(lo..hi)?;
        blocks
            .binary_search_by_key(&key, |b| b.key)
            .ok()
            .map(|i| lo + i)
    }

    /// The range of block `i` in `lows`.
    #[inline]
    fn block_range(&self, i: usize) -> std::ops::Range<usize> {
        let end = self.dir.get(i + 1).map_or(self.lows.len(), |b| b.start);
        self.dir[i].start..end
    }

    /// Rebuilds the radix table after the directory changed.
    fn rebuild_index(&mut self) {
        self.index.clear();
        let (Some(first), Some(last)) = (self.dir.first(), self.dir.last()) else {
            self.index.shrink_to_fit();
            return;
        };
        if u32::try_from(self.dir.len()).is_err() {
            return;
        }
        self.min_key = first.key;
        let span = last.key - first.key;
        // About one bucket a block: 2^floor(log2(blocks)) buckets at most.
        let bucket_bits = self.dir.len().ilog2();
        let span_bits = u64::BITS - span.leading_zeros();
        self.shift = span_bits.saturating_sub(bucket_bits);
        let buckets = (span >> self.shift) as usize + 1;
        self.index.reserve_exact(buckets + 1);
        let mut i = 0;
        for bucket in 0..=buckets as u64 {
            while i < self.dir.len() && (self.dir[i].key - self.min_key) >> self.shift < bucket {
                i += 1;
            }
            self.index.push(i as u32);
        }
        self.index.shrink_to_fit();
    }

    /// Adds `number`; `true` if it was not on the list.
    pub fn insert(&mut self, number: u64) -> bool {
        self.version += 1;
        if !self.removed.is_empty() && self.removed.remove(&number) {
            return true;
        }
        if self.base_contains(number) || !self.added.insert(number) {
            return false;
        }
        self.merge_delta_if_big();
        true
    }

    /// Removes `number`; `true` if it was on the list.
    pub fn remove(&mut self, number: u64) -> bool {
        self.version += 1;
        if !self.added.is_empty() && self.added.remove(&number) {
            return true;
        }
        if !self.base_contains(number) || !self.removed.insert(number) {
            return false;
        }
        self.merge_delta_if_big();
        true
    }

    /// Merges the delta when it is past its limit.
    fn merge_delta_if_big(&mut self) {
        let limit = self.merge_min.max(self.lows.len() / 32);
        if self.added.len() + self.removed.len() > limit {
            self.merge_delta();
        }
    }

    /// Merges the delta into the base arrays: one linear pass for the
    /// removals, one for the additions.
    fn merge_delta(&mut self) {
        if !self.removed.is_empty() {
            let mut removed: Vec<u64> = std::mem::take(&mut self.removed).into_iter().collect();
            removed.sort_unstable();
            self.base_difference(&removed);
        }
        if !self.added.is_empty() {
            let mut added: Vec<u64> = std::mem::take(&mut self.added).into_iter().collect();
            added.sort_unstable();
            self.base_union(&mut added, false);
        }
    }

    /// Adds every number of `numbers` (any order, duplicates allowed) and
    /// returns how many were not on the list. Works in sorted batches of at
    /// most [`BATCH`] numbers (a copy of one batch is the only extra memory).
    pub fn insert_many(&mut self, numbers: &[u64]) -> u64 {
        self.insert_many_in(numbers, BATCH)
    }

    /// [`Blacklist::insert_many`] in batches of `batch_size`.
    fn insert_many_in(&mut self, numbers: &[u64], batch_size: usize) -> u64 {
        self.version += 1;
        if numbers.len() < SMALL {
            return numbers.iter().map(|&n| u64::from(self.insert(n))).sum();
        }
        let mut batch = Vec::with_capacity(numbers.len().min(batch_size));
        let mut added = 0;
        for chunk in numbers.chunks(batch_size) {
            batch.clear();
            batch.extend_from_slice(chunk);
            added += self.merge_batch(&mut batch);
        }
        added
    }

    /// Removes every number of `numbers` (any order, duplicates allowed) and
    /// returns how many were on the list.
    pub fn remove_many(&mut self, numbers: &[u64]) -> u64 {
        self.remove_many_in(numbers, BATCH)
    }

    /// [`Blacklist::remove_many`] in batches of `batch_size`.
    fn remove_many_in(&mut self, numbers: &[u64], batch_size: usize) -> u64 {
        self.version += 1;
        if numbers.len() < SMALL {
            return numbers.iter().map(|&n| u64::from(self.remove(n))).sum();
        }
        self.merge_delta();
        let mut batch = Vec::with_capacity(numbers.len().min(batch_size));
        let mut removed = 0;
        for chunk in numbers.chunks(batch_size) {
            if self.lows.is_empty() {
                break;
            }
            batch.clear();
            batch.extend_from_slice(chunk);
            sort_dedup(&mut batch);
            removed += self.base_difference(&batch);
        }
        removed
    }

    /// Sorts and deduplicates `batch` and merges it into the set; returns
    /// how many numbers were new.
    fn merge_batch(&mut self, batch: &mut Vec<u64>) -> u64 {
        self.version += 1;
        self.merge_delta();
        sort_dedup(batch);
        self.base_union(batch, true)
    }

    /// Merges `run` (sorted, deduplicated) into the base arrays and returns
    /// how many numbers were new. With `filter`, drops the numbers of `run`
    /// already in the base first (a merge walk); without, `run` must have
    /// none.
    ///
    /// The directory (small) is rebuilt; `lows` grows by exactly the new
    /// numbers (a `realloc`, which for a large array remaps pages rather than
    /// copying) and is merged backwards, block by block from the end, so no
    /// low part is overwritten before it is read and the blocks below the
    /// lowest new number are not touched.
    fn base_union(&mut self, run: &mut Vec<u64>, filter: bool) -> u64 {
        if filter {
            self.retain_absent(run);
        }
        let added = run.len();
        if added == 0 {
            return 0;
        }
        let old_len = self.lows.len();
        let old_dir = std::mem::take(&mut self.dir);

        // The new directory: old keys and run keys, merged.
        let mut run_blocks = 0;
        let mut last = None;
        for &n in run.iter() {
            if last != Some(n >> 16) {
                run_blocks += 1;
                last = Some(n >> 16);
            }
        }
        let mut dir = Vec::with_capacity(old_dir.len() + run_blocks);
        let (mut j, mut r, mut start) = (0, 0, 0);
        while j < old_dir.len() || r < added {
            let old_key = old_dir.get(j).map(|b| b.key);
            let run_key = run.get(r).map(|n| n >> 16);
            let key = match (old_key, run_key) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => unreachable!("loop condition"),
            };
            let mut count = 0;
            if old_key == Some(key) {
                let end = old_dir.get(j + 1).map_or(old_len, |b| b.start);
                count += end - old_dir[j].start;
                j += 1;
            }
            while r < added && run[r] >> 16 == key {
                r += 1;
                count += 1;
            }
            dir.push(Block { key, start });
            start += count;
        }

        // Merge backwards into the grown array.
        self.lows.reserve_exact(added);
        self.lows.resize(old_len + added, 0);
        let lows = &mut self.lows;
        let mut r = added; // run[..r] is still to place
        let mut j = old_dir.len(); // old_dir[..j] is still to place
        for i in (0..dir.len()).rev() {
            if r == 0 {
                // Nothing was added below: the rest is where it was.
                break;
            }
            let key = dir[i].key;
            let dst_start = dir[i].start;
            let dst_end = dir.get(i + 1).map_or(old_len + added, |b| b.start);
            let (src_start, src_end) = if j > 0 && old_dir[j - 1].key == key {
                j -= 1;
                let end = old_dir.get(j + 1).map_or(old_len, |b| b.start);
                (old_dir[j].start, end)
            } else {
                (0, 0)
            };
            let mut rs = r;
            while rs > 0 && run[rs - 1] >> 16 == key {
                rs -= 1;
            }
            let (mut w, mut s, mut t) = (dst_end, src_end, r);
            while t > rs {
                let x = run[t - 1] as u16;
                w -= 1;
                if s > src_start && lows[s - 1] > x {
                    lows[w] = lows[s - 1];
                    s -= 1;
                } else {
                    lows[w] = x;
                    t -= 1;
                }
            }
            if s > src_start && w != s {
                lows.copy_within(src_start..s, dst_start);
            }
            debug_assert_eq!(dst_start + (s - src_start), w);
            r = rs;
        }
        self.dir = dir;
        self.rebuild_index();
        added as u64
    }

    /// Drops from `run` (sorted, deduplicated) the numbers in the base.
    fn retain_absent(&self, run: &mut Vec<u64>) {
        let Some(last_block) = self.dir.last() else {
            return;
        };
        let max = last_block.key << 16 | u64::from(self.lows[self.lows.len() - 1]);
        if run.first().is_none_or(|&n| n > max) {
            // Wholly above the set (every batch of a sorted file).
            return;
        }
        let (mut j, mut block, mut pos, mut end) = (0, usize::MAX, 0, 0);
        run.retain(|&n| {
            let key = n >> 16;
            while j < self.dir.len() && self.dir[j].key < key {
                j += 1;
            }
            if j == self.dir.len() || self.dir[j].key != key {
                return true;
            }
            if block != j {
                block = j;
                let range = self.block_range(j);
                (pos, end) = (range.start, range.end);
            }
            pos += gallop(&self.lows[pos..end], n as u16);
            !(pos < end && self.lows[pos] == n as u16)
        });
    }

    /// Removes the numbers of `run` (sorted, deduplicated; absent ones are
    /// skipped) from the base arrays and returns how many were there. One
    /// forward pass that compacts `lows` in place, from the block of the
    /// lowest number removed on.
    fn base_difference(&mut self, run: &[u64]) -> u64 {
        if run.is_empty() || self.lows.is_empty() {
            return 0;
        }
        let old_len = self.lows.len();
        let mut dir = Vec::with_capacity(self.dir.len());
        let (mut w, mut r, mut removed) = (0, 0, 0u64);
        for j in 0..self.dir.len() {
            let Block { key, start } = self.dir[j];
            while r < run.len() && run[r] >> 16 < key {
                r += 1;
            }
            if r == run.len() {
                // Nothing more to remove: move the rest down at once.
                if w != start {
                    self.lows.copy_within(start..old_len, w);
                }
                let shift = start - w;
                dir.extend(self.dir[j..].iter().map(|b| Block {
                    key: b.key,
                    start: b.start - shift,
                }));
                w += old_len - start;
                break;
            }
            let end = self.dir.get(j + 1).map_or(old_len, |b| b.start);
            let block_start = w;
            let (mut p, mut hint) = (start, start);
            while r < run.len() && run[r] >> 16 == key {
                let x = run[r] as u16;
                r += 1;
                let q = hint + gallop(&self.lows[hint..end], x);
                if q < end && self.lows[q] == x {
                    if w != p {
                        self.lows.copy_within(p..q, w);
                    }
                    w += q - p;
                    p = q + 1;
                    hint = p;
                    removed += 1;
                } else {
                    hint = q;
                }
            }
            if w != p {
                self.lows.copy_within(p..end, w);
            }
            w += end - p;
            if w > block_start {
                dir.push(Block {
                    key,
                    start: block_start,
                });
            }
        }
        self.lows.truncate(w);
        if self.lows.capacity() - w > w / 8 {
            self.lows.shrink_to_fit();
        }
        self.dir = dir;
        self.rebuild_index();
        removed
    }

    /// Gives back spare capacity: of the arrays (the merges size them
    /// exactly already, so there is usually little) and of the delta's hash
    /// sets.
    pub fn shrink_to_fit(&mut self) {
        self.dir.shrink_to_fit();
        self.lows.shrink_to_fit();
        self.index.shrink_to_fit();
        self.added.shrink_to_fit();
        self.removed.shrink_to_fit();
    }

    /// Numbers on the list.
    #[inline]
    pub fn len(&self) -> u64 {
        (self.lows.len() + self.added.len() - self.removed.len()) as u64
    }

    /// Whether the list is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The numbers, ascending. With a delta, this first copies and sorts the
    /// numbers added since the last merge.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let removed = &self.removed;
        let base = self
            .base_iter()
            .filter(move |n| removed.is_empty() || !removed.contains(n));
        let mut added: Vec<u64> = self.added.iter().copied().collect();
        added.sort_unstable();
        Union {
            a: base.peekable(),
            b: added.into_iter().peekable(),
        }
    }

    /// The numbers of the base arrays, ascending.
    fn base_iter(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.dir.len()).flat_map(move |i| {
            let key = self.dir[i].key << 16;
            self.lows[self.block_range(i)]
                .iter()
                .map(move |&low| key | u64::from(low))
        })
    }

    /// The heap memory held, in bytes: the capacities of the arrays (2 bytes
    /// a number, 16 a block, 4 a radix bucket) and the allocations of the
    /// delta's hash sets.
    pub fn heap_bytes(&self) -> usize {
        self.dir.capacity() * size_of::<Block>()
            + self.lows.capacity() * size_of::<u16>()
            + self.index.capacity() * size_of::<u32>()
            + self.added.allocation_size()
            + self.removed.allocation_size()
    }

    /// Reads a registry file, one number per line, and adds its numbers.
    ///
    /// Lines are parsed with [`phone::normalize_bytes`] under `rules` (so a
    /// US registry of 10-digit numbers needs `PhoneRules::with_country(1)`).
    /// Blank lines and lines whose first non-space character is `#` are
    /// skipped; `\r\n` line ends and a UTF-8 byte order mark are accepted.
    /// An invalid line is counted and listed in the report (the first
    /// [`MAX_REPORTED_INVALID`]) and never stops the load.
    ///
    /// The reader's buffer is scanned in place (no allocation per line; only
    /// a line split across two reads is copied), numbers are collected in
    /// batches of [`BATCH`], sorted, deduplicated and merged, so memory stays
    /// at the set plus one batch. Give it a large buffer
    /// (`BufReader::with_capacity(1 << 20, file)`).
    ///
    /// On an I/O error the numbers of the lines read before it are already
    /// added, and the error is returned.
    pub fn load_registry<R: BufRead>(
        &mut self,
        reader: R,
        rules: PhoneRules,
    ) -> io::Result<RegistryReport> {
        self.load_registry_in(reader, rules, BATCH)
    }

    /// [`Blacklist::load_registry`] in batches of `batch_size`.
    fn load_registry_in<R: BufRead>(
        &mut self,
        mut reader: R,
        rules: PhoneRules,
        batch_size: usize,
    ) -> io::Result<RegistryReport> {
        self.version += 1;
        let mut loader = Loader {
            rules,
            batch: Vec::new(),
            report: RegistryReport::default(),
            valid: 0,
        };
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let buf = match reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    loader.flush(self);
                    return Err(e);
                }
            };
            if buf.is_empty() {
                break;
            }
            let read = buf.len();
            let mut rest = buf;
            while let Some(end) = rest.iter().position(|&b| b == b'\n') {
                if carry.is_empty() {
                    loader.line(&rest[..end]);
                } else {
                    carry.extend_from_slice(&rest[..end]);
                    loader.line(&carry);
                    carry.clear();
                }
                rest = &rest[end + 1..];
                if loader.batch.len() >= batch_size {
                    loader.flush(self);
                }
            }
            carry.extend_from_slice(rest);
            reader.consume(read);
        }
        if !carry.is_empty() {
            loader.line(&carry);
        }
        loader.flush(self);
        let mut report = loader.report;
        report.already_present = loader.valid - report.added;
        Ok(report)
    }

    /// Writes the set in the snapshot format of the module doc, buffered
    /// internally.
    pub fn write_to<W: Write>(&self, w: W) -> io::Result<()> {
        let mut w = io::BufWriter::with_capacity(1 << 16, w);
        let blocks: Vec<(u64, u32)> = if self.has_delta() {
            let mut blocks: Vec<(u64, u32)> = Vec::new();
            for n in self.iter() {
                match blocks.last_mut() {
                    Some((key, count)) if *key == n >> 16 => *count += 1,
                    _ => blocks.push((n >> 16, 1)),
                }
            }
            blocks
        } else {
            (0..self.dir.len())
                .map(|i| (self.dir[i].key, self.block_range(i).len() as u32))
                .collect()
        };
        w.write_all(&MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&(blocks.len() as u64).to_le_bytes())?;
        w.write_all(&self.len().to_le_bytes())?;
        for &(key, count) in &blocks {
            w.write_all(&key.to_le_bytes())?;
            w.write_all(&count.to_le_bytes())?;
        }
        let mut buf = Vec::with_capacity(1 << 16);
        let mut put = |low: u16, w: &mut io::BufWriter<W>| -> io::Result<()> {
            buf.extend_from_slice(&low.to_le_bytes());
            if buf.len() >= 1 << 16 {
                w.write_all(&buf)?;
                buf.clear();
            }
            Ok(())
        };
        if self.has_delta() {
            for n in self.iter() {
                put(n as u16, &mut w)?;
            }
        } else {
            for &low in &self.lows {
                put(low, &mut w)?;
            }
        }
        w.write_all(&buf)?;
        w.flush()
    }

    /// Bytes [`Blacklist::write_to`] writes.
    #[cfg(test)]
    fn serialized_size(&self) -> usize {
        let mut blocks = 0;
        let mut last = None;
        for n in self.iter() {
            if last != Some(n >> 16) {
                blocks += 1;
                last = Some(n >> 16);
            }
        }
        24 + 12 * blocks + 2 * self.len() as usize
    }

    /// Reads a set written by [`Blacklist::write_to`]. It reads exactly the
    /// serialized bytes and no further, so the snapshot may be embedded in
    /// a larger stream; pass a buffered reader. Corrupt or truncated data is
    /// an `InvalidData` error.
    pub fn read_from<R: Read>(mut r: R) -> io::Result<Self> {
        let mut header = [0u8; 24];
        read_exact(&mut r, &mut header)?;
        if header[..4] != MAGIC {
            return Err(invalid("not a blacklist snapshot (bad magic)"));
        }
        let version = u32::from_le_bytes(le(&header[4..8]));
        if version != VERSION {
            return Err(invalid("unsupported blacklist snapshot version"));
        }
        let blocks = u64::from_le_bytes(le(&header[8..16]));
        let numbers = u64::from_le_bytes(le(&header[16..24]));
        if blocks > numbers || numbers > blocks.saturating_mul(1 << 16) {
            return Err(invalid("blacklist snapshot counts disagree"));
        }
        let blocks = usize::try_from(blocks).map_err(|_| invalid("too many blocks"))?;
        let numbers = usize::try_from(numbers).map_err(|_| invalid("too many numbers"))?;

        // The directory, in chunks, growing as it arrives.
        let mut dir: Vec<Block> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut chunk = vec![0u8; 12 * 4096];
        let mut total = 0usize;
        while dir.len() < blocks {
            let n = (blocks - dir.len()).min(4096);
            read_exact(&mut r, &mut chunk[..12 * n])?;
            for entry in chunk[..12 * n].chunks_exact(12) {
                let key = u64::from_le_bytes(le(&entry[..8]));
                let count = u32::from_le_bytes(le(&entry[8..]));
                if key > u64::MAX >> 16 || dir.last().is_some_and(|b| b.key >= key) {
                    return Err(invalid("blacklist snapshot blocks out of order"));
                }
                if count == 0 || count > 1 << 16 {
                    return Err(invalid("blacklist snapshot block count out of range"));
                }
                dir.push(Block { key, start: total });
                counts.push(count);
                total += count as usize;
            }
        }
        if total != numbers {
            return Err(invalid("blacklist snapshot counts disagree"));
        }

        // The low parts, checked block by block.
        let mut lows: Vec<u16> = Vec::new();
        let mut block = 0;
        let mut left_in_block = counts.first().map_or(0, |&c| c as usize);
        let mut prev: Option<u16> = None;
        let mut bytes = vec![0u8; 1 << 16];
        while lows.len() < numbers {
            let n = (numbers - lows.len()).min(bytes.len() / 2);
            if lows.capacity() == lows.len() {
                lows.reserve_exact((numbers - lows.len()).min(lows.len().max(1 << 16)));
            }
            read_exact(&mut r, &mut bytes[..2 * n])?;
            for pair in bytes[..2 * n].chunks_exact(2) {
                let low = u16::from_le_bytes([pair[0], pair[1]]);
                if left_in_block == 0 {
                    block += 1;
                    left_in_block = counts[block] as usize;
                    prev = None;
                }
                if prev.is_some_and(|p| p >= low) {
                    return Err(invalid("blacklist snapshot block not ascending"));
                }
                prev = Some(low);
                left_in_block -= 1;
                lows.push(low);
            }
        }
        let mut list = Blacklist {
            dir,
            lows,
            ..Blacklist::default()
        };
        list.rebuild_index();
        Ok(list)
    }
}

/// `read_exact`, with a short stream reported as corrupt data.
fn read_exact<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            invalid("blacklist snapshot truncated")
        } else {
            e
        }
    })
}

/// An `InvalidData` error.
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// A fixed-size array from a slice of exactly its length.
fn le<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut a = [0; N];
    a.copy_from_slice(bytes);
    a
}

/// Whether the ascending `block` holds `x`: interpolation steps, then a
/// binary search of what is left.
///
/// `[lo, hi)` is the range that may hold `x`; every value before `lo` is
/// below `lo_val` ≤ `x`, every value from `hi` on is at least `hi_val` > `x`.
/// The first guess assumes the block spans all 65 536 values, which costs no
/// read; later guesses use the values read.
#[inline]
fn search_block(block: &[u16], x: u16) -> bool {
    // A block holds at most 65 536 values below 2^16, so the guess's
    // product (< 2^16 × 2^16) and quotient fit `u32` arithmetic, whose
    // division is several times cheaper than `u64`'s.
    let (mut lo, mut hi) = (0, block.len());
    let (mut lo_val, mut hi_val) = (0u32, 1u32 << 16);
    for _ in 0..INTERPOLATION_STEPS {
        if hi - lo <= SHORT_RANGE {
            break;
        }
        let span = (hi - lo) as u32;
        let guess = lo + ((u32::from(x) - lo_val) * span / (hi_val - lo_val)) as usize;
        let v = block[guess];
        if v == x {
            return true;
        }
        if v < x {
            lo = guess + 1;
            lo_val = u32::from(v) + 1;
        } else {
            hi = guess;
            hi_val = u32::from(v);
        }
    }
    block[lo..hi].binary_search(&x).is_ok()
}

/// The first index of the ascending `s` whose value is at least `x`, by
/// exponential search from the start: O(log distance).
fn gallop(s: &[u16], x: u16) -> usize {
    if s.first().is_none_or(|&v| v >= x) {
        return 0;
    }
    let mut bound = 1;
    while bound < s.len() && s[bound] < x {
        bound *= 2;
    }
    let from = bound / 2 + 1;
    let to = (bound + 1).min(s.len());
    from + s[from..to].partition_point(|&v| v < x)
}

/// Two ascending, disjoint iterators merged.
struct Union<A: Iterator<Item = u64>, B: Iterator<Item = u64>> {
    a: Peekable<A>,
    b: Peekable<B>,
}

impl<A: Iterator<Item = u64>, B: Iterator<Item = u64>> Iterator for Union<A, B> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        match (self.a.peek(), self.b.peek()) {
            (Some(x), Some(y)) if x > y => self.b.next(),
            (Some(_), _) => self.a.next(),
            (None, _) => self.b.next(),
        }
    }
}

/// The registry loader's state between lines.
struct Loader {
    rules: PhoneRules,
    batch: Vec<u64>,
    report: RegistryReport,
    /// Valid numbers read (new or not).
    valid: u64,
}

impl Loader {
    /// Takes one line, without its `\n`.
    #[inline]
    fn line(&mut self, line: &[u8]) {
        self.report.lines += 1;
        let mut line = line;
        if self.report.lines == 1 {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        let line = line.trim_ascii_start();
        match line.first() {
            None | Some(b'#') => return,
            Some(_) => {}
        }
        match phone::normalize_bytes(line, self.rules) {
            Ok(number) => {
                self.valid += 1;
                self.batch.push(number);
            }
            Err(e) => {
                self.report.invalid += 1;
                if self.report.first_invalid.len() < MAX_REPORTED_INVALID {
                    self.report.first_invalid.push((self.report.lines, e));
                }
            }
        }
    }

    /// Merges the batch into `list`.
    fn flush(&mut self, list: &mut Blacklist) {
        self.report.added += list.merge_batch(&mut self.batch);
        self.batch.clear();
    }
}

/// Sorts `v` ascending and removes duplicates.
fn sort_dedup(v: &mut Vec<u64>) {
    v.sort_unstable();
    v.dedup();
}

#[cfg(test)]
// Phone numbers are grouped as country, area and subscriber digits.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::io::{BufReader, Cursor};

    const US: PhoneRules = PhoneRules::with_country(1);

    #[test]
    fn version_changes_with_every_change_and_never_with_a_lookup() {
        let mut list = Blacklist::new();
        let mut seen = vec![list.version()];
        let mut changed = |list: &Blacklist| {
            assert!(!seen.contains(&list.version()), "version reused");
            seen.push(list.version());
        };
        list.insert(12125550100);
        changed(&list);
        list.insert_many(&us_numbers(100, 1));
        changed(&list);
        let before = list.version();
        assert!(list.contains(12125550100));
        assert!(!list.contains(12125550101));
        list.shrink_to_fit();
        assert_eq!(list.version(), before, "a lookup or a shrink is no change");
        list.remove(12125550100);
        changed(&list);
        list.remove_many(&us_numbers(100, 1));
        changed(&list);
        let registry = "12125550102\n12125550103\n";
        list.load_registry(Cursor::new(registry), US).unwrap();
        changed(&list);
        assert!(list.contains(12125550102));
    }

    /// A splitmix64 stream of US-like numbers `1 AAA NNN NNNN`.
    fn us_numbers(count: usize, seed: u64) -> Vec<u64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                12_000_000_000 + z % 8_000_000_000
            })
            .collect()
    }

    fn reference(numbers: &[u64]) -> std::collections::BTreeSet<u64> {
        numbers.iter().copied().collect()
    }

    fn load(text: &[u8], rules: PhoneRules) -> (Blacklist, RegistryReport) {
        let mut list = Blacklist::new();
        let report = list.load_registry(text, rules).unwrap();
        (list, report)
    }

    #[test]
    fn insert_contains_remove() {
        let mut list = Blacklist::new();
        assert!(list.is_empty());
        assert!(!list.contains(4930_1234567));
        assert!(list.insert(4930_1234567));
        assert!(!list.insert(4930_1234567));
        assert!(list.insert(1_212_555_0123));
        assert!(list.insert(u64::MAX));
        assert!(list.insert(0));
        assert_eq!(list.len(), 4);
        assert!(list.contains(4930_1234567));
        assert!(list.contains(u64::MAX));
        assert!(!list.contains(4930_1234568));
        assert!(list.remove(4930_1234567));
        assert!(!list.remove(4930_1234567));
        assert!(!list.contains(4930_1234567));
        assert_eq!(list.len(), 3);
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [0, 1_212_555_0123, u64::MAX]
        );
        assert!(list.heap_bytes() > 0);
    }

    #[test]
    fn insert_many_counts_new_numbers() {
        let numbers = us_numbers(10_000, 1);
        let mut list = Blacklist::new();
        let want = reference(&numbers);
        assert_eq!(list.insert_many(&numbers), want.len() as u64);
        assert_eq!(list.len(), want.len() as u64);
        assert!(list.iter().eq(want.iter().copied()));
        // Again: nothing new.
        assert_eq!(list.insert_many(&numbers), 0);
        // Overlapping, with duplicates inside the input, below and above the
        // current range (the merge path, not the append path).
        let mut more = us_numbers(5_000, 2);
        more.extend_from_slice(&numbers[..1000]);
        more.extend_from_slice(&more.clone()[..100]);
        more.push(1);
        more.push(u64::MAX);
        let mut want = want;
        let fresh = more
            .iter()
            .filter(|n| !want.contains(n))
            .copied()
            .collect::<Vec<_>>();
        let fresh = reference(&fresh).len() as u64;
        want.extend(more.iter().copied());
        assert_eq!(list.insert_many(&more), fresh);
        assert_eq!(list.len(), want.len() as u64);
        assert!(list.iter().eq(want.iter().copied()));
    }

    #[test]
    fn insert_many_small_and_empty() {
        let mut list = Blacklist::new();
        assert_eq!(list.insert_many(&[]), 0);
        assert_eq!(list.insert_many(&[5, 3, 5, 4]), 3);
        assert_eq!(list.insert_many(&[4, 6]), 1);
        assert_eq!(list.iter().collect::<Vec<_>>(), [3, 4, 5, 6]);
        assert_eq!(list.remove_many(&[3, 3, 7]), 1);
        assert_eq!(list.remove_many(&[]), 0);
        assert_eq!(list.len(), 3);
    }

    #[test]
    fn insert_many_sorted_batches_append() {
        let mut list = Blacklist::new();
        let low: Vec<u64> = (1000..2000).collect();
        let high: Vec<u64> = (5000..6000).collect();
        assert_eq!(list.insert_many(&low), 1000);
        assert_eq!(list.insert_many(&high), 1000);
        assert_eq!(list.insert_many(&(1500..5500).collect::<Vec<_>>()), 3000);
        assert_eq!(list.len(), 5000);
        assert!(list.iter().eq(1000..6000));
    }

    #[test]
    fn remove_many_counts_removed_numbers() {
        let numbers = us_numbers(10_000, 3);
        let mut list = Blacklist::new();
        list.insert_many(&numbers);
        let mut want = reference(&numbers);
        let mut gone = numbers[..4000].to_vec();
        gone.extend(us_numbers(1000, 4)); // mostly absent
        gone.extend_from_slice(&numbers[..10]); // duplicates
        let present = reference(&gone).iter().filter(|n| want.contains(n)).count() as u64;
        for n in &gone {
            want.remove(n);
        }
        assert_eq!(list.remove_many(&gone), present);
        assert_eq!(list.len(), want.len() as u64);
        assert!(list.iter().eq(want.iter().copied()));
        assert_eq!(list.remove_many(&numbers), want.len() as u64);
        assert!(list.is_empty());
        assert_eq!(list.iter().count(), 0);
        assert_eq!(list.remove_many(&numbers), 0);
    }

    #[test]
    fn load_registry_counts_and_reports() {
        let text = b"\xEF\xBB\xBF# FTC registry extract\r\n\
            2015550100\r\n\
            \r\n\
            (201) 555-0101\r\n\
            555-CALL-NOW\r\n\
            \x20  # indented comment\n\
            1 201 555 0100\n\
            +1 201 555 0102\n\
            12\n\
            201#5550103\n\
            \t\n\
            2015550104";
        let (list, report) = load(text, US);
        assert_eq!(
            report,
            RegistryReport {
                lines: 12,
                added: 4,
                already_present: 1,
                invalid: 3,
                first_invalid: vec![
                    (5, PhoneError::Letters),
                    (9, PhoneError::TooShort),
                    (10, PhoneError::BadCharacter),
                ],
            }
        );
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [
                1_201_555_0100,
                1_201_555_0101,
                1_201_555_0102,
                1_201_555_0104
            ]
        );
        assert_eq!(list.len(), 4);
    }

    #[test]
    fn load_registry_edge_cases() {
        let (list, report) = load(b"", US);
        assert!(list.is_empty());
        assert_eq!(report, RegistryReport::default());

        let (_, report) = load(b"\n", US);
        assert_eq!(report.lines, 1);

        let (list, report) = load(b"2015550100\n2015550100\n", US);
        assert_eq!(
            (report.lines, report.added, report.already_present),
            (2, 1, 1)
        );
        assert_eq!(list.len(), 1);

        // Already on the list before the load.
        let mut list = Blacklist::new();
        list.insert(1_201_555_0100);
        let report = list
            .load_registry(&b"2015550100\r\n2015550101"[..], US)
            .unwrap();
        assert_eq!(
            (report.lines, report.added, report.already_present),
            (2, 1, 1)
        );

        // Without a default country, national numbers are invalid.
        let (list, report) = load(b"0301234567\n+49301234567\n", PhoneRules::default());
        assert_eq!(report.first_invalid, [(1, PhoneError::NoCountryCode)]);
        assert_eq!(list.iter().collect::<Vec<_>>(), [49_30_1234567]);

        // A lone `\r` line is blank.
        let (_, report) = load(b"\r\n\r\n", US);
        assert_eq!((report.lines, report.invalid), (2, 0));
    }

    #[test]
    fn load_registry_caps_the_invalid_list() {
        let mut text = Vec::new();
        for i in 0..250 {
            if i % 2 == 0 {
                text.extend_from_slice(b"bad\n");
            } else {
                text.extend_from_slice(format!("20155{:05}\n", i).as_bytes());
            }
        }
        let (list, report) = load(&text, US);
        assert_eq!(report.lines, 250);
        assert_eq!(report.invalid, 125);
        assert_eq!(report.added, 125);
        assert_eq!(list.len(), 125);
        assert_eq!(report.first_invalid.len(), MAX_REPORTED_INVALID);
        assert_eq!(report.first_invalid[0], (1, PhoneError::Letters));
        assert_eq!(report.first_invalid[99], (199, PhoneError::Letters));
    }

    #[test]
    fn load_registry_lines_split_across_reads() {
        // A tiny buffer forces lines across fill_buf boundaries.
        let numbers = us_numbers(3000, 5);
        let mut text = String::new();
        for (i, n) in numbers.iter().enumerate() {
            match i % 4 {
                0 => text.push_str(&format!("+{n}\n")),
                1 => text.push_str(&format!("{}\r\n", n - 10_000_000_000)),
                2 => text.push_str(&format!("# comment {i}\n\n")),
                _ => text.push_str(&format!(
                    "  ({}) {:07}\r\n",
                    n / 10_000_000 % 1000,
                    n % 10_000_000
                )),
            }
        }
        let want: Vec<u64> = numbers
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 != 2)
            .map(|(_, &n)| n)
            .collect();
        let want = reference(&want);
        for capacity in [1, 3, 7, 64, 1 << 16] {
            let mut list = Blacklist::new();
            let reader = BufReader::with_capacity(capacity, text.as_bytes());
            let report = list.load_registry(reader, US).unwrap();
            assert_eq!(report.invalid, 0, "capacity {capacity}");
            assert_eq!(report.lines, 3000 + 750);
            assert_eq!(report.added, want.len() as u64);
            assert!(list.iter().eq(want.iter().copied()));
        }
    }

    /// A reader that fails after `ok` bytes.
    struct Failing<'a> {
        data: &'a [u8],
        ok: usize,
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.ok == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.ok).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.ok -= n;
            Ok(n)
        }
    }

    #[test]
    fn load_registry_io_error_keeps_what_was_read() {
        let text = b"2015550100\n2015550101\n2015550102\n";
        let mut list = Blacklist::new();
        let reader = BufReader::with_capacity(4, Failing { data: text, ok: 24 });
        let err = list.load_registry(reader, US).unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            [1_201_555_0100, 1_201_555_0101]
        );
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn write_read_round_trip() {
        let mut list = Blacklist::new();
        list.insert_many(&us_numbers(20_000, 6));
        list.insert(49_30_1234567);
        list.insert(u64::MAX);
        let mut bytes = Vec::new();
        list.write_to(&mut bytes).unwrap();
        assert_eq!(bytes.len(), list.serialized_size());
        // Embedded in a larger stream: reads exactly its bytes.
        bytes.extend_from_slice(b"trailer");
        let mut cursor = Cursor::new(&bytes);
        let back = Blacklist::read_from(&mut cursor).unwrap();
        assert_eq!(back, list);
        assert_eq!(back.len(), list.len());
        assert_eq!(&bytes[cursor.position() as usize..], b"trailer");

        let mut empty = Vec::new();
        Blacklist::new().write_to(&mut empty).unwrap();
        assert!(Blacklist::read_from(&empty[..]).unwrap().is_empty());
    }

    #[test]
    fn read_from_rejects_garbage() {
        assert!(Blacklist::read_from(&b""[..]).is_err());
        assert!(Blacklist::read_from(&b"\x01\0\0\0\0\0\0\0\0\0\0\0garbage"[..]).is_err());
        let mut list = Blacklist::new();
        list.insert_many(&us_numbers(1000, 7));
        let mut bytes = Vec::new();
        list.write_to(&mut bytes).unwrap();
        bytes.truncate(bytes.len() / 2);
        assert!(Blacklist::read_from(&bytes[..]).is_err());
    }

    #[test]
    fn shrink_to_fit_keeps_the_numbers() {
        let mut list = Blacklist::new();
        for n in us_numbers(5000, 9) {
            list.insert(n);
        }
        list.insert_many(&[0, 1, u64::MAX, 49_30_1234567]);
        assert!(list.has_delta());
        let before = list.clone();
        list.shrink_to_fit();
        assert_eq!(list, before);
        assert_eq!(list.len(), before.len());
        assert!(list.iter().eq(before.iter()));
        let mut empty = Blacklist::new();
        empty.shrink_to_fit();
        assert!(empty.is_empty());
    }

    #[test]
    fn clone_and_eq() {
        let mut a = Blacklist::new();
        a.insert_many(&[1, 2, 3]);
        let mut b = a.clone();
        assert_eq!(a, b);
        b.remove(2);
        assert_ne!(a, b);
        assert!(format!("{a:?}").contains("Blacklist"));
    }

    #[test]
    fn many_batches_match_one_batch() {
        let mut numbers = us_numbers(20_000, 8);
        numbers.extend_from_slice(&numbers.clone()[5_000..9_000]);
        let want = reference(&numbers);
        for batch_size in [SMALL, 1000, 7777, 1 << 20] {
            let mut list = Blacklist::new();
            assert_eq!(list.insert_many_in(&numbers, batch_size), want.len() as u64);
            assert_eq!(list.len(), want.len() as u64);
            assert!(list.iter().eq(want.iter().copied()));
            assert_eq!(list.insert_many_in(&numbers, batch_size), 0);
            assert_eq!(
                list.remove_many_in(&numbers[..10_000], batch_size),
                reference(&numbers[..10_000]).len() as u64
            );
            let left = list.iter().count() as u64;
            assert_eq!(left, list.len());
            assert_eq!(list.remove_many_in(&numbers, batch_size), left);
            assert!(list.is_empty());

            let text: String = numbers.iter().map(|n| format!("{n}\n")).collect();
            let mut list = Blacklist::new();
            let report = list
                .load_registry_in(text.as_bytes(), US, batch_size)
                .unwrap();
            assert_eq!(report.lines, numbers.len() as u64);
            assert_eq!(report.added, want.len() as u64);
            assert_eq!(report.already_present, (numbers.len() - want.len()) as u64);
            assert!(list.iter().eq(want.iter().copied()));
            // A sorted file takes the append path batch after batch.
            let sorted: String = want.iter().map(|n| format!("+{n}\n")).collect();
            let mut list = Blacklist::new();
            let report = list
                .load_registry_in(sorted.as_bytes(), US, batch_size)
                .unwrap();
            assert_eq!(report.added, want.len() as u64);
            assert_eq!(list.len(), want.len() as u64);
            assert!(list.iter().eq(want.iter().copied()));
        }
    }

    /// Checks the internal invariants of `list`.
    fn check(list: &Blacklist) {
        for (i, block) in list.dir.iter().enumerate() {
            let range = list.block_range(i);
            assert!(range.start < range.end, "empty block {i}");
            assert!(list.lows[range].windows(2).all(|w| w[0] < w[1]));
            assert!(block.key <= u64::MAX >> 16);
            if i == 0 {
                assert_eq!(block.start, 0);
            } else {
                assert!(list.dir[i - 1].key < block.key);
            }
        }
        assert!(list.dir.is_empty() == list.lows.is_empty());
        for n in list.base_iter() {
            assert!(list.base_contains(n), "{n} not found in the base");
        }
        for &n in &list.added {
            assert!(!list.base_contains(n));
        }
        for &n in &list.removed {
            assert!(list.base_contains(n));
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64),
        Remove(u64),
        InsertMany(Vec<u64>),
        RemoveMany(Vec<u64>),
        Contains(u64),
        WriteRead,
        Shrink,
    }

    /// Numbers that collide: dense blocks, one US exchange, one number a
    /// block over many blocks, the extremes, anything.
    fn number() -> impl Strategy<Value = u64> {
        prop_oneof![
            0u64..200_000,
            (0u64..3000).prop_map(|x| 1_201_555_0000 + x * 23),
            (0u64..40).prop_map(|x| 44_20_7946_0000 + (x << 16)),
            Just(u64::MAX),
            Just(u64::MAX - 1),
            any::<u64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => number().prop_map(Op::Insert),
            3 => number().prop_map(Op::Remove),
            1 => vec(number(), 0..300).prop_map(Op::InsertMany),
            1 => vec(number(), 0..300).prop_map(Op::RemoveMany),
            3 => number().prop_map(Op::Contains),
            1 => Just(Op::WriteRead),
            1 => Just(Op::Shrink),
        ]
    }

    fn round_trip(list: &Blacklist) -> Blacklist {
        let mut bytes = Vec::new();
        list.write_to(&mut bytes).unwrap();
        assert_eq!(bytes.len(), list.serialized_size());
        let back = Blacklist::read_from(&bytes[..]).unwrap();
        check(&back);
        back
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn matches_a_btreeset(
            ops in vec(op(), 1..150),
            merge_min in 1usize..40,
            batch in prop_oneof![Just(SMALL), 64usize..200, Just(BATCH)],
        ) {
            let mut list = Blacklist::with_merge_min(merge_min);
            let mut model = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Insert(n) => prop_assert_eq!(list.insert(n), model.insert(n)),
                    Op::Remove(n) => prop_assert_eq!(list.remove(n), model.remove(&n)),
                    Op::InsertMany(v) => {
                        let want = v.iter().filter(|&&n| model.insert(n)).count() as u64;
                        prop_assert_eq!(list.insert_many_in(&v, batch), want);
                    }
                    Op::RemoveMany(v) => {
                        let want = v.iter().filter(|&&n| model.remove(&n)).count() as u64;
                        prop_assert_eq!(list.remove_many_in(&v, batch), want);
                    }
                    Op::Contains(n) => prop_assert_eq!(list.contains(n), model.contains(&n)),
                    Op::WriteRead => {
                        let back = round_trip(&list);
                        prop_assert!(back == list);
                        prop_assert!(back.iter().eq(model.iter().copied()));
                        list = back;
                        list.merge_min = merge_min;
                    }
                    Op::Shrink => list.shrink_to_fit(),
                }
                prop_assert_eq!(list.len(), model.len() as u64);
                prop_assert_eq!(list.is_empty(), model.is_empty());
            }
            check(&list);
            prop_assert!(list.iter().eq(model.iter().copied()));
            for &n in &model {
                prop_assert!(list.contains(n));
            }
            let before = list.clone();
            list.merge_delta();
            check(&list);
            prop_assert!(!list.has_delta());
            prop_assert!(list == before);
            prop_assert!(list.iter().eq(model.iter().copied()));
        }

        #[test]
        fn search_block_is_exact(
            values in vec(any::<u16>(), 0..3000),
            skew in 0u32..16,
            queries in vec(any::<u16>(), 0..64),
        ) {
            // Skewed towards 0 by `skew` bits: adversarial for interpolation.
            let mut block: Vec<u16> = values.iter().map(|v| v >> skew).collect();
            block.sort_unstable();
            block.dedup();
            for &x in block.iter().chain(&queries) {
                prop_assert_eq!(search_block(&block, x), block.binary_search(&x).is_ok());
                prop_assert_eq!(gallop(&block, x), block.partition_point(|&v| v < x));
            }
        }

        #[test]
        fn read_from_never_panics_on_corruption(
            numbers in vec(number(), 0..200),
            flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut list = Blacklist::new();
            list.insert_many(&numbers);
            let mut bytes = Vec::new();
            list.write_to(&mut bytes).unwrap();
            let mut corrupt = bytes.clone();
            for (at, x) in flips {
                let i = at.index(corrupt.len());
                corrupt[i] ^= x;
            }
            match Blacklist::read_from(&corrupt[..]) {
                Ok(back) => check(&back),
                Err(e) => prop_assert_eq!(e.kind(), io::ErrorKind::InvalidData),
            }
            let cut = cut.index(bytes.len());
            let err = Blacklist::read_from(&bytes[..cut]).unwrap_err();
            prop_assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        }
    }

    #[test]
    fn read_from_rejects_corrupt_snapshots() {
        let mut list = Blacklist::new();
        list.insert_many(&us_numbers(1000, 11));
        list.insert_many(&[5, 6, 70_000]);
        let mut good = Vec::new();
        list.write_to(&mut good).unwrap();
        assert_eq!(Blacklist::read_from(&good[..]).unwrap(), list);
        let blocks = u64::from_le_bytes(le(&good[8..16])) as usize;
        let lows_at = 24 + 12 * blocks;

        let corrupt = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = good.clone();
            f(&mut bytes);
            let err = Blacklist::read_from(&bytes[..]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
            err.to_string()
        };
        assert!(corrupt(&|b| b[0] = b'X').contains("magic"));
        assert!(corrupt(&|b| b[4] = 2).contains("version"));
        // Counts that claim far more than the stream holds: no huge
        // allocation, just a truncation error.
        corrupt(&|b| b[8..16].copy_from_slice(&(u64::MAX / 2).to_le_bytes()));
        corrupt(&|b| b[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes()));
        corrupt(&|b| {
            b[8..16].copy_from_slice(&(1u64 << 40).to_le_bytes());
            b[16..24].copy_from_slice(&(1u64 << 41).to_le_bytes());
        });
        // Numbers one more than the counts say.
        corrupt(&|b| {
            let n = u64::from_le_bytes(le(&b[16..24])) + 1;
            b[16..24].copy_from_slice(&n.to_le_bytes());
        });
        // Blocks out of order, a block key too big, a zero count.
        corrupt(&|b| b[24 + 12..24 + 20].copy_from_slice(&0u64.to_le_bytes()));
        corrupt(&|b| b[24..32].copy_from_slice(&u64::MAX.to_le_bytes()));
        corrupt(&|b| {
            b[32..36].copy_from_slice(&0u32.to_le_bytes());
        });
        // Two low parts swapped in the first block (which holds 5 and 6).
        corrupt(&|b| b.swap(lows_at, lows_at + 2));
        // Truncated anywhere.
        for cut in [0, 3, 23, 24, lows_at - 1, lows_at, good.len() - 1] {
            let err = Blacklist::read_from(&good[..cut]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        }
    }

    #[test]
    fn delta_merges_past_its_limit() {
        let numbers = us_numbers(5000, 12);
        let mut list = Blacklist::with_merge_min(100);
        let mut model = BTreeSet::new();
        for &n in &numbers {
            assert_eq!(list.insert(n), model.insert(n));
            assert!(list.added.len() <= 100.max(list.lows.len() / 32));
        }
        assert!(!list.lows.is_empty());
        for &n in &numbers[..3000] {
            assert_eq!(list.remove(n), model.remove(&n));
            assert!(list.removed.len() + list.added.len() <= 100.max(list.lows.len() / 32));
        }
        check(&list);
        assert_eq!(list.len(), model.len() as u64);
        assert!(list.iter().eq(model.iter().copied()));
        // A loaded set without changes has no delta.
        let mut loaded = Blacklist::new();
        loaded.insert_many(&numbers);
        assert!(!loaded.has_delta());
        // Merges size the array exactly.
        assert_eq!(loaded.lows.capacity(), loaded.lows.len());
        assert!(loaded.heap_bytes() >= 2 * loaded.len() as usize + 16 * loaded.dir.len());
    }

    #[test]
    fn countries_far_apart() {
        // Keys spread over the whole 48-bit key space: the radix table
        // degrades to a binary search and stays exact.
        let mut numbers: Vec<u64> = us_numbers(3000, 13);
        numbers.extend((0..500u64).map(|i| 44_20_7946_0000 + i * 97));
        numbers.extend((0..500u64).map(|i| 86_10_1234_5678 + i * 7919));
        numbers.extend([0, 1, 1_000_000, u64::MAX, u64::MAX - 65_536, 1 << 63]);
        let mut list = Blacklist::new();
        list.insert_many(&numbers);
        check(&list);
        let want = reference(&numbers);
        assert_eq!(list.len(), want.len() as u64);
        for &n in &want {
            assert!(list.contains(n));
            assert!(!list.contains(n ^ 1) || want.contains(&(n ^ 1)));
        }
        assert!(list.iter().eq(want.iter().copied()));
    }
}
