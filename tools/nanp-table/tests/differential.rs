//! Differential test: `dialcore::nanp` against a plain reading of the source
//! data (longest-prefix match over the lines, as libphonenumber answers).
//!
//! The reference reads the committed extracts in `data/`; with
//! `LIBPHONENUMBER_RESOURCES=/path/to/libphonenumber/resources` it reads the
//! full upstream files instead, which also checks that the extract keeps
//! every line that matters.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dialcore::nanp;
use nanp_table::{data_lines, regions_of_description, territory_area_codes, Region};
use proptest::prelude::*;

struct Reference {
    territories: BTreeMap<u16, String>,
    /// national prefix → regions (US/CA lines only).
    geo: BTreeMap<String, BTreeSet<Region>>,
    /// national prefix → zones (the `1|` line left out).
    tz: BTreeMap<String, BTreeSet<String>>,
}

fn reference() -> Reference {
    let data = nanp_table::data_dir();
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let (geo_text, tz_text) = match std::env::var_os("LIBPHONENUMBER_RESOURCES") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            (
                read(dir.join("geocoding/en/1.txt")),
                read(dir.join("timezones/map_data.txt")),
            )
        }
        None => (
            read(data.join("geocoding-en-1.txt")),
            read(data.join("timezones-1.txt")),
        ),
    };
    let territories = territory_area_codes(&read(data.join("territories-1.txt"))).unwrap();
    let mut geo = BTreeMap::new();
    for (p, d) in data_lines(&geo_text) {
        let ac: u16 = p[..3].parse().unwrap();
        if territories.contains_key(&ac) {
            continue;
        }
        geo.insert(p, regions_of_description(&d).unwrap().into_iter().collect());
    }
    let tz = data_lines(&tz_text)
        .into_iter()
        .map(|(p, z)| (p, z.split('&').map(str::to_owned).collect()))
        .collect();
    Reference {
        territories,
        geo,
        tz,
    }
}

/// Longest listed prefix of the 10-digit `nsn` (the area code or finer);
/// with none, the union of everything listed under the area code.
fn longest<T: Ord + Clone>(map: &BTreeMap<String, BTreeSet<T>>, nsn: &str) -> BTreeSet<T> {
    for n in (3..=10).rev() {
        if let Some(s) = map.get(&nsn[..n]) {
            return s.clone();
        }
    }
    map.range(nsn[..3].to_owned()..)
        .take_while(|(p, _)| p.starts_with(&nsn[..3]))
        .flat_map(|(_, s)| s.iter().cloned())
        .collect()
}

fn check(r: &Reference, nsn: u64) {
    let number = 10_000_000_000 + nsn;
    let digits = format!("{nsn:010}");
    let ac: u16 = digits[..3].parse().unwrap();
    let want_regions: BTreeSet<String> = if ac < 200 {
        BTreeSet::new()
    } else if let Some(id) = r.territories.get(&ac) {
        BTreeSet::from([id.clone()])
    } else {
        longest(&r.geo, &digits)
            .into_iter()
            .map(|(c, s)| format!("{c}-{s}"))
            .collect()
    };
    let got_regions: BTreeSet<String> = nanp::regions(number)
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(got_regions, want_regions, "regions of +{number}");
    let want_zones = if ac < 200 {
        BTreeSet::new()
    } else {
        longest(&r.tz, &digits)
    };
    let got_zones: BTreeSet<String> = nanp::zones(number).iter().map(|z| z.to_string()).collect();
    assert_eq!(got_zones, want_zones, "zones of +{number}");
    assert_eq!(nanp::region(number).is_some(), want_regions.len() == 1);
    assert_eq!(nanp::zone(number).is_some(), want_zones.len() == 1);
}

#[test]
fn every_listed_prefix_answers_as_the_source_does() {
    let r = reference();
    let prefixes: BTreeSet<String> = r.geo.keys().chain(r.tz.keys()).cloned().collect();
    assert!(
        prefixes.len() > 2000,
        "source read: {} prefixes",
        prefixes.len()
    );
    for p in &prefixes {
        for fill in ['0', '5', '9'] {
            let mut d = p.clone();
            while d.len() < 10 {
                d.push(fill);
            }
            check(&r, d.parse().unwrap());
        }
    }
    for ac in 100..1000u64 {
        check(&r, ac * 10_000_000 + 5_550_123);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]
    #[test]
    fn random_numbers_answer_as_the_source_does(nsn in 0u64..10_000_000_000) {
        thread_local!(static R: Reference = reference());
        R.with(|r| check(r, nsn));
    }
}

#[test]
fn numbers_outside_nanp_have_no_answer() {
    for n in [
        4930123456u64,
        442071234567,
        1,
        0,
        9_999_999_999,
        20_000_000_000,
        u64::MAX,
    ] {
        assert!(nanp::regions(n).is_empty(), "{n}");
        assert!(nanp::zones(n).is_empty(), "{n}");
    }
}
