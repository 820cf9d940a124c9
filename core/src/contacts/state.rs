//! Contact state codes and the one table of legal transitions.
//!
//! A contact's state is one `u8` in the store's state column. The codes are
//! stable across versions: they appear in the C header, the journal and numpy
//! arrays. Codes 0–15 are the vendor's table (see the README), 16
//! (`NotReached`) is ours: every attempt used without reaching the client.
//!
//! Every change of state is caused by a [`Trigger`]: a host event (the PBX
//! reports `Answered`), an operator action, an admin action, or one of the
//! engine's own decisions (a timer fired, a contact was selected). The table
//! in this module says, for each trigger and each state, which states the
//! contact may move to; an empty set means the trigger is illegal in that
//! state. The engine asks [`targets`] before it writes, so an illegal event
//! changes nothing and is reported with the state and the trigger.
//!
//! Where one trigger may lead to several states (a `Rejected` call is retried
//! or, with the attempts used up, becomes `NotReached`), the engine's policy
//! picks one and the table checks that the pick is legal. Outcomes that end a
//! live phase may also land in an admin state (`CanceledByAdmin`, `Removed`,
//! `Blacklisted`): admin actions never cut a live call, they take effect when
//! it ends.

use std::fmt;

/// Number of state codes (0..=16).
pub const STATE_COUNT: usize = 17;

/// The state of one contact, as a stable `u8` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum State {
    /// On the list and ready for calling.
    Initial = 0,
    /// The phone number is blank or malformed; an admin may fix it.
    InvalidRecord = 1,
    /// The number is on the blacklist; removing it there returns the contact to `Initial`.
    Blacklisted = 2,
    /// Waiting for a free operator: in the hopper (preview/progressive), or an
    /// answered predictive call waiting to be connected.
    AwaitingOperator = 3,
    /// Offered to an operator, awaiting acceptance.
    OperatorAssigned = 4,
    /// The operator declined to dial this contact (preview), or closed it
    /// with a final-failure wrap-up (`Disposition::Failed`).
    RejectedByOperator = 5,
    /// Before-call work: the operator accepted, the countdown to the dial runs.
    Bcw = 6,
    /// A dial was issued; waiting for the client's response.
    Calling = 7,
    /// Client and operator are connected.
    CallInProgress = 8,
    /// Predictive only: the client answered and hung up (or was released at the
    /// abandon limit) before an operator connected.
    CanceledByClient = 9,
    /// The dial could not be initiated (PBX, trunk or workstation fault).
    DialFailed = 10,
    /// Not reached this time; another attempt is scheduled.
    RetryScheduled = 11,
    /// After-call work: the call ended, the operator completes the record.
    Acw = 12,
    /// The client was contacted.
    Success = 13,
    /// The campaign was canceled before this contact was done.
    CanceledByAdmin = 14,
    /// The contact was deleted.
    Removed = 15,
    /// Every attempt was used without reaching the client.
    NotReached = 16,
}

impl State {
    /// All states in code order.
    pub const ALL: [State; STATE_COUNT] = [
        State::Initial,
        State::InvalidRecord,
        State::Blacklisted,
        State::AwaitingOperator,
        State::OperatorAssigned,
        State::RejectedByOperator,
        State::Bcw,
        State::Calling,
        State::CallInProgress,
        State::CanceledByClient,
        State::DialFailed,
        State::RetryScheduled,
        State::Acw,
        State::Success,
        State::CanceledByAdmin,
        State::Removed,
        State::NotReached,
    ];

    /// The stable numeric code.
    #[inline]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The state for a code, if the code is one of the 17.
    #[inline]
    pub const fn from_code(code: u8) -> Option<State> {
        if (code as usize) < STATE_COUNT {
            Some(Self::ALL[code as usize])
        } else {
            None
        }
    }

    /// The vendor's display name ("Awaiting for free operator", "BCW", …).
    pub const fn display_name(self) -> &'static str {
        match self {
            State::Initial => "Initial",
            State::InvalidRecord => "Invalid record",
            State::Blacklisted => "Blacklisted",
            State::AwaitingOperator => "Awaiting for free operator",
            State::OperatorAssigned => "Operator assigned",
            State::RejectedByOperator => "Rejected by operator",
            State::Bcw => "BCW",
            State::Calling => "Calling",
            State::CallInProgress => "Call in progress",
            State::CanceledByClient => "Canceled by client",
            State::DialFailed => "Dial failed",
            State::RetryScheduled => "Retry scheduled",
            State::Acw => "ACW",
            State::Success => "Success",
            State::CanceledByAdmin => "Canceled by admin",
            State::Removed => "Removed",
            State::NotReached => "Not reached",
        }
    }

    /// The identifier-style name (`AwaitingOperator`), as used in JSON and Python.
    pub const fn name(self) -> &'static str {
        match self {
            State::Initial => "Initial",
            State::InvalidRecord => "InvalidRecord",
            State::Blacklisted => "Blacklisted",
            State::AwaitingOperator => "AwaitingOperator",
            State::OperatorAssigned => "OperatorAssigned",
            State::RejectedByOperator => "RejectedByOperator",
            State::Bcw => "Bcw",
            State::Calling => "Calling",
            State::CallInProgress => "CallInProgress",
            State::CanceledByClient => "CanceledByClient",
            State::DialFailed => "DialFailed",
            State::RetryScheduled => "RetryScheduled",
            State::Acw => "Acw",
            State::Success => "Success",
            State::CanceledByAdmin => "CanceledByAdmin",
            State::Removed => "Removed",
            State::NotReached => "NotReached",
        }
    }

    /// Parses an identifier-style name (`"RetryScheduled"`), case-insensitively.
    pub fn from_name(name: &str) -> Option<State> {
        Self::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// True for states a contact never leaves: the work on it is done.
    #[inline]
    pub const fn is_terminal(self) -> bool {
        TERMINAL.contains(self)
    }

    /// True for states bound to an operator or a call in flight in every mode:
    /// `OperatorAssigned`, `Bcw`, `Calling`, `CallInProgress`, `Acw`.
    ///
    /// `AwaitingOperator` is not included: in preview and progressive mode it
    /// is a place in the hopper with no call, and only in predictive mode does
    /// it hold an answered call. The engine, which tracks calls, knows which.
    #[inline]
    pub const fn is_live(self) -> bool {
        LIVE.contains(self)
    }

    /// True where the contact may be picked for a new attempt.
    #[inline]
    pub const fn is_selectable(self) -> bool {
        matches!(self, State::Initial | State::RetryScheduled)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The error for a `u8` that is not a state code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidStateCode(pub u8);

impl fmt::Display for InvalidStateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid contact state code {} (valid: 0..=16)", self.0)
    }
}

impl std::error::Error for InvalidStateCode {}

impl TryFrom<u8> for State {
    type Error = InvalidStateCode;

    fn try_from(code: u8) -> Result<Self, Self::Error> {
        State::from_code(code).ok_or(InvalidStateCode(code))
    }
}

impl From<State> for u8 {
    fn from(state: State) -> u8 {
        state as u8
    }
}

/// A set of states as a bit mask (bit `n` = state code `n`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateSet(u32);

impl StateSet {
    /// The empty set.
    pub const EMPTY: StateSet = StateSet(0);

    /// A set of the given states.
    pub const fn of(states: &[State]) -> StateSet {
        let mut bits = 0u32;
        let mut i = 0;
        while i < states.len() {
            bits |= 1 << states[i] as u32;
            i += 1;
        }
        StateSet(bits)
    }

    /// The union of two sets.
    pub const fn union(self, other: StateSet) -> StateSet {
        StateSet(self.0 | other.0)
    }

    /// True if `state` is in the set.
    #[inline]
    pub const fn contains(self, state: State) -> bool {
        self.0 & (1 << state as u32) != 0
    }

    /// True if the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The raw bit mask.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The states in the set, in code order.
    pub fn iter(self) -> impl Iterator<Item = State> {
        State::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl fmt::Debug for StateSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

use State::*;

const TERMINAL: StateSet = StateSet::of(&[
    RejectedByOperator,
    CanceledByClient,
    DialFailed,
    Success,
    CanceledByAdmin,
    Removed,
    NotReached,
]);

const LIVE: StateSet = StateSet::of(&[OperatorAssigned, Bcw, Calling, CallInProgress, Acw]);

/// The admin states a live contact lands in when its call ends and an admin
/// action (cancel, remove, blacklist) was waiting for it.
const ADMIN_END: StateSet = StateSet::of(&[CanceledByAdmin, Removed, Blacklisted]);

/// What a contact may become when an attempt ends without reaching the client.
const NOT_REACHED_END: StateSet = StateSet::of(&[RetryScheduled, NotReached]).union(ADMIN_END);

/// What causes a change of state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Trigger {
    // ---- the engine's own decisions ----
    /// Selected into the hopper to wait for an operator (preview/progressive).
    Enqueue = 0,
    /// Offered to an operator.
    Offer = 1,
    /// The operator did not accept the offer in time.
    OfferTimeout = 2,
    /// The operator logged out (or was lost) during an offer or BCW.
    OperatorLost = 3,
    /// The BCW countdown ended: the engine dials.
    BcwElapsed = 4,
    /// Predictive dial straight from the queue.
    Dial = 5,
    /// The phone rang for the ring timeout without an answer.
    RingTimeout = 6,
    /// An answered predictive call waited for an operator up to the abandon limit.
    AbandonLimit = 7,
    /// An answered predictive call was connected to an operator.
    Connect = 8,
    /// The ACW limit passed without the operator finishing.
    AcwTimeout = 9,
    /// The number was found on the blacklist at dial time.
    BlacklistHit = 10,
    /// The attempts allowed for this contact are used up.
    AttemptsExhausted = 11,
    // ---- host call events ----
    /// A human answered.
    Answered = 12,
    /// An answering machine answered.
    AnsweredByMachine = 13,
    /// The client rejected the call (busy).
    Rejected = 14,
    /// The client could not be reached (no answer, unreachable).
    Unreachable = 15,
    /// The dial could not be initiated.
    DialFailed = 16,
    /// The client hung up.
    ClientHungUp = 17,
    /// The call ended normally.
    CallEnded = 18,
    // ---- operator actions ----
    /// The operator accepted the offer.
    OperatorAccepted = 19,
    /// The operator declined the offer.
    OperatorDeclined = 20,
    /// The operator pressed "Call" during BCW.
    OperatorDialNow = 21,
    /// The operator finished after-call work.
    AcwDone = 22,
    // ---- admin actions ----
    /// The campaign (or this contact) was canceled.
    Cancel = 23,
    /// The contact was deleted.
    Remove = 24,
    /// The contact's number was added to the blacklist.
    BlacklistAdd = 25,
    /// The contact's number was removed from the blacklist.
    BlacklistRemove = 26,
    /// An admin fixed the contact's invalid number.
    FixNumber = 27,
    // ---- guards ----
    /// A compliance guard stopped the dial (calling window closed, the number
    /// busy in another call, the daily cap reached): the contact goes back to
    /// wait, and no attempt is counted.
    Deferred = 28,
}

/// Number of triggers.
pub const TRIGGER_COUNT: usize = 29;

impl Trigger {
    /// All triggers in code order.
    pub const ALL: [Trigger; TRIGGER_COUNT] = [
        Trigger::Enqueue,
        Trigger::Offer,
        Trigger::OfferTimeout,
        Trigger::OperatorLost,
        Trigger::BcwElapsed,
        Trigger::Dial,
        Trigger::RingTimeout,
        Trigger::AbandonLimit,
        Trigger::Connect,
        Trigger::AcwTimeout,
        Trigger::BlacklistHit,
        Trigger::AttemptsExhausted,
        Trigger::Answered,
        Trigger::AnsweredByMachine,
        Trigger::Rejected,
        Trigger::Unreachable,
        Trigger::DialFailed,
        Trigger::ClientHungUp,
        Trigger::CallEnded,
        Trigger::OperatorAccepted,
        Trigger::OperatorDeclined,
        Trigger::OperatorDialNow,
        Trigger::AcwDone,
        Trigger::Cancel,
        Trigger::Remove,
        Trigger::BlacklistAdd,
        Trigger::BlacklistRemove,
        Trigger::FixNumber,
        Trigger::Deferred,
    ];

    /// The identifier-style name.
    pub fn name(self) -> &'static str {
        TRIGGER_NAMES[self as usize]
    }
}

const TRIGGER_NAMES: [&str; TRIGGER_COUNT] = [
    "Enqueue",
    "Offer",
    "OfferTimeout",
    "OperatorLost",
    "BcwElapsed",
    "Dial",
    "RingTimeout",
    "AbandonLimit",
    "Connect",
    "AcwTimeout",
    "BlacklistHit",
    "AttemptsExhausted",
    "Answered",
    "AnsweredByMachine",
    "Rejected",
    "Unreachable",
    "DialFailed",
    "ClientHungUp",
    "CallEnded",
    "OperatorAccepted",
    "OperatorDeclined",
    "OperatorDialNow",
    "AcwDone",
    "Cancel",
    "Remove",
    "BlacklistAdd",
    "BlacklistRemove",
    "FixNumber",
    "Deferred",
];

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of the transition table: `trigger` in any of `from` may lead to any of `to`.
struct Rule {
    trigger: Trigger,
    from: StateSet,
    to: StateSet,
}

const fn rule(trigger: Trigger, from: &[State], to: StateSet) -> Rule {
    Rule {
        trigger,
        from: StateSet::of(from),
        to,
    }
}

const fn set(states: &[State]) -> StateSet {
    StateSet::of(states)
}

/// The transition rules, read by people; [`TABLE`] is built from them.
const RULES: &[Rule] = &[
    rule(
        Trigger::Enqueue,
        &[Initial, RetryScheduled],
        set(&[AwaitingOperator]),
    ),
    rule(
        Trigger::Offer,
        &[Initial, RetryScheduled, AwaitingOperator],
        set(&[OperatorAssigned]),
    ),
    rule(
        Trigger::OfferTimeout,
        &[OperatorAssigned],
        set(&[AwaitingOperator]),
    ),
    rule(
        Trigger::OperatorLost,
        &[OperatorAssigned, Bcw],
        set(&[AwaitingOperator]),
    ),
    rule(Trigger::BcwElapsed, &[Bcw], set(&[Calling])),
    rule(
        Trigger::Dial,
        &[Initial, RetryScheduled, AwaitingOperator],
        set(&[Calling]),
    ),
    rule(Trigger::RingTimeout, &[Calling], NOT_REACHED_END),
    rule(
        Trigger::AbandonLimit,
        &[AwaitingOperator],
        set(&[CanceledByClient]).union(NOT_REACHED_END),
    ),
    rule(
        Trigger::Connect,
        &[AwaitingOperator],
        set(&[CallInProgress]),
    ),
    rule(
        Trigger::AcwTimeout,
        &[Acw],
        set(&[Success, RetryScheduled]).union(ADMIN_END),
    ),
    rule(
        Trigger::BlacklistHit,
        &[
            Initial,
            RetryScheduled,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
        ],
        set(&[Blacklisted]),
    ),
    rule(
        Trigger::AttemptsExhausted,
        &[
            Initial,
            RetryScheduled,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
        ],
        set(&[NotReached]),
    ),
    rule(
        Trigger::Answered,
        &[Calling],
        set(&[CallInProgress, AwaitingOperator]),
    ),
    rule(Trigger::AnsweredByMachine, &[Calling], NOT_REACHED_END),
    rule(Trigger::Rejected, &[Calling], NOT_REACHED_END),
    rule(Trigger::Unreachable, &[Calling], NOT_REACHED_END),
    rule(
        Trigger::DialFailed,
        &[Calling],
        set(&[State::DialFailed]).union(NOT_REACHED_END),
    ),
    rule(
        Trigger::ClientHungUp,
        &[AwaitingOperator],
        set(&[CanceledByClient]).union(NOT_REACHED_END),
    ),
    rule(
        Trigger::ClientHungUp,
        &[CallInProgress],
        set(&[Acw, Success]).union(ADMIN_END),
    ),
    rule(
        Trigger::CallEnded,
        &[CallInProgress],
        set(&[Acw, Success]).union(ADMIN_END),
    ),
    rule(
        Trigger::OperatorAccepted,
        &[OperatorAssigned],
        set(&[Bcw, Calling]),
    ),
    rule(
        Trigger::OperatorDeclined,
        &[OperatorAssigned],
        set(&[RejectedByOperator, AwaitingOperator]),
    ),
    rule(Trigger::OperatorDialNow, &[Bcw], set(&[Calling])),
    rule(
        Trigger::AcwDone,
        &[Acw],
        set(&[Success, RetryScheduled, RejectedByOperator]).union(ADMIN_END),
    ),
    rule(
        Trigger::Cancel,
        &[
            Initial,
            InvalidRecord,
            Blacklisted,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
            RetryScheduled,
        ],
        set(&[CanceledByAdmin]),
    ),
    rule(
        Trigger::Remove,
        &[
            Initial,
            InvalidRecord,
            Blacklisted,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
            RetryScheduled,
        ],
        set(&[Removed]),
    ),
    rule(
        Trigger::BlacklistAdd,
        &[
            Initial,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
            RetryScheduled,
        ],
        set(&[Blacklisted]),
    ),
    rule(Trigger::BlacklistRemove, &[Blacklisted], set(&[Initial])),
    rule(
        Trigger::FixNumber,
        &[InvalidRecord],
        set(&[Initial, Blacklisted]),
    ),
    rule(
        Trigger::Deferred,
        &[
            Initial,
            RetryScheduled,
            AwaitingOperator,
            OperatorAssigned,
            Bcw,
        ],
        set(&[Initial, RetryScheduled]),
    ),
];

/// `TABLE[trigger][state]` = the states `trigger` may lead to from `state`.
const TABLE: [[StateSet; STATE_COUNT]; TRIGGER_COUNT] = build_table();

const fn build_table() -> [[StateSet; STATE_COUNT]; TRIGGER_COUNT] {
    let mut table = [[StateSet::EMPTY; STATE_COUNT]; TRIGGER_COUNT];
    let mut r = 0;
    while r < RULES.len() {
        let rule = &RULES[r];
        let mut s = 0;
        while s < STATE_COUNT {
            if rule.from.0 & (1 << s) != 0 {
                let cell = &mut table[rule.trigger as usize][s];
                *cell = cell.union(rule.to);
            }
            s += 1;
        }
        r += 1;
    }
    table
}

/// The states `trigger` may lead to from `from`; empty when it is illegal there.
#[inline]
pub const fn targets(from: State, trigger: Trigger) -> StateSet {
    TABLE[trigger as usize][from as usize]
}

/// True if `trigger` is legal in state `from`.
#[inline]
pub const fn is_legal(from: State, trigger: Trigger) -> bool {
    !targets(from, trigger).is_empty()
}

/// True if `trigger` may move a contact from `from` to `to`.
#[inline]
pub const fn allows(from: State, trigger: Trigger, to: State) -> bool {
    targets(from, trigger).contains(to)
}

/// The last outcome of a contact's attempts, kept as one `u8` per contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Outcome {
    /// No attempt has ended yet.
    #[default]
    None = 0,
    /// A human answered and was connected to an operator.
    Connected = 1,
    /// An answering machine answered.
    Machine = 2,
    /// The client rejected the call (busy).
    Busy = 3,
    /// Nobody answered, or the number was unreachable.
    NoAnswer = 4,
    /// The dial could not be initiated.
    DialFailed = 5,
    /// The client answered but hung up, or was released, before an operator connected.
    Abandoned = 6,
    /// The operator asked for a callback at a set time.
    Callback = 7,
    /// The operator declined the contact (preview).
    Declined = 8,
}

impl Outcome {
    /// All outcomes in code order.
    pub const ALL: [Outcome; 9] = [
        Outcome::None,
        Outcome::Connected,
        Outcome::Machine,
        Outcome::Busy,
        Outcome::NoAnswer,
        Outcome::DialFailed,
        Outcome::Abandoned,
        Outcome::Callback,
        Outcome::Declined,
    ];

    /// The outcome for a code.
    pub const fn from_code(code: u8) -> Option<Outcome> {
        if (code as usize) < Self::ALL.len() {
            Some(Self::ALL[code as usize])
        } else {
            None
        }
    }

    /// The identifier-style name.
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::None => "None",
            Outcome::Connected => "Connected",
            Outcome::Machine => "Machine",
            Outcome::Busy => "Busy",
            Outcome::NoAnswer => "NoAnswer",
            Outcome::DialFailed => "DialFailed",
            Outcome::Abandoned => "Abandoned",
            Outcome::Callback => "Callback",
            Outcome::Declined => "Declined",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_stable() {
        for (i, s) in State::ALL.iter().enumerate() {
            assert_eq!(s.code() as usize, i);
            assert_eq!(State::try_from(i as u8), Ok(*s));
            assert_eq!(State::from_name(s.name()), Some(*s));
        }
        assert_eq!(State::try_from(17), Err(InvalidStateCode(17)));
        assert_eq!(State::try_from(255), Err(InvalidStateCode(255)));
        assert_eq!(State::AwaitingOperator.code(), 3);
        assert_eq!(State::NotReached.code(), 16);
        assert_eq!(
            State::AwaitingOperator.to_string(),
            "Awaiting for free operator"
        );
        assert_eq!(State::Bcw.display_name(), "BCW");
        assert_eq!(State::Acw.display_name(), "ACW");
    }

    #[test]
    fn trigger_names_match_variants() {
        for (i, t) in Trigger::ALL.iter().enumerate() {
            assert_eq!(*t as usize, i);
            assert_eq!(format!("{t:?}"), t.name());
        }
    }

    #[test]
    fn every_trigger_has_a_rule() {
        for t in Trigger::ALL {
            assert!(
                State::ALL.into_iter().any(|s| is_legal(s, t)),
                "{t:?} is legal nowhere: the table lacks its rule"
            );
        }
    }

    #[test]
    fn terminal_states_have_no_way_out() {
        for s in State::ALL.into_iter().filter(|s| s.is_terminal()) {
            for t in Trigger::ALL {
                assert!(!is_legal(s, t), "{s:?} is terminal but {t:?} leaves it");
            }
        }
    }

    #[test]
    fn every_non_terminal_state_has_a_way_out() {
        for s in State::ALL.into_iter().filter(|s| !s.is_terminal()) {
            assert!(
                Trigger::ALL.into_iter().any(|t| is_legal(s, t)),
                "{s:?} is a dead end"
            );
        }
    }

    #[test]
    fn every_state_is_reachable_from_initial_or_import() {
        // Import puts contacts in Initial, InvalidRecord or Blacklisted.
        let mut reached = StateSet::of(&[Initial, InvalidRecord, Blacklisted]);
        loop {
            let before = reached;
            for s in reached.iter() {
                for t in Trigger::ALL {
                    reached = reached.union(targets(s, t));
                }
            }
            if reached == before {
                break;
            }
        }
        for s in State::ALL {
            assert!(reached.contains(s), "{s:?} unreachable");
        }
    }

    #[test]
    fn table_matches_the_vendor_flows() {
        assert!(allows(Calling, Trigger::Answered, CallInProgress));
        assert!(allows(Calling, Trigger::Answered, AwaitingOperator));
        assert!(allows(Calling, Trigger::Rejected, RetryScheduled));
        assert!(allows(Calling, Trigger::Unreachable, NotReached));
        assert!(allows(Bcw, Trigger::OperatorDialNow, Calling));
        assert!(allows(
            OperatorAssigned,
            Trigger::OperatorDeclined,
            RejectedByOperator
        ));
        assert!(allows(
            AwaitingOperator,
            Trigger::AbandonLimit,
            CanceledByClient
        ));
        assert!(allows(InvalidRecord, Trigger::FixNumber, Initial));
        assert!(allows(Blacklisted, Trigger::BlacklistRemove, Initial));
        assert!(allows(Acw, Trigger::AcwDone, Success));
        // Live calls are never cut by admin actions.
        for t in [Trigger::Cancel, Trigger::Remove, Trigger::BlacklistAdd] {
            for s in [Calling, CallInProgress, Acw] {
                assert!(!is_legal(s, t), "{t:?} must not cut a live {s:?}");
            }
        }
        assert!(!is_legal(Initial, Trigger::Answered));
        assert!(!is_legal(Calling, Trigger::OperatorAccepted));
        assert!(!allows(Calling, Trigger::Answered, Success));
    }

    #[test]
    fn live_and_terminal_are_disjoint() {
        for s in State::ALL {
            assert!(!(s.is_live() && s.is_terminal()), "{s:?}");
        }
        assert!(Calling.is_live() && !AwaitingOperator.is_live());
        assert!(Initial.is_selectable() && RetryScheduled.is_selectable());
        assert!(!Blacklisted.is_selectable());
    }

    #[test]
    fn outcome_codes_round_trip() {
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(Outcome::from_code(i as u8), Some(*o));
            assert_eq!(format!("{o:?}"), o.name());
        }
        assert_eq!(Outcome::from_code(200), None);
    }
}
