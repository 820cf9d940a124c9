//! Parse cost per number: the phone parser before the per-country table
//! (kept here as the baseline, verbatim but for its error type) and after
//! (`dialcore::phone::normalize_bytes`, which also runs the number gate),
//! and the integer gate `dialcore::phone::check_e164` alone.
//!
//! `cargo bench -p dialcore-benches --bench phone`
//!
//! Inputs (10,000 each, fixed seed): `plain` = E.164 digits as a machine
//! writes them (`4930…`, `1212…`); `formatted` = a mix of `+CC` with
//! spaces, national with the trunk prefix, NANP `(212) 555-0123` and `00`
//! international. Throughput is per number; the ratio in the report is
//! after / before.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::phone::{self, PhoneRules};

/// The parser as it was before the per-country table (dialcore 0.1,
/// `core/src/contacts/phone/`), with a `u8` error code.
#[allow(clippy::all)]
mod before {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum PhoneError {
        Blank,
        Letters,
        BadCharacter,
        TooShort,
        TooLong,
        NoCountryCode,
        MisplacedPlus,
    }

    #[derive(Debug, Clone, Copy)]
    pub struct Rules {
        pub default_country: Option<u16>,
    }

    impl Rules {
        const fn country(self) -> Option<u16> {
            match self.default_country {
                Some(cc) if cc >= 1 && cc <= 999 => Some(cc),
                _ => None,
            }
        }
    }

    /// Fewest digits of a valid E.164 number, country code included.
    pub const MIN_DIGITS: u32 = 7;
    /// Most digits of a valid E.164 number (ITU-T E.164), country code included.
    pub const MAX_DIGITS: u32 = 15;

    /// Raw digits accumulated before the value stops growing; 19 digits always
    /// fit a `u64` (`10^19 - 1 < u64::MAX`), and anything longer is too long.
    const ACCUMULATE_DIGITS: u32 = 19;

    /// Normalizes the bytes of a number (ASCII; any non-ASCII byte is a bad
    /// character) to E.164 digits as a `u64`; see the [module docs](self).
    pub fn normalize_bytes(input: &[u8], rules: Rules) -> Result<u64, PhoneError> {
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
        rules: Rules,
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
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

const N: usize = 10_000;

/// `(text, default country)` pairs.
fn inputs(formatted: bool) -> Vec<(String, u16)> {
    let mut rng = Rng(0x5EED);
    (0..N)
        .map(|i| {
            let r = rng.next();
            let us = 2_012_000_000 + r % 7_000_000_000; // 10 digits, area 201-899
            let de = 300_000_000 + r % 10_000_000; // Berlin, 9 digits
            match (formatted, i % 4) {
                (false, 0 | 2) => (format!("1{us}"), 1),
                (false, _) => (format!("49{de}"), 49),
                (true, 0) => {
                    let s = us.to_string();
                    (format!("({}) {}-{}", &s[..3], &s[3..6], &s[6..]), 1)
                }
                (true, 1) => {
                    let s = de.to_string();
                    (format!("+49 {} {}", &s[..2], &s[2..]), 49)
                }
                (true, 2) => {
                    let s = de.to_string();
                    (format!("0{}/{}", &s[..2], &s[2..]), 49)
                }
                (true, _) => (format!("0049 {de}"), 1),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("phone_parse");
    group.throughput(Throughput::Elements(N as u64));
    for (name, formatted) in [("plain", false), ("formatted", true)] {
        let data = inputs(formatted);
        // Same numbers either way on these inputs.
        for (text, cc) in &data {
            let after = phone::normalize(text, PhoneRules::with_country(*cc));
            let old = before::normalize_bytes(
                text.as_bytes(),
                before::Rules {
                    default_country: Some(*cc),
                },
            );
            assert_eq!(after.ok(), old.ok(), "{text}");
        }
        group.bench_function(format!("dialcore_{name}"), |b| {
            b.iter(|| {
                let mut sum = 0u64;
                for (text, cc) in &data {
                    sum = sum.wrapping_add(
                        phone::normalize_bytes(
                            black_box(text.as_bytes()),
                            PhoneRules::with_country(*cc),
                        )
                        .unwrap_or(0),
                    );
                }
                sum
            })
        });
        group.bench_function(format!("before_{name}"), |b| {
            b.iter(|| {
                let mut sum = 0u64;
                for (text, cc) in &data {
                    let rules = before::Rules {
                        default_country: Some(*cc),
                    };
                    sum = sum.wrapping_add(
                        before::normalize_bytes(black_box(text.as_bytes()), rules).unwrap_or(0),
                    );
                }
                sum
            })
        });
    }
    let numbers: Vec<u64> = inputs(false)
        .iter()
        .map(|(t, _)| t.parse().expect("digits"))
        .collect();
    group.bench_function("dialcore_check_e164", |b| {
        b.iter(|| {
            numbers
                .iter()
                .map(|&n| phone::check_e164(black_box(n)).unwrap_or(0))
                .fold(0u64, u64::wrapping_add)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
