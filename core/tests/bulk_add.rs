//! Bulk contact adds (`Campaign::add_contacts`) in a data directory: one
//! operation, recovered wholly or not at all after the journal is cut at
//! any point (a SIGKILL or power loss mid-write), and a campaign reopened
//! after such a cut goes on with consistent ids.

mod util;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use dialcore::campaign::bulk::ContactRow;
use dialcore::journal::FsyncPolicy;
use dialcore::{Campaign, ContactId, DurableOptions, Mode, State};
use util::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("dialcore-bulk-{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn journal(&self) -> PathBuf {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("journal-") && !n.contains(".damaged"))
            })
            .collect();
        files.sort();
        files.pop().expect("a journal")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn open(dir: &TempDir) -> Campaign {
    let options = DurableOptions {
        fsync: FsyncPolicy::Always,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    };
    Campaign::open_with(dir.path(), config(Mode::Progressive), options)
        .expect("opens")
        .0
}

const ROWS: usize = 90_000;

/// Phone texts and external ids of the bulk add (large enough for the
/// record to be written in several parts).
fn texts() -> (Vec<String>, Vec<String>) {
    let phones = (0..ROWS)
        .map(|i| match i % 1000 {
            500 => "not a number".to_owned(),
            _ => format!("+1 212 {:07}", 5_000_000 + i),
        })
        .collect();
    let ext = (0..ROWS).map(|i| format!("crm-{i:06}")).collect();
    (phones, ext)
}

fn rows<'a>(phones: &'a [String], ext: &'a [String]) -> Vec<ContactRow<'a>> {
    phones
        .iter()
        .zip(ext)
        .enumerate()
        .map(|(i, (p, e))| ContactRow {
            phone: p,
            external_id: e,
            timezone: (i % 3 == 0).then_some("America/Chicago"),
            priority: (i % 7) as u8,
        })
        .collect()
}

/// Writes one single add, then the bulk add; returns the journal and its
/// length before and after the bulk add.
fn write(dir: &TempDir) -> (PathBuf, u64, u64) {
    let mut c = open(dir);
    c.add_contact("+1 212 555 0000", "single", None, 9).unwrap();
    let journal = dir.journal();
    let before = fs::metadata(&journal).unwrap().len();
    let (phones, ext) = texts();
    let ids = c.add_contacts(&rows(&phones, &ext)).unwrap();
    assert_eq!(ids, ContactId(1)..ContactId(1 + ROWS as u32));
    drop(c);
    let after = fs::metadata(&journal).unwrap().len();
    assert!(
        after - before > 2 << 20,
        "several parts: {} bytes",
        after - before
    );
    (journal, before, after)
}

fn assert_whole(c: &Campaign) {
    assert_eq!(c.store().len(), 1 + ROWS);
    let (phones, ext) = texts();
    for i in [0, 1, 500, 777, ROWS - 1] {
        let id = ContactId(1 + i as u32);
        assert_eq!(c.store().external_id(id), Some(ext[i].as_str()));
        assert_eq!(c.store().priority(id), Some((i % 7) as u8));
        let want = if i % 1000 == 500 {
            State::InvalidRecord
        } else {
            State::Initial
        };
        assert_eq!(c.state(id), Some(want), "row {i}");
        if want == State::InvalidRecord {
            assert_eq!(c.store().invalid_reason(id).unwrap().1, phones[i]);
        }
        let zone = c.store().zone(id).unwrap();
        let chicago = i % 3 == 0;
        assert_eq!(
            c.zones().name(zone) == "America/Chicago",
            chicago,
            "row {i}"
        );
    }
    assert_eq!(c.counts(), &c.store().recount());
}

#[test]
fn a_bulk_add_survives_a_clean_stop_whole() {
    let dir = TempDir::new("whole");
    write(&dir);
    let c = open(&dir);
    assert_whole(&c);
    assert!(c.store().has_number(12_125_089_999));
}

#[test]
fn a_journal_cut_anywhere_in_a_bulk_add_recovers_none_of_it() {
    let probe = TempDir::new("probe");
    let (_, before, after) = write(&probe);
    let span = after - before;
    let cuts = [
        0,
        1,
        20,
        span / 3,
        span / 2,
        span / 2 + 7,
        2 * span / 3,
        span - 21,
        span - 1,
    ];
    for cut in cuts {
        let dir = TempDir::new("cut");
        let (journal, b, a) = write(&dir);
        assert_eq!((b, a), (before, after), "the same bytes every time");
        let file = fs::OpenOptions::new().write(true).open(&journal).unwrap();
        file.set_len(before + cut).unwrap();
        drop(file);
        let mut c = open(&dir);
        assert_eq!(c.store().len(), 1, "cut at +{cut}: none of the bulk add");
        assert_eq!(c.store().external_id(ContactId(0)), Some("single"));
        assert_eq!(c.counts(), &c.store().recount());
        // The campaign goes on: the next contact takes id 1, and a reopen
        // sees the same (the bulk add's surviving parts stay dropped).
        let id = c.add_contact("+1 212 555 0001", "next", None, 0).unwrap();
        assert_eq!(id, ContactId(1));
        drop(c);
        let c = open(&dir);
        assert_eq!(c.store().len(), 2, "cut at +{cut}, reopened");
        assert_eq!(c.store().external_id(ContactId(1)), Some("next"));
    }
}

#[test]
fn a_bulk_add_after_a_cut_one_is_recovered_whole() {
    let dir = TempDir::new("again");
    let (journal, before, after) = write(&dir);
    let file = fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.set_len(before + (after - before) / 2).unwrap();
    drop(file);
    let mut c = open(&dir);
    assert_eq!(c.store().len(), 1);
    let (phones, ext) = texts();
    c.add_contacts(&rows(&phones, &ext)).unwrap();
    drop(c);
    let c = open(&dir);
    assert_whole(&c);
}

#[test]
fn a_bulk_add_of_numbers_past_one_record_is_recovered_whole_or_not_at_all() {
    // 200k numbers: four journal records (65,536 numbers each at most).
    let numbers: Vec<u64> = (0..200_000u64).map(|i| 12_125_000_000 + i * 3).collect();
    let write = |dir: &TempDir| {
        let mut c = open(dir);
        c.add_contact("+1 212 555 0000", "single", None, 9).unwrap();
        let journal = dir.journal();
        let before = fs::metadata(&journal).unwrap().len();
        assert_eq!(c.add_numbers(&numbers, 4).unwrap(), 1..200_001);
        drop(c);
        let after = fs::metadata(&journal).unwrap().len();
        (journal, before, after)
    };
    let whole = TempDir::new("numbers-whole");
    write(&whole);
    let c = open(&whole);
    assert_eq!(c.store().len(), 200_001);
    assert_eq!(c.store().priority(ContactId(200_000)), Some(4));
    assert!(c.store().has_number(numbers[123_456]));
    drop(c);
    for share in [1, 3, 5, 7, 9] {
        let dir = TempDir::new("numbers-cut");
        let (journal, before, after) = write(&dir);
        let cut = before + (after - before) * share / 10;
        fs::OpenOptions::new()
            .write(true)
            .open(&journal)
            .unwrap()
            .set_len(cut)
            .unwrap();
        let mut c = open(&dir);
        assert_eq!(c.store().len(), 1, "cut at {share}/10: none of the numbers");
        assert_eq!(c.add_numbers(&numbers[..10], 0).unwrap(), 1..11);
        drop(c);
        assert_eq!(open(&dir).store().len(), 11, "cut at {share}/10, reopened");
    }
}

#[test]
fn the_recovery_report_says_when_a_cut_bulk_add_was_dropped() {
    let dir = TempDir::new("report");
    let (journal, before, after) = write(&dir);
    let options = || DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    };
    // Whole: nothing dropped, and the report says nothing about it.
    let (c, report) =
        Campaign::open_with(dir.path(), config(Mode::Progressive), options()).unwrap();
    assert_eq!(report.bulk_adds_dropped, 0);
    assert!(!report.to_string().contains("bulk adds"), "{report}");
    drop(c);
    // Cut inside its last part: the parts before it are read, then dropped.
    let file = fs::OpenOptions::new().write(true).open(&journal).unwrap();
    file.set_len(after - 1).unwrap();
    drop(file);
    assert!(after - 1 > before);
    let (c, report) =
        Campaign::open_with(dir.path(), config(Mode::Progressive), options()).unwrap();
    assert_eq!(c.store().len(), 1, "none of the bulk add");
    assert_eq!(report.bulk_adds_dropped, 1, "{report}");
    assert!(
        report
            .to_string()
            .contains("bulk adds cut by a crash and dropped: 1"),
        "{report}"
    );
}
