//! Engine misuse: random host calls on a small campaign, decoded from the
//! bytes — events with arbitrary (often wrong) contact ids, attempts and
//! operators, admin actions, blacklist adds and removes, time jumps forward
//! and back. Checked after every call:
//!
//! - a call that returns an error changed nothing (counts, state and attempt
//!   columns, pause/cancel flags, blacklist);
//! - every `Dial` that `poll` emits passes the guards: not to a blacklisted
//!   number, not while paused or canceled, the contact's own number, at most
//!   `max_attempts` attempts;
//! - the store's counts equal a recount.
#![no_main]

use arbitrary::Arbitrary;
use dialcore::event::{CallId, Command, Disposition, Event, OperatorId};
use dialcore::store::ContactId;
use dialcore::{Campaign, CampaignConfig, Mode};
use libfuzzer_sys::fuzz_target;

const NUMBERS: [u64; 6] = [
    4930111111, 4930222222, 4930333333, 4930444444, 4930555555, 4930111111,
];
const OPERATORS: u32 = 3;

#[derive(Debug, Arbitrary)]
enum Kind {
    Answered,
    AnsweredByMachine,
    Rejected,
    Unreachable,
    DialFailed,
    ClientHungUp,
    CallEnded,
    Accepted,
    Declined,
    DialNow,
    AcwDone,
    AcwCallback(u32),
    Login,
    Ready,
    OperatorPause,
    Logout,
    Pause,
    Resume,
    Cancel,
    Remove,
    BlacklistAdd,
    BlacklistRemove,
}

#[derive(Debug, Arbitrary)]
enum Op {
    /// An event about `contact` (an id past the end is unknown), attempt
    /// `attempt` (or the contact's current one), operator `operator`.
    Event {
        kind: Kind,
        contact: u8,
        attempt: Option<u8>,
        operator: u8,
    },
    /// Time moves on by this many milliseconds, then `poll`.
    Poll(u32),
    /// Time goes back by this many milliseconds, then `poll`.
    Back(u16),
}

#[derive(Debug, Arbitrary)]
struct Input {
    mode: u8,
    ops: Vec<Op>,
}

/// What an error must leave as it was.
#[derive(Debug, PartialEq)]
struct Observed {
    counts: dialcore::store::Counts,
    states: Vec<u8>,
    attempts: Vec<u8>,
    paused: bool,
    canceled: bool,
    blacklisted: u64,
}

fn observe(c: &Campaign) -> Observed {
    Observed {
        counts: *c.counts(),
        states: c.store().states().to_vec(),
        attempts: c.store().attempts_column().to_vec(),
        paused: c.is_paused(),
        canceled: c.is_canceled(),
        blacklisted: c.blacklist().len(),
    }
}

fn event(c: &Campaign, kind: &Kind, contact: u8, attempt: Option<u8>, operator: u8) -> Event {
    let contact = ContactId(u32::from(contact) % (NUMBERS.len() as u32 + 2));
    let attempt = attempt.unwrap_or_else(|| c.store().attempts(contact).unwrap_or(0));
    let call = CallId { contact, attempt };
    let operator = OperatorId(u32::from(operator) % (OPERATORS + 1));
    let number = c
        .store()
        .number(contact)
        .unwrap_or(NUMBERS[contact.0 as usize % NUMBERS.len()]);
    match *kind {
        Kind::Answered => Event::Answered(call),
        Kind::AnsweredByMachine => Event::AnsweredByMachine(call),
        Kind::Rejected => Event::Rejected(call),
        Kind::Unreachable => Event::Unreachable(call),
        Kind::DialFailed => Event::DialFailed(call),
        Kind::ClientHungUp => Event::ClientHungUp(call),
        Kind::CallEnded => Event::CallEnded(call),
        Kind::Accepted => Event::OperatorAccepted { operator, contact },
        Kind::Declined => Event::OperatorDeclined { operator, contact },
        Kind::DialNow => Event::OperatorDialNow { operator, contact },
        Kind::AcwDone => Event::AcwDone {
            operator,
            contact,
            disposition: Disposition::Done,
        },
        Kind::AcwCallback(at) => Event::AcwDone {
            operator,
            contact,
            disposition: Disposition::Callback {
                at_ms: c.now_ms().saturating_add(u64::from(at)),
            },
        },
        Kind::Login => Event::OperatorLogin(operator),
        Kind::Ready => Event::OperatorReady(operator),
        Kind::OperatorPause => Event::OperatorPause(operator),
        Kind::Logout => Event::OperatorLogout(operator),
        Kind::Pause => Event::Pause,
        Kind::Resume => Event::Resume,
        Kind::Cancel => Event::Cancel,
        Kind::Remove => Event::Remove(contact),
        Kind::BlacklistAdd => Event::BlacklistAdd(number),
        Kind::BlacklistRemove => Event::BlacklistRemove(number),
    }
}

fuzz_target!(|input: Input| {
    let mode = [Mode::Preview, Mode::Progressive, Mode::Predictive][input.mode as usize % 3];
    let config = CampaignConfig::new(mode);
    let max_attempts = config.retry.max_attempts;
    let mut c = Campaign::new(config).expect("default config");
    c.add_numbers(&NUMBERS, 1).expect("add");
    let mut now: u64 = 1_000;
    // Operators logged in and ready, so that the first poll already dials.
    for _ in 0..OPERATORS {
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), now).expect("login");
        c.handle(Event::OperatorReady(op), now).expect("ready");
    }
    let mut out = Vec::new();
    for op in input.ops.iter().take(256) {
        match op {
            Op::Event {
                kind,
                contact,
                attempt,
                operator,
            } => {
                let e = event(&c, kind, *contact, *attempt, *operator);
                let before = observe(&c);
                if let Err(err) = c.handle(e, now) {
                    assert_eq!(
                        observe(&c),
                        before,
                        "{e:?} failed ({err}) and changed something"
                    );
                }
            }
            Op::Poll(ms) => {
                now = now.saturating_add(u64::from(*ms));
                poll(&mut c, now, max_attempts, &mut out);
            }
            Op::Back(ms) => poll(
                &mut c,
                now.saturating_sub(u64::from(*ms)),
                max_attempts,
                &mut out,
            ),
        }
        assert_eq!(c.counts(), &c.store().recount());
    }
});

fn poll(c: &mut Campaign, now: u64, max_attempts: u8, out: &mut Vec<Command>) {
    out.clear();
    c.poll(now, out);
    for command in out.iter() {
        if let Command::Dial { call, number, .. } = *command {
            assert!(
                !c.blacklist().contains(number),
                "dialled blacklisted {number}"
            );
            assert!(
                !c.is_paused() && !c.is_canceled(),
                "dialled while paused/canceled"
            );
            assert_eq!(c.store().number(call.contact), Some(number));
            assert!(
                call.attempt <= max_attempts,
                "{call:?} past {max_attempts} attempts"
            );
        }
    }
}
