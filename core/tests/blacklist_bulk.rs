//! Differential test: `Campaign::blacklist_numbers` (one sort and merge into
//! the blacklist, then the contact effects) leaves a campaign exactly as the
//! same numbers added one at a time with `Event::BlacklistAdd`.
//!
//! Each case drives a predictive or progressive campaign (offers left
//! pending, so some contacts are bound to an operator) with a few operators and contacts
//! that share a small pool of numbers through a random script (polls, answers,
//! rejections, hang-ups, after-call work, earlier blacklist changes), so the
//! contacts are spread over Initial, AwaitingOperator, ringing, in call, ACW,
//! RetryScheduled, Blacklisted and terminal states. Then one copy gets the
//! bulk call and the other the one-at-a-time events, with numbers in the
//! pool and out of it, duplicates, and lists on both sides of the bulk
//! threshold; every observable (states, timers, operators, counts, the
//! blacklist itself and the commands the next poll hands out) must agree.

mod util;

use dialcore::event::{Command, Disposition, Event};
use dialcore::{Campaign, Mode};
use proptest::prelude::*;
use util::*;

/// The first number of the pool (E.164 digits of +1 212 555 0100).
const BASE: u64 = 12_125_550_100;
/// Numbers in the pool shared by the contacts.
const POOL: u64 = 12;

#[derive(Debug, Clone)]
enum Step {
    Poll(u64),
    Answer(usize),
    Unreachable(usize),
    Reject(usize),
    HangUp(usize),
    End(usize),
    Acw(usize),
    BlacklistAdd(u64),
    BlacklistRemove(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u64..40 * SEC).prop_map(Step::Poll),
        3 => any::<usize>().prop_map(Step::Answer),
        2 => any::<usize>().prop_map(Step::Unreachable),
        1 => any::<usize>().prop_map(Step::Reject),
        1 => any::<usize>().prop_map(Step::HangUp),
        2 => any::<usize>().prop_map(Step::End),
        2 => any::<usize>().prop_map(Step::Acw),
        1 => (0..POOL).prop_map(|i| Step::BlacklistAdd(BASE + i)),
        1 => (0..POOL).prop_map(|i| Step::BlacklistRemove(BASE + i)),
    ]
}

/// A number for the bulk list: mostly from the pool, some outside it.
fn number() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => (0..POOL).prop_map(|i| BASE + i),
        1 => (0u64..1_000_000).prop_map(|i| 14_155_000_000 + i),
    ]
}

/// Builds the campaign the script describes; deterministic, so two calls
/// give equal campaigns. Returns it and the time reached.
fn build(mode: Mode, contacts: usize, operators: usize, script: &[Step]) -> (Campaign, u64) {
    let mut c = campaign(config(mode));
    for i in 0..contacts {
        let n = BASE + (i as u64 * 7) % POOL;
        c.add_contact(&format!("+{n}"), "", None, 0).unwrap();
    }
    for _ in 0..operators {
        ready_operator(&mut c, T0);
    }
    let mut now = T0;
    let mut calls = Vec::new();
    for s in script {
        let pick = |i: usize| (!calls.is_empty()).then(|| calls[i % calls.len()]);
        // Illegal events are refused and change nothing: ignore the error.
        let _ = match *s {
            Step::Poll(dt) => {
                now += dt;
                for cmd in poll(&mut c, now) {
                    if let Command::Dial { call, .. } = cmd {
                        calls.push(call);
                    }
                }
                Ok(())
            }
            Step::Answer(i) => pick(i).map_or(Ok(()), |call| c.handle(Event::Answered(call), now)),
            Step::Unreachable(i) => {
                pick(i).map_or(Ok(()), |call| c.handle(Event::Unreachable(call), now))
            }
            Step::Reject(i) => pick(i).map_or(Ok(()), |call| c.handle(Event::Rejected(call), now)),
            Step::HangUp(i) => {
                pick(i).map_or(Ok(()), |call| c.handle(Event::ClientHungUp(call), now))
            }
            Step::End(i) => pick(i).map_or(Ok(()), |call| c.handle(Event::CallEnded(call), now)),
            Step::Acw(i) => pick(i).map_or(Ok(()), |call| {
                let contact = call.contact;
                match c.operator_of(contact) {
                    Some(operator) => c.handle(
                        Event::AcwDone {
                            operator,
                            contact,
                            disposition: Disposition::Done,
                        },
                        now,
                    ),
                    None => Ok(()),
                }
            }),
            Step::BlacklistAdd(n) => c.handle(Event::BlacklistAdd(n), now),
            Step::BlacklistRemove(n) => c.handle(Event::BlacklistRemove(n), now),
        };
    }
    // Both copies' clocks at `now` (`blacklist_numbers` takes no time).
    poll(&mut c, now);
    (c, now)
}

fn blacklist(c: &Campaign) -> Vec<u64> {
    c.blacklist().iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bulk_blacklist_equals_one_at_a_time(
        mode in prop_oneof![Just(Mode::Predictive), Just(Mode::Progressive)],
        contacts in 1usize..40,
        operators in 0usize..4,
        script in prop::collection::vec(step(), 0..60),
        numbers in prop::collection::vec(number(), 0..150),
    ) {
        let (mut bulk, now) = build(mode, contacts, operators, &script);
        let (mut single, _) = build(mode, contacts, operators, &script);
        prop_assert_eq!(snapshot(&bulk), snapshot(&single));

        bulk.blacklist_numbers(&numbers);
        for &n in &numbers {
            single.handle(Event::BlacklistAdd(n), now).unwrap();
        }

        prop_assert_eq!(snapshot(&bulk), snapshot(&single));
        prop_assert_eq!(blacklist(&bulk), blacklist(&single));
        for &n in &numbers {
            prop_assert!(bulk.blacklist().contains(n));
        }
        assert_counts_exact(&bulk);
        // The commands the next poll hands out (revokes, dials) agree too.
        let later = now + SEC;
        prop_assert_eq!(poll(&mut bulk, later), poll(&mut single, later));
        prop_assert_eq!(snapshot(&bulk), snapshot(&single));
    }
}
