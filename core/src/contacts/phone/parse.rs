//! Text to E.164: one pass over the bytes into a digit buffer on the stack,
//! then the prefixes are read with the per-country table (see the
//! [module docs](super) for the rules, and [`super::gate`] for the checks
//! every result passes).

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
pub fn normalize_bytes(input: &[u8], rules: PhoneRules) -> Result<u64, PhoneError> {
    let input = input.trim_ascii();
    let (plus, body) = match input.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, input),
    };
    // The common case of a machine-written list, `+` and E.164 digits: the
    // integer gate alone decides when it accepts (a number that fits its
    // country as written is never changed below either).
    if plus
        && (1..=MAX_DIGITS).contains(&body.len())
        && body[0] != b'0'
        && body.iter().all(u8::is_ascii_digit)
    {
        let value = body.iter().fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
        // The digit count and the first four digits are read off the text,
        // not divided out of the value.
        let checked = if body.len() >= 4 {
            let top4 = body[..4]
                .iter()
                .fold(0u64, |v, &b| v * 10 + u64::from(b - b'0'));
            check_e164_split(value, body.len() as u32, top4)
        } else {
            check_e164(value)
        };
        if let Ok(n) = checked {
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
