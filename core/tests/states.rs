//! One scenario per vendor contact state (the 16 of the vendor table and our
//! `NotReached`), each driven through the public API only — `add_contact`,
//! `add_numbers`, `import_csv`, `handle`, `poll`, `fix_number` — into the
//! situation the vendor table describes, and checked with `state()`, the
//! commands handed out and the O(1) counts. Then: stale and illegal events
//! are errors that change nothing.

mod util;

use dialcore::event::{CallId, Command, Disposition, Event};
use dialcore::operators::OperatorState;
use dialcore::phone::PhoneError;
use dialcore::retry::RetryRule;
use dialcore::{CampaignConfig, ContactId, EngineError, Mode, State};

use util::*;

// ---------------------------------------------------------------- 0 Initial

#[test]
fn initial_after_import_and_ready_for_selection() {
    let mut c = campaign(config(Mode::Progressive));
    let a = contact(&mut c, "(212) 555-0100");
    let bulk = c.add_numbers(&[12125550101, 12125550102], 0).unwrap();
    let report = c
        .import_csv("phone,external_id\n212-555-0103,crm-3\n".as_bytes())
        .unwrap();
    assert_eq!(report.valid, 1);
    let csv = ContactId(report.ids.start);
    for id in [a, ContactId(bulk.start), ContactId(bulk.start + 1), csv] {
        assert_eq!(c.state(id), Some(State::Initial));
    }
    assert_eq!(c.counts().get(State::Initial), 4);
    assert_eq!(c.store().external_id(csv), Some("crm-3"));
    // Ready for calling: the first one is offered as soon as an operator is.
    let op = ready_operator(&mut c, T0);
    let out = poll(&mut c, T0);
    assert_eq!(offers(&out), vec![(a, op)]);
    assert_counts_exact(&c);
}

// ---------------------------------------------------------- 1 InvalidRecord

#[test]
fn invalid_record_for_letters_or_blank_until_the_number_is_fixed() {
    let mut c = campaign(config(Mode::Progressive));
    let letters = contact(&mut c, "212-555-CALL");
    let blank = contact(&mut c, "   ");
    let report = c
        .import_csv("phone\n2125550100x\n\n2125550101\n".as_bytes())
        .unwrap();
    let csv_bad = ContactId(report.ids.start);
    assert_eq!(report.invalid, 1);
    for id in [letters, blank, csv_bad] {
        assert_eq!(c.state(id), Some(State::InvalidRecord), "{id}");
    }
    assert_eq!(
        c.store().invalid_reason(letters),
        Some((PhoneError::Letters, "212-555-CALL"))
    );
    assert_eq!(
        c.store().invalid_reason(blank).unwrap().0,
        PhoneError::Blank
    );
    assert_eq!(c.counts().get(State::InvalidRecord), 3);

    // Never offered or dialed while invalid.
    let op = ready_operator(&mut c, T0);
    let good = ContactId(report.ids.start + 1);
    let call = offer_accept_dial(&mut c, good, op, T0);
    c.handle(Event::Rejected(call), T0 + SEC).unwrap();
    assert!(offers(&poll(&mut c, T0 + 2 * SEC)).is_empty());

    // A bad fix is refused and changes nothing; a good one makes it Initial.
    assert!(matches!(
        c.fix_number(letters, "still-bad"),
        Err(EngineError::InvalidNumber { .. })
    ));
    assert_eq!(c.state(letters), Some(State::InvalidRecord));
    assert_eq!(c.fix_number(letters, "212 555 0199"), Ok(State::Initial));
    assert_eq!(c.store().number(letters), Some(12125550199));
    let out = poll(&mut c, T0 + 3 * SEC);
    assert_eq!(offers(&out), vec![(letters, op)]);
    // Fixing a contact that is not an invalid record is illegal.
    assert!(matches!(
        c.fix_number(good, "2125550100"),
        Err(EngineError::IllegalTransition {
            state: State::RetryScheduled,
            ..
        })
    ));
    assert_counts_exact(&c);
}

// ------------------------------------------------------------ 2 Blacklisted

#[test]
fn blacklisted_at_import_and_before_the_dial() {
    let mut c = campaign(config(Mode::Progressive));
    c.blacklist_numbers(&[12125550100]);
    let report = c
        .import_csv("phone\n(212) 555-0100\n212 555 0101\n".as_bytes())
        .unwrap();
    let listed = ContactId(report.ids.start);
    let later = ContactId(report.ids.start + 1);
    assert_eq!(report.blacklisted, 1);
    assert_eq!(c.state(listed), Some(State::Blacklisted));
    assert_eq!(c.state(later), Some(State::Initial));

    // Listed while waiting for its dial: Blacklisted at once, never offered.
    c.handle(Event::BlacklistAdd(12125550101), T0).unwrap();
    assert_eq!(c.state(later), Some(State::Blacklisted));
    let op = ready_operator(&mut c, T0);
    assert!(poll(&mut c, T0).is_empty());

    // The admin takes the number off the list: Initial, then dialed.
    c.handle(Event::BlacklistRemove(12125550101), T0 + SEC)
        .unwrap();
    assert_eq!(c.state(later), Some(State::Initial));
    assert_eq!(c.state(listed), Some(State::Blacklisted));
    let call = offer_accept_dial(&mut c, later, op, T0 + 2 * SEC);

    // Listed during the call: the call goes on, and the contact is
    // Blacklisted (not retried) when it ends.
    c.handle(Event::BlacklistAdd(12125550101), T0 + 3 * SEC)
        .unwrap();
    assert_eq!(c.state(later), Some(State::Calling));
    c.handle(Event::Rejected(call), T0 + 4 * SEC).unwrap();
    assert_eq!(c.state(later), Some(State::Blacklisted));
    assert_eq!(c.timer_of(later), None);
    assert!(dials(&poll(&mut c, T0 + DAY)).is_empty());
    assert_eq!(c.counts().get(State::Blacklisted), 2);
    assert_counts_exact(&c);
}

#[test]
fn blacklist_removed_during_the_call_does_not_blacklist_at_its_end() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::BlacklistAdd(12125550100), T0 + SEC)
        .unwrap();
    c.handle(Event::BlacklistRemove(12125550100), T0 + 2 * SEC)
        .unwrap();
    c.handle(Event::Rejected(call), T0 + 3 * SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(T0 + 3 * SEC + 5 * MIN));
}

// ------------------------------------------------------- 3 AwaitingOperator

#[test]
fn awaiting_operator_in_the_hopper_preview_progressive() {
    let mut c = campaign(config(Mode::Progressive));
    let ids: Vec<ContactId> = (0..4)
        .map(|i| contact(&mut c, &format!("212555010{i}")))
        .collect();
    let a = ready_operator(&mut c, T0);
    let b = c.add_operator();
    c.handle(Event::OperatorLogin(b), T0).unwrap();
    let out = poll(&mut c, T0);
    assert_eq!(
        out,
        vec![Command::Offer {
            contact: ids[0],
            operator: a
        }]
    );
    // Two operators logged in, one busy: two contacts wait in the hopper
    // for a free operator, with no call.
    assert_eq!(c.state(ids[0]), Some(State::OperatorAssigned));
    assert_eq!(c.state(ids[1]), Some(State::AwaitingOperator));
    assert_eq!(c.state(ids[2]), Some(State::AwaitingOperator));
    assert_eq!(c.state(ids[3]), Some(State::Initial));
    assert_eq!(c.call_of(ids[1]), None);
    assert_eq!(c.operator_of(ids[1]), None);
    // The hopper head is what the next free operator gets.
    c.handle(Event::OperatorReady(b), T0 + SEC).unwrap();
    assert_eq!(
        poll(&mut c, T0 + SEC),
        vec![Command::Offer {
            contact: ids[1],
            operator: b
        }]
    );
    assert_eq!(c.state(ids[3]), Some(State::AwaitingOperator));
    assert_counts_exact(&c);
}

#[test]
fn awaiting_operator_with_an_answered_predictive_call() {
    let mut c = campaign(config(Mode::Predictive));
    for i in 0..4 {
        contact(&mut c, &format!("212555010{i}"));
    }
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 2, "ceil(1.5 × 1)");
    c.handle(Event::Answered(calls[0]), T0 + SEC).unwrap();
    c.handle(Event::Answered(calls[1]), T0 + SEC).unwrap();
    // `handle` only records: both wait, and the host is told to poll now.
    assert_eq!(c.state(calls[0].contact), Some(State::AwaitingOperator));
    assert_eq!(c.pending(), 1, "one waiting call and one ready operator");
    assert_eq!(c.next_deadline(), Some(T0 + SEC));
    let out = poll(&mut c, T0 + SEC);
    assert_eq!(
        out,
        vec![Command::Connect {
            call: calls[0],
            operator: op
        }]
    );
    assert_eq!(c.state(calls[0].contact), Some(State::CallInProgress));
    // The client answered and no operator is free: the call is live and waits.
    let waiting = calls[1].contact;
    assert_eq!(c.state(waiting), Some(State::AwaitingOperator));
    assert_eq!(c.call_of(waiting), Some(calls[1]));
    assert_eq!(c.operator_of(waiting), None);
    assert_eq!(c.timer_of(waiting), Some(T0 + SEC + 2 * SEC));
    assert_eq!(c.metrics(T0 + SEC).unwrap().waiting, 1);
    assert_eq!(c.pending(), 0, "no operator ready: nothing due");
    // The operator frees up before the abandon limit: connected.
    c.handle(Event::CallEnded(calls[0]), T0 + 2 * SEC).unwrap();
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: calls[0].contact,
            disposition: Disposition::Done,
        },
        T0 + 2 * SEC,
    )
    .unwrap();
    assert_eq!(c.pending(), 1, "the operator is ready: poll now");
    let out = poll(&mut c, T0 + 2 * SEC);
    assert_eq!(c.state(waiting), Some(State::CallInProgress));
    assert_eq!(c.operator_of(waiting), Some(op));
    assert_eq!(
        out.first(),
        Some(&Command::Connect {
            call: calls[1],
            operator: op
        })
    );
    assert_counts_exact(&c);
}

// ------------------------------------------------------- 4 OperatorAssigned

#[test]
fn operator_assigned_until_accepted_or_the_offer_times_out() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    assert_eq!(
        poll(&mut c, T0),
        vec![Command::Offer {
            contact: id,
            operator: op
        }]
    );
    assert_eq!(c.state(id), Some(State::OperatorAssigned));
    assert_eq!(c.operator_of(id), Some(op));
    assert_eq!(c.operators().state(op), Some(OperatorState::Offered));
    assert_eq!(c.operators().contact(op), Some(id));
    assert_eq!(c.timer_of(id), Some(T0 + 30 * SEC));
    // Not accepted in time: revoked, back to the queue, operator paused.
    assert!(poll(&mut c, T0 + 30 * SEC - 1).is_empty());
    assert_eq!(
        poll(&mut c, T0 + 30 * SEC),
        vec![Command::Revoke {
            contact: id,
            operator: op
        }]
    );
    assert_eq!(c.state(id), Some(State::AwaitingOperator));
    assert_eq!(c.operators().state(op), Some(OperatorState::Paused));
    assert_eq!(c.operator_of(id), None);
    // Ready again: offered again, first.
    c.handle(Event::OperatorReady(op), T0 + 40 * SEC).unwrap();
    assert_eq!(
        offers(&poll(&mut c, T0 + 40 * SEC)),
        vec![(id, op)],
        "the missed contact is at the head of the queue"
    );
    assert_eq!(c.store().attempts(id), Some(0));
    assert_counts_exact(&c);
}

// ----------------------------------------------------- 5 RejectedByOperator

#[test]
fn rejected_by_operator_in_preview_only() {
    let mut c = campaign(config(Mode::Preview));
    let id = contact(&mut c, "2125550100");
    let next = contact(&mut c, "2125550101");
    let op = ready_operator(&mut c, T0);
    assert_eq!(offers(&poll(&mut c, T0)), vec![(id, op)]);
    c.handle(
        Event::OperatorDeclined {
            operator: op,
            contact: id,
        },
        T0 + SEC,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::RejectedByOperator));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_eq!(c.store().attempts(id), Some(0));
    // Terminal: never offered again; the operator gets the next one.
    assert_eq!(offers(&poll(&mut c, T0 + 2 * SEC)), vec![(next, op)]);
    assert_eq!(c.counts().get(State::RejectedByOperator), 1);

    // In progressive mode a decline is not a rejection: the contact goes
    // back to the head of the queue and the operator on pause.
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    poll(&mut c, T0);
    c.handle(
        Event::OperatorDeclined {
            operator: op,
            contact: id,
        },
        T0 + SEC,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::AwaitingOperator));
    assert_eq!(c.operators().state(op), Some(OperatorState::Paused));
    assert_eq!(c.counts().get(State::RejectedByOperator), 0);
    assert_counts_exact(&c);
}

// -------------------------------------------------------------------- 6 Bcw

#[test]
fn bcw_countdown_then_dial_or_call_button() {
    let mut c = campaign(config(Mode::Progressive));
    let a = contact(&mut c, "2125550100");
    let b = contact(&mut c, "2125550101");
    let op = ready_operator(&mut c, T0);
    poll(&mut c, T0);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: a,
        },
        T0 + SEC,
    )
    .unwrap();
    assert_eq!(c.state(a), Some(State::Bcw));
    assert_eq!(c.operators().state(op), Some(OperatorState::Bcw));
    assert_eq!(c.timer_of(a), Some(T0 + SEC + 5 * SEC));
    assert!(poll(&mut c, T0 + 6 * SEC - 1).is_empty(), "countdown runs");
    // The countdown stops: the call is initiated with the operator.
    let out = poll(&mut c, T0 + 6 * SEC);
    assert_eq!(
        out,
        vec![Command::Dial {
            call: call(a, 1),
            number: 12125550100,
            number_index: 0,
            operator: Some(op),
            caller_id: None,
        }]
    );
    assert_eq!(c.state(a), Some(State::Calling));
    c.handle(Event::Unreachable(call(a, 1)), T0 + 10 * SEC)
        .unwrap();

    // The operator presses "Call" before the countdown ends.
    assert_eq!(offers(&poll(&mut c, T0 + 11 * SEC)), vec![(b, op)]);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: b,
        },
        T0 + 12 * SEC,
    )
    .unwrap();
    assert_eq!(c.state(b), Some(State::Bcw));
    c.handle(
        Event::OperatorDialNow {
            operator: op,
            contact: b,
        },
        T0 + 13 * SEC,
    )
    .unwrap();
    // The countdown is due now; the poll dials through the guards.
    assert_eq!(c.state(b), Some(State::Bcw));
    assert_eq!(c.timer_of(b), Some(T0 + 13 * SEC));
    assert!(c.pending() > 0);
    assert_eq!(
        poll(&mut c, T0 + 13 * SEC),
        vec![Command::Dial {
            call: call(b, 1),
            number: 12125550101,
            number_index: 0,
            operator: Some(op),
            caller_id: None,
        }]
    );
    // The countdown's timer is gone: the ring timeout is what is pending.
    assert_eq!(c.timer_of(b), Some(T0 + 13 * SEC + 25 * SEC));
    assert_counts_exact(&c);
}

// ---------------------------------------------------------------- 7 Calling

#[test]
fn calling_until_the_ring_timeout_hangs_up() {
    let mut c = campaign(CampaignConfig {
        bcw_ms: 0,
        ..config(Mode::Progressive)
    });
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
    // BCW off: accepted means due at once, dialed by the next poll.
    assert_eq!(c.state(id), Some(State::Bcw));
    assert_eq!(c.pending(), 1);
    assert_eq!(c.next_deadline(), Some(T0));
    let call = call(id, 1);
    assert_eq!(dialed_calls(&poll(&mut c, T0)), vec![call]);
    assert_eq!(c.state(id), Some(State::Calling));
    assert_eq!(c.call_of(id), Some(call));
    assert_eq!(c.operators().state(op), Some(OperatorState::OnCall));
    assert_eq!(c.metrics(T0).unwrap().ringing, 1);
    assert!(poll(&mut c, T0 + 25 * SEC - 1).is_empty());
    let out = poll(&mut c, T0 + 25 * SEC);
    assert_eq!(out.first(), Some(&Command::Hangup { call }));
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(T0 + 25 * SEC + 30 * MIN));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_eq!(c.call_of(id), None);
    assert_counts_exact(&c);
}

// --------------------------------------------------------- 8 CallInProgress

#[test]
fn call_in_progress_when_the_client_answers() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::Answered(call), T0 + 5 * SEC).unwrap();
    assert_eq!(c.state(id), Some(State::CallInProgress));
    assert_eq!(c.operator_of(id), Some(op));
    assert_eq!(c.operators().contact(op), Some(id));
    assert_eq!(c.timer_of(id), None, "no ring timeout once answered");
    // The operator was on the call from the dial: no Connect needed.
    assert!(poll(&mut c, T0 + HOUR).is_empty());
    assert_eq!(c.state(id), Some(State::CallInProgress), "no time limit");
    let m = c.metrics(T0 + HOUR).unwrap();
    assert_eq!((m.answered, m.connected), (1, 1));
    assert_counts_exact(&c);
}

#[test]
fn calls_and_offers_go_to_the_longest_idle_ready_operator() {
    // Predictive: the operator ready the longest takes the first answered call.
    let mut c = campaign(config(Mode::Predictive));
    for i in 0..4 {
        contact(&mut c, &format!("212555010{i}"));
    }
    let late = c.add_operator();
    let early = c.add_operator();
    for op in [late, early] {
        c.handle(Event::OperatorLogin(op), T0).unwrap();
    }
    c.handle(Event::OperatorReady(early), T0).unwrap();
    c.handle(Event::OperatorReady(late), T0 + SEC).unwrap();
    let calls = dialed_calls(&poll(&mut c, T0 + SEC));
    assert_eq!(calls.len(), 3, "ceil(1.5 × 2)");
    c.handle(Event::Answered(calls[0]), T0 + 2 * SEC).unwrap();
    c.handle(Event::Answered(calls[1]), T0 + 2 * SEC).unwrap();
    assert_eq!(
        poll(&mut c, T0 + 2 * SEC),
        vec![
            Command::Connect {
                call: calls[0],
                operator: early
            },
            Command::Connect {
                call: calls[1],
                operator: late
            },
        ]
    );
    // Progressive: the same order for offers.
    let mut c = campaign(config(Mode::Progressive));
    let a = contact(&mut c, "2125550100");
    let b = contact(&mut c, "2125550101");
    let late = c.add_operator();
    let early = c.add_operator();
    for op in [late, early] {
        c.handle(Event::OperatorLogin(op), T0).unwrap();
    }
    c.handle(Event::OperatorReady(early), T0).unwrap();
    c.handle(Event::OperatorReady(late), T0 + SEC).unwrap();
    assert_eq!(offers(&poll(&mut c, T0 + SEC)), vec![(a, early), (b, late)]);
}

// ------------------------------------------------------- 9 CanceledByClient

#[test]
fn canceled_by_client_in_predictive_hang_up_or_abandon_limit() {
    // A high abandon target keeps the pacer at 1.5 calls per ready operator
    // after the first abandon (the guard itself is in `compliance.rs`).
    let mut c = campaign(CampaignConfig {
        abandon_target: 0.9,
        ..config(Mode::Predictive)
    });
    for i in 0..6 {
        contact(&mut c, &format!("212555010{i}"));
    }
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 2);
    answer(&mut c, calls[0], T0 + SEC);
    answer(&mut c, calls[1], T0 + SEC);
    assert_eq!(c.state(calls[1].contact), Some(State::AwaitingOperator));
    // The client hangs up before an operator comes.
    c.handle(Event::ClientHungUp(calls[1]), T0 + 2 * SEC)
        .unwrap();
    assert_eq!(c.state(calls[1].contact), Some(State::CanceledByClient));
    assert_eq!(c.metrics(T0 + 2 * SEC).unwrap().abandoned, 1);
    assert_eq!(c.operators().contact(op), Some(calls[0].contact));
    end_and_finish(&mut c, calls[0], op, T0 + 3 * SEC);

    // Another answered call waits up to the abandon limit: Abandon.
    let more = dialed_calls(&poll(&mut c, T0 + 4 * SEC));
    assert_eq!(more.len(), 2);
    answer(&mut c, more[0], T0 + 5 * SEC);
    let waiting = more[1];
    answer(&mut c, waiting, T0 + 5 * SEC);
    assert_eq!(c.state(waiting.contact), Some(State::AwaitingOperator));
    assert!(!poll(&mut c, T0 + 7 * SEC - 1).contains(&Command::Abandon { call: waiting }));
    let out = poll(&mut c, T0 + 7 * SEC);
    assert!(out.contains(&Command::Abandon { call: waiting }), "{out:?}");
    assert_eq!(c.state(waiting.contact), Some(State::CanceledByClient));
    assert_eq!(c.metrics(T0 + 7 * SEC).unwrap().abandoned, 2);
    // Terminal with the default policy: never dialed again.
    assert_eq!(c.timer_of(waiting.contact), None);
    assert_counts_exact(&c);
}

// ------------------------------------------------------------ 10 DialFailed

#[test]
fn dial_failed_is_final_when_the_policy_does_not_retry_it() {
    let mut cfg = config(Mode::Progressive);
    cfg.retry.dial_failed = RetryRule::never();
    let mut c = campaign(cfg);
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::DialFailed(call), T0 + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::DialFailed));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert!(poll(&mut c, T0 + DAY).is_empty());

    // With the default policy a failed dial is retried after 5 minutes.
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::DialFailed(call), T0 + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(T0 + SEC + 5 * MIN));
    assert_counts_exact(&c);
}

// -------------------------------------------------------- 11 RetryScheduled

#[test]
fn retry_scheduled_after_rejected_or_unreachable_then_dialed_again() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let first = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::Rejected(first), T0 + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    let due = T0 + SEC + 5 * MIN;
    assert_eq!(c.timer_of(id), Some(due));
    assert!(poll(&mut c, due - 1).is_empty(), "not before it is due");
    let second = offer_accept_dial(&mut c, id, op, due);
    assert_eq!(second, call(id, 2));
    c.handle(Event::Unreachable(second), due + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(due + SEC + 30 * MIN));

    // An agent callback is a retry at the time the client asked for.
    let t = due + SEC + 30 * MIN;
    let third = offer_accept_dial(&mut c, id, op, t);
    c.handle(Event::Answered(third), t + SEC).unwrap();
    c.handle(Event::CallEnded(third), t + 2 * SEC).unwrap();
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: id,
            disposition: Disposition::Callback { at_ms: t + DAY },
        },
        t + 3 * SEC,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(id), Some(t + DAY));
    assert!(offers(&poll(&mut c, t + DAY - 1)).is_empty());
    assert_eq!(offers(&poll(&mut c, t + DAY)), vec![(id, op)]);
    assert_counts_exact(&c);
}

// ------------------------------------------------------------------- 12 Acw

#[test]
fn acw_after_the_call_until_done_or_the_limit() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::Answered(call), T0 + SEC).unwrap();
    c.handle(Event::CallEnded(call), T0 + MIN).unwrap();
    assert_eq!(c.state(id), Some(State::Acw));
    assert_eq!(c.operator_of(id), Some(op));
    assert_eq!(c.operators().state(op), Some(OperatorState::Acw));
    assert_eq!(c.call_of(id), None, "the call itself is over");
    assert_eq!(c.timer_of(id), Some(T0 + MIN + 120 * SEC));
    // The ACW limit passes: closed as Success, operator free.
    assert!(poll(&mut c, T0 + MIN + 120 * SEC - 1).is_empty());
    // The host is told to close the operator's ACW screen.
    let out = poll(&mut c, T0 + MIN + 120 * SEC);
    assert!(
        out.contains(&Command::Revoke {
            contact: id,
            operator: op
        }),
        "{out:?}"
    );
    assert_eq!(c.state(id), Some(State::Success));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    // The client hanging up also ends the talk into ACW.
    let id2 = contact(&mut c, "2125550101");
    let call2 = offer_accept_dial(&mut c, id2, op, T0 + HOUR);
    c.handle(Event::Answered(call2), T0 + HOUR + SEC).unwrap();
    c.handle(Event::ClientHungUp(call2), T0 + HOUR + 2 * SEC)
        .unwrap();
    assert_eq!(c.state(id2), Some(State::Acw));
    assert_counts_exact(&c);
}

// --------------------------------------------------------------- 13 Success

#[test]
fn success_when_the_client_was_contacted() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    talk_and_finish(&mut c, call, op, T0 + SEC);
    assert_eq!(c.state(id), Some(State::Success));
    assert_eq!(c.operator_of(id), None);
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_eq!(c.operators().contact(op), None);
    assert!(poll(&mut c, T0 + DAY).is_empty(), "never dialed again");

    // With ACW off, the end of the call is the end of the contact.
    let mut c = campaign(CampaignConfig {
        acw_enabled: false,
        ..config(Mode::Predictive)
    });
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls, vec![util::call(id, 1)]);
    answer(&mut c, calls[0], T0 + SEC);
    assert_eq!(c.operator_of(id), Some(op));
    c.handle(Event::CallEnded(calls[0]), T0 + MIN).unwrap();
    assert_eq!(c.state(id), Some(State::Success));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_counts_exact(&c);
}

// ------------------------------------------------------- 14 CanceledByAdmin

#[test]
fn canceled_by_admin_at_once_or_when_the_call_ends() {
    let mut c = campaign(config(Mode::Progressive));
    let offered = contact(&mut c, "2125550100");
    let calling = contact(&mut c, "2125550101");
    let waiting = contact(&mut c, "2125550102");
    let invalid = contact(&mut c, "nope");
    let a = ready_operator(&mut c, T0);
    let b = ready_operator(&mut c, T0);
    let out = poll(&mut c, T0);
    assert_eq!(offers(&out), vec![(offered, a), (calling, b)]);
    let call = accept_and_dial(&mut c, calling, b, T0);
    assert_eq!(c.state(waiting), Some(State::AwaitingOperator));

    c.handle(Event::Cancel, T0 + SEC).unwrap();
    for id in [offered, waiting, invalid] {
        assert_eq!(c.state(id), Some(State::CanceledByAdmin), "{id}");
    }
    assert_eq!(c.state(calling), Some(State::Calling), "live calls go on");
    let out = poll(&mut c, T0 + SEC);
    assert_eq!(
        out,
        vec![Command::Revoke {
            contact: offered,
            operator: a
        }]
    );
    c.handle(Event::Unreachable(call), T0 + 2 * SEC).unwrap();
    assert_eq!(c.state(calling), Some(State::CanceledByAdmin));
    assert_eq!(c.timer_of(calling), None);
    // Nothing more happens, and contacts added now are canceled at once.
    let late = contact(&mut c, "2125550103");
    assert_eq!(c.state(late), Some(State::CanceledByAdmin));
    assert!(poll(&mut c, T0 + DAY).is_empty());
    assert_eq!(
        c.handle(Event::Resume, T0 + DAY),
        Err(EngineError::Canceled)
    );
    assert_eq!(c.counts().get(State::CanceledByAdmin), 5);
    assert_counts_exact(&c);
}

// --------------------------------------------------------------- 15 Removed

#[test]
fn removed_at_once_or_when_the_call_ends() {
    let mut c = campaign(config(Mode::Progressive));
    let idle = contact(&mut c, "2125550100");
    let live = contact(&mut c, "2125550101");
    let op = ready_operator(&mut c, T0);
    c.handle(Event::Remove(idle), T0).unwrap();
    assert_eq!(c.state(idle), Some(State::Removed));
    let call = offer_accept_dial(&mut c, live, op, T0);
    c.handle(Event::Remove(live), T0 + SEC).unwrap();
    assert_eq!(c.state(live), Some(State::Calling));
    c.handle(Event::Answered(call), T0 + 2 * SEC).unwrap();
    c.handle(Event::CallEnded(call), T0 + MIN).unwrap();
    assert_eq!(c.state(live), Some(State::Acw));
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: live,
            disposition: Disposition::Done,
        },
        T0 + 2 * MIN,
    )
    .unwrap();
    // Remove wins over the call's outcome.
    assert_eq!(c.state(live), Some(State::Removed));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    // A terminal contact cannot be removed; unknown ids are reported.
    assert_eq!(
        c.handle(Event::Remove(live), T0 + 3 * MIN),
        Err(EngineError::IllegalTransition {
            contact: live,
            state: State::Removed,
            event: "Remove"
        })
    );
    assert_eq!(
        c.handle(Event::Remove(ContactId(99)), T0 + 3 * MIN),
        Err(EngineError::UnknownContact(ContactId(99)))
    );
    assert_eq!(c.counts().get(State::Removed), 2);
    assert_counts_exact(&c);
}

// ------------------------------------------------------------ 16 NotReached

#[test]
fn not_reached_after_the_last_attempt() {
    let mut cfg = config(Mode::Progressive);
    cfg.retry.max_attempts = 2;
    cfg.retry.busy = RetryRule::after(MIN);
    let mut c = campaign(cfg);
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let first = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::Rejected(first), T0 + SEC).unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    let second = offer_accept_dial(&mut c, id, op, T0 + SEC + MIN);
    assert_eq!(second.attempt, 2);
    c.handle(Event::Rejected(second), T0 + 2 * MIN).unwrap();
    assert_eq!(c.state(id), Some(State::NotReached));
    assert_eq!(c.timer_of(id), None);
    assert!(poll(&mut c, T0 + DAY).is_empty());

    // A callback after the last attempt is not dialed: attempts used up.
    let mut cfg = config(Mode::Progressive);
    cfg.retry.max_attempts = 1;
    let mut c = campaign(cfg);
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let only = offer_accept_dial(&mut c, id, op, T0);
    c.handle(Event::Answered(only), T0 + SEC).unwrap();
    c.handle(Event::CallEnded(only), T0 + 2 * SEC).unwrap();
    c.handle(
        Event::AcwDone {
            operator: op,
            contact: id,
            disposition: Disposition::Callback { at_ms: T0 + HOUR },
        },
        T0 + 3 * SEC,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert!(poll(&mut c, T0 + HOUR).is_empty());
    assert_eq!(c.state(id), Some(State::NotReached));
    assert_counts_exact(&c);
}

// -------------------------------------------------- errors change nothing

/// Builds the same campaign twice: one predictive call ringing, one talking
/// with an operator, one retry pending, one offer-free contact left.
fn errors_scenario() -> (dialcore::Campaign, Vec<CallId>) {
    let mut c = campaign(config(Mode::Predictive));
    for i in 0..5 {
        contact(&mut c, &format!("212555010{i}"));
    }
    ready_operator(&mut c, T0);
    ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 3);
    c.handle(Event::Answered(calls[0]), T0 + SEC).unwrap();
    c.handle(Event::Rejected(calls[1]), T0 + SEC).unwrap();
    poll(&mut c, T0 + SEC);
    (c, calls)
}

#[test]
fn stale_and_illegal_events_are_errors_that_change_nothing() {
    let (mut c, calls) = errors_scenario();
    let talking = calls[0];
    let retried = calls[1];
    let ringing = calls[2];
    let op = c.operator_of(talking.contact).unwrap();
    let idle_op = dialcore::OperatorId(1 - op.0);
    let before = snapshot(&c);
    let t = T0 + 2 * SEC;
    let bad: Vec<(Event, EngineError)> = vec![
        // The attempt is over: a late PBX message.
        (
            Event::Answered(retried),
            EngineError::StaleCall {
                call: retried,
                current_attempt: 1,
            },
        ),
        // An attempt that was never made.
        (
            Event::Rejected(call(ringing.contact, 2)),
            EngineError::StaleCall {
                call: call(ringing.contact, 2),
                current_attempt: 1,
            },
        ),
        // A contact never dialed.
        (
            Event::Answered(call(ContactId(4), 0)),
            EngineError::StaleCall {
                call: call(ContactId(4), 0),
                current_attempt: 0,
            },
        ),
        // Legal events in the wrong state.
        (
            Event::CallEnded(ringing),
            EngineError::IllegalTransition {
                contact: ringing.contact,
                state: State::Calling,
                event: "CallEnded",
            },
        ),
        (
            Event::Answered(talking),
            EngineError::IllegalTransition {
                contact: talking.contact,
                state: State::CallInProgress,
                event: "Answered",
            },
        ),
        (
            Event::Rejected(talking),
            EngineError::IllegalTransition {
                contact: talking.contact,
                state: State::CallInProgress,
                event: "Rejected",
            },
        ),
        // Operator events that do not fit.
        (
            Event::OperatorAccepted {
                operator: op,
                contact: talking.contact,
            },
            EngineError::IllegalOperatorEvent {
                operator: op,
                state: OperatorState::OnCall,
                event: "OperatorAccepted",
            },
        ),
        (
            Event::AcwDone {
                operator: idle_op,
                contact: talking.contact,
                disposition: Disposition::Done,
            },
            EngineError::IllegalOperatorEvent {
                operator: idle_op,
                state: OperatorState::Ready,
                event: "AcwDone",
            },
        ),
        (
            Event::OperatorLogin(op),
            EngineError::IllegalOperatorEvent {
                operator: op,
                state: OperatorState::OnCall,
                event: "OperatorLogin",
            },
        ),
        (
            Event::OperatorReady(dialcore::OperatorId(7)),
            EngineError::UnknownOperator(dialcore::OperatorId(7)),
        ),
        (
            Event::ClientHungUp(call(ContactId(42), 1)),
            EngineError::UnknownContact(ContactId(42)),
        ),
        (
            Event::Remove(ContactId(42)),
            EngineError::UnknownContact(ContactId(42)),
        ),
    ];
    for (event, expected) in bad {
        assert_eq!(c.handle(event, t), Err(expected), "{event:?}");
        assert_eq!(snapshot(&c), before, "{event:?} changed something");
        assert_counts_exact(&c);
    }
    // The next poll hands out exactly what a run without the bad events does.
    let after_errors = poll(&mut c, T0 + 10 * MIN);
    let (mut clean, _) = errors_scenario();
    let after_clean = poll(&mut clean, T0 + 10 * MIN);
    assert!(!after_clean.is_empty(), "the scenario must have work left");
    assert_eq!(after_errors, after_clean);
    assert_eq!(snapshot(&c), snapshot(&clean));
}
