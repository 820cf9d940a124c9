//! Text to E.164: one pass over the bytes into a digit buffer on the stack,
//! then the prefixes are read with the per-country table (see the
//! [module docs](super) for the rules, and [`super::gate`] for the checks
//! every result passes).
//!
//! A machine-written `+` and 9 to 15 digits, the usual list entry, takes an
//! inline fast path first: two overlapping 8-byte words are checked to be
//! digits and converted eight at a time, and when the integer gate accepts
//! the value that is the result (a number that fits its country as written
//! is never changed by the full parse either). A proptest holds the word
//! reader to a byte-by-byte one.

use super::gate::{check_e164, check_e164_split, gate, Digits, MAX_BUFFER};
use super::meta::{self, Country};
use super::{PhoneError, PhoneRules};

/// Most digits of an E.164 number, as a `usize`.
const MAX_DIGITS: usize = super::MAX_DIGITS as usize;

/// Normalizes `input` to E.164 digits as a `u64`; see the [module docs](super)
/// for the rules.
///
/// ```
/// use dialcore::phone::{normalize, PhoneRules};
/// let de = PhoneRules::with_country(49);
/// assert_eq!(normalize("+49 (0)30 123-4567", de), Ok(4930_1234567));
/// assert_eq!(normalize("030/1234567", de), Ok(4930_1234567));
/// ```
#[inline]
pub fn normalize(input: &str, rules: PhoneRules) -> Result<u64, PhoneError> {
    normalize_bytes(input.as_bytes(), rules)
}

/// Normalizes the bytes of a number (ASCII; any non-ASCII byte is a bad
/// character) to E.164 digits as a `u64`; see the [module docs](super).
#[inline]
pub fn normalize_bytes(input: &[u8], rules: PhoneRules) -> Result<u64, PhoneError> {
    // The common case of a machine-written list, `+` and E.164 digits: the
    // integer gate alone decides when it accepts (a number that fits its
    // country as written is never changed below either). It is tried
    // inline; anything else goes to the full parse.
    if let Some((b'+', body)) = input.split_first() {
        if let Some(n) = plain_e164(body) {
            return Ok(n);
        }
    }
    normalize_text(input, rules)
}

/// [`normalize_bytes`] past the inline fast path.
#[inline(never)]
fn normalize_text(input: &[u8], rules: PhoneRules) -> Result<u64, PhoneError> {
    let input = input.trim_ascii();
    let (plus, body) = match input.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, input),
    };
    // Spaces around `+` and E.164 digits: the same fast path once trimmed.
    if plus {
        if let Some(n) = plain_e164(body) {
            return Ok(n);
        }
    }
    let mut digits = Digits::new();
    // The index of a digit written as `(0)`, if any.
    let mut paren_zero: Option<usize> = None;
    if !plain_digits(body, &mut digits) {
        digits = Digits::new();
        let mut bad = false;
        let mut misplaced_plus = false;
        let mut i = 0;
        while i < body.len() {
            let b = body[i];
            i += 1;
            match b {
                b'0'..=b'9' => digits.push(b - b'0'),
                b'(' => {
                    if paren_zero.is_none()
                        && body.get(i) == Some(&b'0')
                        && body.get(i + 1) == Some(&b')')
                    {
                        paren_zero = Some(digits.count);
                        digits.push(0);
                        i += 2;
                    }
                }
                b' ' | b'-' | b'.' | b')' | b'/' => {}
                b'+' => misplaced_plus = true,
                b if b.is_ascii_alphabetic() => return Err(PhoneError::Letters),
                _ => bad = true,
            }
        }
        if bad {
            return Err(PhoneError::BadCharacter);
        }
        if misplaced_plus {
            return Err(PhoneError::MisplacedPlus);
        }
    }
    if digits.count == 0 {
        return Err(PhoneError::Blank);
    }
    if digits.count > MAX_BUFFER {
        return Err(PhoneError::TooLong);
    }
    let d = digits.as_slice();
    // A short number that is an emergency number anywhere is one here too,
    // however it is written.
    if meta::is_emergency_anywhere(d) {
        return Err(PhoneError::EmergencyNumber);
    }
    let default = rules.country().and_then(meta::country);
    if plus {
        // `+00 49 …`, `+011 49 …`: a dialling prefix after the plus.
        let skip = default.and_then(|c| idd_then_code(c, d)).unwrap_or(0);
        return international(&d[skip..], paren_zero.map(|p| p.wrapping_sub(skip)));
    }
    match default {
        Some(c) => {
            if let Some(n) = idd_then_code(c, d) {
                return international(&d[n..], paren_zero.map(|p| p.wrapping_sub(n)));
            }
            if c.idd_len(d).is_none() && d.len() > 2 && d[..2] == [0, 0] && d[2] != 0 {
                // `00` is read as the international prefix everywhere.
                return international(&d[2..], paren_zero.map(|p| p.wrapping_sub(2)));
            }
            national(c, d)
        }
        None => {
            if d.len() >= 2 && d[..2] == [0, 0] {
                international(&d[2..], paren_zero.map(|p| p.wrapping_sub(2)))
            } else if d[0] == 0 {
                Err(PhoneError::NoCountryCode)
            } else {
                international(d, None)
            }
        }
    }
}

/// `+` and `body` read as an E.164 number that the integer gate accepts
/// as written, when `body` is 1 to 15 ASCII digits not starting with 0;
/// `None` otherwise (the full parse then decides).
#[inline]
fn plain_e164(body: &[u8]) -> Option<u64> {
    let len = body.len();
    if !(1..=MAX_DIGITS).contains(&len) || body[0] == b'0' {
        return None;
    }
    // 9 to 15 digits, the usual length: two overlapping 8-byte words,
    // checked and converted eight digits at a time.
    if let (true, Some(head), Some(tail)) =
        (len > 8, body.first_chunk::<8>(), body.last_chunk::<8>())
    {
        let (head, tail) = (u64::from_le_bytes(*head), u64::from_le_bytes(*tail));
        if !all_digits(head) || !all_digits(tail) {
            return None;
        }
        // The tail's first 16 - len bytes are the head's; they read as 0.
        let keep = u64::MAX << ((16 - len) * 8);
        let tail = (tail & keep) | (ZEROS & !keep);
        let high = eight_digits(head);
        let value = high * POW10[len - 8] + eight_digits(tail);
        return check_e164_split(value, len as u32, high / 10_000).ok();
    }
    if !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = body.iter().fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
    // The digit count and the first four digits are read off the text,
    // not divided out of the value.
    if len >= 4 {
        let top4 = body[..4]
            .iter()
            .fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
        check_e164_split(value, len as u32, top4).ok()
    } else {
        check_e164(value).ok()
    }
}

/// Eight ASCII `0` bytes.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// Powers of ten up to 10^8.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// True if every byte of `word` is an ASCII digit: high nibble 3, and the
/// low nibble plus 6 does not carry into it (no carry crosses bytes).
#[inline]
fn all_digits(word: u64) -> bool {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    word & HIGH == ZEROS && word.wrapping_add(0x0606_0606_0606_0606) & HIGH == ZEROS
}

/// The value of eight ASCII digits, the first in the lowest byte.
#[inline]
fn eight_digits(word: u64) -> u64 {
    let w = word - ZEROS;
    let w = (w * 10 + (w >> 8)) & 0x00FF_00FF_00FF_00FF;
    let w = (w * 100 + (w >> 16)) & 0x0000_FFFF_0000_FFFF;
    (w * 10_000 + (w >> 32)) & 0xFFFF_FFFF
}

/// Copies `body` into `digits` if it is nothing but ASCII digits (the
/// common case, a machine-written list).
#[inline]
fn plain_digits(body: &[u8], digits: &mut Digits) -> bool {
    if body.is_empty() || body.len() > MAX_BUFFER {
        return false;
    }
    for &b in body {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return false;
        }
        digits.push(d);
    }
    true
}

/// Length of `c`'s international dialling prefix at the start of `d`, when
/// a country code follows it (libphonenumber: not when the next digit is 0).
#[inline]
fn idd_then_code(c: &Country, d: &[u8]) -> Option<usize> {
    c.idd_len(d)
        .filter(|&n| d.get(n).is_some_and(|&next| next != 0))
}

/// An international number: country code, then the national number.
/// `paren_zero` is the index in `d` of a digit written `(0)`.
fn international(d: &[u8], paren_zero: Option<usize>) -> Result<u64, PhoneError> {
    if d.is_empty() {
        return Err(PhoneError::TooShort);
    }
    if d[0] == 0 {
        return Err(PhoneError::NoCountryCode);
    }
    if d.len() > super::MAX_DIGITS as usize {
        return Err(PhoneError::TooLong);
    }
    let Some((c, k)) = meta::split_country(d) else {
        return Err(PhoneError::UnknownCountryCode);
    };
    let mut nsn = &d[k..];
    // `+49 (0)30 …`: the trunk prefix in brackets, dropped, unless 0 is part
    // of the country's numbers (`+39 (0)6 …` is Rome, 06).
    if paren_zero == Some(k) && !c.keeps_leading_zero() {
        nsn = &nsn[1..];
    }
    // A trunk prefix written after the country code (`+44 020 …`) is
    // dropped when the number does not fit its country with it and does
    // without it; a number that fits as written is never changed.
    let mut buf = Digits::new();
    if !c.fits(nsn) {
        let stripped = strip_trunk(c, nsn, &mut buf);
        if c.fits(stripped) {
            nsn = stripped;
        }
    }
    gate(c, nsn)
}

/// A national number of country `c`.
fn national(c: &'static Country, d: &[u8]) -> Result<u64, PhoneError> {
    let mut buf = Digits::new();
    // A number that starts with the country code (`1 212 555 0123`,
    // `49 30 1234567`): libphonenumber reads the code as such when the
    // number does not fit the country as it is, but does without it.
    let (code, code_len) = code_digits(c.cc);
    if d.len() > code_len && d[..code_len] == code[..code_len] {
        let potential = strip_trunk(c, &d[code_len..], &mut buf);
        if (!c.fits(d) && c.fits(potential)) || d.len() as u32 > c.max_len() {
            return gate(c, potential);
        }
    }
    let mut buf = Digits::new();
    let nsn = strip_trunk(c, d, &mut buf);
    gate(c, nsn)
}

/// Digits of a calling code, and how many.
fn code_digits(cc: u16) -> ([u8; 3], usize) {
    let mut out = [0u8; 3];
    let len = if cc >= 100 {
        3
    } else if cc >= 10 {
        2
    } else {
        1
    };
    let mut v = cc;
    for i in (0..len).rev() {
        out[i] = (v % 10) as u8;
        v /= 10;
    }
    (out, len)
}

/// `nsn` with the national prefix of `c` removed (or transformed, into
/// `buf`), as libphonenumber's `maybeStripNationalPrefixAndCarrierCode`:
/// the first alternative that matches decides; the result is kept unless
/// the number fitted the country before and does not after.
fn strip_trunk<'a>(c: &Country, nsn: &'a [u8], buf: &'a mut Digits) -> &'a [u8] {
    let Some(p) = c
        .trunk
        .iter()
        .find(|p| meta::matches_at_start(p.masks, nsn) && (!p.whole || p.masks.len() == nsn.len()))
    else {
        return nsn;
    };
    let rest = &nsn[p.masks.len()..];
    let result: &[u8] = match p.transform {
        None => rest,
        Some(parts) => {
            for &part in parts {
                if part < 10 {
                    buf.push(part);
                } else {
                    let g = part - 10;
                    for (&d, &group) in nsn.iter().zip(p.groups) {
                        if group == g {
                            buf.push(d);
                        }
                    }
                }
            }
            for &d in rest {
                buf.push(d);
            }
            if buf.count > MAX_BUFFER {
                return nsn;
            }
            buf.as_slice()
        }
    };
    if c.fits(nsn) && !c.fits(result) {
        nsn
    } else {
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time reader agrees with a byte-by-byte one on any
        /// text: the same numbers accepted, with the same value.
        #[test]
        fn plain_e164_reads_as_the_gate_does(body in proptest::collection::vec(
            prop_oneof![8 => b'0'..=b'9', 1 => any::<u8>()], 0..18)
        ) {
            let slow = (!body.is_empty()
                && body.len() <= MAX_DIGITS
                && body[0] != b'0'
                && body.iter().all(u8::is_ascii_digit))
                .then(|| body.iter().fold(0u64, |v, &b| v * 10 + u64::from(b - b'0')))
                .and_then(|v| check_e164(v).ok());
            prop_assert_eq!(plain_e164(&body), slow);
        }
    }

    #[test]
    fn words_of_digits() {
        assert_eq!(eight_digits(u64::from_le_bytes(*b"12345678")), 12_345_678);
        assert_eq!(eight_digits(u64::from_le_bytes(*b"00000009")), 9);
        assert!(all_digits(u64::from_le_bytes(*b"09876543")));
        for bad in [*b"1234567:", *b"/1234567", *b"123 4567", *b"12345\xb967"] {
            assert!(!all_digits(u64::from_le_bytes(bad)), "{bad:?}");
        }
    }
}
