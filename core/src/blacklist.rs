//! The do-not-call number set.
//!
//! A campaign must never dial a number on a national do-not-call registry,
//! and those are big: the US registry lists over 250 million numbers. The
//! [`Blacklist`] holds E.164 numbers (the `u64` of [`crate::phone`]) in a
//! [`roaring::RoaringTreemap`]: the high 32 bits of a number pick a 32-bit
//! roaring bitmap, which splits the low 32 bits again into 65 536-value
//! containers kept as sorted `u16` arrays (2 bytes a number), bitsets (8 KiB
//! a container, once it holds more than 4096 numbers) or runs. Real numbers
//! cluster by country and area code, so the set costs about 2 bytes a number
//! plus a small per-container overhead, against 16+ bytes in a
//! `HashSet<u64>` (8 bytes a slot, load factor at most 7/8, capacity rounded
//! up to a power of two). A lookup is a search in a tiny `BTreeMap`, a binary
//! search over container keys and one over (at most 4096) `u16`s; the bench
//! `benches/benches/blacklist.rs` measures it against a hashbrown set. On
//! the dev VM, at 250M US numbers: 2.0 bytes a number against 19.6, but
//! ~0.7 µs a lookup in bulk and ~1.4 µs one at a time against 0.06 and
//! 0.6 µs: the binary search in a 4 KB array touches about six cache lines.
//! At 10M: 2.5 bytes a number, ~0.2 µs a lookup in bulk.
//!
//! Bulk changes go through sorted runs, not one insert at a time:
//! [`Blacklist::insert_many`], [`Blacklist::remove_many`] and
//! [`Blacklist::load_registry`] sort and deduplicate batches of up to
//! [`BATCH`] numbers (128 MB), build a treemap from the sorted run
//! (`from_sorted_iter`, which only appends) and merge it with a container-wise
//! union (or difference). A batch that lies wholly above the set's maximum, as
//! it does when a registry file is sorted, is appended without a merge. So a
//! 250M-line registry never needs more than the set plus one batch in memory.
//!
//! The length is cached (a roaring treemap recounts its containers on every
//! `len()`), so [`Blacklist::len`] and [`Blacklist::is_empty`] are O(1).

use std::io::{self, BufRead, Read, Write};

use roaring::RoaringTreemap;

use crate::phone::{self, PhoneError, PhoneRules};

/// Numbers sorted and merged at a time by the bulk operations and the
/// registry loader: 16M numbers, 128 MB.
pub const BATCH: usize = 1 << 24;

/// Below this many numbers the bulk operations insert or remove one by one.
const SMALL: usize = 64;

/// Most invalid lines listed in a [`RegistryReport`].
pub const MAX_REPORTED_INVALID: usize = 100;

/// The do-not-call set of E.164 numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blacklist {
    set: RoaringTreemap,
    /// `set.len()`, cached.
    len: u64,
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

impl Blacklist {
    /// An empty blacklist.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `number` (E.164 digits) is blacklisted.
    #[inline]
    pub fn contains(&self, number: u64) -> bool {
        self.set.contains(number)
    }

    /// Adds `number`; `true` if it was not on the list.
    pub fn insert(&mut self, number: u64) -> bool {
        let added = self.set.insert(number);
        self.len += u64::from(added);
        added
    }

    /// Removes `number`; `true` if it was on the list.
    pub fn remove(&mut self, number: u64) -> bool {
        let removed = self.set.remove(number);
        self.len -= u64::from(removed);
        removed
    }

    /// Adds every number of `numbers` (any order, duplicates allowed) and
    /// returns how many were not on the list. Works in sorted batches of at
    /// most [`BATCH`] numbers (a copy of one batch is the only extra memory).
    pub fn insert_many(&mut self, numbers: &[u64]) -> u64 {
        self.insert_many_in(numbers, BATCH)
    }

    /// [`Blacklist::insert_many`] in batches of `batch_size`.
    fn insert_many_in(&mut self, numbers: &[u64], batch_size: usize) -> u64 {
        if numbers.len() < SMALL {
            return numbers.iter().map(|&n| u64::from(self.insert(n))).sum();
        }
        let mut batch = Vec::with_capacity(numbers.len().min(batch_size));
        let mut added = 0;
        let mut appended = 0;
        for chunk in numbers.chunks(batch_size) {
            batch.clear();
            batch.extend_from_slice(chunk);
            let merged = self.merge_batch(&mut batch);
            added += merged.added;
            appended += merged.appended;
        }
        drop(batch);
        self.shrink_after_append(appended);
        added
    }

    /// Removes every number of `numbers` (any order, duplicates allowed) and
    /// returns how many were on the list.
    pub fn remove_many(&mut self, numbers: &[u64]) -> u64 {
        self.remove_many_in(numbers, BATCH)
    }

    /// [`Blacklist::remove_many`] in batches of `batch_size`.
    fn remove_many_in(&mut self, numbers: &[u64], batch_size: usize) -> u64 {
        if numbers.len() < SMALL {
            return numbers.iter().map(|&n| u64::from(self.remove(n))).sum();
        }
        let mut batch = Vec::with_capacity(numbers.len().min(batch_size));
        let mut removed = 0;
        for chunk in numbers.chunks(batch_size) {
            if self.len == 0 {
                break;
            }
            batch.clear();
            batch.extend_from_slice(chunk);
            sort_dedup(&mut batch);
            let run = sorted_treemap(&batch);
            self.set -= &run;
            let len = self.set.len();
            removed += self.len - len;
            self.len = len;
        }
        removed
    }

    /// Sorts and deduplicates `batch` and merges it into the set.
    fn merge_batch(&mut self, batch: &mut Vec<u64>) -> Merged {
        sort_dedup(batch);
        let Some(&lowest) = batch.first() else {
            return Merged::default();
        };
        if self.set.max().is_none_or(|max| max < lowest) {
            // Wholly above the set (always so for the first batch, and for
            // every batch of a sorted file): append, no merge.
            if self.set.append(batch.iter().copied()).is_ok() {
                self.len += batch.len() as u64;
                return Merged {
                    added: batch.len() as u64,
                    appended: batch.len() as u64,
                };
            }
            // Unreachable (the batch is sorted and above the maximum); fall
            // back to the general merge with whatever was appended.
            self.len = self.set.len();
        }
        let before = self.len;
        self.set |= sorted_treemap(batch);
        self.len = self.set.len();
        Merged {
            added: self.len - before,
            appended: 0,
        }
    }

    /// Shrinks the set when `appended` numbers (pushed at the end, into
    /// arrays that grew by doubling) are a good part of it; a union rebuilds
    /// the arrays it touches with exact capacity, so after a load in random
    /// order only the first batch was appended and it is not worth it.
    fn shrink_after_append(&mut self, appended: u64) {
        if appended >= SMALL as u64 && appended.saturating_mul(4) >= self.len {
            self.shrink_to_fit();
        }
    }

    /// Gives back the spare capacity of the set's arrays.
    ///
    /// Arrays grown one number at a time (by [`Blacklist::insert`], or by
    /// the append path of the bulk operations, which calls this itself)
    /// double their capacity as they grow and hold up to twice what they
    /// need; this rebuilds the set with exact capacities (a clone), so for
    /// a moment it holds the old set and the new one. (Copying block by block
    /// and freeing as it goes would need to drop one 2^32 block of a
    /// treemap, which roaring 0.12 only offers as a `remove_range` that is
    /// quadratic in the block's containers.)
    pub fn shrink_to_fit(&mut self) {
        self.set = self.set.clone();
    }

    /// Numbers on the list.
    #[inline]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the list is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The numbers, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.set.iter()
    }

    /// An estimate of the heap memory held, in bytes: the size of the roaring
    /// serialization (2 bytes a number in array containers, 8 KiB a bitset
    /// container, plus 4–8 bytes a container of header). The live structure
    /// also holds a 32-byte container descriptor and one heap block per
    /// container, and any spare capacity of its arrays (see
    /// [`Blacklist::shrink_to_fit`]), so the true figure is higher: the bench
    /// counts allocations and finds +1% at 250M US numbers (~2000 a
    /// container: 2.02 bytes a number) and +18% at 10M (~80 a container:
    /// 2.48 bytes a number).
    pub fn heap_bytes(&self) -> usize {
        self.set.serialized_size()
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
        let mut loader = Loader {
            rules,
            batch: Vec::new(),
            report: RegistryReport::default(),
            valid: 0,
            appended: 0,
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
        loader.batch = Vec::new();
        self.shrink_after_append(loader.appended);
        let mut report = loader.report;
        report.already_present = loader.valid - report.added;
        Ok(report)
    }

    /// Writes the set in the portable 64-bit roaring format (as CRoaring's
    /// `roaring64_bitmap_portable_serialize`), buffered internally.
    pub fn write_to<W: Write>(&self, w: W) -> io::Result<()> {
        let mut w = io::BufWriter::with_capacity(1 << 16, w);
        self.set.serialize_into(&mut w)?;
        w.flush()
    }

    /// Reads a set written by [`Blacklist::write_to`]. It reads exactly the
    /// serialized bytes and no further, so the snapshot may be embedded in
    /// a larger stream; pass a buffered reader. Corrupt data is an
    /// `InvalidData` error.
    pub fn read_from<R: Read>(r: R) -> io::Result<Self> {
        let set = RoaringTreemap::deserialize_from(r)?;
        let len = set.len();
        Ok(Blacklist { set, len })
    }
}

/// The registry loader's state between lines.
struct Loader {
    rules: PhoneRules,
    batch: Vec<u64>,
    report: RegistryReport,
    /// Valid numbers read (new or not).
    valid: u64,
    /// Numbers merged by the append path.
    appended: u64,
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
        let merged = list.merge_batch(&mut self.batch);
        self.report.added += merged.added;
        self.appended += merged.appended;
        self.batch.clear();
    }
}

/// What merging one batch did.
#[derive(Debug, Default, Clone, Copy)]
struct Merged {
    /// Numbers that were new.
    added: u64,
    /// Numbers it appended (into arrays with spare capacity).
    appended: u64,
}

/// Sorts `v` ascending and removes duplicates.
fn sort_dedup(v: &mut Vec<u64>) {
    v.sort_unstable();
    v.dedup();
}

/// A treemap of a sorted, deduplicated run.
fn sorted_treemap(sorted: &[u64]) -> RoaringTreemap {
    RoaringTreemap::from_sorted_iter(sorted.iter().copied())
        // Unreachable for a sorted run; stay correct anyway.
        .unwrap_or_else(|_| sorted.iter().copied().collect())
}

#[cfg(test)]
// Phone numbers are grouped as country, area and subscriber digits.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use std::io::{BufReader, Cursor};

    const US: PhoneRules = PhoneRules::with_country(1);

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
        assert_eq!(bytes.len(), list.heap_bytes());
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
        assert!(list.set.bitmaps().count() > 4);
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
}
