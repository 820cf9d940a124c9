//! Contacts with several numbers: the dialing policy (in order, own
//! window, per-number caps), blacklisted numbers skipped, rejected numbers
//! reported, recovery giving back the same numbers' state, the attempt
//! records' number index, and a model-based property test: never two
//! numbers of one contact in calls at once, caps per contact and per number.

mod util;

use dialcore::campaign::several::{ContactNumbersRow, PhoneInput};
use dialcore::config::NumberOrder;
use dialcore::event::{CallId, Command, Event};
use dialcore::phone::PhoneError;
use dialcore::records::read_records;
use dialcore::retry::RetryRule;
use dialcore::store::{ContactNumber, NumberKind};
use dialcore::window::WeeklyWindow;
use dialcore::{Campaign, CampaignConfig, ContactId, DurableOptions, Mode, State};
use proptest::prelude::*;
use util::*;

/// Predictive, retries after a minute, no abandon guard in the way.
fn predictive() -> CampaignConfig {
    let mut c = config(Mode::Predictive);
    c.predictive_ratio = 1.0;
    c.retry.busy = RetryRule::after(MIN);
    c.retry.no_answer = RetryRule::after(MIN);
    c.retry.machine = RetryRule::after(MIN);
    c.retry.dial_failed = RetryRule::after(MIN);
    c.retry.max_attempts = 20;
    c
}

fn phones<'a>(numbers: &[&'a str]) -> Vec<PhoneInput<'a>> {
    numbers.iter().map(|p| PhoneInput::new(p)).collect()
}

/// The one Dial of a poll: (call, digits, index).
fn one_dial(cmds: &[Command]) -> Option<(CallId, u64, u8)> {
    let dials: Vec<_> = cmds
        .iter()
        .filter_map(|c| match *c {
            Command::Dial {
                call,
                number,
                number_index,
                ..
            } => Some((call, number, number_index)),
            _ => None,
        })
        .collect();
    assert!(dials.len() <= 1, "{dials:?}");
    dials.first().copied()
}

#[test]
fn in_order_moves_on_after_not_reached_and_stays_after_a_machine() {
    let mut c = campaign(predictive());
    let (id, rejected) = c
        .add_contact_numbers(
            &phones(&["212 555 0100", "212 555 0101", "212 555 0102"]),
            "crm-1",
            0,
        )
        .unwrap();
    assert!(rejected.is_empty());
    assert_eq!(c.store().number_count(id), 3);
    let _op = ready_operator(&mut c, T0);
    let mut t = T0;
    let mut seen = Vec::new();
    let events: [fn(CallId) -> Event; 5] = [
        Event::Unreachable,
        Event::Rejected,
        Event::AnsweredByMachine,
        Event::DialFailed,
        Event::Unreachable,
    ];
    for event in events {
        let (call, number, index) = one_dial(&poll(&mut c, t)).expect("a dial");
        assert_eq!(
            c.store().number_at(id, usize::from(index)).unwrap().number,
            number
        );
        seen.push(index);
        c.handle(event(call), t + SEC).unwrap();
        t += MIN + 2 * SEC;
    }
    // No answer → #1, busy → #2, machine stays on #2, failed → #0.
    assert_eq!(seen, [0, 1, 2, 2, 0]);
    let numbers = c.store().numbers_of(id);
    assert_eq!(
        numbers.iter().map(|n| n.attempts).collect::<Vec<_>>(),
        [2, 1, 2]
    );
    assert_eq!(c.store().attempts(id), Some(5));
    assert_eq!(c.store().current_number(id), 1);
    use dialcore::state::Outcome;
    assert_eq!(
        numbers.iter().map(|n| n.last_outcome).collect::<Vec<_>>(),
        [Outcome::NoAnswer, Outcome::Busy, Outcome::DialFailed]
    );
    assert_counts_exact(&c);
}

#[test]
fn the_per_number_cap_moves_on_then_ends_the_contact() {
    let mut cfg = predictive();
    cfg.numbers.attempts_per_number = 2;
    let mut c = campaign(cfg);
    let (id, _) = c
        .add_contact_numbers(&phones(&["212 555 0100", "212 555 0101"]), "", 0)
        .unwrap();
    ready_operator(&mut c, T0);
    let mut t = T0;
    let mut seen = Vec::new();
    // A machine stays on the number, so only the cap moves it on.
    while let Some((call, _, index)) = one_dial(&poll(&mut c, t)) {
        seen.push(index);
        c.handle(Event::AnsweredByMachine(call), t + SEC).unwrap();
        t += MIN + 2 * SEC;
        assert!(seen.len() <= 4, "{seen:?}");
    }
    assert_eq!(seen, [0, 0, 1, 1]);
    poll(&mut c, t);
    assert_eq!(c.state(id), Some(State::NotReached));
    assert!(c
        .store()
        .numbers_of(id)
        .iter()
        .all(|n: &ContactNumber| n.attempts == 2));
}

#[test]
fn a_blacklisted_number_is_skipped_and_all_blacklisted_blacklists_the_contact() {
    let mut c = campaign(predictive());
    let (id, _) = c
        .add_contact_numbers(&phones(&["212 555 0100", "212 555 0101"]), "", 0)
        .unwrap();
    c.handle(Event::BlacklistAdd(12125550100), T0).unwrap();
    assert_eq!(
        c.state(id),
        Some(State::Initial),
        "its other number is clean"
    );
    ready_operator(&mut c, T0);
    let (call, number, index) = one_dial(&poll(&mut c, T0)).unwrap();
    assert_eq!((number, index), (12125550101, 1));
    c.handle(Event::Rejected(call), T0 + SEC).unwrap();
    c.handle(Event::BlacklistAdd(12125550101), T0 + 2 * SEC)
        .unwrap();
    assert_eq!(one_dial(&poll(&mut c, T0 + 2 * MIN)), None);
    assert_eq!(c.state(id), Some(State::Blacklisted));
    assert_counts_exact(&c);
}

#[test]
fn own_window_dials_the_number_whose_window_is_open() {
    // Tuesday 2025-06-17 02:00 UTC: 22:00 Monday in New York (closed),
    // 11:00 Tuesday in Tokyo (open).
    let at = 1_750_125_600_000;
    for (order, expected) in [
        (NumberOrder::InOrder, None),
        (NumberOrder::OwnWindow, Some(1)),
    ] {
        let mut cfg = predictive();
        cfg.calling_window = WeeklyWindow::parse("Mon-Fri 09:00-20:00").unwrap();
        cfg.numbers.order = order;
        let mut c = campaign(cfg);
        let numbers = [
            PhoneInput {
                phone: "212 555 0100",
                kind: NumberKind::Home,
                timezone: Some("America/New_York"),
            },
            PhoneInput {
                phone: "+81 3 1234 5678",
                kind: NumberKind::Mobile,
                timezone: Some("Asia/Tokyo"),
            },
        ];
        let (id, _) = c.add_contact_numbers(&numbers, "", 0).unwrap();
        ready_operator(&mut c, at);
        let dial = one_dial(&poll(&mut c, at));
        assert_eq!(dial.map(|d| d.2), expected, "{order:?}");
        if let Some((_, number, _)) = dial {
            assert_eq!(number, 81_312_345_678);
        }
        let n1 = c.store().number_at(id, 1).unwrap();
        assert_eq!(n1.kind, NumberKind::Mobile);
        assert_eq!(c.store().number_at(id, 0).unwrap().kind, NumberKind::Home);
    }
}

#[test]
fn bad_numbers_are_reported_and_the_valid_ones_kept() {
    let mut c = campaign(predictive());
    let (id, rejected) = c
        .add_contact_numbers(&phones(&["555-CALL-NOW", "212 555 0100", "", "911"]), "", 0)
        .unwrap();
    assert_eq!(
        rejected
            .iter()
            .map(|r| (r.position, r.reason))
            .collect::<Vec<_>>(),
        [(0, PhoneError::Letters), (3, PhoneError::EmergencyNumber)]
    );
    assert_eq!(c.state(id), Some(State::Initial));
    assert_eq!(c.store().number_count(id), 1);
    assert_eq!(c.store().number(id), Some(12125550100));
    let (bad, rejected) = c
        .add_contact_numbers(&phones(&["x1", "12"]), "", 0)
        .unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(c.state(bad), Some(State::InvalidRecord));
    assert_eq!(
        c.store().invalid_reason(bad),
        Some((PhoneError::Letters, "x1"))
    );
    // An unknown zone adds nothing.
    let before = c.store().len();
    let err = c.add_contact_numbers(
        &[PhoneInput {
            phone: "212 555 0109",
            kind: NumberKind::Other,
            timezone: Some("Mars/Olympus"),
        }],
        "",
        0,
    );
    assert!(err.is_err());
    assert_eq!(c.store().len(), before);
}

#[test]
fn fix_number_at_replaces_one_number() {
    let mut c = campaign(predictive());
    let (id, _) = c
        .add_contact_numbers(&phones(&["212 555 0100", "212 555 0101"]), "", 0)
        .unwrap();
    assert_eq!(
        c.fix_number_at(id, 1, "212 555 0199", None),
        Ok(State::Initial)
    );
    assert_eq!(c.store().number_at(id, 1).unwrap().number, 12125550199);
    assert!(c.fix_number_at(id, 2, "212 555 0198", None).is_err());
    assert!(c.fix_number_at(id, 1, "not a number", None).is_err());
    assert_eq!(c.store().number_at(id, 1).unwrap().number, 12125550199);
}

/// Everything a contact's numbers hold, for comparing two campaigns.
fn numbers_state(c: &Campaign) -> Vec<(State, u8, usize, Vec<ContactNumber>)> {
    (0..c.store().len() as u32)
        .map(ContactId)
        .map(|id| {
            (
                c.state(id).unwrap(),
                c.store().attempts(id).unwrap(),
                c.store().current_number(id),
                c.store().numbers_of(id),
            )
        })
        .collect()
}

fn options() -> DurableOptions {
    DurableOptions {
        fsync: dialcore::journal::FsyncPolicy::Never,
        snapshot_every_records: 0,
        accept_config_change: false,
        journal_retention: Default::default(),
    }
}

/// Runs a few attempts on several-number contacts in a data directory.
fn run_some(c: &mut Campaign, t0: u64, rounds: u32) -> u64 {
    let mut t = t0;
    for round in 0..rounds {
        let cmds = poll(c, t);
        for cmd in cmds {
            if let Command::Dial { call, .. } = cmd {
                let e = match round % 3 {
                    0 => Event::Unreachable(call),
                    1 => Event::Rejected(call),
                    _ => Event::AnsweredByMachine(call),
                };
                c.handle(e, t + SEC).unwrap();
            }
        }
        t += MIN + 2 * SEC;
    }
    t
}

#[test]
fn recovery_gives_back_the_same_numbers_state() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = predictive();
    let expected;
    {
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        c.add_contact_numbers(&phones(&["212 555 0100", "212 555 0101"]), "a", 0)
            .unwrap();
        c.add_contact("212 555 0200", "b", None, 0).unwrap();
        let row_phones = [
            PhoneInput {
                phone: "212 555 0300",
                kind: NumberKind::Work,
                timezone: Some("America/Chicago"),
            },
            PhoneInput::new("bad"),
            PhoneInput {
                phone: "212 555 0301",
                kind: NumberKind::Mobile,
                timezone: Some("America/Denver"),
            },
            PhoneInput::new("212 555 0302"),
        ];
        let rows = [
            ContactNumbersRow {
                phones: &row_phones,
                external_id: "c",
                priority: 1,
            },
            ContactNumbersRow {
                phones: &row_phones[2..],
                external_id: "d",
                priority: 0,
            },
        ];
        let (ids, rejected) = c.add_contacts_numbers(&rows).unwrap();
        assert_eq!(ids, ContactId(2)..ContactId(4));
        assert_eq!(rejected.len(), 1);
        ready_operator(&mut c, T0);
        ready_operator(&mut c, T0);
        let t = run_some(&mut c, T0, 4);
        // A snapshot in the middle: the rest replays from the journal.
        c.snapshot().unwrap();
        c.fix_number_at(ContactId(0), 1, "212 555 0177", None)
            .unwrap_or(State::Calling);
        run_some(&mut c, t, 3);
        c.flush().unwrap();
        // Live calls are reconciled at the reopen; compare after that.
        drop(c);
        let (c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        expected = numbers_state(&c);
        assert_eq!(c.store().numbers_of(ContactId(2)).len(), 3);
    }
    let (again, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
    assert_eq!(numbers_state(&again), expected);
    drop(again);
    // Records: each attempt's number and index are those dialed.
    let records = read_records(dir.path(), cfg, Some("multi")).unwrap();
    assert!(records.attempts.iter().any(|r| r.number_index > 0));
    let (c, _) = Campaign::inspect(dir.path(), predictive()).unwrap();
    for r in &records.attempts {
        let n = c.store().number_at(r.contact, usize::from(r.number_index));
        let n = n.expect("the record's index names a number of the contact");
        if !(r.contact == ContactId(0) && r.number_index == 1) {
            assert_eq!(n.number, r.number, "{r:?}");
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Poll,
    Advance(u64),
    End(usize, u8),
    Blacklist(usize, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::Poll),
        2 => (1u64..120).prop_map(|s| Step::Advance(s * SEC)),
        4 => (0usize..8, 0u8..6).prop_map(|(i, e)| Step::End(i, e)),
        1 => (0usize..4, 0usize..3).prop_map(|(c, k)| Step::Blacklist(c, k)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Never two numbers of one contact in calls at once; every Dial's
    /// digits are the number it names; attempts per contact and per number
    /// never pass their caps; a reopened campaign has the same numbers state.
    #[test]
    fn several_numbers_model(
        steps in proptest::collection::vec(step(), 1..80),
        own_window in any::<bool>(),
        cap in 0u8..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = predictive();
        cfg.predictive_ratio = 3.0;
        cfg.retry.max_attempts = 6;
        cfg.numbers.attempts_per_number = cap;
        cfg.numbers.order = if own_window { NumberOrder::OwnWindow } else { NumberOrder::InOrder };
        cfg.calling_window = WeeklyWindow::parse("Mon-Sun 08:00-21:00").unwrap();
        let (mut c, _) = Campaign::open_with(dir.path(), cfg.clone(), options()).unwrap();
        let zones = ["America/New_York", "America/Los_Angeles", "Europe/Berlin"];
        let mut contacts = Vec::new();
        for i in 0..4u64 {
            let texts: Vec<String> = (0..3u64).map(|k| format!("+1212555{:04}", i * 10 + k)).collect();
            let inputs: Vec<PhoneInput> = texts.iter().enumerate().map(|(k, t)| PhoneInput {
                phone: t,
                kind: NumberKind::ALL[k % 4],
                timezone: Some(zones[(k + i as usize) % 3]),
            }).collect();
            contacts.push(c.add_contact_numbers(&inputs, "", 0).unwrap().0);
        }
        for _ in 0..3 {
            ready_operator(&mut c, T0);
        }
        // 20:06 UTC: open in New York and Los Angeles, closed in Berlin.
        let mut t = T0 + 5 * HOUR;
        let mut dials = 0u32;
        let polled = steps.iter().any(|s| matches!(s, Step::Poll));
        let mut in_call: std::collections::BTreeMap<ContactId, CallId> = Default::default();
        for s in steps {
            match s {
                Step::Poll => {
                    for cmd in poll(&mut c, t) {
                        match cmd {
                            Command::Dial { call, number, number_index, .. } => {
                                let id = call.contact;
                                prop_assert!(!in_call.contains_key(&id), "{id} dialed twice at once");
                                let n = c.store().number_at(id, usize::from(number_index)).unwrap();
                                prop_assert_eq!(n.number, number);
                                prop_assert!(c.store().attempts(id).unwrap() <= 6);
                                if cap > 0 {
                                    prop_assert!(n.attempts <= cap, "{:?}", n);
                                }
                                in_call.insert(id, call);
                                dials += 1;
                            }
                            Command::Hangup { call } | Command::Abandon { call } => {
                                in_call.remove(&call.contact);
                            }
                            _ => {}
                        }
                    }
                }
                Step::Advance(ms) => t += ms,
                Step::End(i, e) => {
                    let Some(&call) = in_call.values().nth(i % in_call.len().max(1)) else { continue };
                    let event = match e {
                        0 => Event::Unreachable(call),
                        1 => Event::Rejected(call),
                        2 => Event::AnsweredByMachine(call),
                        3 => Event::DialFailed(call),
                        _ => Event::Unreachable(call),
                    };
                    if c.handle(event, t).is_ok() {
                        in_call.remove(&call.contact);
                    }
                }
                Step::Blacklist(ci, k) => {
                    let id = contacts[ci];
                    let number = c.store().number_at(id, k).unwrap().number;
                    c.handle(Event::BlacklistAdd(number), t).unwrap();
                }
            }
            // A contact whose call ended by the engine (ring timeout) is out of a call.
            in_call.retain(|id, _| c.state(*id) == Some(State::Calling));
            for &id in &contacts {
                for n in c.store().numbers_of(id) {
                    if cap > 0 {
                        prop_assert!(n.attempts <= cap);
                    }
                }
                prop_assert!(c.store().attempts(id).unwrap() <= 6);
            }
        }
        prop_assert!(dials > 0 || !polled, "a poll with open windows dials");
        c.flush().unwrap();
        let before: Vec<_> = numbers_state(&c).into_iter().map(|(_, a, k, n)| (a, k, n)).collect();
        drop(c);
        let (again, _) = Campaign::open_with(dir.path(), cfg, options()).unwrap();
        let after: Vec<_> = numbers_state(&again).into_iter().map(|(_, a, k, n)| (a, k, n)).collect();
        prop_assert_eq!(after, before);
    }
}

#[test]
fn zone_from_number_fills_missing_zones_and_fails_closed() {
    let mut cfg = predictive();
    cfg.numbers.zone_from_number = true;
    let mut c = campaign(cfg.clone());
    let (id, rejected) = c
        .add_contact_numbers(
            &phones(&["+1 312 555 0100", "+1 800 555 0100", "+49 30 1234567"]),
            "",
            0,
        )
        .unwrap();
    // Chicago from the area code, Berlin from the calling code; the toll
    // free number has no zone and no fallback: left out, counted.
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].no_zone && rejected[0].position == 1);
    assert_eq!(rejected[0].reason, PhoneError::NoTimeZone);
    let zones: Vec<&str> = c
        .store()
        .numbers_of(id)
        .iter()
        .map(|n| c.zones().name(n.zone))
        .collect();
    assert_eq!(zones, ["America/Chicago", "Europe/Berlin"]);
    // A given zone wins; one other than the number's is counted.
    let given = [PhoneInput {
        phone: "+1 312 555 0101",
        kind: NumberKind::Other,
        timezone: Some("America/New_York"),
    }];
    let (given_id, _) = c.add_contact_numbers(&given, "", 0).unwrap();
    assert_eq!(
        c.zones().name(c.store().zone(given_id).unwrap()),
        "America/New_York"
    );
    // Only a toll-free number: an InvalidRecord with the reason.
    let (bad, _) = c
        .add_contact_numbers(&phones(&["+1 800 555 0101"]), "", 0)
        .unwrap();
    assert_eq!(c.state(bad), Some(State::InvalidRecord));
    assert_eq!(
        c.store().invalid_reason(bad).map(|r| r.0),
        Some(PhoneError::NoTimeZone)
    );
    let counts = c.zone_counts();
    assert_eq!(
        (
            counts.from_number,
            counts.fallback,
            counts.no_zone,
            counts.mismatch
        ),
        (2, 0, 2, 1)
    );
    // With a fallback the toll-free number is kept, in the fallback zone.
    cfg.numbers.fallback_timezone = "America/Denver".into();
    let mut f = campaign(cfg);
    let (id, rejected) = f
        .add_contact_numbers(&phones(&["+1 800 555 0100"]), "", 0)
        .unwrap();
    assert!(rejected.is_empty());
    assert_eq!(
        f.zones().name(f.store().zone(id).unwrap()),
        "America/Denver"
    );
    assert_eq!(f.zone_counts().fallback, 1);
}
