//! The compliance guards, one behaviour each, through the public API:
//! predictive pacing with no operator, the abandon-rate guard over rolling
//! windows, the minimum ring time, the per-number daily cap, operator
//! reservation after an abandon, the blacklist, removal and pause, one call
//! per number, calling windows in the contact's time zone, and cancel with
//! calls in progress.

mod util;

use std::collections::HashMap;

use dialcore::config::AbandonWindow;
use dialcore::event::{CallId, Command, Disposition, Event};
use dialcore::operators::OperatorState;
use dialcore::retry::RetryRule;
use dialcore::window::WeeklyWindow;
use dialcore::{Campaign, CampaignConfig, ContactId, Mode, State};

use util::*;

/// Unbound predictive calls ringing now.
fn ringing_unbound(c: &Campaign) -> usize {
    c.store()
        .ids_in_state(State::Calling)
        .filter(|&id| c.operator_of(id).is_none())
        .count()
}

// ------------------------------------------------- no operator, no dialing

#[test]
fn predictive_dials_nothing_while_no_operator_is_ready() {
    let mut c = campaign(config(Mode::Predictive));
    for i in 0..20 {
        contact(&mut c, &format!("21255501{i:02}"));
    }
    // Nobody ever logs in: a day of polls, nothing dialed, nothing fails.
    for step in 0..=24 {
        assert!(poll(&mut c, T0 + step * HOUR).is_empty());
    }
    assert_eq!(c.counts().get(State::Initial), 20);

    // Logged in but paused: still nothing.
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), T0 + DAY).unwrap();
    assert!(poll(&mut c, T0 + DAY).is_empty());

    // Ready: dialing starts.
    c.handle(Event::OperatorReady(op), T0 + DAY).unwrap();
    let first = dialed_calls(&poll(&mut c, T0 + DAY));
    assert_eq!(first.len(), 2);

    // The operator pauses: from the next poll on, no new dial, even when
    // the ringing calls end and free their slots. Calls in flight go on.
    c.handle(Event::OperatorPause(op), T0 + DAY + SEC).unwrap();
    for call in &first {
        c.handle(Event::Rejected(*call), T0 + DAY + 2 * SEC)
            .unwrap();
    }
    assert!(dials(&poll(&mut c, T0 + DAY + 3 * SEC)).is_empty());

    // Ready again, then logged out: same.
    c.handle(Event::OperatorReady(op), T0 + DAY + 4 * SEC)
        .unwrap();
    let second = dialed_calls(&poll(&mut c, T0 + DAY + 4 * SEC));
    assert_eq!(second.len(), 2);
    c.handle(Event::OperatorLogout(op), T0 + DAY + 5 * SEC)
        .unwrap();
    assert_eq!(c.operators().state(op), Some(OperatorState::Offline));
    for call in &second {
        c.handle(Event::Unreachable(*call), T0 + DAY + 6 * SEC)
            .unwrap();
    }
    for step in 0..48 {
        assert!(
            dials(&poll(&mut c, T0 + DAY + 7 * SEC + step * HOUR)).is_empty(),
            "dialed with every operator logged out"
        );
    }
    // An answered call with nobody to take it is abandoned, not stuck.
    let mut c = campaign(config(Mode::Predictive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    c.handle(Event::OperatorLogout(op), T0 + SEC).unwrap();
    c.handle(Event::Answered(calls[0]), T0 + 2 * SEC).unwrap();
    assert_eq!(c.state(calls[0].contact), Some(State::AwaitingOperator));
    assert_eq!(
        poll(&mut c, T0 + 4 * SEC),
        vec![Command::Abandon { call: calls[0] }]
    );
    assert_counts_exact(&c);
}

// ---------------------------------------------------- abandon-rate guard

/// A predictive campaign (ratio 2, one operator) that abandons one of its
/// first two answered calls, so its abandon rate is 50% from `T0 + 3 s`.
fn campaign_with_an_abandon(window: AbandonWindow) -> (Campaign, dialcore::OperatorId) {
    let mut c = campaign(CampaignConfig {
        predictive_ratio: 2.0,
        abandon_window: window,
        ..config(Mode::Predictive)
    });
    for i in 0..60 {
        contact(&mut c, &format!("21255501{i:02}"));
    }
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 2, "2 calls per ready operator");
    answer(&mut c, calls[0], T0 + SEC);
    answer(&mut c, calls[1], T0 + SEC);
    let out = poll(&mut c, T0 + 3 * SEC);
    assert!(
        out.contains(&Command::Abandon { call: calls[1] }),
        "{out:?}"
    );
    end_and_finish(&mut c, calls[0], op, T0 + 4 * SEC);
    (c, op)
}

/// Polls at `now`, counts the new predictive dials, and rejects them so the
/// next measurement starts with nothing in flight.
fn dials_now(c: &mut Campaign, now: u64) -> usize {
    let calls = dialed_calls(&poll(c, now));
    assert_eq!(ringing_unbound(c), calls.len());
    for call in &calls {
        c.handle(Event::Rejected(*call), now).unwrap();
    }
    calls.len()
}

#[test]
fn abandon_guard_measures_the_configured_rolling_window() {
    let (mut day, _) = campaign_with_an_abandon(AbandonWindow::Day);
    let (mut month, _) = campaign_with_an_abandon(AbandonWindow::ThirtyDays);
    for c in [&mut day, &mut month] {
        let m = c.metrics(T0 + MIN).unwrap();
        assert_eq!((m.answered, m.abandoned), (1 + 1, 1));
        assert_eq!(m.abandon_rate_24h, 0.5);
        assert_eq!(m.abandon_rate_30d, 0.5);
        assert_eq!(c.guarded_abandon_rate(T0 + MIN).unwrap(), 0.5);
        // Over the 3% target: one call per ready operator.
        assert_eq!(dials_now(c, T0 + MIN), 1);
    }

    // A day later the 24-hour window has forgotten the abandon, the 30-day
    // one has not; each guard follows its own window.
    let t = T0 + DAY + HOUR;
    let m = day.metrics(t).unwrap();
    assert_eq!((m.abandon_rate_24h, m.abandon_rate_30d), (0.0, 0.5));
    assert_eq!(m.abandon_rate, 0.5, "the lifetime rate keeps it");
    assert_eq!(day.guarded_abandon_rate(t).unwrap(), 0.0);
    assert_eq!(month.guarded_abandon_rate(t).unwrap(), 0.5);
    assert_eq!(dials_now(&mut day, t), 2, "recovered: back to the ratio");
    assert_eq!(dials_now(&mut month, t), 1, "still over target");

    // After 30 days the month recovers too.
    let t = T0 + 30 * DAY + HOUR;
    assert_eq!(month.guarded_abandon_rate(t).unwrap(), 0.0);
    assert_eq!(dials_now(&mut month, t), 2);
    assert_counts_exact(&day);
    assert_counts_exact(&month);
}

#[test]
fn abandon_guard_recovers_when_enough_calls_are_answered() {
    let (mut c, op) = campaign_with_an_abandon(AbandonWindow::ThirtyDays);
    // 1 abandon in 2 answers; 32 more answered and connected calls bring
    // it to 1/34 < 3%.
    let mut t = T0 + MIN;
    let mut answered = 2;
    while c.guarded_abandon_rate(t).unwrap() > 0.03 {
        let calls = dialed_calls(&poll(&mut c, t));
        assert_eq!(calls.len(), 1, "one call per operator while over target");
        answer(&mut c, calls[0], t + SEC);
        end_and_finish(&mut c, calls[0], op, t + 2 * SEC);
        answered += 1;
        t += MIN;
    }
    assert_eq!(answered, 34);
    assert_eq!(dialed_calls(&poll(&mut c, t)).len(), 2);
}

// --------------------------------------------------------- ring timeout

#[test]
fn ring_timeout_below_15_s_is_refused_unless_allowed() {
    let short = CampaignConfig {
        ring_timeout_ms: 14_999,
        ..config(Mode::Predictive)
    };
    let err = Campaign::new(short.clone()).unwrap_err();
    assert_eq!(err.field, "ring_timeout_ms");
    assert!(Campaign::new(CampaignConfig {
        ring_timeout_ms: 15_000,
        ..short.clone()
    })
    .is_ok());

    // Allowed explicitly: the engine hangs up at the short timeout.
    let mut c = campaign(CampaignConfig {
        allow_short_ring_timeout: true,
        ring_timeout_ms: 10_000,
        ..short
    });
    let id = contact(&mut c, "2125550100");
    ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls, vec![call(id, 1)]);
    assert!(poll(&mut c, T0 + 10_000 - 1).is_empty());
    let out = poll(&mut c, T0 + 10_000);
    assert_eq!(out, vec![Command::Hangup { call: calls[0] }]);
    assert_eq!(c.state(id), Some(State::RetryScheduled));
}

// ------------------------------------------------- per-number daily cap

#[test]
fn daily_cap_per_number_delays_and_never_loses_the_contact() {
    let mut cfg = config(Mode::Progressive);
    cfg.bcw_ms = 0;
    cfg.retry.max_attempts_per_24h = 2;
    cfg.retry.busy = RetryRule::after(MIN);
    let mut c = campaign(cfg);
    // Two contacts with the same number share its cap.
    let a = contact(&mut c, "2125550100");
    let b = contact(&mut c, "212-555-0100");
    let op = ready_operator(&mut c, T0);
    let mut dial_times: Vec<u64> = Vec::new();
    let mut attempts_of: HashMap<ContactId, Vec<u64>> = HashMap::new();
    let mut t = T0;
    while t < T0 + 3 * DAY {
        let out = poll(&mut c, t);
        for cmd in &out {
            match *cmd {
                Command::Offer { contact, operator } => c
                    .handle(Event::OperatorAccepted { operator, contact }, t)
                    .unwrap(),
                Command::Dial { call, number, .. } => {
                    assert_eq!(number, 12125550100);
                    dial_times.push(t);
                    attempts_of.entry(call.contact).or_default().push(t);
                    c.handle(Event::Rejected(call), t).unwrap();
                }
                _ => {}
            }
        }
        // The accepted offers dial at once (BCW off): collect those too.
        for (call, _, _) in dials(&poll(&mut c, t)) {
            dial_times.push(t);
            attempts_of.entry(call.contact).or_default().push(t);
            c.handle(Event::Rejected(call), t).unwrap();
        }
        assert!(
            c.state(a) != Some(State::NotReached) || c.store().attempts(a) == Some(5),
            "the cap must delay, not end, the contact"
        );
        t += MIN;
    }
    // Never more than 2 dials of the number in any 24 hours.
    for w in dial_times.windows(3) {
        assert!(w[2] - w[0] > DAY, "3 dials within 24 h: {w:?}");
    }
    // Both contacts were dialed again after the cap let them.
    assert_eq!(dial_times.len(), 6, "{dial_times:?}");
    // Both contacts got dials; which one takes the number's next allowed dial
    // is the selection order's business (the lower id when both are due).
    assert!(
        !attempts_of[&a].is_empty() && !attempts_of[&b].is_empty(),
        "{attempts_of:?}"
    );
    assert_eq!(attempts_of[&a].len() + attempts_of[&b].len(), 6);
    // While delayed they wait as RetryScheduled with a due time, not lost;
    // a contact ends only when its own attempts are used up.
    for id in [a, b] {
        match c.state(id).unwrap() {
            State::RetryScheduled => assert!(c.timer_of(id).is_some()),
            State::NotReached => assert_eq!(c.store().attempts(id), Some(5)),
            other => panic!("{id:?} in {other:?}"),
        }
    }
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert_counts_exact(&c);
}

// ----------------------------------- operator reserved after an abandon

/// Predictive, one operator: contact 0 is abandoned, contact 1 is talking,
/// and the abandoned contact's retry is due at `T0 + 2 min`.
fn abandoned_and_due(reserve: bool) -> (Campaign, dialcore::OperatorId, CallId, CallId) {
    let mut cfg = config(Mode::Predictive);
    cfg.abandon_target = 0.9;
    cfg.retry.abandoned = RetryRule::after(MIN);
    cfg.retry.reserve_operator_after_abandon_ms = if reserve { 72 * 3_600_000 } else { 0 };
    let mut c = campaign(cfg);
    for i in 0..5 {
        contact(&mut c, &format!("212555010{i}"));
    }
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 2);
    c.handle(Event::Answered(calls[1]), T0 + SEC).unwrap();
    c.handle(Event::Answered(calls[0]), T0 + SEC).unwrap();
    assert_eq!(c.state(calls[0].contact), Some(State::AwaitingOperator));
    let out = poll(&mut c, T0 + 3 * SEC);
    assert!(out.contains(&Command::Abandon { call: calls[0] }));
    assert_eq!(c.state(calls[0].contact), Some(State::RetryScheduled));
    assert_eq!(c.timer_of(calls[0].contact), Some(T0 + 3 * SEC + MIN));
    // Due while the only operator talks: predictive dials nothing.
    assert!(dials(&poll(&mut c, T0 + 2 * MIN)).is_empty());
    end_and_finish(&mut c, calls[1], op, T0 + 2 * MIN);
    (c, op, calls[0], calls[1])
}

#[test]
fn abandoned_contact_is_redialed_with_an_operator_reserved_when_the_policy_says_so() {
    let (mut c, op, abandoned, _) = abandoned_and_due(true);
    let out = poll(&mut c, T0 + 2 * MIN);
    // The due retry comes first, and takes the ready operator with it.
    let redial = call(abandoned.contact, 2);
    assert_eq!(
        out,
        vec![Command::Dial {
            call: redial,
            number: c.store().number(abandoned.contact).unwrap(),
            number_index: 0,
            operator: Some(op),
            caller_id: None,
        }],
        "only the reserved call: no operator is left for a predictive one"
    );
    assert_eq!(c.operator_of(abandoned.contact), Some(op));
    assert_eq!(c.operators().state(op), Some(OperatorState::OnCall));
    assert_eq!(c.operators().contact(op), Some(abandoned.contact));
    // Answered: the operator is already there, nothing waits, no Connect.
    c.handle(Event::Answered(redial), T0 + 2 * MIN + SEC)
        .unwrap();
    assert_eq!(c.state(abandoned.contact), Some(State::CallInProgress));
    assert!(poll(&mut c, T0 + 2 * MIN + SEC).is_empty());

    // Without the policy the retry is an ordinary predictive dial.
    let (mut c, _, abandoned, _) = abandoned_and_due(false);
    let out = dials(&poll(&mut c, T0 + 2 * MIN));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].0, call(abandoned.contact, 2));
    assert_eq!(out[0].2, None);
}

// --------------------------------------------------------------- blacklist

#[test]
fn number_blacklisted_while_waiting_for_a_retry_is_never_dialed() {
    let mut cfg = config(Mode::Predictive);
    cfg.retry.busy = RetryRule::after(MIN);
    let mut c = campaign(cfg);
    let a = contact(&mut c, "2125550100");
    let twin = contact(&mut c, "+1 212 555 0100");
    let other = contact(&mut c, "2125550199");
    ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls, vec![call(a, 1), call(other, 1)]);
    // The twin waits: its number is in a call.
    assert_eq!(c.state(twin), Some(State::RetryScheduled));
    c.handle(Event::Rejected(calls[0]), T0 + SEC).unwrap();
    c.handle(Event::Rejected(calls[1]), T0 + SEC).unwrap();
    assert_eq!(c.state(a), Some(State::RetryScheduled));
    c.handle(Event::BlacklistAdd(12125550100), T0 + 2 * SEC)
        .unwrap();
    assert_eq!(c.state(a), Some(State::Blacklisted));
    assert_eq!(c.state(twin), Some(State::Blacklisted));
    assert_eq!(c.timer_of(a), None);
    let mut t = T0 + 3 * SEC;
    while t < T0 + 2 * DAY {
        for (call, number, _) in dials(&poll(&mut c, t)) {
            assert_ne!(number, 12125550100, "blacklisted number dialed");
            c.handle(Event::Rejected(call), t).unwrap();
        }
        t += 5 * MIN;
    }
    assert_eq!(c.store().attempts(a), Some(1));
    assert_eq!(c.store().attempts(twin), Some(0));
    assert_eq!(c.state(other), Some(State::NotReached), "others go on");
    assert_counts_exact(&c);
}

// ------------------------------------------- remove, pause, logout: at once

#[test]
fn remove_pause_and_logout_take_effect_before_the_next_poll() {
    // Predictive: a removed contact is not dialed by the very next poll.
    let mut c = campaign(config(Mode::Predictive));
    let first = contact(&mut c, "2125550100");
    let second = contact(&mut c, "2125550101");
    let third = contact(&mut c, "2125550102");
    let op = ready_operator(&mut c, T0);
    c.handle(Event::Remove(first), T0).unwrap();
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls, vec![call(second, 1), call(third, 1)]);
    assert_eq!(c.state(first), Some(State::Removed));
    // An operator who logs out is not counted by the next poll.
    for call in &calls {
        c.handle(Event::Rejected(*call), T0 + SEC).unwrap();
    }
    c.handle(Event::OperatorLogout(op), T0 + SEC).unwrap();
    assert!(poll(&mut c, T0 + HOUR).is_empty());

    // Progressive: removing the hopper's head, pausing the campaign.
    let mut c = campaign(config(Mode::Progressive));
    let ids: Vec<ContactId> = (0..4)
        .map(|i| contact(&mut c, &format!("212555010{i}")))
        .collect();
    let op = ready_operator(&mut c, T0);
    c.handle(Event::Remove(ids[0]), T0).unwrap();
    assert_eq!(offers(&poll(&mut c, T0)), vec![(ids[1], op)]);
    assert_eq!(c.state(ids[2]), Some(State::AwaitingOperator));
    c.handle(Event::Remove(ids[2]), T0 + SEC).unwrap();
    assert_eq!(c.state(ids[2]), Some(State::Removed));
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: ids[1],
        },
        T0 + SEC,
    )
    .unwrap();
    // Paused during BCW: the countdown ends without a dial; the contact is
    // withdrawn and goes back to the head of the queue, not lost.
    c.handle(Event::Pause, T0 + 2 * SEC).unwrap();
    let out = poll(&mut c, T0 + 6 * SEC);
    assert_eq!(
        out,
        vec![Command::Revoke {
            contact: ids[1],
            operator: op
        }]
    );
    assert_eq!(c.state(ids[1]), Some(State::Initial));
    assert_eq!(c.store().attempts(ids[1]), Some(0));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert!(poll(&mut c, T0 + HOUR).is_empty(), "paused: no offer");
    c.handle(Event::Resume, T0 + HOUR).unwrap();
    assert_eq!(offers(&poll(&mut c, T0 + HOUR)), vec![(ids[1], op)]);
    // Pausing the operator takes effect when the offer is done.
    c.handle(Event::OperatorPause(op), T0 + HOUR).unwrap();
    c.handle(
        Event::OperatorDeclined {
            operator: op,
            contact: ids[1],
        },
        T0 + HOUR + SEC,
    )
    .unwrap();
    assert_eq!(c.operators().state(op), Some(OperatorState::Paused));
    assert!(poll(&mut c, T0 + HOUR + SEC).is_empty());
    assert_counts_exact(&c);
}

// ------------------------------------------------- one call per number

#[test]
fn the_same_number_is_never_in_two_calls() {
    // Predictive: three contacts with one number, a pacer that wants more.
    let mut c = campaign(CampaignConfig {
        predictive_ratio: 5.0,
        ..config(Mode::Predictive)
    });
    let ids: Vec<ContactId> = ["2125550100", "(212) 555-0100", "+12125550100"]
        .iter()
        .map(|p| contact(&mut c, p))
        .collect();
    ready_operator(&mut c, T0);
    ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls, vec![call(ids[0], 1)]);
    for &id in &ids[1..] {
        assert_eq!(c.state(id), Some(State::RetryScheduled));
        assert_eq!(c.store().attempts(id), Some(0), "not an attempt");
        assert_eq!(c.timer_of(id), Some(T0 + MIN));
    }
    // Still talking a minute later, with an operator ready: delayed again.
    answer(&mut c, calls[0], T0 + SEC);
    assert_eq!(c.operators().ready_count(), 1);
    assert!(dials(&poll(&mut c, T0 + MIN)).is_empty());
    assert_eq!(c.timer_of(ids[1]), Some(T0 + 2 * MIN));
    c.handle(Event::CallEnded(calls[0]), T0 + MIN + SEC)
        .unwrap();
    let next = dialed_calls(&poll(&mut c, T0 + 2 * MIN + 1));
    assert_eq!(next.len(), 1, "{next:?}");

    // Progressive: two operators accept two contacts with one number at
    // once; only the first is dialed, the other is withdrawn and delayed.
    let mut c = campaign(CampaignConfig {
        bcw_ms: 0,
        ..config(Mode::Progressive)
    });
    let a = contact(&mut c, "2125550100");
    let b = contact(&mut c, "2125550100");
    let x = ready_operator(&mut c, T0);
    let y = ready_operator(&mut c, T0);
    // Progressive: a second contact with a number already offered to an
    // operator is not offered at all: it waits, not an attempt.
    assert_eq!(offers(&poll(&mut c, T0)), vec![(a, x)]);
    assert_eq!(c.state(b), Some(State::RetryScheduled));
    assert_eq!(c.store().attempts(b), Some(0));
    assert_eq!(c.timer_of(b), Some(T0 + MIN));
    c.handle(
        Event::OperatorAccepted {
            operator: x,
            contact: a,
        },
        T0 + SEC,
    )
    .unwrap();
    let out = poll(&mut c, T0 + SEC);
    assert_eq!(dialed_calls(&out), vec![call(a, 1)]);
    assert_eq!(c.operators().state(y), Some(OperatorState::Ready));
    // While a's call lasts, b stays held back; after it ends b is offered.
    c.handle(Event::Answered(call(a, 1)), T0 + 2 * SEC).unwrap();
    assert!(offers(&poll(&mut c, T0 + MIN)).is_empty());
    assert_eq!(c.timer_of(b), Some(T0 + 2 * MIN));
    c.handle(Event::CallEnded(call(a, 1)), T0 + MIN + SEC)
        .unwrap();
    c.handle(
        Event::AcwDone {
            operator: x,
            contact: a,
            disposition: Disposition::Done,
        },
        T0 + MIN + 2 * SEC,
    )
    .unwrap();
    let later = offers(&poll(&mut c, T0 + 2 * MIN));
    assert_eq!(later.len(), 1, "{later:?}");
    assert_eq!(later[0].0, b);
    assert_counts_exact(&c);
}

// ----------------------------------------------------------- calling window

const MON_12Z: u64 = 1_748_865_600_000; // 2025-06-02 12:00Z = 08:00 in New York
const MON_13Z: u64 = 1_748_869_200_000; // 09:00 in New York
const MON_23Z: u64 = 1_748_905_200_000; // 23:00 UTC: closed in UTC
const TUE_00Z: u64 = 1_748_908_800_000; // 20:00 in New York: closed there
const TUE_09Z: u64 = 1_748_941_200_000;
const TUE_13Z: u64 = 1_748_955_600_000;

/// Polls at `now` and rejects every dial at once; returns the calls.
fn poll_reject(c: &mut Campaign, now: u64) -> Vec<CallId> {
    let calls = dialed_calls(&poll(c, now));
    for call in &calls {
        c.handle(Event::Rejected(*call), now).unwrap();
    }
    calls
}

#[test]
fn calling_window_is_kept_in_the_contacts_own_time_zone() {
    let mut cfg = config(Mode::Predictive);
    cfg.calling_window = WeeklyWindow::parse("Mon-Fri 09:00-20:00").unwrap();
    cfg.retry.busy = RetryRule::after(11 * HOUR);
    let mut c = campaign(cfg);
    let ny = c
        .add_contact("2125550100", "ny", Some("America/New_York"), 0)
        .unwrap();
    let utc = c.add_contact("2125550101", "utc", None, 0).unwrap();
    ready_operator(&mut c, MON_12Z);

    // 08:00 in New York, 12:00 in UTC: only the UTC contact is dialed.
    assert_eq!(poll_reject(&mut c, MON_12Z), vec![call(utc, 1)]);
    assert_eq!(c.state(ny), Some(State::Initial));
    assert_eq!(c.store().attempts(ny), Some(0));
    assert_eq!(c.next_deadline(), Some(MON_12Z), "an event: poll now");
    assert!(poll(&mut c, MON_12Z).is_empty());
    assert_eq!(c.next_deadline(), Some(MON_13Z), "wakes at the opening");
    assert!(poll_reject(&mut c, MON_13Z - 1).is_empty());
    // 09:00 in New York: dialed.
    assert_eq!(poll_reject(&mut c, MON_13Z), vec![call(ny, 1)]);

    // Retries falling after the close wait for the next opening, and the
    // wait is not an attempt.
    assert!(
        poll_reject(&mut c, MON_23Z).is_empty(),
        "20:00 passed in UTC"
    );
    assert_eq!(c.state(utc), Some(State::RetryScheduled));
    assert!(poll_reject(&mut c, TUE_00Z + SEC).is_empty());
    assert_eq!(c.state(ny), Some(State::RetryScheduled));
    assert!(poll_reject(&mut c, TUE_09Z - 1).is_empty());
    assert_eq!(poll_reject(&mut c, TUE_09Z), vec![call(utc, 2)]);
    assert!(poll_reject(&mut c, TUE_13Z - 1).is_empty());
    assert_eq!(poll_reject(&mut c, TUE_13Z), vec![call(ny, 2)]);
    assert_counts_exact(&c);
}

#[test]
fn calling_window_applies_to_the_hopper_and_to_bcw() {
    // Progressive: a contact offered and accepted just before the close is
    // not dialed after it; it waits for the next opening.
    let mut cfg = config(Mode::Progressive);
    cfg.calling_window = WeeklyWindow::parse("Mon-Fri 09:00-20:00").unwrap();
    let mut c = campaign(cfg);
    let ny = c
        .add_contact("2125550100", "", Some("America/New_York"), 0)
        .unwrap();
    let ny2 = c
        .add_contact("2125550101", "", Some("America/New_York"), 0)
        .unwrap();
    let op = ready_operator(&mut c, TUE_00Z - 3 * SEC);
    assert_eq!(offers(&poll(&mut c, TUE_00Z - 3 * SEC)), vec![(ny, op)]);
    assert_eq!(c.state(ny2), Some(State::AwaitingOperator));
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: ny,
        },
        TUE_00Z - 2 * SEC,
    )
    .unwrap();
    // The 5 s countdown ends at 20:00:03 New York time.
    let out = poll(&mut c, TUE_00Z + 3 * SEC);
    assert_eq!(
        out,
        vec![Command::Revoke {
            contact: ny,
            operator: op
        }]
    );
    assert_eq!(c.state(ny), Some(State::Initial));
    assert_eq!(
        c.state(ny2),
        Some(State::Initial),
        "the hopper is checked too"
    );
    assert_eq!(c.store().attempts(ny), Some(0));
    assert!(poll(&mut c, TUE_13Z - 1).is_empty());
    assert_eq!(offers(&poll(&mut c, TUE_13Z)).len(), 1);
    assert_counts_exact(&c);
}

// ------------------------------------------------ cancel with live calls

#[test]
fn cancel_with_calls_in_progress() {
    let mut c = campaign(CampaignConfig {
        predictive_ratio: 2.5,
        abandon_target: 0.9,
        ..config(Mode::Predictive)
    });
    let ids: Vec<ContactId> = (0..10)
        .map(|i| contact(&mut c, &format!("212555010{i}")))
        .collect();
    let x = ready_operator(&mut c, T0);
    let y = ready_operator(&mut c, T0);
    let d = dialed_calls(&poll(&mut c, T0));
    assert_eq!(d.len(), 5);
    answer(&mut c, d[0], T0 + SEC); // → x
    answer(&mut c, d[1], T0 + SEC); // → y
    answer(&mut c, d[2], T0 + SEC); // waits
    c.handle(Event::Rejected(d[4]), T0 + SEC).unwrap(); // retry
    c.handle(Event::CallEnded(d[0]), T0 + 2 * SEC).unwrap(); // x in ACW
    let live = [
        (d[0], State::Acw),
        (d[1], State::CallInProgress),
        (d[2], State::AwaitingOperator),
        (d[3], State::Calling),
    ];
    for (call, state) in live {
        assert_eq!(c.state(call.contact), Some(state));
    }
    assert_eq!(c.state(d[4].contact), Some(State::RetryScheduled));
    assert_eq!(c.counts().get(State::Initial), 5);
    poll(&mut c, T0 + 2 * SEC);

    c.handle(Event::Cancel, T0 + 2 * SEC + 500).unwrap();
    // Not live: canceled at once.
    assert_eq!(c.counts().get(State::CanceledByAdmin), 6);
    assert_eq!(c.state(d[4].contact), Some(State::CanceledByAdmin));
    assert_eq!(c.timer_of(d[4].contact), None);
    // Live: untouched.
    for (call, state) in live {
        assert_eq!(c.state(call.contact), Some(state), "{call}");
    }
    // The waiting call still gets its Abandon; nothing is dialed.
    let out = poll(&mut c, T0 + 3 * SEC);
    assert_eq!(out, vec![Command::Abandon { call: d[2] }]);
    assert_eq!(
        c.state(d[2].contact),
        Some(State::CanceledByClient),
        "a final outcome is kept"
    );
    // A ringing call that would be retried ends as CanceledByAdmin.
    c.handle(Event::Rejected(d[3]), T0 + 4 * SEC).unwrap();
    assert_eq!(c.state(d[3].contact), Some(State::CanceledByAdmin));
    // A callback would be dialed again: CanceledByAdmin.
    c.handle(
        Event::AcwDone {
            operator: x,
            contact: d[0].contact,
            disposition: Disposition::Callback { at_ms: T0 + DAY },
        },
        T0 + 5 * SEC,
    )
    .unwrap();
    assert_eq!(c.state(d[0].contact), Some(State::CanceledByAdmin));
    // A talk that ends is a Success all the same.
    end_and_finish(&mut c, d[1], y, T0 + 6 * SEC);
    assert_eq!(c.state(d[1].contact), Some(State::Success));
    assert!(poll(&mut c, T0 + DAY).is_empty());
    let counts = c.counts();
    assert_eq!(counts.get(State::CanceledByAdmin), 8);
    assert_eq!(counts.get(State::CanceledByClient), 1);
    assert_eq!(counts.get(State::Success), 1);
    assert_eq!(counts.total(), ids.len() as u64);
    for op in [x, y] {
        assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
        assert_eq!(c.operators().contact(op), None);
    }
    assert_counts_exact(&c);
}

// ------------------------------------- issue 13: compliance at every boundary
//
// Each "What was found" case of issue 13, through the public API: a decision
// taken in `handle` is never emitted by a later `poll` without the guards
// being checked at that moment; the wake-up contract; time bounds; one
// contact limit. (The number gate, case 2, is tested with `phone`.)

/// A preview campaign with BCW off, one ready operator, one contact offered
/// and accepted at `at`: returns the campaign, the operator and the contact.
fn accepted_preview(cfg: CampaignConfig, at: u64) -> (Campaign, dialcore::OperatorId, ContactId) {
    let mut c = campaign(CampaignConfig { bcw_ms: 0, ..cfg });
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, at);
    assert_eq!(offers(&poll(&mut c, at)), vec![(id, op)]);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        at,
    )
    .unwrap();
    // Nothing is dialed by `handle`: the BCW countdown (0 ms) is due, and
    // the host is told to poll now.
    assert_eq!(c.state(id), Some(State::Bcw));
    assert_eq!(c.store().attempts(id), Some(0));
    assert!(c.pending() > 0 && c.needs_poll());
    assert_eq!(c.next_deadline(), Some(at));
    (c, op, id)
}

/// The poll after a withdrawn accept: no Dial, the operator told, nothing counted.
fn assert_withdrawn(c: &mut Campaign, op: dialcore::OperatorId, id: ContactId, now: u64) {
    let out = poll(c, now);
    assert!(dials(&out).is_empty(), "{out:?}");
    assert!(
        !out.iter().any(|cmd| matches!(cmd, Command::Hangup { .. })),
        "{out:?}"
    );
    assert!(
        out.contains(&Command::Revoke {
            contact: id,
            operator: op
        }),
        "the operator is told: {out:?}"
    );
    assert_eq!(c.store().attempts(id), Some(0), "no attempt counted");
    assert_eq!(c.metrics(now).unwrap().dials, 0);
    assert_eq!(c.operators().contact(op), None, "the operator is released");
    assert_counts_exact(c);
}

#[test]
fn accepted_then_blacklisted_is_never_dialed() {
    let (mut c, op, id) = accepted_preview(config(Mode::Preview), T0);
    c.handle(Event::BlacklistAdd(12125550100), T0 + 1).unwrap();
    assert_withdrawn(&mut c, op, id, T0 + 2);
    assert_eq!(c.state(id), Some(State::Blacklisted));
}

#[test]
fn accepted_then_paused_is_not_dialed_until_resumed() {
    let (mut c, op, id) = accepted_preview(config(Mode::Preview), T0);
    c.handle(Event::Pause, T0 + 1).unwrap();
    let out = poll(&mut c, T0 + 2);
    assert_eq!(
        out,
        vec![Command::Revoke {
            contact: id,
            operator: op
        }]
    );
    assert_eq!(c.state(id), Some(State::Initial), "queued again, not lost");
    assert_eq!(c.store().attempts(id), Some(0));
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
    assert!(poll(&mut c, T0 + MIN).is_empty(), "paused");
    c.handle(Event::Resume, T0 + 2 * MIN).unwrap();
    assert_eq!(offers(&poll(&mut c, T0 + 2 * MIN)), vec![(id, op)]);
    assert_counts_exact(&c);
}

#[test]
fn accepted_then_canceled_is_never_dialed() {
    let (mut c, op, id) = accepted_preview(config(Mode::Preview), T0);
    c.handle(Event::Cancel, T0 + 1).unwrap();
    assert_withdrawn(&mut c, op, id, T0 + 2);
    assert_eq!(c.state(id), Some(State::CanceledByAdmin));
}

#[test]
fn dial_now_then_blacklisted_is_never_dialed() {
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    assert_eq!(offers(&poll(&mut c, T0)), vec![(id, op)]);
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        T0,
    )
    .unwrap();
    c.handle(
        Event::OperatorDialNow {
            operator: op,
            contact: id,
        },
        T0 + SEC,
    )
    .unwrap();
    assert_eq!(c.state(id), Some(State::Bcw), "dialed by the next poll");
    assert_eq!(c.pending(), 1);
    assert_eq!(c.next_deadline(), Some(T0 + SEC));
    c.handle(Event::BlacklistAdd(12125550100), T0 + SEC)
        .unwrap();
    assert_withdrawn(&mut c, op, id, T0 + SEC);
    assert_eq!(c.state(id), Some(State::Blacklisted));
}

#[test]
fn accepted_before_the_window_closes_and_polled_on_saturday_is_not_dialed() {
    // Mon–Fri 09–20 UTC; accepted Monday 19:59:59.999, next poll Saturday.
    let mut cfg = config(Mode::Preview);
    cfg.calling_window = WeeklyWindow::parse("Mon-Fri 09:00-20:00").unwrap();
    let mon_1959 = MON_12Z + 8 * HOUR - 1;
    let (mut c, op, id) = accepted_preview(cfg, mon_1959);
    let saturday = MON_12Z + 5 * DAY;
    let out = poll(&mut c, saturday);
    assert_eq!(
        out,
        vec![Command::Revoke {
            contact: id,
            operator: op
        }],
        "no Dial and no Hangup together"
    );
    assert_eq!(c.state(id), Some(State::Initial), "parked for its window");
    assert_eq!(c.store().attempts(id), Some(0), "no attempt counted");
    let next_monday_9 = MON_12Z + 7 * DAY - 3 * HOUR;
    assert_eq!(c.next_deadline(), Some(next_monday_9));
    assert!(poll(&mut c, next_monday_9 - 1).is_empty());
    assert_eq!(offers(&poll(&mut c, next_monday_9)), vec![(id, op)]);
    assert_counts_exact(&c);
}

#[test]
fn an_answered_predictive_call_asks_for_a_poll_and_is_connected_there() {
    let mut c = campaign(config(Mode::Predictive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    assert_eq!(calls.len(), 1);
    assert!(!c.needs_poll());
    assert_eq!(c.next_deadline(), Some(T0 + 25 * SEC), "the ring timeout");
    c.handle(Event::Answered(calls[0]), T0 + 3 * SEC).unwrap();
    assert_eq!(c.pending(), 1, "an answered call and a ready operator");
    assert_eq!(
        c.next_deadline(),
        Some(T0 + 3 * SEC),
        "poll now, not in 22 s"
    );
    assert_eq!(
        poll(&mut c, T0 + 3 * SEC),
        vec![Command::Connect {
            call: calls[0],
            operator: op
        }]
    );
    assert_eq!(c.pending(), 0);
    assert!(!c.needs_poll());
}

#[test]
fn a_connect_goes_stale_when_the_client_hangs_up_before_the_poll() {
    let mut c = campaign(config(Mode::Predictive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    c.handle(Event::Answered(calls[0]), T0 + 3 * SEC).unwrap();
    // The host is late: the client hangs up first. No Connect is handed out
    // for a call that is over; it was dropped while waiting: an abandon.
    c.handle(Event::ClientHungUp(calls[0]), T0 + 4 * SEC)
        .unwrap();
    assert!(poll(&mut c, T0 + 4 * SEC).is_empty());
    assert_eq!(c.state(calls[0].contact), Some(State::CanceledByClient));
    assert_eq!(c.metrics(T0 + 4 * SEC).unwrap().connected, 0);
    assert_eq!(c.operators().state(op), Some(OperatorState::Ready));
}

#[test]
fn a_connect_waits_for_an_operator_who_paused_before_the_poll() {
    let mut c = campaign(config(Mode::Predictive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    c.handle(Event::Answered(calls[0]), T0 + 3 * SEC).unwrap();
    c.handle(Event::OperatorPause(op), T0 + 3 * SEC).unwrap();
    assert_eq!(c.pending(), 0, "nobody can take it");
    assert!(
        poll(&mut c, T0 + 3 * SEC).is_empty(),
        "no Connect to a paused operator"
    );
    c.handle(Event::OperatorReady(op), T0 + 4 * SEC).unwrap();
    assert_eq!(c.pending(), 1);
    assert_eq!(
        poll(&mut c, T0 + 4 * SEC),
        vec![Command::Connect {
            call: calls[0],
            operator: op
        }]
    );
}

// -------------------------------------------------------------- time bounds

const LATEST: u64 = dialcore::event::MAX_TIME_MS;

#[test]
fn the_latest_time_is_the_end_of_9999() {
    // 9999-12-31T23:59:59.999Z.
    assert_eq!(LATEST, 253_402_300_799_999);
    let days = jiff::civil::date(1970, 1, 1)
        .until((jiff::Unit::Day, jiff::civil::date(9999, 12, 31)))
        .unwrap()
        .get_days();
    assert_eq!(days as u64 * DAY + DAY - 1, LATEST);
    // Past jiff's range (9999-12-30T22:00Z) a windowed campaign is closed:
    // the engine neither panics nor dials there.
    let mut cfg = config(Mode::Predictive);
    cfg.calling_window = WeeklyWindow::parse("Mon-Sun 00:00-23:59").unwrap();
    let thursday_2200 = jiff::Timestamp::MAX.as_millisecond() as u64 + 1;
    let mut c = campaign(cfg);
    contact(&mut c, "2125550100");
    ready_operator(&mut c, thursday_2200);
    assert!(dials(&poll(&mut c, thursday_2200)).is_empty());
    assert!(dials(&poll(&mut c, LATEST)).is_empty());
}

#[test]
fn a_time_past_the_end_of_9999_is_refused_everywhere_and_changes_nothing() {
    let mut c = campaign(config(Mode::Predictive));
    contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let calls = dialed_calls(&poll(&mut c, T0));
    let before = snapshot(&c);
    for bad in [LATEST + 1, u64::MAX - 1, u64::MAX] {
        let want = dialcore::EngineError::TimeOutOfRange { time_ms: bad };
        assert_eq!(c.handle(Event::Answered(calls[0]), bad), Err(want.clone()));
        assert_eq!(c.handle(Event::OperatorPause(op), bad), Err(want.clone()));
        assert_eq!(c.poll(bad, &mut Vec::new()), Err(want.clone()));
        assert_eq!(c.metrics(bad).unwrap_err(), want.clone());
        assert_eq!(c.guarded_abandon_rate(bad).unwrap_err(), want.clone());
        assert!(want.to_string().contains(&bad.to_string()), "{want}");
        assert_eq!(snapshot(&c), before, "{bad}: nothing changed");
    }
    // A callback past the end is refused the same way.
    let mut c = campaign(config(Mode::Progressive));
    let id = contact(&mut c, "2125550100");
    let op = ready_operator(&mut c, T0);
    let call = offer_accept_dial(&mut c, id, op, T0);
    answer(&mut c, call, T0 + SEC);
    c.handle(Event::CallEnded(call), T0 + 2 * SEC).unwrap();
    let before = snapshot(&c);
    let event = Event::AcwDone {
        operator: op,
        contact: id,
        disposition: Disposition::Callback { at_ms: u64::MAX },
    };
    assert_eq!(
        c.handle(event, T0 + 3 * SEC),
        Err(dialcore::EngineError::TimeOutOfRange { time_ms: u64::MAX })
    );
    assert_eq!(snapshot(&c), before);
}

/// A whole round at time `t` with durations `d`: dial, busy retry, answer,
/// talk, abandon; what must hold however close to the end of time.
fn round_at_the_edge(t: u64, d: u64) {
    let mut cfg = config(Mode::Predictive);
    cfg.predictive_ratio = 2.0;
    cfg.abandon_target = 0.9;
    cfg.ring_timeout_ms = d.max(15_000);
    cfg.acw_limit_ms = d;
    cfg.number_busy_delay_ms = d;
    cfg.retry.busy = RetryRule::after(d);
    cfg.retry.max_attempts_per_24h = 1;
    let mut c = campaign(cfg);
    for i in 0..3 {
        contact(&mut c, &format!("212555010{i}"));
    }
    let op = ready_operator(&mut c, t);
    let calls = dialed_calls(&poll(&mut c, t));
    assert_eq!(calls.len(), 2);
    c.handle(Event::Rejected(calls[0]), t).unwrap();
    let due = c.timer_of(calls[0].contact).expect("a retry");
    assert!(due >= t, "due {due} before now {t}");
    assert_eq!(c.state(calls[0].contact), Some(State::RetryScheduled));
    c.handle(Event::Answered(calls[1]), t).unwrap();
    assert!(c.pending() > 0);
    let out = poll(&mut c, t);
    assert!(out.contains(&Command::Connect {
        call: calls[1],
        operator: op
    }));
    let m = c.metrics(t).unwrap();
    assert_eq!((m.dials, m.answered, m.connected), (2, 1, 1));
    assert!(m.occupancy <= 1.0);
    assert_eq!(c.guarded_abandon_rate(t).unwrap(), 0.0);
    // Every timer is at or after now, and the engine stays consistent.
    for id in 0..3 {
        if let Some(at) = c.timer_of(ContactId(id)) {
            assert!(at >= t, "timer {at} before {t}");
        }
    }
    if t < LATEST {
        let later = LATEST;
        poll(&mut c, later);
        let m = c.metrics(later).unwrap();
        assert!(m.logged_in_ms >= later - t, "{m:?}");
        assert!(m.talk_ms <= m.logged_in_ms);
    }
    assert_counts_exact(&c);
}

#[test]
fn engine_rounds_at_the_end_of_time() {
    round_at_the_edge(LATEST, 60_000);
    round_at_the_edge(LATEST, u64::MAX);
    round_at_the_edge(LATEST - 1, u64::MAX / 2);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Near the end of 9999 and with durations up to `u64::MAX`, every sum
    /// of times saturates: no timer before now, counters and rates sane.
    #[test]
    fn extreme_times_saturate(
        back in 0u64..40 * DAY,
        d in proptest::prop_oneof![0u64..10 * DAY, (u64::MAX - DAY)..=u64::MAX],
    ) {
        round_at_the_edge(LATEST - back, d);
    }

    /// Any time past the end, up to `u64::MAX`, is refused and changes nothing.
    #[test]
    fn times_past_the_end_are_refused(bad in (LATEST + 1)..=u64::MAX) {
        let mut c = campaign(config(Mode::Predictive));
        contact(&mut c, "2125550100");
        ready_operator(&mut c, T0);
        let before = snapshot(&c);
        let want = dialcore::EngineError::TimeOutOfRange { time_ms: bad };
        proptest::prop_assert_eq!(c.poll(bad, &mut Vec::new()), Err(want.clone()));
        proptest::prop_assert_eq!(c.handle(Event::Pause, bad), Err(want.clone()));
        proptest::prop_assert_eq!(c.metrics(bad).unwrap_err(), want);
        proptest::prop_assert_eq!(snapshot(&c), before);
    }
}

// ----------------------------------------------------------- one capacity

#[test]
fn adding_past_the_contact_limit_is_full_and_adds_nothing() {
    let mut c = campaign(config(Mode::Predictive));
    assert_eq!(c.contact_limit(), dialcore::store::MAX_CONTACTS);
    // (The store and the timer wheel agree on the one limit: a compile-time
    // assertion in `store`.)
    c.set_contact_limit(3).unwrap();
    let err = c.add_numbers(&[12125550100, 12125550101, 12125550102, 12125550103], 0);
    assert_eq!(err, Err(dialcore::EngineError::Full));
    assert_eq!(c.store().len(), 0, "nothing added");
    assert_eq!(c.counts().total(), 0);
    c.add_numbers(&[12125550100, 12125550101], 0).unwrap();
    contact(&mut c, "2125550102");
    assert_eq!(
        c.add_contact("2125550103", "", None, 0),
        Err(dialcore::EngineError::Full)
    );
    assert_eq!(
        c.add_numbers(&[12125550104], 0),
        Err(dialcore::EngineError::Full)
    );
    let report = c.import_csv("phone\n2125550105\n".as_bytes()).unwrap();
    assert_eq!(report.ids.len(), 0, "the row is refused: {report:?}");
    assert_eq!(c.store().len(), 3);
    // The limit is at least the contacts held, at most MAX_CONTACTS.
    assert_eq!(
        c.set_contact_limit(2),
        Err(dialcore::EngineError::InvalidContactLimit {
            limit: 2,
            min: 3,
            max: dialcore::store::MAX_CONTACTS
        })
    );
    assert!(c
        .set_contact_limit(dialcore::store::MAX_CONTACTS + 1)
        .is_err());
    assert_eq!(c.contact_limit(), 3);
    c.set_contact_limit(4).unwrap();
    contact(&mut c, "2125550103");
    // The campaign runs as usual with a full store.
    ready_operator(&mut c, T0);
    assert_eq!(dialed_calls(&poll(&mut c, T0)).len(), 2);
    assert_counts_exact(&c);
}

#[test]
fn commands_held_by_the_host_pass_the_gate_again_when_handed_out() {
    // A host that hands out commands in slices (the C API's `cap`) holds
    // some; by the time it hands them out the numbers are blacklisted.
    let mut c = campaign(CampaignConfig {
        predictive_ratio: 2.0,
        ..config(Mode::Predictive)
    });
    let ids: Vec<ContactId> = (0..4)
        .map(|i| contact(&mut c, &format!("212555010{i}")))
        .collect();
    ready_operator(&mut c, T0);
    ready_operator(&mut c, T0);
    let held = poll(&mut c, T0);
    assert_eq!(dials(&held).len(), 4);
    // Still fine now: every held command passes.
    assert!(c.recheck(&held[0], T0).unwrap());
    for i in 0..4 {
        c.handle(Event::BlacklistAdd(12125550100 + i), T0 + 1)
            .unwrap();
    }
    for cmd in &held[1..] {
        assert!(!c.recheck(cmd, T0 + 1).unwrap(), "{cmd:?} withdrawn");
    }
    // The withdrawn dials ended their attempts without a call: Blacklisted
    // (the pending admin action wins), no call left for the host.
    for &id in &ids[1..] {
        assert_eq!(c.state(id), Some(State::Blacklisted));
        assert_eq!(c.call_of(id), None);
    }
    // The one handed out is a real call: blacklisted when it ends.
    assert_eq!(c.state(ids[0]), Some(State::Calling));
    assert_eq!(
        c.recheck(&held[1], dialcore::event::MAX_TIME_MS + 1),
        Err(dialcore::EngineError::TimeOutOfRange {
            time_ms: dialcore::event::MAX_TIME_MS + 1
        })
    );
    assert_counts_exact(&c);
}

#[test]
fn a_held_dial_withdrawn_by_a_pause_is_dialed_again_after_resume() {
    let mut c = campaign(CampaignConfig {
        retry: dialcore::retry::RetryPolicy {
            dial_failed: RetryRule::never(),
            ..config(Mode::Predictive).retry
        },
        ..config(Mode::Predictive)
    });
    let id = contact(&mut c, "2125550100");
    ready_operator(&mut c, T0);
    let held = poll(&mut c, T0);
    assert_eq!(dialed_calls(&held), vec![call(id, 1)]);
    c.handle(Event::Pause, T0 + 1).unwrap();
    assert!(!c.recheck(&held[0], T0 + 1).unwrap());
    // Not lost to the dial-failed policy: due again, the attempt counted.
    assert_eq!(c.state(id), Some(State::RetryScheduled));
    assert_eq!(c.call_of(id), None);
    assert!(poll(&mut c, T0 + 2).is_empty(), "paused");
    c.handle(Event::Resume, T0 + 3).unwrap();
    assert_eq!(dialed_calls(&poll(&mut c, T0 + 3)), vec![call(id, 2)]);
    assert_counts_exact(&c);
}
