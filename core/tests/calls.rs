//! Issue 15, items 5–8: caller ID on each Dial, dispositions (wrap-up
//! codes, personal callbacks and their durability, blacklist of all numbers or
//! of the dialed one), watchdogs and refusal pauses,
//! agentless mode. Behaviour through the public API only.

mod util;

use dialcore::config::WrapUp;
use dialcore::event::{Command, Disposition, Event, OperatorId};
use dialcore::operators::{OperatorState, PauseReason};
use dialcore::{Campaign, CampaignConfig, ContactId, EngineError, Mode, State};
use proptest::prelude::*;
use util::*;

fn no_bcw(mode: Mode) -> CampaignConfig {
    CampaignConfig {
        bcw_ms: 0,
        ..config(mode)
    }
}

fn caller_ids(cmds: &[Command]) -> Vec<Option<u64>> {
    cmds.iter()
        .filter_map(|c| match *c {
            Command::Dial { caller_id, .. } => Some(caller_id),
            _ => None,
        })
        .collect()
}

// ---- caller ID ----

#[test]
fn dials_carry_a_local_pool_number_in_rotation_else_the_default() {
    let mut c = campaign(CampaignConfig {
        caller_id: "+18005550000".into(),
        caller_id_pool: vec![
            "+12125550001".into(),
            "+12125550002".into(),
            "+13125550001".into(),
        ],
        ..config(Mode::Predictive)
    });
    // Three 212 numbers, one 312, one 415 (no local pool number).
    for n in [
        "2125550100",
        "2125550101",
        "2125550102",
        "3125550100",
        "4155550100",
    ] {
        contact(&mut c, n);
    }
    for _ in 0..5 {
        ready_operator(&mut c, T0);
    }
    let out = poll(&mut c, T0);
    let by_number: Vec<(u64, Option<u64>)> = out
        .iter()
        .filter_map(|cmd| match *cmd {
            Command::Dial {
                number, caller_id, ..
            } => Some((number, caller_id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        by_number,
        [
            (12125550100, Some(12125550001)),
            (12125550101, Some(12125550002)),
            (12125550102, Some(12125550001)),
            (13125550100, Some(13125550001)),
            (14155550100, Some(18005550000)),
        ]
    );
}

#[test]
fn without_pool_or_default_the_pbx_picks() {
    let mut c = campaign(no_bcw(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    poll(&mut c, T0);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        T0,
    )
    .unwrap();
    assert_eq!(caller_ids(&poll(&mut c, T0)), [None]);
}

#[test]
fn a_bad_pool_number_is_refused_naming_the_field() {
    let err = Campaign::new(CampaignConfig {
        caller_id_pool: vec!["+12125550001".into(), "2125550002".into()],
        ..config(Mode::Predictive)
    })
    .unwrap_err();
    assert_eq!(err.field, "caller_id_pool");
    assert!(err.message.contains("2125550002"), "{err}");
}

// ---- dispositions ----

/// A progressive campaign with one contact in ACW with `op`.
fn in_acw(cfg: CampaignConfig) -> (Campaign, ContactId, OperatorId) {
    let mut c = campaign(cfg);
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    answer(&mut c, call, T0 + SEC);
    c.handle(Event::CallEnded(call), T0 + 60 * SEC).unwrap();
    assert_eq!(c.state(id), Some(State::Acw));
    (c, id, op)
}

fn wrap(c: &mut Campaign, id: ContactId, op: OperatorId, d: Disposition, now: u64) {
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: id,
            disposition: d,
        },
        now,
    )
    .unwrap();
}

#[test]
fn each_disposition_lands_where_its_table_says() {
    let now = T0 + 61 * SEC;
    let cases: [(Disposition, State, Option<u64>); 6] = [
        (Disposition::Done, State::Success, None),
        (Disposition::Failed, State::RejectedByOperator, None),
        (
            Disposition::RetryAfter { delay_ms: HOUR },
            State::RetryScheduled,
            Some(now + HOUR),
        ),
        (
            Disposition::Callback { at_ms: now + DAY },
            State::RetryScheduled,
            Some(now + DAY),
        ),
        (
            Disposition::PersonalCallback {
                at_ms: now + DAY,
                expires_ms: now + DAY + HOUR,
            },
            State::RetryScheduled,
            Some(now + DAY),
        ),
        (Disposition::Blacklist, State::Blacklisted, None),
    ];
    for (d, state, timer) in cases {
        let (mut c, id, op) = in_acw(no_bcw(Mode::Progressive));
        wrap(&mut c, id, op, d, now);
        assert_eq!(c.state(id), Some(state), "{d:?}");
        assert_eq!(c.timer_of(id), timer, "{d:?}");
        assert_eq!(c.operators().state(op), Some(OperatorState::Ready), "{d:?}");
        assert_counts_exact(&c);
    }
}

#[test]
fn wrap_up_codes_map_through_the_campaigns_table_and_unknown_codes_change_nothing() {
    let table = vec![
        (10, WrapUp::Success),
        (20, WrapUp::Failure),
        (30, WrapUp::Retry(10 * MIN)),
        (40, WrapUp::Callback(DAY)),
        (
            50,
            WrapUp::PersonalCallback {
                delay: DAY,
                expiry: HOUR,
            },
        ),
        (60, WrapUp::Blacklist),
    ];
    let now = T0 + 61 * SEC;
    for (code, state, timer) in [
        (10, State::Success, None),
        (20, State::RejectedByOperator, None),
        (30, State::RetryScheduled, Some(now + 10 * MIN)),
        (40, State::RetryScheduled, Some(now + DAY)),
        (50, State::RetryScheduled, Some(now + DAY)),
        (60, State::Blacklisted, None),
    ] {
        let (mut c, id, op) = in_acw(CampaignConfig {
            dispositions: table.clone(),
            ..no_bcw(Mode::Progressive)
        });
        let before = c.state(id);
        let err = c
            .handle(
                Event::AcwDone {
                    operator: op,
                    contact: id,
                    disposition: Disposition::Code(99),
                },
                now,
            )
            .unwrap_err();
        assert_eq!(err, EngineError::UnknownDisposition(99));
        assert!(err.to_string().contains("99"), "{err}");
        assert_eq!(c.state(id), before);
        assert_eq!(c.operators().state(op), Some(OperatorState::Acw));
        wrap(&mut c, id, op, Disposition::Code(code), now);
        assert_eq!(c.state(id), Some(state), "code {code}");
        assert_eq!(c.timer_of(id), timer, "code {code}");
    }
}

#[test]
fn a_blacklist_disposition_blacklists_every_contact_with_the_number() {
    let (mut c, id, op) = in_acw(no_bcw(Mode::Progressive));
    let twin = contact(&mut c, "2125550100");
    let other = contact(&mut c, "2125550199");
    wrap(&mut c, id, op, Disposition::Blacklist, T0 + 61 * SEC);
    assert!(c.blacklist().contains(12125550100));
    assert_eq!(c.state(id), Some(State::Blacklisted));
    assert_eq!(c.state(twin), Some(State::Blacklisted));
    assert_eq!(c.state(other), Some(State::Initial));
}

/// A progressive campaign with a contact of numbers `phones` in ACW with
/// `op` after a call to its number #0.
fn several_in_acw(cfg: CampaignConfig, phones: &[&str]) -> (Campaign, ContactId, OperatorId) {
    use dialcore::campaign::several::PhoneInput;
    let mut c = campaign(cfg);
    let inputs: Vec<PhoneInput> = phones.iter().map(|p| PhoneInput::new(p)).collect();
    let (id, rejected) = c.add_contact_numbers(&inputs, "", 0).unwrap();
    assert!(rejected.is_empty(), "{rejected:?}");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    answer(&mut c, call, T0 + SEC);
    c.handle(Event::CallEnded(call), T0 + 60 * SEC).unwrap();
    assert_eq!(c.state(id), Some(State::Acw));
    (c, id, op)
}

/// The (digits, index) of each Dial in `cmds`.
fn dialed_numbers(cmds: &[Command]) -> Vec<(u64, u8)> {
    cmds.iter()
        .filter_map(|c| match *c {
            Command::Dial {
                number,
                number_index,
                ..
            } => Some((number, number_index)),
            _ => None,
        })
        .collect()
}

#[test]
fn blacklist_number_blacklists_only_the_dialed_number_and_dials_the_next() {
    let mut cfg = no_bcw(Mode::Progressive);
    cfg.dispositions = vec![(7, WrapUp::BlacklistNumber)];
    let (mut c, id, op) = several_in_acw(cfg, &["2125550100", "2125550101"]);
    // Another contact whose one number is the one dialed, and one with the
    // contact's other number.
    let twin = contact(&mut c, "2125550100");
    let other = contact(&mut c, "2125550101");
    let now = T0 + 61 * SEC;
    wrap(&mut c, id, op, Disposition::Code(7), now);
    assert!(c.blacklist().contains(12125550100));
    assert!(!c.blacklist().contains(12125550101));
    assert_eq!(c.state(twin), Some(State::Blacklisted));
    assert_eq!(c.state(other), Some(State::Initial));
    // The contact goes on at once, on its number #1.
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(now));
    assert_eq!(c.store().current_number(id), 1);
    let out = poll(&mut c, now + SEC);
    assert_eq!(offers(&out), [(id, op)]);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        now + SEC,
    )
    .unwrap();
    assert_eq!(
        dialed_numbers(&poll(&mut c, now + SEC)),
        [(12125550101, 1)],
        "the next number, never the blacklisted one"
    );
    assert_counts_exact(&c);
}

#[test]
fn blacklist_number_on_the_last_number_off_the_blacklist_ends_blacklisted() {
    let (mut c, id, op) = several_in_acw(
        no_bcw(Mode::Progressive),
        &["2125550100", "2125550101", "2125550102"],
    );
    c.handle(Event::BlacklistAdd(12125550101), T0 + 60 * SEC)
        .unwrap();
    c.handle(Event::BlacklistAdd(12125550102), T0 + 60 * SEC)
        .unwrap();
    assert_eq!(
        c.state(id),
        Some(State::Acw),
        "the call's contact keeps its other number"
    );
    wrap(&mut c, id, op, Disposition::BlacklistNumber, T0 + 61 * SEC);
    assert!(c.blacklist().contains(12125550100));
    assert_eq!(c.state(id), Some(State::Blacklisted));
    assert_eq!(c.timer_of(id), None);
    assert_counts_exact(&c);
}

#[test]
fn blacklist_number_of_a_contact_with_one_number_is_a_blacklist() {
    let (mut c, id, op) = in_acw(no_bcw(Mode::Progressive));
    let other = contact(&mut c, "2125550199");
    wrap(&mut c, id, op, Disposition::BlacklistNumber, T0 + 61 * SEC);
    assert!(c.blacklist().contains(12125550100));
    assert!(!c.blacklist().contains(12125550199));
    assert_eq!(c.state(id), Some(State::Blacklisted));
    assert_eq!(c.state(other), Some(State::Initial));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
}

#[test]
fn a_disposition_time_past_the_end_of_time_is_refused() {
    let (mut c, id, op) = in_acw(no_bcw(Mode::Progressive));
    let err = c
        .handle(
            Event::AcwDone {
                operator: op,
                contact: id,
                disposition: Disposition::PersonalCallback {
                    at_ms: T0 + DAY,
                    expires_ms: u64::MAX,
                },
            },
            T0 + 61 * SEC,
        )
        .unwrap_err();
    assert!(matches!(err, EngineError::TimeOutOfRange { .. }), "{err}");
    assert_eq!(c.state(id), Some(State::Acw));
}

// ---- personal callbacks ----

#[test]
fn a_personal_callback_waits_for_its_operator_then_goes_to_anyone() {
    let (mut c, id, owner) = in_acw(no_bcw(Mode::Progressive));
    let due = T0 + HOUR;
    let expires = due + HOUR;
    wrap(
        &mut c,
        id,
        owner,
        Disposition::PersonalCallback {
            at_ms: due,
            expires_ms: expires,
        },
        T0 + 61 * SEC,
    );
    // The owner pauses; another operator is ready when the callback is due.
    c.handle(Event::OperatorPause(owner), T0 + 62 * SEC)
        .unwrap();
    let other = ready_operator(&mut c, T0 + 62 * SEC);
    let out = poll(&mut c, due);
    assert!(offers(&out).is_empty(), "not for {other}: {out:?}");
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    // The owner comes back: offered to them.
    c.handle(Event::OperatorReady(owner), due + MIN).unwrap();
    let out = poll(&mut c, due + MIN);
    assert_eq!(offers(&out), [(id, owner)]);
}

#[test]
fn an_expired_personal_callback_is_campaign_wide() {
    let (mut c, id, owner) = in_acw(no_bcw(Mode::Progressive));
    let due = T0 + HOUR;
    wrap(
        &mut c,
        id,
        owner,
        Disposition::PersonalCallback {
            at_ms: due,
            expires_ms: due + HOUR,
        },
        T0 + 61 * SEC,
    );
    c.handle(Event::OperatorLogout(owner), T0 + 62 * SEC)
        .unwrap();
    let other = ready_operator(&mut c, T0 + 62 * SEC);
    assert!(offers(&poll(&mut c, due)).is_empty());
    assert!(offers(&poll(&mut c, due + HOUR - 1)).is_empty());
    assert_eq!(offers(&poll(&mut c, due + HOUR)), [(id, other)]);
}

/// How a personal callback meets a crash in the durability tests.
#[derive(Clone, Copy, Debug)]
enum CrashAt {
    /// Before it is due, the mark only in the journal.
    BeforeDue,
    /// Before it is due, the mark in a snapshot.
    BeforeDueSnapshot,
    /// Due and waiting for its (paused) operator.
    Waiting,
    /// Offered to its operator (the offer is lost with the crash).
    Offered,
}

/// A durable progressive campaign with contact 0's personal callback of
/// operator 0 (operator 1 exists too), due at `due`, expiring at
/// `due + HOUR`, crashed as `at` says and reopened. Returns the reopened
/// campaign, the contact, the owner and the other operator.
fn personal_callback_across_a_crash(
    dir: &std::path::Path,
    at: CrashAt,
    due: u64,
) -> (Campaign, ContactId, OperatorId, OperatorId) {
    let options = dialcore::DurableOptions {
        fsync: dialcore::journal::FsyncPolicy::Never,
        snapshot_every_records: 0,
        ..Default::default()
    };
    let cfg = no_bcw(Mode::Progressive);
    let (id, owner, other);
    {
        let (mut c, _) = Campaign::open_with(dir, cfg.clone(), options).unwrap();
        id = contact(&mut c, "2125550100");
        owner = ready_operator(&mut c, T0);
        other = c.add_operator();
        let call = offer_accept_dial(&mut c, id, owner, T0);
        answer(&mut c, call, T0 + SEC);
        c.handle(Event::CallEnded(call), T0 + 60 * SEC).unwrap();
        wrap(
            &mut c,
            id,
            owner,
            Disposition::PersonalCallback {
                at_ms: due,
                expires_ms: due + HOUR,
            },
            T0 + 61 * SEC,
        );
        match at {
            CrashAt::BeforeDue => {}
            CrashAt::BeforeDueSnapshot => {
                c.snapshot().unwrap();
            }
            CrashAt::Waiting => {
                c.handle(Event::OperatorPause(owner), T0 + 62 * SEC)
                    .unwrap();
                assert!(offers(&poll(&mut c, due)).is_empty());
            }
            CrashAt::Offered => {
                assert_eq!(offers(&poll(&mut c, due)), [(id, owner)]);
            }
        }
        // Dropped without a flush of its own (the drop writes the buffer,
        // as a process killed after its last poll would have).
        drop(c);
    }
    let (mut c, _) = Campaign::open_with(dir, cfg, options).unwrap();
    for op in [owner, other] {
        c.handle(Event::OperatorLogin(op), c.now_ms()).unwrap();
    }
    (c, id, owner, other)
}

#[test]
fn a_personal_callback_survives_a_crash_and_waits_for_its_operator() {
    for at in [
        CrashAt::BeforeDue,
        CrashAt::BeforeDueSnapshot,
        CrashAt::Waiting,
        CrashAt::Offered,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let due = T0 + HOUR;
        let (mut c, id, owner, other) = personal_callback_across_a_crash(dir.path(), at, due);
        let t = c.now_ms().max(due);
        c.handle(Event::OperatorReady(other), t).unwrap();
        let out = poll(&mut c, t);
        assert!(offers(&out).is_empty(), "{at:?}: not for {other}: {out:?}");
        assert_eq!(c.state(id), Some(State::RetryScheduled), "{at:?}");
        assert!(offers(&poll(&mut c, due + HOUR - 1)).is_empty(), "{at:?}");
        c.handle(Event::OperatorReady(owner), due + HOUR - 1)
            .unwrap();
        let out = poll(&mut c, due + HOUR - 1);
        assert_eq!(offers(&out), [(id, owner)], "{at:?}");
    }
}

#[test]
fn a_personal_callback_expired_during_the_outage_goes_to_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let due = T0 + HOUR;
    let (mut c, id, _owner, other) =
        personal_callback_across_a_crash(dir.path(), CrashAt::Waiting, due);
    c.handle(Event::OperatorReady(other), due + HOUR).unwrap();
    assert_eq!(offers(&poll(&mut c, due + HOUR)), [(id, other)]);
}

#[test]
fn a_served_personal_callback_is_not_personal_after_a_crash() {
    // Taken by its operator, then retried: the mark ended, journaled.
    let dir = tempfile::tempdir().unwrap();
    let options = dialcore::DurableOptions {
        fsync: dialcore::journal::FsyncPolicy::Never,
        snapshot_every_records: 0,
        ..Default::default()
    };
    let cfg = no_bcw(Mode::Progressive);
    let due = T0 + HOUR;
    let (id, owner, other);
    {
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options).unwrap();
        id = contact(&mut c, "2125550100");
        owner = ready_operator(&mut c, T0);
        other = c.add_operator();
        let call = offer_accept_dial(&mut c, id, owner, T0);
        answer(&mut c, call, T0 + SEC);
        c.handle(Event::CallEnded(call), T0 + 60 * SEC).unwrap();
        let personal = Disposition::PersonalCallback {
            at_ms: due,
            expires_ms: due + HOUR,
        };
        wrap(&mut c, id, owner, personal, T0 + 61 * SEC);
        let call = offer_accept_dial(&mut c, id, owner, due);
        answer(&mut c, call, due + SEC);
        c.handle(Event::CallEnded(call), due + MIN).unwrap();
        wrap(
            &mut c,
            id,
            owner,
            Disposition::RetryAfter { delay_ms: MIN },
            due + MIN,
        );
    }
    let (mut c, _) = Campaign::open_with(dir.path(), cfg, options).unwrap();
    c.handle(Event::OperatorLogin(other), due + 3 * MIN)
        .unwrap();
    c.handle(Event::OperatorReady(other), due + 3 * MIN)
        .unwrap();
    assert_eq!(offers(&poll(&mut c, due + 3 * MIN)), [(id, other)]);
    let _ = owner;
}

#[test]
fn predictive_personal_callbacks_dial_with_their_operator_reserved() {
    // Predictive: the callback's dial names its operator.
    let mut c = campaign(no_bcw(Mode::Predictive));
    let id = contact(&mut c, "2125550100");
    let owner = ready_operator(&mut c, T0);
    let out = poll(&mut c, T0);
    let call = dialed_calls(&out)[0];
    answer(&mut c, call, T0 + SEC);
    c.handle(Event::CallEnded(call), T0 + 60 * SEC).unwrap();
    let due = T0 + HOUR;
    wrap(
        &mut c,
        id,
        owner,
        Disposition::PersonalCallback {
            at_ms: due,
            expires_ms: due + HOUR,
        },
        T0 + 61 * SEC,
    );
    let out = poll(&mut c, due);
    assert_eq!(dials(&out).len(), 1, "{out:?}");
    assert_eq!(dials(&out)[0].0.contact, id);
    assert_eq!(dials(&out)[0].2, Some(owner));
}

#[derive(Debug, Clone)]
enum OpStep {
    Pause(usize),
    Ready(usize),
    Logout(usize),
    Login(usize),
    Wait(u64),
}

fn op_step() -> impl Strategy<Value = OpStep> {
    prop_oneof![
        (0usize..3).prop_map(OpStep::Pause),
        (0usize..3).prop_map(OpStep::Ready),
        (0usize..3).prop_map(OpStep::Logout),
        (0usize..3).prop_map(OpStep::Login),
        (1u64..40).prop_map(|m| OpStep::Wait(m * MIN)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the operators do, a personal callback is offered only to
    /// its operator before its expiry, and to anyone only after it.
    #[test]
    fn personal_callback_only_goes_to_its_operator_before_expiry(
        steps in proptest::collection::vec(op_step(), 1..60),
    ) {
        let (mut c, id, owner) = in_acw(no_bcw(Mode::Progressive));
        let ops = [owner, ready_operator(&mut c, T0), ready_operator(&mut c, T0)];
        let due = T0 + HOUR;
        let expires = due + HOUR;
        wrap(&mut c, id, owner, Disposition::PersonalCallback { at_ms: due, expires_ms: expires }, T0 + 61 * SEC);
        let mut now = T0 + 61 * SEC;
        for s in steps {
            match s {
                OpStep::Pause(i) => { let _ = c.handle(Event::OperatorPause(ops[i]), now); }
                OpStep::Ready(i) => { let _ = c.handle(Event::OperatorReady(ops[i]), now); }
                OpStep::Logout(i) => { let _ = c.handle(Event::OperatorLogout(ops[i]), now); }
                OpStep::Login(i) => { let _ = c.handle(Event::OperatorLogin(ops[i]), now); }
                OpStep::Wait(ms) => now += ms,
            }
            let out = poll(&mut c, now);
            for (contact, op) in offers(&out) {
                if contact == id {
                    prop_assert!(op == owner || now >= expires, "{op} offered at {} before expiry", now - T0);
                    prop_assert!(now >= due);
                    // Left to be missed (the next wait passes the offer
                    // timeout): it must come back to its operator only.
                    continue;
                }
                // Anyone else's offer is declined so operators stay free.
                c.handle(Event::OperatorDeclined { operator: op, contact }, now).unwrap();
            }
            assert_counts_exact(&c);
        }
    }
}

// ---- watchdogs ----

#[test]
fn the_talk_watchdog_hangs_up_and_frees_the_operator() {
    let mut c = campaign(CampaignConfig {
        max_talk_ms: 10 * MIN,
        acw_enabled: false,
        ..no_bcw(Mode::Progressive)
    });
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    answer(&mut c, call, T0 + SEC);
    assert_eq!(c.timer_of(id), Some(T0 + SEC + 10 * MIN));
    assert!(poll(&mut c, T0 + 10 * MIN).is_empty());
    let out = poll(&mut c, T0 + SEC + 10 * MIN);
    assert!(out.contains(&Command::Hangup { call }), "{out:?}");
    assert_eq!(c.state(id), Some(State::Success));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_eq!(c.metrics(T0 + HOUR).unwrap().watchdog_hangups, 1);
    // The late CallEnded is stale and changes nothing.
    assert!(c.handle(Event::CallEnded(call), T0 + HOUR).is_err());
}

#[test]
fn the_call_watchdog_counts_from_the_dial_and_leads_to_acw() {
    let mut c = campaign(CampaignConfig {
        max_call_ms: 5 * MIN,
        max_talk_ms: HOUR,
        ..no_bcw(Mode::Predictive)
    });
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = dialed_calls(&poll(&mut c, T0))[0];
    answer(&mut c, call, T0 + 20 * SEC);
    assert_eq!(c.timer_of(id), Some(T0 + 5 * MIN));
    let out = poll(&mut c, T0 + 5 * MIN);
    assert!(out.contains(&Command::Hangup { call }), "{out:?}");
    // ACW is on: the operator wraps up, the ACW limit runs.
    assert_eq!(c.state(id), Some(State::Acw));
    assert_eq!(c.operators().state(op), Some(OperatorState::Acw));
    assert_eq!(c.timer_of(id), Some(T0 + 5 * MIN + 120 * SEC));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With the watchdogs on and the PBX losing every end-of-call event,
    /// no operator stays on a call past the limits: each is free again
    /// within max_call_ms of the dial.
    #[test]
    fn a_watchdog_always_frees_the_operator(
        operators in 1usize..4,
        contacts in 1usize..12,
        max_call in 1u64..20,
        max_talk in 1u64..20,
        answer_after in 0u64..20,
        predictive in any::<bool>(),
    ) {
        let mode = if predictive { Mode::Predictive } else { Mode::Progressive };
        let mut c = campaign(CampaignConfig {
            max_call_ms: max_call * MIN,
            max_talk_ms: max_talk * MIN,
            acw_enabled: false,
            ..no_bcw(mode)
        });
        for i in 0..contacts {
            contact(&mut c, &format!("21255501{i:02}"));
        }
        let ops: Vec<OperatorId> = (0..operators).map(|_| ready_operator(&mut c, T0)).collect();
        let mut dialed_at = std::collections::HashMap::new();
        let mut now = T0;
        for _ in 0..1200 {
            let out = poll(&mut c, now);
            for cmd in &out {
                match *cmd {
                    Command::Offer { contact, operator } => {
                        c.handle(Event::OperatorAccepted { operator, contact }, now).unwrap();
                    }
                    Command::Dial { call, .. } => {
                        dialed_at.insert(call, now);
                    }
                    _ => {}
                }
            }
            // Answer every ringing call `answer_after` s after its dial;
            // never report its end.
            for (&call, &t) in &dialed_at {
                if t + answer_after * SEC <= now && c.state(call.contact) == Some(State::Calling)
                    && c.call_of(call.contact) == Some(call) {
                    c.handle(Event::Answered(call), now).unwrap();
                }
            }
            for &op in &ops {
                if c.operators().state(op) == Some(OperatorState::OnCall) {
                    let id = c.operators().contact(op).unwrap();
                    let call = c.call_of(id).unwrap();
                    let since = dialed_at[&call];
                    prop_assert!(now <= since + max_call * MIN, "{op} on {call} past max_call_ms");
                }
            }
            now += 10 * SEC;
        }
        // Every call was answered and none was reported ended: each one the
        // operators took was ended by a watchdog.
        let m = c.metrics(now).unwrap();
        prop_assert!(m.connected > 0);
        prop_assert_eq!(m.watchdog_hangups, m.connected);
    }
}

#[test]
fn n_refusals_in_a_row_pause_the_operator_with_the_reason() {
    let mut c = campaign(CampaignConfig {
        max_offer_refusals: 3,
        ..no_bcw(Mode::Progressive)
    });
    for i in 0..6 {
        contact(&mut c, &format!("21255501{i:02}"));
    }
    let op = ready_operator(&mut c, T0);
    let mut now = T0;
    // A decline, a miss: still ready (below 3).
    let (id, _) = offers(&poll(&mut c, now))[0];
    c.handle(
        Event::OperatorDeclined {
            operator: op,
            contact: id,
        },
        now,
    )
    .unwrap();
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_eq!(offers(&poll(&mut c, now)).len(), 1);
    now += 30 * SEC;
    poll(&mut c, now);
    assert_eq!(c.operators().state(op), Some(OperatorState::Offered));
    assert_eq!(c.operators().pause_reason(op), None);
    // The third refusal in a row (a miss): paused, with the reason.
    now += 30 * SEC;
    poll(&mut c, now);
    assert_eq!(c.operators().state(op), Some(OperatorState::Paused));
    assert_eq!(
        c.operators().pause_reason(op),
        Some(PauseReason::MissedOffers)
    );
    assert_eq!(c.metrics(now).unwrap().refusal_pauses, 1);
    // Ready again: the reason is gone; an accept resets the run.
    c.handle(Event::OperatorReady(op), now).unwrap();
    assert_eq!(c.operators().pause_reason(op), None);
    let (id, _) = offers(&poll(&mut c, now))[0];
    c.handle(
        Event::OperatorDeclined {
            operator: op,
            contact: id,
        },
        now,
    )
    .unwrap();
    let (id, _) = offers(&poll(&mut c, now))[0];
    accept_and_dial(&mut c, id, op, now);
    assert_eq!(c.operators().state(op), Some(OperatorState::OnCall));
}

#[test]
fn without_the_setting_a_miss_still_pauses_at_once() {
    let mut c = campaign(no_bcw(Mode::Progressive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    poll(&mut c, T0);
    poll(&mut c, T0 + 30 * SEC);
    assert_eq!(c.operators().state(op), Some(OperatorState::Paused));
    assert_eq!(
        c.operators().pause_reason(op),
        Some(PauseReason::MissedOffers)
    );
}

// ---- agentless ----

fn agentless(lines: u32) -> CampaignConfig {
    CampaignConfig {
        agentless_lines: lines,
        ..config(Mode::Agentless)
    }
}

#[test]
fn agentless_dials_up_to_its_lines_plays_answered_calls_and_ends_them() {
    let mut c = campaign(agentless(2));
    let ids: Vec<ContactId> = (0..3)
        .map(|i| contact(&mut c, &format!("21255501{i:02}")))
        .collect();
    let out = poll(&mut c, T0);
    let calls = dialed_calls(&out);
    assert_eq!(calls.len(), 2, "two lines: {out:?}");
    assert!(dials(&out).iter().all(|d| d.2.is_none()));
    c.handle(Event::Answered(calls[0]), T0 + 5 * SEC).unwrap();
    assert!(c.pending() > 0);
    let out = poll(&mut c, T0 + 5 * SEC);
    assert_eq!(out, [Command::Play { call: calls[0] }]);
    assert_eq!(c.state(ids[0]), Some(State::CallInProgress));
    // Busy: retried by the policy, as in every mode.
    c.handle(Event::Rejected(calls[1]), T0 + 6 * SEC).unwrap();
    assert_eq!(c.state(ids[1]), Some(State::RetryScheduled));
    c.handle(Event::CallEnded(calls[0]), T0 + 35 * SEC).unwrap();
    assert_eq!(c.state(ids[0]), Some(State::Success));
    // Two lines are free: the third contact is dialed (the busy one waits
    // for its retry).
    let out = poll(&mut c, T0 + 35 * SEC);
    assert_eq!(dialed_calls(&out).len(), 1, "{out:?}");
    assert_eq!(dialed_calls(&out)[0].contact, ids[2]);
}

#[test]
fn a_play_for_a_call_that_ended_before_the_poll_is_not_handed_out() {
    let mut c = campaign(agentless(1));
    contact(&mut c, "2125550100");
    let call = dialed_calls(&poll(&mut c, T0))[0];
    c.handle(Event::Answered(call), T0 + SEC).unwrap();
    c.handle(Event::ClientHungUp(call), T0 + 2 * SEC).unwrap();
    let out = poll(&mut c, T0 + 2 * SEC);
    assert!(
        !out.iter().any(|c| matches!(c, Command::Play { .. })),
        "{out:?}"
    );
    assert_eq!(c.state(call.contact), Some(State::Success));
}

#[test]
fn agentless_needs_lines() {
    let err = Campaign::new(agentless(0)).unwrap_err();
    assert_eq!(err.field, "agentless_lines");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Agentless never offers, never connects, never abandons, never binds
    /// an operator, and never has more calls than lines.
    #[test]
    fn agentless_never_offers_or_connects(
        lines in 1u32..5,
        contacts in 1usize..15,
        outcomes in proptest::collection::vec(0u8..6, 1..200),
        logged_in in 0usize..3,
    ) {
        let mut c = campaign(CampaignConfig {
            max_call_ms: 10 * MIN,
            ..agentless(lines)
        });
        for i in 0..contacts {
            contact(&mut c, &format!("21255501{i:02}"));
        }
        for _ in 0..logged_in {
            ready_operator(&mut c, T0);
        }
        let mut live: Vec<dialcore::event::CallId> = Vec::new();
        let mut now = T0;
        for o in outcomes {
            let out = poll(&mut c, now);
            for cmd in &out {
                match *cmd {
                    Command::Offer { .. } | Command::Connect { .. } | Command::Abandon { .. } | Command::Revoke { .. } => {
                        prop_assert!(false, "{cmd:?} in agentless mode");
                    }
                    Command::Dial { call, operator, .. } => {
                        prop_assert_eq!(operator, None);
                        live.push(call);
                    }
                    _ => {}
                }
            }
            let calls_now = c.counts().get(State::Calling) + c.counts().get(State::CallInProgress);
            prop_assert!(calls_now <= lines, "{calls_now} calls on {lines} lines");
            if let Some(&call) = live.first() {
                let e = match o {
                    0 => Event::Answered(call),
                    1 => Event::Rejected(call),
                    2 => Event::Unreachable(call),
                    3 => Event::CallEnded(call),
                    4 => Event::ClientHungUp(call),
                    _ => Event::AnsweredByMachine(call),
                };
                // A refused event (the call is over) or an ending one
                // retires the call; an answer keeps it for its end.
                if c.handle(e, now).is_err() || !matches!(e, Event::Answered(_)) {
                    live.remove(0);
                }
            }
            prop_assert_eq!(c.metrics(now).unwrap().abandoned, 0);
            now += 7 * SEC;
        }
    }
}
