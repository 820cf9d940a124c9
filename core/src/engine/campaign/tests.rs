//! Unit tests of the engine's main paths (the model tests are in core/tests).

use super::*;

fn campaign(mode: Mode) -> Campaign {
    Campaign::new(CampaignConfig {
        default_country: Some(1),
        ..CampaignConfig::new(mode)
    })
    .unwrap()
}

fn poll(c: &mut Campaign, now: u64) -> Vec<Command> {
    let mut out = Vec::new();
    c.poll(now, &mut out).unwrap();
    out
}

#[test]
fn progressive_offer_bcw_dial_talk_acw_success() {
    let mut c = campaign(Mode::Progressive);
    let id = c.add_contact("(212) 555-0100", "crm-1", None, 0).unwrap();
    let op = c.add_operator();
    assert!(poll(&mut c, 0).is_empty(), "no operator logged in");
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    assert_eq!(
        poll(&mut c, 1),
        vec![Command::Offer {
            contact: id,
            operator: op
        }]
    );
    assert_eq!(c.state(id), Some(State::OperatorAssigned));
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        2,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::Bcw));
    assert!(poll(&mut c, 3).is_empty());
    let call = CallId {
        contact: id,
        attempt: 1,
    };
    assert_eq!(
        poll(&mut c, 5_002),
        vec![Command::Dial {
            call,
            number: 12125550100,
            number_index: 0,
            operator: Some(op),
            caller_id: None,
        }]
    );
    assert_eq!(c.state(id), Some(State::Calling));
    c.handle(Event::Answered(call), 6_000).unwrap();
    assert_eq!(c.state(id), Some(State::CallInProgress));
    c.handle(Event::CallEnded(call), 66_000).unwrap();
    assert_eq!(c.state(id), Some(State::Acw));
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: id,
            disposition: Disposition::Done,
        },
        70_000,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::Success));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    let m = c.metrics(70_000).unwrap();
    assert_eq!((m.dials, m.answered, m.connected), (1, 1, 1));
    assert!(m.occupancy > 0.8 && m.occupancy < 0.9, "{}", m.occupancy);
    assert_eq!(c.counts(), &c.store().recount());
}

#[test]
fn predictive_waits_then_abandons_at_the_limit() {
    // The expected-risk guard: the worst-case one would not dial ahead
    // of an empty abandon budget.
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        abandon_guard: crate::config::AbandonGuard::Expected,
        ..CampaignConfig::new(Mode::Predictive)
    })
    .unwrap();
    for i in 0..10 {
        c.add_contact(&format!("212555{:04}", i), "", None, 0)
            .unwrap();
    }
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let dials: Vec<CallId> = poll(&mut c, 0)
        .into_iter()
        .map(|cmd| match cmd {
            Command::Dial {
                call,
                operator: None,
                ..
            } => call,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(dials.len(), 2, "ratio 1.5 × 1 ready operator, rounded up");
    c.handle(Event::Answered(dials[0]), 1_000).unwrap();
    c.handle(Event::Answered(dials[1]), 1_100).unwrap();
    // `handle` only records: both wait; one can be connected at once.
    assert_eq!(c.state(dials[0].contact), Some(State::AwaitingOperator));
    assert_eq!(c.state(dials[1].contact), Some(State::AwaitingOperator));
    assert_eq!(c.pending(), 1, "one answered call and one ready operator");
    assert_eq!(c.next_deadline(), Some(1_100), "poll now");
    assert_eq!(
        poll(&mut c, 1_200),
        vec![Command::Connect {
            call: dials[0],
            operator: op
        }]
    );
    assert_eq!(c.state(dials[0].contact), Some(State::CallInProgress));
    assert_eq!(c.pending(), 0);
    assert!(
        poll(&mut c, 3_099).is_empty(),
        "the limit is 2 s after the answer"
    );
    let out = poll(&mut c, 3_100);
    assert_eq!(out, vec![Command::Abandon { call: dials[1] }]);
    assert_eq!(c.state(dials[1].contact), Some(State::CanceledByClient));
    assert_eq!(c.metrics(3_100).unwrap().abandoned, 1);
    // A late event about the abandoned call is stale and changes nothing.
    assert_eq!(
        c.handle(Event::ClientHungUp(dials[1]), 3_200),
        Err(EngineError::StaleCall {
            call: dials[1],
            current_attempt: 1
        })
    );
}

#[test]
fn predictive_never_dials_without_a_ready_operator() {
    let mut c = campaign(Mode::Predictive);
    c.add_contact("2125550100", "", None, 0).unwrap();
    assert!(poll(&mut c, 0).is_empty());
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    assert!(poll(&mut c, 10).is_empty(), "logged in but paused");
    assert_eq!(c.state(ContactId(0)), Some(State::Initial));
}

/// 2025-06-02 (a Monday) 12:00 UTC: 21:00 in Tokyo.
const MON_12Z: u64 = 1_748_865_600_000;
const HOUR: u64 = 3_600_000;

/// Polls at `now`, expects one offer and declines it.
fn decline(c: &mut Campaign, now: u64) -> ContactId {
    match poll(c, now).as_slice() {
        [Command::Offer { contact, operator }] => {
            c.handle(
                Event::OperatorDeclined {
                    operator: *operator,
                    contact: *contact,
                },
                now,
            )
            .unwrap();
            *contact
        }
        other => panic!("one offer expected: {other:?}"),
    }
}

#[test]
fn a_closed_zone_is_skipped_whole_and_reopens_in_import_order() {
    let mut c = Campaign::new(CampaignConfig {
        default_country: Some(1),
        calling_window: crate::window::WeeklyWindow::parse("Mon-Fri 09:00-20:00").unwrap(),
        ..CampaignConfig::new(Mode::Preview)
    })
    .unwrap();
    let zone = |i: u32| i.is_multiple_of(2).then_some("Asia/Tokyo");
    let ids: Vec<ContactId> = (0..5)
        .map(|i| {
            c.add_contact(&format!("212555010{i}"), "", zone(i), 0)
                .unwrap()
        })
        .collect();
    let tokyo = c.store().zones()[0];
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), MON_12Z).unwrap();
    c.handle(Event::OperatorReady(op), MON_12Z).unwrap();
    // 21:00 in Tokyo: the first Tokyo contact met closes the zone; the
    // others are never taken out of the queue.
    let first = decline(&mut c, MON_12Z);
    assert_eq!(first, ids[1]);
    assert!(c.queue.is_closed(tokyo));
    for &i in &[0, 2, 4] {
        assert!(c.queue.is_marked(i), "contact {i} still in its place");
        assert_eq!(c.state(ids[i as usize]), Some(State::Initial));
    }
    assert_eq!(decline(&mut c, MON_12Z + 1), ids[3]);
    assert!(poll(&mut c, MON_12Z + 2).is_empty(), "only Tokyo is left");
    // Tuesday 09:00 in Tokyo: the zone opens as it was, in import order.
    let open = MON_12Z + 12 * HOUR;
    assert_eq!(c.next_deadline(), Some(open));
    let mut order = Vec::new();
    for k in 0..3 {
        order.push(decline(&mut c, open + k));
    }
    assert!(!c.queue.is_closed(tokyo));
    assert_eq!(order, vec![ids[0], ids[2], ids[4]]);
}

/// A predictive Dial held by the host: the gate's blacklist answer is reused
/// only while the blacklist is unchanged since the guards cleared the number.
fn held_dial(c: &mut Campaign) -> Command {
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let out = poll(c, 1);
    assert_eq!(out.len(), 1, "{out:?}");
    out[0]
}

#[test]
fn held_dial_passes_the_gate_again_while_the_blacklist_is_unchanged() {
    let mut c = campaign(Mode::Predictive);
    c.add_contact("(212) 555-0100", "crm-1", None, 0).unwrap();
    let dial = held_dial(&mut c);
    // Another number's change bumps the version: the gate looks it up again
    // and still lets the held Dial out.
    c.handle(Event::BlacklistAdd(12125550199), 2).unwrap();
    assert_eq!(c.recheck(&dial, 3), Ok(true));
    assert_eq!(c.recheck(&dial, 4), Ok(true));
}

#[test]
fn held_dial_of_a_number_blacklisted_since_is_withdrawn() {
    let mut c = campaign(Mode::Predictive);
    let id = c.add_contact("(212) 555-0100", "crm-1", None, 0).unwrap();
    let dial = held_dial(&mut c);
    assert!(matches!(
        dial,
        Command::Dial {
            number: 12125550100,
            ..
        }
    ));
    c.handle(Event::BlacklistAdd(12125550100), 2).unwrap();
    assert_eq!(c.recheck(&dial, 3), Ok(false));
    assert_ne!(c.state(id), Some(State::Calling));
}
