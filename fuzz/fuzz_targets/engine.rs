//! Engine misuse: random host calls on a small campaign, decoded from the
//! bytes — events with arbitrary (often wrong) contact ids, attempts and
//! operators, admin actions, blacklist adds and removes, time jumps forward
//! and back. Checked after every call:
//!
//! - a call that returns an error changed nothing (counts, state and attempt
//!   columns, pause/cancel flags, blacklist, latest time, pending work and
//!   next deadline); a time past `MAX_TIME_MS` (for `handle`, `poll`,
//!   `metrics`, `guarded_abandon_rate`) is always such an error, and a
//!   failed `poll` hands out nothing;
//! - the wake-up contract: an accepted event leaves `needs_poll()`; while
//!   `needs_poll()` (or `pending() > 0`) `next_deadline()` is `now_ms()`;
//!   a host that polls only when told loses nothing: a poll made while the
//!   engine said it was idle (no poll needed, before `next_deadline()`)
//!   hands out nothing;
//! - every command `poll` emits passes the guards at that moment: a `Dial`
//!   is not to a blacklisted number, not while paused or canceled, the
//!   contact's own number, one that `phone::check_e164` accepts, at most
//!   `max_attempts` attempts, no number twice in one poll; a `Connect` and
//!   an `Offer` name a known operator and contact;
//! - the store's counts equal a recount.
//!
//! Besides six fixed contacts (one number twice), the input adds a few
//! numbers of its own choosing, valid or not: an invalid one must never be
//! dialed.
#![no_main]

use arbitrary::Arbitrary;
use dialcore::event::{CallId, Command, Disposition, Event, OperatorId, MAX_TIME_MS};
use dialcore::phone::check_e164;
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
    /// A time past `MAX_TIME_MS` (by this much) for `poll`, `handle` (this
    /// event kind), `metrics` and `guarded_abandon_rate`: each an error that
    /// changes nothing.
    Beyond(u64, Kind),
    /// `poll` at exactly this absolute time (accepted iff ≤ `MAX_TIME_MS`).
    At(u64),
}

#[derive(Debug, Arbitrary)]
struct Input {
    mode: u8,
    /// Numbers added after the fixed ones (at most 4; any `u64`).
    extra: Vec<u64>,
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
    now_ms: u64,
    pending: usize,
    next_deadline: Option<u64>,
}

fn observe(c: &Campaign) -> Observed {
    Observed {
        counts: *c.counts(),
        states: c.store().states().to_vec(),
        attempts: c.store().attempts_column().to_vec(),
        paused: c.is_paused(),
        canceled: c.is_canceled(),
        blacklisted: c.blacklist().len(),
        now_ms: c.now_ms(),
        pending: c.pending(),
        next_deadline: c.next_deadline(),
    }
}

/// The wake-up contract, after every call.
fn check_wake_up(c: &Campaign, what: &dyn std::fmt::Debug) {
    if c.needs_poll() || c.pending() > 0 {
        assert_eq!(
            c.next_deadline(),
            Some(c.now_ms()),
            "after {what:?}: work is queued (pending {}) but next_deadline is not now",
            c.pending()
        );
    }
    if c.pending() > 0 {
        assert!(
            c.needs_poll(),
            "after {what:?}: pending work without needs_poll"
        );
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
    for &n in input.extra.iter().take(4) {
        let before = observe(&c);
        if let Err(err) = c.add_numbers(&[n], 1) {
            assert_eq!(
                observe(&c),
                before,
                "adding {n} failed ({err}) and changed something"
            );
        }
    }
    let mut now: u64 = 1_000;
    // Operators logged in and ready, so that the first poll already dials.
    for _ in 0..OPERATORS {
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), now).expect("login");
        c.handle(Event::OperatorReady(op), now).expect("ready");
    }
    check_wake_up(&c, &"setup");
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
                match c.handle(e, now) {
                    Err(err) => assert_eq!(
                        observe(&c),
                        before,
                        "{e:?} failed ({err}) and changed something"
                    ),
                    Ok(()) => assert!(c.needs_poll(), "{e:?} accepted without needs_poll"),
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
            Op::At(t) => {
                if *t <= MAX_TIME_MS {
                    now = *t;
                }
                poll(&mut c, *t, max_attempts, &mut out);
            }
            Op::Beyond(by, kind) => {
                let t = MAX_TIME_MS
                    .saturating_add(1)
                    .saturating_add(*by % (u64::MAX / 2));
                let before = observe(&c);
                out.clear();
                assert!(c.poll(t, &mut out).is_err(), "poll at {t} accepted");
                assert!(out.is_empty(), "a failed poll handed out {out:?}");
                let e = event(&c, kind, 0, None, 1);
                assert!(c.handle(e, t).is_err(), "{e:?} at {t} accepted");
                assert!(c.metrics(t).is_err(), "metrics at {t} accepted");
                assert!(
                    c.guarded_abandon_rate(t).is_err(),
                    "abandon rate at {t} accepted"
                );
                assert_eq!(
                    observe(&c),
                    before,
                    "a time past MAX_TIME_MS changed something"
                );
                c.metrics(c.now_ms()).expect("metrics now");
                assert_eq!(observe(&c), before, "metrics changed something");
            }
        }
        check_wake_up(&c, op);
        assert_eq!(c.counts(), &c.store().recount());
    }
});

fn poll(c: &mut Campaign, now: u64, max_attempts: u8, out: &mut Vec<Command>) {
    out.clear();
    // What the engine said before this poll: idle means no poll was needed
    // until `deadline`, so a poll before it must find nothing to do.
    let idle = !c.needs_poll();
    let deadline = c.next_deadline();
    let before = observe(c);
    if let Err(err) = c.poll(now, out) {
        assert!(now > MAX_TIME_MS, "poll at {now} refused: {err}");
        assert!(out.is_empty(), "a failed poll handed out {out:?}");
        assert_eq!(observe(c), before, "a failed poll changed something");
        return;
    }
    assert!(
        now <= MAX_TIME_MS,
        "poll at {now} past MAX_TIME_MS accepted"
    );
    let at = c.now_ms();
    if idle && deadline.is_none_or(|d| at < d) {
        assert!(
            out.is_empty(),
            "idle until {deadline:?}, yet a poll at {at} handed out {out:?}"
        );
    }
    let mut dialed = Vec::new();
    for command in out.iter() {
        match *command {
            Command::Dial { call, number, .. } => {
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
                    check_e164(number).is_ok(),
                    "dialled {number}, which the number gate refuses"
                );
                assert!(
                    call.attempt <= max_attempts,
                    "{call:?} past {max_attempts} attempts"
                );
                assert!(
                    !dialed.contains(&number),
                    "{number} dialled twice in one poll"
                );
                dialed.push(number);
            }
            Command::Connect { call, operator } => {
                assert!(
                    c.store().contains(call.contact),
                    "{command:?}: unknown contact"
                );
                assert!(operator.0 < OPERATORS, "{command:?}: unknown operator");
            }
            Command::Offer { contact, operator } => {
                assert!(c.store().contains(contact), "{command:?}: unknown contact");
                assert!(operator.0 < OPERATORS, "{command:?}: unknown operator");
                assert!(
                    !c.is_paused() && !c.is_canceled(),
                    "offered while paused/canceled"
                );
            }
            _ => {}
        }
    }
}
