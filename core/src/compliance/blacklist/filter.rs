//! A one-bit-per-slot pre-filter of a set of numbers, for bulk paths.
//!
//! [`crate::Campaign::blacklist_numbers`] must find the contacts of every
//! number it is given, and a do-not-call registry of millions of numbers
//! mostly holds numbers no contact has: one number-index probe each (a cache
//! miss at millions of contacts) is most of the cost. A [`NumberFilter`]
//! built once from the contacts' number column answers "no contact has this
//! number" from one bit, in a bitmap of eight bits per contact (one hash
//! function, so about one number in nine without contacts still passes and
//! takes the probe). It has no false negatives, so skipping the numbers it
//! rejects changes nothing.

/// Bits of the bitmap per number it holds (rounded up to a power of two).
const BITS_PER_NUMBER: usize = 8;

/// A set of numbers as a one-hash bitmap: [`NumberFilter::may_contain`] is
/// true for every number it was built from and for a few others.
#[derive(Debug, Clone)]
pub struct NumberFilter {
    /// The bitmap, `2^bits_log2` bits.
    words: Vec<u64>,
    /// `64 - bits_log2`: the hash's top bits index the bitmap.
    shift: u32,
}

impl NumberFilter {
    /// The filter of `numbers` (any order, duplicates allowed). O(len).
    #[must_use]
    pub fn new(numbers: &[u64]) -> Self {
        Self::from_numbers(numbers.iter().copied())
    }

    /// The filter of the numbers `numbers` yields (e.g.
    /// [`crate::store::ContactStore::numbers`]'s digits). O(len).
    #[must_use]
    pub fn from_numbers(numbers: impl ExactSizeIterator<Item = u64>) -> Self {
        let bits = (numbers.len() * BITS_PER_NUMBER)
            .next_power_of_two()
            .max(64);
        let mut filter = NumberFilter {
            words: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        };
        for n in numbers {
            let bit = filter.bit(n);
            filter.words[bit / 64] |= 1 << (bit % 64);
        }
        filter
    }

    /// False only when `number` is not one of the filter's numbers.
    #[must_use]
    pub fn may_contain(&self, number: u64) -> bool {
        let bit = self.bit(number);
        self.words[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The bitmap bit of `number`: Fibonacci hashing, top bits.
    #[inline]
    fn bit(&self, number: u64) -> usize {
        (number.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let mut x = 7u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            12_010_000_000 + x % 7_889_999_999
        };
        for len in [0usize, 1, 5, 1000, 100_000] {
            let numbers: Vec<u64> = (0..len).map(|_| next()).collect();
            let filter = NumberFilter::new(&numbers);
            assert!(numbers.iter().all(|&n| filter.may_contain(n)), "len {len}");
            let others = 100_000;
            let passed = (0..others).filter(|_| filter.may_contain(next())).count();
            // One hash over 8 bits a number: about 1 - e^(-1/8) = 11.8%.
            assert!(passed * 5 < others, "len {len}: {passed} false positives");
        }
    }
}
