//! The state codes C sees (`dc_state` for contacts, `dc_operator_state`
//! for operators) and the static strings the library names things with:
//! `dc_state_name` (the vendor display names) and `dc_version`. Every
//! string here is static; the host never frees it.

use std::ffi::{c_char, CStr};

use crate::DC_STATE_COUNT;

/// Contact state codes, as stored in the engine (`uint8_t` in every API).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_state {
    /// On the list and ready for calling.
    Initial = 0,
    /// The phone number is blank or malformed.
    InvalidRecord = 1,
    /// The number is on the blacklist.
    Blacklisted = 2,
    /// In the hopper, or an answered predictive call waiting for an operator.
    AwaitingOperator = 3,
    /// Offered to an operator.
    OperatorAssigned = 4,
    /// Preview: the operator declined it (terminal).
    RejectedByOperator = 5,
    /// Before-call work countdown.
    Bcw = 6,
    /// Dialed, waiting for the client.
    Calling = 7,
    /// Client and operator connected.
    CallInProgress = 8,
    /// Predictive: answered, dropped before an operator came.
    CanceledByClient = 9,
    /// The dial could not be initiated.
    DialFailed = 10,
    /// Another attempt is scheduled.
    RetryScheduled = 11,
    /// After-call work.
    Acw = 12,
    /// The client was contacted (terminal).
    Success = 13,
    /// The campaign was canceled (terminal).
    CanceledByAdmin = 14,
    /// The contact was deleted (terminal).
    Removed = 15,
    /// Every attempt used without reaching the client (terminal).
    NotReached = 16,
}

/// Operator state codes (`uint8_t` in `dc_campaign_operator_state`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_operator_state {
    /// Not logged in.
    Offline = 0,
    /// Logged in and waiting for a contact.
    Ready = 1,
    /// Logged in, not taking contacts.
    Paused = 2,
    /// A contact is offered, awaiting acceptance.
    Offered = 3,
    /// Before-call work.
    Bcw = 4,
    /// Bound to a call.
    OnCall = 5,
    /// After-call work.
    Acw = 6,
}

const STATE_NAMES: [&CStr; DC_STATE_COUNT] = [
    c"Initial",
    c"Invalid record",
    c"Blacklisted",
    c"Awaiting for free operator",
    c"Operator assigned",
    c"Rejected by operator",
    c"BCW",
    c"Calling",
    c"Call in progress",
    c"Canceled by client",
    c"Dial failed",
    c"Retry scheduled",
    c"ACW",
    c"Success",
    c"Canceled by admin",
    c"Removed",
    c"Not reached",
];

/// The vendor display name of a contact state code ("Awaiting for free
/// operator", "BCW", …), a static NUL-terminated string; `"unknown"` for a
/// code that is not a state.
#[no_mangle]
pub extern "C" fn dc_state_name(code: u8) -> *const c_char {
    STATE_NAMES
        .get(code as usize)
        .copied()
        .unwrap_or(c"unknown")
        .as_ptr()
}

/// The library version (`"0.1.0"`), a static string. Compare with the
/// header's `DIALCORE_VERSION` to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn dc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0")
        .as_ptr()
        .cast::<c_char>()
}
