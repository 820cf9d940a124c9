//! CSV import of several numbers a person (`phone`, `phone2`, `phone3`,
//! their `_kind` columns, `timezone2`): differential against the `csv`
//! crate. Lists are written by the `csv` crate's writer (quoting as it
//! likes, fields with commas, quotes and line breaks in the ignored
//! column) and read back by its reader; the expected contacts follow from
//! those records by the documented rule — the valid numbers in column
//! order, each bad one reported with its line (the `csv` crate's record
//! position) and column, no valid number → InvalidRecord.

use dialcore::blacklist::Blacklist;
use dialcore::import::{import_csv, ImportOptions, RowErrorKind};
use dialcore::phone::{self, PhoneRules};
use dialcore::store::{ContactId, ContactStore, NumberKind};
use dialcore::zones::ZoneTable;
use dialcore::State;
use proptest::prelude::*;

const HEADER: [&str; 8] = [
    "phone",
    "phone_kind",
    "note",
    "phone2",
    "phone2_kind",
    "timezone2",
    "phone3",
    "timezone",
];

fn number_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "+1 212 555 0100",
        "(212) 555-0101",
        "2125550102",
        "+49 30 1234567",
        "",
        "  ",
        "555-CALL-NOW",
        "911",
        "12",
        "+1 212 555 0100",
    ])
    .prop_map(str::to_owned)
}

fn kind_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "mobile", "Home", " work ", "cell", "other"])
        .prop_map(str::to_owned)
}

fn note() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "a,b", "say \"hi\"", "two\nlines", "x"]).prop_map(str::to_owned)
}

fn zone_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "America/Chicago", "Europe/Berlin"]).prop_map(str::to_owned)
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

fn row() -> impl Strategy<Value = Row> {
    (
        number_text(),
        kind_text(),
        note(),
        number_text(),
        kind_text(),
        zone_text(),
        number_text(),
        zone_text(),
    )
}

fn write_csv(rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).unwrap();
    for r in rows {
        w.write_record([&r.0, &r.1, &r.2, &r.3, &r.4, &r.5, &r.6, &r.7])
            .unwrap();
    }
    w.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn several_numbers_match_the_csv_crate(rows in prop::collection::vec(row(), 1..12)) {
        let input = write_csv(&rows);
        let rules = PhoneRules::with_country(1);
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::new("UTC").unwrap();
        let options = ImportOptions { phone_rules: rules, default_priority: 0, ..ImportOptions::default() };
        let report = import_csv(&input[..], &mut store, &mut zones, &Blacklist::new(), &options).unwrap();
        prop_assert!(report.row_errors.is_empty(), "{:?}", report.row_errors);
        prop_assert_eq!(report.ignored_columns.clone(), vec!["note".to_owned()]);

        let mut reader = csv::ReaderBuilder::new().from_reader(&input[..]);
        let mut expected_errors = Vec::new();
        let mut id = 0u32;
        let mut extra_total = 0u64;
        for record in reader.records() {
            let record = record.unwrap();
            let line = record.position().unwrap().line();
            let f = |i: usize| record.get(i).unwrap();
            let zone = |name: &str| if name.trim().is_empty() { None } else { zones.lookup(name.trim()) };
            let row_zone = zone(f(7)).unwrap_or_default();
            let columns = [
                ("phone", f(0), f(1), row_zone),
                ("phone2", f(3), f(4), zone(f(5)).unwrap_or(row_zone)),
                ("phone3", f(6), "", row_zone),
            ];
            let mut valid = Vec::new();
            for (k, &(column, text, kind, zone)) in columns.iter().enumerate() {
                if k > 0 && text.trim().is_empty() {
                    continue;
                }
                match phone::normalize(text, rules) {
                    Ok(n) => valid.push((n, NumberKind::from_name(kind).unwrap(), zone)),
                    Err(reason) => expected_errors.push((line, column.to_owned(), reason)),
                }
            }
            let c = ContactId(id);
            let got = store.numbers_of(c);
            if valid.is_empty() {
                prop_assert_eq!(store.state(c), Some(State::InvalidRecord));
            } else {
                prop_assert_eq!(store.state(c), Some(State::Initial));
                let got: Vec<_> = got.iter().map(|n| (n.number, n.kind, n.zone)).collect();
                prop_assert_eq!(got, valid.clone(), "line {}", line);
                extra_total += valid.len() as u64 - 1;
            }
            id += 1;
        }
        prop_assert_eq!(id as usize, store.len());
        let errors: Vec<_> = report
            .number_errors
            .iter()
            .map(|e| (e.line, e.column.clone(), e.reason))
            .collect();
        prop_assert_eq!(errors, expected_errors);
        prop_assert_eq!(report.extra_numbers, extra_total);
    }
}

#[test]
fn an_unknown_kind_is_a_row_error_naming_it() {
    let input = "phone,phone2,phone2_kind\n+12125550100,+12125550101,pager\n+12125550102,,\n";
    let mut store = ContactStore::new();
    let mut zones = ZoneTable::new("UTC").unwrap();
    let report = import_csv(
        input.as_bytes(),
        &mut store,
        &mut zones,
        &Blacklist::new(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.row_errors.len(), 1);
    assert_eq!(report.row_errors[0].line, 2);
    assert_eq!(
        report.row_errors[0].kind,
        RowErrorKind::BadNumberKind {
            column: "phone2_kind".into(),
            text: "pager".into()
        }
    );
    assert_eq!(store.len(), 1);
    assert_eq!(store.number_count(ContactId(0)), 1);
}
