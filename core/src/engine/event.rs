//! The host protocol: events in, commands out.
//!
//! A host (a PBX plugin, the simulator, a Python script) tells the engine what
//! happened with [`Event`]s and carries out the [`Command`]s the engine hands
//! back from `poll`. Every dial attempt has a [`CallId`] — the contact and the
//! attempt number — which the host echoes in each call event, so a late
//! message about an older attempt is recognized as stale and changes nothing.
//!
//! **Time.** Every time the host gives (`now_ms`, a callback's `at_ms`) is
//! milliseconds since the Unix epoch, at most [`MAX_TIME_MS`]
//! (9999-12-31T23:59:59.999Z). A later time is refused with an error naming
//! it, before anything changes: a host clock gone wild (or a `u64::MAX`
//! sentinel passed by mistake) cannot push a retry, a cap or a meter past
//! the end of the representable range. Durations added to a time saturate.

use std::fmt;

use crate::store::ContactId;

/// The latest time the engine accepts: 9999-12-31T23:59:59.999Z, in ms
/// since the Unix epoch.
pub const MAX_TIME_MS: u64 = 253_402_300_799_999;

/// One operator (agent) of the campaign; ids are handed out by `add_operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperatorId(pub u32);

impl fmt::Display for OperatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "operator #{}", self.0)
    }
}

/// One dial attempt: the contact and its attempt number (1 for the first dial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId {
    /// The contact dialed.
    pub contact: ContactId,
    /// Which attempt on that contact this call is.
    pub attempt: u8,
}

impl CallId {
    /// The id packed in a `u64` (`contact << 8 | attempt`), for hosts that
    /// carry one integer through their PBX.
    pub const fn to_u64(self) -> u64 {
        (self.contact.0 as u64) << 8 | self.attempt as u64
    }

    /// The id from its packed form; `None` if the contact part overflows.
    pub fn from_u64(packed: u64) -> Option<CallId> {
        let contact = u32::try_from(packed >> 8).ok()?;
        Some(CallId {
            contact: ContactId(contact),
            attempt: (packed & 0xFF) as u8,
        })
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call {}/{}", self.contact.0, self.attempt)
    }
}

/// What the operator recorded at the end of after-call work (the
/// wrap-up), and what the engine makes of it.
///
/// The first two are the original values and keep their meaning (and
/// their C and Python spelling). The others close the contact as a failure,
/// retry it later, call back only through the same operator, blacklist its
/// number, or name one of the campaign's wrap-up codes, which the
/// campaign's `dispositions` table maps to one of these actions (see
/// [`crate::config::WrapUp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// The contact is done: Success.
    Done,
    /// The client asked to be called back at `at_ms`: RetryScheduled then,
    /// by any operator (a campaign-wide callback).
    Callback {
        /// When to call back (ms since the epoch).
        at_ms: u64,
    },
    /// The contact is done without success (not interested, wrong person):
    /// `RejectedByOperator`, never dialed again.
    Failed,
    /// Try the contact again after `delay_ms` (RetryScheduled), as a new
    /// attempt under the attempt caps.
    RetryAfter {
        /// The delay from the end of the wrap-up, ms.
        delay_ms: u64,
    },
    /// A personal callback: due at `at_ms`, offered (or dialed) only with
    /// this operator until `expires_ms`; after that any operator may take it.
    PersonalCallback {
        /// When to call back (ms since the epoch).
        at_ms: u64,
        /// Until when only this operator may take it (ms since the epoch;
        /// not before `at_ms`).
        expires_ms: u64,
    },
    /// Add every number of the contact to the blacklist (every contact
    /// with one of them becomes Blacklisted); the contact ends Blacklisted.
    Blacklist,
    /// One of the campaign's wrap-up codes, mapped by its `dispositions`
    /// table; a code not in the table is refused with
    /// `EngineError::UnknownDisposition`.
    Code(u16),
}

impl Disposition {
    /// The times this disposition carries (checked against
    /// [`MAX_TIME_MS`] before anything changes).
    pub fn times(self) -> [Option<u64>; 2] {
        match self {
            Disposition::Callback { at_ms } => [Some(at_ms), None],
            Disposition::PersonalCallback { at_ms, expires_ms } => [Some(at_ms), Some(expires_ms)],
            _ => [None, None],
        }
    }
}

/// Something that happened, reported by the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// A human answered.
    Answered(CallId),
    /// An answering machine answered.
    AnsweredByMachine(CallId),
    /// The client rejected the call (busy).
    Rejected(CallId),
    /// The client could not be reached (no answer, unreachable).
    Unreachable(CallId),
    /// The PBX could not initiate the dial.
    DialFailed(CallId),
    /// The client hung up (while waiting for an operator, or during the talk).
    ClientHungUp(CallId),
    /// The call ended (the operator hung up, or the PBX closed it).
    CallEnded(CallId),
    /// The carrier refused the dial for congestion (SIP 503 / 429, "too
    /// many calls") before the client was rung: the contact goes back to
    /// RetryScheduled, due at once, **without counting an attempt** (its
    /// attempt count, per-number count and 24-hour cap history are as
    /// before the dial); a pending admin action wins. On a floor the trunk
    /// of the Dial also backs off (`floor::trunk::Trunks::congestion`).
    /// Only a call still ringing (Calling) may be congested.
    Congestion(CallId),
    /// The operator accepted the offered contact: before-call work starts
    /// (with `bcw_ms = 0` it is due at once); the next `poll` that finds it
    /// due dials, through the guards.
    OperatorAccepted {
        /// Who.
        operator: OperatorId,
        /// The contact offered.
        contact: ContactId,
    },
    /// The operator declined the offered contact.
    OperatorDeclined {
        /// Who.
        operator: OperatorId,
        /// The contact offered.
        contact: ContactId,
    },
    /// The operator pressed "Call" during before-call work: the countdown
    /// is due at once and the next `poll` dials (through the guards).
    OperatorDialNow {
        /// Who.
        operator: OperatorId,
        /// The contact in BCW.
        contact: ContactId,
    },
    /// The operator finished after-call work.
    AcwDone {
        /// Who.
        operator: OperatorId,
        /// The contact in ACW.
        contact: ContactId,
        /// What the operator recorded.
        disposition: Disposition,
    },
    /// The operator logged in (and is paused until `OperatorReady`).
    OperatorLogin(OperatorId),
    /// The operator is ready for calls.
    OperatorReady(OperatorId),
    /// The operator pauses (after the current call, if any).
    OperatorPause(OperatorId),
    /// The operator logs out (after the current call, if any).
    OperatorLogout(OperatorId),
    /// Announced ahead: this operator pauses or logs out at `at_ms` (a
    /// scheduled break, the end of a shift). It changes nothing in the
    /// operator's state, now or at `at_ms` — the host still sends
    /// `OperatorPause` or `OperatorLogout` then — but the pacer no longer
    /// counts the operator as ready or soon free past `at_ms`. A later
    /// `OperatorReady` or `OperatorLogin` clears it, as does logging out; a
    /// newer `OperatorLeaving` replaces it. Refused for an unknown or
    /// logged-out operator, and for an `at_ms` past [`MAX_TIME_MS`].
    OperatorLeaving {
        /// Who.
        operator: OperatorId,
        /// When the operator leaves (ms since the epoch; a past time means
        /// "leaving now").
        at_ms: u64,
    },
    /// Admin: stop offering and dialing; live calls go on.
    Pause,
    /// Admin: go on after a pause.
    Resume,
    /// Admin: end the campaign. Every contact not in a call becomes
    /// CanceledByAdmin at once, the others when their call ends.
    Cancel,
    /// Admin: delete a contact (Removed; a contact in a call when it ends).
    Remove(ContactId),
    /// Admin: add a number (E.164 digits) to the blacklist.
    BlacklistAdd(u64),
    /// Admin: remove a number from the blacklist.
    BlacklistRemove(u64),
}

impl Event {
    /// The event's name, as used in error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Answered(_) => "Answered",
            Event::AnsweredByMachine(_) => "AnsweredByMachine",
            Event::Rejected(_) => "Rejected",
            Event::Unreachable(_) => "Unreachable",
            Event::DialFailed(_) => "DialFailed",
            Event::ClientHungUp(_) => "ClientHungUp",
            Event::CallEnded(_) => "CallEnded",
            Event::Congestion(_) => "Congestion",
            Event::OperatorAccepted { .. } => "OperatorAccepted",
            Event::OperatorDeclined { .. } => "OperatorDeclined",
            Event::OperatorDialNow { .. } => "OperatorDialNow",
            Event::AcwDone { .. } => "AcwDone",
            Event::OperatorLogin(_) => "OperatorLogin",
            Event::OperatorReady(_) => "OperatorReady",
            Event::OperatorPause(_) => "OperatorPause",
            Event::OperatorLogout(_) => "OperatorLogout",
            Event::OperatorLeaving { .. } => "OperatorLeaving",
            Event::Pause => "Pause",
            Event::Resume => "Resume",
            Event::Cancel => "Cancel",
            Event::Remove(_) => "Remove",
            Event::BlacklistAdd(_) => "BlacklistAdd",
            Event::BlacklistRemove(_) => "BlacklistRemove",
        }
    }
}

/// What the engine asks the host to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Show the contact to the operator; answer with OperatorAccepted or OperatorDeclined.
    Offer {
        /// The contact offered.
        contact: ContactId,
        /// To whom.
        operator: OperatorId,
    },
    /// Dial `number` for `call`; `operator` is the operator bound to the call
    /// (preview, progressive, reserved retries), `None` for predictive dials.
    Dial {
        /// The attempt; echo it in every event about this call.
        call: CallId,
        /// E.164 digits.
        number: u64,
        /// Which of the contact's numbers this is (0 for the first; see
        /// [`crate::store::ContactStore::number_at`]).
        number_index: u8,
        /// The operator waiting on the call, if any.
        operator: Option<OperatorId>,
        /// The caller ID to present, E.164 digits: the campaign's pool
        /// (local presence, rotation) or its default `caller_id`; `None`:
        /// the PBX picks one.
        caller_id: Option<u64>,
    },
    /// Bridge the answered call to the operator.
    Connect {
        /// The answered call.
        call: CallId,
        /// The operator to connect.
        operator: OperatorId,
    },
    /// Play the abandon message and hang up: no operator came in time.
    Abandon {
        /// The answered call.
        call: CallId,
    },
    /// Hang up the call (ring timeout, or a watchdog: the longest call
    /// or the longest talk without `CallEnded`, see the configuration).
    Hangup {
        /// The call.
        call: CallId,
    },
    /// Withdraw an offer, a BCW or an ACW (closed by the ACW limit) from
    /// the operator's screen.
    Revoke {
        /// The contact withdrawn.
        contact: ContactId,
        /// From whom.
        operator: OperatorId,
    },
    /// Agentless mode: play the campaign's message on the answered call,
    /// then hang up (the host reports `CallEnded` or `ClientHungUp` when
    /// it is over). No operator is involved.
    Play {
        /// The answered call.
        call: CallId,
    },
}
