//! The number gate: the one check every number passes before it can become a
//! contact's number, whichever path brought it (text through
//! [`super::normalize`], integers through [`check_e164`]: CSV import,
//! `Campaign::add_contact`, `add_numbers`, `fix_number`, C and Python).
//!
//! A number passes when:
//!
//! 1. it is not an emergency number (libphonenumber's ShortNumberMetadata
//!    `emergency` patterns, of the number's country or, for a number of at
//!    most 9 digits written without a country, of any country) →
//!    [`PhoneError::EmergencyNumber`];
//! 2. it is not a short code: a national part of at most 6 digits, of a
//!    length the country's short codes have and no subscriber number with
//!    its first digit has →
//!    [`PhoneError::ServiceNumber`];
//! 3. its country calling code exists → [`PhoneError::UnknownCountryCode`];
//! 4. it has 8 to 15 digits in all, country code included →
//!    [`PhoneError::TooShort`] / [`PhoneError::TooLong`];
//! 5. its national significant number has a length that numbers of that
//!    country starting with that digit have → [`PhoneError::WrongLength`].
//!
//! The checks are table lookups; nothing allocates.

use super::meta::{self, Country};
use super::{PhoneError, MAX_DIGITS, MIN_DIGITS};

/// Most digits of a national number read as a short code.
const MAX_SHORT: u32 = 6;

/// Most digits the parser keeps; longer input is too long.
pub(crate) const MAX_BUFFER: usize = 20;

/// Digit values on the stack.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digits {
    buf: [u8; MAX_BUFFER],
    /// Digits pushed (may exceed the buffer; those past it are dropped).
    pub(crate) count: usize,
}

impl Digits {
    #[inline]
    pub(crate) const fn new() -> Self {
        Digits {
            buf: [0; MAX_BUFFER],
            count: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, d: u8) {
        if let Some(slot) = self.buf.get_mut(self.count) {
            *slot = d;
        }
        self.count += 1;
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.count.min(MAX_BUFFER)]
    }
}

/// Checks a number of country `c` with national significant number `nsn`
/// (digit values) and returns its E.164 value.
#[inline]
pub(crate) fn gate(c: &Country, nsn: &[u8]) -> Result<u64, PhoneError> {
    if nsn.len() > MAX_DIGITS as usize {
        return Err(PhoneError::TooLong);
    }
    let value = nsn.iter().fold(0u64, |v, &d| v * 10 + u64::from(d));
    let first = nsn.first().copied().unwrap_or(0);
    check(c, first, nsn.len() as u32, value)?;
    Ok(u64::from(c.cc) * POW10[nsn.len()] + value)
}

/// The gate on a national significant number given by its first digit,
/// digit count and value (`len` ≤ 19).
#[inline]
fn check(c: &Country, first: u8, len: u32, value: u64) -> Result<(), PhoneError> {
    if meta::is_emergency_value(c.cc, len as usize, value) {
        return Err(PhoneError::EmergencyNumber);
    }
    let fits = len > 0 && len < 32 && c.lengths[usize::from(first)] & (1 << len) != 0;
    if len <= MAX_SHORT && c.short_lengths & (1 << len) != 0 && !fits {
        return Err(PhoneError::ServiceNumber);
    }
    let cc_len = match c.cc {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        cc => decimal_digits(u64::from(cc)),
    };
    let total = cc_len + len;
    if total < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if total > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    if !fits {
        return Err(PhoneError::WrongLength);
    }
    Ok(())
}

/// Powers of ten that fit a `u64`.
const POW10: [u64; 20] = {
    let mut table = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// The digits of `number` (`len` of them, `len` ≤ 20).
fn digits_of(number: u64, len: u32) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut n = number;
    for slot in out[..len as usize].iter_mut().rev() {
        *slot = (n % 10) as u8;
        n /= 10;
    }
    out
}

/// Number of decimal digits of `n` (0 has none).
#[inline]
const fn decimal_digits(n: u64) -> u32 {
    match n.checked_ilog10() {
        Some(log) => log + 1,
        None => 0,
    }
}

/// Checks an already normalized number (E.164 digits without the `+`, as
/// the engine keeps them) with the same gate as text: returns it unchanged
/// if it may be dialed.
///
/// ```
/// use dialcore::phone::{check_e164, PhoneError};
/// assert_eq!(check_e164(4930_1234567), Ok(4930_1234567));
/// assert_eq!(check_e164(911), Err(PhoneError::EmergencyNumber));
/// assert_eq!(check_e164(1911), Err(PhoneError::EmergencyNumber));
/// assert_eq!(check_e164(u64::MAX), Err(PhoneError::TooLong));
/// ```
pub fn check_e164(number: u64) -> Result<u64, PhoneError> {
    if number == 0 {
        return Err(PhoneError::Blank);
    }
    let len = decimal_digits(number);
    if meta::is_emergency_value_anywhere(len as usize, number) {
        return Err(PhoneError::EmergencyNumber);
    }
    if len < 4 {
        // Too short for anything; the reason still names what it is.
        return Err(
            match meta::split_country(&digits_of(number, len)[..len as usize]) {
                None => PhoneError::UnknownCountryCode,
                Some((c, k)) => {
                    let nsn_len = len - k as u32;
                    let nsn = number % POW10[nsn_len as usize];
                    let first = if nsn_len == 0 {
                        0
                    } else {
                        (nsn / POW10[nsn_len as usize - 1]) as u8
                    };
                    match check(c, first, nsn_len, nsn) {
                        Err(e) => e,
                        Ok(()) => PhoneError::TooShort,
                    }
                }
            },
        );
    }
    // The first four digits, with one division; the country code is the
    // first 1 to 3 of them that name one.
    let top4 = number / POW10[len as usize - 4];
    check_split(number, len, top4)
}

/// [`check_e164`] for a number whose digit count `len` (at least 4) and
/// first four digits `top4` the caller already has (the text parser reads
/// them as it goes), without the divisions that find them.
#[inline]
pub(crate) fn check_e164_split(number: u64, len: u32, top4: u64) -> Result<u64, PhoneError> {
    debug_assert!(len >= 4 && decimal_digits(number) == len);
    debug_assert_eq!(top4, number / POW10[len as usize - 4]);
    if meta::is_emergency_value_anywhere(len as usize, number) {
        return Err(PhoneError::EmergencyNumber);
    }
    check_split(number, len, top4)
}

/// The rest of [`check_e164`] once the emergency check is done.
#[inline]
fn check_split(number: u64, len: u32, top4: u64) -> Result<u64, PhoneError> {
    let mut found = None;
    for k in 1..=3u32 {
        let cc = top4 / POW10[4 - k as usize];
        if let Some(c) = meta::country(cc as u16) {
            found = Some((c, k, cc));
            break;
        }
    }
    let Some((c, k, cc)) = found else {
        return Err(if len > MAX_DIGITS {
            PhoneError::TooLong
        } else {
            PhoneError::UnknownCountryCode
        });
    };
    let nsn_len = len - k;
    let nsn = number - cc * POW10[nsn_len as usize];
    let first = ((top4 / POW10[3 - k as usize]) % 10) as u8;
    check(c, first, nsn_len, nsn)?;
    Ok(number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The split entry point the text parser uses decides exactly as
        /// the integer gate does.
        #[test]
        fn split_check_is_check_e164(
            number in (4usize..=17).prop_flat_map(|len| POW10[len - 1]..POW10[len])
        ) {
            let len = decimal_digits(number);
            let top4 = number / POW10[len as usize - 4];
            prop_assert_eq!(check_e164_split(number, len, top4), check_e164(number));
        }
    }
}
