//! The number gate holds on every path a number enters by: text
//! (`add_contact`, CSV import, `fix_number`) and integers (`add_numbers`,
//! the path C and Python use), and every emergency number of the table is
//! refused in every form.

// Phone numbers are grouped as country, area and subscriber digits.
#![allow(clippy::inconsistent_digit_grouping)]

mod util;

use std::collections::BTreeSet;

use dialcore::phone::{self, check_e164, normalize, PhoneError, PhoneRules};
use dialcore::{ContactId, EngineError, Mode, State};
use util::*;

/// Calling codes of the 60-odd most populous countries (UN estimates).
const POPULOUS: &[u16] = &[
    86, 91, 1, 62, 92, 234, 55, 880, 7, 52, 251, 81, 63, 20, 243, 84, 98, 90, 49, 66, 44, 255, 33,
    27, 39, 254, 95, 57, 82, 256, 249, 34, 213, 964, 54, 93, 48, 212, 380, 966, 244, 998, 51, 60,
    233, 258, 967, 977, 58, 225, 261, 61, 237, 850, 227, 886, 94, 226, 223, 56, 40, 265, 260, 963,
];

/// The emergency numbers everybody knows, by calling code.
const WELL_KNOWN: &[(u16, &str)] = &[
    (1, "911"),
    (49, "112"),
    (49, "110"),
    (44, "999"),
    (44, "112"),
    (61, "000"),
    (81, "110"),
    (81, "119"),
    (86, "110"),
    (86, "119"),
    (91, "100"),
    (91, "101"),
    (91, "102"),
    (91, "112"),
    (33, "15"),
    (33, "17"),
    (33, "18"),
    (7, "112"),
    (55, "190"),
    (52, "911"),
];

#[test]
fn every_emergency_number_is_refused_in_every_form() {
    let all: Vec<(u16, String)> = phone::emergency_numbers().collect();
    let codes: BTreeSet<u16> = all.iter().map(|(cc, _)| *cc).collect();
    for cc in POPULOUS {
        assert!(codes.contains(cc), "no emergency number for +{cc}");
    }
    for (cc, number) in WELL_KNOWN {
        assert!(all.contains(&(*cc, number.to_string())), "+{cc} {number}");
    }
    let mut checked = 0;
    for (cc, number) in &all {
        let value: u64 = number.parse().unwrap();
        let national = PhoneRules::with_country(*cc);
        let e164 = format!("{cc}{number}");
        for (input, rules) in [
            (number.clone(), national),
            (number.clone(), PhoneRules::international_only()),
            (format!("+{cc} {number}"), national),
            (format!("+{cc} {number}"), PhoneRules::with_country(49)),
            (format!("+{e164}"), PhoneRules::international_only()),
            (format!("00{e164}"), PhoneRules::with_country(1)),
        ] {
            assert_eq!(
                normalize(&input, rules),
                Err(PhoneError::EmergencyNumber),
                "{input:?} with {rules:?}"
            );
        }
        assert_eq!(
            check_e164(e164.parse().unwrap()),
            Err(PhoneError::EmergencyNumber),
            "{e164}"
        );
        if value != 0 && !number.starts_with('0') {
            assert_eq!(
                check_e164(value),
                Err(PhoneError::EmergencyNumber),
                "{number}"
            );
        }
        checked += 1;
    }
    assert!(checked > 500, "{checked} emergency numbers");
}

#[test]
fn add_numbers_gates_integers_and_keeps_the_reason() {
    let mut c = campaign(config(Mode::Progressive));
    let numbers = [
        1_212_555_0100,
        911,
        1911,
        u64::MAX,
        0,
        999_123_456_789,
        1_212_555_01000,
        49_116_116_0,
    ];
    let ids = c.add_numbers(&numbers, 0).unwrap();
    let id = |i: u32| ContactId(ids.start + i);
    assert_eq!(c.state(id(0)), Some(State::Initial));
    let want = [
        (1, PhoneError::EmergencyNumber, "911"),
        (2, PhoneError::EmergencyNumber, "1911"),
        (3, PhoneError::TooLong, "18446744073709551615"),
        (4, PhoneError::Blank, ""),
        (5, PhoneError::UnknownCountryCode, "999123456789"),
        (6, PhoneError::WrongLength, "121255501000"),
    ];
    for (i, reason, raw) in want {
        assert_eq!(c.state(id(i)), Some(State::InvalidRecord), "{raw}");
        assert_eq!(c.store().invalid_reason(id(i)), Some((reason, raw)));
        assert_eq!(c.store().number(id(i)), None);
    }
    assert_counts_exact(&c);
    // Only the good number is ever offered.
    ready_operator(&mut c, T0);
    let offered: Vec<ContactId> = offers(&poll(&mut c, T0))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(offered, [id(0)]);
}

#[test]
fn text_paths_use_the_same_gate() {
    let mut c = campaign(config(Mode::Progressive));
    let one = contact(&mut c, "911");
    let two = contact(&mut c, "+1 911");
    let three = contact(&mut c, "011 33 6 12 34 45 81");
    assert_eq!(
        c.store().invalid_reason(one),
        Some((PhoneError::EmergencyNumber, "911"))
    );
    assert_eq!(
        c.store().invalid_reason(two),
        Some((PhoneError::EmergencyNumber, "+1 911"))
    );
    // NANP's international prefix is read as one.
    assert_eq!(c.store().number(three), Some(33_6_12_34_45_81));

    let report = c
        .import_csv("phone\n112\n+999 123 456 789\n(212) 555-0101\n12345\n".as_bytes())
        .unwrap();
    assert_eq!(report.invalid, 3);
    let reasons: Vec<PhoneError> = report.invalid_rows.iter().map(|r| r.reason).collect();
    assert_eq!(
        reasons,
        [
            PhoneError::EmergencyNumber,
            PhoneError::UnknownCountryCode,
            PhoneError::ServiceNumber
        ]
    );

    // fix_number refuses an emergency number and changes nothing.
    let err = c.fix_number(one, "+1 (911)").unwrap_err();
    assert!(
        matches!(
            err,
            EngineError::InvalidNumber {
                reason: PhoneError::EmergencyNumber,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(c.state(one), Some(State::InvalidRecord));
    assert_eq!(c.fix_number(one, "212 555 0102").unwrap(), State::Initial);
    assert_eq!(c.store().number(one), Some(1_212_555_0102));
    assert_counts_exact(&c);
}
