//! Properties of the attempt records over random simulated campaigns
//! (mode, size, seed, a time limit and a resume, snapshots): the records
//! agree with the simulator's own counters (a differential check against
//! an independent count), and every record's times and flags are
//! consistent.

use dialcore::records::{read_records, AttemptRecord, ABANDON_MESSAGE_MS};
use dialcore::{DurableOptions, Mode, Outcome, State};
use dialcore_sim::{run_durable, Scenario};
use proptest::prelude::*;

fn check_record(r: &AttemptRecord) {
    let times = [r.answer_at, r.connect_at, r.end_at, r.wrap_end_at];
    let mut last = r.dial_at;
    for t in times.into_iter().flatten() {
        assert!(t >= last, "times out of order: {r:?}");
        last = t;
    }
    assert!(r.attempt >= 1, "{r:?}");
    if r.complete {
        assert!(r.end_at.is_some() && r.wrap_end_at.is_some(), "{r:?}");
        if r.outcome == Outcome::None {
            // Ended by recovery: the call was ringing when the run stopped.
            assert!(
                r.answer_at.is_none() && r.disposition == State::RetryScheduled,
                "{r:?}"
            );
        }
        assert!(!r.disposition.is_live() && r.disposition != State::AwaitingOperator);
        assert_eq!(
            r.ring_ms,
            Some(r.answer_at.or(r.end_at).unwrap() - r.dial_at)
        );
    } else {
        assert!(r.wrap_end_at.is_none(), "{r:?}");
    }
    if r.abandoned {
        assert!(r.answer_at.is_some() && r.connect_at.is_none(), "{r:?}");
        let waited = r.end_at.unwrap() - r.answer_at.unwrap();
        assert_eq!(r.message_within_2s, Some(waited <= ABANDON_MESSAGE_MS));
    } else {
        assert_eq!(r.message_within_2s, None);
    }
    if r.connect_at.is_some() {
        assert!(
            r.operator.is_some(),
            "a connected call names its operator: {r:?}"
        );
        assert!(r.answer_at.is_some() && !r.machine);
    }
    assert!(r.in_window && !r.blacklisted_at_dial && r.dials_24h >= 1);
}

fn options(snapshot_every: u64) -> DurableOptions {
    DurableOptions {
        fsync: dialcore::journal::FsyncPolicy::Never,
        snapshot_every_records: snapshot_every,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn records_agree_with_the_simulator_and_are_consistent(
        mode in prop_oneof![Just(Mode::Preview), Just(Mode::Progressive), Just(Mode::Predictive)],
        contacts in 20usize..200,
        operators in 1usize..6,
        seed in any::<u64>(),
        stop_at in prop::option::of(0.2f64..3.0),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Scenario { contacts, operators, seed, ..Scenario::default() };
        s.set_mode(mode);
        let config = s.campaign_config().unwrap();
        let mut dials = 0;
        let mut answered = 0;
        let mut abandoned = 0;
        let mut connected = 0;
        // A first run to the time limit (attempts left live), then a resume
        // to the end: recovery's rows close what was live.
        let mut runs = vec![None];
        if let Some(h) = stop_at {
            runs.insert(0, Some(h));
        }
        for until in runs {
            s.until_hours = until;
            let (report, _, _) = run_durable(&s, dir.path(), options(0), None, &mut |_| {}).unwrap();
            // The report of a resumed run counts the whole campaign.
            dials = report.dials;
            answered = report.answered;
            abandoned = report.abandoned;
            connected = report.connected;
        }
        let records = read_records(dir.path(), config, None).unwrap();
        let rs = &records.attempts;
        prop_assert_eq!(rs.len() as u64, dials);
        prop_assert_eq!(records.dials_total, dials);
        prop_assert_eq!(records.dials_before, 0);
        prop_assert_eq!(rs.iter().filter(|r| r.answer_at.is_some() && !r.machine).count() as u64, answered);
        prop_assert_eq!(rs.iter().filter(|r| r.abandoned).count() as u64, abandoned);
        prop_assert_eq!(rs.iter().filter(|r| r.connect_at.is_some()).count() as u64, connected);
        for r in rs {
            check_record(r);
        }
        // Attempts on one contact are numbered 1, 2, … in dial order.
        let mut next = std::collections::HashMap::new();
        for r in rs {
            let n = next.entry(r.contact).or_insert(0u8);
            *n += 1;
            prop_assert_eq!(r.attempt, *n);
        }
    }

    #[test]
    fn snapshots_keep_every_record_when_archived_and_count_what_pruning_lost(
        seed in any::<u64>(),
        every in 20u64..200,
        prune in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let s = Scenario { contacts: 150, operators: 3, seed, ..Scenario::default() };
        let config = s.campaign_config().unwrap();
        let retention = if prune {
            dialcore::JournalRetention::Prune
        } else {
            dialcore::JournalRetention::Archive
        };
        let opts = DurableOptions { journal_retention: retention, ..options(every) };
        let (report, _, _) = run_durable(&s, dir.path(), opts, None, &mut |_| {}).unwrap();
        let records = read_records(dir.path(), config, None).unwrap();
        prop_assert_eq!(records.dials_total, report.dials);
        prop_assert_eq!(records.dials_before + records.attempts.len() as u64, report.dials);
        if prune {
            // The records start at the newest snapshot once older journals are gone.
            prop_assert!(records.dials_before == 0 || records.first_generation > 0);
        } else {
            // Archived: every attempt since the start, whatever the snapshots.
            prop_assert_eq!(records.dials_before, 0);
            prop_assert_eq!(records.first_generation, 0);
        }
        for r in &records.attempts {
            check_record(r);
        }
    }
}
