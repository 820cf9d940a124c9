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
pub(crate) fn gate(c: &Country, nsn: &[u8]) -> Result<u64, PhoneError> {
    let len = nsn.len() as u32;
    if len <= 9 && meta::is_emergency(c.cc, nsn) {
        return Err(PhoneError::EmergencyNumber);
    }
    if len <= MAX_SHORT && c.short_lengths & (1 << len) != 0 && !c.fits(nsn) {
        return Err(PhoneError::ServiceNumber);
    }
    let cc_len = if c.cc >= 100 {
        3
    } else if c.cc >= 10 {
        2
    } else {
        1
    };
    let total = cc_len + len;
    if total < MIN_DIGITS {
        return Err(PhoneError::TooShort);
    }
    if total > MAX_DIGITS {
        return Err(PhoneError::TooLong);
    }
    if !c.fits(nsn) {
        return Err(PhoneError::WrongLength);
    }
    let value = nsn
        .iter()
        .fold(u64::from(c.cc), |v, &d| v * 10 + u64::from(d));
    Ok(value)
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
    let mut digits = Digits::new();
    let mut rev = [0u8; MAX_BUFFER];
    let mut n = number;
    let mut len = 0;
    while n > 0 {
        rev[len] = (n % 10) as u8;
        n /= 10;
        len += 1;
    }
    for &d in rev[..len].iter().rev() {
        digits.push(d);
    }
    let d = digits.as_slice();
    if meta::is_emergency_anywhere(d) {
        return Err(PhoneError::EmergencyNumber);
    }
    let Some((c, k)) = meta::split_country(d) else {
        return Err(if len > MAX_DIGITS as usize {
            PhoneError::TooLong
        } else {
            PhoneError::UnknownCountryCode
        });
    };
    gate(c, &d[k..])
}
