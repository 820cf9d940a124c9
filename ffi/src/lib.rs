//! # dialcore-ffi: the C ABI of dialcore
//!
//! `libdialcore` (`cdylib` and `staticlib`) and the header `include/dialcore.h`,
//! generated from this file by cbindgen (`ffi/cbindgen.toml`). Everything
//! exported is prefixed `dc_` / `DC_`.
//!
//! **Model.** A `dc_campaign` is an opaque handle around one
//! `dialcore::Campaign` behind a mutex, so several host threads may call into
//! one campaign at once (events from call threads, `dc_campaign_poll` from a
//! timer thread, queries from a status thread). Each call takes the lock
//! once; nothing blocks for longer than one engine call.
//!
//! **Getters.** The `lookup` module reads one contact, one operator's work,
//! the contacts in a state (paged) and the row-by-row CSV import report;
//! every string it gives is copied into the caller's buffer.
//!
//! **Ownership, threads, lock fairness** are stated at the top of the
//! header (`ffi/cbindgen.toml`): nothing the host passes is kept, handles
//! are the host's to free once, any call from any thread, and the lock
//! (`parking_lot::Mutex`) is eventually fair (a waiter gets it within about
//! 0.5 ms), not first-come first-served.
//!
//! **Durability.** `dc_campaign_open` makes the same handle from a data
//! directory (journal and snapshots) and recovers it after a crash; see the
//! `durable` module for its status codes and how a write failure shows.
//!
//! **Errors.** Every fallible function returns a `dc_status`; on anything but
//! `DC_STATUS_OK` it writes nothing to its out-parameters (except the
//! documented `*written = 0`) and the calling thread's
//! `dc_last_error_message()` names the bad input. No Rust panic crosses the
//! boundary: every entry point catches it and returns `DC_STATUS_PANIC`. A
//! campaign whose call panicked while holding its lock answers
//! `DC_STATUS_PANIC` from then on (its state may be half-updated); free it.
//!
//! **Safety contract of every function** (checked where C allows it):
//! pointers are NULL (reported as `DC_STATUS_NULL_POINTER` unless documented
//! as optional) or valid and aligned for the given length; strings are
//! NUL-terminated (their bytes are checked as UTF-8); a `dc_campaign*` comes
//! from `dc_campaign_new` or `dc_campaign_open` and is not used after
//! `dc_campaign_free`. Enum
//! fields of input structs are read as integers and checked, so a value
//! outside the enum gives `DC_STATUS_INVALID_ARGUMENT`, not undefined behavior.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// The exported names are C names (`dc_campaign`, `dc_status`).
#![allow(non_camel_case_types)]
// One safety contract holds for every function; it is stated above and at the
// top of the header rather than repeated on each function.
#![allow(clippy::missing_safety_doc)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, CStr, CString};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use engine::campaign::bulk::ContactRow;
use engine::campaign::durable::Reconciled;
use engine::config::{AbandonGuard, AbandonWindow};
use engine::import::{ImportError, ImportReport};
use engine::operators::OperatorState;
use engine::retry::{RetryPolicy, RetryRule};
use engine::window::WeeklyWindow;
use engine::{
    CallId, Campaign, CampaignConfig, Command, ContactId, Disposition, EngineError, Event, Metrics,
    Mode, OperatorId, State,
};
use parking_lot::Mutex;

/// The latest time (ms since the Unix epoch) any call accepts:
/// 9999-12-31T23:59:59.999Z. A later `now_ms` (or callback time) is
/// `DC_STATUS_TIME_OUT_OF_RANGE` and changes nothing.
pub const DC_MAX_TIME_MS: u64 = 253_402_300_799_999;
const _: () = assert!(DC_MAX_TIME_MS == engine::event::MAX_TIME_MS);

/// The most contacts a campaign holds (the default of
/// `dc_campaign_set_contact_limit`); adding past the limit is
/// `DC_STATUS_FULL` and adds nothing.
pub const DC_MAX_CONTACTS: u32 = 4_294_966_271;
const _: () = assert!(DC_MAX_CONTACTS as usize == engine::store::MAX_CONTACTS);

/// Number of contact state codes (`0..DC_STATE_COUNT`); the length of the
/// array `dc_campaign_counts` fills.
pub const DC_STATE_COUNT: usize = 17;
const _: () = assert!(DC_STATE_COUNT == engine::state::STATE_COUNT);

// ----------------------------------------------------------------------
// Status codes and the last error
// ----------------------------------------------------------------------

/// The result of a fallible call. Codes are stable across versions.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum dc_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument is NULL.
    NullPointer = 1,
    /// An argument is out of range: an unknown enum value, a length too large.
    InvalidArgument = 2,
    /// A string is not valid UTF-8.
    BadUtf8 = 3,
    /// The id names no contact of this campaign.
    UnknownContact = 4,
    /// The id names no operator of this campaign.
    UnknownOperator = 5,
    /// The event is not legal in the contact's state; nothing changed.
    IllegalTransition = 6,
    /// The operator event does not fit the operator's state; nothing changed.
    IllegalOperatorEvent = 7,
    /// The event is about an attempt that is over (a late PBX message); nothing changed.
    StaleCall = 8,
    /// The campaign is canceled; it cannot be resumed.
    Canceled = 9,
    /// A phone number is not valid.
    InvalidNumber = 10,
    /// A time zone is not a known IANA name.
    UnknownTimezone = 11,
    /// A `dc_config` field is not acceptable (the message names it).
    InvalidConfig = 12,
    /// The contact store is full.
    Full = 13,
    /// Reading or writing a file failed (a CSV list, a data directory, the
    /// journal of a durable campaign); the message names the file.
    Io = 14,
    /// A CSV list cannot be imported at all (empty, no `phone` column, bad header).
    BadCsv = 15,
    /// The library panicked (a bug); the message says where. A campaign whose
    /// call panicked answers this code from then on: free it.
    Panic = 16,
    /// The data directory is held by another open campaign (this process or
    /// another); the message names the directory.
    Locked = 17,
    /// A data directory's files are damaged beyond what recovery repairs, are
    /// not dialcore's, or do not fit together (a journal without its
    /// snapshot); the message names the file.
    Corrupt = 18,
    /// The call needs a durable campaign (from `dc_campaign_open`) and this
    /// one has no data directory.
    NotDurable = 19,
    /// A time given (`now_ms`, a callback's `at_ms`) is past
    /// `DC_MAX_TIME_MS` (9999-12-31T23:59:59.999Z); the message names it and
    /// nothing changed.
    TimeOutOfRange = 20,
    /// The id names no campaign of this floor (`dc_floor_*`); the message names it.
    UnknownCampaign = 21,
    /// The id names no pool of this floor.
    UnknownPool = 22,
    /// The id names no trunk of this floor.
    UnknownTrunk = 23,
    /// The id names no do-not-call list of this floor.
    UnknownList = 24,
    /// The floor operator an event names is not working for the campaign
    /// the event names (`dc_floor_handle`), or its pool is not assigned to it.
    NotAssigned = 25,
    /// The campaign has calls in flight or busy operators; it cannot be
    /// removed now.
    CampaignBusy = 26,
}

impl dc_status {
    const ALL: [dc_status; 27] = [
        dc_status::Ok,
        dc_status::NullPointer,
        dc_status::InvalidArgument,
        dc_status::BadUtf8,
        dc_status::UnknownContact,
        dc_status::UnknownOperator,
        dc_status::IllegalTransition,
        dc_status::IllegalOperatorEvent,
        dc_status::StaleCall,
        dc_status::Canceled,
        dc_status::InvalidNumber,
        dc_status::UnknownTimezone,
        dc_status::InvalidConfig,
        dc_status::Full,
        dc_status::Io,
        dc_status::BadCsv,
        dc_status::Panic,
        dc_status::Locked,
        dc_status::Corrupt,
        dc_status::NotDurable,
        dc_status::TimeOutOfRange,
        dc_status::UnknownCampaign,
        dc_status::UnknownPool,
        dc_status::UnknownTrunk,
        dc_status::UnknownList,
        dc_status::NotAssigned,
        dc_status::CampaignBusy,
    ];

    fn c_name(self) -> &'static CStr {
        match self {
            dc_status::Ok => c"DC_STATUS_OK",
            dc_status::NullPointer => c"DC_STATUS_NULL_POINTER",
            dc_status::InvalidArgument => c"DC_STATUS_INVALID_ARGUMENT",
            dc_status::BadUtf8 => c"DC_STATUS_BAD_UTF8",
            dc_status::UnknownContact => c"DC_STATUS_UNKNOWN_CONTACT",
            dc_status::UnknownOperator => c"DC_STATUS_UNKNOWN_OPERATOR",
            dc_status::IllegalTransition => c"DC_STATUS_ILLEGAL_TRANSITION",
            dc_status::IllegalOperatorEvent => c"DC_STATUS_ILLEGAL_OPERATOR_EVENT",
            dc_status::StaleCall => c"DC_STATUS_STALE_CALL",
            dc_status::Canceled => c"DC_STATUS_CANCELED",
            dc_status::InvalidNumber => c"DC_STATUS_INVALID_NUMBER",
            dc_status::UnknownTimezone => c"DC_STATUS_UNKNOWN_TIMEZONE",
            dc_status::InvalidConfig => c"DC_STATUS_INVALID_CONFIG",
            dc_status::Full => c"DC_STATUS_FULL",
            dc_status::Io => c"DC_STATUS_IO",
            dc_status::BadCsv => c"DC_STATUS_BAD_CSV",
            dc_status::Panic => c"DC_STATUS_PANIC",
            dc_status::Locked => c"DC_STATUS_LOCKED",
            dc_status::Corrupt => c"DC_STATUS_CORRUPT",
            dc_status::NotDurable => c"DC_STATUS_NOT_DURABLE",
            dc_status::TimeOutOfRange => c"DC_STATUS_TIME_OUT_OF_RANGE",
            dc_status::UnknownCampaign => c"DC_STATUS_UNKNOWN_CAMPAIGN",
            dc_status::UnknownPool => c"DC_STATUS_UNKNOWN_POOL",
            dc_status::UnknownTrunk => c"DC_STATUS_UNKNOWN_TRUNK",
            dc_status::UnknownList => c"DC_STATUS_UNKNOWN_LIST",
            dc_status::NotAssigned => c"DC_STATUS_NOT_ASSIGNED",
            dc_status::CampaignBusy => c"DC_STATUS_CAMPAIGN_BUSY",
        }
    }
}

/// A failure on its way to C: the code and the message for `dc_last_error_message`.
struct Fail(dc_status, String);

impl Fail {
    fn new(status: dc_status, message: impl Display) -> Fail {
        Fail(status, message.to_string())
    }

    fn null(what: &str) -> Fail {
        Fail(dc_status::NullPointer, format!("{what} is NULL"))
    }

    fn invalid(message: impl Display) -> Fail {
        Fail::new(dc_status::InvalidArgument, message)
    }
}

impl From<EngineError> for Fail {
    fn from(e: EngineError) -> Fail {
        let status = match e {
            EngineError::UnknownContact(_) => dc_status::UnknownContact,
            EngineError::UnknownOperator(_) => dc_status::UnknownOperator,
            EngineError::StaleCall { .. } => dc_status::StaleCall,
            EngineError::IllegalTransition { .. } => dc_status::IllegalTransition,
            EngineError::IllegalOperatorEvent { .. } => dc_status::IllegalOperatorEvent,
            EngineError::Canceled => dc_status::Canceled,
            EngineError::InvalidNumber { .. } => dc_status::InvalidNumber,
            EngineError::UnknownTimezone(_) => dc_status::UnknownTimezone,
            EngineError::Full => dc_status::Full,
            EngineError::TimeOutOfRange { .. } => dc_status::TimeOutOfRange,
            EngineError::InvalidContactLimit { .. }
            | EngineError::UnknownDisposition(_)
            | EngineError::NoSuchNumber { .. }
            | EngineError::Numbers(_) => dc_status::InvalidArgument,
        };
        Fail::new(status, e)
    }
}

impl From<ImportError> for Fail {
    fn from(e: ImportError) -> Fail {
        let status = match e {
            ImportError::Io { .. } => dc_status::Io,
            _ => dc_status::BadCsv,
        };
        Fail::new(status, e)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: String) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    // During thread teardown the slot may be gone; the message is then lost.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    format!("internal panic in libdialcore: {what}")
}

/// Runs one entry point: catches panics, turns failures into a status and
/// the thread's last error message.
#[inline(always)]
fn run(body: impl FnOnce() -> Result<(), Fail>) -> dc_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => dc_status::Ok,
        Ok(Err(Fail(status, message))) => {
            set_last_error(message);
            status
        }
        Err(payload) => {
            set_last_error(panic_message(&*payload));
            dc_status::Panic
        }
    }
}

/// Runs an entry point that returns a value rather than a status; a panic
/// gives `fallback`.
fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(panic_message(&*payload));
            fallback
        }
    }
}

/// The message of the last failing call on this thread ("" if none yet).
///
/// The string is owned by the library and stays valid until the next failing
/// call on the same thread; copy it (or use `dc_last_error_copy`) to keep it.
/// Successful calls do not change it.
#[no_mangle]
pub extern "C" fn dc_last_error_message() -> *const c_char {
    run_or(c"".as_ptr(), || {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ptr())
            .unwrap_or(c"".as_ptr())
    })
}

/// Copies the last error message of this thread into `buf` (at most `cap`
/// bytes including the terminating NUL; truncated if longer) and returns
/// the full message length without the NUL. With `cap == 0`, `buf` may be
/// NULL: the call only returns the length.
#[no_mangle]
pub unsafe extern "C" fn dc_last_error_copy(buf: *mut c_char, cap: usize) -> usize {
    run_or(0, || {
        LAST_ERROR
            .try_with(|slot| {
                let message = slot.borrow();
                let bytes = message.as_bytes();
                if !buf.is_null() && cap > 0 {
                    let n = bytes.len().min(cap - 1);
                    // SAFETY: the caller gives `cap` writable bytes at `buf`;
                    // n + 1 <= cap, and the source is our own CString.
                    unsafe {
                        ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), buf, n);
                        *buf.add(n) = 0;
                    }
                }
                bytes.len()
            })
            .unwrap_or(0)
    })
}

/// The name of a status code (`"DC_STATUS_STALE_CALL"`), a static string;
/// `"unknown"` for a code that is not a `dc_status`.
#[no_mangle]
pub extern "C" fn dc_status_name(status: u32) -> *const c_char {
    dc_status::ALL
        .get(status as usize)
        .map_or(c"unknown", |s| s.c_name())
        .as_ptr()
}

// ----------------------------------------------------------------------
// Static strings
// ----------------------------------------------------------------------

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

// ----------------------------------------------------------------------
// Enums and structs shared with C
// ----------------------------------------------------------------------

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

/// How contacts reach operators.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_mode {
    /// The operator sees the contact first and decides to dial it or not.
    Preview = 0,
    /// One call per free operator, dialed after the operator accepts.
    Progressive = 1,
    /// More calls than free operators; answered calls go to the longest-idle operator.
    Predictive = 2,
    /// Voice broadcast: no operators; up to `agentless_lines` calls, an
    /// answered call gets `DC_COMMAND_KIND_PLAY`.
    Agentless = 3,
}

/// Over which window the abandon-rate guard measures.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_abandon_window {
    /// The last 24 hours.
    Day = 0,
    /// The last 30 days (the US rule).
    ThirtyDays = 1,
}

/// How the abandon guard bounds the predictive pacer.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_abandon_guard {
    /// Never more uncovered calls in flight than the ready operators plus
    /// the abandons the budget still allows if all were answered and
    /// dropped: the rate cannot pass the target (the default).
    WorstCase = 0,
    /// The pacer's expected risk decides; the guard only holds one call per
    /// ready operator while the rate is above the target.
    Expected = 1,
}

/// Whether and when to retry one kind of outcome.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_retry_rule {
    /// Try again (while attempts are left).
    pub retry: bool,
    /// How long after the attempt ended, ms.
    pub delay_ms: u64,
}

/// Campaign configuration; start from `dc_config_default()` and change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_config {
    /// Preview, progressive or predictive. Default progressive.
    pub mode: dc_mode,
    /// Country calling code for national numbers (1, 49, …); 0 = none.
    pub default_country: u16,
    /// IANA time zone of contacts added without one; NULL = "UTC".
    pub default_timezone: *const c_char,
    /// Weekly calling window in each contact's local time, e.g.
    /// `"Mon-Fri 09:00-20:00; Sat 10:00-14:00"`; NULL = `"always"`.
    pub calling_window: *const c_char,
    /// Client rejected the call (busy). Default: retry after 5 minutes.
    pub retry_busy: dc_retry_rule,
    /// No answer or unreachable. Default: after 30 minutes.
    pub retry_no_answer: dc_retry_rule,
    /// Answering machine. Default: after 2 hours.
    pub retry_machine: dc_retry_rule,
    /// The dial could not be initiated. Default: after 5 minutes.
    pub retry_dial_failed: dc_retry_rule,
    /// Answered and dropped before an operator came. Default: no retry.
    pub retry_abandoned: dc_retry_rule,
    /// Attempts per contact over its life (1..=254). Default 5.
    pub max_attempts: u8,
    /// Attempts per number in any rolling 24 hours (0 = no cap).
    pub max_attempts_per_24h: u8,
    /// After an abandon, redial only with an operator reserved for this long (0 = off).
    pub reserve_operator_after_abandon_ms: u64,
    /// How long an operator has to accept an offer. Default 30 s.
    pub offer_timeout_ms: u64,
    /// Before-call work countdown (0 dials at once). Default 5 s.
    pub bcw_ms: u64,
    /// Ring time before "no answer". Default 25 s; below 15 s needs
    /// `allow_short_ring_timeout`.
    pub ring_timeout_ms: u64,
    /// Allow `ring_timeout_ms` below 15 s (not US-compliant).
    pub allow_short_ring_timeout: bool,
    /// Predictive: how long an answered call may wait for an operator. Default 2 s.
    pub abandon_limit_ms: u64,
    /// After-call work after each connected call. Default true.
    pub acw_enabled: bool,
    /// Longest ACW before the contact is closed as Success (0 = no limit). Default 120 s.
    pub acw_limit_ms: u64,
    /// Predictive: calls per ready operator (1.0..=20.0). Default 1.5.
    pub predictive_ratio: f64,
    /// Predictive: the abandon rate not to exceed. Default 0.03.
    pub abandon_target: f64,
    /// Predictive: the window the abandon guard measures. Default 30 days.
    pub abandon_window: dc_abandon_window,
    /// Predictive: how the abandon guard bounds the pacer. Default worst case.
    pub abandon_guard: dc_abandon_guard,
    /// Preview/progressive: hopper size (0 = one per logged-in operator).
    pub hopper_size: u32,
    /// Delay before trying a contact whose number is in another call. Default 60 s.
    pub number_busy_delay_ms: u64,
    /// Caller ID the host shows on the campaign's calls, `"+E.164"`; NULL or
    /// `""` = none (the PBX picks one). Copied; journaled with the
    /// configuration and shown in the attempt records.
    pub caller_id: *const c_char,
    /// Caller IDs for local presence and rotation, `"+E.164"` each,
    /// comma-separated; NULL or `""` = none. A dial presents a pool number
    /// with the dialed area code (least used in the last hour), else
    /// `caller_id`. Copied.
    pub caller_id_pool: *const c_char,
    /// Watchdog: longest call from dial to end, ms (0 = none, the default).
    pub max_call_ms: u64,
    /// Watchdog: longest connected call without CALL_ENDED, ms (0 = none).
    pub max_talk_ms: u64,
    /// Offers missed or declined in a row before the engine pauses the
    /// operator (0 = a miss or a progressive decline pauses at once).
    pub max_offer_refusals: u32,
    /// Agentless mode: calls in flight at most. Default 10.
    pub agentless_lines: u32,
    /// Wrap-up codes for `DC_DISPOSITION_CODE`: `"1=success, 2=failure,
    /// 3=retry:MS, 4=callback:MS, 5=personal_callback:MS:EXPIRY_MS,
    /// 6=blacklist"`; NULL or `""` = none. Copied.
    pub dispositions: *const c_char,
    /// Contacts with several numbers: 0 = in order (the default: the next
    /// number after busy, no answer or a failed dial, in the contact's
    /// window), 1 = each number in its own zone's window.
    pub number_order: u8,
    /// Attempts on one number before the next is dialed, and its cap
    /// (0 = no per-number cap, the default; at most 15).
    pub attempts_per_number: u8,
    /// Numbers added without a time zone take the zone their number implies
    /// (NANP area code, single-zone country). Default false.
    pub zone_from_number: bool,
    /// With `zone_from_number`: the IANA zone of numbers whose zone is
    /// ambiguous or unknown; NULL or "" = none (such numbers are left out).
    pub fallback_timezone: *const c_char,
    /// A number given a zone other than the one its number implies:
    /// 0 = dialed in the given zone (the default), 1 = in the number's zone,
    /// 2 = most restrictive: only while the window and rules are open in both.
    pub zone_mismatch: u8,
}

fn rule_to_c(rule: RetryRule) -> dc_retry_rule {
    dc_retry_rule {
        retry: rule.retry,
        delay_ms: rule.delay_ms,
    }
}

/// The default configuration (progressive mode, the US rules where a rule
/// exists). Never fails.
#[no_mangle]
pub extern "C" fn dc_config_default() -> dc_config {
    let d = CampaignConfig::default();
    dc_config {
        mode: dc_mode::Progressive,
        default_country: 0,
        default_timezone: ptr::null(),
        calling_window: ptr::null(),
        retry_busy: rule_to_c(d.retry.busy),
        retry_no_answer: rule_to_c(d.retry.no_answer),
        retry_machine: rule_to_c(d.retry.machine),
        retry_dial_failed: rule_to_c(d.retry.dial_failed),
        retry_abandoned: rule_to_c(d.retry.abandoned),
        max_attempts: d.retry.max_attempts,
        max_attempts_per_24h: d.retry.max_attempts_per_24h,
        reserve_operator_after_abandon_ms: d.retry.reserve_operator_after_abandon_ms,
        offer_timeout_ms: d.offer_timeout_ms,
        bcw_ms: d.bcw_ms,
        ring_timeout_ms: d.ring_timeout_ms,
        allow_short_ring_timeout: d.allow_short_ring_timeout,
        abandon_limit_ms: d.abandon_limit_ms,
        acw_enabled: d.acw_enabled,
        acw_limit_ms: d.acw_limit_ms,
        predictive_ratio: d.predictive_ratio,
        abandon_target: d.abandon_target,
        abandon_window: dc_abandon_window::ThirtyDays,
        abandon_guard: dc_abandon_guard::WorstCase,
        hopper_size: d.hopper_size,
        number_busy_delay_ms: d.number_busy_delay_ms,
        caller_id: ptr::null(),
        caller_id_pool: ptr::null(),
        max_call_ms: d.max_call_ms,
        max_talk_ms: d.max_talk_ms,
        max_offer_refusals: d.max_offer_refusals,
        agentless_lines: d.agentless_lines,
        dispositions: ptr::null(),
        number_order: 0,
        attempts_per_number: d.numbers.attempts_per_number,
        zone_from_number: d.numbers.zone_from_number,
        fallback_timezone: ptr::null(),
        zone_mismatch: 0,
    }
}

/// What happened, reported by the host to `dc_campaign_handle`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_event_kind {
    /// A human answered. Uses `contact`, `attempt`.
    Answered = 0,
    /// An answering machine answered. Uses `contact`, `attempt`.
    AnsweredByMachine = 1,
    /// The client rejected the call (busy). Uses `contact`, `attempt`.
    Rejected = 2,
    /// No answer / unreachable. Uses `contact`, `attempt`.
    Unreachable = 3,
    /// The PBX could not initiate the dial. Uses `contact`, `attempt`.
    DialFailed = 4,
    /// The client hung up. Uses `contact`, `attempt`.
    ClientHungUp = 5,
    /// The call ended. Uses `contact`, `attempt`.
    CallEnded = 6,
    /// The operator accepted the offered contact. Uses `operator_id`, `contact`.
    OperatorAccepted = 7,
    /// The operator declined the offered contact. Uses `operator_id`, `contact`.
    OperatorDeclined = 8,
    /// The operator pressed "Call" during BCW. Uses `operator_id`, `contact`.
    OperatorDialNow = 9,
    /// The operator finished after-call work. Uses `operator_id`, `contact`,
    /// `disposition` and what it needs: `callback_at_ms` (CALLBACK,
    /// PERSONAL_CALLBACK), `callback_expires_ms` (PERSONAL_CALLBACK),
    /// `retry_delay_ms` (RETRY_AFTER), `disposition_code` (CODE).
    AcwDone = 10,
    /// The operator logged in (paused until ready). Uses `operator_id`.
    OperatorLogin = 11,
    /// The operator is ready for calls. Uses `operator_id`.
    OperatorReady = 12,
    /// The operator pauses (after the current call). Uses `operator_id`.
    OperatorPause = 13,
    /// The operator logs out (after the current call). Uses `operator_id`.
    OperatorLogout = 14,
    /// Admin: stop offering and dialing; live calls go on.
    Pause = 15,
    /// Admin: go on after a pause.
    Resume = 16,
    /// Admin: end the campaign.
    Cancel = 17,
    /// Admin: delete a contact. Uses `contact`.
    Remove = 18,
    /// Admin: add a number (E.164 digits) to the blacklist. Uses `number`.
    BlacklistAdd = 19,
    /// Admin: remove a number from the blacklist. Uses `number`.
    BlacklistRemove = 20,
    /// Announced ahead: the operator pauses or logs out at `callback_at_ms`
    /// (a scheduled break, the end of a shift); no state changes, the pacer
    /// stops counting the operator past that time. Uses `operator_id`,
    /// `callback_at_ms`.
    OperatorLeaving = 21,
    /// The carrier refused the call for congestion (SIP 503 or 429): the
    /// contact returns without counting an attempt; on a floor, its trunk
    /// backs off. Uses `contact`, `attempt`.
    Congestion = 22,
}

/// What the operator recorded at the end of after-call work.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_disposition {
    /// The contact is done: Success.
    Done = 0,
    /// Call back at `callback_at_ms`, any operator.
    Callback = 1,
    /// Done without success: RejectedByOperator, never dialed again.
    Failed = 2,
    /// Try again after `retry_delay_ms`.
    RetryAfter = 3,
    /// Call back at `callback_at_ms`, only this operator until
    /// `callback_expires_ms`, then anyone.
    PersonalCallback = 4,
    /// Blacklist every number of the contact; the contact ends Blacklisted.
    Blacklist = 5,
    /// The campaign's wrap-up code `disposition_code` (`dc_config.dispositions`).
    Code = 6,
    /// Blacklist only the number the call dialed; the contact goes on with
    /// its next number (RETRY_SCHEDULED, due at once), or ends Blacklisted
    /// when none of its numbers is left off the blacklist.
    BlacklistNumber = 7,
}

/// One event for `dc_campaign_handle`. Zero-initialize it and set the fields
/// the `kind` uses; the others are ignored.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_event {
    /// What happened.
    pub kind: dc_event_kind,
    /// The contact (call events: with `attempt`, as in the Dial command).
    pub contact: u32,
    /// The attempt number of the call, as in the Dial command.
    pub attempt: u8,
    /// The operator (operator events).
    pub operator_id: u32,
    /// E.164 digits (blacklist events).
    pub number: u64,
    /// `DC_EVENT_KIND_ACW_DONE`: what the operator recorded.
    pub disposition: dc_disposition,
    /// `DC_DISPOSITION_CALLBACK`: when to call back, ms since the epoch;
    /// `DC_EVENT_KIND_OPERATOR_LEAVING`: when the operator leaves.
    pub callback_at_ms: u64,
    /// `DC_DISPOSITION_PERSONAL_CALLBACK`: until when only this operator
    /// may take it, ms since the epoch.
    pub callback_expires_ms: u64,
    /// `DC_DISPOSITION_RETRY_AFTER`: the delay, ms.
    pub retry_delay_ms: u64,
    /// `DC_DISPOSITION_CODE`: the wrap-up code (0..=65535).
    pub disposition_code: u32,
}

/// What the engine asks the host to do.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_command_kind {
    /// Show `contact` to operator `operator_id`; answer with OPERATOR_ACCEPTED or _DECLINED.
    Offer = 0,
    /// Dial `number` for call (`contact`, `attempt`); `operator_id` is bound
    /// when `has_operator` (preview, progressive, reserved retries).
    Dial = 1,
    /// Bridge the answered call (`contact`, `attempt`) to `operator_id`.
    Connect = 2,
    /// Play the abandon message and hang up call (`contact`, `attempt`).
    Abandon = 3,
    /// Hang up call (`contact`, `attempt`): ring timeout.
    Hangup = 4,
    /// Withdraw the offer or BCW of `contact` from `operator_id`'s screen.
    Revoke = 5,
    /// Agentless: play the message on the answered call (`contact`,
    /// `attempt`), then hang up.
    Play = 6,
}

/// One command from `dc_campaign_poll`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_command {
    /// What to do.
    pub kind: dc_command_kind,
    /// The contact.
    pub contact: u32,
    /// The attempt number of the call (0 for OFFER and REVOKE); echo it in events.
    pub attempt: u8,
    /// True when `operator_id` is meaningful.
    pub has_operator: bool,
    /// DIAL: which of the contact's numbers `number` is (0 for the first;
    /// see `dc_contact_number_at`); 0 otherwise.
    pub number_index: u8,
    /// The operator (OFFER, CONNECT, REVOKE; DIAL when `has_operator`).
    pub operator_id: u32,
    /// DIAL: the number to dial, E.164 digits (`12125550100`); 0 otherwise.
    pub number: u64,
    /// DIAL: the caller ID to present, E.164 digits; 0 = none (the PBX
    /// picks one).
    pub caller_id: u64,
}

impl dc_command {
    /// An all-zero command (an OFFER of contact 0), to fill buffers from Rust.
    pub const fn from_zeroed() -> dc_command {
        dc_command {
            kind: dc_command_kind::Offer,
            contact: 0,
            attempt: 0,
            has_operator: false,
            number_index: 0,
            operator_id: 0,
            number: 0,
            caller_id: 0,
        }
    }

    fn from_command(cmd: Command) -> dc_command {
        let mut c = dc_command {
            kind: dc_command_kind::Offer,
            contact: 0,
            attempt: 0,
            has_operator: false,
            number_index: 0,
            operator_id: 0,
            number: 0,
            caller_id: 0,
        };
        let call = |c: &mut dc_command, call: CallId| {
            c.contact = call.contact.0;
            c.attempt = call.attempt;
        };
        let op = |c: &mut dc_command, op: OperatorId| {
            c.has_operator = true;
            c.operator_id = op.0;
        };
        match cmd {
            Command::Offer { contact, operator } => {
                c.contact = contact.0;
                op(&mut c, operator);
            }
            Command::Dial {
                call: id,
                number,
                number_index,
                operator,
                caller_id,
            } => {
                c.kind = dc_command_kind::Dial;
                call(&mut c, id);
                c.number = number;
                c.caller_id = caller_id.unwrap_or(0);
                c.number_index = number_index;
                if let Some(o) = operator {
                    op(&mut c, o);
                }
            }
            Command::Connect { call: id, operator } => {
                c.kind = dc_command_kind::Connect;
                call(&mut c, id);
                op(&mut c, operator);
            }
            Command::Abandon { call: id } => {
                c.kind = dc_command_kind::Abandon;
                call(&mut c, id);
            }
            Command::Hangup { call: id } => {
                c.kind = dc_command_kind::Hangup;
                call(&mut c, id);
            }
            Command::Revoke { contact, operator } => {
                c.kind = dc_command_kind::Revoke;
                c.contact = contact.0;
                op(&mut c, operator);
            }
            Command::Play { call: id } => {
                c.kind = dc_command_kind::Play;
                call(&mut c, id);
            }
        }
        c
    }
}

/// What a CSV import did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct dc_import_report {
    /// Data rows read (blank lines and the header not counted).
    pub rows: u64,
    /// Contacts added as Initial.
    pub valid: u64,
    /// Contacts added as InvalidRecord (bad phone number; kept for fixing).
    pub invalid: u64,
    /// Contacts added as Blacklisted.
    pub blacklisted: u64,
    /// Rows with a number seen earlier in this file.
    pub duplicates_in_file: u64,
    /// Rows with a number some contact had before this import.
    pub duplicates_existing: u64,
    /// Rows not imported (wrong field count, bad UTF-8, unclosed quote,
    /// unknown time zone, bad priority).
    pub row_errors: u64,
    /// Line of the first row not imported (0 = none).
    pub first_row_error_line: u64,
    /// Id of the first contact added; the ids are `first_contact ..
    /// first_contact + contacts`.
    pub first_contact: u32,
    /// Contacts added (valid + invalid + blacklisted).
    pub contacts: u32,
    /// Header columns that are not contact columns (ignored).
    pub ignored_columns: u32,
}

impl dc_import_report {
    fn from_report(r: &ImportReport) -> dc_import_report {
        dc_import_report {
            rows: r.rows,
            valid: r.valid,
            invalid: r.invalid,
            blacklisted: r.blacklisted,
            duplicates_in_file: r.duplicates_in_file,
            duplicates_existing: r.duplicates_existing,
            row_errors: r.row_errors.len() as u64,
            first_row_error_line: r.row_errors.first().map_or(0, |e| e.line),
            first_contact: r.ids.start,
            contacts: r.ids.end - r.ids.start,
            ignored_columns: r.ignored_columns.len() as u32,
        }
    }
}

/// Figures of a running campaign (`dc_campaign_metrics`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct dc_metrics {
    /// Dials issued (attempts).
    pub dials: u64,
    /// Calls answered by a human.
    pub answered: u64,
    /// Calls answered by a machine.
    pub machine: u64,
    /// Calls connected to an operator.
    pub connected: u64,
    /// Answered calls dropped before an operator came.
    pub abandoned: u64,
    /// Abandoned / human-answered over the campaign's life.
    pub abandon_rate: f64,
    /// The same over the last 24 hours.
    pub abandon_rate_24h: f64,
    /// The same over the last 30 days.
    pub abandon_rate_30d: f64,
    /// Talk time / logged-in time of all operators.
    pub occupancy: f64,
    /// Total talk time, ms.
    pub talk_ms: u64,
    /// Total logged-in time, ms.
    pub logged_in_ms: u64,
    /// Operators ready now.
    pub ready_operators: u32,
    /// Operators logged in now.
    pub logged_in_operators: u32,
    /// Calls ringing now.
    pub ringing: u32,
    /// Answered calls waiting for an operator now.
    pub waiting: u32,
    /// Calls the engine hung up because a watchdog fired.
    pub watchdog_hangups: u64,
    /// Operators the engine paused for refusing offers in a row.
    pub refusal_pauses: u64,
}

impl From<Metrics> for dc_metrics {
    fn from(m: Metrics) -> dc_metrics {
        dc_metrics {
            dials: m.dials,
            answered: m.answered,
            machine: m.machine,
            connected: m.connected,
            abandoned: m.abandoned,
            abandon_rate: m.abandon_rate,
            abandon_rate_24h: m.abandon_rate_24h,
            abandon_rate_30d: m.abandon_rate_30d,
            occupancy: m.occupancy,
            talk_ms: m.talk_ms,
            logged_in_ms: m.logged_in_ms,
            ready_operators: m.ready_operators,
            logged_in_operators: m.logged_in_operators,
            ringing: m.ringing,
            waiting: m.waiting,
            watchdog_hangups: m.watchdog_hangups,
            refusal_pauses: m.refusal_pauses,
        }
    }
}

// ----------------------------------------------------------------------
// Reading C input
// ----------------------------------------------------------------------

/// Reads a field of a `#[repr(u32)]` enum type as a plain `u32`, so a value
/// C put there that is not a variant is not undefined behavior.
macro_rules! read_u32 {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: the caller of the enclosing function guarantees `$p` is
        // valid and aligned; the field is a `#[repr(u32)]` enum, read as the
        // `u32` it is laid out as.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).cast::<u32>().read() }
    };
}

/// Reads a `bool` field as a byte (any non-zero byte is true).
macro_rules! read_bool {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: as for `read_u32!`; a `bool` is one byte.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).cast::<u8>().read() != 0 }
    };
}

/// Reads a plain (integer or float) field.
macro_rules! read_plain {
    ($p:expr, $($field:tt)+) => {
        // SAFETY: as for `read_u32!`; every bit pattern is a valid value of
        // the field's type.
        unsafe { ::std::ptr::addr_of!((*$p).$($field)+).read() }
    };
}

/// An optional C string as `&str`: NULL is `None`.
unsafe fn opt_str<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string
    // that outlives the call.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map(Some).map_err(|e| {
        Fail::new(
            dc_status::BadUtf8,
            format!("{what} is not valid UTF-8: {e}"),
        )
    })
}

/// A required C string.
unsafe fn req_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    unsafe { opt_str(p, what) }?.ok_or_else(|| Fail::null(what))
}

/// A C array as a slice; NULL is allowed only with `len == 0`.
unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> Result<&'a [T], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Fail::null(what));
    }
    if len > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Fail::invalid(format!("{what}: length {len} is too large")));
    }
    // SAFETY: non-NULL, the length fits `isize`, and the caller guarantees
    // `len` readable, initialized elements at `p` for the call.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Writes an out-parameter after a NULL check.
unsafe fn write_out<T>(p: *mut T, value: T, what: &str) -> Result<(), Fail> {
    if p.is_null() {
        return Err(Fail::null(what));
    }
    // SAFETY: non-NULL; the caller guarantees it is valid and aligned for a T.
    unsafe { p.write(value) };
    Ok(())
}

unsafe fn read_rule(rule: *const dc_retry_rule) -> RetryRule {
    RetryRule {
        retry: read_bool!(rule, retry),
        delay_ms: read_plain!(rule, delay_ms),
    }
}

unsafe fn read_config(p: *const dc_config) -> Result<CampaignConfig, Fail> {
    let mode = match read_u32!(p, mode) {
        0 => Mode::Preview,
        1 => Mode::Progressive,
        2 => Mode::Predictive,
        3 => Mode::Agentless,
        m => return Err(Fail::invalid(format!("config.mode {m} is not a dc_mode"))),
    };
    let abandon_window = match read_u32!(p, abandon_window) {
        0 => AbandonWindow::Day,
        1 => AbandonWindow::ThirtyDays,
        w => {
            return Err(Fail::invalid(format!(
                "config.abandon_window {w} is not a dc_abandon_window"
            )))
        }
    };
    let abandon_guard = match read_u32!(p, abandon_guard) {
        0 => AbandonGuard::WorstCase,
        1 => AbandonGuard::Expected,
        g => {
            return Err(Fail::invalid(format!(
                "config.abandon_guard {g} is not a dc_abandon_guard"
            )))
        }
    };
    // SAFETY: `p` is valid (caller); the pointer fields are read as pointers
    // and then checked by `opt_str`.
    let (tz, window, caller_id, pool, dispositions) = unsafe {
        (
            (*p).default_timezone,
            (*p).calling_window,
            (*p).caller_id,
            (*p).caller_id_pool,
            (*p).dispositions,
        )
    };
    // SAFETY: the caller guarantees a NUL-terminated string or NULL.
    let caller_id = unsafe { opt_str(caller_id, "config.caller_id") }?;
    // SAFETY: as above.
    let pool = unsafe { opt_str(pool, "config.caller_id_pool") }?;
    // SAFETY: as above.
    let dispositions = unsafe { opt_str(dispositions, "config.dispositions") }?;
    let mut text_fields = CampaignConfig::default();
    for (name, value) in [("caller_id_pool", pool), ("dispositions", dispositions)] {
        let field = engine::config::config_field(name).expect("a settings-table field");
        (field.set)(
            &mut text_fields,
            engine::config::FieldValue::Text(value.unwrap_or("").to_owned()),
        )
        .map_err(|e| Fail::new(dc_status::InvalidConfig, format!("invalid {name}: {e}")))?;
    }
    // SAFETY: the caller guarantees NUL-terminated strings or NULL.
    let tz = unsafe { opt_str(tz, "config.default_timezone") }?;
    // SAFETY: as above.
    let window = unsafe { opt_str(window, "config.calling_window") }?;
    let calling_window = match window {
        None => WeeklyWindow::always(),
        Some(spec) => spec.parse::<WeeklyWindow>().map_err(|e| {
            Fail::new(
                dc_status::InvalidConfig,
                format!("invalid calling_window {spec:?}: {e}"),
            )
        })?,
    };
    let country = read_plain!(p, default_country);
    // SAFETY: the nested rule structs are inside the valid `*p`.
    let (busy, no_answer, machine, dial_failed, abandoned) = unsafe {
        (
            read_rule(ptr::addr_of!((*p).retry_busy)),
            read_rule(ptr::addr_of!((*p).retry_no_answer)),
            read_rule(ptr::addr_of!((*p).retry_machine)),
            read_rule(ptr::addr_of!((*p).retry_dial_failed)),
            read_rule(ptr::addr_of!((*p).retry_abandoned)),
        )
    };
    let retry = RetryPolicy {
        busy,
        no_answer,
        machine,
        dial_failed,
        abandoned,
        max_attempts: read_plain!(p, max_attempts),
        max_attempts_per_24h: read_plain!(p, max_attempts_per_24h),
        reserve_operator_after_abandon_ms: read_plain!(p, reserve_operator_after_abandon_ms),
    };
    // SAFETY: `p` is valid per the contract; a NUL-terminated string or NULL.
    let fallback = unsafe { opt_str((*p).fallback_timezone, "config.fallback_timezone") }?;
    let order = match read_plain!(p, number_order) {
        0u8 => engine::config::NumberOrder::InOrder,
        1 => engine::config::NumberOrder::OwnWindow,
        other => {
            return Err(Fail::invalid(format!(
                "config.number_order {other} is not 0 (in order) or 1 (own window)"
            )))
        }
    };
    let zone_mismatch = match read_plain!(p, zone_mismatch) {
        0u8 => engine::config::ZoneMismatch::Given,
        1 => engine::config::ZoneMismatch::Number,
        2 => engine::config::ZoneMismatch::MostRestrictive,
        other => {
            return Err(Fail::invalid(format!(
                "config.zone_mismatch {other} is not 0 (given), 1 (number) or 2 (most restrictive)"
            )))
        }
    };
    Ok(CampaignConfig {
        mode,
        default_country: (country != 0).then_some(country),
        default_timezone: tz.unwrap_or("UTC").to_owned(),
        calling_window,
        retry,
        offer_timeout_ms: read_plain!(p, offer_timeout_ms),
        bcw_ms: read_plain!(p, bcw_ms),
        ring_timeout_ms: read_plain!(p, ring_timeout_ms),
        allow_short_ring_timeout: read_bool!(p, allow_short_ring_timeout),
        abandon_limit_ms: read_plain!(p, abandon_limit_ms),
        acw_enabled: read_bool!(p, acw_enabled),
        acw_limit_ms: read_plain!(p, acw_limit_ms),
        predictive_ratio: read_plain!(p, predictive_ratio),
        abandon_target: read_plain!(p, abandon_target),
        abandon_window,
        abandon_guard,
        hopper_size: read_plain!(p, hopper_size),
        number_busy_delay_ms: read_plain!(p, number_busy_delay_ms),
        caller_id: caller_id.unwrap_or("").to_owned(),
        caller_id_pool: text_fields.caller_id_pool,
        max_call_ms: read_plain!(p, max_call_ms),
        max_talk_ms: read_plain!(p, max_talk_ms),
        max_offer_refusals: read_plain!(p, max_offer_refusals),
        agentless_lines: read_plain!(p, agentless_lines),
        dispositions: text_fields.dispositions,
        numbers: engine::config::NumberPolicy {
            order,
            attempts_per_number: read_plain!(p, attempts_per_number),
            zone_from_number: read_bool!(p, zone_from_number),
            fallback_timezone: fallback.unwrap_or("").to_owned(),
            zone_mismatch,
        },
    })
}

const EVENT_KINDS: [dc_event_kind; 23] = [
    dc_event_kind::Answered,
    dc_event_kind::AnsweredByMachine,
    dc_event_kind::Rejected,
    dc_event_kind::Unreachable,
    dc_event_kind::DialFailed,
    dc_event_kind::ClientHungUp,
    dc_event_kind::CallEnded,
    dc_event_kind::OperatorAccepted,
    dc_event_kind::OperatorDeclined,
    dc_event_kind::OperatorDialNow,
    dc_event_kind::AcwDone,
    dc_event_kind::OperatorLogin,
    dc_event_kind::OperatorReady,
    dc_event_kind::OperatorPause,
    dc_event_kind::OperatorLogout,
    dc_event_kind::Pause,
    dc_event_kind::Resume,
    dc_event_kind::Cancel,
    dc_event_kind::Remove,
    dc_event_kind::BlacklistAdd,
    dc_event_kind::BlacklistRemove,
    dc_event_kind::OperatorLeaving,
    dc_event_kind::Congestion,
];

#[inline]
unsafe fn read_event(p: *const dc_event) -> Result<Event, Fail> {
    let raw_kind = read_u32!(p, kind);
    let Some(&kind) = EVENT_KINDS.get(raw_kind as usize) else {
        return Err(Fail::invalid(format!(
            "event.kind {raw_kind} is not a dc_event_kind"
        )));
    };
    let contact = ContactId(read_plain!(p, contact));
    let operator = OperatorId(read_plain!(p, operator_id));
    let call = CallId {
        contact,
        attempt: read_plain!(p, attempt),
    };
    use dc_event_kind as K;
    Ok(match kind {
        K::Answered => Event::Answered(call),
        K::AnsweredByMachine => Event::AnsweredByMachine(call),
        K::Rejected => Event::Rejected(call),
        K::Unreachable => Event::Unreachable(call),
        K::DialFailed => Event::DialFailed(call),
        K::ClientHungUp => Event::ClientHungUp(call),
        K::CallEnded => Event::CallEnded(call),
        K::OperatorAccepted => Event::OperatorAccepted { operator, contact },
        K::OperatorDeclined => Event::OperatorDeclined { operator, contact },
        K::OperatorDialNow => Event::OperatorDialNow { operator, contact },
        K::AcwDone => {
            let disposition = match read_u32!(p, disposition) {
                0 => Disposition::Done,
                1 => Disposition::Callback {
                    at_ms: read_plain!(p, callback_at_ms),
                },
                2 => Disposition::Failed,
                3 => Disposition::RetryAfter {
                    delay_ms: read_plain!(p, retry_delay_ms),
                },
                4 => Disposition::PersonalCallback {
                    at_ms: read_plain!(p, callback_at_ms),
                    expires_ms: read_plain!(p, callback_expires_ms),
                },
                5 => Disposition::Blacklist,
                6 => {
                    let code: u32 = read_plain!(p, disposition_code);
                    let code = u16::try_from(code).map_err(|_| {
                        Fail::invalid(format!(
                            "event.disposition_code {code} is not a wrap-up code (0..=65535)"
                        ))
                    })?;
                    Disposition::Code(code)
                }
                7 => Disposition::BlacklistNumber,
                d => {
                    return Err(Fail::invalid(format!(
                        "event.disposition {d} is not a dc_disposition"
                    )))
                }
            };
            Event::AcwDone {
                operator,
                contact,
                disposition,
            }
        }
        K::OperatorLogin => Event::OperatorLogin(operator),
        K::OperatorReady => Event::OperatorReady(operator),
        K::OperatorPause => Event::OperatorPause(operator),
        K::OperatorLogout => Event::OperatorLogout(operator),
        K::Pause => Event::Pause,
        K::Resume => Event::Resume,
        K::Cancel => Event::Cancel,
        K::Remove => Event::Remove(contact),
        K::BlacklistAdd => Event::BlacklistAdd(read_plain!(p, number)),
        K::BlacklistRemove => Event::BlacklistRemove(read_plain!(p, number)),
        K::OperatorLeaving => Event::OperatorLeaving {
            operator,
            at_ms: read_plain!(p, callback_at_ms),
        },
        K::Congestion => Event::Congestion(call),
    })
}

// ----------------------------------------------------------------------
// The handle
// ----------------------------------------------------------------------

/// One campaign: its contacts, operators and engine, behind a lock. Opaque;
/// create with `dc_campaign_new` (in memory) or `dc_campaign_open` (kept in
/// a data directory), free with `dc_campaign_free`. Every
/// function may be called from any thread, concurrently.
pub struct dc_campaign {
    _private: [u8; 0],
}

struct Inner {
    campaign: Campaign,
    /// What the `dc_campaign_open` that made this handle reconciled.
    reconciled: Vec<Reconciled>,
    /// Commands produced but not yet handed out (the caller's buffer was full).
    pending: VecDeque<Command>,
    scratch: Vec<Command>,
    /// Set while a call runs inside the lock; still set after a panic there.
    broken: bool,
    /// The newest journal sync a poll left to be done outside the lock
    /// (see `dc_campaign_poll`); every poll syncs through it (a no-op once
    /// done) before it hands out a command.
    last_sync: Option<engine::journal::SyncHandle>,
    /// Sync inside the lock, as before the sync moved out: only for the
    /// benchmark that compares both (`sync_under_lock`).
    sync_under_lock: bool,
}

struct Handle {
    inner: Mutex<Inner>,
}

impl Handle {
    fn new(campaign: Campaign, reconciled: Vec<Reconciled>) -> Handle {
        Handle {
            inner: Mutex::new(Inner {
                campaign,
                reconciled,
                pending: VecDeque::new(),
                scratch: Vec::new(),
                broken: false,
                last_sync: None,
                sync_under_lock: false,
            }),
        }
    }
}

/// The handle behind a campaign pointer.
#[inline]
unsafe fn handle_ref<'a>(c: *const dc_campaign) -> Result<&'a Handle, Fail> {
    if c.is_null() {
        return Err(Fail::null("campaign"));
    }
    // SAFETY: non-NULL; the caller guarantees it came from `dc_campaign_new`
    // (a leaked `Box<Handle>`) and is not freed during the call. Only shared
    // access is taken; mutation goes through the mutex.
    Ok(unsafe { &*c.cast::<Handle>() })
}

/// Locks the campaign and runs `f` on it. A panic inside `f` leaves the
/// handle marked broken: later calls answer `DC_STATUS_PANIC`.
#[inline]
fn locked<R>(handle: &Handle, f: impl FnOnce(&mut Inner) -> Result<R, Fail>) -> Result<R, Fail> {
    let mut inner = handle.inner.lock();
    if inner.broken {
        return Err(Fail::new(
            dc_status::Panic,
            "an earlier call panicked inside this campaign; its state may be inconsistent: free it",
        ));
    }
    inner.broken = true;
    let result = f(&mut inner);
    inner.broken = false;
    result
}

/// `handle_ref` then `locked`.
#[inline]
unsafe fn with_campaign<R>(
    c: *const dc_campaign,
    f: impl FnOnce(&mut Inner) -> Result<R, Fail>,
) -> Result<R, Fail> {
    // SAFETY: forwarded contract.
    locked(unsafe { handle_ref(c) }?, f)
}

/// Creates a campaign from `config` into `*out`. Bad values give
/// `DC_STATUS_INVALID_CONFIG` (or `DC_STATUS_UNKNOWN_TIMEZONE`,
/// `DC_STATUS_BAD_UTF8`) with a message naming the field; `*out` is then
/// left unchanged.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_new(
    config: *const dc_config,
    out: *mut *mut dc_campaign,
) -> dc_status {
    run(|| {
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let config = unsafe { read_config(config) }?;
        let campaign = Campaign::new(config).map_err(|e| {
            let status = if e.field == "default_timezone" {
                dc_status::UnknownTimezone
            } else {
                dc_status::InvalidConfig
            };
            Fail::new(status, e)
        })?;
        let handle = Box::new(Handle::new(campaign, Vec::new()));
        // SAFETY: non-NULL (checked above), writable per the contract.
        unsafe { out.write(Box::into_raw(handle).cast::<dc_campaign>()) };
        Ok(())
    })
}

/// Frees a campaign and everything it holds. NULL is a no-op. No other
/// thread may use the handle during or after this call. A durable campaign
/// writes what is buffered (without forcing it to disk: call
/// `dc_campaign_flush` first for that) and releases its data directory.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_free(campaign: *mut dc_campaign) {
    if campaign.is_null() {
        return;
    }
    run_or((), || {
        // SAFETY: non-NULL; the caller guarantees it came from
        // `dc_campaign_new` and is freed once, with no other user left.
        drop(unsafe { Box::from_raw(campaign.cast::<Handle>()) });
    });
}

// ----------------------------------------------------------------------
// Setup
// ----------------------------------------------------------------------

/// Adds one contact. `phone` is required; `external_id` (NULL = "") and
/// `timezone` (NULL = the campaign default) are optional. An invalid number
/// still adds the contact, as InvalidRecord; a blacklisted one as
/// Blacklisted. An unknown time zone adds nothing
/// (`DC_STATUS_UNKNOWN_TIMEZONE`). The new id goes to `*out_contact`
/// (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contact(
    campaign: *mut dc_campaign,
    phone: *const c_char,
    external_id: *const c_char,
    timezone: *const c_char,
    priority: u8,
    out_contact: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY (all three): NUL-terminated strings or NULL per the contract.
        let phone = unsafe { req_str(phone, "phone") }?;
        // SAFETY: as above.
        let external_id = unsafe { opt_str(external_id, "external_id") }?.unwrap_or("");
        // SAFETY: as above.
        let timezone = unsafe { opt_str(timezone, "timezone") }?;
        // SAFETY: the campaign pointer per the contract.
        let id = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner
                    .campaign
                    .add_contact(phone, external_id, timezone, priority)?)
            })
        }?;
        if !out_contact.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_contact.write(id.0) };
        }
        Ok(())
    })
}

/// Adds `count` contacts from an array of phone strings (campaign default
/// time zone, no external id) as one operation, all or nothing (see
/// `dc_campaign_add_contact_rows`): every string is checked (non-NULL,
/// UTF-8) and the campaign's room before any is added, and a durable
/// campaign journals them as one record, synced once. The ids are
/// consecutive; the first goes to `*out_first` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_contacts(
    campaign: *mut dc_campaign,
    phones: *const *const c_char,
    count: usize,
    priority: u8,
    out_first: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable pointers at `phones` per the contract.
        let ptrs = unsafe { slice(phones, count, "phones") }?;
        let mut strs = Vec::with_capacity(ptrs.len());
        for (i, &p) in ptrs.iter().enumerate() {
            // SAFETY: each element is a NUL-terminated string or NULL.
            strs.push(unsafe { req_str(p, &format!("phones[{i}]")) }?);
        }
        let rows: Vec<ContactRow<'_>> = strs
            .into_iter()
            .map(|phone| ContactRow {
                priority,
                ..ContactRow::new(phone)
            })
            .collect();
        // SAFETY: the campaign pointer per the contract.
        let first = unsafe {
            with_campaign(campaign, |inner| {
                let ids = inner.campaign.add_contacts(&rows).map_err(|e| {
                    let Fail(status, _) = Fail::from(e.error.clone());
                    Fail::new(status, e)
                })?;
                Ok(ids.start.0)
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(first) };
        }
        Ok(())
    })
}

/// Adds `count` contacts with already normalized numbers (E.164 digits, e.g.
/// `12125550100`). The ids are consecutive; the first goes to `*out_first`
/// (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_numbers(
    campaign: *mut dc_campaign,
    numbers: *const u64,
    count: usize,
    priority: u8,
    out_first: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the campaign pointer per the contract.
        let ids = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.add_numbers(numbers, priority)?)
            })
        }?;
        if !out_first.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_first.write(ids.start) };
        }
        Ok(())
    })
}

unsafe fn import_with(
    campaign: *mut dc_campaign,
    report: *mut dc_import_report,
    f: impl FnOnce(&mut Campaign) -> Result<ImportReport, ImportError>,
) -> Result<(), Fail> {
    // SAFETY: the campaign pointer per the contract.
    let r = unsafe { with_campaign(campaign, |inner| Ok(f(&mut inner.campaign)?)) }?;
    if !report.is_null() {
        // SAFETY: non-NULL, writable per the contract.
        unsafe { report.write(dc_import_report::from_report(&r)) };
    }
    Ok(())
}

/// Imports a CSV contact list from the file at `path` (columns `phone`,
/// optional `external_id`, `timezone`, `priority`). Bad rows are counted in
/// the report (optional), never silently dropped; a file that cannot be read
/// is `DC_STATUS_IO`, one without a usable header `DC_STATUS_BAD_CSV`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv(
    campaign: *mut dc_campaign,
    path: *const c_char,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        // SAFETY: forwarded contract.
        unsafe { import_with(campaign, report, |c| c.import_csv_path(path)) }
    })
}

/// Imports a CSV contact list from memory (`len` bytes at `data`), as
/// `dc_campaign_import_csv`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_import_csv_buffer(
    campaign: *mut dc_campaign,
    data: *const u8,
    len: usize,
    report: *mut dc_import_report,
) -> dc_status {
    run(|| {
        // SAFETY: `len` readable bytes per the contract.
        let data = unsafe { slice(data, len, "data") }?;
        // SAFETY: forwarded contract.
        unsafe { import_with(campaign, report, |c| c.import_csv(data)) }
    })
}

/// Sets the most contacts this campaign holds (a licence or memory cap): at
/// least the contacts it holds, at most `DC_MAX_CONTACTS` (the default);
/// otherwise `DC_STATUS_INVALID_ARGUMENT` and nothing changes. Adding past
/// the limit (`dc_campaign_add_contact`, `dc_campaign_add_numbers`, a CSV
/// row) is `DC_STATUS_FULL` (a row error for CSV) and adds nothing. Not kept
/// in a data directory: set it again after `dc_campaign_open`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_set_contact_limit(
    campaign: *mut dc_campaign,
    limit: u32,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.set_contact_limit(limit as usize)?)
            })
        }
    })
}

/// Adds an operator (offline until a `DC_EVENT_KIND_OPERATOR_LOGIN` event);
/// its id goes to `*out_operator`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_add_operator(
    campaign: *mut dc_campaign,
    out_operator: *mut u32,
) -> dc_status {
    run(|| {
        if out_operator.is_null() {
            return Err(Fail::null("out_operator"));
        }
        // SAFETY: the campaign pointer per the contract.
        let id = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.add_operator())) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_operator, id.0, "out_operator") }
    })
}

/// Loads `count` numbers (E.164 digits) into the blacklist; contacts with
/// them are blacklisted as with `DC_EVENT_KIND_BLACKLIST_ADD` (a contact in a
/// call when the call ends).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_blacklist_numbers(
    campaign: *mut dc_campaign,
    numbers: *const u64,
    count: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.blacklist_numbers(numbers);
                Ok(())
            })
        }
    })
}

/// Gives an InvalidRecord contact a new number; its new state (Initial, or
/// Blacklisted) goes to `*out_state` (optional).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_fix_number(
    campaign: *mut dc_campaign,
    contact: u32,
    phone: *const c_char,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let phone = unsafe { req_str(phone, "phone") }?;
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.fix_number(ContactId(contact), phone)?)
            })
        }?;
        if !out_state.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_state.write(state.code()) };
        }
        Ok(())
    })
}

// ----------------------------------------------------------------------
// Events and commands
// ----------------------------------------------------------------------

/// Applies one event at `now_ms` (ms since the Unix epoch). On any error
/// nothing changed: `DC_STATUS_STALE_CALL` for an older attempt,
/// `DC_STATUS_ILLEGAL_TRANSITION` / `DC_STATUS_ILLEGAL_OPERATOR_EVENT` for an
/// event the state does not allow, `DC_STATUS_UNKNOWN_CONTACT` /
/// `DC_STATUS_UNKNOWN_OPERATOR` for bad ids, `DC_STATUS_INVALID_ARGUMENT`
/// for a `kind` or `disposition` outside its enum,
/// `DC_STATUS_TIME_OUT_OF_RANGE` for `now_ms` or `callback_at_ms` past
/// `DC_MAX_TIME_MS`. Never hands out a command itself: what the event
/// decides is handed out (through the guards) by the next
/// `dc_campaign_poll`, which the host calls next (see
/// `dc_campaign_next_deadline`).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_handle(
    campaign: *mut dc_campaign,
    event: *const dc_event,
    now_ms: u64,
) -> dc_status {
    run(|| {
        if event.is_null() {
            return Err(Fail::null("event"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let event = unsafe { read_event(event) }?;
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.campaign.handle(event, now_ms)?)
            })
        }
    })
}

/// Fires due timers, selects and paces at `now_ms`, and writes up to `cap`
/// commands to `out`; how many goes to `*written`. Commands that do not fit
/// stay in the campaign, in order, and come first from the next poll (see
/// `dc_campaign_pending`): call again until `*written < cap`. Never writes
/// past `cap`. `out` may be NULL when `cap` is 0.
///
/// Every command passes the compliance guards at the moment it is written
/// to `out`: a held command that a guard forbids by then (its number
/// blacklisted, the campaign paused, the window closed, its call over) is
/// withdrawn and never written — a held Offer goes back to the hopper, a
/// held Dial ends its attempt without being dialed and is due again at once
/// (the attempt stays counted; its operator gets a Revoke).
/// `DC_STATUS_TIME_OUT_OF_RANGE` for `now_ms` past `DC_MAX_TIME_MS`.
///
/// A durable campaign whose journal cannot be written hands out nothing:
/// the call returns `DC_STATUS_IO` with the file and the error in the
/// message (as `dc_campaign_durability_error`); free the handle and open
/// the directory again.
///
/// **Ordering and the lock.** The poll runs under the campaign's lock and
/// writes its journal records there (one `write`); the `fdatasync` the
/// fsync policy asks for runs *after* the lock is released, so other
/// threads' `dc_campaign_handle` calls do not wait on the disk. The call
/// returns (and `*written` counts the commands in `out`) only once that
/// sync succeeded: no Dial reaches the host before the record of the
/// transition that issued it is on stable storage. Concurrent polls each
/// sync through the newest offset written before they hand anything out.
/// If the sync fails, the call returns `DC_STATUS_IO`, `*written` stays 0,
/// and the campaign refuses every later poll, as for a failed write.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_poll(
    campaign: *mut dc_campaign,
    now_ms: u64,
    out: *mut dc_command,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: `written` per the contract (checked for NULL inside).
        unsafe { begin_output(out, cap, written) }?;
        // SAFETY: the campaign pointer per the contract.
        let handle = unsafe { handle_ref(campaign) }?;
        let (n, sync) = {
            locked(handle, |inner| {
                let Inner {
                    campaign,
                    pending,
                    scratch,
                    last_sync,
                    sync_under_lock,
                    ..
                } = inner;
                scratch.clear();
                if !*sync_under_lock {
                    campaign.defer_sync();
                }
                let polled = campaign.poll(now_ms, scratch);
                // Taken on every path, so no deferral outlives this poll.
                if let Some(h) = campaign.take_sync() {
                    *last_sync = Some(h);
                }
                polled?;
                if let Some(e) = campaign.durability_error() {
                    return Err(Fail::new(
                        dc_status::Io,
                        format!("journal write failed, no commands handed out: {e}"),
                    ));
                }
                let mut n = 0;
                let mut put = |cmd: Command| {
                    // SAFETY: n < cap and the caller gives `cap` writable
                    // commands at `out` (non-NULL when cap > 0).
                    unsafe { out.add(n).write(dc_command::from_command(cmd)) };
                    n += 1;
                };
                if pending.is_empty() && scratch.len() <= cap {
                    scratch.drain(..).for_each(&mut put);
                } else {
                    // Held commands pass the emission gate again now: one
                    // a guard forbids by now is withdrawn, not handed out.
                    pending.extend(scratch.drain(..));
                    let mut given = 0;
                    while given < cap {
                        let Some(cmd) = pending.pop_front() else {
                            break;
                        };
                        if campaign.recheck(&cmd, now_ms)? {
                            put(cmd);
                            given += 1;
                        }
                    }
                }
                let sync = last_sync.as_ref().filter(|h| !h.is_done()).cloned();
                if sync.is_none() {
                    *last_sync = None;
                }
                Ok((n, sync))
            })
        }?;
        // Outside the lock: the records of what `out` holds reach the disk
        // before the host may read it.
        if let Some(h) = sync {
            h.sync().map_err(|e| {
                Fail::new(
                    dc_status::Io,
                    format!("journal sync failed, no commands handed out: {e}"),
                )
            })?;
        }
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Rust only, for the benchmark comparing both orderings (`benches/`,
/// `lock_wait`): `true` makes `dc_campaign_poll` fsync inside the lock, as
/// it did before the sync moved out of it. Not in the C header.
///
/// # Safety
///
/// `campaign` is NULL (ignored) or a live handle.
#[doc(hidden)]
pub unsafe fn sync_under_lock(campaign: *mut dc_campaign, on: bool) {
    // SAFETY: forwarded contract.
    if let Ok(h) = unsafe { handle_ref(campaign) } {
        h.inner.lock().sync_under_lock = on;
    }
}

// ----------------------------------------------------------------------
// Queries
// ----------------------------------------------------------------------

/// Writes how much work the next `dc_campaign_poll` has at once to `*out`:
/// the commands held back by an earlier poll's `cap`, plus the engine's due
/// work (commands queued by events, answered calls waiting while an operator
/// is ready, due timers such as the BCW countdown that `OperatorAccepted`
/// with `bcw_ms = 0` or `OperatorDialNow` makes due at once). Greater than 0
/// means: poll now. See `dc_campaign_next_deadline` for the whole rule.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_pending(
    campaign: *const dc_campaign,
    out: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let n = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.pending.len() + inner.campaign.pending())
            })
        }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}

/// Writes the state code (`dc_state`) of `contact` to `*out_state`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_state(
    campaign: *const dc_campaign,
    contact: u32,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        if out_state.is_null() {
            return Err(Fail::null("out_state"));
        }
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                inner
                    .campaign
                    .state(ContactId(contact))
                    .ok_or_else(|| Fail::from(EngineError::UnknownContact(ContactId(contact))))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_state, state.code(), "out_state") }
    })
}

/// Writes the contact count of each state, indexed by state code, to
/// `out[0 .. min(cap, DC_STATE_COUNT)]`, and how many were written to
/// `*written`. O(1).
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_counts(
    campaign: *const dc_campaign,
    out: *mut u32,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        if written.is_null() {
            return Err(Fail::null("written"));
        }
        if out.is_null() && cap > 0 {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let counts = unsafe { with_campaign(campaign, |inner| Ok(*inner.campaign.counts())) }?;
        let n = cap.min(DC_STATE_COUNT);
        for (i, &count) in counts.0.iter().take(n).enumerate() {
            // SAFETY: i < n <= cap writable elements at `out`.
            unsafe { out.add(i).write(count) };
        }
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Writes the number of contacts of the campaign (every state) to `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_contact_count(
    campaign: *const dc_campaign,
    out: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let n = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.store().len())) }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}

/// Why the engine paused an operator (`dc_campaign_operator_pause_reason`).
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_pause_reason {
    /// Not paused by the engine (or no longer paused).
    None = 0,
    /// Missed offers in a row (`max_offer_refusals`, or one miss with 0).
    MissedOffers = 1,
    /// Declined offers in a row.
    DeclinedOffers = 2,
}

/// Writes why the engine paused the operator (`dc_pause_reason`) to
/// `*out_reason`: 0 when it did not, or the operator has left that pause.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_operator_pause_reason(
    campaign: *const dc_campaign,
    operator_id: u32,
    out_reason: *mut u8,
) -> dc_status {
    run(|| {
        if out_reason.is_null() {
            return Err(Fail::null("out_reason"));
        }
        let id = OperatorId(operator_id);
        // SAFETY: the campaign pointer per the contract.
        let reason = unsafe {
            with_campaign(campaign, |inner| {
                let ops = inner.campaign.operators();
                if !ops.contains(id) {
                    return Err(Fail::from(EngineError::UnknownOperator(id)));
                }
                Ok(ops.pause_reason(id).map_or(0, |r| r as u8))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_reason, reason, "out_reason") }
    })
}

/// Writes the operator's state code (`dc_operator_state`) to `*out_state`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_operator_state(
    campaign: *const dc_campaign,
    operator_id: u32,
    out_state: *mut u8,
) -> dc_status {
    run(|| {
        if out_state.is_null() {
            return Err(Fail::null("out_state"));
        }
        let id = OperatorId(operator_id);
        // SAFETY: the campaign pointer per the contract.
        let state = unsafe {
            with_campaign(campaign, |inner| {
                inner
                    .campaign
                    .operators()
                    .state(id)
                    .ok_or_else(|| Fail::from(EngineError::UnknownOperator(id)))
            })
        }?;
        let code = state as u8;
        debug_assert_eq!(OperatorState::Acw as u8, dc_operator_state::Acw as u8);
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_state, code, "out_state") }
    })
}

/// Which pacer decides how many predictive calls to start at a poll.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_pacer {
    /// `predictive_ratio` calls in flight per ready operator (the default of
    /// `dc_campaign_new`: predictable, what hosts had before).
    FixedRatio = 0,
    /// The dialcore pacer: progressive 1:1 until its estimates have enough
    /// samples, then as many calls as keep the predicted abandon rate under
    /// the target (see docs/PACING.md).
    Dialcore = 1,
}

/// Selects the predictive pacer (`dc_pacer`, read as an integer). The
/// engine's abandon guard caps whichever is chosen. The statistics the
/// pacers read are kept across the switch.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_set_pacer(
    campaign: *mut dc_campaign,
    pacer: u32,
) -> dc_status {
    run(|| {
        let pacer: Box<dyn engine::Pacer> = match pacer {
            0 => {
                // SAFETY: the campaign pointer per the contract.
                let ratio = unsafe {
                    with_campaign(campaign, |inner| {
                        Ok(inner.campaign.config().predictive_ratio)
                    })
                }?;
                Box::new(engine::FixedRatioPacer::new(ratio))
            }
            1 => Box::new(engine::DialcorePacer::default()),
            other => return Err(Fail::invalid(format!("pacer {other} is not a dc_pacer"))),
        };
        // SAFETY: the campaign pointer per the contract.
        unsafe {
            with_campaign(campaign, |inner| {
                inner.campaign.set_pacer(pacer);
                Ok(())
            })
        }
    })
}

/// Writes the campaign's figures at `now_ms` to `*out`; `DC_STATUS_TIME_OUT_OF_RANGE`
/// (nothing written) for `now_ms` past `DC_MAX_TIME_MS`.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_metrics(
    campaign: *const dc_campaign,
    now_ms: u64,
    out: *mut dc_metrics,
) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: the campaign pointer per the contract.
        let m = unsafe { with_campaign(campaign, |inner| Ok(inner.campaign.metrics(now_ms)?)) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, m.into(), "out") }
    })
}

/// Writes when the host must poll next (ms since the epoch) to `*out_ms`.
///
/// **When to poll.** A host calls `dc_campaign_poll` (1) after every call
/// that returned `DC_STATUS_OK` and changed the campaign (every accepted
/// `dc_campaign_handle`, adding contacts, blacklist changes): an operator
/// getting ready, a resume or new contacts may let the engine offer or dial,
/// and an answered call waits for that poll to be connected; and (2) when
/// its clock reaches the time written here. That time is the latest time
/// seen (so: now) while a poll is needed — commands held back by `cap`,
/// due work (`dc_campaign_pending` > 0), or a change since the last poll —
/// else the earliest pending timer, or `UINT64_MAX` when there is none.
/// `dc_campaign_handle` never hands out a command itself: every Dial, Offer
/// and Connect is made in `dc_campaign_poll`, through the compliance guards,
/// at the moment it is handed out.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_next_deadline(
    campaign: *const dc_campaign,
    out_ms: *mut u64,
) -> dc_status {
    run(|| {
        if out_ms.is_null() {
            return Err(Fail::null("out_ms"));
        }
        // SAFETY: the campaign pointer per the contract.
        let at = unsafe {
            with_campaign(campaign, |inner| {
                Ok(if inner.pending.is_empty() {
                    inner.campaign.next_deadline().unwrap_or(u64::MAX)
                } else {
                    inner.campaign.now_ms()
                })
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_ms, at, "out_ms") }
    })
}

mod bulk;
mod durable;
mod floor;
pub use bulk::*;
pub use durable::*;
pub use floor::*;
mod lookup;
pub use lookup::*;
mod numbers;
pub use numbers::*;
mod rules;
pub use rules::*;

/// Hooks for the Rust tests of this crate; not part of the C API.
#[doc(hidden)]
pub mod testing {
    use super::*;

    /// Panics inside the campaign's lock, as a bug in the engine would.
    ///
    /// # Safety
    /// As every function: `campaign` from `dc_campaign_new`, not freed.
    pub unsafe fn panic_inside_lock(campaign: *mut dc_campaign) -> dc_status {
        run(|| {
            // SAFETY: forwarded contract.
            unsafe { with_campaign(campaign, |_| -> Result<(), Fail> { panic!("test panic") }) }
        })
    }

    /// The display names the engine uses, to compare with `dc_state_name`.
    pub fn engine_state_name(code: u8) -> Option<&'static str> {
        State::from_code(code).map(State::display_name)
    }
}

/// Checks a poll's output arguments and sets `*written = 0`: `written`
/// non-NULL, `out` non-NULL unless `cap` is 0, `cap` elements of `T` within
/// `isize::MAX` bytes.
///
/// # Safety
/// `written`, when non-NULL, must be writable.
pub(crate) unsafe fn begin_output<T>(
    out: *mut T,
    cap: usize,
    written: *mut usize,
) -> Result<(), Fail> {
    if written.is_null() {
        return Err(Fail::null("written"));
    }
    // SAFETY: non-NULL, writable per the contract.
    unsafe { written.write(0) };
    if out.is_null() && cap > 0 {
        return Err(Fail::null("out"));
    }
    if cap > isize::MAX as usize / std::mem::size_of::<T>() {
        return Err(Fail::invalid(format!("cap {cap} is too large")));
    }
    Ok(())
}
