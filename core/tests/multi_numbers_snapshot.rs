//! The number headers live in the top bits of the store's number column,
//! but snapshots keep the format they had before: the `NUMB` section holds
//! number #0's plain digits (what an older build reads), the headers go to
//! `NHDR`, and a reopen puts both back together.

mod util;

use dialcore::campaign::several::PhoneInput;
use dialcore::event::{Command, Event};
use dialcore::retry::RetryRule;
use dialcore::snapshot::{le_bytes_to_u16s, le_bytes_to_u64s, Snapshot};
use dialcore::store::{ContactNumber, NumberKind};
use dialcore::{Campaign, CampaignConfig, ContactId, DurableOptions, Mode};
use util::*;

fn predictive() -> CampaignConfig {
    let mut c = config(Mode::Predictive);
    c.predictive_ratio = 1.0;
    c.retry.busy = RetryRule::after(MIN);
    c.retry.no_answer = RetryRule::after(MIN);
    c.retry.max_attempts = 20;
    c
}

fn options() -> DurableOptions {
    DurableOptions {
        fsync: dialcore::journal::FsyncPolicy::Never,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

fn numbers_state(c: &Campaign) -> Vec<(usize, Vec<ContactNumber>)> {
    (0..c.store().len() as u32)
        .map(ContactId)
        .map(|id| (c.store().current_number(id), c.store().numbers_of(id)))
        .collect()
}

#[test]
fn snapshots_hold_plain_digits_and_headers_apart() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = predictive();
    let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
    // Two numbers each (the largest first numbers there are), one number,
    // then two again: headers with counts, kinds and outcomes.
    for k in 0..6u32 {
        let first = format!("212 555 {:04}", 100 + k);
        let second = format!("+886 912 345 {:03}", k);
        let phones = [
            PhoneInput {
                phone: &first,
                kind: NumberKind::Work,
                timezone: None,
            },
            PhoneInput {
                phone: &second,
                kind: NumberKind::Mobile,
                timezone: None,
            },
        ];
        let phones = if k == 3 { &phones[..1] } else { &phones[..] };
        c.add_contact_numbers(phones, "", 0).unwrap();
    }
    for _ in 0..6 {
        ready_operator(&mut c, T0);
    }
    let mut t = T0;
    // An odd number of rounds: every contact with two ends on #1.
    for _ in 0..3 {
        for cmd in poll(&mut c, t) {
            if let Command::Dial { call, .. } = cmd {
                c.handle(Event::Unreachable(call), t + SEC).unwrap();
            }
        }
        t += MIN + 2 * SEC;
    }
    let before = numbers_state(&c);
    assert!(
        before.iter().any(|(current, _)| *current == 1),
        "some contact moved to its second number: {before:?}"
    );
    let info = c.snapshot().unwrap();
    drop(c);

    let snap = Snapshot::read(&info.path).unwrap();
    let digits = le_bytes_to_u64s(snap.section(*b"NUMB").unwrap()).unwrap();
    let want: Vec<u64> = before.iter().map(|(_, n)| n[0].number).collect();
    assert_eq!(
        digits, want,
        "NUMB holds number #0's digits, no header bits"
    );
    let headers = le_bytes_to_u16s(snap.section(*b"NHDR").unwrap()).unwrap();
    let counts: Vec<u16> = headers.iter().map(|h| h & 0xF).collect();
    assert_eq!(counts, [1, 1, 1, 0, 1, 1], "extra counts in NHDR");
    assert!(headers.iter().all(|&h| h < 1 << 14));

    let (again, _) = Campaign::open_with(dir.path(), cfg, options()).unwrap();
    assert_eq!(numbers_state(&again), before);
    assert_eq!(again.store().numbers().to_vec(), want);
    for (i, &n) in want.iter().enumerate() {
        assert_eq!(
            again.store().contacts_with_number(n).collect::<Vec<_>>(),
            [ContactId(i as u32)]
        );
    }
}
