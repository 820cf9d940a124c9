//! Helpers shared by the engine's behaviour tests (`states`, `compliance`,
//! `engine_model`): building campaigns, driving operators, picking commands
//! out of a poll, and a snapshot of everything a host can observe, so a test
//! can assert that an event changed nothing.
#![allow(dead_code)]

use dialcore::event::{CallId, Command, Disposition, Event, OperatorId};
use dialcore::operators::OperatorState;
use dialcore::store::Counts;
use dialcore::{Campaign, CampaignConfig, ContactId, Mode, State};

/// A start time for the scenarios (2025-06-15, a Sunday, in ms).
pub const T0: u64 = 1_750_000_000_000;

/// One second, minute, hour, day in ms.
pub const SEC: u64 = 1_000;
pub const MIN: u64 = 60 * SEC;
pub const HOUR: u64 = 60 * MIN;
pub const DAY: u64 = 24 * HOUR;

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

/// The defaults of `mode`, with national numbers read as North American.
///
/// The abandon guard is the expected-risk one: these tests were written
/// for its rule (dial ahead at the ratio, one call per ready operator while
/// over the target); `tests/pacing.rs` tests the worst-case default.
pub fn config(mode: Mode) -> CampaignConfig {
    CampaignConfig {
        default_country: Some(1),
        abandon_guard: dialcore::config::AbandonGuard::Expected,
        ..CampaignConfig::new(mode)
    }
}

/// A campaign with `config`; panics on a bad config.
pub fn campaign(config: CampaignConfig) -> Campaign {
    Campaign::new(config).expect("valid config")
}

/// The commands one poll at `now` hands out.
pub fn poll(c: &mut Campaign, now: u64) -> Vec<Command> {
    let mut out = Vec::new();
    c.poll(now, &mut out).unwrap();
    out
}

/// Adds an operator, logs it in and makes it ready.
pub fn ready_operator(c: &mut Campaign, now: u64) -> OperatorId {
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), now).unwrap();
    c.handle(Event::OperatorReady(op), now).unwrap();
    op
}

/// Adds a contact with a North American national number, default zone.
pub fn contact(c: &mut Campaign, phone: &str) -> ContactId {
    c.add_contact(phone, "", None, 0).unwrap()
}

/// The call id of attempt `attempt` on `contact`.
pub fn call(contact: ContactId, attempt: u8) -> CallId {
    CallId { contact, attempt }
}

/// The Dial commands, in order: (call, number, operator).
pub fn dials(cmds: &[Command]) -> Vec<(CallId, u64, Option<OperatorId>)> {
    cmds.iter()
        .filter_map(|c| match *c {
            Command::Dial {
                call,
                number,
                operator,
                ..
            } => Some((call, number, operator)),
            _ => None,
        })
        .collect()
}

/// The calls dialed, in order.
pub fn dialed_calls(cmds: &[Command]) -> Vec<CallId> {
    dials(cmds).into_iter().map(|(call, _, _)| call).collect()
}

/// The Offer commands, in order: (contact, operator).
pub fn offers(cmds: &[Command]) -> Vec<(ContactId, OperatorId)> {
    cmds.iter()
        .filter_map(|c| match *c {
            Command::Offer { contact, operator } => Some((contact, operator)),
            _ => None,
        })
        .collect()
}

/// Progressive/preview: polls at `now`, expects exactly one Offer of `id` to
/// `op`, accepts it, and dials at once (OperatorDialNow when BCW is on).
/// Returns the call.
pub fn offer_accept_dial(c: &mut Campaign, id: ContactId, op: OperatorId, now: u64) -> CallId {
    let out = poll(c, now);
    assert!(
        out.contains(&Command::Offer {
            contact: id,
            operator: op
        }),
        "expected an offer of {id} to {op}: {out:?}"
    );
    accept_and_dial(c, id, op, now)
}

/// Accepts an offer and dials at once; returns the call.
pub fn accept_and_dial(c: &mut Campaign, id: ContactId, op: OperatorId, now: u64) -> CallId {
    c.handle(
        Event::OperatorAccepted {
            operator: op,
            contact: id,
        },
        now,
    )
    .unwrap();
    if c.state(id) == Some(State::Bcw) {
        c.handle(
            Event::OperatorDialNow {
                operator: op,
                contact: id,
            },
            now,
        )
        .unwrap();
    }
    let out = poll(c, now);
    let dialed = dials(&out);
    assert_eq!(dialed.len(), 1, "one dial expected: {out:?}");
    let (call, number, operator) = dialed[0];
    assert_eq!(call.contact, id);
    assert_eq!(Some(number), c.store().number(id));
    assert_eq!(operator, Some(op));
    assert_eq!(c.state(id), Some(State::Calling));
    call
}

/// Reports `call` answered at `now` and, as the wake-up contract asks,
/// polls when the engine has due work (a predictive call waiting while an
/// operator is ready is connected there). Returns that poll's commands.
pub fn answer(c: &mut Campaign, call: CallId, now: u64) -> Vec<Command> {
    c.handle(Event::Answered(call), now).unwrap();
    if c.pending() > 0 {
        assert_eq!(c.next_deadline(), Some(c.now_ms()), "due work: poll now");
        poll(c, now)
    } else {
        Vec::new()
    }
}

/// Answers (connecting it at the poll that follows), ends and finishes the
/// ACW of a call bound to or connected to `op`.
pub fn talk_and_finish(c: &mut Campaign, call: CallId, op: OperatorId, now: u64) {
    answer(c, call, now);
    end_and_finish(c, call, op, now + 10 * SEC);
}

/// Ends a connected call at `now` and finishes its ACW (if on) at once.
pub fn end_and_finish(c: &mut Campaign, call: CallId, op: OperatorId, now: u64) {
    c.handle(Event::CallEnded(call), now).unwrap();
    if c.state(call.contact) == Some(State::Acw) {
        c.handle(
            Event::AcwDone {
                operator: op,
                contact: call.contact,
                disposition: Disposition::Done,
            },
            now,
        )
        .unwrap();
    }
}

/// Asserts the O(1) counts equal a full recount of the state column.
pub fn assert_counts_exact(c: &Campaign) {
    assert_eq!(c.counts(), &c.store().recount(), "counts drifted");
}

/// Everything a host can observe about a campaign, for "nothing changed".
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub counts: Counts,
    pub states: Vec<Option<State>>,
    pub attempts: Vec<Option<u8>>,
    pub outcomes: Vec<u8>,
    pub bound: Vec<Option<OperatorId>>,
    pub calls: Vec<Option<CallId>>,
    pub timers: Vec<Option<u64>>,
    pub operators: Vec<(Option<OperatorState>, Option<ContactId>)>,
    pub ready_in_order: Vec<OperatorId>,
    pub next_deadline: Option<u64>,
    pub now_ms: u64,
    pub paused: bool,
    pub canceled: bool,
    pub blacklist_len: u64,
}

/// Takes a [`Snapshot`].
pub fn snapshot(c: &Campaign) -> Snapshot {
    let ids: Vec<ContactId> = (0..c.store().len() as u32).map(ContactId).collect();
    let ops: Vec<OperatorId> = (0..c.operators().len() as u32).map(OperatorId).collect();
    Snapshot {
        counts: *c.counts(),
        states: ids.iter().map(|&id| c.state(id)).collect(),
        attempts: ids.iter().map(|&id| c.store().attempts(id)).collect(),
        outcomes: c.store().last_outcomes().to_vec(),
        bound: ids.iter().map(|&id| c.operator_of(id)).collect(),
        calls: ids.iter().map(|&id| c.call_of(id)).collect(),
        timers: ids.iter().map(|&id| c.timer_of(id)).collect(),
        operators: ops
            .iter()
            .map(|&op| (c.operators().state(op), c.operators().contact(op)))
            .collect(),
        ready_in_order: c.operators().ready_in_order().collect(),
        next_deadline: c.next_deadline(),
        now_ms: c.now_ms(),
        paused: c.is_paused(),
        canceled: c.is_canceled(),
        blacklist_len: c.blacklist().len(),
    }
}
