//! Phone number normalization to E.164 digits in a `u64`.
//!
//! Every number the engine touches (a contact's number, a blacklist entry, a
//! Dial command) is the E.164 form without the `+`, kept as an integer:
//! `+49 30 1234567` is `4930_1234567`. Country codes never start with `0`, so
//! no leading zero is lost and the integer is lossless; at most 15 digits fit
//! easily in a `u64`. One integer compares, hashes and sorts fast, and a column
//! of them is 8 bytes a contact with no heap block.
//!
//! [`normalize_bytes`] makes one pass over the bytes, with no allocation and
//! no regex: it classifies each byte, accumulates the digits into a `u64` (it
//! stops accumulating past 19 digits, so it never overflows; such input is far
//! too long anyway), remembers the first three digits, and decides the prefix at
//! the end. The rules, in the order they are applied:
//!
//! - Leading and trailing ASCII whitespace is ignored.
//! - Separators: space `-` `.` `(` `)` `/` may appear anywhere between digits
//!   and are dropped. Other whitespace inside the number (a tab) is a bad
//!   character.
//! - Any ASCII letter anywhere → [`PhoneError::Letters`] (`555-CALL-NOW`); it
//!   takes precedence over every other error.
//! - Any other character (`#`, `*`, `;`, `,`, `_`, non-ASCII such as a
//!   non-breaking space or a full-width digit) → [`PhoneError::BadCharacter`].
//! - `+` is allowed only as the first character; anywhere else →
//!   [`PhoneError::MisplacedPlus`].
//! - No digit at all (empty, only whitespace/separators, a lone `+`) →
//!   [`PhoneError::Blank`].
//! - `+` or a leading `00` marks an international number: the digits after it
//!   are the country code and the national number. They must not start with
//!   `0` (`+0…`, `000…` → [`PhoneError::NoCountryCode`]).
//! - In an international number, a `(0)` written right after a 1–3 digit
//!   country code is the national trunk prefix (European notation
//!   `+49 (0)30 1234567`) and is dropped. A `(0)` anywhere else is the digit 0.
//! - With a default country ([`PhoneRules::with_country`]), any other number
//!   is national: one leading trunk `0` is dropped and the country code is
//!   prepended (`030 1234567` → `4930_1234567`). For NANP (country 1) an
//!   11-digit national number starting with `1` already carries the country
//!   code (the trunk prefix is 1): `1 212 555 0123` → `1_212_555_0123`,
//!   not doubled. A number that merely lacks the `+` (`49 30 …` in a German
//!   campaign) cannot be told from a national one and gets the country code
//!   prepended.
//! - Without a default country ([`PhoneRules::international_only`]) a number
//!   without `+`/`00` is taken as international digits (`4930 1234567`), unless
//!   it starts with `0` → [`PhoneError::NoCountryCode`]. A default country of
//!   0 or above 999 is not a country code and is treated the same way.
//! - The E.164 digit count (country code included) is checked last: fewer
//!   than 7 → [`PhoneError::TooShort`], more than 15 → [`PhoneError::TooLong`].
//!
//! Error precedence: `Letters`, `BadCharacter`, `MisplacedPlus`, `Blank`,
//! `NoCountryCode`, then `TooShort`/`TooLong`.

use std::fmt;

/// Fewest digits of a valid E.164 number, country code included.
pub const MIN_DIGITS: u32 = 7;
/// Most digits of a valid E.164 number (ITU-T E.164), country code included.
pub const MAX_DIGITS: u32 = 15;

/// Raw digits accumulated before the value stops growing; 19 digits always
/// fit a `u64` (`10^19 - 1 < u64::MAX`), and anything longer is too long.
const ACCUMULATE_DIGITS: u32 = 19;

/// Campaign rules for national numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneRules {
    /// Country code prepended to national numbers (`Some(49)`, `Some(1)`);
    /// `None` accepts only international numbers.
    pub default_country: Option<u16>,
}

impl PhoneRules {
    /// Rules without a default country: every number must be international
    /// (`+`, `00`, or digits that start with a country code).
    pub const fn international_only() -> Self {
        PhoneRules {
            default_country: None,
        }
    }

    /// Rules that read national numbers as numbers of country `cc`.
    pub const fn with_country(cc: u16) -> Self {
        PhoneRules {
            default_country: Some(cc),
        }
    }

    /// The default country code if it is a usable one (1..=999).
    const fn country(self) -> Option<u16> {
        match self.default_country {
            Some(cc) if cc >= 1 && cc <= 999 => Some(cc),
            _ => None,
        }
    }
}

/// Why a phone number was rejected, as a stable `u8` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PhoneError {
    /// No digits: empty, only whitespace or separators, or a lone `+`.
    Blank = 1,
    /// Contains an ASCII letter (`555-CALL-NOW`).
    Letters = 2,
    /// Contains a character that is neither a digit, a separator
    /// (space `- . ( ) /`) nor a leading `+`.
    BadCharacter = 3,
    /// Fewer than 7 E.164 digits.
    TooShort = 4,
    /// More than 15 E.164 digits.
    TooLong = 5,
    /// No country code: a national number (leading `0`) without a default
    /// country, or a country code starting with `0` (`+0…`, `000…`).
    NoCountryCode = 6,
    /// A `+` that is not the first character.
    MisplacedPlus = 7,
}

impl PhoneError {
    /// Every error, in code order.
    pub const ALL: [PhoneError; 7] = [
        PhoneError::Blank,
        PhoneError::Letters,
        PhoneError::BadCharacter,
        PhoneError::TooShort,
        PhoneError::TooLong,
        PhoneError::NoCountryCode,
        PhoneError::MisplacedPlus,
    ];

    /// The stable code (1..=7).
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The error with this code, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => PhoneError::Blank,
            2 => PhoneError::Letters,
            3 => PhoneError::BadCharacter,
            4 => PhoneError::TooShort,
            5 => PhoneError::TooLong,
            6 => PhoneError::NoCountryCode,
            7 => PhoneError::MisplacedPlus,
            _ => return None,
        })
    }

    /// A stable machine-readable key (`"too_short"`), for JSON, C and Python.
    pub const fn name(self) -> &'static str {
        match self {
            PhoneError::Blank => "blank",
            PhoneError::Letters => "letters",
            PhoneError::BadCharacter => "bad_character",
            PhoneError::TooShort => "too_short",
            PhoneError::TooLong => "too_long",
            PhoneError::NoCountryCode => "no_country_code",
            PhoneError::MisplacedPlus => "misplaced_plus",
        }
    }

    /// A short, stable English description.
    pub const fn as_str(self) -> &'static str {
        match self {
            PhoneError::Blank => "blank: no digits",
            PhoneError::Letters => "letters in the number",
            PhoneError::BadCharacter => {
                "bad character: only digits, spaces, + - . ( ) / are allowed"
            }
            PhoneError::TooShort => "too short: fewer than 7 digits",
            PhoneError::TooLong => "too long: more than 15 digits",
            PhoneError::NoCountryCode => {
                "no country code: national number without a default country, or country code starting with 0"
            }
            PhoneError::MisplacedPlus => "misplaced plus: + is allowed only as the first character",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for PhoneError {}

/// Normalizes `input` to E.164 digits as a `u64`; see the [module docs](self)
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
/// character) to E.164 digits as a `u64`; see the [module docs](self).
pub fn normalize_bytes(input: &[u8], rules: PhoneRules) -> Result<u64, PhoneError> {
    let input = input.trim_ascii();
    let (plus, body) = match input.split_first() {
        Some((b'+', rest)) => (true, rest),
        _ => (false, input),
    };
    // The common case, a machine-written list: nothing but digits. The
    // loop below would reach the same value, count and first digits.
    if let Some(value) = plain_digits(body) {
        let mut first = [0u8; 3];
        for (slot, &b) in first.iter_mut().zip(body) {
            *slot = b - b'0';
        }
        return e164(plus, value, body.len() as u32, first, rules);
    }

    let mut value: u64 = 0;
    let mut count: u32 = 0; // digits seen, prefix digits included
    let mut first = [0u8; 3]; // the first three digits
    let mut bad = false;
    let mut misplaced_plus = false;

    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        i += 1;
        match b {
            b'0'..=b'9' => {
                let d = b - b'0';
                if let Some(slot) = first.get_mut(count as usize) {
                    *slot = d;
                }
                if count < ACCUMULATE_DIGITS {
                    value = value * 10 + u64::from(d);
                }
                count += 1;
            }
            b'(' => {
                // `(0)` right after a 1-3 digit country code: the trunk prefix.
                if body.get(i) == Some(&b'0') && body.get(i + 1) == Some(&b')') {
                    let cc_digits = if plus {
                        count
                    } else if count >= 2 && first[..2] == [0, 0] {
                        count - 2
                    } else {
                        0
                    };
                    if (1..=3).contains(&cc_digits) {
                        i += 2;
                    }
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
    if count == 0 {
        return Err(PhoneError::Blank);
    }
    e164(plus, value, count, first, rules)
}

/// The value of `body` if it is 1 to [`ACCUMULATE_DIGITS`] ASCII digits and
/// nothing else. Eight digits at a time are combined in one `u64` (the
/// SWAR method: pairs, then quads, then the eight, with three multiplies).
#[inline]
fn plain_digits(body: &[u8]) -> Option<u64> {
    if body.is_empty() || body.len() > ACCUMULATE_DIGITS as usize {
        return None;
    }
    let mut value = 0u64;
    let mut chunks = body.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // All eight bytes are '0'..='9' exactly when each byte b has
        // b & 0xF0 == 0x30 and b + 6 does not carry into 0x40.
        let digits = word.wrapping_sub(0x3030_3030_3030_3030);
        let above = word.wrapping_add(0x4646_4646_4646_4646);
        if (word & 0xF0F0_F0F0_F0F0_F0F0) != 0x3030_3030_3030_3030
            || (above & 0x8080_8080_8080_8080) != 0
        {
            return None;
        }
        value = value * 100_000_000 + eight_digits(digits);
    }
    for &b in chunks.remainder() {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + u64::from(d);
    }
    Some(value)
}

/// The number written by eight digit values (0–9), one a byte, first digit
/// in the lowest byte.
#[inline]
fn eight_digits(digits: u64) -> u64 {
    let pairs = (digits.wrapping_mul(10) + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    (quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF
}

/// The E.164 number for the digits of a number: `plus` if it started with
/// `+`, `value` and `count` of its digits, `first` the first three.
fn e164(
    plus: bool,
    value: u64,
    count: u32,
    first: [u8; 3],
    rules: PhoneRules,
) -> Result<u64, PhoneError> {
    // `value` holds the digits without their leading zeros, so dropping a
    // `00` or trunk `0` prefix only changes the digit count.
    let (number, digits) = if plus {
        if first[0] == 0 {
            return Err(PhoneError::NoCountryCode);
        }
        (value, count)
    } else if count >= 2 && first[..2] == [0, 0] {
        if count >= 3 && first[2] == 0 {
            return Err(PhoneError::NoCountryCode);
        }
        (value, count - 2)
    } else if let Some(cc) = rules.country() {
        let (national, lead) = if first[0] == 0 {
            (count - 1, first[1])
        } else {
            (count, first[0])
        };
        if cc == 1 && national == 11 && lead == 1 {
            // NANP: the trunk prefix is 1, the number is already prefixed.
            (value, national)
        } else {
            let digits = national + decimal_digits(u64::from(cc));
            if digits > MAX_DIGITS {
                return Err(PhoneError::TooLong);
            }
            (u64::from(cc) * 10u64.pow(national) + value, digits)
        }
    } else if first[0] == 0 {
        return Err(PhoneError::NoCountryCode);
    } else {
        (value, count)
    };

    if digits < MIN_DIGITS {
        Err(PhoneError::TooShort)
    } else if digits > MAX_DIGITS {
        Err(PhoneError::TooLong)
    } else {
        Ok(number)
    }
}

/// Number of decimal digits of `n` (0 has none).
#[inline]
const fn decimal_digits(n: u64) -> u32 {
    match n.checked_ilog10() {
        Some(log) => log + 1,
        None => 0,
    }
}

/// Display adapter: `E164(4930123456)` prints `+4930123456`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(pub u64);

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.0)
    }
}

#[cfg(test)]
// Phone numbers are grouped as country, area and subscriber digits.
#[allow(clippy::inconsistent_digit_grouping)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DE: PhoneRules = PhoneRules::with_country(49);
    const US: PhoneRules = PhoneRules::with_country(1);
    const INTL: PhoneRules = PhoneRules::international_only();

    fn ok(input: &str, rules: PhoneRules, want: u64) {
        assert_eq!(normalize(input, rules), Ok(want), "input {input:?}");
        assert_eq!(normalize_bytes(input.as_bytes(), rules), Ok(want));
    }

    fn err(input: &str, rules: PhoneRules, want: PhoneError) {
        assert_eq!(normalize(input, rules), Err(want), "input {input:?}");
    }

    #[test]
    fn plus_international() {
        for rules in [INTL, DE, US] {
            ok("+4930123456", rules, 4930123456);
            ok("+49 30 1234567", rules, 4930_1234567);
            ok("+49-30-123-4567", rules, 4930_1234567);
            ok("+49.30.123.45.67", rules, 4930_1234567);
            ok("+49 (30) 1234567", rules, 4930_1234567);
            ok("+49/30/1234567", rules, 4930_1234567);
            ok("+1 (212) 555-0123", rules, 1_212_555_0123);
            ok("+44 20 7946 0958", rules, 44_20_7946_0958);
            ok("+ 49 30 1234567", rules, 4930_1234567);
        }
    }

    #[test]
    fn double_zero_international() {
        for rules in [INTL, DE, US] {
            ok("0049 30 1234567", rules, 4930_1234567);
            ok("00 49 30 1234567", rules, 4930_1234567);
            ok("0044-20-7946-0958", rules, 44_20_7946_0958);
            ok("001 212 555 0123", rules, 1_212_555_0123);
        }
    }

    #[test]
    fn trunk_zero_in_parentheses_after_country_code() {
        for rules in [INTL, DE, US] {
            ok("+49 (0)30 1234567", rules, 4930_1234567);
            ok("+49(0)301234567", rules, 4930_1234567);
            ok("+44 (0)20 7946 0958", rules, 44_20_7946_0958);
            ok("+1 (0) 212 555 0123", rules, 1_212_555_0123);
            ok("+353 (0)1 234 5678", rules, 353_1_234_5678);
            ok("0049 (0)30 1234567", rules, 4930_1234567);
            ok("00 49 (0) 30-1234567", rules, 4930_1234567);
        }
        // Not after a 1-3 digit country code: the 0 is a digit.
        ok("+4930 (0)1234567", INTL, 4930_01234567);
        ok("+4930 (0)1234567", DE, 4930_01234567);
        // In a national number the `(0)` is the trunk zero, dropped as such.
        ok("(0)30 1234567", DE, 4930_1234567);
    }

    #[test]
    fn paren_zero_before_country_code_is_a_digit() {
        // `+(0)49…` has no country code yet: the 0 is kept and the number
        // starts with 0.
        assert_eq!(
            normalize("+(0)49 30 1234567", INTL),
            Err(PhoneError::NoCountryCode)
        );
    }

    #[test]
    fn national_with_default_country() {
        ok("030 1234567", DE, 4930_1234567);
        ok("030/1234567", DE, 4930_1234567);
        ok("(030) 123 45 67", DE, 4930_1234567);
        ok("(0)30 1234567", DE, 4930_1234567);
        ok("30 1234567", DE, 4930_1234567);
        ok("0171 2345678", DE, 49_171_2345678);
        // A number missing its `+` cannot be told from a national one.
        ok("49 30 1234567", DE, 49_4930_1234567);
        ok(
            "020 7946 0958",
            PhoneRules::with_country(44),
            44_20_7946_0958,
        );
    }

    #[test]
    fn nanp_national() {
        ok("(212) 555-0123", US, 1_212_555_0123);
        ok("212.555.0123", US, 1_212_555_0123);
        ok("2125550123", US, 1_212_555_0123);
        // Trunk prefix 1: already country-prefixed, not doubled.
        ok("1 212 555 0123", US, 1_212_555_0123);
        ok("1-800-555-0199", US, 1_800_555_0199);
        ok("12125550123", US, 1_212_555_0123);
        // Only 11 digits starting with 1 count as prefixed.
        ok("555 0123", US, 1_555_0123);
        // Other countries do not get the NANP treatment.
        ok("1 212 555 0123", DE, 49_1_212_555_0123);
    }

    #[test]
    fn international_only_takes_bare_digits_as_international() {
        ok("4930 1234567", INTL, 4930_1234567);
        ok("1 212 555 0123", INTL, 1_212_555_0123);
        err("030 1234567", INTL, PhoneError::NoCountryCode);
        err("0", INTL, PhoneError::NoCountryCode);
    }

    #[test]
    fn unusable_default_country_is_international_only() {
        for rules in [PhoneRules::with_country(0), PhoneRules::with_country(1000)] {
            ok("4930 1234567", rules, 4930_1234567);
            err("030 1234567", rules, PhoneError::NoCountryCode);
        }
    }

    #[test]
    fn whitespace_around_is_ignored() {
        ok("  +49 30 1234567  ", INTL, 4930_1234567);
        ok("\t030 1234567\r\n", DE, 4930_1234567);
        ok(" \u{c} 2125550123 \n", US, 1_212_555_0123);
    }

    #[test]
    fn blank() {
        for input in ["", "   ", "\t\r\n", "-", "( ) - . /", "+", " + ", "+()"] {
            err(input, DE, PhoneError::Blank);
            err(input, INTL, PhoneError::Blank);
        }
    }

    #[test]
    fn letters() {
        err("555-CALL-NOW", US, PhoneError::Letters);
        err("+49 30 123456x", DE, PhoneError::Letters);
        err("ext", DE, PhoneError::Letters);
        err("030 1234567 ext. 12", DE, PhoneError::Letters);
        // Letters take precedence over every other error.
        err("#555-CALL", US, PhoneError::Letters);
        err("555*CALL", US, PhoneError::Letters);
        err("1+CALL", US, PhoneError::Letters);
        err("é5a", US, PhoneError::Letters);
    }

    #[test]
    fn bad_characters() {
        for input in [
            "030#1234567",
            "*31#030 1234567",
            "030;1234567",
            "030,1234567",
            "030_1234567",
            "030\t1234567",
            "030\u{a0}1234567", // non-breaking space
            "０３０ 1234567",   // full-width digits
            "030 1234567 ☎",
            "[030] 1234567",
            "030:1234567",
        ] {
            err(input, DE, PhoneError::BadCharacter);
        }
        // Bad characters take precedence over a misplaced plus and length.
        err("1+2#", INTL, PhoneError::BadCharacter);
        err("#", INTL, PhoneError::BadCharacter);
    }

    #[test]
    fn misplaced_plus() {
        err("49+30 1234567", DE, PhoneError::MisplacedPlus);
        err("++49 30 1234567", DE, PhoneError::MisplacedPlus);
        err("+49 30 1234567+", DE, PhoneError::MisplacedPlus);
        err("(+49) 30 1234567", DE, PhoneError::MisplacedPlus);
        err("0 +49", DE, PhoneError::MisplacedPlus);
    }

    #[test]
    fn country_code_starting_with_zero() {
        err("+049 30 1234567", INTL, PhoneError::NoCountryCode);
        err("+0", DE, PhoneError::NoCountryCode);
        err("000 49 30 1234567", DE, PhoneError::NoCountryCode);
        err("00 0", DE, PhoneError::NoCountryCode);
    }

    #[test]
    fn too_short() {
        // 7 E.164 digits is the minimum, country code included.
        ok("+49 12345", INTL, 49_12345);
        err("+49 1234", INTL, PhoneError::TooShort);
        err("+1", INTL, PhoneError::TooShort);
        err("00", DE, PhoneError::TooShort);
        err("0049", DE, PhoneError::TooShort);
        err("0", DE, PhoneError::TooShort); // only the trunk zero
        err("0123", DE, PhoneError::TooShort); // 49 + 123: 5 digits
        ok("012345", DE, 49_12345);
        err("123456", INTL, PhoneError::TooShort);
        ok("1234567", INTL, 1234567);
    }

    #[test]
    fn too_long() {
        ok("+123 456 789 012 345", INTL, 123_456_789_012_345);
        err("+123 456 789 012 3456", INTL, PhoneError::TooLong);
        err("0049 30 1234567890123", INTL, PhoneError::TooLong);
        ok("0049 30 123456789", INTL, 4930_123456789);
        // The prepended country code counts.
        ok("030 12345678901", DE, 4930_12345678901);
        err("030 123456789012", DE, PhoneError::TooLong);
        ok("1234 567 8901", DE, 49_1234_567_8901);
        // Far too long never overflows.
        let long = "9".repeat(100);
        err(&long, INTL, PhoneError::TooLong);
        err(&long, DE, PhoneError::TooLong);
        err(&format!("+{long}"), DE, PhoneError::TooLong);
        err(&format!("00{long}"), DE, PhoneError::TooLong);
        err(&format!("0{long}"), DE, PhoneError::TooLong);
        err(&"1".repeat(20), US, PhoneError::TooLong);
        // Maximum u64-ish inputs of 19 and 20 digits.
        err("18446744073709551615", INTL, PhoneError::TooLong);
        err("9999999999999999999", INTL, PhoneError::TooLong);
    }

    #[test]
    fn error_codes_round_trip() {
        for (i, e) in PhoneError::ALL.iter().enumerate() {
            assert_eq!(e.code() as usize, i + 1);
            assert_eq!(PhoneError::from_code(e.code()), Some(*e));
            assert_eq!(e.to_string(), e.as_str());
            assert!(!e.as_str().is_empty());
        }
        assert_eq!(PhoneError::from_code(0), None);
        assert_eq!(PhoneError::from_code(8), None);
        assert_eq!(
            PhoneError::TooShort.as_str(),
            "too short: fewer than 7 digits"
        );
        let boxed: Box<dyn std::error::Error> = Box::new(PhoneError::Letters);
        assert_eq!(boxed.to_string(), "letters in the number");
    }

    #[test]
    fn rules_constructors() {
        assert_eq!(PhoneRules::default(), PhoneRules::international_only());
        assert_eq!(PhoneRules::with_country(49).default_country, Some(49));
        assert_eq!(PhoneRules::international_only().default_country, None);
    }

    #[test]
    fn e164_display() {
        assert_eq!(E164(4930123456).to_string(), "+4930123456");
        assert_eq!(E164(12125550123).to_string(), "+12125550123");
        assert_eq!(format!("{:?}", E164(1)), "E164(1)");
    }

    const SEPARATORS: &[&str] = &[" ", "-", ".", "(", ")", "/", "  ", " - ", ") ", " ("];

    /// Digits of `n` with separators drawn from `seps` inserted between them.
    fn spaced(n: u64, seps: &[Option<usize>]) -> String {
        let digits = n.to_string();
        let mut out = String::from("+");
        for (i, c) in digits.chars().enumerate() {
            out.push(c);
            if let Some(Some(s)) = seps.get(i) {
                out.push_str(SEPARATORS[*s % SEPARATORS.len()]);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn plain_digits_shortcut_matches_the_general_loop(
            digits in "[0-9]{1,24}",
            mutate in 0usize..30,
            byte in any::<u8>(),
            plus in any::<bool>(),
            cc in proptest::option::of(0u16..1200),
        ) {
            let rules = PhoneRules { default_country: cc };
            let plain = format!("{}{digits}", if plus { "+" } else { "" });
            // A space in the middle sends the same digits through the loop.
            let cut = digits.len() / 2;
            let spaced = format!("{}{} {}", if plus { "+" } else { "" }, &digits[..cut], &digits[cut..]);
            prop_assert_eq!(normalize(&plain, rules), normalize(&spaced, rules));
            // One byte changed: the shortcut must step aside when it is not a digit.
            let mut bytes = plain.into_bytes();
            let at = mutate % bytes.len();
            bytes[at] = byte;
            let mut spaced = bytes.clone();
            spaced.insert(bytes.len().min(1 + usize::from(plus)), b' ');
            prop_assert_eq!(normalize_bytes(&bytes, rules), normalize_bytes(&spaced, rules));
        }

        #[test]
        fn plus_round_trips(n in 1_000_000u64..=999_999_999_999_999) {
            prop_assert_eq!(normalize(&format!("+{n}"), INTL), Ok(n));
            prop_assert_eq!(normalize(&format!("+{n}"), DE), Ok(n));
            prop_assert_eq!(normalize(&format!("00{n}"), US), Ok(n));
            prop_assert_eq!(normalize(&E164(n).to_string(), DE), Ok(n));
            prop_assert_eq!(normalize(&format!("  {}\r\n", E164(n)), INTL), Ok(n));
        }

        #[test]
        fn separators_anywhere_between_digits(
            n in 1_000_000u64..=999_999_999_999_999,
            seps in proptest::collection::vec(proptest::option::of(0usize..100), 15),
        ) {
            let text = spaced(n, &seps);
            // `(0)` after the country code is the trunk notation.
            prop_assume!(!text.contains("(0)"));
            prop_assert_eq!(normalize(&text, INTL), Ok(n), "text {}", text);
            prop_assert_eq!(normalize(&text, US), Ok(n), "text {}", text);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40), cc in any::<u16>()) {
            let rules = PhoneRules { default_country: Some(cc) };
            for rules in [rules, INTL] {
                if let Ok(n) = normalize_bytes(&bytes, rules) {
                    prop_assert!((1_000_000..=999_999_999_999_999).contains(&n));
                }
            }
        }

        #[test]
        fn phone_like_input_is_valid_or_a_precise_error(
            text in "[ +0-9()./-]{0,24}",
        ) {
            match normalize(&text, DE) {
                Ok(n) => prop_assert!((1_000_000..=999_999_999_999_999).contains(&n)),
                Err(e) => prop_assert!(!matches!(e, PhoneError::Letters | PhoneError::BadCharacter)),
            }
        }
    }
}
