//! Loads a synthetic contact list through the CSV importer and prints what a
//! campaign would start with: the import report, counts per state and the
//! memory the store takes.
//!
//! `cargo run --release -p dialcore --example load_contacts -- [CONTACTS]`

use std::fmt::Write as _;
use std::time::Instant;

use dialcore::blacklist::Blacklist;
use dialcore::import::{import_csv, ImportOptions};
use dialcore::phone::PhoneRules;
use dialcore::store::ContactStore;
use dialcore::zones::ZoneTable;

fn main() {
    let contacts: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        None => 1_000_000,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("usage: load_contacts [CONTACTS]  (a whole number)");
            std::process::exit(2);
        }
    };
    let csv = synthetic_csv(contacts);
    let mut blacklist = Blacklist::new();
    for i in (0..contacts as u64).step_by(97) {
        blacklist.insert(number(i));
    }
    let mut store = ContactStore::with_capacity(contacts);
    let mut zones = ZoneTable::new("America/New_York").expect("known zone");
    let options = ImportOptions {
        phone_rules: PhoneRules::with_country(1),
        default_priority: 0,
        ..ImportOptions::default()
    };
    let started = Instant::now();
    let report = match import_csv(csv.as_bytes(), &mut store, &mut zones, &blacklist, &options) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("import failed: {e}");
            std::process::exit(1);
        }
    };
    let took = started.elapsed();
    println!(
        "imported {} rows ({} MB of CSV) in {:.2?} ({:.1} M rows/s)",
        report.rows,
        csv.len() / 1_000_000,
        took,
        report.rows as f64 / took.as_secs_f64() / 1e6
    );
    println!(
        "valid {}, invalid {}, blacklisted {}, duplicates in file {}, malformed rows {}",
        report.valid,
        report.invalid,
        report.blacklisted,
        report.duplicates_in_file,
        report.row_errors.len()
    );
    for e in report.row_errors.iter().take(3) {
        println!("  {e}");
    }
    for r in report.invalid_rows.iter().take(3) {
        println!("  line {}: invalid number: {}", r.line, r.reason);
    }
    println!("contacts per state:");
    for (state, count) in store.counts().iter().filter(|(_, c)| *c > 0) {
        println!("  {:>2} {:<28} {count}", state.code(), state.display_name());
    }
    assert_eq!(store.counts(), &store.recount());
    println!(
        "memory: {:.1} bytes/contact in columns, {:.1} with arenas and the number index",
        store.column_bytes() as f64 / store.len().max(1) as f64,
        store.heap_bytes() as f64 / store.len().max(1) as f64
    );
}

fn number(i: u64) -> u64 {
    // US-like numbers: 1 + area code + 7 digits, spread deterministically.
    let area = 201 + (i * 7919) % 700;
    10000000000 + area * 10000000 + (i * 104729) % 10000000
}

fn synthetic_csv(contacts: usize) -> String {
    let zones = [
        "",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
    ];
    let mut csv = String::with_capacity(contacts * 48);
    csv.push_str("phone,external_id,timezone,priority\n");
    for i in 0..contacts as u64 {
        let n = number(i);
        match i % 1000 {
            // A few rows people really send: letters, a malformed row, a duplicate.
            13 => csv.push_str("555-CALL-NOW"),
            17 => csv.push_str("(212) 555"),
            _ => {
                let _ = write!(
                    csv,
                    "({:03}) {:03}-{:04}",
                    n / 10_000_000 % 1000,
                    n / 10_000 % 1000,
                    n % 10_000
                );
            }
        }
        if i % 1000 == 23 {
            csv.push_str(",broken row\n");
            continue;
        }
        let _ = writeln!(csv, ",crm-{i},{},{}", zones[(i % 4) as usize], i % 3);
    }
    csv
}
