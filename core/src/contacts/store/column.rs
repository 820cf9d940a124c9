//! The store's number column: one 64-bit word a contact holding number
//! #0's E.164 digits in its low 50 bits and the contact's 14-bit number
//! header (see `multi`) in the 14 bits above them.
//!
//! E.164 numbers have at most 15 digits, so they are below 10^15 < 2^50
//! and the word's top 14 bits would otherwise be always zero: a contact
//! with several numbers keeps its extra count, current number, kind of #0
//! and last outcome of #0 there, at no cost. The words are private to this
//! module: every read goes through [`NumberColumn::digits`] (masked) or
//! [`NumberColumn::header`], every write through [`NumberColumn::set_digits`]
//! (which keeps the header) or [`NumberColumn::set_header`] (which keeps the
//! digits), so no caller can read a header as part of a number. The
//! public view of the digits is [`NumberDigits`]. Snapshots and journal
//! records hold the digits alone, as they did before the header moved here.

/// Bits of the digits of number #0.
pub(crate) const DIGITS_BITS: u32 = 50;
/// Mask of the digits in a word.
pub(crate) const DIGITS_MASK: u64 = (1 << DIGITS_BITS) - 1;
/// Bits of the number header above the digits.
pub(crate) const HEADER_BITS: u32 = 64 - DIGITS_BITS;
/// Mask of a header code.
pub(crate) const HEADER_MASK: u16 = (1 << HEADER_BITS) - 1;

/// The number column (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct NumberColumn {
    words: Vec<u64>,
}

impl NumberColumn {
    /// A column of `digits` (each below 2^50) with empty headers; the
    /// first value that does not fit is the error.
    pub(crate) fn from_digits(digits: Vec<u64>) -> Result<NumberColumn, u64> {
        match digits.iter().find(|&&d| d > DIGITS_MASK) {
            Some(&bad) => Err(bad),
            None => Ok(NumberColumn { words: digits }),
        }
    }

    /// Contacts in the column.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// Number #0's digits of contact `i` (below `len`).
    #[inline]
    pub(crate) fn digits(&self, i: usize) -> u64 {
        self.words[i] & DIGITS_MASK
    }

    /// Number #0's digits of contact `i`, if there is one.
    #[inline]
    pub(crate) fn get_digits(&self, i: usize) -> Option<u64> {
        self.words.get(i).map(|&w| w & DIGITS_MASK)
    }

    /// Gives contact `i` new digits, keeping its header.
    #[inline]
    pub(crate) fn set_digits(&mut self, i: usize, digits: u64) {
        debug_assert!(digits <= DIGITS_MASK, "{digits} has more than 15 digits");
        let w = &mut self.words[i];
        *w = (*w & !DIGITS_MASK) | (digits & DIGITS_MASK);
    }

    /// The header code of contact `i` (0 past the end).
    #[inline]
    pub(crate) fn header(&self, i: usize) -> u16 {
        self.words.get(i).map_or(0, |&w| (w >> DIGITS_BITS) as u16)
    }

    /// Sets contact `i`'s header code (14 bits), keeping its digits.
    #[inline]
    pub(crate) fn set_header(&mut self, i: usize, code: u16) {
        debug_assert!(code <= HEADER_MASK, "header {code:#x} past 14 bits");
        let w = &mut self.words[i];
        *w = (*w & DIGITS_MASK) | u64::from(code & HEADER_MASK) << DIGITS_BITS;
    }

    /// The extra counts (a header's low 4 bits) of contacts `from..to`,
    /// summed.
    #[inline]
    pub(crate) fn extra_sum(&self, from: usize, to: usize) -> usize {
        self.words[from..to]
            .iter()
            .map(|&w| (w >> DIGITS_BITS & 0xF) as usize)
            .sum()
    }

    /// Appends a contact with `digits` and an empty header.
    #[inline]
    pub(crate) fn push(&mut self, digits: u64) {
        debug_assert!(digits <= DIGITS_MASK, "{digits} has more than 15 digits");
        self.words.push(digits & DIGITS_MASK);
    }

    /// Makes room for `additional` more contacts.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.words.reserve(additional);
    }

    /// Words held (capacity).
    pub(crate) fn capacity(&self) -> usize {
        self.words.capacity()
    }

    /// The digits, as the public view.
    pub(crate) fn view(&self) -> NumberDigits<'_> {
        NumberDigits { words: &self.words }
    }
}

/// The number #0 of every contact, in id order: E.164 digits, 0 for an
/// invalid record ([`super::ContactStore::numbers`]). A view, not a slice:
/// the column's words also hold each contact's number header, which this
/// view masks off.
#[derive(Debug, Clone, Copy)]
pub struct NumberDigits<'a> {
    words: &'a [u64],
}

impl<'a> NumberDigits<'a> {
    /// Contacts in the view.
    #[inline]
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True if the store has no contact.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The digits of contact `i`'s number #0, if `i` is a contact.
    #[inline]
    pub fn get(&self, i: usize) -> Option<u64> {
        self.words.get(i).map(|&w| w & DIGITS_MASK)
    }

    /// The digits of contact `i`'s number #0. Panics when `i` is not a
    /// contact, like a slice index.
    #[inline]
    pub fn at(&self, i: usize) -> u64 {
        self.words[i] & DIGITS_MASK
    }

    /// The digits in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = u64> + DoubleEndedIterator + 'a {
        self.words.iter().map(|&w| w & DIGITS_MASK)
    }

    /// The digits as a vector (a copy of the column without headers).
    pub fn to_vec(&self) -> Vec<u64> {
        self.iter().collect()
    }

    /// Writes the digits as little-endian `u64`s (a snapshot's number
    /// section), through a small buffer.
    pub fn write_le(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(8 * 1024);
        for chunk in self.words.chunks(1024) {
            buf.clear();
            for &w in chunk {
                buf.extend_from_slice(&(w & DIGITS_MASK).to_le_bytes());
            }
            out.write_all(&buf)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_and_header_never_touch_each_other() {
        let max = 999_999_999_999_999u64;
        let mut c = NumberColumn::from_digits(vec![max, 0, 4930_1234567]).unwrap();
        c.set_header(0, HEADER_MASK);
        c.set_header(1, 0x2A5);
        assert_eq!(c.digits(0), max);
        assert_eq!(c.header(0), HEADER_MASK);
        assert_eq!(c.digits(1), 0);
        c.set_digits(0, 12);
        assert_eq!((c.digits(0), c.header(0)), (12, HEADER_MASK));
        c.set_header(0, 0);
        assert_eq!((c.digits(0), c.header(0)), (12, 0));
        assert_eq!((c.digits(2), c.header(2)), (4930_1234567, 0));
        assert_eq!(c.header(3), 0, "past the end");
        assert_eq!(c.extra_sum(0, 3), 5, "0x2A5 counts 5 extra numbers");
        let v = c.view();
        assert_eq!(v.to_vec(), [12, 0, 4930_1234567]);
        assert_eq!(v.at(1), 0);
        assert_eq!(v.get(3), None);
        let mut bytes = Vec::new();
        v.write_le(&mut bytes).unwrap();
        assert_eq!(bytes.len(), 24);
        assert_eq!(u64::from_le_bytes(bytes[8..16].try_into().unwrap()), 0);
    }

    #[test]
    fn every_header_code_keeps_every_digit_pattern() {
        let digits = [0, 1, 999_999_999_999_999, DIGITS_MASK, 0x2AAA_AAAA_AAAA];
        let mut c = NumberColumn::from_digits(vec![0; 3]).unwrap();
        for code in 0..=HEADER_MASK {
            for &d in &digits {
                c.set_header(1, code);
                c.set_digits(1, d);
                assert_eq!((c.digits(1), c.header(1)), (d, code));
                c.set_header(1, code ^ 0x1555);
                assert_eq!((c.digits(1), c.header(1)), (d, code ^ 0x1555));
            }
        }
        assert_eq!(
            (c.view().at(0), c.header(0), c.view().at(2), c.header(2)),
            (0, 0, 0, 0)
        );
    }

    #[test]
    fn digits_past_50_bits_are_refused() {
        assert_eq!(
            NumberColumn::from_digits(vec![1, 1 << 50]).unwrap_err(),
            1 << 50
        );
    }
}
