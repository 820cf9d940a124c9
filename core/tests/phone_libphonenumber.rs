//! Differential test: dialcore's phone parser against libphonenumber (the
//! `phonenumber` crate, whose metadata the parser's table is generated
//! from), on a generated corpus of numbers of the 70-odd most populous
//! countries written in every common format.
//!
//! Numbers: each type's example number of each country with its last one
//! to four digits replaced at random (fixed seed), kept when libphonenumber
//! calls the number valid. Formats: E.164; `+CC` with spaces; national with
//! the trunk prefix; national without it; the international prefix of
//! another default country (`011`, `00`, `810`, `0011`, `010`);
//! libphonenumber's own national and international formatting; dots,
//! dashes and parentheses; spaces around.
//!
//! Asserted: at least 10,000 inputs over at least 60 countries; at least
//! 99% of the inputs libphonenumber reads as a valid number come out as
//! the same E.164 number; and not one input comes out as a different number
//! that passes dialcore's gate (a wrong person called).

mod util;

use dialcore::phone::{check_e164, normalize, PhoneRules};
use phonenumber::{country, Mode, PhoneNumber};
use util::Rng;

/// The most populous countries (UN estimates), as libphonenumber regions;
/// those that are not the main region of their calling code (Canada and
/// Kazakhstan share theirs with the US and Russia) are left out.
const COUNTRIES: &[&str] = &[
    "CN", "IN", "US", "ID", "PK", "NG", "BR", "BD", "RU", "MX", "ET", "JP", "PH", "EG", "CD", "VN",
    "IR", "TR", "DE", "TH", "GB", "TZ", "FR", "ZA", "IT", "KE", "MM", "CO", "KR", "UG", "SD", "ES",
    "DZ", "IQ", "AR", "AF", "PL", "MA", "UA", "SA", "AO", "UZ", "PE", "MY", "GH", "MZ", "YE", "NP",
    "VE", "CI", "MG", "AU", "CM", "KP", "NE", "TW", "LK", "BF", "ML", "CL", "RO", "MW", "ZM", "SY",
    "EC", "NL", "SN", "GT", "TD", "SO", "ZW", "KH", "BE", "HU", "BY", "SM",
];

/// Default countries whose international prefix is used for the
/// "dialled from abroad" format.
const FROM_ABROAD: &[(&str, &str)] = &[
    ("US", "011"),
    ("DE", "00"),
    ("RU", "810"),
    ("AU", "0011"),
    ("JP", "010"),
];

fn e164_of(number: &PhoneNumber) -> u64 {
    let text = phonenumber::format(number).mode(Mode::E164).to_string();
    text.trim_start_matches('+').parse().expect("E.164 digits")
}

fn region(id: &str) -> country::Id {
    id.parse().expect("a region libphonenumber knows")
}

/// Groups digits with `sep` as `3 3 4 …` (the last group takes the rest).
fn grouped(digits: &str, sep: &str) -> String {
    let mut out = String::new();
    let mut rest = digits;
    while rest.len() > 4 {
        let (head, tail) = rest.split_at(3);
        out.push_str(head);
        out.push_str(sep);
        rest = tail;
    }
    out.push_str(rest);
    out
}

struct Case {
    input: String,
    default_region: &'static str,
    /// What libphonenumber is asked: the same input and region, except for
    /// numbers given with their country code (see [`reference`]).
    reference_input: String,
    reference_region: &'static str,
}

fn corpus() -> (Vec<Case>, usize) {
    let db = &*phonenumber::metadata::DATABASE;
    let mut rng = Rng(0x5EED_0FDA_1C0D_E000);
    let mut cases = Vec::new();
    let mut countries = 0;
    for &id in COUNTRIES {
        let meta = db.by_id(id).expect("region in the database");
        let cc = meta.country_code();
        let trunk = meta.national_prefix().unwrap_or("").to_owned();
        let d = meta.descriptors();
        let examples: Vec<String> = [d.fixed_line(), d.mobile(), d.toll_free(), d.voip(), d.uan()]
            .into_iter()
            .flatten()
            .filter_map(|desc| desc.example().map(str::to_owned))
            .collect();
        if examples.is_empty() {
            continue;
        }
        countries += 1;
        let mut numbers = 0;
        let mut tries = 0;
        while numbers < 45 && tries < 2000 {
            tries += 1;
            let example = &examples[rng.below(examples.len() as u64) as usize];
            let keep = example.len().saturating_sub(1 + rng.below(4) as usize);
            let mut nsn: String = example[..keep].to_owned();
            while nsn.len() < example.len() {
                nsn.push(char::from(b'0' + rng.below(10) as u8));
            }
            let full = format!("+{cc}{nsn}");
            let Ok(parsed) = phonenumber::parse(None, &full) else {
                continue;
            };
            if !phonenumber::is_valid(&parsed) {
                continue;
            }
            numbers += 1;
            let plus_form = format!("+{cc} {}", grouped(&nsn, " "));
            let mut push = |input: String, default_region: &'static str| {
                let international = input.trim_start().starts_with('+') || default_region != id;
                cases.push(Case {
                    reference_input: if international {
                        plus_form.clone()
                    } else {
                        input.clone()
                    },
                    reference_region: id,
                    input,
                    default_region,
                })
            };
            push(full.clone(), id);
            // libphonenumber's own national and international formatting
            // (Argentina's `011 15-2345-6789`, Mexico's, …).
            push(
                phonenumber::format(&parsed)
                    .mode(Mode::National)
                    .to_string(),
                id,
            );
            push(
                phonenumber::format(&parsed)
                    .mode(Mode::International)
                    .to_string(),
                id,
            );
            push(format!("+{cc} {}", grouped(&nsn, " ")), id);
            push(format!("+{cc}-{}", grouped(&nsn, "-")), "US");
            push(format!("{trunk}{nsn}"), id);
            push(format!("{trunk} {}", grouped(&nsn, " ")), id);
            push(nsn.clone(), id);
            push(format!("{trunk}{}", grouped(&nsn, ".")), id);
            if nsn.len() > 4 {
                let (area, rest) = nsn.split_at(3);
                push(format!("({trunk}{area}) {}", grouped(rest, "-")), id);
            }
            let (from, idd) = FROM_ABROAD[rng.below(FROM_ABROAD.len() as u64) as usize];
            if from != id {
                push(format!("{idd} {cc} {}", grouped(&nsn, " ")), from);
            }
            push(format!("  +{cc} {}\t", grouped(&nsn, " ")), id);
        }
    }
    (cases, countries)
}

/// libphonenumber's valid E.164 reading of `input` with default region
/// `region`, if any.
///
/// For a number written with its country code (`+CC`, or the default
/// country's international prefix), libphonenumber strips the national
/// prefix of the number's own country after the code; the `phonenumber`
/// crate strips the default region's instead (`+86 131 2345 6642` with
/// default US loses the `1` of `131`: `+86 3123456642`). Those inputs are
/// therefore checked against the crate's reading of the `+CC` form with the
/// number's own region, which is what libphonenumber itself does; the test
/// prints how many inputs that concerns.
fn reference(input: &str, region_id: &str) -> Option<u64> {
    phonenumber::parse(Some(region(region_id)), input)
        .ok()
        .filter(phonenumber::is_valid)
        .map(|n| e164_of(&n))
}

#[test]
fn agrees_with_libphonenumber() {
    let (cases, countries) = corpus();
    let mut valid = 0u64;
    let mut agree = 0u64;
    let mut wrong = Vec::new();
    let mut differ = Vec::new();
    let mut quirks = 0u64;
    for case in &cases {
        let want = reference(&case.reference_input, case.reference_region);
        if want != reference(&case.input, case.default_region) {
            quirks += 1;
        }
        let cc = phonenumber::metadata::DATABASE
            .by_id(case.default_region)
            .map(|m| m.country_code())
            .expect("region");
        let ours = normalize(&case.input, PhoneRules::with_country(cc));
        if let Ok(n) = ours {
            assert_eq!(check_e164(n), Ok(n), "input {:?}", case.input);
        }
        let Some(want) = want else { continue };
        valid += 1;
        match ours {
            Ok(n) if n == want => agree += 1,
            Ok(n) => wrong.push(format!(
                "{:?} (default {}): libphonenumber +{want}, dialcore +{n}",
                case.input, case.default_region
            )),
            Err(e) => differ.push(format!(
                "{:?} (default {}): libphonenumber +{want}, dialcore {}",
                case.input,
                case.default_region,
                e.name()
            )),
        }
    }
    let share = agree as f64 / valid.max(1) as f64;
    println!(
        "phone differential: {} inputs, {countries} countries, {valid} valid per libphonenumber, \
         {agree} agree ({:.2}%), {} rejected by dialcore, {} different numbers \
         ({quirks} inputs where the crate with the campaign's default region reads otherwise)",
        cases.len(),
        share * 100.0,
        differ.len(),
        wrong.len()
    );
    for line in differ.iter().take(40) {
        println!("  rejected: {line}");
    }
    for line in wrong.iter().take(40) {
        println!("  WRONG: {line}");
    }
    assert!(cases.len() >= 10_000, "corpus of {} inputs", cases.len());
    assert!(countries >= 60, "{countries} countries");
    assert!(
        wrong.is_empty(),
        "{} inputs read as a different number",
        wrong.len()
    );
    assert!(share >= 0.99, "agreement {:.2}%", share * 100.0);
}
