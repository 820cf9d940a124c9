//! The CSV importer and zones: with `zone_from_number` a CSV list gives
//! every number the zone `add_contacts_numbers` gives it (a differential
//! test against that path), with the same counters; the `region` column
//! sets the contact's region for the calling rules; bad values are reported
//! with their line and column.

mod util;

use dialcore::campaign::several::{ContactNumbersRow, PhoneInput};
use dialcore::import::RowErrorKind;
use dialcore::nanp::Region;
use dialcore::phone::PhoneError;
use dialcore::store::NumberKind;
use dialcore::{Campaign, CampaignConfig, ContactId, Mode, State};
use proptest::prelude::*;
use util::*;

fn zone_config(fallback: &str) -> CampaignConfig {
    let mut cfg = config(Mode::Predictive);
    cfg.numbers.zone_from_number = true;
    cfg.numbers.fallback_timezone = fallback.to_owned();
    cfg
}

fn zones_of(c: &Campaign, id: ContactId) -> Vec<(u64, String)> {
    c.store()
        .numbers_of(id)
        .iter()
        .map(|n| (n.number, c.zones().name(n.zone).to_owned()))
        .collect()
}

#[test]
fn csv_numbers_take_the_zone_of_their_number_and_fail_closed() {
    let mut c = campaign(zone_config(""));
    let csv = "phone,timezone,phone2,timezone2,region\n\
        +1 312 555 0100,,+1 800 555 0100,,\n\
        +1 800 555 0101,,,,\n\
        +1 212 555 0102,America/Chicago,+49 30 1234567,,\n\
        +1 212 555 0103,,+1 310 555 0103,America/Denver,US-FL\n";
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert!(report.row_errors.is_empty(), "{report:#?}");
    // Chicago from the area code; the toll-free number has no zone and no
    // fallback: left out, reported with its line and column.
    assert_eq!(
        zones_of(&c, ContactId(0)),
        [(13125550100, "America/Chicago".to_owned())]
    );
    let errors: Vec<(u64, &str, PhoneError)> = report
        .number_errors
        .iter()
        .map(|e| (e.line, e.column.as_str(), e.reason))
        .collect();
    assert_eq!(
        errors,
        [
            (2, "phone2", PhoneError::NoTimeZone),
            (3, "phone", PhoneError::NoTimeZone)
        ]
    );
    // Only a toll-free number: an InvalidRecord with the reason.
    assert_eq!(c.state(ContactId(1)), Some(State::InvalidRecord));
    assert_eq!(
        c.store().invalid_reason(ContactId(1)).map(|r| r.0),
        Some(PhoneError::NoTimeZone)
    );
    // A written zone wins (a mismatch is counted); `timezone` is also the
    // zone written for phone2 when timezone2 is blank.
    assert_eq!(
        zones_of(&c, ContactId(2)),
        [
            (12125550102, "America/Chicago".to_owned()),
            (49301234567, "America/Chicago".to_owned())
        ]
    );
    assert_eq!(
        zones_of(&c, ContactId(3)),
        [
            (12125550103, "America/New_York".to_owned()),
            (13105550103, "America/Denver".to_owned())
        ]
    );
    let counts = report.zone_counts;
    assert_eq!(
        (
            counts.from_number,
            counts.fallback,
            counts.no_zone,
            counts.mismatch
        ),
        (2, 0, 2, 3)
    );
    assert_eq!(c.zone_counts(), counts, "the campaign counts the import");
    // The region column: the contact's explicit region.
    assert_eq!(
        c.contact_region(ContactId(3)),
        Some(Region::parse("US-FL").unwrap())
    );
    assert_eq!(
        report.regions,
        [(ContactId(3), Region::parse("US-FL").unwrap())]
    );
    assert_eq!(c.contact_region(ContactId(0)), None);
    assert!(report.ignored_columns.is_empty());
}

#[test]
fn a_fallback_zone_takes_the_numbers_with_none() {
    let mut c = campaign(zone_config("America/Denver"));
    let report = c
        .import_csv(&b"phone,phone2\n+1 800 555 0100,+1 212 555 0100\n"[..])
        .unwrap();
    assert!(report.number_errors.is_empty());
    assert_eq!(
        zones_of(&c, ContactId(0)),
        [
            (18005550100, "America/Denver".to_owned()),
            (12125550100, "America/New_York".to_owned())
        ]
    );
    assert_eq!(
        (report.zone_counts.fallback, report.zone_counts.from_number),
        (1, 1)
    );
    // A list with one number column takes the same path.
    let report = c.import_csv(&b"phone\n+1 888 555 0100\n"[..]).unwrap();
    assert_eq!(report.zone_counts.fallback, 1);
    assert_eq!(
        zones_of(&c, ContactId(1)),
        [(18885550100, "America/Denver".to_owned())]
    );
}

#[test]
fn without_zone_from_number_nothing_changes() {
    let mut c = campaign(config(Mode::Predictive));
    let report = c
        .import_csv(&b"phone,phone2\n+1 312 555 0100,+1 800 555 0100\n"[..])
        .unwrap();
    assert_eq!(report.zone_counts, Default::default());
    let default = c.zones().name(dialcore::zones::ZoneId::DEFAULT).to_owned();
    assert_eq!(
        zones_of(&c, ContactId(0)),
        [(13125550100, default.clone()), (18005550100, default)]
    );
}

#[test]
fn a_bad_region_is_a_row_error_naming_the_line_and_column() {
    let mut c = campaign(config(Mode::Predictive));
    let csv = "phone,region\n+1 212 555 0100,US-NY\n+1 212 555 0101,Florida\n+1 212 555 0102, \n";
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert_eq!(report.imported(), 2);
    assert_eq!(report.row_errors.len(), 1);
    assert_eq!(report.row_errors[0].line, 3);
    assert_eq!(
        report.row_errors[0].kind,
        RowErrorKind::BadRegion {
            column: "region".into(),
            text: "Florida".into()
        }
    );
    let shown = report.row_errors[0].to_string();
    assert!(shown.contains("line 3") && shown.contains("\"region\"") && shown.contains("Florida"));
    assert_eq!(
        c.contact_region(ContactId(0)),
        Some(Region::parse("US-NY").unwrap())
    );
    assert_eq!(c.contact_region(ContactId(1)), None, "a blank region");
}

#[test]
fn a_region_from_csv_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Mode::Predictive);
    {
        let (mut c, _) = Campaign::open(dir.path(), cfg.clone()).unwrap();
        c.import_csv(&b"phone,region\n+1 212 555 0100,US-TX\n"[..])
            .unwrap();
        c.flush().unwrap();
    }
    let (c, _) = Campaign::open(dir.path(), cfg).unwrap();
    assert_eq!(
        c.contact_region(ContactId(0)),
        Some(Region::parse("US-TX").unwrap())
    );
}

/// Number texts: zones from the area code, toll free, another country,
/// an ambiguous NANP code, bad and blank.
const PHONES: &[&str] = &[
    "+1 212 555 0100",
    "+1 312 555 0101",
    "+1 800 555 0102",
    "+49 30 1234567",
    "+1 902 555 0104",
    "+7 495 123 4567",
    "555-CALL",
    "",
];

const ZONES: &[&str] = &["", "", "America/New_York", "Europe/Berlin"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// A CSV list and the same rows through `add_contacts_numbers` (each
    /// number given its `timezoneN`, else the row's `timezone`) give every
    /// contact the same state, numbers and zones, reject the same numbers
    /// and count the same. (Two documented differences are left out: the
    /// CSV reports a blank `phone` as a number error, the reason of an
    /// InvalidRecord whose `phone` is blank, and keeps the row's `timezone`
    /// for an InvalidRecord.)
    #[test]
    fn csv_import_agrees_with_add_contacts_numbers(
        rows in proptest::collection::vec(
            proptest::collection::vec(
                (proptest::sample::select(PHONES), proptest::sample::select(ZONES)),
                3,
            ),
            1..12,
        ),
        fallback in proptest::sample::select(vec!["", "America/Denver"]),
    ) {
        let mut csv = String::from("phone,timezone,phone2,timezone2,phone3,timezone3\n");
        for row in &rows {
            let fields: Vec<String> = row.iter().map(|(p, z)| format!("{p},{z}")).collect();
            csv.push_str(&fields.join(","));
            csv.push('\n');
        }
        let mut a = campaign(zone_config(fallback));
        let report = a.import_csv(csv.as_bytes()).unwrap();
        prop_assert!(report.row_errors.is_empty(), "{:?}", report.row_errors);

        let inputs: Vec<Vec<PhoneInput<'_>>> = rows
            .iter()
            .map(|row| {
                let row_zone = row[0].1;
                row.iter()
                    .map(|&(phone, zone)| {
                        let zone = if zone.is_empty() { row_zone } else { zone };
                        PhoneInput {
                            phone,
                            kind: NumberKind::Other,
                            timezone: Some(zone).filter(|z| !z.is_empty()),
                        }
                    })
                    .collect()
            })
            .collect();
        let bulk: Vec<ContactNumbersRow<'_>> = inputs
            .iter()
            .map(|phones| ContactNumbersRow { phones, external_id: "", priority: 0 })
            .collect();
        let mut b = campaign(zone_config(fallback));
        let (ids, rejected) = b.add_contacts_numbers(&bulk).unwrap();
        prop_assert_eq!(ids.start.0..ids.end.0, report.ids.clone());
        for i in report.ids.clone() {
            let id = ContactId(i);
            prop_assert_eq!(a.state(id), b.state(id), "row {}", i);
            let row = (i - report.ids.start) as usize;
            if !rows[row][0].0.is_empty() {
                // (With a blank `phone` the CSV record keeps that reason.)
                prop_assert_eq!(a.store().invalid_reason(id).map(|r| r.0), b.store().invalid_reason(id).map(|r| r.0));
            }
            if a.state(id) != Some(State::InvalidRecord) {
                prop_assert_eq!(zones_of(&a, id), zones_of(&b, id), "row {}", i);
            }
        }
        let column = |p: usize| ["phone", "phone2", "phone3"][p];
        let mut from_csv: Vec<(u64, String, PhoneError)> = report
            .number_errors
            .iter()
            .filter(|e| e.reason != PhoneError::Blank)
            .map(|e| (e.line, e.column.clone(), e.reason))
            .collect();
        let mut from_api: Vec<(u64, String, PhoneError)> = rejected
            .iter()
            .flat_map(|(row, r)| {
                r.iter().map(move |r| (*row as u64 + 2, column(r.position).to_owned(), r.reason))
            })
            .collect();
        from_csv.sort_by_key(|e| (e.0, e.1.clone()));
        from_api.sort_by_key(|e| (e.0, e.1.clone()));
        prop_assert_eq!(from_csv, from_api);
        prop_assert_eq!(a.zone_counts(), b.zone_counts());
    }
}
