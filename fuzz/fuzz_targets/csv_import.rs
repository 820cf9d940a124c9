//! The CSV importer over arbitrary bytes: its records are the `csv` crate's
//! (the same differential as `core/tests/csv_diff.rs`, on whatever libFuzzer
//! finds), and an import accounts for every row: each is a contact or a row
//! error, and the store's counts stay exact.
#![no_main]

use dialcore::blacklist::Blacklist;
use dialcore::import::{import_csv, read_records, ImportOptions, MAX_RECORD_BYTES};
use dialcore::phone::PhoneRules;
use dialcore::store::ContactStore;
use dialcore::zones::ZoneTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = read_records(data).expect("reading a slice cannot fail");
    if data.len() < MAX_RECORD_BYTES {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(data);
        let theirs: Vec<Vec<Vec<u8>>> = reader
            .byte_records()
            .map(|r| r.expect("flexible").iter().map(<[u8]>::to_vec).collect())
            .collect();
        let ours: Vec<Vec<Vec<u8>>> = ours
            .into_iter()
            .map(|r| r.fields.expect("short input"))
            .collect();
        assert_eq!(ours, theirs);
    }
    let mut store = ContactStore::new();
    let mut zones = ZoneTable::default();
    let mut blacklist = Blacklist::new();
    blacklist.insert(4930123456);
    let options = ImportOptions {
        phone_rules: PhoneRules::with_country(49),
        default_priority: 2,
        ..ImportOptions::default()
    };
    if let Ok(report) = import_csv(data, &mut store, &mut zones, &blacklist, &options) {
        assert_eq!(
            report.imported() + report.row_errors.len() as u64,
            report.rows
        );
        assert_eq!(store.len() as u64, report.imported());
        assert_eq!(report.ids.len() as u64, report.imported());
        assert_eq!(report.invalid_rows.len() as u64, report.invalid);
        assert_eq!(store.counts(), &store.recount());
        assert!(report.row_errors.windows(2).all(|w| w[0].line < w[1].line));
    } else {
        assert!(store.is_empty(), "a failed import adds nothing");
    }
});
