//! The lease record (kind 17) and the raw-frame scan replication uses: a
//! lease record is written where it was appended, found again by
//! `lease_token` in the frames `leading_frames` returns, and changes
//! nothing a reopen recovers.

use std::fs;
use std::path::PathBuf;

use dialcore::journal::{leading_frames, FsyncPolicy, HEADER_LEN};
use dialcore::{lease_token, Campaign, CampaignConfig, DurableOptions, Mode, State};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dialcore-lease-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn options() -> DurableOptions {
    DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 0,
        ..DurableOptions::default()
    }
}

fn config() -> CampaignConfig {
    CampaignConfig {
        mode: Mode::Progressive,
        ..CampaignConfig::default()
    }
}

/// The lease tokens in journal 0 of `dir`, in order.
fn tokens(dir: &std::path::Path) -> Vec<u64> {
    let data = fs::read(dir.join("journal-00000000.dcj")).unwrap();
    let body = &data[HEADER_LEN..];
    leading_frames(body)
        .iter()
        .filter_map(|f| lease_token(&body[f.payload.clone()]))
        .collect()
}

#[test]
fn lease_records_are_journaled_in_order_and_change_no_state() {
    let d = dir("order");
    let (mut c, _) = Campaign::open_with(&d, config(), options()).unwrap();
    c.add_numbers(&[12_025_550_001, 12_025_550_002], 0).unwrap();
    c.journal_lease(7);
    c.flush().unwrap();
    c.journal_lease(9);
    let states: Vec<State> = c
        .store()
        .states()
        .iter()
        .map(|&s| State::from_code(s).unwrap())
        .collect();
    drop(c);
    assert_eq!(tokens(&d), [7, 9]);
    let (c, report) = Campaign::open_with(&d, config(), options()).unwrap();
    assert!(!report.is_damaged(), "{report}");
    let again: Vec<State> = c
        .store()
        .states()
        .iter()
        .map(|&s| State::from_code(s).unwrap())
        .collect();
    assert_eq!(states, again);
    assert_eq!(c.store().len(), 2);
    drop(c);
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn lease_token_reads_only_lease_records() {
    assert_eq!(lease_token(&[17, 5, 0, 0, 0, 0, 0, 0, 0]), Some(5));
    assert_eq!(lease_token(&[17, 5, 0, 0]), None);
    assert_eq!(lease_token(&[1, 5, 0, 0, 0, 0, 0, 0, 0]), None);
    assert_eq!(lease_token(&[]), None);
}
