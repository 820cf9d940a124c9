//! The number → contacts index.
//!
//! Blacklisting a number must find every contact that has it, and the engine
//! must never have the same number in two calls at once, so the store keeps an
//! index from number to contact ids. It covers the ids `0..covered` whose
//! number is not 0 (invalid records have none), and has two parts:
//!
//! - **A bulk-built table** (`built`) of the ids covered at its build: the ids
//!   grouped by bucket (the top `k` bits of the number's hash, about 16 ids a
//!   bucket), `ids: Vec<u32>` with a one-byte fingerprint per id (the next 8
//!   hash bits) in `fps`, and `dir[b]..dir[b + 1]` the range of bucket `b`.
//!   5 bytes an id plus a quarter byte of directory, no empty slots. A lookup
//!   reads one directory entry, one run of ~16 fingerprints (a cache line)
//!   and the number column only where a fingerprint matches (1 in 256 for a
//!   stranger).
//! - **Recent ids** (`recent`): a `hashbrown::HashTable<u32>` of the ids
//!   added one at a time since the last build (single adds, fixed numbers,
//!   journal replay), 4 bytes a slot plus a control byte.
//!
//! **Built in bulk.** A load of millions of contacts (`extend`) does not
//! insert ids one by one — each insert is a cache and TLB miss at a random
//! place in a table of hundreds of MB, and at 100M contacts those misses
//! made the load 35× slower than at 10M. It rebuilds the table over all
//! covered ids instead: one sequential pass counts the ids per top-10-bit
//! partition, a second writes `(hash bits, id)` pairs partition by partition
//! (1024 write streams, which the caches hold), and each partition (a few
//! hundred KB) is then spread into its buckets in cache. Every pass is
//! sequential or cache-local, so the cost per contact stays flat from 1M to
//! 100M. A single add goes to `recent`; once `recent` holds more than half
//! as many ids as the table (and at least 64k), the next add rebuilds, so a
//! single add costs O(1) amortized.
//!
//! Duplicates are simply several ids with equal numbers. The hash is a fixed
//! bit mixer (splitmix64's finalizer), not a seeded one: numbers come from
//! the campaign owner's own lists, and a fixed hash keeps the engine
//! deterministic.

use hashbrown::HashTable;

use super::store::NumberColumn;

/// Index from phone number to the ids of the contacts that have it.
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberIndex {
    built: Built,
    recent: HashTable<u32>,
    /// Ids `0..covered` are indexed (those with a number).
    covered: u32,
}

/// The bulk-built part: ids grouped by hash bucket.
#[derive(Debug, Clone, Default)]
struct Built {
    /// Bucket bits `k` (0..=24): bucket = top `k` bits of the hash.
    bits: u32,
    /// `dir[b]..dir[b + 1]` is bucket `b`'s range in `ids` and `fps`;
    /// empty when nothing was built.
    dir: Vec<u32>,
    /// The ids, bucket by bucket (ascending within a bucket).
    ids: Vec<u32>,
    /// Each id's fingerprint: the 8 hash bits below the bucket bits.
    fps: Vec<u8>,
}

/// Largest bucket bits: 16M buckets, and bucket plus fingerprint fit in
/// the hash's top 32 bits.
const MAX_BITS: u32 = 24;
/// Partition bits of the build's first pass (1024 write streams).
const PART_BITS: u32 = 10;
/// `recent` is folded into the table once it holds this many ids and more
/// than half as many as the table.
const MIN_REBUILD: usize = 1 << 16;

#[inline]
fn hash_number(number: u64) -> u64 {
    let mut z = number.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash's top 32 bits: bucket bits first, then the fingerprint.
#[inline]
fn key_of(number: u64) -> u32 {
    (hash_number(number) >> 32) as u32
}

/// The bucket of a key in a table of `2^bits` buckets.
#[inline]
fn bucket(bits: u32, key: u32) -> usize {
    key.checked_shr(32 - bits).unwrap_or(0) as usize
}

/// The fingerprint of a key: the 8 bits below its bucket bits.
#[inline]
fn fingerprint(bits: u32, key: u32) -> u8 {
    (key >> (24 - bits)) as u8
}

impl Built {
    /// The ids of bucket `key`'s bucket whose fingerprint matches.
    #[inline]
    fn candidates(&self, key: u32) -> impl Iterator<Item = u32> + '_ {
        let (range, fp) = if self.dir.is_empty() {
            (0..0, 0)
        } else {
            let b = bucket(self.bits, key);
            (
                self.dir[b] as usize..self.dir[b + 1] as usize,
                fingerprint(self.bits, key),
            )
        };
        let fps = &self.fps[range.clone()];
        let ids = &self.ids[range];
        fps.iter()
            .zip(ids)
            .filter(move |&(&f, _)| f == fp)
            .map(|(_, &id)| id)
    }

    /// Builds the table over the ids `0..len` that have a number. With
    /// `dups_from`, also counts the duplicates among the ids from it on, as
    /// [`NumberIndex::extend`] reports them.
    fn build(numbers: &NumberColumn, len: usize, dups_from: Option<u32>) -> (Built, (u64, u64)) {
        let digits = || (0..len).map(|i| numbers.digits(i));
        let n = digits().filter(|&x| x != 0).count();
        // About 16 ids a bucket.
        let bits = (usize::BITS - (n / 16).leading_zeros()).min(MAX_BITS);
        let part_bits = PART_BITS.min(bits);
        let sub_bits = bits - part_bits;
        let part_of = |key: u32| key.checked_shr(32 - part_bits).unwrap_or(0) as usize;
        // Pass 1: ids per partition.
        let mut part_start = vec![0u32; (1 << part_bits) + 1];
        for number in digits() {
            if number != 0 {
                part_start[part_of(key_of(number)) + 1] += 1;
            }
        }
        for p in 1..part_start.len() {
            part_start[p] += part_start[p - 1];
        }
        // Pass 2: (key, id) pairs, partition by partition, in id order.
        let mut pairs = vec![0u64; n];
        let mut fill = part_start.clone();
        for (id, number) in digits().enumerate() {
            if number != 0 {
                let key = key_of(number);
                let slot = &mut fill[part_of(key)];
                pairs[*slot as usize] = u64::from(key) << 32 | id as u64;
                *slot += 1;
            }
        }
        drop(fill);
        // Pass 3: each partition into its buckets (a counting sort in cache).
        let mut built = Built {
            bits,
            dir: vec![0; (1 << bits) + 1],
            ids: vec![0; n],
            fps: vec![0; n],
        };
        let subs = 1usize << sub_bits;
        let mut counts = vec![0u32; subs + 1];
        let mut dups = (0, 0);
        let mut scratch = Vec::new();
        for p in 0..(1usize << part_bits) {
            let (lo, hi) = (part_start[p] as usize, part_start[p + 1] as usize);
            let part = &pairs[lo..hi];
            counts.iter_mut().for_each(|c| *c = 0);
            let sub_of = |pair: u64| bucket(bits, (pair >> 32) as u32) & (subs - 1);
            for &pair in part {
                counts[sub_of(pair) + 1] += 1;
            }
            for s in 1..=subs {
                counts[s] += counts[s - 1];
            }
            let dir = &mut built.dir[p << sub_bits..(p + 1) << sub_bits];
            for (entry, &start) in dir.iter_mut().zip(&counts) {
                *entry = lo as u32 + start;
            }
            for &pair in part {
                let s = sub_of(pair);
                let at = lo + counts[s] as usize;
                counts[s] += 1;
                built.ids[at] = pair as u32;
                built.fps[at] = fingerprint(bits, (pair >> 32) as u32);
            }
            if let Some(from) = dups_from {
                for s in 0..subs {
                    let b = (p << sub_bits) + s;
                    let end = if s + 1 < subs {
                        built.dir[b + 1]
                    } else {
                        hi as u32
                    };
                    let range = built.dir[b] as usize..end as usize;
                    count_bucket_dups(&built, range, numbers, from, &mut scratch, &mut dups);
                }
            }
        }
        built.dir[1 << bits] = n as u32;
        (built, dups)
    }

    /// Bytes held.
    fn heap_bytes(&self) -> usize {
        self.dir.capacity() * 4 + self.ids.capacity() * 4 + self.fps.capacity()
    }
}

/// Counts the duplicates in one bucket: an id from `from` on whose number a
/// lower id has is `in_file` when one of those lower ids is from `from` on,
/// `existing` otherwise. The bucket's ids are ascending; numbers are read
/// only where fingerprints match.
fn count_bucket_dups(
    built: &Built,
    range: std::ops::Range<usize>,
    numbers: &NumberColumn,
    from: u32,
    scratch: &mut Vec<(u8, u32)>,
    dups: &mut (u64, u64),
) {
    if range.len() < 2 {
        return;
    }
    let fps = &built.fps[range.clone()];
    let ids = &built.ids[range];
    if fps.len() <= 64 {
        // Pairwise within the bucket (~16 ids): each id against the lower
        // ones with its fingerprint.
        for i in 1..fps.len() {
            if ids[i] < from {
                continue;
            }
            // The number is read only at a fingerprint match (rare): a
            // read per id would be a cache miss per id.
            let mut number = None;
            let (mut any, mut new) = (false, false);
            for j in 0..i {
                if fps[j] == fps[i]
                    && numbers.digits(ids[j] as usize)
                        == *number.get_or_insert_with(|| numbers.digits(ids[i] as usize))
                {
                    any = true;
                    if ids[j] >= from {
                        new = true;
                        break;
                    }
                }
            }
            if new {
                dups.1 += 1;
            } else if any {
                dups.0 += 1;
            }
        }
        return;
    }
    // A big bucket (a number repeated many times): group by fingerprint,
    // then by number.
    scratch.clear();
    scratch.extend(fps.iter().copied().zip(ids.iter().copied()));
    scratch.sort_unstable();
    let mut i = 0;
    while i < scratch.len() {
        let mut j = i + 1;
        while j < scratch.len() && scratch[j].0 == scratch[i].0 {
            j += 1;
        }
        if j - i > 1 {
            let mut group: Vec<(u64, u32)> = scratch[i..j]
                .iter()
                .map(|&(_, id)| (numbers.digits(id as usize), id))
                .collect();
            group.sort_unstable();
            let mut k = 0;
            while k < group.len() {
                let mut seen_new = group[k].1 >= from;
                let mut m = k + 1;
                while m < group.len() && group[m].0 == group[k].0 {
                    if group[m].1 >= from {
                        if seen_new {
                            dups.1 += 1;
                        } else {
                            dups.0 += 1;
                        }
                        seen_new = true;
                    }
                    m += 1;
                }
                k = m;
            }
        }
        i = j;
    }
}

impl NumberIndex {
    /// Indexes contact `id`, the next one (`id == covered`), whose number
    /// is `numbers.digits(id)` (nothing to index when it is 0).
    #[inline]
    pub(crate) fn push(&mut self, id: u32, numbers: &NumberColumn) {
        debug_assert_eq!(id, self.covered, "ids are indexed in order");
        self.covered = id + 1;
        if numbers.digits(id as usize) != 0 {
            self.insert_recent(id, numbers);
        }
    }

    /// Indexes an already covered contact that was given a number (an
    /// invalid record fixed).
    pub(crate) fn insert_fixed(&mut self, id: u32, numbers: &NumberColumn) {
        debug_assert!(id < self.covered);
        self.insert_recent(id, numbers);
    }

    fn insert_recent(&mut self, id: u32, numbers: &NumberColumn) {
        let number = numbers.digits(id as usize);
        self.recent
            .insert_unique(hash_number(number), id, |&other| {
                hash_number(numbers.digits(other as usize))
            });
        if self.recent.len() >= MIN_REBUILD && self.recent.len() > self.built.ids.len() / 2 {
            self.rebuild(numbers, None);
        }
    }

    /// Indexes the contacts `covered..numbers.len()` and returns the
    /// duplicates among those from `dups_from` on (with `Some`): a number
    /// some contact before `dups_from` already had (`existing`), and one
    /// only contacts from `dups_from` on had before (`in_file`). A large
    /// addition rebuilds the table in bulk (see the module docs).
    pub(crate) fn extend(&mut self, numbers: &NumberColumn, dups_from: Option<u32>) -> (u64, u64) {
        let from = self.covered as usize;
        let added = numbers.len().saturating_sub(from);
        let total = self.built.ids.len() + self.recent.len() + added;
        if added >= MIN_REBUILD && added * 8 >= total {
            self.covered = numbers.len() as u32;
            return self.rebuild(numbers, dups_from);
        }
        let first = dups_from.unwrap_or(u32::MAX);
        let (mut existing, mut in_file) = (0, 0);
        for id in from..numbers.len() {
            let number = numbers.digits(id);
            if number != 0 && dups_from.is_some() {
                let mut others = self.find(number, numbers).peekable();
                if others.peek().is_some() {
                    if others.any(|other| other >= first) {
                        in_file += 1;
                    } else {
                        existing += 1;
                    }
                }
            }
            self.push(id as u32, numbers);
        }
        (existing, in_file)
    }

    /// Rebuilds the table over every covered id; `recent` empties.
    fn rebuild(&mut self, numbers: &NumberColumn, dups_from: Option<u32>) -> (u64, u64) {
        // Free the old parts first: the build's scratch takes their place.
        self.built = Built::default();
        self.recent = HashTable::new();
        let (built, dups) = Built::build(numbers, self.covered as usize, dups_from);
        self.built = built;
        dups
    }

    /// The ids whose number is `number`, in no particular order.
    #[inline]
    pub(crate) fn find<'a>(
        &'a self,
        number: u64,
        numbers: &'a NumberColumn,
    ) -> impl Iterator<Item = u32> + 'a {
        let hash = hash_number(number);
        self.built
            .candidates((hash >> 32) as u32)
            .chain(self.recent.iter_hash(hash).copied())
            .filter(move |&id| numbers.digits(id as usize) == number)
    }

    /// True if some id has `number`.
    #[inline]
    pub(crate) fn contains(&self, number: u64, numbers: &NumberColumn) -> bool {
        self.find(number, numbers).next().is_some()
    }

    /// Number of ids held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.built.ids.len() + self.recent.len()
    }

    /// Bytes held by the table and the recent ids (slots and control bytes).
    pub(crate) fn heap_bytes(&self) -> usize {
        let buckets = if self.recent.capacity() == 0 {
            0
        } else {
            (self.recent.capacity() * 8 / 7).next_power_of_two()
        };
        self.built.heap_bytes() + buckets * (std::mem::size_of::<u32>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The column of `numbers`, every word's header bits set to a
    /// different non-zero pattern: the index must read the digits only.
    fn column(numbers: &[u64]) -> NumberColumn {
        let mut c = NumberColumn::from_digits(numbers.to_vec()).unwrap();
        for i in 0..numbers.len() {
            c.set_header(i, (i as u16).wrapping_mul(40503) % 0x3FFF + 1);
        }
        c
    }

    fn sorted(it: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut v: Vec<u32> = it.collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_contact_with_a_number() {
        let numbers = column(&[100, 200, 100, 300, 100]);
        let mut index = NumberIndex::default();
        for id in 0..numbers.len() as u32 {
            index.push(id, &numbers);
        }
        assert_eq!(sorted(index.find(100, &numbers)), vec![0, 2, 4]);
        assert!(index.contains(300, &numbers));
        assert!(!index.contains(400, &numbers));
        assert_eq!(index.len(), 5);
        assert!(index.heap_bytes() >= 4 * 5);
    }

    #[test]
    fn a_bulk_build_holds_about_five_bytes_an_id() {
        let digits: Vec<u64> = (0..1_000_000u64).map(|i| 4930_0000000 + i * 7).collect();
        let numbers = column(&digits);
        let mut index = NumberIndex::default();
        assert_eq!(index.extend(&numbers, Some(0)), (0, 0));
        assert_eq!(index.recent.len(), 0, "built in bulk");
        let per_id = index.heap_bytes() as f64 / numbers.len() as f64;
        assert!(per_id < 5.5, "{per_id} bytes an id");
        for (id, &n) in digits.iter().enumerate().step_by(9973) {
            assert_eq!(sorted(index.find(n, &numbers)), vec![id as u32]);
            assert!(!index.contains(n + 1, &numbers));
        }
    }

    #[test]
    fn duplicates_in_a_big_bucket_are_counted_like_small_ones() {
        // 1000 copies of one number: one bucket far past the pairwise size.
        let mut numbers = vec![4930_1234567u64; 400];
        numbers.extend((0..600).map(|i| {
            if i % 2 == 0 {
                4930_1234567
            } else {
                4930_2000000 + i
            }
        }));
        let numbers = column(&numbers);
        let mut index = NumberIndex {
            covered: numbers.len() as u32,
            ..NumberIndex::default()
        };
        // Ids 0..400 existed; of the 300 copies from 400 on the first is an
        // "existing" duplicate, the other 299 "in file".
        assert_eq!(index.rebuild(&numbers, Some(400)), (1, 299));
        assert_eq!(index.find(4930_1234567, &numbers).count(), 700);
    }

    proptest! {
        /// Whatever mix of bulk extends, single pushes and fixes, `find`
        /// returns exactly the covered ids with the number, and `extend`
        /// counts duplicates exactly as a one-by-one model does.
        #[test]
        fn matches_a_scan(
            steps in proptest::collection::vec(
                (0u8..3, proptest::collection::vec(0u64..40, 0..300)), 1..8),
        ) {
            let mut numbers: Vec<u64> = Vec::new();
            let mut index = NumberIndex::default();
            for (kind, batch) in steps {
                match kind {
                    0 => {
                        let from = numbers.len();
                        // Duplicate counts of the model: per id, in order.
                        let mut want = (0u64, 0u64);
                        for (i, &n) in batch.iter().enumerate() {
                            if n == 0 {
                                continue;
                            }
                            let earlier = numbers.iter().chain(&batch[..i]).enumerate()
                                .filter(|&(_, &m)| m == n).map(|(j, _)| j).collect::<Vec<_>>();
                            if earlier.iter().any(|&j| j >= from) {
                                want.1 += 1;
                            } else if !earlier.is_empty() {
                                want.0 += 1;
                            }
                        }
                        numbers.extend(&batch);
                        let col = column(&numbers);
                        let got = if batch.len() % 2 == 0 {
                            index.extend(&col, Some(from as u32))
                        } else {
                            // Through a forced rebuild.
                            index.covered = numbers.len() as u32;
                            index.rebuild(&col, Some(from as u32))
                        };
                        prop_assert_eq!(got, want);
                    }
                    1 => {
                        for &n in &batch {
                            numbers.push(n);
                            index.push(numbers.len() as u32 - 1, &column(&numbers));
                        }
                    }
                    _ => {
                        // Fix invalid records (number 0) to a number.
                        for (k, &n) in batch.iter().enumerate() {
                            if let Some(id) = numbers.iter().position(|&m| m == 0) {
                                numbers[id] = 100 + n + k as u64;
                                index.insert_fixed(id as u32, &column(&numbers));
                            }
                        }
                    }
                }
                let col = column(&numbers);
                for probe in 0..160u64 {
                    let want: Vec<u32> = (0..numbers.len() as u32)
                        .filter(|&id| probe != 0 && numbers[id as usize] == probe)
                        .collect();
                    prop_assert_eq!(sorted(index.find(probe, &col)), want.clone());
                    prop_assert_eq!(index.contains(probe, &col), !want.is_empty());
                }
            }
        }
    }
}
