//! Errors of the engine's host calls.
//!
//! Every error is reported before anything changed: the engine checks an
//! event or call whole (ids, attempt, state, time) and only then applies it.

use std::fmt;

use crate::event::{CallId, OperatorId, MAX_TIME_MS};
use crate::operators::OperatorState;
use crate::phone::PhoneError;
use crate::state::State;
use crate::store::{ContactId, StoreError};

#[cfg(doc)]
use super::Campaign;

/// What went wrong with an event or call; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// The id names no contact of this campaign.
    UnknownContact(ContactId),
    /// The id names no operator of this campaign.
    UnknownOperator(OperatorId),
    /// The event is about an attempt that is over (a late PBX message).
    StaleCall {
        /// The call the event named.
        call: CallId,
        /// The contact's current attempt number.
        current_attempt: u8,
    },
    /// The event is not legal in the contact's state.
    IllegalTransition {
        /// The contact.
        contact: ContactId,
        /// Its state, unchanged.
        state: State,
        /// The event's name.
        event: &'static str,
    },
    /// The operator event does not fit the operator's state or contact.
    IllegalOperatorEvent {
        /// The operator.
        operator: OperatorId,
        /// Its state, unchanged.
        state: OperatorState,
        /// The event's name.
        event: &'static str,
    },
    /// The campaign was canceled; it cannot be resumed.
    Canceled,
    /// A phone number given to the engine is not valid.
    InvalidNumber {
        /// The text given.
        input: String,
        /// Why it is not a number.
        reason: PhoneError,
    },
    /// A time zone given to the engine is not known.
    UnknownTimezone(String),
    /// The contact store is full: adding would pass the campaign's contact
    /// limit ([`crate::store::MAX_CONTACTS`] unless lowered with
    /// [`Campaign::set_contact_limit`]). Nothing was added.
    Full,
    /// A contact limit outside what the campaign can take: below the
    /// contacts it holds, or above [`crate::store::MAX_CONTACTS`].
    InvalidContactLimit {
        /// The limit asked for.
        limit: usize,
        /// The least acceptable (the contacts held).
        min: usize,
        /// The most acceptable ([`crate::store::MAX_CONTACTS`]).
        max: usize,
    },
    /// An `AcwDone` named a wrap-up code that is not in the campaign's
    /// `dispositions` table. Nothing was changed.
    UnknownDisposition(u16),
    /// A time given to the engine is past [`MAX_TIME_MS`]
    /// (9999-12-31T23:59:59.999Z). Nothing was changed.
    TimeOutOfRange {
        /// The time given, ms since the epoch.
        time_ms: u64,
    },
    /// The contact has no number with this index.
    NoSuchNumber {
        /// The contact.
        contact: ContactId,
        /// The index asked for (0 is the first number).
        index: usize,
    },
    /// Extra numbers the store cannot hold (the message says why).
    Numbers(&'static str),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::UnknownContact(id) => write!(f, "unknown {id}"),
            EngineError::UnknownOperator(id) => write!(f, "unknown {id}"),
            EngineError::StaleCall {
                call,
                current_attempt,
            } => write!(
                f,
                "stale event for {call}: that attempt is over (current attempt {current_attempt})"
            ),
            EngineError::IllegalTransition {
                contact,
                state,
                event,
            } => write!(
                f,
                "{event} is not legal for {contact} in state {}",
                state.name()
            ),
            EngineError::IllegalOperatorEvent {
                operator,
                state,
                event,
            } => write!(f, "{event} is not legal for {operator} in state {state}"),
            EngineError::Canceled => f.write_str("the campaign is canceled"),
            EngineError::InvalidNumber { input, reason } => {
                write!(f, "invalid phone number {input:?}: {reason}")
            }
            EngineError::UnknownTimezone(name) => write!(f, "unknown time zone {name:?}"),
            EngineError::Full => f.write_str("the contact store is full"),
            EngineError::InvalidContactLimit { limit, min, max } => write!(
                f,
                "contact limit {limit} is out of range: the campaign holds {min} contacts and takes at most {max}"
            ),
            EngineError::UnknownDisposition(code) => write!(
                f,
                "wrap-up code {code} is not in the campaign's dispositions table"
            ),
            EngineError::NoSuchNumber { contact, index } => {
                write!(f, "{contact} has no number #{index}")
            }
            EngineError::Numbers(why) => write!(f, "extra numbers not stored: {why}"),
            EngineError::TimeOutOfRange { time_ms } => write!(
                f,
                "time {time_ms} ms is past the latest accepted time {MAX_TIME_MS} ms (9999-12-31T23:59:59.999Z)"
            ),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownContact(id) => EngineError::UnknownContact(id),
            StoreError::IllegalTransition {
                contact,
                state,
                trigger,
                ..
            } => EngineError::IllegalTransition {
                contact,
                state,
                event: trigger.name(),
            },
            StoreError::Full => EngineError::Full,
            StoreError::InvalidNumber(reason) => EngineError::InvalidNumber {
                input: String::new(),
                reason,
            },
            StoreError::NoSuchNumber { contact, index } => {
                EngineError::NoSuchNumber { contact, index }
            }
            StoreError::Numbers(why) => EngineError::Numbers(why),
        }
    }
}

/// `Ok(time_ms)` if the engine accepts it, else the error naming it.
pub(super) fn check_time(time_ms: u64) -> Result<u64, EngineError> {
    if time_ms > MAX_TIME_MS {
        Err(EngineError::TimeOutOfRange { time_ms })
    } else {
        Ok(time_ms)
    }
}
