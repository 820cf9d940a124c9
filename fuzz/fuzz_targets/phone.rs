//! `phone::normalize` under arbitrary rules: never panics; a number it
//! accepts has at most 15 digits and reads back as itself when written
//! `+<digits>`, and the number gate for stored numbers
//! (`phone::check_e164`) accepts it too.
#![no_main]

use dialcore::phone::{check_e164, normalize, normalize_bytes, PhoneRules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (Option<u16>, &[u8])| {
    let (country, bytes) = input;
    let rules = match country {
        Some(cc) => PhoneRules::with_country(cc),
        None => PhoneRules::international_only(),
    };
    let from_bytes = normalize_bytes(bytes, rules);
    if let Ok(text) = std::str::from_utf8(bytes) {
        assert_eq!(normalize(text, rules), from_bytes, "str and bytes agree");
    }
    if let Ok(number) = from_bytes {
        assert!(
            number < 1_000_000_000_000_000,
            "{number} has more than 15 digits"
        );
        assert_eq!(
            normalize(&format!("+{number}"), rules),
            Ok(number),
            "+{number} reads back as itself"
        );
        assert_eq!(
            check_e164(number),
            Ok(number),
            "the number gate refuses {number}"
        );
    }
});
