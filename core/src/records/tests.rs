//! Attempt records read back from real data directories: every field of a
//! connected, a busy and an abandoned call; agreement with the campaign's
//! counters; the operator sub-record; a snapshot's deleted history counted;
//! a configuration that differs refused.

use super::*;
use crate::event::{CallId, Disposition, Event, OperatorId};
use crate::{Command, DurableOptions, Mode};

/// Monday 2 March 2026, 15:00 UTC.
const T0: u64 = 1_772_463_600_000;
const SEC: u64 = 1_000;

fn config(mode: Mode) -> CampaignConfig {
    CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(mode)
    }
}

fn options() -> DurableOptions {
    DurableOptions {
        fsync: crate::journal::FsyncPolicy::Never,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

fn poll(c: &mut Campaign, now: u64) -> Vec<Command> {
    let mut out = Vec::new();
    c.poll(now, &mut out).unwrap();
    out
}

fn ready(c: &mut Campaign, now: u64) -> OperatorId {
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), now).unwrap();
    c.handle(Event::OperatorReady(op), now).unwrap();
    op
}

/// Offers, accepts and dials the next contact with `op`; returns the call.
fn dial_with(c: &mut Campaign, op: OperatorId, now: u64) -> CallId {
    let out = poll(c, now);
    let contact = out
        .iter()
        .find_map(|cmd| match *cmd {
            Command::Offer { contact, operator } if operator == op => Some(contact),
            _ => None,
        })
        // Offered at an earlier poll.
        .or_else(|| c.operators().contact(op))
        .expect("an offer");
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact,
        },
        now,
    )
    .unwrap();
    if c.state(contact) == Some(State::Bcw) {
        c.handle(
            Event::OperatorDialNow {
                operator: op,
                contact,
            },
            now,
        )
        .unwrap();
    }
    poll(c, now)
        .iter()
        .find_map(|cmd| match *cmd {
            Command::Dial { call, .. } => Some(call),
            _ => None,
        })
        .expect("a dial")
}

fn by_contact(records: &Records, id: u32) -> Vec<&AttemptRecord> {
    records
        .attempts
        .iter()
        .filter(|r| r.contact == ContactId(id))
        .collect()
}

#[test]
fn progressive_calls_read_back_with_times_operator_and_disposition() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Mode::Progressive);
    {
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        c.add_contact("2025550101", "crm-1", None, 0).unwrap();
        c.add_contact("2025550102", "crm,2", None, 0).unwrap();
        let op = ready(&mut c, T0);
        // Contact 0: answered at +4 s, connected, ends at +64 s, ACW done at +70 s.
        let call = dial_with(&mut c, op, T0);
        assert_eq!(call.contact, ContactId(0));
        c.handle(Event::Answered(call), T0 + 4 * SEC).unwrap();
        poll(&mut c, T0 + 4 * SEC);
        c.handle(Event::CallEnded(call), T0 + 64 * SEC).unwrap();
        poll(&mut c, T0 + 64 * SEC);
        c.handle(
            Event::AcwDone {
                operator: op,
                contact: call.contact,
                disposition: Disposition::Done,
            },
            T0 + 70 * SEC,
        )
        .unwrap();
        c.handle(Event::OperatorReady(op), T0 + 70 * SEC).ok();
        // Contact 1: busy at +80 s.
        let call = dial_with(&mut c, op, T0 + 71 * SEC);
        assert_eq!(call.contact, ContactId(1));
        c.handle(Event::Rejected(call), T0 + 80 * SEC).unwrap();
        poll(&mut c, T0 + 80 * SEC);
    }
    let records = read_records(dir.path(), cfg, Some("spring")).unwrap();
    assert_eq!(records.attempts.len(), 2);
    assert_eq!(records.dials_total, 2);
    assert_eq!(records.dials_before, 0);

    let a = by_contact(&records, 0)[0];
    assert_eq!(&*a.campaign, "spring");
    assert_eq!(a.external_id, "crm-1");
    assert_eq!(a.number, 12_025_550_101);
    assert_eq!(&*a.zone, "UTC");
    assert_eq!(a.attempt, 1);
    assert_eq!(a.dial_at, T0);
    assert_eq!(a.answer_at, Some(T0 + 4 * SEC));
    assert_eq!(a.connect_at, Some(T0 + 4 * SEC));
    assert_eq!(a.end_at, Some(T0 + 64 * SEC));
    assert_eq!(a.wrap_end_at, Some(T0 + 70 * SEC));
    assert_eq!(a.ring_ms, Some(4 * SEC));
    assert_eq!(a.wait_ms, Some(0));
    assert_eq!(a.talk_ms, Some(60 * SEC));
    assert_eq!(a.outcome, Outcome::Connected);
    assert_eq!(a.disposition, State::Success);
    assert_eq!(a.operator, Some(0));
    assert!(a.complete && a.in_window && !a.abandoned && !a.blacklisted_at_dial);
    assert_eq!(a.dials_24h, 1);

    let b = by_contact(&records, 1)[0];
    assert_eq!(b.external_id, "crm,2");
    assert_eq!(b.dial_at, T0 + 71 * SEC);
    assert_eq!(b.answer_at, None);
    assert_eq!(b.end_at, Some(T0 + 80 * SEC));
    assert_eq!(b.ring_ms, Some(9 * SEC));
    assert_eq!(b.talk_ms, None);
    assert_eq!(b.outcome, Outcome::Busy);
    assert_eq!(b.disposition, State::RetryScheduled);
    assert_eq!(
        b.operator,
        Some(0),
        "progressive dials carry their operator"
    );

    let mut csv = Vec::new();
    write_csv(&records.attempts, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], COLUMNS.join(","));
    assert!(lines[1].starts_with(
        "spring,0,crm-1,12025550101,0,,UTC,1,2026-03-02T15:00:00.000Z,2026-03-02T15:00:04.000Z,"
    ));
    assert!(lines[2].contains(",\"crm,2\","), "quoted: {}", lines[2]);
}

#[test]
fn a_predictive_abandon_has_its_wait_and_message_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CampaignConfig {
        abandon_guard: crate::config::AbandonGuard::Expected,
        predictive_ratio: 3.0,
        ..config(Mode::Predictive)
    };
    let limit = cfg.abandon_limit_ms;
    {
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        for i in 0..4 {
            c.add_contact(&format!("20255501{i:02}"), "", None, 0)
                .unwrap();
        }
        let op = ready(&mut c, T0);
        let calls: Vec<CallId> = poll(&mut c, T0)
            .iter()
            .filter_map(|cmd| match *cmd {
                Command::Dial { call, .. } => Some(call),
                _ => None,
            })
            .collect();
        assert!(calls.len() >= 2, "predictive dials ahead: {calls:?}");
        // Two answer at once: one is connected, the other waits and is abandoned.
        c.handle(Event::Answered(calls[0]), T0 + 5 * SEC).unwrap();
        c.handle(Event::Answered(calls[1]), T0 + 5 * SEC).unwrap();
        poll(&mut c, T0 + 5 * SEC);
        poll(&mut c, T0 + 5 * SEC + limit);
        let _ = op;
    }
    let records = read_records(dir.path(), cfg, None).unwrap();
    assert_eq!(records.dials_total, records.attempts.len() as u64);
    let abandoned: Vec<&AttemptRecord> = records.attempts.iter().filter(|r| r.abandoned).collect();
    assert_eq!(abandoned.len(), 1, "{:#?}", records.attempts);
    let r = abandoned[0];
    assert_eq!(r.answer_at, Some(T0 + 5 * SEC));
    assert_eq!(r.end_at, Some(T0 + 5 * SEC + limit));
    assert_eq!(r.wait_ms, Some(limit));
    assert_eq!(r.message_within_2s, Some(limit <= ABANDON_MESSAGE_MS));
    assert_eq!(r.outcome, Outcome::Abandoned);
    assert_eq!(r.operator, None);
    let connected: Vec<&AttemptRecord> = records
        .attempts
        .iter()
        .filter(|r| r.connect_at.is_some())
        .collect();
    assert_eq!(connected.len(), 1);
    assert_eq!(
        connected[0].operator,
        Some(0),
        "the connect names the operator"
    );
    assert!(
        !connected[0].complete,
        "still talking at the end of the history"
    );
    assert_eq!(connected[0].disposition, State::CallInProgress);
}

/// Four attempts (contacts 0..4, busy each), with a snapshot after each:
/// generations 0 to 4.
fn four_attempts_with_snapshots(dir: &std::path::Path, retention: crate::JournalRetention) {
    let cfg = config(Mode::Progressive);
    let opts = DurableOptions {
        journal_retention: retention,
        ..options()
    };
    let (mut c, _) = Campaign::open_with(dir, cfg, opts).unwrap();
    for i in 0..4 {
        c.add_contact(&format!("20255502{i:02}"), "", None, 0)
            .unwrap();
    }
    let op = ready(&mut c, T0);
    for i in 0..4u64 {
        // Within the 30 s offer timeout of the offer made at the last poll.
        let now = T0 + i * 10 * SEC;
        let call = dial_with(&mut c, op, now);
        c.handle(Event::Rejected(call), now + 3 * SEC).unwrap();
        poll(&mut c, now + 3 * SEC);
        c.snapshot().unwrap();
    }
}

#[test]
fn archived_journals_keep_every_attempt_across_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    four_attempts_with_snapshots(dir.path(), crate::JournalRetention::Archive);
    // Generations 0..=2 were moved out of the directory, not deleted.
    let archive = dir.path().join("archive");
    for g in 0..3 {
        assert!(
            archive.join(format!("journal-{g:08X}.dcj")).is_file(),
            "{g}"
        );
        assert!(
            !dir.path().join(format!("journal-{g:08X}.dcj")).exists(),
            "{g}"
        );
    }
    let records = read_records(dir.path(), config(Mode::Progressive), None).unwrap();
    let contacts: Vec<u32> = records.attempts.iter().map(|r| r.contact.0).collect();
    assert_eq!(contacts, [0, 1, 2, 3]);
    assert!(records
        .attempts
        .iter()
        .all(|r| r.complete && r.outcome == Outcome::Busy));
    assert_eq!(records.dials_before, 0);
    assert_eq!(records.dials_total, 4);
    assert_eq!(records.first_generation, 0);
    // The campaign the records end with is the one recovery opens.
    let (reopened, _) =
        Campaign::open_with(dir.path(), config(Mode::Progressive), options()).unwrap();
    for id in 0..4 {
        assert_eq!(
            records.campaign.state(ContactId(id)),
            reopened.state(ContactId(id))
        );
    }
}

#[test]
fn pruned_journals_lose_their_attempts_and_the_records_say_which() {
    let dir = tempfile::tempdir().unwrap();
    four_attempts_with_snapshots(dir.path(), crate::JournalRetention::Prune);
    assert!(!dir.path().join("archive").exists());
    let records = read_records(dir.path(), config(Mode::Progressive), None).unwrap();
    // The replay starts from snapshot 4 (the newest): journals 0..=3 are
    // not read (0..=2 deleted, 3 kept only as recovery's fallback).
    assert_eq!(records.first_generation, 4);
    assert_eq!(records.attempts.len(), 0);
    assert_eq!(records.dials_before, 4);
    assert_eq!(records.dials_total, 4);
}

#[test]
fn a_configuration_other_than_the_stored_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(Mode::Progressive);
    drop(Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap());
    let mut other = cfg;
    other.retry.max_attempts = 9;
    let err = read_records(dir.path(), other, None).unwrap_err();
    assert!(matches!(err, RecordsError::ConfigMismatch(_)));
    assert!(err.to_string().contains("retry.max_attempts"), "{err}");
}

#[test]
fn a_missing_directory_is_an_error_naming_it() {
    let err = read_records(
        "/nonexistent/dialcore-records",
        CampaignConfig::default(),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/dialcore-records"),
        "{err}"
    );
}

#[test]
fn format_time_is_rfc3339_utc_with_milliseconds() {
    assert_eq!(format_time(T0 + 250), "2026-03-02T15:00:00.250Z");
    assert_eq!(format_time(0), "1970-01-01T00:00:00.000Z");
}

#[test]
fn a_contact_parked_outside_its_window_names_the_guard_in_its_next_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CampaignConfig {
        // T0 is Monday 15:00 UTC: the window opens an hour later.
        calling_window: crate::compliance::window::WeeklyWindow::parse("Mon 16:00-20:00").unwrap(),
        ..config(Mode::Progressive)
    };
    {
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        c.add_contact("2025550301", "", None, 0).unwrap();
        let op = ready(&mut c, T0);
        assert!(
            !poll(&mut c, T0)
                .iter()
                .any(|cmd| matches!(cmd, Command::Offer { .. })),
            "nothing is offered before the window opens"
        );
        let call = dial_with(&mut c, op, T0 + 3_600 * SEC);
        c.handle(Event::Rejected(call), T0 + 3_610 * SEC).unwrap();
        poll(&mut c, T0 + 3_610 * SEC);
    }
    let records = read_records(dir.path(), cfg, None).unwrap();
    assert_eq!(records.attempts.len(), 1);
    let a = &records.attempts[0];
    assert_eq!(a.held_back_reasons, vec![(HoldReason::Window, 1)]);
    assert_eq!(a.held_back_reasons_text(), "window=1");
    assert_eq!(
        records.held_back.get(&HoldReason::Window),
        Some(&1),
        "{:?}",
        records.held_back
    );
    assert_eq!(records.held_back.len(), 1);
    let mut csv = Vec::new();
    write_csv(&records.attempts, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.lines().nth(1).unwrap().contains(",window=1,"),
        "{text}"
    );
}

#[test]
fn the_caller_id_journaled_with_the_configuration_fills_each_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let first = CampaignConfig {
        caller_id: "+12025550100".into(),
        ..config(Mode::Progressive)
    };
    // A caller ID change is a tuning change: applied at reopen, journaled.
    let second = CampaignConfig {
        caller_id: "+12025550199".into(),
        ..first.clone()
    };
    let unset = CampaignConfig {
        caller_id: String::new(),
        ..first.clone()
    };
    for (i, cfg) in [&first, &second, &unset].into_iter().enumerate() {
        let (mut c, report) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        if i == 1 {
            assert!(
                report
                    .config_changes
                    .iter()
                    .any(|ch| ch.field == "caller_id"),
                "{:?}",
                report.config_changes
            );
        }
        let now = T0 + i as u64 * 100 * SEC;
        c.add_contact(&format!("20255504{i:02}"), "", None, 0)
            .unwrap();
        let op = ready(&mut c, now);
        let call = dial_with(&mut c, op, now);
        c.handle(Event::Rejected(call), now + 5 * SEC).unwrap();
        poll(&mut c, now + 5 * SEC);
        if i == 0 {
            // The snapshot's configuration is the one in force after it.
            c.snapshot().unwrap();
        }
    }
    let records = read_records(dir.path(), unset, None).unwrap();
    let ids: Vec<Option<&str>> = records
        .attempts
        .iter()
        .map(|r| r.caller_id.as_deref())
        .collect();
    // Every attempt has the caller ID in force at its dial, the first one
    // (before the snapshot) included.
    assert_eq!(
        ids,
        [Some("+12025550100"), Some("+12025550199"), None],
        "{ids:?}"
    );
}

#[test]
fn each_attempt_records_the_pool_caller_id_it_presented_and_rotation_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = CampaignConfig {
        caller_id: "+18005550000".into(),
        caller_id_pool: vec!["+12025550001".into(), "+12025550002".into()],
        ..config(Mode::Progressive)
    };
    for (i, number) in ["2025550100", "2025550101", "4155550100", "2025550102"]
        .into_iter()
        .enumerate()
    {
        // Reopened before each dial: replay must count the pool's uses.
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        let now = T0 + i as u64 * 60 * SEC;
        c.add_contact(number, "", None, 0).unwrap();
        let op = ready(&mut c, now);
        let call = dial_with(&mut c, op, now);
        c.handle(Event::Rejected(call), now + 5 * SEC).unwrap();
        poll(&mut c, now + 5 * SEC);
    }
    let records = read_records(dir.path(), cfg, None).unwrap();
    let ids: Vec<Option<&str>> = records
        .attempts
        .iter()
        .map(|r| r.caller_id.as_deref())
        .collect();
    // 202 numbers rotate over the two 202 pool numbers, across reopens;
    // the 415 number gets the default.
    assert_eq!(
        ids,
        [
            Some("+12025550001"),
            Some("+12025550002"),
            Some("+18005550000"),
            Some("+12025550001"),
        ],
        "{ids:?}"
    );
}
