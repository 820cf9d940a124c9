//! The per-country table's types and lookups.
//!
//! `super::table` is generated (by `tools/phone-table`) from
//! libphonenumber's metadata. Patterns there are finite regular expressions
//! expanded into their alternatives in the order a backtracking matcher
//! tries them; each alternative is a sequence of digit masks (bit `d` set
//! when digit `d` matches that position), so "the first alternative that
//! matches" is the match libphonenumber's regular expression finds. All of
//! it is `static` data: a lookup allocates nothing.

use super::table::{COUNTRIES, COUNTRY_INDEX, EMERGENCY, MAX_EMERGENCY_DIGITS};

/// One alternative of a national (trunk) prefix pattern.
#[derive(Debug)]
pub(crate) struct Prefix {
    /// Digit masks, one a digit of the prefix.
    pub(crate) masks: &'static [u16],
    /// The capture group each digit belongs to (0 = none).
    pub(crate) groups: &'static [u8],
    /// Matches only the whole national number (the pattern ends with `$`).
    pub(crate) whole: bool,
    /// libphonenumber's transform rule, when it applies to this alternative:
    /// digit values, or `10 + g` for the digits of capture group `g`. The
    /// matched prefix is replaced by it; without one it is dropped.
    pub(crate) transform: Option<&'static [u8]>,
}

/// One country calling code.
#[derive(Debug)]
pub(crate) struct Country {
    /// The calling code (`1`, `49`, `998`).
    pub(crate) cc: u16,
    /// libphonenumber's main region for the code (`"US"` for 1).
    pub(crate) region: &'static str,
    /// International dialling prefixes of the main region, in match order.
    pub(crate) idd: &'static [&'static [u16]],
    /// National (trunk) prefixes of the main region, in match order.
    pub(crate) trunk: &'static [Prefix],
    /// Bit `L` of `lengths[d]`: some number of some region of the code has
    /// a national significant number of `L` digits starting with `d`.
    pub(crate) lengths: [u32; 10],
    /// Bit `L`: the code's regions have short codes of `L` digits.
    pub(crate) short_lengths: u32,
}

impl Country {
    /// True if `nsn` (digit values) has a length some number of this
    /// country with its first digit has.
    #[inline]
    pub(crate) fn fits(&self, nsn: &[u8]) -> bool {
        match nsn.first() {
            Some(&d) if nsn.len() < 32 => self.lengths[usize::from(d)] & (1 << nsn.len()) != 0,
            _ => false,
        }
    }

    /// Most digits of a national significant number of this country.
    pub(crate) fn max_len(&self) -> u32 {
        let all = self.lengths.iter().fold(0u32, |all, &l| all | l);
        31u32.saturating_sub(all.leading_zeros())
    }

    /// True if the country's national numbers may start with 0 (Italy):
    /// such a 0 is part of the number, not a trunk prefix.
    #[inline]
    pub(crate) fn keeps_leading_zero(&self) -> bool {
        self.lengths[0] != 0
    }

    /// Length of the international dialling prefix `digits` starts with.
    #[inline]
    pub(crate) fn idd_len(&self, digits: &[u8]) -> Option<usize> {
        self.idd
            .iter()
            .find(|masks| matches_at_start(masks, digits))
            .map(|masks| masks.len())
    }
}

/// True if `digits` starts with digits matching `masks`.
#[inline]
pub(crate) fn matches_at_start(masks: &[u16], digits: &[u8]) -> bool {
    masks.len() <= digits.len()
        && masks
            .iter()
            .zip(digits)
            .all(|(&mask, &d)| mask & (1 << d) != 0)
}

/// The country with calling code `cc`.
#[inline]
pub(crate) fn country(cc: u16) -> Option<&'static Country> {
    match COUNTRY_INDEX.get(usize::from(cc)) {
        Some(&i) if i > 0 => COUNTRIES.get(usize::from(i) - 1),
        _ => None,
    }
}

/// The country whose calling code starts `digits` (1 to 3 digits; codes are
/// prefix-free), and the code's digit count.
#[inline]
pub(crate) fn split_country(digits: &[u8]) -> Option<(&'static Country, usize)> {
    let mut cc = 0u16;
    for (i, &d) in digits.iter().take(3).enumerate() {
        cc = cc * 10 + u16::from(d);
        if let Some(c) = country(cc) {
            return Some((c, i + 1));
        }
    }
    None
}

/// Value of a digit string short enough to be an emergency number.
#[inline]
fn short_value(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > MAX_EMERGENCY_DIGITS {
        return None;
    }
    Some(digits.iter().fold(0u32, |v, &d| v * 10 + u32::from(d)))
}

/// True if the `len`-digit number `value` is an emergency number of `cc`.
#[inline]
pub(crate) fn is_emergency_value(cc: u16, len: usize, value: u64) -> bool {
    len <= MAX_EMERGENCY_DIGITS
        && EMERGENCY
            .binary_search(&(cc, len as u8, value as u32))
            .is_ok()
}

/// True if `digits` is an emergency number of any country.
#[inline]
pub(crate) fn is_emergency_anywhere(digits: &[u8]) -> bool {
    short_value(digits).is_some_and(|value| is_emergency_value_anywhere(digits.len(), value.into()))
}

/// True if the `len`-digit number `value` is an emergency number of any
/// country.
pub(crate) fn is_emergency_value_anywhere(len: usize, value: u64) -> bool {
    len <= MAX_EMERGENCY_DIGITS
        && EMERGENCY
            .iter()
            .any(|&(_, l, v)| usize::from(l) == len && u64::from(v) == value)
}

/// Every `(calling code, emergency number)` of the table, the number as
/// its digits (`"112"`, `"01"`), for tests and documentation.
pub fn emergency_numbers() -> impl Iterator<Item = (u16, String)> {
    EMERGENCY
        .iter()
        .map(|&(cc, len, value)| (cc, format!("{value:0width$}", width = usize::from(len))))
}

/// Every country calling code of the table, ascending.
pub fn country_codes() -> impl Iterator<Item = u16> {
    COUNTRIES.iter().map(|c| c.cc)
}

/// libphonenumber's main region for calling code `cc` (`"US"` for 1).
pub fn main_region(cc: u16) -> Option<&'static str> {
    country(cc).map(|c| c.region)
}
